/**
 * The account-level call budget (onelogin-api.md §8): 5,000 calls per hour per account, however
 * many tokens exist; the count resets after the window. A fixed window that opens with the first
 * counted call, like the `X-RateLimit-Reset` seconds-until-reset value in real v1 responses.
 *
 * What counts (the emulator's decision, the docs only say "API calls"): every request to an
 * emulated `/api/...` route and `GET /auth/rate_limit`, authenticated or not (the emulator holds a
 * single account). Token, revoke and legacy token calls do not count: they are not API resource
 * calls, and the 5,000 figure is documented for API calls.
 */
export interface RateLimitStatus {
  limit: number
  remaining: number
  /** Seconds until the window resets. */
  reset: number
}

export class RateLimiter {
  #limit: number
  #windowMs: number
  #remaining: number
  #windowEnd = 0

  constructor(limitPerWindow: number, windowSeconds: number) {
    this.#limit = limitPerWindow
    this.#remaining = limitPerWindow
    this.#windowMs = windowSeconds * 1000
  }

  #roll(now: number): void {
    if (now >= this.#windowEnd) {
      this.#windowEnd = now + this.#windowMs
      this.#remaining = this.#limit
    }
  }

  /** Spends one call; false when the budget is exhausted (the caller answers 429). */
  take(now: number): boolean {
    this.#roll(now)
    if (this.#remaining <= 0) return false
    this.#remaining--
    return true
  }

  status(now: number): RateLimitStatus {
    this.#roll(now)
    return { limit: this.#limit, remaining: this.#remaining, reset: Math.max(0, Math.ceil((this.#windowEnd - now) / 1000)) }
  }

  /** Control plane: change the limit and/or what is left in the current window. */
  adjust(now: number, opts: { limit?: number; remaining?: number; windowSeconds?: number }): RateLimitStatus {
    this.#roll(now)
    if (opts.windowSeconds !== undefined) {
      this.#windowMs = opts.windowSeconds * 1000
      this.#windowEnd = now + this.#windowMs
    }
    if (opts.limit !== undefined) {
      // a new limit starts a full budget unless `remaining` says otherwise
      this.#limit = opts.limit
      this.#remaining = opts.limit
    }
    if (opts.remaining !== undefined) this.#remaining = Math.min(opts.remaining, this.#limit)
    return this.status(now)
  }
}
