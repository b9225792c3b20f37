import { Migrator, sql } from 'kysely'
import type { Kysely, Migration, MigrationProvider, MigrationResultSet } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database } from './database.js'
import { MIGRATIONS } from './migrations/index.js'

/** Serves the in-code migration list to Kysely's Migrator (no files read from disk). */
class InCodeMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...MIGRATIONS }
  }
}

/**
 * Brings the schema to the latest migration; returns the names it applied (empty when already
 * current, so running it again is a no-op). Safe when several processes open the store at once:
 *
 * - PostgreSQL: Kysely's Migrator takes a session advisory lock and runs the pending migrations in
 *   one transaction (DDL is transactional), so a second process waits, then finds nothing to do.
 *   Its bookkeeping tables live in `schema` (the store's schema), and it looks for them through an
 *   introspector that sees only that schema (pg-dialect.ts).
 * - SQLite: Kysely runs SQLite migrations without a lock or a transaction, so the whole run,
 *   bookkeeping included, goes inside one `BEGIN IMMEDIATE` on the store's single connection: a
 *   second process waits for the write lock (busy_timeout), then finds nothing to do, and a
 *   failed migration rolls back completely.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', schema?: string): Promise<string[]> {
  let result: MigrationResultSet
  if (dialect === 'postgres') {
    result = await new Migrator({ db, provider: new InCodeMigrationProvider(), migrationTableSchema: schema }).migrateToLatest()
  } else {
    result = await db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      const r = await new Migrator({ db: conn, provider: new InCodeMigrationProvider(), disableTransactions: true }).migrateToLatest()
      await sql.raw(r.error === undefined ? 'commit' : 'rollback').execute(conn)
      return r
    })
  }
  if (result.error !== undefined) throw migrationError(result)
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

function migrationError(result: MigrationResultSet): WardenError {
  const message = result.error instanceof Error ? result.error.message : String(result.error)
  const missing = /previously executed migration (\S+) is missing/.exec(message)
  if (missing) {
    return new WardenError(
      'INTERNAL',
      `the database was migrated by a newer version of Warden (it has migration ${missing[1]}, which this version does not know); upgrade Warden`,
      { cause: result.error },
    )
  }
  const failed = result.results?.find((r) => r.status === 'Error')
  const which = failed ? ` ${failed.migrationName}` : ''
  return new WardenError('INTERNAL', `database migration${which} failed: ${message}`, { cause: result.error })
}
