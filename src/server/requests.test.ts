/**
 * The access-request API over HTTP (buildServer + inject) on both databases, over the Acme demo
 * tenant as the real connector syncs it: the catalog, requests and their validation (field errors
 * for forms), the approvals inbox, policies and request settings. Who may call what is in
 * permissions.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InjectOptions } from 'fastify'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { demoTenant } from '../emulator/index.js'
import { BUILTIN_POLICY_IDS } from '../governance/index.js'
import { createTestIntegration, ingestFile, snapshotOf } from '../governance/inventory-test-support.js'
import { ACME, EMAILS, ROLES, acmeFixture, makeRequestable } from '../governance/requests-test-support.js'
import type { AcmeFixture } from '../governance/requests-test-support.js'
import { createApiToken, replaceEntitlementOwners } from '../store/index.js'
import type { ApiAccessRequest, ApiAppRequestSettings, ApiApprovalTask, ApiCatalogItem, ApiEntitlementRequestSettings, ApiPage, ApiPolicy } from './api-types.js'
import { buildServer } from './index.js'
import { expectError } from './test-support.js'
import type { App } from './test-support.js'

const dir = mkdtempSync(join(tmpdir(), 'warden-requests-api-'))
const acme = join(dir, 'acme.db')
beforeAll(async () => {
  await snapshotOf(demoTenant(), acme)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type Who = keyof AcmeFixture['users']

describeDialects('access requests API', (t) => {
  let app: App
  let f: AcmeFixture
  const bearer = new Map<Who, { authorization: string }>()

  beforeEach(async () => {
    app = await buildServer({ store: t.store })
    f = await acmeFixture(t.store, acme)
    for (const who of Object.keys(f.users) as Who[]) {
      const { token } = await createApiToken(t.store.db, { userId: f.users[who].id, name: 'test' })
      bearer.set(who, { authorization: `Bearer ${token}` })
    }
    await makeRequestable(t.store, f.integrationId, ROLES.awsAdmins, 480)
    await replaceEntitlementOwners(t.store.db, f.integrationId, ROLES.awsAdmins, [f.users.tom.id])
  })
  afterEach(async () => {
    await app.close()
  })

  const call = (who: Who, options: InjectOptions) => app.inject({ ...options, headers: { ...(options.headers ?? {}), ...bearer.get(who) } })
  const ok = async <T>(who: Who, options: InjectOptions, status = 200): Promise<T> => {
    const res = await call(who, options)
    expect(res.statusCode, `${options.method} ${options.url}: ${res.body}`).toBe(status)
    return res.json() as T
  }

  it('catalog → request → inbox → approve: the request shows each step, the order and its history', async () => {
    const catalog = await ok<ApiPage<ApiCatalogItem>>('olivia', { method: 'GET', url: '/api/v1/catalog' })
    expect(catalog).toEqual({
      items: [
        {
          integration_id: f.integrationId,
          entitlement_id: ROLES.awsAdmins,
          entitlement_name: 'AWS Production Admins member',
          app_id: f.appId,
          app_name: 'Acme OneLogin',
          description: null,
          max_duration_minutes: 480,
          risk_level: null,
          held: false,
        },
      ],
      next_cursor: null,
    })

    // integration_id may be left out: only one integration has the role.
    const created = await ok<ApiAccessRequest>(
      'olivia',
      { method: 'POST', url: '/api/v1/requests', payload: { entitlement_id: ROLES.awsAdmins, duration_minutes: 120, reason: 'payments incident' } },
      201,
    )
    expect(created).toEqual({
      id: expect.stringMatching(/^req_/),
      kind: 'grant',
      state: 'pending',
      integration_id: f.integrationId,
      entitlement_id: ROLES.awsAdmins,
      entitlement_name: 'AWS Production Admins member',
      app_id: f.appId,
      principal_id: `user:${ACME.olivia}`,
      principal_name: 'olivia.brown',
      identity_id: expect.stringMatching(/^idn_/),
      identity: { id: expect.stringMatching(/^idn_/), email: EMAILS.olivia, display_name: 'Olivia Brown' },
      requester_id: f.users.olivia.id,
      requester: { id: f.users.olivia.id, email: EMAILS.olivia, display_name: 'olivia.brown' },
      reason: 'payments incident',
      duration_minutes: 120,
      emergency: false,
      policy_id: BUILTIN_POLICY_IDS.grant,
      conflicts: [],
      steps: [
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
      ],
      events: [
        { at: expect.any(String), actor: f.users.olivia.id, type: 'created', message: `Access requested for ${EMAILS.olivia}, following "Default access policy"` },
        { at: expect.any(String), actor: f.users.olivia.id, type: 'step.opened', message: `Step 1 of 1 awaits its approvers: ${EMAILS.tom}` },
      ],
      order_id: null,
      extends_request_id: null,
      expires_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    })

    const inbox = await ok<ApiPage<ApiApprovalTask>>('tom', { method: 'GET', url: '/api/v1/tasks' })
    expect(inbox.items.map((x) => [x.request.id, x.state, x.request.identity_email])).toEqual([[created.id, 'open', EMAILS.olivia]])
    expect((await ok<ApiPage<ApiApprovalTask>>('olivia', { method: 'GET', url: '/api/v1/tasks' })).items).toEqual([])
    // Everyone's tasks: administrators who may read requests.
    expectError(await call('olivia', { method: 'GET', url: '/api/v1/tasks?all=true' }), 403, 'FORBIDDEN')
    expect((await ok<ApiPage<ApiApprovalTask>>('auditor', { method: 'GET', url: '/api/v1/tasks?all=true' })).items).toHaveLength(1)
    const taskId = inbox.items[0]!.id
    expect((await ok<ApiApprovalTask>('tom', { method: 'GET', url: `/api/v1/tasks/${taskId}` })).id).toBe(taskId)
    expectError(await call('olivia', { method: 'GET', url: `/api/v1/tasks/${taskId}` }), 404, 'NOT_FOUND')
    expectError(await call('olivia', { method: 'POST', url: `/api/v1/tasks/${taskId}/approve`, payload: {} }), 404, 'NOT_FOUND')

    const approved = await ok<ApiApprovalTask>('tom', { method: 'POST', url: `/api/v1/tasks/${taskId}/approve`, payload: { reason: 'fine' } })
    expect(approved).toMatchObject({ state: 'approved', decided_by: f.users.tom.id, reason: 'fine', request: { state: 'provisioning' } })

    const after = await ok<ApiAccessRequest>('olivia', { method: 'GET', url: `/api/v1/requests/${created.id}` })
    expect(after).toMatchObject({ state: 'provisioning', order_id: expect.stringMatching(/^ord_/) })
    expect(after.events.map((e) => e.type)).toEqual(['created', 'step.opened', 'step.approved', 'approved', 'provisioning', 'provisioning.queued'])
    expect((await ok<ApiPage<ApiAccessRequest>>('olivia', { method: 'GET', url: '/api/v1/requests' })).items.map((r) => r.id)).toEqual([created.id])
    expect((await ok<ApiPage<ApiAccessRequest>>('olivia', { method: 'GET', url: '/api/v1/requests?state=provisioning' })).items.map((r) => r.id)).toEqual([created.id])
    expect((await ok<ApiPage<ApiAccessRequest>>('olivia', { method: 'GET', url: '/api/v1/requests?state=done' })).items).toEqual([])
    expectError(await call('olivia', { method: 'GET', url: '/api/v1/requests?mine=false' }), 403, 'FORBIDDEN')
    expectError(await call('james', { method: 'GET', url: `/api/v1/requests/${created.id}` }), 404, 'NOT_FOUND')
  })

  it('refuses bad requests with the field they concern', async () => {
    const post = (payload: unknown) => call('olivia', { method: 'POST', url: '/api/v1/requests', payload: payload as InjectOptions['payload'] })
    const fields = (res: Awaited<ReturnType<typeof post>>) => (res.json() as { error: { fields?: Record<string, string> } }).error.fields

    const noDuration = await post({ entitlement_id: ROLES.awsAdmins, reason: 'incident' })
    expect(expectError(noDuration, 400, 'BAD_INPUT')).toBe(`duration_minutes: required for ${ROLES.awsAdmins}, which may be held for at most 480 minutes`)
    expect(fields(noDuration)).toEqual({ duration_minutes: `required for ${ROLES.awsAdmins}, which may be held for at most 480 minutes` })
    const tooLong = await post({ entitlement_id: ROLES.awsAdmins, duration_minutes: 481, reason: 'incident' })
    expect(fields(tooLong)).toEqual({ duration_minutes: `at most 480 for ${ROLES.awsAdmins} (its maximum)` })
    expect(Object.keys(fields(await post({ entitlement_id: ROLES.awsAdmins, duration_minutes: 60 })) ?? {})).toEqual(['reason'])
    expect(fields(await post({ entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: ' ' }))).toEqual({ reason: 'say why the access is needed' })
    expect(Object.keys(fields(await post({ entitlement_id: 'role:x', reason: 'x' })) ?? {})).toEqual(['entitlement_id'])
    expect(fields(await post({ entitlement_id: ROLES.finance, reason: 'x' }))).toEqual({ entitlement_id: `${ROLES.finance} ("Finance member") is not requestable` })
    expectError(await post({ entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: 'x', for: EMAILS.james }), 403, 'FORBIDDEN')
    expectError(await post({ entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: 'x', extra: 1 }), 400, 'BAD_INPUT')

    // Two integrations with the role: say which.
    const second = (await createTestIntegration(t.store)).integrationId
    await ingestFile(t.store, second, acme)
    const ambiguous = await post({ entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: 'x' })
    expect(expectError(ambiguous, 400, 'BAD_INPUT')).toMatch(/^integration_id: 2 integrations have role:330107:member: say which/)
    expect((await ok<ApiAccessRequest>('olivia', { method: 'POST', url: '/api/v1/requests', payload: { integration_id: f.integrationId, entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: 'x' } }, 201)).integration_id).toBe(
      f.integrationId,
    )
  })

  it('deny, reassign, cancel, drop and extend over HTTP', async () => {
    const ask = () => ok<ApiAccessRequest>('olivia', { method: 'POST', url: '/api/v1/requests', payload: { entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: 'incident' } }, 201)
    const taskOf = async (who: Who, requestId: string) => (await ok<ApiPage<ApiApprovalTask>>(who, { method: 'GET', url: '/api/v1/tasks' })).items.find((x) => x.request.id === requestId)!.id

    const first = await ask()
    const denied = await ok<ApiApprovalTask>('tom', { method: 'POST', url: `/api/v1/tasks/${await taskOf('tom', first.id)}/deny`, payload: { reason: 'no' } })
    expect(denied).toMatchObject({ state: 'denied', request: { state: 'denied' } })

    const second = await ask()
    const handed = await ok<ApiApprovalTask>('tom', { method: 'POST', url: `/api/v1/tasks/${await taskOf('tom', second.id)}/reassign`, payload: { user_id: f.users.priya.id, reason: 'budget owner' } })
    expect(handed).toMatchObject({ state: 'open', assignees: [{ email: EMAILS.priya }] })
    expectError(await call('tom', { method: 'POST', url: `/api/v1/tasks/${handed.id}/reassign`, payload: { user_id: 'nobody' } }), 400, 'BAD_INPUT')
    const cancelled = await ok<ApiAccessRequest>('olivia', { method: 'POST', url: `/api/v1/requests/${second.id}/cancel`, payload: { reason: 'fixed' } })
    expect(cancelled.state).toBe('cancelled')
    expectError(await call('olivia', { method: 'POST', url: `/api/v1/requests/${second.id}/cancel` }), 409, 'CONFLICT')

    const dropped = await ok<ApiAccessRequest>('olivia', { method: 'POST', url: '/api/v1/requests/drop', payload: { entitlement_id: ROLES.sales, reason: 'moved teams' } }, 201)
    expect(dropped).toMatchObject({ kind: 'revoke', state: 'provisioning', steps: [] })
    expectError(await call('olivia', { method: 'POST', url: '/api/v1/requests/drop', payload: { entitlement_id: ROLES.finance, reason: 'x' } }), 409, 'CONFLICT')

    const third = await ask()
    await ok<ApiApprovalTask>('tom', { method: 'POST', url: `/api/v1/tasks/${await taskOf('tom', third.id)}/approve` })
    // Not provisioned yet (no worker here): no active time-bound grant to extend.
    expectError(await call('olivia', { method: 'POST', url: `/api/v1/requests/${third.id}/extend`, payload: { duration_minutes: 30, reason: 'more' } }), 409, 'CONFLICT')
    expectError(await call('olivia', { method: 'POST', url: `/api/v1/requests/${third.id}/extend`, payload: { reason: 'more' } }), 400, 'BAD_INPUT')
  })

  it('policies and request settings: Access Request Administrators change them, and requests follow', async () => {
    const list = await ok<ApiPage<ApiPolicy>>('auditor', { method: 'GET', url: '/api/v1/policies' })
    expect(list.items.map((p) => [p.id, p.kind, p.builtin])).toEqual([
      [BUILTIN_POLICY_IDS.grant, 'grant', true],
      [BUILTIN_POLICY_IDS.emergency, 'emergency', true],
      [BUILTIN_POLICY_IDS.revoke, 'revoke', true],
    ])
    expect(list.items[0]!.steps).toEqual([
      { approvers: [{ type: 'entitlement_owners' }], fallback: [{ type: 'app_owners' }, { type: 'integration_owners' }], allow_self_approval: false, require_reason: false, escalate_after_hours: null, escalate_to: [] },
    ])

    const bad = await call('admin', { method: 'POST', url: '/api/v1/policies', payload: { name: 'X', kind: 'grant', steps: [{ approvers: [{ type: 'robots' }] }] } })
    expectError(bad, 400, 'BAD_INPUT')
    expectError(await call('admin', { method: 'POST', url: '/api/v1/policies', payload: { name: 'X', kind: 'grant', steps: [{ approvers: [{ type: 'users', user_ids: ['usr_00000000000000000000000000'] }] }] } }), 400, 'BAD_INPUT')
    const created = await ok<ApiPolicy>(
      'admin',
      {
        method: 'POST',
        url: '/api/v1/policies',
        payload: {
          name: 'Manager, then security',
          kind: 'grant',
          steps: [{ approvers: [{ type: 'manager' }] }, { approvers: [{ type: 'users', user_ids: [f.users.tom.id] }], require_reason: true, escalate_after_hours: 4, escalate_to: [f.users.maria.id] }],
          require_distinct_approvers: true,
        },
      },
      201,
    )
    expect(created).toMatchObject({ kind: 'grant', builtin: false, require_distinct_approvers: true, auto_approve: [] })
    expectError(await call('admin', { method: 'POST', url: '/api/v1/policies', payload: { name: 'Manager, then security', kind: 'grant', steps: [] } }), 409, 'CONFLICT')
    const renamed = await ok<ApiPolicy>('admin', { method: 'PATCH', url: `/api/v1/policies/${created.id}`, payload: { name: 'Manager then security' } })
    expect(renamed.name).toBe('Manager then security')
    expect((await ok<ApiPolicy>('auditor', { method: 'GET', url: `/api/v1/policies/${created.id}` })).steps).toHaveLength(2)

    // The app's default for its entitlements, overridden by one entitlement.
    const appSettings = await ok<ApiAppRequestSettings>('admin', { method: 'PATCH', url: `/api/v1/apps/${f.appId}/request-settings`, payload: { grant_policy_id: created.id, max_duration_minutes: 240 } })
    expect(appSettings).toMatchObject({ app_id: f.appId, grant_policy_id: created.id, max_duration_minutes: 240, audience: 'everyone' })
    expect(await ok<ApiAppRequestSettings>('auditor', { method: 'GET', url: `/api/v1/apps/${f.appId}/request-settings` })).toEqual(appSettings)
    expectError(await call('admin', { method: 'PATCH', url: `/api/v1/apps/${f.appId}/request-settings`, payload: { revoke_policy_id: created.id } }), 400, 'BAD_INPUT')
    const url = `/api/v1/integrations/${f.integrationId}/entitlements/${ROLES.awsAdmins}/request-settings`
    const settings = await ok<ApiEntitlementRequestSettings>('auditor', { method: 'GET', url })
    expect(settings.effective).toMatchObject({ grant_policy_id: created.id, max_duration_minutes: 480, requestable: true, app: { id: f.appId, name: 'Acme OneLogin' } })
    expect(settings.overrides).toMatchObject({ grant_policy_id: null, audience: null })

    const asked = await ok<ApiAccessRequest>('olivia', { method: 'POST', url: '/api/v1/requests', payload: { entitlement_id: ROLES.awsAdmins, duration_minutes: 60, reason: 'x' } }, 201)
    expect(asked).toMatchObject({ policy_id: created.id, steps: [{ state: 'open', approvers: [{ email: EMAILS.james }] }, { state: 'waiting', require_reason: true }] })

    const overridden = await ok<ApiEntitlementRequestSettings>('admin', { method: 'PATCH', url, payload: { grant_policy_id: BUILTIN_POLICY_IDS.grant } })
    expect(overridden.effective.grant_policy_id).toBe(BUILTIN_POLICY_IDS.grant)
    // In use by the app's settings: not deleted until they change.
    expectError(await call('admin', { method: 'DELETE', url: `/api/v1/policies/${created.id}` }), 409, 'CONFLICT')
    await ok('admin', { method: 'PATCH', url: `/api/v1/apps/${f.appId}/request-settings`, payload: { grant_policy_id: null } })
    expect((await call('admin', { method: 'DELETE', url: `/api/v1/policies/${created.id}` })).statusCode).toBe(204)
    expectError(await call('admin', { method: 'DELETE', url: `/api/v1/policies/${BUILTIN_POLICY_IDS.grant}` }), 409, 'CONFLICT')
    // The request under way keeps its copy.
    expect((await ok<ApiAccessRequest>('olivia', { method: 'GET', url: `/api/v1/requests/${asked.id}` })).steps).toHaveLength(2)
  })
})
