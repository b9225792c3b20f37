/**
 * Provisioning orders, time-bound grants and their expiry, end to end: orders placed in a store
 * transaction, a real job worker, the connector against the emulator over real HTTP, and checks
 * made with plain fetch against the emulator's OneLogin API and its call counters.
 */
import { rmSync } from 'node:fs'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { OneLoginApi, control, emulatorStats } from '../connector/test-support.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator, TenantSeed } from '../emulator/index.js'
import { enqueue, listJobs } from '../jobs/index.js'
import type { Worker } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { claimExpiry, createUser, createWebhook, getOrder, insertTimeboundGrant, isoTime, listAudit, newId, orderEvents, replaceEntitlementOwners, setIntegrationOwners } from '../store/index.js'
import type { Integration, Store, User } from '../store/index.js'
import { ephemeralIntegrationEnv } from './integration-env.js'
import type { IntegrationEnv } from './integration-env.js'
import {
  EXPIRE_JOB,
  PROVISION_ATTEMPTS,
  PROVISION_JOB,
  REMIND_JOB,
  completeManualTask,
  grantWasOrdered,
  listManualTasks,
  listTimeboundGrants,
  orderGrant,
  orderRevoke,
  ordersOfRequests,
  revokeTimeboundGrant,
} from './jit.js'
import {
  advanceExpiry,
  advanceReminder,
  emulatorIntegration,
  jitWorker,
  oneLoginRolesOf,
  orderIn,
  syncNow,
  timeboundIn,
} from './jit-test-support.js'
import { EMAIL_JOB } from './notifications.js'
import { SYSTEM_ACTOR } from './policy.js'
import type { Actor } from './policy.js'

