/**
 * Test fixtures: snapshot files written with plain SQL over SNAPSHOT_DDL, independent of the
 * snapshot writer, so reader, diff and CLI tests read files whose every row they know.
 * JSON columns accept a raw string so tests can store corrupt values.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { SNAPSHOT_APPLICATION_ID, SNAPSHOT_DDL, SNAPSHOT_SCHEMA_VERSION } from './schema.js'

export interface FixtureResource {
  id: string
  type: string
  display_name: string
  /** An object, or raw text stored as is. */
  traits: Record<string, unknown> | string
  external_id?: string
  source_updated_at?: string | null
}

export interface FixtureEntitlement {
  id: string
  resource_id: string
  slug: string
  display_name: string
  grantable_to: string[] | string
}

export interface FixtureGrant {
  entitlement_id: string
  principal_id: string
  direct: boolean | number
  sources: string[] | string
}

export interface FixtureSync {
  id: string
  started_at: string
  finished_at: string | null
  mode?: string
  base_url?: string
  account_id?: number | null
  duration_ms?: number | null
  api_calls?: number
  api_calls_by_endpoint?: Record<string, number> | string
  options?: Record<string, unknown> | string
  state?: Record<string, unknown> | string
  checkpoint?: unknown
}

export interface FixtureSnapshot {
  resources: FixtureResource[]
  entitlements: FixtureEntitlement[]
  grants: FixtureGrant[]
  implications?: [string, string][]
  syncs?: FixtureSync[]
  /** Defaults to SNAPSHOT_APPLICATION_ID / SNAPSHOT_SCHEMA_VERSION. */
  applicationId?: number
  userVersion?: number
}

const json = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))

export const DEFAULT_SYNC: FixtureSync = {
  id: 'sync-1',
  started_at: '2025-03-01T09:00:00.000Z',
  finished_at: '2025-03-01T09:00:04.000Z',
}

