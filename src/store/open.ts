import BetterSqlite3 from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import pg from 'pg'
import { Kysely, sql } from 'kysely'
import type { Transaction } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database } from './database.js'
import { migrateToLatest } from './migrate.js'
import { WardenPostgresDialect } from './pg-dialect.js'
import { WardenSqliteDialect } from './sqlite-driver.js'

export const DEFAULT_DATABASE_URL = 'sqlite:./data/warden.db'

export type StoreDialect = 'sqlite' | 'postgres'

export interface StoreOptions {
  /** Run pending migrations on open (default true). */
  migrate?: boolean
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number
  /**
   * PostgreSQL: the schema to use, created if missing; set as the search_path of every pooled
   * connection. Default: the server's search_path (normally `public`).
   */
  schema?: string
  /** PostgreSQL: how long opening waits for a connection, in ms (default 5000). */
  connectTimeoutMs?: number
  /** SQLite: how long a write waits for another process's lock, in ms (default 5000). */
  busyTimeoutMs?: number
  /**
   * Errors that happen outside any query, e.g. the server closing an idle pooled connection.
   * Default: written to stderr as one line. (Without a listener, pg would crash the process.)
   */
  onBackgroundError?: (error: Error) => void
}

/**
 * The governance database. Everything else reaches it through repository functions that take
 * `store.db` or a transaction from `store.transaction()`.
 */
export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: StoreDialect
  /** Where the store is, without any password: `sqlite:/abs/path.db` or `postgres://user@host:port/db`. */
  readonly location: string
  /** The PostgreSQL schema in use (undefined on SQLite). */
  readonly schema: string | undefined
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. On
   * SQLite it starts with BEGIN IMMEDIATE and holds the only connection, so inside `fn` use `trx`,
   * never `store.db` (that would wait for the transaction to end, forever).
   */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>
  /** Closes the connection(s); idempotent. */
  close(): Promise<void>
}

/** `DATABASE_URL` from the environment, else the default SQLite file. */
export function resolveDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL?.trim()
  return url === undefined || url === '' ? DEFAULT_DATABASE_URL : url
}

type Target = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string; host: string; port: string; database: string; user: string }

/** Reads a database URL: `sqlite:<path>`, `sqlite::memory:`, a bare file path, or `postgres(ql)://...`. */
export function parseDatabaseUrl(url: string): Target {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new WardenError('BAD_INPUT', 'invalid PostgreSQL URL: expected postgres://user[:password]@host[:port]/database')
    }
    return {
      dialect: 'postgres',
      url,
      host: parsed.hostname === '' ? 'localhost' : parsed.hostname,
      port: parsed.port === '' ? '5432' : parsed.port,
      database: decodeURIComponent(parsed.pathname.slice(1)),
      user: decodeURIComponent(parsed.username),
    }
  }
  let path: string
  if (/^sqlite:/i.test(url)) path = url.slice('sqlite:'.length).replace(/^\/\//, '')
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new WardenError('BAD_INPUT', `unsupported database URL scheme in "${url.split('://')[0]}://...": use sqlite:<path> or postgres://...`)
  } else path = url
  if (path === '') throw new WardenError('BAD_INPUT', 'the SQLite URL names no file: use sqlite:<path>, e.g. sqlite:./data/warden.db')
  return { dialect: 'sqlite', path: path === ':memory:' ? path : resolve(path) }
}

/**
 * Opens (and by default migrates) the store at `url`: `sqlite:./data/warden.db` (the default;
 * the directory is created) or `postgres://user@host:5432/db`. A database that can't be reached
 * or opened is a DATABASE_UNAVAILABLE WardenError whose message says where and why, e.g.
 * `cannot reach PostgreSQL at 127.0.0.1:5432: connection refused`.
 *
 * @example
 * const store = await openStore(resolveDatabaseUrl())
 * try {
 *   await store.transaction(async (trx) => { ... })
 * } finally {
 *   await store.close()
 * }
 */
export async function openStore(url: string = resolveDatabaseUrl(), options: StoreOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(url)
  const onBackgroundError =
    options.onBackgroundError ?? ((e: Error) => console.error(`warden: database connection error: ${e.message}`))
  const opened = target.dialect === 'sqlite' ? openSqlite(target.path, options) : await openPostgres(target, options, onBackgroundError)
  try {
    if (options.migrate !== false) await migrateToLatest(opened.db, opened.dialect, opened.schema)
  } catch (e) {
    await opened.db.destroy()
    throw e
  }
  let closed: Promise<void> | undefined
  return {
    db: opened.db,
    dialect: opened.dialect,
    location: opened.location,
    schema: opened.schema,
    transaction: (fn) => opened.db.transaction().execute(fn),
    close: () => (closed ??= opened.db.destroy()),
  }
}

