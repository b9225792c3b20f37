/**
 * The provider's log: lines on stderr, which go-plugin forwards into Terraform's TF_LOG output
 * under the provider's name, keeping the `[LEVEL]` prefix as the line's level. stdout is not an
 * option: it carries the handshake and nothing else.
 *
 * Never log values (configuration, state, plans carry secrets): only type names, ids, timings.
 */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'

export function log(level: LogLevel, message: string): void {
  process.stderr.write(`[${level}] warden: ${message}\n`)
}
