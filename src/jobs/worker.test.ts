import { expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { WardenError } from '../errors/index.js'
import { countJobs, enqueue, enqueueMany, getJob, listJobs } from './jobs-repo.js'
import type { Job } from './jobs-repo.js'
import { deferred, memoryLogger } from './test-support.js'
import { Worker } from './worker.js'
import type { JobHandler, WorkerOptions } from './worker.js'

const FAST = { pollIntervalMs: 10, backoff: { baseMs: 20, maxMs: 1000, jitter: 0 } } satisfies Partial<WorkerOptions>

describeDialects('worker', (t) => {
  const workers: Worker[] = []
  function worker(options: WorkerOptions, store = t.store): Worker {
    const w = new Worker(store, { ...FAST, ...options })
    workers.push(w)
    return w
  }
  async function stopAll(): Promise<void> {
    await Promise.all(workers.splice(0).map((w) => w.stop({ timeoutMs: 1000 })))
  }

  it('runs committed jobs and never one whose transaction rolled back', async () => {
    const seen: Array<{ id: string; payload: unknown; attempts: number; workerId: string }> = []
    const handler: JobHandler = async ({ job, workerId }) => {
      seen.push({ id: job.id, payload: job.payload, attempts: job.attempts, workerId })
    }
    const kept = await t.store.transaction((trx) => enqueue(trx, { kind: 'note.send', payload: { to: 'a' } }))
    await expect(
      t.store.transaction(async (trx) => {
        await enqueue(trx, { kind: 'note.send', payload: { to: 'b' } })
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    const w = worker({ id: 'w-1', handlers: { 'note.send': handler } })
    expect(w.state).toBe('created')
    w.start()
    expect(w.state).toBe('running')
    await waitFor(async () => (await getJob(t.store.db, kept!))?.status === 'succeeded', 10_000, 'the job to succeed')
    // Give the worker more polls in which a phantom job could appear.
    await new Promise((r) => setTimeout(r, 100))
    try {
      expect(seen).toEqual([{ id: kept, payload: { to: 'a' }, attempts: 1, workerId: 'w-1' }])
      expect(await countJobs(t.store.db)).toEqual({ queued: 0, running: 0, succeeded: 1, failed: 0, dead: 0 })
      expect(await getJob(t.store.db, kept!)).toMatchObject({ status: 'succeeded', locked_by: null, locked_until: null, last_error: null })
    } finally {
      await stopAll()
    }
    expect(w.state).toBe('stopped')
  })

  it('retries with exponential backoff, then makes the job dead and logs with context', async () => {
    const calls: number[] = []
    const { logger, lines } = memoryLogger()
    const id = (await enqueue(t.store.db, { kind: 'flaky', maxAttempts: 3 }))!
    const w = worker({ id: 'w-retry', logger, handlers: {
        flaky: async () => {
          calls.push(Date.now())
          throw new Error('upstream said no')
        },
      },
    })
    w.start()
    const dead = await waitFor(async () => {
      const j = await getJob(t.store.db, id)
      return j?.status === 'dead' ? j : undefined
    }, 10_000, 'the job to die')
    await stopAll()
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, last_error: 'upstream said no', locked_by: null })
    expect(calls).toHaveLength(3)
    // Backoff 20 ms after attempt 1, 40 ms after attempt 2 (jitter 0).
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(20)
    expect(calls[2]! - calls[1]!).toBeGreaterThanOrEqual(40)
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'job failed, retry in 20 ms: upstream said no'],
      ['warn', 'job failed, retry in 40 ms: upstream said no'],
      ['error', 'job dead (no attempts left): upstream said no'],
    ])
    expect(lines[2]!.context).toMatchObject({ worker: 'w-retry', kind: 'flaky', job: id, attempt: '3/3' })
    expect((await listJobs(t.store.db, { status: 'dead' })).items.map((j) => j.id)).toEqual([id])
  })

  it('makes a job dead at once on an error that is not retryable', async () => {
    const { logger, lines } = memoryLogger()
    const id = (await enqueue(t.store.db, { kind: 'grant.create', maxAttempts: 5 }))!
    const w = worker({
      logger,
      handlers: { 'grant.create': async () => Promise.reject(new WardenError('ONELOGIN_REJECTED', 'role 42 does not exist')) },
    })
    w.start()
    const job = await waitFor(async () => ((await getJob(t.store.db, id))?.status === 'dead' ? getJob(t.store.db, id) : undefined))
    await stopAll()
    expect(job).toMatchObject({ attempts: 1, last_error: 'ONELOGIN_REJECTED: role 42 does not exist' })
    expect(lines.map((l) => l.message)).toEqual(['job dead (not retryable): role 42 does not exist'])
  })

  it('runs a job again when its worker was killed mid-job (lease expiry), and ignores the dead worker’s late result', async () => {
    const { logger, lines } = memoryLogger()
    const id = (await enqueue(t.store.db, { kind: 'long' }))!
    const started = deferred()
    const release = deferred()
    let runs = 0
    const first = worker({
      id: 'w-doomed',
      leaseMs: 300,
      logger,
      handlers: {
        long: async () => {
          runs++
          started.resolve()
          await release.promise
        },
      },
    })
    first.start()
    await started.promise
    // "Kill" it: stop without letting the job finish. Its lease is no longer renewed.
    expect(await first.stop({ timeoutMs: 20 })).toEqual({ unfinished: [id] })
    expect(first.state).toBe('stopped')
    expect(await getJob(t.store.db, id)).toMatchObject({ status: 'running', locked_by: 'w-doomed', attempts: 1 })

    const second = worker({ id: 'w-heir', leaseMs: 300, handlers: { long: async () => void runs++ } })
    second.start()
    const job = await waitFor(async () => ((await getJob(t.store.db, id))?.status === 'succeeded' ? getJob(t.store.db, id) : undefined))
    expect(runs).toBe(2)
    expect(job).toMatchObject({ attempts: 2, last_error: 'lease expired: worker w-doomed stopped or crashed during attempt 1' })

    release.resolve()
    await waitFor(() => lines.some((l) => l.message.startsWith('job finished after its lease was lost')))
    expect((await getJob(t.store.db, id))?.attempts).toBe(2)
    expect(lines.map((l) => l.message)).toEqual([
      'stopped with 1 job(s) still running; their leases expire and another worker retries them',
      'job finished after its lease was lost; another attempt owns it now',
    ])
    await stopAll()
  })

  it('stops gracefully: stops claiming, lets the running job finish, renews its lease meanwhile', async () => {
    const [slow, waiting] = (await enqueueMany(t.store.db, [{ kind: 'slow' }, { kind: 'slow', runAt: new Date(Date.now() + 60_000) }]))!
    const started = deferred()
    const w = worker({
      leaseMs: 90,
      concurrency: 1,
      handlers: {
        slow: async () => {
          started.resolve()
          await new Promise((r) => setTimeout(r, 400))
        },
      },
    })
    w.start()
    await started.promise
    const stopping = w.stop()
    expect(w.state).toBe('stopping')
    expect(await stopping).toEqual({ unfinished: [] })
    expect(w.state).toBe('stopped')
    // 400 ms of work under a 90 ms lease: only renewals kept it from being taken.
    expect(await getJob(t.store.db, slow!)).toMatchObject({ status: 'succeeded', attempts: 1 })
    expect(await getJob(t.store.db, waiting!)).toMatchObject({ status: 'queued', attempts: 0 })
    expect(() => w.start()).toThrow("can't start: it is stopped")
  })

  it('keeps polling through database errors, logging them with its id', async () => {
    const { logger, lines } = memoryLogger()
    // A short connect timeout: pg makes a query issued while its pool closes wait that long.
    const broken = await t.open({ connectTimeoutMs: 300 })
    const w = worker({ id: 'w-unlucky', logger, pollIntervalMs: 10, handlers: { any: async () => {} } }, broken)
    w.start()
    await broken.close()
    await waitFor(() => lines.filter((l) => l.level === 'error').length >= 2, 10_000, 'two logged poll errors')
    expect(w.state).toBe('running')
    expect(lines[0]).toMatchObject({ level: 'error', context: { worker: 'w-unlucky' } })
    expect(lines[0]!.message).toMatch(/^polling for jobs failed, retrying in 10 ms: /)
    expect(lines[1]!.message).toMatch(/^polling for jobs failed, retrying in 20 ms: /)
    await stopAll()
    expect(w.state).toBe('stopped')
  })

  it('enqueues a schedule once per slot when several workers run it', async () => {
    const runs: Job[] = []
    const s = { kind: 'digest.daily', everyMs: 86_400_000 }
    const a = worker({ handlers: { 'digest.daily': async ({ job }) => void runs.push(job) }, schedules: [s] })
    const b = worker({ handlers: { 'digest.daily': async ({ job }) => void runs.push(job) }, schedules: [s] }, await t.open())
    a.start()
    b.start()
    await waitFor(() => runs.length === 1)
    await new Promise((r) => setTimeout(r, 100))
    await stopAll()
    expect(runs).toHaveLength(1)
    expect(runs[0]!.singleton_key).toBe('schedule:digest.daily')
    expect((await listJobs(t.store.db)).items).toHaveLength(1)
  })

  it('runs each of 1,000 jobs exactly once across two workers on two connection pools', async () => {
    const n = 1000
    const executions = new Map<string, number>()
    const byWorker = new Map<string, number>()
    const handler: JobHandler = async ({ job, workerId }) => {
      executions.set(job.id, (executions.get(job.id) ?? 0) + 1)
      byWorker.set(workerId, (byWorker.get(workerId) ?? 0) + 1)
      await new Promise((r) => setImmediate(r))
    }
    const ids = await t.store.transaction((trx) =>
      enqueueMany(trx, Array.from({ length: n }, (_, i) => ({ kind: 'bulk', payload: { i } }))),
    )
    expect(ids).toHaveLength(n)
    const other = await t.open()
    const a = worker({ id: 'w-a', concurrency: 8, handlers: { bulk: handler } })
    const b = worker({ id: 'w-b', concurrency: 8, handlers: { bulk: handler } }, other)
    a.start()
    b.start()
    await waitFor(async () => (await countJobs(t.store.db)).succeeded === n, 50_000, 'all jobs to succeed')
    await stopAll()
    expect(executions.size).toBe(n)
    expect([...executions.values()].filter((c) => c !== 1)).toEqual([])
    expect(new Set(executions.keys())).toEqual(new Set(ids))
    expect(await countJobs(t.store.db)).toEqual({ queued: 0, running: 0, succeeded: n, failed: 0, dead: 0 })
    // Both took part (not a proof of parallelism, but a single idle worker would show here).
    expect(byWorker.get('w-a')).toBeGreaterThan(0)
    expect(byWorker.get('w-b')).toBeGreaterThan(0)
  })
})
