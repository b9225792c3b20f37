import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import {
  deleteSodRule as deleteSodRuleRow,
  dialectOf,
  enabledRulesNaming,
  entitlementsImpliedBy,
  existingEntitlements,
  findSodRuleByName,
  getSodRule as getSodRuleRow,
  getSodRules,
  holdingsOf,
  insertSodRule,
  integrationExists,
  isUniqueViolation,
  isoTime,
  listSodRules as listSodRuleRows,
  listSodViolations,
  lockSodRule,
  newId,
  principalsOf,
  replaceSodRuleSet,
  unknownUserIds,
  updateSodRuleRow,
  userSummaries,
} from '../store/index.js'
import type { Database, Page, PageRequest, SodAction, SodEntitlementRef, SodRuleFilter, SodRuleRecord, SodSide, SodViolation, Store, UserSummary } from '../store/index.js'
import { audited } from './audited.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * Separation of duties (issue 8; reference/platform.md §1.10): a rule names two sets of
 * entitlements, A and B, that one person must not hold together. An access request that would
 * give someone an entitlement of one set while they hold one of the other is blocked, or needs an
 * extra approval by the rule's approvers, as the rule says (conflictsForGrant, which the request
 * flow calls). "Holds" means any grant, direct or held through another (a role's apps), in any
 * integration where the same person (identity) has an account. The rule's violations list who
 * holds both sides now. Rules are read with `access-requests:read` and changed with
 * `access-requests:write`; each change is audited.
 */

export interface SodConflict {
  rule_id: string
  rule_name: string
  /** block: the request is refused; extra_approval: an extra approval step by approver_user_ids. */
  action: 'block' | 'extra_approval'
  approver_user_ids: string[]
  /** The entitlement requested (one side of the rule). */
  requested: string
  /** The entitlements of the other side the person already holds. */
  held: string[]
  /** The side of the rule the request falls on. */
  side: SodSide
  /** The rule's entitlements the grant would give: the requested one, or ones it carries (a role's apps). */
  requested_matches: string[]
  /** The grants behind `held`, with the integration and account that hold each. */
  held_grants: { integration_id: string; entitlement_id: string; entitlement_name: string | null; principal_id: string }[]
}

/**
 * The SoD rules a grant of `entitlement_id` to `principal_id` would break. The grant falls on a
 * rule's side when the entitlement, or one it carries (implications: a role membership gives the
 * role's apps), is in that set; it breaks the rule when the person already holds an entitlement
 * of the other side, through any of their accounts (the identity's OneLogin users in every
 * integration), or the grant itself carries one. Enabled rules only; by rule name.
 */
export async function conflictsForGrant(db: Kysely<Database>, grant: { integration_id: string; entitlement_id: string; principal_id: string }): Promise<SodConflict[]> {
  const carried = await entitlementsImpliedBy(db, grant.integration_id, grant.entitlement_id)
  const hits = await enabledRulesNaming(db, grant.integration_id, [grant.entitlement_id, ...carried])
  if (hits.length === 0) return []
  const ruleIds = [...new Set(hits.map((h) => h.rule_id))]
  const accounts = await accountsOf(db, grant.integration_id, grant.principal_id)
  const holdings = await holdingsOf(db, ruleIds, accounts)
  const rules = await getSodRules(db, ruleIds)

  const conflicts: SodConflict[] = []
  for (const rule of rules) {
    const mine = hits.filter((h) => h.rule_id === rule.id)
    // The side of the entitlement asked for when the rule names it, else of what it carries.
    const side = (mine.find((h) => h.entitlement_id === grant.entitlement_id) ?? mine[0])?.side
    if (side === undefined) continue
    const other: SodSide = side === 'a' ? 'b' : 'a'
    const held = holdings
      .filter((h) => h.rule_id === rule.id && h.side === other)
      .map((h) => ({ integration_id: h.integration_id, entitlement_id: h.entitlement_id, entitlement_name: h.entitlement_name, principal_id: h.principal_id }))
    // A grant that carries entitlements of both sides breaks the rule by itself.
    const otherSet = rule[other === 'a' ? 'set_a' : 'set_b']
    for (const h of mine.filter((x) => x.side === other)) {
      if (held.some((g) => g.integration_id === grant.integration_id && g.entitlement_id === h.entitlement_id)) continue
      const name = otherSet.find((e) => e.integration_id === grant.integration_id && e.entitlement_id === h.entitlement_id)?.entitlement_name ?? null
      held.push({ integration_id: grant.integration_id, entitlement_id: h.entitlement_id, entitlement_name: name, principal_id: grant.principal_id })
    }
    if (held.length === 0) continue
    conflicts.push({
      rule_id: rule.id,
      rule_name: rule.name,
      action: rule.action,
      approver_user_ids: rule.approver_user_ids,
      requested: grant.entitlement_id,
      held: [...new Set(held.map((h) => h.entitlement_id))].sort(),
      side,
      requested_matches: [...new Set(mine.filter((h) => h.side === side).map((h) => h.entitlement_id))].sort(),
      held_grants: held,
    })
  }
  return conflicts
}

/** The person's accounts: every OneLogin user linked to the identity of this one, or just this one. */
async function accountsOf(db: Kysely<Database>, integrationId: string, principalId: string): Promise<{ integration_id: string; principal_id: string }[]> {
  const self = { integration_id: integrationId, principal_id: principalId }
  const row = await db.selectFrom('resources').select('identity_id').where('integration_id', '=', integrationId).where('id', '=', principalId).executeTakeFirst()
  if (row?.identity_id === null || row?.identity_id === undefined) return [self]
  const linked = await principalsOf(db, { identity_id: row.identity_id })
  return linked.some((a) => a.integration_id === integrationId && a.principal_id === principalId) ? linked : [self, ...linked]
}

// ------------------------------------------------------------------ rules

/** Each set names 1 to this many entitlements. */
export const SOD_SET_MAX = 32
export const SOD_APPROVERS_MAX = 10
export const SOD_NAME_MAX = 200
export const SOD_DESCRIPTION_MAX = 2000
export const SOD_ACTIONS = ['block', 'extra_approval'] as const

export interface NewSodRule {
  name: string
  description?: string
  set_a: readonly SodEntitlementRef[]
  set_b: readonly SodEntitlementRef[]
  action: SodAction
  approver_user_ids?: readonly string[]
  /** Default true. */
  enabled?: boolean
}

export type SodRulePatch = Partial<NewSodRule>

/** A rule with its approvers' names. */
export interface SodRuleView extends SodRuleRecord {
  approvers: UserSummary[]
}

async function withApprovers(db: Kysely<Database>, rules: readonly SodRuleRecord[]): Promise<SodRuleView[]> {
  const users = await userSummaries(
    db,
    rules.flatMap((r) => r.approver_user_ids),
  )
  return rules.map((r) => ({ ...r, approvers: r.approver_user_ids.flatMap((id) => users.get(id) ?? []) }))
}

async function view(db: Kysely<Database>, rule: SodRuleRecord): Promise<SodRuleView> {
  const [one] = await withApprovers(db, [rule])
  return one as SodRuleView
}

export async function listSodRules(store: Store, actor: Actor, filter: SodRuleFilter = {}, page: PageRequest = {}): Promise<Page<SodRuleView>> {
  authorize(actor, 'access-requests:read')
  const rules = await listSodRuleRows(store.db, filter, page)
  return { items: await withApprovers(store.db, rules.items), next_cursor: rules.next_cursor }
}

export async function getSodRule(store: Store, actor: Actor, id: string): Promise<SodRuleView> {
  authorize(actor, 'access-requests:read')
  return view(store.db, found(await getSodRuleRow(store.db, id), id))
}

/** Who holds both sides of a rule now (enabled or not), by person, a page at a time. */
export async function sodRuleViolations(store: Store, actor: Actor, id: string, page: PageRequest = {}): Promise<Page<SodViolation>> {
  authorize(actor, 'access-requests:read')
  found(await getSodRuleRow(store.db, id), id)
  return listSodViolations(store.db, id, page)
}

export async function createSodRule(store: Store, actor: Actor, input: NewSodRule, clock: { now?: Date } = {}): Promise<SodRuleView> {
  authorize(actor, 'access-requests:write')
  const now = isoTime(clock.now ?? new Date())
  return audited(store, actor, async (trx) => {
    const checked = await checkRule(trx, {
      name: input.name,
      description: input.description ?? '',
      set_a: input.set_a,
      set_b: input.set_b,
      action: input.action,
      approver_user_ids: input.approver_user_ids ?? [],
    })
    const id = newId('sod')
    await unique(trx, checked.name, id)
    await insertSodRule(
      trx,
      {
        id,
        name: checked.name,
        description: checked.description,
        action: checked.action,
        approver_user_ids: JSON.stringify(checked.approver_user_ids),
        enabled: input.enabled === false ? 0 : 1,
        created_by: actor.id,
        created_at: now,
        updated_at: now,
      },
      { a: checked.set_a, b: checked.set_b },
    ).catch(nameTaken(checked.name))
    const rule = found(await getSodRuleRow(trx, id), id)
    return { result: await view(trx, rule), audit: [{ action: 'sod_rule.create', target_type: 'sod_rule', target_id: id, after: auditView(rule) }] }
  })
}

export async function updateSodRule(store: Store, actor: Actor, id: string, patch: SodRulePatch, clock: { now?: Date } = {}): Promise<SodRuleView> {
  authorize(actor, 'access-requests:write')
  const now = isoTime(clock.now ?? new Date())
  return audited(store, actor, async (trx) => {
    if ((await lockSodRule(trx, id, dialectOf(trx) === 'postgres')) === undefined) throw new WardenError('NOT_FOUND', `no SoD rule ${id}`)
    const before = found(await getSodRuleRow(trx, id), id)
    const action = patch.action ?? before.action
    // Turning a rule into a block drops its approvers unless new ones are given (which is refused).
    const approvers = patch.approver_user_ids ?? (action === 'block' ? [] : before.approver_user_ids)
    const checked = await checkRule(trx, {
      name: patch.name ?? before.name,
      description: patch.description ?? before.description,
      set_a: patch.set_a ?? before.set_a,
      set_b: patch.set_b ?? before.set_b,
      action,
      approver_user_ids: approvers,
      // Members kept from before may have left the inventory since; only new ones must be in it.
      known: [...before.set_a, ...before.set_b],
    })
    if (checked.name !== before.name) await unique(trx, checked.name, id)
    await updateSodRuleRow(trx, id, {
      name: checked.name,
      description: checked.description,
      action: checked.action,
      approver_user_ids: JSON.stringify(checked.approver_user_ids),
      ...(patch.enabled === undefined ? {} : { enabled: patch.enabled ? 1 : 0 }),
      updated_at: now,
    }).catch(nameTaken(checked.name))
    if (patch.set_a !== undefined) await replaceSodRuleSet(trx, id, 'a', checked.set_a)
    if (patch.set_b !== undefined) await replaceSodRuleSet(trx, id, 'b', checked.set_b)
    const after = found(await getSodRuleRow(trx, id), id)
    return { result: await view(trx, after), audit: [{ action: 'sod_rule.update', target_type: 'sod_rule', target_id: id, before: auditView(before), after: auditView(after) }] }
  })
}

export async function deleteSodRule(store: Store, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'access-requests:write')
  await audited(store, actor, async (trx) => {
    const before = found(await getSodRuleRow(trx, id), id)
    await deleteSodRuleRow(trx, id)
    return { result: undefined, audit: [{ action: 'sod_rule.delete', target_type: 'sod_rule', target_id: id, before: auditView(before) }] }
  })
}

