import { sql } from 'kysely'
import type { Kysely, Selectable, Transaction } from 'kysely'
import { WardenError } from '../errors/index.js'
import {
  affected,
  canonicalJson,
  decodeCursor,
  dialectOf,
  isUniqueViolation,
  isoTime,
  keysetAfter,
  newId,
  pageLimit,
  parseJson,
  toIsoTime,
  toPage,
} from '../store/index.js'
import type { Database, JobStatus, JobsTable, JsonValue, Page, PageRequest } from '../store/index.js'
import { DEFAULT_MAX_ATTEMPTS, MAX_ERROR_LENGTH, MAX_MAX_ATTEMPTS, checkInteger, checkKind } from './policy.js'

/** All of the job queue's SQL. Workers (worker.ts) and schedules (schedule.ts) call these. */

export interface Job {
  id: string
  kind: string
  payload: JsonValue
  status: JobStatus
  run_at: string
  /** Attempts started so far (a claim counts one, even if its worker then dies). */
  attempts: number
  max_attempts: number
  last_error: string | null
  locked_by: string | null
  locked_until: string | null
  singleton_key: string | null
  created_at: string
  updated_at: string
}

export interface NewJob {
  kind: string
  /** Any JSON value (default null). */
  payload?: unknown
  /** Not before this time (default now). */
  runAt?: Date | string
  /** Default 5. */
  maxAttempts?: number
  /**
   * At most one queued, running or failed-awaiting-retry job has this key: enqueueing another
   * while one is active does nothing. A finished (succeeded or dead) job frees the key.
   */
  singletonKey?: string | null
}

export interface Clock {
  now?: Date
}

/** Statuses in which a job holds its singleton key. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running', 'failed']

function toJob(row: Selectable<JobsTable>): Job {
  return { ...row, payload: parseJson(row.payload) }
}

function toRow(job: NewJob, now: Date): Selectable<JobsTable> {
  const created = isoTime(now)
  const key = job.singletonKey ?? null
  if (key !== null && (key === '' || key.length > 500)) throw new WardenError('BAD_INPUT', 'singletonKey must be 1 to 500 characters')
  return {
    id: newId('job'),
    kind: checkKind(job.kind),
    payload: canonicalJson(job.payload ?? null),
    status: 'queued',
    run_at: job.runAt === undefined ? created : toIsoTime(job.runAt, 'runAt'),
    attempts: 0,
    max_attempts: checkInteger(job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 'maxAttempts', 1, MAX_MAX_ATTEMPTS),
    last_error: null,
    locked_by: null,
    locked_until: null,
    singleton_key: key,
    created_at: created,
    updated_at: created,
  }
}

/**
 * Adds a job. Pass the transaction that makes the change the job belongs to (the transactional
 * outbox): if it rolls back, the job never existed. Returns the new job's id, or null when an
 * active job already holds `singletonKey`.
 *
 * @example
 * await store.transaction(async (trx) => {
 *   const grant = await createGrant(trx, ...)
 *   await enqueue(trx, { kind: 'grant.expire', payload: { grant: grant.id }, runAt: grant.expires_at })
 * })
 */
export async function enqueue(db: Kysely<Database>, job: NewJob, clock: Clock = {}): Promise<string | null> {
  const [id] = await insertJobs(db, [toRow(job, clock.now ?? new Date())])
  return id ?? null
}

/** Adds many jobs in batched INSERTs; returns the ids of those added (singleton duplicates are skipped). */
export async function enqueueMany(db: Kysely<Database>, jobs: readonly NewJob[], clock: Clock = {}): Promise<string[]> {
  const now = clock.now ?? new Date()
  const rows = jobs.map((j) => toRow(j, now))
  const ids: string[] = []
  for (let i = 0; i < rows.length; i += 500) ids.push(...(await insertJobs(db, rows.slice(i, i + 500))))
  return ids
}

async function insertJobs(db: Kysely<Database>, rows: Selectable<JobsTable>[]): Promise<string[]> {
  if (rows.length === 0) return []
  // No conflict target: the only constraint a fresh random id can meet is the partial unique
  // index on singleton_key, and naming that index's predicate portably isn't possible.
  const inserted = await db
    .insertInto('jobs')
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute()
  return inserted.map((r) => r.id)
}

export interface ClaimOptions extends Clock {
  workerId: string
  /** Only jobs of these kinds (the ones the worker has handlers for). */
  kinds: readonly string[]
  limit: number
  leaseMs: number
}

