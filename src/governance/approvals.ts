import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { JobHandler, Schedule } from '../jobs/index.js'
import {
  addRequestEvents,
  addTaskAssignees,
  assigneesOfTasks,
  directAppOwners,
  dueTaskRows,
  getTaskRow,
  findUserByEmail,
  insertTask,
  isoTime,
  listTaskRows,
  listUsers,
  lockRequestRow,
  newId,
  tasksOfRequests,
  updateRequestRow,
  updateTaskRow,
} from '../store/index.js'
import type { Approver, Database, Page, PageRequest, RequestEventInput, RequestRow, Store, TaskAssignee, TaskRow } from '../store/index.js'
import { audited } from './audited.js'
import { orderGrant, orderRevoke } from './jit.js'
import { enqueueEmail } from './notifications.js'
import { SYSTEM_ACTOR, authorize, can } from './policy.js'
import type { Actor } from './policy.js'
import { conflictsOf, planOf, taskViews } from './request-views.js'
import type { ApprovalTaskView, PlanStep } from './request-views.js'
import { emitWebhookEvent } from './webhooks.js'

/**
 * The approval engine. A request's steps run one after the other; each open step is one task
 * whose assignees are resolved when it opens (so a new manager or owner counts): the step's
 * approvers, else its fallbacks in order, else, so that no request is stuck, the Access Request
 * Administrators. A denial ends the request; the last approval marks it approved and, in the same
 * transaction, orders the provisioning (governance/jit.ts) and moves it to `provisioning`.
 *
 * Every state change is audited, told by email to the people concerned (the assignees of a new
 * task; the requester, and the person it is for, of a decision) and emitted as a webhook event.
 */

type Clock = { now?: Date }

export const ESCALATE_JOB = 'requests.escalate'
/** Tasks escalated per run of the escalation job (it runs every minute; the rest wait for the next). */
export const ESCALATE_BATCH = 100
const ADMIN_ROLES = ['access-request-admin', 'super-admin'] as const
/** The most Administrators a task falls back to (or escalates to) at once. */
const ADMINS_MAX = 50
export const DECISION_REASON_MAX = 2000

// ------------------------------------------------------------------ who is who

/** The Warden users who are the person a request is for: the identity's linked user and the user with its email. */
async function beneficiaryUsers(db: Kysely<Database>, row: RequestRow): Promise<string[]> {
  if (row.identity_id === null) return []
  const identity = await db.selectFrom('identities').select(['email', 'warden_user_id']).where('id', '=', row.identity_id).executeTakeFirst()
  if (identity === undefined) return []
  const byEmail = await db.selectFrom('users').select('id').where('email', '=', identity.email).execute()
  return [...new Set([...(identity.warden_user_id === null ? [] : [identity.warden_user_id]), ...byEmail.map((u) => u.id)])]
}

/** Who may not approve their own request: whoever asked, and the person it is for. */
async function selfUsers(db: Kysely<Database>, row: RequestRow): Promise<Set<string>> {
  return new Set([row.requester_id, ...(await beneficiaryUsers(db, row))])
}

/** Those of `ids` that are Warden users who are not disabled, in the given order. */
async function activeUsers(db: Kysely<Database>, ids: readonly string[]): Promise<string[]> {
  const unique = [...new Set(ids)]
  if (unique.length === 0) return []
  const rows = await db.selectFrom('users').select('id').where('id', 'in', unique).where('disabled', '=', 0).execute()
  const found = new Set(rows.map((r) => r.id))
  return unique.filter((id) => found.has(id))
}

/** The Warden users (enabled) with these emails. */
async function usersWithEmails(db: Kysely<Database>, emails: readonly string[]): Promise<string[]> {
  const unique = [...new Set(emails.map((e) => e.toLowerCase()))]
  if (unique.length === 0) return []
  const rows = await db.selectFrom('users').select('id').where('email', 'in', unique).where('disabled', '=', 0).orderBy('email').execute()
  return rows.map((r) => r.id)
}

/** The Access Request and Super Administrators (enabled), the last resort of every step. */
async function requestAdmins(db: Kysely<Database>): Promise<string[]> {
  const page = await listUsers(db, { anyRole: ADMIN_ROLES, disabled: false }, { limit: ADMINS_MAX })
  return page.items.map((u) => u.id)
}

