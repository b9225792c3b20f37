import { WardenError } from '../errors/index.js'
import type { ErrorCode } from '../errors/index.js'
import type { CallCounter } from './call-counter.js'
import { errorMessageFromBody } from './error-body.js'
import type { RateBudget } from './rate-budget.js'
import { rateLimitLimit, rateLimitRemaining, rateLimitResetMs, retryAfterMs, retryDelayMs } from './retry-policy.js'
import type { RetryPolicy } from './retry-policy.js'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'
export type QueryValue = string | number | boolean | undefined | null

export interface RequestSpec {
  method: HttpMethod
  /** Route pattern, e.g. `/api/2/roles/:id/users`; `:name` segments come from `params`. */
  path: string
  params?: Record<string, string | number>
  query?: Record<string, QueryValue>
  /** Sent as JSON. */
  body?: unknown
  /** Sent as application/x-www-form-urlencoded instead of `body`. */
  form?: Record<string, string>
  /** `bearer` (default) adds the access token; `none` is for the token endpoint itself. */
  auth?: 'bearer' | 'none'
  /** Extra request headers (the token request's Basic credentials). */
  headers?: Record<string, string>
  /** An absolute URL to call instead of path+query (a server-issued next link); must be on the base URL. */
  url?: string
}

export interface HttpResponse {
  status: number
  headers: Headers
  /** Parsed JSON, or undefined for an empty body (204). */
  body: unknown
  /** `METHOD /route/pattern`, the label calls are counted under. */
  endpoint: string
}

/** Supplies bearer tokens; `invalidate` drops one that OneLogin refused. */
export interface TokenSource {
  token(): Promise<string>
  invalidate(token: string): void
}

export interface RetryEvent {
  endpoint: string
  /** The attempt that failed (1-based). */
  attempt: number
  status: number | undefined
  reason: string
  waitMs: number
}

export interface HttpOptions {
  baseUrl: string
  policy: RetryPolicy
  budget: RateBudget
  counter: CallCounter
  /** Values that must never appear in an error message (the client secret, tokens). */
  secrets: () => string[]
  onRetry?: (event: RetryEvent) => void
  sleep?: (ms: number) => Promise<void>
  userAgent?: string
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The one function that talks to OneLogin. It owns authentication (bearer token, one renewal on
 * a 401), the retry policy, the rate budget and call counting; every other part of the client
 * goes through it.
 */
export class OneLoginHttp {
  readonly #o: HttpOptions
  readonly #sleep: (ms: number) => Promise<void>
  #tokens: TokenSource | undefined

  constructor(options: HttpOptions) {
    this.#o = options
    this.#sleep = options.sleep ?? realSleep
  }

  get baseUrl(): string {
    return this.#o.baseUrl
  }

  setTokenSource(tokens: TokenSource): void {
    this.#tokens = tokens
  }

