/**
 * The demo tenant `npm start` serves: "Acme Corp" (subdomain `acme`), small enough to read in one
 * sitting. 25 people with an org chart, the roles and apps a small company has, three groups, three
 * delegated-admin privileges, and one API credential per scope.
 *
 * Things worth finding in it:
 * - every user status appears once or more: Isaac (0 unactivated, invited), Ethan (2 suspended,
 *   left the company), Emma (3 locked after failed logins), Chloe (4 password expired),
 *   Benjamin (5 awaiting password reset), Lucas (7 password pending: created through the API
 *   without a password), Yuki (8 security questions required);
 * - Oliver is a contractor with no manager, in the Contractors group, with an empty username ""
 *   (as real OneLogin data has);
 * - Tableau is an app in no role (a licence nobody is given), "Managers" a role with no apps;
 * - AWS reaches people only through "AWS Production Admins".
 *
 * E-mail addresses use the reserved `acme.example` domain. The credentials are fixed, public demo
 * values for a local emulator, not secrets.
 */
import type { SeedApp, SeedCredential, SeedGroup, SeedPrivilege, SeedRole, SeedUser, TenantSeed, UserStatus } from './seed.js'

const DOMAIN = 'acme.example'
const COMPANY = 'Acme Corp'
const DIRECTORY_ID = 48213

// Groups -----------------------------------------------------------------------------------------

const HQ = 512001
const REMOTE = 512002
const CONTRACTORS = 512003

const GROUPS: SeedGroup[] = [
  { id: HQ, name: 'Headquarters' },
  { id: REMOTE, name: 'Remote' },
  { id: CONTRACTORS, name: 'Contractors' },
]

// Users ------------------------------------------------------------------------------------------

/** User ids, named so the org chart and the roles below read as names. */
const U = {
  maria: 41235001, // CEO
  david: 41235002, // CTO
  priya: 41235003, // CFO
  james: 41235004, // VP Sales
  aisha: 41235005, // Head of People
  tom: 41235006, // IT Manager
  sofia: 41235007, // Engineering Manager
  liam: 41235008,
  hannah: 41235009,
  noah: 41235010,
  emma: 41235011,
  olivia: 41235012,
  ethan: 41235013,
  chloe: 41235014,
  mateo: 41235015,
  grace: 41235016,
  benjamin: 41235017,
  yuki: 41235018,
  zoe: 41235019,
  samuel: 41235020,
  nina: 41235021,
  ava: 41235022,
  oliver: 41235023, // contractor
  lucas: 41235024, // created through the API, no password yet
  isaac: 41235025, // invited, not activated yet
} as const

interface Person {
  id: number
  first: string
  last: string
  title: string
  department: string
  manager: number | null
  group: number | null
  location: string
  created: string
  /** Last sign-in, or null for never. */
  login: string | null
  status?: UserStatus
  state?: 0 | 1 | 2 | 3
  username?: string | null
  company?: string | null
  comment?: string | null
  phone?: string | null
  costCenter?: string | null
  type?: string | null
  lockedUntil?: string
  invalidLogins?: number
  passwordChanged?: string | null
}

