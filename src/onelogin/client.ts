import { z } from 'zod'
import { resolveBaseUrl } from './base-url.js'
import { CallCounter } from './call-counter.js'
import { collect, paginate } from './paginate.js'
import type { Page } from './paginate.js'
import { RateBudget, sharedRateBudget } from './rate-budget.js'
import type { BudgetSnapshot, RateBudgetOptions } from './rate-budget.js'
import { OneLoginHttp } from './request.js'
import type { HttpResponse, QueryValue, RequestSpec, RetryEvent } from './request.js'
import { retryPolicy } from './retry-policy.js'
import type { RetryPolicy } from './retry-policy.js'
import {
  appSchema,
  appSummarySchema,
  appUserSchema,
  groupSchema,
  idListResponseSchema,
  idResponseSchema,
  parsePayload,
  privilegeSchema,
  rateLimitSchema,
  roleAppSchema,
  roleMemberSchema,
  roleSchema,
  userAppSchema,
  userSchema,
  v1EnvelopeSchema,
} from './schemas.js'
import type {
  OneLoginApp,
  OneLoginAppSummary,
  OneLoginAppUser,
  OneLoginGroup,
  OneLoginPrivilege,
  OneLoginRole,
  OneLoginRoleApp,
  OneLoginRoleMember,
  OneLoginUser,
  OneLoginUserApp,
} from './schemas.js'
import { TokenManager } from './token-manager.js'

export interface OneLoginClientOptions {
  /** `acme`, `acme.onelogin.com`, `https://acme.onelogin.com`, `api.us.onelogin.com` or `api.eu.onelogin.com`. */
  domain?: string
  /** Replaces the URL derived from `domain` (http allowed: the emulator). */
  baseUrl?: string
  clientId: string
  /** Write-only: kept in a private field, never logged, never in an error. */
  clientSecret: string
  retry?: Partial<RetryPolicy>
  /** A budget to share, or options for this account's shared one (default 5,000 calls/hour). */
  rateBudget?: RateBudget | RateBudgetOptions
  /** Called before each retry wait, for logs and progress displays. */
  onRetry?: (event: RetryEvent) => void
  /** For tests: replaces the waits between retries. */
  sleep?: (ms: number) => Promise<void>
  /** For tests: the clock token lifetimes are judged by. */
  now?: () => number
}

/** Page-size maxima per endpoint (onelogin-api.md §7.1). */
export const PAGE_LIMITS = Object.freeze({ users: 100, roles: 650, roleMembers: 650, roleApps: 650, apps: 1000, appUsers: 1000 })

/** List filters; arrays become OneLogin's comma-separated lists (`fields=a,b`, `user_ids=1,2`). */
export type ListQuery = Record<string, QueryValue | readonly (string | number)[]>

/**
 * The OneLogin REST client: typed calls over one `request()`, one paginator, one token cache,
 * one rate budget and one call counter. Knows OneLogin; knows nothing of Warden's model.
 */
export class OneLoginClient {
  readonly baseUrl: string
  readonly calls = new CallCounter()
  readonly #http: OneLoginHttp
  readonly #tokens: TokenManager
  readonly #budget: RateBudget

