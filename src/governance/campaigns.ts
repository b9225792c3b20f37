import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import { RESOURCE_TYPES, parseEntitlementId } from '../model/index.js'
import {
  analyzeCampaignItems,
  assignCampaignReviewers,
  assignUnreviewed,
  campaignCounts,
  countUnreviewed,
  deleteCampaignRow,
  entitlementsOfApps,
  entitlementsOfTypes,
  getCampaignRow,
  insertCampaign,
  insertCampaignScope,
  integrationApps,
  isoTime,
  listCampaignRows,
  lockCampaign,
  newId,
  reviewersWithUndecided,
  stageCampaignItems,
  stagedSummary,
  updateCampaignRow,
  userSummaries,
} from '../store/index.js'
import type {
  CampaignCloseAction,
  CampaignCounts,
  CampaignRow,
  CampaignState,
  Database,
  IntegrationApps,
  Page,
  PageRequest,
  ReviewerType,
  ScopeEntitlement,
  StagedSummary,
  Store,
  UserSummary,
} from '../store/index.js'
import { audited } from './audited.js'
import { enqueueEmail } from './notifications.js'
import { emitWebhookEvent } from './webhooks.js'
import { authorize, can } from './policy.js'
import type { Actor } from './policy.js'

/**
 * Access reviews (issue 9), the campaign's life: draft → (preview) → staged → active → closed.
 *
 * - A draft holds the scope (apps, entitlements, resource types, people; narrowed by integration),
 *   grant filters, the reviewer rule and the close settings. It can be changed or deleted.
 * - Preview stages the campaign inside a transaction that is rolled back: the counts it shows are
 *   exactly what staging would produce, reviewers included.
 * - Staging freezes the access: campaign_items copies every grant in scope with the names, status
 *   and last sign-in of the moment, and assigns reviewers. Scope and settings no longer change.
 *   A warning is recorded when an integration in scope last synced more than 2 days ago or its
 *   last sync failed: the review would be of stale access.
 * - Start sends each reviewer a kickoff email; decisions are taken while active (campaign-items.ts).
 * - Close (by its owner, or at the due date when auto_close is on) handles the undecided items
 *   as configured: revoke them (through the provisioning path) or leave them.
 *
 * Campaign Administrators manage the campaigns they own; Super Administrators manage all.
 */

export const CAMPAIGN_NAME_MAX = 200
export const CAMPAIGN_DESCRIPTION_MAX = 2000
export const CAMPAIGN_LIST_MAX = 500
/** Suggest revoking access of people not signed in for this many days (the default). */
export const DEFAULT_INACTIVE_DAYS = 90
/** An integration whose last good sync is older than this makes staging warn. */
export const STALE_SYNC_MS = 2 * 24 * 60 * 60 * 1000
export const REVIEWER_TYPES = ['manager', 'app_owners', 'entitlement_owners', 'users'] as const satisfies readonly ReviewerType[]
export const CAMPAIGN_STATES = ['draft', 'staged', 'active', 'closed'] as const satisfies readonly CampaignState[]
export const CLOSE_ACTIONS = ['revoke', 'leave'] as const satisfies readonly CampaignCloseAction[]
const DAY_MS = 24 * 60 * 60 * 1000
const SCOPE_TYPES = RESOURCE_TYPES.filter((t) => t !== 'user')
type ScopeType = (typeof SCOPE_TYPES)[number]

export interface CampaignScope {
  /** Warden apps: a discovered app's access, managed apps' bound entitlements, and everything of integrations attached to them. */
  app_ids: string[]
  entitlements: { integration_id: string; entitlement_id: string }[]
  /** Every entitlement of these resource types (e.g. all OneLogin roles). */
  resource_types: ScopeType[]
  /** Only these people's access (identities); alone, all their access. */
  identity_ids: string[]
  /** Only these integrations (empty: all). */
  integration_ids: string[]
}

