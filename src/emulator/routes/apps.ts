/**
 * Apps (onelogin-api.md §5) and connectors.
 *
 * - `GET /api/2/apps` items are summaries: no `role_ids`, `provisioning` or `parameters` (§5.1).
 *   `name` is exact unless it holds `*`; a bad `auth_method` is 422
 *   `invalid value in "auth_method"`; max limit 1000.
 * - `GET /api/2/apps/:id` is the full object with `role_ids` and `provisioning.enabled` (§5.2).
 * - `GET /api/2/apps/:id/users` is derived from role membership across every role holding the app,
 *   slim items, max limit 1000 (§5.3, §5.4).
 * - `GET /api/1/apps` legacy envelope, `provisioning` as a plain boolean (§5.5).
 * - `GET /api/2/connectors` (Manage All; BATON calls it with `limit=1` to check the scope, §2.8):
 *   the connectors the tenant's apps use, paginated like other v2 lists (SPEC's single-object
 *   response schema is one of its defects).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { emuRoute, numericId, params } from '../context.js'
import { fail, MSG, v2Error } from '../errors.js'
import { intParam, invalidValue, textMatcher } from '../match.js'
import type { Query } from '../pagination.js'
import { applyV2Page, DEFAULT_SORT, MAX_LIMIT, parseSort, parseV1Paging, parseV2Paging, q, v1PageEnvelope } from '../pagination.js'
import { SCOPES } from '../scopes.js'
import { appFull, appIconUrl, appSummary, appUser, v1App } from '../serialize.js'
import type { AppRecord } from '../state.js'

const AUTH_METHODS: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 6, 7, 8])
const APP_SORT_FIELDS: ReadonlySet<string> = new Set(['id', 'name', 'connector_id', 'auth_method', 'created_at', 'updated_at'])
const ID_ONLY: ReadonlySet<string> = new Set(['id'])

function pathOf(req: FastifyRequest): string {
  return req.url.split('?')[0] ?? req.url
}

function sortApps(apps: AppRecord[], sort: { field: string; direction: 'asc' | 'desc' }): AppRecord[] {
  const dir = sort.direction === 'desc' ? -1 : 1
  if (sort.field === 'id') return dir === 1 ? apps : apps.reverse()
  const field = sort.field as keyof AppRecord
  return apps.sort((a, b) => {
    const av = typeof a[field] === 'string' ? (a[field] as string).toLowerCase() : a[field]
    const bv = typeof b[field] === 'string' ? (b[field] as string).toLowerCase() : b[field]
    if (av === bv) return (a.id - b.id) * dir
    return (av < bv ? -1 : 1) * dir
  })
}

export function registerAppRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  const appOr404 = (req: FastifyRequest): AppRecord => {
    const id = numericId(params(req)['id'])
    const a = id === null ? undefined : state.apps.get(id)
    if (!a) fail(404, v2Error(404, MSG.notFoundUri))
    return a
  }

  const findApps = (query: Query, family: 'v2' | 'v1', sort: { field: string; direction: 'asc' | 'desc' }): AppRecord[] => {
    let apps = [...state.sortedApps()]
    const name = q(query, 'name')
    if (name !== undefined && name !== '') {
      const m = textMatcher(name)
      apps = apps.filter((a) => m(a.name))
    }
    const connector = q(query, 'connector_id')
    if (connector !== undefined && connector !== '') {
      const id = intParam(family, 'connector_id', connector)
      apps = apps.filter((a) => a.connector_id === id)
    }
    const method = q(query, 'auth_method')
    if (method !== undefined && method !== '') {
      const n = /^\d+$/.test(method) ? Number(method) : NaN
      if (!AUTH_METHODS.has(n)) invalidValue(family, 'auth_method')
      apps = apps.filter((a) => a.auth_method === n)
    }
    return sortApps(apps, sort)
  }

  emuRoute(app, {
    method: 'GET',
    url: '/api/2/apps',
    scopes: SCOPES.appsRead,
    handler: (req, reply) => {
      const query = req.query as Query
      const pg = parseV2Paging(query, MAX_LIMIT.apps, APP_SORT_FIELDS)
      const page = applyV2Page(req, reply, findApps(query, 'v2', pg.sort), pg, {
        staleAfterCursor: () => ctx.faults.takeStaleCursor(req.method, pathOf(req)),
      })
      return page.map(appSummary)
    },
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/2/apps/:id',
    scopes: SCOPES.appsRead,
    handler: (req) => appFull(appOr404(req), state),
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/2/apps/:id/users',
    scopes: SCOPES.appsRead,
    handler: (req, reply) => {
      const a = appOr404(req)
      const query = req.query as Query
      const pg = parseV2Paging(query, MAX_LIMIT.appUsers, ID_ONLY)
      const ids = state.appUserIds(a.id)
      const ordered = pg.sort.direction === 'desc' ? [...ids].reverse() : ids
      const page = applyV2Page(req, reply, ordered, pg, { staleAfterCursor: () => ctx.faults.takeStaleCursor(req.method, pathOf(req)) })
      return page.flatMap((uid) => {
        const u = state.users.get(uid)
        return u ? [appUser(u)] : []
      })
    },
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/1/apps',
    scopes: SCOPES.appsRead,
    handler: (req) => {
      const query = req.query as Query
      const sort = parseSort(query, APP_SORT_FIELDS) ?? DEFAULT_SORT
      const env = v1PageEnvelope(req, findApps(query, 'v1', sort), parseV1Paging(query))
      return { ...env, data: env.data.map(v1App) }
    },
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/2/connectors',
    scopes: SCOPES.connectors,
    handler: (req, reply) => {
      const query = req.query as Query
      const pg = parseV2Paging(query, MAX_LIMIT.connectors, ID_ONLY)
      const connectors = state.cached('connectors', () => {
        const byId = new Map<number, Record<string, unknown>>()
        for (const a of state.sortedApps()) {
          if (!byId.has(a.connector_id)) {
            byId.set(a.connector_id, { id: a.connector_id, name: a.name, icon_url: appIconUrl(a), auth_method: a.auth_method, allows_new_parameters: a.auth_method === 2 })
          }
        }
        return [...byId.values()].sort((x, y) => (x['id'] as number) - (y['id'] as number))
      })
      const name = q(query, 'name')
      const m = name !== undefined && name !== '' ? textMatcher(name) : null
      const list = m ? connectors.filter((c) => m(c['name'] as string)) : connectors
      return applyV2Page(req, reply, list, pg, { staleAfterCursor: () => ctx.faults.takeStaleCursor(req.method, pathOf(req)) })
    },
  })
}
