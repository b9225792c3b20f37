/**
 * Time-bound grants and manual tasks through the REST API, on both databases, with a real worker
 * provisioning against the emulator over real HTTP and real SMTP for the emails: who sees which
 * grants and tasks, "revoke now", completing a manual task, and the refusals.
 */
import { rmSync } from 'node:fs'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { OneLoginApi, control } from '../connector/test-support.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator, TenantSeed } from '../emulator/index.js'
import { ephemeralIntegrationEnv, jitJobs, notificationJobs, orderGrant } from '../governance/index.js'
import type { IntegrationEnv } from '../governance/index.js'
import { TEST_CLIENT_OPTIONS, emulatorIntegration, jitWorker, oneLoginRolesOf, orderIn, syncNow, timeboundIn } from '../governance/jit-test-support.js'
import { Worker } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { createMailer } from '../mail/index.js'
import { startSmtpCatcher } from '../mail/test-support.js'
import type { SmtpCatcher } from '../mail/test-support.js'
import { findIdentityByEmail, replaceEntitlementOwners, updateIdentity } from '../store/index.js'
import type { Integration } from '../store/index.js'
import { buildServer } from './index.js'
import { expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'

interface Timebound {
  id: string
  integration_id: string
  entitlement_id: string
  entitlement_name: string | null
  principal_id: string
  principal_email: string | null
  expires_at: string
  granted_at: string
  state: string
  order_id?: string
}
interface Task {
  id: string
  order_id: string
  state: string
  kind: string
  principal_id: string
  instructions: string
  assignees: { id: string; email: string }[]
  note: string | null
}

describeDialects('time-bound grants and manual tasks (REST)', (t) => {
  let seed: TenantSeed
  let emu: RunningEmulator
  let env: IntegrationEnv
  let smtp: SmtpCatcher
  let worker: Worker
  let app: App
  let integration: Integration
  let api: OneLoginApi
  let admin: Person
  let reader: Person
  let appAdmin: Person
  let holder: Person
  let owner: Person
  let stranger: Person
  /** The holder's OneLogin user, and a role (with apps) they are not in. */
  let user: number
  let role: number
  const { logger } = memoryLogger()

  beforeEach(async () => {
    seed = generateTenant({ users: 30, roles: 5, apps: 3, groups: 2, seed: 9 })
    emu = await startEmulator({ tenant: seed })
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true, publicUrl: 'https://warden.example.com' })
    smtp = await startSmtpCatcher()
    api = new OneLoginApi(emu)
    integration = await emulatorIntegration(t.store, emu, env)
    const syncer = jitWorker(t.store, env, { logger })
    syncer.start()
    await syncNow(t.store, integration.id)
    await syncer.stop({ timeoutMs: 2000 })

    const jit = jitJobs(env, { clientOptions: TEST_CLIENT_OPTIONS })
    const mail = notificationJobs(createMailer({ smtpUrl: smtp.url, from: 'Warden <warden@localhost>' }))
    worker = new Worker(t.store, { handlers: { ...jit.handlers, ...mail.handlers }, pollIntervalMs: 10, backoff: { baseMs: 10, maxMs: 20, jitter: 0 }, logger })
    worker.start()
    app = await buildServer({ store: t.store, integrations: env, webRoot: false })

    admin = await person(t.store, ['access-request-admin'])
    reader = await person(t.store, ['read-only-admin'])
    appAdmin = await person(t.store, ['app-admin'])
    holder = await person(t.store, [])
    owner = await person(t.store, [])
    stranger = await person(t.store, [])
    // The holder's OneLogin account is linked to their Warden account through their identity.
    const seedRole = seed.roles.filter((r) => r.apps.length > 0 && r.users.length > 0).sort((a, b) => a.users.length - b.users.length)[0]!
    role = seedRole.id
    const account = seed.users.find((u) => u.email !== null && !seedRole.users.includes(u.id))!
    user = account.id
    const identity = await findIdentityByEmail(t.store.db, account.email!.toLowerCase())
    if (identity === undefined) throw new Error('the sync made no identity for the user')
    await updateIdentity(t.store.db, identity.id, { warden_user_id: holder.user.id })
    await replaceEntitlementOwners(t.store.db, integration.id, `role:${role}:member`, [owner.user.id])
  })

  afterEach(async () => {
    await worker.stop({ timeoutMs: 2000 })
    await app.close()
    await smtp.close()
    await emu.close()
    rmSync(env.dataDir, { recursive: true, force: true })
  })

  const grantFor = (minutes: number | null): Promise<string> =>
    t.store.transaction((trx) =>
      orderGrant(trx, { integration_id: integration.id, entitlement_id: `role:${role}:member`, principal_id: `user:${user}`, request_id: null, duration_minutes: minutes, actor: admin.user.id }, new Date()),
    )

  const list = async (who: Person, query = ''): Promise<Timebound[]> => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/grants/timebound${query}`, headers: who.bearer })
    expect(res.statusCode).toBe(200)
    return (res.json() as { items: Timebound[] }).items
  }

  const tasks = async (who: Person, query = ''): Promise<Task[]> => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/manual-tasks${query}`, headers: who.bearer })
    expect(res.statusCode).toBe(200)
    return (res.json() as { items: Task[] }).items
  }

  it('lists live time-bound grants with their end (everything for readers, their own for holders) and revokes one now', async () => {
    const id = await grantFor(90)
    await orderIn(t.store, id, ['done'])
    expect(await oneLoginRolesOf(api, user)).toContain(role)

    const all = await list(admin)
    expect(all).toHaveLength(1)
    const g = all[0]!
    expect(g).toMatchObject({ id, integration_id: integration.id, entitlement_id: `role:${role}:member`, principal_id: `user:${user}`, state: 'active', principal_email: seed.users.find((u) => u.id === user)!.email!.toLowerCase() })
    expect(g.entitlement_name).toMatch(/member$/)
    // Remaining time is the end minus now: about 90 minutes.
    const remaining = Date.parse(g.expires_at) - Date.now()
    expect(remaining).toBeGreaterThan(89 * 60_000)
    expect(remaining).toBeLessThanOrEqual(90 * 60_000)
    expect(Date.parse(g.expires_at) - Date.parse(g.granted_at)).toBe(90 * 60_000)
    expect(await list(reader, `?integration_id=${integration.id}`)).toHaveLength(1)
    expect(await list(admin, '?mine=true')).toEqual([])
    expect((await list(holder)).map((x) => x.id)).toEqual([id])
    expect(await list(stranger)).toEqual([])
    expect(await list(admin, '?state=revoked')).toEqual([])
    expectError(await app.inject({ method: 'GET', url: '/api/v1/grants/timebound?integration_id=nope', headers: admin.bearer }), 400, 'BAD_INPUT')

    // Revoke now: Access Request administrators only.
    const url = `/api/v1/grants/timebound/${id}/revoke`
    expectError(await app.inject({ method: 'POST', url, headers: appAdmin.bearer }), 403, 'FORBIDDEN')
    expectError(await app.inject({ method: 'POST', url, headers: holder.bearer }), 403, 'FORBIDDEN')
    expectError(await app.inject({ method: 'POST', url: '/api/v1/grants/timebound/ord_00000000000000000000000000/revoke', headers: admin.bearer }), 404, 'NOT_FOUND')
    expectError(await app.inject({ method: 'POST', url: '/api/v1/grants/timebound/42/revoke', headers: admin.bearer }), 400, 'BAD_INPUT')
    const res = await app.inject({ method: 'POST', url, headers: admin.bearer })
    expect(res.statusCode).toBe(202)
    const revoking = res.json() as Timebound
    expect(revoking).toMatchObject({ id, state: 'revoking', order_id: expect.stringMatching(/^ord_/) })
    expectError(await app.inject({ method: 'POST', url, headers: admin.bearer }), 409, 'CONFLICT')

    await timeboundIn(t.store, id, ['revoked'])
    expect(await oneLoginRolesOf(api, user)).not.toContain(role)
    expect(await list(admin)).toEqual([])
    expect((await list(admin, '?state=revoked')).map((x) => x.id)).toEqual([id])
  })

  it('a failed order becomes a manual task the owner is emailed about, sees and completes; the grant then runs its time', async () => {
    await control(emu, 'POST', '/faults', { kind: 'server_error', status: 500, count: 1000, path: `/api/2/roles/${role}/users`, method: 'POST' })
    const id = await grantFor(20)
    await orderIn(t.store, id, ['manual'])
    const [mail] = await smtp.waitFor(1)
    expect(mail!.to).toEqual([owner.user.email])
    expect(mail!.subject).toMatch(/^Warden: manual provisioning needed: add .* to .*role:\d+:member/)
    expect(mail!.text).toMatch(/https:\/\/warden\.example\.com\/tasks\/manual$/)

    const mine = await tasks(owner, '?state=open')
    expect(mine).toHaveLength(1)
    const task = mine[0]!
    expect(task).toMatchObject({ order_id: id, state: 'open', kind: 'grant', principal_id: `user:${user}`, assignees: [{ id: owner.user.id, email: owner.user.email }] })
    expect(await tasks(stranger)).toEqual([])
    expect(await tasks(admin)).toEqual([])
    expect((await tasks(reader, '?all=true')).map((x) => x.id)).toEqual([task.id])
    expectError(await app.inject({ method: 'GET', url: '/api/v1/manual-tasks?all=true', headers: stranger.bearer }), 403, 'FORBIDDEN')

    const url = `/api/v1/manual-tasks/${task.id}/complete`
    expectError(await app.inject({ method: 'POST', url, headers: stranger.bearer, payload: {} }), 404, 'NOT_FOUND')
    expectError(await app.inject({ method: 'POST', url, headers: reader.bearer, payload: {} }), 403, 'FORBIDDEN')
    expectError(await app.inject({ method: 'POST', url, headers: owner.bearer, payload: { note: 'x'.repeat(2001) } }), 400, 'BAD_INPUT')
    await control(emu, 'DELETE', '/faults')
    await api.call('POST', `/api/2/roles/${role}/users`, [user])
    const done = await app.inject({ method: 'POST', url, headers: owner.bearer, payload: { note: 'added by hand' } })
    expect(done.statusCode).toBe(200)
    expect(done.json()).toMatchObject({ id: task.id, state: 'done', note: 'added by hand' })
    expectError(await app.inject({ method: 'POST', url, headers: owner.bearer }), 409, 'CONFLICT')
    expect(await tasks(owner, '?state=open')).toEqual([])
    expect((await tasks(owner, '?state=done')).map((x) => x.id)).toEqual([task.id])

    const [grant] = await list(admin)
    expect(grant).toMatchObject({ id, state: 'active' })
    expect(Date.parse(grant!.expires_at) - Date.parse(grant!.granted_at)).toBe(20 * 60_000)
  })
})
