import type { Kysely } from 'kysely'
import { assigneesOfTasks, getRequestRows, requestEventsOf, tasksOfRequests, userSummaries } from '../store/index.js'
import type { Database, PolicyStep, RequestKind, RequestRow, TaskRow, TaskState, UserSummary } from '../store/index.js'
import { ordersOfRequests } from './jit.js'
import type { OrderView } from './jit.js'
import type { SodConflict } from './sod.js'

/**
 * Requests and approval tasks as people see them. A request's state and history merge its own
 * (created, each step's decision, cancelled) with its provisioning order's (governance/jit.ts):
 * once approved, the order says whether it is still provisioning, done, failed or handed to a
 * person (manual).
 */

/** A step of a request as copied from its policy (plus the steps SoD rules add). */
export interface PlanStep extends PolicyStep {
  origin: 'policy' | 'sod'
  /** For an SoD step: the rule that asked for it. */
  sod_rule_id?: string
}

/** What a request follows, copied when it is made: later edits of the policy do not change it. */
export interface RequestPlan {
  steps: PlanStep[]
  require_distinct_approvers: boolean
  /** Why it needed no policy steps (an auto-approve rule), or null. */
  auto_approved: string | null
}

export type RequestState = 'pending' | 'approved' | 'denied' | 'cancelled' | 'provisioning' | 'done' | 'failed' | 'manual'
export type StepState = 'waiting' | TaskState

export interface StepView {
  index: number
  state: StepState
  origin: 'policy' | 'sod'
  approvers: UserSummary[]
  /** The user id of who decided (null while open). */
  decided_by: string | null
  decided_by_user: UserSummary | null
  reason: string | null
  due_at: string | null
  require_reason: boolean
}

export interface RequestEventView {
  at: string
  /** A user id, or 'system'. */
  actor: string
  type: string
  message: string
}

export interface PersonRef {
  id: string
  email: string
  display_name: string
}

export interface AccessRequestView {
  id: string
  kind: RequestKind
  state: RequestState
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  app_id: string | null
  principal_id: string
  principal_name: string | null
  identity_id: string | null
  identity: PersonRef | null
  requester_id: string
  requester: UserSummary | null
  reason: string
  duration_minutes: number | null
  emergency: boolean
  policy_id: string | null
  conflicts: SodConflict[]
  steps: StepView[]
  events: RequestEventView[]
  order_id: string | null
  extends_request_id: string | null
  expires_at: string | null
  created_at: string
  updated_at: string
}

export function planOf(row: RequestRow): RequestPlan {
  return JSON.parse(row.plan) as RequestPlan
}

export function conflictsOf(row: RequestRow): SodConflict[] {
  return JSON.parse(row.conflicts) as SodConflict[]
}

/** The order that speaks for a request: the one it names, else the latest. */
export function orderOf(row: RequestRow, orders: readonly OrderView[] | undefined): OrderView | undefined {
  if (orders === undefined || orders.length === 0) return undefined
  return orders.find((o) => o.id === row.order_id) ?? [...orders].sort((a, b) => a.updated_at.localeCompare(b.updated_at)).at(-1)
}

/** A request's state for people: its own until provisioning, then its order's. */
export function stateOf(row: RequestRow, order: OrderView | undefined): RequestState {
  if (row.state !== 'provisioning' || order === undefined) return row.state
  if (order.state === 'done') return 'done'
  if (order.state === 'failed') return 'failed'
  if (order.state === 'manual') return 'manual'
  return 'provisioning'
}

/** The current task of each step: the latest one (a reassignment closes one task and opens another). */
export function currentTasks(tasks: readonly TaskRow[]): Map<number, TaskRow> {
  const out = new Map<number, TaskRow>()
  for (const t of tasks) out.set(t.step_index, t) // ordered by step, then creation
  return out
}

