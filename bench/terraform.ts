/**
 * Benchmark: the Terraform provider (docs/terraform.md) under the real `terraform` with 100
 * resources: 40 warden_app, 30 warden_policy (two steps each) and 30 warden_sod_rule (over the
 * role memberships of a synced integration).
 *
 * 1. Fixture (timed apart): a Warden server in this process (src/terraform/e2e-support.ts: SQLite
 *    in a temp folder, a worker, the OneLogin emulator's demo tenant, one integration connected and
 *    synced through the API), the provider installed with installProvider (timed: the bundle), and
 *    the provider's start-up alone: spawn to handshake line, median of 5.
 * 2. Phases, each one terraform command in one working folder: init, plan (100 to add),
 *    apply (create 100), plan (no changes), plan -refresh-only, destroy. Terraform's default
 *    parallelism (10). No TF_LOG, as a user runs it.
 * 3. Per phase: wall time; provider processes started (Linux: /proc polled every 20 ms for node
 *    processes running a provider.cjs; each lives at least the ~0.3-1 s of its start-up, so none
 *    is missed); Warden API calls (requests the server answered meanwhile); peak RSS of the
 *    largest provider process and of terraform.
 *
 * Environment: WARDEN_BENCH_TF_APPS / _POLICIES / _RULES (default 40 / 30 / 30).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { PROVIDER_BLOCK, WardenServer, Workspace, findTerraform, hcl, installForTests } from '../src/terraform/e2e-support.js'
import type { TfRun } from '../src/terraform/e2e-support.js'
import { table } from './table.js'

const MAGIC_COOKIE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2'

function count(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new Error(`${name} must be a whole number from 0 to 1000`)
  return n
}

function status(message: string): void {
  process.stderr.write(`  ${message}\n`)
}

interface PhaseResult {
  label: string
  ms: number
  providers: number
  apiCalls: number
  apiMs: number
  providerPeakKiB: number
  terraformPeakKiB: number
  summary: string
}

/**
 * Watches /proc while a phase runs (Linux): the distinct provider processes (node running a
 * provider.cjs) and the peak RSS (VmHWM) of the largest of them and of terraform.
 */
class ProcessWatch {
  readonly providerPids = new Set<number>()
  providerPeakKiB = 0
  terraformPeakKiB = 0
  readonly #timer: NodeJS.Timeout

  constructor() {
    this.#timer = setInterval(() => this.sample(), 20)
  }

