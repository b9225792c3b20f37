import type { Kysely, Selectable } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { AppsTable, Database } from './database.js'
import { affected, isForeignKeyViolation, isUniqueViolation } from './db-errors.js'
import { containsText, sameText } from './like.js'
import { newId } from './ids.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'
import { isoTime } from './time.js'
import type { Clock } from './users-repo.js'

/** A governed application (managed), or one an integration found in OneLogin (unmanaged). */
export type App = Selectable<AppsTable>

export interface NewApp {
  name: string
  description?: string
  /** Default managed. */
  state?: App['state']
  source_integration_id?: string | null
  source_resource_id?: string | null
}

export interface AppPatch {
  name?: string
  description?: string
  state?: App['state']
}

export interface AppFilter {
  state?: App['state']
  /** Apps discovered by this integration. */
  source_integration_id?: string
  /** Name contains this (case-insensitive). */
  q?: string
  /** Name is exactly this, ignoring case (looking an app up by name, e.g. Terraform's data source). */
  name?: string
}

export function appName(n: string): string {
  const t = n.trim()
  if (t === '' || t.length > 200) throw new WardenError('BAD_INPUT', 'app name must be 1 to 200 characters')
  return t
}

function appDescription(d: string): string {
  if (d.length > 2000) throw new WardenError('BAD_INPUT', 'app description must be at most 2000 characters')
  return d
}

export async function createApp(db: Kysely<Database>, input: NewApp, clock: Clock = {}): Promise<App> {
  const now = isoTime(clock.now ?? new Date())
  const row: App = {
    id: newId('app'),
    name: appName(input.name),
    description: appDescription(input.description ?? ''),
    state: input.state ?? 'managed',
    source_integration_id: input.source_integration_id ?? null,
    source_resource_id: input.source_resource_id ?? null,
    created_at: now,
    updated_at: now,
  }
  try {
    await db.insertInto('apps').values(row).execute()
  } catch (e) {
    if (isUniqueViolation(e)) throw new WardenError('CONFLICT', `integration ${row.source_integration_id} already has an app for ${row.source_resource_id}`, { cause: e })
    throw e
  }
  return row
}

/** The names of several apps at once (unknown ids are left out). */
export async function appNames(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('apps').select(['id', 'name']).where('id', 'in', [...new Set(ids)]).execute()
  return new Map(rows.map((r) => [r.id, r.name]))
}

export async function getApp(db: Kysely<Database>, id: string): Promise<App | undefined> {
  return db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function updateApp(db: Kysely<Database>, id: string, patch: AppPatch, clock: Clock = {}): Promise<App> {
  const values: Partial<App> = { updated_at: isoTime(clock.now ?? new Date()) }
  if (patch.name !== undefined) values.name = appName(patch.name)
  if (patch.description !== undefined) values.description = appDescription(patch.description)
  if (patch.state !== undefined) values.state = patch.state
  const row = await db.updateTable('apps').set(values).where('id', '=', id).returningAll().executeTakeFirst()
  if (row === undefined) throw new WardenError('NOT_FOUND', `no app ${id}`)
  return row
}

/** Apps by name, a page at a time. */
export async function listApps(db: Kysely<Database>, filter: AppFilter = {}, page: PageRequest = {}): Promise<Page<App>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('apps').selectAll()
  if (filter.state !== undefined) q = q.where('state', '=', filter.state)
  if (filter.source_integration_id !== undefined) q = q.where('source_integration_id', '=', filter.source_integration_id)
  if (filter.q !== undefined && filter.q !== '') q = q.where(containsText('name', filter.q))
  if (filter.name !== undefined) q = q.where(sameText('name', filter.name))
  if (page.cursor) q = q.where(keysetAfter(['name', 'id'], decodeCursor('apps', page.cursor, 2), 'asc'))
  const rows = await q.orderBy('name').orderBy('id').limit(limit + 1).execute()
  return toPage(rows, limit, 'apps', (a) => [a.name, a.id])
}



/** The campaign templates and draft campaigns whose scope names an app (their config's `scope.app_ids`), by id. */
export async function campaignsNamingApp(db: Kysely<Database>, appId: string): Promise<{ templates: string[]; drafts: string[] }> {
  // Configs are JSON written by Warden; an app id is quoted in them exactly once per mention, and
  // ids are random enough that no other string contains one.
  const mention = containsText('config', JSON.stringify(appId))
  const templates = await db.selectFrom('campaign_templates').select('id').where(mention).orderBy('id').execute()
  const drafts = await db.selectFrom('campaigns').select('id').where('state', '=', 'draft').where(mention).orderBy('id').execute()
  return { templates: templates.map((r) => r.id), drafts: drafts.map((r) => r.id) }
}

/**
 * Deletes an app with its own settings: direct owners, the roles a managed SCIM app is bound to,
 * request settings (defaults and policies of its entitlements) and the drift setting. History
 * stays: access requests, access reviews' frozen scope and items and the audit log keep the app's
 * id (no foreign key), and drift findings keep their rows with app_id cleared (ON DELETE SET NULL).
 * The caller refuses apps that must not go (an integration attached, discovered by a sync);
 * an integration attached meanwhile makes the delete fail on its foreign key (CONFLICT).
 * Returns whether the app existed.
 */
export async function deleteAppRow(db: Kysely<Database>, id: string): Promise<boolean> {
  // Each has ON DELETE CASCADE too; deleted by name so the list of what goes is here to read.
  await db.deleteFrom('app_owners').where('app_id', '=', id).execute()
  await db.deleteFrom('app_bindings').where('app_id', '=', id).execute()
  await db.deleteFrom('app_request_settings').where('app_id', '=', id).execute()
  await db.deleteFrom('drift_settings').where('app_id', '=', id).execute()
  try {
    return affected(await db.deleteFrom('apps').where('id', '=', id).executeTakeFirst()) > 0
  } catch (e) {
    // integrations.app_id is the one foreign key to apps without a cascade or set null.
    if (isForeignKeyViolation(e)) throw new WardenError('CONFLICT', `app ${id} has an integration attached: delete the integration first`, { cause: e })
    throw e
  }
}
