/**
 * The emulator's mutable tenant: users, roles, apps, groups and privileges loaded from a
 * `TenantSeed`, plus the indexes that keep every request O(page) or O(n) at worst:
 *
 * - users, roles, apps, groups by id (Maps);
 * - role → users/admins (with `added_at`/`added_by`, §4.4) and role → apps;
 * - user → roles and app → roles, maintained on every membership change, so `role_ids`
 *   and "who can use this app" never scan all roles;
 * - username → user id for the create/update uniqueness rule (§3.3).
 *
 * Derived lists (sorted users, filtered user lists, an app's users) go through a small LRU cache
 * that is dropped on any mutation: a read-only walk of 100k users computes each list once.
 */
import type { SeedApp, SeedCredential, SeedPrivilege, TenantSeed, UserStatus } from './seed.js'
import { IdMap, IdSet } from './id-map.js'

export interface UserRecord {
  id: number
  username: string | null
  email: string | null
  firstname: string | null
  lastname: string | null
  title: string | null
  department: string | null
  company: string | null
  comment: string | null
  phone: string | null
  status: UserStatus
  state: 0 | 1 | 2 | 3
  group_id: number | null
  manager_user_id: number | null
  manager_ad_id: string | number | null
  directory_id: number | null
  trusted_idp_id: number | null
  external_id: string | null
  samaccountname: string | null
  userprincipalname: string | null
  distinguished_name: string | null
  member_of: string | null
  preferred_locale_code: string | null
  custom_attributes: Record<string, string | null>
  created_at: string
  updated_at: string
  activated_at: string | null
  invitation_sent_at: string | null
  last_login: string | null
  password_changed_at: string | null
  locked_until: string | null
  invalid_login_attempts: number
  has_password: boolean
}

/** How a user came to be a role member or admin (§4.4: `added_by` may hold nulls). */
export interface Membership {
  added_at: string | null
  added_by: { id: number | null; name: string | null }
  /** Added by a user mapping: the role APIs cannot remove it (onelogin-api.md §3.7, §4.4). */
  via_mapping?: boolean
}

export interface RoleRecord {
  id: number
  name: string
  users: IdMap<Membership>
  admins: IdMap<Membership>
  apps: IdSet
}

export type AppRecord = SeedApp

export interface GroupRecord {
  id: number
  name: string
}

export interface PrivilegeRecord {
  id: string
  name: string
  description: string
  statements: SeedPrivilege['statements']
  users: IdSet
  roles: IdSet
}

const CACHE_ENTRIES = 32
const SEED_ADDED_BY: Membership['added_by'] = { id: null, name: null }

export class EmulatorState {
  readonly subdomain: string
  readonly accountId: number
  readonly credentials: readonly SeedCredential[]
  readonly users = new Map<number, UserRecord>()
  readonly roles = new Map<number, RoleRecord>()
  readonly apps = new Map<number, AppRecord>()
  readonly groups = new Map<number, GroupRecord>()
  readonly privileges = new Map<string, PrivilegeRecord>()

  readonly #userRoles = new Map<number, IdSet>()
  readonly #userAdminRoles = new Map<number, IdSet>()
  readonly #appRoles = new Map<number, IdSet>()
  readonly #usernames = new Map<string, number>()
  readonly #cache = new Map<string, unknown>()
  #nextUserId = 1
  #nextRoleId = 1

