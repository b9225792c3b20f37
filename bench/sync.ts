/**
 * Benchmark: a full sync and a no-change incremental re-sync of two generated tenants, compared
 * with baton-onelogin's API-call formulas (reference/baton.md §2).
 *
 * For each tenant it starts the real CLI, `warden emulator --port 0 --users U --roles R --apps A
 * --groups G --seed 1 --latency 50` (50 ms added to every OneLogin call), then runs
 * `syncToSnapshot` (privileges off: baton's formulas exclude them) in a child process of its own
 * (bench/sync-worker.ts), so that process's peak RSS is the sync's alone: first a full sync into
 * an empty temp directory, then an incremental re-sync of the same file with nothing changed.
 * Prints one table, tenants side by side, and a line per target saying whether it was met.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateTenant } from '../src/emulator/index.js'
import { startEmulatorProcess } from './emulator-process.js'
import { mib, peakRss, table } from './table.js'
import type { WorkerInput, WorkerResult } from './sync-worker.js'

export interface SyncTenant {
  label: string
  users: number
  roles: number
  apps: number
  groups: number
}

export const SYNC_TENANTS: readonly SyncTenant[] = [
  { label: '5k tenant', users: 5000, roles: 200, apps: 150, groups: 30 },
  { label: '100k tenant', users: 100_000, roles: 2000, apps: 1000, groups: 100 },
]

const LATENCY_MS = 50
const HOURLY_BUDGET = 5000
const TARGETS = { callRatioAt5k: 20, callsAt100k: 5000, peakRssBytes: 300e6, grantsPerSecond: 200_000 }

const ROOT = join(import.meta.dirname, '..')

/** baton.md §2.2, old version (main@f4070a4), small memberships, k user-cache fills. */
export function batonOldCalls(t: SyncTenant, k = 1): number {
  const c = (n: number): number => Math.ceil(n / 50)
  return 2 + (k + 1) * c(t.users) + t.users + c(t.roles) + 3 * t.roles + c(t.apps) + t.apps + c(t.groups) + t.groups
}

/** baton.md §2.3, newer version (V2, session store, system privileges; privileges off), small memberships. */
export function batonNewCalls(t: SyncTenant): number {
  const c = (n: number): number => Math.ceil(n / 50)
  return 2 + 3 * c(t.users) + 2 * t.users + c(t.roles) + 3 * t.roles + c(t.apps) + t.apps + c(t.groups) + t.groups
}

/**
 * baton.md §2.2 with this tenant's real membership sizes instead of "small memberships":
 * pg(n) = max(1, ⌈n/50⌉) per role's members, admins and apps, per app's users (the union of the
 * members of every role holding it, as the emulator serves /apps/:id/users) and per group's members.
 */
export function batonOldCallsActual(t: SyncTenant, k = 1): number {
  const pg = (n: number): number => Math.max(1, Math.ceil(n / 50))
  const seed = generateTenant({ users: t.users, roles: t.roles, apps: t.apps, groups: t.groups, seed: 1 })
  let calls = 2 + (k + 1) * pg(seed.users.length) + seed.users.length + pg(seed.roles.length) + pg(seed.apps.length) + pg(seed.groups.length)
  const appUsers = new Map<number, Set<number>>()
  for (const r of seed.roles) {
    calls += pg(r.users.length) + pg(r.admins.length) + pg(r.apps.length)
    for (const a of r.apps) {
      let set = appUsers.get(a)
      if (set === undefined) appUsers.set(a, (set = new Set()))
      for (const u of r.users) set.add(u)
    }
  }
  for (const a of seed.apps) calls += pg(appUsers.get(a.id)?.size ?? 0)
  const groupSizes = new Map<number, number>()
  for (const u of seed.users) if (u.group_id !== null) groupSizes.set(u.group_id, (groupSizes.get(u.group_id) ?? 0) + 1)
  for (const g of seed.groups) calls += pg(groupSizes.get(g.id) ?? 0)
  return calls
}

interface TenantRun {
  tenant: SyncTenant
  emulatorStartMs: number
  emulatorRss: number | undefined
  full: WorkerResult
  incremental: WorkerResult
  /** Calls the emulator counted (cross-check of the client's own count). */
  emulatorCallsFull: number
  emulatorCallsIncremental: number
  batonOld: number
  batonOldActual: number
  batonNew: number
}

export async function benchSync(tenants: readonly SyncTenant[] = SYNC_TENANTS): Promise<string> {
  const runs: TenantRun[] = []
  for (const t of tenants) runs.push(await runTenant(t))
  return report(runs)
}

