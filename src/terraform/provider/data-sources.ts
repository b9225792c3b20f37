import { WardenError } from '../../errors/index.js'
import { all, getOrNull, seg } from './api.js'
import type { DataSourceType } from './resource.js'
import { bool, complete, num, str, strSet } from './spec.js'
import type { BlockSpec } from './spec.js'
import { asString, sortedSet } from './values.js'
import type { ApiApp } from './resources/app.js'

/** Data sources: look up an app, one of its entitlements, or a Warden user. */

function notFound(field: string, message: string): WardenError {
  return new WardenError('NOT_FOUND', `${field}: ${message}`, { fields: { [field]: message } })
}

function oneOf<T>(items: readonly T[], field: string, what: string): T {
  if (items.length === 1) return items[0] as T
  if (items.length === 0) throw notFound(field, `no ${what}`)
  throw new WardenError('CONFLICT', `${field}: ${items.length} match ${what}`, { fields: { [field]: `${items.length} match` } })
}

const appSpec: BlockSpec = {
  description: 'An app, by name or id',
  attrs: {
    id: str('optional-computed', 'The app id; give this or name'),
    name: str('optional-computed', "The app's exact name (case-insensitive); give this or id"),
    description: str('computed', 'What it is for'),
    state: str('computed', 'managed or unmanaged (a discovered SCIM app not governed yet)'),
    owner_user_ids: strSet('computed', "The app's owners"),
    integration_ids: strSet('computed', 'The integrations attached to it'),
  },
}

const appData: DataSourceType = {
  spec: appSpec,
  validate(config) {
    const given = ['id', 'name'].filter((k) => config[k] !== null)
    return given.length === 1 ? [] : [{ severity: 'error', summary: 'give exactly one of id and name', attribute: ['name'] }]
  },
  async read(api, config) {
    let id = asString(config['id'])
    if (id === null) {
      const name = String(config['name'])
      id = oneOf(await all<{ id: string }>(api, '/apps', { name }), 'name', `app named "${name}"`).id
    }
    const app = await getOrNull<ApiApp>(api, `/apps/${seg(id)}`)
    if (app === null) throw notFound('id', `no app ${id}`)
    return complete(appSpec, {
      id: app.id,
      name: app.name,
      description: app.description,
      state: app.state,
      owner_user_ids: sortedSet(app.owner_user_ids ?? []),
      integration_ids: sortedSet(app.integrations.map((i) => i.id)),
    })
  },
}

const entitlementSpec: BlockSpec = {
  description: "One of an app's entitlements, by name",
  attrs: {
    app_id: str('required', 'The app'),
    name: str('required', "The entitlement's exact name (case-insensitive), e.g. the OneLogin role's name"),
    type: str('optional', 'Only entitlements of this resource type: role, group, app or privilege (when a role and a group share a name)'),
    id: str('computed', 'The entitlement id, e.g. role:42:member'),
    integration_id: str('computed', 'The integration whose inventory holds it'),
    description: str('computed', 'What it gives'),
    requestable: bool('computed', 'Shown in the request catalog'),
    max_duration_minutes: num('computed', 'The longest a grant may last; null: no limit'),
    risk_level: str('computed', 'low, medium, high or critical'),
  },
}

interface ApiEntitlementItem {
  integration_id: string
  id: string
  description: string | null
  requestable: boolean
  max_duration_minutes: number | null
  risk_level: string | null
}

const entitlementData: DataSourceType = {
  spec: entitlementSpec,
  async read(api, config) {
    const appId = String(config['app_id'])
    const name = String(config['name'])
    const type = asString(config['type'])
    const items = (await all<ApiEntitlementItem>(api, `/apps/${seg(appId)}/entitlements`, { name })).filter((e) => type === null || e.id.startsWith(`${type}:`))
    const e = oneOf(items, 'name', `entitlement named "${name}"${type === null ? '' : ` of type ${type}`} in app ${appId}${type === null ? ' (give type to choose)' : ''}`)
    return complete(entitlementSpec, {
      app_id: appId,
      name,
      type,
      id: e.id,
      integration_id: e.integration_id,
      description: e.description,
      requestable: e.requestable,
      max_duration_minutes: e.max_duration_minutes,
      risk_level: e.risk_level,
    })
  },
}

const userSpec: BlockSpec = {
  description: 'A Warden user, by email',
  attrs: {
    email: str('required', 'Their email address (case-insensitive)'),
    id: str('computed', 'The user id (usr_...)'),
    display_name: str('computed', 'Their name'),
    roles: strSet('computed', 'Their Warden roles'),
    disabled: bool('computed', 'Whether they may not sign in'),
  },
}

const userData: DataSourceType = {
  spec: userSpec,
  async read(api, config) {
    const email = String(config['email'])
    const items = await all<{ id: string; email: string; display_name: string; roles: string[]; disabled: boolean }>(api, '/users', { email })
    const u = oneOf(items, 'email', `Warden user with email ${email}`)
    return complete(userSpec, { email, id: u.id, display_name: u.display_name, roles: sortedSet(u.roles), disabled: u.disabled })
  },
}

export const DATA_SOURCES: Readonly<Record<string, DataSourceType>> = {
  warden_app: appData,
  warden_entitlement: entitlementData,
  warden_user: userData,
}
