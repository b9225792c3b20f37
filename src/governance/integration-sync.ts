import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { syncToSnapshot } from '../connector/index.js'
import { WardenError, errorText } from '../errors/index.js'
import { enqueue } from '../jobs/index.js'
import type { JobHandler, Schedule } from '../jobs/index.js'
import { OneLoginClient } from '../onelogin/index.js'
import { SnapshotReader } from '../snapshot/index.js'
import {
  addMs,
  appendAudit,
  boundedLog,
  createSyncRun,
  failInterruptedRuns,
  getIntegration,
  getSyncRun,
  isoTime,
  listDueIntegrations,
  listSyncRuns,
  updateIntegration,
  updateSyncRun,
} from '../store/index.js'
import type { Database, Integration, Page, PageRequest, Store, SyncLogLine, SyncRun, SyncRunsTable } from '../store/index.js'
import { audited } from './audited.js'
import { ingestSnapshot } from './ingest.js'
import type { IngestResult } from './ingest.js'
import type { IntegrationEnv } from './integration-env.js'
import { oneLoginBaseUrl } from './integration-env.js'
import { manageableIntegration } from './integrations.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/** The job that syncs one hosted integration and ingests the result. */
export const SYNC_JOB = 'integration.sync'
/** The job that queues the syncs that are due (every minute, on whichever worker claims it). */
export const DISPATCH_JOB = 'integration.dispatch'
const DISPATCH_EVERY_MS = 60 * 1000

export interface SyncJobPayload {
  integration_id: string
  triggered_by: Exclude<SyncRunsTable['triggered_by'], 'upload'>
  /** full: read everything; incremental: start from the previous snapshot when there is one (full when one is due). */
  mode: 'full' | 'incremental'
}

/**
 * Queues a sync of an integration (in the caller's transaction). At most one sync per integration
 * is queued or running: a second request while one is pending does nothing and returns null.
 */
export async function enqueueIntegrationSync(db: Kysely<Database>, payload: SyncJobPayload, clock: { now?: Date } = {}): Promise<string | null> {
  return enqueue(db, { kind: SYNC_JOB, payload, maxAttempts: 3, singletonKey: `${SYNC_JOB}:${payload.integration_id}` }, clock)
}

export interface SyncRequestResult {
  /** The queued job, or null when a sync of this integration was already queued or running. */
  job_id: string | null
  queued: boolean
}

/** "Sync now": queues a sync (full when asked) unless one is already pending. */
export async function requestSync(store: Store, actor: Actor, id: string, options: { full?: boolean } = {}): Promise<SyncRequestResult> {
  const integration = await manageableIntegration(store, actor, id, 'syncs')
  if (integration.mode === 'self-hosted') {
    throw new WardenError('CONFLICT', `integration ${id} is self-hosted: run \`warden sync\` where the credentials are, then \`warden upload\``)
  }
  if (integration.status === 'not_connected') throw new WardenError('CONFLICT', `integration ${id} is not connected yet: save its OneLogin settings first`)
  return audited(store, actor, async (trx) => {
    const jobId = await enqueueIntegrationSync(trx, { integration_id: id, triggered_by: 'manual', mode: options.full === true ? 'full' : 'incremental' })
    const result = { job_id: jobId, queued: jobId !== null }
    return { result, audit: [{ action: 'integration.sync_now', target_type: 'integration', target_id: id, after: { full: options.full === true, ...result } }] }
  })
}

/** Pauses (or resumes) scheduled syncs. Resuming makes the next scheduled sync due at once. */
export async function setSyncPaused(store: Store, actor: Actor, id: string, paused: boolean, clock: { now?: Date } = {}): Promise<Integration> {
  await manageableIntegration(store, actor, id, 'sync schedule')
  const now = clock.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const before = await getIntegration(trx, id)
    if (before === undefined) throw new WardenError('NOT_FOUND', `no integration ${id}`)
    const after = await updateIntegration(trx, id, paused ? { paused: true } : { paused: false, next_sync_at: isoTime(now) }, { now })
    const changed = before.paused !== after.paused
    return {
      result: after,
      audit: changed
        ? [{ action: paused ? 'integration.pause' : 'integration.resume', target_type: 'integration', target_id: id, before: { paused: before.paused === 1 }, after: { paused: after.paused === 1 } }]
        : [],
    }
  })
}

