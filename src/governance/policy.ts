import { WardenError } from '../errors/index.js'

/**
 * Who may do what in Warden: the one place that maps each Warden role to its permissions, and the
 * limits that go with accounts (password length, session and token lifetimes). Routes declare the
 * permission they need; governance services check it again, so a caller other than the REST API
 * (the CLI, a job) gets the same answer.
 *
 * The roles follow ConductorOne's admin roles (reference/platform.md §1.9): a Super Administrator
 * does everything; each other administrator role owns one area; the Read-only Administrator sees
 * everything and changes nothing. Every signed-in user, with or without a role, can request access
 * and review what is assigned to them.
 */

/** Warden's roles as stored on a user (`users.roles`); the labels below are what people see. */
export const WARDEN_ROLES = [
  'super-admin',
  'integration-admin',
  'app-admin',
  'campaign-admin',
  'access-request-admin',
  'read-only-admin',
] as const

export type WardenRole = (typeof WARDEN_ROLES)[number]

export const ROLE_LABELS: Readonly<Record<WardenRole, string>> = Object.freeze({
  'super-admin': 'Super Administrator',
  'integration-admin': 'Integration Administrator',
  'app-admin': 'App Administrator',
  'campaign-admin': 'Campaign Administrator',
  'access-request-admin': 'Access Request Administrator',
  'read-only-admin': 'Read-only Administrator',
})

export const ROLE_DESCRIPTIONS: Readonly<Record<WardenRole, string>> = Object.freeze({
  'super-admin': 'Everything: Warden users and roles, integrations, apps, campaigns, access-request policies, jobs and the audit log.',
  'integration-admin': 'Connects and manages OneLogin integrations (credentials, syncs); sees identities and apps.',
  'app-admin': 'Manages apps and their owners, entitlements and provisioning settings; sees identities and integrations.',
  'campaign-admin': 'Creates and runs access reviews (campaigns); sees identities, apps and integrations.',
  'access-request-admin': 'Manages access-request policies and approval flows and can act on any request; sees identities and apps.',
  'read-only-admin': 'Sees everything an administrator can see, including users, jobs and the audit log; changes nothing.',
})

/**
 * Everything a permission can allow. `self:*`, `requests:create` and `reviews:assigned` belong to
 * every signed-in user. Permissions for areas built in later issues (integrations, apps,
 * campaigns, access requests) are defined now so the role model is complete in one place.
 */
export const PERMISSIONS = [
  /** Own profile, password and API tokens. */
  'self:read',
  'self:write',
  /** Request access for oneself. */
  'requests:create',
  /** Decide the review items and approvals assigned to oneself. */
  'reviews:assigned',
  /** Warden's own user accounts and their roles. */
  'users:read',
  'users:write',
  /** People as governance sees them (synced from OneLogin). */
  'identities:read',
  /** The audit log: list, verify, export. */
  'audit:read',
  /** Background jobs, including dead letters; retrying a dead job. */
  'jobs:read',
  'jobs:retry',
  'integrations:read',
  'integrations:write',
  'apps:read',
  'apps:write',
  'campaigns:read',
  'campaigns:write',
  'access-requests:read',
  'access-requests:write',
] as const

export type Permission = (typeof PERMISSIONS)[number]

/** What every signed-in user may do, whatever their roles. */
const EVERYONE: readonly Permission[] = ['self:read', 'self:write', 'requests:create', 'reviews:assigned']

const READS: readonly Permission[] = PERMISSIONS.filter((p) => p.endsWith(':read'))

const GRANTS: Readonly<Record<WardenRole, readonly Permission[]>> = Object.freeze({
  'super-admin': PERMISSIONS,
  'integration-admin': ['integrations:read', 'integrations:write', 'identities:read', 'apps:read'],
  'app-admin': ['apps:read', 'apps:write', 'identities:read', 'integrations:read'],
  'campaign-admin': ['campaigns:read', 'campaigns:write', 'identities:read', 'apps:read', 'integrations:read'],
  'access-request-admin': ['access-requests:read', 'access-requests:write', 'identities:read', 'apps:read'],
  'read-only-admin': READS,
})

export function isWardenRole(role: string): role is WardenRole {
  return (WARDEN_ROLES as readonly string[]).includes(role)
}

/** The permissions a set of roles gives (unknown role names give nothing), sorted. */
export function permissionsOf(roles: readonly string[]): Permission[] {
  const out = new Set<Permission>(EVERYONE)
  for (const role of roles) if (isWardenRole(role)) for (const p of GRANTS[role]) out.add(p)
  return PERMISSIONS.filter((p) => out.has(p))
}

/** The roles that include `permission` (for API docs and error messages). */
export function rolesWith(permission: Permission): WardenRole[] {
  return WARDEN_ROLES.filter((r) => GRANTS[r].includes(permission))
}

/** Who is acting: a signed-in Warden user (by session or API token), or Warden itself. */
export interface Actor {
  /** A Warden user id, or `system`. */
  readonly id: string
  readonly roles: readonly string[]
  readonly via: 'session' | 'token' | 'system'
}

/** Warden acting on its own (jobs, start-up): allowed everything, recorded as `system`. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ id: 'system', roles: ['super-admin'], via: 'system' as const })

export function can(actor: Actor, permission: Permission): boolean {
  if (EVERYONE.includes(permission)) return true
  return actor.roles.some((r) => isWardenRole(r) && GRANTS[r].includes(permission))
}

/** Throws FORBIDDEN unless the actor has `permission`; the message names the roles that do. */
export function authorize(actor: Actor, permission: Permission): void {
  if (can(actor, permission)) return
  const labels = rolesWith(permission).map((r) => ROLE_LABELS[r])
  throw new WardenError('FORBIDDEN', `your Warden roles do not allow this (${permission}); it needs ${joinOr(labels)}`)
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

/** Refuses role names that are not Warden roles (BAD_INPUT), and de-duplicates. */
export function checkRoles(roles: readonly string[]): WardenRole[] {
  const unknown = roles.filter((r) => !isWardenRole(r))
  if (unknown.length > 0) {
    throw new WardenError('BAD_INPUT', `unknown Warden role(s) ${unknown.map((r) => JSON.stringify(r)).join(', ')}: use ${WARDEN_ROLES.join(', ')}`)
  }
  return WARDEN_ROLES.filter((r) => roles.includes(r))
}

/** Password rules: long enough to resist guessing, short enough to bound scrypt's input. */
export const PASSWORD_MIN_LENGTH = 12
export const PASSWORD_MAX_LENGTH = 1024

export function checkNewPassword(password: string): string {
  if (password.length < PASSWORD_MIN_LENGTH) throw new WardenError('BAD_INPUT', `password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  if (password.length > PASSWORD_MAX_LENGTH) throw new WardenError('BAD_INPUT', `password must be at most ${PASSWORD_MAX_LENGTH} characters`)
  return password
}

/** A browser session lasts this long after the last activity (sliding), at most SESSION_MAX_MS in all. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000
/** Activity is recorded (and the expiry slid) at most this often per session, to spare the database a write per request. */
export const SESSION_TOUCH_EVERY_MS = 5 * 60 * 1000
/** API token `last_used_at` is recorded at most this often. */
export const TOKEN_TOUCH_EVERY_MS = 60 * 1000
/** The one-time setup link works for this long; every start without a Super Administrator makes a new one. */
export const SETUP_TOKEN_TTL_MS = 24 * 60 * 60 * 1000
/** API tokens may be made to expire after 1 to 365 days, or never. */
export const TOKEN_MAX_DAYS = 365