/**
 * Leases up to `limit` due jobs to a worker: queued or failed jobs whose run_at has come, and
 * running jobs whose lease expired (their worker died). Each claim counts an attempt. A job whose
 * expired lease was its last attempt goes to `dead` instead of running again.
 *
 * PostgreSQL: one `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING`,
 * so concurrent workers skip each other's rows instead of waiting or double-claiming.
 * SQLite: the same UPDATE inside BEGIN IMMEDIATE (the store's transactions), which holds the
 * database's write lock.
 */
export async function claimJobs(db: Kysely<Database>, options: ClaimOptions): Promise<Job[]> {
  if (options.kinds.length === 0 || options.limit <= 0) return []
  const now = options.now ?? new Date()
  const nowIso = isoTime(now)
  const leaseUntil = isoTime(new Date(now.getTime() + options.leaseMs))
  const pg = dialectOf(db) === 'postgres'

  const claim = async (trx: Kysely<Database>): Promise<Job[]> => {
    const rows = await trx
      .updateTable('jobs')
      .set({
        status: 'running',
        attempts: sql<number>`attempts + 1`,
        locked_by: options.workerId,
        locked_until: leaseUntil,
        updated_at: nowIso,
        last_error: sql<string | null>`case when status = 'running'
          then 'lease expired: worker ' || coalesce(locked_by, '?') || ' stopped or crashed during attempt ' || attempts
          else last_error end`,
      })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('kind', 'in', [...options.kinds])
          .where((w) =>
            w.or([
              w.and([w('status', 'in', ['queued', 'failed']), w('run_at', '<=', nowIso)]),
              w.and([w('status', '=', 'running'), w('locked_until', '<=', nowIso)]),
            ]),
          )
          .orderBy('run_at')
          .orderBy('id')
          .limit(options.limit)
          .$if(pg, (q) => q.forUpdate().skipLocked()),
      )
      .returningAll()
      .execute()
    const exhausted = rows.filter((r) => r.attempts > r.max_attempts).map((r) => r.id)
    if (exhausted.length > 0) {
      await trx
        .updateTable('jobs')
        .set({ status: 'dead', locked_by: null, locked_until: null })
        .where('id', 'in', exhausted)
        .execute()
    }
    // RETURNING order is unspecified on both engines: hand jobs out in the order they were due.
    return rows
      .filter((r) => r.attempts <= r.max_attempts)
      .sort((a, b) => (a.run_at === b.run_at ? (a.id < b.id ? -1 : 1) : a.run_at < b.run_at ? -1 : 1))
      .map(toJob)
  }
  return pg ? claim(db) : db.transaction().execute((trx: Transaction<Database>) => claim(trx))
}

/** Identifies one claim of a job: a later claim (after a lease expired) has another attempt number. */
export interface JobClaim {
  id: string
  attempts: number
  workerId: string
}

/** Marks a claimed job succeeded. False when the claim was lost (lease expired and re-claimed). */
export async function completeJob(db: Kysely<Database>, claim: JobClaim, clock: Clock = {}): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ status: 'succeeded', locked_by: null, locked_until: null, updated_at: isoTime(clock.now ?? new Date()) })
    .where('id', '=', claim.id)
    .where('status', '=', 'running')
    .where('locked_by', '=', claim.workerId)
    .where('attempts', '=', claim.attempts)
    .executeTakeFirst()
  return affected(result) === 1
}

export interface Failure extends Clock {
  error: string
  /** `dead` (no retry) or `failed` with a retry at `retryAt`. */
  outcome: 'failed' | 'dead'
  retryAt?: Date
}

/** Records a failed attempt of a claimed job. False when the claim was lost. */
export async function failJob(db: Kysely<Database>, claim: JobClaim, failure: Failure): Promise<boolean> {
  const now = failure.now ?? new Date()
  const result = await db
    .updateTable('jobs')
    .set({
      status: failure.outcome,
      last_error: failure.error.slice(0, MAX_ERROR_LENGTH),
      locked_by: null,
      locked_until: null,
      updated_at: isoTime(now),
      ...(failure.outcome === 'failed' ? { run_at: isoTime(failure.retryAt ?? now) } : {}),
    })
    .where('id', '=', claim.id)
    .where('status', '=', 'running')
    .where('locked_by', '=', claim.workerId)
    .where('attempts', '=', claim.attempts)
    .executeTakeFirst()
  return affected(result) === 1
}

