import type { JobLogger } from './worker.js'

export interface LogLine {
  level: 'error' | 'warn' | 'info'
  message: string
  context: Record<string, unknown>
}

/** A JobLogger that keeps what it is told, for assertions. */
export function memoryLogger(): { logger: JobLogger; lines: LogLine[] } {
  const lines: LogLine[] = []
  return {
    lines,
    logger: {
      error: (message, context) => lines.push({ level: 'error', message, context }),
      warn: (message, context) => lines.push({ level: 'warn', message, context }),
      info: (message, context) => lines.push({ level: 'info', message, context }),
    },
  }
}

/** A promise plus its resolve function (Node 20 has no Promise.withResolvers). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}
