import { PostgresAdapter, sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Database } from './database.js'

/** Which engine a Kysely instance (or a transaction of one) talks to. */
export function dialectOf<DB>(db: Kysely<DB>): 'sqlite' | 'postgres' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/** A unique-constraint violation from either driver (PG 23505, SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY). */
export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false
  const code = (e as { code?: unknown }).code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/** A foreign-key violation from either driver (PG 23503, SQLite SQLITE_CONSTRAINT_FOREIGNKEY). */
export function isForeignKeyViolation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false
  const code = (e as { code?: unknown }).code
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}

/** Rows changed by an UPDATE/DELETE, as a number (Kysely reports a bigint). */
export function affected(result: { numUpdatedRows: bigint } | { numDeletedRows: bigint }): number {
  return Number('numUpdatedRows' in result ? result.numUpdatedRows : result.numDeletedRows)
}

/** One round trip to the database (health checks); throws when it can't be reached. */
export async function pingDatabase<DB>(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db)
}

/**
 * Locks one row until the transaction ends, so "replace this row's children" (delete, then
 * insert) runs one at a time per parent: on PostgreSQL with SELECT ... FOR UPDATE; on SQLite every
 * write transaction already holds the database's one write lock (BEGIN IMMEDIATE), so nothing to do.
 * Returns whether the row exists.
 */
export async function lockRow(trx: Kysely<Database>, table: 'integrations' | 'apps', id: string): Promise<boolean> {
  if (dialectOf(trx) === 'sqlite') return (await trx.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined
  return (await trx.selectFrom(table).select('id').where('id', '=', id).forUpdate().executeTakeFirst()) !== undefined
}
