/**
 * Drift end to end: an emulator tenant synced for real by a job worker, grants added behind
 * Warden's back through the emulator's OneLogin API, the next sync's drift scan, the REST API to
 * set each app's drift setting and decide findings, and revoke orders carried out in the
 * emulator by the provisioning jobs (jit.ts).
 */
import { rmSync } from 'node:fs'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { OneLoginApi } from '../connector/test-support.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator, TenantSeed } from '../emulator/index.js'
import { DRIFT_SCAN_JOB, driftJobs, ephemeralIntegrationEnv, integrationJobs, scanAddedGrants } from '../governance/index.js'
import type { DriftScanPayload, IntegrationEnv } from '../governance/index.js'
import { jitJobs, orderGrant } from '../governance/jit.js'
import { TEST_CLIENT_OPTIONS, emulatorIntegration, orderIn, syncNow } from '../governance/jit-test-support.js'
import { Worker, listJobs } from '../jobs/index.js'
import type { Job, JobHandler } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { listAudit, setIntegrationOwners } from '../store/index.js'
import type { Integration } from '../store/index.js'
import { buildServer } from './index.js'
import { expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'

interface Finding {
  id: string
  integration_id: string
  app_id: string | null
  app_name: string | null
  entitlement_id: string
  entitlement_name: string | null
  principal_id: string
  principal_email: string | null
  identity_id: string | null
  sync_run_id: string
  action: string
  state: string
  revoke_order_id: string | null
  decided_by: string | null
  reason: string | null
}
interface Page<T> {
  items: T[]
  next_cursor: string | null
}

describeDialects('drift: out-of-band grants', (t) => {
  let seed: TenantSeed
  let emu: RunningEmulator
  let env: IntegrationEnv
  let api: OneLoginApi
  let integration: Integration
  let worker: Worker
  let server: App
  let admin: Person
  let nobody: Person
  const { logger } = memoryLogger()
  /** A role giving no SCIM app (its memberships belong to the integration's app), one giving a SCIM app, and users outside each. */
  let plain: { id: number; outsiders: number[] }
  let scim: { id: number; app: number; outsiders: number[] }

  beforeEach(async () => {
    seed = generateTenant({ users: 40, roles: 8, apps: 6, groups: 2, seed: 31 })
    emu = await startEmulator({ tenant: seed })
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true })
    api = new OneLoginApi(emu)
    integration = await emulatorIntegration(t.store, emu, env)
    const handlers: Record<string, JobHandler> = {
      ...jitJobs(env, { clientOptions: TEST_CLIENT_OPTIONS }).handlers,
      ...integrationJobs(env, { clientOptions: { sleep: async () => undefined, retry: { maxAttempts: 1 } } }).handlers,
      // Two added grants per transaction: a sync's scan spans several batches.
      ...driftJobs({ batchSize: 2 }).handlers,
    }
    worker = new Worker(t.store, {
      handlers,
      pollIntervalMs: 10,
      backoff: { baseMs: 10, maxMs: 20, jitter: 0 },
      logger,
    })
    worker.start()
    server = await buildServer({ store: t.store, integrations: env, webRoot: false })
    admin = await person(t.store, ['app-admin'])
    nobody = await person(t.store, [])

    const scimApps = new Set(seed.apps.filter((a) => a.provisioning_enabled).map((a) => a.id))
    const outside = (r: TenantSeed['roles'][number]) => seed.users.map((u) => u.id).filter((id) => !r.users.includes(id))
    const p = seed.roles.find((r) => r.apps.length > 0 && r.apps.every((a) => !scimApps.has(a)))
    const s = seed.roles.find((r) => r !== p && r.apps.some((a) => scimApps.has(a)))
    if (p === undefined || s === undefined) throw new Error('the tenant lacks a plain role and a role giving a SCIM app')
    plain = { id: p.id, outsiders: outside(p) }
    scim = { id: s.id, app: s.apps.find((a) => scimApps.has(a))!, outsiders: outside(s) }
  })
  afterEach(async () => {
    await worker.stop({ timeoutMs: 2000 })
    await server.close()
    await emu.close()
    rmSync(env.dataDir, { recursive: true, force: true })
  })

  const call = async (who: Person, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    server.inject({ method, url, headers: who.bearer, ...(payload === undefined ? {} : { payload }) })
  const ok = async <T>(who: Person, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object): Promise<T> => {
    const res = await call(who, method, url, payload)
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(200)
    return res.json() as T
  }

  /** Syncs (full) and waits for the drift scans it queued; returns them. */
  async function syncAndScan(): Promise<Job[]> {
    await syncNow(t.store, integration.id)
    return waitFor(async () => {
      const jobs = (await listJobs(t.store.db, { kind: DRIFT_SCAN_JOB }, { limit: 500 })).items
      return jobs.every((j) => j.status === 'succeeded' || j.status === 'dead') ? jobs : undefined
    }, 20_000, 'the drift scans')
  }

  const addToRole = (roleId: number, userId: number) => api.call('POST', `/api/2/roles/${roleId}/users`, [userId])
  const roleHas = (roleId: number, userId: number): boolean => emu.state.roles.get(roleId)?.users.has(userId) === true

  async function scimWardenApp(): Promise<string> {
    const row = await t.store.db.selectFrom('apps').select('id').where('source_integration_id', '=', integration.id).where('source_resource_id', '=', `app:${scim.app}`).executeTakeFirstOrThrow()
    return row.id
  }

  it('review and report: a finding per out-of-band role membership, decided by app owners and App Administrators; a grant Warden ordered is not drift', async () => {
    await syncAndScan() // the baseline
    // With drift off everywhere, a sync queues no scan.
    await addToRole(plain.id, plain.outsiders[0]!)
    expect(await syncAndScan()).toEqual([])

    expectError(await call(nobody, 'PUT', `/api/v1/apps/${integration.app_id}/drift-setting`, { action: 'review' }), 403, 'FORBIDDEN')
    expectError(await call(admin, 'PUT', `/api/v1/apps/${integration.app_id}/drift-setting`, { action: 'ignore' }), 400, 'BAD_INPUT')
    expect(await ok(admin, 'GET', `/api/v1/apps/${integration.app_id}/drift-setting`)).toEqual({ app_id: integration.app_id, action: 'off', updated_by: null, updated_at: null })
    expect(await ok(admin, 'PUT', `/api/v1/apps/${integration.app_id}/drift-setting`, { action: 'review' })).toMatchObject({ action: 'review', updated_by: admin.user.id })
    const scimApp = await scimWardenApp()
    await ok(admin, 'PUT', `/api/v1/apps/${scimApp}/drift-setting`, { action: 'report' })

    // Behind Warden's back: one user into the plain role, one into the role giving the SCIM app.
    const u1 = plain.outsiders[1]!
    const u2 = scim.outsiders.find((u) => u !== u1 && !plain.outsiders.slice(0, 2).includes(u))!
    await addToRole(plain.id, u1)
    await addToRole(scim.id, u2)
    // Through Warden: an order carried out by the provisioning job is not drift.
    const u3 = plain.outsiders.find((u) => ![u1, u2, plain.outsiders[0]].includes(u))!
    const ordered = await t.store.transaction((trx) =>
      orderGrant(trx, { integration_id: integration.id, entitlement_id: `role:${plain.id}:member`, principal_id: `user:${u3}`, request_id: null, duration_minutes: null, actor: admin.user.id }, new Date()),
    )
    await orderIn(t.store, ordered, ['done'])
    expect(roleHas(plain.id, u3)).toBe(true)

    // The integration's owner owns its app, so is asked to review that app's findings.
    const owner = await person(t.store, ['integration-admin'])
    await setIntegrationOwners(t.store.db, integration.id, [owner.user.id])

    const scans = await syncAndScan()
    expect(scans.map((j) => j.status)).toEqual(['succeeded'])
    const all = await ok<Page<Finding>>(admin, 'GET', '/api/v1/drift')
    // Only the memberships: the apps they give are their consequence, not findings of their own.
    expect(all.items.map((f) => [f.entitlement_id, f.principal_id, f.state, f.action, f.app_id]).sort()).toEqual(
      [
        [`role:${plain.id}:member`, `user:${u1}`, 'open', 'review', integration.app_id],
        [`role:${scim.id}:member`, `user:${u2}`, 'reported', 'report', scimApp],
      ].sort(),
    )
    const open = all.items.find((f) => f.state === 'open')!
    const reported = all.items.find((f) => f.state === 'reported')!
    // The owners of an app with findings to review are told once (the reported one needs no one).
    const mails = (await t.store.db.selectFrom('jobs').select('payload').where('kind', '=', 'notify.email').execute())
      .map((j) => JSON.parse(j.payload) as { to: string; subject: string; text: string })
      .filter((m) => m.subject.endsWith('made outside Warden to review'))
    expect(mails.map((m) => m.to)).toEqual([owner.user.email])
    expect(mails.every((m) => m.subject === 'Warden: 1 grant made outside Warden to review' && m.text.includes(integration.app_id))).toBe(true)
    expect(open).toMatchObject({ integration_id: integration.id, entitlement_name: expect.any(String), principal_email: expect.any(String), identity_id: expect.any(String), decided_by: null })
    expect((await ok<Page<Finding>>(admin, 'GET', '/api/v1/drift?state=open')).items.map((f) => f.id)).toEqual([open.id])
    expect((await ok<Page<Finding>>(admin, 'GET', `/api/v1/drift?integration_id=${integration.id}&limit=1`)).next_cursor).not.toBeNull()
    expectError(await call(admin, 'GET', '/api/v1/drift?state=maybe'), 400, 'BAD_INPUT')

    // Someone without a role sees and decides only the findings of apps they own.
    expect((await ok<Page<Finding>>(nobody, 'GET', '/api/v1/drift')).items).toEqual([])
    expectError(await call(nobody, 'POST', `/api/v1/drift/${open.id}/keep`, {}), 403, 'FORBIDDEN')
    expectError(await call(nobody, 'GET', `/api/v1/drift/${open.id}`), 403, 'FORBIDDEN')
    await setIntegrationOwners(t.store.db, integration.id, [nobody.user.id])
    expect((await ok<Page<Finding>>(nobody, 'GET', '/api/v1/drift')).items.map((f) => f.id)).toEqual([open.id])
    const kept = await ok<Finding>(nobody, 'POST', `/api/v1/drift/${open.id}/keep`, { reason: 'On call this week' })
    expect(kept).toMatchObject({ state: 'kept', decided_by: nobody.user.id, reason: 'On call this week', revoke_order_id: null })
    expectError(await call(nobody, 'POST', `/api/v1/drift/${open.id}/revoke`, {}), 409, 'CONFLICT')
    expectError(await call(nobody, 'POST', `/api/v1/drift/${reported.id}/revoke`, {}), 403, 'FORBIDDEN')
    expect(roleHas(plain.id, u1)).toBe(true)

    // An App Administrator revokes the reported one: the order removes the user from the role in OneLogin.
    const revoked = await ok<Finding>(admin, 'POST', `/api/v1/drift/${reported.id}/revoke`)
    expect(revoked).toMatchObject({ state: 'revoked', decided_by: admin.user.id, revoke_order_id: expect.stringMatching(/^ord_/) })
    await orderIn(t.store, revoked.revoke_order_id!, ['done'])
    expect(roleHas(scim.id, u2)).toBe(false)

    const audit = (await listAudit(t.store.db, {}, { limit: 500 })).items.filter((e) => e.action.startsWith('drift.') || e.action === 'app.drift_setting')
    expect(audit.map((e) => [e.action, e.actor, e.target_id]).reverse()).toEqual([
      ['app.drift_setting', admin.user.id, integration.app_id],
      ['app.drift_setting', admin.user.id, scimApp],
      ...[open, reported].sort((a, b) => (a.entitlement_id < b.entitlement_id ? -1 : 1)).map((f) => ['drift.found', 'system', f.id]),
      ['drift.keep', nobody.user.id, open.id],
      ['drift.revoke', admin.user.id, reported.id],
    ])
  })

  it('revoke: an out-of-band grant is revoked at once by system, in OneLogin; a scan run again records nothing twice', async () => {
    await syncAndScan()
    await ok(admin, 'PUT', `/api/v1/apps/${integration.app_id}/drift-setting`, { action: 'revoke' })
    const u1 = plain.outsiders[0]!
    await addToRole(plain.id, u1)
    const [scan] = await syncAndScan()
    expect(scan?.status).toBe('succeeded')

    const [finding, ...more] = (await ok<Page<Finding>>(admin, 'GET', '/api/v1/drift')).items
    expect(more).toEqual([])
    expect(finding).toMatchObject({ entitlement_id: `role:${plain.id}:member`, principal_id: `user:${u1}`, action: 'revoke', state: 'revoked', decided_by: 'system' })
    // The order was placed in the scan's transaction; the provisioning job carries it out.
    await orderIn(t.store, finding!.revoke_order_id!, ['done'])
    expect(roleHas(plain.id, u1)).toBe(false)
    const audit = (await listAudit(t.store.db, { target_type: 'drift_finding' }, { limit: 50 })).items.map((e) => [e.action, e.actor]).reverse()
    expect(audit).toEqual([
      ['drift.found', 'system'],
      ['drift.revoke', 'system'],
    ])

    // A retried scan (the job running twice) finds its grants recorded and orders nothing more.
    const payload = scan!.payload as unknown as DriftScanPayload
    const run = await t.store.db.selectFrom('sync_runs').select('grants_added').where('id', '=', payload.run_id).executeTakeFirstOrThrow()
    // It reads every grant the sync added (the membership and the apps the role gives), one per transaction here.
    expect(Number(run.grants_added)).toBeGreaterThan(1)
    expect(await scanAddedGrants(t.store, payload, { batchSize: 1 })).toEqual({ scanned: Number(run.grants_added), findings: 0, revoked: 0 })
    const orders = await t.store.db.selectFrom('provisioning_orders').select('id').where('kind', '=', 'revoke').execute()
    expect(orders.map((o) => o.id)).toEqual([finding!.revoke_order_id])

    // The next sync sees the grant gone: nothing new to scan.
    await syncAndScan()
    expect((await ok<Page<Finding>>(admin, 'GET', '/api/v1/drift')).items.map((f) => f.id)).toEqual([finding!.id])
  })
})
