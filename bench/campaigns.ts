/**
 * Benchmark: access reviews (issue 9) at scale on PostgreSQL. Staging a campaign over 1M grants,
 * and the reviewer inbox (`GET /api/v1/reviews`) under load.
 *
 * 1. Fixture (timed apart, not a result): a PostgreSQL database made for the run (dropped after),
 *    migrated, with one OneLogin integration (connected, synced now) and an inventory written with
 *    set-based SQL (generate_series) in the formats an ingest leaves: U = grants / 10 users (traits
 *    as the connector makes them: email, status (1 in 37 suspended), last_login (mostly within 30
 *    days, 1 in 7 up to 400 days ago, 1 in 20 never), created_at, manager_id), R roles (member and
 *    admin entitlements), A apps (access entitlements; every second one provisioned, with its
 *    discovered Warden app), and grants: each user in 6 roles (direct) and with 4 apps (through a
 *    role, `sources`), first seen over the last 400 days. Managers are users 1..M (M = U / 500),
 *    each managing 500 users; 9 in 10 managers are Warden users (same email), so the `manager`
 *    rule resolves for 90% of the items and the fallback reviewer gets the rest. Ten app owners own
 *    the apps' access entitlements, and one Warden user owns the integration. Then ANALYZE.
 * 2. Staging, the real functions: a campaign over every role and app entitlement
 *    (`resource_types: ['role', 'app']`), reviewers `manager` with a fallback user: previewCampaign
 *    and stageCampaign, each timed and broken down by statement (a kysely plugin on the store).
 *    Then a second campaign, reviewers `app_owners`, planned with the first one's statistics.
 * 3. startCampaign (the manager campaign), then the inbox of a typical manager (about 5,000 items)
 *    and of the fallback reviewer (10% of the campaign): first page, a deep page (the cursor after
 *    90% of the list), `suggestion=any`, `q=<a name>`, over HTTP against the real server
 *    (buildServer, in a process of its own: bench/campaigns-server.ts): one at a time, then with
 *    autocannon, 10 s at 10 connections. Inbox statements are cancelled after 30 s.
 * 4. Decisions: one decideItems of 500 certify items and one of 100 revoke items (with a reason
 *    and expected_revocations), timed.
 *
 * Environment: WARDEN_BENCH_CAMPAIGNS_GRANTS (default 1000000; a multiple of 10, at least 10000;
 * 100000 for a quick run), WARDEN_BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres); for
 * development, WARDEN_BENCH_CAMPAIGNS_KEEP=1 keeps the database (its URL is printed).
 */
import { fork } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { runLoad } from './load.js'
import type { LoadResult } from './load.js'
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryId, QueryResult, RootOperationNode, UnknownRow } from 'kysely'
import pg from 'pg'
import { createCampaign, decideItems, previewCampaign, stageCampaign, startCampaign } from '../src/governance/index.js'
import type { Actor, CampaignInput, CampaignPreview } from '../src/governance/index.js'
import { createApiToken, createApp, createIntegration, createUser, encodeCursor, isoTime, openStore } from '../src/store/index.js'
import type { Store } from '../src/store/index.js'
import type { CampaignsServerMessage } from './campaigns-server.js'
import { createPgDatabase } from './pg-database.js'
import { mib, table } from './table.js'

const ROOT = join(import.meta.dirname, '..')
const LOAD_SECONDS = 10
const LOAD_CONNECTIONS = 10
/** An inbox query slower than this one at a time gets no load test: 10 connections would only queue behind it. */
const LOAD_SKIP_MS = 2000
/** Users each manager manages. */
const REPORTS = 500
const APP_OWNERS = 10
const APP_NAMES = ['Salesforce', 'Slack', 'Zoom', 'GitHub', 'Jira', 'Workday', 'Box', 'Notion', 'Figma', 'Zendesk']
const DAY_MS = 24 * 60 * 60 * 1000

interface Sizes {
  grants: number
  users: number
  roles: number
  apps: number
  managers: number
}

function sizes(): Sizes {
  const raw = process.env['WARDEN_BENCH_CAMPAIGNS_GRANTS']
  const grants = raw === undefined || raw === '' ? 1_000_000 : Number(raw)
  if (!Number.isInteger(grants) || grants < 10_000 || grants % 10 !== 0) throw new Error('WARDEN_BENCH_CAMPAIGNS_GRANTS must be a whole multiple of 10, at least 10000')
  const users = grants / 10
  return { grants, users, roles: Math.min(2000, Math.max(60, Math.round(grants / 500))), apps: Math.min(500, Math.max(20, Math.round(grants / 2000))), managers: Math.max(10, Math.floor(users / REPORTS)) }
}

