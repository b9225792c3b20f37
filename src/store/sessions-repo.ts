import { sql } from 'kysely'
import type { Kysely, Selectable } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database, SessionsTable } from './database.js'
import { affected } from './db-errors.js'
import { NO_WAIT } from './sqlite-driver.js'
import { newSecretToken, sha256Hex } from './ids.js'
import { addMs, isoTime, toIsoTime } from './time.js'
import type { Clock, User } from './users-repo.js'
import { getUser } from './users-repo.js'

/**
 * Browser sessions. The cookie carries a random token; the row's id is its sha256, so a copy of
 * the database (or a backup) holds no usable session.
 */
export type Session = Selectable<SessionsTable>

export interface NewSession extends Clock {
  /** Lifetime from now, in ms. */
  ttlMs: number
}

export async function createSession(db: Kysely<Database>, userId: string, options: NewSession): Promise<{ token: string; session: Session }> {
  if (!Number.isInteger(options.ttlMs) || options.ttlMs <= 0) throw new WardenError('BAD_INPUT', 'session ttlMs must be a positive integer')
  const now = options.now ?? new Date()
  const token = newSecretToken('wds')
  const session: Session = {
    id: sha256Hex(token),
    user_id: userId,
    created_at: isoTime(now),
    expires_at: addMs(now, options.ttlMs),
    last_seen_at: isoTime(now),
  }
  await db.insertInto('sessions').values(session).execute()
  return { token, session }
}

/**
 * The live session for a cookie token and its user; undefined when there is no such session,
 * it has expired, or the user is disabled.
 */
export async function findSession(db: Kysely<Database>, token: string, clock: Clock = {}): Promise<{ session: Session; user: User } | undefined> {
  const now = isoTime(clock.now ?? new Date())
  const session = await db
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', sha256Hex(token))
    .where('expires_at', '>', now)
    .executeTakeFirst()
  if (session === undefined) return undefined
  const user = await getUser(db, session.user_id)
  if (user === undefined || user.disabled) return undefined
  return { session, user }
}

/** Records activity; with `expiresAt`, also moves the expiry (a sliding session). False when the session is gone. */
export async function touchSession(
  db: Kysely<Database>,
  sessionId: string,
  options: Clock & { expiresAt?: Date | string } = {},
): Promise<boolean> {
  const now = isoTime(options.now ?? new Date())
  const result = await db
    .updateTable('sessions')
    .set({ last_seen_at: now, ...(options.expiresAt === undefined ? {} : { expires_at: toIsoTime(options.expiresAt, 'expiresAt') }) })
    .where('id', '=', sessionId)
    // Best effort: a busy database skips the touch rather than hold the request (authenticateSession).
    .modifyEnd(sql.raw(NO_WAIT))
    .executeTakeFirst()
  return affected(result) === 1
}

/** Logs out the session of a cookie token. True when there was one. */
export async function deleteSession(db: Kysely<Database>, token: string): Promise<boolean> {
  return affected(await db.deleteFrom('sessions').where('id', '=', sha256Hex(token)).executeTakeFirst()) === 1
}

/** Logs a user out everywhere (e.g. after a password change or when disabling them). */
export async function deleteUserSessions(db: Kysely<Database>, userId: string): Promise<number> {
  return affected(await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst())
}

export async function deleteExpiredSessions(db: Kysely<Database>, clock: Clock = {}): Promise<number> {
  const now = isoTime(clock.now ?? new Date())
  return affected(await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst())
}
