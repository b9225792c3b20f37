import Database from 'better-sqlite3'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { GenerateOptions, RunningEmulator, SeedRole, SeedUser, TenantSeed } from '../emulator/index.js'
import { WardenError } from '../errors/index.js'
import { OneLoginClient, RateBudget } from '../onelogin/index.js'
import type { OneLoginClientOptions } from '../onelogin/index.js'
import type { SyncOptions, SyncSummary } from './sync.js'
import { syncToSnapshot } from './sync.js'
import {
  OneLoginApi,
  control,
  emulatorStats,
  expectedEntitlements,
  expectedFullSyncCalls,
  expectedGrants,
  expectedResources,
  pages,
  readEntitlements,
  readGrants,
  readResources,
  readSyncs,
  sha256,
  sortKeys,
  syncClient,
  total,
} from './test-support.js'

// The sync against the OneLogin emulator over real HTTP, into real SQLite files. Expected grants,
// traits and API-call counts are computed from the TenantSeed (test-support.ts), never from the
// sync's own code; the emulator's /__emulator/stats confirms what OneLogin actually saw.

const dir = mkdtempSync(join(tmpdir(), 'warden-sync-test-'))
let fileNo = 0
const newFile = (name: string): string => join(dir, `${++fileNo}-${name}.snapshot`)

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

interface Run {
  summary: SyncSummary
  /** What the emulator counted during this sync. */
  seen: { total: number; by_endpoint: Record<string, number> }
  client: OneLoginClient
}

type RunOptions = Omit<SyncOptions, 'client' | 'file'> & { clientOptions?: Partial<OneLoginClientOptions> }

/** One sync with a fresh client (so the token call is counted every time) and fresh emulator stats. */
async function run(emu: RunningEmulator, file: string, options: RunOptions = {}): Promise<Run> {
  const { clientOptions, ...rest } = options
  await control(emu, 'POST', '/stats/reset')
  const client = syncClient(emu, clientOptions)
  const summary = await syncToSnapshot({ client, file, ...rest })
  return { summary, seen: await emulatorStats(emu), client }
}

async function failure(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected the sync to fail')
}

/** A sync's calls as both sides counted them, checked against the expected map. */
function expectCalls(r: Run, expected: Record<string, number>): void {
  const want = sortKeys(expected)
  expect(r.summary.api_calls_by_endpoint).toEqual(want)
  expect(r.summary.api_calls).toBe(total(want))
  expect(r.seen.by_endpoint).toEqual(want)
  expect(r.seen.total).toBe(total(want))
}

const withoutUpdatedAt = (rows: ReturnType<typeof readResources>): Omit<(typeof rows)[number], 'source_updated_at'>[] =>
  rows.map(({ source_updated_at: _s, ...r }) => r)

const ALL_STATUSES = [
  'active',
  'awaiting_password_reset',
  'locked',
  'password_expired',
  'password_pending',
  'security_questions_required',
  'suspended',
  'unactivated',
]

// -------------------------------------------------------------------------------------------

