/**
 * A small, hand-written tenant for the emulator's own tests: every value is known, so tests can
 * assert exact results. It covers the quirks: an empty-string username, a locked user, a
 * password-pending user, a user with no roles, a hidden app, an app in two roles, an app in no
 * role, provisioning on and off, custom attributes with nulls, one credential per scope, and
 * enough extra users, roles and groups to span several pages.
 */
import type { SeedApp, SeedCredential, SeedGroup, SeedPrivilege, SeedRole, SeedUser, TenantSeed } from './seed.js'

export const FIXTURE = {
  subdomain: 'acme-test',
  accountId: 555555,
  users: { alice: 1001, bob: 1002, carol: 1003, dave: 1004, erin: 1005, frank: 1006 },
  roles: { employees: 501, engineering: 502, admins: 503, empty: 504, extras: 505 },
  apps: { slack: 701, github: 702, aws: 703, console: 704, unassigned: 705 },
  groups: { hq: 10, remote: 20, contractors: 30 },
  privileges: { userAdmin: '2c963197-bee2-4607-abc0-4786f1bfa55a', helpDesk: '7d0f2a7e-1b3c-4d5e-8f90-a1b2c3d4e5f6' },
  /** First id of the generated extra users (`user0001`...). */
  firstExtraUserId: 2001,
  firstExtraRoleId: 600,
  firstExtraGroupId: 100,
} as const

export const FIXTURE_CREDENTIALS: SeedCredential[] = [
  { client_id: 'cid-auth-only', client_secret: 'secret-auth-only', scope: 'authentication_only' },
  { client_id: 'cid-read-users', client_secret: 'secret-read-users', scope: 'read_users' },
  { client_id: 'cid-manage-users', client_secret: 'secret-manage-users', scope: 'manage_users' },
  { client_id: 'cid-read-all', client_secret: 'secret-read-all', scope: 'read_all' },
  { client_id: 'cid-manage-all', client_secret: 'secret-manage-all', scope: 'manage_all' },
]

function user(partial: Partial<SeedUser> & Pick<SeedUser, 'id'>): SeedUser {
  return {
    username: null,
    email: null,
    firstname: null,
    lastname: null,
    title: null,
    department: null,
    company: 'Acme',
    comment: '',
    phone: null,
    status: 1,
    state: 1,
    group_id: null,
    manager_user_id: null,
    directory_id: null,
    external_id: null,
    samaccountname: null,
    custom_attributes: {},
    created_at: '2020-01-01T00:00:00.000Z',
    updated_at: '2020-01-01T00:00:00.000Z',
    activated_at: '2020-01-01T00:00:00.000Z',
    last_login: null,
    password_changed_at: '2020-01-01T00:00:00.000Z',
    locked_until: null,
    invalid_login_attempts: 0,
    has_password: true,
    ...partial,
  }
}

export interface FixtureOptions {
  /** Generated users `user0001`... in group 30 and role 505 (default 120: 126 users in all). */
  extraUsers?: number
  /** Generated roles `Role 001`... without members (default 60: 65 roles in all). */
  extraRoles?: number
  /** Generated groups (default 57: 60 groups in all, more than one v1 page). */
  extraGroups?: number
}

