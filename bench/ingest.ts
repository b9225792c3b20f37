/**
 * Benchmark: ingesting a 100k-user sync (1.28M grants) into the governance store, on SQLite and on
 * PostgreSQL, and grant search through the REST API under load.
 *
 * 1. Snapshots, made once per run in a temp directory, by the real sync: the CLI emulator with
 *    the sync bench's 100k tenant (`warden emulator --users 100000 --roles 2000 --apps 1000
 *    --groups 100 --seed 1`, no added latency) and a full `syncToSnapshot` (bench/sync-worker.ts)
 *    give snapshot A. Then about 1% of the grants are changed in the emulator through the OneLogin
 *    API (users added to and removed from roles that carry apps, so member grants and the app
 *    grants derived from them come and go) and an incremental sync of A gives snapshot B.
 * 2. Per dialect, a fresh database (a temp SQLite file; a PostgreSQL database created for the run
 *    and dropped after), migrated, with one app, one integration and a Read-only Administrator with
 *    an API token. Each ingest runs in a process of its own (bench/ingest-worker.ts: `ingestRun`,
 *    the sync job's transaction), so its peak RSS is the ingest's: A (baseline), B (about 1%
 *    changed: grant events recorded), B again (nothing changed).
 * 3. Search: the real server (buildServer) in a child process on that store. Each query is first
 *    timed one request at a time as the ingests left the database; then, on PostgreSQL, ANALYZE
 *    runs (what autovacuum would do; it is off on the project's server) and autocannon in this
 *    process sends `GET /api/v1/grants` queries for 10 s each, 10 connections. Server, autocannon
 *    (and PostgreSQL) share the machine's 2 cores.
 * 4. Search during an ingest: a light load (4 connections, one user's grants) runs while A is
 *    ingested again (1% changed back) by a separate process (`warden worker`), then while B is
 *    ingested inside the server process (`warden serve` runs its job worker in-process). Latency
 *    percentiles are of the responses that completed during the ingest; "stall" is the longest
 *    time in which no response completed.
 *
 * Environment, for development: WARDEN_BENCH_INGEST_DIALECTS=sqlite|postgres narrows the run;
 * WARDEN_BENCH_INGEST_CACHE=<dir> keeps the snapshots in <dir> and reuses them on the next run;
 * WARDEN_BENCH_PG_URL is the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { fork } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { runLoad } from './load.js'
import type { LoadResult } from './load.js'
import Database from 'better-sqlite3'
import { OneLoginClient } from '../src/onelogin/index.js'
import { SnapshotReader, diffSnapshots } from '../src/snapshot/index.js'
import { createApiToken, createApp, createIntegration, createUser, openStore } from '../src/store/index.js'
import { startEmulatorProcess } from './emulator-process.js'
import type { IngestStep, ParentMessage, WorkerInput, WorkerMessage } from './ingest-worker.js'
import { SYNC_TENANTS, runSyncWorker } from './sync.js'
import { createPgDatabase } from './pg-database.js'
import { mib, table } from './table.js'

type Dialect = 'sqlite' | 'postgres'

const ROOT = join(import.meta.dirname, '..')
const TENANT = SYNC_TENANTS.find((t) => t.users === 100_000) ?? { label: '100k tenant', users: 100_000, roles: 2000, apps: 1000, groups: 100 }
/** Grants changed between snapshot A and B, as a share of A's grants (half added, half removed). */
const CHURN = 0.01
/** Roles whose membership changes: few, so the changes take few OneLogin calls. */
const CHANGED_ROLES = 40
const SEARCH_SECONDS = 10
const SEARCH_CONNECTIONS = 10
const DURING_CONNECTIONS = 4

interface Snapshots {
  /** Snapshot A (full sync) and B (incremental sync after the changes). */
  a: string
  b: string
  counts: { resources: number; entitlements: number; grants: number }
  fullSyncMs: number
  incrementalSyncMs: number
  planned: { added: number; removed: number; memberships: number; roles: number; calls: number }
  /** diffSnapshots(A, B). */
  actual: { added: number; removed: number; sourcesChanged: number }
}

interface SearchQuery {
  label: string
  path: string
}


interface DuringIngest {
  step: IngestStep
  load: LoadResult & { stallMs: number; badStatuses: number[] }
}

