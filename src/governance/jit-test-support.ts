/**
 * Helpers for the provisioning and expiry tests (governance/jit.test.ts, server/jit.test.ts): an
 * integration connected to an emulator and synced for real, a worker with the jobs those tests
 * need, and "time travel" for a time-bound grant (its end and its jobs moved to a given time, as if
 * the clock had reached them).
 */
import { waitFor } from '../../test/dialects.js'
import type { RunningEmulator } from '../emulator/index.js'
import { Worker, getJob } from '../jobs/index.js'
import type { JobLogger } from '../jobs/index.js'
import { createApp, createIntegration, getOrder, insertManualTask, insertOrder, insertTimeboundGrant, isoTime, newId, updateIntegration } from '../store/index.js'
import type { Integration, OrderRow, Store, TimeboundGrantRow } from '../store/index.js'
import type { IntegrationEnv } from './integration-env.js'
import { enqueueIntegrationSync, integrationJobs } from './integration-sync.js'
import { EXPIRE_JOB, REMIND_JOB, jitJobs } from './jit.js'
import type { JitJobsOptions } from './jit.js'

/** Client options for tests: one try per call (the job system retries), no waits, a large budget. */
export const TEST_CLIENT_OPTIONS: NonNullable<JitJobsOptions['clientOptions']> = {
  retry: { maxAttempts: 1 },
  sleep: async () => undefined,
  rateBudget: { limit: 1_000_000 },
}

/** A worker running the provisioning, expiry and reminder jobs (and syncs), polling fast, with short back-off. */
export function jitWorker(store: Store, env: IntegrationEnv, options: { logger: JobLogger; concurrency?: number; id?: string; reminderLeadMinutes?: number }): Worker {
  const jit = jitJobs(env, { clientOptions: TEST_CLIENT_OPTIONS, ...(options.reminderLeadMinutes === undefined ? {} : { reminderLeadMinutes: options.reminderLeadMinutes }) })
  const sync = integrationJobs(env, { clientOptions: { sleep: async () => undefined, retry: { maxAttempts: 1 } } })
  return new Worker(store, {
    handlers: { ...jit.handlers, ...sync.handlers },
    pollIntervalMs: 10,
    leaseMs: 5_000,
    backoff: { baseMs: 10, maxMs: 20, jitter: 0 },
    concurrency: options.concurrency ?? 4,
    logger: options.logger,
    ...(options.id === undefined ? {} : { id: options.id }),
  })
}

/** A hosted integration on the emulator, with its credentials saved (sealed with env's key). */
export async function emulatorIntegration(store: Store, emu: RunningEmulator, env: IntegrationEnv): Promise<Integration> {
  const app = await createApp(store.db, { name: `OneLogin ${Math.random().toString(36).slice(2, 8)}` })
  const created = await createIntegration(store.db, { app_id: app.id, mode: 'hosted', created_by: 'system', onelogin_domain: emu.url, client_id: emu.manageAll.client_id })
  return updateIntegration(store.db, created.id, { client_secret: env.secrets.encrypt(emu.manageAll.client_secret, created.id), status: 'connected' })
}

/** Runs a full sync of the integration through the job queue (a worker must be running) and waits for it. */
export async function syncNow(store: Store, integrationId: string): Promise<void> {
  const id = await enqueueIntegrationSync(store.db, { integration_id: integrationId, triggered_by: 'manual', mode: 'full' })
  if (id === null) throw new Error('a sync is already queued')
  const job = await waitFor(async () => {
    const j = await getJob(store.db, id)
    return j?.status === 'succeeded' || j?.status === 'dead' ? j : undefined
  }, 30_000, 'the sync')
  if (job.status !== 'succeeded') throw new Error(`sync failed: ${job.last_error ?? '?'}`)
}

/** Waits until an order reaches one of `states`. */
export async function orderIn(store: Store, id: string, states: readonly OrderRow['state'][], timeoutMs = 20_000): Promise<OrderRow> {
  return waitFor(async () => {
    const o = await getOrder(store.db, id)
    return o !== undefined && states.includes(o.state) ? o : undefined
  }, timeoutMs, `order ${id} to be ${states.join(' or ')}`)
}

