/**
 * The harness of the Terraform provider's end-to-end tests and benchmark: a real Warden server on
 * 127.0.0.1 (SQLite in a temp folder, a job worker, the OneLogin emulator with the demo tenant),
 * an administrator with a personal API token, the provider installed as a filesystem mirror, and
 * the real `terraform` binary run in working folders of their own. No vitest here: the benchmark
 * uses it too.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { delimiter, join } from 'node:path'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { demoTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import { ephemeralIntegrationEnv, integrationJobs } from '../governance/index.js'
import type { IntegrationEnv } from '../governance/index.js'
import { Worker } from '../jobs/index.js'
import type { JobLogger } from '../jobs/index.js'
import { SESSION_COOKIE, buildServer } from '../server/index.js'
import { createSession, createUser, openStore } from '../store/index.js'
import type { Store, User } from '../store/index.js'
import { PROVIDER_SOURCE } from './address.js'
import { installProvider } from './install.js'

/** The `terraform` executable on the PATH, or undefined. */
export function findTerraform(path: string = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, 'terraform')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** A job logger that keeps lines (searched for secrets like the server's log). */
function keepingLogger(lines: string[]): JobLogger {
  const keep = (level: string) => (message: string, context: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(context)}`)
  }
  return { error: keep('error'), warn: keep('warn'), info: keep('info') }
}

export interface Person {
  user: User
  /** A personal API token made through POST /api/v1/me/tokens. */
  token: string
}

export interface IntegrationView {
  id: string
  app_id: string
  status: string
  user_ids: string[]
  onelogin_domain: string | null
  oauth_client_cred_grant_client_id: string | null
  last_error: string | null
}

export interface EntitlementView {
  integration_id: string
  id: string
  display_name: string
  requestable: boolean
  max_duration_minutes: number | null
  risk_level: string | null
  description: string | null
}

/** A running Warden server for Terraform to talk to. */
export class WardenServer {
  /** Every request the server answered (the provider's API calls, and the harness's own). */
  requests = 0
  /** The time those requests took, from arrival to the response's end, summed (ms). */
  requestMs = 0

  private constructor(
    readonly dir: string,
    readonly url: string,
    readonly store: Store,
    readonly emulator: RunningEmulator,
    readonly env: IntegrationEnv,
    private readonly app: FastifyInstance,
    private readonly worker: Worker,
    private readonly workerStore: Store,
    private readonly logLines: string[],
    private readonly jobLines: string[],
    /** A Super Administrator; its token is what Terraform uses. */
    readonly admin: Person,
    /** An Integration Administrator (a second integration owner). */
    readonly owner: Person,
  ) {}

  /** Starts everything in `dir` (which must exist). `logLevel` is the server log's (default trace: the most that could leak). */
  static async start(dir: string, options: { logLevel?: 'trace' | 'debug' | 'info' | 'warn' } = {}): Promise<WardenServer> {
    const emulator = await startEmulator({ tenant: demoTenant() })
    const env = ephemeralIntegrationEnv({ allowOneLoginUrl: true, dataDir: join(dir, 'data'), publicUrl: 'http://127.0.0.1:3000' })
    mkdirSync(env.dataDir, { recursive: true })
    const store = await openStore(`sqlite:${join(dir, 'warden.db')}`)
    // As `warden serve` does on SQLite: the worker's long sync transaction gets a connection of its own.
    const workerStore = await openStore(store.location, { migrate: false })
    const jobLines: string[] = []
    const worker = new Worker(workerStore, {
      handlers: integrationJobs(env, { clientOptions: { sleep: async () => undefined, retry: { maxAttempts: 2 } } }).handlers,
      pollIntervalMs: 25,
      logger: keepingLogger(jobLines),
    })
    worker.start()
    const logLines: string[] = []
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString('utf8'))
        done()
      },
    })
    const app = await buildServer({ store, integrations: env, webRoot: false, logger: { level: options.logLevel ?? 'trace', stream } })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    env.publicUrl = url

    const admin = await personWithToken(store, url, 'terraform-admin@example.com', 'Terry Form', ['super-admin'])
    const owner = await personWithToken(store, url, 'terraform-owner@example.com', 'Olive Owner', ['integration-admin'])
    const server = new WardenServer(dir, url, store, emulator, env, app, worker, workerStore, logLines, jobLines, admin, owner)
    app.server.on('request', (_req: unknown, res: { once(event: 'finish', listener: () => void): void }) => {
      const started = performance.now()
      server.requests++
      res.once('finish', () => {
        server.requestMs += performance.now() - started
      })
    })
    return server
  }

  /** The server's log and the worker's, as text. */
  log(): string {
    return this.logLines.join('') + this.jobLines.join('\n')
  }

  /** A call to /api/v1 as the administrator (or `who`); throws on an error answer. */
  async api<T>(method: string, path: string, body?: unknown, who: Person = this.admin): Promise<T> {
    const res = await this.fetch(method, path, body, who)
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`)
    return (text === '' ? null : JSON.parse(text)) as T
  }

  /** The HTTP status of a call (for "it is gone": 404). */
  async status(method: string, path: string, body?: unknown): Promise<number> {
    const res = await this.fetch(method, path, body, this.admin)
    await res.arrayBuffer()
    return res.status
  }

  private fetch(method: string, path: string, body: unknown, who: Person): Promise<Response> {
    return fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  }

  /** The emulator's Manage All credential, as the integration settings take it. */
  oneLoginSettings(): { onelogin_domain: string; oauth_client_cred_grant_client_id: string; oauth_client_cred_grant_client_secret: string } {
    return {
      onelogin_domain: this.emulator.url,
      oauth_client_cred_grant_client_id: this.emulator.manageAll.client_id,
      oauth_client_cred_grant_client_secret: this.emulator.manageAll.client_secret,
    }
  }

  /** Polls an integration until its status is `status` (or fails with its last state). */
  async waitForStatus(integrationId: string, status: string, timeoutMs = 30_000): Promise<IntegrationView> {
    const deadline = Date.now() + timeoutMs
    let last: IntegrationView | undefined
    while (Date.now() < deadline) {
      last = await this.api<IntegrationView>('GET', `/integrations/${integrationId}`)
      if (last.status === status) return last
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`integration ${integrationId} did not reach "${status}" in ${timeoutMs} ms: ${JSON.stringify(last)}`)
  }

  /** A OneLogin integration made through the API with the emulator's credentials, synced. */
  async connectedIntegration(appName: string): Promise<IntegrationView> {
    const created = await this.api<IntegrationView>('POST', '/integrations', { app_name: appName, ...this.oneLoginSettings() })
    return this.waitForStatus(created.id, 'connected')
  }

  /** An integration's entitlements of one kind (`role` memberships...), as the API lists them. */
  async entitlements(integrationId: string, prefix: string): Promise<EntitlementView[]> {
    const out: EntitlementView[] = []
    let cursor: string | null = null
    do {
      const query: string = `?limit=500${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
      const page: { items: EntitlementView[]; next_cursor: string | null } = await this.api('GET', `/integrations/${integrationId}/entitlements${query}`)
      out.push(...page.items)
      cursor = page.next_cursor
    } while (cursor !== null)
    return out.filter((e) => e.id.startsWith(prefix))
  }

  async close(): Promise<void> {
    await this.app.close()
    await this.worker.stop({ timeoutMs: 5000 })
    await this.workerStore.close()
    await this.store.close()
    await this.emulator.close()
  }
}

/** A user made in the store, signed in (a session, as the web UI would), who makes a personal API token through the API. */
async function personWithToken(store: Store, url: string, email: string, name: string, roles: string[]): Promise<Person> {
  const user = await createUser(store.db, { email, display_name: name, roles })
  const { token: session } = await createSession(store.db, user.id, { ttlMs: 60 * 60 * 1000 })
  const res = await fetch(`${url}/api/v1/me/tokens`, {
    method: 'POST',
    headers: { cookie: `${SESSION_COOKIE}=${session}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'terraform' }),
  })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`POST /me/tokens: HTTP ${res.status} ${text}`)
  return { user, token: (JSON.parse(text) as { token: string }).token }
}

