/**
 * Privileges (delegated administration, onelogin-api.md §6.2): v1 paths, v2-style errors with
 * `statusCode, name, message`, Manage All only.
 *
 * - `GET /api/1/privileges` is a bare array, no envelope, no pagination.
 * - `GET /api/1/privileges/:id/users|roles` are camelCase:
 *   `{total, users|roles, beforeCursor, previousLink, afterCursor, nextLink}` with integer cursors
 *   (SPEC `getAssignedUser_200_response`). The paging parameters are undocumented; the emulator
 *   takes `limit` (default and max 50, like v1 lists) and `cursor` (the `afterCursor`/`beforeCursor`
 *   value, an offset), and `nextLink` carries them.
 * - `POST .../users` `{"users":[..]}` → 200 `{"success":true}`; `POST .../roles` `{"roles":[..]}` → 201.
 * - `DELETE .../users/:user_id` and `.../roles/:role_id` → 204.
 * Unverified choices: unknown user/role ids on POST are 404; DELETE of an id that is not assigned
 * is 404; a body without the expected array is 400 "malformed syntax".
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { emuRoute, numericId, params } from '../context.js'
import { fail, MSG, privError } from '../errors.js'
import type { Query } from '../pagination.js'
import { q, V1_MAX_LIMIT } from '../pagination.js'
import { SCOPES } from '../scopes.js'
import { privilege } from '../serialize.js'
import type { PrivilegeRecord } from '../state.js'

function malformed(): never {
  fail(400, privError(400, MSG.v2Malformed))
}

function notFound(): never {
  fail(404, privError(404, MSG.notFoundUri))
}

export function registerPrivilegeRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  const privOr404 = (req: FastifyRequest): PrivilegeRecord => {
    const p = state.privileges.get(params(req)['id'] ?? '')
    if (!p) notFound()
    return p
  }

  emuRoute(app, {
    method: 'GET',
    url: '/api/1/privileges',
    scopes: SCOPES.privileges,
    handler: () => [...state.privileges.values()].map(privilege),
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/1/privileges/:id',
    scopes: SCOPES.privileges,
    handler: (req) => privilege(privOr404(req)),
  })

  for (const kind of ['users', 'roles'] as const) {
    emuRoute(app, {
      method: 'GET',
      url: `/api/1/privileges/:id/${kind}`,
      scopes: SCOPES.privileges,
      handler: (req) => {
        const p = privOr404(req)
        const query = req.query as Query
        const n = Number(q(query, 'limit'))
        const limit = Number.isInteger(n) && n >= 1 ? Math.min(n, V1_MAX_LIMIT) : V1_MAX_LIMIT
        const rawCursor = q(query, 'cursor')
        if (rawCursor !== undefined && rawCursor !== '' && !/^\d{1,9}$/.test(rawCursor)) malformed()
        const offset = rawCursor === undefined || rawCursor === '' ? 0 : Number(rawCursor)
        const ids = p[kind].sortedIds()
        const after = offset + limit < ids.length ? offset + limit : null
        const before = offset > 0 ? Math.max(0, offset - limit) : null
        const base = `${req.protocol}://${req.host}${req.url.split('?')[0] ?? ''}`
        const link = (cursor: number | null): string | null => (cursor === null ? null : `${base}?limit=${limit}&cursor=${cursor}`)
        return {
          total: ids.length,
          [kind]: ids.slice(offset, offset + limit),
          beforeCursor: before,
          previousLink: link(before),
          afterCursor: after,
          nextLink: link(after),
        }
      },
    })

    emuRoute(app, {
      method: 'POST',
      url: `/api/1/privileges/:id/${kind}`,
      scopes: SCOPES.privileges,
      handler: (req, reply) => {
        const p = privOr404(req)
        const b = req.body
        if (typeof b !== 'object' || b === null || Array.isArray(b)) malformed()
        const arr = (b as Record<string, unknown>)[kind]
        if (!Array.isArray(arr) || arr.length === 0) malformed()
        const ids = arr.map((v) => {
          const id = typeof v === 'number' ? (Number.isInteger(v) ? v : null) : typeof v === 'string' ? numericId(v.trim()) : null
          if (id === null) malformed()
          return id
        })
        const exists = kind === 'users' ? (id: number) => state.users.has(id) : (id: number) => state.roles.has(id)
        if (!ids.every(exists)) notFound()
        state.assignPrivilege(p, kind, ids)
        return reply.code(kind === 'users' ? 200 : 201).send({ success: true })
      },
    })

    const single = kind === 'users' ? 'user_id' : 'role_id'
    emuRoute(app, {
      method: 'DELETE',
      url: `/api/1/privileges/:id/${kind}/:${single}`,
      scopes: SCOPES.privileges,
      handler: (req, reply) => {
        const p = privOr404(req)
        const id = numericId(params(req)[single])
        if (id === null || !state.unassignPrivilege(p, kind, id)) notFound()
        return reply.code(204).send()
      },
    })
  }
}
