import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import { parseEntitlementId } from '../model/index.js'
import {
  accountsOfIdentities,
  addRequestEvents,
  assigneesOfTasks,
  encodeCursor,
  findIdentityByEmail,
  findOpenRequest,
  getIdentity,
  getRequestRow,
  getUser,
  heldEntitlements,
  insertRequest,
  integrationExists,
  integrationsWithEntitlement,
  isoTime,
  listRequestRows,
  listRequestableEntitlements,
  lockLiveTimeboundGrant,
  lockRequestRow,
  newId,
  pageLimit,
  tasksOfRequests,
  updateRequestRow,
  updateTaskRow,
  wasAssigned,
} from '../store/index.js'
import type { Database, Identity, Page, PageRequest, Policy, RequestEventInput, RequestKind, RequestRow, Store } from '../store/index.js'
import { advance, tellRequester, webhookData } from './approvals.js'
import { audited } from './audited.js'
import { MAX_DURATION_MINUTES_MAX } from './inventory.js'
import { ordersOfRequests } from './jit.js'
import { enqueueEmail } from './notifications.js'
import { requirePolicy } from './policies.js'
import { authorize, can } from './policy.js'
import type { Actor } from './policy.js'
import { audienceAdmits, audienceKeys, effectiveSettings, effectiveSettingsOf } from './request-settings.js'
import type { EffectiveRequestSettings } from './request-settings.js'
import { orderOf, requestView, requestViews, stateOf } from './request-views.js'
import type { AccessRequestView, PlanStep, RequestPlan, RequestState } from './request-views.js'
import { conflictsForGrant } from './sod.js'
import type { SodConflict } from './sod.js'
import { emitWebhookEvent } from './webhooks.js'

/**
 * Access requests (reference/platform.md §1.6): someone asks for a requestable entitlement, for
 * themselves or (with access-requests:write) for someone else, with a reason and, where the
 * entitlement has a maximum, a duration; an emergency request follows the emergency policy. A
 * "drop" asks to remove access the person holds (the revoke policy); an extension re-runs the
 * grant policy for an active time-bound grant. Separation-of-duties rules are checked when a
 * request is made: a blocking rule refuses it, an extra-approval rule adds a step.
 *
 * Approval and provisioning: governance/approvals.ts. What people see: request-views.ts.
 */

type Clock = { now?: Date }

export const REASON_MAX = 2000

export interface NewAccessRequest {
  /** May be left out when only one integration has the entitlement. */
  integration_id?: string
  entitlement_id: string
  /** The person it is for: an identity id (idn_...) or an email; default: the caller. */
  for?: string
  duration_minutes?: number | null
  reason: string
  emergency?: boolean
}

export interface DropRequest {
  integration_id?: string
  entitlement_id: string
  for?: string
  reason: string
}

export interface ExtendRequest {
  duration_minutes: number
  reason: string
}

// ------------------------------------------------------------------ who and what

/** The identities that are the actor: linked to their Warden user, or with their email. */
async function identitiesOf(db: Kysely<Database>, actor: Actor): Promise<Identity[]> {
  const user = await getUser(db, actor.id)
  if (user === undefined) return []
  return db
    .selectFrom('identities')
    .selectAll()
    .where((eb) => eb.or([eb('warden_user_id', '=', actor.id), eb('email', '=', user.email)]))
    .orderBy('email')
    .execute()
}

interface Beneficiary {
  identity: Identity
  /** The caller asks for themselves. */
  self: boolean
}

async function beneficiary(db: Kysely<Database>, actor: Actor, forWhom: string | undefined): Promise<Beneficiary> {
  const mine = await identitiesOf(db, actor)
  if (forWhom === undefined) {
    const [identity] = mine
    if (identity === undefined) {
      throw new WardenError('BAD_INPUT', 'for: Warden knows no OneLogin person with your email (no identity): ask for someone by identity id or email, or sync your OneLogin tenant first')
    }
    return { identity, self: true }
  }
  const wanted = forWhom.trim()
  let identity: Identity | undefined
  if (/^idn_[0-9a-z]{26}$/.test(wanted)) identity = await getIdentity(db, wanted)
  else if (/^[^\s@]+@[^\s@]+$/.test(wanted)) identity = await findIdentityByEmail(db, wanted)
  else throw new WardenError('BAD_INPUT', `for: give an identity id (idn_...) or an email address, not ${JSON.stringify(forWhom)}`)
  if (identity === undefined) throw new WardenError('NOT_FOUND', `for: no person ${wanted} (identities come from OneLogin syncs)`)
  const self = mine.some((i) => i.id === identity.id)
  // Asking for someone else is an administrator's act.
  if (!self) authorize(actor, 'access-requests:write')
  return { identity, self }
}

