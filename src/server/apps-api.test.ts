import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { aDriftFinding } from '../governance/sod-drift-test-support.js'
import { createTestIntegration } from '../governance/inventory-test-support.js'
import { appOwnerIds, appsOwnedBy, createApp, listAudit } from '../store/index.js'
import type { AuditEntry, Store } from '../store/index.js'
import { auditCount, expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'
import { buildServer } from './index.js'

// The apps API the Terraform provider builds on (docs/terraform.md): direct app owners, deleting
// an app, an app's entitlements, and exact look-ups by app name, all through the real server on
// both dialects.

interface Page<T> {
  items: T[]
  next_cursor: string | null
}
interface UserSummaryBody {
  id: string
  email: string
  display_name: string
}
interface AppBody {
  id: string
  name: string
  description: string
  state: string
  owner_user_ids: string[]
  owners: UserSummaryBody[]
  created_at: string
  updated_at: string
}
interface EntitlementBody {
  integration_id: string
  id: string
  display_name: string
  requestable: boolean
  risk_level: string | null
}

const DAY_MS = 24 * 60 * 60 * 1000

/** Entitlements (and their resources) of an integration, written straight to the inventory as a sync would leave them. */
async function inventory(store: Store, integrationId: string, entitlements: readonly [id: string, name: string][]): Promise<void> {
  const resources = new Map<string, string>()
  for (const [id] of entitlements) resources.set(id.split(':').slice(0, 2).join(':'), id.split(':')[0]!)
  await store.db
    .insertInto('resources')
    .values([...resources].map(([id, type]) => ({ integration_id: integrationId, id, type, display_name: id, traits: '{}', email: null, status: null, identity_id: null })))
    .execute()
  await store.db
    .insertInto('entitlements')
    .values(
      entitlements.map(([id, name]) => ({
        integration_id: integrationId,
        id,
        resource_id: id.split(':').slice(0, 2).join(':'),
        slug: id.split(':')[2]!,
        display_name: name,
        grantable_to: '["user"]',
      })),
    )
    .execute()
}

async function auditOf(store: Store, action: string, targetId: string): Promise<AuditEntry[]> {
  return (await listAudit(store.db, { action, target_id: targetId }, { limit: 100 })).items
}

describeDialects('apps API (owners, delete, entitlements)', (t) => {
  let app: App
  let root: Person
  let appAdmin: Person
  let reader: Person
  let nobody: Person
  let alice: Person
  let bob: Person
  beforeEach(async () => {
    app = await buildServer({ store: t.store })
    root = await person(t.store, ['super-admin'])
    appAdmin = await person(t.store, ['app-admin'])
    reader = await person(t.store, ['read-only-admin'])
    nobody = await person(t.store, [])
    alice = await person(t.store, [], { label: 'alice' })
    bob = await person(t.store, [], { label: 'bob' })
  })
  afterEach(async () => {
    await app.close()
  })

  type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  const call = async (who: Person | null, method: Method, url: string, payload?: object) =>
    app.inject({ method, url, ...(who === null ? {} : { headers: who.bearer }), ...(payload === undefined ? {} : { payload }) })
  const ok = async <T>(who: Person, method: Method, url: string, payload?: object): Promise<T> => {
    const res = await call(who, method, url, payload)
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300)
    return res.json() as T
  }
  const summary = (p: Person): UserSummaryBody => ({ id: p.user.id, email: p.user.email, display_name: p.user.display_name })
  const byId = (...people: Person[]) => [...people].sort((a, b) => (a.user.id < b.user.id ? -1 : 1))

  it('creates an app with owners, replaces them on PATCH, shows them on every answer, and audits each change', async () => {
    const created = await call(appAdmin, 'POST', '/api/v1/apps', { name: 'Payroll', owner_user_ids: [bob.user.id, alice.user.id, bob.user.id] })
    expect(created.statusCode).toBe(201)
    const body = created.json() as AppBody
    const both = byId(alice, bob)
    expect(body).toMatchObject({ name: 'Payroll', description: '', state: 'managed', owner_user_ids: both.map((p) => p.user.id), owners: both.map(summary) })
    expect(await ok<AppBody>(reader, 'GET', `/api/v1/apps/${body.id}`)).toEqual(body)
    const [create] = await auditOf(t.store, 'app.create', body.id)
    expect(create).toMatchObject({ actor: appAdmin.user.id, after: { id: body.id, name: 'Payroll', owner_user_ids: both.map((p) => p.user.id) } })

    // Owners who stay keep the time they were named.
    const aliceSince = await t.store.db.selectFrom('app_owners').select('created_at').where('app_id', '=', body.id).where('user_id', '=', alice.user.id).executeTakeFirstOrThrow()
    const replaced = await ok<AppBody>(root, 'PATCH', `/api/v1/apps/${body.id}`, { owner_user_ids: [alice.user.id, root.user.id] })
    expect(replaced.owner_user_ids).toEqual(byId(alice, root).map((p) => p.user.id))
    expect(replaced.owners).toEqual(byId(alice, root).map(summary))
    expect(replaced.name).toBe('Payroll')
    expect(await t.store.db.selectFrom('app_owners').select('created_at').where('app_id', '=', body.id).where('user_id', '=', alice.user.id).executeTakeFirstOrThrow()).toEqual(aliceSince)
    const [update] = await auditOf(t.store, 'app.update', body.id)
    expect(update).toMatchObject({
      actor: root.user.id,
      before: { owner_user_ids: both.map((p) => p.user.id) },
      after: { owner_user_ids: byId(alice, root).map((p) => p.user.id) },
    })

    // A rename leaves the owners alone; the same owners again record nothing.
    const renamed = await ok<AppBody>(root, 'PATCH', `/api/v1/apps/${body.id}`, { name: 'Payroll EU' })
    expect(renamed.owner_user_ids).toEqual(replaced.owner_user_ids)
    const seq = await auditCount(t.store)
    await ok(root, 'PATCH', `/api/v1/apps/${body.id}`, { owner_user_ids: [root.user.id, alice.user.id] })
    expect(await auditCount(t.store)).toBe(seq)

    const cleared = await ok<AppBody>(root, 'PATCH', `/api/v1/apps/${body.id}`, { owner_user_ids: [] })
    expect(cleared).toMatchObject({ owner_user_ids: [], owners: [] })
    expect(await t.store.db.selectFrom('app_owners').selectAll().where('app_id', '=', body.id).execute()).toEqual([])
    // Without owners it is just an app, as before.
    const plain = await call(root, 'POST', '/api/v1/apps', { name: 'Wiki' })
    expect(plain.json()).toMatchObject({ owner_user_ids: [], owners: [] })
  })

  it('refuses unknown, malformed and too many owners, naming owner_user_ids, and changes nothing', async () => {
    const made = await ok<AppBody>(root, 'POST', '/api/v1/apps', { name: 'Payroll', owner_user_ids: [alice.user.id] })
    const seq = await auditCount(t.store)
    const ghost = 'usr_0000000000000000000000000a'

    const unknown = await call(root, 'PATCH', `/api/v1/apps/${made.id}`, { name: 'Renamed', owner_user_ids: [bob.user.id, ghost] })
    expect(expectError(unknown, 400, 'BAD_INPUT')).toBe(`owner_user_ids: no Warden user ${ghost}`)
    expect(unknown.json().error.fields).toEqual({ owner_user_ids: `no Warden user ${ghost}` })
    const onCreate = await call(root, 'POST', '/api/v1/apps', { name: 'Ghosted', owner_user_ids: [ghost] })
    expect(expectError(onCreate, 400, 'BAD_INPUT')).toMatch(/^owner_user_ids: /)
    expect(onCreate.json().error.fields).toHaveProperty('owner_user_ids')

    const malformed = await call(root, 'PATCH', `/api/v1/apps/${made.id}`, { owner_user_ids: ['alice'] })
    expectError(malformed, 400, 'BAD_INPUT')
    expect(malformed.json().error.fields).toHaveProperty('owner_user_ids')
    const many = Array.from({ length: 33 }, (_, i) => `usr_${String(i).padStart(26, '0')}`)
    const tooMany = await call(root, 'PATCH', `/api/v1/apps/${made.id}`, { owner_user_ids: many })
    expectError(tooMany, 400, 'BAD_INPUT')
    expect(tooMany.json().error.fields).toHaveProperty('owner_user_ids')
    expectError(await call(root, 'PATCH', `/api/v1/apps/${made.id}`, {}), 400, 'BAD_INPUT')
    expectError(await call(root, 'PATCH', '/api/v1/apps/app_0000000000000000000000000a', { owner_user_ids: [] }), 404, 'NOT_FOUND')

    expect(await auditCount(t.store)).toBe(seq)
    expect(await ok<AppBody>(reader, 'GET', `/api/v1/apps/${made.id}`)).toMatchObject({ name: 'Payroll', owner_user_ids: [alice.user.id] })
    expect((await ok<Page<AppBody>>(reader, 'GET', '/api/v1/apps?name=Ghosted')).items).toEqual([])

    // Only apps:write changes owners.
    for (const who of [reader, nobody, alice]) expectError(await call(who, 'PATCH', `/api/v1/apps/${made.id}`, { owner_user_ids: [who.user.id] }), 403, 'FORBIDDEN')
    expectError(await call(null, 'PATCH', `/api/v1/apps/${made.id}`, { owner_user_ids: [] }), 401, 'UNAUTHENTICATED')
    expect(await auditCount(t.store)).toBe(seq)
  })

  it('direct owners are app owners: with the derived ones, and for drift findings', async () => {
    const { integrationId, appId } = await createTestIntegration(t.store)
    await t.store.db.insertInto('integration_owners').values({ integration_id: integrationId, user_id: bob.user.id }).execute()
    await ok(root, 'PATCH', `/api/v1/apps/${appId}`, { owner_user_ids: [alice.user.id] })
    expect(await appOwnerIds(t.store.db, appId)).toEqual(byId(alice, bob).map((p) => p.user.id))
    expect(await appsOwnedBy(t.store.db, alice.user.id)).toEqual([appId])
    // The answer lists only the direct owners.
    expect((await ok<AppBody>(reader, 'GET', `/api/v1/apps/${appId}`)).owner_user_ids).toEqual([alice.user.id])

    // Someone without apps:read sees the drift findings of the apps they own.
    const finding = await aDriftFinding(t.store, { integration_id: integrationId, entitlement_id: 'role:2:member', app_id: appId })
    expect((await ok<Page<{ id: string }>>(alice, 'GET', '/api/v1/drift')).items.map((f) => f.id)).toEqual([finding])
    expect((await ok<Page<{ id: string }>>(nobody, 'GET', '/api/v1/drift')).items).toEqual([])
    await ok(root, 'PATCH', `/api/v1/apps/${appId}`, { owner_user_ids: [] })
    expect((await ok<Page<{ id: string }>>(alice, 'GET', '/api/v1/drift')).items).toEqual([])
  })

  it('deletes an app made in Warden with its owners and settings, audited', async () => {
    const made = await ok<AppBody>(root, 'POST', '/api/v1/apps', { name: 'Payroll', description: 'Pays people', owner_user_ids: [alice.user.id] })
    await ok(root, 'PATCH', `/api/v1/apps/${made.id}/request-settings`, { max_duration_minutes: 240 })
    await ok(root, 'PUT', `/api/v1/apps/${made.id}/drift-setting`, { action: 'report' })
    const other = await ok<AppBody>(root, 'POST', '/api/v1/apps', { name: 'Wiki', owner_user_ids: [alice.user.id] })
    await ok(root, 'PUT', `/api/v1/apps/${other.id}/drift-setting`, { action: 'report' })

    for (const who of [reader, nobody, alice]) expectError(await call(who, 'DELETE', `/api/v1/apps/${made.id}`), 403, 'FORBIDDEN')
    expectError(await call(null, 'DELETE', `/api/v1/apps/${made.id}`), 401, 'UNAUTHENTICATED')
    expect((await call(reader, 'GET', `/api/v1/apps/${made.id}`)).statusCode).toBe(200)

    const res = await call(appAdmin, 'DELETE', `/api/v1/apps/${made.id}`)
    expect(res.statusCode).toBe(204)
    expect(res.body).toBe('')
    expectError(await call(reader, 'GET', `/api/v1/apps/${made.id}`), 404, 'NOT_FOUND')
    expectError(await call(appAdmin, 'DELETE', `/api/v1/apps/${made.id}`), 404, 'NOT_FOUND')
    expectError(await call(appAdmin, 'DELETE', '/api/v1/apps/nope'), 400, 'BAD_INPUT')
    const left = async (table: 'app_owners' | 'app_request_settings' | 'drift_settings') =>
      (await t.store.db.selectFrom(table).select('app_id').execute()).map((r) => r.app_id)
    expect(await left('app_owners')).toEqual([other.id])
    expect(await left('app_request_settings')).toEqual([])
    expect(await left('drift_settings')).toEqual([other.id])
    const [entry] = await auditOf(t.store, 'app.delete', made.id)
    expect(entry).toMatchObject({ actor: appAdmin.user.id, target_type: 'app', before: { id: made.id, name: 'Payroll', description: 'Pays people', owner_user_ids: [alice.user.id] }, after: null })
    expect(await appsOwnedBy(t.store.db, alice.user.id)).toEqual([other.id])
  })

  it('refuses to delete an app with an integration attached, a discovered app, and an app a template or draft campaign reviews', async () => {
    const { integrationId, appId } = await createTestIntegration(t.store)
    await inventory(t.store, integrationId, [
      ['app:1:access', 'Payroll access'],
      ['role:2:member', 'Finance member'],
    ])
    const discovered = await createApp(t.store.db, { name: 'Payroll', state: 'unmanaged', source_integration_id: integrationId, source_resource_id: 'app:1' })
    const seq = await auditCount(t.store)

    const attached = expectError(await call(root, 'DELETE', `/api/v1/apps/${appId}`), 409, 'CONFLICT')
    expect(attached).toBe(`app ${appId} ("OneLogin") has integration ${integrationId} attached: delete integration ${integrationId} first`)
    const found = expectError(await call(root, 'DELETE', `/api/v1/apps/${discovered.id}`), 409, 'CONFLICT')
    expect(found).toBe(`app ${discovered.id} ("Payroll") was discovered in OneLogin by integration ${integrationId} and follows OneLogin: it cannot be deleted in Warden`)
    expect(await auditCount(t.store)).toBe(seq)

    const reviewed = await ok<AppBody>(root, 'POST', '/api/v1/apps', { name: 'Reviewed' })
    const scope = { app_ids: [reviewed.id] }
    const draft = await ok<{ id: string }>(root, 'POST', '/api/v1/campaigns', {
      name: 'Quarterly review',
      scope,
      reviewers: { type: 'manager' },
      due_at: new Date(Date.now() + 7 * DAY_MS).toISOString(),
    })
    const template = await call(root, 'POST', '/api/v1/campaign-templates', {
      name: 'Every quarter',
      campaign: { name: 'Quarterly review', scope, reviewers: { type: 'manager' } },
      every_count: 3,
      every_unit: 'month',
      duration_days: 14,
    })
    expect(template.statusCode, template.body).toBe(201)
    const seqReviewed = await auditCount(t.store)
    const inScope = expectError(await call(root, 'DELETE', `/api/v1/apps/${reviewed.id}`), 409, 'CONFLICT')
    expect(inScope).toBe(`app ${reviewed.id} ("Reviewed") is in the scope of campaign template ${template.json().id}, draft campaign ${draft.id}: take it out of that scope first`)
    expect(await auditCount(t.store)).toBe(seqReviewed)
    expect((await call(root, 'DELETE', `/api/v1/campaign-templates/${template.json().id}`)).statusCode).toBe(204)
    expect((await call(root, 'DELETE', `/api/v1/campaigns/${draft.id}`)).statusCode).toBe(204)
    expect((await call(root, 'DELETE', `/api/v1/apps/${reviewed.id}`)).statusCode).toBe(204)

    // The refused ones are all still there, unchanged.
    expect((await ok<AppBody>(reader, 'GET', `/api/v1/apps/${appId}`)).name).toBe('OneLogin')
    expect((await ok<AppBody>(reader, 'GET', `/api/v1/apps/${discovered.id}`)).state).toBe('unmanaged')
    expect(await auditOf(t.store, 'app.delete', appId)).toEqual([])
  })

  it("lists an app's entitlements: its integrations' and a discovered app's access, by integration and id, a page at a time", async () => {
    const first = await createTestIntegration(t.store, { appName: 'OneLogin' })
    await inventory(t.store, first.integrationId, [
      ['app:1:access', 'Payroll access'],
      ['app:5:access', 'Wiki access'],
      ['role:2:member', 'Finance member'],
      ['role:3:member', 'FINANCE Member'],
      ['role:3:admin', 'Finance member admins'],
    ])
    const second = await createTestIntegration(t.store, { appName: 'OneLogin EU' })
    await inventory(t.store, second.integrationId, [
      ['app:1:access', 'Payroll access'],
      ['group:7:member', 'Finance member'],
    ])
    // A second integration attached to the first app: its entitlements come after, by integration id.
    await t.store.db.updateTable('integrations').set({ app_id: first.appId }).where('id', '=', second.integrationId).execute()
    const discovered = await createApp(t.store.db, { name: 'Payroll', state: 'unmanaged', source_integration_id: first.integrationId, source_resource_id: 'app:1' })
    await ok(root, 'PATCH', `/api/v1/integrations/${first.integrationId}/entitlements/app:1:access`, { requestable: true, risk_level: 'high' })

    const [lo, hi] = [first.integrationId, second.integrationId].sort() as [string, string]
    const ids = (items: EntitlementBody[]) => items.map((e) => `${e.integration_id === lo ? 'lo' : 'hi'} ${e.id}`)
    const everything = [
      ...(lo === first.integrationId
        ? ['app:1:access', 'app:5:access', 'role:2:member', 'role:3:admin', 'role:3:member']
        : ['app:1:access', 'group:7:member']
      ).map((id) => `lo ${id}`),
      ...(hi === first.integrationId
        ? ['app:1:access', 'app:5:access', 'role:2:member', 'role:3:admin', 'role:3:member']
        : ['app:1:access', 'group:7:member']
      ).map((id) => `hi ${id}`),
    ]
    const url = `/api/v1/apps/${first.appId}/entitlements`
    expect(ids((await ok<Page<EntitlementBody>>(reader, 'GET', url)).items)).toEqual(everything)
    const paged: EntitlementBody[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const got: Page<EntitlementBody> = await ok<Page<EntitlementBody>>(reader, 'GET', `${url}?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`)
      paged.push(...got.items)
      cursor = got.next_cursor
      pages++
    } while (cursor !== null)
    expect(pages).toBe(3)
    expect(ids(paged)).toEqual(everything)

    const access = await ok<Page<EntitlementBody>>(reader, 'GET', `/api/v1/apps/${discovered.id}/entitlements`)
    expect(access).toEqual({
      items: [expect.objectContaining({ integration_id: first.integrationId, id: 'app:1:access', display_name: 'Payroll access', requestable: true, risk_level: 'high' })],
      next_cursor: null,
    })

    const named = await ok<Page<EntitlementBody>>(reader, 'GET', `${url}?name=${encodeURIComponent('finance MEMBER')}`)
    expect(named.items.map((e) => [e.integration_id, e.id, e.display_name]).sort()).toEqual(
      [
        [first.integrationId, 'role:2:member', 'Finance member'],
        [first.integrationId, 'role:3:member', 'FINANCE Member'],
        [second.integrationId, 'group:7:member', 'Finance member'],
      ].sort(),
    )
    expect((await ok<Page<EntitlementBody>>(reader, 'GET', `${url}?name=Finance`)).items).toEqual([])
    expect((await ok<Page<EntitlementBody>>(reader, 'GET', `${url}?name=Finance%25`)).items).toEqual([])
    expect((await ok<Page<EntitlementBody>>(reader, 'GET', `${url}?q=admins`)).items.map((e) => e.id)).toEqual(['role:3:admin'])

    // configured=true: those with settings of their own (what `warden terraform export` writes).
    const configured = async () => ids((await ok<Page<EntitlementBody>>(reader, 'GET', `${url}?configured=true`)).items)
    expect(await configured()).toEqual([`${first.integrationId === lo ? 'lo' : 'hi'} app:1:access`])
    await ok(root, 'PATCH', `/api/v1/integrations/${first.integrationId}/entitlements/role:2:member`, { owner_user_ids: [alice.user.id] })
    await ok(root, 'PATCH', `/api/v1/integrations/${first.integrationId}/entitlements/role:3:admin`, { max_duration_minutes: 60 })
    const policy = await ok<{ id: string }>(root, 'POST', '/api/v1/policies', { name: 'Owners', kind: 'grant', steps: [{ approvers: [{ type: 'entitlement_owners' }] }] })
    await ok(root, 'PATCH', `/api/v1/integrations/${second.integrationId}/entitlements/group:7:member/request-settings`, { grant_policy_id: policy.id })
    // Settings put back to their defaults are no settings.
    await ok(root, 'PATCH', `/api/v1/integrations/${second.integrationId}/entitlements/app:1:access`, { requestable: true })
    await ok(root, 'PATCH', `/api/v1/integrations/${second.integrationId}/entitlements/app:1:access`, { requestable: false })
    const tag = (integrationId: string, id: string) => `${integrationId === lo ? 'lo' : 'hi'} ${id}`
    const set = [tag(first.integrationId, 'app:1:access'), tag(first.integrationId, 'role:2:member'), tag(first.integrationId, 'role:3:admin'), tag(second.integrationId, 'group:7:member')]
    expect(await configured()).toEqual(everything.filter((e) => set.includes(e)))
    expect(await configured()).toHaveLength(4)
    expect((await ok<Page<EntitlementBody>>(reader, 'GET', `${url}?configured=false`)).items).toHaveLength(everything.length)
    expect((await ok<Page<EntitlementBody>>(reader, 'GET', `/api/v1/apps/${discovered.id}/entitlements?name=wiki%20access`)).items).toEqual([])

    const bare = await ok<AppBody>(root, 'POST', '/api/v1/apps', { name: 'Bare' })
    expect(await ok(reader, 'GET', `/api/v1/apps/${bare.id}/entitlements`)).toEqual({ items: [], next_cursor: null })

    const foreign = (await ok<Page<unknown>>(reader, 'GET', `/api/v1/integrations/${first.integrationId}/entitlements?limit=1`)).next_cursor
    expectError(await call(reader, 'GET', `${url}?cursor=${foreign}`), 400, 'BAD_INPUT')
    expectError(await call(reader, 'GET', '/api/v1/apps/app_0000000000000000000000000a/entitlements'), 404, 'NOT_FOUND')
    expectError(await call(reader, 'GET', `${url}?type=role`), 400, 'BAD_INPUT')
    expectError(await call(nobody, 'GET', url), 403, 'FORBIDDEN')
    expectError(await call(null, 'GET', url), 401, 'UNAUTHENTICATED')
  })

  it('looks apps up by exact name, ignoring case, next to q', async () => {
    for (const name of ['Payroll', 'Payroll EU', 'payroll', 'Pay_roll']) await ok(root, 'POST', '/api/v1/apps', { name })
    const names = async (qs: string) => (await ok<Page<AppBody>>(reader, 'GET', `/api/v1/apps?${qs}`)).items.map((a) => a.name)
    expect((await names('name=PAYROLL')).sort()).toEqual(['Payroll', 'payroll'])
    expect((await names('q=payroll')).sort()).toEqual(['Payroll', 'Payroll EU', 'payroll'])
    expect(await names('name=Pay_roll')).toEqual(['Pay_roll'])
    expect(await names('name=Pay%25')).toEqual([])
    expect(await names(`name=${encodeURIComponent('Payroll EU')}&q=eu`)).toEqual(['Payroll EU'])
    expect(await names('name=Payroll&state=unmanaged')).toEqual([])
    expectError(await call(reader, 'GET', '/api/v1/apps?name='), 400, 'BAD_INPUT')
    expectError(await call(nobody, 'GET', '/api/v1/apps?name=Payroll'), 403, 'FORBIDDEN')
  })
})
