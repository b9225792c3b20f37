/**
 * Validation of `POST /api/2/users` and `PUT /api/2/users/:id` bodies (onelogin-api.md §3.1, §3.3).
 *
 * - An attribute the user model does not have is 400 `unknown attribute: <name>` (the docs' own
 *   example message, §9.2).
 * - Integer fields take numbers or numeric strings (Rails casts them); `manager_user_id` in
 *   particular arrives as either (§3.1, PY#100/PY#113). A value of the wrong type is 422
 *   `invalid value in "<field>"` (the wording OneLogin documents for a bad filter value).
 * - `role_ids` is accepted and ignored: the docs say roles change only through the role APIs, and
 *   TF#80 saw a user update not grant the role's apps (§3.3).
 * - Read-only attributes (`id`, timestamps, ...) are accepted and ignored.
 */
import { fail, v2Error } from './errors.js'
import type { UserRecord } from './state.js'
import type { UserStatus } from './seed.js'

const STRING_FIELDS = [
  'username', 'email', 'firstname', 'lastname', 'title', 'department', 'company', 'comment', 'phone',
  'external_id', 'samaccountname', 'userprincipalname', 'distinguished_name', 'member_of', 'preferred_locale_code',
] as const
const INT_FIELDS = ['group_id', 'manager_user_id', 'directory_id', 'trusted_idp_id'] as const
const PASSWORD_FIELDS = ['password', 'password_confirmation', 'password_algorithm', 'salt'] as const
const IGNORED_FIELDS = new Set([
  'id', 'role_ids', 'created_at', 'updated_at', 'activated_at', 'last_login', 'invitation_sent_at', 'locked_until',
  'password_changed_at', 'invalid_login_attempts',
])
const STATUSES: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5, 7, 8])
const PASSWORD_ALGORITHMS: ReadonlySet<string> = new Set(['salt+sha256', 'sha256+salt', 'bcrypt'])

type UserPatch = Partial<Omit<UserRecord, 'id' | 'custom_attributes' | 'has_password'>>

export interface UserWrite {
  patch: UserPatch
  /** Custom attribute values to set (merged into the existing ones on update). */
  customAttributes: Record<string, string | null> | null
  password: string | null
}

function invalid(field: string): never {
  fail(422, v2Error(422, `invalid value in "${field}"`))
}

function toInt(field: string, v: unknown): number | null {
  if (v === null) return null
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v)
  if (typeof v === 'string' && v.trim() === '') return null
  return invalid(field)
}

export function parseUserWrite(body: unknown): UserWrite {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    fail(400, v2Error(400, 'The request could not be understood by the server due to malformed syntax'))
  }
  const input = body as Record<string, unknown>
  const patch: UserPatch = {}
  let customAttributes: Record<string, string | null> | null = null
  let password: string | null = null
  const passwordParts: Record<string, string> = {}

  for (const [key, value] of Object.entries(input)) {
    if ((STRING_FIELDS as readonly string[]).includes(key)) {
      if (value !== null && typeof value !== 'string') invalid(key)
      ;(patch as Record<string, unknown>)[key] = value
    } else if ((INT_FIELDS as readonly string[]).includes(key)) {
      ;(patch as Record<string, unknown>)[key] = toInt(key, value)
    } else if (key === 'manager_ad_id') {
      if (value !== null && typeof value !== 'string' && typeof value !== 'number') invalid(key)
      patch.manager_ad_id = value as string | number | null
    } else if (key === 'status') {
      const n = toInt(key, value)
      if (n === null || !STATUSES.has(n)) invalid(key)
      patch.status = n as UserStatus
    } else if (key === 'state') {
      const n = toInt(key, value)
      if (n === null || n < 0 || n > 3) invalid(key)
      patch.state = n as 0 | 1 | 2 | 3
    } else if (key === 'custom_attributes') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(key)
      customAttributes = {}
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        if (name === '__proto__' || name === 'constructor' || name === 'prototype') continue
        if (v === null) customAttributes[name] = null
        else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') customAttributes[name] = String(v)
        else invalid(`custom_attributes.${name}`)
      }
    } else if ((PASSWORD_FIELDS as readonly string[]).includes(key)) {
      if (typeof value !== 'string') invalid(key)
      passwordParts[key] = value
    } else if (!IGNORED_FIELDS.has(key)) {
      fail(400, v2Error(400, `unknown attribute: ${key}`))
    }
  }

  if (passwordParts['password'] !== undefined) {
    const pw = passwordParts['password']
    const confirmation = passwordParts['password_confirmation']
    if (confirmation !== undefined && confirmation !== pw) {
      fail(422, v2Error(422, "Validation failed: Password confirmation doesn't match Password"))
    }
    const algorithm = passwordParts['password_algorithm']
    if (algorithm !== undefined && !PASSWORD_ALGORITHMS.has(algorithm)) invalid('password_algorithm')
    if (pw === '') invalid('password')
    password = pw
  }
  return { patch, customAttributes, password }
}

/** `?mappings=async|sync|disabled` (default async) and `?validate_policy=true|false` (§3.3). */
export function checkUserWriteQuery(query: Record<string, unknown>): void {
  const mappings = query['mappings']
  if (mappings !== undefined && mappings !== 'async' && mappings !== 'sync' && mappings !== 'disabled') invalid('mappings')
  const validate = query['validate_policy']
  if (validate !== undefined && validate !== 'true' && validate !== 'false') invalid('validate_policy')
}
