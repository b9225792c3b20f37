/**
 * Fault injection: rules that make matching requests fail the ways OneLogin (or the network in
 * front of it) can fail, so clients can be tested against them. Rules live until their count is
 * spent; `latency` and `stale_after_cursor` default to unlimited because they are modes rather
 * than one-off events, every other kind defaults to one hit.
 *
 * - `rate_limit`         429 with HAProxy's HTML page (onelogin-api.md §8). No `Retry-After`
 *                        unless the rule sets `retry_after` (OneLogin's edge sends none).
 * - `server_error`       500 (JSON in the path's error family) or 502/503/504 (HAProxy HTML pages).
 * - `drop_connection`    the socket is destroyed without a response.
 * - `latency`            `ms` added before the request is handled.
 * - `revoke_tokens`      applied at once when posted: every issued token becomes invalid.
 * - `stale_after_cursor` v2 lists keep sending `After-Cursor` on the last page (a cursor to an
 *                        empty page), the unreliability the Go SDK documents (§7.1).
 */
import { z } from 'zod'
import { WardenError } from '../errors/index.js'

export const FAULT_KINDS = ['rate_limit', 'server_error', 'drop_connection', 'latency', 'revoke_tokens', 'stale_after_cursor'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export const faultRuleSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    /** How many matching requests it hits. */
    count: z.number().int().positive().optional(),
    /** server_error only. */
    status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional(),
    /** latency only. */
    ms: z.number().int().nonnegative().max(600_000).optional(),
    /** Prefix match on the URL path, e.g. `/api/2/users`. */
    path: z.string().startsWith('/').optional(),
    method: z.string().min(1).optional(),
    /** rate_limit only: send `Retry-After: <n>` (OneLogin's edge sends none). */
    retry_after: z.number().int().nonnegative().optional(),
    /** rate_limit only: send `X-RateLimit-Reset: <n>`. */
    ratelimit_reset: z.number().int().nonnegative().optional(),
  })
  .strict()

export type FaultRule = z.infer<typeof faultRuleSchema>

export interface ActiveFault extends FaultRule {
  id: number
  /** Hits left; null = unlimited. */
  remaining: number | null
  hits: number
}

const UNLIMITED_BY_DEFAULT: ReadonlySet<FaultKind> = new Set(['latency', 'stale_after_cursor'])

export class FaultBook {
  #rules: ActiveFault[] = []
  #nextId = 1

  /** Adds rules (already validated); `revoke_tokens` rules are not stored, the caller applies them. */
  add(rules: readonly FaultRule[]): void {
    for (const rule of rules) {
      if (rule.kind === 'revoke_tokens') continue
      const remaining = rule.count ?? (UNLIMITED_BY_DEFAULT.has(rule.kind) ? null : 1)
      this.#rules.push({ ...rule, id: this.#nextId++, remaining, hits: 0 })
    }
  }

  list(): ActiveFault[] {
    return this.#rules.map((r) => ({ ...r }))
  }

  clear(): void {
    this.#rules = []
  }

  /** Total latency of matching `latency` rules (each consumes one hit). */
  takeLatency(method: string, path: string): number {
    let ms = 0
    for (const rule of this.#matching(method, path, 'latency')) {
      this.#consume(rule)
      ms += rule.ms ?? 0
    }
    return ms
  }

  /** The first matching rule that answers the request itself, consumed once. */
  takeTerminal(method: string, path: string): ActiveFault | null {
    for (const rule of this.#rules) {
      if (rule.kind !== 'rate_limit' && rule.kind !== 'server_error' && rule.kind !== 'drop_connection') continue
      if (!this.#matches(rule, method, path)) continue
      this.#consume(rule)
      return { ...rule }
    }
    return null
  }

  /** Whether a last-page v2 list response should still carry an After-Cursor. */
  takeStaleCursor(method: string, path: string): boolean {
    const rule = this.#matching(method, path, 'stale_after_cursor')[0]
    if (!rule) return false
    this.#consume(rule)
    return true
  }

  #matching(method: string, path: string, kind: FaultKind): ActiveFault[] {
    return this.#rules.filter((r) => r.kind === kind && this.#matches(r, method, path))
  }

  #matches(rule: ActiveFault, method: string, path: string): boolean {
    if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false
    if (rule.path !== undefined && !path.startsWith(rule.path)) return false
    return rule.remaining === null || rule.remaining > 0
  }

  #consume(rule: ActiveFault): void {
    rule.hits++
    if (rule.remaining !== null) {
      rule.remaining--
      if (rule.remaining <= 0) this.#rules = this.#rules.filter((r) => r !== rule)
    }
  }
}

/**
 * Parses a CLI flag value into a rule: `kind[=value][:count[:path[:method]]]`, where `value` is the
 * status for `server_error`, the milliseconds for `latency` and the Retry-After seconds for
 * `rate_limit`. An empty count keeps the default. Bad input throws a `WardenError` BAD_INPUT
 * (exit code 2 in the CLI).
 *
 * @example parseFaultFlag('rate_limit:3:/api/2/users') // { kind: 'rate_limit', count: 3, path: '/api/2/users' }
 * @example parseFaultFlag('server_error=503:2')          // { kind: 'server_error', status: 503, count: 2 }
 * @example parseFaultFlag('latency=250::/api/2')         // { kind: 'latency', ms: 250, path: '/api/2' }
 */
export function parseFaultFlag(flag: string): FaultRule {
  const [head = '', count, path, method] = flag.split(':')
  const [kind, value] = head.split('=')
  const raw: Record<string, unknown> = { kind }
  if (value !== undefined && value !== '') {
    const n = Number(value)
    if (kind === 'server_error') raw['status'] = n
    else if (kind === 'latency') raw['ms'] = n
    else if (kind === 'rate_limit') raw['retry_after'] = n
    else throw new WardenError('BAD_INPUT', `fault "${flag}": ${kind ?? ''} takes no =value`)
  }
  if (count !== undefined && count !== '') raw['count'] = Number(count)
  if (path !== undefined && path !== '') raw['path'] = path
  if (method !== undefined && method !== '') raw['method'] = method
  const parsed = faultRuleSchema.safeParse(raw)
  if (!parsed.success) {
    throw new WardenError('BAD_INPUT', `fault "${flag}": ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'} ${i.message}`).join('; ')}`)
  }
  return parsed.data
}
