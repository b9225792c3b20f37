import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import { parseEntitlementId } from '../model/index.js'
import {
  appRequestSettingsOf,
  entitlementRequestSettingsOf,
  getApp as getAppRow,
  getInventoryEntitlement,
  getPolicies,
  integrationExists,
  isoTime,
  saveAppRequestSettings,
  saveEntitlementRequestSettings,
} from '../store/index.js'
import type {
  AppRequestSettings,
  Audience,
  Database,
  EntitlementRef,
  EntitlementRequestSettings,
  InventoryEntitlement,
  PolicyKind,
  RiskLevel,
  Store,
} from '../store/index.js'
import { audited } from './audited.js'
import { BUILTIN_POLICY_IDS } from './policies.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * Who may request an entitlement, for how long, and which policies decide. Three layers:
 *
 * - the entitlement's own settings (entitlement_settings, issue 6): requestable, its maximum
 *   duration, description and risk level;
 * - its app's request defaults (app_request_settings): a maximum duration for entitlements that
 *   set none, the grant, revoke and emergency policies, and the audience (everyone, holders of
 *   given entitlements, nobody);
 * - per-entitlement overrides of those (entitlement_request_settings): policies and audience.
 *
 * Without any of it an entitlement follows the built-in policies and is visible to everyone once
 * it is requestable.
 *
 * The app an entitlement belongs to: for a OneLogin app's access (`app:<id>:access`), the Warden
 * app discovered from it; for a role membership bound to a managed SCIM app, that app; otherwise
 * the app the integration is attached to.
 */

type Clock = { now?: Date }

export interface EntitlementApp {
  id: string
  name: string
  /** The app's own access entitlement (a discovered app's): its owners are the app's owners. */
  access: { integration_id: string; entitlement_id: string } | null
}

/** The app each of an integration's entitlements belongs to (see above). */
export async function appsOfEntitlements(db: Kysely<Database>, integrationId: string, entitlementIds: readonly string[]): Promise<Map<string, EntitlementApp>> {
  const out = new Map<string, EntitlementApp>()
  const ids = [...new Set(entitlementIds)]
  if (ids.length === 0) return out
  const integration = await db
    .selectFrom('integrations as i')
    .innerJoin('apps as a', 'a.id', 'i.app_id')
    .select(['a.id', 'a.name'])
    .where('i.id', '=', integrationId)
    .executeTakeFirst()
  const accessResources = ids.filter((id) => id.startsWith('app:') && id.endsWith(':access')).map((id) => id.slice(0, -':access'.length))
  const discovered =
    accessResources.length === 0
      ? []
      : await db
          .selectFrom('apps')
          .select(['id', 'name', 'source_resource_id'])
          .where('source_integration_id', '=', integrationId)
          .where('source_resource_id', 'in', accessResources)
          .execute()
  const bound = await db
    .selectFrom('app_bindings as b')
    .innerJoin('apps as a', 'a.id', 'b.app_id')
    .select(['b.entitlement_id', 'a.id', 'a.name', 'a.source_integration_id', 'a.source_resource_id'])
    .where('b.integration_id', '=', integrationId)
    .where('b.entitlement_id', 'in', ids)
    .orderBy('a.id')
    .execute()
  for (const d of discovered) {
    out.set(`${d.source_resource_id}:access`, { id: d.id, name: d.name, access: { integration_id: integrationId, entitlement_id: `${d.source_resource_id}:access` } })
  }
  for (const b of bound) {
    if (out.has(b.entitlement_id)) continue
    const access = b.source_integration_id !== null && b.source_resource_id !== null ? { integration_id: b.source_integration_id, entitlement_id: `${b.source_resource_id}:access` } : null
    out.set(b.entitlement_id, { id: b.id, name: b.name, access })
  }
  for (const id of ids) {
    if (out.has(id)) continue
    // A OneLogin app's access without a Warden app of its own: still that app's access, so its
    // owners are the app's owners.
    const access = id.startsWith('app:') && id.endsWith(':access') ? { integration_id: integrationId, entitlement_id: id } : null
    if (integration !== undefined) out.set(id, { id: integration.id, name: integration.name, access })
  }
  return out
}