export async function listIntegrationSyncRuns(store: Store, actor: Actor, id: string, page: PageRequest = {}): Promise<Page<SyncRun>> {
  authorize(actor, 'integrations:read')
  if ((await getIntegration(store.db, id)) === undefined) throw new WardenError('NOT_FOUND', `no integration ${id}`)
  return listSyncRuns(store.db, id, page)
}

export async function getIntegrationSyncRun(store: Store, actor: Actor, id: string, runId: string): Promise<SyncRun> {
  authorize(actor, 'integrations:read')
  const run = await getSyncRun(store.db, runId)
  if (run === undefined || run.integration_id !== id) throw new WardenError('NOT_FOUND', `no sync run ${runId} of integration ${id}`)
  return run
}

/** A sync's log as it happens, stored with its run. */
export class RunLog {
  readonly lines: SyncLogLine[] = []
  warnings = 0

  add(level: SyncLogLine['level'], message: string): void {
    if (level === 'warn') this.warnings++
    this.lines.push({ at: new Date().toISOString(), level, message })
  }

  json(): string {
    return JSON.stringify(boundedLog(this.lines))
  }
}


/**
 * Ingests a finished snapshot as the integration's inventory and closes its run as succeeded, in
 * one transaction: readers see the previous inventory until it commits, and a failure leaves
 * both the inventory and the run as they were (the caller then records the failure).
 */
export async function ingestRun(
  store: Store,
  integration: Integration,
  run: SyncRun,
  reader: SnapshotReader,
  log: RunLog,
  extra: { api_calls: number; full: boolean },
): Promise<IngestResult> {
  const now = (): Date => new Date()
  const latest = reader.latestSync()
  return store.transaction(async (trx) => {
    const result = await ingestSnapshot(trx, { integrationId: integration.id, reader, runId: run.id, now: now() })
    const finished = isoTime(now())
    log.add(
      'info',
      `ingested ${result.counts.grants} grants (${result.baseline ? 'baseline' : `${result.grants_added} added, ${result.grants_removed} removed`}), ` +
        `${result.identities_created} new identities, ${result.apps_created} new SCIM apps`,
    )
    await updateSyncRun(trx, run.id, {
      status: 'succeeded',
      finished_at: finished,
      counts: JSON.stringify(result.counts),
      grants_added: result.grants_added,
      grants_removed: result.grants_removed,
      api_calls: extra.api_calls,
      warnings: log.warnings,
      log: log.json(),
      error: null,
    })
    await updateIntegration(
      trx,
      integration.id,
      {
        status: 'connected',
        last_error: null,
        last_sync_at: run.mode === 'upload' ? (latest?.finished_at ?? finished) : finished,
        ...(extra.full ? { last_full_sync_at: finished } : {}),
        ...(latest?.account_id !== undefined && latest.account_id !== null ? { onelogin_account_id: latest.account_id } : {}),
      },
      { now: now() },
    )
    await appendAudit(trx, {
      actor: 'system',
      action: 'integration.sync',
      target_type: 'integration',
      target_id: integration.id,
      after: { run_id: run.id, mode: run.mode, triggered_by: run.triggered_by, counts: result.counts, grants_added: result.grants_added, grants_removed: result.grants_removed, baseline: result.baseline },
    })
    return result
  })
}

/** Records a failed run and the integration's error; never throws (the original error matters more). */
export async function failRun(store: Store, integrationId: string, run: SyncRun, log: RunLog, error: unknown, apiCalls = 0): Promise<void> {
  const text = errorText(error)
  log.add('error', text)
  try {
    await store.transaction(async (trx) => {
      await updateSyncRun(trx, run.id, { status: 'failed', finished_at: isoTime(new Date()), error: text, api_calls: apiCalls, warnings: log.warnings, log: log.json() })
      await updateIntegration(trx, integrationId, { status: 'error', last_error: text })
    })
  } catch {
    // The store itself failing is reported by the job's own failure; nothing more to record here.
  }
}

function snapshotFile(env: IntegrationEnv, integrationId: string): string {
  const dir = join(env.dataDir, 'snapshots')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  return join(dir, `${integrationId}.db`)
}