/** The integration a request names, or the only one that has the entitlement. */
async function integrationFor(db: Kysely<Database>, integrationId: string | undefined, entitlementId: string): Promise<string> {
  if (integrationId !== undefined) {
    if (!(await integrationExists(db, integrationId))) throw new WardenError('NOT_FOUND', `integration_id: no integration ${integrationId}`)
    return integrationId
  }
  const found = await integrationsWithEntitlement(db, entitlementId)
  if (found.length === 0) throw new WardenError('NOT_FOUND', `entitlement_id: no integration has ${entitlementId}`)
  if (found.length > 1) throw new WardenError('BAD_INPUT', `integration_id: ${found.length} integrations have ${entitlementId}: say which (${found.join(', ')})`)
  return found[0] as string
}

/** The person's OneLogin user in the integration (the principal a grant goes to). */
async function accountIn(db: Kysely<Database>, integrationId: string, identity: Identity): Promise<string> {
  const account = (await accountsOfIdentities(db, [identity.id])).find((a) => a.integration_id === integrationId)
  if (account === undefined) throw new WardenError('BAD_INPUT', `for: ${identity.email} has no OneLogin user in integration ${integrationId}`)
  return account.id
}

function checkEntitlementId(id: string): void {
  try {
    parseEntitlementId(id)
  } catch (e) {
    throw new WardenError('BAD_INPUT', `entitlement_id: ${(e as Error).message}`)
  }
}

function requestReason(reason: string): string {
  const r = reason.trim()
  if (r === '') throw new WardenError('BAD_INPUT', 'reason: say why the access is needed')
  if (r.length > REASON_MAX) throw new WardenError('BAD_INPUT', `reason: at most ${REASON_MAX} characters`)
  return r
}

/** Required where the entitlement has a maximum, refused above it. */
function checkDuration(duration: number | null | undefined, settings: EffectiveRequestSettings, required = false): number | null {
  const max = settings.max_duration_minutes
  if (duration === undefined || duration === null) {
    if (max !== null) throw new WardenError('BAD_INPUT', `duration_minutes: required for ${settings.entitlement_id}, which may be held for at most ${max} minutes`)
    if (required) throw new WardenError('BAD_INPUT', 'duration_minutes: say how much longer the access is needed')
    return null
  }
  if (!Number.isInteger(duration) || duration < 1 || duration > MAX_DURATION_MINUTES_MAX) {
    throw new WardenError('BAD_INPUT', `duration_minutes: a whole number of minutes from 1 to ${MAX_DURATION_MINUTES_MAX}`)
  }
  if (max !== null && duration > max) throw new WardenError('BAD_INPUT', `duration_minutes: at most ${max} for ${settings.entitlement_id} (its maximum)`)
  return duration
}

/**
 * Whether the principal holds the entitlement now: in the last sync, or granted by a request of
 * Warden's since (done, and not ended).
 */
async function holdsNow(db: Kysely<Database>, target: { integration_id: string; entitlement_id: string; principal_id: string }): Promise<boolean> {
  const synced = await db
    .selectFrom('grants')
    .select('principal_id')
    .where('integration_id', '=', target.integration_id)
    .where('entitlement_id', '=', target.entitlement_id)
    .where('principal_id', '=', target.principal_id)
    .executeTakeFirst()
  if (synced !== undefined) return true
  const latest = await db
    .selectFrom('access_requests')
    .selectAll()
    .where('integration_id', '=', target.integration_id)
    .where('entitlement_id', '=', target.entitlement_id)
    .where('principal_id', '=', target.principal_id)
    .where('state', '=', 'provisioning')
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst()
  if (latest === undefined || latest.kind === 'revoke') return false
  const orders = (await ordersOfRequests(db, [latest.id])).get(latest.id) ?? []
  if (stateOf(latest, orderOf(latest, orders)) !== 'done') return false
  // A time-bound grant that ended since is an order of the same request (a revoke, done).
  return !orders.some((o) => o.kind === 'revoke' && o.state === 'done')
}

