/**
 * The per-dialect test harness: every store and jobs test runs once on SQLite and once on
 * PostgreSQL, each test in a database of its own (a fresh temp file; a fresh schema), against the
 * real engines.
 *
 *   describeDialects('users repo', (t) => {
 *     it('creates a user', async () => {
 *       const user = await createUser(t.store.db, { ... })
 *     })
 *   })
 *
 * registers `users repo [sqlite]` and `users repo [postgres]`. Environment:
 *
 * - WARDEN_TEST_DATABASE_URL: the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test).
 * - WARDEN_TEST_DIALECTS: `sqlite` or `postgres` to run only one (default both).
 * - CI: when set (and not `false`/`0`), the PostgreSQL runs always happen, and fail if the server is down. When unset
 *   and the server can't be reached, they are skipped and one warning line says so.
 *
 * PostgreSQL isolation follows pg-boss: schema `t_<sha1(file + test name)>_<random>` (the random
 * part keeps two concurrent runs on one server apart), made the search_path of the store's
 * connections through the `-c search_path=...` connection option, dropped after the test.
 */
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect } from 'vitest'
import { openStore } from '../src/store/index.js'
import type { Store, StoreOptions } from '../src/store/index.js'

export type TestDialect = 'sqlite' | 'postgres'

export const PG_TEST_URL = process.env.WARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const ALL_DIALECTS: readonly TestDialect[] = ['sqlite', 'postgres']

/** The dialects this run tests (WARDEN_TEST_DIALECTS narrows them). */
export const DIALECTS: readonly TestDialect[] = (() => {
  const only = process.env.WARDEN_TEST_DIALECTS?.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (only === undefined || only.length === 0) return ALL_DIALECTS
  const unknown = only.filter((d) => !ALL_DIALECTS.includes(d as TestDialect))
  if (unknown.length > 0) throw new Error(`WARDEN_TEST_DIALECTS: unknown dialect(s) ${unknown.join(', ')}; use sqlite, postgres`)
  return ALL_DIALECTS.filter((d) => only.includes(d))
})()

/** CI as most CI systems set it (`CI=true`); `CI=false`, `CI=0` or empty count as unset. */
const UNDER_CI = !['', '0', 'false'].includes((process.env.CI ?? '').trim().toLowerCase())

/** Whether the PostgreSQL runs happen: always under CI, else only when the server answers. */
const postgresAvailable: boolean = DIALECTS.includes('postgres') ? await probePostgres() : false

async function probePostgres(): Promise<boolean> {
  if (UNDER_CI) return true
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch (e) {
    warnOnce(`PostgreSQL at ${redact(PG_TEST_URL)} is unreachable (${(e as Error).message || String(e)}): skipping the PostgreSQL runs of the store and jobs tests (set CI=1 to fail instead)`)
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** One line per test run, not per test file: the first worker to create the marker file prints it. */
function warnOnce(message: string): void {
  const marker = join(tmpdir(), `warden-test-pg-skip-${process.ppid}`)
  try {
    closeSync(openSync(marker, 'wx'))
  } catch {
    return
  }
  console.warn(`warning: ${message}`)
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
}

let adminPool: pg.Pool | undefined
function admin(): pg.Pool {
  adminPool ??= new pg.Pool({ connectionString: PG_TEST_URL, max: 2, idleTimeoutMillis: 1000, allowExitOnIdle: true })
  return adminPool
}

/** A database of its own for one test (or file): where it is, how to open stores on it, how to drop it. */
export interface TestDatabase {
  readonly dialect: TestDialect
  readonly url: string
  /** Options every store on this database needs (the PostgreSQL schema). */
  readonly options: StoreOptions
  /** Opens a store on this database (migrating it unless `migrate: false`). The caller closes it. */
  open(options?: StoreOptions): Promise<Store>
  drop(): Promise<void>
}

/** A fresh, empty database: a temp SQLite file, or a new PostgreSQL schema named after `label`. */
export async function createTestDatabase(dialect: TestDialect, label: string): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'warden-store-'))
    const url = `sqlite:${join(dir, 'warden.db')}`
    return {
      dialect,
      url,
      options: {},
      open: (options = {}) => openStore(url, options),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    }
  }
  const hash = createHash('sha1').update(label).digest('hex').slice(0, 12)
  const schema = `t_${hash}_${randomBytes(4).toString('hex')}`
  await admin().query(`create schema "${schema}"`)
  const base: StoreOptions = { schema, poolSize: 4 }
  return {
    dialect,
    url: PG_TEST_URL,
    options: base,
    open: (options = {}) => openStore(PG_TEST_URL, { ...base, ...options }),
    drop: async () => {
      await admin().query(`drop schema if exists "${schema}" cascade`)
    },
  }
}

/** What a test body sees: the current test's database and its open store. */
export interface DialectContext {
  readonly dialect: TestDialect
  /** The current test's store (opened and migrated before the test, closed after). */
  readonly store: Store
  /** The current test's database. */
  readonly database: TestDatabase
  /** Another store on the same database (a second process, as far as locking goes); closed after the test. */
  open(options?: StoreOptions): Promise<Store>
}

export interface DescribeDialectsOptions {
  /** Open `store` before each test (default true). False: the test opens its own with `open()`. */
  openStore?: boolean
}

/**
 * `describe(name [dialect], fn)` for each dialect in DIALECTS, with a fresh database per test. The
 * PostgreSQL block is skipped (after one warning for the whole run) when the server is down
 * outside CI.
 */
export function describeDialects(name: string, fn: (t: DialectContext) => void, options: DescribeDialectsOptions = {}): void {
  forEachDialect((dialect, available) => {
    describe.skipIf(!available)(`${name} [${dialect}]`, () => {
      let database: TestDatabase | undefined
      let store: Store | undefined
      let opened: Store[] = []
      const context: DialectContext = {
        dialect,
        get store(): Store {
          if (store === undefined) throw new Error('no store: describeDialects(..., { openStore: false }) opens none; use t.open()')
          return store
        },
        get database(): TestDatabase {
          if (database === undefined) throw new Error('the test database exists only inside a test')
          return database
        },
        async open(storeOptions?: StoreOptions): Promise<Store> {
          const s = await context.database.open(storeOptions)
          opened.push(s)
          return s
        },
      }
      beforeEach(async () => {
        const state = expect.getState()
        database = await createTestDatabase(dialect, `${state.testPath ?? ''}\0${state.currentTestName ?? ''}`)
        if (options.openStore !== false) store = await context.open()
      })
      afterEach(async () => {
        const closing = opened
        opened = []
        store = undefined
        await Promise.allSettled(closing.map((s) => s.close()))
        await database?.drop()
        database = undefined
      })
      fn(context)
    })
  })
}

/**
 * The lower-level loop under describeDialects, for suites that manage their own databases (see
 * createTestDatabase): calls `fn` once per dialect in DIALECTS, saying whether its runs can happen.
 */
export function forEachDialect(fn: (dialect: TestDialect, available: boolean) => void): void {
  for (const dialect of DIALECTS) fn(dialect, dialect !== 'postgres' || postgresAvailable)
}

/** Polls `check` until it returns true (or a value other than false/undefined); fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== false && value !== undefined) return value as Exclude<T, false | undefined>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
