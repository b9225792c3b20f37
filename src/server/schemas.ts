import { z } from 'zod'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, TOKEN_MAX_DAYS, WARDEN_ROLES } from '../governance/index.js'

/**
 * The API's zod schemas. Request schemas are strict (an unknown field is a 400); response schemas
 * list exactly the fields a client gets, so nothing else (a hash, a secret) can slip out. Schemas
 * with a `meta({ id })` appear once under components.schemas in the OpenAPI document.
 */

const BASE32_ID = '[0-9a-hjkmnp-tv-z]{26}'

/** `{ id }` path parameters: a malformed id is a 400 that says what an id looks like. */
export function idParams(prefix: IdPrefix, what: string, article: 'a' | 'an' = 'a') {
  return z.strictObject({ id: wardenId(prefix, what, article) })
}

export type IdPrefix = 'usr' | 'tok' | 'idn' | 'job' | 'int' | 'app' | 'syn' | 'req' | 'tsk' | 'pol' | 'ord' | 'mtk' | 'sod' | 'whk' | 'drf' | 'cmp' | 'ctp'

/** One Warden id (for path parameters beyond `id`, and bodies): a malformed one is a 400 saying what it should look like. */
export function wardenId(prefix: IdPrefix, what: string, article: 'a' | 'an' = 'a') {
  return z
    .string()
    .regex(new RegExp(`^${prefix}_${BASE32_ID}$`), `not ${article} ${what} id: expected "${prefix}_" and 26 lower-case letters and digits`)
    .describe(`The ${what}'s id (${prefix}_...)`)
}

// OneLogin's numeric ids, and privileges' UUIDs, as they appear in Warden's model ids.
const ONELOGIN_ID = '[1-9][0-9]{0,15}'
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'

/** A model resource id (`user:7`); a malformed one is a 400 that says what one looks like. */
export const resourceId = z
  .string()
  .regex(new RegExp(`^((user|role|app|group):${ONELOGIN_ID}|privilege:${UUID})$`), 'not a resource id: expected user:<id>, role:<id>, app:<id>, group:<id> or privilege:<uuid>')
  .describe('A resource id, e.g. user:7 (colons need no escaping)')

/** A model entitlement id (`role:42:member`). */
export const entitlementId = z
  .string()
  .regex(
    new RegExp(`^(role:${ONELOGIN_ID}:(member|admin)|app:${ONELOGIN_ID}:access|group:${ONELOGIN_ID}:member|privilege:${UUID}:assigned)$`),
    'not an entitlement id: expected role:<id>:member, role:<id>:admin, app:<id>:access, group:<id>:member or privilege:<uuid>:assigned',
  )
  .describe('An entitlement id, e.g. role:42:member')

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).optional().describe('Items per page (default 50, at most 500)'),
  cursor: z.string().min(1).max(1000).optional().describe('next_cursor of the previous page'),
}

export const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true')

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  })
}

export const timestamp = z.string().describe('ISO-8601 UTC time')

export const RoleName = z.enum(WARDEN_ROLES).meta({ id: 'WardenRole', description: 'A Warden role' })

export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    display_name: z.string(),
    roles: z.array(z.string()),
    disabled: z.boolean(),
    has_password: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'User', description: "A Warden user (an account that signs in to Warden); never includes the password's hash" })

export const ApiToken = z
  .object({
    id: z.string(),
    user_id: z.string(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the token, to tell tokens apart'),
    created_at: timestamp,
    last_used_at: timestamp.nullable(),
    expires_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'ApiToken', description: 'A personal API token (never the token itself after creation)' })

export const Identity = z
  .object({
    id: z.string(),
    email: z.string(),
    display_name: z.string(),
    warden_user_id: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Identity', description: 'A person as governance sees them' })

export const AuditEntry = z
  .object({
    seq: z.number().int(),
    id: z.string(),
    at: timestamp,
    actor: z.string().describe('A user id, or "system"'),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    before: z.unknown().describe('The target before the change (JSON), or null'),
    after: z.unknown().describe('The target after the change (JSON), or null'),
    prev_hash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry', description: 'One entry of the hash-chained audit log' })

export const AuditVerification = z
  .object({
    ok: z.boolean(),
    entries: z.number().int().describe('Entries verified (before the break, when broken)'),
    head_seq: z.number().int().optional(),
    head_hash: z.string().optional(),
    broken_seq: z.number().int().optional().describe('The first entry that is edited, missing or out of place'),
    reason: z.enum(['missing', 'prev_hash_mismatch', 'hash_mismatch', 'bad_json', 'head_mismatch']).optional(),
    message: z.string().optional(),
  })
  .meta({ id: 'AuditVerification' })

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'dead'] as const

export const Job = z
  .object({
    id: z.string(),
    kind: z.string(),
    payload: z.unknown(),
    status: z.enum(JOB_STATUSES),
    run_at: timestamp,
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    last_error: z.string().nullable(),
    locked_by: z.string().nullable(),
    locked_until: timestamp.nullable(),
    singleton_key: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Job', description: 'A background job; status "dead" is the dead-letter list' })

export const RoleInfo = z
  .object({
    id: RoleName,
    label: z.string(),
    description: z.string(),
    permissions: z.array(z.string()),
  })
  .meta({ id: 'RoleInfo' })

export const email = z.email().max(320)
export const displayName = z.string().trim().min(1).max(200)
export const newPassword = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH)
export const tokenDays = z.number().int().min(1).max(TOKEN_MAX_DAYS)
