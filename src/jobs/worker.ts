import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { WardenError, errorText } from '../errors/index.js'
import type { Store } from '../store/index.js'
import { claimJobs, completeJob, extendLeases, failJob } from './jobs-repo.js'
import type { Job } from './jobs-repo.js'
import {
  DEFAULT_BACKOFF,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEASE_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  MAX_CONCURRENCY,
  MAX_ERROR_DELAY_MS,
  MIN_LEASE_MS,
  MIN_POLL_INTERVAL_MS,
  checkBackoff,
  checkInteger,
  checkKind,
  computeBackoff,
} from './policy.js'
import type { BackoffPolicy } from './policy.js'
import { checkSchedule, schedule, slotStart } from './schedule.js'
import type { Schedule } from './schedule.js'

export interface JobContext {
  job: Job
  /** Aborted when the worker gives up waiting for this job on stop(); finish or bail out promptly. */
  signal: AbortSignal
  workerId: string
  store: Store
}

/**
 * Runs one job. Resolving marks it succeeded. Throwing fails the attempt: it is retried with
 * back-off until max_attempts, then dead; a WardenError that is not retryable (bad input, a
 * refusal) makes it dead at once. Handlers must tolerate running twice (a worker may die after
 * the work but before recording it), e.g. by checking state first.
 */
export type JobHandler = (context: JobContext) => Promise<void>

/** Where the worker reports what went wrong; context always names the worker, and the job when there is one. */
export interface JobLogger {
  error(message: string, context: Record<string, unknown>): void
  warn(message: string, context: Record<string, unknown>): void
  info(message: string, context: Record<string, unknown>): void
}

