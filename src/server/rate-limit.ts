import { WardenError } from '../errors/index.js'

/**
 * A small in-memory fixed-window limiter for sign-in attempts (one process; with several server
 * replicas each counts on its own, which still bounds guessing per replica). Memory is bounded:
 * at most `maxKeys` keys, expired windows are swept first, then the oldest keys are dropped.
 */
export interface RateLimitOptions {
  /** Attempts allowed per key per window. */
  max: number
  windowMs: number
  /** Keys tracked at most (default 50,000). */
  maxKeys?: number
  now?: () => number
}

export interface RateLimitDecision {
  allowed: boolean
  /** Seconds until the key's window ends (when refused). */
  retryAfterSeconds: number
}

interface Window {
  count: number
  resetAt: number
}

export class RateLimiter {
  readonly #max: number
  readonly #windowMs: number
  readonly #maxKeys: number
  readonly #now: () => number
  readonly #windows = new Map<string, Window>()

  constructor(options: RateLimitOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new Error('rate limit max must be a positive integer')
    if (!Number.isInteger(options.windowMs) || options.windowMs < 1) throw new Error('rate limit windowMs must be a positive integer')
    this.#max = options.max
    this.#windowMs = options.windowMs
    this.#maxKeys = options.maxKeys ?? 50_000
    this.#now = options.now ?? Date.now
  }

  /** Counts an attempt for `key`; refused (and not counted) once the window's attempts are spent. */
  hit(key: string): RateLimitDecision {
    const now = this.#now()
    let w = this.#windows.get(key)
    if (w === undefined || w.resetAt <= now) {
      this.#makeRoom(now)
      w = { count: 0, resetAt: now + this.#windowMs }
      this.#windows.delete(key)
      this.#windows.set(key, w)
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((w.resetAt - now) / 1000))
    if (w.count >= this.#max) return { allowed: false, retryAfterSeconds }
    w.count++
    return { allowed: true, retryAfterSeconds }
  }

  /** Forgets a key (after a successful sign-in). */
  reset(key: string): void {
    this.#windows.delete(key)
  }

  get size(): number {
    return this.#windows.size
  }

  #makeRoom(now: number): void {
    if (this.#windows.size < this.#maxKeys) return
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k)
    // Still full: drop the oldest windows (Map keeps insertion order).
    for (const k of this.#windows.keys()) {
      if (this.#windows.size < this.#maxKeys) break
      this.#windows.delete(k)
    }
  }
}

/** Counts an attempt; RATE_LIMITED (429, with Retry-After) once `key`'s attempts are spent. */
export function enforce(limiter: RateLimiter, key: string, what: string): void {
  const decision = limiter.hit(key)
  if (decision.allowed) return
  const minutes = Math.ceil(decision.retryAfterSeconds / 60)
  throw new WardenError('RATE_LIMITED', `too many ${what}; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`, {
    retryAfterSeconds: decision.retryAfterSeconds,
  })
}
