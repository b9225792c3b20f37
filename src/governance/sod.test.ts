import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { WardenError } from '../errors/index.js'
import { generateTenant } from '../emulator/index.js'
import { createUser, updateUser } from '../store/index.js'
import type { Store } from '../store/index.js'
import { createTestIntegration, ingestFile, snapshotOf } from './inventory-test-support.js'
import type { Actor } from './policy.js'
import { conflictsForGrant, createSodRule, deleteSodRule, getSodRule, listSodRules, sodRuleViolations, updateSodRule } from './sod.js'

// SoD conflicts over real inventory: an emulator tenant synced by the real connector and ingested
// twice, into two integrations, so each person's identity links an account in both.

const dir = mkdtempSync(join(tmpdir(), 'warden-sod-'))
const file = join(dir, 'tenant.db')
beforeAll(async () => {
  await snapshotOf(generateTenant({ users: 40, roles: 6, apps: 8, groups: 3, privileges: 2, seed: 23 }), file)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const ADMIN: Actor = { id: 'usr_requests_admin', roles: ['access-request-admin'], via: 'session' }
const READER: Actor = { id: 'usr_reader', roles: ['read-only-admin'], via: 'session' }
const APPS: Actor = { id: 'usr_apps', roles: ['app-admin'], via: 'session' }

async function refusal(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected a refusal')
}

interface Grant {
  entitlement_id: string
  principal_id: string
  direct: number
}

/** What the test picks from the synced inventory (not from the seed, so it is what Warden holds). */
interface Picked {
  /** A user (with an email, so an identity) holding app access only through a role. */
  user: string
  /** That app access, and the role membership it is held through. */
  inheritedApp: string
  viaRole: string
  /** A role membership the user lacks, whose role gives something (an app, a privilege) the user lacks, but not inheritedApp. */
  otherRole: string
  otherRoleApp: string
}

async function pick(store: Store, integrationId: string): Promise<Picked> {
  const grants = (await store.db.selectFrom('grants').select(['entitlement_id', 'principal_id', 'direct', 'sources']).where('integration_id', '=', integrationId).execute()) as (Grant & { sources: string })[]
  const implications = await store.db.selectFrom('implications').selectAll().where('integration_id', '=', integrationId).execute()
  const emails = new Map(
    (await store.db.selectFrom('resources').select(['id', 'identity_id']).where('integration_id', '=', integrationId).where('type', '=', 'user').execute()).map((r) => [r.id, r.identity_id]),
  )
  const holds = (user: string, e: string): boolean => grants.some((g) => g.principal_id === user && g.entitlement_id === e)
  for (const g of grants) {
    if (!g.entitlement_id.startsWith('app:') || Number(g.direct) !== 0 || emails.get(g.principal_id) == null) continue
    const viaRole = (JSON.parse(g.sources) as string[])[0]!
    for (const imp of implications) {
      if (holds(g.principal_id, imp.from_entitlement) || holds(g.principal_id, imp.to_entitlement)) continue
      if (!imp.from_entitlement.startsWith('role:')) continue
      // A role that gives the held app too would break a rule by itself (tested apart).
      if (implications.some((i) => i.from_entitlement === imp.from_entitlement && i.to_entitlement === g.entitlement_id)) continue
      return { user: g.principal_id, inheritedApp: g.entitlement_id, viaRole, otherRole: imp.from_entitlement, otherRoleApp: imp.to_entitlement }
    }
  }
  throw new Error('the tenant lacks what the test needs')
}

describeDialects('SoD rules and conflicts', (t) => {
  let intA: string
  let intB: string
  let p: Picked
  let approver: string
  beforeEach(async () => {
    intA = (await createTestIntegration(t.store, { appName: 'OneLogin A' })).integrationId
    intB = (await createTestIntegration(t.store, { appName: 'OneLogin B' })).integrationId
    await ingestFile(t.store, intA, file)
    await ingestFile(t.store, intB, file)
    p = await pick(t.store, intA)
    approver = (await createUser(t.store.db, { email: `approver-${Math.random().toString(36).slice(2)}@example.com`, display_name: 'Ann Approver' })).id
  })

  const ref = (integration_id: string, entitlement_id: string) => ({ integration_id, entitlement_id })

  it('a block rule: requesting one side while holding the other through a role (inherited) is a conflict', async () => {
    const rule = await createSodRule(t.store, ADMIN, { name: 'App vs role', set_a: [ref(intA, p.inheritedApp)], set_b: [ref(intA, p.otherRole)], action: 'block' })
    expect(rule).toMatchObject({ enabled: true, action: 'block', approver_user_ids: [], approvers: [], set_a: [{ integration_id: intA, entitlement_id: p.inheritedApp }] })
    expect(rule.set_a[0]!.entitlement_name).toEqual(expect.any(String))

    const conflicts = await conflictsForGrant(t.store.db, { integration_id: intA, entitlement_id: p.otherRole, principal_id: p.user })
    expect(conflicts).toEqual([
      {
        rule_id: rule.id,
        rule_name: 'App vs role',
        action: 'block',
        approver_user_ids: [],
        requested: p.otherRole,
        held: [p.inheritedApp],
        side: 'b',
        requested_matches: [p.otherRole],
        held_grants: [{ integration_id: intA, entitlement_id: p.inheritedApp, entitlement_name: expect.any(String), principal_id: p.user }],
      },
    ])
    // The held side asked for again breaks nothing new (the user holds nothing of side b).
    expect(await conflictsForGrant(t.store.db, { integration_id: intA, entitlement_id: p.inheritedApp, principal_id: p.user })).toEqual([])
    // Someone who holds neither side: no conflict.
    const holders = new Set(
      (await t.store.db.selectFrom('grants').select('principal_id').where('integration_id', '=', intA).where('entitlement_id', '=', p.inheritedApp).execute()).map((g) => g.principal_id),
    )
    const users = await t.store.db.selectFrom('resources').select('id').where('integration_id', '=', intA).where('type', '=', 'user').orderBy('id').execute()
    const outsider = users.find((u) => !holders.has(u.id))!
    expect(await conflictsForGrant(t.store.db, { integration_id: intA, entitlement_id: p.otherRole, principal_id: outsider.id })).toEqual([])
    // A disabled rule is not checked.
    await updateSodRule(t.store, ADMIN, rule.id, { enabled: false })
    expect(await conflictsForGrant(t.store.db, { integration_id: intA, entitlement_id: p.otherRole, principal_id: p.user })).toEqual([])
  })

  it('an extra-approval rule across integrations: the identity holds the other side through its account in another integration', async () => {
    const rule = await createSodRule(t.store, ADMIN, {
      name: 'Cross-tenant',
      description: 'Nobody both in B and in role X of A',
      set_a: [ref(intB, p.inheritedApp)],
      set_b: [ref(intA, p.otherRole)],
      action: 'extra_approval',
      approver_user_ids: [approver],
    })
    expect(rule.approvers).toEqual([{ id: approver, email: expect.any(String), display_name: 'Ann Approver' }])
    const [conflict] = await conflictsForGrant(t.store.db, { integration_id: intA, entitlement_id: p.otherRole, principal_id: p.user })
    expect(conflict).toMatchObject({ rule_id: rule.id, action: 'extra_approval', approver_user_ids: [approver], held: [p.inheritedApp], side: 'b' })
    expect(conflict!.held_grants).toEqual([{ integration_id: intB, entitlement_id: p.inheritedApp, entitlement_name: expect.any(String), principal_id: p.user }])
    // An account no identity links is checked within its own integration only.
    await t.store.db.updateTable('resources').set({ identity_id: null }).where('integration_id', '=', intA).where('id', '=', p.user).execute()
    expect(await conflictsForGrant(t.store.db, { integration_id: intA, entitlement_id: p.otherRole, principal_id: p.user })).toEqual([])
  })

  it('a requested role that carries an entitlement of a set falls on that side (the role gives the app)', async () => {
    const rule = await createSodRule(t.store, ADMIN, {
      name: 'Apps apart',
      set_a: [ref(intA, p.otherRoleApp)],
      set_b: [ref(intA, p.viaRole)],
      action: 'extra_approval',
      approver_user_ids: [approver],
    })
    const conflicts = await conflictsForGrant(t.store.db, { integration_id: intA, entitlement_id: p.otherRole, principal_id: p.user })
    expect(conflicts).toEqual([
      expect.objectContaining({ rule_id: rule.id, requested: p.otherRole, side: 'a', requested_matches: [p.otherRoleApp], held: [p.viaRole] }),
    ])
    // Two rules broken at once come back by rule name.
    const block = await createSodRule(t.store, ADMIN, { name: 'Also a block', set_a: [ref(intA, p.otherRole)], set_b: [ref(intA, p.inheritedApp)], action: 'block' })
    const both = await conflictsForGrant(t.store.db, { integration_id: intA, entitlement_id: p.otherRole, principal_id: p.user })
    expect(both.map((c) => [c.rule_id, c.action])).toEqual([
      [block.id, 'block'],
      [rule.id, 'extra_approval'],
    ])
    // A role whose own grant carries both sides breaks a rule by itself, whoever asks.
    await deleteSodRule(t.store, ADMIN, block.id)
    await deleteSodRule(t.store, ADMIN, rule.id)
    const itself = await createSodRule(t.store, ADMIN, { name: 'Role and its app', set_a: [ref(intA, p.otherRole)], set_b: [ref(intA, p.otherRoleApp)], action: 'block' })
    expect(await conflictsForGrant(t.store.db, { integration_id: intA, entitlement_id: p.otherRole, principal_id: 'user:1' })).toEqual([
      expect.objectContaining({
        rule_id: itself.id,
        side: 'a',
        requested_matches: [p.otherRole],
        held: [p.otherRoleApp],
        held_grants: [{ integration_id: intA, entitlement_id: p.otherRoleApp, entitlement_name: expect.any(String), principal_id: 'user:1' }],
      }),
    ])
  })

  it('violations: who holds both sides now, by person across integrations, one page at a time', async () => {
    // Side A: the inherited app; side B: the role that gives it. Every holder of the app through that role breaks it.
    const rule = await createSodRule(t.store, ADMIN, { name: 'Self-check', set_a: [ref(intA, p.inheritedApp), ref(intB, p.inheritedApp)], set_b: [ref(intA, p.viaRole)], action: 'block' })
    const expected = await t.store.db
      .selectFrom('grants as g')
      .innerJoin('grants as r', (j) => j.onRef('r.integration_id', '=', 'g.integration_id').onRef('r.principal_id', '=', 'g.principal_id'))
      .innerJoin('resources as u', (j) => j.onRef('u.integration_id', '=', 'g.integration_id').onRef('u.id', '=', 'g.principal_id'))
      .select(['u.identity_id', 'g.principal_id'])
      .where('g.integration_id', '=', intA)
      .where('g.entitlement_id', '=', p.inheritedApp)
      .where('r.entitlement_id', '=', p.viaRole)
      .execute()
    expect(expected.length).toBeGreaterThan(1)
    const seen: { holder: string; a: number; b: number }[] = []
    let cursor: string | null = null
    do {
      const page = await sodRuleViolations(t.store, READER, rule.id, { limit: 1, cursor })
      expect(page.items.length).toBeLessThanOrEqual(1)
      seen.push(...page.items.map((v) => ({ holder: v.holder, a: v.side_a.length, b: v.side_b.length })))
      for (const v of page.items) {
        // The person's app access in both integrations (their accounts there), the role in A.
        expect(v.side_a.map((g) => g.integration_id).sort()).toEqual(v.identity_id === null ? [intA] : [intA, intB].sort())
        expect(v.side_b).toEqual([{ integration_id: intA, entitlement_id: p.viaRole, entitlement_name: expect.any(String), principal_id: expect.any(String) }])
      }
      cursor = page.next_cursor
    } while (cursor !== null)
    const holders = expected.map((e) => e.identity_id ?? `account:${intA}/${e.principal_id}`)
    expect(seen.map((s) => s.holder)).toEqual([...new Set(holders)].sort())
    // An account no identity links is its own holder.
    const person = expected.find((e) => e.identity_id !== null)!
    await t.store.db.updateTable('resources').set({ identity_id: null }).where('integration_id', '=', intA).where('id', '=', person.principal_id).execute()
    const after = (await sodRuleViolations(t.store, READER, rule.id, { limit: 500 })).items.map((v) => v.holder)
    expect(after).toContain(`account:${intA}/${person.principal_id}`)
    expect(after).not.toContain(person.identity_id)
  })

  it('rules are checked: sets, overlaps, approvers, names; changes are audited; permissions', async () => {
    const bad = async (input: Parameters<typeof createSodRule>[2]) => (await refusal(createSodRule(t.store, ADMIN, input))).message
    const a = [ref(intA, p.inheritedApp)]
    const b = [ref(intA, p.otherRole)]
    expect(await bad({ name: ' ', set_a: a, set_b: b, action: 'block' })).toMatch(/^name: /)
    expect(await bad({ name: 'x', set_a: [], set_b: b, action: 'block' })).toMatch(/^set_a: must name 1 to 32/)
    const many = Array.from({ length: 33 }, (_, i) => ref(intA, `role:${i + 1}:member`))
    expect(await bad({ name: 'x', set_a: a, set_b: many, action: 'block' })).toMatch(/^set_b: must name 1 to 32/)
    expect(await bad({ name: 'x', set_a: a, set_b: [ref(intA, 'role:999999:member')], action: 'block' })).toMatch(/^set_b: integration .* has no entitlement role:999999:member/)
    expect(await bad({ name: 'x', set_a: a, set_b: [ref('int_0000000000000000000000000a', p.otherRole)], action: 'block' })).toMatch(/^set_b: no integration/)
    expect(await bad({ name: 'x', set_a: a, set_b: [...b, ...a], action: 'block' })).toMatch(/^set_b: .* is in set_a too/)
    expect(await bad({ name: 'x', set_a: a, set_b: b, action: 'extra_approval' })).toMatch(/^approver_user_ids: an extra_approval rule needs 1 to 10/)
    expect(await bad({ name: 'x', set_a: a, set_b: b, action: 'block', approver_user_ids: [approver] })).toMatch(/^approver_user_ids: a block rule has no approvers/)
    expect(await bad({ name: 'x', set_a: a, set_b: b, action: 'extra_approval', approver_user_ids: ['usr_0000000000000000000000000a'] })).toMatch(/^approver_user_ids: approvers must be Warden users/)
    await updateUser(t.store.db, approver, { disabled: true })
    expect(await bad({ name: 'x', set_a: a, set_b: b, action: 'extra_approval', approver_user_ids: [approver] })).toMatch(/is disabled/)
    await updateUser(t.store.db, approver, { disabled: false })

    // Duplicates within a set collapse.
    const rule = await createSodRule(t.store, ADMIN, { name: 'Checked', set_a: [...a, ...a], set_b: b, action: 'extra_approval', approver_user_ids: [approver, approver] })
    expect(rule.set_a).toHaveLength(1)
    expect(rule.approver_user_ids).toEqual([approver])
    expect((await refusal(createSodRule(t.store, ADMIN, { name: 'Checked', set_a: a, set_b: b, action: 'block' }))).code).toBe('CONFLICT')
    // Turning it into a block drops its approvers.
    const blocked = await updateSodRule(t.store, ADMIN, rule.id, { action: 'block', name: 'Checked block' })
    expect(blocked).toMatchObject({ action: 'block', approver_user_ids: [], name: 'Checked block' })
    expect((await refusal(updateSodRule(t.store, ADMIN, rule.id, { set_b: a }))).message).toMatch(/^set_b: .* is in set_a too/)

    expect((await refusal(createSodRule(t.store, APPS, { name: 'y', set_a: a, set_b: b, action: 'block' }))).code).toBe('FORBIDDEN')
    expect((await refusal(updateSodRule(t.store, READER, rule.id, { enabled: false }))).code).toBe('FORBIDDEN')
    expect((await refusal(deleteSodRule(t.store, READER, rule.id))).code).toBe('FORBIDDEN')
    expect((await refusal(listSodRules(t.store, APPS))).code).toBe('FORBIDDEN')
    expect((await listSodRules(t.store, READER)).items.map((r) => r.name)).toEqual(['Checked block'])
    expect((await listSodRules(t.store, READER, { enabled: false })).items).toEqual([])

    await deleteSodRule(t.store, ADMIN, rule.id)
    expect((await refusal(getSodRule(t.store, READER, rule.id))).code).toBe('NOT_FOUND')
    const audit = await t.store.db.selectFrom('audit_log').select(['action', 'actor', 'target_id']).where('target_type', '=', 'sod_rule').orderBy('seq').execute()
    expect(audit).toEqual([
      { action: 'sod_rule.create', actor: ADMIN.id, target_id: rule.id },
      { action: 'sod_rule.update', actor: ADMIN.id, target_id: rule.id },
      { action: 'sod_rule.delete', actor: ADMIN.id, target_id: rule.id },
    ])
  })
})