function status(message: string): void {
  process.stderr.write(`  ${message}\n`)
}

const hwm = (): number => process.resourceUsage().maxRSS * 1024

// ---------------------------------------------------------------------------------------------
// Statement timing: a kysely plugin on the store the measured functions get
// ---------------------------------------------------------------------------------------------

interface Statement {
  sql: string
  parameters: readonly unknown[]
  ms: number
}

/**
 * Times every statement run through a store (from compile to result, in the transaction's
 * connection) and keeps its SQL and parameters, so a measured call can be broken down by
 * statement and its big statements replayed under EXPLAIN.
 */
class StatementTimer implements KyselyPlugin {
  readonly #open = new Map<QueryId, { sql: string; parameters: readonly unknown[]; started: number }>()
  statements: Statement[] = []

  constructor(private readonly compile: (node: RootOperationNode, queryId: QueryId) => { sql: string; parameters: readonly unknown[] }) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const compiled = this.compile(args.node, args.queryId)
    this.#open.set(args.queryId, { sql: compiled.sql, parameters: compiled.parameters, started: performance.now() })
    return args.node
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const open = this.#open.get(args.queryId)
    if (open !== undefined) {
      this.#open.delete(args.queryId)
      this.statements.push({ sql: open.sql, parameters: open.parameters, ms: performance.now() - open.started })
    }
    return args.result
  }

  take(): Statement[] {
    const out = this.statements
    this.statements = []
    return out
  }

  /** Statements sent and not answered (e.g. the one a statement timeout cancelled), then forgotten. */
  takeInFlight(): Statement[] {
    const out = [...this.#open.values()].map((o) => ({ sql: o.sql, parameters: o.parameters, ms: performance.now() - o.started }))
    this.#open.clear()
    return out
  }
}

interface TimedStore {
  store: Store
  timer: StatementTimer
}

