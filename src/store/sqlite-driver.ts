import type BetterSqlite3 from 'better-sqlite3'
import { CompiledQuery, SqliteDialect } from 'kysely'
import type { DatabaseConnection, Driver, QueryResult } from 'kysely'
import { WardenError } from '../errors/index.js'

/**
 * Kysely's SQLite dialect with a driver of our own, for two reasons.
 *
 * 1. Transactions start with `BEGIN IMMEDIATE`. A plain (deferred) `BEGIN` takes the write lock
 *    only at the first write; if another process wrote in between, SQLite can't upgrade the read
 *    snapshot and fails with SQLITE_BUSY without waiting. IMMEDIATE takes the write lock up front,
 *    so every store transaction (the job claim and the audit append among them) is serialised
 *    across processes instead of failing.
 *
 * 2. Waiting for a lock doesn't freeze the process. better-sqlite3 is synchronous: with a
 *    busy_timeout, a statement that finds the database locked sleeps inside the call, blocking
 *    the event loop for up to the whole timeout (and for ever-ish if the lock holder is another
 *    connection in the same process, which then can't run). So busy_timeout is 0 and a statement
 *    that gets SQLITE_BUSY is retried here after an asynchronous back-off, until `busyTimeoutMs`
 *    has passed. A statement that failed with SQLITE_BUSY did nothing, so retrying it is safe.
 */
export class WardenSqliteDialect extends SqliteDialect {
  readonly #database: BetterSqlite3.Database
  readonly #busyTimeoutMs: number

  constructor(database: BetterSqlite3.Database, busyTimeoutMs: number) {
    super({ database })
    this.#database = database
    this.#busyTimeoutMs = busyTimeoutMs
  }

  override createDriver(): Driver {
    return new WardenSqliteDriver(this.#database, this.#busyTimeoutMs)
  }
}

class WardenSqliteDriver implements Driver {
  readonly #database: BetterSqlite3.Database
  readonly #connection: BusyRetryConnection
  // SQLite has one connection per store; Kysely's contract is that a connection serves one
  // query or transaction at a time, so callers queue here.
  #locked: Promise<void> | undefined
  #unlock: (() => void) | undefined

  constructor(database: BetterSqlite3.Database, busyTimeoutMs: number) {
    this.#database = database
    this.#connection = new BusyRetryConnection(database, busyTimeoutMs)
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    while (this.#locked) await this.#locked
    this.#locked = new Promise((resolve) => {
      this.#unlock = resolve
    })
    return this.#connection
  }

  async releaseConnection(): Promise<void> {
    const unlock = this.#unlock
    this.#locked = undefined
    this.#unlock = undefined
    unlock?.()
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteName(name)}`))
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteName(name)}`))
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteName(name)}`))
  }

  async destroy(): Promise<void> {
    this.#database.close()
  }
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/**
 * Ends a statement that should not wait for SQLite's write lock: when another connection holds
 * it, the statement fails at once (DATABASE_UNAVAILABLE) instead of retrying for busyTimeoutMs.
 * For best-effort writes such as "last seen" touches (`.modifyEnd(sql.raw(NO_WAIT))`); a comment,
 * so PostgreSQL ignores it.
 */
export const NO_WAIT = ' /* warden:no-wait */'

/** When this process last let the event loop run (I/O, timers) between statements. */
let lastYield = Date.now()
/** Synchronous statements may run back to back for this long before the event loop gets a turn. */
const YIELD_EVERY_MS = 25

/**
 * better-sqlite3 runs each statement synchronously and our promises resolve at once, so a long
 * series of statements (a sync's ingest: thousands of batches) would only ever yield to the
 * microtask queue and starve the event loop: no HTTP request would be read until it ended. So a
 * statement first lets pending I/O run (setImmediate) whenever the last turn is more than
 * YIELD_EVERY_MS ago. Per process, since the event loop is.
 */
async function yieldIfBusy(): Promise<void> {
  if (Date.now() - lastYield < YIELD_EVERY_MS) return
  await new Promise<void>((resolve) => setImmediate(resolve))
  lastYield = Date.now()
}

function isBusy(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY'
}

class BusyRetryConnection implements DatabaseConnection {
  readonly #database: BetterSqlite3.Database
  readonly #busyTimeoutMs: number

  constructor(database: BetterSqlite3.Database, busyTimeoutMs: number) {
    this.#database = database
    this.#busyTimeoutMs = busyTimeoutMs
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    await yieldIfBusy()
    const started = Date.now()
    for (let attempt = 0; ; attempt++) {
      try {
        return this.#run<R>(compiledQuery)
      } catch (e) {
        if (!isBusy(e)) throw e
        const waited = Date.now() - started
        if (waited >= this.#busyTimeoutMs || compiledQuery.sql.endsWith(NO_WAIT)) {
          throw new WardenError(
            'DATABASE_UNAVAILABLE',
            `the SQLite database is locked: another connection held its write lock for more than ${this.#busyTimeoutMs} ms`,
            { cause: e },
          )
        }
        // 1, 2, 4 ... 32 ms, jittered so two waiters don't retry in lock-step.
        const delay = Math.min(32, 2 ** Math.min(attempt, 5)) * (0.5 + Math.random())
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, this.#busyTimeoutMs - waited)))
      }
    }
  }

  #run<R>(compiledQuery: CompiledQuery): QueryResult<R> {
    const stmt = this.#database.prepare(compiledQuery.sql)
    const parameters = compiledQuery.parameters as unknown[]
    if (stmt.reader) return { rows: stmt.all(...parameters) as R[] }
    const { changes, lastInsertRowid } = stmt.run(...parameters)
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const stmt = this.#database.prepare(compiledQuery.sql)
    if (!stmt.reader) throw new Error('only queries that return rows can be streamed')
    for (const row of stmt.iterate(...(compiledQuery.parameters as unknown[]))) yield { rows: [row as R] }
  }
}