export async function timeboundIn(store: Store, id: string, states: readonly TimeboundGrantRow['state'][], timeoutMs = 20_000): Promise<TimeboundGrantRow> {
  return waitFor(async () => {
    const g = await store.db.selectFrom('timebound_grants').selectAll().where('id', '=', id).executeTakeFirst()
    return g !== undefined && states.includes(g.state) ? g : undefined
  }, timeoutMs, `time-bound grant ${id} to be ${states.join(' or ')}`)
}

/**
 * Moves a time-bound grant's end to `at` (default now), with its queued expiry job, as if the
 * clock had reached it: the worker then runs the expiry as it would have at the real end.
 */
export async function advanceExpiry(store: Store, grantId: string, at: Date = new Date()): Promise<void> {
  const iso = isoTime(at)
  await store.transaction(async (trx) => {
    const g = await trx.selectFrom('timebound_grants').select('expires_at').where('id', '=', grantId).executeTakeFirstOrThrow()
    const moved = await trx
      .updateTable('jobs')
      .set({ run_at: iso, singleton_key: `${EXPIRE_JOB}:${grantId}@${iso}` })
      .where('singleton_key', '=', `${EXPIRE_JOB}:${grantId}@${g.expires_at}`)
      .where('status', '=', 'queued')
      .executeTakeFirst()
    if (Number(moved.numUpdatedRows) !== 1) throw new Error(`grant ${grantId} has no queued expiry job`)
    await trx.updateTable('timebound_grants').set({ expires_at: iso }).where('id', '=', grantId).execute()
  })
}

/** Makes a grant's queued reminder due now. */
export async function advanceReminder(store: Store, grantId: string): Promise<void> {
  const moved = await store.db
    .updateTable('jobs')
    .set({ run_at: isoTime(new Date()) })
    .where('kind', '=', REMIND_JOB)
    .where('singleton_key', 'like', `${REMIND_JOB}:${grantId}@%`)
    .where('status', '=', 'queued')
    .executeTakeFirst()
  if (Number(moved.numUpdatedRows) !== 1) throw new Error(`grant ${grantId} has no queued reminder`)
}

/** Role ids the user belongs to, read from the emulator with plain fetch (`GET /api/2/users/:id`). */
export async function oneLoginRolesOf(api: { call(method: string, path: string): Promise<unknown> }, userId: number): Promise<number[]> {
  const user = (await api.call('GET', `/api/2/users/${userId}`)) as { role_ids?: number[] | null }
  return [...(user.role_ids ?? [])].sort((a, b) => a - b)
}

/**
 * An open manual task for a (permanent) grant order, made straight through the store: what a
 * failed order leaves behind, for tests of the API around it.
 */
export async function openManualTask(store: Store, grant: { integration_id: string; entitlement_id: string; principal_id: string }, assignees: readonly string[]): Promise<{ taskId: string; orderId: string }> {
  const at = isoTime(new Date())
  const orderId = newId('ord')
  const taskId = newId('mtk')
  await store.transaction(async (trx) => {
    await insertOrder(trx, {
      id: orderId,
      kind: 'grant',
      origin: 'order',
      ...grant,
      request_id: null,
      duration_minutes: null,
      actor: 'system',
      state: 'manual',
      attempts: 5,
      last_error: 'ONELOGIN_UNAVAILABLE: OneLogin is down',
      outcome: null,
      timebound_grant_id: null,
      events: JSON.stringify([{ at, state: 'manual', message: 'handed to people' }]),
      created_at: at,
      updated_at: at,
    })
    await insertManualTask(
      trx,
      { id: taskId, order_id: orderId, state: 'open', instructions: `Add ${grant.principal_id} to ${grant.entitlement_id} in OneLogin`, error: 'OneLogin is down', completed_by: null, completed_at: null, note: null, created_at: at, updated_at: at },
      assignees,
    )
  })
  return { taskId, orderId }
}

/** An active time-bound grant made straight through the store (no OneLogin involved), ending in an hour. */
export async function activeTimeboundGrant(store: Store, grant: { integration_id: string; entitlement_id: string; principal_id: string }): Promise<string> {
  const now = new Date()
  const id = newId('ord')
  await insertTimeboundGrant(store.db, {
    id,
    ...grant,
    request_id: null,
    state: 'active',
    granted_at: isoTime(now),
    expires_at: isoTime(new Date(now.getTime() + 3_600_000)),
    revoke_order_id: null,
    revoked_at: null,
    ended_by: null,
    created_by: 'system',
    updated_at: isoTime(now),
  })
  return id
}
