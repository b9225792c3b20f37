import type { Kysely, Selectable } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database, IntegrationsTable } from './database.js'
import { affected, isForeignKeyViolation, isUniqueViolation, lockRow } from './db-errors.js'
import { newId } from './ids.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'
import { isoTime, toIsoTime } from './time.js'
import type { Clock } from './users-repo.js'

/**
 * A OneLogin integration (connector) as stored. `client_secret` is a SecretBox envelope and
 * `upload_token_hash` a hash: callers outside governance get a view without either.
 */
export type Integration = Selectable<IntegrationsTable>

export interface NewIntegration {
  app_id: string
  mode: Integration['mode']
  /** The Warden user (or `system`) who added it. */
  created_by: string
  onelogin_domain?: string | null
  client_id?: string | null
  sync_privileges?: boolean
  sync_interval_minutes?: number
  full_sync_interval_hours?: number
}

/** The columns that change after creation; absent fields stay as they are, null clears. */
export interface IntegrationPatch {
  status?: Integration['status']
  onelogin_domain?: string | null
  client_id?: string | null
  /** A SecretBox envelope (never the plaintext). */
  client_secret?: string | null
  upload_token_hash?: string | null
  /** true/1 or false/0. */
  sync_privileges?: boolean | number
  sync_interval_minutes?: number
  full_sync_interval_hours?: number
  /** true/1 or false/0. */
  paused?: boolean | number
  next_sync_at?: Date | string | null
  last_sync_at?: Date | string | null
  last_full_sync_at?: Date | string | null
  last_error?: string | null
  onelogin_account_id?: number | null
}

export interface IntegrationFilter {
  app_id?: string
  status?: Integration['status']
  mode?: Integration['mode']
}

/** Bounds the schema's CHECK constraints enforce, as clear errors instead of constraint failures. */
function interval(n: number, min: number, what: string): number {
  if (!Number.isInteger(n) || n < min) throw new WardenError('BAD_INPUT', `${what} must be a whole number of at least ${min}, got ${n}`)
  return n
}

/** The 0/1 integer a flag is stored as. */
function flag(v: boolean | number, what: string): number {
  if (v === true || v === 1) return 1
  if (v === false || v === 0) return 0
  throw new WardenError('BAD_INPUT', `${what} must be true or false (1 or 0), got ${v}`)
}

function time(value: Date | string | null, what: string): string | null {
  return value === null ? null : toIsoTime(value, what)
}

export async function createIntegration(db: Kysely<Database>, input: NewIntegration, clock: Clock = {}): Promise<Integration> {
  const now = isoTime(clock.now ?? new Date())
  const row: Integration = {
    id: newId('int'),
    app_id: input.app_id,
    mode: input.mode,
    status: 'not_connected',
    onelogin_domain: input.onelogin_domain ?? null,
    client_id: input.client_id ?? null,
    client_secret: null,
    upload_token_hash: null,
    sync_privileges: input.sync_privileges === true ? 1 : 0,
    sync_interval_minutes: interval(input.sync_interval_minutes ?? 60, 5, 'sync_interval_minutes'),
    full_sync_interval_hours: interval(input.full_sync_interval_hours ?? 24, 1, 'full_sync_interval_hours'),
    paused: 0,
    next_sync_at: null,
    last_sync_at: null,
    last_full_sync_at: null,
    last_error: null,
    onelogin_account_id: null,
    created_by: input.created_by,
    created_at: now,
    updated_at: now,
  }
  try {
    await db.insertInto('integrations').values(row).execute()
  } catch (e) {
    if (isForeignKeyViolation(e)) throw new WardenError('NOT_FOUND', `no app ${input.app_id}`, { cause: e })
    throw e
  }
  return row
}

export async function getIntegration(db: Kysely<Database>, id: string): Promise<Integration | undefined> {
  return db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The integration a self-hosted upload token (its sha256) belongs to. */
export async function findIntegrationByUploadToken(db: Kysely<Database>, hash: string): Promise<Integration | undefined> {
  return db.selectFrom('integrations').selectAll().where('upload_token_hash', '=', hash).executeTakeFirst()
}

/** Integrations oldest first, a page at a time. */
export async function listIntegrations(db: Kysely<Database>, filter: IntegrationFilter = {}, page: PageRequest = {}): Promise<Page<Integration>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('integrations').selectAll()
  if (filter.app_id !== undefined) q = q.where('app_id', '=', filter.app_id)
  if (filter.status !== undefined) q = q.where('status', '=', filter.status)
  if (filter.mode !== undefined) q = q.where('mode', '=', filter.mode)
  if (page.cursor) q = q.where(keysetAfter(['created_at', 'id'], decodeCursor('integrations', page.cursor, 2), 'asc'))
  const rows = await q.orderBy('created_at').orderBy('id').limit(limit + 1).execute()
  return toPage(rows, limit, 'integrations', (i) => [i.created_at, i.id])
}