function parsePayload(payload: unknown): SyncJobPayload {
  const p = payload as Partial<SyncJobPayload> | null
  if (
    p === null ||
    typeof p !== 'object' ||
    typeof p.integration_id !== 'string' ||
    !['schedule', 'manual', 'settings'].includes(String(p.triggered_by)) ||
    (p.mode !== 'full' && p.mode !== 'incremental')
  ) {
    throw new WardenError('BAD_INPUT', `not an ${SYNC_JOB} payload: ${JSON.stringify(payload)}`)
  }
  return p as SyncJobPayload
}

/** Whether a scheduled incremental sync should be a full one: never synced in full, or not for full_sync_interval_hours. */
function fullSyncDue(integration: Integration, now: Date): boolean {
  if (integration.last_full_sync_at === null) return true
  return Date.parse(integration.last_full_sync_at) + integration.full_sync_interval_hours * 3_600_000 <= now.getTime()
}

export interface IntegrationJobsOptions {
  /** Options for the OneLogin client (tests: fewer retries, no waits). */
  clientOptions?: Pick<ConstructorParameters<typeof OneLoginClient>[0], 'retry' | 'sleep' | 'rateBudget'>
}

/** The worker's handlers for integration syncs, and the dispatcher's schedule. */
export function integrationJobs(env: IntegrationEnv, options: IntegrationJobsOptions = {}): { handlers: Record<string, JobHandler>; schedules: Schedule[] } {
  const sync: JobHandler = async ({ job, signal, store }) => {
    const payload = parsePayload(job.payload)
    const integration = await getIntegration(store.db, payload.integration_id)
    // Deleted, made self-hosted or not (or no longer) set up since it was queued: nothing to do.
    if (integration === undefined || integration.mode !== 'hosted') return
    if (integration.onelogin_domain === null || integration.client_id === null || integration.client_secret === null) return
    if (integration.paused === 1 && payload.triggered_by === 'schedule') return
    await failInterruptedRuns(store.db, job.id)

    const now = new Date()
    const full = payload.mode === 'full' || fullSyncDue(integration, now)
    const run = await createSyncRun(store.db, { integration_id: integration.id, triggered_by: payload.triggered_by, mode: full ? 'full' : 'incremental', job_id: job.id })
    const log = new RunLog()
    log.add('info', `${full ? 'full' : 'incremental'} sync of ${integration.onelogin_domain} started (${payload.triggered_by})`)
    if (integration.status !== 'connected') await updateIntegration(store.db, integration.id, { status: 'syncing' })
    let apiCalls = 0
    try {
      const client = new OneLoginClient({
        baseUrl: oneLoginBaseUrl(env, integration.onelogin_domain),
        clientId: integration.client_id,
        clientSecret: env.secrets.decrypt(integration.client_secret, integration.id),
        onRetry: (e) => log.add('warn', `retrying ${e.endpoint} in ${(e.waitMs / 1000).toFixed(1)} s (attempt ${e.attempt}: ${e.reason})`),
        ...options.clientOptions,
      })
      const file = snapshotFile(env, integration.id)
      const summary = await syncToSnapshot({
        client,
        file,
        full,
        privileges: integration.sync_privileges === 1,
        signal,
        onLog: (level, message) => log.add(level, message),
      })
      apiCalls = summary.api_calls
      log.add('info', `${summary.mode} sync read ${summary.grants} grants with ${summary.api_calls} OneLogin API calls in ${(summary.duration_ms / 1000).toFixed(1)} s`)
      const reader = SnapshotReader.open(file)
      try {
        await ingestRun(store, integration, run, reader, log, { api_calls: apiCalls, full: summary.mode === 'full' })
      } finally {
        reader.close()
      }
    } catch (e) {
      await failRun(store, integration.id, run, log, e, apiCalls)
      throw e
    }
  }

  const dispatch: JobHandler = async ({ store }) => {
    const now = new Date()
    for (const integration of await listDueIntegrations(store.db, now, 100)) {
      await store.transaction(async (trx) => {
        await enqueueIntegrationSync(trx, { integration_id: integration.id, triggered_by: 'schedule', mode: 'incremental' }, { now })
        await updateIntegration(trx, integration.id, { next_sync_at: addMs(now, integration.sync_interval_minutes * 60_000) }, { now })
      })
    }
  }

  return {
    handlers: { [SYNC_JOB]: sync, [DISPATCH_JOB]: dispatch },
    schedules: [{ kind: DISPATCH_JOB, everyMs: DISPATCH_EVERY_MS }],
  }
}
