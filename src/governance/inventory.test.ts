import { afterAll, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { WardenError } from '../errors/index.js'
import { PRIVILEGE, newerSnapshot, olderSnapshot, tempDir, writeSnapshotFixture } from '../snapshot/test-fixture.js'
import type { FixtureSnapshot } from '../snapshot/test-fixture.js'
import { createUser } from '../store/index.js'
import type { Store } from '../store/index.js'
import { getPerson } from './identities.js'
import {
  createManagedApp,
  exportGrants,
  getApp,
  getEntitlement,
  getResource,
  listApps,
  listEntitlements,
  listResources,
  manageApp,
  searchGrants,
  updateApp,
  updateEntitlementSettings,
} from './inventory.js'
import type { GrantSearch } from './inventory.js'
import { createTestIntegration, ingestFile } from './inventory-test-support.js'
import type { Actor } from './policy.js'

// The inventory services over snapshots written with plain SQL (snapshot/test-fixture.ts), whose
// every row is known: Ann, Bob and Cat (suspended); roles Engineering (role:10, gives GitHub
// app:20, a SCIM app, and Salesforce app:21) and Sales (role:11, gives Salesforce); group Staff;
// the Help desk privilege, assigned to Engineering.

const tmp = tempDir()
afterAll(() => tmp.cleanup())
let fileNo = 0
function snapshot(data: FixtureSnapshot): string {
  const path = tmp.file(`snap-${++fileNo}.db`)
  writeSnapshotFixture(path, data)
  return path
}

const SUPER: Actor = { id: 'usr_super', roles: ['super-admin'], via: 'session' }
const READER: Actor = { id: 'usr_reader', roles: ['campaign-admin'], via: 'session' } // apps:read only
const NOBODY: Actor = { id: 'usr_nobody', roles: [], via: 'session' }

async function refusal(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected a refusal')
}

async function auditActions(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('audit_log').select('action').orderBy('seq').execute()).map((r) => r.action)
}

async function ids(store: Store, search: GrantSearch, actor: Actor = READER): Promise<string[]> {
  const all: string[] = []
  let cursor: string | null = null
  do {
    const page = await searchGrants(store, actor, search, { limit: 3, cursor })
    all.push(...page.items.map((g) => g.id))
    cursor = page.next_cursor
  } while (cursor !== null)
  return all
}

