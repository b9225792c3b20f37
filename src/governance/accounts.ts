import type { Kysely } from 'kysely'
import { WardenError, isWardenError } from '../errors/index.js'
import {
  addMs,
  consumeSetupToken,
  countUsers,
  createApiToken,
  createSession,
  createSetupToken,
  createUser,
  deleteSession,
  deleteUserSessions,
  findApiToken,
  findSession,
  getUser,
  listApiTokens,
  listUsers,
  normalizeEmail,
  revokeApiToken,
  expireSetupTokens,
  getApiToken,
  setUserPassword,
  touchApiToken,
  touchSession,
  updateUser,
  verifyUserPassword,
} from '../store/index.js'
import type { ApiToken, Database, Page, PageRequest, Store, User } from '../store/index.js'
import { audited } from './audited.js'
import {
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  SESSION_TOUCH_EVERY_MS,
  SETUP_TOKEN_TTL_MS,
  SYSTEM_ACTOR,
  TOKEN_MAX_DAYS,
  TOKEN_TOUCH_EVERY_MS,
  authorize,
  checkNewPassword,
  checkRoles,
} from './policy.js'
import type { Actor, WardenRole } from './policy.js'

/**
 * Warden's own people: the first-admin setup, sign-in and sessions, API tokens, and the Super
 * Administrator's management of users and roles. Every change goes through `audited()`, so it and
 * its audit entry commit together. Secrets (passwords, session and API tokens) are only ever
 * handed back once, to the caller that created them; the store keeps hashes.
 */

export interface Clock {
  now?: Date
}

/** A new browser session: the cookie token (give it to the client, never log it) and its expiry. */
export interface NewSession {
  token: string
  expires_at: string
}

export interface SignedIn {
  user: User
  session: NewSession
}

function actorOf(user: User, via: Actor['via']): Actor {
  return { id: user.id, roles: user.roles, via }
}

function userTarget(user: User): { target_type: string; target_id: string } {
  return { target_type: 'user', target_id: user.id }
}

// ---------------------------------------------------------------------------------------------
// First start

/** True when an enabled Super Administrator exists. */
export async function isSetUp(db: Kysely<Database>): Promise<boolean> {
  return (await countUsers(db, { role: 'super-admin', disabled: false })) > 0
}

/**
 * On a start without an enabled Super Administrator: a new one-time setup token (valid for
 * SETUP_TOKEN_TTL_MS; links printed by earlier starts stop working). Undefined when Warden is
 * already set up, so a restart prints no link.
 */
export async function prepareSetup(store: Store, clock: Clock = {}): Promise<{ token: string; expires_at: string } | undefined> {
  const now = clock.now ?? new Date()
  return audited(store, SYSTEM_ACTOR, async (trx) => {
    if (await isSetUp(trx)) return { result: undefined, audit: [] }
    await expireSetupTokens(trx, { now })
    const { token, setupToken } = await createSetupToken(trx, { ttlMs: SETUP_TOKEN_TTL_MS, now })
    return {
      result: { token, expires_at: setupToken.expires_at },
      audit: [{ action: 'setup.link.create', target_type: 'setup_token', target_id: setupToken.id, after: { expires_at: setupToken.expires_at } }],
    }
  })
}

export interface SetupInput {
  token: string
  email: string
  display_name: string
  password: string
}

/**
 * Uses the one-time setup token to create the first Super Administrator, and signs them in.
 * UNAUTHENTICATED when the token is unknown, used or expired; CONFLICT when a Super Administrator
 * exists already. The token is consumed in the same transaction, so a refused creation (a bad
 * email) leaves it usable.
 */
