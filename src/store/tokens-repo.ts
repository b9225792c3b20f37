import { sql } from 'kysely'
import type { Kysely, Selectable } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { ApiTokensTable, Database, SetupTokensTable } from './database.js'
import { affected, isForeignKeyViolation } from './db-errors.js'
import { NO_WAIT } from './sqlite-driver.js'
import { newId, newSecretToken, sha256Hex } from './ids.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'
import { addMs, isoTime, toIsoTime } from './time.js'
import type { Clock, User } from './users-repo.js'
import { getUser } from './users-repo.js'

/**
 * API tokens and the one-time first-admin setup token. Only sha256 hashes of tokens are stored:
 * the token itself is returned once, at creation, and can't be recovered from the database.
 */

/** An API token's record (never the token). */
export type ApiToken = Omit<Selectable<ApiTokensTable>, 'token_hash'>
export type SetupToken = Omit<Selectable<SetupTokensTable>, 'token_hash'>

/** Characters of a token kept as its `prefix`: `wdt_` plus 8, enough to tell tokens apart, useless to guess with. */
const PREFIX_LENGTH = 12

export interface NewApiToken extends Clock {
  userId: string
  name: string
  /** When it stops working; null or absent: never. */
  expiresAt?: Date | string | null
}

function toApiToken(row: Selectable<ApiTokensTable>): ApiToken {
  const { token_hash: _hash, ...rest } = row
  return rest
}

export async function createApiToken(db: Kysely<Database>, input: NewApiToken): Promise<{ token: string; apiToken: ApiToken }> {
  const name = input.name.trim()
  if (name === '' || name.length > 100) throw new WardenError('BAD_INPUT', 'token name must be 1 to 100 characters')
  const token = newSecretToken('wdt')
  const row: Selectable<ApiTokensTable> = {
    id: newId('tok'),
    user_id: input.userId,
    name,
    token_hash: sha256Hex(token),
    prefix: token.slice(0, PREFIX_LENGTH),
    created_at: isoTime(input.now ?? new Date()),
    last_used_at: null,
    expires_at: input.expiresAt == null ? null : toIsoTime(input.expiresAt, 'expiresAt'),
    revoked_at: null,
  }
  try {
    await db.insertInto('api_tokens').values(row).execute()
  } catch (e) {
    if (isForeignKeyViolation(e)) throw new WardenError('NOT_FOUND', `no user ${input.userId}`, { cause: e })
    throw e
  }
  return { token, apiToken: toApiToken(row) }
}

/**
 * The token's record and user when the token is valid now; undefined when unknown, revoked,
 * expired, or its user is disabled.
 */
export async function findApiToken(db: Kysely<Database>, token: string, clock: Clock = {}): Promise<{ apiToken: ApiToken; user: User } | undefined> {
  const now = isoTime(clock.now ?? new Date())
  const row = await db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', sha256Hex(token))
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst()
  if (row === undefined) return undefined
  const user = await getUser(db, row.user_id)
  if (user === undefined || user.disabled) return undefined
  return { apiToken: toApiToken(row), user }
}

/** One API token's record by id (revoked and expired included), or undefined. */
export async function getApiToken(db: Kysely<Database>, id: string): Promise<ApiToken | undefined> {
  const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toApiToken(row)
}

/** Records a use of the token (last_used_at). */
export async function touchApiToken(db: Kysely<Database>, id: string, clock: Clock = {}): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: isoTime(clock.now ?? new Date()) })
    .where('id', '=', id)
    // Best effort: a busy database skips the touch rather than hold the request (authenticateApiToken).
    .modifyEnd(sql.raw(NO_WAIT))
    .execute()
}

/** A user's tokens (revoked and expired included), newest first. */
export async function listApiTokens(db: Kysely<Database>, userId: string, page: PageRequest = {}): Promise<Page<ApiToken>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId)
  if (page.cursor) q = q.where(keysetAfter(['created_at', 'id'], decodeCursor('api_tokens', page.cursor, 2), 'desc'))
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
  return toPage(rows.map(toApiToken), limit, 'api_tokens', (t) => [t.created_at, t.id])
}

/** Revokes a token (of `userId`, when given). False when there is no such unrevoked token. */
export async function revokeApiToken(db: Kysely<Database>, id: string, options: Clock & { userId?: string } = {}): Promise<boolean> {
  let q = db
    .updateTable('api_tokens')
    .set({ revoked_at: isoTime(options.now ?? new Date()) })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
  if (options.userId !== undefined) q = q.where('user_id', '=', options.userId)
  return affected(await q.executeTakeFirst()) === 1
}

/** A one-time setup link's token (for creating the first admin), valid for `ttlMs`. */
export async function createSetupToken(db: Kysely<Database>, options: Clock & { ttlMs: number }): Promise<{ token: string; setupToken: SetupToken }> {
  if (!Number.isInteger(options.ttlMs) || options.ttlMs <= 0) throw new WardenError('BAD_INPUT', 'setup token ttlMs must be a positive integer')
  const now = options.now ?? new Date()
  const token = newSecretToken('wdsetup')
  const row: Selectable<SetupTokensTable> = {
    id: newId('stp'),
    token_hash: sha256Hex(token),
    created_at: isoTime(now),
    expires_at: addMs(now, options.ttlMs),
    used_at: null,
  }
  await db.insertInto('setup_tokens').values(row).execute()
  const { token_hash: _hash, ...setupToken } = row
  return { token, setupToken }
}

/**
 * Uses up a setup token: true exactly once for a valid, unexpired token, even when several
 * requests race (a single conditional UPDATE decides); false otherwise. Call it in the transaction
 * that creates the first admin, so a failed creation leaves the token unused.
 */
export async function consumeSetupToken(db: Kysely<Database>, token: string, clock: Clock = {}): Promise<boolean> {
  const now = isoTime(clock.now ?? new Date())
  const result = await db
    .updateTable('setup_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', sha256Hex(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  return affected(result) === 1
}

/**
 * Ends every setup token that is still usable (expires_at := now), e.g. when a new setup link is
 * issued or the first admin exists. Returns how many it ended.
 */
export async function expireSetupTokens(db: Kysely<Database>, clock: Clock = {}): Promise<number> {
  const now = isoTime(clock.now ?? new Date())
  const result = await db
    .updateTable('setup_tokens')
    .set({ expires_at: now })
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst()
  return affected(result)
}
