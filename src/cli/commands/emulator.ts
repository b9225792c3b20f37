import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import type { GenerateOptions, RunningEmulator, TenantSeed } from '../../emulator/index.js'
import { intOption } from '../parse.js'

interface EmulatorFlags {
  port: number
  host: string
  tenant?: string
  users?: number
  roles?: number
  apps?: number
  groups?: number
  seed: number
  rateLimit?: number
  latency?: number
  fault: string[]
}

export function registerEmulator(program: Command, running: { emulator?: RunningEmulator }): void {
  program
    .command('emulator')
    .description('run a local OneLogin API emulator with a demo or generated tenant')
    .option('--port <n>', 'port to listen on (0 picks a free one)', intOption('--port', 0, 65535), 7070)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--tenant <name>', 'a built-in tenant: demo')
    .option('--users <n>', 'generate a tenant with this many users', intOption('--users', 0, 1_000_000))
    .option('--roles <n>', 'roles in the generated tenant', intOption('--roles', 0, 100_000))
    .option('--apps <n>', 'apps in the generated tenant', intOption('--apps', 0, 100_000))
    .option('--groups <n>', 'groups in the generated tenant', intOption('--groups', 0, 100_000))
    .option('--seed <n>', 'seed for the generated tenant', intOption('--seed', 0, 2 ** 31 - 1), 1)
    .option('--rate-limit <n>', 'API calls allowed per hour (OneLogin: 5000)', intOption('--rate-limit', 1, 10_000_000))
    .option('--latency <ms>', 'added to every response', intOption('--latency', 0, 60_000))
    .option('--fault <rule>', 'inject a fault, e.g. rate_limit:3:/api/2/users (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .action(async (flags: EmulatorFlags) => {
      // Loaded here, not at start-up: other commands should not pay for fastify and the generator.
      const { demoTenant, generateTenant, parseFaultFlag, startEmulator } = await import('../../emulator/index.js')
      const faults = flags.fault.map(parseFaultFlag)
      const tenant = chooseTenant(flags, demoTenant, generateTenant)
      const started = Date.now()
      const emulator = await startEmulator({
        tenant,
        host: flags.host,
        port: flags.port,
        ...(flags.rateLimit === undefined ? {} : { rateLimitPerHour: flags.rateLimit }),
        ...(flags.latency === undefined ? {} : { latencyMs: flags.latency }),
        faults,
      })
      running.emulator = emulator
      printBanner(emulator, tenant, Date.now() - started)
      // Stay up until interrupted.
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void emulator.close().then(resolve)
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })
}

function chooseTenant(flags: EmulatorFlags, demoTenant: () => TenantSeed, generateTenant: (o: GenerateOptions) => TenantSeed): TenantSeed {
  const generated = flags.users !== undefined || flags.roles !== undefined || flags.apps !== undefined || flags.groups !== undefined
  if (flags.tenant !== undefined && flags.tenant !== 'demo') {
    throw new WardenError('BAD_INPUT', `--tenant must be "demo", not "${flags.tenant}"`)
  }
  if (flags.tenant === 'demo' && generated) {
    throw new WardenError('BAD_INPUT', '--tenant demo cannot be combined with --users/--roles/--apps/--groups')
  }
  if (!generated) return demoTenant()
  return generateTenant({ users: flags.users ?? 100, roles: flags.roles ?? 10, apps: flags.apps ?? 10, groups: flags.groups ?? 5, seed: flags.seed })
}

function printBanner(emulator: RunningEmulator, tenant: TenantSeed, startMs: number): void {
  const { client_id, client_secret } = emulator.manageAll
  const lines = [
    `OneLogin emulator for tenant "${tenant.subdomain}" listening on ${emulator.url}`,
    `  ${tenant.users.length} users, ${tenant.roles.length} roles, ${tenant.apps.length} apps, ${tenant.groups.length} groups, ${tenant.privileges.length} privileges (ready in ${startMs} ms)`,
    '',
    'Credentials (scope "Manage all"):',
    `  base URL:      ${emulator.url}`,
    `  client ID:     ${client_id}`,
    `  client secret: ${client_secret}`,
    '',
    'Sync it into a snapshot and look inside:',
    `  WARDEN_ONELOGIN_CLIENT_SECRET=${client_secret} \\`,
    `    npx warden sync --onelogin-base-url ${emulator.url} --onelogin-client-id ${client_id} --file ${tenant.subdomain}.db`,
    `  npx warden grants --file ${tenant.subdomain}.db --type app`,
    '',
    'Or call the API yourself:',
    `  TOKEN=$(curl -s -u ${client_id}:${client_secret} -H 'content-type: application/json' \\`,
    `    -d '{"grant_type":"client_credentials"}' ${emulator.url}/auth/oauth2/v2/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    `  curl -s -H "Authorization: Bearer $TOKEN" '${emulator.url}/api/2/users?limit=5'`,
    '',
    `Fault injection and call counts: ${emulator.url}/__emulator/faults and /__emulator/stats. Stop with Ctrl-C.`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}