export async function completeSetup(store: Store, input: SetupInput, clock: Clock = {}): Promise<SignedIn> {
  checkNewPassword(input.password)
  const now = clock.now ?? new Date()
  return audited(store, SYSTEM_ACTOR, async (trx) => {
    if (!(await consumeSetupToken(trx, input.token, { now }))) {
      throw new WardenError('UNAUTHENTICATED', 'this setup link is invalid, has expired or was already used; restart Warden for a new one')
    }
    if (await isSetUp(trx)) throw new WardenError('CONFLICT', 'Warden is already set up: sign in as a Super Administrator')
    const user = await createUser(
      trx,
      { email: input.email, display_name: input.display_name, password: input.password, roles: ['super-admin'] },
      { now },
    )
    await expireSetupTokens(trx, { now })
    const { token, session } = await createSession(trx, user.id, { ttlMs: SESSION_IDLE_MS, now })
    return {
      result: { user, session: { token, expires_at: session.expires_at } },
      audit: [{ actor: user.id, action: 'setup.complete', ...userTarget(user), after: user }],
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Sign-in

/**
 * Signs in with email and password. UNAUTHENTICATED with the same message whether the email is
 * unknown, the password wrong, or the account disabled or without a password (and the same scrypt
 * work either way, see verifyUserPassword).
 */
export async function signIn(store: Store, credentials: { email: string; password: string }, clock: Clock = {}): Promise<SignedIn> {
  const now = clock.now ?? new Date()
  const user = await verifyUserPassword(store.db, credentials.email, credentials.password)
  if (user === undefined) throw new WardenError('UNAUTHENTICATED', 'the email or password is incorrect')
  return audited(store, actorOf(user, 'session'), async (trx) => {
    const { token, session } = await createSession(trx, user.id, { ttlMs: SESSION_IDLE_MS, now })
    return {
      result: { user, session: { token, expires_at: session.expires_at } },
      audit: [{ action: 'auth.login', ...userTarget(user), after: { via: 'password' } }],
    }
  })
}

/** Ends the session of a cookie token (recorded when there was one). */
export async function signOut(store: Store, actor: Actor, sessionToken: string): Promise<void> {
  await audited(store, actor, async (trx) => {
    const ended = await deleteSession(trx, sessionToken)
    return { result: undefined, audit: ended ? [{ action: 'auth.logout', target_type: 'user', target_id: actor.id }] : [] }
  })
}

export interface Authenticated {
  actor: Actor
  user: User
}

/**
 * The signed-in user of a session cookie token, or undefined (unknown, expired, user disabled).
 * Activity slides the expiry (idle timeout SESSION_IDLE_MS, never past SESSION_MAX_MS after
 * sign-in), written at most every SESSION_TOUCH_EVERY_MS.
 */
export async function authenticateSession(store: Store, token: string, clock: Clock = {}): Promise<Authenticated | undefined> {
  const now = clock.now ?? new Date()
  const found = await findSession(store.db, token, { now })
  if (found === undefined) return undefined
  const { session, user } = found
  if (now.getTime() - Date.parse(session.last_seen_at) >= SESSION_TOUCH_EVERY_MS) {
    const cap = Date.parse(session.created_at) + SESSION_MAX_MS
    const expiresAt = new Date(Math.min(now.getTime() + SESSION_IDLE_MS, cap))
    await touchQuietly(() => touchSession(store.db, session.id, { now, expiresAt }))
  }
  return { actor: actorOf(user, 'session'), user }
}

/** The user of an API token, or undefined (unknown, revoked, expired, user disabled). */
export async function authenticateApiToken(store: Store, token: string, clock: Clock = {}): Promise<(Authenticated & { tokenId: string }) | undefined> {
  const now = clock.now ?? new Date()
  const found = await findApiToken(store.db, token, { now })
  if (found === undefined) return undefined
  const { apiToken, user } = found
  const last = apiToken.last_used_at === null ? 0 : Date.parse(apiToken.last_used_at)
  if (now.getTime() - last >= TOKEN_TOUCH_EVERY_MS) await touchQuietly(() => touchApiToken(store.db, apiToken.id, { now }))
  return { actor: actorOf(user, 'token'), user, tokenId: apiToken.id }
}

/**
 * Records activity unless the database is busy: on SQLite another connection may hold the write
 * lock for a while (a sync's ingest in a worker), and a missed touch only means the next request
 * records it. A read-only request must not fail for it.
 */
async function touchQuietly(touch: () => Promise<unknown>): Promise<void> {
  try {
    await touch()
  } catch (e) {
    if (!(isWardenError(e) && e.code === 'DATABASE_UNAVAILABLE')) throw e
  }
}

// ---------------------------------------------------------------------------------------------
// Own account

/** The actor's own account. */
export async function getSelf(store: Store, actor: Actor): Promise<User> {
  authorize(actor, 'self:read')
  const user = await getUser(store.db, actor.id)
  if (user === undefined) throw new WardenError('UNAUTHENTICATED', 'your account no longer exists')
  return user
}

/**
 * Changes the actor's password after checking the current one, and signs the account out
 * everywhere. With `newSession`, the caller (signed in by a session) gets a fresh session back.
 */
export async function changeOwnPassword(
  store: Store,
  actor: Actor,
  input: { current_password: string; new_password: string },
  options: Clock & { newSession?: boolean } = {},
): Promise<NewSession | undefined> {
  authorize(actor, 'self:write')
  checkNewPassword(input.new_password)
  const now = options.now ?? new Date()
  const user = await getSelf(store, actor)
  if ((await verifyUserPassword(store.db, user.email, input.current_password)) === undefined) {
    throw new WardenError('BAD_INPUT', 'the current password is incorrect')
  }
  return audited(store, actor, async (trx) => {
    await setUserPassword(trx, user.id, input.new_password, { now })
    const ended = await deleteUserSessions(trx, user.id)
    let session: NewSession | undefined
    if (options.newSession === true) {
      const created = await createSession(trx, user.id, { ttlMs: SESSION_IDLE_MS, now })
      session = { token: created.token, expires_at: created.session.expires_at }
    }
    return { result: session, audit: [{ action: 'user.password.change', ...userTarget(user), after: { sessions_ended: ended } }] }
  })
}

export async function listOwnApiTokens(store: Store, actor: Actor, page: PageRequest = {}): Promise<Page<ApiToken>> {
  authorize(actor, 'self:read')
  return listApiTokens(store.db, actor.id, page)
}

/** A new API token for the actor: the token is in the result once and never again. */
export async function createOwnApiToken(
  store: Store,
  actor: Actor,
  input: { name: string; expires_in_days?: number | null },
  clock: Clock = {},
): Promise<{ token: string; apiToken: ApiToken }> {
  authorize(actor, 'self:write')
  const now = clock.now ?? new Date()
  const days = input.expires_in_days ?? null
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > TOKEN_MAX_DAYS)) {
    throw new WardenError('BAD_INPUT', `expires_in_days must be a whole number from 1 to ${TOKEN_MAX_DAYS}, or null for never`)
  }
  return audited(store, actor, async (trx) => {
    const created = await createApiToken(trx, {
      userId: actor.id,
      name: input.name,
      expiresAt: days === null ? null : addMs(now, days * 24 * 60 * 60 * 1000),
      now,
    })
    return {
      result: created,
      audit: [{ action: 'api_token.create', target_type: 'api_token', target_id: created.apiToken.id, after: created.apiToken }],
    }
  })
}

/** Revokes one of the actor's tokens. NOT_FOUND for someone else's or an unknown id; a no-op when already revoked. */
export async function revokeOwnApiToken(store: Store, actor: Actor, id: string, clock: Clock = {}): Promise<void> {
  authorize(actor, 'self:write')
  const now = clock.now ?? new Date()
  await audited(store, actor, async (trx) => {
    const before = await getApiToken(trx, id)
    if (before === undefined || before.user_id !== actor.id) throw new WardenError('NOT_FOUND', `you have no API token ${id}`)
    if (!(await revokeApiToken(trx, id, { now, userId: actor.id }))) return { result: undefined, audit: [] }
    const after = await getApiToken(trx, id)
    return { result: undefined, audit: [{ action: 'api_token.revoke', target_type: 'api_token', target_id: id, before, after }] }
  })
}

// ---------------------------------------------------------------------------------------------
// Users and roles (Super Administrator)

export interface UserListFilter {
  role?: WardenRole
  disabled?: boolean
  /** The user with this email, ignoring case (looking someone up by address, e.g. Terraform's data source). */
  email?: string
}

export async function listWardenUsers(store: Store, actor: Actor, filter: UserListFilter = {}, page: PageRequest = {}): Promise<Page<User>> {
  authorize(actor, 'users:read')
  return listUsers(store.db, filter, page)
}

export async function getWardenUser(store: Store, actor: Actor, id: string): Promise<User> {
  authorize(actor, 'users:read')
  const user = await getUser(store.db, id)
  if (user === undefined) throw new WardenError('NOT_FOUND', `no user ${id}`)
  return user
}

export interface NewWardenUser {
  email: string
  display_name: string
  /** The initial password; the person changes it with PUT /api/v1/me/password. */
  password: string
  roles?: readonly string[]
}

export async function createWardenUser(store: Store, actor: Actor, input: NewWardenUser, clock: Clock = {}): Promise<User> {
  authorize(actor, 'users:write')
  checkNewPassword(input.password)
  const roles = checkRoles(input.roles ?? [])
  const now = clock.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const user = await createUser(trx, { email: input.email, display_name: input.display_name, password: input.password, roles }, { now })
    return { result: user, audit: [{ action: 'user.create', ...userTarget(user), after: user }] }
  })
}