/** Full views of requests (a handful of queries whatever their number). */
export async function requestViews(db: Kysely<Database>, rows: readonly RequestRow[]): Promise<AccessRequestView[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const [events, tasks, orders] = [await requestEventsOf(db, ids), await tasksOfRequests(db, ids), await ordersOfRequests(db, ids)]
  const allTasks = [...tasks.values()].flat()
  const assignees = await assigneesOfTasks(
    db,
    allTasks.map((t) => t.id),
  )
  const userIds = new Set<string>()
  for (const r of rows) userIds.add(r.requester_id)
  for (const t of allTasks) if (t.decided_by !== null) userIds.add(t.decided_by)
  for (const list of assignees.values()) for (const a of list) userIds.add(a.user_id)
  const users = await userSummaries(db, [...userIds])
  const identityIds = rows.map((r) => r.identity_id).filter((id): id is string => id !== null)
  const identities = new Map(
    identityIds.length === 0
      ? []
      : (await db.selectFrom('identities').select(['id', 'email', 'display_name']).where('id', 'in', [...new Set(identityIds)]).execute()).map((i) => [i.id, i] as const),
  )
  const principals = await principalNames(db, rows)

  return rows.map((row) => {
    const plan = planOf(row)
    const current = currentTasks(tasks.get(row.id) ?? [])
    const requestOrders = orders.get(row.id)
    const order = orderOf(row, requestOrders)
    const steps = plan.steps.map((step, index): StepView => {
      const task = current.get(index)
      const decider = task?.decided_by ?? null
      return {
        index,
        state: task === undefined ? (row.state === 'pending' ? 'waiting' : 'skipped') : task.state,
        origin: step.origin,
        approvers: (task === undefined ? [] : (assignees.get(task.id) ?? [])).flatMap((a) => users.get(a.user_id) ?? []),
        decided_by: decider,
        decided_by_user: decider === null ? null : (users.get(decider) ?? null),
        reason: task?.decision_reason ?? null,
        due_at: task?.due_at ?? null,
        require_reason: step.require_reason,
      }
    })
    const own: RequestEventView[] = (events.get(row.id) ?? []).map((e) => ({ at: e.at, actor: e.actor, type: e.type, message: e.message }))
    const provisioning: RequestEventView[] = (requestOrders ?? []).flatMap((o) =>
      o.events.map((e) => ({ at: e.at, actor: 'system', type: `provisioning.${e.state}`, message: e.message })),
    )
    return {
      id: row.id,
      kind: row.kind,
      state: stateOf(row, order),
      integration_id: row.integration_id,
      entitlement_id: row.entitlement_id,
      entitlement_name: row.entitlement_name,
      app_id: row.app_id,
      principal_id: row.principal_id,
      principal_name: principals.get(`${row.integration_id} ${row.principal_id}`) ?? null,
      identity_id: row.identity_id,
      identity: row.identity_id === null ? null : (identities.get(row.identity_id) ?? null),
      requester_id: row.requester_id,
      requester: users.get(row.requester_id) ?? null,
      reason: row.reason,
      duration_minutes: row.duration_minutes,
      emergency: row.emergency === 1,
      policy_id: row.policy_id,
      conflicts: conflictsOf(row),
      steps,
      // A stable sort: events at the same instant keep their recorded order, Warden's before the order's.
      events: [...own, ...provisioning].sort((a, b) => a.at.localeCompare(b.at)),
      order_id: order?.id ?? row.order_id,
      extends_request_id: row.extends_request_id,
      expires_at: order?.kind === 'grant' ? order.expires_at : null,
      created_at: row.created_at,
      updated_at: [row.updated_at, order?.updated_at ?? ''].sort().at(-1) as string,
    }
  })
}

async function principalNames(db: Kysely<Database>, rows: readonly RequestRow[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const byIntegration = new Map<string, Set<string>>()
  for (const r of rows) byIntegration.set(r.integration_id, (byIntegration.get(r.integration_id) ?? new Set()).add(r.principal_id))
  for (const [integrationId, ids] of byIntegration) {
    const found = await db.selectFrom('resources').select(['id', 'display_name']).where('integration_id', '=', integrationId).where('id', 'in', [...ids]).execute()
    for (const f of found) out.set(`${integrationId} ${f.id}`, f.display_name)
  }
  return out
}

export async function requestView(db: Kysely<Database>, row: RequestRow): Promise<AccessRequestView> {
  return (await requestViews(db, [row]))[0] as AccessRequestView
}

/** What an approver sees of the request behind a task. */
export interface TaskRequestSummary {
  id: string
  kind: RequestKind
  state: RequestState
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  principal_id: string
  identity_id: string | null
  identity_name: string | null
  identity_email: string | null
  requester_id: string
  requester: UserSummary | null
  reason: string
  duration_minutes: number | null
  emergency: boolean
  conflicts: SodConflict[]
}

export interface ApprovalTaskView {
  id: string
  request: TaskRequestSummary
  step_index: number
  state: TaskState
  assignees: UserSummary[]
  due_at: string | null
  escalated_at: string | null
  decided_by: string | null
  reason: string | null
  decided_at: string | null
  /** The step needs a reason to approve, deny or reassign. */
  require_reason: boolean
  created_at: string
}

export async function taskViews(db: Kysely<Database>, tasks: readonly TaskRow[]): Promise<ApprovalTaskView[]> {
  if (tasks.length === 0) return []
  const requests = new Map((await requestViews(db, await getRequestRows(db, tasks.map((t) => t.request_id)))).map((r) => [r.id, r]))
  const assignees = await assigneesOfTasks(
    db,
    tasks.map((t) => t.id),
  )
  const users = await userSummaries(db, [...assignees.values()].flat().map((a) => a.user_id))
  return tasks.flatMap((t) => {
    const r = requests.get(t.request_id)
    if (r === undefined) return []
    return [
      {
        id: t.id,
        request: {
          id: r.id,
          kind: r.kind,
          state: r.state,
          integration_id: r.integration_id,
          entitlement_id: r.entitlement_id,
          entitlement_name: r.entitlement_name,
          principal_id: r.principal_id,
          identity_id: r.identity_id,
          identity_name: r.identity?.display_name ?? r.principal_name,
          identity_email: r.identity?.email ?? null,
          requester_id: r.requester_id,
          requester: r.requester,
          reason: r.reason,
          duration_minutes: r.duration_minutes,
          emergency: r.emergency,
          conflicts: r.conflicts,
        },
        step_index: t.step_index,
        state: t.state,
        assignees: (assignees.get(t.id) ?? []).flatMap((a) => users.get(a.user_id) ?? []),
        due_at: t.due_at,
        escalated_at: t.escalated_at,
        decided_by: t.decided_by,
        reason: t.decision_reason,
        decided_at: t.decided_at,
        require_reason: r.steps[t.step_index]?.require_reason ?? false,
        created_at: t.created_at,
      },
    ]
  })
}
