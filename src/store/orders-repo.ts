import type { Kysely, Selectable } from 'kysely'
import { affected, dialectOf } from './db-errors.js'
import type { Database } from './database.js'
import { parseJson } from './json.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'

/**
 * Issue 8's tables: provisioning orders, time-bound grants and manual tasks (migration 0005). The
 * governance module jit.ts owns what they mean; this file is their SQL.
 */

export interface ProvisioningOrdersTable {
  /** ord_... */
  id: string
  kind: 'grant' | 'revoke'
  /** order: orderGrant/orderRevoke (a request, an admin, drift); expiry: a time-bound grant ended; revoke_now: "revoke now". */
  origin: 'order' | 'expiry' | 'revoke_now'
  integration_id: string
  entitlement_id: string
  principal_id: string
  request_id: string | null
  duration_minutes: number | null
  /** A Warden user id, or `system`. */
  actor: string
  state: 'queued' | 'running' | 'done' | 'failed' | 'manual'
  /** Attempts started. */
  attempts: number
  last_error: string | null
  /** The connector's outcome of the successful attempt (changed, no_change) or `manual` when people did it. */
  outcome: string | null
  /** The time-bound grant this order created, extended or ended. */
  timebound_grant_id: string | null
  /** JSON array of {at, state, message}, oldest first. */
  events: string
  created_at: string
  updated_at: string
}

export type TimeboundState = 'active' | 'revoking' | 'revoked' | 'superseded'

export interface TimeboundGrantsTable {
  /** The id of the order that first granted it (ord_...). */
  id: string
  integration_id: string
  entitlement_id: string
  principal_id: string
  /** The request that granted it, or the latest that extended it. */
  request_id: string | null
  state: TimeboundState
  granted_at: string
  expires_at: string
  revoke_order_id: string | null
  revoked_at: string | null
  ended_by: 'expiry' | 'revoke_now' | 'revoke_order' | 'permanent_grant' | null
  created_by: string
  updated_at: string
}

export interface ManualTasksTable {
  /** mtk_... */
  id: string
  order_id: string
  state: 'open' | 'done'
  instructions: string
  error: string | null
  completed_by: string | null
  completed_at: string | null
  note: string | null
  created_at: string
  updated_at: string
}

export interface ManualTaskAssigneesTable {
  task_id: string
  user_id: string
}

declare module './database.js' {
  interface Database {
    provisioning_orders: ProvisioningOrdersTable
    timebound_grants: TimeboundGrantsTable
    manual_tasks: ManualTasksTable
    manual_task_assignees: ManualTaskAssigneesTable
  }
}

export type OrderRow = Selectable<ProvisioningOrdersTable>
export type TimeboundGrantRow = Selectable<TimeboundGrantsTable>
export type ManualTaskRow = Selectable<ManualTasksTable>

export interface OrderEventRecord {
  at: string
  state: string
  message: string
}

/** An order's events keep at most this many entries (the first and the latest): a runaway retry loop can't grow a row without bound. */
export const ORDER_EVENTS_MAX = 200

export function orderEvents(row: Pick<OrderRow, 'events'>): OrderEventRecord[] {
  const parsed = parseJson(row.events)
  return Array.isArray(parsed) ? (parsed as unknown as OrderEventRecord[]) : []
}

function boundedEvents(events: OrderEventRecord[]): OrderEventRecord[] {
  if (events.length <= ORDER_EVENTS_MAX) return events
  return [events[0] as OrderEventRecord, ...events.slice(events.length - ORDER_EVENTS_MAX + 1)]
}

export async function insertOrder(db: Kysely<Database>, row: OrderRow): Promise<void> {
  await db.insertInto('provisioning_orders').values(row).execute()
}