/** What governs requests for one entitlement, every layer applied. */
export interface EffectiveRequestSettings {
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  description: string | null
  risk_level: RiskLevel | null
  grantable_to: string[]
  app: EntitlementApp | null
  requestable: boolean
  max_duration_minutes: number | null
  grant_policy_id: string
  revoke_policy_id: string
  emergency_policy_id: string
  audience: Audience
  audience_entitlements: EntitlementRef[]
}

export function effectiveOf(
  entitlement: InventoryEntitlement,
  app: EntitlementApp | null,
  appSettings: AppRequestSettings | undefined,
  own: EntitlementRequestSettings | undefined,
): EffectiveRequestSettings {
  const audienceFromOwn = own?.audience !== null && own?.audience !== undefined
  return {
    integration_id: entitlement.integration_id,
    entitlement_id: entitlement.id,
    entitlement_name: entitlement.display_name,
    description: entitlement.description,
    risk_level: entitlement.risk_level,
    grantable_to: entitlement.grantable_to,
    app,
    requestable: entitlement.requestable,
    max_duration_minutes: entitlement.max_duration_minutes ?? appSettings?.max_duration_minutes ?? null,
    grant_policy_id: own?.grant_policy_id ?? appSettings?.grant_policy_id ?? BUILTIN_POLICY_IDS.grant,
    revoke_policy_id: own?.revoke_policy_id ?? appSettings?.revoke_policy_id ?? BUILTIN_POLICY_IDS.revoke,
    emergency_policy_id: own?.emergency_policy_id ?? appSettings?.emergency_policy_id ?? BUILTIN_POLICY_IDS.emergency,
    audience: audienceFromOwn ? (own.audience as Audience) : (appSettings?.audience ?? 'everyone'),
    audience_entitlements: audienceFromOwn ? own.audience_entitlements : (appSettings?.audience_entitlements ?? []),
  }
}

/** Several entitlements' effective settings (all of one integration), in three queries beyond the entitlements. */
export async function effectiveSettingsOf(db: Kysely<Database>, entitlements: readonly InventoryEntitlement[]): Promise<Map<string, EffectiveRequestSettings>> {
  const out = new Map<string, EffectiveRequestSettings>()
  const byIntegration = new Map<string, InventoryEntitlement[]>()
  for (const e of entitlements) byIntegration.set(e.integration_id, [...(byIntegration.get(e.integration_id) ?? []), e])
  for (const [integrationId, list] of byIntegration) {
    const ids = list.map((e) => e.id)
    const apps = await appsOfEntitlements(db, integrationId, ids)
    const appSettings = await appRequestSettingsOf(db, [...apps.values()].map((a) => a.id))
    const own = await entitlementRequestSettingsOf(db, integrationId, ids)
    for (const e of list) {
      const app = apps.get(e.id) ?? null
      out.set(`${integrationId} ${e.id}`, effectiveOf(e, app, app === null ? undefined : appSettings.get(app.id), own.get(e.id)))
    }
  }
  return out
}

/** One entitlement's effective settings; NOT_FOUND when the integration's inventory lacks it. */
export async function effectiveSettings(db: Kysely<Database>, integrationId: string, entitlementId: string): Promise<EffectiveRequestSettings> {
  const entitlement = await getInventoryEntitlement(db, integrationId, entitlementId)
  if (entitlement === undefined) throw new WardenError('NOT_FOUND', `integration ${integrationId} has no entitlement ${entitlementId}`)
  const found = (await effectiveSettingsOf(db, [entitlement])).get(`${integrationId} ${entitlementId}`)
  if (found === undefined) throw new WardenError('INTERNAL', `no settings for ${entitlementId}`)
  return found
}

/** The policy of a kind an entitlement's requests follow. */
export function policyIdFor(settings: EffectiveRequestSettings, kind: PolicyKind): string {
  return kind === 'grant' ? settings.grant_policy_id : kind === 'revoke' ? settings.revoke_policy_id : settings.emergency_policy_id
}

/**
 * Whether someone whose OneLogin users are `principals` (integration id → user:<id> list) may
 * see an entitlement, given the grants they hold (`held`: "<integration> <entitlement>" keys).
 */
export function audienceAdmits(settings: EffectiveRequestSettings, held: ReadonlySet<string>): boolean {
  if (settings.audience === 'everyone') return true
  if (settings.audience === 'nobody') return false
  return settings.audience_entitlements.some((r) => held.has(`${r.integration_id ?? settings.integration_id} ${r.entitlement_id}`))
}

