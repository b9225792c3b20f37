import { describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { RateBudget } from './rate-budget.js'

/** A fake clock: sleeping advances time, so the pacing is observable without waiting. */
function clock() {
  let t = 1_000_000
  const sleeps: number[] = []
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms)
      t += ms
    },
    sleeps,
    advance: (ms: number) => {
      t += ms
    },
  }
}

describe('RateBudget', () => {
  it('lets calls through until the limit, then waits for the window to slide', async () => {
    const c = clock()
    const b = new RateBudget({ limit: 3, windowMs: 1000, paceBelowFraction: 0 }, c)
    await b.acquire('GET /x')
    c.advance(100)
    await b.acquire('GET /x')
    await b.acquire('GET /x')
    expect(c.sleeps).toEqual([])
    await b.acquire('GET /x')
    // The first call was at t0 and time is now t0 + 100; the fourth may start at t0 + 1000.
    expect(c.sleeps).toEqual([900])
    expect(b.snapshot()).toMatchObject({ used: 3, waitedMs: 900 })
  })

  it('refuses with a typed error instead of waiting past maxWaitMs', async () => {
    const c = clock()
    const b = new RateBudget({ limit: 1, windowMs: 60_000, maxWaitMs: 5000, paceBelowFraction: 0 }, c)
    await b.acquire('GET /x')
    const e = await b.acquire('GET /api/2/users').catch((err: unknown) => err)
    expect(e).toBeInstanceOf(WardenError)
    expect((e as WardenError).code).toBe('ONELOGIN_BUDGET_EXHAUSTED')
    expect((e as WardenError).retryable).toBe(true)
    expect((e as WardenError).endpoint).toBe('GET /api/2/users')
    expect((e as WardenError).retryAfterSeconds).toBe(60)
    // A refusal does not jam the queue for later callers.
    c.advance(60_000)
    await b.acquire('GET /x')
  })

  it('believes the server when it reports no calls remaining', async () => {
    const c = clock()
    const b = new RateBudget({ limit: 5000, windowMs: 3_600_000, paceBelowFraction: 0 }, c)
    b.observe(0, 30_000)
    await b.acquire('GET /x')
    expect(c.sleeps).toEqual([30_000])
  })

  it('paces evenly when few calls remain', async () => {
    const c = clock()
    const b = new RateBudget({ limit: 100, windowMs: 100_000, paceBelowFraction: 0.1 }, c)
    b.observe(4, 40_000)
    await b.acquire('GET /x') // 4 left over 40 s: first call spaced from the last (none) -> immediate
    await b.acquire('GET /x') // 3 left over 40 s -> ~13.3 s apart
    expect(c.sleeps.length).toBe(1)
    expect(c.sleeps[0]).toBeGreaterThan(13_000)
    expect(c.sleeps[0]).toBeLessThan(14_000)
  })

  it('stops everyone after a 429 until the reset', async () => {
    const c = clock()
    const b = new RateBudget({ limit: 5000, paceBelowFraction: 0 }, c)
    b.exhausted(2000)
    await b.acquire('GET /x')
    expect(c.sleeps).toEqual([2000])
  })

  it('validates its settings', () => {
    expect(() => new RateBudget({ limit: 0 })).toThrow(/rate limit/)
    expect(() => new RateBudget({ windowMs: 0 })).toThrow(/window/)
  })
})

describe('RateBudget pacing threshold', () => {
  it('judges "few calls left" against the server limit, not a larger local one', async () => {
    const c = clock()
    const b = new RateBudget({ limit: 100_000, paceBelowFraction: 0.05 }, c)
    // 4,800 of OneLogin's 5,000 left is plenty, even though it is under 5% of 100,000.
    b.observe(4800, 3_000_000, 5000)
    await b.acquire('GET /x')
    await b.acquire('GET /x')
    expect(c.sleeps).toEqual([])
    // 100 left of 5,000 with 3,000 s to go: one call every ~30 s.
    b.observe(100, 3_000_000, 5000)
    await b.acquire('GET /x')
    await b.acquire('GET /x')
    expect(c.sleeps.length).toBe(2)
    for (const ms of c.sleeps) expect(ms).toBeGreaterThan(29_000)
  })
})
