import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import type { InventoryEntitlement } from './inventory-repo.js'
import { WardenError } from '../errors/index.js'
import { dialectOf, isUniqueViolation } from './db-errors.js'
import { containsText } from './like.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'

/**
 * Access requests (migration 0004): the requests, their own history (request_events), and the
 * approval tasks of their steps with each task's assignees. Governance (governance/requests.ts,
 * approvals.ts) decides; this file only reads and writes rows.
 */

export type RequestKind = 'grant' | 'revoke' | 'extend'
/** As stored; what people see also follows the provisioning order (done, failed, manual). */
export type StoredRequestState = 'pending' | 'approved' | 'denied' | 'cancelled' | 'provisioning'
export type TaskState = 'open' | 'approved' | 'denied' | 'reassigned' | 'skipped'

export interface AccessRequestsTable {
  id: string
  kind: RequestKind
  state: StoredRequestState
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  /** The Warden app the entitlement belongs to, when known (settings and app owners come from it). */
  app_id: string | null
  /** The OneLogin user (user:<id>) it is for. */
  principal_id: string
  identity_id: string | null
  requester_id: string
  reason: string
  duration_minutes: number | null
  emergency: number
  policy_id: string | null
  /** JSON RequestPlan. */
  plan: string
  /** JSON array of SoD conflicts. */
  conflicts: string
  current_step: number
  extends_request_id: string | null
  order_id: string | null
  created_at: string
  updated_at: string
  decided_at: string | null
}

export interface RequestEventsTable {
  request_id: string
  seq: number
  at: string
  actor: string
  type: string
  message: string
}

export interface ApprovalTasksTable {
  id: string
  request_id: string
  step_index: number
  state: TaskState
  /** When the task escalates (null: never). */
  due_at: string | null
  escalated_at: string | null
  decided_by: string | null
  decision_reason: string | null
  decided_at: string | null
  created_at: string
  updated_at: string
}

export interface ApprovalTaskAssigneesTable {
  task_id: string
  user_id: string
  /** approver, fallback, escalation, reassigned, sod. */
  source: string
}

declare module './database.js' {
  interface Database {
    access_requests: AccessRequestsTable
    request_events: RequestEventsTable
    approval_tasks: ApprovalTasksTable
    approval_task_assignees: ApprovalTaskAssigneesTable
  }
}

export type RequestRow = AccessRequestsTable
export type TaskRow = ApprovalTasksTable

function toRequest(r: RequestRow): RequestRow {
  return {
    ...r,
    duration_minutes: r.duration_minutes === null ? null : Number(r.duration_minutes),
    emergency: Number(r.emergency),
    current_step: Number(r.current_step),
  }
}

function toTask(r: TaskRow): TaskRow {
  return { ...r, step_index: Number(r.step_index) }
}

/** Records a request; CONFLICT when the same person has one pending for the entitlement already (made at the same moment). */
export async function insertRequest(db: Kysely<Database>, row: RequestRow): Promise<void> {
  try {
    await db.insertInto('access_requests').values(row).execute()
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new WardenError('CONFLICT', `a request ${row.kind === 'revoke' ? 'to remove' : 'for'} ${row.entitlement_id} (${row.principal_id}) is pending already`, { cause: e })
    }
    throw e
  }
}

export async function getRequestRow(db: Kysely<Database>, id: string): Promise<RequestRow | undefined> {
  const row = await db.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toRequest(row)
}

/**
 * Reads a request and, on PostgreSQL, locks its row until the transaction ends, so two decisions
 * on one request (two approvers at once, an approval and a cancel) happen one after the other.
 * SQLite transactions already write one at a time (BEGIN IMMEDIATE).
 */
export async function lockRequestRow(trx: Kysely<Database>, id: string): Promise<RequestRow | undefined> {
  let q = trx.selectFrom('access_requests').selectAll().where('id', '=', id)
  if (dialectOf(trx) === 'postgres') q = q.forUpdate()
  const row = await q.executeTakeFirst()
  return row === undefined ? undefined : toRequest(row)
}

