import type { Kysely, Selectable } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database, UsersTable } from './database.js'
import { affected, isUniqueViolation } from './db-errors.js'
import { newId } from './ids.js'
import { containsText } from './like.js'
import { pageLimit, decodeCursor, keysetAfter, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js'
import { isoTime } from './time.js'

/** A Warden account as the rest of Warden sees it; the password hash never leaves this module. */
export interface User {
  id: string
  email: string
  display_name: string
  roles: string[]
  disabled: boolean
  has_password: boolean
  created_at: string
  updated_at: string
}

export interface NewUser {
  email: string
  display_name: string
  /** Hashed with scrypt here; the password itself is never stored. */
  password?: string
  roles?: readonly string[]
  disabled?: boolean
}

export interface UserPatch {
  email?: string
  display_name?: string
  roles?: readonly string[]
  disabled?: boolean
}

export interface UserFilter {
  role?: string
  /** Users holding at least one of these roles. */
  anyRole?: readonly string[]
  disabled?: boolean
  /** The user with this email, ignoring case (emails are stored lower-cased). */
  email?: string
}

/** What other people see of a user: enough to recognise them. */
export interface UserSummary {
  id: string
  email: string
  display_name: string
}

export interface Clock {
  /** The time to record; default now. */
  now?: Date
}

// No `_` or `%`: role names are matched with LIKE (see roleFilter).
const ROLE = /^[a-z][a-z0-9-]{0,63}$/
// Deliberately loose (the server validates addresses properly): one @, something either side, no spaces.
const EMAIL = /^[^\s@]+@[^\s@]+$/

/** Lower-cased and trimmed: how emails are stored and compared. */
export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase()
  if (!EMAIL.test(e) || e.length > 320) throw new WardenError('BAD_INPUT', `invalid email address: ${JSON.stringify(email)}`)
  return e
}

function normalizeRoles(roles: readonly string[]): string {
  for (const r of roles) {
    if (!ROLE.test(r)) throw new WardenError('BAD_INPUT', `invalid role name ${JSON.stringify(r)}: use lower-case letters, digits and -`)
  }
  return JSON.stringify([...new Set(roles)].sort())
}

function displayName(name: string): string {
  const n = name.trim()
  if (n === '' || n.length > 200) throw new WardenError('BAD_INPUT', 'display name must be 1 to 200 characters')
  return n
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    display_name: row.display_name,
    roles: JSON.parse(row.roles) as string[],
    disabled: row.disabled === 1,
    has_password: row.password_hash !== null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

function emailTaken(email: string, cause: unknown): WardenError {
  return new WardenError('CONFLICT', `a user with email ${email} already exists`, { cause })
}

/** Creates a user; CONFLICT when the email (case-insensitively) is taken. */
export async function createUser(db: Kysely<Database>, input: NewUser, clock: Clock = {}): Promise<User> {
  const now = isoTime(clock.now ?? new Date())
  const row: Selectable<UsersTable> = {
    id: newId('usr'),
    email: normalizeEmail(input.email),
    display_name: displayName(input.display_name),
    password_hash: input.password === undefined ? null : await hashPassword(input.password),
    roles: normalizeRoles(input.roles ?? []),
    disabled: input.disabled === true ? 1 : 0,
    created_at: now,
    updated_at: now,
  }
  try {
    await db.insertInto('users').values(row).execute()
  } catch (e) {
    if (isUniqueViolation(e)) throw emailTaken(row.email, e)
    throw e
  }
  return toUser(row)
}

export async function getUser(db: Kysely<Database>, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toUser(row)
}

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst()
  return row === undefined ? undefined : toUser(row)
}

/** Changes a user's fields; NOT_FOUND for an unknown id, CONFLICT for a taken email. */
export async function updateUser(db: Kysely<Database>, id: string, patch: UserPatch, clock: Clock = {}): Promise<User> {
  const values: Partial<UsersTable> = { updated_at: isoTime(clock.now ?? new Date()) }
  if (patch.email !== undefined) values.email = normalizeEmail(patch.email)
  if (patch.display_name !== undefined) values.display_name = displayName(patch.display_name)
  if (patch.roles !== undefined) values.roles = normalizeRoles(patch.roles)
  if (patch.disabled !== undefined) values.disabled = patch.disabled ? 1 : 0
  let row: Selectable<UsersTable> | undefined
  try {
    row = await db.updateTable('users').set(values).where('id', '=', id).returningAll().executeTakeFirst()
  } catch (e) {
    if (isUniqueViolation(e) && values.email !== undefined) throw emailTaken(values.email, e)
    throw e
  }
  if (row === undefined) throw new WardenError('NOT_FOUND', `no user ${id}`)
  return toUser(row)
}