function traitsOf(json: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/**
 * The manager of the person a request is for, as a Warden user: their OneLogin user's manager_id
 * names the manager's OneLogin user (same integration); that user's person (identity) or email
 * gives the Warden user with the same email.
 */
async function managerUsers(db: Kysely<Database>, row: RequestRow): Promise<string[]> {
  const account = await db
    .selectFrom('resources')
    .select('traits')
    .where('integration_id', '=', row.integration_id)
    .where('id', '=', row.principal_id)
    .executeTakeFirst()
  const managerId = account === undefined ? undefined : traitsOf(account.traits)['manager_id']
  if (typeof managerId !== 'string' || managerId === '') return []
  const manager = await db
    .selectFrom('resources as r')
    .leftJoin('identities as i', 'i.id', 'r.identity_id')
    .select(['r.email', 'i.email as identity_email', 'i.warden_user_id'])
    .where('r.integration_id', '=', row.integration_id)
    .where('r.id', '=', managerId)
    .executeTakeFirst()
  if (manager === undefined) return []
  const linked = manager.warden_user_id === null ? [] : await activeUsers(db, [manager.warden_user_id])
  const emails = [manager.identity_email, manager.email].filter((e): e is string => e !== null)
  return [...new Set([...linked, ...(await usersWithEmails(db, emails))])]
}

/** The owners of the app a request's entitlement belongs to: the owners of that app's access entitlement. */
async function appOwnerUsers(db: Kysely<Database>, row: RequestRow): Promise<string[]> {
  // An app's owners: the owners of a discovered app's access entitlement, and the app's own (direct) owners.
  let access: { integration_id: string; entitlement_id: string } | null = null
  let appId = row.app_id
  if (row.entitlement_id.startsWith('app:') && row.entitlement_id.endsWith(':access')) access = { integration_id: row.integration_id, entitlement_id: row.entitlement_id }
  else if (row.app_id !== null) {
    const app = await db.selectFrom('apps').select(['source_integration_id', 'source_resource_id']).where('id', '=', row.app_id).executeTakeFirst()
    if (app !== undefined && app.source_integration_id !== null && app.source_resource_id !== null) {
      access = { integration_id: app.source_integration_id, entitlement_id: `${app.source_resource_id}:access` }
    }
  }
  if (appId === null && access !== null) {
    const app = await db
      .selectFrom('apps')
      .select('id')
      .where('source_integration_id', '=', access.integration_id)
      .where('source_resource_id', '=', access.entitlement_id.slice(0, -':access'.length))
      .executeTakeFirst()
    appId = app?.id ?? null
  }
  const owners = new Set(access === null ? [] : await entitlementOwnerUsers(db, access.integration_id, access.entitlement_id))
  if (appId !== null) for (const u of await directAppOwners(db, appId)) owners.add(u.id)
  return [...owners].sort()
}

async function entitlementOwnerUsers(db: Kysely<Database>, integrationId: string, entitlementId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('entitlement_owners')
    .select('user_id')
    .where('integration_id', '=', integrationId)
    .where('entitlement_id', '=', entitlementId)
    .orderBy('user_id')
    .execute()
  return rows.map((r) => r.user_id)
}

/** The Warden users one approver entry names for a request (not yet filtered). */
export async function resolveApprover(db: Kysely<Database>, approver: Approver, row: RequestRow): Promise<string[]> {
  switch (approver.type) {
    case 'users':
      return approver.user_ids
    case 'manager':
      return managerUsers(db, row)
    case 'app_owners':
      return appOwnerUsers(db, row)
    case 'entitlement_owners':
      return entitlementOwnerUsers(db, row.integration_id, row.entitlement_id)
    case 'integration_owners': {
      const rows = await db.selectFrom('integration_owners').select('user_id').where('integration_id', '=', row.integration_id).orderBy('user_id').execute()
      return rows.map((r) => r.user_id)
    }
  }
}

/** Who may not decide a step: the request's own people (unless self-approval is allowed), earlier approvers (when they must be distinct). */
async function excludedFrom(db: Kysely<Database>, row: RequestRow, step: PlanStep, stepIndex: number): Promise<{ self: Set<string>; earlier: Set<string> }> {
  const self = step.allow_self_approval ? new Set<string>() : await selfUsers(db, row)
  const earlier = new Set<string>()
  if (planOf(row).require_distinct_approvers) {
    for (const t of (await tasksOfRequests(db, [row.id])).get(row.id) ?? []) {
      if (t.step_index < stepIndex && t.state === 'approved' && t.decided_by !== null) earlier.add(t.decided_by)
    }
  }
  return { self, earlier }
}

/** A step's assignees: its approvers, else the first fallback that resolves to someone, else the Administrators. */
async function assigneesFor(db: Kysely<Database>, row: RequestRow, step: PlanStep, stepIndex: number): Promise<{ assignees: TaskAssignee[]; via: string }> {
  const { self, earlier } = await excludedFrom(db, row, step, stepIndex)
  const allowed = async (ids: readonly string[]) => (await activeUsers(db, ids)).filter((id) => !self.has(id) && !earlier.has(id))
  const direct: string[] = []
  for (const a of step.approvers) direct.push(...(await resolveApprover(db, a, row)))
  const approvers = await allowed(direct)
  if (approvers.length > 0) return { assignees: approvers.map((user_id) => ({ user_id, source: step.origin === 'sod' ? 'sod' : 'approver' })), via: 'its approvers' }
  for (const f of step.fallback) {
    const found = await allowed(await resolveApprover(db, f, row))
    if (found.length > 0) return { assignees: found.map((user_id) => ({ user_id, source: 'fallback' })), via: `the fallback (${approverLabel(f)})` }
  }
  const admins = await allowed(await requestAdmins(db))
  return { assignees: admins.map((user_id) => ({ user_id, source: 'fallback' })), via: 'the Access Request Administrators (nobody else could approve it)' }
}

function approverLabel(a: Approver): string {
  return a.type === 'users' ? 'named users' : a.type.replace('_', ' ')
}

// ------------------------------------------------------------------ telling people

async function emailsOf(db: Kysely<Database>, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return []
  const rows = await db.selectFrom('users').select('email').where('id', 'in', [...new Set(userIds)]).where('disabled', '=', 0).execute()
  return rows.map((r) => r.email)
}

/** The person a request is for, for messages: "Olivia Brown <olivia@...>" or the OneLogin user. */
async function personOf(db: Kysely<Database>, row: RequestRow): Promise<{ label: string; email: string | null }> {
  if (row.identity_id !== null) {
    const i = await db.selectFrom('identities').select(['email', 'display_name']).where('id', '=', row.identity_id).executeTakeFirst()
    if (i !== undefined) return { label: `${i.display_name} <${i.email}>`, email: i.email }
  }
  return { label: row.principal_id, email: null }
}

function describe(row: RequestRow, person: string): string {
  const what = row.kind === 'revoke' ? `remove ${row.entitlement_name} from ${person}` : `${row.entitlement_name} for ${person}`
  const span = row.duration_minutes === null ? '' : ` (${row.kind === 'extend' ? 'extended by' : 'for'} ${row.duration_minutes} minutes)`
  return `${row.emergency === 1 ? 'EMERGENCY: ' : ''}${what}${span}`
}

async function sendAll(trx: Kysely<Database>, to: readonly string[], subject: string, text: string): Promise<void> {
  for (const address of [...new Set(to)].sort()) await enqueueEmail(trx, { to: address, subject, text })
}

/** Tells the requester (and the person it is for) what became of their request. */
export async function tellRequester(trx: Kysely<Database>, row: RequestRow, outcome: string, detail: string): Promise<void> {
  const person = await personOf(trx, row)
  const to = [...(await emailsOf(trx, [row.requester_id])), ...(person.email === null ? [] : [person.email])]
  await sendAll(trx, to, `Access request ${outcome}: ${row.entitlement_name}`, `Your request ${row.id}, ${describe(row, person.label)}, was ${outcome}.\n${detail}\n`)
}

async function tellAssignees(trx: Kysely<Database>, row: RequestRow, taskId: string, userIds: readonly string[], why: string): Promise<void> {
  const person = await personOf(trx, row)
  const text =
    `${why}\n\nRequest ${row.id}: ${describe(row, person.label)}\nReason given: ${row.reason}\n` +
    `${conflictsOf(row).length > 0 ? 'It conflicts with separation-of-duties rules: see the request.\n' : ''}` +
    `\nApprove or deny it in Warden's approvals inbox, or with \`warden tasks approve ${taskId}\`.\n`
  await sendAll(trx, await emailsOf(trx, userIds), `Approval needed: ${row.entitlement_name} for ${person.label}`, text)
}

/** What webhooks receive about a request. */
export function webhookData(row: RequestRow, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request_id: row.id,
    kind: row.kind,
    integration_id: row.integration_id,
    entitlement_id: row.entitlement_id,
    entitlement_name: row.entitlement_name,
    principal_id: row.principal_id,
    identity_id: row.identity_id,
    requester_id: row.requester_id,
    duration_minutes: row.duration_minutes,
    emergency: row.emergency === 1,
    ...extra,
  }
}