/** The audience entitlements these settings name, as "<integration> <entitlement>" keys. */
export function audienceKeys(settings: readonly EffectiveRequestSettings[]): { integration_id: string; entitlement_id: string }[] {
  const out = new Map<string, { integration_id: string; entitlement_id: string }>()
  for (const s of settings) {
    if (s.audience !== 'holders') continue
    for (const r of s.audience_entitlements) {
      const integration_id = r.integration_id ?? s.integration_id
      out.set(`${integration_id} ${r.entitlement_id}`, { integration_id, entitlement_id: r.entitlement_id })
    }
  }
  return [...out.values()]
}

// ------------------------------------------------------------------ settings as people change them

export const AUDIENCES = ['everyone', 'holders', 'nobody'] as const satisfies readonly Audience[]
export const AUDIENCE_ENTITLEMENTS_MAX = 50

export interface AppRequestSettingsPatch {
  max_duration_minutes?: number | null
  grant_policy_id?: string | null
  revoke_policy_id?: string | null
  emergency_policy_id?: string | null
  audience?: Audience
  audience_entitlements?: readonly EntitlementRef[]
}

export type EntitlementRequestSettingsPatch = Omit<AppRequestSettingsPatch, 'max_duration_minutes' | 'audience'> & { audience?: Audience | null }

/** An app's request defaults (stored or default). */
export async function getAppRequestSettings(store: Store, actor: Actor, appId: string): Promise<AppRequestSettings> {
  authorize(actor, 'access-requests:read')
  if ((await getAppRow(store.db, appId)) === undefined) throw new WardenError('NOT_FOUND', `no app ${appId}`)
  return (await appRequestSettingsOf(store.db, [appId])).get(appId) as AppRequestSettings
}

export async function updateAppRequestSettings(store: Store, actor: Actor, appId: string, patch: AppRequestSettingsPatch, clock: Clock = {}): Promise<AppRequestSettings> {
  authorize(actor, 'access-requests:write')
  return audited(store, actor, async (trx) => {
    if ((await getAppRow(trx, appId)) === undefined) throw new WardenError('NOT_FOUND', `no app ${appId}`)
    const before = (await appRequestSettingsOf(trx, [appId])).get(appId) as AppRequestSettings
    await checkPolicies(trx, patch)
    checkAudience(patch.audience, patch.audience_entitlements)
    const after: AppRequestSettings = {
      ...before,
      ...(patch.max_duration_minutes === undefined ? {} : { max_duration_minutes: patch.max_duration_minutes }),
      ...pick(patch),
      ...(patch.audience === undefined ? {} : { audience: patch.audience }),
      ...(patch.audience_entitlements === undefined ? {} : { audience_entitlements: patch.audience_entitlements.map(ref) }),
    }
    if (after.audience === 'holders' && after.audience_entitlements.length === 0) {
      throw new WardenError('BAD_INPUT', 'audience_entitlements: name at least one entitlement whose holders may request (audience "holders")')
    }
    const now = isoTime(clock.now ?? new Date())
    await saveAppRequestSettings(trx, after, now)
    const saved = (await appRequestSettingsOf(trx, [appId])).get(appId) as AppRequestSettings
    return { result: saved, audit: [{ action: 'app.request_settings', target_type: 'app', target_id: appId, before: strip(before), after: strip(saved) }] }
  })
}

/** An entitlement's own request settings and what applies to it in the end. */
export interface EntitlementRequestSettingsView {
  overrides: EntitlementRequestSettings
  effective: EffectiveRequestSettings
}

export async function getEntitlementRequestSettings(store: Store, actor: Actor, integrationId: string, entitlementId: string): Promise<EntitlementRequestSettingsView> {
  authorize(actor, 'access-requests:read')
  return entitlementSettingsView(store.db, integrationId, entitlementId)
}

async function entitlementSettingsView(db: Kysely<Database>, integrationId: string, entitlementId: string): Promise<EntitlementRequestSettingsView> {
  if (!(await integrationExists(db, integrationId))) throw new WardenError('NOT_FOUND', `no integration ${integrationId}`)
  const effective = await effectiveSettings(db, integrationId, entitlementId)
  const overrides = (await entitlementRequestSettingsOf(db, integrationId, [entitlementId])).get(entitlementId) as EntitlementRequestSettings
  return { overrides, effective }
}

