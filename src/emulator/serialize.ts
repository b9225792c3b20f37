/**
 * State records → the JSON objects OneLogin returns, with OneLogin's exact field names
 * (onelogin-api.md §10 lists the canonical objects). One function per documented shape.
 */
import { createHash } from 'node:crypto'
import type { AppRecord, EmulatorState, GroupRecord, Membership, PrivilegeRecord, RoleRecord, UserRecord } from './state.js'

// ------------------------------------------------------------------------------------- users

/**
 * The v2 user object (§3.1), the default field set of `GET /api/2/users` and `/users/:id`,
 * including `role_ids` (v2 name) and `custom_attributes` (absent from SPEC, present live).
 */
export function v2User(u: UserRecord, roleIds: readonly number[]): Record<string, unknown> {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    firstname: u.firstname,
    lastname: u.lastname,
    title: u.title,
    department: u.department,
    company: u.company,
    comment: u.comment,
    phone: u.phone,
    status: u.status,
    state: u.state,
    group_id: u.group_id,
    role_ids: [...roleIds],
    manager_user_id: u.manager_user_id,
    manager_ad_id: u.manager_ad_id,
    directory_id: u.directory_id,
    trusted_idp_id: u.trusted_idp_id,
    external_id: u.external_id,
    samaccountname: u.samaccountname,
    userprincipalname: u.userprincipalname,
    distinguished_name: u.distinguished_name,
    member_of: u.member_of,
    preferred_locale_code: u.preferred_locale_code,
    custom_attributes: { ...u.custom_attributes },
    invalid_login_attempts: u.invalid_login_attempts,
    activated_at: u.activated_at,
    created_at: u.created_at,
    updated_at: u.updated_at,
    invitation_sent_at: u.invitation_sent_at,
    last_login: u.last_login,
    locked_until: u.locked_until,
    password_changed_at: u.password_changed_at,
  }
}

/** Every field name of the v2 user object (valid `fields=` entries). */
export const V2_USER_FIELDS: ReadonlySet<string> = new Set([
  'id', 'username', 'email', 'firstname', 'lastname', 'title', 'department', 'company', 'comment', 'phone',
  'status', 'state', 'group_id', 'role_ids', 'manager_user_id', 'manager_ad_id', 'directory_id', 'trusted_idp_id',
  'external_id', 'samaccountname', 'userprincipalname', 'distinguished_name', 'member_of', 'preferred_locale_code',
  'custom_attributes', 'invalid_login_attempts', 'activated_at', 'created_at', 'updated_at', 'invitation_sent_at',
  'last_login', 'locked_until', 'password_changed_at',
])

/** v1 adds `role_id` (instead of `role_ids`), `openid_name` and `locale_code`. */
export const V1_USER_FIELDS: ReadonlySet<string> = new Set([
  ...[...V2_USER_FIELDS].filter((f) => f !== 'role_ids'),
  'role_id', 'openid_name', 'locale_code',
])

/**
 * The v1 user object (§3.8): `role_id` instead of `role_ids`, plus `openid_name` and
 * `locale_code`.
 */
export function v1User(u: UserRecord, roleIds: readonly number[]): Record<string, unknown> {
  const { role_ids: _roleIds, ...rest } = v2User(u, roleIds)
  return { ...rest, role_id: [...roleIds], openid_name: u.username ?? '', locale_code: null }
}

/**
 * `fields=a,b,c`: the subset asked for, `id` always included (§3.2). Unknown names are ignored.
 * Returns null when no valid field list was given (use the default set).
 */
export function parseFields(raw: string | undefined, valid: ReadonlySet<string>): string[] | null {
  if (raw === undefined || raw.trim() === '') return null
  const fields = ['id']
  for (const f of raw.split(',')) {
    const name = f.trim()
    if (valid.has(name) && !fields.includes(name)) fields.push(name)
  }
  return fields
}

export function project(obj: Record<string, unknown>, fields: readonly string[] | null): Record<string, unknown> {
  if (fields === null) return obj
  const out: Record<string, unknown> = {}
  for (const f of fields) if (f in obj) out[f] = obj[f]
  return out
}

/** Item of `GET /api/2/roles/:id/users|admins` (§4.4, live-tenant shape). */
export function roleMember(u: UserRecord, m: Membership | undefined): Record<string, unknown> {
  return {
    id: u.id,
    name: [u.firstname, u.lastname].filter((s) => s !== null && s !== '').join(' '),
    username: u.username,
    email: u.email,
    assigned: m !== undefined,
    added_by: m ? { ...m.added_by } : { id: null, name: null },
    added_at: m ? m.added_at : null,
  }
}

/** Item of `GET /api/2/apps/:id/users` (§5.3, slim). */
export function appUser(u: UserRecord): Record<string, unknown> {
  return { firstname: u.firstname, id: u.id, email: u.email, lastname: u.lastname, username: u.username }
}

// ------------------------------------------------------------------------------------- roles

/** `GET /api/2/roles` item: `id`, `name`, and `apps`, `users`, `admins` unless `fields` narrows it (§4.1). */
export function roleListItem(r: RoleRecord, fields: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = { id: r.id, name: r.name }
  if (fields.has('apps')) out['apps'] = [...r.apps.sortedIds()]
  if (fields.has('users')) out['users'] = [...r.users.sortedIds()]
  if (fields.has('admins')) out['admins'] = [...r.admins.sortedIds()]
  return out
}

// -------------------------------------------------------------------------------------- apps

const AUTH_METHOD_DESCRIPTIONS: Record<number, string> = {
  0: 'Password',
  1: 'OpenId',
  2: 'SAML2.0',
  3: 'API',
  4: 'Google',
  6: 'Forms Based App',
  7: 'WSFED',
  8: 'OpenID Connect',
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '') || 'app'
}