async function runTenant(tenant: SyncTenant): Promise<TenantRun> {
  status(`${tenant.label}: computing baton's calls for the generated tenant`)
  const batonOldActual = batonOldCallsActual(tenant)
  const dir = await mkdtemp(join(tmpdir(), 'warden-bench-sync-'))
  const file = join(dir, 'snapshot.db')
  const emulator = await startEmulatorProcess(['--users', String(tenant.users), '--roles', String(tenant.roles), '--apps', String(tenant.apps), '--groups', String(tenant.groups), '--seed', '1', '--latency', String(LATENCY_MS)])
  try {
    const banner = emulator
    const emulatorStartMs = emulator.startMs
    const input: WorkerInput = { url: banner.url, clientId: banner.clientId, clientSecret: banner.clientSecret, file }

    status(`${tenant.label}: full sync (${LATENCY_MS} ms latency per call)`)
    const before = await emulatorCalls(banner.url)
    const full = await runSyncWorker(input)
    const afterFull = await emulatorCalls(banner.url)
    if (full.summary.mode !== 'full') throw new Error(`expected a full sync, got ${full.summary.mode}`)

    status(`${tenant.label}: incremental re-sync, nothing changed`)
    const incremental = await runSyncWorker(input)
    const afterIncremental = await emulatorCalls(banner.url)
    if (incremental.summary.mode !== 'incremental') throw new Error(`expected an incremental sync, got ${incremental.summary.mode}`)

    return {
      tenant,
      emulatorStartMs,
      emulatorRss: await peakRss(emulator.child.pid ?? -1),
      full,
      incremental,
      emulatorCallsFull: afterFull - before,
      emulatorCallsIncremental: afterIncremental - afterFull,
      batonOld: batonOldCalls(tenant),
      batonOldActual,
      batonNew: batonNewCalls(tenant),
    }
  } finally {
    emulator.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Runs bench/sync-worker.ts in its own Node process; the input (with the secret) goes by environment, not argv. */
export async function runSyncWorker(input: WorkerInput): Promise<WorkerResult> {
  const worker = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'sync-worker.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, WARDEN_SYNC_WORKER_INPUT: JSON.stringify(input) },
  })
  let out = ''
  worker.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    worker.once('error', reject)
    worker.once('close', resolve)
  })
  const line = out.trim().split('\n').at(-1)
  if (code !== 0 || line === undefined || line === '') throw new Error(`the sync worker exited with code ${code}`)
  return JSON.parse(line) as WorkerResult
}

async function emulatorCalls(url: string): Promise<number> {
  const res = await fetch(`${url}/__emulator/stats`)
  return ((await res.json()) as { total: number }).total
}

