/**
 * Issue 6 end to end, through the REST API as an administrator would go: add the integration,
 * the other owner gets an email (real SMTP), bad settings are refused, good ones connect it, a
 * real worker syncs it, the inventory and the SCIM apps appear, a change in OneLogin shows up as
 * grant events after "sync now" and after a scheduled sync; and the client secret appears
 * nowhere: not in a response, the server log, the audit log or its export, the jobs, a CSV export.
 */
import { rmSync } from 'node:fs'
import { Writable } from 'node:stream'
import type { LightMyRequestResponse } from 'fastify'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { OneLoginApi } from '../connector/test-support.js'
import { demoTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import { DISPATCH_JOB, ephemeralIntegrationEnv, integrationJobs, notificationJobs } from '../governance/index.js'
import type { IntegrationEnv } from '../governance/index.js'
import { Worker } from '../jobs/index.js'
import type { Job } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { createMailer } from '../mail/index.js'
import { startSmtpCatcher } from '../mail/test-support.js'
import type { SmtpCatcher } from '../mail/test-support.js'
import { updateIntegration } from '../store/index.js'
import { buildServer } from './index.js'
import { expectError, person } from './test-support.js'
import type { App } from './test-support.js'

interface View {
  id: string
  app_id: string
  status: string
  last_error: string | null
}
interface Run {
  id: string
  status: string
  triggered_by: string
  grants_added: number
  grants_removed: number
  counts: { grants: number } | null
}
interface Grant {
  id: string
  entitlement_id: string
  principal_id: string
  sources: string[]
}

describeDialects('OneLogin integration, end to end (REST, worker, SMTP)', (t) => {
  let emu: RunningEmulator
  let env: IntegrationEnv
  let smtp: SmtpCatcher
  let worker: Worker
  let app: App
  let log = ''
  /** Every response body the test saw, searched for the secret at the end. */
  const bodies: string[] = []

  beforeEach(async () => {
    emu = await startEmulator({ tenant: demoTenant() })
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true, publicUrl: 'https://warden.example.com' })
    smtp = await startSmtpCatcher()
    const syncs = integrationJobs(env, { clientOptions: { sleep: async () => undefined, retry: { maxAttempts: 2 } } })
    const mail = notificationJobs(createMailer({ smtpUrl: smtp.url }))
    worker = new Worker(t.store, { handlers: { ...syncs.handlers, ...mail.handlers }, pollIntervalMs: 10, logger: memoryLogger().logger })
    worker.start()
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        log += chunk.toString('utf8')
        done()
      },
    })
    app = await buildServer({ store: t.store, integrations: env, logger: { level: 'trace', stream } })
  })
  afterEach(async () => {
    await app.close()
    await worker.stop({ timeoutMs: 2000 })
    await smtp.close()
    await emu.close()
    rmSync(env.dataDir, { recursive: true, force: true })
    log = ''
    bodies.length = 0
  })

  async function call(method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: unknown): Promise<LightMyRequestResponse> {
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) })
    bodies.push(res.body)
    return res
  }

  async function ok<T>(method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: unknown): Promise<T> {
    const res = await call(method, url, headers, payload)
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300)
    return res.json() as T
  }

  it('goes from "Not connected" to "Connected", syncs on demand and on schedule, and never shows the secret', async () => {
    const secret = emu.manageAll.client_secret
    const root = await person(t.store, ['super-admin'], { label: 'root' })
    const owner = await person(t.store, ['integration-admin'], { label: 'owner' })
    const outsider = await person(t.store, ['integration-admin'], { label: 'outsider' })
    const h = { root: root.bearer, owner: owner.bearer, outsider: outsider.bearer }

    // 1. Only a Super Administrator adds a connector: here with a new app and two owners.
    expectError(await call('POST', '/api/v1/integrations', h.owner, { app_name: 'OneLogin' }), 403, 'FORBIDDEN')
    const created = await ok<View>('POST', '/api/v1/integrations', h.root, { app_name: 'OneLogin', user_ids: [root.user.id, owner.user.id] })
    expect(created.status).toBe('not_connected')

    // 2. The other owner is emailed a link to finish the setup.
    const [mail] = await smtp.waitFor(1, 15_000)
    expect(mail!.to).toEqual([owner.user.email])
    expect(mail!.text).toContain(`https://warden.example.com/integrations/${created.id}`)

    // 4. Settings: not for an integration admin who is not an owner; a bad secret is refused and changes nothing.
    const settings = `/api/v1/integrations/${created.id}/settings`
    const good = { onelogin_domain: emu.url, oauth_client_cred_grant_client_id: emu.manageAll.client_id, oauth_client_cred_grant_client_secret: secret }
    expectError(await call('PATCH', settings, h.outsider, good), 403, 'FORBIDDEN')
    const bad = await call('PATCH', settings, h.owner, { ...good, oauth_client_cred_grant_client_secret: 'not-the-secret' })
    expect(expectError(bad, 400, 'BAD_INPUT')).toMatch(/OneLogin refused the client ID and secret/)
    expect((await ok<View>('GET', `/api/v1/integrations/${created.id}`, h.owner)).status).toBe('not_connected')

    // 5. A good save: Syncing, then (the worker syncs it) Connected; the run and its log are there.
    expect((await ok<View>('PATCH', settings, h.owner, good)).status).toBe('syncing')
    const connected = await waitFor(async () => {
      const v = await ok<View>('GET', `/api/v1/integrations/${created.id}`, h.owner)
      return v.status === 'connected' || v.status === 'error' ? v : undefined
    }, 30_000, 'the first sync')
    expect(connected).toMatchObject({ status: 'connected', last_error: null })
    const runs = await ok<{ items: Run[] }>('GET', `/api/v1/integrations/${created.id}/syncs`, h.owner)
    expect(runs.items).toHaveLength(1)
    expect(runs.items[0]).toMatchObject({ status: 'succeeded', triggered_by: 'settings', grants_added: 0, grants_removed: 0 })
    const first = await ok<{ log: { message: string }[] }>('GET', `/api/v1/integrations/${created.id}/syncs/${runs.items[0]!.id}`, h.owner)
    expect(first.log.map((l) => l.message).join('\n')).toMatch(/full sync of .* started \(settings\)[\s\S]*ingested \d+ grants \(baseline\)/)

    // Inventory: grants with their sources; SCIM apps appear as unmanaged apps.
    const grants = await ok<{ items: Grant[] }>('GET', `/api/v1/grants?integration_id=${created.id}&limit=500`, h.root)
    expect(grants.items.length).toBe(runs.items[0]!.counts!.grants)
    expect(grants.items.some((g) => g.entitlement_id.startsWith('app:') && g.sources.some((s) => /^role:\d+:member$/.test(s)))).toBe(true)
    const unmanaged = await ok<{ items: { id: string; name: string; source_resource_id: string }[] }>('GET', '/api/v1/apps?state=unmanaged', h.root)
    const scimApps = [...emu.state.apps.values()].filter((a) => a.provisioning_enabled)
    expect(unmanaged.items.map((a) => a.name).sort()).toEqual(scimApps.map((a) => a.name).sort())

    // Managing one binds its access to a role that carries it.
    const scim = unmanaged.items[0]!
    const appNumber = Number(scim.source_resource_id.split(':')[1])
    const carrier = [...emu.state.roles.values()].find((r) => r.apps.has(appNumber))!
    const managed = await ok<{ state: string; bindings: { entitlement_id: string }[] }>('POST', `/api/v1/apps/${scim.id}/manage`, h.root, {
      entitlement_ids: [`role:${carrier.id}:member`],
    })
    expect(managed).toMatchObject({ state: 'managed', bindings: [{ entitlement_id: `role:${carrier.id}:member` }] })

    // Sync now, after a change in OneLogin: the grant shows up as an event in the audit log.
    const api = new OneLoginApi(emu)
    const role = [...emu.state.roles.values()][0]!
    const newcomer = [...emu.state.users.keys()].find((id) => !role.users.has(id))!
    await api.call('POST', `/api/2/roles/${role.id}/users`, [newcomer])
    const queued = await call('POST', `/api/v1/integrations/${created.id}/sync`, h.owner, {})
    expect(queued.statusCode).toBe(202)
    const second = await waitFor(async () => {
      const r = await ok<{ items: Run[] }>('GET', `/api/v1/integrations/${created.id}/syncs`, h.owner)
      return r.items.length === 2 && r.items[0]!.status !== 'running' ? r.items[0] : undefined
    }, 30_000, 'the second sync')
    expect(second).toMatchObject({ status: 'succeeded', triggered_by: 'manual' })
    expect(second!.grants_added).toBeGreaterThanOrEqual(1)
    const events = await ok<{ items: { target_id: string }[] }>('GET', '/api/v1/audit?action=grant.added', h.root)
    expect(events.items.map((e) => e.target_id)).toContain(`${created.id}/role:${role.id}:member:user:${newcomer}`)

    // A scheduled sync: due now, the dispatcher queues it and the worker runs it.
    await api.call('DELETE', `/api/2/roles/${role.id}/users`, [newcomer])
    await updateIntegration(t.store.db, created.id, { next_sync_at: new Date(Date.now() - 1000) })
    await integrationJobs(env).handlers[DISPATCH_JOB]!({ job: {} as Job, signal: new AbortController().signal, workerId: 'test', store: t.store })
    const third = await waitFor(async () => {
      const r = await ok<{ items: Run[] }>('GET', `/api/v1/integrations/${created.id}/syncs`, h.owner)
      return r.items.length === 3 && r.items[0]!.status !== 'running' ? r.items[0] : undefined
    }, 30_000, 'the scheduled sync')
    expect(third).toMatchObject({ status: 'succeeded', triggered_by: 'schedule', grants_added: 0 })
    expect(third!.grants_removed).toBe(second!.grants_added)

    // The secret: nowhere to be seen.
    const exports = [
      (await call('GET', '/api/v1/audit/export?format=jsonl', h.root)).body,
      (await call('GET', `/api/v1/grants/export?integration_id=${created.id}`, h.root)).body,
      (await call('GET', '/api/v1/jobs?limit=500', h.root)).body,
      (await call('GET', '/api/v1/integrations', h.root)).body,
    ]
    const audit = await t.store.db.selectFrom('audit_log').select(['before', 'after']).execute()
    const jobs = await t.store.db.selectFrom('jobs').select(['payload', 'last_error']).execute()
    const runRows = await t.store.db.selectFrom('sync_runs').select(['log', 'error']).execute()
    const haystacks = { responses: bodies.join('\n'), exports: exports.join('\n'), log, audit: JSON.stringify(audit), jobs: JSON.stringify(jobs), runs: JSON.stringify(runRows) }
    for (const [where, text] of Object.entries(haystacks)) {
      expect(text.length, where).toBeGreaterThan(0)
      expect(text.includes(secret), `the secret appears in ${where}`).toBe(false)
    }
    // The search can find it: the settings request carried it.
    expect(JSON.stringify(good).includes(secret)).toBe(true)
  })
})
