/**
 * Provisioning: grant and revoke entitlements in OneLogin, and create, suspend, unsuspend and
 * delete accounts. Every operation reads the current state first (so it is idempotent: no write
 * when nothing would change), makes the fewest writes that do the job, then reads the state back
 * and reports what OneLogin actually holds, so a write it accepted but did not apply is never
 * reported as success. With `dryRun` it makes the reads and reports the writes it would make.
 */
import { WardenError, isWardenError } from '../errors/index.js'
import { parseEntitlementId, parseResourceId, resourceId } from '../model/index.js'
import type { ParsedEntitlementId } from '../model/index.js'
import { collect } from '../onelogin/index.js'
import type { OneLoginClient, OneLoginUser } from '../onelogin/index.js'
import { statusName } from './convert.js'

export interface ProvisionContext {
  client: OneLoginClient
  /** Read, and report the writes that would be made, but write nothing. */
  dryRun?: boolean
  /** After a change, have OneLogin re-run its user mappings for the user (`PUT /api/2/users/:id?mappings=sync`). */
  applyMappings?: boolean
  /**
   * App id → the role through which Warden provisions that app. OneLogin gives apps only through
   * roles, so app access is granted by adding the user to this role.
   */
  appRoles?: Readonly<Record<string, number>>
}

/** A write call, as made or (dry run) as it would be made. */
export interface WriteCall {
  method: 'POST' | 'PUT' | 'DELETE'
  path: string
  body?: unknown
}

export type Outcome = 'changed' | 'no_change' | 'dry_run' | 'not_applied'

export interface ProvisionResult {
  action: 'grant' | 'revoke'
  entitlement: string
  principal: string
  outcome: Outcome
  /** Held after the operation, as read back from OneLogin (dry run: as it is now). */
  held: boolean
  /** For app access: the roles it is held through after the operation. */
  through?: string[]
  writes: WriteCall[]
  message: string
}

/** What an entitlement kind needs: how to read whether it is held, and the writes to change it. */
interface Handler {
  read(): Promise<{ held: boolean; through?: string[] }>
  grant(): Promise<Write[]>
  /** No writes: the revoke cannot be done this way; `stillHeld` says why. */
  revoke(): Promise<Write[]>
  /** Why it is still held after a revoke, when the handler knows better than "a user mapping". */
  stillHeld?(through: string[]): string | undefined
}

/** A write as reported (`call`) and as made (`exec`, through the client's typed methods so calls are counted by endpoint). */
interface Write {
  call: WriteCall
  exec: () => Promise<unknown>
}

export async function grant(ctx: ProvisionContext, entitlement: string, principal: string): Promise<ProvisionResult> {
  return change(ctx, 'grant', entitlement, principal)
}

export async function revoke(ctx: ProvisionContext, entitlement: string, principal: string): Promise<ProvisionResult> {
  return change(ctx, 'revoke', entitlement, principal)
}

