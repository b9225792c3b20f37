import { describe, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { WardenError } from '../errors/index.js'
import {
  claimJobs,
  completeJob,
  countJobs,
  enqueue,
  enqueueMany,
  failJob,
  getJob,
  listJobs,
  purgeJobs,
  requeueJob,
} from './jobs-repo.js'
import { computeBackoff } from './policy.js'
import { schedule, slotStart } from './schedule.js'

const T0 = new Date('2026-11-28T09:00:00.000Z')
const at = (ms: number): Date => new Date(T0.getTime() + ms)

describe('backoff', () => {
  it('doubles from baseMs per attempt up to maxMs, spread by the jitter', () => {
    const policy = { baseMs: 1000, maxMs: 10_000, jitter: 0 }
    expect([1, 2, 3, 4, 5, 6].map((a) => computeBackoff(a, policy))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000])
    const jittered = { baseMs: 1000, maxMs: 10_000, jitter: 0.2 }
    expect(computeBackoff(2, jittered, () => 0)).toBe(1600)
    expect(computeBackoff(2, jittered, () => 1)).toBe(2400)
    expect(computeBackoff(5, jittered, () => 1)).toBe(10_000)
  })

  it('aligns schedule slots to the epoch', () => {
    expect(slotStart(new Date('2026-11-28T09:59:59.999Z'), 3_600_000).toISOString()).toBe('2026-11-28T09:00:00.000Z')
    expect(slotStart(new Date('2026-11-28T10:00:00.000Z'), 3_600_000).toISOString()).toBe('2026-11-28T10:00:00.000Z')
  })
})

