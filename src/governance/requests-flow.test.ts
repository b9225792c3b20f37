/**
 * Requests end to end on both databases: the Acme demo tenant in the emulator, synced for real, a
 * job worker running provisioning (governance/jit.ts), and OneLogin read back with plain fetch.
 * Request → approval → the person is in the OneLogin role → an extension (the policy again) moves
 * the end → a drop (no approval) takes the role away. Each state shows on the request.
 */
import { rmSync } from 'node:fs'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { OneLoginApi } from '../connector/test-support.js'
import { demoTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import type { Worker } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { createUser, replaceEntitlementOwners } from '../store/index.js'
import type { Integration, User } from '../store/index.js'
import { decideTask, listTasks } from './approvals.js'
import { ephemeralIntegrationEnv } from './integration-env.js'
import type { IntegrationEnv } from './integration-env.js'
import { emulatorIntegration, jitWorker, oneLoginRolesOf, orderIn, syncNow } from './jit-test-support.js'
import { ACME, EMAILS, ROLES, actorOf, makeRequestable } from './requests-test-support.js'
import { createAccessRequest, dropAccess, extendAccessRequest, getAccessRequest } from './requests.js'

const AWS_ADMINS_ROLE = 330107
const MINUTE = 60_000

describeDialects('access requests, provisioned', (t) => {
  let emu: RunningEmulator
  let env: IntegrationEnv
  let api: OneLoginApi
  let integration: Integration
  let worker: Worker
  let olivia: User
  let tom: User
  const { logger } = memoryLogger()

  beforeEach(async () => {
    emu = await startEmulator({ tenant: demoTenant() })
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true, publicUrl: 'https://warden.example.com' })
    api = new OneLoginApi(emu)
    olivia = await createUser(t.store.db, { email: EMAILS.olivia, display_name: 'Olivia', roles: [] })
    tom = await createUser(t.store.db, { email: EMAILS.tom, display_name: 'Tom', roles: [] })
    integration = await emulatorIntegration(t.store, emu, env)
    worker = jitWorker(t.store, env, { logger })
    worker.start()
    await syncNow(t.store, integration.id)
    await makeRequestable(t.store, integration.id, ROLES.awsAdmins, 480)
    await replaceEntitlementOwners(t.store.db, integration.id, ROLES.awsAdmins, [tom.id])
  })

  afterEach(async () => {
    await worker.stop({ timeoutMs: 2000 })
    await emu.close()
    rmSync(env.dataDir, { recursive: true, force: true })
  })

  const approveAll = async (requestId: string): Promise<void> => {
    const task = (await listTasks(t.store, actorOf(tom))).items.find((x) => x.request.id === requestId)
    if (task === undefined) throw new Error(`Tom has no task for ${requestId}`)
    await decideTask(t.store, actorOf(tom), task.id, 'approve')
  }

  it('request, approve, provisioned in OneLogin; extend moves the end; drop removes it', async () => {
    expect(await oneLoginRolesOf(api, ACME.olivia)).not.toContain(AWS_ADMINS_ROLE)
    const asked = await createAccessRequest(t.store, actorOf(olivia), { entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: 'payments incident' })
    await approveAll(asked.id)
    const approvedAt = Date.now()
    const provisioning = await getAccessRequest(t.store, actorOf(olivia), asked.id)
    expect(provisioning.state).toBe('provisioning')
    await orderIn(t.store, provisioning.order_id!, ['done'])

    const granted = await getAccessRequest(t.store, actorOf(olivia), asked.id)
    expect(granted.state).toBe('done')
    expect(await oneLoginRolesOf(api, ACME.olivia)).toContain(AWS_ADMINS_ROLE)
    const end = Date.parse(granted.expires_at!)
    expect(end).toBeGreaterThanOrEqual(approvedAt + 60 * MINUTE - 5_000)
    expect(end).toBeLessThanOrEqual(Date.now() + 60 * MINUTE)
    expect(granted.events.map((e) => e.type)).toEqual(expect.arrayContaining(['created', 'step.approved', 'approved', 'provisioning', 'provisioning.queued', 'provisioning.done']))

    // Asking again while it is held is refused; an extension re-runs the policy.
    await expect(createAccessRequest(t.store, actorOf(olivia), { entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: 'again' })).rejects.toThrow(/holds role:330107:member already/)
    await expect(extendAccessRequest(t.store, actorOf(olivia), asked.id, { duration_minutes: 481, reason: 'longer' })).rejects.toThrow(/at most 480/)
    const extension = await extendAccessRequest(t.store, actorOf(olivia), asked.id, { duration_minutes: 30, reason: 'incident still open' })
    expect(extension).toMatchObject({ kind: 'extend', state: 'pending', extends_request_id: asked.id, duration_minutes: 30, steps: [{ approvers: [{ email: EMAILS.tom }] }] })
    await approveAll(extension.id)
    await orderIn(t.store, (await getAccessRequest(t.store, actorOf(olivia), extension.id)).order_id!, ['done'])
    const extended = await getAccessRequest(t.store, actorOf(olivia), extension.id)
    expect(extended.state).toBe('done')
    expect(Date.parse(extended.expires_at!)).toBe(end + 30 * MINUTE)
    expect(Date.parse((await getAccessRequest(t.store, actorOf(olivia), asked.id)).expires_at!)).toBe(end + 30 * MINUTE)

    // Dropping it needs no approval by default.
    const dropped = await dropAccess(t.store, actorOf(olivia), { entitlement_id: ROLES.awsAdmins, reason: 'incident closed' })
    expect(dropped).toMatchObject({ kind: 'revoke', state: 'provisioning', steps: [] })
    await orderIn(t.store, dropped.order_id!, ['done'])
    expect((await getAccessRequest(t.store, actorOf(olivia), dropped.id)).state).toBe('done')
    expect(await oneLoginRolesOf(api, ACME.olivia)).not.toContain(AWS_ADMINS_ROLE)
    // Nothing left to extend.
    await expect(extendAccessRequest(t.store, actorOf(olivia), asked.id, { duration_minutes: 30, reason: 'more' })).rejects.toThrow(/not an active time-bound grant/)
  })
})
