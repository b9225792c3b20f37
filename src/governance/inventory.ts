import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import { USER_STATUS_NAMES, parseEntitlementId, parseResourceId } from '../model/index.js'
import {
  allIntegrationIds,
  appIntegrationIds,
  campaignsNamingApp,
  countGrantsByApp,
  createApp,
  deleteAppRow,
  directAppOwners,
  entitlementsImplying,
  exportGrantsCsv,
  getApp as getAppRow,
  getInventoryEntitlement,
  getInventoryResource,
  integrationExists,
  isoTime,
  listAppBindings,
  listAppEntitlements as listAppEntitlementRows,
  listAppIntegrations,
  listApps as listAppRows,
  listCarryingEntitlements,
  listEntitlementOwners,
  listInventoryEntitlements,
  listInventoryResources,
  lockRow,
  principalsOf,
  queryGrants,
  replaceAppBindings,
  replaceDirectAppOwners,
  replaceEntitlementOwners,
  roleReach,
  saveEntitlementSettings,
  unknownUserIds,
  updateApp as updateAppRow,
} from '../store/index.js'
import type {
  App,
  AppBinding,
  AppEntitlementFilter,
  AppEntitlementScope,
  AppGrantCount,
  AppFilter,
  AppIntegration,
  CarryingEntitlement,
  Database,
  EntitlementListFilter,
  EntitlementOwner,
  GrantQuery,
  GrantRecord,
  InventoryEntitlement,
  InventoryResource,
  Page,
  PageRequest,
  ResourceListFilter,
  RiskLevel,
  Store,
  UserSummary,
} from '../store/index.js'
import { audited } from './audited.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * The inventory as people use it: apps (made in Warden, or discovered as SCIM apps and then
 * managed), each integration's resources and entitlements with their governance settings, and
 * grant search with CSV export. Reads need `apps:read`; entitlement settings and app changes
 * `apps:write`. Every change is audited.
 */

type Clock = { now?: Date }

// ------------------------------------------------------------------ apps

/** An app with what governs it: its owners, the integrations attached to it and, for a managed SCIM app, the roles bound to its access. */
export interface AppDetail extends App {
  /** The Warden users named as its owners (not the derived ones: its access entitlement's and its integrations' owners), in id order. */
  owner_user_ids: string[]
  /** The same users, in the same order. */
  owners: UserSummary[]
  integrations: AppIntegration[]
  /** For a discovered app: its access entitlement in the integration that found it. */
  access: { integration_id: string; entitlement_id: string } | null
  bindings: AppBinding[]
  /** For a discovered app: the role memberships that carry its access at the last sync (what manageApp accepts). */
  carriers: CarryingEntitlement[]
}

export async function listApps(store: Store, actor: Actor, filter: AppFilter = {}, page: PageRequest = {}): Promise<Page<App>> {
  authorize(actor, 'apps:read')
  return listAppRows(store.db, filter, page)
}

export async function getApp(store: Store, actor: Actor, id: string): Promise<AppDetail> {
  authorize(actor, 'apps:read')
  return appDetail(store.db, id)
}

async function appDetail(db: Kysely<Database>, id: string): Promise<AppDetail> {
  const app = await getAppRow(db, id)
  if (app === undefined) throw new WardenError('NOT_FOUND', `no app ${id}`)
  const access = accessOf(app)
  const carriers = access === null ? [] : await listCarryingEntitlements(db, access.integration_id, access.entitlement_id)
  const owners = await directAppOwners(db, id)
  return {
    ...app,
    owner_user_ids: owners.map((o) => o.id),
    owners,
    integrations: await listAppIntegrations(db, id),
    access,
    bindings: await listAppBindings(db, id),
    carriers: carriers.filter((c) => isRoleMembership(c.entitlement_id)),
  }
}

function accessOf(app: App): AppDetail['access'] {
  if (app.source_integration_id === null || app.source_resource_id === null) return null
  return { integration_id: app.source_integration_id, entitlement_id: `${app.source_resource_id}:access` }
}

/** The most Warden users an app names as its owners. */
export const APP_OWNERS_MAX = 32

export interface NewManagedApp {
  name: string
  description?: string
  /** Warden user ids; default none. */
  owner_user_ids?: readonly string[]
}

/** An app as its audit entries record it: the row and its direct owners. */
function appRecord(app: App, ownerIds: readonly string[]): Record<string, unknown> {
  return { ...app, owner_user_ids: [...ownerIds] }
}