const PEOPLE: Person[] = [
  { id: U.maria, first: 'Maria', last: 'Gonzalez', title: 'Chief Executive Officer', department: 'Executive', manager: null, group: HQ, location: 'San Francisco', created: '2023-01-09T16:02:11.204Z', login: '2026-09-29T08:14:52.311Z', phone: '+14155550101', costCenter: 'CC-0100' },
  { id: U.david, first: 'David', last: 'Chen', title: 'Chief Technology Officer', department: 'Engineering', manager: U.maria, group: HQ, location: 'San Francisco', created: '2023-01-09T16:05:47.930Z', login: '2026-09-30T17:41:09.027Z', phone: '+14155550102', costCenter: 'CC-1100' },
  { id: U.priya, first: 'Priya', last: 'Raman', title: 'Chief Financial Officer', department: 'Finance', manager: U.maria, group: HQ, location: 'San Francisco', created: '2023-01-10T09:12:30.552Z', login: '2026-09-28T15:03:44.870Z', phone: '+14155550103', costCenter: 'CC-4100' },
  { id: U.james, first: 'James', last: "O'Connor", title: 'VP of Sales', department: 'Sales', manager: U.maria, group: REMOTE, location: 'New York', created: '2023-02-06T14:20:05.118Z', login: '2026-09-30T12:55:18.406Z', username: 'james.oconnor', phone: '+12125550104', costCenter: 'CC-2100' },
  { id: U.aisha, first: 'Aisha', last: 'Bello', title: 'Head of People', department: 'People', manager: U.maria, group: HQ, location: 'San Francisco', created: '2023-02-13T10:45:58.760Z', login: '2026-09-27T09:30:01.245Z', costCenter: 'CC-4300' },
  { id: U.tom, first: 'Tom', last: 'Becker', title: 'IT Manager', department: 'IT', manager: U.david, group: HQ, location: 'San Francisco', created: '2023-01-16T08:01:13.402Z', login: '2026-09-30T07:58:40.119Z', phone: '+14155550106', costCenter: 'CC-5100' },
  { id: U.sofia, first: 'Sofia', last: 'Rossi', title: 'Engineering Manager', department: 'Engineering', manager: U.david, group: REMOTE, location: 'Austin', created: '2023-03-01T15:33:27.981Z', login: '2026-09-30T14:22:36.774Z', costCenter: 'CC-1100' },
  { id: U.liam, first: 'Liam', last: 'Walsh', title: 'Senior Software Engineer', department: 'Engineering', manager: U.sofia, group: REMOTE, location: 'Dublin', created: '2023-03-20T09:07:44.316Z', login: '2026-09-30T10:11:52.093Z', phone: '+35315550108', costCenter: 'CC-1100' },
  { id: U.hannah, first: 'Hannah', last: 'Kim', title: 'Software Engineer', department: 'Engineering', manager: U.sofia, group: HQ, location: 'San Francisco', created: '2024-06-03T16:48:21.650Z', login: '2026-09-29T18:37:05.512Z', costCenter: 'CC-1100' },
  { id: U.noah, first: 'Noah', last: 'Fischer', title: 'Site Reliability Engineer', department: 'Engineering', manager: U.sofia, group: REMOTE, location: 'Berlin', created: '2023-09-11T07:25:39.027Z', login: '2026-09-30T06:49:13.880Z', costCenter: 'CC-1150' },
  { id: U.emma, first: 'Emma', last: 'Dubois', title: 'Software Engineer', department: 'Engineering', manager: U.sofia, group: REMOTE, location: 'Paris', created: '2024-02-19T08:59:02.431Z', login: '2026-09-25T16:20:47.308Z', status: 3, lockedUntil: '2026-09-30T19:05:12.000Z', invalidLogins: 5, costCenter: 'CC-1100' },
  { id: U.olivia, first: 'Olivia', last: 'Brown', title: 'Account Executive', department: 'Sales', manager: U.james, group: REMOTE, location: 'Chicago', created: '2023-05-08T13:40:16.205Z', login: '2026-09-30T15:02:29.661Z', phone: '+13125550112', costCenter: 'CC-2100' },
  { id: U.ethan, first: 'Ethan', last: 'Nguyen', title: 'Account Executive', department: 'Sales', manager: U.james, group: REMOTE, location: 'Seattle', created: '2023-05-15T14:12:50.777Z', login: '2026-06-12T17:45:33.120Z', status: 2, comment: 'Left 2026-06-12; suspended pending access review', costCenter: 'CC-2100' },
  { id: U.chloe, first: 'Chloe', last: 'Martin', title: 'Sales Development Representative', department: 'Sales', manager: U.james, group: HQ, location: 'San Francisco', created: '2024-09-02T16:30:08.049Z', login: '2026-05-20T11:09:54.873Z', status: 4, passwordChanged: '2025-11-03T10:15:27.611Z', costCenter: 'CC-2100' },
  { id: U.mateo, first: 'Mateo', last: 'Alvarez', title: 'Sales Engineer', department: 'Sales', manager: U.james, group: REMOTE, location: 'Mexico City', created: '2024-01-22T15:18:42.336Z', login: '2026-09-30T16:33:21.458Z', costCenter: 'CC-2100' },
  { id: U.grace, first: 'Grace', last: 'Okafor', title: 'Controller', department: 'Finance', manager: U.priya, group: HQ, location: 'San Francisco', created: '2023-04-03T09:50:35.914Z', login: '2026-09-29T13:27:48.702Z', costCenter: 'CC-4100' },
  { id: U.benjamin, first: 'Benjamin', last: 'Levi', title: 'Accountant', department: 'Finance', manager: U.grace, group: HQ, location: 'San Francisco', created: '2024-03-11T10:05:19.480Z', login: '2026-09-18T09:41:02.155Z', status: 5, costCenter: 'CC-4100' },
  { id: U.yuki, first: 'Yuki', last: 'Tanaka', title: 'Financial Analyst', department: 'Finance', manager: U.priya, group: REMOTE, location: 'Tokyo', created: '2025-04-07T01:22:57.093Z', login: '2026-09-22T02:16:39.827Z', status: 8, costCenter: 'CC-4100' },
  { id: U.zoe, first: 'Zoë', last: 'Williams', title: 'Recruiter', department: 'People', manager: U.aisha, group: HQ, location: 'San Francisco', created: '2024-07-15T17:03:44.268Z', login: '2026-09-30T09:58:12.390Z', username: 'zoe.williams', costCenter: 'CC-4300' },
  { id: U.samuel, first: 'Samuel', last: 'Adeyemi', title: 'IT Support Specialist', department: 'IT', manager: U.tom, group: HQ, location: 'San Francisco', created: '2023-08-21T08:36:09.551Z', login: '2026-09-30T08:05:27.014Z', costCenter: 'CC-5100' },
  { id: U.nina, first: 'Nina', last: 'Petrova', title: 'Security Engineer', department: 'IT', manager: U.tom, group: REMOTE, location: 'Warsaw', created: '2024-10-07T07:14:23.736Z', login: '2026-09-30T11:47:56.289Z', costCenter: 'CC-5200' },
  { id: U.ava, first: 'Ava', last: 'Johnson', title: 'Marketing Manager', department: 'Marketing', manager: U.maria, group: REMOTE, location: 'Boston', created: '2023-06-05T13:11:38.402Z', login: '2026-09-29T19:24:15.966Z', costCenter: 'CC-3100' },
  { id: U.oliver, first: 'Oliver', last: 'Scott', title: 'Contract Frontend Engineer', department: 'Engineering', manager: null, group: CONTRACTORS, location: 'Remote', created: '2025-08-04T15:27:50.190Z', login: '2026-09-26T14:08:31.745Z', username: '', company: 'Brightpath Consulting', comment: 'Contract ends 2026-12-31', costCenter: null, type: 'Contractor' },
  { id: U.lucas, first: 'Lucas', last: 'Silva', title: 'Software Engineer', department: 'Engineering', manager: U.sofia, group: REMOTE, location: 'São Paulo', created: '2026-09-28T12:00:03.517Z', login: null, status: 7, passwordChanged: null, costCenter: 'CC-1100' },
  { id: U.isaac, first: 'Isaac', last: 'Moreno', title: 'Account Executive', department: 'Sales', manager: U.james, group: null, location: 'Madrid', created: '2026-09-29T10:30:45.882Z', login: null, status: 0, state: 0, passwordChanged: null, costCenter: 'CC-2100', type: null },
]