  constructor(seed: TenantSeed) {
    this.subdomain = seed.subdomain
    this.accountId = seed.account_id
    this.credentials = seed.credentials.map((c) => ({ ...c }))
    for (const u of seed.users) {
      // Field by field, not `{...u}`: every record gets the same hidden class, and object
      // rest/spread over 100k users was the bulk of start-up time.
      const rec: UserRecord = {
        id: u.id,
        username: u.username,
        email: u.email,
        firstname: u.firstname,
        lastname: u.lastname,
        title: u.title,
        department: u.department,
        company: u.company,
        comment: u.comment,
        phone: u.phone,
        status: u.status,
        state: u.state,
        group_id: u.group_id,
        manager_user_id: u.manager_user_id,
        manager_ad_id: null,
        directory_id: u.directory_id,
        trusted_idp_id: null,
        external_id: u.external_id,
        samaccountname: u.samaccountname,
        userprincipalname: null,
        distinguished_name: null,
        member_of: null,
        preferred_locale_code: null,
        custom_attributes: { ...u.custom_attributes },
        created_at: u.created_at,
        updated_at: u.updated_at,
        activated_at: u.activated_at,
        invitation_sent_at: null,
        last_login: u.last_login,
        password_changed_at: u.password_changed_at,
        locked_until: u.locked_until,
        invalid_login_attempts: u.invalid_login_attempts,
        has_password: u.has_password,
      }
      this.users.set(u.id, rec)
      this.#indexUsername(rec)
      if (u.id >= this.#nextUserId) this.#nextUserId = u.id + 1
    }
    for (const a of seed.apps) this.apps.set(a.id, { ...a })
    for (const g of seed.groups) this.groups.set(g.id, { id: g.id, name: g.name })
    for (const r of seed.roles) {
      const role: RoleRecord = { id: r.id, name: r.name, users: new IdMap(), admins: new IdMap(), apps: new IdSet() }
      this.roles.set(r.id, role)
      if (r.id >= this.#nextRoleId) this.#nextRoleId = r.id + 1
      for (const uid of r.users) {
        const user = this.users.get(uid)
        if (user) this.#addMember(role, 'users', uid, { added_at: user.created_at, added_by: SEED_ADDED_BY })
      }
      for (const uid of r.admins) {
        const user = this.users.get(uid)
        if (user) this.#addMember(role, 'admins', uid, { added_at: user.created_at, added_by: SEED_ADDED_BY })
      }
      for (const aid of r.apps) if (this.apps.has(aid)) this.#addApp(role, aid)
    }
    for (const p of seed.privileges) {
      const priv: PrivilegeRecord = {
        id: p.id,
        name: p.name,
        description: p.description,
        statements: p.statements.map((s) => ({ Effect: s.Effect, Action: [...s.Action], Scope: [...s.Scope] })),
        users: new IdSet(),
        roles: new IdSet(),
      }
      for (const uid of p.users) if (this.users.has(uid)) priv.users.add(uid)
      for (const rid of p.roles) if (this.roles.has(rid)) priv.roles.add(rid)
      this.privileges.set(p.id, priv)
    }
  }

  // ---------------------------------------------------------------- derived, cached reads

  /** Memoises `compute` under `key` until the next mutation (bounded LRU). */
  cached<T>(key: string, compute: () => T): T {
    if (this.#cache.has(key)) {
      const value = this.#cache.get(key) as T
      this.#cache.delete(key)
      this.#cache.set(key, value)
      return value
    }
    const value = compute()
    this.#cache.set(key, value)
    if (this.#cache.size > CACHE_ENTRIES) {
      const oldest = this.#cache.keys().next().value
      if (oldest !== undefined) this.#cache.delete(oldest)
    }
    return value
  }

  #changed(): void {
    this.#cache.clear()
  }

  sortedUsers(): readonly UserRecord[] {
    return this.cached('users:sorted', () => [...this.users.values()].sort((a, b) => a.id - b.id))
  }

  sortedRoles(): readonly RoleRecord[] {
    return this.cached('roles:sorted', () => [...this.roles.values()].sort((a, b) => a.id - b.id))
  }

  sortedApps(): readonly AppRecord[] {
    return this.cached('apps:sorted', () => [...this.apps.values()].sort((a, b) => a.id - b.id))
  }

  sortedGroups(): readonly GroupRecord[] {
    return this.cached('groups:sorted', () => [...this.groups.values()].sort((a, b) => a.id - b.id))
  }

  /** Role ids the user is a member of, ascending (the v2 `role_ids`, v1 `role_id`). */
  userRoleIds(userId: number): readonly number[] {
    return this.#userRoles.get(userId)?.sortedIds() ?? []
  }

  /** Role ids holding the app, ascending (the full app object's `role_ids`, §5.2). */
  appRoleIds(appId: number): readonly number[] {
    return this.#appRoles.get(appId)?.sortedIds() ?? []
  }

  /**
   * Users who get the app: the union of the members of every role holding it (§5.3, §5.4).
   * Computed once per app until the next mutation.
   */
  appUserIds(appId: number): readonly number[] {
    return this.cached(`app-users:${appId}`, () => {
      const roles = this.#appRoles.get(appId)
      if (!roles || roles.size === 0) return []
      if (roles.size === 1) {
        const only = this.roles.get(roles.keys().next().value as number)
        return only ? only.users.sortedIds() : []
      }
      const ids = new Set<number>()
      for (const rid of roles.keys()) {
        const role = this.roles.get(rid)
        if (role) for (const uid of role.users.keys()) ids.add(uid)
      }
      return [...ids].sort((a, b) => a - b)
    })
  }

  /** Apps the user gets through their roles, ascending by app id. */
  userAppIds(userId: number): number[] {
    const ids = new Set<number>()
    for (const rid of this.userRoleIds(userId)) {
      const role = this.roles.get(rid)
      if (role) for (const aid of role.apps.keys()) ids.add(aid)
    }
    return [...ids].sort((a, b) => a - b)
  }

  userIdByUsername(username: string): number | undefined {
    return this.#usernames.get(username.toLowerCase())
  }

  // ---------------------------------------------------------------- users

  newUserId(): number {
    return this.#nextUserId++
  }

  insertUser(user: UserRecord): void {
    this.users.set(user.id, user)
    this.#indexUsername(user)
    if (user.id >= this.#nextUserId) this.#nextUserId = user.id + 1
    this.#changed()
  }

  /** Applies `patch` to the user, keeping the username index in step. */
  updateUser(user: UserRecord, patch: Partial<UserRecord>): void {
    this.#unindexUsername(user)
    Object.assign(user, patch)
    this.#indexUsername(user)
    this.#changed()
  }

  /** Deletes the user and every membership: roles (member and admin) and privileges (§3.3). */
  deleteUser(userId: number): boolean {
    const user = this.users.get(userId)
    if (!user) return false
    for (const rid of [...(this.#userRoles.get(userId)?.keys() ?? [])]) {
      const role = this.roles.get(rid)
      if (role) this.#removeMember(role, 'users', userId)
    }
    for (const rid of [...(this.#userAdminRoles.get(userId)?.keys() ?? [])]) {
      const role = this.roles.get(rid)
      if (role) this.#removeMember(role, 'admins', userId)
    }
    for (const p of this.privileges.values()) p.users.delete(userId)
    this.#unindexUsername(user)
    this.users.delete(userId)
    this.#changed()
    return true
  }

  #indexUsername(user: UserRecord): void {
    if (user.username) this.#usernames.set(user.username.toLowerCase(), user.id)
  }

  #unindexUsername(user: UserRecord): void {
    if (user.username && this.#usernames.get(user.username.toLowerCase()) === user.id) {
      this.#usernames.delete(user.username.toLowerCase())
    }
  }

  // ---------------------------------------------------------------- roles

  createRole(name: string): RoleRecord {
    const role: RoleRecord = { id: this.#nextRoleId++, name, users: new IdMap(), admins: new IdMap(), apps: new IdSet() }
    this.roles.set(role.id, role)
    this.#changed()
    return role
  }

  renameRole(role: RoleRecord, name: string): void {
    role.name = name
    this.#changed()
  }

  /** Deletes the role; its users and admins are disassociated (§4.3), privileges lose it too. */
  deleteRole(roleId: number): boolean {
    const role = this.roles.get(roleId)
    if (!role) return false
    for (const uid of [...role.users.keys()]) this.#removeMember(role, 'users', uid)
    for (const uid of [...role.admins.keys()]) this.#removeMember(role, 'admins', uid)
    for (const aid of [...role.apps.keys()]) this.#removeApp(role, aid)
    for (const p of this.privileges.values()) p.roles.delete(roleId)
    this.roles.delete(roleId)
    this.#changed()
    return true
  }

  /** Adds users as members or admins; existing memberships keep their `added_at`. */
  addRoleMembers(role: RoleRecord, kind: 'users' | 'admins', userIds: readonly number[], at: string): void {
    for (const uid of userIds) {
      if (!role[kind].has(uid)) this.#addMember(role, kind, uid, { added_at: at, added_by: { id: null, name: null } })
    }
    this.#changed()
  }

  /**
   * Removes memberships. Members a mapping added stay: OneLogin documents that remove_roles
   * will not remove them and that the Roles API is not for mapping-made membership; the call
   * still succeeds (the emulator's reading of the docs: the write is accepted, not applied).
   */
  removeRoleMembers(role: RoleRecord, kind: 'users' | 'admins', userIds: readonly number[]): void {
    for (const uid of userIds) if (role[kind].get(uid)?.via_mapping !== true) this.#removeMember(role, kind, uid)
    this.#changed()
  }

  /** Role membership as a user mapping makes it (control plane only: the emulator runs no mappings). */
  addMappingMembers(role: RoleRecord, userIds: readonly number[], at: string): void {
    for (const uid of userIds) this.#addMember(role, 'users', uid, { added_at: at, added_by: { id: null, name: 'Mapping' }, via_mapping: true })
    this.#changed()
  }

  /** Replaces the role's whole app set (§4.5). */
  setRoleApps(role: RoleRecord, appIds: readonly number[]): void {
    const wanted = new Set(appIds)
    for (const aid of [...role.apps.keys()]) if (!wanted.has(aid)) this.#removeApp(role, aid)
    for (const aid of wanted) if (!role.apps.has(aid)) this.#addApp(role, aid)
    this.#changed()
  }

  #addMember(role: RoleRecord, kind: 'users' | 'admins', userId: number, info: Membership): void {
    role[kind].set(userId, info)
    const index = kind === 'users' ? this.#userRoles : this.#userAdminRoles
    let set = index.get(userId)
    if (!set) index.set(userId, (set = new IdSet()))
    set.add(role.id)
  }

  #removeMember(role: RoleRecord, kind: 'users' | 'admins', userId: number): void {
    if (!role[kind].delete(userId)) return
    const index = kind === 'users' ? this.#userRoles : this.#userAdminRoles
    index.get(userId)?.delete(role.id)
  }

  #addApp(role: RoleRecord, appId: number): void {
    role.apps.add(appId)
    let set = this.#appRoles.get(appId)
    if (!set) this.#appRoles.set(appId, (set = new IdSet()))
    set.add(role.id)
  }

  #removeApp(role: RoleRecord, appId: number): void {
    role.apps.delete(appId)
    this.#appRoles.get(appId)?.delete(role.id)
  }

  // ---------------------------------------------------------------- privileges

  assignPrivilege(priv: PrivilegeRecord, kind: 'users' | 'roles', ids: readonly number[]): void {
    for (const id of ids) priv[kind].add(id)
    this.#changed()
  }

  unassignPrivilege(priv: PrivilegeRecord, kind: 'users' | 'roles', id: number): boolean {
    const removed = priv[kind].delete(id)
    if (removed) this.#changed()
    return removed
  }

  /** Marks a user change that bypasses the helpers above (status flips and the like). */
  touchUser(user: UserRecord, at: string): void {
    user.updated_at = at
    this.#changed()
  }
}