/** Why a policy approves at once (an auto-approve rule that holds), or null. */
async function autoApproval(db: Kysely<Database>, policy: Policy, integrationId: string, identity: Identity): Promise<string | null> {
  for (const rule of policy.auto_approve) {
    if (rule.type === 'always') return `the policy "${policy.name}" approves these requests without steps`
    const accounts = await accountsOfIdentities(db, [identity.id])
    const wanted = rule.entitlements.map((e) => ({ integration_id: e.integration_id ?? integrationId, entitlement_id: e.entitlement_id }))
    const held = await heldEntitlements(db, accounts, wanted)
    const hit = wanted.find((w) => held.has(`${w.integration_id} ${w.entitlement_id}`))
    if (hit !== undefined) return `${identity.display_name} holds ${hit.entitlement_id}, which the policy "${policy.name}" approves without steps`
  }
  return null
}

function sodStep(c: SodConflict): PlanStep {
  return {
    approvers: c.approver_user_ids.length === 0 ? [] : [{ type: 'users', user_ids: c.approver_user_ids }],
    fallback: [],
    allow_self_approval: false,
    // An exception to a control is justified in writing.
    require_reason: true,
    escalate_after_hours: null,
    escalate_to: [],
    origin: 'sod',
    sod_rule_id: c.rule_id,
  }
}

function refuseBlocked(conflicts: readonly SodConflict[], identity: Identity, entitlementId: string): void {
  const block = conflicts.find((c) => c.action === 'block')
  if (block === undefined) return
  throw new WardenError(
    'CONFLICT',
    `separation of duties: the rule "${block.rule_name}" (${block.rule_id}) forbids ${entitlementId} for ${identity.email}, who holds ${block.held.join(', ')}`,
  )
}

interface Draft {
  kind: RequestKind
  integration_id: string
  settings: EffectiveRequestSettings
  principal_id: string
  identity: Identity
  reason: string
  duration_minutes: number | null
  emergency: boolean
  policy: Policy
  conflicts: SodConflict[]
  extends_request_id: string | null
}

/** In the caller's transaction: records a request, its plan and history, and opens its first step (or approves it). */
async function start(trx: Kysely<Database>, actor: Actor, d: Draft, now: Date): Promise<{ row: RequestRow; audit: Record<string, unknown> }> {
  const auto = await autoApproval(trx, d.policy, d.integration_id, d.identity)
  const steps: PlanStep[] = auto === null ? d.policy.steps.map((s) => ({ ...s, origin: 'policy' as const })) : []
  for (const c of d.conflicts) if (c.action === 'extra_approval') steps.push(sodStep(c))
  const plan: RequestPlan = { steps, require_distinct_approvers: d.policy.require_distinct_approvers, auto_approved: auto }
  const at = isoTime(now)
  const row: RequestRow = {
    id: newId('req'),
    kind: d.kind,
    state: 'pending',
    integration_id: d.integration_id,
    entitlement_id: d.settings.entitlement_id,
    entitlement_name: d.settings.entitlement_name,
    app_id: d.settings.app?.id ?? null,
    principal_id: d.principal_id,
    identity_id: d.identity.id,
    requester_id: actor.id,
    reason: d.reason,
    duration_minutes: d.duration_minutes,
    emergency: d.emergency ? 1 : 0,
    policy_id: d.policy.id,
    plan: JSON.stringify(plan),
    conflicts: JSON.stringify(d.conflicts),
    current_step: 0,
    extends_request_id: d.extends_request_id,
    order_id: null,
    created_at: at,
    updated_at: at,
    decided_at: null,
  }
  await insertRequest(trx, row)
  const what = d.kind === 'revoke' ? 'Removal' : d.kind === 'extend' ? 'Extension' : d.emergency ? 'Emergency access' : 'Access'
  const events: RequestEventInput[] = [
    { at, actor: actor.id, type: 'created', message: `${what} requested for ${d.identity.email}, following "${d.policy.name}"` },
  ]
  if (auto !== null) events.push({ at, actor: 'system', type: 'auto_approved', message: `Auto-approved: ${auto}` })
  for (const c of d.conflicts) {
    events.push({ at, actor: 'system', type: 'sod.conflict', message: `Separation of duties: "${c.rule_name}" (${d.identity.email} holds ${c.held.join(', ')}): an extra approval is needed` })
  }
  await emitWebhookEvent(trx, 'request.created', webhookData(row, { reason: row.reason, conflicts: d.conflicts.map((c) => c.rule_id) }), now)
  const after = await advance(trx, row, now, actor.id, events)
  await addRequestEvents(trx, row.id, events)
  return {
    row: after,
    audit: {
      kind: row.kind,
      state: after.state,
      integration_id: row.integration_id,
      entitlement_id: row.entitlement_id,
      principal_id: row.principal_id,
      identity_id: row.identity_id,
      duration_minutes: row.duration_minutes,
      emergency: d.emergency,
      policy_id: d.policy.id,
      conflicts: d.conflicts.map((c) => c.rule_id),
      reason: row.reason,
    },
  }
}

