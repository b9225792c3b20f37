import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'

/**
 * Drift: grants that appeared in OneLogin without Warden ordering them (out-of-band), found by a
 * scan of the grants a sync added, and each app's drift setting (what to do about them).
 */

/** off: not scanned; report: a finding only; review: a finding an owner keeps or revokes; revoke: revoked at once. */
export type DriftAction = 'off' | 'report' | 'review' | 'revoke'
/** reported: recorded (report); open: waiting for a decision (review); kept; revoked (ordered). */
export type DriftState = 'reported' | 'open' | 'kept' | 'revoked'

export interface DriftSettingsTable {
  app_id: string
  action: DriftAction
  updated_by: string
  updated_at: string
}

export interface DriftFindingsTable {
  id: string
  integration_id: string
  /** The app whose drift setting applied (null once the app is deleted). */
  app_id: string | null
  entitlement_id: string
  principal_id: string
  /** The sync run that added the grant. */
  sync_run_id: string
  /** The setting that applied when it was found. */
  action: Exclude<DriftAction, 'off'>
  state: DriftState
  /** The provisioning order that revokes it (src/governance/jit.ts), once revoked. */
  revoke_order_id: string | null
  /** A user id, or `system` (the revoke setting). */
  decided_by: string | null
  decided_at: string | null
  reason: string | null
  created_at: string
  updated_at: string
}

declare module './database.js' {
  interface Database {
    drift_settings: DriftSettingsTable
    drift_findings: DriftFindingsTable
  }
}

// ------------------------------------------------------------------ settings

export async function getDriftSetting(db: Kysely<Database>, appId: string): Promise<DriftSettingsTable | undefined> {
  return db.selectFrom('drift_settings').selectAll().where('app_id', '=', appId).executeTakeFirst()
}

export async function putDriftSetting(db: Kysely<Database>, row: DriftSettingsTable): Promise<void> {
  await db
    .insertInto('drift_settings')
    .values(row)
    .onConflict((oc) => oc.column('app_id').doUpdateSet({ action: row.action, updated_by: row.updated_by, updated_at: row.updated_at }))
    .execute()
}

/** Whether any app has drift scanning on (a sync then queues a scan). */
export async function anyDriftScanning(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('drift_settings').select('app_id').where('action', '<>', 'off').limit(1).executeTakeFirst()
  return row !== undefined
}

/** The settings of these apps (apps without one are left out). */
export async function driftSettingsOf(db: Kysely<Database>, appIds: readonly string[]): Promise<Map<string, DriftAction>> {
  if (appIds.length === 0) return new Map()
  const rows = await db.selectFrom('drift_settings').select(['app_id', 'action']).where('app_id', 'in', [...new Set(appIds)]).execute()
  return new Map(rows.map((r) => [r.app_id, r.action]))
}

// ------------------------------------------------------------------ what a scan reads

/** The audit log's last seq (in a transaction that appended, its own last entry). */
export async function auditHeadSeq(db: Kysely<Database>): Promise<number> {
  const head = await db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow()
  return Number(head.seq)
}

export interface AddedGrantEvent {
  seq: number
  entitlement_id: string
  principal_id: string
}

/**
 * A sync's `grant.added` audit entries with seq in (afterSeq, toSeq], in seq order, at most
 * `limit`: an index range of (action, seq). Entries of other integrations or runs are skipped.
 */
export async function addedGrantEvents(
  db: Kysely<Database>,
  scope: { integration_id: string; run_id: string; after_seq: number; to_seq: number },
  limit: number,
): Promise<{ events: AddedGrantEvent[]; last_seq: number | null }> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['seq', 'target_id', 'after'])
    .where('action', '=', 'grant.added')
    .where('seq', '>', scope.after_seq)
    .where('seq', '<=', scope.to_seq)
    .orderBy('seq')
    .limit(limit)
    .execute()
  const events: AddedGrantEvent[] = []
  for (const row of rows) {
    if (row.after === null || row.target_id === null || !row.target_id.startsWith(`${scope.integration_id}/`)) continue
    const after = JSON.parse(row.after) as { integration_id?: unknown; sync_run_id?: unknown; entitlement_id?: unknown; principal_id?: unknown }
    if (after.integration_id !== scope.integration_id || after.sync_run_id !== scope.run_id) continue
    if (typeof after.entitlement_id !== 'string' || typeof after.principal_id !== 'string') continue
    events.push({ seq: Number(row.seq), entitlement_id: after.entitlement_id, principal_id: after.principal_id })
  }
  const last = rows[rows.length - 1]
  return { events, last_seq: last === undefined ? null : Number(last.seq) }
}

export interface HeldGrant {
  entitlement_id: string
  principal_id: string
  direct: boolean
  sources: string[]
}

/** These grants of one integration as the inventory holds them now (grants no longer held are left out). */
export async function heldGrants(db: Kysely<Database>, integrationId: string, keys: readonly { entitlement_id: string; principal_id: string }[]): Promise<Map<string, HeldGrant>> {
  if (keys.length === 0) return new Map()
  const pairs = sql.join(keys.map((k) => sql`(${k.entitlement_id}, ${k.principal_id})`))
  const rows = await sql<{ entitlement_id: string; principal_id: string; direct: number; sources: string }>`
    select entitlement_id, principal_id, direct, sources from grants
    where integration_id = ${integrationId} and (entitlement_id, principal_id) in (${pairs})`.execute(db)
  return new Map(
    rows.rows.map((r) => [
      `${r.entitlement_id} ${r.principal_id}`,
      { entitlement_id: r.entitlement_id, principal_id: r.principal_id, direct: Number(r.direct) === 1, sources: JSON.parse(r.sources) as string[] },
    ]),
  )
}