describeDialects('jobs repo', (t) => {
  it('enqueues with exact defaults, and not at all when the transaction rolls back', async () => {
    const id = await t.store.transaction((trx) => enqueue(trx, { kind: 'grant.expire', payload: { b: 2, a: [1] } }, { now: T0 }))
    expect(id).toMatch(/^job_/)
    await expect(
      t.store.transaction(async (trx) => {
        await enqueue(trx, { kind: 'grant.expire', payload: { doomed: true } })
        throw new Error('the grant failed')
      }),
    ).rejects.toThrow('the grant failed')
    const all = await listJobs(t.store.db)
    expect(all.items).toEqual([
      {
        id,
        kind: 'grant.expire',
        payload: { a: [1], b: 2 },
        status: 'queued',
        run_at: '2026-11-28T09:00:00.000Z',
        attempts: 0,
        max_attempts: 5,
        last_error: null,
        locked_by: null,
        locked_until: null,
        singleton_key: null,
        created_at: '2026-11-28T09:00:00.000Z',
        updated_at: '2026-11-28T09:00:00.000Z',
      },
    ])
    expect((await t.store.db.selectFrom('jobs').select('payload').executeTakeFirstOrThrow()).payload).toBe('{"a":[1],"b":2}')
  })

  it('refuses bad jobs', async () => {
    await expect(enqueue(t.store.db, { kind: 'Bad Kind' })).rejects.toThrow(WardenError)
    await expect(enqueue(t.store.db, { kind: 'x', maxAttempts: 0 })).rejects.toThrow('maxAttempts must be an integer from 1 to 100, got 0')
    await expect(enqueue(t.store.db, { kind: 'x', runAt: 'soon' })).rejects.toThrow('runAt is not a valid timestamp: soon')
  })

  it('keeps one active job per singleton key, and frees the key when it finishes', async () => {
    const first = await enqueue(t.store.db, { kind: 'sync.tenant', singletonKey: 'sync:acme' }, { now: T0 })
    expect(first).not.toBeNull()
    expect(await enqueue(t.store.db, { kind: 'sync.tenant', singletonKey: 'sync:acme' })).toBeNull()
    expect(await enqueue(t.store.db, { kind: 'sync.tenant', singletonKey: 'sync:other' })).not.toBeNull()
    const [job] = await claimJobs(t.store.db, { workerId: 'w1', kinds: ['sync.tenant'], limit: 1, leaseMs: 1000, now: at(1) })
    expect(job?.id).toBe(first)
    expect(await enqueue(t.store.db, { kind: 'sync.tenant', singletonKey: 'sync:acme' })).toBeNull()
    expect(await completeJob(t.store.db, { id: first!, attempts: 1, workerId: 'w1' })).toBe(true)
    expect(await enqueue(t.store.db, { kind: 'sync.tenant', singletonKey: 'sync:acme' })).not.toBeNull()
    const ids = await enqueueMany(t.store.db, [
      { kind: 'a', singletonKey: 'k' },
      { kind: 'a', singletonKey: 'k' },
      { kind: 'a' },
    ])
    expect(ids).toHaveLength(2)
  })

  it('claims due jobs of its kinds only, in run_at order, with a lease', async () => {
    const late = await enqueue(t.store.db, { kind: 'a', runAt: at(60_000) }, { now: T0 })
    const second = await enqueue(t.store.db, { kind: 'a', runAt: at(2) }, { now: T0 })
    const first = await enqueue(t.store.db, { kind: 'a', runAt: at(1) }, { now: T0 })
    await enqueue(t.store.db, { kind: 'b' }, { now: T0 })
    const claimed = await claimJobs(t.store.db, { workerId: 'w1', kinds: ['a'], limit: 5, leaseMs: 120_000, now: at(10) })
    expect(claimed.map((j) => j.id)).toEqual([first, second])
    expect(claimed[0]).toMatchObject({
      status: 'running',
      attempts: 1,
      locked_by: 'w1',
      locked_until: '2026-11-28T09:02:00.010Z',
      updated_at: '2026-11-28T09:00:00.010Z',
    })
    expect(await claimJobs(t.store.db, { workerId: 'w2', kinds: ['a'], limit: 5, leaseMs: 30_000, now: at(20) })).toEqual([])
    const next = await claimJobs(t.store.db, { workerId: 'w2', kinds: ['a'], limit: 5, leaseMs: 30_000, now: at(60_000) })
    expect(next.map((j) => j.id)).toEqual([late])
  })

  it('claims a job again when its lease expired, and makes it dead when that was its last attempt', async () => {
    const id = await enqueue(t.store.db, { kind: 'a', maxAttempts: 2 }, { now: T0 })
    await claimJobs(t.store.db, { workerId: 'w1', kinds: ['a'], limit: 1, leaseMs: 1000, now: T0 })
    expect(await claimJobs(t.store.db, { workerId: 'w2', kinds: ['a'], limit: 1, leaseMs: 1000, now: at(999) })).toEqual([])
    const [again] = await claimJobs(t.store.db, { workerId: 'w2', kinds: ['a'], limit: 1, leaseMs: 1000, now: at(1000) })
    expect(again).toMatchObject({ id, attempts: 2, locked_by: 'w2', last_error: 'lease expired: worker w1 stopped or crashed during attempt 1' })
    // w1 comes back from the dead: its claim is gone, so it records nothing.
    expect(await completeJob(t.store.db, { id: id!, attempts: 1, workerId: 'w1' })).toBe(false)
    expect(await claimJobs(t.store.db, { workerId: 'w3', kinds: ['a'], limit: 1, leaseMs: 1000, now: at(2000) })).toEqual([])
    expect(await getJob(t.store.db, id!)).toMatchObject({
      status: 'dead',
      attempts: 3,
      locked_by: null,
      last_error: 'lease expired: worker w2 stopped or crashed during attempt 2',
    })
  })

  it('records failures with their retry time, lists dead letters, requeues and purges', async () => {
    const id = (await enqueue(t.store.db, { kind: 'a', maxAttempts: 2 }, { now: T0 }))!
    await claimJobs(t.store.db, { workerId: 'w', kinds: ['a'], limit: 1, leaseMs: 1000, now: T0 })
    expect(await failJob(t.store.db, { id, attempts: 1, workerId: 'w' }, { error: 'boom', outcome: 'failed', retryAt: at(5000), now: at(1) })).toBe(true)
    expect(await getJob(t.store.db, id)).toMatchObject({ status: 'failed', run_at: '2026-11-28T09:00:05.000Z', last_error: 'boom', locked_by: null })
    expect(await claimJobs(t.store.db, { workerId: 'w', kinds: ['a'], limit: 1, leaseMs: 1000, now: at(4999) })).toEqual([])
    const [retry] = await claimJobs(t.store.db, { workerId: 'w', kinds: ['a'], limit: 1, leaseMs: 1000, now: at(5000) })
    expect(retry?.attempts).toBe(2)
    expect(await failJob(t.store.db, { id, attempts: 2, workerId: 'w' }, { error: 'boom again', outcome: 'dead', now: at(5001) })).toBe(true)

    const other = await enqueue(t.store.db, { kind: 'b' }, { now: at(1) })
    const dead = await listJobs(t.store.db, { status: 'dead' })
    expect(dead.items.map((j) => [j.id, j.status, j.attempts, j.last_error])).toEqual([[id, 'dead', 2, 'boom again']])
    expect(await countJobs(t.store.db)).toEqual({ queued: 1, running: 0, succeeded: 0, failed: 0, dead: 1 })
    expect((await listJobs(t.store.db, { status: ['dead', 'queued'] }, { limit: 1 })).items.map((j) => j.id)).toEqual([other])

    expect(await requeueJob(t.store.db, other!)).toBeUndefined()
    expect(await requeueJob(t.store.db, id, { now: at(9000) })).toMatchObject({ status: 'queued', attempts: 0, run_at: '2026-11-28T09:00:09.000Z' })
    await claimJobs(t.store.db, { workerId: 'w', kinds: ['a'], limit: 1, leaseMs: 1000, now: at(9000) })
    await completeJob(t.store.db, { id, attempts: 1, workerId: 'w' }, { now: at(9001) })
    expect(await purgeJobs(t.store.db, { before: at(9001) })).toBe(0)
    expect(await purgeJobs(t.store.db, { before: at(9002) })).toBe(1)
    expect(await getJob(t.store.db, id)).toBeUndefined()
  })

  it('enqueues a schedule once per slot, however often and from however many stores it is called', async () => {
    const s = { name: 'reminders', kind: 'reminders.send', everyMs: 3_600_000, singleton: false }
    const other = await t.open()
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => schedule(i % 2 === 0 ? t.store.db : other.db, s, { now: at(10 * 60_000 + i) })),
    )
    expect(results.filter((r) => r.jobId !== null)).toHaveLength(1)
    expect(new Set(results.map((r) => r.slot))).toEqual(new Set(['2026-11-28T09:00:00.000Z']))
    // Later in the same slot, even after the job finished: nothing.
    const [job] = await claimJobs(t.store.db, { workerId: 'w', kinds: ['reminders.send'], limit: 1, leaseMs: 1000, now: at(11 * 60_000) })
    expect(job).toMatchObject({ payload: { slot: '2026-11-28T09:00:00.000Z' }, run_at: '2026-11-28T09:00:00.000Z', singleton_key: 'schedule:reminders@2026-11-28T09:00:00.000Z' })
    await completeJob(t.store.db, { id: job!.id, attempts: 1, workerId: 'w' })
    expect((await schedule(t.store.db, s, { now: at(59 * 60_000) })).jobId).toBeNull()
    // The next slot: a new job.
    expect((await schedule(t.store.db, s, { now: at(60 * 60_000) })).jobId).not.toBeNull()
    expect((await listJobs(t.store.db, { kind: 'reminders.send' })).items).toHaveLength(2)
  })

  it('skips a singleton schedule’s slot while the previous job is still active', async () => {
    const s = { kind: 'sync.tenant', everyMs: 60_000 }
    const first = await schedule(t.store.db, s, { now: T0 })
    expect(first.jobId).not.toBeNull()
    expect(await schedule(t.store.db, s, { now: at(60_000) })).toEqual({ slot: '2026-11-28T09:01:00.000Z', jobId: null })
    await claimJobs(t.store.db, { workerId: 'w', kinds: ['sync.tenant'], limit: 1, leaseMs: 1000, now: at(60_001) })
    await completeJob(t.store.db, { id: first.jobId!, attempts: 1, workerId: 'w' })
    expect((await schedule(t.store.db, s, { now: at(120_000) })).jobId).not.toBeNull()
    await expect(schedule(t.store.db, { kind: 'x', everyMs: 10 })).rejects.toThrow('schedule everyMs must be an integer of at least 1000')
  })
})
