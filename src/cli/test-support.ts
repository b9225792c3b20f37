import { spawn } from 'node:child_process'
import { join } from 'node:path'

/** The real `warden` binary, as a user runs it. */
export const WARDEN_BIN = join(import.meta.dirname, '..', '..', 'bin', 'warden.js')

export interface WardenRun {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs `warden ...args` as a child process and collects its output. `env` replaces the whole
 * environment (default: this process's); `closeStdoutAfterFirstChunk` acts like `| head`.
 */
export function runWarden(args: string[], options: { env?: NodeJS.ProcessEnv; closeStdoutAfterFirstChunk?: boolean } = {}): Promise<WardenRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WARDEN_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += String(d)
      if (options.closeStdoutAfterFirstChunk === true) child.stdout.destroy()
    })
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
