/**
 * Which credential scopes may call which endpoint: onelogin-api.md §2.8, the endpoint doc pages'
 * wording (SPEC only where the docs are silent). One constant per row of that table, so the
 * routes read `scopes: SCOPES.rolesRead` and the table stays reviewable in one place.
 *
 * Notable quirks kept on purpose:
 * - Role reads list Manage All, Read All and Read Users, but **not Manage users** (doc pages).
 * - `GET /api/1/users/:id/roles` is Read All / Manage All only (no Read Users).
 * - `add_roles`: doc versions disagree (Manage All vs Manage Users; SPEC Manage users). The scope
 *   description says Manage users may do everything "except ... assigning/removing roles", so the
 *   emulator takes the stricter Manage All.
 * - `logout`: the doc page says Manage users / Manage All; SPEC adds Authentication Only. Doc wins.
 * - Authentication Only can call none of the emulated endpoints.
 */
import type { CredentialScope } from './seed.js'

type Scopes = readonly CredentialScope[]

const RU: CredentialScope = 'read_users'
const MU: CredentialScope = 'manage_users'
const RA: CredentialScope = 'read_all'
const MA: CredentialScope = 'manage_all'

export const SCOPES = {
  usersRead: [RU, MU, RA, MA],
  usersWrite: [MU, MA],
  rolesRead: [MA, RA, RU],
  rolesWrite: [MA],
  appsRead: [MA, RA],
  connectors: [MA],
  groupsRead: [RU, MU, RA, MA],
  v1UserRoles: [RA, MA],
  v1AddRoles: [MA],
  v1RemoveRoles: [MA],
  v1SetState: [MA],
  v1LockUser: [MA],
  v1Logout: [MU, MA],
  privileges: [MA],
  rateLimit: [RU, MU, RA, MA],
} as const satisfies Record<string, Scopes>