export interface CampaignFilters {
  /** Only access of people not signed in to OneLogin for this many days (last_login). */
  not_used_days: number | null
  /** Only grants Warden first saw at or after this time. */
  added_since: string | null
  duration: 'any' | 'timebound' | 'permanent'
  /** direct: assigned directly; inherited: held through a role. */
  assignment: 'any' | 'direct' | 'inherited'
}

export interface CampaignReviewers {
  type: ReviewerType
  /** The reviewers, for type users. */
  user_ids: string[]
  /** Who reviews items the rule gives nobody (then the campaign owner, then the Super Administrators). */
  fallback_user_ids: string[]
  allow_self_review: boolean
}

export interface CampaignConfig {
  scope: CampaignScope
  filters: CampaignFilters
  reviewers: CampaignReviewers
  require_revoke_reason: boolean
  inactive_days: number
}

export interface CampaignInput {
  name: string
  description?: string | undefined
  scope: Partial<CampaignScope>
  filters?: Partial<CampaignFilters> | undefined
  reviewers: Partial<CampaignReviewers> & { type: ReviewerType }
  due_at: string
  close_action?: CampaignCloseAction | undefined
  auto_close?: boolean | undefined
  require_revoke_reason?: boolean | undefined
  inactive_days?: number | undefined
}

export type CampaignPatch = Partial<CampaignInput>

export interface CampaignView extends CampaignConfig {
  id: string
  name: string
  description: string
  state: CampaignState
  owner: UserSummary | null
  /** The users the reviewer settings name (user_ids and fallback_user_ids), with their names. */
  reviewer_people: UserSummary[]
  template_id: string | null
  due_at: string
  overdue: boolean
  close_action: CampaignCloseAction
  auto_close: boolean
  warnings: string[]
  items_total: number
  progress: CampaignCounts | null
  staged_at: string | null
  started_at: string | null
  closed_at: string | null
  closed_by: string | null
  created_at: string
  updated_at: string
}

export interface CampaignPreview {
  summary: StagedSummary & { reviewer_names: Record<string, string> }
  /** Items nobody can review (the holder is the only candidate). */
  unreviewed: number
  warnings: string[]
}

export interface Clock {
  now?: Date
}

// ------------------------------------------------------------------ access

/** Whether the actor may manage this campaign: its owner with campaigns:write, or a Super Administrator. */
export function canManageCampaign(actor: Actor, row: Pick<CampaignRow, 'owner_id'>): boolean {
  if (actor.id === 'system' || actor.roles.includes('super-admin')) return true
  return can(actor, 'campaigns:write') && row.owner_id === actor.id
}

export function authorizeManage(actor: Actor, row: Pick<CampaignRow, 'owner_id' | 'id'>): void {
  authorize(actor, 'campaigns:write')
  if (!canManageCampaign(actor, row)) throw new WardenError('FORBIDDEN', `campaign ${row.id} belongs to another Campaign Administrator; only its owner or a Super Administrator manages it`)
}

export function found(row: CampaignRow | undefined, id: string): CampaignRow {
  if (row === undefined) throw new WardenError('NOT_FOUND', `no campaign ${id}`)
  return row
}

function expectState(row: CampaignRow, states: readonly CampaignState[], doing: string): void {
  if (!states.includes(row.state)) throw new WardenError('CONFLICT', `campaign ${row.id} is ${row.state}: only a ${states.join(' or ')} campaign can be ${doing}`)
}

export function configOf(row: Pick<CampaignRow, 'config'>): CampaignConfig {
  return JSON.parse(row.config) as CampaignConfig
}

// ------------------------------------------------------------------ input

function text(value: string | undefined, field: string, max: number, required: boolean): string {
  const v = (value ?? '').trim()
  if (required && v === '') throw new WardenError('BAD_INPUT', `${field}: required`)
  if (v.length > max) throw new WardenError('BAD_INPUT', `${field}: at most ${max} characters`)
  return v
}