describe('full sync of generated tenants: exact grants, resources and API calls', () => {
  const cases: { name: string; opts: GenerateOptions; privileges: boolean }[] = [
    { name: '300 users, 12 roles, 8 apps, 5 groups', opts: { users: 300, roles: 12, apps: 8, groups: 5, seed: 1 }, privileges: false },
    { name: '1000 users, 40 roles, 25 apps, 12 groups', opts: { users: 1000, roles: 40, apps: 25, groups: 12, seed: 2 }, privileges: false },
    { name: '400 users, 20 roles, 10 apps, 60 groups, 8 privileges (privileges on)', opts: { users: 400, roles: 20, apps: 10, groups: 60, privileges: 8, seed: 3 }, privileges: true },
  ]

  it.each(cases)('$name', async ({ opts, privileges }) => {
    const tenant = generateTenant(opts)
    const emu = await startEmulator({ tenant })
    try {
      const file = newFile('full')
      const r = await run(emu, file, { privileges })
      const grants = expectedGrants(tenant, { privileges })

      expect(r.summary.mode).toBe('full')
      expect(r.summary.resumed).toBe(false)
      expect(r.summary.resources).toEqual({
        user: opts.users,
        role: opts.roles,
        app: opts.apps,
        group: opts.groups,
        privilege: privileges ? tenant.privileges.length : 0,
      })
      expect(r.summary.entitlements).toBe(2 * opts.roles + opts.apps + opts.groups + (privileges ? tenant.privileges.length : 0))
      expect(r.summary.grants).toBe(grants.length)

      // Grants exactly: ids, direct, sources.
      expect(readGrants(file)).toEqual(grants)
      expect(readEntitlements(file)).toEqual(expectedEntitlements(tenant, { privileges }))
      const resources = readResources(file)
      expect(withoutUpdatedAt(resources)).toEqual(expectedResources(tenant, { privileges }))
      const updatedAt = new Map<string, string>([...tenant.users.map((u) => [`user:${u.id}`, u.updated_at] as const), ...tenant.apps.map((a) => [`app:${a.id}`, a.updated_at] as const)])
      for (const res of resources) if (res.type === 'user' || res.type === 'app') expect(res.source_updated_at).toBe(updatedAt.get(res.id))

      // Every OneLogin status appears, each mapped from its code.
      expect([...new Set(resources.filter((x) => x.type === 'user').map((x) => x.traits['status']))].sort()).toEqual(ALL_STATUSES)

      // A few hand-checked users on top of the computed comparison.
      const byId = new Map(resources.map((x) => [x.id, x]))
      const suspended = tenant.users.find((u) => u.status === 2)!
      expect(byId.get(`user:${suspended.id}`)!.traits).toMatchObject({ status: 'suspended', enabled: false })
      const active = tenant.users.find((u) => u.status === 1 && u.manager_user_id !== null)!
      expect(byId.get(`user:${active.id}`)!.traits).toMatchObject({ status: 'active', enabled: true, manager_id: `user:${active.manager_user_id}` })
      const noLogin = tenant.users.find((u) => u.username === '')
      if (noLogin !== undefined) expect(byId.get(`user:${noLogin.id}`)!.traits['login']).toBeNull()

      // Exactly the calls the design promises, by the client's count and by OneLogin's.
      expectCalls(r, expectedFullSyncCalls(tenant, { privileges }))
      const formula =
        1 +
        Math.ceil(opts.users / 100) +
        Math.ceil(opts.roles / 650) +
        Math.ceil(opts.apps / 1000) +
        opts.apps +
        Math.ceil(opts.groups / 50) +
        (privileges ? 1 + tenant.privileges.reduce((n, p) => n + pages(p.users.length, 50) + pages(p.roles.length, 50), 0) : 0)
      expect(r.summary.api_calls).toBe(formula)

      // The finished sync is recorded in the file, with what the next incremental sync needs.
      const syncs = readSyncs(file)
      expect(syncs).toHaveLength(1)
      expect(syncs[0]).toMatchObject({ mode: 'full', base_url: emu.url, api_calls: formula, checkpoint: null, options: { privileges } })
      expect(syncs[0]!.finished_at).not.toBeNull()
      expect(syncs[0]!.api_calls_by_endpoint).toEqual(r.summary.api_calls_by_endpoint)
      expect(syncs[0]!.state['user_total']).toBe(opts.users)
      expect(existsSync(`${file}.partial`)).toBe(false)

      if (privileges) {
        // The tenant exercises every privilege path: user-held, role-held, held through a role.
        const priv = grants.filter((g) => g.entitlement.startsWith('privilege:'))
        expect(priv.some((g) => g.principal.startsWith('role:') && g.direct)).toBe(true)
        expect(priv.some((g) => g.principal.startsWith('user:') && g.direct && g.sources.length === 0)).toBe(true)
        expect(priv.some((g) => g.principal.startsWith('user:') && !g.direct && g.sources.length > 0)).toBe(true)
      }
      // App access held through two or more roles lists each of them.
      expect(grants.some((g) => g.entitlement.startsWith('app:') && g.sources.length >= 2)).toBe(true)
    } finally {
      await emu.close()
    }
  })
})

// -------------------------------------------------------------------------------------------

