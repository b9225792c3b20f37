import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import { parseEntitlementId } from '../model/index.js'
import { deletePolicy as deletePolicyRow, getPolicy as getPolicyRow, insertPolicy, isoTime, listPolicies as listPolicyRows, newId, replacePolicy, unknownUserIds } from '../store/index.js'
import type { Approver, AutoApproveRule, Database, Page, PageRequest, Policy, PolicyFilter, PolicyKind, PolicyStep, Store } from '../store/index.js'
import { audited } from './audited.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * Approval policies (reference/platform.md §1.7): ordered approval steps, each with its approvers
 * (specific users, the requester's manager, app owners, entitlement owners, integration owners),
 * fallbacks when they resolve to nobody, self-approval, required reasons and an escalation
 * deadline; per policy, distinct approvers across steps and auto-approve rules.
 *
 * Three built-in policies exist in every database (migration 0004), so requests work before
 * anyone writes one; they can be edited but not deleted:
 * - grant: the entitlement's owners, else the app's owners, else the integration's owners;
 * - revoke: approved without steps;
 * - emergency: the integration's owners, escalating to the Access Request Administrators after an hour.
 */

export const BUILTIN_POLICY_IDS = Object.freeze({
  grant: 'pol_00000000000000000000000001',
  revoke: 'pol_00000000000000000000000002',
  emergency: 'pol_00000000000000000000000003',
} as const satisfies Record<PolicyKind, string>)

export const POLICY_KINDS = ['grant', 'revoke', 'emergency'] as const satisfies readonly PolicyKind[]
export const APPROVER_TYPES = ['users', 'manager', 'app_owners', 'entitlement_owners', 'integration_owners'] as const satisfies readonly Approver['type'][]
export const POLICY_STEPS_MAX = 10
export const STEP_APPROVERS_MAX = 10
export const APPROVER_USERS_MAX = 50
export const ESCALATE_AFTER_HOURS_MAX = 30 * 24
export const AUTO_APPROVE_RULES_MAX = 10
export const HOLDS_ENTITLEMENTS_MAX = 50

type Clock = { now?: Date }

export interface PolicyStepInput {
  approvers: readonly Approver[]
  fallback?: readonly Approver[]
  allow_self_approval?: boolean
  require_reason?: boolean
  escalate_after_hours?: number | null
  escalate_to?: readonly string[]
}

export interface NewPolicy {
  name: string
  description?: string
  kind: PolicyKind
  steps: readonly PolicyStepInput[]
  require_distinct_approvers?: boolean
  auto_approve?: readonly AutoApproveRule[]
}

export type PolicyPatch = Partial<Omit<NewPolicy, 'kind'>>

export async function listPolicies(store: Store, actor: Actor, filter: PolicyFilter = {}, page: PageRequest = {}): Promise<Page<Policy>> {
  authorize(actor, 'access-requests:read')
  return listPolicyRows(store.db, filter, page)
}

export async function getPolicy(store: Store, actor: Actor, id: string): Promise<Policy> {
  authorize(actor, 'access-requests:read')
  return requirePolicy(store.db, id)
}

export async function requirePolicy(db: Kysely<Database>, id: string): Promise<Policy> {
  const policy = await getPolicyRow(db, id)
  if (policy === undefined) throw new WardenError('NOT_FOUND', `no policy ${id}`)
  return policy
}

export async function createPolicy(store: Store, actor: Actor, input: NewPolicy, clock: Clock = {}): Promise<Policy> {
  authorize(actor, 'access-requests:write')
  if (!(POLICY_KINDS as readonly string[]).includes(input.kind)) throw new WardenError('BAD_INPUT', `kind: must be one of ${POLICY_KINDS.join(', ')}`)
  return audited(store, actor, async (trx) => {
    const now = isoTime(clock.now ?? new Date())
    const policy: Policy = {
      id: newId('pol'),
      name: policyName(input.name),
      description: policyDescription(input.description ?? ''),
      kind: input.kind,
      builtin: false,
      steps: await checkSteps(trx, input.steps),
      require_distinct_approvers: input.require_distinct_approvers ?? false,
      auto_approve: checkAutoApprove(input.auto_approve ?? []),
      created_at: now,
      updated_at: now,
    }
    await insertPolicy(trx, policy)
    return { result: policy, audit: [{ action: 'policy.create', target_type: 'policy', target_id: policy.id, after: auditable(policy) }] }
  })
}

export async function updatePolicy(store: Store, actor: Actor, id: string, patch: PolicyPatch, clock: Clock = {}): Promise<Policy> {
  authorize(actor, 'access-requests:write')
  return audited(store, actor, async (trx) => {
    const before = await requirePolicy(trx, id)
    const after: Policy = {
      ...before,
      ...(patch.name === undefined ? {} : { name: policyName(patch.name) }),
      ...(patch.description === undefined ? {} : { description: policyDescription(patch.description) }),
      ...(patch.steps === undefined ? {} : { steps: await checkSteps(trx, patch.steps) }),
      ...(patch.require_distinct_approvers === undefined ? {} : { require_distinct_approvers: patch.require_distinct_approvers }),
      ...(patch.auto_approve === undefined ? {} : { auto_approve: checkAutoApprove(patch.auto_approve) }),
      updated_at: isoTime(clock.now ?? new Date()),
    }
    await replacePolicy(trx, after)
    return { result: after, audit: [{ action: 'policy.update', target_type: 'policy', target_id: id, before: auditable(before), after: auditable(after) }] }
  })
}

/** Deletes a policy; the built-in ones, and those request settings still name, cannot be (CONFLICT). Requests under way keep their copy. */
export async function deletePolicy(store: Store, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'access-requests:write')
  await audited(store, actor, async (trx) => {
    const before = await requirePolicy(trx, id)
    if (before.builtin) throw new WardenError('CONFLICT', `"${before.name}" is built in: it can be changed, not deleted`)
    await deletePolicyRow(trx, id)
    return { result: undefined, audit: [{ action: 'policy.delete', target_type: 'policy', target_id: id, before: auditable(before) }] }
  })
}

