import type { Kysely, Transaction } from 'kysely'
import { WardenError } from '../errors/index.js'
import { isoTime } from '../store/index.js'
import type { Database } from '../store/index.js'
import { claimScheduleSlot, enqueue } from './jobs-repo.js'
import type { Clock } from './jobs-repo.js'
import { MIN_SCHEDULE_EVERY_MS, checkKind } from './policy.js'

/** A recurring job: `kind` once per `everyMs` slot. */
export interface Schedule {
  /** Unique name of the schedule (default: the kind). */
  name?: string
  kind: string
  /** Slot length; slots are aligned to the Unix epoch (3_600_000: on the hour, UTC). */
  everyMs: number
  payload?: unknown
  maxAttempts?: number
  /**
   * true (default): skip a slot while the previous slot's job is still queued, running or
   * awaiting a retry, so at most one runs at a time. false: every slot gets its job.
   */
  singleton?: boolean
}

export interface ScheduleResult {
  /** The slot the call was for: its start, ISO-8601. */
  slot: string
  /** The job enqueued for it, or null (already scheduled by someone, or skipped as singleton). */
  jobId: string | null
}

/** The start of the slot `now` falls in. */
export function slotStart(now: Date, everyMs: number): Date {
  return new Date(Math.floor(now.getTime() / everyMs) * everyMs)
}

function checkSchedule(s: Schedule): string {
  checkKind(s.kind)
  if (!Number.isInteger(s.everyMs) || s.everyMs < MIN_SCHEDULE_EVERY_MS) {
    throw new WardenError('BAD_INPUT', `schedule everyMs must be an integer of at least ${MIN_SCHEDULE_EVERY_MS}`)
  }
  const name = s.name ?? s.kind
  if (name === '' || name.length > 200) throw new WardenError('BAD_INPUT', 'schedule name must be 1 to 200 characters')
  return name
}

/**
 * Enqueues the schedule's job for the slot `now` is in, unless that slot was already enqueued,
 * by this process or any other. It only ENQUEUES (the job runs on whichever worker claims it),
 * so any number of workers can call it on every tick: the slot is claimed by a compare-and-set
 * on `job_schedules`, in the same transaction as the job's insert, and the job carries a
 * singleton key (`schedule:<name>`, or `schedule:<name>@<slot>` when singleton is false).
 */
export async function schedule(db: Kysely<Database>, s: Schedule, clock: Clock = {}): Promise<ScheduleResult> {
  const name = checkSchedule(s)
  const now = clock.now ?? new Date()
  const slot = isoTime(slotStart(now, s.everyMs))
  const run = async (trx: Kysely<Database>): Promise<ScheduleResult> => {
    if (!(await claimScheduleSlot(trx, name, slot, { now }))) return { slot, jobId: null }
    const jobId = await enqueue(
      trx,
      {
        kind: s.kind,
        payload: s.payload ?? { slot },
        runAt: slot,
        ...(s.maxAttempts === undefined ? {} : { maxAttempts: s.maxAttempts }),
        singletonKey: s.singleton === false ? `schedule:${name}@${slot}` : `schedule:${name}`,
      },
      { now },
    )
    return { slot, jobId }
  }
  return db.isTransaction ? run(db) : db.transaction().execute((trx: Transaction<Database>) => run(trx))
}

export { checkSchedule }
