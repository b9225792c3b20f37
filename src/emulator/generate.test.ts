import { describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { demoTenant } from './demo-tenant.js'
import { CREDENTIAL_SCOPES, CUSTOM_ATTRIBUTE_SHORTNAMES, USER_STATUSES, generateTenant } from './generate.js'
import { Random } from './random.js'
import type { GenerateOptions, TenantSeed } from './seed.js'

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const HEX64 = /^[0-9a-f]{64}$/
const ACTION = /^[a-z]+(:[a-z]+)?:[A-Z][A-Za-z]+$/

function duplicates<T>(values: T[]): T[] {
  const seen = new Set<T>()
  const dup = new Set<T>()
  for (const v of values) (seen.has(v) ? dup : seen).add(v)
  return [...dup]
}

/** Every broken reference or shape problem in a tenant, as readable lines (empty when sound). */
function problems(t: TenantSeed): string[] {
  const out: string[] = []
  const userIds = new Set(t.users.map((u) => u.id))
  const appIds = new Set(t.apps.map((a) => a.id))
  const roleIds = new Set(t.roles.map((r) => r.id))
  const groupIds = new Set(t.groups.map((g) => g.id))
  const byId = new Map(t.users.map((u) => [u.id, u]))

  for (const [kind, ids] of [
    ['user', t.users.map((u) => u.id)],
    ['role', t.roles.map((r) => r.id)],
    ['app', t.apps.map((a) => a.id)],
    ['group', t.groups.map((g) => g.id)],
  ] as const) {
    if (duplicates(ids).length > 0) out.push(`duplicate ${kind} ids: ${duplicates(ids).slice(0, 5).join(', ')}`)
    if (ids.some((id) => !Number.isSafeInteger(id) || id <= 0)) out.push(`${kind} id not a positive integer`)
  }
  for (const [kind, names] of [
    ['role', t.roles.map((r) => r.name)],
    ['group', t.groups.map((g) => g.name)],
    ['email', t.users.map((u) => u.email).filter((e) => e !== null)],
  ] as const) {
    if (duplicates(names).length > 0) out.push(`duplicate ${kind} names: ${duplicates(names).slice(0, 5).join(', ')}`)
  }

  for (const u of t.users) {
    if (!USER_STATUSES.includes(u.status)) out.push(`user ${u.id}: status ${u.status}`)
    if (![0, 1, 2, 3].includes(u.state)) out.push(`user ${u.id}: state ${u.state}`)
    if (u.group_id !== null && !groupIds.has(u.group_id)) out.push(`user ${u.id}: unknown group ${u.group_id}`)
    if (u.manager_user_id !== null && !userIds.has(u.manager_user_id)) out.push(`user ${u.id}: unknown manager ${u.manager_user_id}`)
    if (u.manager_user_id === u.id) out.push(`user ${u.id}: manages themself`)
    if (u.username === null && u.email === null) out.push(`user ${u.id}: neither username nor email`)
    for (const [field, value] of [
      ['created_at', u.created_at],
      ['updated_at', u.updated_at],
      ['activated_at', u.activated_at],
      ['last_login', u.last_login],
      ['password_changed_at', u.password_changed_at],
      ['locked_until', u.locked_until],
    ] as const) {
      if (value !== null && !ISO.test(value)) out.push(`user ${u.id}: ${field} ${value}`)
    }
    if (u.updated_at < u.created_at) out.push(`user ${u.id}: updated_at before created_at`)
    if (u.activated_at !== null && u.activated_at < u.created_at) out.push(`user ${u.id}: activated before created`)
    if (u.last_login !== null && u.last_login > u.updated_at) out.push(`user ${u.id}: last_login after updated_at`)
    if ((u.status === 0 || u.status === 7) && u.last_login !== null) out.push(`user ${u.id}: status ${u.status} but logged in`)
    if (u.status === 7 && u.has_password) out.push(`user ${u.id}: password pending but has a password`)
    if (u.status === 3 && u.locked_until === null) out.push(`user ${u.id}: locked without locked_until`)
    if (Object.values(u.custom_attributes).some((v) => v !== null && typeof v !== 'string')) out.push(`user ${u.id}: custom attribute not string/null`)
  }
  // Manager chains end (no cycles).
  for (const u of t.users) {
    let cur = u
    for (let steps = 0; cur.manager_user_id !== null; steps++) {
      if (steps > t.users.length) {
        out.push(`user ${u.id}: manager cycle`)
        break
      }
      cur = byId.get(cur.manager_user_id) ?? { ...cur, manager_user_id: null }
    }
  }

  for (const r of t.roles) {
    if (r.name.trim() === '') out.push(`role ${r.id}: empty name`)
    for (const [list, ids, known] of [
      ['users', r.users, userIds],
      ['admins', r.admins, userIds],
      ['apps', r.apps, appIds],
    ] as const) {
      if (ids.some((id) => !known.has(id))) out.push(`role ${r.id}: unknown ${list}`)
      if (duplicates([...ids]).length > 0) out.push(`role ${r.id}: duplicate ${list}`)
    }
  }
  for (const a of t.apps) {
    if (![0, 1, 2, 3, 4, 6, 7, 8].includes(a.auth_method)) out.push(`app ${a.id}: auth_method ${a.auth_method}`)
    if (!ISO.test(a.created_at) || !ISO.test(a.updated_at) || a.updated_at < a.created_at) out.push(`app ${a.id}: timestamps`)
    if (!Number.isInteger(a.connector_id) || a.connector_id <= 0) out.push(`app ${a.id}: connector_id`)
  }
  if (duplicates(t.privileges.map((p) => p.id)).length > 0) out.push('duplicate privilege ids')
  if (duplicates(t.privileges.map((p) => p.name)).length > 0) out.push('duplicate privilege names')
  for (const p of t.privileges) {
    if (!UUID_V4.test(p.id)) out.push(`privilege ${p.id}: not a v4 UUID`)
    if (p.users.some((id) => !userIds.has(id))) out.push(`privilege ${p.id}: unknown user`)
    if (p.roles.some((id) => !roleIds.has(id))) out.push(`privilege ${p.id}: unknown role`)
    if (p.statements.length === 0) out.push(`privilege ${p.id}: no statements`)
    for (const s of p.statements) {
      if (s.Effect !== 'Allow') out.push(`privilege ${p.id}: effect ${String(s.Effect)}`)
      for (const a of s.Action) if (!ACTION.test(a)) out.push(`privilege ${p.id}: action ${a}`)
      for (const scope of s.Scope) {
        const m = /^apps\/(\d+)$/.exec(scope)
        if (scope !== '*' && (m === null || !appIds.has(Number(m[1])))) out.push(`privilege ${p.id}: scope ${scope}`)
      }
    }
  }
  const scopes = t.credentials.map((c) => c.scope).sort()
  if (JSON.stringify(scopes) !== JSON.stringify([...CREDENTIAL_SCOPES].sort())) out.push(`credential scopes ${scopes.join(',')}`)
  const secrets = t.credentials.flatMap((c) => [c.client_id, c.client_secret])
  if (duplicates(secrets).length > 0) out.push('credential ids/secrets repeat')
  if (secrets.some((s) => s.length < 32)) out.push('credential id or secret too short')
  return out
}

const MEDIUM: GenerateOptions = { users: 3000, roles: 120, apps: 80, groups: 12, seed: 42 }

describe('generateTenant', () => {
  it('is deterministic: the same options give deep-equal tenants', () => {
    expect(generateTenant(MEDIUM)).toEqual(generateTenant({ ...MEDIUM }))
  })

  it('gives different data for a different seed', () => {
    const a = generateTenant(MEDIUM)
    const b = generateTenant({ ...MEDIUM, seed: 43 })
    expect(b.users.map((u) => u.id)).not.toEqual(a.users.map((u) => u.id))
    expect(b.users.map((u) => u.email)).not.toEqual(a.users.map((u) => u.email))
    expect(b.roles.map((r) => r.users)).not.toEqual(a.roles.map((r) => r.users))
    expect(b.credentials.map((c) => c.client_secret)).not.toEqual(a.credentials.map((c) => c.client_secret))
    expect(b.privileges.map((p) => p.id)).not.toEqual(a.privileges.map((p) => p.id))
  })

  it('keeps unrelated parts stable when only one count changes', () => {
    const a = generateTenant(MEDIUM)
    const b = generateTenant({ ...MEDIUM, roles: 7 })
    expect(b.users).toEqual(a.users)
    expect(b.apps).toEqual(a.apps)
    expect(b.credentials).toEqual(a.credentials)
  })

  it('produces a sound tenant for many sizes and seeds, including empty and tiny ones', () => {
    const rng = new Random(2024, 'test-sizes')
    const cases: GenerateOptions[] = [
      { users: 0, roles: 0, apps: 0, groups: 0, seed: 0 },
      { users: 0, roles: 5, apps: 3, groups: 2, seed: 1 },
      { users: 1, roles: 1, apps: 1, groups: 1, seed: 2 },
      { users: 7, roles: 0, apps: 12, groups: 0, seed: 3 },
      { users: 40, roles: 300, apps: 2, groups: 50, privileges: 0, seed: 4 },
      { users: 2500, roles: 30, apps: 0, groups: 3, seed: Number.MAX_SAFE_INTEGER },
    ]
    for (let i = 0; i < 20; i++) {
      cases.push({ users: rng.int(0, 400), roles: rng.int(0, 60), apps: rng.int(0, 40), groups: rng.int(0, 10), seed: rng.int(0, 1e9) })
    }
    for (const opts of cases) {
      const t = generateTenant(opts)
      expect({ opts, problems: problems(t) }).toEqual({ opts, problems: [] })
      expect(t.users).toHaveLength(opts.users)
      expect(t.roles).toHaveLength(opts.roles)
      expect(t.apps).toHaveLength(opts.apps)
      expect(t.groups).toHaveLength(opts.groups)
      expect(t.privileges).toHaveLength(opts.privileges ?? Math.max(3, Math.floor(opts.roles / 20)))
    }
  })

  it('shows every status code (and no 6) once a tenant has 100 users', () => {
    for (const seed of [1, 2, 3, 4, 5, 99, 12345]) {
      for (const users of [100, 101, 250, 5000]) {
        const statuses = new Set(generateTenant({ users, roles: 3, apps: 3, groups: 2, seed }).users.map((u) => u.status))
        expect([...statuses].sort(), `users=${users} seed=${seed}`).toEqual([0, 1, 2, 3, 4, 5, 7, 8])
      }
    }
  })

  it('makes most users active and approved, with a realistic tail', () => {
    const { users } = generateTenant(MEDIUM)
    const share = (pred: (u: (typeof users)[number]) => boolean): number => users.filter(pred).length / users.length
    expect(share((u) => u.status === 1)).toBeGreaterThan(0.78)
    expect(share((u) => u.status === 1)).toBeLessThan(0.92)
    expect(share((u) => u.state === 1)).toBeGreaterThan(0.9)
    expect(new Set(users.map((u) => u.state))).toEqual(new Set([0, 1, 2, 3]))
  })

  it('uses OneLogin-looking increasing user ids and first.last e-mails', () => {
    const t = generateTenant(MEDIUM)
    const ids = t.users.map((u) => u.id)
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!)
    for (const id of ids) expect(String(id)).toMatch(/^\d{8,9}$/)
    const domain = t.users[0]!.email!.split('@')[1]!
    expect(domain).toMatch(/^[a-z0-9]+\.example$/)
    for (const u of t.users) expect(u.email).toMatch(new RegExp(`^[a-z0-9]+\\.[a-z0-9]+\\d*@${domain.replace('.', '\\.')}$`))
    const usernames = t.users.map((u) => u.username)
    expect(usernames.filter((n) => n === '').length).toBeGreaterThan(0)
    expect(usernames.filter((n) => n === null).length).toBeGreaterThan(0)
    const matchingEmail = t.users.filter((u) => u.username !== null && u.username !== '' && `${u.username}@${domain}` === u.email)
    expect(matchingEmail.length / t.users.length).toBeGreaterThan(0.9)
    expect(t.subdomain).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    expect(Number.isInteger(t.account_id) && t.account_id > 0).toBe(true)
  })

  it('builds a manager tree: managers are earlier users, ~85% have one, no cycles', () => {
    const { users } = generateTenant(MEDIUM)
    const index = new Map(users.map((u, i) => [u.id, i]))
    users.forEach((u, i) => {
      if (u.manager_user_id !== null) expect(index.get(u.manager_user_id)!).toBeLessThan(i)
    })
    const managed = users.filter((u) => u.manager_user_id !== null).length / users.length
    expect(managed).toBeGreaterThan(0.78)
    expect(managed).toBeLessThan(0.92)
    expect(users[0]!.manager_user_id).toBeNull()
    // A real hierarchy: some chains are at least three levels deep.
    const depth = (i: number): number => {
      let d = 0
      for (let m = users[i]!.manager_user_id; m !== null; m = users[index.get(m)!]!.manager_user_id) d++
      return d
    }
    const deepest = Math.max(...users.map((_, i) => depth(i)))
    expect(deepest).toBeGreaterThanOrEqual(3)
    expect(deepest).toBeLessThanOrEqual(6)
  })

  it('fills user fields realistically: custom attributes with nulls, groups, logins, timestamps', () => {
    const { users, groups } = generateTenant(MEDIUM)
    for (const u of users) expect(Object.keys(u.custom_attributes).sort()).toEqual([...CUSTOM_ATTRIBUTE_SHORTNAMES].sort())
    for (const key of CUSTOM_ATTRIBUTE_SHORTNAMES) {
      expect(users.some((u) => u.custom_attributes[key] === null), key).toBe(true)
      expect(users.some((u) => typeof u.custom_attributes[key] === 'string'), key).toBe(true)
    }
    const grouped = users.filter((u) => u.group_id !== null).length / users.length
    expect(grouped).toBeGreaterThan(0.75)
    expect(grouped).toBeLessThan(0.97)
    expect(new Set(users.map((u) => u.group_id)).size).toBeGreaterThan(groups.length / 2)
    expect(users.filter((u) => u.status === 1 && u.last_login !== null).length).toBeGreaterThan(users.length * 0.7)
    for (const u of users) if (u.status === 0 || u.status === 7) expect(u.last_login).toBeNull()
    expect(new Set(users.map((u) => u.department)).size).toBeGreaterThan(8)
    expect(users.filter((u) => u.directory_id !== null).length).toBeGreaterThan(0)
  })

  it('sizes roles realistically: skewed, ~2-4 memberships per user, admins on ~30%', () => {
    const t = generateTenant({ users: 10_000, roles: 400, apps: 150, groups: 10, seed: 7 })
    const sizes = t.roles.map((r) => r.users.length).sort((a, b) => a - b)
    for (const opts of [
      { users: 10_000, roles: 400, apps: 150, groups: 10, seed: 7 },
      { users: 10_000, roles: 40, apps: 20, groups: 10, seed: 8 },
      { users: 1000, roles: 2000, apps: 100, groups: 10, seed: 9 },
    ]) {
      const tenant = opts.seed === 7 ? t : generateTenant(opts)
      const memberships = tenant.roles.reduce((a, r) => a + r.users.length, 0) / tenant.users.length
      expect(memberships, JSON.stringify(opts)).toBeGreaterThanOrEqual(2)
      expect(memberships, JSON.stringify(opts)).toBeLessThanOrEqual(4)
    }
    const median = sizes[Math.floor(sizes.length / 2)]!
    expect(sizes.at(-1)!).toBeGreaterThan(20 * Math.max(1, median))
    expect(sizes.filter((s) => s > t.users.length / 10).length).toBeLessThan(t.roles.length / 10)
    const withAdmins = t.roles.filter((r) => r.admins.length > 0).length / t.roles.length
    expect(withAdmins).toBeGreaterThan(0.2)
    expect(withAdmins).toBeLessThan(0.4)
    for (const r of t.roles) expect(r.admins.length).toBeLessThanOrEqual(3)
    expect(t.roles[0]!.name).toBe('Employees')
    for (const r of t.roles) {
      const sorted = [...r.users].sort((a, b) => a - b)
      expect(r.users).toEqual(sorted)
    }
  })

  it('puts 1-5 apps on most roles, none on some, and leaves a few apps in no role', () => {
    const t = generateTenant({ users: 2000, roles: 300, apps: 200, groups: 5, seed: 11 })
    const counts = t.roles.map((r) => r.apps.length)
    expect(counts.filter((c) => c === 0).length).toBeGreaterThan(0)
    expect(counts.filter((c) => c >= 1 && c <= 5).length / counts.length).toBeGreaterThan(0.6)
    // Coverage holds even when apps outnumber what roles would pick at random.
    for (const opts of [
      { users: 2000, roles: 300, apps: 200, groups: 5, seed: 11 },
      { users: 500, roles: 40, apps: 600, groups: 5, seed: 12 },
    ]) {
      const tenant = generateTenant(opts)
      const inRole = new Set(tenant.roles.flatMap((r) => r.apps))
      const orphans = tenant.apps.filter((a) => !inRole.has(a.id)).length
      expect(orphans, JSON.stringify(opts)).toBeGreaterThan(0)
      expect(orphans, JSON.stringify(opts)).toBeLessThanOrEqual(tenant.apps.length * 0.05)
    }
  })

  it('makes apps mostly SAML/OIDC, mostly visible, about a third provisioned', () => {
    const { apps } = generateTenant({ users: 10, roles: 10, apps: 1000, groups: 1, seed: 5 })
    const share = (pred: (a: (typeof apps)[number]) => boolean): number => apps.filter(pred).length / apps.length
    expect(share((a) => a.provisioning_enabled)).toBeGreaterThan(0.27)
    expect(share((a) => a.provisioning_enabled)).toBeLessThan(0.4)
    expect(share((a) => a.auth_method === 2 || a.auth_method === 8)).toBeGreaterThan(0.75)
    expect(share((a) => a.auth_method === 2)).toBeGreaterThan(share((a) => a.auth_method === 8))
    expect(share((a) => a.visible)).toBeGreaterThan(0.8)
    expect(share((a) => a.visible)).toBeLessThan(1)
    expect(apps.slice(0, 3).map((a) => a.name)).toEqual(['Slack', 'Google Workspace', 'Zoom'])
    expect(new Set(apps.map((a) => a.name)).size).toBe(apps.length)
    // More apps than the catalogue: numbered repeats ("Datadog 2").
    expect(apps.some((a) => / [2-9]\d*$/.test(a.name))).toBe(true)
  })

  it('generates privileges with real actions and scopes, the default count, and some assignments', () => {
    expect(generateTenant({ users: 50, roles: 100, apps: 5, groups: 1, seed: 1 }).privileges).toHaveLength(5)
    expect(generateTenant({ users: 50, roles: 10, apps: 5, groups: 1, seed: 1 }).privileges).toHaveLength(3)
    expect(generateTenant({ users: 50, roles: 10, apps: 5, groups: 1, privileges: 0, seed: 1 }).privileges).toHaveLength(0)
    const t = generateTenant({ users: 500, roles: 40, apps: 30, groups: 3, privileges: 25, seed: 8 })
    expect(t.privileges[0]!.name).toBe('User Administrator')
    expect(t.privileges.some((p) => p.users.length > 0)).toBe(true)
    expect(t.privileges.some((p) => p.roles.length > 0)).toBe(true)
    const actions = t.privileges.flatMap((p) => p.statements.flatMap((s) => s.Action))
    expect(actions).toContain('users:List')
    expect(actions).toContain('apps:ManageUsers')
    expect(actions).toContain('roles:ManageUsers')
    const scopes = t.privileges.flatMap((p) => p.statements.flatMap((s) => s.Scope))
    expect(scopes).toContain('*')
    expect(scopes.some((s) => /^apps\/\d+$/.test(s))).toBe(true)
  })

  it('issues one credential per scope with 64-hex ids and secrets derived from the seed', () => {
    const a = generateTenant(MEDIUM).credentials
    expect(a.map((c) => c.scope)).toEqual([...CREDENTIAL_SCOPES])
    for (const c of a) {
      expect(c.client_id).toMatch(HEX64)
      expect(c.client_secret).toMatch(HEX64)
    }
    expect(generateTenant({ ...MEDIUM, users: 5 }).credentials).toEqual(a)
    expect(generateTenant({ ...MEDIUM, seed: 1 }).credentials[0]!.client_id).not.toBe(a[0]!.client_id)
  })

  it('refuses bad options with one clear line naming the option', () => {
    const ok: GenerateOptions = { users: 10, roles: 2, apps: 2, groups: 1, seed: 1 }
    const bad: [Partial<Record<keyof GenerateOptions, unknown>>, string][] = [
      [{ users: -1 }, 'users'],
      [{ users: 1.5 }, 'users'],
      [{ users: Number.NaN }, 'users'],
      [{ users: '10' }, 'users'],
      [{ users: 1_000_001 }, 'users'],
      [{ roles: -3 }, 'roles'],
      [{ roles: Infinity }, 'roles'],
      [{ apps: null }, 'apps'],
      [{ apps: undefined }, 'apps'],
      [{ groups: 100_001 }, 'groups'],
      [{ privileges: -1 }, 'privileges'],
      [{ privileges: 2.5 }, 'privileges'],
      [{ seed: -1 }, 'seed'],
      [{ seed: 0.5 }, 'seed'],
      [{ seed: 2 ** 60 }, 'seed'],
    ]
    for (const [patch, name] of bad) {
      let error: unknown
      try {
        generateTenant({ ...ok, ...patch } as GenerateOptions)
      } catch (e) {
        error = e
      }
      expect(error, JSON.stringify(patch)).toBeInstanceOf(WardenError)
      const message = (error as WardenError).message
      expect(message).toContain(`"${name}"`)
      expect(message).not.toContain('\n')
      expect((error as WardenError).code).toBe('BAD_INPUT')
    }
    expect(() => generateTenant(null as unknown as GenerateOptions)).toThrow(WardenError)
    expect(generateTenant({ ...ok, users: 0, roles: 0, apps: 0, groups: 0, privileges: 0, seed: 0 }).users).toEqual([])
  })

  it('generates 100k users, 2,000 roles, 1,000 apps and 100 groups with exactly those counts', () => {
    const t = generateTenant({ users: 100_000, roles: 2000, apps: 1000, groups: 100, seed: 1 })
    expect(t.users).toHaveLength(100_000)
    expect(t.roles).toHaveLength(2000)
    expect(t.apps).toHaveLength(1000)
    expect(t.groups).toHaveLength(100)
    expect(t.privileges).toHaveLength(100)
    expect(t.credentials).toHaveLength(5)
    expect(new Set(t.users.map((u) => u.email)).size).toBe(100_000)
    expect(new Set(t.roles.map((r) => r.name)).size).toBe(2000)
  })
})