/** An ISO 8601 date and time, normalised to UTC with milliseconds; BAD_INPUT naming `field` otherwise. */
export function isoInstant(value: string, field: string): string {
  const t = Date.parse(value)
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) throw new WardenError('BAD_INPUT', `${field}: "${value}" is not a date and time (ISO 8601)`)
  return new Date(t).toISOString()
}

function distinct<T>(items: readonly T[], key: (t: T) => string = String): T[] {
  const seen = new Set<string>()
  return items.filter((t) => (seen.has(key(t)) ? false : (seen.add(key(t)), true)))
}

function list<T>(items: readonly T[] | undefined, field: string): T[] {
  const out = items ?? []
  if (out.length > CAMPAIGN_LIST_MAX) throw new WardenError('BAD_INPUT', `${field}: at most ${CAMPAIGN_LIST_MAX} entries`)
  return [...out]
}

async function checkIds(db: Kysely<Database>, table: 'apps' | 'identities' | 'integrations', ids: readonly string[], field: string): Promise<void> {
  if (ids.length === 0) return
  const rows = await db.selectFrom(table).select('id').where('id', 'in', [...ids]).execute()
  const known = new Set(rows.map((r) => r.id))
  const missing = ids.filter((id) => !known.has(id))
  if (missing.length > 0) throw new WardenError('BAD_INPUT', `${field}: no such ${table.replace(/s$/, '').replace(/ie$/, 'y')} ${missing.slice(0, 5).join(', ')}`)
}

async function checkUsers(db: Kysely<Database>, ids: readonly string[], field: string): Promise<void> {
  if (ids.length === 0) return
  const rows = await db.selectFrom('users').select(['id', 'disabled']).where('id', 'in', [...ids]).execute()
  const enabled = new Set(rows.filter((r) => Number(r.disabled) === 0).map((r) => r.id))
  const bad = ids.filter((id) => !enabled.has(id))
  if (bad.length > 0) throw new WardenError('BAD_INPUT', `${field}: ${bad.slice(0, 5).join(', ')} ${bad.length === 1 ? 'is not an enabled Warden user' : 'are not enabled Warden users'}`)
}

interface CheckedCampaign {
  name: string
  description: string
  config: CampaignConfig
  due_at: string
  close_action: CampaignCloseAction
  auto_close: boolean
}