// ------------------------------------------------------------------ moving a request on

/**
 * In the caller's transaction (the request locked or new): opens the request's current step, or,
 * when none is left, approves it and orders its provisioning. Returns the request as it is then.
 */
export async function advance(trx: Kysely<Database>, row: RequestRow, now: Date, actor: string, events: RequestEventInput[]): Promise<RequestRow> {
  const plan = planOf(row)
  const at = isoTime(now)
  if (row.current_step < plan.steps.length) {
    const index = row.current_step
    const step = plan.steps[index] as PlanStep
    const { assignees, via } = await assigneesFor(trx, row, step, index)
    const task: TaskRow = {
      id: newId('tsk'),
      request_id: row.id,
      step_index: index,
      state: 'open',
      due_at: step.escalate_after_hours === null ? null : isoTime(new Date(now.getTime() + step.escalate_after_hours * 3_600_000)),
      escalated_at: null,
      decided_by: null,
      decision_reason: null,
      decided_at: null,
      created_at: at,
      updated_at: at,
    }
    await insertTask(trx, task, assignees)
    const who = (await emailsOf(trx, assignees.map((a) => a.user_id))).join(', ') || 'nobody (no Administrator is left who may approve it)'
    events.push({ at, actor, type: 'step.opened', message: `Step ${index + 1} of ${plan.steps.length}${step.origin === 'sod' ? ' (separation of duties)' : ''} awaits ${via}: ${who}` })
    await tellAssignees(trx, row, task.id, assignees.map((a) => a.user_id), `You are asked to approve step ${index + 1} of ${plan.steps.length} of an access request.`)
    return row
  }

  // Approved: provisioning is ordered in this same transaction, so it happens if and only if this commits.
  events.push({ at, actor, type: 'approved', message: plan.steps.length === 0 ? `Approved without steps: ${plan.auto_approved ?? 'the policy has none'}` : 'Approved: every step is approved' })
  await updateRequestRow(trx, row.id, { state: 'approved', decided_at: at, updated_at: at })
  const target = { integration_id: row.integration_id, entitlement_id: row.entitlement_id, principal_id: row.principal_id, request_id: row.id, actor }
  const orderId = row.kind === 'revoke' ? await orderRevoke(trx, target, now) : await orderGrant(trx, { ...target, duration_minutes: row.duration_minutes }, now)
  await updateRequestRow(trx, row.id, { state: 'provisioning', order_id: orderId, updated_at: at })
  events.push({ at, actor: 'system', type: 'provisioning', message: `${row.kind === 'revoke' ? 'Removal' : 'Provisioning'} ordered (${orderId})` })
  const after: RequestRow = { ...row, state: 'provisioning', order_id: orderId, decided_at: at, updated_at: at }
  await emitWebhookEvent(trx, 'request.approved', webhookData(after, { order_id: orderId }), now)
  await tellRequester(trx, after, 'approved', row.kind === 'revoke' ? 'Warden is removing the access in OneLogin now.' : 'Warden is granting the access in OneLogin now.')
  return after
}

