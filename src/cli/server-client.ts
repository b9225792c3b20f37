import type { Command } from 'commander'

/**
 * The CLI's side of the REST API, for the commands that work against a running Warden server
 * (`warden request`, `warden tasks`): where the server is (`--server` or $WARDEN_SERVER), who is
 * calling (a personal API token: `--token` or $WARDEN_TOKEN), and the server's errors turned back
 * into Warden errors with their catalogue code, so the exit code follows (2 for bad input, 1 for
 * the rest).
 */

/** `--server` and `--token` on a command (defaults from the environment, checked when it runs). */
export function connectionOptions(command: Command): Command {
  return command
    .option('--server <url>', 'the Warden server, e.g. https://warden.example.com (default: $WARDEN_SERVER)')
    .option('--token <token>', 'your personal API token (default: $WARDEN_TOKEN; make one under Account > API tokens)')
}

export { WardenApi, collect, serverError, serverUrl } from '../client/index.js'
export type { ConnectionFlags } from '../client/index.js'