/** Validates a campaign's settings against the database (apps, people, users, entitlements exist). */
export async function checkCampaign(db: Kysely<Database>, input: CampaignInput, now: Date): Promise<CheckedCampaign> {
  const name = text(input.name, 'name', CAMPAIGN_NAME_MAX, true)
  const description = text(input.description, 'description', CAMPAIGN_DESCRIPTION_MAX, false)
  const s = input.scope
  const scope: CampaignScope = {
    app_ids: distinct(list(s.app_ids, 'scope.app_ids')),
    entitlements: distinct(list(s.entitlements, 'scope.entitlements'), (e) => `${e.integration_id} ${e.entitlement_id}`),
    resource_types: distinct(list(s.resource_types, 'scope.resource_types')),
    identity_ids: distinct(list(s.identity_ids, 'scope.identity_ids')),
    integration_ids: distinct(list(s.integration_ids, 'scope.integration_ids')),
  }
  for (const t of scope.resource_types) {
    if (!(SCOPE_TYPES as readonly string[]).includes(t)) throw new WardenError('BAD_INPUT', `scope.resource_types: "${t}" is not one of ${SCOPE_TYPES.join(', ')}`)
  }
  if (scope.app_ids.length + scope.entitlements.length + scope.resource_types.length + scope.identity_ids.length === 0) {
    throw new WardenError('BAD_INPUT', 'scope: name at least one app, entitlement, resource type or person to review')
  }
  for (const e of scope.entitlements) parseEntitlementId(e.entitlement_id)
  await checkIds(db, 'apps', scope.app_ids, 'scope.app_ids')
  await checkIds(db, 'identities', scope.identity_ids, 'scope.identity_ids')
  await checkIds(db, 'integrations', [...scope.integration_ids, ...new Set(scope.entitlements.map((e) => e.integration_id))], 'scope')
  if (scope.entitlements.length > 0) {
    const rows = await db
      .selectFrom('entitlements')
      .select(['integration_id', 'id'])
      .where((eb) => eb.or(scope.entitlements.map((e) => eb.and([eb('integration_id', '=', e.integration_id), eb('id', '=', e.entitlement_id)]))))
      .execute()
    const known = new Set(rows.map((r) => `${r.integration_id} ${r.id}`))
    const missing = scope.entitlements.filter((e) => !known.has(`${e.integration_id} ${e.entitlement_id}`))
    if (missing.length > 0) throw new WardenError('BAD_INPUT', `scope.entitlements: no such entitlement ${missing.slice(0, 5).map((e) => `${e.integration_id}/${e.entitlement_id}`).join(', ')}`)
  }

  const f = input.filters ?? {}
  const notUsed = f.not_used_days ?? null
  if (notUsed !== null && (!Number.isInteger(notUsed) || notUsed < 1 || notUsed > 3650)) throw new WardenError('BAD_INPUT', 'filters.not_used_days: a whole number of days from 1 to 3650')
  const filters: CampaignFilters = {
    not_used_days: notUsed,
    added_since: f.added_since === undefined || f.added_since === null ? null : isoInstant(f.added_since, 'filters.added_since'),
    duration: f.duration ?? 'any',
    assignment: f.assignment ?? 'any',
  }

  const r = input.reviewers
  if (!(REVIEWER_TYPES as readonly string[]).includes(r.type)) throw new WardenError('BAD_INPUT', `reviewers.type: one of ${REVIEWER_TYPES.join(', ')}`)
  const reviewers: CampaignReviewers = {
    type: r.type,
    user_ids: distinct(list(r.user_ids, 'reviewers.user_ids')),
    fallback_user_ids: distinct(list(r.fallback_user_ids, 'reviewers.fallback_user_ids')),
    allow_self_review: r.allow_self_review ?? false,
  }
  if (reviewers.type === 'users' && reviewers.user_ids.length === 0) throw new WardenError('BAD_INPUT', 'reviewers.user_ids: name the reviewers (type users)')
  if (reviewers.type !== 'users' && reviewers.user_ids.length > 0) throw new WardenError('BAD_INPUT', `reviewers.user_ids: only for type users, not ${reviewers.type}`)
  await checkUsers(db, reviewers.user_ids, 'reviewers.user_ids')
  await checkUsers(db, reviewers.fallback_user_ids, 'reviewers.fallback_user_ids')

  const inactive = input.inactive_days ?? DEFAULT_INACTIVE_DAYS
  if (!Number.isInteger(inactive) || inactive < 1 || inactive > 3650) throw new WardenError('BAD_INPUT', 'inactive_days: a whole number of days from 1 to 3650')
  const due = isoInstant(input.due_at, 'due_at')
  if (Date.parse(due) <= now.getTime()) throw new WardenError('BAD_INPUT', 'due_at: must be in the future')
  const closeAction = input.close_action ?? 'leave'
  if (!(CLOSE_ACTIONS as readonly string[]).includes(closeAction)) throw new WardenError('BAD_INPUT', `close_action: one of ${CLOSE_ACTIONS.join(', ')}`)
  return {
    name,
    description,
    config: { scope, filters, reviewers, require_revoke_reason: input.require_revoke_reason ?? true, inactive_days: inactive },
    due_at: due,
    close_action: closeAction,
    auto_close: input.auto_close ?? false,
  }
}

