import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { expectedGrants } from '../connector/test-support.js'
import { createTestIntegration, ingestFile, snapshotOf, tenantPair } from '../governance/inventory-test-support.js'
import type { TenantPair } from '../governance/inventory-test-support.js'
import { auditCount, expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'
import { buildServer } from './index.js'

// The inventory API over a snapshot the real sync made of an emulator tenant; expected grants
// come from the tenant seed (connector test-support).

const dir = mkdtempSync(join(tmpdir(), 'warden-inventory-api-'))
const file = join(dir, 'tenant.db')
let pair: TenantPair

beforeAll(async () => {
  pair = tenantPair()
  await snapshotOf(pair.before, file)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SECRET = 'client-secret-that-must-never-show-9f1c'

interface Page<T> {
  items: T[]
  next_cursor: string | null
}
interface GrantBody {
  id: string
  integration_id: string
  principal_id: string
  principal_email: string | null
  direct: boolean
  sources: string[]
}

describeDialects('inventory API', (t) => {
  let app: App
  let root: Person
  let reader: Person
  let integrationId: string
  let scimAppId: string
  beforeEach(async () => {
    app = await buildServer({ store: t.store })
    root = await person(t.store, ['super-admin'])
    reader = await person(t.store, ['read-only-admin'])
    const made = await createTestIntegration(t.store)
    integrationId = made.integrationId
    await t.store.db.updateTable('integrations').set({ client_secret: SECRET }).where('id', '=', integrationId).execute()
    await ingestFile(t.store, integrationId, file)
    scimAppId = (await t.store.db.selectFrom('apps').select('id').where('source_resource_id', '=', `app:${pair.renamedApp}`).executeTakeFirstOrThrow()).id
  })
  afterEach(async () => {
    await app.close()
  })

  const call = async (who: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
    const res = await app.inject({ method, url, headers: who.bearer, ...(payload === undefined ? {} : { payload }) })
    expect(res.body).not.toContain(SECRET)
    return res
  }
  const ok = async <T>(who: Person, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object): Promise<T> => {
    const res = await call(who, method, url, payload)
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300)
    return res.json() as T
  }

  it('apps: discovered SCIM apps, one app with its integration, managing through the roles that carry it', async () => {
    const scim = pair.before.apps.filter((a) => a.provisioning_enabled)
    const unmanaged = await ok<Page<{ name: string; state: string }>>(reader, 'GET', '/api/v1/apps?state=unmanaged')
    expect(unmanaged.items.map((a) => a.name).sort()).toEqual(scim.map((a) => a.name).sort())

    const detail = await ok<{ access: unknown; bindings: unknown[] }>(reader, 'GET', `/api/v1/apps/${scimAppId}`)
    expect(detail).toMatchObject({ state: 'unmanaged', access: { integration_id: integrationId, entitlement_id: `app:${pair.renamedApp}:access` }, bindings: [] })
    const attached = await ok<{ integrations: { id: string }[] }>(reader, 'GET', `/api/v1/apps/${(await t.store.db.selectFrom('integrations').select('app_id').where('id', '=', integrationId).executeTakeFirstOrThrow()).app_id}`)
    expect(attached.integrations.map((i) => i.id)).toEqual([integrationId])

    const carriers = pair.before.roles.filter((r) => r.apps.includes(pair.renamedApp)).map((r) => `role:${r.id}:member`)
    const other = pair.before.roles.find((r) => !r.apps.includes(pair.renamedApp))!
    expect(carriers.length).toBeGreaterThan(0)
    const refused = expectError(await call(root, 'POST', `/api/v1/apps/${scimAppId}/manage`, { entitlement_ids: [`role:${other.id}:member`] }), 400, 'BAD_INPUT')
    expect(refused).toContain(`role:${other.id}:member does not carry app:${pair.renamedApp}:access`)
    expectError(await call(reader, 'POST', `/api/v1/apps/${scimAppId}/manage`, { entitlement_ids: carriers }), 403, 'FORBIDDEN')
    const managed = await ok<{ state: string; bindings: { entitlement_id: string }[] }>(root, 'POST', `/api/v1/apps/${scimAppId}/manage`, { entitlement_ids: carriers })
    expect(managed.state).toBe('managed')
    expect(managed.bindings.map((b) => b.entitlement_id)).toEqual([...carriers].sort())

    const created = await call(root, 'POST', '/api/v1/apps', { name: 'Payroll', description: 'Pays people' })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({ name: 'Payroll', state: 'managed', access: null })
    const renamed = await ok<{ name: string }>(root, 'PATCH', `/api/v1/apps/${created.json().id}`, { name: 'Payroll EU' })
    expect(renamed.name).toBe('Payroll EU')
    expectError(await call(root, 'PATCH', `/api/v1/apps/${created.json().id}`, {}), 400, 'BAD_INPUT')
    expectError(await call(root, 'GET', '/api/v1/apps/app_nope'), 400, 'BAD_INPUT')
    expectError(await call(root, 'GET', '/api/v1/apps/app_0000000000000000000000000a'), 404, 'NOT_FOUND')
  })

  it('resources and entitlements by integration, with ids that contain colons; entitlement settings', async () => {
    const users = await ok<Page<{ id: string; email: string | null; identity_id: string | null }>>(reader, 'GET', `/api/v1/integrations/${integrationId}/resources?type=user&limit=7`)
    expect(users.items).toHaveLength(7)
    expect(users.next_cursor).not.toBeNull()
    const u = pair.before.users[5]!
    const one = await ok<{ id: string; email: string; traits: { status: string } }>(reader, 'GET', `/api/v1/integrations/${integrationId}/resources/user:${u.id}`)
    expect(one).toMatchObject({ id: `user:${u.id}`, type: 'user', email: u.email })
    // Percent-encoded colons work too.
    expect((await ok<{ id: string }>(reader, 'GET', `/api/v1/integrations/${integrationId}/resources/user%3A${u.id}`)).id).toBe(`user:${u.id}`)
    expectError(await call(reader, 'GET', `/api/v1/integrations/${integrationId}/resources/user:1`), 404, 'NOT_FOUND')
    expectError(await call(reader, 'GET', `/api/v1/integrations/${integrationId}/resources/robot:1`), 400, 'BAD_INPUT')
    expectError(await call(reader, 'GET', `/api/v1/integrations/int_0000000000000000000000000a/resources`), 404, 'NOT_FOUND')

    const apps = await ok<Page<{ id: string }>>(reader, 'GET', `/api/v1/integrations/${integrationId}/entitlements?type=app`)
    expect(apps.items.map((e) => e.id)).toEqual(pair.before.apps.map((a) => `app:${a.id}:access`).sort())
    const role = pair.before.roles[0]!
    const url = `/api/v1/integrations/${integrationId}/entitlements/role:${role.id}:member`
    expect(await ok(reader, 'GET', url)).toMatchObject({ display_name: `${role.name} member`, requestable: false, owners: [] })

    const seq = await auditCount(t.store)
    expectError(await call(reader, 'PATCH', url, { requestable: true }), 403, 'FORBIDDEN')
    expectError(await call(root, 'PATCH', url, { risk_level: 'extreme' }), 400, 'BAD_INPUT')
    expectError(await call(root, 'PATCH', url, { owner_user_ids: ['usr_0000000000000000000000000a'] }), 400, 'BAD_INPUT')
    expectError(await call(root, 'PATCH', `/api/v1/integrations/${integrationId}/entitlements/role:1:member`, { requestable: true }), 404, 'NOT_FOUND')
    expect(await auditCount(t.store)).toBe(seq)
    const saved = await ok(root, 'PATCH', url, { requestable: true, max_duration_minutes: 60, risk_level: 'medium', description: 'Everyone', owner_user_ids: [root.user.id] })
    expect(saved).toMatchObject({ requestable: true, max_duration_minutes: 60, risk_level: 'medium', description: 'Everyone', owners: [{ id: root.user.id }] })
    expect((await ok<Page<{ id: string }>>(reader, 'GET', `/api/v1/integrations/${integrationId}/entitlements?requestable=true`)).items.map((e) => e.id)).toEqual([
      `role:${role.id}:member`,
    ])
    // A re-sync keeps the settings.
    await ingestFile(t.store, integrationId, file)
    expect(await ok(reader, 'GET', url)).toMatchObject({ requestable: true, risk_level: 'medium', owners: [{ id: root.user.id }] })
  })

  it('grant search and CSV export agree with the tenant; identities show their OneLogin accounts', async () => {
    const expected = expectedGrants(pair.before, { privileges: true })
    const all: GrantBody[] = []
    let cursor: string | null = null
    do {
      const qs: string = `integration_id=${integrationId}&limit=200${cursor === null ? '' : `&cursor=${cursor}`}`
      const got: Page<GrantBody> = await ok<Page<GrantBody>>(reader, 'GET', `/api/v1/grants?${qs}`)
      all.push(...got.items)
      cursor = got.next_cursor
    } while (cursor !== null)
    expect(all.map((g) => g.id).sort()).toEqual(expected.map((g) => g.id).sort())

    const u = pair.before.users.find((x) => x.email !== null && expected.some((g) => g.principal === `user:${x.id}` && !g.direct))!
    const mine = expected.filter((g) => g.principal === `user:${u.id}`)
    const byEmail = await ok<Page<GrantBody>>(reader, 'GET', `/api/v1/grants?user=${encodeURIComponent(u.email!.toUpperCase())}&limit=500`)
    expect(byEmail.items.map((g) => g.id).sort()).toEqual(mine.map((g) => g.id).sort())
    const viaRoles = await ok<Page<GrantBody>>(reader, 'GET', `/api/v1/grants?user=user:${u.id}&direct=false&limit=500`)
    expect(viaRoles.items.map((g) => [g.id, g.sources])).toEqual(
      mine
        .filter((g) => !g.direct)
        .map((g) => [g.id, g.sources])
        .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    )
    const role = pair.before.roles.find((r) => r.apps.length > 0 && r.users.length > 0)!
    const roleGrants = expected.filter(
      (g) => g.entitlement === `role:${role.id}:member` || g.entitlement === `role:${role.id}:admin` || g.principal === `role:${role.id}` || g.sources.includes(`role:${role.id}:member`),
    )
    const byRole = await ok<Page<GrantBody>>(reader, 'GET', `/api/v1/grants?role=role:${role.id}&limit=500`)
    expect(byRole.items.map((g) => g.id).sort()).toEqual(roleGrants.map((g) => g.id).sort())
    expectError(await call(reader, 'GET', '/api/v1/grants?status=sleepy'), 400, 'BAD_INPUT')
    expectError(await call(reader, 'GET', '/api/v1/grants?user=nobody'), 400, 'BAD_INPUT')

    const csv = await call(reader, 'GET', `/api/v1/grants/export?format=csv&role=role:${role.id}`)
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="warden-grants-\d{8}-\d{6}\.csv"$/)
    const lines = csv.body.trimEnd().split('\n')
    expect(lines[0]).toBe('integration_id,id,entitlement_id,entitlement_name,principal_id,principal_name,principal_email,principal_status,direct,sources')
    expect(lines.slice(1).map((l) => l.split(',')[1]).sort()).toEqual(roleGrants.map((g) => g.id).sort())
    expectError(await call(reader, 'GET', '/api/v1/grants/export?format=xml'), 400, 'BAD_INPUT')

    const identity = (await t.store.db.selectFrom('identities').select('id').where('email', '=', u.email!.toLowerCase()).executeTakeFirstOrThrow()).id
    const detail = await ok<{ accounts: unknown[] }>(reader, 'GET', `/api/v1/identities/${identity}`)
    expect(detail).toMatchObject({ id: identity, email: u.email!.toLowerCase(), accounts: [{ integration_id: integrationId, id: `user:${u.id}`, email: u.email!.toLowerCase() }] })
    const byIdentity = await ok<Page<GrantBody>>(reader, 'GET', `/api/v1/grants?user=${identity}&limit=500`)
    expect(byIdentity.items.map((g) => g.id).sort()).toEqual(mine.map((g) => g.id).sort())
  })

  it('refuses callers without the permission: 401 without a sign-in, 403 without apps:read / apps:write', async () => {
    const nobody = await person(t.store, [])
    const integrationAdmin = await person(t.store, ['integration-admin']) // apps:read, not apps:write
    const entitlement = `/api/v1/integrations/${integrationId}/entitlements/app:${pair.renamedApp}:access`
    const reads = [
      '/api/v1/apps',
      `/api/v1/apps/${scimAppId}`,
      `/api/v1/integrations/${integrationId}/resources`,
      `/api/v1/integrations/${integrationId}/resources/app:${pair.renamedApp}`,
      `/api/v1/integrations/${integrationId}/entitlements`,
      entitlement,
      '/api/v1/grants',
      '/api/v1/grants/export?format=csv',
    ]
    for (const url of reads) {
      expectError(await app.inject({ method: 'GET', url }), 401, 'UNAUTHENTICATED')
      expectError(await call(nobody, 'GET', url), 403, 'FORBIDDEN')
      expect((await call(integrationAdmin, 'GET', url)).statusCode, url).toBe(200)
    }
    const seq = await auditCount(t.store)
    const writes: [string, string, object][] = [
      ['POST', '/api/v1/apps', { name: 'X' }],
      ['PATCH', `/api/v1/apps/${scimAppId}`, { name: 'X' }],
      ['POST', `/api/v1/apps/${scimAppId}/manage`, { entitlement_ids: ['role:1:member'] }],
      ['PATCH', entitlement, { requestable: true }],
    ]
    for (const [method, url, payload] of writes) {
      expectError(await app.inject({ method: method as 'POST', url, payload }), 401, 'UNAUTHENTICATED')
      expectError(await call(nobody, method as 'POST', url, payload), 403, 'FORBIDDEN')
      expectError(await call(integrationAdmin, method as 'POST', url, payload), 403, 'FORBIDDEN')
    }
    expect(await auditCount(t.store)).toBe(seq)
    const identity = (await t.store.db.selectFrom('identities').select('id').limit(1).executeTakeFirstOrThrow()).id
    expectError(await call(nobody, 'GET', `/api/v1/identities/${identity}`), 403, 'FORBIDDEN')
  })
})