/** Where an integration's entitlements belong: its own app, the apps its syncs discovered, and managed apps' role bindings. */
export interface IntegrationApps {
  /** The app the integration is attached to (entitlements that belong to no other app). */
  integration_app_id: string
  /** Discovered SCIM apps by OneLogin app (`app:<id>`). */
  discovered: Map<string, string>
  /** Managed apps by the role membership they are bound to. */
  bound: Map<string, string[]>
}

export async function integrationApps(db: Kysely<Database>, integrationId: string): Promise<IntegrationApps | undefined> {
  const integration = await db.selectFrom('integrations').select('app_id').where('id', '=', integrationId).executeTakeFirst()
  if (integration === undefined) return undefined
  const discovered = await db.selectFrom('apps').select(['id', 'source_resource_id']).where('source_integration_id', '=', integrationId).execute()
  const bindings = await db.selectFrom('app_bindings').select(['app_id', 'entitlement_id']).where('integration_id', '=', integrationId).orderBy('app_id').execute()
  const bound = new Map<string, string[]>()
  for (const b of bindings) bound.set(b.entitlement_id, [...(bound.get(b.entitlement_id) ?? []), b.app_id])
  return {
    integration_app_id: integration.app_id,
    discovered: new Map(discovered.flatMap((a) => (a.source_resource_id === null ? [] : [[a.source_resource_id, a.id] as const]))),
    bound,
  }
}

/** What each of these entitlements implies (e.g. a role membership: the apps the role gives). */
export async function impliedBy(db: Kysely<Database>, integrationId: string, fromIds: readonly string[]): Promise<Map<string, string[]>> {
  if (fromIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('implications')
    .select(['from_entitlement', 'to_entitlement'])
    .where('integration_id', '=', integrationId)
    .where('from_entitlement', 'in', [...new Set(fromIds)])
    .orderBy('from_entitlement')
    .orderBy('to_entitlement')
    .execute()
  const out = new Map<string, string[]>()
  for (const r of rows) out.set(r.from_entitlement, [...(out.get(r.from_entitlement) ?? []), r.to_entitlement])
  return out
}

// ------------------------------------------------------------------ findings

/** Records a finding unless the scan recorded this grant of this run before; whether it did now. */
export async function insertDriftFinding(db: Kysely<Database>, row: DriftFindingsTable): Promise<boolean> {
  const result = await db
    .insertInto('drift_findings')
    .values(row)
    .onConflict((oc) => oc.columns(['sync_run_id', 'entitlement_id', 'principal_id']).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
}

export async function updateDriftFinding(db: Kysely<Database>, id: string, values: Partial<Omit<DriftFindingsTable, 'id'>>): Promise<void> {
  await db.updateTable('drift_findings').set(values).where('id', '=', id).execute()
}

/** A finding's row, locked until the transaction ends on PostgreSQL (one decision at a time). */
export async function lockDriftFinding(db: Kysely<Database>, id: string, postgres: boolean): Promise<DriftFindingsTable | undefined> {
  const q = db.selectFrom('drift_findings').selectAll().where('id', '=', id)
  return postgres ? q.forUpdate().executeTakeFirst() : q.executeTakeFirst()
}

/** A finding as the API shows it: with the names of its app, entitlement and holder. */
export interface DriftFindingRecord extends DriftFindingsTable {
  app_name: string | null
  entitlement_name: string | null
  principal_name: string | null
  principal_email: string | null
  identity_id: string | null
}

export interface DriftFindingFilter {
  state?: DriftState
  integration_id?: string
  app_id?: string
  /** Only findings of these apps (an empty list matches nothing). */
  app_ids?: readonly string[]
}

function findingsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('drift_findings as f')
    .leftJoin('apps as a', 'a.id', 'f.app_id')
    .leftJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 'f.integration_id').onRef('e.id', '=', 'f.entitlement_id'))
    .leftJoin('resources as p', (j) => j.onRef('p.integration_id', '=', 'f.integration_id').onRef('p.id', '=', 'f.principal_id'))
    .selectAll('f')
    .select(['a.name as app_name', 'e.display_name as entitlement_name', 'p.display_name as principal_name', 'p.email as principal_email', 'p.identity_id as identity_id'])
}

export async function getDriftFinding(db: Kysely<Database>, id: string): Promise<DriftFindingRecord | undefined> {
  return findingsQuery(db).where('f.id', '=', id).executeTakeFirst()
}

/** Findings, newest first, a page at a time. */
export async function listDriftFindings(db: Kysely<Database>, filter: DriftFindingFilter = {}, page: PageRequest = {}): Promise<Page<DriftFindingRecord>> {
  const limit = pageLimit(page.limit)
  let q = findingsQuery(db)
  if (filter.state !== undefined) q = q.where('f.state', '=', filter.state)
  if (filter.integration_id !== undefined) q = q.where('f.integration_id', '=', filter.integration_id)
  if (filter.app_id !== undefined) q = q.where('f.app_id', '=', filter.app_id)
  if (filter.app_ids !== undefined) q = filter.app_ids.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('f.app_id', 'in', [...filter.app_ids])
  if (page.cursor) q = q.where(keysetAfter(['f.created_at', 'f.id'], decodeCursor('drift_findings', page.cursor, 2), 'desc'))
  const rows = await q.orderBy('f.created_at', 'desc').orderBy('f.id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, 'drift_findings', (f) => [f.created_at, f.id])
}