/** A campaign's settings as input again (to patch, or to copy into a template). */
export function inputOf(row: CampaignRow): CampaignInput {
  const c = configOf(row)
  return {
    name: row.name,
    description: row.description,
    scope: c.scope,
    filters: c.filters,
    reviewers: c.reviewers,
    due_at: row.due_at,
    close_action: row.close_action,
    auto_close: Number(row.auto_close) === 1,
    require_revoke_reason: c.require_revoke_reason,
    inactive_days: c.inactive_days,
  }
}

// ------------------------------------------------------------------ views

export async function toCampaignView(db: Kysely<Database>, row: CampaignRow, now: Date, withOrders = true): Promise<CampaignView> {
  const config = configOf(row)
  const named = [...new Set([...config.reviewers.user_ids, ...config.reviewers.fallback_user_ids])]
  const people = await userSummaries(db, [row.owner_id, ...named])
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    state: row.state,
    owner: people.get(row.owner_id) ?? null,
    reviewer_people: named.flatMap((id) => {
      const u = people.get(id)
      return u === undefined ? [] : [u]
    }),
    template_id: row.template_id,
    ...config,
    due_at: row.due_at,
    overdue: row.state === 'active' && row.due_at <= isoTime(now),
    close_action: row.close_action,
    auto_close: Number(row.auto_close) === 1,
    warnings: JSON.parse(row.warnings) as string[],
    items_total: Number(row.items_total),
    progress: row.state === 'draft' ? null : await campaignCounts(db, row.id, withOrders),
    staged_at: row.staged_at,
    started_at: row.started_at,
    closed_at: row.closed_at,
    closed_by: row.closed_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

/** What the audit log records of a campaign (no counts: they change without an entry). */
function auditView(row: CampaignRow): Record<string, unknown> {
  return { id: row.id, name: row.name, state: row.state, owner_id: row.owner_id, due_at: row.due_at, close_action: row.close_action, auto_close: Number(row.auto_close) === 1, config: configOf(row) }
}

// ------------------------------------------------------------------ services

export async function createCampaign(store: Store, actor: Actor, input: CampaignInput, clock: Clock & { template_id?: string } = {}): Promise<CampaignView> {
  authorize(actor, 'campaigns:write')
  const now = clock.now ?? new Date()
  const at = isoTime(now)
  return audited(store, actor, async (trx) => {
    const c = await checkCampaign(trx, input, now)
    const id = newId('cmp')
    const owner = actor.id === 'system' ? undefined : actor.id
    if (owner === undefined) throw new WardenError('INTERNAL', 'a campaign needs an owner (a Warden user)')
    await insertCampaign(trx, {
      id,
      name: c.name,
      description: c.description,
      state: 'draft',
      config: JSON.stringify(c.config),
      due_at: c.due_at,
      close_action: c.close_action,
      auto_close: c.auto_close ? 1 : 0,
      owner_id: owner,
      template_id: clock.template_id ?? null,
      warnings: '[]',
      items_total: 0,
      staged_at: null,
      started_at: null,
      closed_at: null,
      closed_by: null,
      created_at: at,
      updated_at: at,
    })
    const row = found(await getCampaignRow(trx, id), id)
    return { result: await toCampaignView(trx, row, now), audit: [{ action: 'campaign.create', target_type: 'campaign', target_id: id, after: auditView(row) }] }
  })
}

export async function updateCampaign(store: Store, actor: Actor, id: string, patch: CampaignPatch, clock: Clock = {}): Promise<CampaignView> {
  const now = clock.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const before = found(await lockCampaign(trx, id), id)
    authorizeManage(actor, before)
    expectState(before, ['draft'], 'changed (staging froze its scope and settings)')
    const merged: CampaignInput = { ...inputOf(before), ...patch }
    if (patch.scope !== undefined) merged.scope = patch.scope
    const c = await checkCampaign(trx, merged, now)
    await updateCampaignRow(trx, id, {
      name: c.name,
      description: c.description,
      config: JSON.stringify(c.config),
      due_at: c.due_at,
      close_action: c.close_action,
      auto_close: c.auto_close ? 1 : 0,
      updated_at: isoTime(now),
    })
    const after = found(await getCampaignRow(trx, id), id)
    return { result: await toCampaignView(trx, after, now), audit: [{ action: 'campaign.update', target_type: 'campaign', target_id: id, before: auditView(before), after: auditView(after) }] }
  })
}

