import type { Kysely } from 'kysely'
import { enqueue } from '../jobs/index.js'
import type { Database, SyncRunsTable } from '../store/index.js'

/** The job that syncs one hosted integration and ingests the result. */
export const SYNC_JOB = 'integration.sync'

export interface SyncJobPayload {
  integration_id: string
  triggered_by: Exclude<SyncRunsTable['triggered_by'], 'upload'>
  /** full: read everything; incremental: start from the previous snapshot when there is one. */
  mode: 'full' | 'incremental'
}

/**
 * Queues a sync of an integration (in the caller's transaction). At most one sync per integration
 * is queued or running: a second request while one is pending does nothing and returns null.
 */
export async function enqueueIntegrationSync(db: Kysely<Database>, payload: SyncJobPayload, clock: { now?: Date } = {}): Promise<string | null> {
  return enqueue(db, { kind: SYNC_JOB, payload, maxAttempts: 3, singletonKey: `${SYNC_JOB}:${payload.integration_id}` }, clock)
}
