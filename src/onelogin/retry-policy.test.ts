import { describe, expect, it } from 'vitest'
import { DEFAULT_RETRY_POLICY, rateLimitRemaining, rateLimitResetMs, retryAfterMs, retryDelayMs, retryPolicy } from './retry-policy.js'

describe('retry policy', () => {
  const p = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, jitter: 0 })

  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(p, n, undefined))).toEqual([100, 200, 400, 800, 1000, 1000])
  })

  it('jitters downwards within the configured fraction', () => {
    const j = retryPolicy({ baseDelayMs: 1000, jitter: 0.5 })
    expect(retryDelayMs(j, 1, undefined, () => 0)).toBe(1000)
    expect(retryDelayMs(j, 1, undefined, () => 0.999999)).toBe(500)
  })

  it('never waits less than the server asked', () => {
    expect(retryDelayMs(p, 1, 5000)).toBe(5000)
    expect(retryDelayMs(p, 4, 10)).toBe(800)
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }))).toBe(7000)
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now)).toBe(30_000)
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined()
    expect(retryAfterMs(new Headers())).toBeUndefined()
  })

  it('reads X-RateLimit-Reset as seconds from now, not an epoch', () => {
    expect(rateLimitResetMs(new Headers({ 'x-ratelimit-reset': '1196' }))).toBe(1_196_000)
    expect(rateLimitRemaining(new Headers({ 'x-ratelimit-remaining': '4913' }))).toBe(4913)
    expect(rateLimitRemaining(new Headers({ 'x-ratelimit-remaining': 'x' }))).toBeUndefined()
  })

  it('retries 429 and 5xx by default, nothing else', () => {
    expect(DEFAULT_RETRY_POLICY.retryStatuses).toEqual([429, 500, 502, 503, 504])
  })

  it('rejects nonsense settings', () => {
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/)
    expect(() => retryPolicy({ jitter: 2 })).toThrow(/jitter/)
  })
})
