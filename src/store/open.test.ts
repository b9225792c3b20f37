import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { WardenError } from '../errors/index.js'
import { listAudit, verifyAudit } from './audit-repo.js'
import { migrateToLatest } from './migrate.js'
import { MIGRATIONS } from './migrations/index.js'
import { DEFAULT_DATABASE_URL, openStore, parseDatabaseUrl, resolveDatabaseUrl } from './open.js'
import type { Store } from './open.js'
import { runStoreChild } from './test-support.js'

const MIGRATION_NAMES = ['0001_accounts_audit', '0002_jobs', '0003_integrations_inventory', '0004_requests', '0005_jit', '0006_sod_drift', '0007_webhooks', '0008_campaigns', '0009_app_owners']
const TABLES = [
  'access_requests',
  'api_tokens',
  'app_bindings',
  'app_owners',
  'app_request_settings',
  'approval_task_assignees',
  'approval_tasks',
  'apps',
  'audit_head',
  'audit_log',
  'campaign_comments',
  'campaign_item_reviewers',
  'campaign_items',
  'campaign_reminders',
  'campaign_scope',
  'campaign_templates',
  'campaigns',
  'drift_findings',
  'drift_settings',
  'entitlement_owners',
  'entitlement_request_settings',
  'entitlement_settings',
  'entitlements',
  'grants',
  'identities',
  'implications',
  'integration_owners',
  'integrations',
  'job_schedules',
  'jobs',
  'manual_task_assignees',
  'manual_tasks',
  'policies',
  'provisioning_orders',
  'request_events',
  'resources',
  'sessions',
  'setup_tokens',
  'sod_rule_entitlements',
  'sod_rules',
  'sync_runs',
  'timebound_grants',
  'users',
  'webhook_attempts',
  'webhook_deliveries',
  'webhooks',
]

async function refusal(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected a refusal')
}

async function migrationNames(store: Store): Promise<string[]> {
  const r = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db)
  return r.rows.map((row) => row.name)
}

async function tableNames(store: Store): Promise<string[]> {
  const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true })
  return tables
    .filter((t) => store.schema === undefined || t.schema === store.schema)
    .map((t) => t.name)
    .sort()
}

describe('database URLs', () => {
  it('defaults to the SQLite file under ./data and reads DATABASE_URL', () => {
    expect(DEFAULT_DATABASE_URL).toBe('sqlite:./data/warden.db')
    expect(resolveDatabaseUrl({})).toBe('sqlite:./data/warden.db')
    expect(resolveDatabaseUrl({ DATABASE_URL: '  ' })).toBe('sqlite:./data/warden.db')
    expect(resolveDatabaseUrl({ DATABASE_URL: 'postgres://u@h/db' })).toBe('postgres://u@h/db')
  })

  it('parses sqlite: URLs, bare paths and postgres URLs', () => {
    expect(parseDatabaseUrl('sqlite:./data/warden.db')).toEqual({ dialect: 'sqlite', path: join(process.cwd(), 'data/warden.db') })
    expect(parseDatabaseUrl('sqlite:///var/lib/w.db')).toEqual({ dialect: 'sqlite', path: '/var/lib/w.db' })
    expect(parseDatabaseUrl('/tmp/w.db')).toEqual({ dialect: 'sqlite', path: '/tmp/w.db' })
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' })
    expect(parseDatabaseUrl('postgresql://alice:secret@db.internal/warden')).toEqual({
      dialect: 'postgres',
      url: 'postgresql://alice:secret@db.internal/warden',
      host: 'db.internal',
      port: '5432',
      database: 'warden',
      user: 'alice',
    })
  })

  it('refuses other schemes and an empty sqlite path', () => {
    expect(() => parseDatabaseUrl('mysql://h/db')).toThrow('unsupported database URL scheme in "mysql://...": use sqlite:<path> or postgres://...')
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(WardenError)
  })
})