/** A new draft with a campaign's settings (any campaign, closed ones included), a new due date and optionally a new name. */
export async function duplicateCampaign(store: Store, actor: Actor, id: string, input: { due_at: string; name?: string | undefined }, clock: Clock = {}): Promise<CampaignView> {
  authorize(actor, 'campaigns:write')
  const source = found(await getCampaignRow(store.db, id), id)
  const copy = await createCampaign(store, actor, { ...inputOf(source), name: input.name ?? `${source.name} (copy)`.slice(0, CAMPAIGN_NAME_MAX), due_at: input.due_at }, clock)
  return copy
}

export async function deleteCampaign(store: Store, actor: Actor, id: string): Promise<void> {
  await audited(store, actor, async (trx) => {
    const row = found(await lockCampaign(trx, id), id)
    authorizeManage(actor, row)
    expectState(row, ['draft'], 'deleted (a staged campaign is evidence)')
    await deleteCampaignRow(trx, id)
    return { result: undefined, audit: [{ action: 'campaign.delete', target_type: 'campaign', target_id: id, before: auditView(row) }] }
  })
}

export async function getCampaign(store: Store, actor: Actor, id: string, clock: Clock = {}): Promise<CampaignView> {
  authorize(actor, 'campaigns:read')
  return toCampaignView(store.db, found(await getCampaignRow(store.db, id), id), clock.now ?? new Date())
}

export async function listCampaigns(store: Store, actor: Actor, filter: { state?: CampaignState | undefined; mine?: boolean | undefined }, page: PageRequest, clock: Clock = {}): Promise<Page<CampaignView>> {
  authorize(actor, 'campaigns:read')
  const rows = await listCampaignRows(store.db, { state: filter.state, owner_id: filter.mine === true ? actor.id : undefined }, page)
  const now = clock.now ?? new Date()
  const items: CampaignView[] = []
  // The list skips the orders' states (a join over every item); the campaign's own page has them.
  for (const r of rows.items) items.push(await toCampaignView(store.db, r, now, false))
  return { items, next_cursor: rows.next_cursor }
}

/** Thrown to roll a preview's staging back, carrying what it found. */
class PreviewRollback extends Error {
  constructor(readonly preview: CampaignPreview) {
    super('preview')
  }
}

/** What staging would produce now, by staging inside a transaction that is rolled back. */
export async function previewCampaign(store: Store, actor: Actor, id: string, clock: Clock = {}): Promise<CampaignPreview> {
  const now = clock.now ?? new Date()
  try {
    await store.transaction(async (trx) => {
      const row = found(await lockCampaign(trx, id), id)
      authorizeManage(actor, row)
      expectState(row, ['draft'], 'previewed')
      const staged = await stageInto(trx, row, now)
      const summary = await stagedSummary(trx, id)
      const names = await userSummaries(trx, summary.top_reviewers.map((r) => r.user_id))
      throw new PreviewRollback({
        summary: { ...summary, reviewer_names: Object.fromEntries([...names.values()].map((u) => [u.id, u.display_name || u.email])) },
        unreviewed: staged.unreviewed,
        warnings: staged.warnings,
      })
    })
  } catch (e) {
    if (e instanceof PreviewRollback) return e.preview
    throw e
  }
  throw new WardenError('INTERNAL', 'preview did not roll back')
}

