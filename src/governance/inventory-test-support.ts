/**
 * Helpers for inventory tests: an integration row made with plain SQL (the integrations
 * repository is not what these tests are about), snapshots made by the real sync against the
 * emulator, and ingests the way the sync job runs them (inside one store transaction).
 */
import { syncToSnapshot } from '../connector/index.js'
import { syncClient } from '../connector/test-support.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { TenantSeed } from '../emulator/index.js'
import { SnapshotReader } from '../snapshot/index.js'
import { createApp, isoTime, newId } from '../store/index.js'
import type { Store } from '../store/index.js'
import { ingestSnapshot } from './ingest.js'
import type { IngestResult } from './ingest.js'

export interface TestIntegration {
  integrationId: string
  /** The Warden app the integration is attached to. */
  appId: string
}

/** An app and a connected integration attached to it. */
export async function createTestIntegration(store: Store, options: { appName?: string } = {}): Promise<TestIntegration> {
  const app = await createApp(store.db, { name: options.appName ?? 'OneLogin' })
  const now = isoTime(new Date())
  const integrationId = newId('int')
  await store.db
    .insertInto('integrations')
    .values({
      id: integrationId,
      app_id: app.id,
      mode: 'hosted',
      status: 'connected',
      onelogin_domain: 'acme',
      client_id: 'test-client-id',
      client_secret: null,
      upload_token_hash: null,
      sync_privileges: 1,
      sync_interval_minutes: 60,
      full_sync_interval_hours: 24,
      paused: 0,
      next_sync_at: null,
      last_sync_at: null,
      last_full_sync_at: null,
      last_error: null,
      onelogin_account_id: null,
      created_by: 'system',
      created_at: now,
      updated_at: now,
    })
    .execute()
  return { integrationId, appId: app.id }
}

/** Starts an emulator with `seed`, syncs it (full, with privileges) into `file`, and stops it. */
export async function snapshotOf(seed: TenantSeed, file: string): Promise<void> {
  const emu = await startEmulator({ tenant: seed })
  try {
    await syncToSnapshot({ client: syncClient(emu), file, privileges: true, full: true })
  } finally {
    await emu.close()
  }
}

/** Ingests a snapshot file the way the sync job does: in one store transaction. */
export async function ingestFile(store: Store, integrationId: string, file: string, options: { runId?: string; now?: Date } = {}): Promise<IngestResult> {
  const reader = SnapshotReader.open(file)
  try {
    return await store.transaction((trx) =>
      ingestSnapshot(trx, { integrationId, reader, runId: options.runId ?? newId('syn'), ...(options.now ? { now: options.now } : {}) }),
    )
  } finally {
    reader.close()
  }
}

/** The integration's grants as `<id> <direct> <sources>` lines, sorted: easy to compare. */
export async function inventoryGrantLines(store: Store, integrationId: string): Promise<string[]> {
  const rows = await store.db.selectFrom('grants').selectAll().where('integration_id', '=', integrationId).execute()
  return rows.map((g) => `${g.entitlement_id}:${g.principal_id} ${Number(g.direct)} ${g.sources}`).sort()
}

/**
 * A small tenant (30 users, 5 roles, 6 apps, 3 groups, 2 privileges) and the same tenant after a
 * day of changes, with what changed:
 * - `joiner` joins `joinerRole` (Infrastructure, which gives Slack and GitHub): GitHub access is
 *   added, Slack access (held through Employees) is now held through both; `leaver` leaves
 *   `leaverRole` (Employees, which gives four apps);
 * - the provisioned app `renamedApp` (Google Workspace) is renamed;
 * - user 0's email is in upper case in both (Warden lower-cases it); user 1 has no email.
 */
export interface TenantPair {
  before: TenantSeed
  after: TenantSeed
  joiner: number
  joinerRole: number
  leaver: number
  leaverRole: number
  renamedApp: number
  newAppName: string
}

export function tenantPair(): TenantPair {
  const before = generateTenant({ users: 30, roles: 5, apps: 6, groups: 3, privileges: 2, seed: 11 })
  const u0 = before.users[0]
  const u1 = before.users[1]
  if (u0 === undefined || u1 === undefined || u0.email === null) throw new Error('tenant too small')
  u0.email = u0.email.toUpperCase()
  u1.email = null
  const roleOf = (name: string) => {
    const r = before.roles.find((x) => x.name === name)
    if (r === undefined) throw new Error(`no role ${name}`)
    return r
  }
  const infrastructure = roleOf('Infrastructure')
  const employees = roleOf('Employees')
  // An employee without GitHub: Infrastructure gives it, and Slack, which Employees gives already.
  const githubRoles = before.roles.filter((r) => r.apps.some((a) => before.apps.find((x) => x.id === a)?.name === 'GitHub'))
  const joiner = before.users.find((u) => employees.users.includes(u.id) && !githubRoles.some((r) => r.users.includes(u.id)))
  const leaver = employees.users.find((id) => id !== u0.id && id !== u1.id)
  const app = before.apps.find((a) => a.provisioning_enabled)
  if (joiner === undefined || leaver === undefined || app === undefined) throw new Error('tenant lacks what the test needs')
  const after = structuredClone(before)
  const newAppName = `${app.name} (Acme)`
  after.roles.find((r) => r.id === infrastructure.id)?.users.push(joiner.id)
  const employeesAfter = after.roles.find((r) => r.id === employees.id)
  if (employeesAfter !== undefined) employeesAfter.users = employeesAfter.users.filter((id) => id !== leaver)
  const renamed = after.apps.find((a) => a.id === app.id)
  if (renamed !== undefined) renamed.name = newAppName
  return { before, after, joiner: joiner.id, joinerRole: infrastructure.id, leaver, leaverRole: employees.id, renamedApp: app.id, newAppName }
}
