import { z } from 'zod'
import { WardenError } from '../errors/index.js'

/**
 * OneLogin payloads in the API's own snake_case (onelogin-api.md §3-§6, §10). Unknown fields
 * are tolerated (dropped); every field a `fields=` subset can leave out is optional.
 */

const id = z.number().int()
const str = z.string().nullable().optional()
const timestamp = z.string().nullable().optional()
/** SPEC says string; live responses send an integer, sometimes a numeric string (PY#100, PY#113). */
const looseId = z
  .union([id, z.string().regex(/^\d*$/, 'expected a numeric id')])
  .nullable()
  .optional()
  .transform((v) => (v === '' || v === undefined ? null : typeof v === 'string' ? Number(v) : v))

export const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
  created_at: z.union([z.string(), z.number()]).optional(),
  account_id: id.nullable().optional(),
})
export type OneLoginToken = z.infer<typeof tokenSchema>

export const userSchema = z.object({
  id,
  username: str,
  email: str,
  firstname: str,
  lastname: str,
  title: str,
  department: str,
  company: str,
  comment: str,
  phone: str,
  /** 0 Unactivated, 1 Active, 2 Suspended, 3 Locked, 4 Password expired, 5 Awaiting reset, 7 Password pending, 8 Security questions required. */
  status: id.nullable().optional(),
  state: id.nullable().optional(),
  group_id: id.nullable().optional(),
  role_ids: z.array(id).nullable().optional(),
  manager_user_id: looseId,
  manager_ad_id: z.union([z.string(), z.number()]).nullable().optional(),
  directory_id: id.nullable().optional(),
  trusted_idp_id: id.nullable().optional(),
  external_id: z.union([z.string(), z.number()]).nullable().optional(),
  samaccountname: str,
  userprincipalname: str,
  distinguished_name: str,
  member_of: z.union([z.string(), z.array(z.string())]).nullable().optional(),
  custom_attributes: z.record(z.string(), z.string().nullable()).nullable().optional(),
  invalid_login_attempts: id.nullable().optional(),
  preferred_locale_code: str,
  created_at: timestamp,
  updated_at: timestamp,
  activated_at: timestamp,
  last_login: timestamp,
  invitation_sent_at: timestamp,
  locked_until: timestamp,
  password_changed_at: timestamp,
})
export type OneLoginUser = z.infer<typeof userSchema>

/** `GET /api/2/users/:id/apps` item. */
export const userAppSchema = z.object({
  id,
  name: z.string(),
  icon_url: str,
  login_id: z.union([id, z.string()]).nullable().optional(),
  provisioning_enabled: z.boolean().nullable().optional(),
  provisioning_status: str,
  provisioning_state: str,
  extension: z.boolean().nullable().optional(),
})
export type OneLoginUserApp = z.infer<typeof userAppSchema>

/** `GET /api/2/roles` item; `GET /api/2/roles/:id` returns only id and name. */
export const roleSchema = z.object({
  id,
  name: z.string(),
  apps: z.array(id).nullable().optional(),
  users: z.array(id).nullable().optional(),
  admins: z.array(id).nullable().optional(),
})
export type OneLoginRole = z.infer<typeof roleSchema>

/** `GET /api/2/roles/:id/users|admins` item (live shape, onelogin-api.md §4.4). */
export const roleMemberSchema = z.object({
  id,
  name: str,
  username: str,
  email: str,
  assigned: z.boolean().nullable().optional(),
  added_at: timestamp,
  added_by: z.object({ id: id.nullable().optional(), name: str }).nullable().optional(),
})
export type OneLoginRoleMember = z.infer<typeof roleMemberSchema>

export const roleAppSchema = z.object({ id, name: z.string(), icon_url: str })
export type OneLoginRoleApp = z.infer<typeof roleAppSchema>

