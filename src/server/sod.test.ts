import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { generateTenant } from '../emulator/index.js'
import { conflictsForGrant } from '../governance/index.js'
import { createTestIntegration, ingestFile, snapshotOf } from '../governance/inventory-test-support.js'
import { auditCount, expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'
import { buildServer } from './index.js'

// The SoD rules API over an emulator tenant synced by the real connector: create, read, change,
// delete, refusals that change nothing, and violations a page at a time.

const dir = mkdtempSync(join(tmpdir(), 'warden-sod-api-'))
const file = join(dir, 'tenant.db')
beforeAll(async () => {
  await snapshotOf(generateTenant({ users: 30, roles: 5, apps: 6, groups: 2, seed: 11 }), file)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Rule {
  id: string
  name: string
  action: string
  enabled: boolean
  approver_user_ids: string[]
  approvers: { id: string; display_name: string }[]
  set_a: { integration_id: string; entitlement_id: string; entitlement_name: string | null }[]
  set_b: { integration_id: string; entitlement_id: string; entitlement_name: string | null }[]
}
interface Violation {
  holder: string
  identity_id: string | null
  display_name: string
  email: string | null
  side_a: { entitlement_id: string; principal_id: string }[]
  side_b: { entitlement_id: string; principal_id: string }[]
}
interface Page<T> {
  items: T[]
  next_cursor: string | null
}

describeDialects('SoD rules API', (t) => {
  let app: App
  let admin: Person
  let reader: Person
  let appAdmin: Person
  let integrationId: string
  /** An app access held only through a role (the role membership carrying it). */
  let app1: string
  let carrier: string
  beforeEach(async () => {
    app = await buildServer({ store: t.store, webRoot: false })
    admin = await person(t.store, ['access-request-admin'])
    reader = await person(t.store, ['read-only-admin'])
    appAdmin = await person(t.store, ['app-admin'])
    integrationId = (await createTestIntegration(t.store)).integrationId
    await ingestFile(t.store, integrationId, file)
    const inherited = await t.store.db
      .selectFrom('grants')
      .select(['entitlement_id', 'sources'])
      .where('integration_id', '=', integrationId)
      .where('direct', '=', 0)
      .where('entitlement_id', 'like', 'app:%')
      .orderBy('entitlement_id')
      .executeTakeFirstOrThrow()
    app1 = inherited.entitlement_id
    carrier = (JSON.parse(inherited.sources) as string[])[0]!
  })
  afterEach(async () => {
    await app.close()
  })

  const call = (who: Person, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, headers: who.bearer, ...(payload === undefined ? {} : { payload }) })
  const ref = (entitlement_id: string) => ({ integration_id: integrationId, entitlement_id })

  it('create, read, list, change and delete a rule; refusals change nothing', async () => {
    const seq = await auditCount(t.store)
    const body = { name: 'App and its carrier', description: 'Separate them', set_a: [ref(app1)], set_b: [ref(carrier)], action: 'extra_approval', approver_user_ids: [admin.user.id] }
    expectError(await call(reader, 'POST', '/api/v1/sod-rules', body), 403, 'FORBIDDEN')
    expectError(await call(appAdmin, 'GET', '/api/v1/sod-rules'), 403, 'FORBIDDEN')
    // Field errors name the field.
    const missing = await call(admin, 'POST', '/api/v1/sod-rules', { ...body, set_b: [ref('role:999999:member')] })
    expectError(missing, 400, 'BAD_INPUT')
    expect(missing.json().error.fields).toEqual({ set_b: expect.stringContaining('has no entitlement role:999999:member') })
    const malformed = await call(admin, 'POST', '/api/v1/sod-rules', { ...body, set_a: [{ integration_id: integrationId, entitlement_id: 'admin' }] })
    expect(expectError(malformed, 400, 'BAD_INPUT')).toMatch(/^body\.set_a/)
    const noApprovers = await call(admin, 'POST', '/api/v1/sod-rules', { ...body, approver_user_ids: [] })
    expect(noApprovers.json().error.fields).toEqual({ approver_user_ids: expect.stringContaining('needs 1 to 10 approvers') })
    expectError(await call(admin, 'POST', '/api/v1/sod-rules', { ...body, extra: true }), 400, 'BAD_INPUT')
    expect(await auditCount(t.store)).toBe(seq)

    const created = await call(admin, 'POST', '/api/v1/sod-rules', body)
    expect(created.statusCode, created.body).toBe(201)
    const rule = created.json() as Rule
    expect(rule).toMatchObject({
      name: 'App and its carrier',
      action: 'extra_approval',
      enabled: true,
      approver_user_ids: [admin.user.id],
      approvers: [{ id: admin.user.id, display_name: admin.user.display_name }],
      set_a: [{ integration_id: integrationId, entitlement_id: app1, entitlement_name: expect.any(String) }],
      set_b: [{ integration_id: integrationId, entitlement_id: carrier, entitlement_name: expect.any(String) }],
    })
    expectError(await call(admin, 'POST', '/api/v1/sod-rules', body), 409, 'CONFLICT')
    expect((await call(reader, 'GET', `/api/v1/sod-rules/${rule.id}`)).json()).toEqual(rule)
    expectError(await call(reader, 'GET', '/api/v1/sod-rules/sod_0000000000000000000000000a'), 404, 'NOT_FOUND')
    expectError(await call(reader, 'GET', '/api/v1/sod-rules/nope'), 400, 'BAD_INPUT')

    const second = (await call(admin, 'POST', '/api/v1/sod-rules', { name: 'A block', set_a: [ref(carrier)], set_b: [ref(app1)], action: 'block', enabled: false })).json() as Rule
    const first = (await call(reader, 'GET', '/api/v1/sod-rules?limit=1')).json() as Page<Rule>
    expect(first.items.map((r) => r.name)).toEqual(['A block'])
    const rest = (await call(reader, 'GET', `/api/v1/sod-rules?limit=1&cursor=${first.next_cursor}`)).json() as Page<Rule>
    expect(rest).toMatchObject({ items: [{ name: 'App and its carrier' }], next_cursor: null })
    expect(((await call(reader, 'GET', '/api/v1/sod-rules?enabled=true')).json() as Page<Rule>).items.map((r) => r.id)).toEqual([rule.id])

    // Disable one, block the other: a request the first would route to approvers is now blocked by the second.
    const before = await conflictsForGrant(t.store.db, { integration_id: integrationId, entitlement_id: carrier, principal_id: 'user:1' })
    expect(before.map((c) => c.action)).toEqual(['extra_approval'])
    expectError(await call(admin, 'PATCH', `/api/v1/sod-rules/${rule.id}`, {}), 400, 'BAD_INPUT')
    const patched = await call(admin, 'PATCH', `/api/v1/sod-rules/${rule.id}`, { enabled: false })
    expect(patched.json()).toMatchObject({ enabled: false, action: 'extra_approval' })
    expect((await call(admin, 'PATCH', `/api/v1/sod-rules/${second.id}`, { enabled: true })).statusCode).toBe(200)
    // The carrier gives app1 itself: asking for it breaks the block rule by itself.
    expect((await conflictsForGrant(t.store.db, { integration_id: integrationId, entitlement_id: carrier, principal_id: 'user:1' })).map((c) => [c.rule_id, c.action])).toEqual([[second.id, 'block']])

    expectError(await call(reader, 'DELETE', `/api/v1/sod-rules/${rule.id}`), 403, 'FORBIDDEN')
    expect((await call(admin, 'DELETE', `/api/v1/sod-rules/${rule.id}`)).statusCode).toBe(204)
    expectError(await call(admin, 'DELETE', `/api/v1/sod-rules/${rule.id}`), 404, 'NOT_FOUND')
    const audit = await t.store.db.selectFrom('audit_log').select(['action', 'actor']).where('target_type', '=', 'sod_rule').orderBy('seq').execute()
    expect(audit.map((a) => a.action)).toEqual(['sod_rule.create', 'sod_rule.create', 'sod_rule.update', 'sod_rule.update', 'sod_rule.delete'])
    expect(new Set(audit.map((a) => a.actor))).toEqual(new Set([admin.user.id]))
  })

  it('violations: the holders of both sides, paginated, with their grants on each side', async () => {
    const rule = (await call(admin, 'POST', '/api/v1/sod-rules', { name: 'Held together', set_a: [ref(app1)], set_b: [ref(carrier)], action: 'block' })).json() as Rule
    // Everyone in the carrying role holds app1 through it: each is a violation.
    const members = await t.store.db.selectFrom('grants').select('principal_id').where('integration_id', '=', integrationId).where('entitlement_id', '=', carrier).orderBy('principal_id').execute()
    expect(members.length).toBeGreaterThan(2)
    const seen: Violation[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await call(reader, 'GET', `/api/v1/sod-rules/${rule.id}/violations?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`)
      expect(res.statusCode, res.body).toBe(200)
      const page = res.json() as Page<Violation>
      seen.push(...page.items)
      cursor = page.next_cursor
      pages++
    } while (cursor !== null)
    expect(pages).toBe(Math.ceil(members.length / 2))
    expect(seen.map((v) => v.side_b[0]!.principal_id).sort()).toEqual(members.map((m) => m.principal_id).sort())
    for (const v of seen) {
      expect(v.identity_id).toEqual(expect.stringMatching(/^idn_/))
      expect(v.email).toEqual(expect.stringContaining('@'))
      expect(v.side_a).toEqual([expect.objectContaining({ entitlement_id: app1, principal_id: v.side_b[0]!.principal_id })])
      expect(v.side_b).toEqual([expect.objectContaining({ entitlement_id: carrier })])
    }
    expect(seen.map((v) => v.holder)).toEqual([...seen.map((v) => v.holder)].sort())
    expectError(await call(appAdmin, 'GET', `/api/v1/sod-rules/${rule.id}/violations`), 403, 'FORBIDDEN')
    expectError(await call(reader, 'GET', `/api/v1/sod-rules/${rule.id}/violations?cursor=bad`), 400, 'BAD_INPUT')
  })
})
