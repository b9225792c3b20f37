/**
 * Benchmark: just-in-time grants under load, on PostgreSQL. How long from approval (the order
 * committed) to provisioned in OneLogin, and from expiry to revoked, for N time-bound grants
 * (default 10,000) handled by several worker processes at once.
 *
 * 1. The real CLI emulator, `warden emulator --users U --roles 20 --apps 10 --groups 5 --seed 1
 *    --rate-limit 10000000` (no added latency), and the same tenant generated here to pick N
 *    (user, role) pairs where the user is not yet in the role.
 * 2. A PostgreSQL database created for the run (dropped after), migrated, with one hosted
 *    integration whose (sealed) credentials are the emulator's.
 * 3. W worker processes (bench/jit-worker.ts: the job worker with governance/jit.ts's handlers,
 *    production poll interval and back-off, concurrency C each) share the database.
 * 4. Approval → provisioned: this process places the N grant orders (60 minutes each) through
 *    `orderGrant`, 100 per transaction, as approvals would, while the workers already run. Each
 *    order's latency is from its created_at to the moment it was recorded done (after the
 *    connector's write and read-back, with the time-bound grant and its expiry job).
 * 5. Expiry → revoked: every grant's end (and its expiry job) is moved to one instant T a few
 *    seconds ahead, as if they had all been granted for the same span; each grant's latency is
 *    from T to the moment it was recorded revoked (expiry claim, revoke order, connector revoke
 *    with read-back). The emulator's DELETE count checks that each was revoked exactly once.
 *
 * Environment: WARDEN_BENCH_JIT_GRANTS (default 10000), WARDEN_BENCH_JIT_WORKERS (2),
 * WARDEN_BENCH_JIT_CONCURRENCY (16), WARDEN_BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres);
 * for development, WARDEN_BENCH_JIT_PROFILE=<dir> writes each worker's CPU profile there.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { generateTenant } from '../src/emulator/index.js'
import { EXPIRE_JOB, orderGrant } from '../src/governance/index.js'
import { SecretBox } from '../src/secrets/index.js'
import { createApp, createIntegration, isoTime, openStore, updateIntegration } from '../src/store/index.js'
import { startEmulatorProcess } from './emulator-process.js'
import type { JitWorkerInput, JitWorkerMessage } from './jit-worker.js'
import { createPgDatabase } from './pg-database.js'
import { mib, peakRss, table } from './table.js'

const ROOT = join(import.meta.dirname, '..')
const ROLES = 20
const BATCH = 100
const DURATION_MINUTES = 60
/** Development: write each worker's CPU profile (.cpuprofile) into this directory. */
const PROFILE_DIR = process.env['WARDEN_BENCH_JIT_PROFILE']

