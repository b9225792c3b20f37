/**
 * Roles v2 (onelogin-api.md §4) and the legacy v1 role reads (§4.2).
 *
 * Quirks reproduced:
 * - `GET /api/2/roles/:id` is `{id, name}` only; membership comes from the sub-endpoints (§4.1).
 * - The list defaults to `id, name, apps, users, admins`; `fields=` narrows the three lists;
 *   `name` and SPEC's `role_name` both filter (§4.2, §11.6); max limit 650.
 * - `POST /api/2/roles` answers 201 with an object `{id}`, not the documented array (§11.2).
 * - `PUT /api/2/roles/:id` changes the name only: sending `users: []` removes nobody (§4.3).
 * - Role users/admins POST and DELETE take a raw JSON array of ids, numbers or numeric strings
 *   (BATON sends strings); an object body is 400 in the roles-service shape
 *   `{"status":400,"error":"BadRequestError","description":"Expected array in request"}` (§4.4, §11.1).
 * - `PUT /api/2/roles/:id/apps` replaces the whole set and echoes `[{"id":..}]`; an unknown app is
 *   404 NotFoundError (§4.5).
 * Unverified choices: 404/422 use the documented v2 shape (only the three 400s above were seen in
 * the roles-service shape); unknown user ids on POST are 422; DELETE ignores ids that are not
 * members; role users/admins/apps lists use the roles service's 650 as their max limit; `name` on
 * role users is a case-insensitive substring match on first name, last name, username and email.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { emuRoute, iso, numericId, params } from '../context.js'
import { fail, MSG, rolesServiceError, v1Error, v1Success, v2Error } from '../errors.js'
import { containsMatcher, intParam, textMatcher } from '../match.js'
import type { Query } from '../pagination.js'
import { applyV2Page, DEFAULT_SORT, MAX_LIMIT, parseSort, parseV1Paging, parseV2Paging, q, v1PageEnvelope } from '../pagination.js'
import { SCOPES } from '../scopes.js'
import { roleApp, roleListItem, roleMember } from '../serialize.js'
import type { RoleRecord, UserRecord } from '../state.js'

const ROLE_FIELDS = ['apps', 'users', 'admins'] as const
const ROLE_SORT_FIELDS: ReadonlySet<string> = new Set(['id', 'name'])
const ID_ONLY: ReadonlySet<string> = new Set(['id'])

function pathOf(req: FastifyRequest): string {
  return req.url.split('?')[0] ?? req.url
}

/** A raw JSON array of ids (numbers or numeric strings), or the roles-service 400. */
function idArray(body: unknown): number[] {
  if (!Array.isArray(body)) fail(400, rolesServiceError(400, MSG.expectedArray))
  const ids: number[] = []
  for (const v of body) {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) ids.push(v)
    else if (typeof v === 'string' && /^\d{1,15}$/.test(v.trim())) ids.push(Number(v))
    else fail(400, rolesServiceError(400, `Invalid id in request: ${JSON.stringify(v)}`))
  }
  return [...new Set(ids)]
}

function sortRoles(roles: RoleRecord[], sort: { field: string; direction: 'asc' | 'desc' }): RoleRecord[] {
  if (sort.field === 'name') {
    const dir = sort.direction === 'desc' ? -1 : 1
    return roles.sort((a, b) => (a.name.toLowerCase() === b.name.toLowerCase() ? a.id - b.id : a.name.toLowerCase() < b.name.toLowerCase() ? -dir : dir))
  }
  return sort.direction === 'desc' ? roles.reverse() : roles
}

