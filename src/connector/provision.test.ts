import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { demoTenant, startEmulator } from '../emulator/index.js'
import type { CredentialScope, RunningEmulator } from '../emulator/index.js'
import { WardenError } from '../errors/index.js'
import { OneLoginClient, RateBudget } from '../onelogin/index.js'
import type { RetryPolicy } from '../onelogin/index.js'
import { createAccount, deleteAccount, grant, revoke, suspendAccount, unsuspendAccount } from './index.js'
import type { ProvisionContext } from './index.js'

// Provisioning against the emulator over real HTTP: each test gets a fresh Acme demo tenant, so
// every assertion can name exact ids, exact writes and exact end states. End states are read
// from the emulator (`emu.state`, plain fetch), never from the code under test.

const TENANT = demoTenant()
const U = { maria: 41235001, david: 41235002, tom: 41235006, hannah: 41235009, noah: 41235010, ethan: 41235013, zoe: 41235019, samuel: 41235020, oliver: 41235023, lucas: 41235024 } as const
const R = { employees: 330101, engineering: 330102, people: 330105, itAdmins: 330106, contractors: 330108, managers: 330109 } as const
const A = { slack: 1204101, github: 1204104, greenhouse: 1204112, tableau: 1204113 } as const
const G = { hq: 512001, remote: 512002, contractors: 512003 } as const
const P = { userAdmin: '8f14e45f-ceea-4e7a-9c2b-3d6f0a1b2c01', helpDesk: '45c48cce-2e2d-4fbd-a7c4-1f2e3d4c5b02' } as const
/** The id the emulator gives the next user it creates (one past the tenant's highest). */
const NEXT_USER = 41235026
const TOKEN = 'POST /auth/oauth2/v2/token'

let emu: RunningEmulator

beforeEach(async () => {
  emu = await startEmulator({ tenant: demoTenant() })
})
afterEach(async () => {
  await emu.close()
})

function client(scope: CredentialScope = 'manage_all', retry?: Partial<RetryPolicy>): OneLoginClient {
  const c = TENANT.credentials.find((x) => x.scope === scope)
  if (c === undefined) throw new Error(`demo tenant has no ${scope} credential`)
  return new OneLoginClient({
    baseUrl: emu.url,
    clientId: c.client_id,
    clientSecret: c.client_secret,
    rateBudget: new RateBudget({ limit: 100_000 }),
    sleep: async () => undefined,
    ...(retry === undefined ? {} : { retry }),
  })
}

function ctx(extra: Partial<ProvisionContext> = {}, scope: CredentialScope = 'manage_all'): ProvisionContext {
  return { client: client(scope), ...extra }
}

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

/** Write calls (POST/PUT/DELETE) OneLogin saw, the token request excluded, from the emulator's own counters. */
async function emulatorWrites(): Promise<Record<string, number>> {
  const stats = (await admin('GET', '/stats')) as { by_endpoint: Record<string, number> }
  return writesOf(stats.by_endpoint)
}

/** Write calls the client made, the token request excluded. */
function clientWrites(c: ProvisionContext): Record<string, number> {
  return writesOf(c.client.calls.byEndpoint())
}

function writesOf(byEndpoint: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(byEndpoint).filter(([k]) => /^(POST|PUT|DELETE) /.test(k) && k !== TOKEN))
}