export interface WardenUserPatch {
  email?: string
  display_name?: string
  roles?: readonly string[]
  disabled?: boolean
}

/**
 * Changes a user's email, name, roles or disabled flag. Disabling signs them out everywhere (their
 * API tokens stop working while disabled). CONFLICT when the change would leave no enabled Super
 * Administrator; the change is then rolled back with nothing recorded.
 */
export async function updateWardenUser(store: Store, actor: Actor, id: string, patch: WardenUserPatch, clock: Clock = {}): Promise<User> {
  authorize(actor, 'users:write')
  const roles = patch.roles === undefined ? undefined : checkRoles(patch.roles)
  const now = clock.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const before = await getUser(trx, id)
    if (before === undefined) throw new WardenError('NOT_FOUND', `no user ${id}`)
    const sameRoles = roles === undefined || [...roles].sort().join() === [...before.roles].sort().join()
    const unchanged =
      (patch.email === undefined || normalizeEmail(patch.email) === before.email) &&
      (patch.display_name === undefined || patch.display_name.trim() === before.display_name) &&
      (patch.disabled === undefined || patch.disabled === before.disabled) &&
      sameRoles
    if (unchanged) return { result: before, audit: [] }
    const after = await updateUser(trx, id, { ...patch, ...(roles === undefined ? {} : { roles }) }, { now })
    const wasSuperAdmin = before.roles.includes('super-admin') && !before.disabled
    const isSuperAdmin = after.roles.includes('super-admin') && !after.disabled
    if (wasSuperAdmin && !isSuperAdmin && !(await isSetUp(trx))) {
      throw new WardenError('CONFLICT', `${before.email} is the last enabled Super Administrator: make someone else one first`)
    }
    if (after.disabled && !before.disabled) await deleteUserSessions(trx, id)
    return { result: after, audit: [{ action: 'user.update', ...userTarget(after), before, after }] }
  })
}
