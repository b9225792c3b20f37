import { afterAll, beforeAll, describe, it } from 'vitest'
import { demoTenant, startEmulator } from '../emulator/index.js'
import type { CredentialScope, RunningEmulator } from '../emulator/index.js'
import { runWarden } from './test-support.js'
import type { WardenRun } from './test-support.js'

// `warden grant|revoke|account ...` run as a user would: the real binary in its own process,
// against an in-process emulator over HTTP, credentials from the environment. Tests run
// concurrently (each spawn is mostly start-up time), so each one works on its own users and roles.

const TENANT = demoTenant()
const U = { maria: 41235001, james: 41235004, liam: 41235008, hannah: 41235009, noah: 41235010, samuel: 41235020 } as const
const R = { employees: 330101, sales: 330103, people: 330105, managers: 330109 } as const
const A = { aws: 1204105, salesforce: 1204106 } as const
const SALESFORCE_MANAGER = 'd3d94468-02a4-4c5f-8b1e-6a7b8c9d0e03'

let emu: RunningEmulator


function credentials(scope: CredentialScope = 'manage_all', on: RunningEmulator = emu): Record<string, string> {
  const c = TENANT.credentials.find((x) => x.scope === scope)
  if (c === undefined) throw new Error(`demo tenant has no ${scope} credential`)
  return { WARDEN_ONELOGIN_BASE_URL: on.url, WARDEN_ONELOGIN_CLIENT_ID: c.client_id, WARDEN_ONELOGIN_CLIENT_SECRET: c.client_secret }
}

/** Runs the binary with the WARDEN_ONELOGIN_* variables of the test runner removed and `env` added. */
function warden(args: string[], env: Record<string, string> = credentials()): Promise<WardenRun> {
  // Only the credentials given here: none inherited from the shell running the tests.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WARDEN_ONELOGIN_')))
  return runWarden(args, { env: { ...base, ...env } })
}