function found(rule: SodRuleRecord | undefined, id: string): SodRuleRecord {
  if (rule === undefined) throw new WardenError('NOT_FOUND', `no SoD rule ${id}`)
  return rule
}

/** A rule as the audit log records it (names are the inventory's, not part of the rule). */
function auditView(rule: SodRuleRecord): Record<string, unknown> {
  const refs = (set: SodRuleRecord['set_a']) => set.map((e) => ({ integration_id: e.integration_id, entitlement_id: e.entitlement_id }))
  return {
    name: rule.name,
    description: rule.description,
    action: rule.action,
    approver_user_ids: rule.approver_user_ids,
    enabled: rule.enabled,
    set_a: refs(rule.set_a),
    set_b: refs(rule.set_b),
  }
}

async function unique(trx: Kysely<Database>, name: string, id: string): Promise<void> {
  const other = await findSodRuleByName(trx, name)
  if (other !== undefined && other.id !== id) throw new WardenError('CONFLICT', `name: an SoD rule named "${name}" exists already (${other.id})`)
}

/** Two concurrent saves of one name: the unique index refuses the second. */
function nameTaken(name: string): (e: unknown) => never {
  return (e) => {
    if (isUniqueViolation(e)) throw new WardenError('CONFLICT', `name: an SoD rule named "${name}" exists already`, { cause: e })
    throw e
  }
}