/** "Zoë" -> "zoe", "O'Connor" -> "oconnor". */
function local(first: string, last: string): string {
  const clean = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '')
  return `${clean(first)}.${clean(last)}`
}

/** Adds `ms` milliseconds to an ISO timestamp. */
function plus(at: string, ms: number): string {
  return new Date(Date.parse(at) + ms).toISOString()
}

function toUser(p: Person, index: number): SeedUser {
  const status = p.status ?? 1
  const name = local(p.first, p.last)
  const fromDirectory = p.type !== 'Contractor' && Date.parse(p.created) < Date.parse('2024-01-01T00:00:00.000Z')
  const activated = status === 0 ? null : plus(p.created, status === 7 ? 215 : 3_600_000 + index * 61_000)
  const passwordChanged = p.passwordChanged !== undefined ? p.passwordChanged : activated === null ? null : plus(activated, 42 * 86_400_000)
  const lockedAt = p.lockedUntil === undefined ? null : plus(p.lockedUntil, -30 * 60_000)
  const latest = [p.created, activated, p.login, passwordChanged, lockedAt].filter((x): x is string => x !== null).sort().at(-1) as string
  return {
    id: p.id,
    username: p.username !== undefined ? p.username : name,
    email: `${name}@${DOMAIN}`,
    firstname: p.first,
    lastname: p.last,
    title: p.title,
    department: p.department,
    company: p.company !== undefined ? p.company : COMPANY,
    comment: p.comment ?? '',
    phone: p.phone ?? null,
    status,
    state: p.state ?? 1,
    group_id: p.group,
    manager_user_id: p.manager,
    directory_id: fromDirectory ? DIRECTORY_ID : null,
    external_id: null,
    samaccountname: fromDirectory ? `${name.charAt(0)}${name.split('.')[1]}`.slice(0, 20) : null,
    custom_attributes: {
      employee_number: p.type === 'Contractor' ? null : String(1000 + index + 1),
      cost_center: p.costCenter ?? null,
      location: p.location,
      employee_type: p.type === undefined ? 'Full-Time' : p.type,
    },
    created_at: p.created,
    updated_at: plus(latest, 1_250),
    activated_at: activated,
    last_login: p.login,
    password_changed_at: passwordChanged,
    locked_until: p.lockedUntil ?? null,
    invalid_login_attempts: p.invalidLogins ?? 0,
    has_password: status !== 0 && status !== 7,
  }
}