describe('opening fails with one clear message', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('names the PostgreSQL host and port when the connection is refused', async () => {
    // Port 1 on loopback: nothing listens there, so the kernel refuses at once.
    const e = await refusal(openStore('postgres://warden:hunter2@127.0.0.1:1/warden'))
    expect(e.code).toBe('DATABASE_UNAVAILABLE')
    expect(e.message).toBe('cannot reach PostgreSQL at 127.0.0.1:1: connection refused')
    expect(e.retryable).toBe(true)
    expect(JSON.stringify(e.toJSON())).not.toContain('hunter2')
  })

  it('says when a file is not a SQLite database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-open-'))
    dirs.push(dir)
    const path = join(dir, 'not-a-db.db')
    writeFileSync(path, 'this is a text file, not a database, padded to look big enough '.repeat(20))
    const e = await refusal(openStore(`sqlite:${path}`))
    expect(e.code).toBe('DATABASE_UNAVAILABLE')
    expect(e.message).toBe(`cannot open SQLite database at ${path}: file is not a database`)
  })

  it('creates the SQLite file and its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-open-'))
    dirs.push(dir)
    const path = join(dir, 'nested', 'deeper', 'warden.db')
    const store = await openStore(`sqlite:${path}`)
    try {
      expect(existsSync(path)).toBe(true)
      expect(store.location).toBe(`sqlite:${path}`)
      const pragmas = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db)
      expect(pragmas.rows[0]?.journal_mode).toBe('wal')
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db)
      expect(fk.rows[0]?.foreign_keys).toBe(1)
    } finally {
      await store.close()
    }
  })
})

describeDialects(
  'migrations',
  (t) => {
    it('creates every table once and is a no-op the second time', async () => {
      const store = await t.open()
      expect(store.dialect).toBe(t.dialect)
      expect(await tableNames(store)).toEqual([...TABLES, 'kysely_migration', 'kysely_migration_lock'].sort())
      expect(await migrationNames(store)).toEqual(MIGRATION_NAMES)
      expect(Object.keys(MIGRATIONS)).toEqual(MIGRATION_NAMES)
      expect(await migrateToLatest(store.db, store.dialect, store.schema)).toEqual([])
      const again = await t.open()
      expect(await migrationNames(again)).toEqual(MIGRATION_NAMES)
      const head = await again.db.selectFrom('audit_head').selectAll().execute()
      expect(head).toEqual([{ id: 1, seq: 0, hash: '0'.repeat(64) }])
    })

    it('applies nothing when opened with migrate: false', async () => {
      const store = await t.open({ migrate: false })
      expect(await tableNames(store)).toEqual([])
      expect(await migrateToLatest(store.db, store.dialect, store.schema)).toEqual(MIGRATION_NAMES)
    })

    it('lets two stores open (and migrate) the same fresh database at once', async () => {
      const [a, b] = await Promise.all([t.open(), t.open()])
      expect(await migrationNames(a!)).toEqual(MIGRATION_NAMES)
      expect(await tableNames(b!)).toEqual([...TABLES, 'kysely_migration', 'kysely_migration_lock'].sort())
      expect(await a!.db.selectFrom('audit_head').selectAll().execute()).toEqual([{ id: 1, seq: 0, hash: '0'.repeat(64) }])
    })

    it('lets two processes open the same fresh database at once and append to one audit chain', async () => {
      const [a, b] = await Promise.all([
        runStoreChild(t.database.url, t.database.options.schema, 20),
        runStoreChild(t.database.url, t.database.options.schema, 20),
      ])
      const store = await t.open()
      expect(await migrationNames(store)).toEqual(MIGRATION_NAMES)
      const seqs = [...a.seqs, ...b.seqs].sort((x, y) => x - y)
      expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
      expect(await verifyAudit(store.db)).toMatchObject({ ok: true, entries: 40, head_seq: 40 })
      const page = await listAudit(store.db, {}, { limit: 500 })
      expect(new Set(page.items.map((e) => e.actor)).size).toBe(2)
    })
  },
  { openStore: false },
)