interface DialectRun {
  dialect: Dialect
  baseline: IngestStep
  changed: IngestStep
  unchanged: IngestStep
  /** Per query, one request at a time, median of 5 ms, as the ingests left the database (before ANALYZE). */
  asIngested: number[]
  analyzeMs: number
  searches: { query: SearchQuery; firstPage: number; load: LoadResult }[]
  duringWorker: DuringIngest
  duringServer: DuringIngest
  databaseBytes: string
}

export async function benchIngest(): Promise<string> {
  const dialects = dialectsToRun()
  const cache = process.env['WARDEN_BENCH_INGEST_CACHE']
  const dir = cache ?? (await mkdtemp(join(tmpdir(), 'warden-bench-ingest-')))
  try {
    const loadBefore = loadavg()[0] ?? 0
    const snapshots = await prepareSnapshots(dir)
    const runs: DialectRun[] = []
    for (const dialect of dialects) runs.push(await runDialect(dialect, snapshots, dir))
    return report(snapshots, runs, [loadBefore, loadavg()[0] ?? 0])
  } finally {
    if (cache === undefined) await rm(dir, { recursive: true, force: true })
  }
}

function dialectsToRun(): Dialect[] {
  const only = process.env['WARDEN_BENCH_INGEST_DIALECTS']
  if (only === undefined || only.trim() === '') return ['sqlite', 'postgres']
  const wanted = only.split(',').map((s) => s.trim())
  const bad = wanted.filter((d) => d !== 'sqlite' && d !== 'postgres')
  if (bad.length > 0) throw new Error(`WARDEN_BENCH_INGEST_DIALECTS: unknown dialect(s) ${bad.join(', ')}; use sqlite, postgres`)
  return wanted as Dialect[]
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

async function prepareSnapshots(dir: string): Promise<Snapshots> {
  const meta = join(dir, 'snapshots.json')
  if (existsSync(meta)) {
    status(`reusing the snapshots in ${dir}`)
    return JSON.parse(readFileSync(meta, 'utf8')) as Snapshots
  }
  mkdirSync(dir, { recursive: true })
  const work = join(dir, 'sync.db')
  const a = join(dir, 'a.db')
  const b = join(dir, 'b.db')
  status(`snapshots: starting the emulator (${TENANT.users} users, ${TENANT.roles} roles, ${TENANT.apps} apps, ${TENANT.groups} groups)`)
  const emulator = await startEmulatorProcess(['--users', String(TENANT.users), '--roles', String(TENANT.roles), '--apps', String(TENANT.apps), '--groups', String(TENANT.groups), '--seed', '1'])
  try {
    const input = { url: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret, file: work }
    status('snapshots: full sync (A)')
    const full = await runSyncWorker(input)
    if (full.summary.mode !== 'full') throw new Error(`expected a full sync, got ${full.summary.mode}`)
    copyFileSync(work, a)

    const plan = planChanges(a)
    status(`snapshots: changing ${plan.memberships} role memberships in ${plan.roles} roles (about ${plan.added} grants added, ${plan.removed} removed)`)
    const client = new OneLoginClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret })
    let calls = 0
    for (const [role, users] of plan.add) {
      await client.request({ method: 'POST', path: '/api/2/roles/:id/users', params: { id: role }, body: users })
      calls++
    }
    for (const [role, users] of plan.remove) {
      await client.request({ method: 'DELETE', path: '/api/2/roles/:id/users', params: { id: role }, body: users })
      calls++
    }

    status('snapshots: incremental sync (B)')
    const incremental = await runSyncWorker(input)
    if (incremental.summary.mode !== 'incremental') throw new Error(`expected an incremental sync, got ${incremental.summary.mode}`)
    copyFileSync(work, b)

    const readerA = SnapshotReader.open(a)
    const readerB = SnapshotReader.open(b)
    try {
      const diff = diffSnapshots(readerA, readerB)
      const c = readerA.counts()
      const snapshots: Snapshots = {
        a,
        b,
        counts: { resources: Object.values(c.resources).reduce((x, y) => x + y, 0), entitlements: c.entitlements, grants: c.grants },
        fullSyncMs: full.wall_ms,
        incrementalSyncMs: incremental.wall_ms,
        planned: { added: plan.added, removed: plan.removed, memberships: plan.memberships, roles: plan.roles, calls },
        actual: { added: diff.grantsAdded.length, removed: diff.grantsRemoved.length, sourcesChanged: diff.grantsChanged.length },
      }
      writeFileSync(meta, JSON.stringify(snapshots))
      return snapshots
    } finally {
      readerA.close()
      readerB.close()
    }
  } finally {
    emulator.stop()
  }
}


