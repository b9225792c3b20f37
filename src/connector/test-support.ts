/**
 * Helpers for the connector's tests: read a snapshot file with plain SQL, compute what a sync of a
 * `TenantSeed` must produce (grants, traits, API calls) independently of the sync's own code, and
 * talk to the emulator's control plane and OneLogin API with plain `fetch`.
 */
import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { CredentialScope, RunningEmulator, SeedUser, TenantSeed } from '../emulator/index.js'
import { OneLoginClient, RateBudget } from '../onelogin/index.js'
import type { OneLoginClientOptions } from '../onelogin/index.js'

// ------------------------------------------------------------------ reading a snapshot file

export interface GrantRow {
  id: string
  entitlement: string
  principal: string
  direct: boolean
  sources: string[]
}

export interface ResourceRecord {
  id: string
  type: string
  external_id: string
  display_name: string
  traits: Record<string, unknown>
  source_updated_at: string | null
}

export interface EntitlementRecord {
  id: string
  resource: string
  slug: string
  display_name: string
  grantable_to: string[]
}

export interface SyncRecord {
  id: string
  mode: string
  base_url: string
  started_at: string
  finished_at: string | null
  api_calls: number
  api_calls_by_endpoint: Record<string, number>
  options: Record<string, unknown>
  state: Record<string, unknown>
  checkpoint: unknown
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

function withDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

export function readGrants(file: string): GrantRow[] {
  return withDb(file, (db) =>
    (db.prepare('SELECT id, entitlement_id, principal_id, direct, sources FROM grants').all() as {
      id: string
      entitlement_id: string
      principal_id: string
      direct: number
      sources: string
    }[])
      .map((r) => ({ id: r.id, entitlement: r.entitlement_id, principal: r.principal_id, direct: r.direct === 1, sources: JSON.parse(r.sources) as string[] }))
      .sort(byId),
  )
}

export function readResources(file: string, type?: string): ResourceRecord[] {
  return withDb(file, (db) =>
    (
      (type === undefined
        ? db.prepare('SELECT * FROM resources').all()
        : db.prepare('SELECT * FROM resources WHERE type = ?').all(type)) as (Omit<ResourceRecord, 'traits'> & { traits: string })[]
    )
      .map((r) => ({ ...r, traits: JSON.parse(r.traits) as Record<string, unknown> }))
      .sort(byId),
  )
}

export function readEntitlements(file: string): EntitlementRecord[] {
  return withDb(file, (db) =>
    (db.prepare('SELECT id, resource_id, slug, display_name, grantable_to FROM entitlements').all() as {
      id: string
      resource_id: string
      slug: string
      display_name: string
      grantable_to: string
    }[])
      .map((r) => ({ id: r.id, resource: r.resource_id, slug: r.slug, display_name: r.display_name, grantable_to: JSON.parse(r.grantable_to) as string[] }))
      .sort(byId),
  )
}

export function readImplications(file: string): { from: string; to: string }[] {
  return withDb(file, (db) =>
    (db.prepare('SELECT from_entitlement AS "from", to_entitlement AS "to" FROM implications ORDER BY 1, 2').all() as { from: string; to: string }[]),
  )
}

/** Every sync row, oldest first, JSON columns parsed. */
export function readSyncs(file: string): SyncRecord[] {
  return withDb(file, (db) =>
    (db.prepare('SELECT * FROM syncs ORDER BY started_at, rowid').all() as Record<string, unknown>[]).map((r) => ({
      id: String(r['id']),
      mode: String(r['mode']),
      base_url: String(r['base_url']),
      started_at: String(r['started_at']),
      finished_at: r['finished_at'] === null ? null : String(r['finished_at']),
      api_calls: Number(r['api_calls']),
      api_calls_by_endpoint: JSON.parse(String(r['api_calls_by_endpoint'])) as Record<string, number>,
      options: JSON.parse(String(r['options'])) as Record<string, unknown>,
      state: JSON.parse(String(r['state'])) as Record<string, unknown>,
      checkpoint: r['checkpoint'] === null ? null : (JSON.parse(String(r['checkpoint'])) as unknown),
    })),
  )
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

// ------------------------------------------------------------------ expectations from a seed

const STATUS_NAMES: Record<number, string> = {
  0: 'unactivated',
  1: 'active',
  2: 'suspended',
  3: 'locked',
  4: 'password_expired',
  5: 'awaiting_password_reset',
  7: 'password_pending',
  8: 'security_questions_required',
}

const AUTH_METHOD_NAMES: Record<number, string> = { 0: 'password', 1: 'openid', 2: 'saml', 3: 'api', 4: 'google', 6: 'forms_based', 7: 'wsfed', 8: 'openid_connect' }

const blank = (v: string | null): string | null => (v === null || v.trim() === '' ? null : v)

/** The traits DESIGN.md's model gives a OneLogin user. */
export function expectedUserTraits(u: SeedUser): Record<string, unknown> {
  const names = [blank(u.firstname), blank(u.lastname)].filter((x) => x !== null)
  const display = blank(u.username) ?? (names.length > 0 ? names.join(' ') : null) ?? blank(u.email) ?? `user ${u.id}`
  return {
    email: blank(u.email),
    login: blank(u.username),
    display_name: display,
    first_name: blank(u.firstname),
    last_name: blank(u.lastname),
    status: STATUS_NAMES[u.status] ?? 'unknown',
    enabled: u.status === 1,
    manager_id: u.manager_user_id === null ? null : `user:${u.manager_user_id}`,
    department: blank(u.department),
    title: blank(u.title),
    last_login: u.last_login,
    created_at: u.created_at,
    custom_attributes: { ...u.custom_attributes },
  }
}

/** Every resource a sync of the seed writes, with its traits, sorted by id. */
export function expectedResources(seed: TenantSeed, opts: { privileges: boolean }): Omit<ResourceRecord, 'source_updated_at'>[] {
  const out: Omit<ResourceRecord, 'source_updated_at'>[] = []
  for (const u of seed.users) {
    const traits = expectedUserTraits(u)
    out.push({ id: `user:${u.id}`, type: 'user', external_id: String(u.id), display_name: String(traits['display_name']), traits })
  }
  for (const r of seed.roles) out.push({ id: `role:${r.id}`, type: 'role', external_id: String(r.id), display_name: r.name, traits: {} })
  for (const a of seed.apps) {
    out.push({
      id: `app:${a.id}`,
      type: 'app',
      external_id: String(a.id),
      display_name: a.name,
      traits: { provisioning_enabled: a.provisioning_enabled, connector_id: a.connector_id, auth_method: AUTH_METHOD_NAMES[a.auth_method] ?? String(a.auth_method), visible: a.visible },
    })
  }
  for (const g of seed.groups) out.push({ id: `group:${g.id}`, type: 'group', external_id: String(g.id), display_name: g.name, traits: {} })
  if (opts.privileges) {
    for (const p of seed.privileges) {
      const actions = [...new Set(p.statements.flatMap((s) => s.Action))].sort()
      const scopes = [...new Set(p.statements.flatMap((s) => s.Scope))].sort()
      out.push({ id: `privilege:${p.id}`, type: 'privilege', external_id: p.id, display_name: p.name, traits: { description: p.description, actions, scopes } })
    }
  }
  return out.sort(byId)
}

export function expectedEntitlements(seed: TenantSeed, opts: { privileges: boolean }): EntitlementRecord[] {
  const out: EntitlementRecord[] = []
  for (const r of seed.roles) {
    out.push({ id: `role:${r.id}:member`, resource: `role:${r.id}`, slug: 'member', display_name: `${r.name} member`, grantable_to: ['user'] })
    out.push({ id: `role:${r.id}:admin`, resource: `role:${r.id}`, slug: 'admin', display_name: `${r.name} admin`, grantable_to: ['user'] })
  }
  for (const a of seed.apps) out.push({ id: `app:${a.id}:access`, resource: `app:${a.id}`, slug: 'access', display_name: `${a.name} access`, grantable_to: ['user'] })
  for (const g of seed.groups) out.push({ id: `group:${g.id}:member`, resource: `group:${g.id}`, slug: 'member', display_name: `${g.name} member`, grantable_to: ['user'] })
  if (opts.privileges) {
    for (const p of seed.privileges) {
      out.push({ id: `privilege:${p.id}:assigned`, resource: `privilege:${p.id}`, slug: 'assigned', display_name: `${p.name} assigned`, grantable_to: ['user', 'role'] })
    }
  }
  return out.sort(byId)
}

/**
 * The grants a sync of the seed must write, computed from the seed alone:
 * - role members and admins, group membership (group_id): direct;
 * - app access: for each role R holding app A and each member U, `app:A:access:user:U`, not direct,
 *   sources the sorted `role:R:member` of every role of U that carries A;
 * - privileges: users and roles assigned directly; members of an assigned role hold it through
 *   `role:R:member` (merged into the direct grant when the user also holds it directly).
 */
export function expectedGrants(seed: TenantSeed, opts: { privileges: boolean }): GrantRow[] {
  const users = new Set(seed.users.map((u) => u.id))
  const apps = new Set(seed.apps.map((a) => a.id))
  const roles = new Set(seed.roles.map((r) => r.id))
  const grants = new Map<string, { entitlement: string; principal: string; direct: boolean; sources: Set<string> }>()
  const add = (entitlement: string, principal: string, source?: string): void => {
    const id = `${entitlement}:${principal}`
    let g = grants.get(id)
    if (g === undefined) grants.set(id, (g = { entitlement, principal, direct: false, sources: new Set() }))
    if (source === undefined) g.direct = true
    else g.sources.add(source)
  }
  const membersOf = new Map<number, number[]>()
  for (const r of seed.roles) {
    const members = [...new Set(r.users)].filter((u) => users.has(u))
    membersOf.set(r.id, members)
    for (const u of members) add(`role:${r.id}:member`, `user:${u}`)
    for (const u of new Set(r.admins)) if (users.has(u)) add(`role:${r.id}:admin`, `user:${u}`)
    for (const a of new Set(r.apps)) {
      if (!apps.has(a)) continue
      for (const u of members) add(`app:${a}:access`, `user:${u}`, `role:${r.id}:member`)
    }
  }
  for (const u of seed.users) if (u.group_id !== null) add(`group:${u.group_id}:member`, `user:${u.id}`)
  if (opts.privileges) {
    for (const p of seed.privileges) {
      const ent = `privilege:${p.id}:assigned`
      for (const u of new Set(p.users)) if (users.has(u)) add(ent, `user:${u}`)
      for (const r of new Set(p.roles)) {
        if (!roles.has(r)) continue
        add(ent, `role:${r}`)
        for (const u of membersOf.get(r) ?? []) add(ent, `user:${u}`, `role:${r}:member`)
      }
    }
  }
  return [...grants.entries()]
    .map(([id, g]) => ({ id, entitlement: g.entitlement, principal: g.principal, direct: g.direct, sources: [...g.sources].sort() }))
    .sort(byId)
}

/** What the call formula needs of a tenant: how many of each, and each privilege's members. */
export interface TenantShape {
  users: readonly unknown[]
  roles: readonly unknown[]
  apps: readonly unknown[]
  groups: readonly unknown[]
  privileges: readonly { users: readonly unknown[]; roles: readonly unknown[] }[]
}

/** Pages a list of n items takes at `perPage` (an empty list is still one call). */
export const pages = (n: number, perPage: number): number => Math.max(1, Math.ceil(n / perPage))

/**
 * The calls a full sync of the seed makes, by endpoint: 1 token + ⌈U/100⌉ + ⌈R/650⌉ + ⌈A/1000⌉ + A +
 * ⌈G/50⌉, plus with privileges 1 list + each privilege's user and role pages (50 a page).
 */
export function expectedFullSyncCalls(seed: TenantShape, opts: { privileges: boolean }): Record<string, number> {
  const out: Record<string, number> = {
    'GET /api/1/groups': pages(seed.groups.length, 50),
    'GET /api/2/apps': pages(seed.apps.length, 1000),
    'GET /api/2/roles': pages(seed.roles.length, 650),
    'GET /api/2/users': pages(seed.users.length, 100),
    'POST /auth/oauth2/v2/token': 1,
  }
  if (seed.apps.length > 0) out['GET /api/2/apps/:id'] = seed.apps.length
  if (opts.privileges) {
    out['GET /api/1/privileges'] = 1
    if (seed.privileges.length > 0) {
      out['GET /api/1/privileges/:id/roles'] = seed.privileges.reduce((n, p) => n + pages(p.roles.length, 50), 0)
      out['GET /api/1/privileges/:id/users'] = seed.privileges.reduce((n, p) => n + pages(p.users.length, 50), 0)
    }
  }
  return sortKeys(out)
}

export function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

export function total(byEndpoint: Record<string, number>): number {
  return Object.values(byEndpoint).reduce((a, b) => a + b, 0)
}

// ------------------------------------------------------------------ the emulator

/** A fresh client (its own token cache, call counter and budget) for one sync. */
export function syncClient(emu: RunningEmulator, options: Partial<OneLoginClientOptions> = {}, scope: CredentialScope = 'manage_all'): OneLoginClient {
  const c = emu.credentials.find((x) => x.scope === scope)
  if (c === undefined) throw new Error(`the emulator has no ${scope} credential`)
  return new OneLoginClient({
    baseUrl: emu.url,
    clientId: c.client_id,
    clientSecret: c.client_secret,
    rateBudget: new RateBudget({ limit: 1_000_000 }),
    sleep: async () => undefined,
    ...options,
  })
}

/** A call to the emulator's control plane (`/__emulator/...`). */
export async function control(emu: RunningEmulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`emulator control ${method} ${path}: ${res.status} ${text}`)
  return text === '' ? undefined : (JSON.parse(text) as unknown)
}

export async function emulatorStats(emu: RunningEmulator): Promise<{ total: number; by_endpoint: Record<string, number> }> {
  return (await control(emu, 'GET', '/stats')) as { total: number; by_endpoint: Record<string, number> }
}

/** OneLogin's API as an administrator would call it: plain fetch with a manage_all bearer token. */
export class OneLoginApi {
  readonly #emu: RunningEmulator
  #token: string | undefined

  constructor(emu: RunningEmulator) {
    this.#emu = emu
  }

  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    this.#token ??= await this.#fetchToken()
    const res = await fetch(`${this.#emu.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return text === '' ? undefined : (JSON.parse(text) as unknown)
  }

  async #fetchToken(): Promise<string> {
    const c = this.#emu.manageAll
    const res = await fetch(`${this.#emu.url}/auth/oauth2/v2/token`, {
      method: 'POST',
      headers: { authorization: `client_id:${c.client_id}, client_secret:${c.client_secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    })
    if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`)
    return ((await res.json()) as { access_token: string }).access_token
  }
}