export async function getRequestRows(db: Kysely<Database>, ids: readonly string[]): Promise<RequestRow[]> {
  if (ids.length === 0) return []
  const rows = await db.selectFrom('access_requests').selectAll().where('id', 'in', [...new Set(ids)]).execute()
  return rows.map(toRequest)
}

export type RequestPatch = Partial<Pick<RequestRow, 'state' | 'current_step' | 'order_id' | 'decided_at' | 'plan'>> & { updated_at: string }

export async function updateRequestRow(db: Kysely<Database>, id: string, patch: RequestPatch): Promise<void> {
  await db.updateTable('access_requests').set(patch).where('id', '=', id).execute()
}

/** An open request (pending or provisioning) of this kind for the same person and entitlement, if any. */
export async function findOpenRequest(
  db: Kysely<Database>,
  target: { integration_id: string; principal_id: string; entitlement_id: string },
  kinds: readonly RequestKind[],
): Promise<RequestRow | undefined> {
  const row = await db
    .selectFrom('access_requests')
    .selectAll()
    .where('integration_id', '=', target.integration_id)
    .where('principal_id', '=', target.principal_id)
    .where('entitlement_id', '=', target.entitlement_id)
    .where('state', '=', 'pending')
    .where('kind', 'in', [...kinds])
    .orderBy('created_at')
    .executeTakeFirst()
  return row === undefined ? undefined : toRequest(row)
}

export interface RequestListFilter {
  /** Requests this user made or that are for one of these identities. */
  involving?: { user_id: string; identity_ids: readonly string[] }
  /** Stored states. */
  states?: readonly StoredRequestState[]
}

/** Requests newest first, a page at a time. */
export async function listRequestRows(db: Kysely<Database>, filter: RequestListFilter = {}, page: PageRequest = {}): Promise<Page<RequestRow>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('access_requests').selectAll()
  const involving = filter.involving
  if (involving !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('requester_id', '=', involving.user_id),
        ...(involving.identity_ids.length === 0 ? [] : [eb('identity_id', 'in', [...involving.identity_ids])]),
      ]),
    )
  }
  if (filter.states !== undefined) q = q.where('state', 'in', [...filter.states])
  if (page.cursor) q = q.where(keysetAfter(['created_at', 'id'], decodeCursor('requests', page.cursor, 2), 'desc'))
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
  return toPage(rows.map(toRequest), limit, 'requests', (r) => [r.created_at, r.id])
}

// ------------------------------------------------------------------ events

export interface RequestEventInput {
  at: string
  actor: string
  type: string
  message: string
}