async function viewOf(db: Kysely<Database>, id: string): Promise<AccessRequestView> {
  const row = await getRequestRow(db, id)
  if (row === undefined) throw new WardenError('NOT_FOUND', `no request ${id}`)
  return requestView(db, row)
}

// ------------------------------------------------------------------ making requests

/** What a request is about: the integration, the person and their OneLogin user in it, the entitlement's settings. */
async function resolveTarget(trx: Kysely<Database>, actor: Actor, input: { integration_id?: string | undefined; entitlement_id: string; for?: string | undefined }) {
  const integrationId = await integrationFor(trx, input.integration_id, input.entitlement_id)
  const { identity } = await beneficiary(trx, actor, input.for)
  const settings = await effectiveSettings(trx, integrationId, input.entitlement_id)
  const principal = await accountIn(trx, integrationId, identity)
  return { integrationId, identity, settings, principal, target: { integration_id: integrationId, entitlement_id: input.entitlement_id, principal_id: principal } }
}

/** Asks for an entitlement (for oneself, or with access-requests:write for someone else). */
export async function createAccessRequest(store: Store, actor: Actor, input: NewAccessRequest, clock: Clock = {}): Promise<AccessRequestView> {
  authorize(actor, 'requests:create')
  checkEntitlementId(input.entitlement_id)
  const reason = requestReason(input.reason)
  const now = clock.now ?? new Date()
  const id = await audited(store, actor, async (trx) => {
    const { integrationId, identity, settings, principal, target } = await resolveTarget(trx, actor, input)
    if (!settings.grantable_to.includes('user')) throw new WardenError('BAD_INPUT', `entitlement_id: ${input.entitlement_id} cannot be granted to a user`)
    if (!settings.requestable) throw new WardenError('BAD_INPUT', `entitlement_id: ${input.entitlement_id} ("${settings.entitlement_name}") is not requestable`)
    const held = await heldEntitlements(trx, await accountsOfIdentities(trx, [identity.id]), audienceKeys([settings]))
    if (!audienceAdmits(settings, held)) throw new WardenError('BAD_INPUT', `entitlement_id: ${input.entitlement_id} ("${settings.entitlement_name}") is not offered to ${identity.email}`)
    const duration = checkDuration(input.duration_minutes, settings)
    const pending = await findOpenRequest(trx, target, ['grant', 'extend'])
    if (pending !== undefined) throw new WardenError('CONFLICT', `request ${pending.id} for ${input.entitlement_id} (${identity.email}) is pending already`)
    if (await holdsNow(trx, target)) {
      throw new WardenError('CONFLICT', `${identity.email} holds ${input.entitlement_id} already${settings.max_duration_minutes === null ? '' : ': extend the time-bound grant instead'}`)
    }
    const emergency = input.emergency === true
    const policy = await requirePolicy(trx, emergency ? settings.emergency_policy_id : settings.grant_policy_id)
    const conflicts = await conflictsForGrant(trx, target)
    refuseBlocked(conflicts, identity, input.entitlement_id)
    const { row, audit } = await start(
      trx,
      actor,
      { kind: 'grant', integration_id: integrationId, settings, principal_id: principal, identity, reason, duration_minutes: duration, emergency, policy, conflicts, extends_request_id: null },
      now,
    )
    return { result: row.id, audit: [{ action: 'request.create', target_type: 'request', target_id: row.id, after: audit }] }
  })
  return viewOf(store.db, id)
}