/** Sets (or, with null, removes) a user's password. */
export async function setUserPassword(db: Kysely<Database>, id: string, password: string | null, clock: Clock = {}): Promise<void> {
  const hash = password === null ? null : await hashPassword(password)
  const result = await db
    .updateTable('users')
    .set({ password_hash: hash, updated_at: isoTime(clock.now ?? new Date()) })
    .where('id', '=', id)
    .executeTakeFirst()
  if (affected(result) === 0) throw new WardenError('NOT_FOUND', `no user ${id}`)
}

/**
 * The user whose email and password these are, or undefined: for an unknown email, a wrong
 * password, an account without a password, or a disabled account (all alike, so a caller can't
 * tell them apart). An unknown email costs the same scrypt work as a known one.
 */
export async function verifyUserPassword(db: Kysely<Database>, email: string, password: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst()
  const ok = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()))
  if (row === undefined || row.password_hash === null || !ok || row.disabled === 1) return undefined
  return toUser(row)
}

function roleFilter(role: string): string {
  if (!ROLE.test(role)) throw new WardenError('BAD_INPUT', `invalid role name ${JSON.stringify(role)}`)
  // roles is a JSON array of names that can't contain quotes or LIKE wildcards (see ROLE), so
  // the quoted name matches exactly one element.
  return `%${JSON.stringify(role)}%`
}

/** Users ordered by email, a page at a time. */
export async function listUsers(db: Kysely<Database>, filter: UserFilter = {}, page: PageRequest = {}): Promise<Page<User>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('users').selectAll()
  if (filter.role !== undefined) q = q.where('roles', 'like', roleFilter(filter.role))
  const anyRole = filter.anyRole
  if (anyRole !== undefined) q = q.where((eb) => eb.or(anyRole.map((r) => eb('roles', 'like', roleFilter(r)))))
  if (filter.disabled !== undefined) q = q.where('disabled', '=', filter.disabled ? 1 : 0)
  if (filter.email !== undefined) q = q.where('email', '=', filter.email.trim().toLowerCase())
  if (page.cursor) q = q.where(keysetAfter(['email'], decodeCursor('users', page.cursor, 1), 'asc'))
  const rows = await q.orderBy('email').limit(limit + 1).execute()
  return toPage(rows.map(toUser), limit, 'users', (u) => [u.email])
}

/** Enabled users whose email or name contains `text`, by email, at most `limit` (pickers: reviewers, owners). */
export async function searchUserSummaries(db: Kysely<Database>, text: string, limit: number): Promise<UserSummary[]> {
  let q = db.selectFrom('users').select(['id', 'email', 'display_name']).where('disabled', '=', 0)
  const t = text.trim()
  if (t !== '') q = q.where((eb) => eb.or([containsText('email', t), containsText('display_name', t)]))
  return q.orderBy('email').limit(limit).execute()
}

/** Several users' summaries at once (unknown ids are left out). */
export async function userSummaries(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, UserSummary>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('users').select(['id', 'email', 'display_name']).where('id', 'in', [...new Set(ids)]).execute()
  return new Map(rows.map((r) => [r.id, r]))
}

/** How many users match, e.g. `countUsers(db, { role: 'admin', disabled: false })` to offer first-admin setup. */
export async function countUsers(db: Kysely<Database>, filter: UserFilter = {}): Promise<number> {
  let q = db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n'))
  if (filter.role !== undefined) q = q.where('roles', 'like', roleFilter(filter.role))
  if (filter.disabled !== undefined) q = q.where('disabled', '=', filter.disabled ? 1 : 0)
  const row = await q.executeTakeFirstOrThrow()
  return Number(row.n)
}
