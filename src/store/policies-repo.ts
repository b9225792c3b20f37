import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database } from './database.js'
import { isForeignKeyViolation, isUniqueViolation } from './db-errors.js'
import { containsText } from './like.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'

/**
 * Approval policies and request settings (migration 0004): the policies' rows with their steps
 * and rules as JSON, app-level request defaults and per-entitlement overrides. Validation of what
 * goes in is governance's (governance/policies.ts); here rows are written and read back typed.
 */

export type PolicyKind = 'grant' | 'revoke' | 'emergency'
export type Audience = 'everyone' | 'holders' | 'nobody'

export interface PoliciesTable {
  id: string
  name: string
  description: string
  kind: PolicyKind
  builtin: number
  /** JSON array of PolicyStep. */
  steps: string
  require_distinct_approvers: number
  /** JSON array of AutoApproveRule. */
  auto_approve: string
  created_at: string
  updated_at: string
}

export interface AppRequestSettingsTable {
  app_id: string
  max_duration_minutes: number | null
  grant_policy_id: string | null
  revoke_policy_id: string | null
  emergency_policy_id: string | null
  audience: Audience
  /** JSON array of EntitlementRef: with audience 'holders', who holds one of these sees the app's entitlements. */
  audience_entitlements: string
  updated_at: string
}

export interface EntitlementRequestSettingsTable {
  integration_id: string
  entitlement_id: string
  grant_policy_id: string | null
  revoke_policy_id: string | null
  emergency_policy_id: string | null
  /** null: the app's audience. */
  audience: Audience | null
  audience_entitlements: string
  updated_at: string
}

declare module './database.js' {
  interface Database {
    policies: PoliciesTable
    app_request_settings: AppRequestSettingsTable
    entitlement_request_settings: EntitlementRequestSettingsTable
  }
}

/** Who approves a step: each kind resolves to Warden users when the step opens. */
export type Approver =
  | { type: 'users'; user_ids: string[] }
  /** The manager of the person the request is for, from OneLogin (their user's manager_id), as the Warden user with their email. */
  | { type: 'manager' }
  /** The owners of the app the entitlement belongs to (the owners of the app's access entitlement). */
  | { type: 'app_owners' }
  | { type: 'entitlement_owners' }
  | { type: 'integration_owners' }

export interface PolicyStep {
  /** Everyone these resolve to is assigned (a union). */
  approvers: Approver[]
  /** Tried in order when the approvers resolve to nobody: the first that resolves to someone is assigned. */
  fallback: Approver[]
  /** The person the request is for (and who asked) may approve it. */
  allow_self_approval: boolean
  /** Approving, denying and reassigning need a reason. */
  require_reason: boolean
  /** After this many hours open, the escalation approvers are added to the task. */
  escalate_after_hours: number | null
  /** The escalation approvers (Warden users); none: the Access Request Administrators. */
  escalate_to: string[]
}

export interface EntitlementRef {
  /** null: the request's integration. */
  integration_id: string | null
  entitlement_id: string
}

/** When a request is approved without steps. */
export type AutoApproveRule = { type: 'always' } | { type: 'holds'; entitlements: EntitlementRef[] }

export interface Policy {
  id: string
  name: string
  description: string
  kind: PolicyKind
  builtin: boolean
  steps: PolicyStep[]
  require_distinct_approvers: boolean
  auto_approve: AutoApproveRule[]
  created_at: string
  updated_at: string
}

function toPolicy(r: PoliciesTable): Policy {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    builtin: Number(r.builtin) === 1,
    steps: JSON.parse(r.steps) as PolicyStep[],
    require_distinct_approvers: Number(r.require_distinct_approvers) === 1,
    auto_approve: JSON.parse(r.auto_approve) as AutoApproveRule[],
    created_at: r.created_at,
    updated_at: r.updated_at,
  }
}

function toRow(p: Policy): PoliciesTable {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    kind: p.kind,
    builtin: p.builtin ? 1 : 0,
    steps: JSON.stringify(p.steps),
    require_distinct_approvers: p.require_distinct_approvers ? 1 : 0,
    auto_approve: JSON.stringify(p.auto_approve),
    created_at: p.created_at,
    updated_at: p.updated_at,
  }
}

function nameTaken(e: unknown, name: string): unknown {
  return isUniqueViolation(e) ? new WardenError('CONFLICT', `name: a policy named "${name}" already exists`, { cause: e }) : e
}

export async function insertPolicy(db: Kysely<Database>, policy: Policy): Promise<void> {
  try {
    await db.insertInto('policies').values(toRow(policy)).execute()
  } catch (e) {
    throw nameTaken(e, policy.name)
  }
}

/** Replaces a policy's row (its id and created_at stay). */
export async function replacePolicy(db: Kysely<Database>, policy: Policy): Promise<void> {
  const { id, created_at: _created, ...rest } = toRow(policy)
  try {
    await db.updateTable('policies').set(rest).where('id', '=', id).execute()
  } catch (e) {
    throw nameTaken(e, policy.name)
  }
}

/** Deletes a policy; CONFLICT while request settings name it. False when there was none. */
export async function deletePolicy(db: Kysely<Database>, id: string): Promise<boolean> {
  try {
    const r = await db.deleteFrom('policies').where('id', '=', id).executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  } catch (e) {
    if (isForeignKeyViolation(e)) throw new WardenError('CONFLICT', `policy ${id} is in use by request settings: choose another policy there first`, { cause: e })
    throw e
  }
}

