export {
  ACTIVE_STATUSES,
  claimJobs,
  claimScheduleSlot,
  completeJob,
  countJobs,
  enqueue,
  enqueueMany,
  extendLeases,
  failJob,
  getJob,
  listJobs,
  purgeJobs,
  requeueJob,
} from './jobs-repo.js'
export type { ClaimOptions, Clock, Failure, Job, JobClaim, JobFilter, NewJob } from './jobs-repo.js'
export { schedule, slotStart } from './schedule.js'
export type { Schedule, ScheduleResult } from './schedule.js'
export { Worker, consoleJobLogger } from './worker.js'
export type { JobContext, JobHandler, JobLogger, WorkerOptions, WorkerState } from './worker.js'
export {
  DEFAULT_BACKOFF,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  MAX_CONCURRENCY,
  MAX_ERROR_DELAY_MS,
  MAX_ERROR_LENGTH,
  MAX_MAX_ATTEMPTS,
  MIN_LEASE_MS,
  MIN_POLL_INTERVAL_MS,
  MIN_SCHEDULE_EVERY_MS,
  computeBackoff,
} from './policy.js'
export type { BackoffPolicy } from './policy.js'