/** Asks to remove an entitlement the person holds (the revoke policy decides). */
export async function dropAccess(store: Store, actor: Actor, input: DropRequest, clock: Clock = {}): Promise<AccessRequestView> {
  authorize(actor, 'requests:create')
  checkEntitlementId(input.entitlement_id)
  const reason = requestReason(input.reason)
  const now = clock.now ?? new Date()
  const id = await audited(store, actor, async (trx) => {
    const { integrationId, identity, settings, principal, target } = await resolveTarget(trx, actor, input)
    if (!(await holdsNow(trx, target))) throw new WardenError('CONFLICT', `${identity.email} does not hold ${input.entitlement_id}: there is nothing to remove`)
    const pending = await findOpenRequest(trx, target, ['revoke'])
    if (pending !== undefined) throw new WardenError('CONFLICT', `request ${pending.id} to remove ${input.entitlement_id} (${identity.email}) is pending already`)
    const policy = await requirePolicy(trx, settings.revoke_policy_id)
    const { row, audit } = await start(
      trx,
      actor,
      { kind: 'revoke', integration_id: integrationId, settings, principal_id: principal, identity, reason, duration_minutes: null, emergency: false, policy, conflicts: [], extends_request_id: null },
      now,
    )
    return { result: row.id, audit: [{ action: 'request.create', target_type: 'request', target_id: row.id, after: audit }] }
  })
  return viewOf(store.db, id)
}

/** Whether the actor is the person a request is for. */
async function isBeneficiary(db: Kysely<Database>, actor: Actor, row: RequestRow): Promise<boolean> {
  return row.identity_id !== null && (await identitiesOf(db, actor)).some((i) => i.id === row.identity_id)
}

/** The requester, the person it is for, and access-request administrators may act on a request; others may not even see it. */
async function mayActOn(db: Kysely<Database>, actor: Actor, row: RequestRow): Promise<void> {
  if (row.requester_id === actor.id || can(actor, 'access-requests:write') || (await isBeneficiary(db, actor, row))) return
  if (can(actor, 'access-requests:read') || (await wasAssigned(db, row.id, actor.id))) throw new WardenError('FORBIDDEN', `only who asked, the person it is for, or an Access Request Administrator may do this to request ${row.id}`)
  throw new WardenError('NOT_FOUND', `no request ${row.id}`)
}

/**
 * Asks for more time on an active time-bound grant a request gave (the grant request, or a later
 * extension of it): the grant policy decides again; once approved the grant ends `duration_minutes` later than it would have.
 */
export async function extendAccessRequest(store: Store, actor: Actor, requestId: string, input: ExtendRequest, clock: Clock = {}): Promise<AccessRequestView> {
  authorize(actor, 'requests:create')
  const reason = requestReason(input.reason)
  const now = clock.now ?? new Date()
  const id = await audited(store, actor, async (trx) => {
    const original = await lockRequestRow(trx, requestId)
    if (original === undefined) throw new WardenError('NOT_FOUND', `no request ${requestId}`)
    await mayActOn(trx, actor, original)
    if (original.kind === 'revoke') throw new WardenError('CONFLICT', `request ${requestId} removed access: there is nothing to extend`)
    const target = { integration_id: original.integration_id, entitlement_id: original.entitlement_id, principal_id: original.principal_id }
    const live = await lockLiveTimeboundGrant(trx, target)
    if (live === undefined || live.state !== 'active') throw new WardenError('CONFLICT', `${original.entitlement_id} is not an active time-bound grant of ${original.principal_id}: only those can be extended`)
    const settings = await effectiveSettings(trx, original.integration_id, original.entitlement_id)
    const duration = checkDuration(input.duration_minutes, settings, true)
    const pending = await findOpenRequest(trx, target, ['grant', 'extend'])
    if (pending !== undefined) throw new WardenError('CONFLICT', `request ${pending.id} for ${original.entitlement_id} is pending already`)
    const identity = original.identity_id === null ? undefined : await getIdentity(trx, original.identity_id)
    if (identity === undefined) throw new WardenError('CONFLICT', `request ${requestId} names no person any more: ask for the access again`)
    const policy = await requirePolicy(trx, settings.grant_policy_id)
    const conflicts = await conflictsForGrant(trx, target)
    refuseBlocked(conflicts, identity, original.entitlement_id)
    const { row, audit } = await start(
      trx,
      actor,
      {
        kind: 'extend',
        integration_id: original.integration_id,
        settings,
        principal_id: original.principal_id,
        identity,
        reason,
        duration_minutes: duration,
        emergency: false,
        policy,
        conflicts,
        extends_request_id: original.id,
      },
      now,
    )
    return { result: row.id, audit: [{ action: 'request.create', target_type: 'request', target_id: row.id, after: { ...audit, extends_request_id: original.id } }] }
  })
  return viewOf(store.db, id)
}

