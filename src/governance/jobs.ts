import { WardenError } from '../errors/index.js'
import { getJob, listJobs, purgeJobs, requeueJob } from '../jobs/index.js'
import type { Job, JobFilter, JobHandler, Schedule } from '../jobs/index.js'
import { deleteExpiredSessions } from '../store/index.js'
import type { Page, PageRequest, Store } from '../store/index.js'
import { audited } from './audited.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/** Background jobs as administrators see them, and the jobs governance itself runs. */

export async function listBackgroundJobs(store: Store, actor: Actor, filter: JobFilter = {}, page: PageRequest = {}): Promise<Page<Job>> {
  authorize(actor, 'jobs:read')
  return listJobs(store.db, filter, page)
}

export async function getBackgroundJob(store: Store, actor: Actor, id: string): Promise<Job> {
  authorize(actor, 'jobs:read')
  const job = await getJob(store.db, id)
  if (job === undefined) throw new WardenError('NOT_FOUND', `no job ${id}`)
  return job
}

/** What an audit entry keeps of a job: its state, not its payload. */
function jobState(job: Job): Record<string, unknown> {
  return { kind: job.kind, status: job.status, attempts: job.attempts, max_attempts: job.max_attempts, run_at: job.run_at, last_error: job.last_error }
}

/**
 * Gives a dead (or failed) job a fresh set of attempts, due now. NOT_FOUND for an unknown id,
 * CONFLICT when the job is not dead or failed (queued, running, succeeded).
 */
export async function retryBackgroundJob(store: Store, actor: Actor, id: string, clock: { now?: Date } = {}): Promise<Job> {
  authorize(actor, 'jobs:retry')
  return audited(store, actor, async (trx) => {
    const before = await getJob(trx, id)
    if (before === undefined) throw new WardenError('NOT_FOUND', `no job ${id}`)
    const after = await requeueJob(trx, id, clock)
    if (after === undefined) throw new WardenError('CONFLICT', `job ${id} is ${before.status}: only a dead or failed job can be retried`)
    return { result: after, audit: [{ action: 'job.retry', target_type: 'job', target_id: id, before: jobState(before), after: jobState(after) }] }
  })
}

/** Finished jobs are kept this long for inspection; dead ones until retried or purged by hand. */
export const JOB_RETENTION_MS = 30 * 24 * 60 * 60 * 1000

/** The housekeeping every worker can run: handlers by kind, and their schedules. */
export function maintenanceJobs(): { handlers: Record<string, JobHandler>; schedules: Schedule[] } {
  return {
    handlers: {
      'maintenance.sessions': async ({ store }) => {
        await deleteExpiredSessions(store.db)
      },
      'maintenance.jobs': async ({ store }) => {
        await purgeJobs(store.db, { before: new Date(Date.now() - JOB_RETENTION_MS), keepDead: true })
      },
    },
    schedules: [
      { kind: 'maintenance.sessions', everyMs: 60 * 60 * 1000 },
      { kind: 'maintenance.jobs', everyMs: 24 * 60 * 60 * 1000 },
    ],
  }
}