/** The owners asked for, de-duplicated and sorted; BAD_INPUT (naming `owner_user_ids`) for too many or an unknown user. */
async function checkAppOwners(db: Kysely<Database>, ids: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(ids)].sort()
  if (wanted.length > APP_OWNERS_MAX) throw new WardenError('BAD_INPUT', `owner_user_ids: an app has at most ${APP_OWNERS_MAX} owners`)
  const unknown = await unknownUserIds(db, wanted)
  if (unknown.length > 0) throw new WardenError('BAD_INPUT', `owner_user_ids: no Warden user ${unknown.join(', ')}`)
  return wanted
}

/** An app made in Warden (managed from the start), with its owners; connectors are attached to it separately. */
export async function createManagedApp(store: Store, actor: Actor, input: NewManagedApp, clock: Clock = {}): Promise<AppDetail> {
  authorize(actor, 'apps:write')
  return audited(store, actor, async (trx) => {
    const owners = await checkAppOwners(trx, input.owner_user_ids ?? [])
    const now = clock.now ?? new Date()
    const app = await createApp(trx, { name: input.name, ...(input.description === undefined ? {} : { description: input.description }), state: 'managed' }, { now })
    await replaceDirectAppOwners(trx, app.id, owners, isoTime(now))
    return { result: await appDetail(trx, app.id), audit: [{ action: 'app.create', target_type: 'app', target_id: app.id, after: appRecord(app, owners) }] }
  })
}

export interface AppChanges {
  name?: string
  description?: string
  /** Replaces the Warden users named as the app's owners. */
  owner_user_ids?: readonly string[]
}

export async function updateApp(store: Store, actor: Actor, id: string, changes: AppChanges, clock: Clock = {}): Promise<AppDetail> {
  authorize(actor, 'apps:write')
  return audited(store, actor, async (trx) => {
    // Locked first, so two concurrent replacements of the owners run one after the other.
    if (!(await lockRow(trx, 'apps', id))) throw new WardenError('NOT_FOUND', `no app ${id}`)
    const before = await getAppRow(trx, id)
    if (before === undefined) throw new WardenError('NOT_FOUND', `no app ${id}`)
    const ownersBefore = (await directAppOwners(trx, id)).map((o) => o.id)
    const owners = changes.owner_user_ids === undefined ? ownersBefore : await checkAppOwners(trx, changes.owner_user_ids)
    const now = clock.now ?? new Date()
    const after = await updateAppRow(trx, id, { ...(changes.name === undefined ? {} : { name: changes.name }), ...(changes.description === undefined ? {} : { description: changes.description }) }, { now })
    if (changes.owner_user_ids !== undefined) await replaceDirectAppOwners(trx, id, owners, isoTime(now))
    const changed = after.name !== before.name || after.description !== before.description || owners.join() !== ownersBefore.join()
    return {
      result: await appDetail(trx, id),
      audit: changed ? [{ action: 'app.update', target_type: 'app', target_id: id, before: appRecord(before, ownersBefore), after: appRecord(after, owners) }] : [],
    }
  })
}

/**
 * Deletes an app made in Warden, with its own settings (owners, bindings, request settings, drift
 * setting); its history (requests, reviews, findings, audit) stays. Refused (CONFLICT) while an
 * integration is attached (delete that first), for an app a sync discovered (it follows OneLogin),
 * and while a campaign template or a draft campaign names it in its scope.
 */
export async function deleteApp(store: Store, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'apps:write')
  await audited(store, actor, async (trx) => {
    // Locked, so nothing changes the app (or, on PostgreSQL, attaches an integration) meanwhile.
    if (!(await lockRow(trx, 'apps', id))) throw new WardenError('NOT_FOUND', `no app ${id}`)
    const app = await getAppRow(trx, id)
    if (app === undefined) throw new WardenError('NOT_FOUND', `no app ${id}`)
    const which = `app ${id} (${JSON.stringify(app.name)})`
    if (app.source_integration_id !== null) {
      throw new WardenError('CONFLICT', `${which} was discovered in OneLogin by integration ${app.source_integration_id} and follows OneLogin: it cannot be deleted in Warden`)
    }
    const integrations = await appIntegrationIds(trx, id)
    if (integrations.length > 0) {
      const named = integrations.join(', ')
      throw new WardenError('CONFLICT', `${which} has integration${integrations.length === 1 ? '' : 's'} ${named} attached: delete integration ${named} first`)
    }
    const campaigns = await campaignsNamingApp(trx, id)
    if (campaigns.templates.length > 0 || campaigns.drafts.length > 0) {
      const named = [...campaigns.templates.map((t) => `campaign template ${t}`), ...campaigns.drafts.map((c) => `draft campaign ${c}`)].join(', ')
      throw new WardenError('CONFLICT', `${which} is in the scope of ${named}: take it out of that scope first`)
    }
    const owners = (await directAppOwners(trx, id)).map((o) => o.id)
    await deleteAppRow(trx, id)
    return { result: undefined, audit: [{ action: 'app.delete', target_type: 'app', target_id: id, before: appRecord(app, owners) }] }
  })
}

