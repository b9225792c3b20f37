/**
 * One worker process of the JIT benchmark (bench/jit.ts), started with an IPC channel
 * (child_process.fork) and its input in WARDEN_JIT_WORKER_INPUT:
 * `{"url":…,"key":<base64 secrets key>,"id":…,"concurrency":n}`. It runs what `warden worker` runs
 * for provisioning (the job worker with governance/jit.ts's handlers, production poll interval,
 * lease and back-off) against the benchmark's PostgreSQL database, with one difference: the
 * OneLogin client's hourly budget is raised to match the emulator's (a real tenant's 5,000
 * calls/hour would pace the run to hours). Sends `{kind:'ready'}`; on `{stop:true}` stops the
 * worker and answers with its peak RSS, CPU time and what its logger saw.
 */
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jitJobs } from '../src/governance/index.js'
import { Worker } from '../src/jobs/index.js'
import { SecretBox } from '../src/secrets/index.js'
import { openStore } from '../src/store/index.js'

export interface JitWorkerInput {
  url: string
  key: string
  id: string
  concurrency: number
}

export type JitWorkerMessage =
  | { kind: 'ready' }
  | { kind: 'stopped'; peak_rss_bytes: number; cpu_ms: number; warnings: number; errors: number; first_problem: string | null }
  | { kind: 'error'; message: string }

function send(message: JitWorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) {
      reject(new Error('bench/jit-worker.ts must be started by bench/jit.ts (with an IPC channel)'))
      return
    }
    process.send(message, undefined, {}, (e) => (e === null ? resolve() : reject(e)))
  })
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env['WARDEN_JIT_WORKER_INPUT'] ?? '') as JitWorkerInput
  const store = await openStore(input.url, { migrate: false, poolSize: Math.min(20, input.concurrency + 4) })
  let warnings = 0
  let errors = 0
  let firstProblem: string | null = null
  const note = (message: string): void => {
    firstProblem ??= message
  }
  const jit = jitJobs(
    {
      secrets: new SecretBox(Buffer.from(input.key, 'base64')),
      publicUrl: 'http://127.0.0.1:3000',
      allowOneLoginUrl: true,
      dataDir: join(tmpdir(), `warden-bench-jit-${randomBytes(4).toString('hex')}`),
      maxUploadBytes: 0,
    },
    { clientOptions: { rateBudget: { limit: 100_000_000 } }, reminderLeadMinutes: 0 },
  )
  const worker = new Worker(store, {
    handlers: jit.handlers,
    id: input.id,
    concurrency: input.concurrency,
    logger: {
      error: (m) => {
        errors++
        note(m)
      },
      warn: (m) => {
        warnings++
        note(m)
      },
      info: () => {},
    },
  })
  const cpuStart = process.cpuUsage()
  worker.start()
  await send({ kind: 'ready' })
  process.on('message', (m: { stop?: boolean }) => {
    if (m.stop !== true) return
    void (async () => {
      await worker.stop({ timeoutMs: 10_000 })
      await store.close()
      const cpu = process.cpuUsage(cpuStart)
      await send({ kind: 'stopped', peak_rss_bytes: process.resourceUsage().maxRSS * 1024, cpu_ms: (cpu.user + cpu.system) / 1000, warnings, errors, first_problem: firstProblem })
      process.exit(0)
    })()
  })
}

main().catch(async (e: unknown) => {
  await send({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }).catch(() => undefined)
  process.exit(1)
})
