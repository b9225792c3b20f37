/**
 * Access requests and the approval engine on both databases, over the Acme demo tenant as the real
 * connector syncs it (src/emulator/demo-tenant.ts): Olivia (Sales, reports to James, who reports
 * to Maria) asks for things; owners, managers and administrators decide. Provisioning itself is
 * governance/jit.ts's: here it is checked through the order each approval places.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { demoTenant } from '../emulator/index.js'
import { WardenError } from '../errors/index.js'
import { listJobs } from '../jobs/index.js'
import { createWebhook, listAudit, newId, queryWebhookDeliveries, replaceDirectAppOwners, replaceEntitlementOwners, setIntegrationOwners } from '../store/index.js'
import type { Store } from '../store/index.js'
import { decideTask, escalateDueTasks, listTasks, reassignTask } from './approvals.js'
import { snapshotOf } from './inventory-test-support.js'
import { ordersOfRequests } from './jit.js'
import { EMAIL_JOB } from './notifications.js'
import { BUILTIN_POLICY_IDS, createPolicy, deletePolicy, updatePolicy } from './policies.js'
import type { PolicyStepInput } from './policies.js'
import { updateAppRequestSettings, updateEntitlementRequestSettings } from './request-settings.js'
import { ACME, EMAILS, ROLES, acmeFixture, actorOf, makeRequestable } from './requests-test-support.js'
import type { AcmeFixture } from './requests-test-support.js'
import {
  cancelAccessRequest,
  createAccessRequest,
  dropAccess,
  extendAccessRequest,
  getAccessRequest,
  listAccessRequests,
  listCatalog,
} from './requests.js'
import { createSodRule } from './sod.js'

const dir = mkdtempSync(join(tmpdir(), 'warden-requests-'))
const acme = join(dir, 'acme.db')
beforeAll(async () => {
  await snapshotOf(demoTenant(), acme)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const HOUR = 3_600_000

/** The emails queued so far, as "to: subject". */
async function mails(store: Store): Promise<string[]> {
  const jobs = await listJobs(store.db, { kind: EMAIL_JOB }, { limit: 500 })
  return jobs.items.map((j) => {
    const p = j.payload as { to: string; subject: string }
    return `${p.to}: ${p.subject}`
  })
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p
  } catch (e) {
    if (e instanceof WardenError) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error('expected a refusal')
}

const step = (s: Partial<PolicyStepInput> & Pick<PolicyStepInput, 'approvers'>): PolicyStepInput => s

