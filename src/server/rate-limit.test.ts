import { describe, expect, it } from 'vitest'
import { RateLimiter, enforce } from './rate-limit.js'

describe('RateLimiter', () => {
  it('allows max attempts per window, then refuses until the window ends', () => {
    let now = 1_000_000
    const limiter = new RateLimiter({ max: 3, windowMs: 60_000, now: () => now })
    expect([1, 2, 3].map(() => limiter.hit('k').allowed)).toEqual([true, true, true])
    expect(limiter.hit('k')).toEqual({ allowed: false, retryAfterSeconds: 60 })
    now += 45_000
    expect(limiter.hit('k')).toEqual({ allowed: false, retryAfterSeconds: 15 })
    expect(limiter.hit('other').allowed).toBe(true)
    now += 15_000
    expect(limiter.hit('k').allowed).toBe(true)
    limiter.reset('k')
    expect([1, 2, 3].map(() => limiter.hit('k').allowed)).toEqual([true, true, true])
  })

  it('keeps at most maxKeys keys, sweeping expired windows first, then the oldest', () => {
    let now = 0
    const limiter = new RateLimiter({ max: 1, windowMs: 10, maxKeys: 3, now: () => now })
    limiter.hit('a')
    limiter.hit('b')
    now = 5
    limiter.hit('c')
    limiter.hit('d') // full: a is the oldest and goes
    expect(limiter.size).toBe(3)
    expect(limiter.hit('a').allowed).toBe(true) // forgotten, so allowed again (b goes)
    now = 20 // every window has ended
    limiter.hit('e')
    expect(limiter.size).toBeLessThanOrEqual(3)
  })

  it('enforce throws RATE_LIMITED with retryAfterSeconds', () => {
    const limiter = new RateLimiter({ max: 1, windowMs: 120_000 })
    enforce(limiter, 'k', 'attempts')
    expect(() => enforce(limiter, 'k', 'attempts')).toThrowError(
      expect.objectContaining({ code: 'RATE_LIMITED', retryAfterSeconds: 120, message: 'too many attempts; try again in 2 minutes' }) as Error,
    )
  })
})