/** What an app's entitlements are searched by. */
export type AppEntitlementSearch = AppEntitlementFilter

/**
 * An app's entitlements with their settings: every entitlement of the integrations attached to it,
 * and a discovered app's access (`app:<id>:access` in the integration that found it), by
 * integration and id, a page at a time.
 */
export async function listAppEntitlements(
  store: Store,
  actor: Actor,
  appId: string,
  filter: AppEntitlementSearch = {},
  page: PageRequest = {},
): Promise<Page<InventoryEntitlement>> {
  authorize(actor, 'apps:read')
  const app = await getAppRow(store.db, appId)
  if (app === undefined) throw new WardenError('NOT_FOUND', `no app ${appId}`)
  const scopes: AppEntitlementScope[] = (await appIntegrationIds(store.db, appId)).map((id) => ({ integration_id: id, entitlement_id: null }))
  const access = accessOf(app)
  if (access !== null) scopes.push(access)
  return listAppEntitlementRows(store.db, scopes, filter, page)
}

export interface ManageAppInput {
  /** `role:<id>:member` entitlements, each of which must carry the app's access in OneLogin. */
  entitlement_ids: readonly string[]
}

/**
 * Manages a SCIM app Warden discovered: binds its access (`app:<id>:access` in the integration
 * that found it) to OneLogin roles that carry it, so that a later request for the app is
 * provisioned by adding the person to one of those roles. Changes nothing in OneLogin. Calling it
 * again replaces the bindings.
 */
export async function manageApp(store: Store, actor: Actor, appId: string, input: ManageAppInput, clock: Clock = {}): Promise<AppDetail> {
  authorize(actor, 'apps:write')
  const wanted = [...new Set(input.entitlement_ids)]
  if (wanted.length === 0) throw new WardenError('BAD_INPUT', 'entitlement_ids must name at least one role membership (role:<id>:member) that carries the app')
  const notRoles = wanted.filter((id) => !isRoleMembership(id))
  if (notRoles.length > 0) {
    throw new WardenError('BAD_INPUT', `only OneLogin role memberships (role:<id>:member) can be bound to an app; not ${notRoles.map((id) => JSON.stringify(id)).join(', ')}`)
  }
  return audited(store, actor, async (trx) => {
    // Locked first, so two concurrent "manage" calls replace the bindings one after the other.
    if (!(await lockRow(trx, 'apps', appId))) throw new WardenError('NOT_FOUND', `no app ${appId}`)
    const app = await getAppRow(trx, appId)
    if (app === undefined) throw new WardenError('NOT_FOUND', `no app ${appId}`)
    const access = accessOf(app)
    if (access === null) {
      throw new WardenError('BAD_INPUT', `app ${appId} was made in Warden, not discovered in OneLogin: only a SCIM app a sync found can be managed through OneLogin roles`)
    }
    const carriers = await entitlementsImplying(trx, access.integration_id, access.entitlement_id)
    const roles = carriers.filter(isRoleMembership)
    const refused = wanted.filter((id) => !roles.includes(id))
    if (refused.length > 0) {
      const which = roles.length === 0 ? 'no OneLogin role carries it at the last sync' : `roles that do: ${roles.join(', ')}`
      throw new WardenError('BAD_INPUT', `${refused.join(', ')} ${refused.length === 1 ? 'does' : 'do'} not carry ${access.entitlement_id} ("${app.name}") in OneLogin; ${which}`)
    }
    const beforeBindings = (await listAppBindings(trx, appId)).map((b) => b.entitlement_id)
    const now = clock.now ?? new Date()
    await replaceAppBindings(trx, appId, access.integration_id, wanted.sort(), isoTime(now))
    const after = app.state === 'managed' ? app : await updateAppRow(trx, appId, { state: 'managed' }, { now })
    return {
      result: await appDetail(trx, appId),
      audit: [
        {
          action: 'app.manage',
          target_type: 'app',
          target_id: appId,
          before: { state: app.state, bindings: beforeBindings },
          after: { state: after.state, integration_id: access.integration_id, bindings: wanted },
        },
      ],
    }
  })
}