function envInt(name: string, fallback: number): number {
  const raw = process.env[name]
  const n = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`)
  return n
}

function status(message: string): void {
  process.stderr.write(`  ${message}\n`)
}

interface PhaseResult {
  wallMs: number
  latencies: number[]
  calls: Record<string, number>
  totalCalls: number
}

export async function benchJit(): Promise<string> {
  const grants = envInt('WARDEN_BENCH_JIT_GRANTS', 10_000)
  const workerCount = envInt('WARDEN_BENCH_JIT_WORKERS', 2)
  const concurrency = envInt('WARDEN_BENCH_JIT_CONCURRENCY', 16)
  const users = Math.max(1000, Math.ceil(grants / 4))
  const loadBefore = loadavg()[0] ?? 0

  status(`emulator: ${users} users, ${ROLES} roles`)
  const emu = await startEmulatorProcess(['--users', String(users), '--roles', String(ROLES), '--apps', '10', '--groups', '5', '--seed', '1', '--rate-limit', '10000000'])
  const database = await createPgDatabase('warden_bench_jit')
  const workers: { child: ChildProcess; messages: JitWorkerMessage[] }[] = []
  try {
    const pairs = pickPairs(users, grants)
    const key = randomBytes(32)
    const store = await openStore(database.url, { poolSize: 4 })
    try {
      const app = await createApp(store.db, { name: 'OneLogin (bench)' })
      const created = await createIntegration(store.db, { app_id: app.id, mode: 'hosted', created_by: 'system', onelogin_domain: emu.url, client_id: emu.clientId })
      const integration = await updateIntegration(store.db, created.id, { client_secret: new SecretBox(key).encrypt(emu.clientSecret, created.id), status: 'connected' })

      for (let i = 0; i < workerCount; i++) workers.push(await startWorker({ url: database.url, key: key.toString('base64'), id: `bench-worker-${i + 1}`, concurrency }))

      // ---- approval → provisioned
      status(`approval → provisioned: ${grants} orders, ${workerCount} workers × ${concurrency}`)
      await resetStats(emu.url)
      for (let i = 0; i < pairs.length; i += BATCH) {
        await store.transaction(async (trx) => {
          for (const [user, role] of pairs.slice(i, i + BATCH)) {
            await orderGrant(trx, { integration_id: integration.id, entitlement_id: `role:${role}:member`, principal_id: `user:${user}`, request_id: null, duration_minutes: DURATION_MINUTES, actor: 'system' }, new Date())
          }
        })
      }
      status('  all orders placed')
      const provisioned = await waitForPhase(grants, 'orders', async () => {
        const row = await store.db.selectFrom('provisioning_orders').select((eb) => eb.fn.countAll<string>().as('n')).where('state', 'in', ['done', 'manual']).executeTakeFirstOrThrow()
        return Number(row.n)
      })
      const orders = await store.db.selectFrom('provisioning_orders').select(['created_at', 'updated_at', 'state']).execute()
      const manual = orders.filter((o) => o.state !== 'done').length
      const p1: PhaseResult = {
        wallMs: Math.max(...orders.map((o) => Date.parse(o.updated_at))) - Math.min(...orders.map((o) => Date.parse(o.created_at))),
        latencies: orders.map((o) => Date.parse(o.updated_at) - Date.parse(o.created_at)),
        ...(await stats(emu.url)),
      }
      status(`  done in ${(p1.wallMs / 1000).toFixed(1)} s (${provisioned.pollMs} ms of polling)`)

      // ---- expiry → revoked
      const at = new Date(Date.now() + 5_000)
      const iso = isoTime(at)
      status(`expiry → revoked: all ${grants} grants end at ${iso}`)
      await store.transaction(async (trx) => {
        await trx.updateTable('timebound_grants').set({ expires_at: iso }).where('state', '=', 'active').execute()
        await trx.updateTable('jobs').set({ run_at: iso }).where('kind', '=', EXPIRE_JOB).where('status', '=', 'queued').execute()
      })
      await resetStats(emu.url)
      await waitForPhase(grants - manual, 'revokes', async () => {
        const row = await store.db.selectFrom('timebound_grants').select((eb) => eb.fn.countAll<string>().as('n')).where('state', '=', 'revoked').executeTakeFirstOrThrow()
        return Number(row.n)
      })
      const ended = await store.db.selectFrom('timebound_grants').select(['expires_at', 'revoked_at']).where('state', '=', 'revoked').execute()
      const p2: PhaseResult = {
        wallMs: Math.max(...ended.map((g) => Date.parse(g.revoked_at ?? iso))) - at.getTime(),
        latencies: ended.map((g) => Date.parse(g.revoked_at ?? iso) - Date.parse(g.expires_at)),
        ...(await stats(emu.url)),
      }
      const expiryOrders = Number(
        (await store.db.selectFrom('provisioning_orders').select((eb) => eb.fn.countAll<string>().as('n')).where('origin', '=', 'expiry').executeTakeFirstOrThrow()).n,
      )
      const emulatorRss = await peakRss(emu.child.pid ?? 0)
      const stopped = await Promise.all(workers.map((w) => stopWorker(w)))
      workers.length = 0
      return report({
        grants,
        users,
        workerCount,
        concurrency,
        manual,
        p1,
        p2,
        expiryOrders,
        emulatorRss,
        stopped,
        ordererRss: process.resourceUsage().maxRSS * 1024,
        databaseSize: await database.size(),
        load: [loadBefore, loadavg()[0] ?? 0],
      })
    } finally {
      await store.close()
    }
  } finally {
    for (const w of workers) w.child.kill('SIGTERM')
    emu.stop()
    await database.drop()
  }
}

/** N (user, role) pairs where the user is not in the role, spread over the roles, from the emulator's own seed. */
function pickPairs(users: number, n: number): [number, number][] {
  const seed = generateTenant({ users, roles: ROLES, apps: 10, groups: 5, seed: 1 })
  const out: [number, number][] = []
  const outside = seed.roles.map((r) => {
    const members = new Set(r.users)
    return { id: r.id, users: seed.users.map((u) => u.id).filter((u) => !members.has(u)) }
  })
  for (let i = 0; out.length < n; i++) {
    let added = false
    for (const r of outside) {
      const u = r.users[i]
      if (u === undefined) continue
      out.push([u, r.id])
      added = true
      if (out.length === n) break
    }
    if (!added) throw new Error(`the tenant has only ${out.length} (user, role) pairs to grant`)
  }
  return out
}

async function startWorker(input: JitWorkerInput): Promise<{ child: ChildProcess; messages: JitWorkerMessage[] }> {
  const child = fork(join(ROOT, 'bench', 'jit-worker.ts'), [], {
    execArgv: ['--import', 'tsx', ...(PROFILE_DIR === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, WARDEN_JIT_WORKER_INPUT: JSON.stringify(input) },
  })
  const messages: JitWorkerMessage[] = []
  child.on('message', (m: JitWorkerMessage) => messages.push(m))
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      const error = messages.find((m) => m.kind === 'error')
      if (error?.kind === 'error') {
        clearInterval(check)
        reject(new Error(`worker failed: ${error.message}`))
      } else if (messages.some((m) => m.kind === 'ready')) {
        clearInterval(check)
        resolve()
      }
    }, 20)
  })
  return { child, messages }
}

async function stopWorker(w: { child: ChildProcess; messages: JitWorkerMessage[] }): Promise<Extract<JitWorkerMessage, { kind: 'stopped' }>> {
  w.child.send({ stop: true })
  for (;;) {
    const m = w.messages.find((x) => x.kind === 'stopped')
    if (m?.kind === 'stopped') return m
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function waitForPhase(target: number, what: string, count: () => Promise<number>): Promise<{ pollMs: number }> {
  const started = Date.now()
  let last = -1
  let lastChange = Date.now()
  for (;;) {
    const n = await count()
    if (n >= target) return { pollMs: Date.now() - started }
    if (n !== last) {
      last = n
      lastChange = Date.now()
    } else if (Date.now() - lastChange > 120_000) {
      throw new Error(`no progress for 2 minutes: ${n} of ${target} ${what}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}