/** Appends to a request's history (call with the request locked, so seq is not raced). */
export async function addRequestEvents(db: Kysely<Database>, requestId: string, events: readonly RequestEventInput[]): Promise<void> {
  if (events.length === 0) return
  const last = await db
    .selectFrom('request_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('request_id', '=', requestId)
    .executeTakeFirst()
  const start = Number(last?.seq ?? 0)
  await db
    .insertInto('request_events')
    .values(events.map((e, i) => ({ request_id: requestId, seq: start + i + 1, ...e })))
    .execute()
}

export async function requestEventsOf(db: Kysely<Database>, requestIds: readonly string[]): Promise<Map<string, RequestEventsTable[]>> {
  const out = new Map<string, RequestEventsTable[]>()
  if (requestIds.length === 0) return out
  const rows = await db
    .selectFrom('request_events')
    .selectAll()
    .where('request_id', 'in', [...new Set(requestIds)])
    .orderBy('request_id')
    .orderBy('seq')
    .execute()
  for (const r of rows) {
    const list = out.get(r.request_id) ?? []
    list.push({ ...r, seq: Number(r.seq) })
    out.set(r.request_id, list)
  }
  return out
}

// ------------------------------------------------------------------ tasks

export interface TaskAssignee {
  user_id: string
  source: string
}

export async function insertTask(db: Kysely<Database>, task: TaskRow, assignees: readonly TaskAssignee[]): Promise<void> {
  await db.insertInto('approval_tasks').values(task).execute()
  await addTaskAssignees(db, task.id, assignees)
}

/** Adds assignees to a task (those already on it are kept as they were). */
export async function addTaskAssignees(db: Kysely<Database>, taskId: string, assignees: readonly TaskAssignee[]): Promise<void> {
  const unique = [...new Map(assignees.map((a) => [a.user_id, a])).values()]
  if (unique.length === 0) return
  await db
    .insertInto('approval_task_assignees')
    .values(unique.map((a) => ({ task_id: taskId, ...a })))
    .onConflict((oc) => oc.columns(['task_id', 'user_id']).doNothing())
    .execute()
}

export async function getTaskRow(db: Kysely<Database>, id: string): Promise<TaskRow | undefined> {
  const row = await db.selectFrom('approval_tasks').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toTask(row)
}

export type TaskPatch = Partial<Pick<TaskRow, 'state' | 'decided_by' | 'decision_reason' | 'decided_at' | 'escalated_at' | 'due_at'>> & { updated_at: string }

export async function updateTaskRow(db: Kysely<Database>, id: string, patch: TaskPatch): Promise<void> {
  await db.updateTable('approval_tasks').set(patch).where('id', '=', id).execute()
}

/** Every task of these requests, by request, in step and creation order. */
export async function tasksOfRequests(db: Kysely<Database>, requestIds: readonly string[]): Promise<Map<string, TaskRow[]>> {
  const out = new Map<string, TaskRow[]>()
  if (requestIds.length === 0) return out
  const rows = await db
    .selectFrom('approval_tasks')
    .selectAll()
    .where('request_id', 'in', [...new Set(requestIds)])
    .orderBy('request_id')
    .orderBy('step_index')
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  for (const r of rows) {
    const list = out.get(r.request_id) ?? []
    list.push(toTask(r))
    out.set(r.request_id, list)
  }
  return out
}

/** The assignees of these tasks, by task, in user id order. */
export async function assigneesOfTasks(db: Kysely<Database>, taskIds: readonly string[]): Promise<Map<string, TaskAssignee[]>> {
  const out = new Map<string, TaskAssignee[]>()
  if (taskIds.length === 0) return out
  const rows = await db
    .selectFrom('approval_task_assignees')
    .select(['task_id', 'user_id', 'source'])
    .where('task_id', 'in', [...new Set(taskIds)])
    .orderBy('task_id')
    .orderBy('user_id')
    .execute()
  for (const r of rows) {
    const list = out.get(r.task_id) ?? []
    list.push({ user_id: r.user_id, source: r.source })
    out.set(r.task_id, list)
  }
  return out
}

/** Whether any task of this request was ever assigned to this user (they may see the request). */
export async function wasAssigned(db: Kysely<Database>, requestId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('approval_task_assignees as a')
    .innerJoin('approval_tasks as t', 't.id', 'a.task_id')
    .select('t.id')
    .where('t.request_id', '=', requestId)
    .where('a.user_id', '=', userId)
    .executeTakeFirst()
  return row !== undefined
}

export interface TaskListFilter {
  /** Only tasks assigned to this user. */
  assignee?: string
  /** open: waiting for a decision; done: every other state. */
  state?: 'open' | 'done'
}

/** Tasks newest first, a page at a time. */
export async function listTaskRows(db: Kysely<Database>, filter: TaskListFilter = {}, page: PageRequest = {}): Promise<Page<TaskRow>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('approval_tasks as t').selectAll('t')
  if (filter.assignee !== undefined) {
    const assignee = filter.assignee
    q = q.where((eb) =>
      eb.exists(eb.selectFrom('approval_task_assignees as a').select(sql`1`.as('one')).whereRef('a.task_id', '=', 't.id').where('a.user_id', '=', assignee)),
    )
  }
  if (filter.state === 'open') q = q.where('t.state', '=', 'open')
  if (filter.state === 'done') q = q.where('t.state', '<>', 'open')
  if (page.cursor) q = q.where(keysetAfter(['t.created_at', 't.id'], decodeCursor('tasks', page.cursor, 2), 'desc'))
  const rows = await q.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc').limit(limit + 1).execute()
  return toPage(rows.map(toTask), limit, 'tasks', (t) => [t.created_at, t.id])
}

/** Open tasks past their deadline that have not escalated yet, oldest deadline first. */
export async function dueTaskRows(db: Kysely<Database>, now: string, limit: number): Promise<TaskRow[]> {
  const rows = await db
    .selectFrom('approval_tasks')
    .selectAll()
    .where('state', '=', 'open')
    .where('escalated_at', 'is', null)
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map(toTask)
}