function isRoleMembership(id: string): boolean {
  try {
    const parsed = parseEntitlementId(id)
    return parsed.type === 'role' && parsed.slug === 'member'
  } catch {
    return false
  }
}

// ------------------------------------------------------------------ resources and entitlements

async function requireIntegration(db: Kysely<Database>, integrationId: string): Promise<void> {
  if (!(await integrationExists(db, integrationId))) throw new WardenError('NOT_FOUND', `no integration ${integrationId}`)
}

export async function listResources(
  store: Store,
  actor: Actor,
  integrationId: string,
  filter: ResourceListFilter = {},
  page: PageRequest = {},
): Promise<Page<InventoryResource>> {
  authorize(actor, 'apps:read')
  await requireIntegration(store.db, integrationId)
  return listInventoryResources(store.db, integrationId, filter, page)
}

export async function getResource(store: Store, actor: Actor, integrationId: string, resourceId: string): Promise<InventoryResource> {
  authorize(actor, 'apps:read')
  await requireIntegration(store.db, integrationId)
  const resource = await getInventoryResource(store.db, integrationId, resourceId)
  if (resource === undefined) throw new WardenError('NOT_FOUND', `integration ${integrationId} has no resource ${resourceId}`)
  return resource
}

/** An entitlement with its settings and owners. */
export interface EntitlementDetail extends InventoryEntitlement {
  owners: EntitlementOwner[]
}

export async function listEntitlements(
  store: Store,
  actor: Actor,
  integrationId: string,
  filter: EntitlementListFilter = {},
  page: PageRequest = {},
): Promise<Page<InventoryEntitlement>> {
  authorize(actor, 'apps:read')
  await requireIntegration(store.db, integrationId)
  return listInventoryEntitlements(store.db, integrationId, filter, page)
}

export async function getEntitlement(store: Store, actor: Actor, integrationId: string, entitlementId: string): Promise<EntitlementDetail> {
  authorize(actor, 'apps:read')
  return entitlementDetail(store.db, integrationId, entitlementId)
}

async function entitlementDetail(db: Kysely<Database>, integrationId: string, entitlementId: string): Promise<EntitlementDetail> {
  await requireIntegration(db, integrationId)
  const entitlement = await getInventoryEntitlement(db, integrationId, entitlementId)
  if (entitlement === undefined) throw new WardenError('NOT_FOUND', `integration ${integrationId} has no entitlement ${entitlementId}`)
  return { ...entitlement, owners: await listEntitlementOwners(db, integrationId, entitlementId) }
}

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const satisfies readonly RiskLevel[]
export const DESCRIPTION_MAX = 2000
/** One year: the longest grant an entitlement may allow. */
export const MAX_DURATION_MINUTES_MAX = 366 * 24 * 60
export const ENTITLEMENT_OWNERS_MAX = 50

export interface EntitlementSettingsPatch {
  description?: string | null
  requestable?: boolean
  /** The longest a grant may last; null: no limit. */
  max_duration_minutes?: number | null
  risk_level?: RiskLevel | null
  /** Replaces the owners: Warden user ids. */
  owner_user_ids?: readonly string[]
}

/**
 * Changes an entitlement's governance settings (what later issues use for requests and reviews).
 * The entitlement must be in the integration's inventory; owners must be Warden users. Settings
 * live apart from the synced rows, so later syncs keep them.
 */
