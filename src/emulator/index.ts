/**
 * A stateful OneLogin API emulator: auth, users, roles, apps, groups, privileges, pagination,
 * error shapes, rate limits and fault injection, as documented in
 * `reference/onelogin-api.md` (quirks included). See `docs/emulator.md`.
 *
 * @example
 * const emu = await startEmulator({ tenant: demoTenant() })
 * const res = await fetch(`${emu.url}/auth/oauth2/v2/token`, {
 *   method: 'POST',
 *   headers: { authorization: `client_id:${emu.manageAll.client_id}, client_secret:${emu.manageAll.client_secret}`, 'content-type': 'application/json' },
 *   body: JSON.stringify({ grant_type: 'client_credentials' }),
 * })
 * await emu.close()
 */
import type { AddressInfo } from 'node:net'
import type { FaultRule } from './faults.js'
import type { SeedCredential, TenantSeed } from './seed.js'
import { buildServer } from './server.js'
import { EmulatorState } from './state.js'

export interface EmulatorOptions {
  tenant: TenantSeed
  /** default '127.0.0.1' */
  host?: string
  /** default 0 (random) */
  port?: number
  /** default 5000, per account */
  rateLimitPerHour?: number
  /** default 3600 (tests shrink it) */
  rateLimitWindowSeconds?: number
  /** default 36000 */
  tokenTtlSeconds?: number
  /** default 0, added to every emulated call */
  latencyMs?: number
  /** default false */
  logger?: boolean
  /** Fault rules active from the start (see `parseFaultFlag` for the CLI form). */
  faults?: FaultRule[]
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:43123 (no trailing slash) */
  url: string
  credentials: SeedCredential[]
  /** the first manage_all credential */
  manageAll: { client_id: string; client_secret: string }
  /** direct access for tests that need to inspect (read-only use) */
  state: EmulatorState
  close(): Promise<void>
}

export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  const manage = opts.tenant.credentials.find((c) => c.scope === 'manage_all')
  if (!manage) throw new Error('emulator tenant has no manage_all credential')
  const state = new EmulatorState(opts.tenant)
  const { app } = buildServer(state, {
    rateLimitPerHour: opts.rateLimitPerHour ?? 5000,
    rateLimitWindowSeconds: opts.rateLimitWindowSeconds ?? 3600,
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 36000,
    latencyMs: opts.latencyMs ?? 0,
    logger: opts.logger ?? false,
    faults: opts.faults ?? [],
  })
  const host = opts.host ?? '127.0.0.1'
  await app.listen({ host, port: opts.port ?? 0 })
  const { port } = app.server.address() as AddressInfo
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}`,
    credentials: state.credentials.map((c) => ({ ...c })),
    manageAll: { client_id: manage.client_id, client_secret: manage.client_secret },
    state,
    close: async () => {
      await app.close()
    },
  }
}

export { parseFaultFlag, FAULT_KINDS } from './faults.js'
export type { FaultRule, FaultKind } from './faults.js'
export type { EmulatorState } from './state.js'
export { generateTenant } from './generate.js'
export { demoTenant } from './demo-tenant.js'
export type { TenantSeed, SeedUser, SeedRole, SeedApp, SeedGroup, SeedPrivilege, SeedCredential, CredentialScope, GenerateOptions, UserStatus } from './seed.js'
