/**
 * `warden request` and `warden tasks` end to end: the real `warden` binary as a child process,
 * talking over real HTTP to a Warden server (buildServer + listen) on a real database, whose
 * worker syncs and provisions against the OneLogin emulator and sends webhooks to a local receiver.
 */
import { rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { OneLoginApi } from '../connector/test-support.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator, SeedRole, TenantSeed } from '../emulator/index.js'
import { ephemeralIntegrationEnv, integrationJobs, jitJobs, webhookJobs } from '../governance/index.js'
import type { IntegrationEnv } from '../governance/index.js'
import { TEST_CLIENT_OPTIONS, emulatorIntegration, oneLoginRolesOf, syncNow } from '../governance/jit-test-support.js'
import { Receiver, signatureValid } from '../governance/webhooks-test-support.js'
import { Worker } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { buildServer } from '../server/index.js'
import type { App } from '../server/test-support.js'
import { createApiToken, createUser, replaceEntitlementOwners } from '../store/index.js'
import type { Integration, User } from '../store/index.js'
import type { AccessRequest } from './commands/request.js'
import type { ApprovalTask } from './commands/tasks.js'
import { runWarden } from './test-support.js'
import type { WardenRun } from './test-support.js'

interface Caller {
  user: User
  token: string
}

describeDialects('warden request / tasks against a server', (t) => {
  let seed: TenantSeed
  let emu: RunningEmulator
  let env: IntegrationEnv
  let app: App
  let url: string
  let worker: Worker
  let integration: Integration
  let receiver: Receiver
  let oneLogin: OneLoginApi
  let admin: Caller
  let approver: Caller
  let deputy: Caller
  let requester: Caller
  /** The requester's OneLogin user id. */
  let requesterId: number
  /** Two roles the requester is not in, each requestable, owned (approved) by `approver`. */
  let roles: { role: SeedRole; entitlement: string; name: string }[]

  async function caller(email: string, name: string, roles: string[] = []): Promise<Caller> {
    const user = await createUser(t.store.db, { email, display_name: name, roles })
    const { token } = await createApiToken(t.store.db, { userId: user.id, name: 'cli' })
    return { user, token }
  }

  /** `warden ...` as this caller (server and token from the environment, as a shell would set them). */
  function warden(who: Caller, ...args: string[]): Promise<WardenRun> {
    return runWarden(args, { env: { ...process.env, WARDEN_SERVER: url, WARDEN_TOKEN: who.token } })
  }

  async function api<T>(who: Caller, method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`)
    return JSON.parse(text) as T
  }

  /** Waits for an open task of `who` on this entitlement. */
  function openTask(who: Caller, entitlement: string): Promise<ApprovalTask> {
    return waitFor(async () => {
      const page = await api<{ items: ApprovalTask[] }>(who, 'GET', '/tasks?state=open')
      return page.items.find((task) => task.request.entitlement_id === entitlement)
    }, 20_000, `an open task for ${entitlement}`)
  }

  beforeEach(async () => {
    seed = generateTenant({ users: 12, roles: 4, apps: 2, groups: 1, seed: 8 })
    emu = await startEmulator({ tenant: seed })
    oneLogin = new OneLoginApi(emu)
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true })
    receiver = new Receiver()
    await receiver.start()
    integration = await emulatorIntegration(t.store, emu, env)
    worker = new Worker(t.store, {
      handlers: {
        ...integrationJobs(env, { clientOptions: { sleep: async () => undefined, retry: { maxAttempts: 1 } } }).handlers,
        ...jitJobs(env, { clientOptions: TEST_CLIENT_OPTIONS }).handlers,
        ...webhookJobs(env, { backoff: { baseMs: 20, maxMs: 100, jitter: 0 } }).handlers,
      },
      pollIntervalMs: 20,
      backoff: { baseMs: 10, maxMs: 20, jitter: 0 },
      logger: memoryLogger().logger,
    })
    worker.start()
    await syncNow(t.store, integration.id)

    const person = seed.users.find((u) => u.email !== null && u.status === 1 && seed.roles.filter((r) => !r.users.includes(u.id)).length >= 2)
    if (person === undefined || person.email === null) throw new Error('no suitable requester in the tenant')
    requesterId = person.id
    const tag = Math.random().toString(36).slice(2, 8)
    requester = await caller(person.email, 'Rita Requester')
    approver = await caller(`approver-${tag}@example.com`, 'Alice Approver')
    deputy = await caller(`deputy-${tag}@example.com`, 'Dan Deputy')
    admin = await caller(`admin-${tag}@example.com`, 'Sam Super', ['super-admin'])

    app = await buildServer({ store: t.store, integrations: env, webRoot: false })
    await app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

    roles = []
    for (const role of seed.roles.filter((r) => !r.users.includes(requesterId)).slice(0, 2)) {
      const entitlement = `role:${role.id}:member`
      const row = await t.store.db
        .selectFrom('entitlements')
        .select('display_name')
        .where('integration_id', '=', integration.id)
        .where('id', '=', entitlement)
        .executeTakeFirstOrThrow()
      await api(admin, 'PATCH', `/integrations/${integration.id}/entitlements/${entitlement}`, { requestable: true, max_duration_minutes: 480 })
      await replaceEntitlementOwners(t.store.db, integration.id, entitlement, [approver.user.id])
      roles.push({ role, entitlement, name: row.display_name })
    }
  })

  afterEach(async () => {
    await worker.stop({ timeoutMs: 2000 })
    await app.close()
    await emu.close()
    await receiver.close()
    rmSync(env.dataDir, { recursive: true, force: true })
  })

  it('request get --wait, approved with tasks approve, is provisioned in OneLogin; request drop --wait takes it away', async () => {
    const hook = await api<{ secret: string }>(admin, 'POST', '/webhooks', { url: receiver.url, event_types: ['request.*'] })
    const [{ role, entitlement, name }] = roles as [(typeof roles)[number]]

    // The catalog, by name.
    const search = await warden(requester, 'request', 'search', name, '--json')
    expect(search.stderr).toBe('')
    expect(search.code).toBe(0)
    expect(JSON.parse(search.stdout)).toContainEqual(expect.objectContaining({ integration_id: integration.id, entitlement_id: entitlement, max_duration_minutes: 480 }))

    // Asked for by name, waiting; the approver approves meanwhile.
    const asking = warden(requester, 'request', 'get', name, '--duration', '2h', '--reason', 'quarter close', '--wait', '--poll-ms', '100', '--json')
    const task = await openTask(approver, entitlement)
    expect(task.request).toMatchObject({ kind: 'grant', reason: 'quarter close', duration_minutes: 120, identity_email: requester.user.email })

    const listed = await warden(approver, 'tasks', 'list')
    expect(listed.code).toBe(0)
    const [header, row] = listed.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^ID\s+STATE\s+KIND\s+ENTITLEMENT\s+FOR\s+REQUESTED BY\s+DURATION\s+FLAGS\s+DUE\s+REASON$/)
    expect(row).toContain(task.id)
    expect(row).toContain(name)
    expect(row).toContain('2h')

    const approved = await warden(approver, 'tasks', 'approve', task.id, '--reason', 'fine for the close')
    expect(approved.stderr).toBe('')
    expect(approved.code).toBe(0)
    expect(approved.stdout.split('\n')[0]).toMatch(new RegExp(`^${task.id}  approved  step 1 of request req_`))

    const waited = await asking
    expect(waited.stderr).toBe('')
    expect(waited.code).toBe(0)
    const done = JSON.parse(waited.stdout) as AccessRequest
    expect(done).toMatchObject({ kind: 'grant', state: 'done', entitlement_id: entitlement, duration_minutes: 120, expires_at: expect.any(String) })
    expect(done.steps[0]).toMatchObject({ state: 'approved', decided_by: approver.user.id, reason: 'fine for the close' })
    expect(await oneLoginRolesOf(oneLogin, requesterId)).toContain(role.id)

    // Shown for people, and listed.
    const shown = await warden(requester, 'request', 'show', done.id)
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain(`${done.id}  grant  done`)
    expect(shown.stdout).toContain(`  Entitlement  ${name} (${entitlement}) in ${integration.id}`)
    expect(shown.stdout).toContain('  Duration     2h')
    expect(shown.stdout).toMatch(/ {5}1 {2}approved {4}Alice Approver <approver-.*> {2}by Alice Approver <approver-.*>: fine for the close/)
    const mine = await warden(requester, 'request', 'list', '--mine', '--json')
    expect((JSON.parse(mine.stdout) as AccessRequest[]).map((r) => r.id)).toEqual([done.id])
    const doneTable = await warden(requester, 'request', 'list', '--state', 'done')
    expect(doneTable.stdout.split('\n')[1]).toMatch(new RegExp(`^${done.id}\\s+grant\\s+done\\s+`))

    // Dropped: the revoke policy approves at once; people see the progress on stderr.
    const dropped = await warden(requester, 'request', 'drop', entitlement, '--reason', 'close is over', '--wait', '--poll-ms', '100')
    expect(dropped.code).toBe(0)
    expect(dropped.stdout).toMatch(/^req_\w+ {2}revoke {2}done\n/)
    expect(dropped.stderr).toMatch(/^warden: asked to drop .*: request req_\w+ is \w+; waiting\.\.\.\n/)
    expect(await oneLoginRolesOf(oneLogin, requesterId)).not.toContain(role.id)

    // The events went out, signed.
    await waitFor(() => receiver.received.filter((r) => r.headers['webhook-event'] === 'request.provisioned').length === 2, 15_000, 'two request.provisioned events')
    const events = receiver.received.map((r) => `${String(r.headers['webhook-event'])} ${(JSON.parse(r.body) as { data: { request_id?: string } }).data.request_id === done.id ? 'grant' : 'other'}`)
    expect(events).toEqual(expect.arrayContaining(['request.created grant', 'request.approved grant', 'request.provisioned grant', 'request.created other', 'request.provisioned other']))
    for (const r of receiver.received) expect(signatureValid(hook.secret, r)).toBe(true)
  })

  it('tasks reassign and deny; request get --wait then fails; errors keep their exit codes', async () => {
    const [, { entitlement, name }] = roles as [unknown, (typeof roles)[number]]
    const asking = warden(requester, 'request', 'get', entitlement, '--integration', integration.id, '--duration', '1h', '--reason', 'audit', '--wait', '--poll-ms', '100')
    const first = await openTask(approver, entitlement)

    // An approver names the colleague by email (or by user id, as below).
    const handed = await warden(approver, 'tasks', 'reassign', first.id, '--to', deputy.user.email, '--reason', 'on leave', '--json')
    expect(handed.code).toBe(0)
    const second = JSON.parse(handed.stdout) as ApprovalTask
    expect(second).toMatchObject({ state: 'open', assignees: [expect.objectContaining({ id: deputy.user.id })] })
    const back = await warden(admin, 'tasks', 'reassign', second.id, '--to', approver.user.email.toUpperCase(), '--json')
    expect(back.stderr).toBe('')
    const third = JSON.parse(back.stdout) as ApprovalTask
    expect(third.assignees.map((a) => a.id)).toEqual([approver.user.id])

    const denied = await warden(approver, 'tasks', 'deny', third.id, '--reason', 'not this quarter')
    expect(denied.code).toBe(0)
    expect(denied.stdout).toContain(`${third.id}  denied`)
    const waited = await asking
    expect(waited.code).toBe(1)
    expect(waited.stdout).toMatch(/^req_\w+ {2}grant {2}denied\n/)
    expect(waited.stderr.trimEnd().split('\n').at(-1)).toBe(`warden: request ${third.request.id} was denied by Alice Approver <${approver.user.email}>: not this quarter`)

    // Bad input the server finds is exit 2, like bad input the CLI finds; refusals and unknowns are 1.
    const badFor = await warden(requester, 'request', 'get', entitlement, '--reason', 'x', '--for', 'someone')
    expect(badFor).toMatchObject({ code: 2, stdout: '', stderr: 'warden: for: give an identity id (idn_...) or an email address, not "someone"\n' })
    const overMax = await warden(requester, 'request', 'get', name, '--duration', '9h', '--reason', 'x')
    expect(overMax.code).toBe(2)
    expect(overMax.stderr).toMatch(/^warden: duration_minutes: at most 480/)
    const unknown = await warden(requester, 'request', 'get', 'No Such Entitlement', '--reason', 'x')
    expect(unknown).toMatchObject({ code: 1, stderr: 'warden: no requestable entitlement is named "No Such Entitlement"; find it with: warden request search "No Such Entitlement"\n' })
    const missing = await warden(requester, 'request', 'show', 'req_0000000000000000000000000a')
    expect(missing).toMatchObject({ code: 1, stderr: 'warden: no request req_0000000000000000000000000a\n' })
    const everyone = await warden(requester, 'tasks', 'list', '--all')
    expect(everyone.code).toBe(1)
    expect(everyone.stderr).toMatch(/^warden: your Warden roles do not allow this/)
    const wrongToken = await runWarden(['request', 'list', '--server', url, '--token', 'wdn_not-a-token'])
    expect(wrongToken.code).toBe(1)
    expect(wrongToken.stderr).toMatch(/^warden: the server refused the API token \(.*\): check --token or WARDEN_TOKEN\n$/)
    const empty = await warden(deputy, 'tasks', 'list')
    expect(empty).toMatchObject({ code: 0, stdout: 'No tasks for you.\n' })
  })
})
