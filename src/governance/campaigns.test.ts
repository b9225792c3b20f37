/**
 * Access reviews end to end (issue 9), on both databases: an emulator tenant synced for real, a
 * campaign over its roles and apps staged from the inventory, decided (certify, revoke, bulk),
 * the revocations provisioned in OneLogin by a real worker and read back with plain fetch,
 * reminders delivered to a real SMTP server, the campaign closed with its undecided items handled
 * as configured, and the evidence bundle re-verified.
 */
import { rmSync } from 'node:fs'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { OneLoginApi } from '../connector/test-support.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator, TenantSeed } from '../emulator/index.js'
import { buildEvidenceBundle, sha256Hex } from '../evidence/index.js'
import { Worker } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { createMailer } from '../mail/index.js'
import { startSmtpCatcher } from '../mail/test-support.js'
import type { SmtpCatcher } from '../mail/test-support.js'
import { createUser, createWebhook, isoTime, newId, replaceEntitlementOwners, setIntegrationOwners } from '../store/index.js'
import type { Integration, Store, User } from '../store/index.js'
import { campaignEvidence, exportCampaignCsv, verifyCampaignEvidence } from './campaign-evidence.js'
import { closeCampaign, decideItems, listCampaignItems, listMyReviewItems, previewDecision, reassignItems } from './campaign-items.js'
import { createTemplate, runCampaignTick } from './campaign-jobs.js'
import { createCampaign, duplicateCampaign, getCampaign, previewCampaign, stageCampaign, startCampaign } from './campaigns.js'
import type { CampaignInput } from './campaigns.js'
import { ephemeralIntegrationEnv } from './integration-env.js'
import type { IntegrationEnv } from './integration-env.js'
import { integrationJobs } from './integration-sync.js'
import { jitJobs } from './jit.js'
import { TEST_CLIENT_OPTIONS, emulatorIntegration, oneLoginRolesOf, orderIn, syncNow } from './jit-test-support.js'
import { notificationJobs } from './notifications.js'
import type { Actor } from './policy.js'

const DAY = 24 * 60 * 60 * 1000
const PUBLIC_URL = 'https://warden.example.com'