/** `GET /api/2/apps` item: a summary, without role_ids or provisioning. */
export const appSummarySchema = z.object({
  id,
  name: z.string(),
  connector_id: id.nullable().optional(),
  auth_method: id.nullable().optional(),
  auth_method_description: str,
  description: str,
  visible: z.boolean().nullable().optional(),
  created_at: timestamp,
  updated_at: timestamp,
})
export type OneLoginAppSummary = z.infer<typeof appSummarySchema>

/** `GET /api/2/apps/:id`: the full object. `provisioning.enabled` marks provisioned (e.g. SCIM) apps. */
export const appSchema = appSummarySchema.extend({
  role_ids: z.array(id).nullable().optional(),
  provisioning: z.object({ enabled: z.boolean(), status: str }).nullable().optional(),
  icon_url: str,
  policy_id: id.nullable().optional(),
  tab_id: id.nullable().optional(),
  brand_id: id.nullable().optional(),
})
export type OneLoginApp = z.infer<typeof appSchema>

/** `GET /api/2/apps/:id/users` item (slim). */
export const appUserSchema = z.object({ id, firstname: str, lastname: str, email: str, username: str })
export type OneLoginAppUser = z.infer<typeof appUserSchema>

export const groupSchema = z.object({ id, name: z.string(), reference: z.unknown().optional() })
export type OneLoginGroup = z.infer<typeof groupSchema>

export const privilegeSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  description: str,
  privilege: z
    .object({
      Version: z.string().optional(),
      Statement: z.array(z.object({ Effect: z.string(), Action: z.array(z.string()), Scope: z.array(z.string()) })),
    })
    .optional(),
})
export type OneLoginPrivilege = z.infer<typeof privilegeSchema>

/** v1 list envelope with body pagination (onelogin-api.md §7.2). */
export const v1PaginationSchema = z.object({
  before_cursor: z.string().nullable().optional(),
  after_cursor: z.string().nullable().optional(),
  previous_link: z.string().nullable().optional(),
  next_link: z.string().nullable().optional(),
})
export function v1EnvelopeSchema<T extends z.ZodType>(item: T) {
  return z.object({
    status: z.object({ error: z.boolean(), code: z.number(), type: z.string().optional(), message: z.unknown().optional() }).optional(),
    pagination: v1PaginationSchema.nullable().optional(),
    data: z.array(item),
  })
}

/** The privileges API pages with camelCase keys and numeric cursors (SPEC getAssignedUser_200_response). */
export function privilegePageSchema<K extends 'users' | 'roles'>(key: K) {
  return z.object({
    total: z.number().int().optional(),
    [key]: z.array(id),
    beforeCursor: z.union([z.number(), z.string()]).nullable().optional(),
    afterCursor: z.union([z.number(), z.string()]).nullable().optional(),
    previousLink: z.string().nullable().optional(),
    nextLink: z.string().nullable().optional(),
  }) as unknown as z.ZodType<PrivilegePage<K>>
}
export type PrivilegePage<K extends string> = {
  total?: number
  beforeCursor?: number | string | null
  afterCursor?: number | string | null
  previousLink?: string | null
  nextLink?: string | null
} & Record<K, number[]>

export const rateLimitSchema = z.object({
  status: z.unknown().optional(),
  data: z.object({ 'X-RateLimit-Limit': z.number(), 'X-RateLimit-Remaining': z.number(), 'X-RateLimit-Reset': z.number() }),
})

export const idResponseSchema = z.object({ id })
export const idListResponseSchema = z.array(z.object({ id }))

/**
 * Validates a payload, or throws ONELOGIN_BAD_RESPONSE naming the endpoint and the first bad
 * field, e.g. `GET /api/2/users returned an unexpected payload at [3].status: expected number, received string`.
 */
export function parsePayload<T>(schema: z.ZodType<T>, body: unknown, endpoint: string): T {
  const r = schema.safeParse(body)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const where = issue === undefined ? '' : ` at ${formatPath(issue.path)}`
  const why = issue?.message ?? 'invalid'
  throw new WardenError('ONELOGIN_BAD_RESPONSE', `${endpoint} returned an unexpected payload${where}: ${why}`, { endpoint })
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)'
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')
}