export async function getOrder(db: Kysely<Database>, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom('provisioning_orders').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The order, locked until the transaction ends on PostgreSQL (SQLite's write transaction holds the database lock already). */
export async function lockOrder(trx: Kysely<Database>, id: string): Promise<OrderRow | undefined> {
  const q = trx.selectFrom('provisioning_orders').selectAll().where('id', '=', id)
  return (dialectOf(trx) === 'postgres' ? q.forUpdate() : q).executeTakeFirst()
}

export type OrderPatch = Partial<Pick<OrderRow, 'state' | 'attempts' | 'last_error' | 'outcome' | 'timebound_grant_id'>>

/** Changes an order and appends events to its log; call inside a transaction after lockOrder. */
export async function updateOrder(trx: Kysely<Database>, order: OrderRow, patch: OrderPatch, events: readonly OrderEventRecord[], now: string): Promise<OrderRow> {
  const next = boundedEvents([...orderEvents(order), ...events])
  const values = { ...patch, events: JSON.stringify(next), updated_at: now }
  await trx.updateTable('provisioning_orders').set(values).where('id', '=', order.id).execute()
  return { ...order, ...values }
}

/** Orders carrying out these requests, oldest first. */
export async function ordersForRequests(db: Kysely<Database>, requestIds: readonly string[]): Promise<(OrderRow & { expires_at: string | null })[]> {
  if (requestIds.length === 0) return []
  const out: (OrderRow & { expires_at: string | null })[] = []
  for (let i = 0; i < requestIds.length; i += 500) {
    const rows = await db
      .selectFrom('provisioning_orders as o')
      .leftJoin('timebound_grants as g', 'g.id', 'o.timebound_grant_id')
      .selectAll('o')
      .select('g.expires_at')
      .where('o.request_id', 'in', [...requestIds.slice(i, i + 500)])
      .orderBy('o.created_at')
      .orderBy('o.id')
      .execute()
    out.push(...rows)
  }
  return out
}

export interface GrantKey {
  integration_id: string
  entitlement_id: string
  principal_id: string
}

/** The most recent order for one grant (any kind, any state). */
export async function latestOrderFor(db: Kysely<Database>, key: GrantKey): Promise<OrderRow | undefined> {
  return db
    .selectFrom('provisioning_orders')
    .selectAll()
    .where('integration_id', '=', key.integration_id)
    .where('entitlement_id', '=', key.entitlement_id)
    .where('principal_id', '=', key.principal_id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

// ------------------------------------------------------------------ time-bound grants

export async function insertTimeboundGrant(db: Kysely<Database>, row: TimeboundGrantRow): Promise<void> {
  await db.insertInto('timebound_grants').values(row).execute()
}

export async function getTimeboundGrant(db: Kysely<Database>, id: string): Promise<TimeboundGrantRow | undefined> {
  return db.selectFrom('timebound_grants').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The live (active or revoking) time-bound grant of a grant, locked until the transaction ends on PostgreSQL. */
export async function lockLiveTimeboundGrant(trx: Kysely<Database>, key: GrantKey): Promise<TimeboundGrantRow | undefined> {
  const q = trx
    .selectFrom('timebound_grants')
    .selectAll()
    .where('integration_id', '=', key.integration_id)
    .where('entitlement_id', '=', key.entitlement_id)
    .where('principal_id', '=', key.principal_id)
    .where('state', 'in', ['active', 'revoking'])
  return (dialectOf(trx) === 'postgres' ? q.forUpdate() : q).executeTakeFirst()
}

export async function lockTimeboundGrant(trx: Kysely<Database>, id: string): Promise<TimeboundGrantRow | undefined> {
  const q = trx.selectFrom('timebound_grants').selectAll().where('id', '=', id)
  return (dialectOf(trx) === 'postgres' ? q.forUpdate() : q).executeTakeFirst()
}

export type TimeboundPatch = Partial<Omit<TimeboundGrantRow, 'id' | 'integration_id' | 'entitlement_id' | 'principal_id' | 'created_by'>>

export async function updateTimeboundGrant(db: Kysely<Database>, id: string, patch: TimeboundPatch): Promise<void> {
  await db.updateTable('timebound_grants').set(patch).where('id', '=', id).execute()
}

/**
 * The expiry's claim: active → revoking, only when the grant is still active and due. A
 * compare-and-set, so of any number of workers (or a stale job after an extension) exactly one
 * gets the row; on PostgreSQL a second UPDATE waits for the first's commit, re-reads the row and
 * no longer matches. Returns the claimed row, or undefined.
 */
export async function claimExpiry(trx: Kysely<Database>, id: string, revokeOrderId: string, now: string): Promise<TimeboundGrantRow | undefined> {
  return trx
    .updateTable('timebound_grants')
    .set({ state: 'revoking', revoke_order_id: revokeOrderId, ended_by: 'expiry', updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'active')
    .where('expires_at', '<=', now)
    .returningAll()
    .executeTakeFirst()
}

/** Marks a live time-bound grant revoking, for a revoke order; false when it is not active any more. */
export async function startRevoking(trx: Kysely<Database>, id: string, revokeOrderId: string, endedBy: 'revoke_now' | 'revoke_order', now: string): Promise<boolean> {
  const result = await trx
    .updateTable('timebound_grants')
    .set({ state: 'revoking', revoke_order_id: revokeOrderId, ended_by: endedBy, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'active')
    .executeTakeFirst()
  return affected(result) === 1
}

export interface TimeboundFilter {
  integration_id?: string
  /** Default: live ones (active and revoking). */
  states?: readonly TimeboundState[]
  /** Only grants held by the OneLogin accounts linked to this Warden user (through their identity). */
  holder_user_id?: string
}

export interface TimeboundGrantRecord extends TimeboundGrantRow {
  entitlement_name: string | null
  principal_name: string | null
  principal_email: string | null
}

/** Time-bound grants, soonest expiry first, a page at a time, with entitlement and principal names from the inventory. */
export async function listTimeboundGrants(db: Kysely<Database>, filter: TimeboundFilter = {}, page: PageRequest = {}): Promise<Page<TimeboundGrantRecord>> {
  const limit = pageLimit(page.limit)
  let q = db
    .selectFrom('timebound_grants as g')
    .leftJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 'g.integration_id').onRef('e.id', '=', 'g.entitlement_id'))
    .leftJoin('resources as r', (j) => j.onRef('r.integration_id', '=', 'g.integration_id').onRef('r.id', '=', 'g.principal_id'))
    .selectAll('g')
    .select(['e.display_name as entitlement_name', 'r.display_name as principal_name', 'r.email as principal_email'])
    .where('g.state', 'in', [...(filter.states ?? ['active', 'revoking'])])
  if (filter.integration_id !== undefined) q = q.where('g.integration_id', '=', filter.integration_id)
  if (filter.holder_user_id !== undefined) {
    const userId = filter.holder_user_id
    q = q.where('r.identity_id', 'in', (eb) => eb.selectFrom('identities').select('id').where('warden_user_id', '=', userId))
  }
  if (page.cursor) q = q.where(keysetAfter(['g.expires_at', 'g.id'], decodeCursor('timebound_grants', page.cursor, 2), 'asc'))
  const rows = await q.orderBy('g.expires_at').orderBy('g.id').limit(limit + 1).execute()
  return toPage(rows, limit, 'timebound_grants', (g) => [g.expires_at, g.id])
}

export async function getTimeboundGrantRecord(db: Kysely<Database>, id: string): Promise<TimeboundGrantRecord | undefined> {
  return db
    .selectFrom('timebound_grants as g')
    .leftJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 'g.integration_id').onRef('e.id', '=', 'g.entitlement_id'))
    .leftJoin('resources as r', (j) => j.onRef('r.integration_id', '=', 'g.integration_id').onRef('r.id', '=', 'g.principal_id'))
    .selectAll('g')
    .select(['e.display_name as entitlement_name', 'r.display_name as principal_name', 'r.email as principal_email'])
    .where('g.id', '=', id)
    .executeTakeFirst()
}

// ------------------------------------------------------------------ manual tasks

export async function insertManualTask(db: Kysely<Database>, row: ManualTaskRow, assignees: readonly string[]): Promise<void> {
  await db.insertInto('manual_tasks').values(row).execute()
  const unique = [...new Set(assignees)]
  if (unique.length > 0) await db.insertInto('manual_task_assignees').values(unique.map((user_id) => ({ task_id: row.id, user_id }))).execute()
}

export async function lockManualTask(trx: Kysely<Database>, id: string): Promise<ManualTaskRow | undefined> {
  const q = trx.selectFrom('manual_tasks').selectAll().where('id', '=', id)
  return (dialectOf(trx) === 'postgres' ? q.forUpdate() : q).executeTakeFirst()
}

export async function updateManualTask(db: Kysely<Database>, id: string, patch: Partial<Omit<ManualTaskRow, 'id' | 'order_id' | 'created_at'>>): Promise<void> {
  await db.updateTable('manual_tasks').set(patch).where('id', '=', id).execute()
}

export async function manualTaskAssignees(db: Kysely<Database>, taskIds: readonly string[]): Promise<Map<string, { id: string; email: string; display_name: string }[]>> {
  const out = new Map<string, { id: string; email: string; display_name: string }[]>()
  if (taskIds.length === 0) return out
  const rows = await db
    .selectFrom('manual_task_assignees as a')
    .innerJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.task_id', 'u.id', 'u.email', 'u.display_name'])
    .where('a.task_id', 'in', [...taskIds])
    .orderBy('u.email')
    .execute()
  for (const r of rows) {
    const list = out.get(r.task_id) ?? []
    list.push({ id: r.id, email: r.email, display_name: r.display_name })
    out.set(r.task_id, list)
  }
  return out
}

export interface ManualTaskFilter {
  state?: ManualTaskRow['state']
  /** Only tasks assigned to this Warden user. */
  assignee_id?: string
}

export interface ManualTaskRecord extends ManualTaskRow {
  kind: OrderRow['kind']
  integration_id: string
  entitlement_id: string
  principal_id: string
  request_id: string | null
  entitlement_name: string | null
  principal_name: string | null
  principal_email: string | null
}

function manualTaskQuery(db: Kysely<Database>) {
  return db
    .selectFrom('manual_tasks as t')
    .innerJoin('provisioning_orders as o', 'o.id', 't.order_id')
    .leftJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 'o.integration_id').onRef('e.id', '=', 'o.entitlement_id'))
    .leftJoin('resources as r', (j) => j.onRef('r.integration_id', '=', 'o.integration_id').onRef('r.id', '=', 'o.principal_id'))
    .selectAll('t')
    .select([
      'o.kind',
      'o.integration_id',
      'o.entitlement_id',
      'o.principal_id',
      'o.request_id',
      'e.display_name as entitlement_name',
      'r.display_name as principal_name',
      'r.email as principal_email',
    ])
}

/** Manual tasks, newest first, a page at a time. */
export async function listManualTasks(db: Kysely<Database>, filter: ManualTaskFilter = {}, page: PageRequest = {}): Promise<Page<ManualTaskRecord>> {
  const limit = pageLimit(page.limit)
  let q = manualTaskQuery(db)
  if (filter.state !== undefined) q = q.where('t.state', '=', filter.state)
  if (filter.assignee_id !== undefined) {
    const userId = filter.assignee_id
    q = q.where('t.id', 'in', (eb) => eb.selectFrom('manual_task_assignees').select('task_id').where('user_id', '=', userId))
  }
  if (page.cursor) q = q.where(keysetAfter(['t.created_at', 't.id'], decodeCursor('manual_tasks', page.cursor, 2), 'desc'))
  const rows = await q.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, 'manual_tasks', (t) => [t.created_at, t.id])
}

export async function getManualTaskRecord(db: Kysely<Database>, id: string): Promise<ManualTaskRecord | undefined> {
  return manualTaskQuery(db).where('t.id', '=', id).executeTakeFirst()
}

export async function manualTaskOfOrder(db: Kysely<Database>, orderId: string): Promise<ManualTaskRow | undefined> {
  return db.selectFrom('manual_tasks').selectAll().where('order_id', '=', orderId).executeTakeFirst()
}