describeDialects('access requests', (t) => {
  let f: AcmeFixture
  const as = (who: keyof AcmeFixture['users']) => actorOf(f.users[who])

  /** A grant policy, set as the AWS admins role's own policy. */
  const awsPolicy = async (steps: PolicyStepInput[], extra: { require_distinct_approvers?: boolean } = {}): Promise<string> => {
    const policy = await createPolicy(t.store, as('admin'), { name: `AWS ${Math.random()}`, kind: 'grant', steps, ...extra })
    await updateEntitlementRequestSettings(t.store, as('admin'), f.integrationId, ROLES.awsAdmins, { grant_policy_id: policy.id })
    return policy.id
  }

  const askAws = (who: keyof AcmeFixture['users'] = 'olivia', extra: { duration_minutes?: number; now?: Date; emergency?: boolean } = {}) =>
    createAccessRequest(
      t.store,
      as(who),
      { entitlement_id: ROLES.awsAdmins, duration_minutes: extra.duration_minutes ?? 60, reason: 'on call for the payments incident', ...(extra.emergency === undefined ? {} : { emergency: extra.emergency }) },
      extra.now === undefined ? {} : { now: extra.now },
    )

  const openTaskOf = async (who: keyof AcmeFixture['users'], requestId: string): Promise<string> => {
    const tasks = await listTasks(t.store, as(who))
    const task = tasks.items.find((x) => x.request.id === requestId)
    if (task === undefined) throw new Error(`${who} has no task for ${requestId}`)
    return task.id
  }

  const setup = async (roles: Parameters<typeof acmeFixture>[2] = {}) => {
    f = await acmeFixture(t.store, acme, roles)
    await makeRequestable(t.store, f.integrationId, ROLES.awsAdmins, 480)
  }

  it("goes to the entitlement's owners; the last approval places the provisioning order in the same transaction", async () => {
    await setup()
    await replaceEntitlementOwners(t.store.db, f.integrationId, ROLES.awsAdmins, [f.users.tom.id])
    const created = await askAws()
    expect(created).toMatchObject({
      kind: 'grant',
      state: 'pending',
      integration_id: f.integrationId,
      entitlement_id: ROLES.awsAdmins,
      entitlement_name: 'AWS Production Admins member',
      app_id: f.appId,
      principal_id: `user:${ACME.olivia}`,
      principal_name: 'olivia.brown',
      identity: { email: EMAILS.olivia, display_name: 'Olivia Brown' },
      requester_id: f.users.olivia.id,
      duration_minutes: 60,
      emergency: false,
      policy_id: BUILTIN_POLICY_IDS.grant,
      conflicts: [],
      order_id: null,
      expires_at: null,
    })
    expect(created.steps).toEqual([
      {
        index: 0,
        state: 'open',
        origin: 'policy',
        approvers: [{ id: f.users.tom.id, email: EMAILS.tom, display_name: 'tom.becker' }],
        decided_by: null,
        decided_by_user: null,
        reason: null,
        due_at: null,
        require_reason: false,
      },
    ])
    expect(await mails(t.store)).toEqual([`${EMAILS.tom}: Approval needed: AWS Production Admins member for Olivia Brown <${EMAILS.olivia}>`])

    // Tom's inbox has it, with what an approver needs to see; Olivia's has nothing.
    const inbox = await listTasks(t.store, as('tom'))
    expect(inbox.items).toHaveLength(1)
    expect(inbox.items[0]).toMatchObject({
      state: 'open',
      step_index: 0,
      assignees: [{ email: EMAILS.tom }],
      request: { id: created.id, identity_name: 'Olivia Brown', identity_email: EMAILS.olivia, reason: 'on call for the payments incident', duration_minutes: 60, emergency: false, conflicts: [] },
    })
    expect((await listTasks(t.store, as('olivia'))).items).toEqual([])

    const decided = await decideTask(t.store, as('tom'), inbox.items[0]!.id, 'approve', 'ok for the incident')
    expect(decided).toMatchObject({ state: 'approved', decided_by: f.users.tom.id, reason: 'ok for the incident', request: { state: 'provisioning' } })

    const after = await getAccessRequest(t.store, as('olivia'), created.id)
    expect(after.state).toBe('provisioning')
    expect(after.steps[0]).toMatchObject({ state: 'approved', decided_by: f.users.tom.id, decided_by_user: { email: EMAILS.tom }, reason: 'ok for the incident' })
    // The order exists, for this request, with its job queued.
    const orders = (await ordersOfRequests(t.store.db, [created.id])).get(created.id) ?? []
    expect(orders.map((o) => [o.id, o.kind, o.state])).toEqual([[after.order_id, 'grant', 'queued']])
    const provision = await listJobs(t.store.db, { kind: 'access.provision' })
    expect(provision.items.map((j) => j.payload)).toEqual([{ order_id: after.order_id }])
    expect(after.events.map((e) => e.type)).toEqual(['created', 'step.opened', 'step.approved', 'approved', 'provisioning', 'provisioning.queued'])
    expect(await mails(t.store)).toContain(`${EMAILS.olivia}: Access request approved: AWS Production Admins member`)

    const audit = await listAudit(t.store.db, { target_id: created.id })
    expect(audit.items.map((a) => [a.action, a.actor]).sort()).toEqual([
      ['request.create', f.users.olivia.id],
      ['request.task.approve', f.users.tom.id],
    ])
    // Decided is decided.
    expect(await refusal(decideTask(t.store, as('tom'), inbox.items[0]!.id, 'deny'))).toMatchObject({ code: 'CONFLICT' })
  })

  it('a denial ends the request and tells the requester; nobody may decide it afterwards', async () => {
    await setup()
    await replaceEntitlementOwners(t.store.db, f.integrationId, ROLES.awsAdmins, [f.users.tom.id])
    const created = await askAws()
    const task = await openTaskOf('tom', created.id)
    await decideTask(t.store, as('tom'), task, 'deny', 'use the read-only role')
    const after = await getAccessRequest(t.store, as('olivia'), created.id)
    expect(after).toMatchObject({ state: 'denied', order_id: null })
    expect(after.steps[0]).toMatchObject({ state: 'denied', reason: 'use the read-only role' })
    expect(after.events.map((e) => e.type)).toEqual(['created', 'step.opened', 'step.denied', 'denied'])
    expect(await mails(t.store)).toContain(`${EMAILS.olivia}: Access request denied: AWS Production Admins member`)
    expect((await ordersOfRequests(t.store.db, [created.id])).get(created.id)).toBeUndefined()
    expect(await refusal(decideTask(t.store, as('tom'), task, 'approve'))).toMatchObject({ code: 'CONFLICT' })
    // Olivia may ask again once it is denied.
    expect((await askAws()).state).toBe('pending')
  })

  it('self-approval is refused unless the step allows it', async () => {
    // Olivia is an Access Request Administrator: she may decide anyone's task, but not her own request.
    await setup({ olivia: ['access-request-admin'] })
    await awsPolicy([step({ approvers: [{ type: 'users', user_ids: [f.users.olivia.id, f.users.tom.id] }] })])
    const created = await askAws()
    // She is not even asked.
    expect(created.steps[0]!.approvers.map((a) => a.email)).toEqual([EMAILS.tom])
    const task = await openTaskOf('tom', created.id)
    expect(await refusal(decideTask(t.store, as('olivia'), task, 'approve'))).toEqual({
      code: 'FORBIDDEN',
      message: `you cannot approve request ${created.id}: it is yours (you asked for it, or it is for you), and its policy does not allow self-approval`,
    })
    // Nor may it be handed to her.
    expect(await refusal(reassignTask(t.store, as('tom'), task, f.users.olivia.id))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^user_id: /) })
    // Requesting for her does not get round it: she is the person it is for.
    await cancelAccessRequest(t.store, as('olivia'), created.id)
    const forHer = await createAccessRequest(t.store, as('admin'), { entitlement_id: ROLES.awsAdmins, for: EMAILS.olivia, duration_minutes: 30, reason: 'on call' })
    expect(await refusal(decideTask(t.store, as('olivia'), await openTaskOf('tom', forHer.id), 'approve'))).toMatchObject({ code: 'FORBIDDEN' })

    // Allowed: she is asked, and her approval counts.
    await cancelAccessRequest(t.store, as('admin'), forHer.id)
    await awsPolicy([step({ approvers: [{ type: 'users', user_ids: [f.users.olivia.id] }], allow_self_approval: true })])
    const mine = await askAws()
    expect(mine.steps[0]!.approvers.map((a) => a.email)).toEqual([EMAILS.olivia])
    await decideTask(t.store, as('olivia'), await openTaskOf('olivia', mine.id), 'approve')
    expect((await getAccessRequest(t.store, as('olivia'), mine.id)).state).toBe('provisioning')
  })

  it("a manager step goes to the Warden user of the person's OneLogin manager; a manager's manager for the next", async () => {
    await setup()
    await awsPolicy([step({ approvers: [{ type: 'manager' }] })])
    const created = await askAws()
    expect(created.steps[0]!.approvers.map((a) => a.email)).toEqual([EMAILS.james])
    await decideTask(t.store, as('james'), await openTaskOf('james', created.id), 'approve')
    expect((await getAccessRequest(t.store, as('olivia'), created.id)).state).toBe('provisioning')

    // For James, it is Maria (his manager in OneLogin).
    const forJames = await createAccessRequest(t.store, as('admin'), { entitlement_id: ROLES.awsAdmins, for: EMAILS.james, duration_minutes: 60, reason: 'audit' })
    expect(forJames.steps[0]!.approvers.map((a) => a.email)).toEqual([EMAILS.maria])
    // A manager without a Warden account, or a person without a manager: the step's fallback.
    await awsPolicy([step({ approvers: [{ type: 'manager' }], fallback: [{ type: 'users', user_ids: [f.users.priya.id] }] })])
    const forOliver = await createAccessRequest(t.store, as('admin'), { entitlement_id: ROLES.awsAdmins, for: EMAILS.oliver, duration_minutes: 60, reason: 'contract work' })
    expect(forOliver.steps[0]!.approvers.map((a) => a.email)).toEqual([EMAILS.priya])
  })

  it('falls back when a step resolves to nobody: its fallbacks in order, then the Access Request Administrators', async () => {
    await setup()
    // The default policy: no entitlement owners, no app owners, so the integration's owners.
    await setIntegrationOwners(t.store.db, f.integrationId, [f.users.maria.id])
    const byDefault = await askAws()
    expect(byDefault.steps[0]!.approvers.map((a) => a.email)).toEqual([EMAILS.maria])
    expect(byDefault.events.find((e) => e.type === 'step.opened')?.message).toContain('the fallback (integration owners)')
    await cancelAccessRequest(t.store, as('olivia'), byDefault.id)

    // App owners: the owners of a discovered app's access; the first fallback that finds someone wins.
    await awsPolicy([step({ approvers: [{ type: 'entitlement_owners' }], fallback: [{ type: 'app_owners' }, { type: 'users', user_ids: [f.users.priya.id] }, { type: 'integration_owners' }] })])
    const named = await askAws()
    expect(named.steps[0]!.approvers.map((a) => a.email)).toEqual([EMAILS.priya])
    await cancelAccessRequest(t.store, as('olivia'), named.id)

    // Nobody at all (Tom is disabled): the Access Request Administrators, so nothing is stuck.
    await awsPolicy([step({ approvers: [{ type: 'entitlement_owners' }], fallback: [{ type: 'users', user_ids: [f.users.tom.id] }] })])
    await t.store.db.updateTable('users').set({ disabled: 1 }).where('id', '=', f.users.tom.id).execute()
    const stuck = await askAws()
    expect(stuck.steps[0]!.approvers.map((a) => a.id)).toEqual([f.users.admin.id])
    await decideTask(t.store, as('admin'), await openTaskOf('admin', stuck.id), 'approve')
    expect((await getAccessRequest(t.store, as('olivia'), stuck.id)).state).toBe('provisioning')
  })

  it('app owners are the owners of the app the entitlement belongs to', async () => {
    await setup()
    // Slack (app 1204101) is a SCIM app: discovered as a Warden app; its access has an owner.
    const slack = 'app:1204101:access'
    await makeRequestable(t.store, f.integrationId, slack)
    await replaceEntitlementOwners(t.store.db, f.integrationId, slack, [f.users.priya.id])
    const policy = await createPolicy(t.store, as('admin'), { name: 'App owners', kind: 'grant', steps: [step({ approvers: [{ type: 'app_owners' }] })] })
    await updateEntitlementRequestSettings(t.store, as('admin'), f.integrationId, slack, { grant_policy_id: policy.id })
    // Every employee has Slack (through Employees): as if Olivia did not.
    await t.store.db.deleteFrom('grants').where('integration_id', '=', f.integrationId).where('entitlement_id', '=', slack).where('principal_id', '=', `user:${ACME.olivia}`).execute()
    const created = await createAccessRequest(t.store, as('olivia'), { entitlement_id: slack, reason: 'team chat' })
    const slackApp = await t.store.db.selectFrom('apps').select('id').where('source_resource_id', '=', 'app:1204101').executeTakeFirstOrThrow()
    expect(created.app_id).toBe(slackApp.id)
    expect(created.steps[0]!.approvers.map((a) => a.email)).toEqual([EMAILS.priya])
    await cancelAccessRequest(t.store, as('olivia'), created.id)

    // The app's own (direct) owners are app owners too.
    await replaceDirectAppOwners(t.store.db, slackApp.id, [f.users.james.id], new Date().toISOString())
    const again = await createAccessRequest(t.store, as('olivia'), { entitlement_id: slack, reason: 'team chat' })
    expect(again.steps[0]!.approvers.map((a) => a.email).sort()).toEqual([EMAILS.james, EMAILS.priya].sort())
  })

  it('distinct approvers: who approved one step may not approve the next', async () => {
    await setup({ tom: ['access-request-admin'] })
    const both = [f.users.tom.id, f.users.james.id]
    await awsPolicy(
      [step({ approvers: [{ type: 'users', user_ids: both }] }), step({ approvers: [{ type: 'users', user_ids: both }] })],
      { require_distinct_approvers: true },
    )
    const created = await askAws()
    expect(created.steps.map((s) => s.state)).toEqual(['open', 'waiting'])
    await decideTask(t.store, as('tom'), await openTaskOf('tom', created.id), 'approve')
    const second = await getAccessRequest(t.store, as('olivia'), created.id)
    expect(second.steps.map((s) => s.state)).toEqual(['approved', 'open'])
    // Step 2 asks James only; Tom, an administrator, may decide any task, but not this one.
    expect(second.steps[1]!.approvers.map((a) => a.email)).toEqual([EMAILS.james])
    const task = await openTaskOf('james', created.id)
    expect(await refusal(decideTask(t.store, as('tom'), task, 'approve'))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('a different approver for each step') })
    await decideTask(t.store, as('james'), task, 'approve')
    expect((await getAccessRequest(t.store, as('olivia'), created.id)).state).toBe('provisioning')
  })

  it('reasons: required to ask, and to decide where the step says so', async () => {
    await setup()
    expect(await refusal(createAccessRequest(t.store, as('olivia'), { entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: '  ' }))).toEqual({
      code: 'BAD_INPUT',
      message: 'reason: say why the access is needed',
    })
    await awsPolicy([step({ approvers: [{ type: 'users', user_ids: [f.users.tom.id] }], require_reason: true })])
    const created = await askAws()
    expect(created.steps[0]!.require_reason).toBe(true)
    const task = await openTaskOf('tom', created.id)
    for (const decision of ['approve', 'deny'] as const) {
      expect(await refusal(decideTask(t.store, as('tom'), task, decision))).toEqual({ code: 'BAD_INPUT', message: `reason: this step needs a reason to ${decision}` })
    }
    expect(await refusal(reassignTask(t.store, as('tom'), task, f.users.priya.id))).toMatchObject({ code: 'BAD_INPUT', message: 'reason: this step needs a reason to reassign' })
    expect((await decideTask(t.store, as('tom'), task, 'approve', 'checked the ticket')).reason).toBe('checked the ticket')
  })

  it('reassign: the task passes to someone else, who decides; the first assignee no longer can', async () => {
    await setup()
    await replaceEntitlementOwners(t.store.db, f.integrationId, ROLES.awsAdmins, [f.users.tom.id])
    const created = await askAws()
    const first = await openTaskOf('tom', created.id)
    const handed = await reassignTask(t.store, as('tom'), first, f.users.priya.id, 'Priya owns this budget')
    expect(handed).toMatchObject({ state: 'open', step_index: 0, assignees: [{ email: EMAILS.priya }] })
    expect(handed.id).not.toBe(first)
    expect(await mails(t.store)).toContain(`${EMAILS.priya}: Approval needed: AWS Production Admins member for Olivia Brown <${EMAILS.olivia}>`)
    expect((await listTasks(t.store, as('tom'))).items).toEqual([])
    expect((await listTasks(t.store, as('tom'), { state: 'done' })).items.map((x) => [x.id, x.state, x.reason])).toEqual([[first, 'reassigned', 'Priya owns this budget']])
    expect(await refusal(decideTask(t.store, as('tom'), first, 'approve'))).toMatchObject({ code: 'CONFLICT' })
    // Tom is no assignee of the new task and no administrator.
    expect(await refusal(decideTask(t.store, as('tom'), handed.id, 'approve'))).toMatchObject({ code: 'NOT_FOUND' })
    // Someone who is not a Warden user cannot be given it.
    expect(await refusal(reassignTask(t.store, as('priya'), handed.id, 'usr_00000000000000000000000000'))).toMatchObject({ code: 'BAD_INPUT' })
    await decideTask(t.store, as('priya'), handed.id, 'approve')
    const after = await getAccessRequest(t.store, as('olivia'), created.id)
    expect(after.state).toBe('provisioning')
    expect(after.steps[0]).toMatchObject({ state: 'approved', approvers: [{ email: EMAILS.priya }], decided_by: f.users.priya.id })
    expect(after.events.map((e) => e.type)).toEqual(['created', 'step.opened', 'step.reassigned', 'step.approved', 'approved', 'provisioning', 'provisioning.queued'])
    // Tom may still read the request he was once asked about.
    expect((await getAccessRequest(t.store, as('tom'), created.id)).id).toBe(created.id)
  })

  it('escalation: past the deadline the escalation approvers join the task, once', async () => {
    await setup()
    await awsPolicy([step({ approvers: [{ type: 'users', user_ids: [f.users.tom.id] }], escalate_after_hours: 2, escalate_to: [f.users.maria.id] })])
    const t0 = new Date('2030-01-01T09:00:00.000Z')
    const created = await askAws('olivia', { now: t0 })
    expect(created.steps[0]!.due_at).toBe('2030-01-01T11:00:00.000Z')
    expect(await escalateDueTasks(t.store, { now: new Date(t0.getTime() + HOUR) })).toBe(0)
    expect(await escalateDueTasks(t.store, { now: new Date(t0.getTime() + 2 * HOUR + 1) })).toBe(1)
    expect(await escalateDueTasks(t.store, { now: new Date(t0.getTime() + 5 * HOUR) })).toBe(0)
    const after = await getAccessRequest(t.store, as('olivia'), created.id)
    expect(after.steps[0]!.approvers.map((a) => a.email).sort()).toEqual([EMAILS.maria, EMAILS.tom])
    expect(after.events.at(-1)).toMatchObject({ actor: 'system', type: 'step.escalated', message: `Step 1 was not decided by 2030-01-01T11:00:00.000Z: escalated to ${EMAILS.maria}` })
    expect(await mails(t.store)).toContain(`${EMAILS.maria}: Approval needed: AWS Production Admins member for Olivia Brown <${EMAILS.olivia}>`)
    expect((await listAudit(t.store.db, { action: 'request.task.escalate' })).items.map((a) => a.actor)).toEqual(['system'])
    // Maria may now decide.
    await decideTask(t.store, as('maria'), await openTaskOf('maria', created.id), 'approve')
    expect((await getAccessRequest(t.store, as('olivia'), created.id)).state).toBe('provisioning')
  })

  it('emergency requests follow the emergency policy: the integration owners, escalating to the administrators after an hour', async () => {
    await setup()
    await setIntegrationOwners(t.store.db, f.integrationId, [f.users.tom.id])
    await replaceEntitlementOwners(t.store.db, f.integrationId, ROLES.awsAdmins, [f.users.priya.id])
    const t0 = new Date('2030-01-01T09:00:00.000Z')
    const created = await askAws('olivia', { emergency: true, now: t0 })
    expect(created).toMatchObject({ emergency: true, policy_id: BUILTIN_POLICY_IDS.emergency })
    expect(created.steps[0]).toMatchObject({ approvers: [{ email: EMAILS.tom }], due_at: '2030-01-01T10:00:00.000Z' })
    expect(await mails(t.store)).toEqual([`${EMAILS.tom}: Approval needed: AWS Production Admins member for Olivia Brown <${EMAILS.olivia}>`])
    expect(await escalateDueTasks(t.store, { now: new Date(t0.getTime() + HOUR) })).toBe(1)
    const after = await getAccessRequest(t.store, as('olivia'), created.id)
    expect(after.steps[0]!.approvers.map((a) => a.id).sort()).toEqual([f.users.admin.id, f.users.tom.id].sort())
    await decideTask(t.store, as('admin'), await openTaskOf('admin', created.id), 'approve')
    expect((await getAccessRequest(t.store, as('olivia'), created.id)).state).toBe('provisioning')
  })

  it('auto-approve: holders of a given entitlement need no steps', async () => {
    await setup()
    const policy = await awsPolicy([step({ approvers: [{ type: 'users', user_ids: [f.users.tom.id] }] })])
    await updatePolicy(t.store, as('admin'), policy, { auto_approve: [{ type: 'holds', entitlements: [{ integration_id: null, entitlement_id: ROLES.engineering }] }] })
    // Olivia is not an engineer: Tom decides.
    const olivia = await askAws()
    expect(olivia.state).toBe('pending')
    // Liam is: approved at once, and the order placed.
    const liam = await askAws('liam')
    expect(liam.state).toBe('provisioning')
    expect(liam.steps).toEqual([])
    expect(liam.events.map((e) => e.type)).toEqual(['created', 'auto_approved', 'approved', 'provisioning', 'provisioning.queued'])
    expect(liam.events[1]!.message).toBe(`Auto-approved: Liam Walsh holds ${ROLES.engineering}, which the policy "${(await t.store.db.selectFrom('policies').select('name').where('id', '=', policy).executeTakeFirstOrThrow()).name}" approves without steps`)
    expect(liam.order_id).not.toBeNull()
  })

  it('durations: required where a maximum exists, refused above it', async () => {
    await setup()
    expect(await refusal(createAccessRequest(t.store, as('olivia'), { entitlement_id: ROLES.awsAdmins, reason: 'incident' }))).toEqual({
      code: 'BAD_INPUT',
      message: `duration_minutes: required for ${ROLES.awsAdmins}, which may be held for at most 480 minutes`,
    })
    expect(await refusal(askAws('olivia', { duration_minutes: 481 }))).toEqual({ code: 'BAD_INPUT', message: `duration_minutes: at most 480 for ${ROLES.awsAdmins} (its maximum)` })
    expect((await askAws('olivia', { duration_minutes: 480 })).duration_minutes).toBe(480)
    // Without a maximum of its own, the app's default applies; without either, none is needed (permanent).
    await makeRequestable(t.store, f.integrationId, ROLES.finance)
    await updateAppRequestSettings(t.store, as('admin'), f.appId, { max_duration_minutes: 120 })
    expect(await refusal(createAccessRequest(t.store, as('olivia'), { entitlement_id: ROLES.finance, duration_minutes: 121, reason: 'quarter close' }))).toMatchObject({
      message: `duration_minutes: at most 120 for ${ROLES.finance} (its maximum)`,
    })
    await updateAppRequestSettings(t.store, as('admin'), f.appId, { max_duration_minutes: null })
    expect((await createAccessRequest(t.store, as('olivia'), { entitlement_id: ROLES.finance, reason: 'quarter close' })).duration_minutes).toBeNull()
  })

  it('only requestable entitlements the person may see; for someone else only with access-requests:write', async () => {
    await setup()
    expect(await refusal(createAccessRequest(t.store, as('olivia'), { entitlement_id: ROLES.finance, reason: 'x' }))).toEqual({
      code: 'BAD_INPUT',
      message: `entitlement_id: ${ROLES.finance} ("Finance member") is not requestable`,
    })
    expect(await refusal(createAccessRequest(t.store, as('olivia'), { entitlement_id: 'role:1:member', reason: 'x' }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await refusal(askAws('olivia').then(() => askAws('olivia')))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('is pending already') })
    // Held already.
    await makeRequestable(t.store, f.integrationId, ROLES.sales)
    expect(await refusal(createAccessRequest(t.store, as('olivia'), { entitlement_id: ROLES.sales, reason: 'x' }))).toEqual({ code: 'CONFLICT', message: `${EMAILS.olivia} holds ${ROLES.sales} already` })
    // For someone else.
    expect(await refusal(createAccessRequest(t.store, as('olivia'), { entitlement_id: ROLES.awsAdmins, for: EMAILS.james, duration_minutes: 5, reason: 'x' }))).toMatchObject({ code: 'FORBIDDEN' })
    const forJames = await createAccessRequest(t.store, as('admin'), { entitlement_id: ROLES.awsAdmins, for: EMAILS.james, duration_minutes: 5, reason: 'x' })
    expect(forJames).toMatchObject({ requester_id: f.users.admin.id, identity: { email: EMAILS.james }, principal_id: `user:${ACME.james}` })
    // James sees it as his; Olivia does not see it at all.
    expect((await listAccessRequests(t.store, as('james'))).items.map((r) => r.id)).toEqual([forJames.id])
    expect(await refusal(getAccessRequest(t.store, as('olivia'), forJames.id))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await refusal(listAccessRequests(t.store, as('olivia'), { mine: false }))).toMatchObject({ code: 'FORBIDDEN' })
    expect((await listAccessRequests(t.store, as('auditor'), { mine: false })).items).toHaveLength(2)

    // Audience: holders of Engineering only.
    await updateAppRequestSettings(t.store, as('admin'), f.appId, { audience: 'holders', audience_entitlements: [{ integration_id: null, entitlement_id: ROLES.engineering }] })
    expect(await refusal(createAccessRequest(t.store, as('tom'), { entitlement_id: ROLES.awsAdmins, duration_minutes: 5, reason: 'x' }))).toEqual({
      code: 'BAD_INPUT',
      message: `entitlement_id: ${ROLES.awsAdmins} ("AWS Production Admins member") is not offered to ${EMAILS.tom}`,
    })
    expect((await listCatalog(t.store, as('tom'))).items).toEqual([])
    expect((await listCatalog(t.store, as('liam'))).items.map((i) => [i.entitlement_id, i.max_duration_minutes, i.held])).toEqual([
      [ROLES.awsAdmins, 480, false],
      [ROLES.sales, null, false],
    ])
    // ... overridden per entitlement.
    await updateEntitlementRequestSettings(t.store, as('admin'), f.integrationId, ROLES.awsAdmins, { audience: 'everyone' })
    expect((await listCatalog(t.store, as('tom'))).items.map((i) => i.entitlement_id)).toEqual([ROLES.awsAdmins])
    expect((await listCatalog(t.store, as('olivia'), { q: 'sales' })).items).toEqual([])
    await updateEntitlementRequestSettings(t.store, as('admin'), f.integrationId, ROLES.sales, { audience: 'everyone' })
    expect((await listCatalog(t.store, as('olivia'), { q: 'sales' })).items).toEqual([
      { integration_id: f.integrationId, entitlement_id: ROLES.sales, entitlement_name: 'Sales member', app_id: f.appId, app_name: 'Acme OneLogin', description: null, max_duration_minutes: null, risk_level: null, held: true },
    ])
  })

  it('drop: the revoke policy (no approval by default) orders the removal; only what the person holds', async () => {
    await setup()
    expect(await refusal(dropAccess(t.store, as('olivia'), { entitlement_id: ROLES.finance, reason: 'not mine' }))).toEqual({
      code: 'CONFLICT',
      message: `${EMAILS.olivia} does not hold ${ROLES.finance}: there is nothing to remove`,
    })
    const dropped = await dropAccess(t.store, as('olivia'), { entitlement_id: ROLES.sales, reason: 'moved to marketing' })
    expect(dropped).toMatchObject({ kind: 'revoke', state: 'provisioning', policy_id: BUILTIN_POLICY_IDS.revoke, steps: [] })
    const orders = (await ordersOfRequests(t.store.db, [dropped.id])).get(dropped.id) ?? []
    expect(orders.map((o) => [o.kind, o.state])).toEqual([['revoke', 'queued']])
    // With a revoke policy that asks the manager.
    const policy = await createPolicy(t.store, as('admin'), { name: 'Removals by managers', kind: 'revoke', steps: [step({ approvers: [{ type: 'manager' }] })] })
    expect(await refusal(updateEntitlementRequestSettings(t.store, as('admin'), f.integrationId, ROLES.employees, { grant_policy_id: policy.id }))).toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/^grant_policy_id: .* is a revoke policy, not a grant policy$/),
    })
    await updateEntitlementRequestSettings(t.store, as('admin'), f.integrationId, ROLES.employees, { revoke_policy_id: policy.id })
    const asked = await dropAccess(t.store, as('olivia'), { entitlement_id: ROLES.employees, reason: 'leaving' })
    expect(asked).toMatchObject({ kind: 'revoke', state: 'pending', steps: [{ approvers: [{ email: EMAILS.james }] }] })
    // In use: not deleted; built in: never.
    expect(await refusal(deletePolicy(t.store, as('admin'), policy.id))).toMatchObject({ code: 'CONFLICT' })
    expect(await refusal(deletePolicy(t.store, as('admin'), BUILTIN_POLICY_IDS.revoke))).toMatchObject({ code: 'CONFLICT' })
  })

  it('cancel: the requester withdraws a pending request; its approvers are told', async () => {
    await setup()
    await replaceEntitlementOwners(t.store.db, f.integrationId, ROLES.awsAdmins, [f.users.tom.id])
    const created = await askAws()
    expect(await refusal(cancelAccessRequest(t.store, as('tom'), created.id))).toMatchObject({ code: 'FORBIDDEN' })
    expect(await refusal(cancelAccessRequest(t.store, as('james'), created.id))).toMatchObject({ code: 'NOT_FOUND' })
    const cancelled = await cancelAccessRequest(t.store, as('olivia'), created.id, 'solved without it')
    expect(cancelled).toMatchObject({ state: 'cancelled', steps: [{ state: 'skipped' }] })
    expect(await mails(t.store)).toContain(`${EMAILS.tom}: Access request cancelled: AWS Production Admins member`)
    expect((await listTasks(t.store, as('tom'))).items).toEqual([])
    expect(await refusal(cancelAccessRequest(t.store, as('olivia'), created.id))).toMatchObject({ code: 'CONFLICT' })
    expect((await listAccessRequests(t.store, as('olivia'), { state: 'cancelled' })).items.map((r) => r.id)).toEqual([created.id])
    expect((await listAccessRequests(t.store, as('olivia'), { state: 'pending' })).items).toEqual([])
  })

  it('separation of duties: a blocking rule refuses the request; an extra-approval rule adds a step its approvers decide', async () => {
    await setup()
    await replaceEntitlementOwners(t.store.db, f.integrationId, ROLES.awsAdmins, [f.users.tom.id])
    await makeRequestable(t.store, f.integrationId, ROLES.finance)
    // Olivia is in Sales.
    const block = await createSodRule(t.store, as('admin'), {
      name: 'Sales and finance',
      set_a: [{ integration_id: f.integrationId, entitlement_id: ROLES.sales }],
      set_b: [{ integration_id: f.integrationId, entitlement_id: ROLES.finance }],
      action: 'block',
    })
    expect(await refusal(createAccessRequest(t.store, as('olivia'), { entitlement_id: ROLES.finance, reason: 'quarter close' }))).toEqual({
      code: 'CONFLICT',
      message: `separation of duties: the rule "Sales and finance" (${block.id}) forbids ${ROLES.finance} for ${EMAILS.olivia}, who holds ${ROLES.sales}`,
    })
    expect(await t.store.db.selectFrom('access_requests').select('id').execute()).toEqual([])

    await createSodRule(t.store, as('admin'), {
      name: 'Sales and production',
      set_a: [{ integration_id: f.integrationId, entitlement_id: ROLES.sales }],
      set_b: [{ integration_id: f.integrationId, entitlement_id: ROLES.awsAdmins }],
      action: 'extra_approval',
      approver_user_ids: [f.users.maria.id],
    })
    const created = await askAws()
    expect(created.conflicts).toMatchObject([{ rule_name: 'Sales and production', action: 'extra_approval', requested: ROLES.awsAdmins, held: [ROLES.sales] }])
    expect(created.steps.map((s) => [s.origin, s.state, s.approvers.map((a) => a.email), s.require_reason])).toEqual([
      ['policy', 'open', [EMAILS.tom], false],
      ['sod', 'waiting', [], true],
    ])
    // The approvers see the conflict.
    const task = (await listTasks(t.store, as('tom'))).items[0]!
    expect(task.request.conflicts.map((c) => c.rule_name)).toEqual(['Sales and production'])
    await decideTask(t.store, as('tom'), task.id, 'approve')
    const second = await getAccessRequest(t.store, as('olivia'), created.id)
    expect(second.steps[1]).toMatchObject({ state: 'open', approvers: [{ email: EMAILS.maria }] })
    await decideTask(t.store, as('maria'), await openTaskOf('maria', created.id), 'approve', 'approved exception for the incident')
    expect((await getAccessRequest(t.store, as('olivia'), created.id)).state).toBe('provisioning')
  })

  it('extend needs an active time-bound grant', async () => {
    await setup()
    await replaceEntitlementOwners(t.store.db, f.integrationId, ROLES.awsAdmins, [f.users.tom.id])
    const created = await askAws()
    expect(await refusal(extendAccessRequest(t.store, as('olivia'), created.id, { duration_minutes: 60, reason: 'more' }))).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('is not an active time-bound grant'),
    })
    expect(await refusal(extendAccessRequest(t.store, as('james'), created.id, { duration_minutes: 60, reason: 'more' }))).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('every state change goes to the webhooks subscribed to request events', async () => {
    await setup()
    await replaceEntitlementOwners(t.store.db, f.integrationId, ROLES.awsAdmins, [f.users.tom.id])
    const hook = await createWebhook(t.store.db, { id: newId('whk'), url: 'https://hooks.example.com/warden', event_types: ['request.*'], secret: 'sealed', created_by: f.users.admin.id })
    const approved = await askAws()
    await decideTask(t.store, as('tom'), await openTaskOf('tom', approved.id), 'approve')
    const denied = await askAws('liam')
    await decideTask(t.store, as('tom'), await openTaskOf('tom', denied.id), 'deny')
    const cancelled = await createAccessRequest(t.store, as('admin'), { entitlement_id: ROLES.awsAdmins, for: EMAILS.james, duration_minutes: 30, reason: 'x' })
    await cancelAccessRequest(t.store, as('admin'), cancelled.id)
    const deliveries = await queryWebhookDeliveries(t.store.db, hook.id, {}, { limit: 100 })
    const events = deliveries.items.map((d) => {
      const body = JSON.parse(d.body) as { data?: { request_id?: string } }
      return `${d.event_type} ${body.data?.request_id === approved.id ? 'approved' : body.data?.request_id === denied.id ? 'denied' : body.data?.request_id === cancelled.id ? 'cancelled' : '?'}`
    })
    expect(events.sort()).toEqual([
      'request.approved approved',
      'request.cancelled cancelled',
      'request.created approved',
      'request.created cancelled',
      'request.created denied',
      'request.denied denied',
    ])
  })

  it('at the same moment: two approvals of one task count once, two identical requests make one', async () => {
    await setup()
    await awsPolicy([step({ approvers: [{ type: 'users', user_ids: [f.users.tom.id, f.users.james.id] }] })])
    const created = await askAws()
    const task = await openTaskOf('tom', created.id)
    const outcomes = await Promise.allSettled([decideTask(t.store, as('tom'), task, 'approve'), decideTask(t.store, as('james'), task, 'approve')])
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected'])
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!
    expect((rejected.reason as WardenError).code).toBe('CONFLICT')
    expect((await ordersOfRequests(t.store.db, [created.id])).get(created.id)).toHaveLength(1)

    const twice = await Promise.allSettled([askAws('liam'), askAws('liam')])
    expect(twice.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect(((twice.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as WardenError).code).toBe('CONFLICT')
    expect(await t.store.db.selectFrom('access_requests').select('id').where('principal_id', '=', `user:${ACME.liam}`).execute()).toHaveLength(1)
  })
})