export async function updateEntitlementRequestSettings(
  store: Store,
  actor: Actor,
  integrationId: string,
  entitlementId: string,
  patch: EntitlementRequestSettingsPatch,
  clock: Clock = {},
): Promise<EntitlementRequestSettingsView> {
  authorize(actor, 'access-requests:write')
  return audited(store, actor, async (trx) => {
    const before = await entitlementSettingsView(trx, integrationId, entitlementId)
    await checkPolicies(trx, patch)
    checkAudience(patch.audience ?? undefined, patch.audience_entitlements)
    const after: EntitlementRequestSettings = {
      ...before.overrides,
      ...pick(patch),
      ...(patch.audience === undefined ? {} : { audience: patch.audience }),
      ...(patch.audience_entitlements === undefined ? {} : { audience_entitlements: patch.audience_entitlements.map(ref) }),
    }
    if (after.audience === 'holders' && after.audience_entitlements.length === 0) {
      throw new WardenError('BAD_INPUT', 'audience_entitlements: name at least one entitlement whose holders may request (audience "holders")')
    }
    await saveEntitlementRequestSettings(trx, after, isoTime(clock.now ?? new Date()))
    const saved = await entitlementSettingsView(trx, integrationId, entitlementId)
    return {
      result: saved,
      audit: [
        {
          action: 'entitlement.request_settings',
          target_type: 'entitlement',
          target_id: `${integrationId}/${entitlementId}`,
          before: strip(before.overrides),
          after: strip(saved.overrides),
        },
      ],
    }
  })
}

function pick(patch: AppRequestSettingsPatch | EntitlementRequestSettingsPatch): Partial<AppRequestSettings> {
  const out: Partial<AppRequestSettings> = {}
  if (patch.grant_policy_id !== undefined) out.grant_policy_id = patch.grant_policy_id
  if (patch.revoke_policy_id !== undefined) out.revoke_policy_id = patch.revoke_policy_id
  if (patch.emergency_policy_id !== undefined) out.emergency_policy_id = patch.emergency_policy_id
  return out
}

function ref(r: EntitlementRef): EntitlementRef {
  parseEntitlementId(r.entitlement_id)
  return { integration_id: r.integration_id ?? null, entitlement_id: r.entitlement_id }
}

function strip<T extends { updated_at: string | null }>(s: T): Omit<T, 'updated_at'> {
  const { updated_at: _at, ...rest } = s
  return rest
}

/** Each named policy must exist and be of the kind its field says. */
async function checkPolicies(db: Kysely<Database>, patch: AppRequestSettingsPatch | EntitlementRequestSettingsPatch): Promise<void> {
  const fields: [keyof typeof pickKinds, string | null | undefined][] = [
    ['grant_policy_id', patch.grant_policy_id],
    ['revoke_policy_id', patch.revoke_policy_id],
    ['emergency_policy_id', patch.emergency_policy_id],
  ]
  const named = fields.filter((f): f is [keyof typeof pickKinds, string] => typeof f[1] === 'string')
  const found = await getPolicies(
    db,
    named.map(([, id]) => id),
  )
  for (const [field, id] of named) {
    const policy = found.get(id)
    if (policy === undefined) throw new WardenError('BAD_INPUT', `${field}: no policy ${id}`)
    if (policy.kind !== pickKinds[field]) throw new WardenError('BAD_INPUT', `${field}: policy ${id} ("${policy.name}") is a ${policy.kind} policy, not a ${pickKinds[field]} policy`)
  }
}

const pickKinds = { grant_policy_id: 'grant', revoke_policy_id: 'revoke', emergency_policy_id: 'emergency' } as const

function checkAudience(audience: Audience | undefined, entitlements: readonly EntitlementRef[] | undefined): void {
  if (audience !== undefined && !(AUDIENCES as readonly string[]).includes(audience)) throw new WardenError('BAD_INPUT', `audience: must be one of ${AUDIENCES.join(', ')}`)
  if (entitlements !== undefined && entitlements.length > AUDIENCE_ENTITLEMENTS_MAX) {
    throw new WardenError('BAD_INPUT', `audience_entitlements: at most ${AUDIENCE_ENTITLEMENTS_MAX}`)
  }
  for (const r of entitlements ?? []) {
    try {
      parseEntitlementId(r.entitlement_id)
    } catch (e) {
      throw new WardenError('BAD_INPUT', `audience_entitlements: ${(e as Error).message}`)
    }
  }
}