describe('incremental sync', () => {
  const opts: GenerateOptions = { users: 250, roles: 10, apps: 20, groups: 4, seed: 11 }
  const tenant = generateTenant(opts)
  let emu: RunningEmulator

  beforeAll(async () => {
    emu = await startEmulator({ tenant })
  })
  afterAll(async () => {
    await emu.close()
  })

  it('reads only what changed and ends with the same grants as a full sync', async () => {
    const api = new OneLoginApi(emu)
    const file = newFile('incremental')
    const first = await run(emu, file)
    expect(first.summary.mode).toBe('full')
    expect(readGrants(file)).toEqual(expectedGrants(tenant, { privileges: false }))
    const fullCalls = first.summary.api_calls

    // The same changes, applied to an independent model of the tenant and through OneLogin's API.
    const model: TenantSeed = structuredClone(tenant)
    const userOf = (id: number): SeedUser => model.users.find((u) => u.id === id)!
    const roleOf = (id: number) => model.roles.find((r) => r.id === id)!
    const rolesWithApps = model.roles.filter((r) => r.apps.length > 0 && r.users.length > 3)
    expect(rolesWithApps.length).toBeGreaterThanOrEqual(3)
    const [rAdd, rRemove, rApps] = rolesWithApps as [SeedRole, SeedRole, SeedRole]
    const groups = model.groups.map((g) => g.id)
    const taken = new Set<number>()
    const pick = (pred: (u: SeedUser) => boolean): SeedUser => {
      const u = model.users.find((x) => !taken.has(x.id) && pred(x))
      if (u === undefined) throw new Error('the tenant has no such user')
      taken.add(u.id)
      return u
    }
    const inAnyRole = (u: SeedUser): boolean => model.roles.some((r) => r.users.includes(u.id))
    const changed = new Set<number>()

    // 1. A user is suspended (status 2) and moves department.
    const suspended = pick((u) => u.status === 1 && inAnyRole(u))
    await api.call('PUT', `/api/2/users/${suspended.id}`, { status: 2, department: 'Procurement' })
    Object.assign(userOf(suspended.id), { status: 2, department: 'Procurement' })
    changed.add(suspended.id)

    // 2. A user who holds roles, an admin role if any, and a group is deleted.
    const deleted = pick((u) => u.group_id !== null && inAnyRole(u) && model.roles.some((r) => r.admins.includes(u.id)))
    await api.call('DELETE', `/api/2/users/${deleted.id}`)
    model.users = model.users.filter((u) => u.id !== deleted.id)
    for (const r of model.roles) {
      r.users = r.users.filter((x) => x !== deleted.id)
      r.admins = r.admins.filter((x) => x !== deleted.id)
    }

    // 3. A user is created in a group and given a role.
    const created = (await api.call('POST', '/api/2/users', {
      username: 'new.hire',
      email: 'new.hire@example.com',
      firstname: 'New',
      lastname: 'Hire',
      department: 'Engineering',
      group_id: groups[0],
      custom_attributes: { cost_center: '1100', location: null },
    })) as { id: number; status: number; created_at: string; updated_at: string }
    await api.call('POST', `/api/2/roles/${rAdd.id}/users`, [created.id])
    model.users.push({
      ...structuredClone(tenant.users[0]!),
      id: created.id,
      username: 'new.hire',
      email: 'new.hire@example.com',
      firstname: 'New',
      lastname: 'Hire',
      title: null,
      department: 'Engineering',
      status: created.status as SeedUser['status'],
      group_id: groups[0]!,
      manager_user_id: null,
      custom_attributes: { cost_center: '1100', location: null },
      created_at: created.created_at,
      updated_at: created.updated_at,
      last_login: null,
    })
    roleOf(rAdd.id).users.push(created.id)
    changed.add(created.id)

    // 4. An existing user is added to a role, another removed from one (raw JSON arrays).
    const joiner = pick((u) => !roleOf(rAdd.id).users.includes(u.id))
    await api.call('POST', `/api/2/roles/${rAdd.id}/users`, [joiner.id])
    roleOf(rAdd.id).users.push(joiner.id)
    const leaver = pick((u) => roleOf(rRemove.id).users.includes(u.id))
    await api.call('DELETE', `/api/2/roles/${rRemove.id}/users`, [leaver.id])
    roleOf(rRemove.id).users = roleOf(rRemove.id).users.filter((x) => x !== leaver.id)

    // 5. A role's apps are replaced (PUT the full list): one dropped, two others added.
    const others = model.apps.map((a) => a.id).filter((a) => !rApps.apps.includes(a))
    const newApps = [...rApps.apps.slice(1), ...others.slice(0, 2)]
    await api.call('PUT', `/api/2/roles/${rApps.id}/apps`, newApps)
    roleOf(rApps.id).apps = newApps

    // 6. One user changes group, another leaves theirs.
    const mover = pick((u) => u.group_id !== null)
    const to = groups.find((g) => g !== mover.group_id)!
    await api.call('PUT', `/api/2/users/${mover.id}`, { group_id: to })
    userOf(mover.id).group_id = to
    changed.add(mover.id)
    const leaverGroup = pick((u) => u.group_id !== null)
    await api.call('PUT', `/api/2/users/${leaverGroup.id}`, { group_id: null })
    userOf(leaverGroup.id).group_id = null
    changed.add(leaverGroup.id)

    // 7. A role is deleted (its members and admins lose it) and a new one created with members and apps.
    const gone = model.roles.find((r) => ![rAdd.id, rRemove.id, rApps.id].includes(r.id) && r.users.length > 0 && r.apps.length > 0)!
    await api.call('DELETE', `/api/2/roles/${gone.id}`)
    model.roles = model.roles.filter((r) => r.id !== gone.id)
    const newRoleMembers = [joiner.id, mover.id, created.id]
    const newRoleApps = model.apps.slice(0, 3).map((a) => a.id)
    const newRole = (await api.call('POST', '/api/2/roles', { name: 'Project Phoenix', users: newRoleMembers, apps: newRoleApps })) as { id: number }
    model.roles.push({ id: newRole.id, name: 'Project Phoenix', users: newRoleMembers, admins: [], apps: newRoleApps })

    // 8. Deleting a group: the emulator has no group write API (OneLogin's v1 groups are read-only), so not covered.

    const before = sha256(file)
    const inc = await run(emu, file)
    expect(inc.summary.mode).toBe('incremental')
    expect(inc.summary.resumed).toBe(false)
    expect(sha256(file)).not.toBe(before)
    const usersNow = model.users.length
    // Changed users (one page), one count call, and a user-id walk because a user was deleted.
    expectCalls(inc, {
      'POST /auth/oauth2/v2/token': 1,
      'GET /api/2/users': pages(changed.size, 100) + 1 + pages(usersNow, 100),
      'GET /api/2/roles': pages(model.roles.length, 650),
      'GET /api/2/apps': pages(model.apps.length, 1000),
      'GET /api/1/groups': pages(model.groups.length, 50),
    })
    expect(inc.summary.api_calls).toBe(9)
    expect(inc.summary.api_calls).toBeLessThan(fullCalls / 2)

    // The incremental result equals the independent model of the changed tenant...
    const expected = expectedGrants(model, { privileges: false })
    expect(readGrants(file)).toEqual(expected)
    expect(withoutUpdatedAt(readResources(file))).toEqual(expectedResources(model, { privileges: false }))
    expect(inc.summary.resources.user).toBe(usersNow)
    expect(inc.summary.grants).toBe(expected.length)

    // ...and a full sync of the same emulator state into another file, table for table.
    const fullFile = newFile('full-after-changes')
    const full = await run(emu, fullFile)
    expect(full.summary.mode).toBe('full')
    expectCalls(full, expectedFullSyncCalls(model, { privileges: false }))
    expect(readGrants(file)).toEqual(readGrants(fullFile))
    expect(readResources(file)).toEqual(readResources(fullFile))
    expect(readEntitlements(file)).toEqual(readEntitlements(fullFile))

    const suspendedRow = readResources(file, 'user').find((u) => u.id === `user:${suspended.id}`)!
    expect(suspendedRow.traits).toMatchObject({ status: 'suspended', enabled: false, department: 'Procurement' })
    expect(readResources(file, 'user').some((u) => u.id === `user:${deleted.id}`)).toBe(false)
    expect(readGrants(file).filter((g) => g.principal === `user:${deleted.id}`)).toEqual([])
    expect(readGrants(file).map((g) => g.id)).toContain(`group:${groups[0]}:member:user:${created.id}`)
    expect(readGrants(file).map((g) => g.id)).toContain(`role:${rAdd.id}:member:user:${created.id}`)

    // The incremental sync added its row to the file's history.
    const syncs = readSyncs(file)
    expect(syncs.map((s) => s.mode)).toEqual(['full', 'incremental'])
    expect(syncs[1]!.api_calls).toBe(9)
    expect(syncs[1]!.state['user_total']).toBe(usersNow)

    // Nothing changed since: the users updated in the look-back window come again (one page),
    // the count matches, so no id walk.
    const quiet = await run(emu, file)
    expect(quiet.summary.mode).toBe('incremental')
    expectCalls(quiet, { 'POST /auth/oauth2/v2/token': 1, 'GET /api/2/users': 2, 'GET /api/2/roles': 1, 'GET /api/2/apps': 1, 'GET /api/1/groups': 1 })
    expect(readGrants(file)).toEqual(expected)

    // Only an addition: the count says so (previous total + new users), still no id walk.
    const another = (await api.call('POST', '/api/2/users', { username: 'second.hire', email: 'second.hire@example.com', status: 1 })) as { id: number }
    const added = await run(emu, file)
    expectCalls(added, { 'POST /auth/oauth2/v2/token': 1, 'GET /api/2/users': 2, 'GET /api/2/roles': 1, 'GET /api/2/apps': 1, 'GET /api/1/groups': 1 })
    expect(added.summary.resources.user).toBe(usersNow + 1)
    expect(readResources(file, 'user').find((u) => u.id === `user:${another.id}`)!.traits).toMatchObject({ login: 'second.hire', status: 'password_pending' })
  })

  it('a no-change incremental sync right after a full one costs 6 calls', async () => {
    const quietTenant = generateTenant({ users: 180, roles: 6, apps: 9, groups: 3, seed: 12 })
    const quietEmu = await startEmulator({ tenant: quietTenant })
    try {
      const file = newFile('quiet')
      const first = await run(quietEmu, file)
      expect(first.summary.api_calls).toBe(1 + 2 + 1 + 1 + 9 + 1)
      const grants = readGrants(file)
      const resources = readResources(file)
      const r = await run(quietEmu, file)
      expect(r.summary.mode).toBe('incremental')
      // token, one (empty) page of changed users, the user count, the role, app and group lists.
      expectCalls(r, { 'POST /auth/oauth2/v2/token': 1, 'GET /api/2/users': 2, 'GET /api/2/roles': 1, 'GET /api/2/apps': 1, 'GET /api/1/groups': 1 })
      expect(readGrants(file)).toEqual(grants)
      expect(readResources(file)).toEqual(resources)
    } finally {
      await quietEmu.close()
    }
  })

  it('with privileges on, follows privilege and role changes through roles', async () => {
    const privTenant = generateTenant({ users: 200, roles: 10, apps: 5, groups: 2, privileges: 5, seed: 13 })
    const privEmu = await startEmulator({ tenant: privTenant })
    try {
      const api = new OneLoginApi(privEmu)
      const file = newFile('incremental-privileges')
      const first = await run(privEmu, file, { privileges: true })
      expect(readGrants(file)).toEqual(expectedGrants(privTenant, { privileges: true }))
      expectCalls(first, expectedFullSyncCalls(privTenant, { privileges: true }))

      const model: TenantSeed = structuredClone(privTenant)
      const roleOf = (id: number) => model.roles.find((r) => r.id === id)!
      const held = model.privileges.find((p) => p.roles.length > 0)!
      const heldRole = roleOf(held.roles[0]!)
      // A member of a role that holds a privilege is also given the privilege directly (merged grant)...
      const both = heldRole.users.find((u) => !held.users.includes(u))!
      await api.call('POST', `/api/1/privileges/${held.id}/users`, { users: [both] })
      held.users.push(both)
      // ...and another member leaves that role (loses the privilege held through it).
      const leaving = heldRole.users.find((u) => u !== both && !held.users.includes(u))!
      await api.call('DELETE', `/api/2/roles/${heldRole.id}/users`, [leaving])
      heldRole.users = heldRole.users.filter((u) => u !== leaving)
      // A privilege is given to a role that did not hold it, and taken from another.
      const target = model.privileges.find((p) => p.id !== held.id)!
      const newHolder = model.roles.find((r) => !target.roles.includes(r.id) && r.users.length > 0)!
      await api.call('POST', `/api/1/privileges/${target.id}/roles`, { roles: [newHolder.id] })
      target.roles.push(newHolder.id)
      const taken = model.privileges.find((p) => p.roles.length > 0 && p.roles[0] !== heldRole.id) ?? held
      const takenRole = taken.roles.find((r) => r !== heldRole.id && r !== newHolder.id)
      if (takenRole !== undefined) {
        await api.call('DELETE', `/api/1/privileges/${taken.id}/roles/${takenRole}`)
        taken.roles = taken.roles.filter((r) => r !== takenRole)
      }

      const inc = await run(privEmu, file, { privileges: true })
      expect(inc.summary.mode).toBe('incremental')
      const privilegePages = expectedFullSyncCalls(model, { privileges: true })
      expectCalls(inc, {
        'POST /auth/oauth2/v2/token': 1,
        'GET /api/2/users': 2, // no user changed: one empty page, one count
        'GET /api/2/roles': 1,
        'GET /api/2/apps': 1,
        'GET /api/1/groups': 1,
        'GET /api/1/privileges': 1,
        'GET /api/1/privileges/:id/users': privilegePages['GET /api/1/privileges/:id/users']!,
        'GET /api/1/privileges/:id/roles': privilegePages['GET /api/1/privileges/:id/roles']!,
      })
      const expected = expectedGrants(model, { privileges: true })
      expect(readGrants(file)).toEqual(expected)
      const merged = expected.find((g) => g.id === `privilege:${held.id}:assigned:user:${both}`)!
      expect(merged).toEqual({ id: merged.id, entitlement: `privilege:${held.id}:assigned`, principal: `user:${both}`, direct: true, sources: [`role:${heldRole.id}:member`] })

      const fullFile = newFile('incremental-privileges-full')
      await run(privEmu, fullFile, { privileges: true })
      expect(readGrants(file)).toEqual(readGrants(fullFile))
      expect(readResources(file)).toEqual(readResources(fullFile))
      expect(readEntitlements(file)).toEqual(readEntitlements(fullFile))
    } finally {
      await privEmu.close()
    }
  })

  it('chooses a full sync when the previous snapshot is too old, or the privileges option changed', async () => {
    const aged = newFile('plan-aged')
    await run(emu, aged)
    const logs: string[] = []
    const old = await run(emu, aged, { now: () => new Date(Date.now() + 8 * 24 * 3600_000), onLog: (_l, m) => logs.push(m) })
    expect(old.summary.mode).toBe('full')
    expect(logs[0]).toBe('full sync: the previous snapshot is older than 168 h')

    const young = newFile('plan-max-age')
    await run(emu, young)
    const short = await run(emu, young, { maxIncrementalAgeMs: 60_000, now: () => new Date(Date.now() + 120_000) })
    expect(short.summary.mode).toBe('full')

    const toggled = newFile('plan-privileges')
    await run(emu, toggled)
    const priv = await run(emu, toggled, { privileges: true })
    expect(priv.summary.mode).toBe('full')
    expect(priv.summary.resources.privilege).toBe(tenant.privileges.length)
    const back = await run(emu, toggled)
    expect(back.summary.mode).toBe('full')
    expect(back.summary.resources.privilege).toBe(0)
    expect(readGrants(toggled).some((g) => g.entitlement.startsWith('privilege:'))).toBe(false)
    expect(readEntitlements(toggled).some((e) => e.id.startsWith('privilege:'))).toBe(false)
  })

  it('full: true forces a full sync over an existing snapshot', async () => {
    const file = newFile('forced-full')
    await run(emu, file)
    const r = await run(emu, file, { full: true })
    expect(r.summary.mode).toBe('full')
    expect(r.summary.resumed).toBe(false)
    const s = emu.state
    expectCalls(r, expectedFullSyncCalls({ users: [...s.users.keys()], roles: [...s.roles.keys()], apps: [...s.apps.keys()], groups: [...s.groups.keys()], privileges: [] }, { privileges: false }))
    // A fresh file, not a copy of the previous one: one sync in its history.
    expect(readSyncs(file).map((x) => x.mode)).toEqual(['full'])
    const reference = newFile('reference')
    await run(emu, reference)
    expect(readGrants(file)).toEqual(readGrants(reference))
    expect(readResources(file)).toEqual(readResources(reference))
  })
})