export function fixtureTenant(opts: FixtureOptions = {}): TenantSeed {
  const { users: U, roles: R, apps: A, groups: G } = FIXTURE
  const users: SeedUser[] = [
    user({
      id: U.alice, username: 'alice', email: 'alice@acme.test', firstname: 'Alice', lastname: 'Anders', title: 'CEO',
      department: 'Executive', group_id: G.hq, directory_id: 5, external_id: 'ext-1', samaccountname: 'aanders',
      custom_attributes: { employeenumber: '1', food: 'chicken' }, created_at: '2020-01-01T00:00:00.000Z',
      updated_at: '2021-01-01T00:00:00.000Z', last_login: '2021-06-01T10:00:00.000Z', phone: '+14155550101',
    }),
    user({
      id: U.bob, username: 'bob', email: 'bob@acme.test', firstname: 'Bob', lastname: 'Brown', title: 'Engineer',
      department: 'Engineering', group_id: G.hq, manager_user_id: U.alice, custom_attributes: { employeenumber: null, food: 'fish' },
      created_at: '2020-02-01T00:00:00.000Z', updated_at: '2021-02-01T00:00:00.000Z', last_login: '2021-07-01T10:00:00.000Z',
    }),
    user({
      id: U.carol, username: '', email: 'carol@other.test', firstname: 'Carol', lastname: 'Chen', status: 3,
      group_id: G.remote, manager_user_id: U.alice, locked_until: '2030-01-01T00:00:00.000Z', invalid_login_attempts: 5,
      created_at: '2020-03-01T00:00:00.000Z', updated_at: '2021-03-01T00:00:00.000Z',
    }),
    user({
      id: U.dave, username: 'dave', email: null, firstname: 'Dave', lastname: 'Davis', status: 7, has_password: false,
      activated_at: null, password_changed_at: null, created_at: '2020-04-01T00:00:00.000Z', updated_at: '2021-04-01T00:00:00.000Z',
    }),
    user({
      id: U.erin, username: 'erin', email: 'erin@acme.test', firstname: 'Erin', lastname: 'Evans', status: 2, state: 3,
      group_id: G.remote, created_at: '2020-05-01T00:00:00.000Z', updated_at: '2021-05-01T00:00:00.000Z',
    }),
    user({
      id: U.frank, username: 'frank', email: 'frank@acme.test', firstname: 'Frank', lastname: 'Foster',
      created_at: '2020-06-01T00:00:00.000Z', updated_at: '2021-06-01T00:00:00.000Z',
    }),
  ]
  const extraUsers: number[] = []
  for (let i = 1; i <= (opts.extraUsers ?? 120); i++) {
    const n = String(i).padStart(4, '0')
    const id = FIXTURE.firstExtraUserId + i - 1
    extraUsers.push(id)
    users.push(user({
      id, username: `user${n}`, email: `user${n}@acme.test`, firstname: `First${n}`, lastname: `Last${n}`,
      group_id: G.contractors, created_at: '2022-01-01T00:00:00.000Z', updated_at: '2022-01-01T00:00:00.000Z',
      custom_attributes: { employeenumber: `E${n}`, food: i % 2 === 0 ? 'pizza' : 'pasta' },
    }))
  }

  const roles: SeedRole[] = [
    { id: R.employees, name: 'Employees', users: [U.alice, U.bob, U.carol, U.erin], admins: [U.alice], apps: [A.slack, A.github] },
    { id: R.engineering, name: 'Engineering', users: [U.bob, U.dave], admins: [], apps: [A.github, A.aws] },
    { id: R.admins, name: 'Admins', users: [U.alice], admins: [U.bob], apps: [A.console] },
    { id: R.empty, name: 'Empty Role', users: [], admins: [], apps: [] },
    { id: R.extras, name: 'Contractors Role', users: extraUsers, admins: [], apps: [] },
  ]
  for (let i = 1; i <= (opts.extraRoles ?? 60); i++) {
    roles.push({ id: FIXTURE.firstExtraRoleId + i - 1, name: `Role ${String(i).padStart(3, '0')}`, users: [], admins: [], apps: [] })
  }

  const app = (partial: Partial<SeedApp> & Pick<SeedApp, 'id' | 'name'>): SeedApp => ({
    connector_id: 50934,
    auth_method: 2,
    description: '',
    visible: true,
    provisioning_enabled: false,
    created_at: '2020-01-07T12:22:11.566Z',
    updated_at: '2020-01-07T12:22:11.566Z',
    ...partial,
  })
  const apps: SeedApp[] = [
    app({ id: A.slack, name: 'Slack', connector_id: 50934, auth_method: 2, provisioning_enabled: true }),
    app({ id: A.github, name: 'GitHub', connector_id: 108419, auth_method: 8 }),
    app({ id: A.aws, name: 'Amazon Web Services (AWS) Multi Account', connector_id: 78887, auth_method: 2 }),
    app({ id: A.console, name: 'Admin Console', connector_id: 11111, auth_method: 0, visible: false }),
    app({ id: A.unassigned, name: 'Unassigned App', connector_id: 22222, auth_method: 6 }),
  ]

  const groups: SeedGroup[] = [
    { id: G.hq, name: 'Headquarters' },
    { id: G.remote, name: 'Remote' },
    { id: G.contractors, name: 'Contractors' },
  ]
  for (let i = 1; i <= (opts.extraGroups ?? 57); i++) groups.push({ id: FIXTURE.firstExtraGroupId + i - 1, name: `Group ${i}` })

  const privileges: SeedPrivilege[] = [
    {
      id: FIXTURE.privileges.userAdmin,
      name: 'User Administrator',
      description: 'Can administer users',
      statements: [{ Effect: 'Allow', Action: ['users:List', 'users:Get', 'users:Unlock'], Scope: ['*'] }],
      users: [U.alice],
      roles: [R.admins],
    },
    {
      id: FIXTURE.privileges.helpDesk,
      name: 'Help Desk',
      description: 'Unlock accounts',
      statements: [{ Effect: 'Allow', Action: ['users:Unlock'], Scope: ['*'] }],
      users: extraUsers.slice(0, 60),
      roles: [],
    },
  ]

  return {
    subdomain: FIXTURE.subdomain,
    account_id: FIXTURE.accountId,
    users,
    roles,
    apps,
    groups,
    privileges,
    credentials: FIXTURE_CREDENTIALS.map((c) => ({ ...c })),
  }
}
