import type { Command } from 'commander'
import type { SyncSummary } from '../../connector/index.js'
import { addOneLoginOptions, clientFromFlags } from '../onelogin-options.js'
import type { OneLoginFlags } from '../onelogin-options.js'
import { Progress } from '../progress.js'

interface SyncFlags extends OneLoginFlags {
  file: string
  json?: boolean
  privileges?: boolean
  full?: boolean
  resume: boolean
  quiet?: boolean
}

export function registerSync(program: Command): void {
  const cmd = program
    .command('sync')
    .description('sync a OneLogin tenant into a snapshot file (incremental when the file exists)')
    .requiredOption('--file <path>', 'the snapshot file to write')
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('--privileges', 'also sync delegated-administration privileges (needs "Manage all")')
    .option('--full', 'read everything, even when the file holds a previous sync')
    .option('--no-resume', 'discard an interrupted sync instead of resuming it')
    .option('--quiet', 'no log lines on stderr')
  addOneLoginOptions(cmd).action(async (flags: SyncFlags) => {
    const { syncToSnapshot } = await import('../../connector/index.js')
    const progress = new Progress()
    const log = (line: string): void => {
      if (flags.quiet !== true) progress.log(line)
    }
    const client = clientFromFlags(flags, (e) => log(`retrying ${e.endpoint} in ${(e.waitMs / 1000).toFixed(1)} s (attempt ${e.attempt}: ${e.reason})`))
    const abort = new AbortController()
    const onSignal = (): void => abort.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      const summary = await syncToSnapshot({
        client,
        file: flags.file,
        privileges: flags.privileges === true,
        full: flags.full === true,
        resume: flags.resume,
        signal: abort.signal,
        onProgress: (p) => progress.update(p.phase, p.done, p.total),
        onLog: (level, message) => log(`${level === 'warn' ? 'warning: ' : ''}${message}`),
      })
      progress.stop()
      process.stdout.write(flags.json === true ? `${JSON.stringify(jsonSummary(summary))}\n` : humanSummary(summary, flags.file))
    } finally {
      progress.stop()
      process.removeListener('SIGINT', onSignal)
      process.removeListener('SIGTERM', onSignal)
    }
  })
}

/** The `--json` object of the CLI contract, plus how the sync ran. */
function jsonSummary(s: SyncSummary): Record<string, unknown> {
  return {
    resources: s.resources,
    entitlements: s.entitlements,
    grants: s.grants,
    api_calls: s.api_calls,
    duration_ms: s.duration_ms,
    mode: s.mode,
    resumed: s.resumed,
    api_calls_by_endpoint: s.api_calls_by_endpoint,
  }
}

function humanSummary(s: SyncSummary, file: string): string {
  const r = s.resources
  return [
    `${s.mode === 'full' ? 'Full' : 'Incremental'} sync${s.resumed ? ' (resumed)' : ''} written to ${file} in ${(s.duration_ms / 1000).toFixed(1)} s`,
    `  ${r.user} users, ${r.role} roles, ${r.app} apps, ${r.group} groups, ${r.privilege} privileges`,
    `  ${s.entitlements} entitlements, ${s.grants} grants`,
    `  ${s.api_calls} OneLogin API calls`,
    '',
  ].join('\n')
}