interface RuleFields {
  name: string
  description: string
  set_a: readonly SodEntitlementRef[]
  set_b: readonly SodEntitlementRef[]
  action: SodAction
  approver_user_ids: readonly string[]
  /** Members that may stay although the inventory no longer lists them. */
  known?: readonly SodEntitlementRef[]
}

interface CheckedRule extends Omit<RuleFields, 'known'> {
  set_a: SodEntitlementRef[]
  set_b: SodEntitlementRef[]
  approver_user_ids: string[]
}

const refKey = (r: SodEntitlementRef): string => `${r.integration_id}\0${r.entitlement_id}`

/** BAD_INPUT (naming the field) unless the rule holds together; sets de-duplicated. */
async function checkRule(db: Kysely<Database>, fields: RuleFields): Promise<CheckedRule> {
  const name = fields.name.trim()
  if (name === '' || name.length > SOD_NAME_MAX) throw new WardenError('BAD_INPUT', `name: must be 1 to ${SOD_NAME_MAX} characters`)
  if (fields.description.length > SOD_DESCRIPTION_MAX) throw new WardenError('BAD_INPUT', `description: must be at most ${SOD_DESCRIPTION_MAX} characters`)
  if (!(SOD_ACTIONS as readonly string[]).includes(fields.action)) throw new WardenError('BAD_INPUT', `action: must be ${SOD_ACTIONS.join(' or ')}`)
  const known = new Set((fields.known ?? []).map(refKey))
  const set_a = await checkSet(db, 'set_a', fields.set_a, known)
  const set_b = await checkSet(db, 'set_b', fields.set_b, known)
  const inA = new Set(set_a.map(refKey))
  const both = set_b.find((r) => inA.has(refKey(r)))
  if (both !== undefined) throw new WardenError('BAD_INPUT', `set_b: ${both.entitlement_id} of integration ${both.integration_id} is in set_a too; a rule's sets must not overlap`)

  const approvers = [...new Set(fields.approver_user_ids)]
  if (fields.action === 'block' && approvers.length > 0) throw new WardenError('BAD_INPUT', 'approver_user_ids: a block rule has no approvers (use action extra_approval)')
  if (fields.action === 'extra_approval') {
    if (approvers.length === 0 || approvers.length > SOD_APPROVERS_MAX) {
      throw new WardenError('BAD_INPUT', `approver_user_ids: an extra_approval rule needs 1 to ${SOD_APPROVERS_MAX} approvers`)
    }
    const unknown = await unknownUserIds(db, approvers)
    if (unknown.length > 0) throw new WardenError('BAD_INPUT', `approver_user_ids: approvers must be Warden users; no user ${unknown.join(', ')}`)
    const disabled = await db.selectFrom('users').select('id').where('id', 'in', approvers).where('disabled', '=', 1).execute()
    if (disabled.length > 0) throw new WardenError('BAD_INPUT', `approver_user_ids: ${disabled.map((u) => u.id).join(', ')} is disabled`)
  }
  return { name, description: fields.description, set_a, set_b, action: fields.action, approver_user_ids: approvers }
}

