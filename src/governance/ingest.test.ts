import Database from 'better-sqlite3'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { expectedGrants, expectedUserTraits } from '../connector/test-support.js'
import { WardenError } from '../errors/index.js'
import { SnapshotReader } from '../snapshot/index.js'
import { olderSnapshot, writeSnapshotFixture } from '../snapshot/test-fixture.js'
import { createIdentity, createUser, updateApp, verifyAudit } from '../store/index.js'
import type { Store } from '../store/index.js'
import { ingestSnapshot } from './ingest.js'
import { createTestIntegration, ingestFile, inventoryGrantLines, snapshotOf, tenantPair } from './inventory-test-support.js'
import type { TenantPair } from './inventory-test-support.js'

// Snapshots come from the real sync against the emulator (two tenants: before and after a day of
// changes); what the inventory must hold is computed from the tenant seeds (connector
// test-support), never from the ingest's own code.

const dir = mkdtempSync(join(tmpdir(), 'warden-ingest-test-'))
const before = join(dir, 'before.db')
const after = join(dir, 'after.db')
let pair: TenantPair

beforeAll(async () => {
  pair = tenantPair()
  await snapshotOf(pair.before, before)
  await snapshotOf(pair.after, after)
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function expectedLines(seed: TenantPair['before']): string[] {
  return expectedGrants(seed, { privileges: true })
    .map((g) => `${g.id} ${g.direct ? 1 : 0} ${JSON.stringify(g.sources)}`)
    .sort()
}

async function auditRows(store: Store, actions: string[]) {
  return store.db.selectFrom('audit_log').selectAll().where('action', 'in', actions).orderBy('seq').execute()
}

async function headSeq(store: Store): Promise<number> {
  return Number((await store.db.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow()).seq)
}

/** Everything an ingest may change, to compare before and after a refused one. */
async function state(store: Store) {
  return {
    resources: await store.db.selectFrom('resources').selectAll().orderBy('integration_id').orderBy('id').execute(),
    entitlements: await store.db.selectFrom('entitlements').selectAll().orderBy('integration_id').orderBy('id').execute(),
    grants: await store.db.selectFrom('grants').selectAll().orderBy('integration_id').orderBy('entitlement_id').orderBy('principal_id').execute(),
    implications: await store.db.selectFrom('implications').selectAll().orderBy('from_entitlement').orderBy('to_entitlement').execute(),
    identities: await store.db.selectFrom('identities').selectAll().orderBy('email').execute(),
    apps: await store.db.selectFrom('apps').selectAll().orderBy('id').execute(),
    audit: await headSeq(store),
  }
}

async function refusal(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected the ingest to be refused')
}

describeDialects('ingestSnapshot', (t) => {
  it('the first ingest is a baseline: the inventory is the snapshot, no grant events, identities made and linked, SCIM apps unmanaged', async () => {
    const { integrationId } = await createTestIntegration(t.store)
    const [u0, , u2] = pair.before.users
    // A Warden user with OneLogin user 0's email (which OneLogin has in upper case).
    const warden = await createUser(t.store.db, { email: u0!.email!.toLowerCase(), display_name: 'Warden Zero' })
    // An identity that exists already, under another name: reused and renamed, not duplicated.
    const existing = await createIdentity(t.store.db, { email: u2!.email!, display_name: 'Old Name' })

    const result = await ingestFile(t.store, integrationId, before, { runId: 'syn_first' })

    const reader = SnapshotReader.open(before)
    const counts = reader.counts()
    reader.close()
    const withEmail = pair.before.users.filter((u) => u.email !== null)
    const scim = pair.before.apps.filter((a) => a.provisioning_enabled)
    expect(result).toEqual({
      counts,
      grants_added: 0,
      grants_removed: 0,
      grants_changed: 0,
      baseline: true,
      identities_created: withEmail.length - 1,
      identities_linked: 1,
      identities_renamed: 1,
      apps_created: scim.length,
      apps_renamed: 0,
      phase_ms: { stage: expect.any(Number), delta: expect.any(Number), apply: expect.any(Number), identities: expect.any(Number), apps: expect.any(Number), events: expect.any(Number) },
    })
    expect(await inventoryGrantLines(t.store, integrationId)).toEqual(expectedLines(pair.before))
    expect(await auditRows(t.store, ['grant.added', 'grant.removed'])).toEqual([])

    // Users carry their lower-cased email and status, and point at their identity.
    const users = await t.store.db.selectFrom('resources').selectAll().where('integration_id', '=', integrationId).where('type', '=', 'user').orderBy('id').execute()
    expect(users).toHaveLength(pair.before.users.length)
    const identities = await t.store.db.selectFrom('identities').selectAll().execute()
    const byEmail = new Map(identities.map((i) => [i.email, i]))
    for (const u of pair.before.users) {
      const row = users.find((r) => r.id === `user:${u.id}`)!
      const traits = expectedUserTraits(u)
      expect(row.status).toBe(traits['status'])
      expect(row.email).toBe(u.email === null ? null : u.email.toLowerCase())
      expect(JSON.parse(row.traits)).toEqual(traits)
      if (u.email === null) {
        expect(row.identity_id).toBeNull()
        continue
      }
      const identity = byEmail.get(u.email.toLowerCase())!
      expect(row.identity_id).toBe(identity.id)
      // A person is named by first and last name when OneLogin has them (the account's display name is often a username).
      const full = [traits['first_name'], traits['last_name']].filter((n) => typeof n === 'string' && n !== '').join(' ')
      expect(identity.display_name).toBe(full === '' ? traits['display_name'] : full)
      expect(identity.id).toMatch(/^idn_[0-9a-z]{26}$/)
    }
    expect(identities).toHaveLength(withEmail.length)
    expect(byEmail.get(u0!.email!.toLowerCase())!.warden_user_id).toBe(warden.id)
    expect(byEmail.get(u2!.email!)!.id).toBe(existing.id)
    expect(identities.filter((i) => i.warden_user_id !== null)).toHaveLength(1)

    const apps = await t.store.db.selectFrom('apps').selectAll().where('source_integration_id', '=', integrationId).orderBy('name').execute()
    expect(apps.map((a) => ({ name: a.name, state: a.state, source: a.source_resource_id }))).toEqual(
      scim.map((a) => ({ name: a.name, state: 'unmanaged', source: `app:${a.id}` })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    )
    expect((await auditRows(t.store, ['app.create'])).map((e) => [e.actor, e.target_id])).toEqual(apps.map((a) => ['system', a.id]).sort((a, b) => (a[1]! < b[1]! ? -1 : 1)))
    const implications = await t.store.db.selectFrom('implications').select(['from_entitlement', 'to_entitlement']).where('integration_id', '=', integrationId).execute()
    const expectedImplications = pair.before.roles.flatMap((r) => r.apps.map((a) => `role:${r.id}:member -> app:${a}:access`))
    expect(implications.map((i) => `${i.from_entitlement} -> ${i.to_entitlement}`).filter((s) => s.includes('app:')).sort()).toEqual(expectedImplications.sort())
  })

  it('a second ingest records exactly the grants added and removed, renames the SCIM app and links a new Warden user', async () => {
    const { integrationId } = await createTestIntegration(t.store)
    await ingestFile(t.store, integrationId, before)
    const app = await t.store.db.selectFrom('apps').selectAll().where('source_resource_id', '=', `app:${pair.renamedApp}`).executeTakeFirstOrThrow()
    const [, , u2] = pair.before.users
    const late = await createUser(t.store.db, { email: u2!.email!, display_name: 'Joined Warden Later' })
    const seqBefore = await headSeq(t.store)

    const result = await ingestFile(t.store, integrationId, after, { runId: 'syn_second' })

    const was = new Set(expectedLines(pair.before).map((l) => l.split(' ')[0]!))
    const is = new Set(expectedLines(pair.after).map((l) => l.split(' ')[0]!))
    const added = [...is].filter((id) => !was.has(id)).sort()
    const removed = [...was].filter((id) => !is.has(id)).sort()
    // Held before and after, through other roles now.
    const afterLines = new Set(expectedLines(pair.after))
    const changed = expectedLines(pair.before).filter((l) => is.has(l.split(' ')[0]!) && !afterLines.has(l))
    // The changes are what the tenant pair says: the joiner's Infrastructure membership and GitHub
    // access (Slack now through two roles), the leaver's Employees membership and its apps.
    expect(added).toContain(`role:${pair.joinerRole}:member:user:${pair.joiner}`)
    expect(removed).toContain(`role:${pair.leaverRole}:member:user:${pair.leaver}`)
    expect(added.length).toBeGreaterThan(0)
    expect(removed.length).toBeGreaterThan(1)
    expect(changed.length).toBeGreaterThan(0)
    expect(result).toMatchObject({ baseline: false, grants_added: added.length, grants_removed: removed.length, grants_changed: changed.length, apps_created: 0, apps_renamed: 1, identities_created: 0, identities_linked: 1 })
    expect(await inventoryGrantLines(t.store, integrationId)).toEqual(expectedLines(pair.after))

    const events = await auditRows(t.store, ['grant.added', 'grant.removed'])
    expect(events.every((e) => e.seq > seqBefore && e.actor === 'system' && e.target_type === 'grant')).toBe(true)
    expect(events.filter((e) => e.action === 'grant.added').map((e) => e.target_id).sort()).toEqual(added.map((id) => `${integrationId}/${id}`))
    expect(events.filter((e) => e.action === 'grant.removed').map((e) => e.target_id).sort()).toEqual(removed.map((id) => `${integrationId}/${id}`))
    const joined = events.find((e) => e.target_id === `${integrationId}/role:${pair.joinerRole}:member:user:${pair.joiner}`)!
    expect(JSON.parse(joined.after!)).toEqual({
      integration_id: integrationId,
      sync_run_id: 'syn_second',
      entitlement_id: `role:${pair.joinerRole}:member`,
      principal_id: `user:${pair.joiner}`,
      sources: [],
    })
    expect(joined.before).toBeNull()
    expect((await verifyAudit(t.store.db)).ok).toBe(true)
    const lostApp = events.find((e) => e.action === 'grant.removed' && e.target_id!.includes(':access:'))!
    expect(JSON.parse(lostApp.before!)).toMatchObject({ sync_run_id: 'syn_second', sources: [`role:${pair.leaverRole}:member`] })

    const renamed = await t.store.db.selectFrom('apps').selectAll().where('id', '=', app.id).executeTakeFirstOrThrow()
    expect(renamed).toMatchObject({ name: pair.newAppName, state: 'unmanaged' })
    const appEvents = await auditRows(t.store, ['app.update'])
    expect(appEvents.map((e) => e.target_id)).toEqual([app.id])
    const identity = await t.store.db.selectFrom('identities').selectAll().where('email', '=', u2!.email!).executeTakeFirstOrThrow()
    expect(identity.warden_user_id).toBe(late.id)
  })

  it('the same snapshot again changes nothing and records nothing', async () => {
    const { integrationId } = await createTestIntegration(t.store)
    await ingestFile(t.store, integrationId, after)
    const first = await state(t.store)
    const result = await ingestFile(t.store, integrationId, after)
    expect(result).toMatchObject({ baseline: false, grants_added: 0, grants_removed: 0, grants_changed: 0, identities_created: 0, identities_linked: 0, apps_created: 0, apps_renamed: 0 })
    expect(await state(t.store)).toEqual(first)
  })

  it('a Warden name given to a discovered app stays until OneLogin renames the app', async () => {
    const { integrationId } = await createTestIntegration(t.store)
    await ingestFile(t.store, integrationId, before)
    const app = await t.store.db.selectFrom('apps').selectAll().where('source_resource_id', '=', `app:${pair.renamedApp}`).executeTakeFirstOrThrow()
    await updateApp(t.store.db, app.id, { name: 'Our Google' })
    expect((await ingestFile(t.store, integrationId, before)).apps_renamed).toBe(0)
    expect((await t.store.db.selectFrom('apps').select('name').where('id', '=', app.id).executeTakeFirstOrThrow()).name).toBe('Our Google')
    expect((await ingestFile(t.store, integrationId, after)).apps_renamed).toBe(1)
    expect((await t.store.db.selectFrom('apps').select('name').where('id', '=', app.id).executeTakeFirstOrThrow()).name).toBe(pair.newAppName)
  })

  it('a snapshot that turns out corrupt midway is refused and the previous inventory stays as it was', async () => {
    const { integrationId } = await createTestIntegration(t.store)
    await ingestFile(t.store, integrationId, before)
    const kept = await state(t.store)
    // The newer snapshot with its very last grant damaged: everything before it stages fine.
    const corrupt = join(dir, `corrupt-${t.dialect}.db`)
    copyFileSync(after, corrupt)
    const db = new Database(corrupt)
    const last = db.prepare('SELECT entitlement_id, principal_id FROM grants ORDER BY entitlement_id DESC, principal_id DESC LIMIT 1').get() as {
      entitlement_id: string
      principal_id: string
    }
    db.prepare("UPDATE grants SET sources = '[\"role:1:member\"' WHERE entitlement_id = ? AND principal_id = ?").run(last.entitlement_id, last.principal_id)
    db.close()

    const e = await refusal(ingestFile(t.store, integrationId, corrupt))
    expect(e.code).toBe('BAD_INPUT')
    expect(e.message).toBe(`${corrupt} is a damaged Warden snapshot: grants row "${last.entitlement_id}:${last.principal_id}": sources is not valid JSON`)
    expect(await state(t.store)).toEqual(kept)
    // Nothing of the failed attempt lingers: the good snapshot ingests normally afterwards.
    expect((await ingestFile(t.store, integrationId, after)).apps_renamed).toBe(1)
    expect(await inventoryGrantLines(t.store, integrationId)).toEqual(expectedLines(pair.after))
  })

  it('a snapshot whose rows do not hold together is refused and changes nothing', async () => {
    const { integrationId } = await createTestIntegration(t.store)
    await ingestFile(t.store, integrationId, before)
    const kept = await state(t.store)
    const orphan = join(dir, `orphan-${t.dialect}.db`)
    const data = olderSnapshot()
    data.grants.push({ entitlement_id: 'group:99:member', principal_id: 'user:1', direct: true, sources: [] })
    writeSnapshotFixture(orphan, data)
    const e = await refusal(ingestFile(t.store, integrationId, orphan))
    expect(e.code).toBe('BAD_INPUT')
    expect(e.message).toBe(`${orphan} is not a consistent Warden snapshot: grant group:99:member:user:1 is of entitlement group:99:member, which the snapshot does not list`)
    expect(await state(t.store)).toEqual(kept)
  })

  it('other connections see the previous inventory until the ingest commits; a caller that fails afterwards rolls it all back', async () => {
    const { integrationId } = await createTestIntegration(t.store)
    await ingestFile(t.store, integrationId, before)
    const kept = await state(t.store)
    const other = await t.open()
    const reader = SnapshotReader.open(after)
    try {
      const failure = await refusal(
        t.store.transaction(async (trx) => {
          await ingestSnapshot(trx, { integrationId, reader, runId: 'syn_rolled_back' })
          // Inside the transaction the new inventory is in place; outside, the old one is.
          const inside = await trx.selectFrom('grants').select('entitlement_id').where('integration_id', '=', integrationId).execute()
          expect(inside.length).toBe(expectedLines(pair.after).length)
          expect(await inventoryGrantLines(other, integrationId)).toEqual(expectedLines(pair.before))
          throw new WardenError('INTERNAL', 'the caller failed to close its run')
        }),
      )
      expect(failure.message).toBe('the caller failed to close its run')
    } finally {
      reader.close()
    }
    expect(await state(t.store)).toEqual(kept)
  })

  it('refuses an unknown integration and a call outside a transaction', async () => {
    const reader = SnapshotReader.open(before)
    try {
      const e = await refusal(t.store.transaction((trx) => ingestSnapshot(trx, { integrationId: 'int_nope', reader, runId: 'syn_x' })))
      expect([e.code, e.message]).toEqual(['NOT_FOUND', 'no integration int_nope'])
      const { integrationId } = await createTestIntegration(t.store)
      const outside = await refusal(ingestSnapshot(t.store.db, { integrationId, reader, runId: 'syn_x' }))
      expect(outside.code).toBe('INTERNAL')
    } finally {
      reader.close()
    }
    expect(await t.store.db.selectFrom('resources').select('id').execute()).toEqual([])
  })
})