describeDialects('access reviews', (t) => {
  let seed: TenantSeed
  let emu: RunningEmulator
  let env: IntegrationEnv
  let api: OneLoginApi
  let smtp: SmtpCatcher
  let integration: Integration
  let worker: Worker
  let admin: User
  let rita: User
  let sam: User
  const as = (u: User): Actor => ({ id: u.id, roles: JSON.parse(JSON.stringify(u.roles)) as string[], via: 'session' })
  /** Two roles with members, as the campaign's scope. */
  let roles: number[]

  beforeEach(async () => {
    seed = generateTenant({ users: 40, roles: 6, apps: 3, groups: 2, seed: 11 })
    emu = await startEmulator({ tenant: seed })
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true, publicUrl: PUBLIC_URL })
    api = new OneLoginApi(emu)
    smtp = await startSmtpCatcher()
    integration = await emulatorIntegration(t.store, emu, env)
    const jit = jitJobs(env, { clientOptions: TEST_CLIENT_OPTIONS })
    const sync = integrationJobs(env, { clientOptions: { sleep: async () => undefined, retry: { maxAttempts: 1 } } })
    const mail = notificationJobs(createMailer({ smtpUrl: smtp.url }))
    worker = new Worker(t.store, {
      handlers: { ...jit.handlers, ...sync.handlers, ...mail.handlers },
      pollIntervalMs: 10,
      leaseMs: 5_000,
      backoff: { baseMs: 10, maxMs: 20, jitter: 0 },
      concurrency: 4,
      logger: memoryLogger().logger,
    })
    worker.start()
    await syncNow(t.store, integration.id)
    const tag = Math.random().toString(36).slice(2, 8)
    admin = await createUser(t.store.db, { email: `admin-${tag}@example.com`, display_name: 'Ada Admin', roles: ['campaign-admin'] })
    rita = await createUser(t.store.db, { email: `rita-${tag}@example.com`, display_name: 'Rita Reviewer', roles: [] })
    sam = await createUser(t.store.db, { email: `sam-${tag}@example.com`, display_name: 'Sam Fallback', roles: [] })
    roles = seed.roles
      .filter((r) => r.users.length >= 3)
      .slice(0, 2)
      .map((r) => r.id)
    if (roles.length < 2) throw new Error('the tenant needs two roles with three members')
  })

  afterEach(async () => {
    await worker.stop({ timeoutMs: 2000 })
    await emu.close()
    await smtp.close()
    rmSync(env.dataDir, { recursive: true, force: true })
  })

  const campaignInput = (extra: Partial<CampaignInput> = {}): CampaignInput => ({
    name: 'Quarterly role review',
    scope: { entitlements: roles.map((r) => ({ integration_id: integration.id, entitlement_id: `role:${r}:member` })), resource_types: ['app'] },
    reviewers: { type: 'users', user_ids: [rita.id], fallback_user_ids: [sam.id] },
    due_at: isoTime(new Date(Date.now() + 10 * DAY)),
    close_action: 'revoke',
    ...extra,
  })

  /** The inventory's user grants of the scope, counted with plain SQL. */
  const grantsInScope = async (store: Store): Promise<number> => {
    const rows = await store.db
      .selectFrom('grants as g')
      .innerJoin('resources as p', (j) => j.onRef('p.integration_id', '=', 'g.integration_id').onRef('p.id', '=', 'g.principal_id'))
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('g.integration_id', '=', integration.id)
      .where('p.type', '=', 'user')
      .where((eb) => eb.or([eb('g.entitlement_id', 'in', roles.map((r) => `role:${r}:member`)), eb('g.entitlement_id', 'like', 'app:%:access')]))
      .executeTakeFirstOrThrow()
    return Number(rows.n)
  }

  it('stages roles and apps, takes decisions, revokes in OneLogin, reminds, closes and proves it', async () => {
    // A webhook for every event: what the campaign emits shows up as its deliveries.
    await createWebhook(t.store.db, { id: newId('whk'), url: 'https://hooks.example.com/warden', event_types: ['*'], secret: 'v1:sealed', created_by: admin.id })
    const draft = await createCampaign(t.store, as(admin), campaignInput())
    expect(draft.state).toBe('draft')

    // Preview: exactly what staging makes, and nothing left behind.
    const expected = await grantsInScope(t.store)
    expect(expected).toBeGreaterThan(5)
    const preview = await previewCampaign(t.store, as(admin), draft.id)
    expect(preview.summary.items).toBe(expected)
    expect(preview.summary.reviewers).toBeGreaterThanOrEqual(1)
    expect(await t.store.db.selectFrom('campaign_items').select('item_no').where('campaign_id', '=', draft.id).execute()).toEqual([])

    const staged = await stageCampaign(t.store, as(admin), draft.id)
    expect(staged.state).toBe('staged')
    expect(staged.items_total).toBe(expected)
    expect(staged.warnings).toEqual([])
    expect(staged.progress).toMatchObject({ total: expected, undecided: expected, certified: 0, revoked: 0 })

    const active = await startCampaign(t.store, as(admin), draft.id, { publicUrl: PUBLIC_URL })
    expect(active.state).toBe('active')
    const kickoff = await smtp.waitFor(1, 10_000)
    expect(kickoff.some((m) => m.to.includes(rita.email) && m.subject.includes('Quarterly role review') && m.text.includes(`${PUBLIC_URL}/reviews?campaign=${draft.id}`))).toBe(true)

    // Rita's inbox: every item (she is the only reviewer by rule).
    const inbox = await listMyReviewItems(t.store, as(rita), {}, { limit: 500 })
    expect(inbox.items).toHaveLength(expected)
    const direct = inbox.items.filter((i) => i.entitlement_id.startsWith('role:') && i.direct)
    expect(direct.length).toBeGreaterThanOrEqual(4)
    const [certifyMe, revokeMe, bulkA, bulkB] = direct as [(typeof direct)[number], (typeof direct)[number], (typeof direct)[number], (typeof direct)[number]]

    // Sam reviews nothing here, and may not decide Rita's items.
    expect((await listMyReviewItems(t.store, as(sam), {})).items).toEqual([])
    await expect(decideItems(t.store, as(sam), draft.id, { item_nos: [certifyMe.item_no], decision: 'certify' })).rejects.toMatchObject({ code: 'FORBIDDEN' })

    const certified = await decideItems(t.store, as(rita), draft.id, { item_nos: [certifyMe.item_no], decision: 'certify' })
    expect(certified.items[0]).toMatchObject({ decision: 'certify', decided_by: { id: rita.id } })
    await expect(decideItems(t.store, as(rita), draft.id, { item_nos: [revokeMe.item_no], decision: 'revoke' })).rejects.toMatchObject({ code: 'BAD_INPUT' })
    const revoked = await decideItems(t.store, as(rita), draft.id, { item_nos: [revokeMe.item_no], decision: 'revoke', reason: 'left the team' })
    expect(revoked.items[0]?.revoke_order_id).toMatch(/^ord_/)

    // Bulk: the confirmation must match what it does; a mismatch changes nothing.
    const nos = [bulkA.item_no, bulkB.item_no, certifyMe.item_no]
    const plan = await previewDecision(t.store, as(rita), draft.id, { item_nos: nos, decision: 'revoke' })
    expect(plan).toEqual({ items: 3, changes: 3, revocations: 3, final: [] })
    await expect(decideItems(t.store, as(rita), draft.id, { item_nos: nos, decision: 'revoke', reason: 'cleanup' })).rejects.toMatchObject({ code: 'CONFLICT' })
    await expect(decideItems(t.store, as(rita), draft.id, { item_nos: nos, decision: 'revoke', reason: 'cleanup', expected_revocations: 2 })).rejects.toMatchObject({ code: 'CONFLICT' })
    expect((await listMyReviewItems(t.store, as(rita), { decision: 'revoke' })).items.map((i) => i.item_no)).toEqual([revokeMe.item_no])
    const bulk = await decideItems(t.store, as(rita), draft.id, { item_nos: nos, decision: 'revoke', reason: 'cleanup', expected_revocations: 3 })
    expect(bulk.plan.revocations).toBe(3)
    // A revoke is final.
    await expect(decideItems(t.store, as(rita), draft.id, { item_nos: [bulkA.item_no], decision: 'certify' })).rejects.toMatchObject({ code: 'CONFLICT' })

    // The revocations reach OneLogin through the provisioning path, and the items show it.
    for (const item of [revokeMe, bulkA, bulkB, certifyMe]) {
      const after = (await listCampaignItems(t.store, as(admin), draft.id, { principal_id: item.principal_id, entitlement_id: item.entitlement_id })).items[0]
      await orderIn(t.store, after?.revoke_order_id ?? 'none', ['done'])
      const roleId = Number(item.entitlement_id.split(':')[1])
      expect(await oneLoginRolesOf(api, Number(item.principal_id.slice('user:'.length)))).not.toContain(roleId)
    }
    const shown = (await listCampaignItems(t.store, as(admin), draft.id, { decision: 'revoke' })).items
    expect(shown.map((i) => i.revoke_state)).toEqual(shown.map(() => 'done'))

    // Reassign one undecided item to Sam: he sees it, Rita no longer does, and he is told.
    const undecided = (await listMyReviewItems(t.store, as(rita), { decision: 'undecided' }, { limit: 500 })).items
    const handed = undecided[0]
    if (handed === undefined) throw new Error('nothing undecided')
    await reassignItems(t.store, as(rita), draft.id, { item_nos: [handed.item_no], email: sam.email, reason: 'Sam knows this team' }, { publicUrl: PUBLIC_URL })
    expect((await listMyReviewItems(t.store, as(sam), {})).items.map((i) => i.item_no)).toEqual([handed.item_no])
    expect((await listMyReviewItems(t.store, as(rita), { decision: 'undecided' }, { limit: 500 })).items).toHaveLength(undecided.length - 1)

    // Reminders: the day before the due date, once per reviewer however often the clock ticks.
    const before = smtp.messages.length
    const dayBefore = new Date(Date.parse(active.due_at) - DAY + 60_000)
    const tick = await runCampaignTick(t.store, PUBLIC_URL, { now: dayBefore })
    expect(tick).toMatchObject({ reminded: 2, failures: [] })
    expect((await runCampaignTick(t.store, PUBLIC_URL, { now: new Date(dayBefore.getTime() + 60_000) })).reminded).toBe(0)
    const mails = await smtp.waitFor(before + 3, 10_000)
    const reminders = mails.slice(before).filter((m) => m.subject.includes('reminder:'))
    expect(reminders.map((m) => m.to[0]).sort()).toEqual([rita.email, sam.email].sort())
    expect(reminders.find((m) => m.to.includes(sam.email))?.text).toContain('1 of your item(s) are still undecided')
    // Overdue: daily.
    expect((await runCampaignTick(t.store, PUBLIC_URL, { now: new Date(Date.parse(active.due_at) + 60_000) })).reminded).toBe(2)

    // Close: every undecided item is revoked by the system through the same path.
    const left = (await getCampaign(t.store, as(admin), draft.id)).progress?.undecided ?? 0
    expect(left).toBe(expected - 4)
    const closed = await closeCampaign(t.store, as(admin), draft.id, { publicUrl: PUBLIC_URL })
    expect(closed.state).toBe('closed')
    expect(closed.progress).toMatchObject({ total: expected, certified: 0, revoked: expected, undecided: 0 })
    const bySystem = (await listCampaignItems(t.store, as(admin), draft.id, { decision: 'revoke' }, { limit: 500 })).items.filter((i) => i.decided_by?.id === 'system')
    expect(bySystem).toHaveLength(left)
    expect(bySystem.every((i) => i.close_outcome === 'revoked' && i.revoke_order_id !== null)).toBe(true)
    await expect(decideItems(t.store, as(rita), draft.id, { item_nos: [handed.item_no], decision: 'certify' })).rejects.toMatchObject({ code: 'CONFLICT' })
    // A role membership revoked at close is gone from OneLogin too.
    const closedRole = bySystem.find((i) => i.entitlement_id.startsWith('role:') && i.direct)
    if (closedRole !== undefined) {
      await orderIn(t.store, closedRole.revoke_order_id ?? 'none', ['done'])
      expect(await oneLoginRolesOf(api, Number(closedRole.principal_id.slice('user:'.length)))).not.toContain(Number(closedRole.entitlement_id.split(':')[1]))
    }

    const events = (await t.store.db.selectFrom('webhook_deliveries').select('event_type').execute()).map((d) => d.event_type).filter((e) => e.startsWith('campaign.') || e.startsWith('review.'))
    expect(events.sort()).toEqual(['campaign.closed', 'campaign.started', ...Array<string>(expected).fill('review.revoked')].sort())

    // Evidence: the CSV's hash is its bytes'; the bundle verifies, a changed one does not.
    const csv = await exportCampaignCsv(t.store, as(admin), draft.id)
    expect(csv.sha256).toBe(sha256Hex(csv.text))
    expect(csv.text.trimEnd().split('\n')).toHaveLength(expected + 1)
    const evidence = await campaignEvidence(t.store, as(admin), draft.id)
    const check = await verifyCampaignEvidence(t.store, as(admin), evidence.bundle)
    expect(check).toMatchObject({ ok: true, problems: [], manifest_sha256: evidence.manifest_sha256 })
    expect(check.recorded?.campaign_id).toBe(draft.id)
    const damaged = Buffer.from(evidence.bundle)
    const middle = Math.floor(damaged.length / 2)
    damaged[middle] = (damaged[middle] ?? 0) ^ 0xff
    expect((await verifyCampaignEvidence(t.store, as(admin), damaged)).ok).toBe(false)
    const forged = buildEvidenceBundle({ subject: { campaign_id: draft.id }, files: [{ name: 'items.csv', content: csv.text }], generatedAt: new Date() })
    const unknown = await verifyCampaignEvidence(t.store, as(admin), forged.bundle)
    expect(unknown.ok).toBe(false)
    expect(unknown.problems.join(' ')).toContain('no record')

    // Next quarter: the same review again, as a new draft (once the close's revocations are done, so the inventory holds still).
    await waitFor(async () => ((await t.store.db.selectFrom('provisioning_orders').select('id').where('state', 'in', ['queued', 'running']).execute()).length === 0 ? true : undefined), 60_000, 'the revocations')
    const again = await duplicateCampaign(t.store, as(admin), draft.id, { due_at: isoTime(new Date(Date.now() + 90 * DAY)) })
    expect(again).toMatchObject({ state: 'draft', name: 'Quarterly role review (copy)', scope: closed.scope, reviewers: closed.reviewers, close_action: 'revoke' })
    expect((await previewCampaign(t.store, as(admin), again.id)).summary.items).toBe(await grantsInScope(t.store))
  }, 120_000)

  it('routes items to managers, never to the holder, and suggests revoking for suspended and inactive people', async () => {
    // A OneLogin manager who is a Warden user reviews their reports' access.
    const reports = seed.users.filter((u) => u.manager_user_id !== null && u.email !== null)
    const managerId = reports[0]?.manager_user_id
    const manager = seed.users.find((u) => u.id === managerId)
    if (manager?.email == null) throw new Error('the tenant has no manager with an email')
    const mgr = await createUser(t.store.db, { email: manager.email.toLowerCase(), display_name: 'Manny Manager', roles: [] })
    const draft = await createCampaign(t.store, as(admin), { ...campaignInput({ close_action: 'leave' }), scope: { resource_types: ['role', 'app'] }, reviewers: { type: 'manager', fallback_user_ids: [sam.id] } })
    await stageCampaign(t.store, as(admin), draft.id)
    const all = (await listCampaignItems(t.store, as(admin), draft.id, {}, { limit: 500 })).items
    expect(all.length).toBeGreaterThan(0)
    for (const item of all) {
      const holder = seed.users.find((u) => `user:${u.id}` === item.principal_id)
      const expectedReviewer = holder?.manager_user_id === manager.id && holder.email?.toLowerCase() !== mgr.email ? mgr.id : sam.id
      expect(item.reviewers.map((r) => r.id)).toEqual([expectedReviewer])
    }
    expect(all.some((i) => i.reviewers[0]?.id === mgr.id)).toBe(true)

    // The manager's own access goes to the fallback, not to them.
    const own = all.filter((i) => i.principal_id === `user:${manager.id}`)
    expect(own.every((i) => i.reviewers.every((r) => r.id !== mgr.id))).toBe(true)

    // Suggestions follow status and last sign-in at staging.
    const cutoff = Date.now() - 90 * DAY
    for (const item of all) {
      const holder = seed.users.find((u) => `user:${u.id}` === item.principal_id)
      if (holder === undefined) throw new Error(`no seed user for ${item.principal_id}`)
      const seen = holder.last_login ?? holder.created_at
      const wanted = item.principal_status === 'suspended' || item.principal_status === 'locked' ? 'suspended' : Date.parse(seen) < cutoff ? 'inactive' : null
      expect([item.principal_id, item.suggestion]).toEqual([item.principal_id, wanted])
    }
  }, 60_000)

  it("lets a campaign's owner decide any item but their own", async () => {
    const holder = seed.users.find((u) => u.email !== null && seed.roles.some((r) => roles.includes(r.id) && r.users.includes(u.id)))
    if (holder?.email == null) throw new Error('no role member with an email')
    const owner = await createUser(t.store.db, { email: holder.email.toLowerCase(), display_name: 'Owen Owner', roles: ['campaign-admin'] })
    const c = await createCampaign(t.store, as(owner), { ...campaignInput(), scope: { entitlements: roles.map((r) => ({ integration_id: integration.id, entitlement_id: `role:${r}:member` })) } })
    await stageCampaign(t.store, as(owner), c.id)
    await startCampaign(t.store, as(owner), c.id, { publicUrl: PUBLIC_URL })
    const items = (await listCampaignItems(t.store, as(admin), c.id, {}, { limit: 500 })).items
    const own = items.find((i) => i.principal_id === `user:${holder.id}`)
    const other = items.find((i) => i.principal_id !== `user:${holder.id}`)
    if (own === undefined || other === undefined) throw new Error('expected items of the owner and of others')
    // Rita reviews every item; the owner may step in, except on their own access.
    expect(own.reviewers.map((r) => r.id)).toEqual([rita.id])
    await expect(decideItems(t.store, as(owner), c.id, { item_nos: [own.item_no], decision: 'certify' })).rejects.toMatchObject({ code: 'FORBIDDEN' })
    expect((await decideItems(t.store, as(owner), c.id, { item_nos: [other.item_no], decision: 'certify' })).items[0]?.decision).toBe('certify')
    // Another Campaign Administrator may not.
    await expect(decideItems(t.store, as(admin), c.id, { item_nos: [other.item_no], decision: 'revoke', reason: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' })
  }, 60_000)

  it('routes items to app owners and entitlement owners', async () => {
    // A discovered (SCIM) app: its access entitlement's owner owns the app; the integration's owner owns everything else.
    const scim = await t.store.db.selectFrom('apps').select(['id', 'source_resource_id']).where('source_integration_id', '=', integration.id).orderBy('id').executeTakeFirst()
    if (scim?.source_resource_id == null) throw new Error('the tenant has no provisioned app')
    const access = `${scim.source_resource_id}:access`
    await replaceEntitlementOwners(t.store.db, integration.id, access, [rita.id])
    await setIntegrationOwners(t.store.db, integration.id, [sam.id])
    const byApp = await createCampaign(t.store, as(admin), { ...campaignInput(), reviewers: { type: 'app_owners' } })
    await stageCampaign(t.store, as(admin), byApp.id)
    const items = (await listCampaignItems(t.store, as(admin), byApp.id, {}, { limit: 500 })).items
    const ofScim = items.filter((i) => i.entitlement_id === access)
    expect(ofScim.length).toBeGreaterThan(0)
    const discovered = new Set(
      (await t.store.db.selectFrom('apps').select('source_resource_id').where('source_integration_id', '=', integration.id).execute()).map((a) => `${a.source_resource_id}:access`),
    )
    for (const i of items) {
      // The discovered app: its owner; other discovered apps have none (the campaign's owner, as fallback);
      // everything else belongs to the integration's app, whose owner is Sam.
      const wanted = i.entitlement_id === access ? rita.id : discovered.has(i.entitlement_id) ? admin.id : sam.id
      expect([i.entitlement_id, i.reviewers.map((r) => r.id)]).toEqual([i.entitlement_id, [wanted]])
    }

    // Entitlement owners: only where one is named; the rest falls back to the campaign's owner.
    await replaceEntitlementOwners(t.store.db, integration.id, `role:${roles[0]}:member`, [sam.id])
    const byEntitlement = await createCampaign(t.store, as(admin), { ...campaignInput(), reviewers: { type: 'entitlement_owners' } })
    await stageCampaign(t.store, as(admin), byEntitlement.id)
    for (const i of (await listCampaignItems(t.store, as(admin), byEntitlement.id, {}, { limit: 500 })).items) {
      const wanted = i.entitlement_id === `role:${roles[0]}:member` ? sam.id : i.entitlement_id === access ? rita.id : admin.id
      expect([i.entitlement_id, i.reviewers.map((r) => r.id)]).toEqual([i.entitlement_id, [wanted]])
    }
  }, 60_000)

  it('narrows by filters, warns about a stale sync, and runs templates and auto-close on the clock', async () => {
    const direct = await createCampaign(t.store, as(admin), { ...campaignInput(), filters: { assignment: 'direct' } })
    const all = await createCampaign(t.store, as(admin), campaignInput())
    const [d, a] = [await previewCampaign(t.store, as(admin), direct.id), await previewCampaign(t.store, as(admin), all.id)]
    const directGrants = await t.store.db
      .selectFrom('grants as g')
      .innerJoin('resources as p', (j) => j.onRef('p.integration_id', '=', 'g.integration_id').onRef('p.id', '=', 'g.principal_id'))
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('p.type', '=', 'user')
      .where('g.direct', '=', 1)
      .where((eb) => eb.or([eb('g.entitlement_id', 'in', roles.map((r) => `role:${r}:member`)), eb('g.entitlement_id', 'like', 'app:%:access')]))
      .executeTakeFirstOrThrow()
    expect(d.summary.items).toBe(Number(directGrants.n))
    expect(d.summary.items).toBeLessThan(a.summary.items)
    // Added since tomorrow: nothing yet.
    const none = await createCampaign(t.store, as(admin), { ...campaignInput(), filters: { added_since: isoTime(new Date(Date.now() + DAY)) } })
    expect((await previewCampaign(t.store, as(admin), none.id)).summary.items).toBe(0)

    // A sync three days old makes staging warn.
    await t.store.db.updateTable('integrations').set({ last_sync_at: isoTime(new Date(Date.now() - 3 * DAY)) }).where('id', '=', integration.id).execute()
    const stale = await stageCampaign(t.store, as(admin), all.id)
    expect(stale.warnings.join(' ')).toContain('more than 2 days ago')

    // A template due now creates and starts its campaign; auto-close later leaves what is undecided.
    const template = await createTemplate(t.store, as(admin), {
      name: 'Monthly apps',
      campaign: { ...campaignInput({ close_action: 'leave', auto_close: true }), due_at: undefined } as unknown as Omit<CampaignInput, 'due_at'>,
      every_count: 1,
      every_unit: 'month',
      duration_days: 14,
      auto_start: true,
    })
    const now = new Date()
    const tick = await runCampaignTick(t.store, PUBLIC_URL, { now })
    expect(tick).toMatchObject({ created: 1, failures: [] })
    const made = await t.store.db.selectFrom('campaigns').selectAll().where('template_id', '=', template.id).execute()
    expect(made).toHaveLength(1)
    expect(made[0]).toMatchObject({ state: 'active', name: `Monthly apps ${isoTime(now).slice(0, 10)}` })
    const next = await t.store.db.selectFrom('campaign_templates').select('next_run_at').where('id', '=', template.id).executeTakeFirstOrThrow()
    expect(Date.parse(next.next_run_at)).toBeGreaterThan(now.getTime() + 27 * DAY)
    // Nothing more this month.
    expect((await runCampaignTick(t.store, PUBLIC_URL, { now: new Date(now.getTime() + 60_000) })).created).toBe(0)

    const id = made[0]?.id ?? ''
    const later = new Date(Date.parse(made[0]?.due_at ?? '') + 60_000)
    expect((await runCampaignTick(t.store, PUBLIC_URL, { now: later })).closed).toBe(1)
    const closed = await getCampaign(t.store, as(admin), id)
    expect(closed).toMatchObject({ state: 'closed', closed_by: 'system' })
    expect(closed.progress).toMatchObject({ left: closed.items_total, revoked: 0 })
    expect(await t.store.db.selectFrom('provisioning_orders').select('id').where('actor', '=', 'system').execute()).toEqual([])
    await waitFor(async () => (smtp.messages.some((m) => m.subject.includes('closed')) ? true : undefined), 10_000, 'the close notice')
  }, 60_000)
})