/** The store with the timer on it: the same database, pool and transaction behaviour as openStore's. */
function timedStore(store: Store): TimedStore {
  const executor = store.db.getExecutor()
  const timer = new StatementTimer((node, queryId) => executor.compileQuery(node, queryId))
  const db = store.db.withPlugin(timer)
  return { store: { ...store, db, transaction: (fn) => db.transaction().execute(fn) }, timer }
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim()

/** A short name for a statement of staging, by what it does. */
function labelOf(sql: string): string {
  const s = oneLine(sql).toLowerCase()
  const rules: [RegExp, string][] = [
    [/^insert into campaign_items /, 'items: INSERT ... SELECT of the grants'],
    [/^insert into campaign_item_reviewers .* join resources m /, 'reviewers: managers'],
    [/^insert into campaign_item_reviewers .* from apps a /, 'reviewers: app owners'],
    [/^insert into campaign_item_reviewers .* not exists /, 'reviewers: fallback, owner, super admins'],
    [/^insert into "campaign_scope"/, 'scope: insert entitlements'],
    [/^select count\(\*\) as n from campaign_items i where .* not exists/, 'count unreviewed'],
    [/^analyze /, 'ANALYZE items and reviewers'],
    [/^select i\.decision, i\.close_outcome, o\.state/, 'progress counts (campaign view)'],
    [/^select count\(distinct principal_id\)/, 'summary: distinct principals'],
    [/^select count\(distinct user_id\)/, 'summary: distinct reviewers'],
    [/campaign_item_reviewers.* group by "user_id"/, 'summary: top reviewers'],
    [/^select .*from "campaign_items".* group by/, 'summary: grouped counts'],
    [/^select count\(\*\) as n from campaign_items where/, 'summary: items'],
    [/campaign_item_reviewers r join campaign_items i .* group by r\.user_id/, 'reviewers with undecided items'],
    [/^insert into "audit_log"|"audit_head"/, 'audit'],
    [/"entitlements"|from apps a|"apps"|"app_bindings"|"integrations"/, 'scope: resolve entitlements and apps'],
  ]
  return rules.find(([re]) => re.test(s))?.[1] ?? `other: ${s.slice(0, 50)}`
}

interface Phase {
  label: string
  ms: number
  count: number
}

function phasesOf(statements: readonly Statement[]): Phase[] {
  const by = new Map<string, Phase>()
  for (const st of statements) {
    const label = labelOf(st.sql)
    const p = by.get(label) ?? { label, ms: 0, count: 0 }
    p.ms += st.ms
    p.count++
    by.set(label, p)
  }
  return [...by.values()].sort((a, b) => b.ms - a.ms)
}

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

interface Fixture {
  integrationId: string
  owner: Actor
  fallbackId: string
  appCount: number
  wardenUsers: number
  ms: number
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function buildFixture(store: Store, url: string, z: Sizes, now: Date): Promise<Fixture> {
  const started = performance.now()
  const onelogin = await createApp(store.db, { name: 'OneLogin' })
  const integration = await createIntegration(store.db, { app_id: onelogin.id, mode: 'hosted', created_by: 'system', onelogin_domain: 'bench.onelogin.com' })
  const at = isoTime(now)
  await store.db.updateTable('integrations').set({ status: 'connected', last_sync_at: at, last_full_sync_at: at }).where('id', '=', integration.id).execute()

  const owner = await createUser(store.db, { email: 'campaigns@bench.example.com', display_name: 'Campaign owner', roles: ['campaign-admin'] })
  const fallback = await createUser(store.db, { email: 'fallback-reviewer@bench.example.com', display_name: 'Fallback reviewer' })
  const admin = await createUser(store.db, { email: 'onelogin-admin@bench.example.com', display_name: 'OneLogin administrator' })
  await store.db.insertInto('integration_owners').values({ integration_id: integration.id, user_id: admin.id }).execute()
  const appOwners: string[] = []
  for (let k = 1; k <= APP_OWNERS; k++) appOwners.push((await createUser(store.db, { email: `app-owner-${k}@bench.example.com`, display_name: `App owner ${k}` })).id)
  let wardenUsers = 3 + APP_OWNERS
  // Managers are users 1..M; 9 in 10 sign in to Warden with their OneLogin email.
  for (let m = 1; m <= z.managers; m++) {
    if (m % 10 === 0) continue
    await createUser(store.db, { email: `user${m}@bench.example.com`, display_name: `Manager ${m}` })
    wardenUsers++
  }
  // Provisioned apps get their Warden app, as an ingest discovers them.
  for (let a = 2; a <= z.apps; a += 2) {
    await createApp(store.db, { name: `${APP_NAMES[a % APP_NAMES.length]} ${a}`, state: 'unmanaged', source_integration_id: integration.id, source_resource_id: `app:${a}` })
  }

  await withClient(url, async (c) => {
    const q = async (label: string, text: string, values: unknown[]): Promise<void> => {
      const t = performance.now()
      const r = await c.query(text, values)
      status(`fixture: ${label}: ${(r.rowCount ?? 0).toLocaleString('en-US')} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`)
    }
    await c.query('begin')
    await c.query(`create function pg_temp.iso(t timestamptz) returns text language sql immutable as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$`)
    const names = `(array[${APP_NAMES.map((n) => `'${n}'`).join(', ')}])[1 + a % ${APP_NAMES.length}] || ' ' || a`
    // One identity a person (as an ingest makes them), linked to the Warden user with that email.
    await q(
      'identities',
      `insert into identities (id, email, display_name, warden_user_id, created_at, updated_at)
       select 'idn_' || lpad(to_hex(i), 26, '0'), 'user' || i || '@bench.example.com', 'First' || i || ' Last' || i, u.id, $2, $2
       from generate_series(1, $1::int) i left join users u on u.email = 'user' || i || '@bench.example.com'`,
      [z.users, at],
    )
    await q(
      'users',
      `insert into resources (integration_id, id, type, display_name, traits, email, status, identity_id)
       select $1, 'user:' || i, 'user', 'user' || i,
         json_build_object(
           'email', 'user' || i || '@bench.example.com', 'login', 'user' || i, 'display_name', 'user' || i,
           'first_name', 'First' || i, 'last_name', 'Last' || i, 'status', st, 'enabled', st = 'active',
           'manager_id', case when i = 1 then null when i <= $3 then 'user:1' else 'user:' || (1 + i % $3) end,
           'department', 'Department ' || (i % 40), 'title', 'Title ' || (i % 25),
           'last_login', case when i % 20 = 0 then null
             else pg_temp.iso($4::timestamptz - ((i::bigint * 7919) % (case when i % 7 = 0 then 400 else 30 end * 86400)) * interval '1 second') end,
           'created_at', pg_temp.iso($4::timestamptz - interval '3 years' + (i % 700) * interval '1 day'),
           'custom_attributes', json_build_object())::text,
         'user' || i || '@bench.example.com', st, 'idn_' || lpad(to_hex(i), 26, '0')
       from generate_series(1, $2::int) i
       cross join lateral (select case when i % 37 = 0 then 'suspended' else 'active' end as st) s`,
      [integration.id, z.users, z.managers, at],
    )
    await q(
      'roles',
      `insert into resources (integration_id, id, type, display_name, traits) select $1, 'role:' || r, 'role', 'Role ' || r, '{}' from generate_series(1, $2::int) r`,
      [integration.id, z.roles],
    )
    await q(
      'apps',
      `insert into resources (integration_id, id, type, display_name, traits)
       select $1, 'app:' || a, 'app', ${names}, json_build_object('provisioning_enabled', a % 2 = 0, 'connector_id', 100000 + a, 'auth_method', 'saml', 'visible', true)::text
       from generate_series(1, $2::int) a`,
      [integration.id, z.apps],
    )
    await q(
      'entitlements',
      `insert into entitlements (integration_id, id, resource_id, slug, display_name, grantable_to)
       select $1, 'role:' || r || ':' || s, 'role:' || r, s, 'Role ' || r || ' ' || s, '["user"]' from generate_series(1, $2::int) r, (values ('member'), ('admin')) v(s)
       union all
       select $1, 'app:' || a || ':access', 'app:' || a, 'access', ${names} || ' access', '["user"]' from generate_series(1, $3::int) a`,
      [integration.id, z.roles, z.apps],
    )
    await q(
      'role grants (6 a user, direct)',
      `insert into grants (integration_id, entitlement_id, principal_id, direct, sources, first_seen_at)
       select $1, 'role:' || (1 + (i + j * ($3::int / 6)) % $3) || ':member', 'user:' || i, 1, '[]',
         pg_temp.iso($4::timestamptz - ((i * 31 + j * 97) % 400) * interval '1 day')
       from generate_series(1, $2::int) i, generate_series(0, 5) j`,
      [integration.id, z.users, z.roles, at],
    )
    await q(
      'app grants (4 a user, through a role)',
      `insert into grants (integration_id, entitlement_id, principal_id, direct, sources, first_seen_at)
       select $1, 'app:' || (1 + (i * 3 + j * ($5::int / 4)) % $5) || ':access', 'user:' || i, 0,
         json_build_array('role:' || (1 + (i + j * ($3::int / 6)) % $3) || ':member')::text,
         pg_temp.iso($4::timestamptz - ((i * 17 + j * 89) % 400) * interval '1 day')
       from generate_series(1, $2::int) i, generate_series(0, 3) j`,
      [integration.id, z.users, z.roles, at, z.apps],
    )
    await q(
      'app access owners',
      `insert into entitlement_owners (integration_id, entitlement_id, user_id)
       select $1, 'app:' || a || ':access', ($2::text[])[1 + a % cardinality($2::text[])] from generate_series(1, $3::int) a`,
      [integration.id, appOwners, z.apps],
    )
    await c.query('commit')
    const t = performance.now()
    await c.query('analyze')
    status(`fixture: ANALYZE in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  })
  return {
    integrationId: integration.id,
    owner: { id: owner.id, roles: owner.roles, via: 'token' },
    fallbackId: fallback.id,
    appCount: z.apps,
    wardenUsers,
    ms: performance.now() - started,
  }
}

// ---------------------------------------------------------------------------------------------
// Staging, as the code is
// ---------------------------------------------------------------------------------------------

interface Step {
  label: string
  ms: number
  items: number
  rssAfter: number
  phases: Phase[]
  detail: string
}

function campaignInput(name: string, type: 'manager' | 'app_owners', fallbackId: string, now: Date): CampaignInput {
  return {
    name,
    scope: { resource_types: ['role', 'app'] },
    reviewers: { type, fallback_user_ids: [fallbackId] },
    due_at: isoTime(new Date(now.getTime() + 30 * DAY_MS)),
  }
}

function previewDetail(p: CampaignPreview): string {
  const sug = p.summary.suggestions.map((s) => `${s.key} ${s.count.toLocaleString('en-US')}`).join(', ')
  return `${p.summary.principals.toLocaleString('en-US')} people, ${p.summary.reviewers} reviewers (the busiest: ${(p.summary.top_reviewers[0]?.count ?? 0).toLocaleString('en-US')} items), suggestions: ${sug}; unreviewed ${p.unreviewed}`
}

/** previewCampaign then stageCampaign of a draft, each timed and broken down by statement. */
async function previewAndStage(timed: TimedStore, owner: Actor, draftId: string, type: string, now: Date, note = ''): Promise<{ steps: Step[]; statements: Statement[] }> {
  const { store, timer } = timed
  timer.take()
  const steps: Step[] = []
  status(`${type}: preview`)
  let t = performance.now()
  const preview = await previewCampaign(store, owner, draftId, { now })
  let ms = performance.now() - t
  const previewStatements = timer.take()
  steps.push({ label: `preview (reviewers: ${type})${note}`, ms, items: preview.summary.items, rssAfter: hwm(), phases: phasesOf(previewStatements), detail: previewDetail(preview) })

  status(`${type}: stage`)
  t = performance.now()
  const staged = await stageCampaign(store, owner, draftId, { now })
  ms = performance.now() - t
  const statements = timer.take()
  steps.push({
    label: `stage (reviewers: ${type})${note}`,
    ms,
    items: staged.items_total,
    rssAfter: hwm(),
    phases: phasesOf(statements),
    detail: staged.warnings.length === 0 ? 'no warnings' : `warnings: ${staged.warnings.join(' | ').slice(0, 200)}`,
  })
  return { steps, statements: [...previewStatements, ...statements] }
}


interface InboxQuery {
  label: string
  who: 'manager' | 'fallback'
  filter: { suggestion?: 'any'; q?: string }
  cursor?: string
}

interface InboxRun {
  query: InboxQuery
  onPage: number
  /** One request at a time over HTTP (median of 5; the first alone when it took longer than LOAD_SKIP_MS). */
  single: number
  /** Undefined when one request took longer than LOAD_SKIP_MS (10 connections would only queue) or failed. */
  load: LoadResult | undefined
  failed?: string
}

function pathOf(q: InboxQuery): string {
  const params = new URLSearchParams({ limit: '100', ...q.filter, ...(q.cursor === undefined ? {} : { cursor: q.cursor }) })
  return `/api/v1/reviews?${params.toString()}`
}


async function getPage(url: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(url, { headers })
  const body = (await res.json()) as { items?: unknown[] }
  if (res.status !== 200 || !Array.isArray(body.items)) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body).slice(0, 200)}`)
  return body.items.length
}

/** Median of 5 requests one at a time after one to warm up (ms); only the first when it took longer than LOAD_SKIP_MS. */
async function oneAtATime(url: string, headers: Record<string, string>): Promise<{ ms: number; onPage: number }> {
  let t = performance.now()
  const onPage = await getPage(url, headers)
  const first = performance.now() - t
  if (first > LOAD_SKIP_MS) return { ms: first, onPage }
  const ms: number[] = []
  for (let i = 0; i < 5; i++) {
    t = performance.now()
    await getPage(url, headers)
    ms.push(performance.now() - t)
  }
  return { ms: ms.sort((a, b) => a - b)[2] ?? Number.NaN, onPage }
}

interface ServerProcess {
  port: number
  stop(): Promise<{ peak_rss_bytes: number; cpu_ms: number }>
}

async function startServer(url: string): Promise<ServerProcess> {
  const child = fork(join(ROOT, 'bench', 'campaigns-server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // node-postgres reads PGOPTIONS: every connection of the server's pool gets the statement timeout.
    env: { ...process.env, WARDEN_CAMPAIGNS_SERVER_URL: url, PGOPTIONS: `-c statement_timeout=${INBOX_TIMEOUT_MS}` },
  })
  const messages: CampaignsServerMessage[] = []
  child.on('message', (m: CampaignsServerMessage) => messages.push(m))
  const wait = async <K extends CampaignsServerMessage['kind']>(kind: K): Promise<Extract<CampaignsServerMessage, { kind: K }>> => {
    for (;;) {
      const error = messages.find((m) => m.kind === 'error')
      if (error?.kind === 'error') throw new Error(`the server process failed: ${error.message}`)
      const m = messages.find((x): x is Extract<CampaignsServerMessage, { kind: K }> => x.kind === kind)
      if (m !== undefined) return m
      if (child.exitCode !== null) throw new Error(`the server process exited with code ${child.exitCode}`)
      await sleep(20)
    }
  }
  const { port } = await wait('listening')
  return {
    port,
    async stop() {
      child.send({ stop: true })
      const stopped = await wait('stopped')
      return { peak_rss_bytes: stopped.peak_rss_bytes, cpu_ms: stopped.cpu_ms }
    },
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// ---------------------------------------------------------------------------------------------
// EXPLAIN ANALYZE
// ---------------------------------------------------------------------------------------------

/** Inbox statements are cancelled after this long (a slow one is a result, not a hang). */
const INBOX_TIMEOUT_MS = 30_000

export async function benchCampaigns(): Promise<string> {
  const z = sizes()
  const loadBefore = loadavg()[0] ?? 0
  const now = new Date()
  const database = await createPgDatabase('warden_bench_cmp')
  try {
    const store = await openStore(database.url)
    try {
      status(`fixture: ${z.users.toLocaleString('en-US')} users, ${z.roles} roles, ${z.apps} apps, ${z.grants.toLocaleString('en-US')} grants`)
      const fx = await buildFixture(store, database.url, z, now)
      status(`fixture built in ${(fx.ms / 1000).toFixed(1)} s`)
      const timed = timedStore(store)

      // 1. The first campaign staged in this database, then a second one (planned with the first's statistics).
      const mgrCampaignId = (await createCampaign(timed.store, fx.owner, campaignInput('Access review (manager)', 'manager', fx.fallbackId, now), { now })).id
      const steps = [...(await previewAndStage(timed, fx.owner, mgrCampaignId, 'manager', now)).steps]
      const ownCampaignId = (await createCampaign(timed.store, fx.owner, campaignInput('Access review (app owners)', 'app_owners', fx.fallbackId, now), { now })).id
      steps.push(...(await previewAndStage(timed, fx.owner, ownCampaignId, 'app_owners', now, ', a second campaign')).steps)

      status('start the manager campaign')
      let t = performance.now()
      const started = await startCampaign(timed.store, fx.owner, mgrCampaignId, { now, publicUrl: 'http://127.0.0.1:8080' })
      steps.push({ label: 'start (manager campaign)', ms: performance.now() - t, items: started.items_total, rssAfter: hwm(), phases: phasesOf(timed.timer.take()), detail: 'kickoff emails queued, one per reviewer' })

      // Reviewers: a typical manager (the median count) and the fallback.
      const counts = (
        await store.db
          .selectFrom('campaign_item_reviewers')
          .select(['user_id', (eb) => eb.fn.countAll<string>().as('n')])
          .where('campaign_id', '=', mgrCampaignId)
          .groupBy('user_id')
          .orderBy('n')
          .orderBy('user_id')
          .execute()
      ).map((r) => ({ user_id: r.user_id, n: Number(r.n) }))
      const managers = counts.filter((c) => c.user_id !== fx.fallbackId)
      const manager = managers[Math.floor(managers.length / 2)]
      const fallback = counts.find((c) => c.user_id === fx.fallbackId)
      if (manager === undefined || fallback === undefined) throw new Error('the manager campaign has no manager or no fallback reviewer')
      const itemAt = async (userId: string, offset: number): Promise<{ item_no: number; principal_name: string }> => {
        const r = await store.db
          .selectFrom('campaign_item_reviewers as r')
          .innerJoin('campaign_items as i', (j) => j.onRef('i.campaign_id', '=', 'r.campaign_id').onRef('i.item_no', '=', 'r.item_no'))
          .select(['i.item_no', 'i.principal_name'])
          .where('r.user_id', '=', userId)
          .where('r.campaign_id', '=', mgrCampaignId)
          .orderBy('r.item_no')
          .offset(offset)
          .limit(1)
          .executeTakeFirstOrThrow()
        return { item_no: Number(r.item_no), principal_name: r.principal_name }
      }
      // The cursor a client holds after paging through 90% of the list (pages end at an item).
      const deepOf = async (userId: string, total: number): Promise<{ cursor: string; after: number }> => {
        const after = Math.floor((total * 0.9) / 100) * 100
        return { cursor: encodeCursor('campaign-items', [mgrCampaignId, (await itemAt(userId, after - 1)).item_no]), after }
      }
      const managerDeep = await deepOf(manager.user_id, manager.n)
      const fallbackDeep = await deepOf(fallback.user_id, fallback.n)
      const managerReport = (await itemAt(manager.user_id, Math.floor(manager.n / 2))).principal_name
      const fallbackPerson = (await itemAt(fallback.user_id, Math.floor(fallback.n / 2))).principal_name
      const n = (x: number): string => x.toLocaleString('en-US')
      const queries: InboxQuery[] = [
        { label: `manager (${n(manager.n)} items): first page`, who: 'manager', filter: {} },
        { label: `manager: deep page (after ${n(managerDeep.after)} items)`, who: 'manager', filter: {}, cursor: managerDeep.cursor },
        { label: 'manager: suggestion=any', who: 'manager', filter: { suggestion: 'any' } },
        { label: `manager: q=${managerReport} (one of their people)`, who: 'manager', filter: { q: managerReport } },
        { label: `fallback (${n(fallback.n)} items): first page`, who: 'fallback', filter: {} },
        { label: `fallback: deep page (after ${n(fallbackDeep.after)} items)`, who: 'fallback', filter: {}, cursor: fallbackDeep.cursor },
        { label: `fallback: q=${fallbackPerson} (one person)`, who: 'fallback', filter: { q: fallbackPerson } },
      ]

      // The real API under load.
      status('inbox: starting the server')
      const server = await startServer(database.url)
      const base = `http://127.0.0.1:${server.port}`
      const headersOf = async (userId: string): Promise<Record<string, string>> => ({ authorization: `Bearer ${(await createApiToken(store.db, { userId, name: 'bench' })).token}` })
      const headers = { manager: await headersOf(manager.user_id), fallback: await headersOf(fallback.user_id) }
      const inbox: InboxRun[] = []
      let serverStats: { peak_rss_bytes: number; cpu_ms: number }
      try {
        for (const query of queries) {
          const url = base + pathOf(query)
          const run: InboxRun = { query, onPage: 0, single: Number.NaN, load: undefined }
          inbox.push(run)
          try {
            const single = await oneAtATime(url, headers[query.who])
            run.single = single.ms
            run.onPage = single.onPage
          } catch (e) {
            run.failed = e instanceof Error ? e.message : String(e)
            status(`inbox: ${query.label}: ${run.failed}`)
            continue
          }
          if (run.single > LOAD_SKIP_MS) {
            status(`inbox: ${query.label}: ${run.single.toFixed(0)} ms one at a time; no load test`)
            continue
          }
          status(`inbox: ${query.label}: ${run.single.toFixed(1)} ms one at a time; ${LOAD_SECONDS} s at ${LOAD_CONNECTIONS} connections`)
          run.load = (await runLoad(url, headers[query.who], { connections: LOAD_CONNECTIONS, seconds: LOAD_SECONDS, timeoutSeconds: 60 }).done).result
        }
        // Requests autocannon abandoned at its end finish before the store closes.
        await sleep(2000)
      } finally {
        serverStats = await server.stop()
      }

      // Decisions, as the manager.
      const reviewer: Actor = { id: manager.user_id, roles: [], via: 'token' }
      const mine = (
        await store.db
          .selectFrom('campaign_item_reviewers')
          .select('item_no')
          .where('campaign_id', '=', mgrCampaignId)
          .where('user_id', '=', manager.user_id)
          .orderBy('item_no')
          .limit(600)
          .execute()
      ).map((r) => Number(r.item_no))
      timed.timer.take()
      status('decisions: 500 certify')
      t = performance.now()
      const certified = await decideItems(timed.store, reviewer, mgrCampaignId, { item_nos: mine.slice(0, 500), decision: 'certify' }, { now })
      const certifyMs = performance.now() - t
      const certifyPhases = phasesOf(timed.timer.take())
      status('decisions: 100 revoke')
      t = performance.now()
      const revoked = await decideItems(timed.store, reviewer, mgrCampaignId, { item_nos: mine.slice(500, 600), decision: 'revoke', reason: 'no longer needed (bench)', expected_revocations: 100 }, { now })
      const revokeMs = performance.now() - t
      const revokePhases = phasesOf(timed.timer.take())

      return report({
        z,
        fx,
        steps,
        inbox,
        serverStats,
        decisions: [
          { label: `decideItems: 500 certify (${certified.plan.changes} changed)`, ms: certifyMs, items: 500, phases: certifyPhases },
          { label: `decideItems: 100 revoke, expected_revocations 100 (${revoked.plan.revocations} revoke orders)`, ms: revokeMs, items: 100, phases: revokePhases },
        ],
        databaseSize: await database.size(),
        load: [loadBefore, loadavg()[0] ?? 0],
      })
    } finally {
      await store.close()
    }
  } finally {
    if (process.env['WARDEN_BENCH_CAMPAIGNS_KEEP'] === '1') status(`kept the database: ${database.url}`)
    else await database.drop()
  }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

interface Report {
  z: Sizes
  fx: Fixture
  steps: Step[]
  inbox: InboxRun[]
  serverStats: { peak_rss_bytes: number; cpu_ms: number }
  decisions: { label: string; ms: number; items: number; phases: Phase[] }[]
  databaseSize: string
  load: [number, number]
}

function report(r: Report): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US')
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
  const msf = (x: number): string => (Number.isNaN(x) ? 'n/a' : x >= 100 ? `${n(x)} ms` : `${x.toFixed(1)} ms`)
  const phases = (ps: readonly Phase[], top = 6): string => {
    const shown = ps.slice(0, top).map((p) => `${p.label}${p.count > 1 ? ` ×${p.count}` : ''} ${secs(p.ms)}`)
    const rest = ps.slice(top).reduce((s, p) => s + p.ms, 0)
    return `${shown.join('; ')}${rest > 0 ? `; the other ${ps.length - top} kinds ${secs(rest)}` : ''}`
  }

  const staging: string[][] = r.steps.map((s) => [s.label, secs(s.ms), n(s.items), `${n(s.items / (s.ms / 1000))}/s`, mib(s.rssAfter)])
  for (const d of r.decisions) staging.push([d.label, msf(d.ms), n(d.items), `${n(d.items / (d.ms / 1000))}/s`, mib(hwm())])

  const inbox: string[][] = r.inbox.map((i) => [
    `${i.query.label}${i.failed === undefined ? ` [${i.onPage}]` : ''}`,
    i.failed === undefined ? msf(i.single) : `failed: ${i.failed.slice(0, 60)}`,
    i.load === undefined ? (i.failed === undefined ? 'not loaded' : '') : `${n(i.load.rps)}${i.load.bad > 0 ? ` (${n(i.load.bad)} failed)` : ''}`,
    i.load === undefined ? '' : msf(i.load.p50),
    i.load === undefined ? '' : msf(i.load.p99),
    i.load === undefined ? '' : msf(i.load.max),
  ])

  const notes = [
    `- Fixture (not measured): ${n(r.z.users)} users, ${n(r.z.roles)} roles, ${n(r.z.apps)} apps (${n(r.z.apps / 2)} provisioned, with their Warden app), ${n(r.z.grants)} grants (${n(r.z.users * 6)} role memberships, ${n(r.z.users * 4)} app grants through roles), ${n(r.z.managers)} managers of ${REPORTS} users each, ${n(r.fx.wardenUsers)} Warden users; built with generate_series in ${secs(r.fx.ms)}.`,
    ...r.steps.map((s) => `- ${s.label}: ${s.detail}. Where the time went: ${phases(s.phases)}.`),
    ...r.decisions.map((d) => `- ${d.label}: ${phases(d.phases, 4)}.`),
    `- Inbox: GET /api/v1/reviews?limit=100 with the reviewer's API token, ${LOAD_SECONDS} s a query at ${LOAD_CONNECTIONS} connections (autocannon in the bench process, the server in its own; server, bench and PostgreSQL share the 2 cores); one at a time = median of 5 over HTTP; a query slower than ${msf(LOAD_SKIP_MS)} alone is not loaded. Server process: peak RSS ${mib(r.serverStats.peak_rss_bytes)}, CPU ${secs(r.serverStats.cpu_ms)}.`,
    `- OneLogin API calls: none (staging reads the store; the revoke decisions queue provisioning orders, which no worker ran here).`,
    `- PostgreSQL database size at the end: ${r.databaseSize}. Load average (1 min) at the start and the end: ${r.load[0].toFixed(1)}, ${r.load[1].toFixed(1)} (2 cores).`,
  ]
  return [table(['step', 'wall', 'items', 'items/s', 'peak RSS (bench process)'], staging), table(['GET /api/v1/reviews (limit=100) as', 'one at a time', 'req/s', 'p50', 'p99', 'max'], inbox), notes.join('\n')].join('\n\n')
}
