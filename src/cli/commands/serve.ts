import type { AddressInfo } from 'node:net'
import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import type { RunningEmulator } from '../../emulator/index.js'
import type { IntegrationEnv } from '../../governance/index.js'
import type { Worker } from '../../jobs/index.js'
import type { Store } from '../../store/index.js'
import { intOption } from '../parse.js'

interface ServeFlags {
  port: number
  host: string
  database?: string
  worker: boolean
  emulator?: boolean
  emulatorPort: number
  publicUrl?: string
  trustProxy?: boolean
  logLevel: LogLevel
  dataDir?: string
  allowOneloginUrl?: boolean
}

interface WorkerFlags {
  database?: string
  concurrency: number
  dataDir?: string
  allowOneloginUrl?: boolean
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const
type LogLevel = (typeof LOG_LEVELS)[number]

function logLevelOption(value: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new WardenError('BAD_INPUT', `--log-level must be one of ${LOG_LEVELS.join(', ')}, not "${value}"`)
  return value as LogLevel
}

function publicUrlOption(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new WardenError('BAD_INPUT', `--public-url must be an http(s) URL, not "${value}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WardenError('BAD_INPUT', `--public-url must be an http(s) URL, not "${value}"`)
  return url.origin
}

const DATABASE_HELP = 'sqlite:<path> or postgres://user:pass@host:5432/db (default: $DATABASE_URL, else sqlite:./data/warden.db)'
const DATA_DIR_HELP = 'where the secrets key file (secret.key, mode 0600; or set $WARDEN_SECRET_KEY) and sync snapshots live (default: $WARDEN_DATA_DIR, else ./data)'
const ALLOW_URL_HELP = 'development only: accept an http(s) URL as a OneLogin domain (the emulator); --emulator implies it'

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Warden server: the REST API (/api/v1, docs at /docs) and a job worker (npm start adds the demo OneLogin emulator)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', intOption('--port', 0, 65535), 3000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--database <url>', DATABASE_HELP)
    .option('--no-worker', 'run no job worker in this process (run `warden worker` processes instead)')
    .option('--emulator', 'also start the built-in OneLogin emulator with the demo tenant (what npm start does)')
    .option('--emulator-port <n>', 'port of the built-in emulator', intOption('--emulator-port', 0, 65535), 7070)
    .option('--public-url <url>', 'the address people reach Warden at, for the setup link (default: http://<host>:<port>)', publicUrlOption)
    .option('--trust-proxy', 'behind a reverse proxy: trust X-Forwarded-For/-Proto (client IPs, Secure cookies over https)')
    .option('--log-level <level>', `server log level on stderr: ${LOG_LEVELS.join(', ')}`, logLevelOption, 'warn')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--allow-onelogin-url', ALLOW_URL_HELP)
    .action(async (flags: ServeFlags) => {
      await serve(flags)
    })

  program
    .command('worker')
    .description('run a job worker (run several against one PostgreSQL database to share the jobs)')
    .option('--database <url>', DATABASE_HELP)
    .option('--concurrency <n>', 'jobs run at once', intOption('--concurrency', 1, 100), 4)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--allow-onelogin-url', ALLOW_URL_HELP)
    .action(async (flags: WorkerFlags) => {
      await work(flags)
    })
}

/** Resolves on SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', on)
      process.removeListener('SIGTERM', on)
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}

// The heavy modules (fastify, kysely, the emulator) are imported inside the actions, so other
// commands don't pay for them at start-up.

async function openDatabase(url: string | undefined): Promise<Store> {
  const { openStore, resolveDatabaseUrl } = await import('../../store/index.js')
  return openStore(url ?? resolveDatabaseUrl())
}

/** The integration environment both `serve` and `worker` need: the secrets key, the data directory, the OneLogin URL policy. */
async function integrationEnv(flags: { dataDir?: string; allowOneloginUrl?: boolean }, publicUrl: string, allowOneLoginUrl: boolean): Promise<IntegrationEnv> {
  const { resolve, join } = await import('node:path')
  const { mkdirSync } = await import('node:fs')
  const { loadSecretBox } = await import('../../secrets/index.js')
  const { DEFAULT_MAX_UPLOAD_BYTES } = await import('../../governance/index.js')
  const dataDir = resolve(flags.dataDir ?? process.env['WARDEN_DATA_DIR'] ?? 'data')
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  return {
    secrets: loadSecretBox({ keyFile: join(dataDir, 'secret.key') }),
    publicUrl,
    allowOneLoginUrl: allowOneLoginUrl || flags.allowOneloginUrl === true,
    dataDir,
    maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES,
  }
}

async function startWorker(store: Store, env: IntegrationEnv, concurrency?: number): Promise<Worker> {
  const { Worker } = await import('../../jobs/index.js')
  const { integrationJobs, maintenanceJobs, notificationJobs } = await import('../../governance/index.js')
  const { mailerFromEnv } = await import('../../mail/index.js')
  const maintenance = maintenanceJobs()
  const integrations = integrationJobs(env)
  const notifications = notificationJobs(mailerFromEnv(process.env, (line) => process.stderr.write(`warden: ${line}\n`)))
  const { webhookJobs } = await import('../../governance/index.js')
  const webhooks = webhookJobs(env)
  const { jitJobs } = await import('../../governance/index.js')
  const jit = jitJobs(env)
  const { driftJobs } = await import('../../governance/index.js')
  const drift = driftJobs()
  const { requestJobs } = await import('../../governance/index.js')
  const requests = requestJobs()
  const { campaignJobs } = await import('../../governance/index.js')
  const campaigns = campaignJobs(env)
  const worker = new Worker(store, {
    handlers: { ...maintenance.handlers, ...integrations.handlers, ...notifications.handlers, ...jit.handlers, ...webhooks.handlers, ...drift.handlers, ...requests.handlers, ...campaigns.handlers },
    schedules: [...maintenance.schedules, ...integrations.schedules, ...webhooks.schedules, ...requests.schedules, ...campaigns.schedules],
    ...(concurrency === undefined ? {} : { concurrency }),
  })
  worker.start()
  return worker
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/** Why a listen failed, as one line: a port in use is a CONFLICT (exit 1), a host or port we may not use is BAD_INPUT (exit 2). */
function listenError(e: unknown, what: string, host: string, port: number, hint = ''): WardenError {
  const code = (e as { code?: unknown }).code
  const where = `cannot start ${what} on ${host}:${port}`
  if (code === 'EADDRINUSE') return new WardenError('CONFLICT', `${where}: the port is in use${hint}`, { cause: e })
  if (code === 'EACCES') return new WardenError('BAD_INPUT', `${where}: permission denied`, { cause: e })
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new WardenError('BAD_INPUT', `${where}: no such address on this machine`, { cause: e })
  return new WardenError('INTERNAL', `${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
}

async function serve(flags: ServeFlags): Promise<void> {
  const store = await openDatabase(flags.database)
  const closers: (() => Promise<unknown>)[] = [() => store.close()]
  const shutdown = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => undefined)
  }
  try {
    const { buildServer } = await import('../../server/index.js')
    const { ensureDemoIntegration, prepareSetup } = await import('../../governance/index.js')
    // The public URL is known only once the port is (0 picks one); the env object is completed after listen.
    const env = await integrationEnv(flags, flags.publicUrl ?? '', flags.emulator === true)
    const app = await buildServer({
      store,
      integrations: env,
      logger: { level: flags.logLevel, stream: process.stderr },
      ...(flags.trustProxy === true ? { trustProxy: true } : {}),
    })
    closers.push(() => app.close())
    try {
      await app.listen({ host: flags.host, port: flags.port })
    } catch (e) {
      throw listenError(e, 'the server', flags.host, flags.port, ' (choose another with --port)')
    }
    const { port } = app.server.address() as AddressInfo
    const url = flags.publicUrl ?? `http://${displayHost(flags.host)}:${port}`
    env.publicUrl = url

    let emulator: RunningEmulator | undefined
    if (flags.emulator === true) {
      const { demoTenant, startEmulator } = await import('../../emulator/index.js')
      try {
        emulator = await startEmulator({ tenant: demoTenant(), port: flags.emulatorPort })
      } catch (e) {
        throw listenError(e, 'the OneLogin emulator', '127.0.0.1', flags.emulatorPort, ' (choose another with --emulator-port, or leave out --emulator)')
      }
      const running = emulator
      closers.push(() => running.close())
    }

    let worker: Worker | undefined
    if (flags.worker) {
      // On SQLite a store is one connection, and a sync's ingest holds its connection for one long
      // transaction: the worker gets a connection of its own, so the API keeps reading (WAL)
      // meanwhile. On PostgreSQL the store is a pool and can be shared.
      const { openStore } = await import('../../store/index.js')
      const workerStore = store.dialect === 'sqlite' ? await openStore(store.location, { migrate: false }) : store
      if (workerStore !== store) closers.push(() => workerStore.close())
      worker = await startWorker(workerStore, env)
      const running = worker
      closers.push(() => running.stop())
    }

    const setup = await prepareSetup(store)
    const lines = [
      `Warden is listening on ${url}  (open it in a browser; API ${url}/api/v1, docs ${url}/docs)`,
      `  database: ${store.location}`,
      `  worker:   ${worker === undefined ? 'off (run `warden worker`)' : `on (${worker.id})`}`,
    ]
    if (emulator !== undefined) {
      const { client_id, client_secret } = emulator.manageAll
      const demo = await ensureDemoIntegration(store, env, { url: emulator.url, clientId: client_id, clientSecret: client_secret })
      if (demo !== undefined) lines.push(`  demo integration ${demo.id} connected to the emulator; its first sync is queued`)
      lines.push(
        `  OneLogin emulator (demo tenant): ${emulator.url}  client ID ${client_id}, client secret ${client_secret}`,
        `  sync it from a shell: WARDEN_ONELOGIN_CLIENT_SECRET=${client_secret} npx warden sync --onelogin-base-url ${emulator.url} --onelogin-client-id ${client_id} --file acme.db`,
      )
    }
    if (setup !== undefined) {
      lines.push(
        '',
        'First start: open this one-time link to create the first Super Administrator',
        `(it works once, until ${setup.expires_at}; restarting Warden makes a new one):`,
        '',
        `  ${url}/setup#token=${setup.token}`,
      )
    }
    lines.push('', 'Stop with Ctrl-C.')
    process.stdout.write(`${lines.join('\n')}\n`)

    await untilSignal()
    process.stderr.write('warden: stopping...\n')
  } finally {
    await shutdown()
  }
}

async function work(flags: WorkerFlags): Promise<void> {
  const store = await openDatabase(flags.database)
  try {
    const env = await integrationEnv(flags, process.env['WARDEN_PUBLIC_URL'] ?? 'http://127.0.0.1:3000', false)
    const worker = await startWorker(store, env, flags.concurrency)
    process.stdout.write(`Warden worker ${worker.id} is running against ${store.location} (concurrency ${flags.concurrency}). Stop with Ctrl-C.\n`)
    await untilSignal()
    process.stderr.write('warden: stopping the worker (waiting for running jobs)...\n')
    const { unfinished } = await worker.stop()
    if (unfinished.length > 0) process.stderr.write(`warden: ${unfinished.length} job(s) left running; another worker retries them\n`)
  } finally {
    await store.close()
  }
}