/** Installs the provider into `dir/mirror` and writes its CLI configuration to `dir/warden.tfrc`; returns that file. */
export async function installForTests(dir: string): Promise<{ cliConfigFile: string; packageDir: string; ms: number }> {
  const started = performance.now()
  const { packageDir, cliConfig } = await installProvider(join(dir, 'mirror'))
  const cliConfigFile = join(dir, 'warden.tfrc')
  writeFileSync(cliConfigFile, cliConfig)
  return { cliConfigFile, packageDir, ms: performance.now() - started }
}

export interface TfRun {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Subcommands that take -no-color (plain text is what the tests read). */
const COLORED = new Set(['init', 'plan', 'apply', 'destroy', 'import', 'refresh', 'output', 'show', 'validate'])

/** The environment every terraform run gets: no checkpoint call, automation mode, a debug log, the mirror, the server and the token. */
export interface TerraformSettings {
  terraform: string
  cliConfigFile: string
  serverUrl: string
  apiToken: string
  /** TF_LOG_PATH (appended to by every run); unset: no TF_LOG. */
  logFile?: string
  /** More environment (TF_VAR_...). */
  env?: Record<string, string>
}

/** One Terraform working folder. */
export class Workspace {
  /** Every run's stdout and stderr, searched for secrets. */
  readonly outputs: string[] = []