export async function getPolicy(db: Kysely<Database>, id: string): Promise<Policy | undefined> {
  const row = await db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toPolicy(row)
}

export async function getPolicies(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, Policy>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('policies').selectAll().where('id', 'in', [...new Set(ids)]).execute()
  return new Map(rows.map((r) => [r.id, toPolicy(r)]))
}

export interface PolicyFilter {
  kind?: PolicyKind
  /** Name contains (case-insensitive). */
  q?: string
}

/** Policies by name, a page at a time. */
export async function listPolicies(db: Kysely<Database>, filter: PolicyFilter = {}, page: PageRequest = {}): Promise<Page<Policy>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('policies').selectAll()
  if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind)
  if (filter.q !== undefined && filter.q !== '') q = q.where(containsText('name', filter.q))
  if (page.cursor) q = q.where(keysetAfter(['name', 'id'], decodeCursor('policies', page.cursor, 2), 'asc'))
  const rows = await q.orderBy('name').orderBy('id').limit(limit + 1).execute()
  return toPage(rows.map(toPolicy), limit, 'policies', (p) => [p.name, p.id])
}

// ------------------------------------------------------------------ request settings

export interface RequestPolicyIds {
  grant_policy_id: string | null
  revoke_policy_id: string | null
  emergency_policy_id: string | null
}

export interface AppRequestSettings extends RequestPolicyIds {
  app_id: string
  max_duration_minutes: number | null
  audience: Audience
  audience_entitlements: EntitlementRef[]
  updated_at: string | null
}

export interface EntitlementRequestSettings extends RequestPolicyIds {
  integration_id: string
  entitlement_id: string
  audience: Audience | null
  audience_entitlements: EntitlementRef[]
  updated_at: string | null
}

const NO_POLICIES: RequestPolicyIds = { grant_policy_id: null, revoke_policy_id: null, emergency_policy_id: null }

function refs(json: string): EntitlementRef[] {
  return JSON.parse(json) as EntitlementRef[]
}

/** Several apps' request defaults; an app without a row gets the defaults (built-in policies, everyone). */
export async function appRequestSettingsOf(db: Kysely<Database>, appIds: readonly string[]): Promise<Map<string, AppRequestSettings>> {
  const out = new Map<string, AppRequestSettings>()
  const ids = [...new Set(appIds)]
  if (ids.length === 0) return out
  const rows = await db.selectFrom('app_request_settings').selectAll().where('app_id', 'in', ids).execute()
  for (const r of rows) {
    out.set(r.app_id, {
      ...r,
      max_duration_minutes: r.max_duration_minutes === null ? null : Number(r.max_duration_minutes),
      audience_entitlements: refs(r.audience_entitlements),
    })
  }
  for (const id of ids) {
    if (!out.has(id)) out.set(id, { app_id: id, max_duration_minutes: null, ...NO_POLICIES, audience: 'everyone', audience_entitlements: [], updated_at: null })
  }
  return out
}

export async function saveAppRequestSettings(db: Kysely<Database>, s: AppRequestSettings, now: string): Promise<void> {
  const values = {
    max_duration_minutes: s.max_duration_minutes,
    grant_policy_id: s.grant_policy_id,
    revoke_policy_id: s.revoke_policy_id,
    emergency_policy_id: s.emergency_policy_id,
    audience: s.audience,
    audience_entitlements: JSON.stringify(s.audience_entitlements),
    updated_at: now,
  }
  await db
    .insertInto('app_request_settings')
    .values({ app_id: s.app_id, ...values })
    .onConflict((oc) => oc.column('app_id').doUpdateSet(values))
    .execute()
}

/** The overrides of several entitlements of one integration; one without a row inherits everything. */
export async function entitlementRequestSettingsOf(
  db: Kysely<Database>,
  integrationId: string,
  entitlementIds: readonly string[],
): Promise<Map<string, EntitlementRequestSettings>> {
  const out = new Map<string, EntitlementRequestSettings>()
  const ids = [...new Set(entitlementIds)]
  if (ids.length === 0) return out
  const rows = await db
    .selectFrom('entitlement_request_settings')
    .selectAll()
    .where('integration_id', '=', integrationId)
    .where('entitlement_id', 'in', ids)
    .execute()
  for (const r of rows) out.set(r.entitlement_id, { ...r, audience_entitlements: refs(r.audience_entitlements) })
  for (const id of ids) {
    if (!out.has(id)) out.set(id, { integration_id: integrationId, entitlement_id: id, ...NO_POLICIES, audience: null, audience_entitlements: [], updated_at: null })
  }
  return out
}

export async function saveEntitlementRequestSettings(db: Kysely<Database>, s: EntitlementRequestSettings, now: string): Promise<void> {
  const values = {
    grant_policy_id: s.grant_policy_id,
    revoke_policy_id: s.revoke_policy_id,
    emergency_policy_id: s.emergency_policy_id,
    audience: s.audience,
    audience_entitlements: JSON.stringify(s.audience_entitlements),
    updated_at: now,
  }
  await db
    .insertInto('entitlement_request_settings')
    .values({ integration_id: s.integration_id, entitlement_id: s.entitlement_id, ...values })
    .onConflict((oc) => oc.columns(['integration_id', 'entitlement_id']).doUpdateSet(values))
    .execute()
}