interface Opened {
  db: Kysely<Database>
  dialect: StoreDialect
  location: string
  schema: string | undefined
}

function openSqlite(path: string, options: StoreOptions): Opened {
  const location = `sqlite:${path}`
  const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))
  let handle: BetterSqlite3.Database | undefined
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    handle = new BetterSqlite3(path)
    // The pragmas below may wait for another process (e.g. one creating the file); that brief
    // wait is synchronous. After them, waiting is asynchronous (see sqlite-driver.ts).
    handle.pragma(`busy_timeout = ${busyTimeoutMs}`)
    handle.pragma('journal_mode = WAL')
    // NORMAL is the documented safe pairing with WAL: no corruption, and only the last commits
    // may be lost on power failure (not on a process crash).
    handle.pragma('synchronous = NORMAL')
    handle.pragma('foreign_keys = ON')
    handle.prepare('select count(*) from sqlite_master').get()
    handle.pragma('busy_timeout = 0')
  } catch (e) {
    handle?.close()
    throw new WardenError('DATABASE_UNAVAILABLE', `cannot open SQLite database at ${path}: ${reasonOf(e)}`, { cause: e })
  }
  const db = new Kysely<Database>({ dialect: new WardenSqliteDialect(handle, busyTimeoutMs) })
  return { db, dialect: 'sqlite', location, schema: undefined }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

async function openPostgres(
  target: Extract<Target, { dialect: 'postgres' }>,
  options: StoreOptions,
  onBackgroundError: (e: Error) => void,
): Promise<Opened> {
  const where = `${target.host}:${target.port}`
  const location = `postgres://${target.user === '' ? '' : `${target.user}@`}${where}/${target.database}`
  const schema = options.schema
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new WardenError('BAD_INPUT', `invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _`)
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  })
  pool.on('error', onBackgroundError)
  const db = new Kysely<Database>({ dialect: new WardenPostgresDialect({ pool }) })
  try {
    await sql`select 1`.execute(db)
  } catch (e) {
    await db.destroy()
    throw new WardenError('DATABASE_UNAVAILABLE', `cannot reach PostgreSQL at ${where}: ${reasonOf(e)}`, { cause: e })
  }
  try {
    if (schema !== undefined) await createSchema(db, schema)
    const current = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)
    const inUse = current.rows[0]?.schema ?? null
    if (inUse === null) throw new WardenError('DATABASE_UNAVAILABLE', `PostgreSQL at ${where}: no schema on the search_path exists`)
    return { db, dialect: 'postgres', location, schema: inUse }
  } catch (e) {
    await db.destroy()
    if (e instanceof WardenError) throw e
    throw new WardenError('DATABASE_UNAVAILABLE', `cannot use PostgreSQL at ${where}: ${reasonOf(e)}`, { cause: e })
  }
}

async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db)
  } catch (e) {
    // Two processes creating it at once: one of them gets a unique violation on pg_namespace.
    const exists = await sql<{ n: number }>`select 1 as n from pg_namespace where nspname = ${schema}`.execute(db)
    if (exists.rows.length === 0) throw e
  }
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
}

const PG_REASONS: Record<string, string> = {
  '28P01': 'password authentication failed',
  '28000': 'authentication refused',
  '3D000': 'database does not exist',
  '57P03': 'the server is starting up or shutting down',
  '53300': 'too many connections',
}

/** One short phrase for why a connection or file failed, from the driver's error. */
function reasonOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  // Node reports "localhost" refused on both ::1 and 127.0.0.1 as an AggregateError without a code.
  const inner = e instanceof AggregateError && e.errors.length > 0 ? (e.errors[0] as unknown) : e
  const code = typeof inner === 'object' && inner !== null ? (inner as { code?: unknown }).code : undefined
  if (typeof code === 'string') {
    const network = NETWORK_REASONS[code]
    if (network !== undefined) return network
    const server = PG_REASONS[code]
    if (server !== undefined) return `${server} (${e.message})`
    if (code.startsWith('SQLITE_')) return e.message
  }
  if (/timeout/i.test(e.message)) return 'connection timed out'
  return e.message
}
