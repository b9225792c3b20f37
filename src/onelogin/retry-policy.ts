/**
 * The retry policy, as data. One place decides which failures are worth another try and how
 * long to wait; `request()` only follows it.
 *
 * OneLogin specifics it encodes (onelogin-api.md §8): 429 comes from the edge as HTML with no
 * Retry-After, so whatever its body a 429 is throttling; v1 responses carry X-RateLimit-Reset
 * in seconds (not an epoch); 5xx and dropped connections are transient.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number
  /** Give up rather than start a wait that would end past this much time since the first attempt. */
  readonly maxElapsedMs: number
  /** Backoff for attempt n (1-based retry number) is baseDelayMs * 2^(n-1), capped at maxDelayMs. */
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** 0 = none; 1 = "full jitter" (a uniform wait between 0 and the backoff). */
  readonly jitter: number
  /** HTTP statuses that are transient. */
  readonly retryStatuses: readonly number[]
  /** Per-attempt timeout; a timed-out attempt counts as a network failure. */
  readonly attemptTimeoutMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  maxElapsedMs: 5 * 60_000,
  baseDelayMs: 500,
  maxDelayMs: 60_000,
  jitter: 0.5,
  retryStatuses: Object.freeze([429, 500, 502, 503, 504]),
  attemptTimeoutMs: 60_000,
})

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY, ...overrides }
  if (!(p.maxAttempts >= 1) || !Number.isInteger(p.maxAttempts)) throw new RangeError('retry maxAttempts must be an integer >= 1')
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw new RangeError('retry jitter must be between 0 and 1')
  return Object.freeze(p)
}

/**
 * How long to wait before retry number `retry` (1-based). A server hint (Retry-After or
 * X-RateLimit-Reset, in ms) wins over the computed backoff when it is longer: waiting less than
 * the server asked only buys another 429.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, serverHintMs: number | undefined, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
  const backoff = exp * (1 - policy.jitter * random())
  return serverHintMs === undefined ? Math.round(backoff) : Math.max(Math.round(backoff), serverHintMs)
}

/** A Retry-After header (delta-seconds or an HTTP date), as ms from now. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ra = headers.get('retry-after')
  if (ra === null || ra.trim() === '') return undefined
  const secs = Number(ra)
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000
  const at = Date.parse(ra)
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined
}

/** X-RateLimit-Reset as ms from now. OneLogin sends seconds until the window resets, not an epoch (J1 captures). */
export function rateLimitResetMs(headers: Headers): number | undefined {
  const reset = headers.get('x-ratelimit-reset')
  if (reset === null || reset.trim() === '') return undefined
  const secs = Number(reset)
  return Number.isFinite(secs) && secs >= 0 ? secs * 1000 : undefined
}

/** X-RateLimit-Remaining, when the response carried it (v1 responses do, v2 ones do not). */
export function rateLimitRemaining(headers: Headers): number | undefined {
  return countHeader(headers, 'x-ratelimit-remaining')
}

/** X-RateLimit-Limit (OneLogin: 5000). */
export function rateLimitLimit(headers: Headers): number | undefined {
  return countHeader(headers, 'x-ratelimit-limit')
}

function countHeader(headers: Headers, name: string): number | undefined {
  const v = headers.get(name)
  if (v === null || v.trim() === '') return undefined
  const n = Number(v)
  return Number.isInteger(n) && n >= 0 ? n : undefined
}