// -------------------------------------------------------------------------------------------

describe('a failed sync never replaces the last good snapshot', () => {
  const tenant = generateTenant({ users: 120, roles: 5, apps: 3, groups: 2, seed: 5 })
  let emu: RunningEmulator
  let file: string
  let good: string
  let goodGrants: ReturnType<typeof readGrants>

  beforeAll(async () => {
    emu = await startEmulator({ tenant })
    file = newFile('last-good')
    await run(emu, file)
    good = sha256(file)
    goodGrants = readGrants(file)
  })
  afterAll(async () => {
    await emu.close()
  })

  function expectUntouched(): void {
    expect(sha256(file)).toBe(good)
    expect(readGrants(file)).toEqual(goodGrants)
  }

  it('wrong client secret: ONELOGIN_AUTH_FAILED', async () => {
    const client = new OneLoginClient({ baseUrl: emu.url, clientId: emu.manageAll.client_id, clientSecret: 'wrong-secret-0123456789', rateBudget: new RateBudget({ limit: 1_000_000 }) })
    const e = await failure(syncToSnapshot({ client, file }))
    expect(e.code).toBe('ONELOGIN_AUTH_FAILED')
    expect(e.message).not.toContain('wrong-secret-0123456789')
    expect(client.calls.byEndpoint()).toEqual({ 'POST /auth/oauth2/v2/token': 1 })
    expectUntouched()
  })

  it('a "Read users" credential: ONELOGIN_FORBIDDEN naming the scope a sync needs', async () => {
    await control(emu, 'POST', '/stats/reset')
    const client = syncClient(emu, {}, 'read_users')
    const e = await failure(syncToSnapshot({ client, file }))
    expect(e.code).toBe('ONELOGIN_FORBIDDEN')
    expect(e.endpoint).toBe('GET /api/2/apps')
    expect(e.upstreamStatus).toBe(403)
    expect(e.message).toBe('the API credential\'s scope does not allow GET /api/2/apps: a sync needs "Read all" or "Manage all"')
    expectUntouched()
  })

  it('a "Read all" credential syncing privileges: ONELOGIN_FORBIDDEN naming "Manage all"', async () => {
    const client = syncClient(emu, {}, 'read_all')
    const e = await failure(syncToSnapshot({ client, file, privileges: true }))
    expect(e.code).toBe('ONELOGIN_FORBIDDEN')
    expect(e.endpoint).toBe('GET /api/1/privileges')
    expect(e.message).toBe('the API credential\'s scope does not allow GET /api/1/privileges: a sync needs "Manage all"')
    expectUntouched()
  })

  it('an unreachable host: ONELOGIN_NETWORK', async () => {
    const client = new OneLoginClient({
      baseUrl: 'http://127.0.0.1:1',
      clientId: emu.manageAll.client_id,
      clientSecret: emu.manageAll.client_secret,
      rateBudget: new RateBudget({ limit: 1_000_000 }),
      retry: { maxAttempts: 1 },
    })
    const e = await failure(syncToSnapshot({ client, file }))
    expect(e.code).toBe('ONELOGIN_NETWORK')
    expect(e.endpoint).toBe('POST /auth/oauth2/v2/token')
    expectUntouched()
  })

  it('a malformed user page: ONELOGIN_BAD_RESPONSE naming the endpoint and field', async () => {
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      if (req.url?.startsWith('/auth/oauth2/v2/token')) {
        res.end(JSON.stringify({ access_token: 'stand-in-token', expires_in: 36000, token_type: 'bearer', account_id: 1 }))
        return
      }
      res.setHeader('total-count', '2')
      res.setHeader('total-pages', '1')
      res.setHeader('current-page', '1')
      res.end(JSON.stringify([{ id: 1, username: 'ok', status: 1 }, { id: 2, username: 'bad', status: 'active' }]))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const client = new OneLoginClient({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        clientId: 'id',
        clientSecret: 'secret',
        rateBudget: new RateBudget({ limit: 1_000_000 }),
      })
      const e = await failure(syncToSnapshot({ client, file }))
      expect(e.code).toBe('ONELOGIN_BAD_RESPONSE')
      expect(e.message).toMatch(/^GET \/api\/2\/users returned an unexpected payload at \[1\]\.status: /)
      expectUntouched()
    } finally {
      await new Promise<void>((r) => server.close(() => r()))
    }
  })

  it('after all of that, a good sync still works from the last good snapshot', async () => {
    const r = await run(emu, file)
    // Incremental from the last good snapshot; the stand-in's partial (another tenant) is not resumed.
    expect(r.summary.mode).toBe('incremental')
    expect(r.summary.resumed).toBe(false)
    expect(readGrants(file)).toEqual(goodGrants)
    expect(existsSync(`${file}.partial`)).toBe(false)
  })
})

