/**
 * Pure converters from OneLogin records (the client's snake_case payloads) to Warden's model.
 * No I/O: the sync feeds them pages and writes what they return.
 */
import { USER_STATUS_NAMES, entitlementId, grantId, resourceId } from '../model/index.js'
import type { AppTraits, Entitlement, UserStatusName, UserTraits } from '../model/index.js'
import type { OneLoginApp, OneLoginAppSummary, OneLoginGroup, OneLoginPrivilege, OneLoginRole, OneLoginUser } from '../onelogin/index.js'
import type { ResourceRow } from '../snapshot/index.js'

/** The user fields a sync asks for (`fields=` on GET /api/2/users): exactly what the model needs. */
export const USER_FIELDS = [
  'id',
  'username',
  'email',
  'firstname',
  'lastname',
  'status',
  'manager_user_id',
  'department',
  'title',
  'last_login',
  'created_at',
  'updated_at',
  'group_id',
  'custom_attributes',
] as const

/** OneLogin `auth_method` codes (onelogin-api.md §5.1). */
const AUTH_METHODS: Record<number, string> = {
  0: 'password',
  1: 'openid',
  2: 'saml',
  3: 'api',
  4: 'google',
  6: 'forms_based',
  7: 'wsfed',
  8: 'openid_connect',
}

export function statusName(status: number | null | undefined): UserStatusName {
  if (status === null || status === undefined) return 'unknown'
  return (USER_STATUS_NAMES as Record<number, UserStatusName>)[status] ?? 'unknown'
}

const nonEmpty = (v: string | null | undefined): string | null => (v === undefined || v === null || v.trim() === '' ? null : v)

/** Username, else first and last name, else email, else the id (OneLogin sends "" for no username). */
export function userDisplayName(u: Pick<OneLoginUser, 'id' | 'username' | 'firstname' | 'lastname' | 'email'>): string {
  const username = nonEmpty(u.username)
  if (username !== null) return username
  const full = [nonEmpty(u.firstname), nonEmpty(u.lastname)].filter((x) => x !== null).join(' ')
  if (full !== '') return full
  return nonEmpty(u.email) ?? `user ${u.id}`
}

export function userResource(u: OneLoginUser): ResourceRow {
  const traits: UserTraits = {
    email: nonEmpty(u.email),
    login: nonEmpty(u.username),
    display_name: userDisplayName(u),
    first_name: nonEmpty(u.firstname),
    last_name: nonEmpty(u.lastname),
    status: statusName(u.status),
    // Only status 1 can sign in (onelogin-api.md §3.1).
    enabled: u.status === 1,
    manager_id: u.manager_user_id === null || u.manager_user_id === undefined ? null : resourceId('user', u.manager_user_id),
    department: nonEmpty(u.department),
    title: nonEmpty(u.title),
    last_login: u.last_login ?? null,
    created_at: u.created_at ?? null,
    custom_attributes: u.custom_attributes ?? {},
  }
  return { id: resourceId('user', u.id), type: 'user', display_name: traits.display_name, traits: { ...traits }, source_updated_at: u.updated_at ?? null }
}

/** The group grant a user holds: a user is in at most one group (`group_id`). */
export function userGroupGrant(u: Pick<OneLoginUser, 'id' | 'group_id'>): { id: string; entitlement: string; principal: string } | undefined {
  if (u.group_id === null || u.group_id === undefined) return undefined
  return directGrant(entitlementId('group', u.group_id, 'member'), resourceId('user', u.id))
}

export function directGrant(entitlement: string, principal: string): { id: string; entitlement: string; principal: string } {
  return { id: grantId(entitlement, principal), entitlement, principal }
}

export function roleResource(r: Pick<OneLoginRole, 'id' | 'name'>): ResourceRow {
  return { id: resourceId('role', r.id), type: 'role', display_name: r.name, traits: {} }
}

export function roleEntitlements(r: Pick<OneLoginRole, 'id' | 'name'>): Entitlement[] {
  const resource = resourceId('role', r.id)
  return [
    { id: entitlementId('role', r.id, 'member'), resource, slug: 'member', display_name: `${r.name} member`, grantable_to: ['user'] },
    { id: entitlementId('role', r.id, 'admin'), resource, slug: 'admin', display_name: `${r.name} admin`, grantable_to: ['user'] },
  ]
}

/** A role's apps: holding the role's member entitlement gives access to each (OneLogin grants apps only through roles). */
export function roleAppImplications(roleId: number, appIds: readonly number[]): { from: string; to: string }[] {
  const from = entitlementId('role', roleId, 'member')
  return appIds.map((a) => ({ from, to: entitlementId('app', a, 'access') }))
}

export function appResource(summary: OneLoginAppSummary, full: Pick<OneLoginApp, 'provisioning'> | undefined, previous?: AppTraits): ResourceRow {
  const traits: AppTraits = {
    provisioning_enabled: full?.provisioning?.enabled ?? previous?.provisioning_enabled ?? false,
    connector_id: summary.connector_id ?? null,
    auth_method: summary.auth_method === null || summary.auth_method === undefined ? null : (AUTH_METHODS[summary.auth_method] ?? String(summary.auth_method)),
    visible: summary.visible ?? true,
  }
  return { id: resourceId('app', summary.id), type: 'app', display_name: summary.name, traits: { ...traits }, source_updated_at: summary.updated_at ?? null }
}

export function appEntitlements(a: Pick<OneLoginAppSummary, 'id' | 'name'>): Entitlement[] {
  return [{ id: entitlementId('app', a.id, 'access'), resource: resourceId('app', a.id), slug: 'access', display_name: `${a.name} access`, grantable_to: ['user'] }]
}

export function groupResource(g: OneLoginGroup): ResourceRow {
  return { id: resourceId('group', g.id), type: 'group', display_name: g.name, traits: {} }
}

export function groupEntitlements(g: OneLoginGroup): Entitlement[] {
  return [{ id: entitlementId('group', g.id, 'member'), resource: resourceId('group', g.id), slug: 'member', display_name: `${g.name} member`, grantable_to: ['user'] }]
}

export function privilegeResource(p: OneLoginPrivilege): ResourceRow {
  const statements = p.privilege?.Statement ?? []
  return {
    id: resourceId('privilege', p.id),
    type: 'privilege',
    display_name: p.name,
    traits: { description: p.description ?? null, actions: [...new Set(statements.flatMap((s) => s.Action))].sort(), scopes: [...new Set(statements.flatMap((s) => s.Scope))].sort() },
  }
}

export function privilegeEntitlements(p: OneLoginPrivilege): Entitlement[] {
  return [
    { id: entitlementId('privilege', p.id, 'assigned'), resource: resourceId('privilege', p.id), slug: 'assigned', display_name: `${p.name} assigned`, grantable_to: ['user', 'role'] },
  ]
}