export async function updateEntitlementSettings(
  store: Store,
  actor: Actor,
  integrationId: string,
  entitlementId: string,
  patch: EntitlementSettingsPatch,
  clock: Clock = {},
): Promise<EntitlementDetail> {
  authorize(actor, 'apps:write')
  checkSettings(patch)
  return audited(store, actor, async (trx) => {
    const before = await entitlementDetail(trx, integrationId, entitlementId)
    if (patch.owner_user_ids !== undefined) {
      const unknown = await unknownUserIds(trx, [...new Set(patch.owner_user_ids)])
      if (unknown.length > 0) throw new WardenError('BAD_INPUT', `owners must be Warden users; no user ${unknown.join(', ')}`)
    }
    const values = {
      description: patch.description === undefined ? before.description : patch.description,
      requestable: patch.requestable ?? before.requestable,
      max_duration_minutes: patch.max_duration_minutes === undefined ? before.max_duration_minutes : patch.max_duration_minutes,
      risk_level: patch.risk_level === undefined ? before.risk_level : patch.risk_level,
    }
    await saveEntitlementSettings(trx, integrationId, entitlementId, values, isoTime(clock.now ?? new Date()))
    if (patch.owner_user_ids !== undefined) await replaceEntitlementOwners(trx, integrationId, entitlementId, patch.owner_user_ids)
    const after = await entitlementDetail(trx, integrationId, entitlementId)
    return {
      result: after,
      audit: [
        {
          action: 'entitlement.update',
          target_type: 'entitlement',
          target_id: `${integrationId}/${entitlementId}`,
          before: settingsOf(before),
          after: settingsOf(after),
        },
      ],
    }
  })
}

function settingsOf(e: EntitlementDetail): Record<string, unknown> {
  return {
    description: e.description,
    requestable: e.requestable,
    max_duration_minutes: e.max_duration_minutes,
    risk_level: e.risk_level,
    owner_user_ids: e.owners.map((o) => o.id),
  }
}

function checkSettings(patch: EntitlementSettingsPatch): void {
  if (patch.description !== undefined && patch.description !== null && patch.description.length > DESCRIPTION_MAX) {
    throw new WardenError('BAD_INPUT', `description must be at most ${DESCRIPTION_MAX} characters`)
  }
  const m = patch.max_duration_minutes
  if (m !== undefined && m !== null && (!Number.isInteger(m) || m < 1 || m > MAX_DURATION_MINUTES_MAX)) {
    throw new WardenError('BAD_INPUT', `max_duration_minutes must be a whole number from 1 to ${MAX_DURATION_MINUTES_MAX} (a year), or null for no limit`)
  }
  if (patch.risk_level !== undefined && patch.risk_level !== null && !(RISK_LEVELS as readonly string[]).includes(patch.risk_level)) {
    throw new WardenError('BAD_INPUT', `risk_level must be one of ${RISK_LEVELS.join(', ')}, or null`)
  }
  if (patch.owner_user_ids !== undefined && new Set(patch.owner_user_ids).size > ENTITLEMENT_OWNERS_MAX) {
    throw new WardenError('BAD_INPUT', `an entitlement has at most ${ENTITLEMENT_OWNERS_MAX} owners`)
  }
}

// ------------------------------------------------------------------ grants

/** What people search grants by; every filter given must hold. */
export interface GrantSearch {
  integration_id?: string
  /** A OneLogin user (`user:<id>`), an email address, or a Warden identity (`idn_...`). */
  user?: string
  /** A OneLogin app (`app:<id>`): its access grants. */
  app?: string
  /** A Warden app: a discovered app's access grants; for an app an integration is attached to, all of that integration's grants. */
  app_id?: string
  entitlement_id?: string
  /** A OneLogin role (`role:<id>`): grants of its member and admin entitlements, grants the role holds, and grants held through it. */
  role?: string
  /** The holder's status: active, suspended, ... */
  status?: string
  direct?: boolean
}

export const USER_STATUSES = [...Object.values(USER_STATUS_NAMES), 'unknown'] as const