async function resetStats(url: string): Promise<void> {
  const res = await fetch(`${url}/__emulator/stats/reset`, { method: 'POST' })
  if (!res.ok) throw new Error(`emulator stats reset: ${res.status}`)
}

async function stats(url: string): Promise<{ calls: Record<string, number>; totalCalls: number }> {
  const res = await fetch(`${url}/__emulator/stats`)
  const body = (await res.json()) as { total: number; by_endpoint: Record<string, number> }
  return { calls: body.by_endpoint, totalCalls: body.total }
}


function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

function spread(latencies: readonly number[]): string {
  const s = [...latencies].sort((a, b) => a - b)
  return `${seconds(percentile(s, 50))} / ${seconds(percentile(s, 95))} / ${seconds(percentile(s, 99))} / ${seconds(s.at(-1) ?? 0)}`
}

function calls(c: Record<string, number>): string {
  return Object.entries(c)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ')
}

interface Report {
  grants: number
  users: number
  workerCount: number
  concurrency: number
  manual: number
  p1: PhaseResult
  p2: PhaseResult
  expiryOrders: number
  emulatorRss: number | undefined
  stopped: Extract<JitWorkerMessage, { kind: 'stopped' }>[]
  ordererRss: number
  databaseSize: string
  load: [number, number]
}

function report(r: Report): string {
  const n = r.grants.toLocaleString('en-US')
  const deletes = r.p2.calls['DELETE /api/2/roles/:id/users'] ?? 0
  const rows: (string | number)[][] = [
    ['tenant (emulator)', `${r.users.toLocaleString('en-US')} users, ${ROLES} roles, 10 apps, 5 groups`],
    ['time-bound grants (role memberships, 60 min)', n],
    ['workers (processes × concurrency)', `${r.workerCount} × ${r.concurrency}`],
    ['approval → provisioned: wall time (first order to last done)', seconds(r.p1.wallMs)],
    ['  per grant p50 / p95 / p99 / max', spread(r.p1.latencies)],
    ['  provisioned/s (rows/s)', (r.grants / (r.p1.wallMs / 1000)).toFixed(0)],
    ['  OneLogin API calls (emulator count)', `${r.p1.totalCalls.toLocaleString('en-US')} (${(r.p1.totalCalls / r.grants).toFixed(2)} per grant)`],
    ['  by endpoint', calls(r.p1.calls)],
    ['  orders that became manual tasks', r.manual],
    ['expiry → revoked: wall time (the end to last revoked)', seconds(r.p2.wallMs)],
    ['  per grant p50 / p95 / p99 / max', spread(r.p2.latencies)],
    ['  revoked/s (rows/s)', (r.p2.latencies.length / (r.p2.wallMs / 1000)).toFixed(0)],
    ['  OneLogin API calls (emulator count)', `${r.p2.totalCalls.toLocaleString('en-US')} (${(r.p2.totalCalls / r.grants).toFixed(2)} per grant)`],
    ['  by endpoint', calls(r.p2.calls)],
    ['  exactly once: DELETE calls / expiry orders / grants', `${deletes.toLocaleString('en-US')} / ${r.expiryOrders.toLocaleString('en-US')} / ${n}`],
    ...r.stopped.map((s, i): (string | number)[] => [
      `peak RSS, worker ${i + 1} (CPU time; warnings/errors logged)`,
      `${mib(s.peak_rss_bytes)} (${seconds(s.cpu_ms)}; ${s.warnings}/${s.errors}${s.first_problem === null ? '' : `: ${s.first_problem.slice(0, 80)}`})`,
    ]),
    ['peak RSS, emulator', r.emulatorRss === undefined ? '?' : mib(r.emulatorRss)],
    ['peak RSS, ordering process', mib(r.ordererRss)],
    ['PostgreSQL database size after the run', r.databaseSize],
    ['load average (1 min) before / after', `${r.load[0].toFixed(2)} / ${r.load[1].toFixed(2)}`],
  ]
  return table(['measure', 'value'], rows)
}