/** Changes the mutable columns; NOT_FOUND when there is no such integration. */
export async function updateIntegration(db: Kysely<Database>, id: string, patch: IntegrationPatch, clock: Clock = {}): Promise<Integration> {
  const values: Partial<Integration> = { updated_at: isoTime(clock.now ?? new Date()) }
  if (patch.status !== undefined) values.status = patch.status
  if (patch.onelogin_domain !== undefined) values.onelogin_domain = patch.onelogin_domain
  if (patch.client_id !== undefined) values.client_id = patch.client_id
  if (patch.client_secret !== undefined) values.client_secret = patch.client_secret
  if (patch.upload_token_hash !== undefined) values.upload_token_hash = patch.upload_token_hash
  if (patch.sync_privileges !== undefined) values.sync_privileges = flag(patch.sync_privileges, 'sync_privileges')
  if (patch.sync_interval_minutes !== undefined) values.sync_interval_minutes = interval(patch.sync_interval_minutes, 5, 'sync_interval_minutes')
  if (patch.full_sync_interval_hours !== undefined) values.full_sync_interval_hours = interval(patch.full_sync_interval_hours, 1, 'full_sync_interval_hours')
  if (patch.paused !== undefined) values.paused = flag(patch.paused, 'paused')
  if (patch.next_sync_at !== undefined) values.next_sync_at = time(patch.next_sync_at, 'next_sync_at')
  if (patch.last_sync_at !== undefined) values.last_sync_at = time(patch.last_sync_at, 'last_sync_at')
  if (patch.last_full_sync_at !== undefined) values.last_full_sync_at = time(patch.last_full_sync_at, 'last_full_sync_at')
  if (patch.last_error !== undefined) values.last_error = patch.last_error
  if (patch.onelogin_account_id !== undefined) values.onelogin_account_id = patch.onelogin_account_id
  let row: Integration | undefined
  try {
    row = await db.updateTable('integrations').set(values).where('id', '=', id).returningAll().executeTakeFirst()
  } catch (e) {
    if (isUniqueViolation(e)) throw new WardenError('CONFLICT', 'that upload token hash is already in use', { cause: e })
    throw e
  }
  if (row === undefined) throw new WardenError('NOT_FOUND', `no integration ${id}`)
  return row
}

/** Deletes an integration and, by cascade, its owners, sync runs and inventory; false when absent. */
export async function deleteIntegration(db: Kysely<Database>, id: string): Promise<boolean> {
  return affected(await db.deleteFrom('integrations').where('id', '=', id).executeTakeFirst()) > 0
}

/**
 * Replaces an integration's owners. NOT_FOUND for an unknown integration or user (the message
 * names it). Runs in the caller's transaction, or in one of its own, so a refusal keeps the old owners.
 */
export async function setIntegrationOwners(db: Kysely<Database>, id: string, userIds: readonly string[]): Promise<void> {
  const ids = [...new Set(userIds)].sort()
  const run = async (trx: Kysely<Database>): Promise<void> => {
    // Locked, so two concurrent replacements of the owners run one after the other.
    if (!(await lockRow(trx, 'integrations', id))) throw new WardenError('NOT_FOUND', `no integration ${id}`)
    // Checked first: on PostgreSQL a failed insert would abort the caller's transaction.
    if (ids.length > 0) {
      const known = new Set((await trx.selectFrom('users').select('id').where('id', 'in', ids).execute()).map((u) => u.id))
      const missing = ids.find((u) => !known.has(u))
      if (missing !== undefined) throw new WardenError('NOT_FOUND', `no user ${missing}`)
    }
    await trx.deleteFrom('integration_owners').where('integration_id', '=', id).execute()
    if (ids.length === 0) return
    try {
      await trx.insertInto('integration_owners').values(ids.map((user_id) => ({ integration_id: id, user_id }))).execute()
    } catch (e) {
      // A user deleted between the check and the insert.
      if (isForeignKeyViolation(e)) throw new WardenError('NOT_FOUND', `no user among ${ids.join(', ')} any more`, { cause: e })
      throw e
    }
  }
  if (db.isTransaction) await run(db)
  else await db.transaction().execute(run)
}

/** The owners' user ids, sorted. */
export async function listIntegrationOwners(db: Kysely<Database>, id: string): Promise<string[]> {
  const rows = await db.selectFrom('integration_owners').select('user_id').where('integration_id', '=', id).orderBy('user_id').execute()
  return rows.map((r) => r.user_id)
}

/** The owners of several integrations at once (ids without owners map to []). */
export async function ownersOfIntegrations(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]))
  if (ids.length === 0) return out
  const rows = await db
    .selectFrom('integration_owners')
    .select(['integration_id', 'user_id'])
    .where('integration_id', 'in', [...new Set(ids)])
    .orderBy('integration_id')
    .orderBy('user_id')
    .execute()
  for (const r of rows) out.get(r.integration_id)?.push(r.user_id)
  return out
}

/** The integrations a user owns, oldest first. */
export async function integrationsOwnedBy(db: Kysely<Database>, userId: string): Promise<Integration[]> {
  return db
    .selectFrom('integrations')
    .innerJoin('integration_owners', 'integration_owners.integration_id', 'integrations.id')
    .selectAll('integrations')
    .where('integration_owners.user_id', '=', userId)
    .orderBy('integrations.created_at')
    .orderBy('integrations.id')
    .execute()
}

/**
 * Hosted integrations whose scheduled sync is due at `now`, most overdue first: not paused, set up
 * (status other than not_connected), next_sync_at at or before `now`.
 */
export async function listDueIntegrations(db: Kysely<Database>, now: Date, limit: number): Promise<Integration[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new WardenError('BAD_INPUT', `limit must be a positive integer, got ${limit}`)
  return db
    .selectFrom('integrations')
    .selectAll()
    .where('mode', '=', 'hosted')
    .where('paused', '=', 0)
    .where('status', '<>', 'not_connected')
    .where('next_sync_at', 'is not', null)
    .where('next_sync_at', '<=', isoTime(now))
    .orderBy('next_sync_at')
    .orderBy('id')
    .limit(limit)
    .execute()
}