// Apps -------------------------------------------------------------------------------------------

const A = {
  slack: 1204101,
  google: 1204102,
  zoom: 1204103,
  github: 1204104,
  aws: 1204105,
  salesforce: 1204106,
  workday: 1204107,
  netsuite: 1204108,
  datadog: 1204109,
  expensify: 1204110,
  onepassword: 1204111,
  greenhouse: 1204112,
  tableau: 1204113,
  portal: 1204114,
} as const

function app(id: number, name: string, connector_id: number, auth_method: SeedApp['auth_method'], created: string, extra: Partial<SeedApp> = {}): SeedApp {
  return {
    id,
    name,
    connector_id,
    auth_method,
    description: '',
    visible: true,
    provisioning_enabled: false,
    created_at: created,
    updated_at: created,
    ...extra,
  }
}

const APPS: SeedApp[] = [
  app(A.slack, 'Slack', 50934, 2, '2023-01-09T17:10:02.331Z', { provisioning_enabled: true, updated_at: '2025-03-14T10:22:41.905Z' }),
  app(A.google, 'Google Workspace', 61238, 2, '2023-01-09T17:14:26.118Z'),
  app(A.zoom, 'Zoom', 60127, 2, '2023-01-09T17:20:45.764Z'),
  app(A.github, 'GitHub', 83615, 2, '2023-01-16T09:30:11.502Z', { provisioning_enabled: true, description: 'GitHub Enterprise Cloud organisation acme' }),
  app(A.aws, 'Amazon Web Services (AWS) Multi Account', 78887, 2, '2023-01-16T10:02:57.940Z', { description: 'Production account; admin access is time-bound' }),
  app(A.salesforce, 'Salesforce', 72411, 2, '2023-02-06T15:01:33.286Z', { provisioning_enabled: true }),
  app(A.workday, 'Workday', 64553, 2, '2023-02-13T11:20:04.651Z'),
  app(A.netsuite, 'Oracle NetSuite', 57390, 2, '2023-04-03T10:12:48.173Z'),
  app(A.datadog, 'Datadog', 96102, 2, '2023-09-11T08:00:16.839Z'),
  app(A.expensify, 'Expensify', 45871, 2, '2023-04-03T10:30:22.407Z'),
  app(A.onepassword, '1Password', 110235, 8, '2023-08-21T09:15:39.628Z'),
  app(A.greenhouse, 'Greenhouse', 69014, 2, '2024-07-15T17:40:51.093Z'),
  app(A.tableau, 'Tableau Cloud', 88620, 2, '2025-01-20T14:48:05.214Z', { visible: false, description: 'Unused licence: not in any role' }),
  app(A.portal, 'Acme Employee Portal', 108419, 8, '2024-11-04T12:00:00.000Z', { description: 'In-house OIDC app' }),
]

