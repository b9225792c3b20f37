/**
 * A tenant's starting data as plain records, in OneLogin's own field names.
 *
 * This is the contract between the tenant generator (`generate.ts`, `demo-tenant.ts`) and the
 * emulator's state (`state.ts`): the generator produces a `TenantSeed`, the emulator loads it.
 * Membership is stored once, on the role (users/admins/apps) and on the user (group_id,
 * manager_user_id); the emulator derives `role_ids`, app users and the like from it.
 */

/** OneLogin user status codes (there is no 6). */
export type UserStatus = 0 | 1 | 2 | 3 | 4 | 5 | 7 | 8

export interface SeedUser {
  id: number
  /** OneLogin sends "" for an empty username in real data. */
  username: string | null
  email: string | null
  firstname: string | null
  lastname: string | null
  title: string | null
  department: string | null
  company: string | null
  comment: string | null
  phone: string | null
  status: UserStatus
  /** 0 Unapproved, 1 Approved, 2 Rejected, 3 Unlicensed */
  state: 0 | 1 | 2 | 3
  group_id: number | null
  manager_user_id: number | null
  directory_id: number | null
  external_id: string | null
  samaccountname: string | null
  custom_attributes: Record<string, string | null>
  created_at: string
  updated_at: string
  activated_at: string | null
  last_login: string | null
  password_changed_at: string | null
  locked_until: string | null
  invalid_login_attempts: number
  /** Not returned by the API; the emulator only records whether one was set. */
  has_password: boolean
}

export interface SeedRole {
  id: number
  name: string
  users: number[]
  admins: number[]
  apps: number[]
}

export interface SeedApp {
  id: number
  name: string
  connector_id: number
  /** 0 Password, 1 OpenId, 2 SAML, 3 API, 4 Google, 6 Forms Based App, 7 WSFED, 8 OpenId Connect */
  auth_method: 0 | 1 | 2 | 3 | 4 | 6 | 7 | 8
  description: string
  visible: boolean
  /** `provisioning.enabled` on the full app object. */
  provisioning_enabled: boolean
  created_at: string
  updated_at: string
}

export interface SeedGroup {
  id: number
  name: string
}

export interface SeedPrivilege {
  /** Privilege ids are UUID strings. */
  id: string
  name: string
  description: string
  statements: { Effect: 'Allow'; Action: string[]; Scope: string[] }[]
  users: number[]
  roles: number[]
}

/** The five API credential scopes OneLogin offers (one per credential). */
export type CredentialScope = 'authentication_only' | 'read_users' | 'manage_users' | 'read_all' | 'manage_all'

export interface SeedCredential {
  client_id: string
  client_secret: string
  scope: CredentialScope
}

export interface TenantSeed {
  subdomain: string
  account_id: number
  users: SeedUser[]
  roles: SeedRole[]
  apps: SeedApp[]
  groups: SeedGroup[]
  privileges: SeedPrivilege[]
  /** One credential per scope at least; the manage_all one is what `warden emulator` prints. */
  credentials: SeedCredential[]
}

export interface GenerateOptions {
  users: number
  roles: number
  apps: number
  groups: number
  /** Defaults to max(3, roles / 20). */
  privileges?: number
  seed: number
}