  constructor(options: OneLoginClientOptions) {
    this.baseUrl = resolveBaseUrl(options.domain, options.baseUrl)
    const host = new URL(this.baseUrl).host
    // One OneLogin account per tenant host; regional hosts serve many, so add the client id there.
    const accountKey = /^api\.(us|eu)\.onelogin\.com$/.test(host) ? `${host}#${options.clientId}` : host
    this.#budget = options.rateBudget instanceof RateBudget ? options.rateBudget : sharedRateBudget(accountKey, options.rateBudget)
    const secret = options.clientSecret
    this.#http = new OneLoginHttp({
      baseUrl: this.baseUrl,
      policy: retryPolicy(options.retry),
      budget: this.#budget,
      counter: this.calls,
      secrets: () => [secret, this.#tokens.currentToken ?? ''],
      ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
      userAgent: 'warden-onelogin/0.1',
    })
    this.#tokens = new TokenManager(this.#http, options.clientId, secret, options.now)
    this.#http.setTokenSource(this.#tokens)
  }

  /** Never shows the secret, whatever inspects the client. */
  toJSON(): { baseUrl: string } {
    return { baseUrl: this.baseUrl }
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `OneLoginClient { baseUrl: '${this.baseUrl}' }`
  }

  /** The OneLogin account id, known after the first token request. */
  get accountId(): number | undefined {
    return this.#tokens.accountId
  }

  rateBudget(): BudgetSnapshot {
    return this.#budget.snapshot()
  }

  /** Fetches a token now: the cheapest check that the credentials work. */
  async authenticate(): Promise<void> {
    await this.#tokens.token()
  }

  /** The raw request, for calls without a typed method. */
  request(spec: RequestSpec): Promise<HttpResponse> {
    return this.#http.request(spec)
  }

  async #json<T>(schema: z.ZodType<T>, spec: RequestSpec): Promise<T> {
    const res = await this.#http.request(spec)
    return parsePayload(schema, res.body, res.endpoint)
  }

  // ---- users (v2) ----

  /** `from`: a page's `next` cursor, to resume a walk. */
  users(query: ListQuery = {}, from?: string): AsyncGenerator<Page<OneLoginUser>> {
    return paginate(this.#http, { path: '/api/2/users', query: flattenQuery(query), style: { kind: 'v2', maxLimit: PAGE_LIMITS.users }, item: userSchema, ...startAt(from) })
  }

  /** How many users the tenant has, in one call: the Total-Count header of a one-item page. */
  async userCount(): Promise<number | undefined> {
    const res = await this.#http.request({ method: 'GET', path: '/api/2/users', query: { limit: 1, fields: 'id' } })
    const n = Number(res.headers.get('total-count') ?? '')
    return res.headers.get('total-count') !== null && Number.isInteger(n) && n >= 0 ? n : undefined
  }

  getUser(id: number): Promise<OneLoginUser> {
    return this.#json(userSchema, { method: 'GET', path: '/api/2/users/:id', params: { id } })
  }

  createUser(fields: Record<string, unknown>, options: { mappings?: 'async' | 'sync' | 'disabled' } = {}): Promise<OneLoginUser> {
    return this.#json(userSchema, { method: 'POST', path: '/api/2/users', query: { mappings: options.mappings }, body: fields })
  }

  updateUser(id: number, fields: Record<string, unknown>, options: { mappings?: 'async' | 'sync' | 'disabled' } = {}): Promise<OneLoginUser> {
    return this.#json(userSchema, { method: 'PUT', path: '/api/2/users/:id', params: { id }, query: { mappings: options.mappings }, body: fields })
  }

  async deleteUser(id: number): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: '/api/2/users/:id', params: { id } })
  }

  async userApps(id: number, options: { ignoreVisibility?: boolean } = {}): Promise<OneLoginUserApp[]> {
    return this.#json(z.array(userAppSchema), { method: 'GET', path: '/api/2/users/:id/apps', params: { id }, query: { ignore_visibility: options.ignoreVisibility } })
  }

  /** v1: the only per-user role list (v2 has none); `data` is a nested array `[[ids]]`. */
  async userRoleIds(id: number): Promise<number[]> {
    const body = await this.#json(v1EnvelopeSchema(z.array(z.number().int())), { method: 'GET', path: '/api/1/users/:id/roles', params: { id } })
    return body.data.flat()
  }

  /** v1 add_roles. Note: OneLogin answers 400 if any role is already held. */
  async addUserRoles(id: number, roleIds: readonly number[]): Promise<void> {
    await this.#http.request({ method: 'PUT', path: '/api/1/users/:id/add_roles', params: { id }, body: { role_id_array: roleIds } })
  }

  /** v1 remove_roles. It will not remove roles a mapping or provisioning added. */
  async removeUserRoles(id: number, roleIds: readonly number[]): Promise<void> {
    await this.#http.request({ method: 'PUT', path: '/api/1/users/:id/remove_roles', params: { id }, body: { role_id_array: roleIds } })
  }

  // ---- roles (v2) ----

  roles(query: { fields?: readonly ('apps' | 'users' | 'admins')[]; name?: string; app_id?: number } = {}, from?: string): AsyncGenerator<Page<OneLoginRole>> {
    return paginate(this.#http, { path: '/api/2/roles', query: flattenQuery(query), style: { kind: 'v2', maxLimit: PAGE_LIMITS.roles }, item: roleSchema, ...startAt(from) })
  }

  /** Only `{id, name}`: membership comes from the sub-resources. */
  getRole(id: number): Promise<OneLoginRole> {
    return this.#json(roleSchema, { method: 'GET', path: '/api/2/roles/:id', params: { id } })
  }

  async createRole(body: { name: string; apps?: number[]; users?: number[]; admins?: number[] }): Promise<number> {
    // Live API returns an object {id}, not the documented array (PYSDK CHANGELOG 3.2.6).
    return (await this.#json(idResponseSchema, { method: 'POST', path: '/api/2/roles', body })).id
  }

  async updateRole(id: number, body: { name: string }): Promise<void> {
    await this.#json(idResponseSchema, { method: 'PUT', path: '/api/2/roles/:id', params: { id }, body })
  }

  async deleteRole(id: number): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: '/api/2/roles/:id', params: { id } })
  }

  roleUsers(id: number): AsyncGenerator<Page<OneLoginRoleMember>> {
    return paginate(this.#http, { path: '/api/2/roles/:id/users', params: { id }, style: { kind: 'v2', maxLimit: PAGE_LIMITS.roleMembers }, item: roleMemberSchema })
  }

  roleAdmins(id: number): AsyncGenerator<Page<OneLoginRoleMember>> {
    return paginate(this.#http, { path: '/api/2/roles/:id/admins', params: { id }, style: { kind: 'v2', maxLimit: PAGE_LIMITS.roleMembers }, item: roleMemberSchema })
  }

  roleApps(id: number): AsyncGenerator<Page<OneLoginRoleApp>> {
    return paginate(this.#http, { path: '/api/2/roles/:id/apps', params: { id }, style: { kind: 'v2', maxLimit: PAGE_LIMITS.roleApps }, item: roleAppSchema })
  }

  /** The body is a raw JSON array; OneLogin refuses an object (onelogin-api.md §11.1). */
  async addRoleUsers(id: number, userIds: readonly number[]): Promise<void> {
    await this.#json(idListResponseSchema, { method: 'POST', path: '/api/2/roles/:id/users', params: { id }, body: userIds })
  }

  async removeRoleUsers(id: number, userIds: readonly number[]): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: '/api/2/roles/:id/users', params: { id }, body: userIds })
  }

  async addRoleAdmins(id: number, userIds: readonly number[]): Promise<void> {
    await this.#json(idListResponseSchema, { method: 'POST', path: '/api/2/roles/:id/admins', params: { id }, body: userIds })
  }

  async removeRoleAdmins(id: number, userIds: readonly number[]): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: '/api/2/roles/:id/admins', params: { id }, body: userIds })
  }

  /** Replaces the role's whole app set: send the complete list. */
  async setRoleApps(id: number, appIds: readonly number[]): Promise<void> {
    await this.#json(idListResponseSchema, { method: 'PUT', path: '/api/2/roles/:id/apps', params: { id }, body: appIds })
  }

  // ---- apps (v2) ----

  apps(query: { name?: string; connector_id?: number; auth_method?: number } = {}, from?: string): AsyncGenerator<Page<OneLoginAppSummary>> {
    return paginate(this.#http, { path: '/api/2/apps', query: flattenQuery(query), style: { kind: 'v2', maxLimit: PAGE_LIMITS.apps }, item: appSummarySchema, ...startAt(from) })
  }

  getApp(id: number): Promise<OneLoginApp> {
    return this.#json(appSchema, { method: 'GET', path: '/api/2/apps/:id', params: { id } })
  }

  appUsers(id: number): AsyncGenerator<Page<OneLoginAppUser>> {
    return paginate(this.#http, { path: '/api/2/apps/:id/users', params: { id }, style: { kind: 'v2', maxLimit: PAGE_LIMITS.appUsers }, item: appUserSchema })
  }

  // ---- groups (v1 only) ----

  groups(from?: string): AsyncGenerator<Page<OneLoginGroup>> {
    return paginate(this.#http, { path: '/api/1/groups', style: { kind: 'v1' }, item: groupSchema, ...startAt(from) })
  }

  async getGroup(id: number): Promise<OneLoginGroup> {
    const body = await this.#json(v1EnvelopeSchema(groupSchema), { method: 'GET', path: '/api/1/groups/:id', params: { id } })
    const group = body.data[0]
    if (group === undefined) throw new Error(`GET /api/1/groups/${id} returned no group`)
    return group
  }

  // ---- privileges (v1 paths, Delegated Administration) ----

  async privileges(): Promise<OneLoginPrivilege[]> {
    return this.#json(z.array(privilegeSchema), { method: 'GET', path: '/api/1/privileges' })
  }

  privilegeUserIds(id: string): Promise<number[]> {
    return collect(paginate(this.#http, { path: '/api/1/privileges/:id/users', params: { id }, style: { kind: 'privileges', key: 'users' }, item: z.number().int() }))
  }

  privilegeRoleIds(id: string): Promise<number[]> {
    return collect(paginate(this.#http, { path: '/api/1/privileges/:id/roles', params: { id }, style: { kind: 'privileges', key: 'roles' }, item: z.number().int() }))
  }

  async assignPrivilegeUsers(id: string, userIds: readonly number[]): Promise<void> {
    await this.#http.request({ method: 'POST', path: '/api/1/privileges/:id/users', params: { id }, body: { users: userIds } })
  }

  async removePrivilegeUser(id: string, userId: number): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: '/api/1/privileges/:id/users/:user_id', params: { id, user_id: userId } })
  }

  async assignPrivilegeRoles(id: string, roleIds: readonly number[]): Promise<void> {
    await this.#http.request({ method: 'POST', path: '/api/1/privileges/:id/roles', params: { id }, body: { roles: roleIds } })
  }

  async removePrivilegeRole(id: string, roleId: number): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: '/api/1/privileges/:id/roles/:role_id', params: { id, role_id: roleId } })
  }

  // ---- account ----

  /** `GET /auth/rate_limit`: OneLogin's own view of the account's hourly budget. */
  async rateLimit(): Promise<{ limit: number; remaining: number; resetSeconds: number }> {
    const body = await this.#json(rateLimitSchema, { method: 'GET', path: '/auth/rate_limit' })
    return { limit: body.data['X-RateLimit-Limit'], remaining: body.data['X-RateLimit-Remaining'], resetSeconds: body.data['X-RateLimit-Reset'] }
  }
}

function startAt(from: string | undefined): { startCursor?: string } {
  return from === undefined ? {} : { startCursor: from }
}

/** Arrays become OneLogin's comma-separated lists (`fields=a,b`, `user_ids=1,2`). */
function flattenQuery(query: ListQuery): Record<string, QueryValue> {
  const out: Record<string, QueryValue> = {}
  for (const [k, v] of Object.entries(query)) {
    out[k] = Array.isArray(v) ? v.join(',') : (v as QueryValue)
  }
  return out
}