describeDialects('JIT provisioning and expiry', (t) => {
  let seed: TenantSeed
  let emu: RunningEmulator
  let env: IntegrationEnv
  let api: OneLoginApi
  let integration: Integration
  let owner: User
  let workers: Worker[] = []
  const { logger } = memoryLogger()
  /** A role that carries apps, and users outside it. */
  let role: { id: number; apps: number[] }
  let outsiders: number[]

  const start = (store: Store, options: { concurrency?: number; id?: string; reminderLeadMinutes?: number } = {}): Worker => {
    const w = jitWorker(store, env, { logger, ...options })
    workers.push(w)
    w.start()
    return w
  }

  beforeEach(async () => {
    seed = generateTenant({ users: 60, roles: 6, apps: 3, groups: 2, seed: 5 })
    emu = await startEmulator({ tenant: seed })
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true, publicUrl: 'https://warden.example.com' })
    api = new OneLoginApi(emu)
    integration = await emulatorIntegration(t.store, emu, env)
    // The smallest role that carries an app: plenty of users outside it to grant it to.
    const seedRole = seed.roles.filter((r) => r.apps.length > 0 && r.users.length > 0).sort((a, b) => a.users.length - b.users.length)[0]
    if (seedRole === undefined) throw new Error('no role carries an app')
    role = { id: seedRole.id, apps: seedRole.apps }
    outsiders = seed.users.map((u) => u.id).filter((id) => !seedRole.users.includes(id))
    if (outsiders.length < 12) throw new Error(`only ${outsiders.length} users outside role ${seedRole.id}`)
    owner = await createUser(t.store.db, { email: `owner-${Math.random().toString(36).slice(2, 8)}@example.com`, display_name: 'Olive Owner', roles: [] })
    await replaceEntitlementOwners(t.store.db, integration.id, `role:${role.id}:member`, [owner.id])
    // A webhook for every event: what the orders emit shows up as its deliveries.
    await createWebhook(t.store.db, { id: newId('whk'), url: 'https://hooks.example.com/warden', event_types: ['*'], secret: 'v1:sealed', created_by: owner.id })
    // A real sync first, so the inventory (names, implications) is what production would have.
    const syncer = start(t.store)
    await syncNow(t.store, integration.id)
    await syncer.stop({ timeoutMs: 2000 })
    workers = []
  })

  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop({ timeoutMs: 2000 })))
    workers = []
    await emu.close()
    rmSync(env.dataDir, { recursive: true, force: true })
  })

  const order = (store: Store, user: number, duration: number | null, extra: { request_id?: string | null; entitlement?: string } = {}): Promise<string> =>
    store.transaction((trx) =>
      orderGrant(
        trx,
        {
          integration_id: integration.id,
          entitlement_id: extra.entitlement ?? `role:${role.id}:member`,
          principal_id: `user:${user}`,
          request_id: extra.request_id ?? null,
          duration_minutes: duration,
          actor: 'system',
        },
        new Date(),
      ),
    )

  const inventoryHas = async (entitlement: string, user: number): Promise<{ direct: number; sources: string[] } | undefined> => {
    const row = await t.store.db
      .selectFrom('grants')
      .select(['direct', 'sources'])
      .where('integration_id', '=', integration.id)
      .where('entitlement_id', '=', entitlement)
      .where('principal_id', '=', `user:${user}`)
      .executeTakeFirst()
    return row === undefined ? undefined : { direct: Number(row.direct), sources: JSON.parse(row.sources) as string[] }
  }

  const queued = async (kind: string): Promise<{ run_at: string; payload: unknown }[]> =>
    (await listJobs(t.store.db, { kind, status: 'queued' }, { limit: 500 })).items.map((j) => ({ run_at: j.run_at, payload: j.payload }))

  const webhookEvents = async (): Promise<string[]> =>
    (await t.store.db.selectFrom('webhook_deliveries').select('event_type').orderBy('created_at').orderBy('id').execute()).map((d) => d.event_type)

  const emailsTo = async (): Promise<{ to: string; subject: string }[]> =>
    (await listJobs(t.store.db, { kind: EMAIL_JOB }, { limit: 500 })).items.map((j) => j.payload as { to: string; subject: string })

  it('orderGrant provisions the role in OneLogin, and at the end of its time the expiry removes it', async () => {
    const user = outsiders[0]!
    expect(await oneLoginRolesOf(api, user)).not.toContain(role.id)
    // Ordered with no worker running: the order waits in the database.
    const before = Date.now()
    const id = await order(t.store, user, 60)
    expect((await getOrder(t.store.db, id))?.state).toBe('queued')
    expect(await grantWasOrdered(t.store.db, { integration_id: integration.id, entitlement_id: `role:${role.id}:member`, principal_id: `user:${user}` })).toBe(true)

    start(t.store)
    const done = await orderIn(t.store, id, ['done', 'manual'])
    expect(done).toMatchObject({ state: 'done', outcome: 'changed', attempts: 1, timebound_grant_id: id, last_error: null })
    expect(await oneLoginRolesOf(api, user)).toContain(role.id)
    expect(orderEvents(done).map((e) => e.state)).toEqual(['queued', 'running', 'done', 'done'])

    // A time-bound grant ending in 60 minutes, its expiry job due then.
    const grant = await timeboundIn(t.store, id, ['active'])
    const expires = Date.parse(grant.expires_at)
    expect(expires).toBeGreaterThanOrEqual(before + 60 * 60_000)
    expect(expires).toBeLessThanOrEqual(Date.now() + 60 * 60_000)
    expect(await queued(EXPIRE_JOB)).toEqual([{ run_at: grant.expires_at, payload: { grant_id: id } }])
    // The lead time (24 h) is longer than the grant: no reminder.
    expect(await queued(REMIND_JOB)).toEqual([])

    // The local inventory shows it before the next sync, with the apps the role carries.
    expect(await inventoryHas(`role:${role.id}:member`, user)).toEqual({ direct: 1, sources: [] })
    for (const app of role.apps) expect((await inventoryHas(`app:${app}:access`, user))?.sources).toContain(`role:${role.id}:member`)
    expect((await listAudit(t.store.db, { action: 'access.granted' })).items.map((e) => e.target_id)).toEqual([`${integration.id}/role:${role.id}:member:user:${user}`])

    const views = await listTimeboundGrants(t.store, SYSTEM_ACTOR, { integration_id: integration.id })
    expect(views.items).toEqual([expect.objectContaining({ id, state: 'active', principal_id: `user:${user}`, entitlement_name: expect.stringContaining('member'), expires_at: grant.expires_at })])

    await control(emu, 'POST', '/stats/reset')
    await advanceExpiry(t.store, id)
    const ended = await timeboundIn(t.store, id, ['revoked'])
    expect(ended).toMatchObject({ ended_by: 'expiry', state: 'revoked' })
    // One revoke: read the role and the user, remove, read back.
    expect((await emulatorStats(emu)).by_endpoint).toEqual({ 'GET /api/2/roles/:id': 1, 'GET /api/2/users/:id': 2, 'DELETE /api/2/roles/:id/users': 1 })
    expect(await oneLoginRolesOf(api, user)).not.toContain(role.id)
    const revokeOrder = await getOrder(t.store.db, ended.revoke_order_id!)
    expect(revokeOrder).toMatchObject({ kind: 'revoke', origin: 'expiry', state: 'done', actor: 'system', timebound_grant_id: id })
    expect(await inventoryHas(`role:${role.id}:member`, user)).toBeUndefined()
    expect((await listAudit(t.store.db, { action: 'grant.expired' })).items).toHaveLength(1)
    expect(await grantWasOrdered(t.store.db, { integration_id: integration.id, entitlement_id: `role:${role.id}:member`, principal_id: `user:${user}` })).toBe(false)
    // The holder and the entitlement's owner are told it ended.
    const holderEmail = seed.users.find((u) => u.id === user)!.email!.toLowerCase()
    const ends = (await emailsTo()).filter((m) => m.subject.startsWith('Warden: time-bound access ended'))
    expect(ends.map((m) => m.to).sort()).toEqual([holderEmail, owner.email].sort())
    expect(await webhookEvents()).toEqual(['request.provisioned', 'grant.expired'])
  })

  it('a restart between provisioning and expiry loses nothing: a new worker on a fresh connection revokes on time', async () => {
    const user = outsiders[1]!
    const first = start(t.store)
    const id = await order(t.store, user, 30)
    await orderIn(t.store, id, ['done'])
    expect(await oneLoginRolesOf(api, user)).toContain(role.id)
    await first.stop({ timeoutMs: 2000 })

    // "Restart": nothing in memory survives; a fresh connection and a fresh worker (new clients).
    const fresh = await t.open({ migrate: false })
    await advanceExpiry(fresh, id)
    start(fresh, { id: 'restarted' })
    await timeboundIn(fresh, id, ['revoked'])
    expect(await oneLoginRolesOf(api, user)).not.toContain(role.id)
    const revoked = await fresh.db.selectFrom('jobs').select(['kind', 'locked_by', 'status']).where('kind', '=', EXPIRE_JOB).execute()
    expect(revoked).toEqual([{ kind: EXPIRE_JOB, locked_by: null, status: 'succeeded' }])
  })

  it('two workers racing the same expiring grants revoke each exactly once', async () => {
    const users = outsiders.slice(0, 12)
    const provisioner = start(t.store, { concurrency: 8 })
    const ids: string[] = []
    for (const u of users) ids.push(await order(t.store, u, 60))
    for (const id of ids) await orderIn(t.store, id, ['done'])
    await provisioner.stop({ timeoutMs: 2000 })
    for (const u of users) expect(await oneLoginRolesOf(api, u)).toContain(role.id)

    // All due at once, and each with a second, stale expiry job besides (as an extension leaves
    // behind): both workers get jobs for the same grants at the same moment.
    const at = new Date()
    for (const id of ids) {
      await advanceExpiry(t.store, id, at)
      await enqueue(t.store.db, { kind: EXPIRE_JOB, payload: { grant_id: id }, runAt: at })
    }
    await control(emu, 'POST', '/stats/reset')
    const a = await t.open({ migrate: false })
    const b = await t.open({ migrate: false })
    start(a, { concurrency: 8, id: 'worker-a' })
    start(b, { concurrency: 8, id: 'worker-b' })
    for (const id of ids) await timeboundIn(t.store, id, ['revoked'])
    const busy = async (kind: string): Promise<number> => (await listJobs(t.store.db, { kind, status: ['queued', 'running', 'failed'] })).items.length
    await waitFor(async () => (await busy(EXPIRE_JOB)) + (await busy(PROVISION_JOB)) === 0, 10_000, 'every expiry and revoke to finish')

    const stats = await emulatorStats(emu)
    for (const u of users) expect(await oneLoginRolesOf(api, u)).not.toContain(role.id)
    const { 'POST /auth/oauth2/v2/token': tokens = 0, ...calls } = stats.by_endpoint
    expect(calls).toEqual({ 'GET /api/2/roles/:id': users.length, 'GET /api/2/users/:id': 2 * users.length, 'DELETE /api/2/roles/:id/users': users.length })
    // One token per worker that did any work (each has its own client).
    expect(tokens).toBeGreaterThanOrEqual(0)
    expect(tokens).toBeLessThanOrEqual(2)
    const revokes = await t.store.db.selectFrom('provisioning_orders').select(['timebound_grant_id', 'state']).where('origin', '=', 'expiry').execute()
    expect(revokes.map((r) => r.timebound_grant_id).sort()).toEqual([...ids].sort())
    expect(revokes.every((r) => r.state === 'done')).toBe(true)
    const expiries = await t.store.db.selectFrom('jobs').select(['status', 'locked_by']).where('kind', '=', EXPIRE_JOB).execute()
    expect(expiries).toHaveLength(2 * users.length)
    expect(expiries.every((j) => j.status === 'succeeded')).toBe(true)
  })

  it('the expiry claim is a compare-and-set: of two transactions on two connections claiming one grant, exactly one wins', async () => {
    const past = isoTime(new Date(Date.now() - 1000))
    const id = newId('ord')
    await insertTimeboundGrant(t.store.db, {
      id,
      integration_id: integration.id,
      entitlement_id: `role:${role.id}:member`,
      principal_id: `user:${outsiders[0]!}`,
      request_id: null,
      state: 'active',
      granted_at: past,
      expires_at: past,
      revoke_order_id: null,
      revoked_at: null,
      ended_by: null,
      created_by: 'system',
      updated_at: past,
    })
    const a = await t.open({ migrate: false })
    const b = await t.open({ migrate: false })
    const now = isoTime(new Date())
    let second: Promise<unknown> | undefined
    const first = await a.transaction(async (trx) => {
      const won = await claimExpiry(trx, id, 'ord_a', now)
      // B starts while A holds the row (PostgreSQL: its row lock; SQLite: the write lock) ...
      second = b.transaction((trx2) => claimExpiry(trx2, id, 'ord_b', now))
      await new Promise((r) => setTimeout(r, 200))
      return won
    })
    // ... and, once A commits, finds the grant no longer active.
    expect(first).toMatchObject({ id, state: 'revoking', revoke_order_id: 'ord_a' })
    expect(await second).toBeUndefined()
    expect(await t.store.db.selectFrom('timebound_grants').select(['state', 'revoke_order_id']).where('id', '=', id).executeTakeFirst()).toEqual({ state: 'revoking', revoke_order_id: 'ord_a' })
  })

  it('a provisioning failure is retried with back-off, then becomes a manual task for the owners; completing it starts the grant', async () => {
    const user = outsiders[2]!
    await control(emu, 'POST', '/faults', { kind: 'server_error', status: 503, count: 1000, path: `/api/2/roles/${role.id}/users`, method: 'POST' })
    start(t.store)
    const id = await order(t.store, user, 45)
    const manual = await orderIn(t.store, id, ['manual'])
    expect(manual.attempts).toBe(PROVISION_ATTEMPTS)
    expect(manual.last_error).toMatch(/ONELOGIN_UNAVAILABLE/)
    const events = orderEvents(manual)
    expect(events.filter((e) => e.state === 'running')).toHaveLength(PROVISION_ATTEMPTS)
    expect(events.filter((e) => /retrying with back-off/.test(e.message))).toHaveLength(PROVISION_ATTEMPTS - 1)
    expect(events.at(-1)?.message).toMatch(/^handed to people: manual task mtk_/)
    expect(await oneLoginRolesOf(api, user)).not.toContain(role.id)
    expect(await t.store.db.selectFrom('timebound_grants').selectAll().execute()).toEqual([])

    const ownerActor: Actor = { id: owner.id, roles: [], via: 'token' }
    const tasks = await listManualTasks(t.store, ownerActor, { state: 'open' })
    expect(tasks.items).toHaveLength(1)
    const task = tasks.items[0]!
    expect(task).toMatchObject({ order_id: id, kind: 'grant', state: 'open', principal_id: `user:${user}`, assignees: [{ id: owner.id, email: owner.email, display_name: 'Olive Owner' }] })
    expect(task.instructions).toMatch(new RegExp(`^Add .* to .*role:${role.id}:member.* in OneLogin`))
    expect((await emailsTo()).filter((m) => m.to === owner.email && m.subject.startsWith('Warden: manual provisioning needed'))).toHaveLength(1)
    expect(await webhookEvents()).toEqual(['request.failed'])
    // Someone else sees nothing.
    expect((await listManualTasks(t.store, { id: 'usr_someoneelse0000000000000000', roles: [], via: 'token' })).items).toEqual([])

    // The owner does it by hand in OneLogin, then completes the task.
    await control(emu, 'DELETE', '/faults')
    await api.call('POST', `/api/2/roles/${role.id}/users`, [user])
    const completed = await completeManualTask(t.store, ownerActor, task.id, { note: 'added in the admin console' }, { publicUrl: env.publicUrl })
    expect(completed).toMatchObject({ state: 'done', completed_by: owner.id, note: 'added in the admin console' })
    expect(await getOrder(t.store.db, id)).toMatchObject({ state: 'done', outcome: 'manual' })
    const grant = await timeboundIn(t.store, id, ['active'])
    expect(Date.parse(grant.expires_at) - Date.parse(grant.granted_at)).toBe(45 * 60_000)
    await expect(completeManualTask(t.store, ownerActor, task.id, {}, { publicUrl: env.publicUrl })).rejects.toMatchObject({ code: 'CONFLICT' })

    // And it still expires on time, through the connector.
    await advanceExpiry(t.store, id)
    await timeboundIn(t.store, id, ['revoked'])
    expect(await oneLoginRolesOf(api, user)).not.toContain(role.id)
  })

  it('a failure retrying cannot help (an unknown user) goes to people after one attempt, the integration owners when the entitlement has none', async () => {
    const integrationOwner = await createUser(t.store.db, { email: `int-owner-${Math.random().toString(36).slice(2, 8)}@example.com`, display_name: 'Ian Owner', roles: ['integration-admin'] })
    await setIntegrationOwners(t.store.db, integration.id, [integrationOwner.id])
    start(t.store)
    const group = seed.groups[0]!
    const id = await order(t.store, 999_999, null, { entitlement: `group:${group.id}:member` })
    const manual = await orderIn(t.store, id, ['manual'])
    expect(manual.attempts).toBe(1)
    expect(manual.last_error).toMatch(/OneLogin has no user 999999/)
    const tasks = await listManualTasks(t.store, SYSTEM_ACTOR, { all: true })
    expect(tasks.items.map((x) => x.assignees.map((a) => a.id))).toEqual([[integrationOwner.id]])
  })

  it('revoke now ends an active time-bound grant through a revoke order; its expiry then does nothing', async () => {
    const user = outsiders[3]!
    start(t.store)
    const id = await order(t.store, user, 120)
    await orderIn(t.store, id, ['done'])
    const admin: Actor = { id: 'usr_admin000000000000000000000', roles: ['access-request-admin'], via: 'token' }
    const revoking = await revokeTimeboundGrant(t.store, admin, id)
    expect(revoking).toMatchObject({ id, state: 'revoking', order_id: expect.stringMatching(/^ord_/) })
    await expect(revokeTimeboundGrant(t.store, admin, id)).rejects.toMatchObject({ code: 'CONFLICT' })
    await expect(revokeTimeboundGrant(t.store, { id: 'usr_x', roles: ['app-admin'], via: 'token' }, id)).rejects.toMatchObject({ code: 'FORBIDDEN' })
    const ended = await timeboundIn(t.store, id, ['revoked'])
    expect(ended).toMatchObject({ ended_by: 'revoke_now', revoke_order_id: revoking.order_id })
    expect(await oneLoginRolesOf(api, user)).not.toContain(role.id)
    expect(await queued(EXPIRE_JOB)).toEqual([])
    expect((await listAudit(t.store.db, { action: 'grant.revoke_now' })).items.map((e) => e.actor)).toEqual([admin.id])
    // A stale expiry job finds nothing to do.
    await control(emu, 'POST', '/stats/reset')
    const stale = await enqueue(t.store.db, { kind: EXPIRE_JOB, payload: { grant_id: id } })
    await waitFor(async () => (await t.store.db.selectFrom('jobs').select('status').where('id', '=', stale!).executeTakeFirst())?.status === 'succeeded')
    expect((await emulatorStats(emu)).total).toBe(0)
  })

  it('an extension moves the end and reschedules: the old expiry does nothing, the new one revokes', async () => {
    const user = outsiders[4]!
    const requester = await createUser(t.store.db, { email: `req-${Math.random().toString(36).slice(2, 8)}@example.com`, display_name: 'Rita Requester', roles: [] })
    const requestRow = (kind: 'grant' | 'extend', duration: number) => ({
      id: newId('req'),
      kind,
      state: 'provisioning' as const,
      integration_id: integration.id,
      entitlement_id: `role:${role.id}:member`,
      entitlement_name: 'role',
      app_id: null,
      principal_id: `user:${user}`,
      identity_id: null,
      requester_id: requester.id,
      reason: 'on call',
      duration_minutes: duration,
      emergency: 0,
      policy_id: null,
      plan: '{"steps":[]}',
      conflicts: '[]',
      current_step: 0,
      extends_request_id: null,
      order_id: null,
      created_at: isoTime(new Date()),
      updated_at: isoTime(new Date()),
      decided_at: null,
    })
    const grantRequest = requestRow('grant', 60)
    const extendRequest = { ...requestRow('extend', 30), extends_request_id: grantRequest.id }
    await t.store.db.insertInto('access_requests').values([grantRequest, extendRequest]).execute()

    start(t.store, { reminderLeadMinutes: 10 })
    const id = await order(t.store, user, 60, { request_id: grantRequest.id })
    await orderIn(t.store, id, ['done'])
    const first = await timeboundIn(t.store, id, ['active'])
    expect(await queued(REMIND_JOB)).toEqual([{ run_at: isoTime(new Date(Date.parse(first.expires_at) - 10 * 60_000)), payload: { grant_id: id, expires_at: first.expires_at } }])

    await control(emu, 'POST', '/stats/reset')
    const ext = await order(t.store, user, 30, { request_id: extendRequest.id })
    const extDone = await orderIn(t.store, ext, ['done'])
    // Already held: the connector reads and writes nothing.
    expect(extDone).toMatchObject({ outcome: 'no_change', timebound_grant_id: id })
    expect((await emulatorStats(emu)).by_endpoint['DELETE /api/2/roles/:id/users']).toBeUndefined()
    const extended = await timeboundIn(t.store, id, ['active'])
    expect(Date.parse(extended.expires_at) - Date.parse(first.expires_at)).toBe(30 * 60_000)
    expect(extended.request_id).toBe(extendRequest.id)
    // One expiry and one reminder, both for the new end; the old ones are gone.
    expect(await queued(EXPIRE_JOB)).toEqual([{ run_at: extended.expires_at, payload: { grant_id: id } }])
    expect((await queued(REMIND_JOB)).map((j) => j.payload)).toEqual([{ grant_id: id, expires_at: extended.expires_at }])
    // The requests see both orders, the end they share.
    const orders = await ordersOfRequests(t.store.db, [grantRequest.id, extendRequest.id])
    expect(orders.get(grantRequest.id)?.map((o) => [o.kind, o.state, o.expires_at])).toEqual([['grant', 'done', extended.expires_at]])
    expect(orders.get(extendRequest.id)?.map((o) => [o.kind, o.state, o.expires_at])).toEqual([['grant', 'done', extended.expires_at]])

    // The reminder goes to the holder, the requester and the owner.
    await advanceReminder(t.store, id)
    const holderEmail = seed.users.find((u) => u.id === user)!.email!.toLowerCase()
    const reminders = await waitFor(async () => {
      const r = (await emailsTo()).filter((m) => m.subject.includes(' ends '))
      return r.length === 3 ? r : undefined
    })
    expect(reminders.map((m) => m.to).sort()).toEqual([holderEmail, requester.email, owner.email].sort())

    // A stale expiry job at the old end finds the grant extended and does nothing.
    const stale = await enqueue(t.store.db, { kind: EXPIRE_JOB, payload: { grant_id: id } })
    await waitFor(async () => (await t.store.db.selectFrom('jobs').select('status').where('id', '=', stale!).executeTakeFirst())?.status === 'succeeded')
    expect((await timeboundIn(t.store, id, ['active'])).expires_at).toBe(extended.expires_at)
    expect(await oneLoginRolesOf(api, user)).toContain(role.id)

    await advanceExpiry(t.store, id)
    await timeboundIn(t.store, id, ['revoked'])
    expect(await oneLoginRolesOf(api, user)).not.toContain(role.id)
    // The expiry's revoke is in the history of the request being carried out.
    const after = await ordersOfRequests(t.store.db, [extendRequest.id])
    expect(after.get(extendRequest.id)?.map((o) => [o.kind, o.state])).toEqual([
      ['grant', 'done'],
      ['revoke', 'done'],
    ])
  })

  it('a permanent grant of held access makes its time-bound grant permanent; a grant of access held before is not made time-bound', async () => {
    const user = outsiders[5]!
    start(t.store)
    const id = await order(t.store, user, 60)
    await orderIn(t.store, id, ['done'])
    const permanent = await order(t.store, user, null)
    await orderIn(t.store, permanent, ['done'])
    expect(await timeboundIn(t.store, id, ['superseded'])).toMatchObject({ ended_by: 'permanent_grant' })
    expect(await queued(EXPIRE_JOB)).toEqual([])

    // Someone already in the role (from the seed): a time-bound order leaves it as it was.
    const member = seed.roles.find((r) => r.id === role.id)!.users[0]!
    const again = await order(t.store, member, 60)
    const done = await orderIn(t.store, again, ['done'])
    expect(done).toMatchObject({ outcome: 'no_change', timebound_grant_id: null })
    expect(orderEvents(done).at(-1)?.message).toMatch(/already held .*not made time-bound/)
    expect(await queued(EXPIRE_JOB)).toEqual([])
  })

  it('orderRevoke of a live time-bound grant takes it over, so its expiry cannot revoke it again', async () => {
    const user = outsiders[6]!
    start(t.store)
    const id = await order(t.store, user, 60)
    await orderIn(t.store, id, ['done'])
    const drop = await t.store.transaction((trx) =>
      orderRevoke(trx, { integration_id: integration.id, entitlement_id: `role:${role.id}:member`, principal_id: `user:${user}`, request_id: null, actor: 'system' }, new Date()),
    )
    expect((await getOrder(t.store.db, drop))?.timebound_grant_id).toBe(id)
    const ended = await timeboundIn(t.store, id, ['revoked'])
    expect(ended).toMatchObject({ ended_by: 'revoke_order', revoke_order_id: drop })
    expect(await oneLoginRolesOf(api, user)).not.toContain(role.id)
    expect(await queued(EXPIRE_JOB)).toEqual([])
  })

  it('refuses orders it cannot carry out', async () => {
    const bad = (o: Partial<Parameters<typeof orderGrant>[1]>) =>
      t.store.transaction((trx) =>
        orderGrant(trx, { integration_id: integration.id, entitlement_id: `role:${role.id}:member`, principal_id: 'user:1', request_id: null, duration_minutes: 5, actor: 'system', ...o }, new Date()),
      )
    await expect(bad({ entitlement_id: 'role:x' })).rejects.toMatchObject({ code: 'BAD_INPUT' })
    await expect(bad({ principal_id: 'group:1' })).rejects.toMatchObject({ code: 'BAD_INPUT' })
    await expect(bad({ duration_minutes: 0 })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^duration_minutes: /) })
    await expect(bad({ integration_id: 'int_00000000000000000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(await t.store.db.selectFrom('provisioning_orders').selectAll().execute()).toEqual([])
  })
})