// ------------------------------------------------------------------ deciding

export type Decision = 'approve' | 'deny'

interface LockedTask {
  row: RequestRow
  task: TaskRow
  step: PlanStep
  assignees: TaskAssignee[]
}

/** Locks the task's request and checks that the actor may decide the (open) task. */
async function lockOpenTask(trx: Kysely<Database>, actor: Actor, taskId: string): Promise<LockedTask> {
  const first = await getTaskRow(trx, taskId)
  if (first === undefined) throw new WardenError('NOT_FOUND', `no task ${taskId}`)
  const row = await lockRequestRow(trx, first.request_id)
  const task = await getTaskRow(trx, taskId) // again, now that the request is locked
  if (row === undefined || task === undefined) throw new WardenError('NOT_FOUND', `no task ${taskId}`)
  const assignees = (await assigneesOfTasks(trx, [taskId])).get(taskId) ?? []
  const mine = assignees.some((a) => a.user_id === actor.id)
  if (!mine && !can(actor, 'access-requests:write')) {
    if (!can(actor, 'access-requests:read')) throw new WardenError('NOT_FOUND', `no task ${taskId}`)
    throw new WardenError('FORBIDDEN', `task ${taskId} is not assigned to you`)
  }
  if (task.state !== 'open') throw new WardenError('CONFLICT', `task ${taskId} is ${task.state} already`)
  if (row.state !== 'pending') throw new WardenError('CONFLICT', `request ${row.id} is ${row.state}: its tasks can no longer be decided`)
  const step = planOf(row).steps[task.step_index]
  if (step === undefined) throw new WardenError('INTERNAL', `request ${row.id} has no step ${task.step_index + 1}`)
  return { row, task, step, assignees }
}

