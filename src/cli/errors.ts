import { CommanderError } from 'commander'
import { toWardenError } from '../errors/index.js'

/**
 * Turns anything thrown into one clear line on stderr and an exit code: 2 for bad usage or
 * bad input, 1 for an operation that failed (DESIGN.md, CLI contract).
 */
export function reportError(e: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (e instanceof CommanderError) {
    // Commander has already printed its own message; help and version exit 0.
    return e.exitCode === 0 ? 0 : 2
  }
  const err = toWardenError(e)
  const where = err.endpoint !== undefined && !err.message.includes(err.endpoint) ? ` (${err.endpoint})` : ''
  stderr.write(`warden: ${err.message}${where}\n`)
  return err.exitCode
}