// Roles ------------------------------------------------------------------------------------------

const EMPLOYEES = PEOPLE.filter((p) => p.type !== 'Contractor').map((p) => p.id)

const ROLES: SeedRole[] = [
  { id: 330101, name: 'Employees', users: EMPLOYEES, admins: [U.tom], apps: [A.slack, A.google, A.zoom, A.workday, A.portal] },
  { id: 330102, name: 'Engineering', users: [U.david, U.sofia, U.liam, U.hannah, U.noah, U.emma, U.lucas, U.oliver], admins: [U.sofia], apps: [A.github, A.datadog] },
  { id: 330103, name: 'Sales', users: [U.james, U.olivia, U.ethan, U.chloe, U.mateo, U.isaac], admins: [U.james], apps: [A.salesforce] },
  { id: 330104, name: 'Finance', users: [U.priya, U.grace, U.benjamin, U.yuki], admins: [U.priya], apps: [A.netsuite, A.expensify] },
  { id: 330105, name: 'People', users: [U.aisha, U.zoe], admins: [], apps: [A.greenhouse] },
  { id: 330106, name: 'IT Admins', users: [U.tom, U.samuel, U.nina], admins: [], apps: [A.onepassword, A.datadog] },
  { id: 330107, name: 'AWS Production Admins', users: [U.david, U.noah, U.nina], admins: [U.tom], apps: [A.aws] },
  { id: 330108, name: 'Contractors', users: [U.oliver], admins: [], apps: [A.slack, A.github] },
  { id: 330109, name: 'Managers', users: [U.maria, U.david, U.priya, U.james, U.aisha, U.tom, U.sofia, U.grace, U.ava], admins: [], apps: [] },
]

// Privileges -------------------------------------------------------------------------------------

const PRIVILEGES: SeedPrivilege[] = [
  {
    id: '8f14e45f-ceea-4e7a-9c2b-3d6f0a1b2c01',
    name: 'User Administrator',
    description: 'Can administer users',
    statements: [
      {
        Effect: 'Allow',
        Action: ['users:List', 'users:Get', 'users:Create', 'users:Update', 'users:Delete', 'users:Unlock', 'users:ResetPassword', 'users:ForceLogout', 'users:Invite'],
        Scope: ['*'],
      },
    ],
    users: [U.tom],
    roles: [330106],
  },
  {
    id: '45c48cce-2e2d-4fbd-a7c4-1f2e3d4c5b02',
    name: 'Help Desk',
    description: 'Unlock accounts, reset passwords and end sessions',
    statements: [
      { Effect: 'Allow', Action: ['users:List', 'users:Get', 'users:Unlock', 'users:ResetPassword', 'users:ForceLogout'], Scope: ['*'] },
    ],
    users: [U.samuel],
    roles: [],
  },
  {
    id: 'd3d94468-02a4-4c5f-8b1e-6a7b8c9d0e03',
    name: 'Salesforce App Manager',
    description: 'Manages who has Salesforce',
    statements: [{ Effect: 'Allow', Action: ['apps:Get', 'apps:ManageUsers', 'apps:ManageRoles'], Scope: [`apps/${A.salesforce}`] }],
    users: [U.james],
    roles: [],
  },
]

// Credentials ------------------------------------------------------------------------------------

/** Readable 64-character demo values, e.g. `acme-demo-manage-all-client-id-000...`. Public by design. */
function demoValue(label: string): string {
  return `acme-demo-${label}-`.padEnd(64, '0')
}

const CREDENTIALS: SeedCredential[] = (['authentication_only', 'read_users', 'manage_users', 'read_all', 'manage_all'] as const).map((scope) => {
  const label = scope.replace(/_/g, '-')
  return { client_id: demoValue(`${label}-client-id`), client_secret: demoValue(`${label}-client-secret`), scope }
})

/** A fresh copy of the Acme Corp demo tenant (callers may mutate it). */
export function demoTenant(): TenantSeed {
  return structuredClone({
    subdomain: 'acme',
    account_id: 104729,
    users: PEOPLE.map(toUser),
    roles: ROLES,
    apps: APPS,
    groups: GROUPS,
    privileges: PRIVILEGES,
    credentials: CREDENTIALS,
  })
}
