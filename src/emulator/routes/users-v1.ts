/**
 * Users v1 (onelogin-api.md §3.4, §3.6–§3.8, §7.2): the envelope list, a user's roles and apps,
 * role assignment, and the lifecycle actions that exist only in v1.
 *
 * v1 quirks reproduced:
 * - list items use `role_id` (not `role_ids`) and add `openid_name`, `locale_code` (§3.8);
 * - `/users/:id/roles` answers `data: [[ids]]`, empty `[[]]`; `/users/:id/apps` empty is `[[]]` too;
 * - a non-numeric id is 400 with an object message `{"attribute":"id","description":"ID is incorrect"}` (§9.1);
 * - the add/remove_roles 400 messages are the documented ones, including the object-valued one
 *   and the "should be a subset of -> [...]" list of every role id (§3.7). The docs' sample lists
 *   the ids in descending order, so does the emulator.
 * Unverified choices: add_roles fails when any given role is already held, remove_roles when any
 * is not held (the messages' literal reading); `lock_user` with 0 locks with `locked_until: null`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { emuRoute, iso, params } from '../context.js'
import type { V1Message } from '../errors.js'
import { fail, v1Error, v1Success } from '../errors.js'
import type { Query } from '../pagination.js'
import { DEFAULT_SORT, parseSort, parseV1Paging, q, v1PageEnvelope } from '../pagination.js'
import { SCOPES } from '../scopes.js'
import { parseFields, project, V1_USER_FIELDS, v1User, v1UserApp } from '../serialize.js'
import type { UserRecord } from '../state.js'
import { findUsers, USER_SORT_FIELDS } from '../user-query.js'

function bad(message: V1Message): never {
  fail(400, v1Error(400, message))
}

const INPUT_EMPTY = 'input parameters is empty'

export function registerUserV1Routes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  const userOr404 = (req: FastifyRequest): UserRecord => {
    const raw = params(req)['id'] ?? ''
    if (!/^\d{1,15}$/.test(raw)) bad({ attribute: 'id', description: 'ID is incorrect' })
    const user = state.users.get(Number(raw))
    if (!user) fail(404, v1Error(404, `User for id ${raw} was not found`))
    return user
  }

  const objectBody = (req: FastifyRequest): Record<string, unknown> => {
    const b = req.body
    if (typeof b !== 'object' || b === null || Array.isArray(b) || Object.keys(b).length === 0) bad(INPUT_EMPTY)
    return b as Record<string, unknown>
  }

  emuRoute(app, {
    method: 'GET',
    url: '/api/1/users',
    scopes: SCOPES.usersRead,
    handler: (req) => {
      const query = req.query as Query
      const pg = parseV1Paging(query)
      const sort = parseSort(query, USER_SORT_FIELDS) ?? DEFAULT_SORT
      const fields = parseFields(q(query, 'fields'), V1_USER_FIELDS)
      const users = findUsers(state, query, sort, { family: 'v1', v1: true })
      const env = v1PageEnvelope(req, users, pg)
      return { ...env, data: env.data.map((u) => project(v1User(u, state.userRoleIds(u.id)), fields)) }
    },
  })

  // §7.2: single objects have no `pagination` key; data is still an array.
  emuRoute(app, {
    method: 'GET',
    url: '/api/1/users/:id',
    scopes: SCOPES.usersRead,
    handler: (req) => {
      const user = userOr404(req)
      return { status: v1Success().status, data: [v1User(user, state.userRoleIds(user.id))] }
    },
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/1/users/:id/apps',
    scopes: SCOPES.usersRead,
    handler: (req) => {
      const user = userOr404(req)
      const apps = state.userAppIds(user.id).flatMap((aid) => {
        const a = state.apps.get(aid)
        return a ? [v1UserApp(a, user.id)] : []
      })
      return { status: v1Success().status, data: apps.length === 0 ? [[]] : apps }
    },
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/1/users/:id/roles',
    scopes: SCOPES.v1UserRoles,
    handler: (req) => {
      const user = userOr404(req)
      return { status: v1Success().status, data: [[...state.userRoleIds(user.id)]] }
    },
  })

  /** The shared §3.7 validation; returns the role ids. */
  const roleIdArray = (req: FastifyRequest): number[] => {
    const b = objectBody(req)
    const arr = b['role_id_array']
    if (arr === undefined) bad(INPUT_EMPTY)
    if (!Array.isArray(arr)) {
      bad({ attribute: 'role_id_array', description: 'role_id_array has incorrect data type. It should be -> array' })
    }
    if (arr.length === 0) bad('role_id_array is empty')
    const ok = arr.every((v) => typeof v === 'number' && Number.isInteger(v) && v > 0 && state.roles.has(v))
    if (!ok) {
      const all = [...state.roles.keys()].sort((a, b) => b - a)
      bad(`role_id_array should be a subset of -> [${all.join(', ')}]`)
    }
    return [...new Set(arr as number[])]
  }

  emuRoute(app, {
    method: 'PUT',
    url: '/api/1/users/:id/add_roles',
    scopes: SCOPES.v1AddRoles,
    handler: (req) => {
      const user = userOr404(req)
      const ids = roleIdArray(req)
      const held = new Set(state.userRoleIds(user.id))
      if (ids.some((id) => held.has(id))) bad('input role_id_array is already included as user roles')
      const at = iso(ctx.now())
      for (const id of ids) {
        const role = state.roles.get(id)
        if (role) state.addRoleMembers(role, 'users', [user.id], at)
      }
      return v1Success()
    },
  })

  emuRoute(app, {
    method: 'PUT',
    url: '/api/1/users/:id/remove_roles',
    scopes: SCOPES.v1RemoveRoles,
    handler: (req) => {
      const user = userOr404(req)
      const ids = roleIdArray(req)
      const held = new Set(state.userRoleIds(user.id))
      if (ids.some((id) => !held.has(id))) bad('input role_id_array is not included as user roles')
      for (const id of ids) {
        const role = state.roles.get(id)
        if (role) state.removeRoleMembers(role, 'users', [user.id])
      }
      return v1Success()
    },
  })

  // §3.4 set_state: 0 Unapproved, 1 Approved, 2 Rejected, 3 Unlicensed.
  emuRoute(app, {
    method: 'PUT',
    url: '/api/1/users/:id/set_state',
    scopes: SCOPES.v1SetState,
    handler: (req) => {
      const user = userOr404(req)
      const s = objectBody(req)['state']
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > 3) bad('state is invalid')
      if (s === user.state) bad('user is already in this state')
      state.updateUser(user, { state: s as 0 | 1 | 2 | 3, updated_at: iso(ctx.now()) })
      return v1Success()
    },
  })

  // §3.4 lock_user: minutes; 0 = the policy's lock period or until unlocked.
  emuRoute(app, {
    method: 'PUT',
    url: '/api/1/users/:id/lock_user',
    scopes: SCOPES.v1LockUser,
    handler: (req) => {
      const user = userOr404(req)
      const minutes = objectBody(req)['locked_until']
      if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 0) bad('locked_until should be -> integer')
      const now = ctx.now()
      state.updateUser(user, { status: 3, locked_until: minutes === 0 ? null : iso(now + minutes * 60_000), updated_at: iso(now) })
      return v1Success()
    },
  })

  // §3.4 logout: ends the OneLogin session only; nothing to change in the emulated state.
  emuRoute(app, {
    method: 'PUT',
    url: '/api/1/users/:id/logout',
    scopes: SCOPES.v1Logout,
    handler: (req) => {
      userOr404(req)
      return v1Success()
    },
  })
}
