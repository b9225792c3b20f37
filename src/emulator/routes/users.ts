/**
 * Users v2 (onelogin-api.md §3.1–§3.5): list, get, create, update, delete, a user's apps, unlock.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { emuRoute, iso, numericId, params } from '../context.js'
import { fail, MSG, v2Error } from '../errors.js'
import type { Query } from '../pagination.js'
import { applyV2Page, MAX_LIMIT, parseV2Paging, q } from '../pagination.js'
import { SCOPES } from '../scopes.js'
import { parseFields, project, userApp, V2_USER_FIELDS, v2User } from '../serialize.js'
import type { UserRecord } from '../state.js'
import { checkUserWriteQuery, parseUserWrite } from '../user-input.js'
import { findUsers, USER_SORT_FIELDS } from '../user-query.js'

function pathOf(req: FastifyRequest): string {
  return req.url.split('?')[0] ?? req.url
}

export function registerUserRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  const userOr404 = (req: FastifyRequest): UserRecord => {
    const id = numericId(params(req)['id'])
    const user = id === null ? undefined : state.users.get(id)
    if (!user) fail(404, v2Error(404, MSG.notFoundById))
    return user
  }

  const body = (u: UserRecord): Record<string, unknown> => v2User(u, state.userRoleIds(u.id))

  // §3.2: bare array, v2 header pagination, default 50, max 100; `fields` keeps `id`.
  emuRoute(app, {
    method: 'GET',
    url: '/api/2/users',
    scopes: SCOPES.usersRead,
    handler: (req, reply) => {
      const query = req.query as Query
      const pg = parseV2Paging(query, MAX_LIMIT.users, USER_SORT_FIELDS)
      const fields = parseFields(q(query, 'fields'), V2_USER_FIELDS)
      const users = findUsers(state, query, pg.sort, { family: 'v2', v1: false })
      const page = applyV2Page(req, reply, users, pg, { staleAfterCursor: () => ctx.faults.takeStaleCursor(req.method, pathOf(req)) })
      return page.map((u) => project(body(u), fields))
    },
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/2/users/:id',
    scopes: SCOPES.usersRead,
    handler: (req) => body(userOr404(req)),
  })

  // §3.3 create: 201; username or email required; no password → status 7 (Password Pending).
  emuRoute(app, {
    method: 'POST',
    url: '/api/2/users',
    scopes: SCOPES.usersWrite,
    handler: (req, reply) => {
      checkUserWriteQuery(req.query as Record<string, unknown>)
      const input = parseUserWrite(req.body)
      const p = input.patch
      if ((p.username === undefined || p.username === null || p.username === '') && (p.email === undefined || p.email === null || p.email === '')) {
        fail(422, v2Error(422, 'Validation failed: Username or email must be present'))
      }
      if (p.username && state.userIdByUsername(p.username) !== undefined) {
        fail(422, v2Error(422, `Validation failed: Username must be unique within ${state.subdomain}`))
      }
      const now = iso(ctx.now())
      const status = input.password === null ? 7 : (p.status ?? 1)
      const user: UserRecord = {
        id: state.newUserId(),
        username: null, email: null, firstname: null, lastname: null, title: null, department: null, company: null,
        comment: null, phone: null, group_id: null, manager_user_id: null, manager_ad_id: null, directory_id: null,
        trusted_idp_id: null, external_id: null, samaccountname: null, userprincipalname: null, distinguished_name: null,
        member_of: null, preferred_locale_code: null, state: 1,
        ...p,
        status,
        custom_attributes: input.customAttributes ?? {},
        created_at: now,
        updated_at: now,
        activated_at: status === 1 ? now : null,
        invitation_sent_at: null, // §3.3: no invite email is sent
        last_login: null,
        password_changed_at: input.password === null ? null : now,
        locked_until: null,
        invalid_login_attempts: 0,
        has_password: input.password !== null,
      }
      state.insertUser(user)
      return reply.code(201).send(body(user))
    },
  })

  // §3.3 update: partial; custom_attributes merge; `?mappings=sync` accepted (no mapping engine).
  emuRoute(app, {
    method: 'PUT',
    url: '/api/2/users/:id',
    scopes: SCOPES.usersWrite,
    handler: (req) => {
      const user = userOr404(req)
      checkUserWriteQuery(req.query as Record<string, unknown>)
      const input = parseUserWrite(req.body)
      const p = { ...input.patch }
      if (p.username) {
        const holder = state.userIdByUsername(p.username)
        if (holder !== undefined && holder !== user.id) {
          fail(422, v2Error(422, `Validation failed: Username must be unique within ${state.subdomain}`))
        }
      }
      const now = iso(ctx.now())
      if (input.password !== null) {
        p.password_changed_at = now
        if (p.status === undefined && user.status === 7) p.status = 1
      }
      if (p.status === 1 && user.activated_at === null) p.activated_at = now
      if (p.status !== undefined && p.status !== 3 && user.status === 3) p.locked_until = null
      state.updateUser(user, {
        ...p,
        updated_at: now,
        has_password: user.has_password || input.password !== null,
        custom_attributes: input.customAttributes ? { ...user.custom_attributes, ...input.customAttributes } : user.custom_attributes,
      })
      return body(user)
    },
  })

  // §3.3 delete: 204, permanent; memberships go with it.
  emuRoute(app, {
    method: 'DELETE',
    url: '/api/2/users/:id',
    scopes: SCOPES.usersWrite,
    handler: (req, reply) => {
      const user = userOr404(req)
      state.deleteUser(user.id)
      return reply.code(204).send()
    },
  })

  // §3.5: bare array (not paginated); hidden apps only with ignore_visibility=true.
  emuRoute(app, {
    method: 'GET',
    url: '/api/2/users/:id/apps',
    scopes: SCOPES.usersRead,
    handler: (req) => {
      const user = userOr404(req)
      const all = q(req.query as Query, 'ignore_visibility') === 'true'
      const out: Record<string, unknown>[] = []
      for (const aid of state.userAppIds(user.id)) {
        const a = state.apps.get(aid)
        if (a && (all || a.visible)) out.push(userApp(a, user.id))
      }
      return out
    },
  })

  // §3.4 unlock: the success body really spells it "messsage". The failure status is unverified (400).
  emuRoute(app, {
    method: 'POST',
    url: '/api/2/users/:id/unlock',
    scopes: SCOPES.usersWrite,
    handler: (req, reply) => {
      const user = userOr404(req)
      if (user.status !== 3) return reply.code(400).send({ message: 'User cannot be unlocked' })
      state.updateUser(user, { status: 1, locked_until: null, invalid_login_attempts: 0, updated_at: iso(ctx.now()) })
      return { messsage: 'User unlocked' }
    },
  })
}
