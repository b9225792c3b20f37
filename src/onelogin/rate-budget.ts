import { WardenError } from '../errors/index.js'

/**
 * Warden's own account of the OneLogin rate limit: 5,000 calls per hour per account, however
 * many tokens exist (onelogin-api.md §8). The budget keeps a sliding window of the calls this
 * process made and never starts one that would go past the limit; it also believes OneLogin
 * when a response says fewer calls remain (X-RateLimit-Remaining, on v1 responses), since
 * other tools may share the account. When few calls remain it spreads them over what is left
 * of the window instead of spending them at once and then hitting the wall.
 */
export interface RateBudgetOptions {
  /** Calls allowed per window (OneLogin: 5,000 per hour). */
  limit?: number
  windowMs?: number
  /** Refuse (ONELOGIN_BUDGET_EXHAUSTED) rather than wait longer than this for one call. */
  maxWaitMs?: number
  /** Below this fraction of the limit remaining, pace calls evenly over the rest of the window. */
  paceBelowFraction?: number
}

export interface BudgetSnapshot {
  limit: number
  windowMs: number
  /** Calls this process made in the current window. */
  used: number
  /** What OneLogin last reported, less the calls made since; undefined if it never said. */
  serverRemaining: number | undefined
  /** Total time spent waiting for the budget. */
  waitedMs: number
}

type Sleep = (ms: number) => Promise<void>
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export class RateBudget {
  readonly limit: number
  readonly windowMs: number
  readonly #maxWaitMs: number
  readonly #paceBelow: number
  readonly #sleep: Sleep
  readonly #now: () => number
  /** Start times of calls in the current window, oldest first. */
  #calls: number[] = []
  #serverRemaining: number | undefined
  #serverLimit: number | undefined
  #serverResetAt = 0
  #lastCallAt = 0
  #waitedMs = 0
  /** Serialises acquire() so waiting callers keep their order. */
  #queue: Promise<void> = Promise.resolve()

  constructor(options: RateBudgetOptions = {}, clock: { now?: () => number; sleep?: Sleep } = {}) {
    this.limit = options.limit ?? 5000
    this.windowMs = options.windowMs ?? 3_600_000
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError('rate limit must be an integer >= 1')
    if (!(this.windowMs > 0)) throw new RangeError('rate window must be > 0 ms')
    this.#maxWaitMs = options.maxWaitMs ?? this.windowMs
    this.#paceBelow = options.paceBelowFraction ?? 0.05
    this.#now = clock.now ?? Date.now
    this.#sleep = clock.sleep ?? realSleep
  }

  /** Waits until one more call fits the budget, then records it. */
  acquire(endpoint: string): Promise<void> {
    const next = this.#queue.then(() => this.#acquire(endpoint))
    // Keep the chain alive after a refusal so later callers are still served.
    this.#queue = next.catch(() => undefined)
    return next
  }

  async #acquire(endpoint: string): Promise<void> {
    for (;;) {
      const now = this.#now()
      const wait = this.#waitFor(now)
      if (wait <= 0) {
        this.#calls.push(now)
        this.#lastCallAt = now
        if (this.#serverRemaining !== undefined) this.#serverRemaining = Math.max(0, this.#serverRemaining - 1)
        return
      }
      if (wait > this.#maxWaitMs) {
        throw new WardenError(
          'ONELOGIN_BUDGET_EXHAUSTED',
          `OneLogin rate budget spent (${this.limit} calls per ${Math.round(this.windowMs / 1000)} s); the next call fits in ${Math.ceil(wait / 1000)} s`,
          { endpoint, retryAfterSeconds: Math.ceil(wait / 1000) },
        )
      }
      this.#waitedMs += wait
      await this.#sleep(wait)
    }
  }

  /** ms to wait before the next call may start (0 = now). */
  #waitFor(now: number): number {
    const cutoff = now - this.windowMs
    let drop = 0
    while (drop < this.#calls.length && (this.#calls[drop] ?? 0) <= cutoff) drop++
    if (drop > 0) this.#calls.splice(0, drop)

    let wait = 0
    if (this.#calls.length >= this.limit) wait = (this.#calls[0] ?? now) + this.windowMs - now

    if (this.#serverRemaining !== undefined) {
      if (now >= this.#serverResetAt) {
        this.#serverRemaining = undefined
      } else if (this.#serverRemaining <= 0) {
        wait = Math.max(wait, this.#serverResetAt - now)
      }
    }
    const remaining = Math.min(this.limit - this.#calls.length, this.#serverRemaining ?? Infinity)
    // "Few" is relative to the limit that applies: OneLogin's when it says one, else ours.
    const limit = this.#serverRemaining === undefined ? this.limit : Math.min(this.limit, this.#serverLimit ?? this.limit)
    if (remaining > 0 && remaining < limit * this.#paceBelow) {
      // Few calls left: spread them over the rest of the window.
      const windowEnd = this.#serverRemaining !== undefined ? this.#serverResetAt : (this.#calls[0] ?? now) + this.windowMs
      const spacing = Math.max(0, windowEnd - now) / remaining
      wait = Math.max(wait, this.#lastCallAt + spacing - now)
    }
    return Math.ceil(wait)
  }

  /** Records what a response said about the account's limit (X-RateLimit-Remaining, -Reset, -Limit). */
  observe(remaining: number | undefined, resetMs: number | undefined, limit?: number): void {
    if (remaining === undefined) return
    this.#serverRemaining = remaining
    if (limit !== undefined) this.#serverLimit = limit
    this.#serverResetAt = this.#now() + (resetMs ?? this.windowMs)
  }

  /** The server says the account is throttled now (a 429): stop until it resets. */
  exhausted(resetMs: number | undefined): void {
    if (resetMs === undefined) return
    this.#serverRemaining = 0
    this.#serverResetAt = this.#now() + resetMs
  }

  snapshot(): BudgetSnapshot {
    this.#waitFor(this.#now())
    return {
      limit: this.limit,
      windowMs: this.windowMs,
      used: this.#calls.length,
      serverRemaining: this.#serverRemaining,
      waitedMs: this.#waitedMs,
    }
  }
}

/**
 * One budget per OneLogin account for the whole process, so two clients for the same tenant
 * share it. The key is the API host plus client id (regional hosts serve many accounts).
 */
const budgets = new Map<string, RateBudget>()
export function sharedRateBudget(key: string, options: RateBudgetOptions = {}): RateBudget {
  let b = budgets.get(key)
  if (b === undefined) {
    b = new RateBudget(options)
    budgets.set(key, b)
  }
  return b
}