function decisionReason(reason: string | undefined, step: PlanStep, what: string): string | null {
  const r = reason?.trim() ?? ''
  if (r.length > DECISION_REASON_MAX) throw new WardenError('BAD_INPUT', `reason: at most ${DECISION_REASON_MAX} characters`)
  if (r === '' && step.require_reason) throw new WardenError('BAD_INPUT', `reason: this step needs a reason to ${what}`)
  return r === '' ? null : r
}

/** Approves or denies a task assigned to the actor (or, with access-requests:write, any open task). */
export async function decideTask(store: Store, actor: Actor, taskId: string, decision: Decision, reason?: string, clock: Clock = {}): Promise<ApprovalTaskView> {
  authorize(actor, 'reviews:assigned')
  const now = clock.now ?? new Date()
  await audited(store, actor, async (trx) => {
    const { row, task, step } = await lockOpenTask(trx, actor, taskId)
    const why = decisionReason(reason, step, decision)
    const plan = planOf(row)
    if (decision === 'approve') {
      const { self, earlier } = await excludedFrom(trx, row, step, task.step_index)
      if (self.has(actor.id)) throw new WardenError('FORBIDDEN', `you cannot approve request ${row.id}: it is yours (you asked for it, or it is for you), and its policy does not allow self-approval`)
      if (earlier.has(actor.id)) throw new WardenError('FORBIDDEN', `you approved an earlier step of request ${row.id}: its policy needs a different approver for each step`)
    }
    const at = isoTime(now)
    await updateTaskRow(trx, taskId, { state: decision === 'approve' ? 'approved' : 'denied', decided_by: actor.id, decision_reason: why, decided_at: at, updated_at: at })
    const stepLabel = `Step ${task.step_index + 1} of ${plan.steps.length}`
    const events: RequestEventInput[] = [
      { at, actor: actor.id, type: decision === 'approve' ? 'step.approved' : 'step.denied', message: `${stepLabel} ${decision === 'approve' ? 'approved' : 'denied'}${why === null ? '' : `: ${why}`}` },
    ]
    let after: RequestRow
    if (decision === 'deny') {
      await updateRequestRow(trx, row.id, { state: 'denied', decided_at: at, updated_at: at })
      after = { ...row, state: 'denied', decided_at: at, updated_at: at }
      events.push({ at, actor: actor.id, type: 'denied', message: 'Denied' })
      await emitWebhookEvent(trx, 'request.denied', webhookData(after, { reason: why }), now)
      await tellRequester(trx, after, 'denied', why === null ? '' : `Reason: ${why}`)
    } else {
      const next = { ...row, current_step: task.step_index + 1, updated_at: at }
      await updateRequestRow(trx, row.id, { current_step: next.current_step, updated_at: at })
      after = await advance(trx, next, now, actor.id, events)
    }
    await addRequestEvents(trx, row.id, events)
    return {
      result: undefined,
      audit: [
        {
          action: decision === 'approve' ? 'request.task.approve' : 'request.task.deny',
          target_type: 'request',
          target_id: row.id,
          before: { state: row.state, task_id: taskId, step: task.step_index + 1 },
          after: { state: after.state, task_id: taskId, step: task.step_index + 1, reason: why, order_id: after.order_id },
        },
      ],
    }
  })
  return taskView(store.db, taskId)
}

