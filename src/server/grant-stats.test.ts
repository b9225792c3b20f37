import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { expectedGrants } from '../connector/test-support.js'
import { demoTenant } from '../emulator/index.js'
import { createTestIntegration, ingestFile, snapshotOf } from '../governance/inventory-test-support.js'
import { expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'
import { buildServer } from './index.js'

// GET /api/v1/grants/by-app (the console's "grants by application" chart) and an app's carriers,
// over the demo tenant as the real sync snapshots it. Its apps reach people only through roles:
// Employees (24 people) gives Slack, Google Workspace, Zoom, Workday and the portal; Contractors
// (Oliver, not an employee) Slack and GitHub; Engineering (8, Oliver among them) GitHub and
// Datadog; IT Admins (3) Datadog and 1Password; Tableau is in no role.

const dir = mkdtempSync(join(tmpdir(), 'warden-grant-stats-'))
const file = join(dir, 'demo.db')
const tenant = demoTenant()

beforeAll(async () => {
  await snapshotOf(tenant, file)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Count {
  integration_id: string
  resource_id: string
  app_name: string
  warden_app_id: string | null
  grants: number
  direct_grants: number
}

/** Every app with access grants in the demo tenant: [app id, name, holders], most first, then by id. */
const DEMO: [number, string, number][] = [
  [1204101, 'Slack', 25],
  [1204102, 'Google Workspace', 24],
  [1204103, 'Zoom', 24],
  [1204107, 'Workday', 24],
  [1204114, 'Acme Employee Portal', 24],
  [1204109, 'Datadog', 11],
  [1204104, 'GitHub', 8],
  [1204106, 'Salesforce', 6],
  [1204108, 'Oracle NetSuite', 4],
  [1204110, 'Expensify', 4],
  [1204105, 'Amazon Web Services (AWS) Multi Account', 3],
  [1204111, '1Password', 3],
  [1204112, 'Greenhouse', 2],
]
/** The demo tenant's SCIM (provisioned) apps: each gets a discovered Warden app. */
const SCIM = new Set([1204101, 1204104, 1204106])

describeDialects('grants by application API', (t) => {
  let app: App
  let root: Person
  let reader: Person
  let integrationId: string
  beforeEach(async () => {
    app = await buildServer({ store: t.store })
    root = await person(t.store, ['super-admin'])
    reader = await person(t.store, ['read-only-admin'])
    integrationId = (await createTestIntegration(t.store)).integrationId
    await ingestFile(t.store, integrationId, file)
  })
  afterEach(async () => {
    await app.close()
  })

  const get = async <T>(who: Person, url: string): Promise<T> => {
    const res = await app.inject({ method: 'GET', url, headers: who.bearer })
    expect(res.statusCode, `GET ${url}: ${res.body}`).toBe(200)
    return res.json() as T
  }
  const appIdOf = async (integration: string, resource: string): Promise<string> =>
    (await t.store.db.selectFrom('apps').select('id').where('source_integration_id', '=', integration).where('source_resource_id', '=', resource).executeTakeFirstOrThrow()).id

  it('counts each app’s access grants, most first, with the Warden app discovered from it', async () => {
    // The table above is the tenant's: the connector's expected grants agree with it.
    const fromSeed = new Map<string, number>()
    for (const g of expectedGrants(tenant, { privileges: true })) if (g.entitlement.startsWith('app:')) fromSeed.set(g.entitlement, (fromSeed.get(g.entitlement) ?? 0) + 1)
    expect(Object.fromEntries(fromSeed)).toEqual(Object.fromEntries(DEMO.map(([id, , n]) => [`app:${id}:access`, n])))

    const want = async ([id, name, n]: [number, string, number]): Promise<Count> => ({
      integration_id: integrationId,
      resource_id: `app:${id}`,
      app_name: name,
      warden_app_id: SCIM.has(id) ? await appIdOf(integrationId, `app:${id}`) : null,
      grants: n,
      direct_grants: 0,
    })
    const top = await get<{ items: Count[] }>(reader, '/api/v1/grants/by-app')
    expect(top.items).toEqual(await Promise.all(DEMO.slice(0, 10).map(want)))
    const all = await get<{ items: Count[] }>(reader, `/api/v1/grants/by-app?integration_id=${integrationId}&limit=100`)
    expect(all.items).toEqual(await Promise.all(DEMO.map(want)))
    expect(all.items.map((c) => c.resource_id)).not.toContain('app:1204113') // Tableau: nobody holds it
    expect((await get<{ items: Count[] }>(reader, '/api/v1/grants/by-app?limit=3')).items.map((c) => [c.app_name, c.grants])).toEqual([
      ['Slack', 25],
      ['Google Workspace', 24],
      ['Zoom', 24],
    ])
  })

  it('of one integration or of all; counts direct grants; names an app as Warden does', async () => {
    const second = (await createTestIntegration(t.store, { appName: 'OneLogin EU' })).integrationId
    await ingestFile(t.store, second, file)
    // In the second tenant, Maria holds Slack directly as well, and Tableau only directly.
    await t.store.db
      .updateTable('grants')
      .set({ direct: 1 })
      .where('integration_id', '=', second)
      .where('entitlement_id', '=', 'app:1204101:access')
      .where('principal_id', '=', 'user:41235001')
      .execute()
    await t.store.db
      .insertInto('grants')
      .values({ integration_id: second, entitlement_id: 'app:1204113:access', principal_id: 'user:41235001', direct: 1, sources: '[]' })
      .execute()
    // Slack's Warden app in the first integration gets a name of its own.
    const slack = await appIdOf(integrationId, 'app:1204101')
    const renamed = await app.inject({ method: 'PATCH', url: `/api/v1/apps/${slack}`, headers: root.bearer, payload: { name: 'Slack (Acme)' } })
    expect(renamed.statusCode, renamed.body).toBe(200)

    const secondOnly = await get<{ items: Count[] }>(reader, `/api/v1/grants/by-app?integration_id=${second}&limit=100`)
    expect(secondOnly.items.map((c) => [c.integration_id, c.resource_id, c.app_name, c.grants, c.direct_grants])).toEqual([
      ...DEMO.map(([id, name, n]) => [second, `app:${id}`, name, n, id === 1204101 ? 1 : 0]),
      [second, 'app:1204113', 'Tableau Cloud', 1, 1],
    ])
    expect(secondOnly.items.find((c) => c.resource_id === 'app:1204101')?.warden_app_id).toBe(await appIdOf(second, 'app:1204101'))
    expect(secondOnly.items.find((c) => c.resource_id === 'app:1204113')?.warden_app_id).toBeNull()

    // Across both: equal counts are ordered by integration, then app.
    const [first, next] = [integrationId, second].sort()
    const name = (id: string) => (id === integrationId ? 'Slack (Acme)' : 'Slack')
    const both = await get<{ items: Count[] }>(reader, '/api/v1/grants/by-app?limit=4')
    expect(both.items.map((c) => [c.integration_id, c.resource_id, c.app_name, c.grants, c.direct_grants])).toEqual([
      [first, 'app:1204101', name(first!), 25, first === second ? 1 : 0],
      [next, 'app:1204101', name(next!), 25, next === second ? 1 : 0],
      [first, 'app:1204102', 'Google Workspace', 24, 0],
      [first, 'app:1204103', 'Zoom', 24, 0],
    ])

    // An integration that has not synced yet has no grants to count.
    const fresh = (await createTestIntegration(t.store, { appName: 'OneLogin new' })).integrationId
    expect(await get(reader, `/api/v1/grants/by-app?integration_id=${fresh}`)).toEqual({ items: [] })
  })

  it('refuses a bad limit or integration, and callers without apps:read', async () => {
    const call = (url: string, who?: Person) => app.inject({ method: 'GET', url, ...(who === undefined ? {} : { headers: who.bearer }) })
    for (const limit of ['0', '101', 'ten']) {
      expectError(await call(`/api/v1/grants/by-app?limit=${limit}`, reader), 400, 'BAD_INPUT')
      expect((await call(`/api/v1/grants/by-app?limit=${limit}`, reader)).json().error.fields).toHaveProperty('limit')
    }
    expectError(await call('/api/v1/grants/by-app?integration_id=nope', reader), 400, 'BAD_INPUT')
    expectError(await call('/api/v1/grants/by-app?app=app:1', reader), 400, 'BAD_INPUT')
    expectError(await call('/api/v1/grants/by-app?integration_id=int_0000000000000000000000000a', reader), 404, 'NOT_FOUND')
    expectError(await call('/api/v1/grants/by-app'), 401, 'UNAUTHENTICATED')
    expectError(await call('/api/v1/grants/by-app', await person(t.store, [])), 403, 'FORBIDDEN')
  })

  it('an app names the role memberships that carry it (what manage accepts), and managing binds them', async () => {
    const github = await appIdOf(integrationId, 'app:1204104')
    const detail = await get<{ state: string; carriers: unknown[]; bindings: unknown[] }>(reader, `/api/v1/apps/${github}`)
    expect(detail).toMatchObject({ state: 'unmanaged', bindings: [] })
    expect(detail.carriers).toEqual([
      { entitlement_id: 'role:330102:member', entitlement_name: 'Engineering member' },
      { entitlement_id: 'role:330108:member', entitlement_name: 'Contractors member' },
    ])
    const managed = await app.inject({
      method: 'POST',
      url: `/api/v1/apps/${github}/manage`,
      headers: root.bearer,
      payload: { entitlement_ids: ['role:330102:member', 'role:330108:member'] },
    })
    expect(managed.statusCode, managed.body).toBe(200)
    expect(managed.json()).toMatchObject({ state: 'managed', bindings: [{ entitlement_id: 'role:330102:member' }, { entitlement_id: 'role:330108:member' }] })
    // An app made in Warden (here the one the integration is attached to) has no carriers.
    const owner = (await t.store.db.selectFrom('integrations').select('app_id').where('id', '=', integrationId).executeTakeFirstOrThrow()).app_id
    expect((await get<{ carriers: unknown[] }>(reader, `/api/v1/apps/${owner}`)).carriers).toEqual([])
  })
})
