import { WardenError } from '../../../errors/index.js'
import { all, getOrNull, seg } from '../api.js'
import { restResource } from '../rest-resource.js'
import type { ResourceType } from '../resource.js'
import { complete, str, strSet, timestamps } from '../spec.js'
import type { BlockSpec, State } from '../spec.js'
import { asString, asStrings, sortedSet } from '../values.js'

/** The part of GET /api/v1/apps/:id the provider uses. */
export interface ApiApp {
  id: string
  name: string
  description: string
  state: 'managed' | 'unmanaged'
  source_integration_id: string | null
  owner_user_ids?: string[]
  integrations: Array<{ id: string }>
  access: { integration_id: string; entitlement_id: string } | null
  bindings: Array<{ integration_id: string; entitlement_id: string }>
  created_at: string
  updated_at: string
}

const spec: BlockSpec = {
  description: 'An application in Warden',
  attrs: {
    id: str('computed', 'The app id (app_...)'),
    name: str('required', "The app's name"),
    description: str('optional-computed', 'What it is for', { default: '' }),
    owner_user_ids: strSet('optional-computed', "The app's owners (Warden user ids)", { default: [] }),
    ...timestamps,
  },
}

function toState(app: ApiApp): State {
  return complete(spec, {
    id: app.id,
    name: app.name,
    description: app.description,
    owner_user_ids: sortedSet(app.owner_user_ids ?? []),
    created_at: app.created_at,
    updated_at: app.updated_at,
  })
}

function body(planned: State): Record<string, unknown> {
  return { name: asString(planned['name']), description: asString(planned['description']) ?? '', owner_user_ids: asStrings(planned['owner_user_ids']) ?? [] }
}

export const appResource: ResourceType = restResource<ApiApp>({
  spec,
  path: '/apps',
  prefix: 'app',
  what: 'app',
  toState,
  body,
  async list(api) {
    const apps = await all<{ id: string; name: string; source_integration_id: string | null }>(api, '/apps', { state: 'managed' })
    const out = []
    // Discovered apps follow OneLogin; only apps made in Warden are Terraform's to manage.
    for (const a of apps.filter((x) => x.source_integration_id === null)) {
      const app = await getOrNull<ApiApp>(api, `/apps/${seg(a.id)}`)
      if (app !== null) out.push({ label: app.name, importId: app.id, state: toState(app) })
    }
    return out
  },
})

/** An app, or a clear error naming it (for resources that point at one). */
export async function requireApp(api: Parameters<ResourceType['read']>[0], id: string): Promise<ApiApp> {
  const app = await getOrNull<ApiApp>(api, `/apps/${seg(id)}`)
  if (app === null) throw new WardenError('NOT_FOUND', `app_id: no app ${id}`, { fields: { app_id: `no app ${id}` } })
  return app
}