async function change(ctx: ProvisionContext, action: 'grant' | 'revoke', entitlement: string, principal: string): Promise<ProvisionResult> {
  const ent = parseEntitlementId(entitlement)
  const who = parseResourceId(principal)
  const allowed = ent.type === 'privilege' ? ['user', 'role'] : ['user']
  if (!allowed.includes(who.type)) {
    throw new WardenError('BAD_INPUT', `${entitlement} can be held by ${allowed.map((t) => `${t}:<id>`).join(' or ')}, not ${principal}`)
  }
  return withScopeHint(ent.type === 'group' ? MANAGE_USERS : MANAGE_ALL, async () => {
    const handler = await handlerFor(ctx, ent, who.type, Number(who.externalId))
    const before = await handler.read()
    const wanted = action === 'grant'
    const base = { action, entitlement, principal }
    if (before.held === wanted) {
      const why = before.through !== undefined && before.through.length > 0 ? ` (through ${before.through.join(', ')})` : ''
      return { ...base, outcome: 'no_change', held: before.held, ...through(before), writes: [], message: `no change: ${principal} ${wanted ? 'already holds' : 'does not hold'} ${entitlement}${why}` }
    }
    const planned = wanted ? await handler.grant() : await handler.revoke()
    const userId = who.type === 'user' ? Number(who.externalId) : undefined
    const mappings = ctx.applyMappings === true && userId !== undefined ? mappingsWrite(ctx, userId) : undefined
    const writes = [...planned, ...(mappings === undefined ? [] : [mappings])].map((w) => w.call)
    if (planned.length === 0) {
      const why = handler.stillHeld?.(before.through ?? []) ?? `nothing Warden can write would ${action} ${entitlement}`
      return { ...base, outcome: 'not_applied', held: before.held, ...through(before), writes: [], message: `cannot ${action} ${entitlement} ${wanted ? 'to' : 'from'} ${principal}: ${why}` }
    }
    if (ctx.dryRun === true) {
      return { ...base, outcome: 'dry_run', held: before.held, ...through(before), writes, message: `dry run: ${writes.length} write call(s) would ${action} ${entitlement} ${wanted ? 'to' : 'from'} ${principal}` }
    }
    for (const w of planned) await w.exec()
    await mappings?.exec()
    const after = await handler.read()
    if (after.held !== wanted) {
      const still = after.through !== undefined && after.through.length > 0 ? ` through ${after.through.join(', ')}` : ''
      const explained = wanted ? undefined : handler.stillHeld?.(after.through ?? [])
      return {
        ...base,
        outcome: 'not_applied',
        held: after.held,
        ...through(after),
        writes,
        message: wanted
          ? `OneLogin accepted the change but ${principal} still does not hold ${entitlement}`
          : `OneLogin accepted the removal but ${principal} still holds ${entitlement}${still} (${explained ?? 'membership added by a user mapping cannot be removed through the Roles API: change the mapping'})`,
      }
    }
    return { ...base, outcome: 'changed', held: after.held, ...through(after), writes, message: `${wanted ? 'granted' : 'revoked'} ${entitlement} ${wanted ? 'to' : 'from'} ${principal}` }
  })
}

function through(s: { through?: string[] }): { through?: string[] } {
  return s.through === undefined ? {} : { through: s.through }
}