/** Renews the leases of a worker's running jobs; returns how many it still holds. */
export async function extendLeases(db: Kysely<Database>, workerId: string, ids: readonly string[], until: Date): Promise<number> {
  if (ids.length === 0) return 0
  const result = await db
    .updateTable('jobs')
    .set({ locked_until: isoTime(until) })
    .where('id', 'in', [...ids])
    .where('status', '=', 'running')
    .where('locked_by', '=', workerId)
    .executeTakeFirst()
  return affected(result)
}

export async function getJob(db: Kysely<Database>, id: string): Promise<Job | undefined> {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toJob(row)
}

export interface JobFilter {
  status?: JobStatus | readonly JobStatus[]
  kind?: string
}

/** Jobs, newest first, a page at a time; `listJobs(db, { status: 'dead' })` is the dead-letter list. */
export async function listJobs(db: Kysely<Database>, filter: JobFilter = {}, page: PageRequest = {}): Promise<Page<Job>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('jobs').selectAll()
  if (filter.status !== undefined) {
    const statuses = typeof filter.status === 'string' ? [filter.status] : [...filter.status]
    q = q.where('status', 'in', statuses)
  }
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind)
  if (page.cursor) q = q.where(keysetAfter(['created_at', 'id'], decodeCursor('jobs', page.cursor, 2), 'desc'))
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
  return toPage(rows.map(toJob), limit, 'jobs', (j) => [j.created_at, j.id])
}

/** How many jobs are in each status (for health pages and tests). */
export async function countJobs(db: Kysely<Database>, filter: { kind?: string } = {}): Promise<Record<JobStatus, number>> {
  let q = db.selectFrom('jobs').select((eb) => ['status', eb.fn.countAll<number | string>().as('n')]).groupBy('status')
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind)
  const counts: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, dead: 0 }
  for (const row of await q.execute()) counts[row.status] = Number(row.n)
  return counts
}

/**
 * Gives a dead (or failed) job a fresh set of attempts, due at `runAt` (default now). Returns the
 * job, or undefined when it is not dead or failed. CONFLICT when another active job now holds its
 * singleton key.
 */
export async function requeueJob(db: Kysely<Database>, id: string, options: Clock & { runAt?: Date | string } = {}): Promise<Job | undefined> {
  const now = options.now ?? new Date()
  try {
    const row = await db
      .updateTable('jobs')
      .set({
        status: 'queued',
        attempts: 0,
        run_at: options.runAt === undefined ? isoTime(now) : toIsoTime(options.runAt, 'runAt'),
        updated_at: isoTime(now),
      })
      .where('id', '=', id)
      .where('status', 'in', ['dead', 'failed'])
      .returningAll()
      .executeTakeFirst()
    return row === undefined ? undefined : toJob(row)
  } catch (e) {
    if (isUniqueViolation(e)) throw new WardenError('CONFLICT', `another active job holds the singleton key of job ${id}`, { cause: e })
    throw e
  }
}

/** Deletes finished jobs (succeeded and, unless `keepDead`, dead) last updated before `before`. */
export async function purgeJobs(db: Kysely<Database>, options: { before: Date | string; keepDead?: boolean }): Promise<number> {
  const statuses: JobStatus[] = options.keepDead === true ? ['succeeded'] : ['succeeded', 'dead']
  const result = await db
    .deleteFrom('jobs')
    .where('status', 'in', statuses)
    .where('updated_at', '<', toIsoTime(options.before, 'before'))
    .executeTakeFirst()
  return affected(result)
}

/**
 * Compare-and-set of a schedule's last slot: true for exactly one caller per (name, slot), however
 * many workers try at once (PG: the UPDATE's row lock makes the losers re-check and miss; SQLite:
 * the write lock). Must run in the transaction that then enqueues the slot's job.
 */
export async function claimScheduleSlot(trx: Kysely<Database>, name: string, slot: string, clock: Clock = {}): Promise<boolean> {
  const now = isoTime(clock.now ?? new Date())
  await trx
    .insertInto('job_schedules')
    .values({ name, last_slot: '', updated_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute()
  const result = await trx
    .updateTable('job_schedules')
    .set({ last_slot: slot, updated_at: now })
    .where('name', '=', name)
    .where('last_slot', '<', slot)
    .executeTakeFirst()
  return affected(result) === 1
}