function auditable(p: Policy): Record<string, unknown> {
  const { created_at: _c, updated_at: _u, ...rest } = p
  return rest
}

function policyName(name: string): string {
  const t = name.trim()
  if (t === '' || t.length > 200) throw new WardenError('BAD_INPUT', 'name: must be 1 to 200 characters')
  return t
}

function policyDescription(d: string): string {
  if (d.length > 2000) throw new WardenError('BAD_INPUT', 'description: must be at most 2000 characters')
  return d
}

/** Checks and normalises steps; every user they name must be a Warden user. */
async function checkSteps(db: Kysely<Database>, steps: readonly PolicyStepInput[]): Promise<PolicyStep[]> {
  if (steps.length > POLICY_STEPS_MAX) throw new WardenError('BAD_INPUT', `steps: at most ${POLICY_STEPS_MAX}`)
  const users = new Set<string>()
  const out = steps.map((s, i): PolicyStep => {
    const where = `steps: step ${i + 1}`
    if (s.approvers.length === 0 && (s.fallback ?? []).length === 0) throw new WardenError('BAD_INPUT', `${where} names no approvers`)
    const approvers = s.approvers.map((a) => checkApprover(a, where, users))
    const fallback = (s.fallback ?? []).map((a) => checkApprover(a, `${where} (fallback)`, users))
    if (approvers.length > STEP_APPROVERS_MAX || fallback.length > STEP_APPROVERS_MAX) throw new WardenError('BAD_INPUT', `${where}: at most ${STEP_APPROVERS_MAX} approvers and ${STEP_APPROVERS_MAX} fallbacks`)
    const hours = s.escalate_after_hours ?? null
    if (hours !== null && (!Number.isInteger(hours) || hours < 1 || hours > ESCALATE_AFTER_HOURS_MAX)) {
      throw new WardenError('BAD_INPUT', `${where}: escalate_after_hours must be a whole number of hours from 1 to ${ESCALATE_AFTER_HOURS_MAX}, or null`)
    }
    const escalateTo = [...new Set(s.escalate_to ?? [])]
    if (escalateTo.length > APPROVER_USERS_MAX) throw new WardenError('BAD_INPUT', `${where}: escalate_to names at most ${APPROVER_USERS_MAX} users`)
    if (escalateTo.length > 0 && hours === null) throw new WardenError('BAD_INPUT', `${where}: escalate_to needs escalate_after_hours`)
    for (const u of escalateTo) users.add(u)
    return {
      approvers,
      fallback,
      allow_self_approval: s.allow_self_approval ?? false,
      require_reason: s.require_reason ?? false,
      escalate_after_hours: hours,
      escalate_to: escalateTo,
    }
  })
  const unknown = await unknownUserIds(db, [...users])
  if (unknown.length > 0) throw new WardenError('BAD_INPUT', `steps: approvers must be Warden users; no user ${unknown.join(', ')}`)
  return out
}

function checkApprover(a: Approver, where: string, users: Set<string>): Approver {
  if (!(APPROVER_TYPES as readonly string[]).includes(a.type)) throw new WardenError('BAD_INPUT', `${where}: approver type must be one of ${APPROVER_TYPES.join(', ')}`)
  if (a.type !== 'users') return { type: a.type }
  const ids = [...new Set(a.user_ids)]
  if (ids.length === 0 || ids.length > APPROVER_USERS_MAX) throw new WardenError('BAD_INPUT', `${where}: "users" approvers name 1 to ${APPROVER_USERS_MAX} user ids`)
  for (const id of ids) users.add(id)
  return { type: 'users', user_ids: ids }
}

function checkAutoApprove(rules: readonly AutoApproveRule[]): AutoApproveRule[] {
  if (rules.length > AUTO_APPROVE_RULES_MAX) throw new WardenError('BAD_INPUT', `auto_approve: at most ${AUTO_APPROVE_RULES_MAX} rules`)
  return rules.map((r) => {
    if (r.type === 'always') return { type: 'always' }
    if (r.type !== 'holds') throw new WardenError('BAD_INPUT', 'auto_approve: a rule is {"type":"always"} or {"type":"holds","entitlements":[...]}')
    if (r.entitlements.length === 0 || r.entitlements.length > HOLDS_ENTITLEMENTS_MAX) {
      throw new WardenError('BAD_INPUT', `auto_approve: a "holds" rule names 1 to ${HOLDS_ENTITLEMENTS_MAX} entitlements`)
    }
    return {
      type: 'holds',
      entitlements: r.entitlements.map((e) => {
        try {
          parseEntitlementId(e.entitlement_id)
        } catch (err) {
          throw new WardenError('BAD_INPUT', `auto_approve: ${(err as Error).message}`)
        }
        return { integration_id: e.integration_id ?? null, entitlement_id: e.entitlement_id }
      }),
    }
  })
}