async function handlerFor(ctx: ProvisionContext, ent: ParsedEntitlementId, principalType: string, principalId: number): Promise<Handler> {
  const { client } = ctx
  const user = (): Promise<OneLoginUser> => knownUser(client, principalId)
  switch (ent.type) {
    case 'role': {
      const roleId = Number(ent.externalId)
      await known(client.getRole(roleId), `unknown role ${ent.resource}: OneLogin has no role ${roleId}`)
      const kind = ent.slug === 'admin' ? 'admins' : 'users'
      const path = `/api/2/roles/${roleId}/${kind}`
      return {
        read: async () => {
          if (kind === 'users') return { held: ((await user()).role_ids ?? []).includes(roleId) }
          await user()
          return { held: (await collect(client.roleAdmins(roleId))).some((m) => m.id === principalId) }
        },
        // Raw JSON arrays: OneLogin refuses an object body here (onelogin-api.md §11.1).
        grant: async () => [
          { call: { method: 'POST', path, body: [principalId] }, exec: () => (kind === 'users' ? client.addRoleUsers(roleId, [principalId]) : client.addRoleAdmins(roleId, [principalId])) },
        ],
        revoke: async () => [
          { call: { method: 'DELETE', path, body: [principalId] }, exec: () => (kind === 'users' ? client.removeRoleUsers(roleId, [principalId]) : client.removeRoleAdmins(roleId, [principalId])) },
        ],
      }
    }
    case 'group': {
      const groupId = Number(ent.externalId)
      await known(client.getGroup(groupId), `unknown group ${ent.resource}: OneLogin has no group ${groupId}`)
      const path = `/api/2/users/${principalId}`
      return {
        read: async () => ({ held: (await user()).group_id === groupId }),
        // A user is in at most one group: granting moves them.
        grant: async () => [{ call: { method: 'PUT', path, body: { group_id: groupId } }, exec: () => client.updateUser(principalId, { group_id: groupId }) }],
        revoke: async () => [{ call: { method: 'PUT', path, body: { group_id: null } }, exec: () => client.updateUser(principalId, { group_id: null }) }],
      }
    }
    case 'privilege': {
      const pid = ent.externalId
      const privileges = await client.privileges()
      if (!privileges.some((p) => p.id === pid)) throw new WardenError('NOT_FOUND', `unknown privilege ${ent.resource}: OneLogin has no privilege ${pid}`)
      const isRole = principalType === 'role'
      if (isRole) await known(client.getRole(principalId), `unknown role role:${principalId}: OneLogin has no role ${principalId}`)
      else await user()
      const base = `/api/1/privileges/${pid}/${isRole ? 'roles' : 'users'}`
      return {
        read: async () => ({ held: (isRole ? await client.privilegeRoleIds(pid) : await client.privilegeUserIds(pid)).includes(principalId) }),
        grant: async () => [
          {
            call: { method: 'POST', path: base, body: isRole ? { roles: [principalId] } : { users: [principalId] } },
            exec: () => (isRole ? client.assignPrivilegeRoles(pid, [principalId]) : client.assignPrivilegeUsers(pid, [principalId])),
          },
        ],
        revoke: async () => [
          { call: { method: 'DELETE', path: `${base}/${principalId}` }, exec: () => (isRole ? client.removePrivilegeRole(pid, principalId) : client.removePrivilegeUser(pid, principalId)) },
        ],
      }
    }
    case 'app': {
      const appId = Number(ent.externalId)
      const app = await known(client.getApp(appId), `unknown app ${ent.resource}: OneLogin has no app ${appId}`)
      const carrying = app.role_ids ?? []
      const viaRole = ctx.appRoles?.[String(appId)]
      const noRole = (): WardenError =>
        new WardenError(
          'BAD_INPUT',
          `${ent.resource} is given only through roles in OneLogin, and no provisioning role is configured for it: name one with --via-role <role id> (roles carrying app ${appId}: ${carrying.length === 0 ? 'none; add the app to a role first' : carrying.join(', ')})`,
        )
      if (viaRole !== undefined && !carrying.includes(viaRole)) {
        throw new WardenError('BAD_INPUT', `role:${viaRole} does not carry ${ent.resource}, so it cannot provision it (roles carrying app ${appId}: ${carrying.join(', ') || 'none'})`)
      }
      const path = viaRole === undefined ? '' : `/api/2/roles/${viaRole}/users`
      return {
        read: async () => {
          const held = ((await user()).role_ids ?? []).filter((r) => carrying.includes(r))
          return { held: held.length > 0, through: held.map((r) => `${resourceId('role', r)}:member`) }
        },
        grant: async () => {
          if (viaRole === undefined) throw noRole()
          return [{ call: { method: 'POST', path, body: [principalId] }, exec: () => client.addRoleUsers(viaRole, [principalId]) }]
        },
        revoke: async () => {
          if (viaRole === undefined) throw noRole()
          // Not a member of the provisioning role: removing them from it would change nothing.
          if (!((await user()).role_ids ?? []).includes(viaRole)) return []
          return [{ call: { method: 'DELETE', path, body: [principalId] }, exec: () => client.removeRoleUsers(viaRole, [principalId]) }]
        },
        stillHeld: (roles) => {
          const others = roles.filter((r) => r !== `role:${viaRole}:member`)
          if (others.length === 0) return undefined
          return `it is held through ${others.join(', ')}, not only through its provisioning role role:${viaRole}: revoke those role memberships too`
        },
      }
    }
    case 'user':
      break
  }
  throw new WardenError('BAD_INPUT', `${ent.resource} has no entitlements to provision`)
}

/** Has OneLogin re-run its user mappings for the user. */
function mappingsWrite(ctx: ProvisionContext, userId: number | '<new user id>'): Write {
  return {
    call: { method: 'PUT', path: `/api/2/users/${userId}?mappings=sync`, body: {} },
    exec: () => (typeof userId === 'number' ? ctx.client.updateUser(userId, {}, { mappings: 'sync' }) : Promise.resolve()),
  }
}

async function knownUser(client: OneLoginClient, id: number): Promise<OneLoginUser> {
  return known(client.getUser(id), `unknown user user:${id}: OneLogin has no user ${id}`)
}

/** A OneLogin 404 as a clear NOT_FOUND naming the Warden ID. */
async function known<T>(p: Promise<T>, message: string): Promise<T> {
  try {
    return await p
  } catch (e) {
    if (isWardenError(e) && e.code === 'ONELOGIN_NOT_FOUND') throw new WardenError('NOT_FOUND', message, { ...(e.endpoint === undefined ? {} : { endpoint: e.endpoint }), cause: e })
    throw e
  }
}

