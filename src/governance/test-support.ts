/** Helpers for governance (and server) tests. */
import { claimJobs, enqueue, failJob } from '../jobs/index.js'
import type { Store } from '../store/index.js'

let serial = 0

/** A job whose only attempt failed: a dead letter. */
export async function deadJob(store: Store): Promise<string> {
  // A kind of its own, so concurrent callers never claim each other's job.
  const kind = `test.fails.${++serial}`
  const id = await enqueue(store.db, { kind, payload: { n: serial }, maxAttempts: 1 })
  if (id === null) throw new Error('no job enqueued')
  const [job] = await claimJobs(store.db, { workerId: 'test-worker', kinds: [kind], limit: 1, leaseMs: 60_000 })
  if (job === undefined) throw new Error('job not claimed')
  await failJob(store.db, { id: job.id, attempts: job.attempts, workerId: 'test-worker' }, { error: 'boom', outcome: 'dead' })
  return job.id
}
