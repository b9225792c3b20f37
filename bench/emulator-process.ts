import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export interface EmulatorProcess {
  child: ChildProcess
  url: string
  clientId: string
  clientSecret: string
  /** Spawn to "ready" (the banner printed), ms. */
  startMs: number
  stop(): void
}

/** Starts the real CLI, `warden emulator --port 0 ...args`, and reads its base URL and credentials from the banner. */
export async function startEmulatorProcess(args: readonly string[]): Promise<EmulatorProcess> {
  const started = performance.now()
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'warden.js'), 'emulator', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    let text = ''
    for await (const chunk of child.stdout) {
      text += String(chunk)
      const url = /base URL:\s+(\S+)/.exec(text)?.[1]
      const clientId = /client ID:\s+(\S+)/.exec(text)?.[1]
      const clientSecret = /client secret:\s+(\S+)/.exec(text)?.[1]
      if (url !== undefined && clientId !== undefined && clientSecret !== undefined) {
        return { child, url, clientId, clientSecret, startMs: performance.now() - started, stop: () => child.kill('SIGTERM') }
      }
    }
    throw new Error(`the emulator exited before it was ready:\n${text}`)
  } catch (e) {
    child.kill('SIGTERM')
    throw e
  }
}