// ------------------------------------------------------------------ the request catalog

/** A requestable entitlement as the catalog lists it: an inventory entitlement with its settings. */
export type RequestableEntitlement = InventoryEntitlement

/** Requestable entitlements of every integration by name (then integration and id), a page at a time. */
export async function listRequestableEntitlements(
  db: Kysely<Database>,
  filter: { q?: string } = {},
  page: PageRequest = {},
): Promise<Page<RequestableEntitlement>> {
  const limit = pageLimit(page.limit)
  let q = db
    .selectFrom('entitlement_settings as s')
    .innerJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 's.integration_id').onRef('e.id', '=', 's.entitlement_id'))
    .select(['e.integration_id', 'e.id', 'e.resource_id', 'e.slug', 'e.display_name', 'e.grantable_to', 's.description', 's.requestable', 's.max_duration_minutes', 's.risk_level'])
    .where('s.requestable', '=', 1)
  if (filter.q !== undefined && filter.q !== '') q = q.where(containsText('e.display_name', filter.q))
  if (page.cursor) q = q.where(keysetAfter(['e.display_name', 'e.integration_id', 'e.id'], decodeCursor('catalog', page.cursor, 3), 'asc'))
  const rows = await q.orderBy('e.display_name').orderBy('e.integration_id').orderBy('e.id').limit(limit + 1).execute()
  return toPage(
    rows.map((r) => ({
      ...r,
      grantable_to: JSON.parse(r.grantable_to) as string[],
      requestable: true,
      max_duration_minutes: r.max_duration_minutes === null ? null : Number(r.max_duration_minutes),
    })),
    limit,
    'catalog',
    (e) => [e.display_name, e.integration_id, e.id],
  )
}

/** The OneLogin users (user:<id>) linked to these identities, by integration. */
export async function accountsOfIdentities(db: Kysely<Database>, identityIds: readonly string[]): Promise<{ integration_id: string; id: string; identity_id: string }[]> {
  if (identityIds.length === 0) return []
  const rows = await db
    .selectFrom('resources')
    .select(['integration_id', 'id', 'identity_id'])
    .where('type', '=', 'user')
    .where('identity_id', 'in', [...new Set(identityIds)])
    .orderBy('integration_id')
    .orderBy('id')
    .execute()
  return rows.flatMap((r) => (r.identity_id === null ? [] : [{ integration_id: r.integration_id, id: r.id, identity_id: r.identity_id }]))
}

/** Which of these (integration, entitlement) pairs any of `principals` holds, as "<integration> <entitlement>" keys. */
export async function heldEntitlements(
  db: Kysely<Database>,
  principals: readonly { integration_id: string; id: string }[],
  entitlements: readonly { integration_id: string; entitlement_id: string }[],
): Promise<Set<string>> {
  const held = new Set<string>()
  const byIntegration = new Map<string, { principals: Set<string>; entitlements: Set<string> }>()
  for (const p of principals) {
    const slot = byIntegration.get(p.integration_id) ?? { principals: new Set(), entitlements: new Set() }
    slot.principals.add(p.id)
    byIntegration.set(p.integration_id, slot)
  }
  for (const e of entitlements) byIntegration.get(e.integration_id)?.entitlements.add(e.entitlement_id)
  for (const [integrationId, slot] of byIntegration) {
    if (slot.entitlements.size === 0) continue
    const rows = await db
      .selectFrom('grants')
      .select('entitlement_id')
      .where('integration_id', '=', integrationId)
      .where('principal_id', 'in', [...slot.principals])
      .where('entitlement_id', 'in', [...slot.entitlements])
      .execute()
    for (const r of rows) held.add(`${integrationId} ${r.entitlement_id}`)
  }
  return held
}

/** The integrations whose inventory has this entitlement id. */
export async function integrationsWithEntitlement(db: Kysely<Database>, entitlementId: string): Promise<string[]> {
  const rows = await db.selectFrom('entitlements').select('integration_id').where('id', '=', entitlementId).orderBy('integration_id').execute()
  return rows.map((r) => r.integration_id)
}
