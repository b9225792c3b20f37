import { WardenError } from '../../../errors/index.js'
import type { WardenApi } from '../../../client/index.js'
import { all, badImportId, getOrNull, seg } from '../api.js'
import type { ResourceType } from '../resource.js'
import { complete, num, str, strSet } from '../spec.js'
import type { BlockSpec, State } from '../spec.js'
import { asInteger, asString, asStrings, sameValue, sortedSet } from '../values.js'
import { requireApp } from './app.js'
import type { ApiApp } from './app.js'

/**
 * `warden_app_entitlement`: the governance settings of one entitlement of an app. The
 * entitlement itself comes from a sync, so create adopts it and destroy puts its settings back
 * to the defaults (not requestable, no owners, no limit, the app's policies).
 */

interface ApiEntitlement {
  integration_id: string
  id: string
  display_name: string
  description: string | null
  requestable: boolean
  max_duration_minutes: number | null
  risk_level: string | null
  owners: Array<{ id: string }>
}

interface ApiRequestSettings {
  overrides: { grant_policy_id: string | null; revoke_policy_id: string | null; emergency_policy_id: string | null }
}

const POLICIES = ['grant_policy_id', 'revoke_policy_id', 'emergency_policy_id'] as const
const SETTINGS = ['description', 'requestable', 'max_duration_minutes', 'risk_level', 'owner_user_ids'] as const

const spec: BlockSpec = {
  description: "The governance settings of one of an app's entitlements",
  attrs: {
    id: str('computed', '<app_id>/<entitlement_id>'),
    app_id: str('required', 'The app; changing it replaces the resource', { forceNew: true }),
    entitlement_id: str('required', 'e.g. app:1204101:access or role:42:member; changing it replaces the resource', { forceNew: true }),
    integration_id: str('computed', 'The integration whose inventory holds it'),
    name: str('computed', 'Its name at the last sync'),
    description: str('optional', 'What it gives'),
    requestable: { type: 'bool', mode: 'optional-computed', description: 'Shown in the request catalog', default: false },
    max_duration_minutes: num('optional', 'The longest a grant may last; unset: no limit'),
    risk_level: str('optional', 'low, medium, high or critical'),
    owner_user_ids: strSet('optional-computed', 'Its owners (Warden user ids)', { default: [] }),
    grant_policy_id: str('optional', "The approval policy for requests to get it; unset: the app's"),
    revoke_policy_id: str('optional', "The approval policy for requests to remove it; unset: the app's"),
    emergency_policy_id: str('optional', "The approval policy for emergency requests; unset: the app's"),
    provisioning_entitlement_ids: strSet(
      'optional-computed',
      "A discovered SCIM app's access only: the OneLogin role memberships (role:<id>:member) that provision it",
    ),
  },
}

const isAccess = (entitlementId: string): boolean => /^app:[^:]+:access$/.test(entitlementId)

function entitlementPath(integrationId: string, entitlementId: string): string {
  return `/integrations/${seg(integrationId)}/entitlements/${seg(entitlementId)}`
}

/** Which integration holds the app's entitlement: the discovered app's own, else one attached to the app. */
async function locate(api: WardenApi, app: ApiApp, entitlementId: string): Promise<ApiEntitlement | null> {
  const candidates = [...(app.access?.entitlement_id === entitlementId ? [app.access.integration_id] : []), ...app.integrations.map((i) => i.id)]
  for (const integrationId of new Set(candidates)) {
    const found = await getOrNull<ApiEntitlement>(api, entitlementPath(integrationId, entitlementId))
    if (found !== null) return found
  }
  return null
}

async function readState(api: WardenApi, appId: string, entitlementId: string, integrationId: string | null): Promise<State | null> {
  let app: ApiApp | null = null
  let e: ApiEntitlement | null
  if (integrationId !== null) {
    e = await getOrNull<ApiEntitlement>(api, entitlementPath(integrationId, entitlementId))
  } else {
    app = await getOrNull<ApiApp>(api, `/apps/${seg(appId)}`)
    if (app === null) return null
    e = await locate(api, app, entitlementId)
  }
  if (e === null) return null
  const settings = await api.get<ApiRequestSettings>(`${entitlementPath(e.integration_id, e.id)}/request-settings`)
  let provisioning: string[] = []
  if (isAccess(entitlementId)) {
    app ??= await getOrNull<ApiApp>(api, `/apps/${seg(appId)}`)
    provisioning = (app?.bindings ?? []).filter((b) => b.integration_id === e.integration_id).map((b) => b.entitlement_id)
  }
  return complete(spec, {
    id: `${appId}/${entitlementId}`,
    app_id: appId,
    entitlement_id: entitlementId,
    integration_id: e.integration_id,
    name: e.display_name,
    description: e.description,
    requestable: e.requestable,
    max_duration_minutes: e.max_duration_minutes,
    risk_level: e.risk_level,
    owner_user_ids: sortedSet(e.owners.map((o) => o.id)),
    grant_policy_id: settings.overrides.grant_policy_id,
    revoke_policy_id: settings.overrides.revoke_policy_id,
    emergency_policy_id: settings.overrides.emergency_policy_id,
    provisioning_entitlement_ids: sortedSet(provisioning),
  })
}

