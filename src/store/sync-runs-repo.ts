import type { Kysely, Selectable } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database, SyncRunsTable } from './database.js'
import { newId } from './ids.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'
import { isoTime } from './time.js'
import type { Clock } from './users-repo.js'

/** One sync (or upload) of an integration: when, what it found, and its log. */
export type SyncRun = Selectable<SyncRunsTable>

export interface SyncLogLine {
  at: string
  level: 'info' | 'warn' | 'error'
  message: string
}

export interface NewSyncRun {
  integration_id: string
  triggered_by: SyncRun['triggered_by']
  mode: SyncRun['mode']
  job_id?: string | null
}

export type SyncRunPatch = Partial<Omit<SyncRun, 'id' | 'integration_id' | 'triggered_by' | 'started_at' | 'job_id'>>

/** A run's log keeps at most this many lines: the first ones and the last ones, with a note of what was left out. */
export const SYNC_LOG_MAX_LINES = 500

export async function createSyncRun(db: Kysely<Database>, input: NewSyncRun, clock: Clock = {}): Promise<SyncRun> {
  const row: SyncRun = {
    id: newId('syn'),
    integration_id: input.integration_id,
    triggered_by: input.triggered_by,
    mode: input.mode,
    status: 'running',
    started_at: isoTime(clock.now ?? new Date()),
    finished_at: null,
    counts: null,
    grants_added: 0,
    grants_removed: 0,
    api_calls: 0,
    warnings: 0,
    log: '[]',
    error: null,
    job_id: input.job_id ?? null,
  }
  await db.insertInto('sync_runs').values(row).execute()
  return row
}

export async function updateSyncRun(db: Kysely<Database>, id: string, patch: SyncRunPatch): Promise<SyncRun> {
  const row = await db.updateTable('sync_runs').set(patch).where('id', '=', id).returningAll().executeTakeFirst()
  if (row === undefined) throw new WardenError('NOT_FOUND', `no sync run ${id}`)
  return row
}

export async function getSyncRun(db: Kysely<Database>, id: string): Promise<SyncRun | undefined> {
  return db.selectFrom('sync_runs').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Marks runs of a job that are still `running` as failed: the job is running again, so the worker
 * that ran them stopped or died mid-run. Returns how many.
 */
export async function failInterruptedRuns(db: Kysely<Database>, jobId: string, clock: Clock = {}): Promise<number> {
  const rows = await db
    .updateTable('sync_runs')
    .set({ status: 'failed', finished_at: isoTime(clock.now ?? new Date()), error: 'interrupted: the worker running it stopped; the sync was retried' })
    .where('job_id', '=', jobId)
    .where('status', '=', 'running')
    .returning('id')
    .execute()
  return rows.length
}

/** An integration's runs, newest first. */
export async function listSyncRuns(db: Kysely<Database>, integrationId: string, page: PageRequest = {}): Promise<Page<SyncRun>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('sync_runs').selectAll().where('integration_id', '=', integrationId)
  if (page.cursor) q = q.where(keysetAfter(['started_at', 'id'], decodeCursor('sync_runs', page.cursor, 2), 'desc'))
  const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, 'sync_runs', (r) => [r.started_at, r.id])
}

/** A log bounded to SYNC_LOG_MAX_LINES: the first half and the last half, and a line saying how many were skipped. */
export function boundedLog(lines: readonly SyncLogLine[]): SyncLogLine[] {
  if (lines.length <= SYNC_LOG_MAX_LINES) return [...lines]
  const half = Math.floor((SYNC_LOG_MAX_LINES - 1) / 2)
  const head = lines.slice(0, half)
  const tail = lines.slice(lines.length - half)
  const skipped = lines.length - head.length - tail.length
  const at = tail[0]?.at ?? head[head.length - 1]?.at ?? ''
  return [...head, { at, level: 'info', message: `(${skipped} log lines left out)` }, ...tail]
}