  sample(): void {
    if (process.platform !== 'linux') return
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue
      try {
        const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')
        const provider = argv.some((a) => a.endsWith('/provider.cjs'))
        const terraform = argv[0] === 'terraform' || (argv[0] ?? '').endsWith('/terraform')
        if (!provider && !terraform) continue
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${name}/status`, 'utf8'))
        const kib = m?.[1] === undefined ? 0 : Number(m[1])
        if (provider) {
          this.providerPids.add(Number(name))
          this.providerPeakKiB = Math.max(this.providerPeakKiB, kib)
        } else {
          this.terraformPeakKiB = Math.max(this.terraformPeakKiB, kib)
        }
      } catch {
        // gone meanwhile
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer)
  }
}

async function runPhase(server: WardenServer, w: Workspace, label: string, args: string[]): Promise<PhaseResult> {
  const watch = new ProcessWatch()
  const before = server.requests
  const beforeMs = server.requestMs
  let run: TfRun
  try {
    run = await w.tf(args, { timeoutMs: 600_000 })
  } finally {
    watch.stop()
  }
  if (run.code !== 0 && !(args.includes('-detailed-exitcode') && run.code === 2)) {
    throw new Error(`terraform ${args.join(' ')} failed (exit ${run.code}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`)
  }
  // The last of these lines: an apply prints its plan first, then its outcome.
  const outcomes = [...run.stdout.matchAll(/(Plan: .*|No changes\. .*|Apply complete!.*|Destroy complete!.*|Terraform has been successfully initialized!)/g)]
  const summary = outcomes.at(-1)?.[1] ?? ''
  return {
    label,
    ms: run.ms,
    providers: watch.providerPids.size,
    apiCalls: server.requests - before,
    apiMs: server.requestMs - beforeMs,
    providerPeakKiB: watch.providerPeakKiB,
    terraformPeakKiB: watch.terraformPeakKiB,
    summary: summary.trim(),
  }
}

/** Spawn to handshake line of the installed provider, as Terraform starts it (plaintext: no client certificate). */
function handshakeMs(launcher: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(launcher, [], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE, PLUGIN_PROTOCOL_VERSIONS: '6' },
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    child.stdout.once('data', () => {
      resolve(performance.now() - started)
      child.kill('SIGTERM')
    })
    child.on('error', reject)
    child.on('close', (code) => reject(new Error(`the provider exited (${code}) before its handshake`)))
  })
}

function configuration(server: WardenServer, integrationId: string, roles: string[], sizes: { apps: number; policies: number; rules: number }): string {
  const admin = server.admin.user.id
  const parts = [PROVIDER_BLOCK]
  for (let i = 0; i < sizes.apps; i++) {
    parts.push(`resource "warden_app" "app_${i}" {\n  name           = "Bench app ${i}"\n  description    = "App number ${i}"\n  owner_user_ids = ${hcl([admin])}\n}\n`)
  }
  for (let i = 0; i < sizes.policies; i++) {
    parts.push(
      `resource "warden_policy" "policy_${i}" {\n  name = "Bench policy ${i}"\n  step {\n    approvers = ["manager"]\n    fallback  = ["app_owners"]\n  }\n  step {\n    approvers      = ["app_owners"]\n    require_reason = true\n  }\n}\n`,
    )
  }
  for (let i = 0; i < sizes.rules; i++) {
    const a = roles[i % roles.length]!
    const b = roles[(i + 1) % roles.length]!
    parts.push(
      `resource "warden_sod_rule" "rule_${i}" {\n  name   = "Bench rule ${i}"\n  set_a  = [{ integration_id = ${hcl(integrationId)}, entitlement_id = ${hcl(a)} }]\n  set_b  = [{ integration_id = ${hcl(integrationId)}, entitlement_id = ${hcl(b)} }]\n  action = "block"\n}\n`,
    )
  }
  return parts.join('\n')
}

export async function benchTerraform(): Promise<string> {
  const terraform = findTerraform()
  if (terraform === undefined) return 'terraform not found on PATH: the Terraform benchmark did not run.'
  const sizes = { apps: count('WARDEN_BENCH_TF_APPS', 40), policies: count('WARDEN_BENCH_TF_POLICIES', 30), rules: count('WARDEN_BENCH_TF_RULES', 30) }
  const total = sizes.apps + sizes.policies + sizes.rules
  const root = mkdtempSync(join(tmpdir(), 'warden-bench-tf-'))
  const loadBefore = loadavg()[0] ?? 0
  // Warn level: the server's log is not what is measured.
  const server = await WardenServer.start(root, { logLevel: 'warn' })
  try {
    let t = performance.now()
    const base = await server.connectedIntegration('OneLogin')
    const fixtureMs = performance.now() - t
    const roles = (await server.entitlements(base.id, 'role:')).filter((e) => e.id.endsWith(':member')).map((e) => e.id)
    if (roles.length < 2) throw new Error('the demo tenant has fewer than 2 role memberships')
    status(`server at ${server.url}, integration ${base.id} synced in ${(fixtureMs / 1000).toFixed(1)} s (${roles.length} role memberships)`)

    t = performance.now()
    const installed = await installForTests(root)
    const installMs = performance.now() - t
    const bundleBytes = statSync(join(installed.packageDir, 'provider.cjs')).size
    const starts: number[] = []
    for (let i = 0; i < 5; i++) starts.push(await handshakeMs(join(installed.packageDir, 'terraform-provider-warden')))
    starts.sort((a, b) => a - b)
    const startMedian = starts[2] ?? Number.NaN
    status(`installed in ${Math.round(installMs)} ms; provider start-up (spawn to handshake) median ${Math.round(startMedian)} ms`)

    const w = new Workspace(join(root, 'work'), { terraform, cliConfigFile: installed.cliConfigFile, serverUrl: server.url, apiToken: server.admin.token })
    w.write('main.tf', configuration(server, base.id, roles, sizes))
    const phases: PhaseResult[] = []
    const phase = async (label: string, args: string[]): Promise<void> => {
      status(`${label}...`)
      const r = await runPhase(server, w, label, args)
      status(`${label}: ${(r.ms / 1000).toFixed(1)} s, ${r.providers} provider processes, ${r.apiCalls} API calls; ${r.summary}`)
      phases.push(r)
    }
    await phase('init', ['init', '-input=false'])
    await phase(`plan (${total} to add)`, ['plan', '-input=false'])
    await phase(`apply (create ${total})`, ['apply', '-input=false', '-auto-approve'])
    await phase('plan (no changes)', ['plan', '-input=false', '-detailed-exitcode'])
    await phase('plan -refresh-only', ['plan', '-input=false', '-refresh-only'])
    await phase(`destroy (${total})`, ['destroy', '-input=false', '-auto-approve'])
    const version = (await w.tf(['version'])).stdout.split('\n')[0] ?? ''

    const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
    const kib = (k: number): string => (k === 0 ? '-' : `${(k / 1024).toFixed(0)} MiB`)
    const rows = phases.map((p) => [
      p.label,
      secs(p.ms),
      p.providers === 0 && process.platform !== 'linux' ? '-' : String(p.providers),
      String(p.apiCalls),
      p.apiCalls === 0 ? '-' : `${(p.apiMs / p.apiCalls).toFixed(1)} ms`,
      kib(p.providerPeakKiB),
      kib(p.terraformPeakKiB),
    ])
    const notes = [
      `- ${total} resources: ${sizes.apps} warden_app (with an owner), ${sizes.policies} warden_policy (two steps), ${sizes.rules} warden_sod_rule (one role membership a side). ${version}, Node.js ${process.version}, parallelism 10, no TF_LOG.`,
      `- Outcome of each phase: ${phases.map((p) => `${p.label}: "${p.summary || '-'}"`).join('; ')}`,
      `- Install (bundle with esbuild + launcher): ${secs(installMs)}, provider.cjs ${(bundleBytes / 1024).toFixed(0)} KiB. Provider start-up alone (spawn to handshake line, plaintext): median ${Math.round(startMedian)} ms of 5 (${starts.map((s) => Math.round(s)).join(', ')} ms).`,
      `- API calls: requests the Warden server answered during the phase; mean API call: from the request's arrival to the end of its response, in the server (which runs in the bench process, on SQLite, with a worker). Fixture (not measured): an integration connected to the emulator's demo tenant and synced in ${secs(fixtureMs)}.`,
      `- Peak RSS: the largest provider process (VmHWM, polled every 20 ms) and terraform. Load average (1 min) at the start and the end: ${loadBefore.toFixed(1)}, ${(loadavg()[0] ?? 0).toFixed(1)} (2 cores).`,
    ]
    return [table(['phase', 'wall', 'provider processes', 'Warden API calls', 'mean API call', 'peak RSS (provider)', 'peak RSS (terraform)'], rows), notes.join('\n')].join('\n\n')
  } finally {
    await server.close()
    rmSync(root, { recursive: true, force: true })
  }
}