/** Withdraws a pending request: its open tasks are skipped and their assignees told. */
export async function cancelAccessRequest(store: Store, actor: Actor, requestId: string, reason?: string, clock: Clock = {}): Promise<AccessRequestView> {
  authorize(actor, 'requests:create')
  const why = reason === undefined || reason.trim() === '' ? null : requestReason(reason)
  const now = clock.now ?? new Date()
  await audited(store, actor, async (trx) => {
    const row = await lockRequestRow(trx, requestId)
    if (row === undefined) throw new WardenError('NOT_FOUND', `no request ${requestId}`)
    await mayActOn(trx, actor, row)
    if (row.state !== 'pending') throw new WardenError('CONFLICT', `request ${requestId} is ${row.state}: only a pending request can be cancelled`)
    const at = isoTime(now)
    const open = ((await tasksOfRequests(trx, [row.id])).get(row.id) ?? []).filter((t) => t.state === 'open')
    for (const t of open) await updateTaskRow(trx, t.id, { state: 'skipped', updated_at: at })
    await updateRequestRow(trx, row.id, { state: 'cancelled', decided_at: at, updated_at: at })
    const after: RequestRow = { ...row, state: 'cancelled', decided_at: at, updated_at: at }
    await addRequestEvents(trx, row.id, [{ at, actor: actor.id, type: 'cancelled', message: `Cancelled${why === null ? '' : `: ${why}`}` }])
    await emitWebhookEvent(trx, 'request.cancelled', webhookData(after, { reason: why }), now)
    // The approvers waiting on it need not look any more.
    const waiting = [...(await assigneesOfTasks(trx, open.map((t) => t.id))).values()].flat().map((a) => a.user_id)
    const emails = waiting.length === 0 ? [] : await trx.selectFrom('users').select('email').where('id', 'in', [...new Set(waiting)]).execute()
    for (const { email } of emails) {
      await enqueueEmail(trx, { to: email, subject: `Access request cancelled: ${row.entitlement_name}`, text: `Request ${row.id} was cancelled; it needs no approval any more.\n` })
    }
    if (actor.id !== row.requester_id) await tellRequester(trx, after, 'cancelled', why === null ? '' : `Reason: ${why}`)
    return { result: undefined, audit: [{ action: 'request.cancel', target_type: 'request', target_id: row.id, before: { state: row.state }, after: { state: 'cancelled', reason: why } }] }
  })
  return viewOf(store.db, requestId)
}

// ------------------------------------------------------------------ reading

/** A request: who asked, the person it is for, its approvers, and access-request readers see it. */
export async function getAccessRequest(store: Store, actor: Actor, id: string): Promise<AccessRequestView> {
  authorize(actor, 'requests:create')
  const row = await getRequestRow(store.db, id)
  if (row === undefined) throw new WardenError('NOT_FOUND', `no request ${id}`)
  const visible =
    row.requester_id === actor.id || can(actor, 'access-requests:read') || (await isBeneficiary(store.db, actor, row)) || (await wasAssigned(store.db, row.id, actor.id))
  if (!visible) throw new WardenError('NOT_FOUND', `no request ${id}`)
  return requestView(store.db, row)
}

export const REQUEST_STATES = ['pending', 'approved', 'denied', 'cancelled', 'provisioning', 'done', 'failed', 'manual'] as const satisfies readonly RequestState[]

