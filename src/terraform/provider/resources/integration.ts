import { all, badImportId, deleteIfPresent, getOrNull, seg } from '../api.js'
import type { ResourceType } from '../resource.js'
import { complete, num, str, strSet, timestamps } from '../spec.js'
import type { BlockSpec, State } from '../spec.js'
import type { Value } from '../../plugin/index.js'
import { asString, asStrings, sameValue, sortedSet } from '../values.js'

/**
 * `warden_integration_onelogin`: ConductorOne's `conductorone_integration_onelogin` attribute
 * for attribute (reference/platform.md §1.4), plus import, which theirs lacks. The client secret
 * is write-only in Warden: the API never returns it, so the state keeps what configuration gave
 * and a plan shows a change only when configuration changes it. Terraform keeps that state in
 * plain text, so there is also `..._secret_wo` (Terraform 1.11 write-only: never in plan or
 * state), sent when the integration is created and whenever `..._secret_wo_version` changes.
 */

interface ApiIntegration {
  id: string
  app_id: string
  status: string
  onelogin_domain: string | null
  oauth_client_cred_grant_client_id: string | null
  user_ids: string[]
  created_at: string
  updated_at: string
}

const SECRET = 'oauth_client_cred_grant_client_secret'
const SECRET_WO = 'oauth_client_cred_grant_client_secret_wo'
const SECRET_WO_VERSION = 'oauth_client_cred_grant_client_secret_wo_version'

const spec: BlockSpec = {
  description: 'A OneLogin integration (connector)',
  attrs: {
    id: str('computed', 'The integration id (int_...)'),
    app_id: str('required', 'The app it attaches to; changing it replaces the integration', { forceNew: true }),
    user_ids: strSet('optional-computed', 'The owners (Integration or Super Administrators); unset: the creator'),
    // Optional and computed: when an owner finishes a delegated setup in Warden, configuration
    // without credentials keeps what they saved instead of planning to remove it.
    onelogin_domain: str('optional-computed', 'The OneLogin tenant: acme, acme.onelogin.com or https://acme.onelogin.com'),
    oauth_client_cred_grant_client_id: str('optional-computed', 'The API credential\'s client ID (scope "Manage All")'),
    [SECRET]: str('optional', "The API credential's client secret; write-only in Warden (never read back)", { sensitive: true }),
    [SECRET_WO]: str('optional', 'The client secret, kept out of plan and state (Terraform 1.11+); sent on create and when the version changes', {
      sensitive: true,
      writeOnly: true,
    }),
    [SECRET_WO_VERSION]: num('optional', `Change it to send ${SECRET_WO} again (a rotation)`),
    // A credentials change starts a sync (syncing), so an update's plan cannot know the status.
    status: str('computed', 'not_connected, syncing, connected or error', { volatile: true }),
    ...timestamps,
    deleted_at: str('computed', 'Always null: a deleted integration leaves the state'),
  },
}

/** The secret to send: the write-only one from configuration, else the one in the plan. */
function secretOf(planned: State, config: State): string | null {
  return asString(config[SECRET_WO]) ?? asString(planned[SECRET])
}

function toState(i: ApiIntegration, secret: string | null, version: Value = null): State {
  return complete(spec, {
    id: i.id,
    app_id: i.app_id,
    user_ids: sortedSet(i.user_ids),
    onelogin_domain: i.onelogin_domain,
    oauth_client_cred_grant_client_id: i.oauth_client_cred_grant_client_id,
    [SECRET]: secret,
    [SECRET_WO_VERSION]: version,
    status: i.status,
    created_at: i.created_at,
    updated_at: i.updated_at,
  })
}

const CREDENTIALS = ['onelogin_domain', 'oauth_client_cred_grant_client_id', SECRET, SECRET_WO_VERSION] as const

function credentials(planned: State, config: State): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const key of ['onelogin_domain', 'oauth_client_cred_grant_client_id'] as const) if (typeof planned[key] === 'string') body[key] = planned[key]
  const secret = secretOf(planned, config)
  if (secret !== null) body[SECRET] = secret
  return body
}

export const integrationResource: ResourceType = {
  spec,
  importHelp: 'the integration id (int_...)',
  async read(api, state) {
    const i = await getOrNull<ApiIntegration>(api, `/integrations/${seg(String(state['id']))}`)
    return i === null ? null : toState(i, asString(state[SECRET]), state[SECRET_WO_VERSION] ?? null)
  },
  async create(api, planned, config) {
    // Without credentials this is the delegated path: not connected, the other owners are emailed to finish it.
    const body: Record<string, unknown> = { app_id: planned['app_id'], ...credentials(planned, config) }
    const owners = asStrings(planned['user_ids'])
    if (owners !== null) body['user_ids'] = owners
    return toState(await api.post<ApiIntegration>('/integrations', body), asString(planned[SECRET]), planned[SECRET_WO_VERSION] ?? null)
  },
  async update(api, prior, planned, config) {
    const path = `/integrations/${seg(String(prior['id']))}`
    let current: ApiIntegration | null = null
    const owners = asStrings(planned['user_ids'])
    if (owners !== null && !sameValue(prior['user_ids'] ?? null, planned['user_ids'] ?? null, true)) {
      current = await api.call<ApiIntegration>('PUT', `${path}/owners`, { user_ids: owners })
    }
    if (CREDENTIALS.some((k) => !sameValue(prior[k] ?? null, planned[k] ?? null))) {
      // Warden keeps a stored value for an absent field, and wants the secret again with a new
      // domain, so the whole credential goes together.
      current = await api.call<ApiIntegration>('PATCH', `${path}/settings`, credentials(planned, config))
    }
    return toState(current ?? (await api.get<ApiIntegration>(path)), asString(planned[SECRET]), planned[SECRET_WO_VERSION] ?? null)
  },
  async delete(api, prior) {
    await deleteIfPresent(api, `/integrations/${seg(String(prior['id']))}`)
  },
  validate(config) {
    if (config[SECRET] !== null && config[SECRET_WO] !== null) {
      return [{ severity: 'error', summary: `give the client secret once: ${SECRET} or ${SECRET_WO}, not both`, attribute: [SECRET_WO] }]
    }
    return []
  },
  importState(id) {
    if (!/^int_[A-Za-z0-9]+$/.test(id)) throw badImportId(id, this.importHelp)
    return complete(spec, { id })
  },
  async list(api) {
    const items = await all<ApiIntegration & { mode: string; app_name: string | null }>(api, '/integrations')
    return items.map((i) => ({ label: i.app_name ?? i.id, importId: i.id, state: toState(i, null) }))
  },
}