  constructor(
    readonly dir: string,
    private readonly settings: TerraformSettings,
  ) {
    mkdirSync(dir, { recursive: true })
  }

  /** Writes (replaces) a file of the configuration. */
  write(name: string, content: string): void {
    writeFileSync(join(this.dir, name), content)
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const { settings } = this
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? this.dir,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_CLI_CONFIG_FILE: settings.cliConfigFile,
      WARDEN_SERVER_URL: settings.serverUrl,
      WARDEN_API_TOKEN: settings.apiToken,
      ...(settings.logFile === undefined ? {} : { TF_LOG: 'DEBUG', TF_LOG_PATH: settings.logFile }),
      ...settings.env,
      ...extra,
    }
    return env
  }

  /** `terraform ...args` in this folder. */
  tf(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<TfRun> {
    const [sub, ...rest] = args
    const argv = sub !== undefined && COLORED.has(sub) ? [sub, '-no-color', ...rest] : args
    const started = performance.now()
    return new Promise((resolve, reject) => {
      const child = spawn(this.settings.terraform, argv, { cwd: this.dir, env: this.env(options.env), stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
      child.on('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
      child.on('close', (code) => {
        clearTimeout(timer)
        this.outputs.push(stdout, stderr)
        resolve({ code, stdout, stderr, ms: performance.now() - started })
      })
    })
  }

  /** `terraform init -input=false`, which must succeed. */
  async init(): Promise<TfRun> {
    const run = await this.tf(['init', '-input=false'])
    if (run.code !== 0) throw new Error(`terraform init failed in ${this.dir}:\n${run.stdout}\n${run.stderr}`)
    return run
  }

  /** terraform.tfstate as text ('' before the first apply). */
  stateText(): string {
    const file = join(this.dir, 'terraform.tfstate')
    return existsSync(file) ? readFileSync(file, 'utf8') : ''
  }

  /** The state's resources: `type.name` -> attributes. */
  state(): Record<string, Record<string, unknown>> {
    const text = this.stateText()
    if (text === '') return {}
    const parsed = JSON.parse(text) as { resources: { mode: string; type: string; name: string; instances: { attributes: Record<string, unknown> }[] }[] }
    const out: Record<string, Record<string, unknown>> = {}
    for (const r of parsed.resources) {
      const [instance] = r.instances
      if (instance !== undefined) out[`${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`] = instance.attributes
    }
    return out
  }
}

/** The start of every configuration: the provider from the mirror, configured from the environment. */
export const PROVIDER_BLOCK = `terraform {
  required_providers {
    warden = { source = "${PROVIDER_SOURCE}" }
  }
}

provider "warden" {}
`

/** A value as HCL, written by the same renderer `warden terraform export` uses. */
export { hclValue as hcl } from './hcl.js'
