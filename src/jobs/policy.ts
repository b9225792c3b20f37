import { WardenError } from '../errors/index.js'

/**
 * The job queue's limits and defaults in one place (what a worker accepts, and why). Workers and
 * the repository validate against these; nothing else hard-codes them.
 */

/** Attempts a job gets unless enqueued with its own maxAttempts. */
export const DEFAULT_MAX_ATTEMPTS = 5
export const MAX_MAX_ATTEMPTS = 100

/** How often an idle worker looks for due jobs. A worker is also woken when one of its jobs ends. */
export const DEFAULT_POLL_INTERVAL_MS = 1_000
/** Below this, polling becomes a busy loop against the database. */
export const MIN_POLL_INTERVAL_MS = 5

/**
 * How long a claimed job stays leased to its worker. A live worker renews the lease every third of
 * it, so this is only how long a crashed worker's job waits before another worker runs it again.
 */
export const DEFAULT_LEASE_MS = 60_000
/** Short leases are for tests; below this the renewals would be all a worker does. */
export const MIN_LEASE_MS = 50

export const DEFAULT_CONCURRENCY = 4
export const MAX_CONCURRENCY = 100

/** How long stop() waits for running jobs before giving up on them (their leases then expire). */
export const DEFAULT_STOP_TIMEOUT_MS = 30_000

/** A failing poll (database down) is retried after this, doubling up to MAX_ERROR_DELAY_MS. */
export const MAX_ERROR_DELAY_MS = 30_000

/** last_error is cut to this many characters. */
export const MAX_ERROR_LENGTH = 4_000

/** Schedules fire at most this often (slots are this long at least). */
export const MIN_SCHEDULE_EVERY_MS = 1_000

export interface BackoffPolicy {
  /** Delay after the first failed attempt. */
  baseMs: number
  /** The delay doubles per attempt up to this. */
  maxMs: number
  /** Random spread as a fraction of the delay (0.2: ±20%), so failed jobs don't retry in lock-step. */
  jitter: number
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ baseMs: 5_000, maxMs: 3_600_000, jitter: 0.2 })

/**
 * The delay before retrying after failed attempt number `attempt` (1-based):
 * `min(maxMs, baseMs * 2^(attempt-1))`, spread by ±jitter, never above maxMs.
 */
export function computeBackoff(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  const spread = raw * policy.jitter * (2 * random() - 1)
  return Math.max(0, Math.min(policy.maxMs, Math.round(raw + spread)))
}

const KIND = /^[a-z][a-z0-9_.:-]{0,99}$/

/** Job kinds are short dotted names, e.g. `sync.tenant`, `grant.expire`. */
export function checkKind(kind: string): string {
  if (!KIND.test(kind)) throw new WardenError('BAD_INPUT', `invalid job kind ${JSON.stringify(kind)}: use lower-case letters, digits, _ . : -`)
  return kind
}

export function checkInteger(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WardenError('BAD_INPUT', `${what} must be an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}

export function checkBackoff(policy: BackoffPolicy): BackoffPolicy {
  if (!(policy.baseMs >= 0 && policy.maxMs >= policy.baseMs && policy.jitter >= 0 && policy.jitter <= 1)) {
    throw new WardenError('BAD_INPUT', 'backoff needs 0 <= baseMs <= maxMs and 0 <= jitter <= 1')
  }
  return Object.freeze({ ...policy })
}