/** Turns what people type into one query; NOT_FOUND for an unknown Warden app, BAD_INPUT for malformed values. */
async function grantQuery(db: Kysely<Database>, search: GrantSearch): Promise<GrantQuery> {
  // Always by integration: every grant index starts with the integration id, so naming them (a
  // handful) lets a search by holder or entitlement use an index instead of reading every grant.
  const query: GrantQuery = { integration_ids: search.integration_id !== undefined ? [search.integration_id] : await allIntegrationIds(db) }
  if (search.user !== undefined) {
    const user = search.user.trim()
    if (user.startsWith('user:')) {
      parseResourceId(user) // BAD_INPUT for user:abc
      query.principal_id = user
    } else if (/^idn_[0-9a-z]{26}$/.test(user)) query.principals = await principalsOf(db, { identity_id: user })
    else if (/^[^\s@]+@[^\s@]+$/.test(user)) query.principals = await principalsOf(db, { email: user.toLowerCase() })
    else throw new WardenError('BAD_INPUT', `user must be a OneLogin user (user:<id>), an email address or an identity id (idn_...), not ${JSON.stringify(search.user)}`)
  }
  const entitlements = new Set<string>()
  if (search.entitlement_id !== undefined) {
    parseEntitlementId(search.entitlement_id)
    entitlements.add(search.entitlement_id)
  }
  if (search.app !== undefined) {
    const app = parseResourceId(search.app)
    if (app.type !== 'app') throw new WardenError('BAD_INPUT', `app must be a OneLogin app (app:<id>), not ${JSON.stringify(search.app)}`)
    entitlements.add(`${search.app}:access`)
  }
  if (entitlements.size > 1) query.integration_ids = [] // two different entitlements: nothing holds both
  const [entitlement] = entitlements
  if (entitlement !== undefined) query.entitlement_id = entitlement
  if (search.role !== undefined) {
    const role = parseResourceId(search.role)
    if (role.type !== 'role') throw new WardenError('BAD_INPUT', `role must be a OneLogin role (role:<id>), not ${JSON.stringify(search.role)}`)
    query.role = await roleReach(db, query.integration_ids ?? [], search.role)
  }
  if (search.app_id !== undefined) {
    const app = await getAppRow(db, search.app_id)
    if (app === undefined) throw new WardenError('NOT_FOUND', `no app ${search.app_id}`)
    const scopes: { integration_id: string; entitlement_id: string | null }[] = (await appIntegrationIds(db, app.id)).map((id) => ({
      integration_id: id,
      entitlement_id: null,
    }))
    const access = accessOf(app)
    if (access !== null) scopes.push(access)
    query.scopes = scopes
  }
  if (search.status !== undefined) {
    if (!(USER_STATUSES as readonly string[]).includes(search.status)) throw new WardenError('BAD_INPUT', `status must be one of ${USER_STATUSES.join(', ')}`)
    query.principal_status = search.status
  }
  if (search.direct !== undefined) query.direct = search.direct
  return query
}

/** Grants matching the search, by integration, entitlement and holder, a page at a time; each with why it is held (`direct`, `sources`). */
export async function searchGrants(store: Store, actor: Actor, search: GrantSearch = {}, page: PageRequest = {}): Promise<Page<GrantRecord>> {
  authorize(actor, 'apps:read')
  return queryGrants(store.db, await grantQuery(store.db, search), page)
}

export const GRANTS_BY_APP_LIMIT_MAX = 100

/**
 * The apps with the most access grants (holders of `app:<id>:access`), most first: of one
 * integration, or of all. Each says how many of its grants OneLogin records directly and which
 * Warden app (a discovered SCIM app) it is, if any.
 */
export async function grantsByApp(store: Store, actor: Actor, filter: { integration_id?: string; limit?: number } = {}): Promise<AppGrantCount[]> {
  authorize(actor, 'apps:read')
  const limit = filter.limit ?? 10
  if (!Number.isInteger(limit) || limit < 1 || limit > GRANTS_BY_APP_LIMIT_MAX) {
    throw new WardenError('BAD_INPUT', `limit: must be a whole number from 1 to ${GRANTS_BY_APP_LIMIT_MAX}`)
  }
  let integrationIds: string[]
  if (filter.integration_id !== undefined) {
    await requireIntegration(store.db, filter.integration_id)
    integrationIds = [filter.integration_id]
  } else integrationIds = await allIntegrationIds(store.db)
  return countGrantsByApp(store.db, integrationIds, limit)
}

export type GrantExportFormat = 'csv'

export const GRANT_EXPORT_TYPES: Readonly<Record<GrantExportFormat, string>> = Object.freeze({ csv: 'text/csv; charset=utf-8' })

/**
 * The grants matching the search as CSV text chunks, to stream. Permission and filters are
 * checked before the first chunk, so a refusal is an ordinary error response, not a cut-off file.
 */
export async function exportGrants(store: Store, actor: Actor, format: GrantExportFormat, search: GrantSearch = {}): Promise<AsyncGenerator<string>> {
  authorize(actor, 'apps:read')
  if (format !== 'csv') throw new WardenError('BAD_INPUT', `unknown export format ${JSON.stringify(format)}: use csv`)
  return exportGrantsCsv(store.db, await grantQuery(store.db, search))
}
