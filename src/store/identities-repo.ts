import type { Expression, Kysely, Selectable, SqlBool } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database, IdentitiesTable } from './database.js'
import { isForeignKeyViolation, isUniqueViolation } from './db-errors.js'
import { newId } from './ids.js'
import { containsText } from './like.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'
import { isoTime } from './time.js'
import type { Clock } from './users-repo.js'
import { normalizeEmail } from './users-repo.js'

/** A person as governance sees them, optionally linked to the Warden account they sign in with. */
export type Identity = Selectable<IdentitiesTable>

export interface NewIdentity {
  email: string
  display_name: string
  warden_user_id?: string | null
}

export interface IdentityPatch {
  email?: string
  display_name?: string
  warden_user_id?: string | null
}

export interface IdentityFilter {
  /** Only identities linked (true) or not linked (false) to a Warden user. */
  linked?: boolean
  warden_user_id?: string
  /** Name or email contains this text (case-insensitive). */
  q?: string
}

function name(n: string): string {
  const t = n.trim()
  if (t === '' || t.length > 200) throw new WardenError('BAD_INPUT', 'display name must be 1 to 200 characters')
  return t
}

function refused(e: unknown, email: string | undefined, userId: string | null | undefined): unknown {
  if (isUniqueViolation(e)) return new WardenError('CONFLICT', `an identity with email ${email} already exists`, { cause: e })
  if (isForeignKeyViolation(e)) return new WardenError('NOT_FOUND', `no user ${userId}`, { cause: e })
  return e
}

/** Creates an identity; CONFLICT when the email is taken, NOT_FOUND for an unknown warden_user_id. */
export async function createIdentity(db: Kysely<Database>, input: NewIdentity, clock: Clock = {}): Promise<Identity> {
  const now = isoTime(clock.now ?? new Date())
  const row: Identity = {
    id: newId('idn'),
    email: normalizeEmail(input.email),
    display_name: name(input.display_name),
    warden_user_id: input.warden_user_id ?? null,
    created_at: now,
    updated_at: now,
  }
  try {
    await db.insertInto('identities').values(row).execute()
  } catch (e) {
    throw refused(e, row.email, row.warden_user_id)
  }
  return row
}

export async function getIdentity(db: Kysely<Database>, id: string): Promise<Identity | undefined> {
  return db.selectFrom('identities').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findIdentityByEmail(db: Kysely<Database>, email: string): Promise<Identity | undefined> {
  return db.selectFrom('identities').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst()
}

/** Changes an identity (e.g. links it to a Warden user, or unlinks it with null). */
export async function updateIdentity(db: Kysely<Database>, id: string, patch: IdentityPatch, clock: Clock = {}): Promise<Identity> {
  const values: Partial<Identity> = { updated_at: isoTime(clock.now ?? new Date()) }
  if (patch.email !== undefined) values.email = normalizeEmail(patch.email)
  if (patch.display_name !== undefined) values.display_name = name(patch.display_name)
  if (patch.warden_user_id !== undefined) values.warden_user_id = patch.warden_user_id
  let row: Identity | undefined
  try {
    row = await db.updateTable('identities').set(values).where('id', '=', id).returningAll().executeTakeFirst()
  } catch (e) {
    throw refused(e, values.email, values.warden_user_id)
  }
  if (row === undefined) throw new WardenError('NOT_FOUND', `no identity ${id}`)
  return row
}

/** Identities ordered by email, a page at a time. */
export async function listIdentities(db: Kysely<Database>, filter: IdentityFilter = {}, page: PageRequest = {}): Promise<Page<Identity>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('identities').selectAll()
  if (filter.linked !== undefined) q = q.where('warden_user_id', filter.linked ? 'is not' : 'is', null)
  if (filter.warden_user_id !== undefined) q = q.where('warden_user_id', '=', filter.warden_user_id)
  const text = filter.q?.trim()
  if (text !== undefined && text !== '') q = q.where((eb) => eb.or([containsText('display_name', text), containsText('email', text)]))
  if (page.cursor) q = q.where(keysetAfter(['email'], decodeCursor('identities', page.cursor, 1), 'asc'))
  const rows = await q.orderBy('email').limit(limit + 1).execute()
  return toPage(rows, limit, 'identities', (i) => [i.email])
}