/** Writes `data` as a snapshot file at `path` (which must not exist yet). */
export function writeSnapshotFixture(path: string, data: FixtureSnapshot): void {
  const db = new Database(path)
  try {
    // better-sqlite3 turns foreign keys on; off here so tests can store rows no writer would.
    db.pragma('foreign_keys = OFF')
    db.pragma(`application_id = ${data.applicationId ?? SNAPSHOT_APPLICATION_ID}`)
    db.pragma(`user_version = ${data.userVersion ?? SNAPSHOT_SCHEMA_VERSION}`)
    db.exec(SNAPSHOT_DDL)
    db.transaction(() => {
      const resource = db.prepare('INSERT INTO resources (id, type, external_id, display_name, traits, source_updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      for (const r of data.resources) {
        resource.run(r.id, r.type, r.external_id ?? r.id.slice(r.id.indexOf(':') + 1), r.display_name, json(r.traits), r.source_updated_at ?? null)
      }
      const entitlement = db.prepare('INSERT INTO entitlements (id, resource_id, slug, display_name, grantable_to) VALUES (?, ?, ?, ?, ?)')
      for (const e of data.entitlements) entitlement.run(e.id, e.resource_id, e.slug, e.display_name, json(e.grantable_to))
      // The grant id is derived by the schema from entitlement and principal.
      const grant = db.prepare('INSERT INTO grants (entitlement_id, principal_id, direct, sources) VALUES (?, ?, ?, ?)')
      for (const g of data.grants) grant.run(g.entitlement_id, g.principal_id, Number(g.direct), json(g.sources))
      const implication = db.prepare('INSERT INTO implications (from_entitlement, to_entitlement) VALUES (?, ?)')
      for (const [from, to] of data.implications ?? []) implication.run(from, to)
      const sync = db.prepare(
        `INSERT INTO syncs (id, mode, base_url, account_id, started_at, finished_at, duration_ms, api_calls, api_calls_by_endpoint, options, state, checkpoint)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      for (const s of data.syncs ?? [DEFAULT_SYNC]) {
        sync.run(
          s.id,
          s.mode ?? 'full',
          s.base_url ?? 'https://acme.onelogin.com',
          s.account_id ?? null,
          s.started_at,
          s.finished_at,
          s.duration_ms ?? (s.finished_at === null ? null : Date.parse(s.finished_at) - Date.parse(s.started_at)),
          s.api_calls ?? 12,
          json(s.api_calls_by_endpoint ?? { 'GET /api/2/users': 2, 'GET /api/2/roles': 10 }),
          json(s.options ?? { privileges: true }),
          json(s.state ?? {}),
          s.checkpoint === undefined || s.checkpoint === null ? null : json(s.checkpoint),
        )
      }
    })()
  } finally {
    db.close()
  }
}

/** A temporary directory for snapshot files; `cleanup()` removes it. */
export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'warden-snapshot-'))
  return { dir, file: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export const PRIVILEGE = 'privilege:0b7d3f52-8c1e-4a55-9f10-2f6a9c1d7e42'

function user(id: number, name: string, email: string, status: string): FixtureResource {
  const [first, last] = name.split(' ')
  return {
    id: `user:${id}`,
    type: 'user',
    display_name: name,
    traits: {
      email,
      login: email.split('@')[0],
      display_name: name,
      first_name: first ?? null,
      last_name: last ?? null,
      status,
      enabled: status === 'active',
      manager_id: null,
      department: 'Engineering',
      title: null,
      last_login: null,
      created_at: '2024-01-02T03:04:05Z',
      custom_attributes: {},
    },
  }
}

function app(id: number, name: string, provisioning: boolean): FixtureResource {
  return { id: `app:${id}`, type: 'app', display_name: name, traits: { provisioning_enabled: provisioning, connector_id: 100 + id, auth_method: 'saml', visible: true } }
}

const ENTITLEMENTS: FixtureEntitlement[] = [
  { id: 'app:20:access', resource_id: 'app:20', slug: 'access', display_name: 'GitHub access', grantable_to: ['user'] },
  { id: 'app:21:access', resource_id: 'app:21', slug: 'access', display_name: 'Salesforce access', grantable_to: ['user'] },
  { id: 'group:30:member', resource_id: 'group:30', slug: 'member', display_name: 'Staff member', grantable_to: ['user'] },
  { id: `${PRIVILEGE}:assigned`, resource_id: PRIVILEGE, slug: 'assigned', display_name: 'Help desk assigned', grantable_to: ['user', 'role'] },
  { id: 'role:10:admin', resource_id: 'role:10', slug: 'admin', display_name: 'Engineering admin', grantable_to: ['user'] },
  { id: 'role:10:member', resource_id: 'role:10', slug: 'member', display_name: 'Engineering member', grantable_to: ['user'] },
  { id: 'role:11:admin', resource_id: 'role:11', slug: 'admin', display_name: 'Sales admin', grantable_to: ['user'] },
  { id: 'role:11:member', resource_id: 'role:11', slug: 'member', display_name: 'Sales member', grantable_to: ['user'] },
]

const IMPLICATIONS: [string, string][] = [
  ['role:10:member', 'app:20:access'],
  ['role:10:member', 'app:21:access'],
  ['role:10:member', `${PRIVILEGE}:assigned`],
  ['role:11:member', 'app:21:access'],
]

/**
 * A small tenant: three users (Cat suspended), roles Engineering (role:10, gives GitHub and
 * Salesforce) and Sales (role:11, gives Salesforce), group Staff and the Help desk privilege.
 */
export function olderSnapshot(): FixtureSnapshot {
  return {
    resources: [
      user(1, 'Ann Archer', 'ann@acme.test', 'active'),
      user(2, 'Bob Baker', 'bob@acme.test', 'active'),
      user(3, 'Cat Cole', 'cat@acme.test', 'suspended'),
      { id: 'role:10', type: 'role', display_name: 'Engineering', traits: {} },
      { id: 'role:11', type: 'role', display_name: 'Sales', traits: {} },
      app(20, 'GitHub', true),
      app(21, 'Salesforce', false),
      { id: 'group:30', type: 'group', display_name: 'Staff', traits: { reference: null } },
      { id: PRIVILEGE, type: 'privilege', display_name: 'Help desk', traits: { description: 'Reset passwords' } },
    ],
    entitlements: ENTITLEMENTS,
    implications: IMPLICATIONS,
    grants: [
      { entitlement_id: 'app:20:access', principal_id: 'user:1', direct: false, sources: ['role:10:member'] },
      { entitlement_id: 'app:20:access', principal_id: 'user:2', direct: false, sources: ['role:10:member'] },
      { entitlement_id: 'app:21:access', principal_id: 'user:1', direct: false, sources: ['role:10:member'] },
      { entitlement_id: 'app:21:access', principal_id: 'user:2', direct: false, sources: ['role:10:member', 'role:11:member'] },
      { entitlement_id: 'group:30:member', principal_id: 'user:1', direct: true, sources: [] },
      { entitlement_id: 'group:30:member', principal_id: 'user:3', direct: true, sources: [] },
      { entitlement_id: `${PRIVILEGE}:assigned`, principal_id: 'role:10', direct: true, sources: [] },
      { entitlement_id: `${PRIVILEGE}:assigned`, principal_id: 'user:1', direct: true, sources: ['role:10:member'] },
      { entitlement_id: 'role:10:admin', principal_id: 'user:1', direct: true, sources: [] },
      { entitlement_id: 'role:10:member', principal_id: 'user:1', direct: true, sources: [] },
      { entitlement_id: 'role:10:member', principal_id: 'user:2', direct: true, sources: [] },
      { entitlement_id: 'role:11:member', principal_id: 'user:2', direct: true, sources: [] },
    ],
  }
}

/**
 * The same tenant a day later: Bob is suspended and left Sales (so his Salesforce access is now
 * held through Engineering only), Cat was deleted, Dan joined Sales, Ann's status is unchanged
 * though her last login moved, and app:21 was renamed.
 */
export function newerSnapshot(): FixtureSnapshot {
  const older = olderSnapshot()
  const resources = older.resources
    .filter((r) => r.id !== 'user:3')
    .map((r) => {
      if (r.id === 'user:2' && typeof r.traits !== 'string') return { ...r, traits: { ...r.traits, status: 'suspended', enabled: false } }
      if (r.id === 'user:1' && typeof r.traits !== 'string') return { ...r, traits: { ...r.traits, last_login: '2025-03-02T08:00:00Z' } }
      if (r.id === 'app:21') return { ...r, display_name: 'Salesforce CRM' }
      return r
    })
  resources.splice(3, 0, user(4, 'Dan Diaz', 'dan@acme.test', 'active'))
  const grants = older.grants
    .filter((g) => g.principal_id !== 'user:3' && !(g.entitlement_id === 'role:11:member' && g.principal_id === 'user:2'))
    .map((g) => (g.entitlement_id === 'app:21:access' && g.principal_id === 'user:2' ? { ...g, sources: ['role:10:member'] } : g))
  grants.push(
    { entitlement_id: 'app:21:access', principal_id: 'user:4', direct: false, sources: ['role:11:member'] },
    { entitlement_id: 'role:11:member', principal_id: 'user:4', direct: true, sources: [] },
  )
  return {
    ...older,
    resources,
    grants,
    syncs: [{ id: 'sync-2', started_at: '2025-03-02T09:00:00.000Z', finished_at: '2025-03-02T09:00:03.500Z' }],
  }
}