export interface RequestListOptions {
  /** Mine (default): those I made or that are for me; false: everyone's (needs access-requests:read). */
  mine?: boolean
  state?: RequestState
}

/** How many underlying pages one listing reads at most while filtering (it then returns a shorter page with a cursor). */
const FILL_PASSES = 20

/** Requests newest first. States after approval come from the provisioning order, so they are filtered as the pages are read. */
export async function listAccessRequests(store: Store, actor: Actor, options: RequestListOptions = {}, page: PageRequest = {}): Promise<Page<AccessRequestView>> {
  authorize(actor, 'requests:create')
  const mine = options.mine ?? true
  if (!mine) authorize(actor, 'access-requests:read')
  const involving = mine ? { user_id: actor.id, identity_ids: (await identitiesOf(store.db, actor)).map((i) => i.id) } : undefined
  const state = options.state
  const stored = state === undefined ? undefined : state === 'done' || state === 'failed' || state === 'manual' ? (['provisioning'] as const) : ([state] as const)
  const limit = pageLimit(page.limit)
  const items: AccessRequestView[] = []
  let cursor = page.cursor ?? null
  for (let pass = 0; pass < FILL_PASSES; pass++) {
    const rows = await listRequestRows(store.db, { ...(involving === undefined ? {} : { involving }), ...(stored === undefined ? {} : { states: stored }) }, { limit, ...(cursor === null ? {} : { cursor }) })
    for (const view of await requestViews(store.db, rows.items)) {
      if (state !== undefined && view.state !== state) continue
      items.push(view)
      if (items.length === limit) return { items, next_cursor: rows.next_cursor === null && view.id === rows.items.at(-1)?.id ? null : encodeCursor('requests', [view.created_at, view.id]) }
    }
    cursor = rows.next_cursor
    if (cursor === null) return { items, next_cursor: null }
  }
  return { items, next_cursor: cursor }
}

/** One entry of the request catalog. */
export interface CatalogItem {
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  app_id: string | null
  app_name: string | null
  description: string | null
  max_duration_minutes: number | null
  risk_level: string | null
  /** The caller holds it already (per the last sync). */
  held: boolean
}

/** The requestable entitlements the caller may ask for (their audience admits them), by name. */
export async function listCatalog(store: Store, actor: Actor, filter: { q?: string } = {}, page: PageRequest = {}): Promise<Page<CatalogItem>> {
  authorize(actor, 'requests:create')
  const accounts = await accountsOfIdentities(
    store.db,
    (await identitiesOf(store.db, actor)).map((i) => i.id),
  )
  const limit = pageLimit(page.limit)
  const items: CatalogItem[] = []
  let cursor = page.cursor ?? null
  for (let pass = 0; pass < FILL_PASSES; pass++) {
    const batch = await listRequestableEntitlements(store.db, filter, { limit, ...(cursor === null ? {} : { cursor }) })
    const settings = await effectiveSettingsOf(store.db, batch.items)
    const keys = [...audienceKeys([...settings.values()]), ...batch.items.map((e) => ({ integration_id: e.integration_id, entitlement_id: e.id }))]
    const held = await heldEntitlements(store.db, accounts, keys)
    for (const e of batch.items) {
      const s = settings.get(`${e.integration_id} ${e.id}`)
      if (s === undefined || !s.grantable_to.includes('user') || !audienceAdmits(s, held)) continue
      items.push({
        integration_id: e.integration_id,
        entitlement_id: e.id,
        entitlement_name: e.display_name,
        app_id: s.app?.id ?? null,
        app_name: s.app?.name ?? null,
        description: e.description,
        max_duration_minutes: s.max_duration_minutes,
        risk_level: e.risk_level,
        held: held.has(`${e.integration_id} ${e.id}`),
      })
      if (items.length === limit) {
        const last = batch.items.at(-1)
        return { items, next_cursor: batch.next_cursor === null && last?.id === e.id && last.integration_id === e.integration_id ? null : encodeCursor('catalog', [e.display_name, e.integration_id, e.id]) }
      }
    }
    cursor = batch.next_cursor
    if (cursor === null) return { items, next_cursor: null }
  }
  return { items, next_cursor: cursor }
}