/** Hands an open task to another Warden user: this task ends (reassigned) and a new one opens for them. Returns the new task. */
/** Reassigns to a Warden user given by id or by email (what people know of a colleague). */
export async function reassignTaskTo(store: Store, actor: Actor, taskId: string, to: { user_id?: string | undefined; email?: string | undefined }, reason?: string): Promise<ApprovalTaskView> {
  if ((to.user_id === undefined) === (to.email === undefined)) throw new WardenError('BAD_INPUT', 'user_id, email: give exactly one of them')
  if (to.user_id !== undefined) return reassignTask(store, actor, taskId, to.user_id, reason)
  const user = await findUserByEmail(store.db, to.email as string)
  if (user === undefined || user.disabled) throw new WardenError('BAD_INPUT', `email: no active Warden user has the email ${to.email}`)
  return reassignTask(store, actor, taskId, user.id, reason)
}

export async function reassignTask(store: Store, actor: Actor, taskId: string, userId: string, reason?: string, clock: Clock = {}): Promise<ApprovalTaskView> {
  authorize(actor, 'reviews:assigned')
  const now = clock.now ?? new Date()
  const newTaskId = await audited(store, actor, async (trx) => {
    const { row, task, step } = await lockOpenTask(trx, actor, taskId)
    const why = decisionReason(reason, step, 'reassign')
    if ((await activeUsers(trx, [userId])).length === 0) throw new WardenError('BAD_INPUT', `user_id: no active Warden user ${userId}`)
    const { self, earlier } = await excludedFrom(trx, row, step, task.step_index)
    if (self.has(userId)) throw new WardenError('BAD_INPUT', `user_id: ${userId} asked for this request or it is for them, and its policy does not allow self-approval`)
    if (earlier.has(userId)) throw new WardenError('BAD_INPUT', `user_id: ${userId} approved an earlier step, and this policy needs a different approver for each step`)
    const at = isoTime(now)
    await updateTaskRow(trx, taskId, { state: 'reassigned', decided_by: actor.id, decision_reason: why, decided_at: at, updated_at: at })
    const replacement: TaskRow = {
      ...task,
      id: newId('tsk'),
      state: 'open',
      // The deadline stays: reassigning does not buy time (an escalated task has none left).
      due_at: task.escalated_at === null ? task.due_at : null,
      escalated_at: null,
      decided_by: null,
      decision_reason: null,
      decided_at: null,
      created_at: at,
      updated_at: at,
    }
    await insertTask(trx, replacement, [{ user_id: userId, source: 'reassigned' }])
    const [email] = await emailsOf(trx, [userId])
    await addRequestEvents(trx, row.id, [
      { at, actor: actor.id, type: 'step.reassigned', message: `Step ${task.step_index + 1} reassigned to ${email ?? userId}${why === null ? '' : `: ${why}`}` },
    ])
    await tellAssignees(trx, row, replacement.id, [userId], `An approval was reassigned to you${why === null ? '' : ` (${why})`}.`)
    return {
      result: replacement.id,
      audit: [
        {
          action: 'request.task.reassign',
          target_type: 'request',
          target_id: row.id,
          before: { task_id: taskId, step: task.step_index + 1 },
          after: { task_id: replacement.id, step: task.step_index + 1, user_id: userId, reason: why },
        },
      ],
    }
  })
  return taskView(store.db, newTaskId)
}

/**
 * Escalates open tasks past their deadline: the step's escalation approvers (or, when it names
 * none, the Access Request Administrators) are added to the task and told. Each task escalates
 * once, in a transaction of its own. Returns how many escalated.
 */
