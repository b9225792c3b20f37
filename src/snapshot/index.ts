export { SnapshotWriter, partialPathOf } from './writer.js'
export type { OpenOptions, ResourceRow, SyncFinish, SyncStart } from './writer.js'
export { SNAPSHOT_APPLICATION_ID, SNAPSHOT_SCHEMA_VERSION } from './schema.js'