async function admin(on: RunningEmulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${on.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

const roleIds = (userId: number, on: RunningEmulator = emu): number[] => [...on.state.userRoleIds(userId)]

beforeAll(async () => {
  emu = await startEmulator({ tenant: demoTenant() })
})
afterAll(async () => {
  await emu.close()
})

describe.concurrent('warden grant / revoke', () => {
  it('grants a role membership, prints what it did, and a second grant is no change (--json)', async ({ expect }) => {
    const r = await warden(['grant', '--entitlement', `role:${R.people}:member`, '--principal', `user:${U.hannah}`])
    expect(r).toEqual({ code: 0, stdout: 'granted role:330105:member to user:41235009\n  POST /api/2/roles/330105/users [41235009]\n', stderr: '' })
    expect(roleIds(U.hannah)).toContain(R.people)

    const again = await warden(['grant', '--entitlement', `role:${R.people}:member`, '--principal', `user:${U.hannah}`, '--json'])
    expect(again.code).toBe(0)
    expect(again.stderr).toBe('')
    expect(JSON.parse(again.stdout)).toEqual({
      action: 'grant',
      entitlement: 'role:330105:member',
      principal: 'user:41235009',
      outcome: 'no_change',
      held: true,
      writes: [],
      message: 'no change: user:41235009 already holds role:330105:member',
    })
  })

  it('--dry-run prints the exact calls and changes nothing (no write reaches OneLogin)', async ({ expect }) => {
    const own = await startEmulator({ tenant: demoTenant() })
    try {
      const r = await warden(['revoke', '--entitlement', `role:${R.managers}:member`, '--principal', `user:${U.maria}`, '--dry-run'], credentials('manage_all', own))
      expect(r).toEqual({
        code: 0,
        stdout: 'dry run: 1 write call(s) would revoke role:330109:member from user:41235001\n  DELETE /api/2/roles/330109/users [41235001]\n',
        stderr: '',
      })
      expect(roleIds(U.maria, own)).toEqual([R.employees, R.managers])
      const stats = (await admin(own, 'GET', '/stats')) as { by_endpoint: Record<string, number> }
      expect(Object.keys(stats.by_endpoint).filter((k) => /^(POST|PUT|DELETE) /.test(k) && !k.startsWith('POST /auth/'))).toEqual([])
    } finally {
      await own.close()
    }
  })

  it('grants app access through --via-role, and refuses without one (exit 2, one line saying how)', async ({ expect }) => {
    const r = await warden(['grant', '--entitlement', `app:${A.salesforce}:access`, '--principal', `user:${U.noah}`, '--via-role', String(R.sales), '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({
      action: 'grant',
      entitlement: 'app:1204106:access',
      principal: 'user:41235010',
      outcome: 'changed',
      held: true,
      through: ['role:330103:member'],
      writes: [{ method: 'POST', path: '/api/2/roles/330103/users', body: [U.noah] }],
      message: 'granted app:1204106:access to user:41235010',
    })
    expect(emu.state.userAppIds(U.noah)).toContain(A.salesforce)

    const refused = await warden(['grant', '--entitlement', `app:${A.aws}:access`, '--principal', `user:${U.samuel}`])
    expect(refused.code).toBe(2)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toBe(
      'warden: app:1204105 is given only through roles in OneLogin, and no provisioning role is configured for it: name one with --via-role <role id> (roles carrying app 1204105: 330107)\n',
    )
    expect(emu.state.userAppIds(U.samuel)).not.toContain(A.aws)
  })

  it('a revoke OneLogin accepts but does not apply (mapping-made membership) exits 1 and says so', async ({ expect }) => {
    await admin(emu, 'POST', '/mapping-members', { role_id: R.people, user_ids: [U.liam] })
    const r = await warden(['revoke', '--entitlement', `role:${R.people}:member`, '--principal', `user:${U.liam}`])
    const message =
      'OneLogin accepted the removal but user:41235008 still holds role:330105:member (membership added by a user mapping cannot be removed through the Roles API: change the mapping)'
    expect(r.code).toBe(1)
    expect(r.stdout).toBe(`${message}\n  DELETE /api/2/roles/330105/users [41235008]\n`)
    expect(r.stderr).toBe(`warden: ${message}\n`)
    expect(roleIds(U.liam)).toContain(R.people)
  })

  it('revokes a privilege', async ({ expect }) => {
    const p = await warden(['revoke', '--entitlement', `privilege:${SALESFORCE_MANAGER}:assigned`, '--principal', `user:${U.james}`])
    expect(p).toEqual({
      code: 0,
      stdout: `revoked privilege:${SALESFORCE_MANAGER}:assigned from user:41235004\n  DELETE /api/1/privileges/${SALESFORCE_MANAGER}/users/41235004\n`,
      stderr: '',
    })
    expect(emu.state.privileges.get(SALESFORCE_MANAGER)?.users.has(U.james)).toBe(false)
  })
})

describe.concurrent('warden account', () => {
  it('creates, suspends, unsuspends and deletes an account as a user would', async ({ expect }) => {
    const created = await warden(['account', 'create', '--email', 'ana.lima@acme.example', '--first-name', 'Ana', '--last-name', 'Lima', '--role', String(R.people), '--group', '512002', '--json'])
    expect(created.code).toBe(0)
    expect(created.stderr).toBe('')
    const result = JSON.parse(created.stdout) as { user: string }
    const id = Number(result.user.replace(/^user:/, ''))
    expect(result).toEqual({
      action: 'create',
      user: `user:${id}`,
      outcome: 'changed',
      status: 'password_pending',
      roles: ['role:330105'],
      writes: [
        { method: 'POST', path: '/api/2/users', body: { email: 'ana.lima@acme.example', firstname: 'Ana', lastname: 'Lima', group_id: 512002 } },
        { method: 'POST', path: '/api/2/roles/330105/users', body: [id] },
      ],
      message: `created user:${id} (password_pending)`,
    })
    expect(emu.state.users.get(id)).toMatchObject({ email: 'ana.lima@acme.example', firstname: 'Ana', lastname: 'Lima', status: 7, group_id: 512002 })
    expect(roleIds(id)).toEqual([R.people])

    const suspended = await warden(['account', 'suspend', '--user', String(id)])
    expect(suspended).toEqual({ code: 0, stdout: `suspended user:${id}\n  PUT /api/2/users/${id} {"status":2}\n`, stderr: '' })
    expect(emu.state.users.get(id)?.status).toBe(2)

    const unsuspended = await warden(['account', 'unsuspend', '--user', `user:${id}`, '--json'])
    expect(unsuspended.code).toBe(0)
    expect(JSON.parse(unsuspended.stdout)).toEqual({ action: 'unsuspend', user: `user:${id}`, outcome: 'changed', status: 'active', writes: [{ method: 'PUT', path: `/api/2/users/${id}`, body: { status: 1 } }], message: `unsuspended user:${id}` })
    expect(emu.state.users.get(id)?.status).toBe(1)

    const dry = await warden(['account', 'delete', '--user', `user:${id}`, '--dry-run'])
    expect(dry).toEqual({ code: 0, stdout: `dry run: would delete user:${id}\n  DELETE /api/2/users/${id}\n`, stderr: '' })
    expect(emu.state.users.has(id)).toBe(true)

    const deleted = await warden(['account', 'delete', '--user', `user:${id}`])
    expect(deleted).toEqual({ code: 0, stdout: `deleted user:${id}\n  DELETE /api/2/users/${id}\n`, stderr: '' })
    expect(emu.state.users.has(id)).toBe(false)

  })

  it('a credential without the scope fails with exit 1 and one line naming the scope', async ({ expect }) => {
    const r = await warden(['account', 'suspend', '--user', `user:${U.hannah}`], credentials('read_users'))
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'warden: the API credential\'s scope does not allow PUT /api/2/users/:id: this needs "Manage users" or "Manage all"\n' })
    expect(emu.state.users.get(U.hannah)?.status).toBe(1)
  })
})

describe.concurrent('usage and input errors', () => {
  it.for([
    [['grant', '--entitlement', 'role:330105:member', '--principal', 'user:999'], 1, 'warden: unknown user user:999: OneLogin has no user 999 (GET /api/2/users/:id)\n'],
    [['grant', '--entitlement', 'role:330105:member', '--principal', `user:${U.hannah}`, '--via-role', '330105'], 2, 'warden: --via-role applies only to app:<id>:access entitlements\n'],
    [['account', 'create', '--first-name', 'No', '--last-name', 'Name'], 2, 'warden: a new account needs an email, a username or both\n'],
  ] as const)('%j exits %i with one line on stderr', async ([args, code, stderr], { expect }) => {
    const r = await warden([...args])
    expect(r).toEqual({ code, stdout: '', stderr })
  })

  it('a missing required flag or missing credentials is exit 2, one line', async ({ expect }) => {
    const missing = await warden(['grant', '--entitlement', 'role:330105:member'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe("error: required option '--principal <id>' not specified\n")

    const noCreds = await warden(['revoke', '--entitlement', 'role:330105:member', '--principal', `user:${U.hannah}`], { WARDEN_ONELOGIN_BASE_URL: emu.url })
    expect(noCreds).toEqual({ code: 2, stdout: '', stderr: 'warden: no OneLogin client ID: give --onelogin-client-id (or WARDEN_ONELOGIN_CLIENT_ID)\n' })
  })
})