function formatContext(context: Record<string, unknown>): string {
  const parts = Object.entries(context)
    .filter(([k, v]) => v !== undefined && k !== 'error')
    .map(([k, v]) => `${k}=${String(v)}`)
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`
}

/** One line per problem on stderr; info is silent. */
export const consoleJobLogger: JobLogger = {
  error: (message, context) => console.error(`warden worker: ${message}${formatContext(context)}`),
  warn: (message, context) => console.warn(`warden worker: ${message}${formatContext(context)}`),
  info: () => {},
}

export interface WorkerOptions {
  /** Handlers by job kind. The worker claims only these kinds. */
  handlers: Readonly<Record<string, JobHandler>>
  /** Default `<host>:<pid>:<random>`; recorded as locked_by. */
  id?: string
  /** Jobs run at once (default 4). */
  concurrency?: number
  /** How often an idle worker polls (default 1000 ms). */
  pollIntervalMs?: number
  /** Lease per claim, renewed every third of it while the job runs (default 60 s). */
  leaseMs?: number
  backoff?: Partial<BackoffPolicy>
  /** Recurring jobs this worker enqueues (only enqueues: see schedule()). */
  schedules?: readonly Schedule[]
  /** Default for stop()'s timeout (30 s). */
  stopTimeoutMs?: number
  logger?: JobLogger
}

export type WorkerState = 'created' | 'running' | 'stopping' | 'stopped'

interface Running {
  job: Job
  controller: AbortController
  done: Promise<void>
}

/**
 * Claims due jobs from the store and runs them. States: created -> running (start) -> stopping
 * (stop) -> stopped. The polling loop never throws: a failed poll (database down) is logged with
 * the worker id and retried with growing delays; a failing job is recorded on the job
 * (last_error, retry time or dead) and logged with its kind, id and attempt.
 *
 * @example
 * const worker = new Worker(store, { handlers: { 'grant.expire': expireGrant } })
 * worker.start()
 * process.once('SIGTERM', () => void worker.stop())
 */
export class Worker {
  readonly id: string
  readonly #store: Store
  readonly #handlers: ReadonlyMap<string, JobHandler>
  readonly #kinds: readonly string[]
  readonly #concurrency: number
  readonly #pollIntervalMs: number
  readonly #leaseMs: number
  readonly #backoff: BackoffPolicy
  readonly #schedules: readonly Schedule[]
  readonly #stopTimeoutMs: number
  readonly #logger: JobLogger
  readonly #running = new Map<string, Running>()
  readonly #nextScheduleCheck = new Map<Schedule, number>()
  #state: WorkerState = 'created'
  #loop: Promise<void> | undefined
  #stopped: Promise<{ unfinished: string[] }> | undefined
  #heartbeat: NodeJS.Timeout | undefined
  #wake: (() => void) | undefined
  #wakePending = false

  constructor(store: Store, options: WorkerOptions) {
    this.#store = store
    const handlers = new Map(Object.entries(options.handlers))
    for (const kind of handlers.keys()) checkKind(kind)
    this.#handlers = handlers
    this.#kinds = Object.freeze([...handlers.keys()])
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
    this.#concurrency = checkInteger(options.concurrency ?? DEFAULT_CONCURRENCY, 'concurrency', 1, MAX_CONCURRENCY)
    this.#pollIntervalMs = checkInteger(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, 'pollIntervalMs', MIN_POLL_INTERVAL_MS, 3_600_000)
    this.#leaseMs = checkInteger(options.leaseMs ?? DEFAULT_LEASE_MS, 'leaseMs', MIN_LEASE_MS, 86_400_000)
    this.#backoff = checkBackoff({ ...DEFAULT_BACKOFF, ...options.backoff })
    for (const s of options.schedules ?? []) checkSchedule(s)
    this.#schedules = Object.freeze([...(options.schedules ?? [])])
    this.#stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS
    this.#logger = options.logger ?? consoleJobLogger
  }

  get state(): WorkerState {
    return this.#state
  }

  /** Ids of the jobs running now. */
  get runningJobs(): string[] {
    return [...this.#running.keys()]
  }

  /** Starts polling. Only from `created`: a stopped worker is not restarted (make a new one). */
  start(): void {
    if (this.#state !== 'created') throw new WardenError('BAD_INPUT', `worker ${this.id} can't start: it is ${this.#state}`)
    this.#state = 'running'
    const every = Math.max(MIN_LEASE_MS / 2, Math.floor(this.#leaseMs / 3))
    this.#heartbeat = setInterval(() => void this.#renewLeases(), every)
    this.#loop = this.#poll()
  }

  /**
   * Stops claiming, then waits up to `timeoutMs` for running jobs to finish. Jobs still running
   * then are left leased (their handlers get an abort signal): when the lease expires another
   * worker runs them again. Resolves to the ids of those jobs. Safe to call more than once.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<{ unfinished: string[] }> {
    if (this.#stopped) return this.#stopped
    if (this.#state === 'created') {
      this.#state = 'stopped'
      this.#stopped = Promise.resolve({ unfinished: [] })
      return this.#stopped
    }
    this.#state = 'stopping'
    this.#signal()
    this.#stopped = this.#drain(options.timeoutMs ?? this.#stopTimeoutMs)
    return this.#stopped
  }

  async #drain(timeoutMs: number): Promise<{ unfinished: string[] }> {
    await this.#loop
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs)
    })
    await Promise.race([Promise.allSettled([...this.#running.values()].map((r) => r.done)), timeout])
    clearTimeout(timer)
    clearInterval(this.#heartbeat)
    const unfinished = [...this.#running.keys()]
    if (unfinished.length > 0) {
      for (const r of this.#running.values()) r.controller.abort(new WardenError('INTERRUPTED', `worker ${this.id} stopped`))
      this.#logger.warn(
        `stopped with ${unfinished.length} job(s) still running; their leases expire and another worker retries them`,
        { worker: this.id, jobs: unfinished.join(' ') },
      )
    }
    this.#state = 'stopped'
    return { unfinished }
  }

  async #poll(): Promise<void> {
    let errorDelay = 0
    while (this.#state === 'running') {
      try {
        await this.#runSchedules()
        const free = this.#concurrency - this.#running.size
        if (free > 0 && this.#state === 'running') {
          const jobs = await claimJobs(this.#store.db, { workerId: this.id, kinds: this.#kinds, limit: free, leaseMs: this.#leaseMs })
          for (const job of jobs) this.#start(job)
        }
        errorDelay = 0
      } catch (e) {
        errorDelay = Math.min(MAX_ERROR_DELAY_MS, errorDelay === 0 ? this.#pollIntervalMs : errorDelay * 2)
        this.#logger.error(`polling for jobs failed, retrying in ${errorDelay} ms: ${messageOf(e)}`, { worker: this.id, error: e })
      }
      if (this.#state !== 'running') break
      await this.#sleep(errorDelay || this.#pollIntervalMs)
    }
  }

  /** Sleeps until the delay passes, a job ends (a slot is free) or stop() is called. */
  #sleep(ms: number): Promise<void> {
    if (this.#wakePending) {
      this.#wakePending = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined
        resolve()
      }, ms)
      this.#wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  /** Ends the current sleep, or (when the loop is busy) makes the next one return at once. */
  #signal(): void {
    const wake = this.#wake
    this.#wake = undefined
    if (wake) wake()
    else this.#wakePending = true
  }

  async #runSchedules(): Promise<void> {
    const now = Date.now()
    for (const s of this.#schedules) {
      if (now < (this.#nextScheduleCheck.get(s) ?? 0)) continue
      const result = await schedule(this.#store.db, s, { now: new Date(now) })
      // Nothing can change until the next slot starts.
      this.#nextScheduleCheck.set(s, slotStart(new Date(now), s.everyMs).getTime() + s.everyMs)
      if (result.jobId !== null) this.#logger.info('scheduled', { worker: this.id, kind: s.kind, job: result.jobId, slot: result.slot })
    }
  }

  #start(job: Job): void {
    const controller = new AbortController()
    const done = this.#execute(job, controller.signal).finally(() => {
      this.#running.delete(job.id)
      this.#signal()
    })
    this.#running.set(job.id, { job, controller, done })
  }

  async #execute(job: Job, signal: AbortSignal): Promise<void> {
    const context = { worker: this.id, kind: job.kind, job: job.id, attempt: `${job.attempts}/${job.max_attempts}` }
    const claim = { id: job.id, attempts: job.attempts, workerId: this.id }
    let failure: unknown
    let failed = false
    try {
      const handler = this.#handlers.get(job.kind)
      if (handler === undefined) throw new WardenError('INTERNAL', `no handler for job kind ${job.kind}`)
      await handler({ job, signal, workerId: this.id, store: this.#store })
    } catch (e) {
      failed = true
      failure = e
    }
    try {
      if (!failed) {
        if (!(await completeJob(this.#store.db, claim))) {
          this.#logger.warn('job finished after its lease was lost; another attempt owns it now', context)
        }
        return
      }
      const permanent = failure instanceof WardenError && !failure.retryable
      const outcome = permanent || job.attempts >= job.max_attempts ? 'dead' : 'failed'
      const delay = computeBackoff(job.attempts, this.#backoff)
      const now = new Date()
      const recorded = await failJob(this.#store.db, claim, {
        error: errorText(failure),
        outcome,
        retryAt: new Date(now.getTime() + delay),
        now,
      })
      const what = outcome === 'dead' ? (permanent ? 'dead (not retryable)' : 'dead (no attempts left)') : `failed, retry in ${delay} ms`
      const log = outcome === 'dead' ? this.#logger.error : this.#logger.warn
      log.call(this.#logger, `job ${what}: ${messageOf(failure)}`, { ...context, error: failure })
      if (!recorded) this.#logger.warn('job failed after its lease was lost; another attempt owns it now', context)
    } catch (e) {
      this.#logger.error(`could not record the job's outcome: ${messageOf(e)}`, { ...context, error: e })
    }
  }

  async #renewLeases(): Promise<void> {
    const ids = [...this.#running.keys()]
    if (ids.length === 0) return
    try {
      const held = await extendLeases(this.#store.db, this.id, ids, new Date(Date.now() + this.#leaseMs))
      // A job that finished meanwhile has no lease to extend: count only those still running.
      const running = ids.filter((id) => this.#running.has(id)).length
      if (held < running) this.#logger.warn(`${running - held} running job(s) lost their lease`, { worker: this.id })
    } catch (e) {
      this.#logger.error(`renewing job leases failed: ${messageOf(e)}`, { worker: this.id, error: e })
    }
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