/** Who manages a OneLogin user: their manager's account (`user:<id>` in the same integration) and its person. */
export interface AccountManager {
  /** The manager's OneLogin user (user:<id>); null when the account has no manager. */
  id: string | null
  /** The identity linked to the manager's account; null when it has none or is not in the inventory. */
  identity_id: string | null
  /** The manager account's name; null when it is not in the inventory (or there is no manager). */
  display_name: string | null
}

/** A OneLogin user linked to an identity, with the traits the People pages show. */
export interface OneLoginAccount {
  integration_id: string
  /** user:<id> */
  id: string
  display_name: string
  email: string | null
  /** Status by name (active, suspended, ...). */
  status: string | null
  /** ISO time of the last sign-in; null for never. */
  last_login: string | null
  department: string | null
  title: string | null
  manager: AccountManager
}

const NO_MANAGER: AccountManager = Object.freeze({ id: null, identity_id: null, display_name: null })

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null
}

function isoOrNull(v: unknown): string | null {
  if (typeof v !== 'string') return null
  const ms = Date.parse(v)
  return Number.isNaN(ms) ? null : new Date(ms).toISOString()
}

function traitsOf(json: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {}
  } catch {
    // A damaged row shows as an account without traits rather than failing the whole page.
    return {}
  }
}

/**
 * The OneLogin accounts (user resources, in any integration) linked to these identities, by
 * identity, each in integration and id order. Two queries whatever the number of identities: the
 * accounts, then their managers (traits.manager_id is the manager's user:<id> in the same integration).
 */
export async function oneLoginAccountsOf(db: Kysely<Database>, identityIds: readonly string[]): Promise<Map<string, OneLoginAccount[]>> {
  const byIdentity = new Map<string, OneLoginAccount[]>()
  if (identityIds.length === 0) return byIdentity
  const rows = await db
    .selectFrom('resources')
    .select(['integration_id', 'id', 'display_name', 'email', 'status', 'traits', 'identity_id'])
    .where('type', '=', 'user')
    .where('identity_id', 'in', [...new Set(identityIds)])
    .orderBy('integration_id')
    .orderBy('id')
    .execute()

  const parsed = rows.map((r) => ({ row: r, traits: traitsOf(r.traits) }))
  // Manager ids per integration, for one lookup of every manager on the page.
  const wanted = new Map<string, Set<string>>()
  for (const { row, traits } of parsed) {
    const managerId = text(traits['manager_id'])
    if (managerId === null) continue
    const ids = wanted.get(row.integration_id) ?? new Set<string>()
    ids.add(managerId)
    wanted.set(row.integration_id, ids)
  }
  const managers = new Map<string, { identity_id: string | null; display_name: string }>()
  if (wanted.size > 0) {
    // A manager is named as a person (their identity's name) when their account links to one.
    const found = await db
      .selectFrom('resources as r')
      .leftJoin('identities as i', 'i.id', 'r.identity_id')
      .select(['r.integration_id', 'r.id', 'r.identity_id', (eb) => eb.fn.coalesce('i.display_name', 'r.display_name').as('display_name')])
      .where((eb) => {
        const perIntegration: Expression<SqlBool>[] = [...wanted].map(([integrationId, ids]) =>
          eb.and([eb('r.integration_id', '=', integrationId), eb('r.id', 'in', [...ids])]),
        )
        return eb.or(perIntegration)
      })
      .execute()
    for (const m of found) managers.set(`${m.integration_id} ${m.id}`, { identity_id: m.identity_id, display_name: m.display_name })
  }

  for (const { row, traits } of parsed) {
    if (row.identity_id === null) continue
    const managerId = text(traits['manager_id'])
    const manager = managerId === null ? undefined : managers.get(`${row.integration_id} ${managerId}`)
    const account: OneLoginAccount = {
      integration_id: row.integration_id,
      id: row.id,
      display_name: row.display_name,
      email: row.email,
      status: row.status,
      last_login: isoOrNull(traits['last_login']),
      department: text(traits['department']),
      title: text(traits['title']),
      manager:
        managerId === null
          ? NO_MANAGER
          : { id: managerId, identity_id: manager?.identity_id ?? null, display_name: manager?.display_name ?? null },
    }
    const list = byIdentity.get(row.identity_id) ?? []
    list.push(account)
    byIdentity.set(row.identity_id, list)
  }
  return byIdentity
}