function report(runs: TenantRun[]): string {
  const col = (f: (r: TenantRun) => string | number): (string | number)[] => runs.map(f)
  const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
  const perSec = (n: number, ms: number): string => (ms > 0 ? `${Math.round(n / (ms / 1000)).toLocaleString('en-US')}/s` : 'n/a')
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}x`
  const n = (x: number): string => x.toLocaleString('en-US')
  const phases = (w: WorkerResult): string =>
    (['users', 'roles', 'apps', 'groups', 'derive', 'finish'] as const)
      .map((p) => `${p} ${((w.phase_ms[p] ?? 0) / 1000).toFixed(1)}/${((w.phase_write_ms[p] ?? 0) / 1000).toFixed(1)}`)
      .join(', ')
  const peakPhase = (w: WorkerResult): string => {
    const entries = Object.entries(w.phase_peak_rss_growth_bytes).sort((a, b) => b[1] - a[1])
    return entries
      .slice(0, 3)
      .map(([p, b]) => `${p} +${mib(b)}`)
      .join(', ')
  }
  const rows: (string | number)[][] = [
    ['users / roles / apps / groups', ...col((r) => `${n(r.tenant.users)} / ${n(r.tenant.roles)} / ${n(r.tenant.apps)} / ${n(r.tenant.groups)}`)],
    ['grants in snapshot (direct + derived)', ...col((r) => `${n(r.full.summary.grants)} (${n(r.full.summary.grants - r.full.derived_grants)} + ${n(r.full.derived_grants)})`)],
    ['Warden API calls, full sync (emulator count)', ...col((r) => `${n(r.full.summary.api_calls)} (${n(r.emulatorCallsFull)})`)],
    ['Warden API calls, incremental, no changes', ...col((r) => `${n(r.incremental.summary.api_calls)} (${n(r.emulatorCallsIncremental)})`)],
    ['baton old formula (k=1)', ...col((r) => n(r.batonOld))],
    ['baton old, this tenant\'s real memberships (k=1)', ...col((r) => n(r.batonOldActual))],
    ['baton newer formula', ...col((r) => n(r.batonNew))],
    ['ratio baton old / Warden full', ...col((r) => ratio(r.batonOld, r.full.summary.api_calls))],
    ['ratio baton newer / Warden full', ...col((r) => ratio(r.batonNew, r.full.summary.api_calls))],
    ['ratio baton old / Warden incremental', ...col((r) => ratio(r.batonOld, r.incremental.summary.api_calls))],
    [`full sync fits one hour's ${n(HOURLY_BUDGET)} calls`, ...col((r) => `${r.full.summary.api_calls <= HOURLY_BUDGET ? 'yes' : 'no'} (${((100 * r.full.summary.api_calls) / HOURLY_BUDGET).toFixed(0)}%)`)],
    ['baton old fits one hour\'s budget', ...col((r) => `${r.batonOld <= HOURLY_BUDGET ? 'yes' : 'no'} (${((100 * r.batonOld) / HOURLY_BUDGET).toFixed(0)}%)`)],
    [`wall time, full sync (${LATENCY_MS} ms/call)`, ...col((r) => secs(r.full.wall_ms))],
    ['  by phase: wall s / of which writing s', ...col((r) => phases(r.full))],
    [`wall time, incremental (${LATENCY_MS} ms/call)`, ...col((r) => secs(r.incremental.wall_ms))],
    ['  by phase: wall s / of which writing s', ...col((r) => phases(r.incremental))],
    ['CPU time of the sync process, full', ...col((r) => secs(r.full.cpu_ms))],
    ['peak RSS, sync process, full', ...col((r) => mib(r.full.peak_rss_bytes))],
    ['  of which before the sync (Node + tsx + modules)', ...col((r) => mib(r.full.startup_rss_bytes))],
    ['  phases that raised the peak most', ...col((r) => peakPhase(r.full))],
    ['  max V8 heap used at a commit', ...col((r) => mib(r.full.max_heap_used_bytes))],
    ['peak RSS, sync process, incremental', ...col((r) => mib(r.incremental.peak_rss_bytes))],
    ['snapshot file size', ...col((r) => mib(r.full.file_bytes))],
    ['time in write transactions, full (derive included)', ...col((r) => secs(r.full.write_ms))],
    ['derive phase: grants derived, time', ...col((r) => `${n(r.full.derived_grants)} in ${secs(r.full.derive_ms)}`)],
    ['grants/s: all grants / full sync wall time', ...col((r) => perSec(r.full.summary.grants, r.full.wall_ms))],
    ['grants/s: all grants / sync CPU time', ...col((r) => perSec(r.full.summary.grants, r.full.cpu_ms))],
    ['grants/s: all grants / write-transaction time', ...col((r) => perSec(r.full.summary.grants, r.full.write_ms))],
    ['grants/s: derived grants / derive time', ...col((r) => perSec(r.full.derived_grants, r.full.derive_ms))],
    ['emulator start, peak RSS', ...col((r) => `${secs(r.emulatorStartMs)}, ${r.emulatorRss === undefined ? 'n/a' : mib(r.emulatorRss)}`)],
  ]
  const header = ['measure', ...runs.map((r) => r.tenant.label)]
  return `${table(header, rows)}\n\n${targets(runs).join('\n')}`
}

function targets(runs: TenantRun[]): string[] {
  const out: string[] = []
  const met = (ok: boolean): string => (ok ? 'MET' : 'MISSED')
  const small = runs.find((r) => r.tenant.users === 5000)
  const big = runs.find((r) => r.tenant.users === 100_000)
  if (small !== undefined) {
    const x = small.batonOld / small.full.summary.api_calls
    out.push(
      `- ≥${TARGETS.callRatioAt5k}x fewer calls than baton's formula at 5k users: ${met(x >= TARGETS.callRatioAt5k)}, ${x.toFixed(1)}x the old formula (${small.batonOld} vs ${small.full.summary.api_calls}); ${(small.batonNew / small.full.summary.api_calls).toFixed(1)}x the newer one`,
    )
  }
  if (big !== undefined) {
    const calls = big.full.summary.api_calls
    out.push(`- 100k full sync ≤ ${TARGETS.callsAt100k} calls: ${met(calls <= TARGETS.callsAt100k)}, ${calls} calls`)
    const rss = big.full.peak_rss_bytes
    out.push(
      `- peak RSS < 300 MB at 100k users: ${met(rss < TARGETS.peakRssBytes)}, ${mib(rss)} (${(rss / 1e6).toFixed(0)} MB) with ${big.full.summary.grants.toLocaleString('en-US')} grants in the snapshot`,
    )
    const rate = big.full.summary.grants / (big.full.write_ms / 1000)
    const deriveRate = big.full.derived_grants / (big.full.derive_ms / 1000)
    out.push(
      `- ≥${TARGETS.grantsPerSecond.toLocaleString('en-US')} grants/s written (all grants / time in write transactions, 100k): ${met(rate >= TARGETS.grantsPerSecond)}, ${Math.round(rate).toLocaleString('en-US')}/s; the derive phase alone ${Math.round(deriveRate).toLocaleString('en-US')}/s`,
    )
  }
  return out
}

function status(message: string): void {
  process.stderr.write(`  ${message}\n`)
}