describeDialects('inventory services', (t) => {
  let integrationId: string
  let attachedAppId: string
  beforeEach(async () => {
    const made = await createTestIntegration(t.store, { appName: 'Acme OneLogin' })
    integrationId = made.integrationId
    attachedAppId = made.appId
    await ingestFile(t.store, integrationId, snapshot(olderSnapshot()))
  })

  it('SCIM apps appear unmanaged and can be managed only with role memberships that carry them', async () => {
    const discovered = await listApps(t.store, READER, { state: 'unmanaged' })
    expect(discovered.items.map((a) => [a.name, a.source_integration_id, a.source_resource_id])).toEqual([['GitHub', integrationId, 'app:20']])
    const github = discovered.items[0]!
    expect(await getApp(t.store, READER, github.id)).toMatchObject({
      state: 'unmanaged',
      access: { integration_id: integrationId, entitlement_id: 'app:20:access' },
      integrations: [],
      bindings: [],
    })
    const before = await auditActions(t.store)

    const sales = await refusal(manageApp(t.store, SUPER, github.id, { entitlement_ids: ['role:10:member', 'role:11:member'] }))
    expect([sales.code, sales.message]).toEqual(['BAD_INPUT', 'role:11:member does not carry app:20:access ("GitHub") in OneLogin; roles that do: role:10:member'])
    const notRole = await refusal(manageApp(t.store, SUPER, github.id, { entitlement_ids: ['app:20:access', 'group:30:member'] }))
    expect(notRole.message).toBe('only OneLogin role memberships (role:<id>:member) can be bound to an app; not "app:20:access", "group:30:member"')
    expect((await refusal(manageApp(t.store, SUPER, github.id, { entitlement_ids: [] }))).code).toBe('BAD_INPUT')
    const made = await refusal(manageApp(t.store, SUPER, attachedAppId, { entitlement_ids: ['role:10:member'] }))
    expect(made.message).toMatch(/was made in Warden, not discovered in OneLogin/)
    expect((await refusal(manageApp(t.store, SUPER, 'app_nope', { entitlement_ids: ['role:10:member'] }))).code).toBe('NOT_FOUND')
    expect((await refusal(manageApp(t.store, READER, github.id, { entitlement_ids: ['role:10:member'] }))).code).toBe('FORBIDDEN')
    expect(await getApp(t.store, READER, github.id)).toMatchObject({ state: 'unmanaged', bindings: [] })
    expect(await auditActions(t.store)).toEqual(before)

    const managed = await manageApp(t.store, SUPER, github.id, { entitlement_ids: ['role:10:member'] })
    expect(managed).toMatchObject({ state: 'managed', bindings: [{ integration_id: integrationId, entitlement_id: 'role:10:member', entitlement_name: 'Engineering member' }] })
    const entry = await t.store.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow()
    expect([entry.action, entry.actor, entry.target_id]).toEqual(['app.manage', SUPER.id, github.id])
    expect(JSON.parse(entry.after!)).toEqual({ state: 'managed', integration_id: integrationId, bindings: ['role:10:member'] })

    // A sync keeps the app managed and its bindings.
    await ingestFile(t.store, integrationId, snapshot(newerSnapshot()))
    expect(await getApp(t.store, READER, github.id)).toMatchObject({ state: 'managed', bindings: [{ entitlement_id: 'role:10:member' }] })
    expect((await listApps(t.store, READER, { state: 'unmanaged' })).items).toEqual([])
  })

  it('apps made in Warden are managed; changes are audited; the attached integration shows without credentials', async () => {
    const app = await createManagedApp(t.store, SUPER, { name: '  Payroll  ', description: 'Pays people' })
    expect(app).toMatchObject({ name: 'Payroll', state: 'managed', access: null, integrations: [], bindings: [] })
    expect(await updateApp(t.store, SUPER, app.id, { name: 'Payroll EU' })).toMatchObject({ name: 'Payroll EU', description: 'Pays people' })
    expect((await refusal(updateApp(t.store, SUPER, app.id, { name: ' ' }))).code).toBe('BAD_INPUT')
    expect((await refusal(createManagedApp(t.store, READER, { name: 'X' }))).code).toBe('FORBIDDEN')
    expect((await refusal(listApps(t.store, NOBODY))).code).toBe('FORBIDDEN')
    expect((await auditActions(t.store)).slice(-2)).toEqual(['app.create', 'app.update'])
    const attached = await getApp(t.store, READER, attachedAppId)
    expect(attached.integrations).toEqual([{ id: integrationId, mode: 'hosted', status: 'connected', onelogin_domain: 'acme', last_sync_at: null }])
    expect(JSON.stringify(attached)).not.toContain('client_secret')
  })

  it('grant search: every filter, alone and combined, with keyset pages', async () => {
    const other = await createTestIntegration(t.store)
    await ingestFile(t.store, other.integrationId, snapshot(newerSnapshot()))
    const older = olderSnapshot().grants.map((g) => `${g.entitlement_id}:${g.principal_id}`)
    const newer = newerSnapshot()
      .grants.map((g) => `${g.entitlement_id}:${g.principal_id}`)
      .sort()
    const [first, second] = [integrationId, other.integrationId].sort()
    const byIntegration = { [integrationId]: older, [other.integrationId]: newer }
    expect(await ids(t.store, {})).toEqual([...byIntegration[first!]!, ...byIntegration[second!]!])
    expect(await ids(t.store, { integration_id: integrationId })).toEqual(older)

    const mine = { integration_id: integrationId }
    const bob = ['app:20:access:user:2', 'app:21:access:user:2', 'role:10:member:user:2', 'role:11:member:user:2']
    expect(await ids(t.store, { ...mine, user: 'user:2' })).toEqual(bob)
    expect(await ids(t.store, { ...mine, user: 'BOB@acme.test' })).toEqual(bob)
    const bobIdentity = await t.store.db.selectFrom('identities').select('id').where('email', '=', 'bob@acme.test').executeTakeFirstOrThrow()
    expect(await ids(t.store, { ...mine, user: bobIdentity.id })).toEqual(bob)
    // An identity spans integrations: Bob in the newer tenant left Sales.
    expect((await ids(t.store, { user: bobIdentity.id })).length).toBe(bob.length + 3)

    expect(await ids(t.store, { ...mine, app: 'app:21' })).toEqual(['app:21:access:user:1', 'app:21:access:user:2'])
    expect(await ids(t.store, { ...mine, entitlement_id: 'role:10:member' })).toEqual(['role:10:member:user:1', 'role:10:member:user:2'])
    expect(await ids(t.store, { ...mine, app: 'app:21', entitlement_id: 'role:10:member' })).toEqual([])
    const github = (await listApps(t.store, READER, { source_integration_id: integrationId })).items[0]!
    expect(await ids(t.store, { app_id: github.id })).toEqual(['app:20:access:user:1', 'app:20:access:user:2'])
    expect(await ids(t.store, { app_id: attachedAppId })).toEqual(older)

    expect(await ids(t.store, { ...mine, role: 'role:11' })).toEqual(['app:21:access:user:2', 'role:11:member:user:2'])
    expect(await ids(t.store, { ...mine, role: 'role:10' })).toEqual([
      'app:20:access:user:1',
      'app:20:access:user:2',
      'app:21:access:user:1',
      'app:21:access:user:2',
      `${PRIVILEGE}:assigned:role:10`,
      `${PRIVILEGE}:assigned:user:1`,
      'role:10:admin:user:1',
      'role:10:member:user:1',
      'role:10:member:user:2',
    ])
    // role:1 is not role:10: the match is on whole ids.
    expect(await ids(t.store, { ...mine, role: 'role:1' })).toEqual([])

    expect(await ids(t.store, { ...mine, status: 'suspended' })).toEqual(['group:30:member:user:3'])
    expect(await ids(t.store, { ...mine, direct: false })).toEqual(['app:20:access:user:1', 'app:20:access:user:2', 'app:21:access:user:1', 'app:21:access:user:2'])
    expect((await ids(t.store, { ...mine, direct: true })).length).toBe(8)
    expect(await ids(t.store, { ...mine, user: 'user:2', direct: false, status: 'active', role: 'role:11' })).toEqual(['app:21:access:user:2'])

    const page = await searchGrants(t.store, READER, { ...mine, user: 'user:2', app: 'app:21' })
    expect(page).toEqual({
      items: [
        {
          integration_id: integrationId,
          id: 'app:21:access:user:2',
          entitlement_id: 'app:21:access',
          entitlement_name: 'Salesforce access',
          principal_id: 'user:2',
          principal_name: 'Bob Baker',
          principal_email: 'bob@acme.test',
          principal_status: 'active',
          principal_identity_id: expect.stringMatching(/^idn_/),
          direct: false,
          sources: ['role:10:member', 'role:11:member'],
        },
      ],
      next_cursor: null,
    })

    for (const [search, message] of [
      [{ user: 'bob' }, /^user must be a OneLogin user \(user:<id>\), an email address or an identity id/],
      [{ user: 'user:x' }, /is not a resource ID/],
      [{ app: 'role:10' }, /^app must be a OneLogin app/],
      [{ role: 'app:20' }, /^role must be a OneLogin role/],
      [{ entitlement_id: 'app:20:owner' }, /is not an entitlement ID/],
      [{ status: 'sleepy' }, /^status must be one of unactivated, active/],
    ] as const) {
      const e = await refusal(searchGrants(t.store, READER, search))
      expect(e.code).toBe('BAD_INPUT')
      expect(e.message).toMatch(message)
    }
    expect((await refusal(searchGrants(t.store, READER, { app_id: 'app_nope' }))).code).toBe('NOT_FOUND')
    expect((await refusal(searchGrants(t.store, NOBODY, {}))).code).toBe('FORBIDDEN')
  })

  it('exports a search as CSV, streamed, with formulas in names defused', async () => {
    const data = olderSnapshot()
    data.resources[2]!.display_name = '=HYPERLINK("http://evil.example","Cat")'
    const other = await createTestIntegration(t.store)
    await ingestFile(t.store, other.integrationId, snapshot(data))
    const chunks: string[] = []
    for await (const chunk of await exportGrants(t.store, READER, 'csv', { integration_id: other.integrationId, user: 'user:3' })) chunks.push(chunk)
    expect(chunks.join('')).toBe(
      [
        'integration_id,id,entitlement_id,entitlement_name,principal_id,principal_name,principal_email,principal_status,direct,sources',
        `${other.integrationId},group:30:member:user:3,group:30:member,Staff member,user:3,"'=HYPERLINK(""http://evil.example"",""Cat"")",cat@acme.test,suspended,true,`,
        '',
      ].join('\n'),
    )
    let rows = 0
    for await (const chunk of await exportGrants(t.store, READER, 'csv', { integration_id: integrationId, direct: false })) rows += chunk.split('\n').length - 1
    expect(rows).toBe(1 + 4)
    const multi: string[] = []
    for await (const chunk of await exportGrants(t.store, READER, 'csv', { integration_id: integrationId, app: 'app:21' })) multi.push(chunk)
    expect(multi.join('')).toContain('app:21:access:user:2,app:21:access,Salesforce access,user:2,Bob Baker,bob@acme.test,active,false,role:10:member;role:11:member\n')
    expect((await refusal(exportGrants(t.store, NOBODY, 'csv'))).code).toBe('FORBIDDEN')
    expect((await refusal(exportGrants(t.store, READER, 'csv', { app_id: 'app_nope' }))).code).toBe('NOT_FOUND')
  })

  it('entitlement settings: saved, validated, audited, and kept by later syncs', async () => {
    const owner = await createUser(t.store.db, { email: 'owner@example.com', display_name: 'Owner' })
    const initial = await getEntitlement(t.store, READER, integrationId, 'app:21:access')
    expect(initial).toMatchObject({ display_name: 'Salesforce access', description: null, requestable: false, max_duration_minutes: null, risk_level: null, owners: [] })
    const before = await auditActions(t.store)

    for (const [patch, message] of [
      [{ risk_level: 'extreme' }, /^risk_level must be one of low, medium, high, critical/],
      [{ max_duration_minutes: 0 }, /^max_duration_minutes must be a whole number/],
      [{ max_duration_minutes: 1.5 }, /^max_duration_minutes must be a whole number/],
      [{ description: 'x'.repeat(2001) }, /^description must be at most 2000/],
      [{ owner_user_ids: [owner.id, 'usr_ghost'], requestable: true }, /^owners must be Warden users; no user usr_ghost$/],
    ] as const) {
      const e = await refusal(updateEntitlementSettings(t.store, SUPER, integrationId, 'app:21:access', patch as never))
      expect(e.code).toBe('BAD_INPUT')
      expect(e.message).toMatch(message)
    }
    expect((await refusal(updateEntitlementSettings(t.store, SUPER, integrationId, 'app:99:access', { requestable: true }))).code).toBe('NOT_FOUND')
    expect((await refusal(updateEntitlementSettings(t.store, SUPER, 'int_nope', 'app:21:access', { requestable: true }))).code).toBe('NOT_FOUND')
    expect((await refusal(updateEntitlementSettings(t.store, READER, integrationId, 'app:21:access', { requestable: true }))).code).toBe('FORBIDDEN')
    expect(await getEntitlement(t.store, READER, integrationId, 'app:21:access')).toEqual(initial)
    expect(await auditActions(t.store)).toEqual(before)

    const saved = await updateEntitlementSettings(t.store, SUPER, integrationId, 'app:21:access', {
      description: 'CRM',
      requestable: true,
      max_duration_minutes: 480,
      risk_level: 'high',
      owner_user_ids: [owner.id],
    })
    expect(saved).toMatchObject({ description: 'CRM', requestable: true, max_duration_minutes: 480, risk_level: 'high', owners: [{ id: owner.id, email: 'owner@example.com' }] })
    // A partial change keeps the rest.
    expect(await updateEntitlementSettings(t.store, SUPER, integrationId, 'app:21:access', { risk_level: null })).toMatchObject({ description: 'CRM', requestable: true, risk_level: null })
    const entry = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'entitlement.update').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow()
    expect(entry.target_id).toBe(`${integrationId}/app:21:access`)
    expect(JSON.parse(entry.before!)).toMatchObject({ risk_level: 'high' })
    expect(JSON.parse(entry.after!)).toMatchObject({ risk_level: null, owner_user_ids: [owner.id] })

    expect((await listEntitlements(t.store, READER, integrationId, { requestable: true })).items.map((e) => e.id)).toEqual(['app:21:access'])
    expect((await listEntitlements(t.store, READER, integrationId, { requestable: false, type: 'app' })).items.map((e) => e.id)).toEqual(['app:20:access'])

    // The newer sync renames the app (its entitlement too); the settings stay.
    const renamed = newerSnapshot()
    renamed.entitlements = renamed.entitlements.map((e) => (e.id === 'app:21:access' ? { ...e, display_name: 'Salesforce CRM access' } : e))
    await ingestFile(t.store, integrationId, snapshot(renamed))
    expect(await getEntitlement(t.store, READER, integrationId, 'app:21:access')).toMatchObject({
      display_name: 'Salesforce CRM access',
      description: 'CRM',
      requestable: true,
      max_duration_minutes: 480,
      owners: [{ id: owner.id }],
    })
  })

  it('resources and entitlements: filters, pages, and clear refusals', async () => {
    const users = await listResources(t.store, READER, integrationId, { type: 'user' }, { limit: 2 })
    expect(users.items.map((r) => r.display_name)).toEqual(['Ann Archer', 'Bob Baker'])
    const rest = await listResources(t.store, READER, integrationId, { type: 'user' }, { limit: 2, cursor: users.next_cursor })
    expect(rest).toMatchObject({ items: [{ id: 'user:3', status: 'suspended', email: 'cat@acme.test' }], next_cursor: null })
    expect((await listResources(t.store, READER, integrationId, { q: 'sAL' })).items.map((r) => r.id)).toEqual(['app:21', 'role:11'])
    const ann = await getResource(t.store, READER, integrationId, 'user:1')
    expect(ann).toMatchObject({ type: 'user', email: 'ann@acme.test', status: 'active', identity_id: expect.stringMatching(/^idn_/) })
    expect(ann.traits).toMatchObject({ department: 'Engineering', enabled: true })
    expect((await refusal(getResource(t.store, READER, integrationId, 'user:99'))).message).toBe(`integration ${integrationId} has no resource user:99`)
    expect((await refusal(listResources(t.store, READER, 'int_nope'))).message).toBe('no integration int_nope')
    expect((await refusal(listResources(t.store, NOBODY, integrationId))).code).toBe('FORBIDDEN')

    expect((await listEntitlements(t.store, READER, integrationId, { type: 'role' })).items.map((e) => e.id)).toEqual([
      'role:10:admin',
      'role:10:member',
      'role:11:admin',
      'role:11:member',
    ])
    expect((await listEntitlements(t.store, READER, integrationId, { q: 'help' })).items).toMatchObject([{ id: `${PRIVILEGE}:assigned`, grantable_to: ['user', 'role'] }])
    expect((await refusal(getEntitlement(t.store, READER, integrationId, 'role:12:member'))).code).toBe('NOT_FOUND')
  })

  it("an identity shows the OneLogin accounts linked to it, across integrations", async () => {
    const other = await createTestIntegration(t.store)
    await ingestFile(t.store, other.integrationId, snapshot(newerSnapshot()))
    const bob = await t.store.db.selectFrom('identities').select('id').where('email', '=', 'bob@acme.test').executeTakeFirstOrThrow()
    const person = await getPerson(t.store, READER, bob.id)
    expect(person.accounts.map(({ integration_id, id, display_name, email, status }) => ({ integration_id, id, display_name, email, status }))).toEqual(
      [
        { integration_id: integrationId, id: 'user:2', display_name: 'Bob Baker', email: 'bob@acme.test', status: 'active' },
        { integration_id: other.integrationId, id: 'user:2', display_name: 'Bob Baker', email: 'bob@acme.test', status: 'suspended' },
      ].sort((a, b) => (a.integration_id < b.integration_id ? -1 : 1)),
    )
    expect((await refusal(getPerson(t.store, { id: 'usr_x', roles: [], via: 'session' }, bob.id))).code).toBe('FORBIDDEN')
  })
})