/** Freezes the campaign's access into items and assigns reviewers. */
export async function stageCampaign(store: Store, actor: Actor, id: string, clock: Clock = {}): Promise<CampaignView> {
  const now = clock.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const row = found(await lockCampaign(trx, id), id)
    authorizeManage(actor, row)
    expectState(row, ['draft'], 'staged')
    const staged = await stageInto(trx, row, now)
    const at = isoTime(now)
    await updateCampaignRow(trx, id, { state: 'staged', items_total: staged.items, warnings: JSON.stringify(staged.warnings), staged_at: at, updated_at: at })
    await analyzeCampaignItems(trx)
    const after = found(await getCampaignRow(trx, id), id)
    return {
      result: await toCampaignView(trx, after, now),
      audit: [{ action: 'campaign.stage', target_type: 'campaign', target_id: id, before: { state: row.state }, after: { state: 'staged', items: staged.items, unreviewed: staged.unreviewed, warnings: staged.warnings } }],
    }
  })
}

async function superAdmins(db: Kysely<Database>): Promise<string[]> {
  // roles is a JSON array of role names: the LIKE narrows the rows, the parse decides.
  const rows = await db.selectFrom('users').select(['id', 'roles']).where('disabled', '=', 0).where('roles', 'like', '%"super-admin"%').orderBy('id').execute()
  return rows.filter((u) => (JSON.parse(u.roles) as string[]).includes('super-admin')).map((u) => u.id)
}

/** The scope's entitlements, each with its app. */
async function resolveScope(db: Kysely<Database>, scope: CampaignScope): Promise<ScopeEntitlement[]> {
  const keys: { integration_id: string; id: string }[] = [
    ...scope.entitlements.map((e) => ({ integration_id: e.integration_id, id: e.entitlement_id })),
    ...(await entitlementsOfApps(db, scope.app_ids)),
  ]
  if (scope.resource_types.length > 0) keys.push(...(await entitlementsOfTypes(db, scope.resource_types, scope.integration_ids)))
  // People alone: all their access.
  if (keys.length === 0 && scope.app_ids.length === 0 && scope.resource_types.length === 0) keys.push(...(await entitlementsOfTypes(db, null, scope.integration_ids)))
  const only = new Set(scope.integration_ids)
  const unique = distinct(
    keys.filter((k) => only.size === 0 || only.has(k.integration_id)),
    (k) => `${k.integration_id} ${k.id}`,
  )
  // Which app an entitlement belongs to, as drift sees it: an app's access to the app discovered
  // for it, a role membership to the first managed app bound to it, the rest to the integration's app.
  const apps = new Map<string, IntegrationApps | undefined>()
  const out: ScopeEntitlement[] = []
  for (const k of unique) {
    if (!apps.has(k.integration_id)) apps.set(k.integration_id, await integrationApps(db, k.integration_id))
    const a = apps.get(k.integration_id)
    const discovered = k.id.endsWith(':access') ? a?.discovered.get(k.id.slice(0, -':access'.length)) : undefined
    out.push({ integration_id: k.integration_id, entitlement_id: k.id, app_id: discovered ?? a?.bound.get(k.id)?.[0] ?? a?.integration_app_id ?? null })
  }
  return out
}

/** Sentences about integrations in scope whose data is stale or whose last sync failed. */
async function syncWarnings(db: Kysely<Database>, integrationIds: readonly string[], now: Date): Promise<string[]> {
  if (integrationIds.length === 0) return []
  const rows = await db.selectFrom('integrations as i').innerJoin('apps as a', 'a.id', 'i.app_id').select(['i.id', 'i.status', 'i.last_sync_at', 'i.last_error', 'a.name']).where('i.id', 'in', [...integrationIds]).orderBy('i.id').execute()
  const out: string[] = []
  for (const r of rows) {
    const label = `integration ${r.id} (${r.name})`
    if (r.status === 'error') out.push(`${label}: its last sync failed${r.last_error ? ` (${r.last_error})` : ''}; the review is of the access it last synced`)
    if (r.last_sync_at === null) out.push(`${label} has never synced`)
    else if (now.getTime() - Date.parse(r.last_sync_at) > STALE_SYNC_MS) out.push(`${label} last synced ${r.last_sync_at}, more than 2 days ago: sync it before staging so reviewers see current access`)
  }
  return out
}

