import { rmSync } from 'node:fs'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { OneLoginApi, control } from '../connector/test-support.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import { Worker, getJob, listJobs } from '../jobs/index.js'
import type { Job } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { createApp, createIntegration, createUser, getIntegration, listAudit, listSyncRuns, updateIntegration } from '../store/index.js'
import type { Integration, SyncRun } from '../store/index.js'
import { ephemeralIntegrationEnv } from './integration-env.js'
import type { IntegrationEnv } from './integration-env.js'
import { DISPATCH_JOB, SYNC_JOB, enqueueIntegrationSync, integrationJobs, requestSync, setSyncPaused } from './integration-sync.js'
import { SYSTEM_ACTOR } from './policy.js'
import type { Actor } from './policy.js'

describeDialects('integration syncs', (t) => {
  let emu: RunningEmulator
  let env: IntegrationEnv
  let worker: Worker
  const { logger } = memoryLogger()

  beforeEach(async () => {
    emu = await startEmulator({ tenant: generateTenant({ users: 30, roles: 5, apps: 6, groups: 2, seed: 7 }) })
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true })
    const jobs = integrationJobs(env, { clientOptions: { sleep: async () => undefined, retry: { maxAttempts: 2 } } })
    // No schedules: the tests run the dispatcher themselves.
    worker = new Worker(t.store, { handlers: jobs.handlers, pollIntervalMs: 10, backoff: { baseMs: 10, maxMs: 20, jitter: 0 }, logger })
    worker.start()
  })
  afterEach(async () => {
    await worker.stop({ timeoutMs: 2000 })
    await emu.close()
    rmSync(env.dataDir, { recursive: true, force: true })
  })

  /** A hosted integration with saved (good) credentials, as a settings save leaves it. */
  async function savedIntegration(): Promise<Integration> {
    const app = await createApp(t.store.db, { name: 'OneLogin' })
    const created = await createIntegration(t.store.db, { app_id: app.id, mode: 'hosted', created_by: 'system', onelogin_domain: emu.url, client_id: emu.manageAll.client_id })
    return updateIntegration(t.store.db, created.id, { client_secret: env.secrets.encrypt(emu.manageAll.client_secret, created.id), status: 'syncing' })
  }

  async function settled(id: string): Promise<Job> {
    return waitFor(async () => {
      const job = await getJob(t.store.db, id)
      return job?.status === 'succeeded' || job?.status === 'dead' ? job : undefined
    }, 20_000, `job ${id} to finish`)
  }

  async function lastRun(integrationId: string): Promise<SyncRun> {
    const [run] = (await listSyncRuns(t.store.db, integrationId, { limit: 1 })).items
    if (run === undefined) throw new Error('no sync run')
    return run
  }

  async function sync(integrationId: string, mode: 'full' | 'incremental' = 'incremental'): Promise<SyncRun> {
    const jobId = await enqueueIntegrationSync(t.store.db, { integration_id: integrationId, triggered_by: 'manual', mode })
    await settled(jobId!)
    return lastRun(integrationId)
  }

  async function grantCount(integrationId: string): Promise<number> {
    const row = await t.store.db.selectFrom('grants').select((eb) => eb.fn.countAll<number>().as('n')).where('integration_id', '=', integrationId).executeTakeFirstOrThrow()
    return Number(row.n)
  }

  it('a first sync ingests the tenant as a baseline, connects the integration and keeps a log of the run', async () => {
    const integration = await savedIntegration()
    const run = await sync(integration.id, 'full')
    expect(run).toMatchObject({ status: 'succeeded', triggered_by: 'manual', mode: 'full', grants_added: 0, grants_removed: 0, error: null })
    expect(run.api_calls).toBeGreaterThan(0)
    const counts = JSON.parse(run.counts!) as { resources: Record<string, number>; grants: number }
    expect(counts.resources['user']).toBe(30)
    expect(counts.grants).toBe(await grantCount(integration.id))
    const log = JSON.parse(run.log) as { level: string; message: string }[]
    expect(log[0]?.message).toMatch(/^full sync of http:\/\/127\.0\.0\.1:\d+ started \(manual\)$/)
    expect(log.some((l) => /^ingested \d+ grants \(baseline\)/.test(l.message))).toBe(true)
    const after = await getIntegration(t.store.db, integration.id)
    expect(after).toMatchObject({ status: 'connected', last_error: null })
    expect(after!.last_full_sync_at).not.toBeNull()
    const audit = await listAudit(t.store.db, { action: 'integration.sync' })
    expect(audit.items.map((e) => e.target_id)).toEqual([integration.id])
    expect((await listAudit(t.store.db, { action: 'grant.added' })).items).toEqual([])
  })

  it('a re-sync after changes in OneLogin records exactly the grants added and removed', async () => {
    const integration = await savedIntegration()
    await sync(integration.id, 'full')
    const api = new OneLoginApi(emu)
    // A role with members and one user outside it.
    const role = [...emu.state.roles.values()].find((r) => r.users.size > 1)!
    const member = [...role.users.keys()][0]!
    const outsider = [...emu.state.users.keys()].find((id) => !role.users.has(id))!
    await api.call('POST', `/api/2/roles/${role.id}/users`, [outsider])
    await api.call('DELETE', `/api/2/roles/${role.id}/users`, [member])

    const run = await sync(integration.id)
    expect(run.status).toBe('succeeded')
    const added = (await listAudit(t.store.db, { action: 'grant.added' }, { limit: 500 })).items.map((e) => e.target_id)
    const removed = (await listAudit(t.store.db, { action: 'grant.removed' }, { limit: 500 })).items.map((e) => e.target_id)
    expect(added).toContain(`${integration.id}/role:${role.id}:member:user:${outsider}`)
    expect(removed).toContain(`${integration.id}/role:${role.id}:member:user:${member}`)
    expect(run.grants_added).toBe(added.length)
    expect(run.grants_removed).toBe(removed.length)
    const stored = await t.store.db
      .selectFrom('grants')
      .select('principal_id')
      .where('integration_id', '=', integration.id)
      .where('entitlement_id', '=', `role:${role.id}:member`)
      .execute()
    expect(stored.map((g) => g.principal_id)).toContain(`user:${outsider}`)
    expect(stored.map((g) => g.principal_id)).not.toContain(`user:${member}`)
  })

  it('a failed sync keeps the previous inventory, marks the run failed and the integration in error', async () => {
    const integration = await savedIntegration()
    await sync(integration.id, 'full')
    const before = await grantCount(integration.id)
    await control(emu, 'POST', '/faults', { kind: 'server_error', status: 500, count: 100, path: '/api/2/users' })
    const jobId = await enqueueIntegrationSync(t.store.db, { integration_id: integration.id, triggered_by: 'manual', mode: 'full' })
    expect(await settled(jobId!)).toMatchObject({ status: 'dead', attempts: 3 })
    const runs = (await listSyncRuns(t.store.db, integration.id)).items
    expect(runs.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'succeeded'])
    expect(runs[0]!.error).toMatch(/^ONELOGIN_UNAVAILABLE: /)
    expect(await grantCount(integration.id)).toBe(before)
    expect(await getIntegration(t.store.db, integration.id)).toMatchObject({ status: 'error', last_error: runs[0]!.error })
  })

  it('the dispatcher queues the syncs that are due, skips paused ones, and moves next_sync_at on', async () => {
    const due = await savedIntegration()
    const paused = await savedIntegration()
    const later = await savedIntegration()
    const past = new Date(Date.now() - 60_000)
    await updateIntegration(t.store.db, due.id, { next_sync_at: past })
    await updateIntegration(t.store.db, paused.id, { next_sync_at: past, paused: true })
    await updateIntegration(t.store.db, later.id, { next_sync_at: new Date(Date.now() + 3_600_000) })
    const dispatcher = integrationJobs(env).handlers[DISPATCH_JOB]!
    const started = Date.now()
    await dispatcher({ job: {} as Job, signal: new AbortController().signal, workerId: 'test', store: t.store })
    const queued = (await listJobs(t.store.db, { kind: SYNC_JOB })).items.map((j) => (j.payload as { integration_id: string }).integration_id)
    expect(queued).toEqual([due.id])
    const next = Date.parse((await getIntegration(t.store.db, due.id))!.next_sync_at!)
    expect(next).toBeGreaterThanOrEqual(started + 60 * 60_000)
    expect((await getIntegration(t.store.db, paused.id))!.next_sync_at).toBe(past.toISOString())
  })

  it('sync now queues one sync at a time and refuses integrations that are not connected, self-hosted, or not the caller\'s', async () => {
    const integration = await savedIntegration()
    await worker.stop({ timeoutMs: 2000 })
    const first = await requestSync(t.store, SYSTEM_ACTOR, integration.id, { full: true })
    expect(first.queued).toBe(true)
    expect(await requestSync(t.store, SYSTEM_ACTOR, integration.id)).toEqual({ job_id: null, queued: false })

    const app = await createApp(t.store.db, { name: 'Elsewhere' })
    const fresh = await createIntegration(t.store.db, { app_id: app.id, mode: 'hosted', created_by: 'system' })
    await expect(requestSync(t.store, SYSTEM_ACTOR, fresh.id)).rejects.toMatchObject({ code: 'CONFLICT', message: `integration ${fresh.id} is not connected yet: save its OneLogin settings first` })
    const selfHosted = await createIntegration(t.store.db, { app_id: app.id, mode: 'self-hosted', created_by: 'system' })
    await expect(requestSync(t.store, SYSTEM_ACTOR, selfHosted.id)).rejects.toMatchObject({ code: 'CONFLICT' })

    const admin = await createUser(t.store.db, { email: 'ia@example.com', display_name: 'IA', roles: ['integration-admin'] })
    const notOwner: Actor = { id: admin.id, roles: ['integration-admin'], via: 'token' }
    await expect(requestSync(t.store, notOwner, integration.id)).rejects.toMatchObject({ code: 'FORBIDDEN' })
    const readOnly: Actor = { id: admin.id, roles: ['read-only-admin'], via: 'token' }
    await expect(setSyncPaused(t.store, readOnly, integration.id, true)).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  it('pause and resume are recorded; resuming makes the next sync due at once', async () => {
    const integration = await savedIntegration()
    const paused = await setSyncPaused(t.store, SYSTEM_ACTOR, integration.id, true)
    expect(paused.paused).toBe(1)
    expect(await setSyncPaused(t.store, SYSTEM_ACTOR, integration.id, true)).toMatchObject({ paused: 1 })
    const before = Date.now()
    const resumed = await setSyncPaused(t.store, SYSTEM_ACTOR, integration.id, false)
    expect(resumed.paused).toBe(0)
    expect(Date.parse(resumed.next_sync_at!)).toBeGreaterThanOrEqual(before - 1000)
    const actions = (await listAudit(t.store.db, { target_id: integration.id }, { order: 'asc' })).items.map((e) => e.action)
    expect(actions).toEqual(['integration.pause', 'integration.resume'])
  })
})