// -------------------------------------------------------------------------------------------

describe('a file that is not a snapshot', () => {
  const tenant = generateTenant({ users: 20, roles: 2, apps: 2, groups: 1, seed: 6 })
  let emu: RunningEmulator

  beforeAll(async () => {
    emu = await startEmulator({ tenant })
  })
  afterAll(async () => {
    await emu.close()
  })

  it.each([false, true])('is refused with BAD_INPUT and left as it was (full: %s)', async (full) => {
    const text = newFile('notes')
    writeFileSync(text, 'my notes, not a snapshot\n')
    const other = newFile('other-db')
    const db = new Database(other)
    db.exec('CREATE TABLE grants (id TEXT PRIMARY KEY); INSERT INTO grants VALUES (\'x\')')
    db.close()
    for (const file of [text, other]) {
      const before = sha256(file)
      const client = syncClient(emu)
      const e = await failure(syncToSnapshot({ client, file, full }))
      expect(e.code).toBe('BAD_INPUT')
      expect(e.message).toBe(`${file} exists and is not a Warden snapshot; refusing to overwrite it`)
      expect(sha256(file)).toBe(before)
      expect(existsSync(`${file}.partial`)).toBe(false)
      expect(client.calls.total).toBe(0)
    }
  })
})

// -------------------------------------------------------------------------------------------