/** GET a OneLogin v2 user with plain fetch and the manage_all credential (the end state, as any client would read it). */
async function fetchUser(id: number): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const tokenRes = await fetch(`${emu.url}/auth/oauth2/v2/token`, {
    method: 'POST',
    headers: { authorization: `client_id:${emu.manageAll.client_id}, client_secret:${emu.manageAll.client_secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials' }),
  })
  const { access_token } = (await tokenRes.json()) as { access_token: string }
  const res = await fetch(`${emu.url}/api/2/users/${id}`, { headers: { authorization: `Bearer ${access_token}` } })
  return { status: res.status, body: res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined }
}

const roleIds = (userId: number): number[] => [...emu.state.userRoleIds(userId)]
const adminIds = (roleId: number): number[] => [...(emu.state.roles.get(roleId)?.admins.sortedIds() ?? [])]
const privilegeUsers = (id: string): number[] => [...(emu.state.privileges.get(id)?.users.sortedIds() ?? [])]
const privilegeRoles = (id: string): number[] => [...(emu.state.privileges.get(id)?.roles.sortedIds() ?? [])]

async function failure(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected the operation to fail')
}

describe('role membership and role admin', () => {
  it('grants a role membership with one raw-array POST, verifies it, then a second grant is no change with no write', async () => {
    const c = ctx()
    const r = await grant(c, `role:${R.people}:member`, `user:${U.hannah}`)
    expect(r).toEqual({
      action: 'grant',
      entitlement: 'role:330105:member',
      principal: 'user:41235009',
      outcome: 'changed',
      held: true,
      writes: [{ method: 'POST', path: '/api/2/roles/330105/users', body: [U.hannah] }],
      message: 'granted role:330105:member to user:41235009',
    })
    expect(roleIds(U.hannah)).toEqual([R.employees, R.engineering, R.people])
    // Read, one write, read back: nothing more.
    expect(c.client.calls.byEndpoint()).toEqual({ 'GET /api/2/roles/:id': 1, 'GET /api/2/users/:id': 2, 'POST /api/2/roles/:id/users': 1, [TOKEN]: 1 })

    await admin('POST', '/stats/reset')
    const c2 = ctx()
    const again = await grant(c2, `role:${R.people}:member`, `user:${U.hannah}`)
    expect(again).toEqual({
      action: 'grant',
      entitlement: 'role:330105:member',
      principal: 'user:41235009',
      outcome: 'no_change',
      held: true,
      writes: [],
      message: 'no change: user:41235009 already holds role:330105:member',
    })
    expect(clientWrites(c2)).toEqual({})
    expect(await emulatorWrites()).toEqual({})
  })

  it('revokes a role membership with a raw-array DELETE; revoking it again is no change with no write', async () => {
    const c = ctx()
    const r = await revoke(c, `role:${R.managers}:member`, `user:${U.maria}`)
    expect(r.outcome).toBe('changed')
    expect(r.held).toBe(false)
    expect(r.writes).toEqual([{ method: 'DELETE', path: '/api/2/roles/330109/users', body: [U.maria] }])
    expect(r.message).toBe('revoked role:330109:member from user:41235001')
    expect(roleIds(U.maria)).toEqual([R.employees])
    expect((await fetchUser(U.maria)).body?.['role_ids']).toEqual([R.employees])

    await admin('POST', '/stats/reset')
    const again = await revoke(ctx(), `role:${R.managers}:member`, `user:${U.maria}`)
    expect(again.outcome).toBe('no_change')
    expect(again.held).toBe(false)
    expect(again.writes).toEqual([])
    expect(again.message).toBe('no change: user:41235001 does not hold role:330109:member')
    expect(await emulatorWrites()).toEqual({})
  })

  it('grants and revokes role admin through /admins, idempotently', async () => {
    const c = ctx()
    const g = await grant(c, `role:${R.people}:admin`, `user:${U.zoe}`)
    expect(g.outcome).toBe('changed')
    expect(g.held).toBe(true)
    expect(g.writes).toEqual([{ method: 'POST', path: '/api/2/roles/330105/admins', body: [U.zoe] }])
    expect(adminIds(R.people)).toEqual([U.zoe])
    // Admin, not member: her memberships are untouched.
    expect(roleIds(U.zoe)).toEqual([R.employees, R.people])
    expect(clientWrites(c)).toEqual({ 'POST /api/2/roles/:id/admins': 1 })

    await admin('POST', '/stats/reset')
    const again = await grant(ctx(), `role:${R.people}:admin`, `user:${U.zoe}`)
    expect(again.outcome).toBe('no_change')
    expect(await emulatorWrites()).toEqual({})

    const rv = await revoke(ctx(), `role:${R.people}:admin`, `user:${U.zoe}`)
    expect(rv.outcome).toBe('changed')
    expect(rv.held).toBe(false)
    expect(rv.writes).toEqual([{ method: 'DELETE', path: '/api/2/roles/330105/admins', body: [U.zoe] }])
    expect(adminIds(R.people)).toEqual([])

    await admin('POST', '/stats/reset')
    const gone = await revoke(ctx(), `role:${R.people}:admin`, `user:${U.zoe}`)
    expect(gone.outcome).toBe('no_change')
    expect(gone.message).toBe('no change: user:41235019 does not hold role:330105:admin')
    expect(await emulatorWrites()).toEqual({})
  })
})

describe('group membership', () => {
  it('granting a group moves the user (one PUT of group_id); revoking sets group_id null', async () => {
    const moved = await grant(ctx(), `group:${G.remote}:member`, `user:${U.hannah}`)
    expect(moved.outcome).toBe('changed')
    expect(moved.held).toBe(true)
    expect(moved.writes).toEqual([{ method: 'PUT', path: '/api/2/users/41235009', body: { group_id: G.remote } }])
    expect(emu.state.users.get(U.hannah)?.group_id).toBe(G.remote)

    // A user is in one group: she no longer holds the old one.
    const old = await revoke(ctx(), `group:${G.hq}:member`, `user:${U.hannah}`)
    expect(old.outcome).toBe('no_change')
    expect(old.message).toBe('no change: user:41235009 does not hold group:512001:member')
    expect(emu.state.users.get(U.hannah)?.group_id).toBe(G.remote)

    const out = await revoke(ctx(), `group:${G.remote}:member`, `user:${U.hannah}`)
    expect(out.outcome).toBe('changed')
    expect(out.held).toBe(false)
    expect(out.writes).toEqual([{ method: 'PUT', path: '/api/2/users/41235009', body: { group_id: null } }])
    expect(emu.state.users.get(U.hannah)?.group_id).toBeNull()
    expect((await fetchUser(U.hannah)).body?.['group_id']).toBeNull()
  })

  it('a second group grant makes no write call', async () => {
    const c = ctx()
    const r = await grant(c, `group:${G.hq}:member`, `user:${U.hannah}`)
    expect(r.outcome).toBe('no_change')
    expect(r.writes).toEqual([])
    expect(clientWrites(c)).toEqual({})
    expect(await emulatorWrites()).toEqual({})
  })

  it('works with a "Manage users" credential (group membership is a user update)', async () => {
    const r = await grant(ctx({}, 'manage_users'), `group:${G.contractors}:member`, `user:${U.noah}`)
    expect(r.outcome).toBe('changed')
    expect(emu.state.users.get(U.noah)?.group_id).toBe(G.contractors)
  })
})

describe('privileges', () => {
  it('assigns a privilege to a user and removes it again', async () => {
    const c = ctx()
    const g = await grant(c, `privilege:${P.helpDesk}:assigned`, `user:${U.hannah}`)
    expect(g.outcome).toBe('changed')
    expect(g.held).toBe(true)
    expect(g.writes).toEqual([{ method: 'POST', path: `/api/1/privileges/${P.helpDesk}/users`, body: { users: [U.hannah] } }])
    expect(privilegeUsers(P.helpDesk)).toEqual([U.hannah, U.samuel])
    expect(clientWrites(c)).toEqual({ 'POST /api/1/privileges/:id/users': 1 })

    await admin('POST', '/stats/reset')
    expect((await grant(ctx(), `privilege:${P.helpDesk}:assigned`, `user:${U.hannah}`)).outcome).toBe('no_change')
    expect(await emulatorWrites()).toEqual({})

    const rv = await revoke(ctx(), `privilege:${P.helpDesk}:assigned`, `user:${U.hannah}`)
    expect(rv.outcome).toBe('changed')
    expect(rv.held).toBe(false)
    expect(rv.writes).toEqual([{ method: 'DELETE', path: `/api/1/privileges/${P.helpDesk}/users/${U.hannah}` }])
    expect(privilegeUsers(P.helpDesk)).toEqual([U.samuel])
  })

  it('assigns a privilege to a role and removes it again', async () => {
    const g = await grant(ctx(), `privilege:${P.userAdmin}:assigned`, `role:${R.people}`)
    expect(g).toEqual({
      action: 'grant',
      entitlement: `privilege:${P.userAdmin}:assigned`,
      principal: 'role:330105',
      outcome: 'changed',
      held: true,
      writes: [{ method: 'POST', path: `/api/1/privileges/${P.userAdmin}/roles`, body: { roles: [R.people] } }],
      message: `granted privilege:${P.userAdmin}:assigned to role:330105`,
    })
    expect(privilegeRoles(P.userAdmin)).toEqual([R.people, R.itAdmins])

    await admin('POST', '/stats/reset')
    expect((await grant(ctx(), `privilege:${P.userAdmin}:assigned`, `role:${R.people}`)).outcome).toBe('no_change')
    expect(await emulatorWrites()).toEqual({})

    const rv = await revoke(ctx(), `privilege:${P.userAdmin}:assigned`, `role:${R.itAdmins}`)
    expect(rv.outcome).toBe('changed')
    expect(rv.writes).toEqual([{ method: 'DELETE', path: `/api/1/privileges/${P.userAdmin}/roles/${R.itAdmins}` }])
    expect(privilegeRoles(P.userAdmin)).toEqual([R.people])
  })
})

describe('app access (OneLogin gives apps only through roles)', () => {
  it('grants app access by adding the user to the configured provisioning role, and reports the roles it is held through', async () => {
    const c = ctx({ appRoles: { [A.greenhouse]: R.people } })
    const r = await grant(c, `app:${A.greenhouse}:access`, `user:${U.hannah}`)
    expect(r).toEqual({
      action: 'grant',
      entitlement: 'app:1204112:access',
      principal: 'user:41235009',
      outcome: 'changed',
      held: true,
      through: ['role:330105:member'],
      writes: [{ method: 'POST', path: '/api/2/roles/330105/users', body: [U.hannah] }],
      message: 'granted app:1204112:access to user:41235009',
    })
    expect(roleIds(U.hannah)).toContain(R.people)
    expect(emu.state.userAppIds(U.hannah)).toContain(A.greenhouse)
    expect(clientWrites(c)).toEqual({ 'POST /api/2/roles/:id/users': 1 })
  })

  it('is no change when the app is already held through another role (no write)', async () => {
    const c = ctx({ appRoles: { [A.github]: R.contractors } })
    const r = await grant(c, `app:${A.github}:access`, `user:${U.david}`)
    expect(r.outcome).toBe('no_change')
    expect(r.through).toEqual(['role:330102:member'])
    expect(r.message).toBe('no change: user:41235002 already holds app:1204104:access (through role:330102:member)')
    expect(clientWrites(c)).toEqual({})
    expect(await emulatorWrites()).toEqual({})
  })

  it('refuses without a provisioning role, listing the roles that carry the app, and writes nothing', async () => {
    const c = ctx()
    const e = await failure(grant(c, `app:${A.github}:access`, `user:${U.zoe}`))
    expect(e.code).toBe('BAD_INPUT')
    expect(e.message).toBe(
      'app:1204104 is given only through roles in OneLogin, and no provisioning role is configured for it: name one with --via-role <role id> (roles carrying app 1204104: 330102, 330108)',
    )
    const none = await failure(grant(ctx(), `app:${A.tableau}:access`, `user:${U.zoe}`))
    expect(none.code).toBe('BAD_INPUT')
    expect(none.message).toBe(
      'app:1204113 is given only through roles in OneLogin, and no provisioning role is configured for it: name one with --via-role <role id> (roles carrying app 1204113: none; add the app to a role first)',
    )
    expect(roleIds(U.zoe)).toEqual([R.employees, R.people])
    expect(await emulatorWrites()).toEqual({})
  })

  it('refuses a configured role that does not carry the app', async () => {
    const e = await failure(grant(ctx({ appRoles: { [A.github]: R.people } }), `app:${A.github}:access`, `user:${U.zoe}`))
    expect(e.code).toBe('BAD_INPUT')
    expect(e.message).toBe('role:330105 does not carry app:1204104, so it cannot provision it (roles carrying app 1204104: 330102, 330108)')
    expect(roleIds(U.zoe)).toEqual([R.employees, R.people])
    expect(await emulatorWrites()).toEqual({})
  })

  it('revokes app access held only through the provisioning role', async () => {
    const r = await revoke(ctx({ appRoles: { [A.greenhouse]: R.people } }), `app:${A.greenhouse}:access`, `user:${U.zoe}`)
    expect(r.outcome).toBe('changed')
    expect(r.held).toBe(false)
    expect(r.through).toEqual([])
    expect(r.writes).toEqual([{ method: 'DELETE', path: '/api/2/roles/330105/users', body: [U.zoe] }])
    expect(roleIds(U.zoe)).toEqual([R.employees])
    expect(emu.state.userAppIds(U.zoe)).not.toContain(A.greenhouse)
  })

  it('reports not_applied when the app is still held through another role after the revoke', async () => {
    // Oliver has GitHub through both Engineering and Contractors; Contractors is the provisioning role.
    const r = await revoke(ctx({ appRoles: { [A.github]: R.contractors } }), `app:${A.github}:access`, `user:${U.oliver}`)
    expect(r.outcome).toBe('not_applied')
    expect(r.held).toBe(true)
    expect(r.through).toEqual(['role:330102:member'])
    expect(r.writes).toEqual([{ method: 'DELETE', path: '/api/2/roles/330108/users', body: [U.oliver] }])
    expect(r.message).toContain('OneLogin accepted the removal but user:41235023 still holds app:1204104:access through role:330102:member')
    expect(roleIds(U.oliver)).toEqual([R.engineering])
    expect(emu.state.userAppIds(U.oliver)).toContain(A.github)
  })

  it('refuses, without a write, to revoke app access held only through roles other than the provisioning role', async () => {
    // Oliver holds GitHub through Engineering and Contractors; with People as the provisioning
    // role (which does not carry GitHub) the configuration is refused, so use Contractors after
    // taking Oliver out of it: he then holds GitHub only through Engineering.
    await revoke(ctx(), `role:${R.contractors}:member`, `user:${U.oliver}`)
    await admin('POST', '/stats/reset')
    const r = await revoke(ctx({ appRoles: { [A.github]: R.contractors } }), `app:${A.github}:access`, `user:${U.oliver}`)
    expect(r.outcome).toBe('not_applied')
    expect(r.writes).toEqual([])
    expect(r.message).toBe(
      `cannot revoke app:${A.github}:access from user:${U.oliver}: it is held through role:${R.engineering}:member, not only through its provisioning role role:${R.contractors}: revoke those role memberships too`,
    )
    expect(await emulatorWrites()).toEqual({})
    expect(roleIds(U.oliver)).toEqual([R.engineering])
  })

  it('does not blame a user mapping when the app is still held through an ordinary membership of another role', async () => {
    // Nothing was mapping-made here: Oliver is an ordinary member of Engineering, which also
    // carries GitHub, and that membership can be removed through the Roles API.
    const r = await revoke(ctx({ appRoles: { [A.github]: R.contractors } }), `app:${A.github}:access`, `user:${U.oliver}`)
    expect(r.outcome).toBe('not_applied')
    expect(r.message).not.toContain('user mapping')
  })
})

describe('read-back verification', () => {
  it('reports a revoke of mapping-made role membership as not_applied, with the mapping explanation', async () => {
    await admin('POST', '/mapping-members', { role_id: R.people, user_ids: [U.hannah] })
    const c = ctx()
    const r = await revoke(c, `role:${R.people}:member`, `user:${U.hannah}`)
    expect(r).toEqual({
      action: 'revoke',
      entitlement: 'role:330105:member',
      principal: 'user:41235009',
      outcome: 'not_applied',
      held: true,
      writes: [{ method: 'DELETE', path: '/api/2/roles/330105/users', body: [U.hannah] }],
      message:
        'OneLogin accepted the removal but user:41235009 still holds role:330105:member (membership added by a user mapping cannot be removed through the Roles API: change the mapping)',
    })
    // OneLogin answered 204 to the DELETE, and the membership is still there.
    expect(await emulatorWrites()).toEqual({ 'DELETE /api/2/roles/:id/users': 1 })
    expect(roleIds(U.hannah)).toEqual([R.employees, R.engineering, R.people])
  })

  it('reports a revoke of app access held through mapping-made membership of the provisioning role as not_applied', async () => {
    await admin('POST', '/mapping-members', { role_id: R.people, user_ids: [U.hannah] })
    const r = await revoke(ctx({ appRoles: { [A.greenhouse]: R.people } }), `app:${A.greenhouse}:access`, `user:${U.hannah}`)
    expect(r.outcome).toBe('not_applied')
    expect(r.held).toBe(true)
    expect(r.through).toEqual(['role:330105:member'])
    expect(r.message).toBe(
      'OneLogin accepted the removal but user:41235009 still holds app:1204112:access through role:330105:member (membership added by a user mapping cannot be removed through the Roles API: change the mapping)',
    )
    expect(emu.state.userAppIds(U.hannah)).toContain(A.greenhouse)
  })
})

describe('dry run', () => {
  it('reports the exact writes of a grant and changes nothing', async () => {
    const c = ctx({ dryRun: true })
    const r = await grant(c, `role:${R.people}:member`, `user:${U.hannah}`)
    expect(r).toEqual({
      action: 'grant',
      entitlement: 'role:330105:member',
      principal: 'user:41235009',
      outcome: 'dry_run',
      held: false,
      writes: [{ method: 'POST', path: '/api/2/roles/330105/users', body: [U.hannah] }],
      message: 'dry run: 1 write call(s) would grant role:330105:member to user:41235009',
    })
    expect(roleIds(U.hannah)).toEqual([R.employees, R.engineering])
    expect(clientWrites(c)).toEqual({})
    expect(await emulatorWrites()).toEqual({})
  })

  it('reports the writes of a group revoke, an app grant, a privilege revoke and a role-admin grant without making them', async () => {
    const cases = [
      { f: revoke, ent: `group:${G.hq}:member`, who: `user:${U.hannah}`, extra: {}, write: { method: 'PUT', path: '/api/2/users/41235009', body: { group_id: null } } },
      { f: grant, ent: `app:${A.greenhouse}:access`, who: `user:${U.hannah}`, extra: { appRoles: { [A.greenhouse]: R.people } }, write: { method: 'POST', path: '/api/2/roles/330105/users', body: [U.hannah] } },
      { f: revoke, ent: `privilege:${P.userAdmin}:assigned`, who: `role:${R.itAdmins}`, extra: {}, write: { method: 'DELETE', path: `/api/1/privileges/${P.userAdmin}/roles/${R.itAdmins}` } },
      { f: grant, ent: `role:${R.people}:admin`, who: `user:${U.zoe}`, extra: {}, write: { method: 'POST', path: '/api/2/roles/330105/admins', body: [U.zoe] } },
    ] as const
    for (const k of cases) {
      const r = await k.f(ctx({ dryRun: true, ...k.extra }), k.ent, k.who)
      expect(r.outcome).toBe('dry_run')
      expect(r.writes).toEqual([k.write])
    }
    expect(emu.state.users.get(U.hannah)?.group_id).toBe(G.hq)
    expect(roleIds(U.hannah)).toEqual([R.employees, R.engineering])
    expect(privilegeRoles(P.userAdmin)).toEqual([R.itAdmins])
    expect(adminIds(R.people)).toEqual([])
    expect(await emulatorWrites()).toEqual({})
  })

  it('lists the apply-mappings call too, since it is a write it would make', async () => {
    // "--dry-run prints the exact API calls it would make": the mappings PUT is one of them.
    const r = await grant(ctx({ dryRun: true, applyMappings: true }), `role:${R.people}:member`, `user:${U.hannah}`)
    expect(r.outcome).toBe('dry_run')
    expect(r.writes).toEqual([
      { method: 'POST', path: '/api/2/roles/330105/users', body: [U.hannah] },
      { method: 'PUT', path: '/api/2/users/41235009?mappings=sync', body: {} },
    ])
    expect(await emulatorWrites()).toEqual({})
  })

  it('dry-runs account create, suspend and delete without changing the tenant', async () => {
    const created = await createAccount(ctx({ dryRun: true }), { email: 'new.hire@acme.example', firstname: 'New', lastname: 'Hire', roles: [R.people], group_id: G.remote })
    expect(created).toEqual({
      action: 'create',
      user: 'user:<new>',
      outcome: 'dry_run',
      status: null,
      writes: [
        { method: 'POST', path: '/api/2/users', body: { email: 'new.hire@acme.example', firstname: 'New', lastname: 'Hire', group_id: G.remote } },
        { method: 'POST', path: '/api/2/roles/330105/users', body: ['<new user id>'] },
      ],
      message: 'dry run: 2 write call(s) would create the account',
    })
    const suspended = await suspendAccount(ctx({ dryRun: true }), `user:${U.hannah}`)
    expect(suspended).toEqual({
      action: 'suspend',
      user: 'user:41235009',
      outcome: 'dry_run',
      status: 'active',
      writes: [{ method: 'PUT', path: '/api/2/users/41235009', body: { status: 2 } }],
      message: 'dry run: would suspend user:41235009 (now active)',
    })
    const deleted = await deleteAccount(ctx({ dryRun: true }), `user:${U.hannah}`)
    expect(deleted).toEqual({ action: 'delete', user: 'user:41235009', outcome: 'dry_run', status: null, writes: [{ method: 'DELETE', path: '/api/2/users/41235009' }], message: 'dry run: would delete user:41235009' })
    expect(emu.state.users.size).toBe(TENANT.users.length)
    expect(emu.state.users.get(U.hannah)?.status).toBe(1)
    expect(await emulatorWrites()).toEqual({})
  })
})

describe('apply user mappings', () => {
  it('adds PUT /api/2/users/:id?mappings=sync after the change', async () => {
    const c = ctx({ applyMappings: true })
    const r = await grant(c, `role:${R.people}:member`, `user:${U.hannah}`)
    expect(r.outcome).toBe('changed')
    expect(r.writes).toEqual([
      { method: 'POST', path: '/api/2/roles/330105/users', body: [U.hannah] },
      { method: 'PUT', path: '/api/2/users/41235009?mappings=sync', body: {} },
    ])
    expect(clientWrites(c)).toEqual({ 'POST /api/2/roles/:id/users': 1, 'PUT /api/2/users/:id': 1 })
    expect(await emulatorWrites()).toEqual({ 'POST /api/2/roles/:id/users': 1, 'PUT /api/2/users/:id': 1 })
  })

  it('is not called when nothing changed, nor for a role principal', async () => {
    const c = ctx({ applyMappings: true })
    expect((await grant(c, `role:${R.employees}:member`, `user:${U.hannah}`)).outcome).toBe('no_change')
    const p = await grant(c, `privilege:${P.helpDesk}:assigned`, `role:${R.people}`)
    expect(p.writes).toEqual([{ method: 'POST', path: `/api/1/privileges/${P.helpDesk}/roles`, body: { roles: [R.people] } }])
    expect(await emulatorWrites()).toEqual({ 'POST /api/1/privileges/:id/roles': 1 })
  })

  it('follows a suspend', async () => {
    const r = await suspendAccount(ctx({ applyMappings: true }), `user:${U.hannah}`)
    expect(r.writes).toEqual([
      { method: 'PUT', path: '/api/2/users/41235009', body: { status: 2 } },
      { method: 'PUT', path: '/api/2/users/41235009?mappings=sync', body: {} },
    ])
    expect(await emulatorWrites()).toEqual({ 'PUT /api/2/users/:id': 2 })
  })
})

describe('accounts', () => {
  it('creates a user with an email only: OneLogin sets status 7 (password pending)', async () => {
    const c = ctx()
    const r = await createAccount(c, { email: 'new.hire@acme.example' })
    expect(r).toEqual({
      action: 'create',
      user: `user:${NEXT_USER}`,
      outcome: 'changed',
      status: 'password_pending',
      roles: [],
      writes: [{ method: 'POST', path: '/api/2/users', body: { email: 'new.hire@acme.example' } }],
      message: `created user:${NEXT_USER} (password_pending)`,
    })
    const { status, body } = await fetchUser(NEXT_USER)
    expect(status).toBe(200)
    expect(body).toMatchObject({ id: NEXT_USER, email: 'new.hire@acme.example', username: null, status: 7, role_ids: [] })
    expect(clientWrites(c)).toEqual({ 'POST /api/2/users': 1 })
  })

  it('creates a user with username, names, roles (deduplicated) and a group', async () => {
    const r = await createAccount(ctx(), {
      email: 'ana.lima@acme.example',
      username: 'ana.lima',
      firstname: 'Ana',
      lastname: 'Lima',
      roles: [R.employees, R.people, R.people],
      group_id: G.remote,
    })
    expect(r.outcome).toBe('changed')
    expect(r.user).toBe(`user:${NEXT_USER}`)
    expect(r.status).toBe('password_pending')
    expect(r.roles).toEqual(['role:330101', 'role:330105'])
    expect(r.writes).toEqual([
      { method: 'POST', path: '/api/2/users', body: { email: 'ana.lima@acme.example', username: 'ana.lima', firstname: 'Ana', lastname: 'Lima', group_id: G.remote } },
      { method: 'POST', path: '/api/2/roles/330101/users', body: [NEXT_USER] },
      { method: 'POST', path: '/api/2/roles/330105/users', body: [NEXT_USER] },
    ])
    const u = emu.state.users.get(NEXT_USER)
    expect(u).toMatchObject({ email: 'ana.lima@acme.example', username: 'ana.lima', firstname: 'Ana', lastname: 'Lima', group_id: G.remote, status: 7 })
    expect(roleIds(NEXT_USER)).toEqual([R.employees, R.people])
    expect(await emulatorWrites()).toEqual({ 'POST /api/2/users': 1, 'POST /api/2/roles/:id/users': 2 })
  })

  it('refuses an account without email and username, or with a bad email, before calling OneLogin', async () => {
    for (const input of [{ firstname: 'No', lastname: 'Name' }, { email: '  ', username: '' }, {}]) {
      const c = ctx()
      const e = await failure(createAccount(c, input))
      expect(e.code).toBe('BAD_INPUT')
      expect(e.message).toBe('a new account needs an email, a username or both')
      expect(c.client.calls.total).toBe(0)
    }
    const bad = await failure(createAccount(ctx(), { email: 'not-an-email' }))
    expect(bad.code).toBe('BAD_INPUT')
    expect(bad.message).toBe('"not-an-email" is not an email address')
    expect(emu.state.users.size).toBe(TENANT.users.length)
  })

  it('checks roles and group first: an unknown one is NOT_FOUND and no user is created', async () => {
    const e = await failure(createAccount(ctx(), { email: 'x@acme.example', roles: [R.people, 999] }))
    expect(e.code).toBe('NOT_FOUND')
    expect(e.message).toBe('unknown role role:999: OneLogin has no role 999')
    const g = await failure(createAccount(ctx(), { email: 'x@acme.example', group_id: 999 }))
    expect(g.code).toBe('NOT_FOUND')
    expect(g.message).toBe('unknown group group:999: OneLogin has no group 999')
    expect(emu.state.users.size).toBe(TENANT.users.length)
    expect(await emulatorWrites()).toEqual({})
  })

  it('deletes the new user again when adding a role fails mid-way', async () => {
    await admin('POST', '/faults', { kind: 'server_error', status: 500, count: 10, path: '/api/2/roles', method: 'POST' })
    const c: ProvisionContext = { client: client('manage_all', { maxAttempts: 1 }) }
    const e = await failure(createAccount(c, { email: 'half@acme.example', roles: [R.employees, R.people] }))
    expect(e.code).toBe('ONELOGIN_UNAVAILABLE')
    expect(e.message).toMatch(/^OneLogin refused POST \/api\/2\/roles\/:id\/users: 500 .*; the new user 41235026 was deleted again$/)
    expect(emu.state.users.has(NEXT_USER)).toBe(false)
    expect((await fetchUser(NEXT_USER)).status).toBe(404)
    expect(emu.state.users.size).toBe(TENANT.users.length)
    expect(await emulatorWrites()).toEqual({ 'POST /api/2/users': 1, 'POST /api/2/roles/:id/users': 1, 'DELETE /api/2/users/:id': 1 })
  })

  it('does not claim the new user was deleted when the undo delete fails too', async () => {
    // When the undo delete fails too, the half-made user is left in OneLogin, and the message
    // must say so rather than claim it was deleted.
    await admin('POST', '/faults', [
      { kind: 'server_error', status: 500, count: 10, path: '/api/2/roles', method: 'POST' },
      { kind: 'server_error', status: 500, count: 10, path: '/api/2/users', method: 'DELETE' },
    ])
    const c: ProvisionContext = { client: client('manage_all', { maxAttempts: 1 }) }
    const e = await failure(createAccount(c, { email: 'half@acme.example', roles: [R.people] }))
    expect(emu.state.users.has(NEXT_USER)).toBe(true)
    expect(e.message).toContain(String(NEXT_USER))
    expect(e.message).not.toContain('was deleted again')
  })

  it("passes on OneLogin's own refusal (a username already taken), creating nothing", async () => {
    const e = await failure(createAccount(ctx(), { username: 'zoe.williams', email: 'zoe2@acme.example' }))
    expect(e.code).toBe('ONELOGIN_REJECTED')
    expect(e.message).toBe('OneLogin refused POST /api/2/users: 422 Validation failed: Username must be unique within acme')
    expect(e.upstreamStatus).toBe(422)
    expect(emu.state.users.size).toBe(TENANT.users.length)
  })

  it('suspends (status 2) and unsuspends (status 1), each idempotent', async () => {
    const c = ctx()
    const s = await suspendAccount(c, `user:${U.hannah}`)
    expect(s).toEqual({
      action: 'suspend',
      user: 'user:41235009',
      outcome: 'changed',
      status: 'suspended',
      writes: [{ method: 'PUT', path: '/api/2/users/41235009', body: { status: 2 } }],
      message: 'suspended user:41235009',
    })
    expect(emu.state.users.get(U.hannah)?.status).toBe(2)
    expect(c.client.calls.byEndpoint()).toEqual({ 'GET /api/2/users/:id': 2, 'PUT /api/2/users/:id': 1, [TOKEN]: 1 })

    await admin('POST', '/stats/reset')
    const again = await suspendAccount(ctx(), String(U.hannah))
    expect(again).toEqual({ action: 'suspend', user: 'user:41235009', outcome: 'no_change', status: 'suspended', writes: [], message: 'no change: user:41235009 is already suspended' })
    expect(await emulatorWrites()).toEqual({})

    const u = await unsuspendAccount(ctx(), `user:${U.hannah}`)
    expect(u.outcome).toBe('changed')
    expect(u.status).toBe('active')
    expect(u.writes).toEqual([{ method: 'PUT', path: '/api/2/users/41235009', body: { status: 1 } }])
    expect(u.message).toBe('unsuspended user:41235009')
    expect(emu.state.users.get(U.hannah)?.status).toBe(1)

    await admin('POST', '/stats/reset')
    const active = await unsuspendAccount(ctx(), `user:${U.hannah}`)
    expect(active.outcome).toBe('no_change')
    expect(active.message).toBe('no change: user:41235009 is already active')
    expect(await emulatorWrites()).toEqual({})
  })

  it('unsuspends a user the tenant already has suspended', async () => {
    const r = await unsuspendAccount(ctx(), `user:${U.ethan}`)
    expect(r.outcome).toBe('changed')
    expect(emu.state.users.get(U.ethan)?.status).toBe(1)
  })

  it('deletes a user with its memberships; deleting a missing user is no change', async () => {
    const c = ctx()
    const r = await deleteAccount(c, `user:${U.hannah}`)
    expect(r).toEqual({ action: 'delete', user: 'user:41235009', outcome: 'changed', status: null, writes: [{ method: 'DELETE', path: '/api/2/users/41235009' }], message: 'deleted user:41235009' })
    expect(emu.state.users.has(U.hannah)).toBe(false)
    expect(emu.state.roles.get(R.employees)?.users.has(U.hannah)).toBe(false)
    expect(clientWrites(c)).toEqual({ 'DELETE /api/2/users/:id': 1 })

    await admin('POST', '/stats/reset')
    const again = await deleteAccount(ctx(), `user:${U.hannah}`)
    expect(again).toEqual({ action: 'delete', user: 'user:41235009', outcome: 'no_change', status: null, writes: [], message: 'no change: OneLogin has no user 41235009' })
    const never = await deleteAccount(ctx(), '999')
    expect(never.outcome).toBe('no_change')
    expect(never.user).toBe('user:999')
    expect(await emulatorWrites()).toEqual({})
  })

  it('refuses something that is not a user', async () => {
    for (const [fn, arg] of [[suspendAccount, 'role:330105'], [unsuspendAccount, 'group:512001'], [deleteAccount, 'role:1']] as const) {
      const c = ctx()
      const e = await failure(fn(c, arg))
      expect(e.code).toBe('BAD_INPUT')
      expect(e.message).toBe(`"${arg}" is not a user (expected user:<id> or a OneLogin user id)`)
      expect(c.client.calls.total).toBe(0)
    }
    const e = await failure(suspendAccount(ctx(), 'hannah'))
    expect(e.code).toBe('BAD_INPUT')
  })

  it('suspending an unknown user is NOT_FOUND naming it', async () => {
    const e = await failure(suspendAccount(ctx(), 'user:999'))
    expect(e.code).toBe('NOT_FOUND')
    expect(e.message).toBe('unknown user user:999: OneLogin has no user 999')
    expect(await emulatorWrites()).toEqual({})
  })
})

describe('errors', () => {
  it.each([
    ['unknown user', `role:${R.people}:member`, 'user:999', 'unknown user user:999: OneLogin has no user 999'],
    ['unknown role', 'role:999:member', `user:${U.hannah}`, 'unknown role role:999: OneLogin has no role 999'],
    ['unknown role (admin)', 'role:999:admin', `user:${U.hannah}`, 'unknown role role:999: OneLogin has no role 999'],
    ['unknown app', 'app:999:access', `user:${U.hannah}`, 'unknown app app:999: OneLogin has no app 999'],
    ['unknown group', 'group:999:member', `user:${U.hannah}`, 'unknown group group:999: OneLogin has no group 999'],
    [
      'unknown privilege',
      'privilege:00000000-0000-4000-8000-000000000000:assigned',
      `user:${U.hannah}`,
      'unknown privilege privilege:00000000-0000-4000-8000-000000000000: OneLogin has no privilege 00000000-0000-4000-8000-000000000000',
    ],
    ['unknown role as privilege holder', `privilege:${P.helpDesk}:assigned`, 'role:999', 'unknown role role:999: OneLogin has no role 999'],
    ['unknown user as privilege holder', `privilege:${P.helpDesk}:assigned`, 'user:999', 'unknown user user:999: OneLogin has no user 999'],
    ['unknown user for app access', `app:${A.greenhouse}:access`, 'user:999', 'unknown user user:999: OneLogin has no user 999'],
    ['unknown user for a group', `group:${G.hq}:member`, 'user:999', 'unknown user user:999: OneLogin has no user 999'],
  ])('%s: NOT_FOUND with the Warden ID, and no write', async (_name, entitlement, principal, message) => {
    for (const f of [grant, revoke]) {
      const e = await failure(f(ctx({ appRoles: { [A.greenhouse]: R.people } }), entitlement, principal))
      expect(e.code).toBe('NOT_FOUND')
      expect(e.message).toBe(message)
    }
    expect(await emulatorWrites()).toEqual({})
  })

  it.each([
    [`role:${R.people}:member`, `role:${R.itAdmins}`, 'role:330105:member can be held by user:<id>, not role:330106'],
    [`group:${G.hq}:member`, `group:${G.remote}`, 'group:512001:member can be held by user:<id>, not group:512002'],
    [`app:${A.slack}:access`, `app:${A.github}`, 'app:1204101:access can be held by user:<id>, not app:1204104'],
    [`privilege:${P.helpDesk}:assigned`, `group:${G.hq}`, `privilege:${P.helpDesk}:assigned can be held by user:<id> or role:<id>, not group:512001`],
  ])('%s held by %s: BAD_INPUT before any call', async (entitlement, principal, message) => {
    const c = ctx()
    const e = await failure(grant(c, entitlement, principal))
    expect(e.code).toBe('BAD_INPUT')
    expect(e.message).toBe(message)
    expect(c.client.calls.total).toBe(0)
  })

  it('refuses malformed IDs as BAD_INPUT', async () => {
    for (const [ent, who] of [['role:abc:member', 'user:1'], ['user:41235009:member', 'user:1'], ['role:330105:owner', 'user:1'], ['role:330105:member', 'hannah'], ['role:330105:member', 'user:0']]) {
      const e = await failure(grant(ctx(), ent!, who!))
      expect(e.code).toBe('BAD_INPUT')
    }
  })

  it('a "Manage users" credential cannot assign a role: FORBIDDEN naming "Manage all", nothing changed', async () => {
    const e = await failure(grant(ctx({}, 'manage_users'), `role:${R.people}:member`, `user:${U.hannah}`))
    expect(e.code).toBe('ONELOGIN_FORBIDDEN')
    expect(e.message).toMatch(/^the API credential's scope does not allow .*: this needs .*"Manage all"/)
    expect(roleIds(U.hannah)).toEqual([R.employees, R.engineering])
    expect(await emulatorWrites()).toEqual({})
  })

  it('the scope hint for a "Manage users" credential assigning a role names what the operation needs', async () => {
    // "Manage users" may not even read roles, so the first refusal is `GET /api/2/roles/:id`; the
    // hint must follow the operation (a grant of a role, app or privilege needs "Manage all"), not
    // the method of whichever call was refused first ("Read all" cannot assign a role).
    const e = await failure(grant(ctx({}, 'manage_users'), `role:${R.people}:member`, `user:${U.hannah}`))
    expect(e.message).toContain('"Manage users" cannot assign roles')
    expect(e.message).not.toContain('"Read all" or "Manage all"')
  })

  it('the scope hint never tells a "Read all" credential that it needs "Read all"', async () => {
    // Privileges are "Manage all" only, reads included: a "Read all" credential is refused at
    // GET /api/1/privileges and must not be told that "Read all" would do.
    const e = await failure(grant(ctx({}, 'read_all'), `privilege:${P.helpDesk}:assigned`, `user:${U.hannah}`))
    expect(e.code).toBe('ONELOGIN_FORBIDDEN')
    expect(e.message).toContain('"Manage all"')
    expect(e.message).not.toContain('"Read all" or "Manage all"')
  })

  it('the scope hint for creating an account with roles does not offer "Manage users", which cannot add roles', async () => {
    // Creating an account with roles is refused for "Read all" at POST /api/2/users; "Manage
    // users" would then be refused at the role assignment, so only "Manage all" may be offered.
    const e = await failure(createAccount(ctx({}, 'read_all'), { email: 'x@acme.example', roles: [R.people] }))
    expect(e.code).toBe('ONELOGIN_FORBIDDEN')
    expect(emu.state.users.size).toBe(TENANT.users.length)
    expect(e.message).not.toContain('"Manage users" or "Manage all"')
  })

  it('a "Read all" credential is refused at the write with the scope it needs, and nothing is half-done', async () => {
    const e = await failure(grant(ctx({}, 'read_all'), `role:${R.people}:member`, `user:${U.hannah}`))
    expect(e.code).toBe('ONELOGIN_FORBIDDEN')
    expect(e.endpoint).toBe('POST /api/2/roles/:id/users')
    expect(e.upstreamStatus).toBe(403)
    expect(e.message).toBe('the API credential\'s scope does not allow POST /api/2/roles/:id/users: this needs "Manage all" ("Manage users" cannot assign roles or privileges)')
    expect(roleIds(U.hannah)).toEqual([R.employees, R.engineering])
  })

  it('a "Read users" credential cannot suspend: FORBIDDEN naming the scope', async () => {
    const e = await failure(suspendAccount(ctx({}, 'read_users'), `user:${U.hannah}`))
    expect(e.code).toBe('ONELOGIN_FORBIDDEN')
    expect(e.message).toBe('the API credential\'s scope does not allow PUT /api/2/users/:id: this needs "Manage users" or "Manage all"')
    expect(emu.state.users.get(U.hannah)?.status).toBe(1)
    const d = await failure(deleteAccount(ctx({}, 'read_users'), `user:${U.hannah}`))
    expect(d.code).toBe('ONELOGIN_FORBIDDEN')
    expect(d.message).toBe('the API credential\'s scope does not allow DELETE /api/2/users/:id: this needs "Manage users" or "Manage all"')
    expect(emu.state.users.has(U.hannah)).toBe(true)
  })
})