async function save(api: WardenApi, prior: State | null, planned: State): Promise<State> {
  const appId = String(planned['app_id'])
  const entitlementId = String(planned['entitlement_id'])
  let integrationId = prior === null ? null : asString(prior['integration_id'])
  if (integrationId === null) {
    const app = await requireApp(api, appId)
    const e = await locate(api, app, entitlementId)
    if (e === null) {
      throw new WardenError('NOT_FOUND', `entitlement_id: app ${appId} has no entitlement ${entitlementId} (at the last sync of its integrations)`, {
        fields: { entitlement_id: `app ${appId} has no entitlement ${entitlementId}` },
      })
    }
    integrationId = e.integration_id
  }
  const path = entitlementPath(integrationId, entitlementId)
  if (prior === null || SETTINGS.some((k) => !sameValue(prior[k] ?? null, planned[k] ?? null, k === 'owner_user_ids'))) {
    await api.call('PATCH', path, {
      description: asString(planned['description']),
      requestable: planned['requestable'] === true,
      max_duration_minutes: asInteger(planned['max_duration_minutes']),
      risk_level: asString(planned['risk_level']),
      owner_user_ids: asStrings(planned['owner_user_ids']) ?? [],
    })
  }
  if (prior === null || POLICIES.some((k) => !sameValue(prior[k] ?? null, planned[k] ?? null))) {
    await api.call('PATCH', `${path}/request-settings`, Object.fromEntries(POLICIES.map((k) => [k, asString(planned[k])])))
  }
  const provisioning = asStrings(planned['provisioning_entitlement_ids'])
  if (provisioning !== null && (prior === null || !sameValue(prior['provisioning_entitlement_ids'] ?? null, planned['provisioning_entitlement_ids'] ?? null, true))) {
    if (!isAccess(entitlementId)) {
      throw new WardenError('BAD_INPUT', 'provisioning_entitlement_ids: only an app access entitlement (app:<id>:access) is provisioned through roles', {
        fields: { provisioning_entitlement_ids: 'only for app:<id>:access' },
      })
    }
    if (provisioning.length > 0) await api.post(`/apps/${seg(appId)}/manage`, { entitlement_ids: provisioning })
  }
  const state = await readState(api, appId, entitlementId, integrationId)
  if (state === null) throw new WardenError('NOT_FOUND', `entitlement ${entitlementId} of app ${appId} disappeared while it was being saved`)
  return state
}

export const appEntitlementResource: ResourceType = {
  spec,
  importHelp: '<app_id>/<entitlement_id>, e.g. app_.../role:42:member',
  validate(config) {
    const id = config['entitlement_id']
    const provisioning = config['provisioning_entitlement_ids']
    if (typeof id === 'string' && !isAccess(id) && Array.isArray(provisioning)) {
      return [{ severity: 'error', summary: 'provisioning_entitlement_ids is only for an app access entitlement (app:<id>:access)', attribute: ['provisioning_entitlement_ids'] }]
    }
    return []
  },
  async read(api, state) {
    return readState(api, String(state['app_id']), String(state['entitlement_id']), asString(state['integration_id']))
  },
  create: (api, planned) => save(api, null, planned),
  update: (api, prior, planned) => save(api, prior, planned),
  async delete(api, prior) {
    const integrationId = asString(prior['integration_id'])
    if (integrationId === null) return
    const path = entitlementPath(integrationId, String(prior['entitlement_id']))
    try {
      await api.call('PATCH', path, { description: null, requestable: false, max_duration_minutes: null, risk_level: null, owner_user_ids: [] })
      await api.call('PATCH', `${path}/request-settings`, { grant_policy_id: null, revoke_policy_id: null, emergency_policy_id: null })
    } catch (e) {
      // The entitlement (or its integration) went away: there are no settings left to reset.
      if (!(e instanceof WardenError && e.code === 'NOT_FOUND')) throw e
    }
  },
  importState(id) {
    const slash = id.indexOf('/')
    const appId = id.slice(0, slash)
    const entitlementId = id.slice(slash + 1)
    if (slash < 0 || !/^app_[A-Za-z0-9]+$/.test(appId) || entitlementId === '') throw badImportId(id, this.importHelp)
    return complete(spec, { id, app_id: appId, entitlement_id: entitlementId })
  },
  async list(api) {
    // Entitlements with settings of their own (configured=true). An app's access entitlement is
    // listed under the discovered app it stands for, not under the OneLogin app whose integration
    // holds it.
    const apps = await all<{ id: string; name: string; source_resource_id: string | null }>(api, '/apps')
    const chosen = new Map<string, { app: { id: string; name: string }; item: ApiEntitlement }>()
    for (const app of apps) {
      for (const item of await all<ApiEntitlement>(api, `/apps/${seg(app.id)}/entitlements`, { configured: true })) {
        const key = `${item.integration_id}/${item.id}`
        if (!chosen.has(key) || `${app.source_resource_id ?? ''}:access` === item.id) chosen.set(key, { app, item })
      }
    }
    const out = []
    for (const { app, item } of chosen.values()) {
      const state = await readState(api, app.id, item.id, item.integration_id)
      if (state !== null) out.push({ label: `${app.name} ${item.display_name}`, importId: String(state['id']), state })
    }
    return out
  },
}