function stableHex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length)
}

function stableUuid(seed: string): string {
  const h = stableHex(seed, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

export function appIconUrl(a: AppRecord): string {
  return `https://cdn.onelogin.com/images/icons/square/${slug(a.name)}/original.png`
}

/** `GET /api/2/apps` item: a summary without role_ids, provisioning or parameters (§5.1). */
export function appSummary(a: AppRecord): Record<string, unknown> {
  return {
    id: a.id,
    connector_id: a.connector_id,
    auth_method: a.auth_method,
    auth_method_description: AUTH_METHOD_DESCRIPTIONS[a.auth_method] ?? '',
    name: a.name,
    description: a.description,
    visible: a.visible,
    created_at: a.created_at,
    updated_at: a.updated_at,
  }
}

/**
 * `GET /api/2/apps/:id`, the full object (§5.2). `provisioning.status` says whether the connector
 * supports provisioning at all: "Available" whenever provisioning is enabled; for the others it is
 * derived from the connector id so a tenant shows both values.
 */
export function appFull(a: AppRecord, state: EmulatorState): Record<string, unknown> {
  const certId = 300000 + (a.id % 100000)
  const uuid = stableUuid(`app:${a.id}`)
  const base = `https://${state.subdomain}.onelogin.com`
  const saml = a.auth_method === 2 || a.auth_method === 7
  const oidc = a.auth_method === 8 || a.auth_method === 1
  const sso: Record<string, unknown> = saml
    ? {
        metadata_url: `https://app.onelogin.com/saml/metadata/${uuid}`,
        issuer: `https://app.onelogin.com/saml/metadata/${uuid}`,
        acs_url: `${base}/trust/saml2/http-post/sso/${uuid}`,
        sls_url: `${base}/trust/saml2/http-redirect/slo/${a.id}`,
        certificate: { id: certId, name: 'Standard Strength Certificate (2048-bit)', value: '-----BEGIN CERTIFICATE-----\nMIIEMULATED\n-----END CERTIFICATE-----' },
      }
    : oidc
      ? { client_id: uuid, client_secret: stableHex(`secret:${a.id}`, 64) }
      : {}
  const configuration: Record<string, unknown> = saml
    ? { certificate_id: certId, external_id: null, idp_list: null, external_role: null, signature_algorithm: 'SHA-256' }
    : oidc
      ? { redirect_uri: `https://${slug(a.name)}.example.com/callback`, refresh_token_expiration_minutes: 1, login_url: null, oidc_application_type: 0, token_endpoint_auth_method: 1, access_token_expiration_minutes: 1 }
      : {}
  return {
    id: a.id,
    name: a.name,
    connector_id: a.connector_id,
    auth_method: a.auth_method,
    auth_method_description: AUTH_METHOD_DESCRIPTIONS[a.auth_method] ?? '',
    description: a.description,
    notes: null,
    visible: a.visible,
    icon_url: appIconUrl(a),
    allow_assumed_signin: false,
    login_config: 0,
    policy_id: null,
    brand_id: null,
    tab_id: null,
    role_ids: [...state.appRoleIds(a.id)],
    provisioning: { enabled: a.provisioning_enabled, status: a.provisioning_enabled || a.connector_id % 3 === 0 ? 'Available' : 'Not Available' },
    parameters: saml
      ? {
          saml_username: {
            id: 100000 + a.id,
            label: 'Username',
            user_attribute_mappings: 'email',
            user_attribute_macros: null,
            attributes_transformations: 'none',
            provisioned_entitlements: false,
            skip_if_blank: false,
            values: null,
            default_values: null,
          },
        }
      : {},
    sso,
    configuration,
    enforcement_point: null,
    created_at: a.created_at,
    updated_at: a.updated_at,
  }
}

/** Item of `GET /api/2/users/:id/apps` (§3.5, real capture). */
export function userApp(a: AppRecord, userId: number): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    icon_url: appIconUrl(a),
    extension: false,
    login_id: userId * 10 + (a.id % 10),
    provisioning_enabled: a.provisioning_enabled,
    provisioning_status: a.provisioning_enabled ? 'enabled' : 'disabled',
    provisioning_state: a.provisioning_enabled ? 'provisioned' : 'unknown',
  }
}

/** Item of `GET /api/2/roles/:id/apps` (§4.5). */
export function roleApp(a: AppRecord): Record<string, unknown> {
  return { id: a.id, name: a.name, icon_url: appIconUrl(a) }
}

/** Item of legacy `GET /api/1/apps` (§5.5): `provisioning` is a plain boolean there. */
export function v1App(a: AppRecord): Record<string, unknown> {
  return {
    id: a.id,
    connector_id: a.connector_id,
    name: a.name,
    extension: false,
    icon: appIconUrl(a),
    visible: a.visible,
    provisioning: a.provisioning_enabled,
  }
}

/** Item of `GET /api/1/users/:id/apps` (§3.5, v1 shape). */
export function v1UserApp(a: AppRecord, userId: number): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    icon: appIconUrl(a),
    provisioned: a.provisioning_enabled ? 'unknown' : null,
    extension: false,
    login_id: userId * 10 + (a.id % 10),
    personal: false,
  }
}

// ---------------------------------------------------------------------------- groups, privileges

/** Group (§6.1): `reference` is deprecated and always null. */
export function group(g: GroupRecord): Record<string, unknown> {
  return { id: g.id, name: g.name, reference: null }
}

/** Privilege (§6.2). */
export function privilege(p: PrivilegeRecord): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    privilege: {
      Version: '2018-05-18',
      Statement: p.statements.map((s) => ({ Effect: s.Effect, Action: [...s.Action], Scope: [...s.Scope] })),
    },
  }
}