describe('resume after an interrupted sync', () => {
  const opts: GenerateOptions = { users: 500, roles: 8, apps: 6, groups: 3, seed: 21 }
  const tenant = generateTenant(opts)
  const grants = expectedGrants(tenant, { privileges: false })
  let emu: RunningEmulator

  beforeAll(async () => {
    emu = await startEmulator({ tenant })
  })
  afterAll(async () => {
    await emu.close()
  })
  afterEach(async () => {
    await control(emu, 'DELETE', '/faults')
  })

  const flaky = { clientOptions: { retry: { maxAttempts: 2, baseDelayMs: 1 } } }

  it('fails on the app list, keeps <file>.partial and <file>; the re-run reads only what was not written', async () => {
    const file = newFile('resume-apps')
    await run(emu, file)
    const good = sha256(file)

    await control(emu, 'POST', '/faults', { kind: 'server_error', status: 503, count: 50, path: '/api/2/apps' })
    await control(emu, 'POST', '/stats/reset')
    const client = syncClient(emu, flaky.clientOptions)
    const e = await failure(syncToSnapshot({ client, file, full: true }))
    expect(e.code).toBe('ONELOGIN_UNAVAILABLE')
    expect(e.endpoint).toBe('GET /api/2/apps')
    expect(client.calls.byEndpoint()).toEqual({ 'GET /api/2/apps': 2, 'GET /api/2/roles': 1, 'GET /api/2/users': 5, 'POST /auth/oauth2/v2/token': 1 })
    expect(sha256(file)).toBe(good)
    expect(existsSync(`${file}.partial`)).toBe(true)
    const partial = readSyncs(`${file}.partial`)
    expect(partial).toHaveLength(1)
    expect(partial[0]).toMatchObject({ mode: 'full', finished_at: null, checkpoint: { phase: 'apps' } })
    expect(readResources(`${file}.partial`, 'user')).toHaveLength(500)

    await control(emu, 'DELETE', '/faults')
    const r = await run(emu, file, { full: true, ...flaky })
    expect(r.summary.mode).toBe('full')
    expect(r.summary.resumed).toBe(true)
    // No user or role pages: those were written before the failure.
    expectCalls(r, { 'POST /auth/oauth2/v2/token': 1, 'GET /api/2/apps': 1, 'GET /api/2/apps/:id': opts.apps, 'GET /api/1/groups': 1 })
    expect(r.summary.resources).toEqual({ user: 500, role: 8, app: 6, group: 3, privilege: 0 })
    expect(readGrants(file)).toEqual(grants)
    expect(withoutUpdatedAt(readResources(file))).toEqual(expectedResources(tenant, { privileges: false }))
    expect(existsSync(`${file}.partial`)).toBe(false)
  })

  it('interrupted in the middle of the user pages, continues from the stored cursor', async () => {
    const file = newFile('resume-users')
    const controller = new AbortController()
    await control(emu, 'POST', '/stats/reset')
    const client = syncClient(emu)
    const e = await failure(
      syncToSnapshot({
        client,
        file,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'users' && p.done >= 200) controller.abort()
        },
      }),
    )
    expect(e.code).toBe('INTERRUPTED')
    expect(existsSync(file)).toBe(false)
    const cp = readSyncs(`${file}.partial`)[0]!.checkpoint as { phase: string; cursor?: string; done?: number }
    expect(cp.phase).toBe('users')
    expect(cp.done).toBe(200)
    expect(typeof cp.cursor).toBe('string')
    expect(readResources(`${file}.partial`, 'user')).toHaveLength(200)
    // Two pages written; at most the one in flight when the signal fired was read for nothing.
    expect(client.calls.count('GET /api/2/users')).toBeGreaterThanOrEqual(2)
    expect(client.calls.count('GET /api/2/users')).toBeLessThanOrEqual(3)

    const r = await run(emu, file)
    expect(r.summary.resumed).toBe(true)
    expect(r.summary.mode).toBe('full')
    // 5 user pages in all, 2 already written.
    expectCalls(r, {
      'POST /auth/oauth2/v2/token': 1,
      'GET /api/2/users': 5 - 2,
      'GET /api/2/roles': 1,
      'GET /api/2/apps': 1,
      'GET /api/2/apps/:id': opts.apps,
      'GET /api/1/groups': 1,
    })
    expect(r.summary.resources.user).toBe(500)
    expect(readGrants(file)).toEqual(grants)
    expect(withoutUpdatedAt(readResources(file))).toEqual(expectedResources(tenant, { privileges: false }))
  })

  it('an interrupted incremental sync resumes as incremental and ends like a full sync', async () => {
    const local = await startEmulator({ tenant })
    try {
      const api = new OneLoginApi(local)
      const file = newFile('resume-incremental')
      await run(local, file)
      const changedUser = tenant.users.find((u) => u.status === 1 && u.group_id !== null)!
      await api.call('PUT', `/api/2/users/${changedUser.id}`, { status: 3, title: 'Locked Out' })
      const removed = tenant.users.find((u) => u.id !== changedUser.id && tenant.roles.some((r) => r.users.includes(u.id)))!
      await api.call('DELETE', `/api/2/users/${removed.id}`)

      await control(local, 'POST', '/faults', { kind: 'server_error', status: 503, count: 50, path: '/api/2/apps' })
      await control(local, 'POST', '/stats/reset')
      const client = syncClient(local, flaky.clientOptions)
      const e = await failure(syncToSnapshot({ client, file }))
      expect(e.code).toBe('ONELOGIN_UNAVAILABLE')
      // Changed users (1 page), the count, the id walk (a deletion: 5 pages), roles, then the failing apps list.
      expect(client.calls.byEndpoint()).toEqual({ 'GET /api/2/apps': 2, 'GET /api/2/roles': 1, 'GET /api/2/users': 1 + 1 + 5, 'POST /auth/oauth2/v2/token': 1 })
      await control(local, 'DELETE', '/faults')

      const r = await run(local, file, flaky)
      expect(r.summary).toMatchObject({ mode: 'incremental', resumed: true })
      // Apps unchanged since the last sync: no app details; nothing before the apps phase again.
      expectCalls(r, { 'POST /auth/oauth2/v2/token': 1, 'GET /api/2/apps': 1, 'GET /api/1/groups': 1 })
      expect(r.summary.resources.user).toBe(499)

      const fullFile = newFile('resume-incremental-full')
      await run(local, fullFile)
      expect(readGrants(file)).toEqual(readGrants(fullFile))
      expect(readResources(file)).toEqual(readResources(fullFile))
      expect(readResources(file, 'user').find((u) => u.id === `user:${changedUser.id}`)!.traits).toMatchObject({ status: 'locked', enabled: false, title: 'Locked Out' })
    } finally {
      await local.close()
    }
  })

  it('retried calls are counted; a stale After-Cursor on last pages costs nothing', async () => {
    const file = newFile('retries')
    await control(emu, 'POST', '/faults', [
      { kind: 'rate_limit', count: 2, path: '/api/2/roles' },
      { kind: 'server_error', status: 502, count: 1, path: '/api/2/users' },
      { kind: 'stale_after_cursor', count: 100 },
    ])
    const r = await run(emu, file, { clientOptions: { retry: { baseDelayMs: 1, jitter: 0 } } })
    const expected = expectedFullSyncCalls(tenant, { privileges: false })
    expectCalls(r, { ...expected, 'GET /api/2/roles': expected['GET /api/2/roles']! + 2, 'GET /api/2/users': expected['GET /api/2/users']! + 1 })
    expect(readGrants(file)).toEqual(grants)
  })

  it('resume: false starts over', async () => {
    const file = newFile('no-resume')
    await control(emu, 'POST', '/faults', { kind: 'server_error', status: 503, count: 50, path: '/api/2/apps' })
    await failure(syncToSnapshot({ client: syncClient(emu, flaky.clientOptions), file }))
    expect(existsSync(`${file}.partial`)).toBe(true)
    await control(emu, 'DELETE', '/faults')
    const r = await run(emu, file, { resume: false })
    expect(r.summary.resumed).toBe(false)
    expectCalls(r, expectedFullSyncCalls(tenant, { privileges: false }))
    expect(readGrants(file)).toEqual(grants)
  })

  it('a resumed sync does not move the incremental look-back past the users it read before the interruption', async () => {
    const local = await startEmulator({ tenant })
    try {
      const api = new OneLoginApi(local)
      const file = newFile('resume-lookback')
      await run(local, file)
      // A full re-sync fails after the user pages...
      await control(local, 'POST', '/faults', { kind: 'server_error', status: 503, count: 50, path: '/api/2/apps' })
      await failure(syncToSnapshot({ client: syncClient(local, flaky.clientOptions), file, full: true }))
      await control(local, 'DELETE', '/faults')
      // ...a user changes in OneLogin (the partial file already holds the old version)...
      const u = tenant.users.find((x) => x.status === 1)!
      await api.call('PUT', `/api/2/users/${u.id}`, { department: 'Changed After Read' })
      const late = (await api.call('POST', '/api/2/users', { username: 'late.joiner', email: 'late.joiner@example.com' })) as { id: number }
      // ...and the sync is resumed an hour later.
      const hourLater = (): Date => new Date(Date.now() + 3_600_000)
      const resumed = await run(local, file, { full: true, now: hourLater })
      expect(resumed.summary.resumed).toBe(true)
      const row = readSyncs(file)[0]!
      // The look-back it leaves must start before the pages it read before the interruption.
      expect.soft(Date.parse(String(row.state['users_updated_since']))).toBeLessThanOrEqual(Date.parse(row.started_at) - 10 * 60_000)
      // The next incremental sync must still see the change.
      const inc = await run(local, file, { now: hourLater })
      expect(inc.summary.mode).toBe('incremental')
      const user = readResources(file, 'user').find((x) => x.id === `user:${u.id}`)!
      expect.soft(user.traits['department']).toBe('Changed After Read')
      expect.soft(readResources(file, 'user').some((x) => x.id === `user:${late.id}`)).toBe(true)
      // The missing user also breaks the deletion check: every later incremental sync walks all user ids.
      const again = await run(local, file, { now: hourLater })
      expect.soft(again.summary.api_calls_by_endpoint['GET /api/2/users']).toBe(2)
    } finally {
      await local.close()
    }
  })
})
