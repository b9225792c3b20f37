export { syncToSnapshot } from './sync.js'
export type { SyncOptions, SyncPhase, SyncProgress, SyncSummary } from './sync.js'
export { USER_FIELDS, statusName, userDisplayName, userResource } from './convert.js'
