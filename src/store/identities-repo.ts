import type { Kysely, Selectable } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database, IdentitiesTable } from './database.js'
import { isForeignKeyViolation, isUniqueViolation } from './db-errors.js'
import { newId } from './ids.js'
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
  if (page.cursor) q = q.where(keysetAfter(['email'], decodeCursor('identities', page.cursor, 1), 'asc'))
  const rows = await q.orderBy('email').limit(limit + 1).execute()
  return toPage(rows, limit, 'identities', (i) => [i.email])
}