/** The scope an operation needs (onelogin-api.md §2.8), named whichever of its calls was refused first. */
const MANAGE_ALL = '"Manage all" ("Manage users" cannot assign roles or privileges)'
const MANAGE_USERS = '"Manage users" or "Manage all"'

/** Scope refusals say which scope the whole operation needs, not just the call that was refused. */
async function withScopeHint<T>(needs: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    if (!isWardenError(e) || e.code !== 'ONELOGIN_FORBIDDEN') throw e
    const endpoint = e.endpoint ?? ''
    throw new WardenError('ONELOGIN_FORBIDDEN', `the API credential's scope does not allow ${endpoint}: this needs ${needs}`, {
      endpoint,
      ...(e.upstreamStatus === undefined ? {} : { upstreamStatus: e.upstreamStatus }),
      cause: e,
    })
  }
}

// ---------------------------------------------------------------- accounts

export interface NewAccount {
  email?: string
  username?: string
  firstname?: string
  lastname?: string
  /** Role ids to add the new user to. */
  roles?: number[]
  group_id?: number
}

export interface AccountResult {
  action: 'create' | 'suspend' | 'unsuspend' | 'delete'
  user: string
  outcome: Outcome
  /** Status by name after the operation (null once deleted). */
  status: string | null
  roles?: string[]
  writes: WriteCall[]
  message: string
}


/**
 * Creates a OneLogin user (with no password OneLogin sets status 7, password pending) and adds
 * it to roles. Roles and group are checked first; if adding a role still fails, the new user is
 * deleted again so nothing is left half-done.
 */
export async function createAccount(ctx: ProvisionContext, input: NewAccount): Promise<AccountResult> {
  const email = input.email?.trim() || undefined
  const username = input.username?.trim() || undefined
  if (email === undefined && username === undefined) throw new WardenError('BAD_INPUT', 'a new account needs an email, a username or both')
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new WardenError('BAD_INPUT', `"${email}" is not an email address`)
  const { client } = ctx
  return withScopeHint((input.roles ?? []).length > 0 ? MANAGE_ALL : MANAGE_USERS, async () => {
    for (const r of input.roles ?? []) await known(client.getRole(r), `unknown role role:${r}: OneLogin has no role ${r}`)
    if (input.group_id !== undefined) await known(client.getGroup(input.group_id), `unknown group group:${input.group_id}: OneLogin has no group ${input.group_id}`)
    const fields = {
      ...(email === undefined ? {} : { email }),
      ...(username === undefined ? {} : { username }),
      ...(input.firstname === undefined ? {} : { firstname: input.firstname }),
      ...(input.lastname === undefined ? {} : { lastname: input.lastname }),
      ...(input.group_id === undefined ? {} : { group_id: input.group_id }),
    }
    const roles = [...new Set(input.roles ?? [])]
    const writes: WriteCall[] = [
      { method: 'POST', path: '/api/2/users', body: fields },
      ...roles.map((r): WriteCall => ({ method: 'POST', path: `/api/2/roles/${r}/users`, body: ['<new user id>'] })),
      ...(ctx.applyMappings === true ? [mappingsWrite(ctx, '<new user id>').call] : []),
    ]
    if (ctx.dryRun === true) {
      return { action: 'create', user: 'user:<new>', outcome: 'dry_run', status: null, writes, message: `dry run: ${writes.length} write call(s) would create the account` }
    }
    const created = await client.createUser(fields)
    const made: WriteCall[] = [writes[0] as WriteCall]
    try {
      for (const r of roles) {
        await client.addRoleUsers(r, [created.id])
        made.push({ method: 'POST', path: `/api/2/roles/${r}/users`, body: [created.id] })
      }
      if (ctx.applyMappings === true) {
        const m = mappingsWrite(ctx, created.id)
        await m.exec()
        made.push(m.call)
      }
    } catch (e) {
      // Undo: a user without the roles asked for is a half-done account.
      const undo = await client.deleteUser(created.id).then(
        () => `the new user ${created.id} was deleted again`,
        (d: unknown) => `the new user ${created.id} could not be deleted either: remove user:${created.id} by hand (${d instanceof Error ? d.message : String(d)})`,
      )
      const why = e instanceof Error ? e.message : String(e)
      throw isWardenError(e) ? new WardenError(e.code, `${why}; ${undo}`, { cause: e, ...(e.endpoint === undefined ? {} : { endpoint: e.endpoint }) }) : e
    }
    const after = await client.getUser(created.id)
    const missing = roles.filter((r) => !(after.role_ids ?? []).includes(r))
    const base = { action: 'create' as const, user: resourceId('user', created.id), status: statusName(after.status), roles: (after.role_ids ?? []).map((r) => resourceId('role', r)), writes: made }
    if (missing.length > 0) return { ...base, outcome: 'not_applied', message: `created user:${created.id} but OneLogin did not apply roles ${missing.join(', ')}` }
    return { ...base, outcome: 'changed', message: `created user:${created.id} (${statusName(after.status)})` }
  })
}