interface ChangePlan {
  /** OneLogin role id → OneLogin user ids to add / remove. */
  add: Map<number, number[]>
  remove: Map<number, number[]>
  /** Grants the changes add and remove (member grants plus the app grants only that role gave). */
  added: number
  removed: number
  memberships: number
  roles: number
}

/**
 * Picks role membership changes worth about CHURN of A's grants, half added and half removed, in
 * CHANGED_ROLES roles that carry apps. Each user changes once, so the grant deltas, computed from
 * A's memberships and role→app implications, add up exactly. Deterministic (seeded).
 */
function planChanges(file: string): ChangePlan {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const total = (db.prepare('SELECT count(*) AS n FROM grants').get() as { n: number }).n
    const roleApps = new Map<string, string[]>()
    for (const r of db.prepare("SELECT from_entitlement AS f, to_entitlement AS t FROM implications WHERE from_entitlement LIKE 'role:%:member' AND to_entitlement LIKE 'app:%:access'").iterate() as Iterable<{ f: string; t: string }>) {
      const role = r.f.slice(0, -':member'.length)
      const apps = roleApps.get(role) ?? []
      apps.push(r.t)
      roleApps.set(role, apps)
    }
    const userRoles = new Map<string, Set<string>>()
    const roleMembers = new Map<string, string[]>()
    for (const g of db.prepare("SELECT entitlement_id AS e, principal_id AS p FROM grants WHERE entitlement_id >= 'role:' AND entitlement_id < 'role;' AND principal_id >= 'user:' AND principal_id < 'user;'").iterate() as Iterable<{ e: string; p: string }>) {
      if (!g.e.endsWith(':member')) continue
      const role = g.e.slice(0, -':member'.length)
      const roles = userRoles.get(g.p) ?? new Set<string>()
      roles.add(role)
      userRoles.set(g.p, roles)
      const members = roleMembers.get(role) ?? []
      members.push(g.p)
      roleMembers.set(role, members)
    }
    const users = (db.prepare("SELECT id FROM resources WHERE id >= 'user:' AND id < 'user;'").all() as { id: string }[]).map((r) => r.id)

    const random = mulberry32(6)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T
    const candidates = [...roleApps.keys()].filter((r) => (roleMembers.get(r)?.length ?? 0) >= 100).sort()
    const chosen: string[] = []
    while (chosen.length < Math.min(CHANGED_ROLES, candidates.length)) {
      const r = pick(candidates)
      if (!chosen.includes(r)) chosen.push(r)
    }
    const appsVia = (user: string, except?: string): Set<string> => {
      const out = new Set<string>()
      for (const role of userRoles.get(user) ?? []) if (role !== except) for (const app of roleApps.get(role) ?? []) out.add(app)
      return out
    }
    const touched = new Set<string>()
    const target = Math.round((total * CHURN) / 2)
    const plan: ChangePlan = { add: new Map(), remove: new Map(), added: 0, removed: 0, memberships: 0, roles: 0 }
    const idOf = (resource: string): number => Number(resource.slice(resource.indexOf(':') + 1))
    const record = (into: Map<number, number[]>, role: string, user: string): void => {
      const list = into.get(idOf(role)) ?? []
      list.push(idOf(user))
      into.set(idOf(role), list)
      touched.add(user)
      plan.memberships++
    }
    for (let guard = 0; plan.removed < target && guard < 1_000_000; guard++) {
      const role = pick(chosen)
      const user = pick(roleMembers.get(role) ?? [])
      if (touched.has(user)) continue
      const others = appsVia(user, role)
      plan.removed += 1 + (roleApps.get(role) ?? []).filter((app) => !others.has(app)).length
      record(plan.remove, role, user)
    }
    for (let guard = 0; plan.added < target && guard < 1_000_000; guard++) {
      const role = pick(chosen)
      const user = pick(users)
      if (touched.has(user) || userRoles.get(user)?.has(role) === true) continue
      const held = appsVia(user)
      plan.added += 1 + (roleApps.get(role) ?? []).filter((app) => !held.has(app)).length
      record(plan.add, role, user)
    }
    plan.roles = new Set([...plan.add.keys(), ...plan.remove.keys()]).size
    return plan
  } finally {
    db.close()
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// ---------------------------------------------------------------------------------------------
// One dialect
// ---------------------------------------------------------------------------------------------

interface BenchDatabase {
  url: string
  size(): Promise<string>
  /** PostgreSQL: ANALYZE, what autovacuum would do after the ingest (it is off on the project's server). */
  analyze(): Promise<void>
  drop(): Promise<void>
}

async function createDatabase(dialect: Dialect, dir: string): Promise<BenchDatabase> {
  if (dialect === 'sqlite') {
    const sub = await mkdtemp(join(dir, 'store-'))
    const file = join(sub, 'warden.db')
    return {
      url: `sqlite:${file}`,
      size: async () => {
        const { statSync } = await import('node:fs')
        const bytes = [file, `${file}-wal`].reduce((n, f) => n + (existsSync(f) ? statSync(f).size : 0), 0)
        return mib(bytes)
      },
      analyze: async () => undefined,
      drop: () => rm(sub, { recursive: true, force: true }),
    }
  }
  return createPgDatabase('warden_bench')
}

async function runDialect(dialect: Dialect, snapshots: Snapshots, dir: string): Promise<DialectRun> {
  const database = await createDatabase(dialect, dir)
  try {
    const setup = await openStore(database.url)
    let integrationId: string
    let token: string
    try {
      const app = await createApp(setup.db, { name: 'OneLogin' })
      const integration = await createIntegration(setup.db, { app_id: app.id, mode: 'hosted', created_by: 'system', onelogin_domain: 'bench.onelogin.com' })
      integrationId = integration.id
      const reader = await createUser(setup.db, { email: 'bench-reader@example.com', display_name: 'Bench reader', roles: ['read-only-admin'] })
      token = (await createApiToken(setup.db, { userId: reader.id, name: 'bench' })).token
    } finally {
      await setup.close()
    }

    status(`${dialect}: ingest A (baseline, ${snapshots.counts.grants.toLocaleString('en-US')} grants)`)
    const baseline = await ingestProcess(database.url, integrationId, snapshots.a)
    status(`${dialect}: ingest B (about 1% of grants changed)`)
    const changed = await ingestProcess(database.url, integrationId, snapshots.b)
    status(`${dialect}: ingest B again (no change)`)
    const unchanged = await ingestProcess(database.url, integrationId, snapshots.b)
    const databaseBytes = await database.size()

    const server = await startServer(database.url, integrationId)
    try {
      const base = `http://127.0.0.1:${server.port}`
      const headers = { authorization: `Bearer ${token}` }
      const queries = searchQueries(snapshots.b, integrationId)
      const asIngested: number[] = []
      for (const query of queries) asIngested.push(await oneAtATime(base + query.path, headers))
      const analyzeStarted = performance.now()
      await database.analyze()
      const analyzeMs = performance.now() - analyzeStarted
      const searches: DialectRun['searches'] = []
      for (const query of queries) {
        const firstPage = await checkQuery(base + query.path, headers)
        status(`${dialect}: search ${query.label} (${SEARCH_SECONDS} s, ${SEARCH_CONNECTIONS} connections)`)
        const load = await runLoad(base + query.path, headers, { connections: SEARCH_CONNECTIONS, seconds: SEARCH_SECONDS }).done
        searches.push({ query, firstPage, load: load.result })
      }
      const probe = searches[0]?.query ?? { label: '', path: '' }
      status(`${dialect}: ingest A in a worker process while searching`)
      const duringWorker = await duringIngest(base + probe.path, headers, () => ingestProcess(database.url, integrationId, snapshots.a))
      status(`${dialect}: ingest B in the server process while searching`)
      const duringServer = await duringIngest(base + probe.path, headers, () => server.ingest(snapshots.b))
      return { dialect, baseline, changed, unchanged, asIngested, analyzeMs, searches, duringWorker, duringServer, databaseBytes }
    } finally {
      await server.stop()
    }
  } finally {
    await database.drop()
  }
}

function forkWorker(input: WorkerInput): ReturnType<typeof fork> {
  return fork(join(ROOT, 'bench', 'ingest-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, WARDEN_INGEST_WORKER_INPUT: JSON.stringify(input) },
  })
}

/** One ingest in a process of its own. */
async function ingestProcess(url: string, integrationId: string, file: string): Promise<IngestStep> {
  const child = forkWorker({ role: 'ingest', url, integrationId, file })
  let step: IngestStep | undefined
  let error: string | undefined
  child.on('message', (m: WorkerMessage) => {
    if (m.kind === 'step') step = m.step
    if (m.kind === 'error') error = m.message
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  if (step === undefined) throw new Error(`the ingest worker exited with code ${code}${error === undefined ? '' : `: ${error}`}`)
  return step
}

interface ServerProcess {
  port: number
  ingest(file: string): Promise<IngestStep>
  stop(): Promise<void>
}

async function startServer(url: string, integrationId: string): Promise<ServerProcess> {
  const child = forkWorker({ role: 'serve', url, integrationId })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const next = (): Promise<WorkerMessage> =>
    new Promise((resolve, reject) => {
      child.once('message', resolve)
      void exited.then((code) => reject(new Error(`the server process exited with code ${code}`)))
    })
  const first = await next()
  if (first.kind !== 'listening') throw new Error(`the server process did not start: ${first.kind === 'error' ? first.message : first.kind}`)
  return {
    port: first.port,
    async ingest(file) {
      const reply = next()
      child.send({ ingest: file } satisfies ParentMessage)
      const m = await reply
      if (m.kind !== 'step') throw new Error(`ingest in the server process failed: ${m.kind === 'error' ? m.message : m.kind}`)
      return m.step
    },
    async stop() {
      child.send({ stop: true } satisfies ParentMessage)
      const timer = setTimeout(() => child.kill('SIGTERM'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------

/** The queries, with ids picked from snapshot B (what the store holds when they run). */
function searchQueries(file: string, integrationId: string): SearchQuery[] {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    // A user with the median number of grants.
    const perUser = db
      .prepare("SELECT principal_id AS id, count(*) AS n FROM grants WHERE principal_id >= 'user:' AND principal_id < 'user;' GROUP BY principal_id ORDER BY n, principal_id")
      .all() as { id: string; n: number }[]
    const user = perUser[Math.floor(perUser.length / 2)]
    // The app and the role with the most grants: the largest result sets, first page.
    const app = db
      .prepare("SELECT entitlement_id AS id, count(*) AS n FROM grants WHERE entitlement_id >= 'app:' AND entitlement_id < 'app;' GROUP BY entitlement_id ORDER BY n DESC, entitlement_id LIMIT 1")
      .get() as { id: string; n: number }
    const role = db
      .prepare("SELECT entitlement_id AS id, count(*) AS n FROM grants WHERE entitlement_id >= 'role:' AND entitlement_id < 'role;' AND entitlement_id LIKE '%:member' GROUP BY entitlement_id ORDER BY n DESC, entitlement_id LIMIT 1")
      .get() as { id: string; n: number }
    if (user === undefined) throw new Error('snapshot B has no user grants')
    const appId = app.id.slice(0, -':access'.length)
    const roleId = role.id.slice(0, -':member'.length)
    const q = (params: Record<string, string>): string => `/api/v1/grants?${new URLSearchParams({ integration_id: integrationId, ...params }).toString()}`
    return [
      { label: `grants of one user (${user.n} grants)`, path: q({ user: user.id }) },
      { label: `grants of the largest app (${app.n.toLocaleString('en-US')} users), first page`, path: q({ app: appId }) },
      { label: `grants through the largest role (${role.n.toLocaleString('en-US')} members), first page`, path: q({ role: roleId }) },
      { label: 'all grants, first page, limit=100', path: q({ limit: '100' }) },
      { label: 'grants of suspended users, first page', path: q({ status: 'suspended' }) },
    ]
  } finally {
    db.close()
  }
}

/** The median time of 5 requests sent one at a time (after one to warm up), ms. */
async function oneAtATime(url: string, headers: Record<string, string>): Promise<number> {
  await checkQuery(url, headers)
  const ms: number[] = []
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    await checkQuery(url, headers)
    ms.push(performance.now() - started)
  }
  return ms.sort((x, y) => x - y)[2] ?? Number.NaN
}

/** One request: must be a 200 with grants in it; returns how many the first page holds. */
async function checkQuery(url: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(url, { headers })
  const body = (await res.json()) as { items?: unknown[] }
  if (res.status !== 200 || !Array.isArray(body.items) || body.items.length === 0) {
    throw new Error(`GET ${url} answered ${res.status} with ${JSON.stringify(body).slice(0, 300)}: the bench expects grants`)
  }
  return body.items.length
}


/** A light search load before, during and after `ingest`; the figures are of the responses that completed during it. */
async function duringIngest(url: string, headers: Record<string, string>, ingest: () => Promise<IngestStep>): Promise<DuringIngest> {
  const load = runLoad(url, headers, { connections: DURING_CONNECTIONS, record: true })
  await sleep(1000)
  const started = performance.now()
  const step = await ingest()
  const ended = performance.now()
  await sleep(1000)
  load.stop()
  const { responses } = await load.done
  // Completed during the ingest (throughput), and in flight at some time during it (latency):
  // a request the ingest held up completes after it, with all of its wait.
  const inside = responses.filter((r) => r.at >= started && r.at <= ended)
  const overlapping = responses.filter((r) => r.at >= started && r.at - r.ms <= ended)
  const ms = overlapping.map((r) => r.ms).sort((x, y) => x - y)
  const pct = (p: number): number => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))] ?? Number.NaN
  let stall = 0
  let last = started
  for (const r of inside) {
    stall = Math.max(stall, r.at - last)
    last = r.at
  }
  stall = Math.max(stall, ended - last)
  return {
    step,
    load: {
      rps: inside.length / ((ended - started) / 1000),
      p50: pct(50),
      p99: pct(99),
      max: ms[ms.length - 1] ?? Number.NaN,
      requests: overlapping.length,
      bad: overlapping.filter((r) => r.status < 200 || r.status > 299).length,
      badStatuses: [...new Set(overlapping.filter((r) => r.status < 200 || r.status > 299).map((r) => r.status))].sort(),
      stallMs: stall,
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/** `load`: the 1-minute load average at the start and at the end (other work on the machine shows in it). */
function report(s: Snapshots, runs: DialectRun[], load: [number, number]): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US')
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
  const msf = (x: number): string => (Number.isNaN(x) ? 'n/a' : x >= 100 ? `${n(x)} ms` : `${x.toFixed(1)} ms`)
  const rows = (step: IngestStep): number => Object.values(step.result.counts.resources).reduce((x, y) => x + y, 0) + step.result.counts.entitlements + step.result.counts.grants
  const events = (step: IngestStep): string =>
    step.result.baseline ? 'baseline: none' : `+${n(step.result.grants_added)} / -${n(step.result.grants_removed)} (${n(step.audit_entries)} audit)`
  const ingestRow = (dialect: Dialect, label: string, step: IngestStep): string[] => [
    dialect,
    label,
    secs(step.wall_ms),
    `${n(rows(step) / (step.wall_ms / 1000))}/s`,
    secs(step.cpu_ms),
    mib(step.peak_rss_bytes),
    events(step),
    '',
    '',
    '',
    '',
  ]
  const during = (dialect: Dialect, label: string, d: DuringIngest): string[] => [
    dialect,
    label,
    secs(d.step.wall_ms),
    `${n(rows(d.step) / (d.step.wall_ms / 1000))}/s`,
    secs(d.step.cpu_ms),
    mib(d.step.peak_rss_bytes),
    events(d.step),
    `${d.load.rps.toFixed(1)}${d.load.bad > 0 ? ` (${n(d.load.bad)} × ${d.load.badStatuses.join('/')})` : ''}`,
    msf(d.load.p50),
    msf(d.load.p99),
    `${msf(d.load.max)} / ${msf(d.load.stallMs)}`,
  ]
  const body: string[][] = []
  for (const r of runs) {
    body.push(ingestRow(r.dialect, 'ingest A: baseline', r.baseline))
    body.push(ingestRow(r.dialect, 'ingest B: ~1% of grants changed', r.changed))
    body.push(ingestRow(r.dialect, 'ingest B again: no change', r.unchanged))
    for (const { query, firstPage, load } of r.searches) {
      body.push([r.dialect, `search: ${query.label} [${firstPage} on page]`, '', '', '', '', '', `${n(load.rps)}${load.bad > 0 ? ` (${n(load.bad)} failed)` : ''}`, msf(load.p50), msf(load.p99), msf(load.max)])
    }
    body.push(during(r.dialect, 'ingest A (~1% back) in a worker process; 4 searches meanwhile', r.duringWorker))
    body.push(during(r.dialect, 'ingest B in the server process; 4 searches meanwhile', r.duringServer))
  }
  const header = ['dialect', 'step', 'wall', 'rows/s', 'CPU', 'peak RSS', 'grant events', 'req/s', 'p50', 'p99', 'max / stall']
  const notes = [
    `- Tenant: ${n(TENANT.users)} users, ${n(TENANT.roles)} roles, ${n(TENANT.apps)} apps, ${n(TENANT.groups)} groups; snapshot A: ${n(s.counts.resources)} resources, ${n(s.counts.entitlements)} entitlements, ${n(s.counts.grants)} grants (full sync ${secs(s.fullSyncMs)}, no added latency).`,
    `- Snapshot B: ${n(s.planned.memberships)} role memberships changed in ${s.planned.roles} roles (${s.planned.calls} OneLogin calls), then an incremental sync (${secs(s.incrementalSyncMs)}): ${n(s.actual.added)} grants added, ${n(s.actual.removed)} removed (${((100 * (s.actual.added + s.actual.removed)) / s.counts.grants).toFixed(2)}% of A), ${n(s.actual.sourcesChanged)} with changed sources.`,
    ...runs.map(
      (r) =>
        `- ${r.dialect}, one request at a time (median of 5) as the ingests left the database${r.dialect === 'postgres' ? ', before ANALYZE' : ''}: ` +
        r.searches.map((x, i) => `${x.query.label.replace(/ \(.*?\)|, first page.*$/g, '')} ${msf(r.asIngested[i] ?? Number.NaN)}`).join('; ') +
        (r.dialect === 'postgres' ? `. The searches in the table ran after ANALYZE (${secs(r.analyzeMs)}).` : '.'),
    ),
    ...runs.map((r) => `- ${r.dialect}, where each ingest's time went: ${phases(r)}.`),
    `- Load average (1 min) at the start and the end of the run: ${load[0].toFixed(1)}, ${load[1].toFixed(1)} (2 cores).`,
    `- Store size after the three ingests: ${runs.map((r) => `${r.dialect} ${r.databaseBytes}`).join(', ')}.`,
    `- rows/s: (resources + entitlements + grants) / wall time. CPU: the ingest process's own (PostgreSQL's is not in it). Peak RSS: the ingest process's; for the in-server ingest, the server process's.`,
    `- Searches: ${SEARCH_SECONDS} s each, ${SEARCH_CONNECTIONS} connections; during an ingest: ${DURING_CONNECTIONS} connections on the first query; req/s counts the responses completed during the ingest, latencies are of every request in flight at some time during it (one the ingest held up completes after it, with all of its wait), stall = the longest time during the ingest in which no response completed; failures are listed with their HTTP status.`,
  ]
  return `${table(header, body)}\n\n${notes.join('\n')}`
}

/** IngestResult.phase_ms (stage, delta, apply, ...) of each ingest, when the ingest reports it. */
function phases(r: DialectRun): string {
  const of = (label: string, step: IngestStep): string => {
    const p = (step.result as { phase_ms?: Record<string, number> }).phase_ms
    if (p === undefined) return `${label} n/a`
    return `${label} ${Object.entries(p)
      .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}`)
      .join(', ')}`
  }
  return [of('A', r.baseline), of('B', r.changed), of('B again', r.unchanged)].join('; ') + ' (s)'
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function status(message: string): void {
  process.stderr.write(`  ${message}\n`)
}