  async request(spec: RequestSpec): Promise<HttpResponse> {
    const endpoint = `${spec.method} ${spec.path}`
    const url = this.#url(spec, endpoint)
    const policy = this.#o.policy
    const started = Date.now()
    let reauthenticated = false
    let attempt = 0

    for (;;) {
      attempt++
      let token: string | undefined
      const headers: Record<string, string> = { accept: 'application/json', ...spec.headers }
      if (this.#o.userAgent !== undefined) headers['user-agent'] = this.#o.userAgent
      if ((spec.auth ?? 'bearer') === 'bearer') {
        if (this.#tokens === undefined) throw new Error('OneLoginHttp: no token source set')
        // Before the budget and the count: a call that never leaves (no token) costs nothing.
        token = await this.#tokens.token()
        headers['authorization'] = `Bearer ${token}`
      }
      await this.#o.budget.acquire(endpoint)
      this.#o.counter.add(endpoint)
      let payload: string | undefined
      if (spec.form !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded'
        payload = new URLSearchParams(spec.form).toString()
      } else if (spec.body !== undefined) {
        headers['content-type'] = 'application/json'
        payload = JSON.stringify(spec.body)
      }

      let res: Response
      let text: string
      try {
        res = await fetch(url, { method: spec.method, headers, body: payload, signal: AbortSignal.timeout(policy.attemptTimeoutMs) })
        text = await res.text()
      } catch (cause) {
        const reason = networkReason(cause)
        const wait = retryDelayMs(policy, attempt, undefined)
        if (attempt < policy.maxAttempts && Date.now() - started + wait <= policy.maxElapsedMs) {
          this.#o.onRetry?.({ endpoint, attempt, status: undefined, reason, waitMs: wait })
          await this.#sleep(wait)
          continue
        }
        throw new WardenError('ONELOGIN_NETWORK', `${endpoint} failed after ${attempt} attempt(s): ${reason}`, { endpoint, cause: this.#scrubCause(cause) })
      }

      const remaining = rateLimitRemaining(res.headers)
      const resetMs = rateLimitResetMs(res.headers)
      this.#o.budget.observe(remaining, resetMs, rateLimitLimit(res.headers))

      if (res.ok) return { status: res.status, headers: res.headers, body: parseJson(text, endpoint), endpoint }

      const upstreamMessage = this.#redact(errorMessageFromBody(text))
      // A v1 scope refusal is a 401 too ("Insufficient Permission"); a new token cannot help.
      const scopeRefusal = res.status === 401 && upstreamMessage === 'Insufficient Permission'
      if (res.status === 401 && token !== undefined && !scopeRefusal && !reauthenticated) {
        this.#tokens?.invalidate(token)
        reauthenticated = true
        attempt-- // a renewal is not a retry
        continue
      }
      // v1 401/403 with no calls left is throttling in disguise (onelogin-api.md §8).
      const throttled = res.status === 429 || ((res.status === 401 || res.status === 403) && remaining === 0)
      if (throttled || policy.retryStatuses.includes(res.status)) {
        const hint = retryAfterMs(res.headers) ?? (throttled ? resetMs : undefined)
        if (throttled) this.#o.budget.exhausted(hint)
        const wait = retryDelayMs(policy, attempt, hint)
        if (attempt < policy.maxAttempts && Date.now() - started + wait <= policy.maxElapsedMs) {
          this.#o.onRetry?.({ endpoint, attempt, status: res.status, reason: upstreamMessage ?? `HTTP ${res.status}`, waitMs: wait })
          await this.#sleep(wait)
          continue
        }
        throw this.#failure(throttled ? 'ONELOGIN_RATE_LIMITED' : 'ONELOGIN_UNAVAILABLE', endpoint, res.status, upstreamMessage, attempt, hint)
      }
      throw this.#failure(codeForStatus(res.status, scopeRefusal), endpoint, res.status, upstreamMessage, attempt, undefined)
    }
  }

  #url(spec: RequestSpec, endpoint: string): string {
    if (spec.url !== undefined) {
      // Follow a server-issued link only if it stays on the API host: the bearer token goes with it.
      const base = new URL(this.#o.baseUrl)
      const target = new URL(spec.url, base)
      if (target.origin !== base.origin) {
        throw new WardenError('ONELOGIN_BAD_RESPONSE', `${endpoint}: OneLogin returned a next link to another host (${target.host})`, { endpoint })
      }
      return target.toString()
    }
    const path = spec.path.replace(/:([a-z_]+)/gi, (_, name: string) => {
      const v = spec.params?.[name]
      if (v === undefined) throw new Error(`missing path parameter ${name} for ${spec.path}`)
      return encodeURIComponent(String(v))
    })
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined && v !== null) qs.set(k, String(v))
    }
    const q = qs.toString()
    return `${this.#o.baseUrl}${path}${q === '' ? '' : `?${q}`}`
  }

  #failure(code: ErrorCode, endpoint: string, status: number, upstreamMessage: string | undefined, attempts: number, hintMs: number | undefined): WardenError {
    const what = upstreamMessage === undefined ? `HTTP ${status}` : `${status} ${upstreamMessage}`
    const tries = attempts > 1 ? ` after ${attempts} attempts` : ''
    return new WardenError(code, `OneLogin refused ${endpoint}${tries}: ${what}`, {
      endpoint,
      upstreamStatus: status,
      ...(upstreamMessage === undefined ? {} : { upstreamMessage }),
      ...(hintMs === undefined ? {} : { retryAfterSeconds: Math.ceil(hintMs / 1000) }),
    })
  }

  #redact(text: string | undefined): string | undefined {
    if (text === undefined) return undefined
    let out = text
    for (const s of this.#o.secrets()) if (s.length >= 4) out = out.split(s).join('[redacted]')
    return out
  }

  /** Network errors can quote the request; keep only their class and message, scrubbed. */
  #scrubCause(cause: unknown): Error {
    const e = cause instanceof Error ? cause : new Error(String(cause))
    return new Error(this.#redact(`${e.name}: ${e.message}`))
  }
}

function codeForStatus(status: number, scopeRefusal: boolean): ErrorCode {
  if (scopeRefusal || status === 403) return 'ONELOGIN_FORBIDDEN'
  if (status === 401) return 'ONELOGIN_AUTH_FAILED'
  if (status === 404) return 'ONELOGIN_NOT_FOUND'
  if (status >= 500) return 'ONELOGIN_UNAVAILABLE'
  return 'ONELOGIN_REJECTED'
}

function parseJson(text: string, endpoint: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw new WardenError('ONELOGIN_BAD_RESPONSE', `${endpoint} returned a body that is not JSON`, { endpoint })
  }
}

function networkReason(cause: unknown): string {
  if (cause instanceof Error) {
    if (cause.name === 'TimeoutError') return 'timed out'
    const inner = (cause as Error & { cause?: unknown }).cause
    if (inner instanceof Error) {
      const code = (inner as Error & { code?: string }).code
      return code === undefined ? inner.message : `${code} (${inner.message})`
    }
    return cause.message
  }
  return String(cause)
}