export function suspendAccount(ctx: ProvisionContext, user: string): Promise<AccountResult> {
  return setStatus(ctx, user, 'suspend', 2)
}

export function unsuspendAccount(ctx: ProvisionContext, user: string): Promise<AccountResult> {
  return setStatus(ctx, user, 'unsuspend', 1)
}

async function setStatus(ctx: ProvisionContext, user: string, action: 'suspend' | 'unsuspend', status: 1 | 2): Promise<AccountResult> {
  const id = userIdOf(user)
  return withScopeHint(MANAGE_USERS, async () => {
    const before = await knownUser(ctx.client, id)
    const base = { action, user: resourceId('user', id) }
    if (before.status === status) return { ...base, outcome: 'no_change', status: statusName(status), writes: [], message: `no change: user:${id} is already ${statusName(status)}` }
    const mappings = ctx.applyMappings === true ? mappingsWrite(ctx, id) : undefined
    const writes: WriteCall[] = [{ method: 'PUT', path: `/api/2/users/${id}`, body: { status } }, ...(mappings === undefined ? [] : [mappings.call])]
    if (ctx.dryRun === true) return { ...base, outcome: 'dry_run', status: statusName(before.status), writes, message: `dry run: would ${action} user:${id} (now ${statusName(before.status)})` }
    await ctx.client.updateUser(id, { status })
    await mappings?.exec()
    const after = await ctx.client.getUser(id)
    if (after.status !== status) {
      return { ...base, outcome: 'not_applied', status: statusName(after.status), writes, message: `OneLogin accepted the change but user:${id} is ${statusName(after.status)}, not ${statusName(status)}` }
    }
    return { ...base, outcome: 'changed', status: statusName(after.status), writes, message: `${action === 'suspend' ? 'suspended' : 'unsuspended'} user:${id}` }
  })
}

/** Deletes a OneLogin user (permanent in OneLogin). Deleting a user that does not exist is no change. */
export async function deleteAccount(ctx: ProvisionContext, user: string): Promise<AccountResult> {
  const id = userIdOf(user)
  const base = { action: 'delete' as const, user: resourceId('user', id) }
  return withScopeHint(MANAGE_USERS, async () => {
    const exists = await ctx.client.getUser(id).then(
      () => true,
      (e: unknown) => {
        if (isWardenError(e) && e.code === 'ONELOGIN_NOT_FOUND') return false
        throw e
      },
    )
    if (!exists) return { ...base, outcome: 'no_change', status: null, writes: [], message: `no change: OneLogin has no user ${id}` }
    const writes: WriteCall[] = [{ method: 'DELETE', path: `/api/2/users/${id}` }]
    if (ctx.dryRun === true) return { ...base, outcome: 'dry_run', status: null, writes, message: `dry run: would delete user:${id}` }
    await ctx.client.deleteUser(id)
    const gone = await ctx.client.getUser(id).then(
      () => false,
      (e: unknown) => isWardenError(e) && e.code === 'ONELOGIN_NOT_FOUND',
    )
    if (!gone) return { ...base, outcome: 'not_applied', status: null, writes, message: `OneLogin accepted the delete but user:${id} still exists` }
    return { ...base, outcome: 'changed', status: null, writes, message: `deleted user:${id}` }
  })
}

function userIdOf(user: string): number {
  const trimmed = user.trim()
  const parsed = parseResourceId(/^\d+$/.test(trimmed) ? `user:${trimmed}` : trimmed)
  if (parsed.type !== 'user') throw new WardenError('BAD_INPUT', `"${user}" is not a user (expected user:<id> or a OneLogin user id)`)
  return Number(parsed.externalId)
}