export async function escalateDueTasks(store: Store, clock: Clock = {}): Promise<number> {
  const now = clock.now ?? new Date()
  const at = isoTime(now)
  let escalated = 0
  for (const due of await dueTaskRows(store.db, at, ESCALATE_BATCH)) {
    const done = await audited(store, SYSTEM_ACTOR, async (trx) => {
      const row = await lockRequestRow(trx, due.request_id)
      const task = await getTaskRow(trx, due.id)
      // Decided, reassigned or escalated meanwhile (another worker): nothing to do.
      if (row === undefined || task === undefined || task.state !== 'open' || task.escalated_at !== null || row.state !== 'pending') return { result: false, audit: [] }
      const step = planOf(row).steps[task.step_index] as PlanStep
      const { self, earlier } = await excludedFrom(trx, row, step, task.step_index)
      const named = step.escalate_to.length > 0 ? await activeUsers(trx, step.escalate_to) : []
      const targets = (named.length > 0 ? named : await requestAdmins(trx)).filter((id) => !self.has(id) && !earlier.has(id))
      const current = new Set(((await assigneesOfTasks(trx, [task.id])).get(task.id) ?? []).map((a) => a.user_id))
      const added = targets.filter((id) => !current.has(id))
      await addTaskAssignees(
        trx,
        task.id,
        added.map((user_id) => ({ user_id, source: 'escalation' })),
      )
      await updateTaskRow(trx, task.id, { escalated_at: at, updated_at: at })
      const who = (await emailsOf(trx, added)).join(', ') || 'nobody new'
      await addRequestEvents(trx, row.id, [{ at, actor: 'system', type: 'step.escalated', message: `Step ${task.step_index + 1} was not decided by ${task.due_at}: escalated to ${who}` }])
      await tellAssignees(trx, row, task.id, added, `An approval is overdue (due ${task.due_at}) and was escalated to you.`)
      return {
        result: true,
        audit: [{ action: 'request.task.escalate', target_type: 'request', target_id: row.id, after: { task_id: task.id, step: task.step_index + 1, added } }],
      }
    })
    if (done) escalated++
  }
  return escalated
}

/** The worker's handler and schedule for escalations. */
export function requestJobs(): { handlers: Record<string, JobHandler>; schedules: Schedule[] } {
  return {
    handlers: {
      [ESCALATE_JOB]: async ({ store }) => {
        await escalateDueTasks(store)
      },
    },
    schedules: [{ kind: ESCALATE_JOB, everyMs: 60_000 }],
  }
}

// ------------------------------------------------------------------ reading tasks

export interface TaskListOptions {
  /** Every task, not only mine (needs access-requests:read). */
  all?: boolean
  /** open (default) or done. */
  state?: 'open' | 'done'
}

export async function listTasks(store: Store, actor: Actor, options: TaskListOptions = {}, page: PageRequest = {}): Promise<Page<ApprovalTaskView>> {
  authorize(actor, 'reviews:assigned')
  if (options.all === true) authorize(actor, 'access-requests:read')
  const rows = await listTaskRows(store.db, { ...(options.all === true ? {} : { assignee: actor.id }), state: options.state ?? 'open' }, page)
  return { items: await taskViews(store.db, rows.items), next_cursor: rows.next_cursor }
}

/** One task: its assignees and those who may read every request see it. */
export async function getTask(store: Store, actor: Actor, taskId: string): Promise<ApprovalTaskView> {
  authorize(actor, 'reviews:assigned')
  const task = await getTaskRow(store.db, taskId)
  const assignees = task === undefined ? [] : ((await assigneesOfTasks(store.db, [taskId])).get(taskId) ?? [])
  if (task === undefined || (!assignees.some((a) => a.user_id === actor.id) && !can(actor, 'access-requests:read'))) throw new WardenError('NOT_FOUND', `no task ${taskId}`)
  return taskView(store.db, taskId)
}

async function taskView(db: Kysely<Database>, taskId: string): Promise<ApprovalTaskView> {
  const task = await getTaskRow(db, taskId)
  if (task === undefined) throw new WardenError('NOT_FOUND', `no task ${taskId}`)
  return (await taskViews(db, [task]))[0] as ApprovalTaskView
}