async function checkSet(db: Kysely<Database>, field: 'set_a' | 'set_b', refs: readonly SodEntitlementRef[], known: ReadonlySet<string>): Promise<SodEntitlementRef[]> {
  const unique = [...new Map(refs.map((r) => [refKey(r), { integration_id: r.integration_id, entitlement_id: r.entitlement_id }])).values()]
  if (unique.length === 0 || unique.length > SOD_SET_MAX) throw new WardenError('BAD_INPUT', `${field}: must name 1 to ${SOD_SET_MAX} entitlements`)
  const byIntegration = new Map<string, string[]>()
  for (const r of unique) if (!known.has(refKey(r))) byIntegration.set(r.integration_id, [...(byIntegration.get(r.integration_id) ?? []), r.entitlement_id])
  for (const [integrationId, ids] of byIntegration) {
    if (!(await integrationExists(db, integrationId))) throw new WardenError('BAD_INPUT', `${field}: no integration ${integrationId}`)
    const existing = await existingEntitlements(db, integrationId, ids)
    const missing = ids.filter((id) => !existing.has(id))
    if (missing.length > 0) throw new WardenError('BAD_INPUT', `${field}: integration ${integrationId} has no entitlement ${missing.join(', ')} (at its last sync)`)
  }
  return unique
}