describe('demoTenant', () => {
  it('is Acme Corp on subdomain acme, sound, and the same on every call', () => {
    const t = demoTenant()
    expect(t.subdomain).toBe('acme')
    expect(problems(t)).toEqual([])
    expect(demoTenant()).toEqual(t)
    expect(t.users.length).toBeGreaterThanOrEqual(20)
    expect(t.users.length).toBeLessThanOrEqual(30)
    expect(t.users.every((u) => u.company === 'Acme Corp' || u.custom_attributes.employee_type === 'Contractor')).toBe(true)
  })

  it('returns a fresh copy each time', () => {
    const a = demoTenant()
    a.users[0]!.firstname = 'Changed'
    a.roles[0]!.users.length = 0
    const b = demoTenant()
    expect(b.users[0]!.firstname).not.toBe('Changed')
    expect(b.roles[0]!.users.length).toBeGreaterThan(0)
  })

  it('shows every status, one CEO at the root, and a contractor with no manager', () => {
    const t = demoTenant()
    expect([...new Set(t.users.map((u) => u.status))].sort()).toEqual([0, 1, 2, 3, 4, 5, 7, 8])
    const roots = t.users.filter((u) => u.manager_user_id === null)
    expect(roots.map((u) => u.title).sort()).toEqual(['Chief Executive Officer', 'Contract Frontend Engineer'])
    const contractor = t.users.find((u) => u.custom_attributes.employee_type === 'Contractor')!
    expect(contractor.manager_user_id).toBeNull()
    expect(contractor.username).toBe('')
    expect(t.groups.find((g) => g.id === contractor.group_id)?.name).toBe('Contractors')
  })

  it('has the expected roles, apps, groups, privileges and credentials', () => {
    const t = demoTenant()
    const roleNames = t.roles.map((r) => r.name)
    for (const name of ['Employees', 'Engineering', 'Sales', 'Finance', 'IT Admins', 'AWS Production Admins']) expect(roleNames).toContain(name)
    expect(t.groups.map((g) => g.name)).toEqual(['Headquarters', 'Remote', 'Contractors'])
    const provisioned = t.apps.filter((a) => a.provisioning_enabled).map((a) => a.name)
    expect(provisioned).toEqual(expect.arrayContaining(['Slack', 'GitHub', 'Salesforce']))
    expect(provisioned.length).toBeLessThan(t.apps.length / 2)
    for (const name of ['Slack', 'GitHub', 'Salesforce', 'Workday', 'Zoom', 'Google Workspace']) expect(t.apps.map((a) => a.name)).toContain(name)
    expect(t.apps.map((a) => a.name).join(' ')).not.toMatch(/okta/i)
    const inRole = new Set(t.roles.flatMap((r) => r.apps))
    expect(t.apps.filter((a) => !inRole.has(a.id)).map((a) => a.name)).toEqual(['Tableau Cloud'])
    expect(t.privileges.length).toBeGreaterThanOrEqual(2)
    expect(t.privileges.length).toBeLessThanOrEqual(3)
    expect(t.credentials.map((c) => c.scope)).toEqual([...CREDENTIAL_SCOPES])
    for (const c of t.credentials) {
      expect(c.client_id.length).toBe(64)
      expect(c.client_secret.length).toBe(64)
    }
  })
})

describe('Random', () => {
  it('repeats per seed and stream, and differs across them', () => {
    const draw = (r: Random): number[] => Array.from({ length: 8 }, () => r.uint32())
    expect(draw(new Random(1, 'a'))).toEqual(draw(new Random(1, 'a')))
    expect(draw(new Random(1, 'a'))).not.toEqual(draw(new Random(1, 'b')))
    expect(draw(new Random(1, 'a'))).not.toEqual(draw(new Random(2, 'a')))
    expect(draw(new Random(2 ** 40, 'a'))).not.toEqual(draw(new Random(0, 'a')))
  })

  it('stays in range and looks uniform', () => {
    const r = new Random(9)
    const buckets = new Array<number>(10).fill(0)
    let outside = 0
    for (let i = 0; i < 100_000; i++) {
      const x = r.int(0, 9)
      if (x < 0 || x > 9 || !Number.isInteger(x)) outside++
      else buckets[x]!++
    }
    expect(outside).toBe(0)
    for (const b of buckets) expect(Math.abs(b - 10_000)).toBeLessThan(600)
    for (let i = 0; i < 200; i++) expect(r.uuid()).toMatch(UUID_V4)
    expect(r.hex(64)).toMatch(HEX64)
  })
})