export function registerRoleRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  const roleOr404 = (req: FastifyRequest): RoleRecord => {
    const id = numericId(params(req)['id'])
    const role = id === null ? undefined : state.roles.get(id)
    if (!role) fail(404, v2Error(404, MSG.notFoundById))
    return role
  }

  const stale = (req: FastifyRequest) => () => ctx.faults.takeStaleCursor(req.method, pathOf(req))

  /** Roles matching the list filters (name/role_name, app_id, app_name), sorted. */
  const findRoles = (query: Query, family: 'roles' | 'v1', sort: { field: string; direction: 'asc' | 'desc' }): RoleRecord[] => {
    let roles = [...state.sortedRoles()]
    const name = q(query, 'name') ?? q(query, 'role_name')
    if (name !== undefined && name !== '') {
      const m = textMatcher(name)
      roles = roles.filter((r) => m(r.name))
    }
    const appId = q(query, 'app_id')
    if (appId !== undefined && appId !== '') {
      const id = intParam(family, 'app_id', appId)
      roles = roles.filter((r) => r.apps.has(id))
    }
    const appName = q(query, 'app_name')
    if (appName !== undefined && appName !== '') {
      const m = textMatcher(appName)
      roles = roles.filter((r) => [...r.apps.keys()].some((aid) => m(state.apps.get(aid)?.name)))
    }
    return sortRoles(roles, sort)
  }

  emuRoute(app, {
    method: 'GET',
    url: '/api/2/roles',
    scopes: SCOPES.rolesRead,
    handler: (req, reply) => {
      const query = req.query as Query
      const pg = parseV2Paging(query, MAX_LIMIT.roles, ROLE_SORT_FIELDS)
      const rawFields = q(query, 'fields')
      const fields = new Set<string>(
        rawFields === undefined || rawFields.trim() === '' ? ROLE_FIELDS : rawFields.split(',').map((f) => f.trim()),
      )
      const page = applyV2Page(req, reply, findRoles(query, 'roles', pg.sort), pg, { staleAfterCursor: stale(req) })
      return page.map((r) => roleListItem(r, fields))
    },
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/2/roles/:id',
    scopes: SCOPES.rolesRead,
    handler: (req) => {
      const role = roleOr404(req)
      return { id: role.id, name: role.name }
    },
  })

  emuRoute(app, {
    method: 'POST',
    url: '/api/2/roles',
    scopes: SCOPES.rolesWrite,
    handler: (req, reply) => {
      const b = req.body
      if (typeof b !== 'object' || b === null || Array.isArray(b)) fail(400, v2Error(400, MSG.v2Malformed))
      const body = b as Record<string, unknown>
      const name = body['name']
      if (typeof name !== 'string' || name.trim() === '') fail(422, v2Error(422, "Validation failed: Name can't be blank"))
      const apps = body['apps'] === undefined ? [] : idArray(body['apps'])
      const users = body['users'] === undefined ? [] : idArray(body['users'])
      const admins = body['admins'] === undefined ? [] : idArray(body['admins'])
      for (const aid of apps) if (!state.apps.has(aid)) fail(404, v2Error(404, MSG.notFoundById))
      const unknown = [...users, ...admins].filter((uid) => !state.users.has(uid))
      if (unknown.length > 0) fail(422, v2Error(422, `Validation failed: Users ${unknown.join(', ')} do not exist`))
      const role = state.createRole(name)
      const at = iso(ctx.now())
      if (apps.length > 0) state.setRoleApps(role, apps)
      if (users.length > 0) state.addRoleMembers(role, 'users', users, at)
      if (admins.length > 0) state.addRoleMembers(role, 'admins', admins, at)
      return reply.code(201).send({ id: role.id })
    },
  })

  emuRoute(app, {
    method: 'PUT',
    url: '/api/2/roles/:id',
    scopes: SCOPES.rolesWrite,
    handler: (req) => {
      const role = roleOr404(req)
      const b = req.body
      if (typeof b !== 'object' || b === null || Array.isArray(b)) fail(400, v2Error(400, MSG.v2Malformed))
      const name = (b as Record<string, unknown>)['name']
      if (name !== undefined) {
        if (typeof name !== 'string' || name.trim() === '') fail(422, v2Error(422, "Validation failed: Name can't be blank"))
        state.renameRole(role, name)
      }
      return { id: role.id }
    },
  })

  emuRoute(app, {
    method: 'DELETE',
    url: '/api/2/roles/:id',
    scopes: SCOPES.rolesWrite,
    handler: (req, reply) => {
      const role = roleOr404(req)
      state.deleteRole(role.id)
      return reply.code(204).send()
    },
  })

  // §4.4 role users and admins.
  for (const kind of ['users', 'admins'] as const) {
    emuRoute(app, {
      method: 'GET',
      url: `/api/2/roles/:id/${kind}`,
      scopes: SCOPES.rolesRead,
      handler: (req, reply) => {
        const role = roleOr404(req)
        const query = req.query as Query
        const pg = parseV2Paging(query, MAX_LIMIT.roleMembers, ID_ONLY)
        const name = q(query, 'name') ?? ''
        const unassigned = q(query, 'include_unassigned') === 'true'
        const members = role[kind]
        const list = state.cached(`role-${kind}:${role.id}:${unassigned}:${name}`, () => {
          const base: readonly UserRecord[] = unassigned
            ? state.sortedUsers()
            : members.sortedIds().flatMap((uid) => {
                const u = state.users.get(uid)
                return u ? [u] : []
              })
          if (name === '') return base
          const m = containsMatcher(name)
          return base.filter((u) => m(u.firstname) || m(u.lastname) || m(u.username) || m(u.email))
        })
        const ordered = pg.sort.direction === 'desc' ? [...list].reverse() : list
        const page = applyV2Page(req, reply, ordered, pg, { staleAfterCursor: stale(req) })
        return page.map((u) => roleMember(u, members.get(u.id)))
      },
    })

    emuRoute(app, {
      method: 'POST',
      url: `/api/2/roles/:id/${kind}`,
      scopes: SCOPES.rolesWrite,
      handler: (req) => {
        const role = roleOr404(req)
        const ids = idArray(req.body)
        const unknown = ids.filter((uid) => !state.users.has(uid))
        if (unknown.length > 0) fail(422, v2Error(422, `Validation failed: Users ${unknown.join(', ')} do not exist`))
        state.addRoleMembers(role, kind, ids, iso(ctx.now()))
        return ids.map((id) => ({ id }))
      },
    })

    emuRoute(app, {
      method: 'DELETE',
      url: `/api/2/roles/:id/${kind}`,
      scopes: SCOPES.rolesWrite,
      handler: (req, reply) => {
        const role = roleOr404(req)
        state.removeRoleMembers(role, kind, idArray(req.body))
        return reply.code(204).send()
      },
    })
  }

  // §4.5 role apps: assigned=true (default) lists the role's apps, false the others.
  emuRoute(app, {
    method: 'GET',
    url: '/api/2/roles/:id/apps',
    scopes: SCOPES.rolesRead,
    handler: (req, reply) => {
      const role = roleOr404(req)
      const query = req.query as Query
      const pg = parseV2Paging(query, MAX_LIMIT.roleMembers, ID_ONLY)
      const assigned = q(query, 'assigned') !== 'false'
      const apps = state.sortedApps().filter((a) => role.apps.has(a.id) === assigned)
      if (pg.sort.direction === 'desc') apps.reverse()
      return applyV2Page(req, reply, apps, pg, { staleAfterCursor: stale(req) }).map(roleApp)
    },
  })

  emuRoute(app, {
    method: 'PUT',
    url: '/api/2/roles/:id/apps',
    scopes: SCOPES.rolesWrite,
    handler: (req) => {
      const role = roleOr404(req)
      const ids = idArray(req.body)
      if (ids.some((aid) => !state.apps.has(aid))) fail(404, v2Error(404, MSG.notFoundById))
      state.setRoleApps(role, ids)
      return ids.map((id) => ({ id }))
    },
  })

  // §4.2 legacy v1 reads: envelope, items `{id, name}`.
  emuRoute(app, {
    method: 'GET',
    url: '/api/1/roles',
    scopes: SCOPES.rolesRead,
    handler: (req) => {
      const query = req.query as Query
      const sort = parseSort(query, ROLE_SORT_FIELDS) ?? DEFAULT_SORT
      const env = v1PageEnvelope(req, findRoles(query, 'v1', sort), parseV1Paging(query))
      return { ...env, data: env.data.map((r) => ({ id: r.id, name: r.name })) }
    },
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/1/roles/:id',
    scopes: SCOPES.rolesRead,
    handler: (req) => {
      const raw = params(req)['id'] ?? ''
      if (!/^\d{1,15}$/.test(raw)) fail(400, v1Error(400, { attribute: 'id', description: 'ID is incorrect' }))
      const role = state.roles.get(Number(raw))
      if (!role) fail(404, v1Error(404, `Role for id ${raw} was not found`))
      return { status: v1Success().status, data: [{ id: role.id, name: role.name }] }
    },
  })
}