async function stageInto(trx: Kysely<Database>, row: CampaignRow, now: Date): Promise<{ items: number; unreviewed: number; warnings: string[] }> {
  const c = configOf(row)
  const scope = await resolveScope(trx, c.scope)
  await insertCampaignScope(trx, row.id, scope)
  const items = await stageCampaignItems(trx, row.id, {
    identity_ids: c.scope.identity_ids,
    unused_before: c.filters.not_used_days === null ? null : isoTime(new Date(now.getTime() - c.filters.not_used_days * DAY_MS)),
    added_since: c.filters.added_since,
    duration: c.filters.duration,
    assignment: c.filters.assignment,
    inactive_before: isoTime(new Date(now.getTime() - c.inactive_days * DAY_MS)),
  })
  // Statistics of the new rows before joining them again: planned with the last campaign's, the
  // reviewer statements below think this campaign has one item and pick nested loops (measured: a minute).
  await analyzeCampaignItems(trx)
  const r = c.reviewers
  await assignCampaignReviewers(trx, row.id, r.type, r.user_ids, r.allow_self_review)
  // Fallbacks in order, each only while some item has nobody (each pass reads every item).
  let unreviewed = await countUnreviewed(trx, row.id)
  for (const users of [r.fallback_user_ids, [row.owner_id], await superAdmins(trx)]) {
    if (unreviewed === 0) break
    if ((await assignUnreviewed(trx, row.id, users, r.allow_self_review)) > 0) unreviewed = await countUnreviewed(trx, row.id)
  }
  const warnings = await syncWarnings(trx, [...new Set(scope.map((s) => s.integration_id))], now)
  if (items === 0) warnings.push('the scope and filters select no access: the campaign has nothing to review')
  if (unreviewed > 0) warnings.push(`${unreviewed} item(s) have no reviewer: the only candidates hold the access themselves (allow self-review, or name another fallback reviewer)`)
  return { items, unreviewed, warnings }
}

/** Starts a staged campaign and sends each reviewer a kickoff email. */
export async function startCampaign(store: Store, actor: Actor, id: string, options: Clock & { publicUrl: string }): Promise<CampaignView> {
  const now = options.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const row = found(await lockCampaign(trx, id), id)
    authorizeManage(actor, row)
    expectState(row, ['staged'], 'started')
    if (Date.parse(row.due_at) <= now.getTime()) throw new WardenError('CONFLICT', `campaign ${id} was due ${row.due_at}: change nothing now; duplicate it with a new due date`)
    const at = isoTime(now)
    await updateCampaignRow(trx, id, { state: 'active', started_at: at, updated_at: at })
    const reviewers = await reviewersWithUndecided(trx, id)
    const users = await userSummaries(trx, reviewers.map((r) => r.user_id))
    for (const r of reviewers) {
      const u = users.get(r.user_id)
      if (u === undefined) continue
      await enqueueEmail(trx, {
        to: u.email,
        subject: `Warden: access review "${row.name}": ${r.undecided} item(s) to review by ${row.due_at.slice(0, 10)}`,
        text: [
          `You are a reviewer in the access review "${row.name}".`,
          `${r.undecided} item(s) wait for your decision (certify or revoke) by ${row.due_at}.`,
          '',
          `Review them in Warden: ${options.publicUrl}/reviews?campaign=${id}`,
        ].join('\n'),
      })
    }
    await emitWebhookEvent(trx, 'campaign.started', { campaign_id: id, name: row.name, due_at: row.due_at, items: Number(row.items_total), reviewers: reviewers.length }, now)
    const after = found(await getCampaignRow(trx, id), id)
    return { result: await toCampaignView(trx, after, now), audit: [{ action: 'campaign.start', target_type: 'campaign', target_id: id, before: { state: row.state }, after: { state: 'active', reviewers: reviewers.length } }] }
  })
}
