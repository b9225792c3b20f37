/**
 * Provisioning orders, time-bound (JIT) grants and manual tasks (issue 8).
 *
 * - An order (orderGrant, orderRevoke) is a row plus a durable `access.provision` job, both written
 *   in the caller's transaction: an approval that commits always gets provisioned, one that rolls
 *   back never does.
 * - The job grants or revokes through the connector (which reads OneLogin back to verify), records
 *   every attempt on the order, retries with the job system's back-off, and after its last attempt
 *   (or at once, when retrying can't help) hands the order to people as a manual task.
 * - A grant with a duration becomes a time-bound grant whose `access.expire` job is enqueued, in
 *   the transaction that records the grant, to run at expires_at. The expiry claims the grant
 *   (active → revoking, a compare-and-set) and orders its revoke, so it happens exactly once
 *   however many workers run, and nothing is lost across restarts: all of it is in the database.
 *
 * See docs/jit.md.
 */
import type { Kysely } from 'kysely'
import { revoke as connectorRevoke, grant as connectorGrant } from '../connector/index.js'
import type { ProvisionContext, ProvisionResult } from '../connector/index.js'
import { WardenError, errorText } from '../errors/index.js'
import { enqueue } from '../jobs/index.js'
import type { Job, JobHandler } from '../jobs/index.js'
import { parseEntitlementId, parseResourceId } from '../model/index.js'
import { OneLoginClient } from '../onelogin/index.js'
import type { OneLoginClientOptions } from '../onelogin/index.js'
import {
  appendAudit,
  appendAuditMany,
  claimExpiry,
  dialectOf,
  getIntegration,
  getManualTaskRecord,
  getTimeboundGrantRecord,
  insertManualTask,
  insertOrder,
  insertTimeboundGrant,
  isoTime,
  latestOrderFor,
  listIntegrationOwners,
  listManualTasks as listManualTaskRows,
  listTimeboundGrants as listTimeboundGrantRows,
  lockLiveTimeboundGrant,
  lockManualTask,
  lockOrder,
  lockTimeboundGrant,
  manualTaskAssignees,
  newId,
  orderEvents,
  ordersForRequests,
  startRevoking,
  updateManualTask,
  updateOrder,
  updateTimeboundGrant,
} from '../store/index.js'
import type {
  AuditInput,
  Database,
  GrantKey,
  Integration,
  ManualTaskRecord,
  OrderEventRecord,
  OrderRow,
  Page,
  PageRequest,
  Store,
  TimeboundGrantRecord,
  TimeboundGrantRow,
  TimeboundState,
} from '../store/index.js'
import type { IntegrationEnv } from './integration-env.js'
import { oneLoginBaseUrl } from './integration-env.js'
import { enqueueEmail } from './notifications.js'
import { authorize, can } from './policy.js'
import type { Actor } from './policy.js'
import { emitWebhookEvent } from './webhooks.js'

// ------------------------------------------------------------------ the seam's interface

export interface GrantOrder {
  integration_id: string
  entitlement_id: string
  /** The OneLogin user (`user:<id>`) who gets it. */
  principal_id: string
  /** The access request this carries out (null: an admin action, a drift revoke). */
  request_id: string | null
  /** A time-bound grant's length; null for a permanent one. */
  duration_minutes: number | null
  /** Who caused it: a user id or 'system'. */
  actor: string
}

export interface OrderEvent {
  at: string
  state: string
  message: string
}

export interface OrderView {
  id: string
  kind: 'grant' | 'revoke'
  request_id: string | null
  state: 'queued' | 'running' | 'done' | 'failed' | 'manual'
  attempts: number
  last_error: string | null
  expires_at: string | null
  events: OrderEvent[]
  updated_at: string
}

// ------------------------------------------------------------------ constants

/** Provisions or revokes one order. Payload `{ order_id }`. */
export const PROVISION_JOB = 'access.provision'
/** Ends a time-bound grant at its expires_at. Payload `{ grant_id }`. */
export const EXPIRE_JOB = 'access.expire'
/** Tells the holder, requester and owners that a time-bound grant ends soon. Payload `{ grant_id, expires_at }`. */
export const REMIND_JOB = 'access.remind'

/** Connector attempts per order before it becomes a manual task. */
export const PROVISION_ATTEMPTS = 5
/** The reminder goes out this long before a time-bound grant ends (WARDEN_JIT_REMINDER_LEAD_MINUTES). */
export const DEFAULT_REMINDER_LEAD_MINUTES = 24 * 60
export const DURATION_MINUTES_MAX = 366 * 24 * 60
export const MANUAL_TASK_NOTE_MAX = 2000

/** The reminder lead time from the environment (minutes, 0 for no reminders), else the default. */
export function reminderLeadMinutesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['WARDEN_JIT_REMINDER_LEAD_MINUTES']?.trim()
  if (raw === undefined || raw === '') return DEFAULT_REMINDER_LEAD_MINUTES
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > DURATION_MINUTES_MAX) {
    throw new WardenError('BAD_INPUT', `WARDEN_JIT_REMINDER_LEAD_MINUTES must be a whole number of minutes from 0 to ${DURATION_MINUTES_MAX}, not "${raw}"`)
  }
  return n
}

// ------------------------------------------------------------------ ordering

function grantKey(o: GrantKey): GrantKey {
  return { integration_id: o.integration_id, entitlement_id: o.entitlement_id, principal_id: o.principal_id }
}

function grantTarget(k: GrantKey): string {
  return `${k.integration_id}/${k.entitlement_id}:${k.principal_id}`
}

async function checkOrder(trx: Kysely<Database>, order: Omit<GrantOrder, 'duration_minutes'> & { duration_minutes?: number | null }): Promise<void> {
  parseEntitlementId(order.entitlement_id)
  const who = parseResourceId(order.principal_id)
  if (who.type !== 'user' && !(who.type === 'role' && order.entitlement_id.startsWith('privilege:'))) {
    throw new WardenError('BAD_INPUT', `principal_id: ${order.entitlement_id} is provisioned to users (user:<id>), not ${order.principal_id}`)
  }
  const d = order.duration_minutes
  if (d !== undefined && d !== null && (!Number.isInteger(d) || d < 1 || d > DURATION_MINUTES_MAX)) {
    throw new WardenError('BAD_INPUT', `duration_minutes: must be a whole number of minutes from 1 to ${DURATION_MINUTES_MAX}`)
  }
  if (order.actor === '') throw new WardenError('BAD_INPUT', 'actor: say who caused the order (a user id or system)')
  const exists = await trx.selectFrom('integrations').select('id').where('id', '=', order.integration_id).executeTakeFirst()
  if (exists === undefined) throw new WardenError('NOT_FOUND', `no integration ${order.integration_id}`)
}

function describeOrder(kind: 'grant' | 'revoke', key: GrantKey, duration: number | null): string {
  const span = duration === null ? '' : ` for ${formatMinutes(duration)}`
  return kind === 'grant' ? `grant ${key.entitlement_id} to ${key.principal_id}${span}` : `revoke ${key.entitlement_id} from ${key.principal_id}`
}

export function formatMinutes(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} d`
  if (minutes % 60 === 0) return `${minutes / 60} h`
  return minutes > 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`
}

async function enqueueProvision(trx: Kysely<Database>, orderId: string, now: Date): Promise<void> {
  // One job per order (its singleton key), with one attempt more than the order's: a claim whose
  // worker died counts an attempt, and the last run must still get to turn the order into a manual task.
  await enqueue(trx, { kind: PROVISION_JOB, payload: { order_id: orderId }, maxAttempts: PROVISION_ATTEMPTS + 1, singletonKey: `${PROVISION_JOB}:${orderId}` }, { now })
}

interface NewOrder extends GrantKey {
  kind: 'grant' | 'revoke'
  origin: OrderRow['origin']
  request_id: string | null
  duration_minutes: number | null
  actor: string
  timebound_grant_id: string | null
  message: string
}

async function createOrder(trx: Kysely<Database>, o: NewOrder, now: Date, id: string = newId('ord')): Promise<string> {
  const at = isoTime(now)
  await insertOrder(trx, {
    id,
    kind: o.kind,
    origin: o.origin,
    integration_id: o.integration_id,
    entitlement_id: o.entitlement_id,
    principal_id: o.principal_id,
    request_id: o.request_id,
    duration_minutes: o.duration_minutes,
    actor: o.actor,
    state: 'queued',
    attempts: 0,
    last_error: null,
    outcome: null,
    timebound_grant_id: o.timebound_grant_id,
    events: JSON.stringify([{ at, state: 'queued', message: o.message }]),
    created_at: at,
    updated_at: at,
  })
  await enqueueProvision(trx, id, now)
  return id
}

/** In the caller's transaction: records a grant order and enqueues its provisioning job. */
export async function orderGrant(trx: Kysely<Database>, order: GrantOrder, now: Date): Promise<string> {
  await checkOrder(trx, order)
  const key = grantKey(order)
  return createOrder(
    trx,
    { ...key, kind: 'grant', origin: 'order', request_id: order.request_id, duration_minutes: order.duration_minutes, actor: order.actor, timebound_grant_id: null, message: `ordered: ${describeOrder('grant', key, order.duration_minutes)}` },
    now,
  )
}

/**
 * In the caller's transaction: records a revoke order and enqueues its job. A live time-bound
 * grant of the same grant is marked revoking at once, so its expiry does not revoke it a second time.
 */
export async function orderRevoke(trx: Kysely<Database>, order: Omit<GrantOrder, 'duration_minutes'>, now: Date): Promise<string> {
  await checkOrder(trx, order)
  const key = grantKey(order)
  const id = newId('ord')
  const live = await lockLiveTimeboundGrant(trx, key)
  const ending = live !== undefined && (await startRevoking(trx, live.id, id, 'revoke_order', isoTime(now)))
  return createOrder(
    trx,
    { ...key, kind: 'revoke', origin: 'order', request_id: order.request_id, duration_minutes: null, actor: order.actor, timebound_grant_id: ending ? live.id : null, message: `ordered: ${describeOrder('revoke', key, null)}` },
    now,
    id,
  )
}

function toOrderView(row: OrderRow & { expires_at: string | null }): OrderView {
  return {
    id: row.id,
    kind: row.kind,
    request_id: row.request_id,
    state: row.state,
    attempts: Number(row.attempts),
    last_error: row.last_error,
    expires_at: row.expires_at,
    events: orderEvents(row),
    updated_at: row.updated_at,
  }
}

/**
 * The orders carrying out these requests (for request views: state and history), oldest first.
 * A time-bound grant's expiry is an order too (kind revoke) under the request that granted it, so
 * the request's history shows the access ending. expires_at is the time-bound grant's current end.
 */
export async function ordersOfRequests(db: Kysely<Database>, requestIds: readonly string[]): Promise<Map<string, OrderView[]>> {
  const out = new Map<string, OrderView[]>()
  for (const row of await ordersForRequests(db, [...new Set(requestIds)])) {
    if (row.request_id === null) continue
    const list = out.get(row.request_id) ?? []
    list.push(toOrderView(row))
    out.set(row.request_id, list)
  }
  return out
}

/**
 * Whether Warden ordered this grant (drift: a grant without one is out-of-band): the grant's most
 * recent order is a grant that is queued, running or done. A grant Warden gave and later revoked
 * (or let expire) that shows up again in OneLogin is out-of-band.
 */
export async function grantWasOrdered(db: Kysely<Database>, grant: { integration_id: string; entitlement_id: string; principal_id: string }): Promise<boolean> {
  const latest = await latestOrderFor(db, grantKey(grant))
  return latest !== undefined && latest.kind === 'grant' && ['queued', 'running', 'done'].includes(latest.state)
}

// ------------------------------------------------------------------ the jobs

export interface JitJobsOptions {
  /** Options for the OneLogin clients (tests: fewer retries, no waits; benchmarks: a larger budget). */
  clientOptions?: Pick<OneLoginClientOptions, 'retry' | 'sleep' | 'rateBudget'>
  /** Minutes before expiry that reminders go out (default: WARDEN_JIT_REMINDER_LEAD_MINUTES, else 24 h; 0: none). */
  reminderLeadMinutes?: number
}

/** What finishing an order needs besides the transaction. */
interface FinishEnv {
  now: Date
  reminderLeadMs: number
  publicUrl: string
}

/** An attempt's failure, as the order records it. */
class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly original?: unknown,
  ) {
    super(message)
  }
}

function parseOrderPayload(payload: unknown): string {
  const p = payload as { order_id?: unknown } | null
  if (p === null || typeof p !== 'object' || typeof p.order_id !== 'string') throw new WardenError('BAD_INPUT', `not an ${PROVISION_JOB} payload: ${JSON.stringify(payload)}`)
  return p.order_id
}

function parseGrantPayload(kind: string, payload: unknown): { grant_id: string; expires_at?: string } {
  const p = payload as { grant_id?: unknown; expires_at?: unknown } | null
  if (p === null || typeof p !== 'object' || typeof p.grant_id !== 'string') throw new WardenError('BAD_INPUT', `not an ${kind} payload: ${JSON.stringify(payload)}`)
  return typeof p.expires_at === 'string' ? { grant_id: p.grant_id, expires_at: p.expires_at } : { grant_id: p.grant_id }
}

/**
 * The worker's handlers for provisioning, expiry and reminders. One OneLogin client per
 * integration credential is kept between jobs (one token, one rate budget), rebuilt when the
 * integration's credentials change.
 */
export function jitJobs(env: IntegrationEnv, options: JitJobsOptions = {}): { handlers: Record<string, JobHandler> } {
  const leadMinutes = options.reminderLeadMinutes ?? reminderLeadMinutesFromEnv()
  const clients = new Map<string, OneLoginClient>()
  const finishers = new WeakMap<Store, GroupCommit>()
  const finisherFor = (store: Store): GroupCommit => {
    let f = finishers.get(store)
    if (f === undefined) finishers.set(store, (f = new GroupCommit(store)))
    return f
  }

  const clientFor = (integration: Integration): OneLoginClient => {
    if (integration.mode !== 'hosted' || integration.onelogin_domain === null || integration.client_id === null || integration.client_secret === null) {
      throw new AttemptFailure(
        integration.mode === 'self-hosted'
          ? `integration ${integration.id} is self-hosted: Warden holds no OneLogin credentials to provision with`
          : `integration ${integration.id} has no OneLogin credentials saved`,
        true,
      )
    }
    const cacheKey = [integration.id, integration.onelogin_domain, integration.client_id, integration.client_secret].join('\0')
    let client = clients.get(cacheKey)
    if (client === undefined) {
      for (const k of clients.keys()) if (k.startsWith(`${integration.id}\0`)) clients.delete(k)
      client = new OneLoginClient({
        baseUrl: oneLoginBaseUrl(env, integration.onelogin_domain),
        clientId: integration.client_id,
        clientSecret: env.secrets.decrypt(integration.client_secret, integration.id),
        ...options.clientOptions,
      })
      clients.set(cacheKey, client)
    }
    return client
  }

  const provision: JobHandler = async ({ job, store }) => {
    const orderId = parseOrderPayload(job.payload)
    const attempt = await startAttempt(store, orderId, job)
    if (attempt === undefined) return
    const { order, resumed } = attempt
    const key = grantKey(order)
    const final = job.attempts >= Math.max(1, job.max_attempts - 1)
    const finishEnv = (): FinishEnv => ({ now: new Date(), reminderLeadMs: leadMinutes * 60_000, publicUrl: env.publicUrl })
    /** Records a failed attempt; ends the job when the order went to people, else rethrows for a retry. */
    const fail = async (e: unknown): Promise<void> => {
      const failure = e instanceof AttemptFailure ? e : new AttemptFailure(errorText(e), e instanceof WardenError && !e.retryable, e)
      const handed = await store.transaction((trx) => recordFailure(trx, order.id, job, failure, final || failure.permanent, finishEnv()))
      if (!handed) throw failure.original ?? failure
    }
    let result: ProvisionResult
    let viaRole: number | undefined
    try {
      if (attempt.blocked !== undefined) throw new AttemptFailure(attempt.blocked, false)
      const integration = await getIntegration(store.db, order.integration_id)
      if (integration === undefined) throw new AttemptFailure(`integration ${order.integration_id} no longer exists`, true)
      const ctx: ProvisionContext = { client: clientFor(integration) }
      viaRole = await provisioningRole(store.db, key)
      if (viaRole !== undefined) ctx.appRoles = { [String(parseEntitlementId(key.entitlement_id).externalId)]: viaRole }
      result = order.kind === 'grant' ? await connectorGrant(ctx, key.entitlement_id, key.principal_id) : await connectorRevoke(ctx, key.entitlement_id, key.principal_id)
      if (result.outcome === 'not_applied') throw new AttemptFailure(result.message, true)
    } catch (e) {
      return fail(e)
    }
    const done = result
    try {
      await finisherFor(store).run((trx) => finishOrder(trx, order.id, { outcome: done.outcome, message: done.message, through: done.through ?? [], viaRole, resumed }, finishEnv()))
    } catch (e) {
      // The grant's expiry started meanwhile: try again after it (other errors: the job retries, resumed).
      if (e instanceof WardenError && e.code === 'CONFLICT') return fail(new AttemptFailure(e.message, false))
      throw e
    }
  }

  const expire: JobHandler = async ({ job, store }) => {
    const { grant_id } = parseGrantPayload(EXPIRE_JOB, job.payload)
    const now = new Date()
    await store.transaction(async (trx) => {
      const orderId = newId('ord')
      const claimed = await claimExpiry(trx, grant_id, orderId, isoTime(now))
      // Not active any more (revoked, revoking, made permanent), or extended past now: nothing to do.
      if (claimed === undefined) return
      await createOrder(
        trx,
        {
          ...grantKey(claimed),
          kind: 'revoke',
          origin: 'expiry',
          request_id: claimed.request_id,
          duration_minutes: null,
          actor: 'system',
          timebound_grant_id: claimed.id,
          message: `expired at ${claimed.expires_at}: ${describeOrder('revoke', claimed, null)}`,
        },
        now,
        orderId,
      )
    })
  }

  const remind: JobHandler = async ({ job, store }) => {
    const { grant_id, expires_at } = parseGrantPayload(REMIND_JOB, job.payload)
    const grant = await getTimeboundGrantRecord(store.db, grant_id)
    // Ended, or extended since (the extension scheduled a reminder of its own).
    if (grant === undefined || grant.state !== 'active' || grant.expires_at !== expires_at) return
    const recipients = await grantRecipients(store.db, grant)
    if (recipients.length === 0) return
    const what = `${grant.entitlement_name ?? grant.entitlement_id} for ${personLabel(grant)}`
    await store.transaction(async (trx) => {
      for (const to of recipients) {
        await enqueueEmail(trx, {
          to,
          subject: `Warden: ${what} ends ${grant.expires_at}`,
          text: [
            `The time-bound access ${what} ends at ${grant.expires_at} (UTC), when Warden removes it in OneLogin.`,
            '',
            `To keep it longer, ask for an extension in Warden: ${env.publicUrl}/requests`,
          ].join('\n'),
        })
      }
    })
  }

  return { handlers: { [PROVISION_JOB]: provision, [EXPIRE_JOB]: expire, [REMIND_JOB]: remind } }
}

/** Most finishes one transaction commits. */
const GROUP_COMMIT_MAX = 50

interface PendingFinish {
  work: (trx: Kysely<Database>) => Promise<AuditInput[]>
  resolve: () => void
  reject: (e: unknown) => void
}

/**
 * Group commit of finished orders, per worker process and store. Every finish appends to the
 * audit log, whose head row is locked from the append until commit, so finishing transactions
 * run one at a time across all workers; with many jobs at once that lock, not OneLogin, would set
 * the pace. So finishes that arrive while one transaction is committing wait and then commit
 * together, their audit entries appended as one stretch of the chain: one lock and one commit
 * for up to GROUP_COMMIT_MAX orders. A lone finish commits at once (no added latency). When a
 * batch fails, each of its finishes is tried again alone, so one bad order fails only itself.
 */
class GroupCommit {
  readonly #store: Store
  #queue: PendingFinish[] = []
  #draining = false

  constructor(store: Store) {
    this.#store = store
  }

  run(work: PendingFinish['work']): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ work, resolve, reject })
      if (!this.#draining) void this.#drain()
    })
  }

  async #drain(): Promise<void> {
    this.#draining = true
    try {
      while (this.#queue.length > 0) await this.#commit(this.#queue.splice(0, GROUP_COMMIT_MAX))
    } finally {
      this.#draining = false
    }
  }

  async #commit(batch: readonly PendingFinish[]): Promise<void> {
    const once = async (items: readonly PendingFinish[]): Promise<void> =>
      this.#store.transaction(async (trx) => {
        const audit: AuditInput[] = []
        for (const item of items) audit.push(...(await item.work(trx)))
        if (audit.length > 0) await appendAuditMany(trx, audit)
      })
    try {
      await once(batch)
      for (const item of batch) item.resolve()
    } catch (e) {
      if (batch.length === 1) {
        batch[0]?.reject(e)
        return
      }
      for (const item of batch) {
        try {
          await once([item])
          item.resolve()
        } catch (alone) {
          item.reject(alone)
        }
      }
    }
  }
}

/**
 * Marks an attempt started; undefined when the order is finished (a retry after success, a stale
 * job). `blocked` says why this attempt must fail without trying.
 */
async function startAttempt(store: Store, orderId: string, job: Job): Promise<{ order: OrderRow; resumed: boolean; blocked?: string } | undefined> {
  return store.transaction(async (trx) => {
    const order = await lockOrder(trx, orderId)
    if (order === undefined || (order.state !== 'queued' && order.state !== 'running')) return undefined
    // Still "running": an earlier attempt died before recording its outcome, so OneLogin may
    // already hold what it did.
    const resumed = order.state === 'running'
    let blocked: string | undefined
    if (order.kind === 'grant') {
      const live = await lockLiveTimeboundGrant(trx, grantKey(order))
      // An expiry (or revoke) of this grant is under way: grant after it, or it would undo this.
      if (live?.state === 'revoking') blocked = `waiting for the revoke of the time-bound grant ${live.id} (order ${live.revoke_order_id ?? '?'}) to finish`
    }
    const now = isoTime(new Date())
    const updated = await updateOrder(
      trx,
      order,
      { state: 'running', attempts: job.attempts },
      [{ at: now, state: 'running', message: `attempt ${job.attempts} of ${Math.max(1, job.max_attempts - 1)}${resumed ? ' (the previous attempt was interrupted)' : ''}` }],
      now,
    )
    return blocked === undefined ? { order: updated, resumed } : { order: updated, resumed, blocked }
  })
}

/** For app access: the role Warden provisions the app through (the managed app's first binding in this integration). */
async function provisioningRole(db: Kysely<Database>, key: GrantKey): Promise<number | undefined> {
  const m = /^app:(\d+):access$/.exec(key.entitlement_id)
  if (m === null) return undefined
  const row = await db
    .selectFrom('app_bindings as b')
    .innerJoin('apps as a', 'a.id', 'b.app_id')
    .select('b.entitlement_id')
    .where('a.source_integration_id', '=', key.integration_id)
    .where('a.source_resource_id', '=', `app:${m[1]}`)
    .where('b.integration_id', '=', key.integration_id)
    .where('b.entitlement_id', 'like', 'role:%:member')
    .orderBy('b.entitlement_id')
    .executeTakeFirst()
  const role = row === undefined ? null : /^role:(\d+):member$/.exec(row.entitlement_id)
  return role === null ? undefined : Number(role[1])
}

/**
 * Records a failed attempt. Returns true when the order was handed to people (a manual task):
 * the job then ends; false when it should be retried (the caller rethrows).
 */
async function recordFailure(trx: Kysely<Database>, orderId: string, job: Job, failure: AttemptFailure, final: boolean, env: FinishEnv): Promise<boolean> {
  const order = await lockOrder(trx, orderId)
  if (order === undefined || order.state !== 'running') return true
  const at = isoTime(env.now)
  if (!final) {
    await updateOrder(trx, order, { state: 'queued', last_error: failure.message }, [{ at, state: 'queued', message: `attempt ${job.attempts} failed, retrying with back-off: ${failure.message}` }], at)
    return false
  }
  await handToPeople(trx, order, failure.message, `attempt ${job.attempts} failed${failure.permanent ? ' (retrying cannot help)' : ', the last one'}: ${failure.message}`, env)
  return true
}

/** Turns an order into a manual task for the app's owners: state manual, emails, request.failed. */
async function handToPeople(trx: Kysely<Database>, order: OrderRow, error: string, why: string, env: FinishEnv): Promise<void> {
  const at = isoTime(env.now)
  const key = grantKey(order)
  const owners = await ownersOf(trx, key)
  const names = await grantNames(trx, key)
  const integration = await getIntegration(trx, key.integration_id)
  const taskId = newId('mtk')
  const verb = order.kind === 'grant' ? `Add ${names.principal} to ${names.entitlement}` : `Remove ${names.principal} from ${names.entitlement}`
  const viaRole = await provisioningRole(trx, key)
  const instructions = [
    `${verb} in OneLogin${integration?.onelogin_domain ? ` (${integration.onelogin_domain})` : ''}, then mark this task complete in Warden.`,
    `Entitlement ${key.entitlement_id}, user ${key.principal_id}${viaRole === undefined ? '' : `; Warden provisions this app through role:${viaRole} (membership of that role)`}.`,
    order.kind === 'grant' && order.duration_minutes !== null ? `The access is time-bound (${formatMinutes(order.duration_minutes)}): Warden removes it when the time is up, counted from when you complete this task.` : '',
    `Warden could not do it: ${error}`,
  ]
    .filter((l) => l !== '')
    .join('\n')
  await insertManualTask(trx, { id: taskId, order_id: order.id, state: 'open', instructions, error, completed_by: null, completed_at: null, note: null, created_at: at, updated_at: at }, owners.ids)
  await updateOrder(
    trx,
    order,
    { state: 'manual', last_error: error },
    [
      { at, state: 'failed', message: why },
      { at, state: 'manual', message: `handed to people: manual task ${taskId} for ${owners.label}` },
    ],
    at,
  )
  const emails = await userEmails(trx, owners.ids)
  for (const to of emails) {
    await enqueueEmail(trx, {
      to,
      subject: `Warden: manual provisioning needed: ${verb.toLowerCase()}`,
      text: [`Warden could not ${order.kind} this access in OneLogin and needs you to do it by hand.`, '', instructions, '', `The task: ${env.publicUrl}/tasks/manual`].join('\n'),
    })
  }
  await emitWebhookEvent(trx, 'request.failed', { ...orderData(order), manual_task_id: taskId, error }, env.now)
  await appendAudit(trx, { actor: 'system', action: 'access.manual_task', target_type: 'grant', target_id: grantTarget(key), after: { order_id: order.id, manual_task_id: taskId, kind: order.kind, error, assignees: owners.ids } })
}

function orderData(order: OrderRow): Record<string, unknown> {
  return {
    order_id: order.id,
    kind: order.kind,
    origin: order.origin,
    request_id: order.request_id,
    integration_id: order.integration_id,
    entitlement_id: order.entitlement_id,
    principal_id: order.principal_id,
    actor: order.actor,
  }
}

interface Outcome {
  outcome: string
  message: string
  /** For app access: the roles it is held through after the operation. */
  through: readonly string[]
  viaRole: number | undefined
  /** An earlier attempt may have made the change (it died before recording it), or people did. */
  resumed: boolean
}

/**
 * Records an order as done, with its effects, in the caller's transaction: the time-bound grant
 * (new, extended or ended) and its expiry and reminder jobs, the local inventory, webhooks and
 * (for an expiry) emails. Returns the audit entries for the caller to append last in that same
 * transaction (the audit head's lock is held until commit).
 */
async function finishOrder(trx: Kysely<Database>, orderId: string, result: Outcome, env: FinishEnv): Promise<AuditInput[]> {
  const order = await lockOrder(trx, orderId)
  // Already finished by another run of this job (a worker that lost its lease), or by people.
  if (order === undefined || (order.state !== 'running' && order.state !== 'manual')) return []
  const at = isoTime(env.now)
  const key = grantKey(order)
  const events: OrderEventRecord[] = [{ at, state: 'done', message: result.message }]
  let timeboundId = order.timebound_grant_id
  let expiresAt: string | null = null

  if (order.kind === 'grant') {
    const live = await lockLiveTimeboundGrant(trx, key)
    // The expiry (or a revoke) took this grant over meanwhile: run again once it is finished.
    if (live?.state === 'revoking') throw new WardenError('CONFLICT', `the time-bound grant ${live.id} is being revoked (order ${live.revoke_order_id ?? '?'}): grant again after that`)
    if (order.duration_minutes === null) {
      if (live !== undefined) {
        await updateTimeboundGrant(trx, live.id, { state: 'superseded', ended_by: 'permanent_grant', updated_at: at })
        await cancelGrantJobs(trx, live)
        events.push({ at, state: 'done', message: `the time-bound grant ${live.id} (ending ${live.expires_at}) is now permanent` })
        timeboundId = live.id
      }
    } else if (live !== undefined) {
      const extend = await isExtension(trx, order.request_id)
      const ms = order.duration_minutes * 60_000
      const from = Math.max(Date.parse(live.expires_at), env.now.getTime())
      const next = isoTime(new Date(extend ? from + ms : Math.max(Date.parse(live.expires_at), env.now.getTime() + ms)))
      await cancelGrantJobs(trx, live)
      const extended: TimeboundGrantRow = { ...live, expires_at: next, request_id: order.request_id ?? live.request_id, updated_at: at }
      await updateTimeboundGrant(trx, live.id, { expires_at: next, request_id: extended.request_id, updated_at: at })
      await scheduleGrantJobs(trx, extended, env)
      events.push({ at, state: 'done', message: `${extend ? 'extended' : 'renewed'} the time-bound grant ${live.id}: it now ends at ${next} (was ${live.expires_at})` })
      timeboundId = live.id
      expiresAt = next
    } else if (result.outcome === 'no_change' && !result.resumed) {
      // Held before Warden acted (directly in OneLogin, or permanently): making it expire would
      // take away access Warden did not give.
      events.push({ at, state: 'done', message: `${key.principal_id} already held ${key.entitlement_id}: left as it was, not made time-bound` })
    } else {
      const grant: TimeboundGrantRow = {
        id: order.id,
        integration_id: key.integration_id,
        entitlement_id: key.entitlement_id,
        principal_id: key.principal_id,
        request_id: order.request_id,
        state: 'active',
        granted_at: at,
        expires_at: isoTime(new Date(env.now.getTime() + order.duration_minutes * 60_000)),
        revoke_order_id: null,
        revoked_at: null,
        ended_by: null,
        created_by: order.actor,
        updated_at: at,
      }
      await insertTimeboundGrant(trx, grant)
      await scheduleGrantJobs(trx, grant, env)
      events.push({ at, state: 'done', message: `time-bound: ends at ${grant.expires_at}` })
      timeboundId = grant.id
      expiresAt = grant.expires_at
    }
  } else {
    const ended = order.timebound_grant_id !== null ? await lockTimeboundGrant(trx, order.timebound_grant_id) : await lockLiveTimeboundGrant(trx, key)
    if (ended !== undefined && (ended.state === 'active' || ended.state === 'revoking')) {
      await updateTimeboundGrant(trx, ended.id, { state: 'revoked', revoked_at: at, ended_by: ended.ended_by ?? 'revoke_order', revoke_order_id: ended.revoke_order_id ?? order.id, updated_at: at })
      await cancelGrantJobs(trx, ended)
      timeboundId = ended.id
      expiresAt = ended.expires_at
    }
  }

  const finished = await updateOrder(trx, order, { state: 'done', outcome: result.outcome, timebound_grant_id: timeboundId, last_error: order.state === 'manual' ? order.last_error : null }, events, at)
  await applyToInventory(trx, key, order.kind, result)

  const data = { ...orderData(finished), outcome: result.outcome, timebound_grant_id: timeboundId, expires_at: expiresAt }
  if (order.origin === 'expiry') {
    await emitWebhookEvent(trx, 'grant.expired', data, env.now)
    await notifyExpired(trx, order, env)
    return [{ actor: 'system', action: 'grant.expired', target_type: 'grant', target_id: grantTarget(key), after: data }]
  }
  await emitWebhookEvent(trx, 'request.provisioned', data, env.now)
  return [{ actor: 'system', action: order.kind === 'grant' ? 'access.granted' : 'access.revoked', target_type: 'grant', target_id: grantTarget(key), after: data }]
}

/** Whether the request an order carries out is an extension (kind extend). */
async function isExtension(trx: Kysely<Database>, requestId: string | null): Promise<boolean> {
  if (requestId === null) return false
  const row = await trx.selectFrom('access_requests').select('kind').where('id', '=', requestId).executeTakeFirst()
  return row?.kind === 'extend'
}

function expireKey(grant: Pick<TimeboundGrantRow, 'id' | 'expires_at'>): string {
  return `${EXPIRE_JOB}:${grant.id}@${grant.expires_at}`
}

function remindKey(grant: Pick<TimeboundGrantRow, 'id' | 'expires_at'>): string {
  return `${REMIND_JOB}:${grant.id}@${grant.expires_at}`
}

/** The expiry job at expires_at, and the reminder lead time before it (none when that is already past). */
async function scheduleGrantJobs(trx: Kysely<Database>, grant: TimeboundGrantRow, env: FinishEnv): Promise<void> {
  await enqueue(trx, { kind: EXPIRE_JOB, payload: { grant_id: grant.id }, runAt: grant.expires_at, maxAttempts: 10, singletonKey: expireKey(grant) }, { now: env.now })
  if (env.reminderLeadMs <= 0) return
  const remindAt = Date.parse(grant.expires_at) - env.reminderLeadMs
  if (remindAt <= env.now.getTime()) return
  await enqueue(trx, { kind: REMIND_JOB, payload: { grant_id: grant.id, expires_at: grant.expires_at }, runAt: new Date(remindAt), maxAttempts: 3, singletonKey: remindKey(grant) }, { now: env.now })
}

/**
 * Drops a grant's queued expiry and reminder for its current end (an extension schedules new
 * ones). One that is already running finds the grant changed and does nothing.
 */
async function cancelGrantJobs(trx: Kysely<Database>, grant: TimeboundGrantRow): Promise<void> {
  await trx.deleteFrom('jobs').where('singleton_key', 'in', [expireKey(grant), remindKey(grant)]).where('status', 'in', ['queued', 'failed']).execute()
}

/**
 * The local inventory follows a finished order, so pages show the change before the next sync
 * (which then finds nothing new). Direct grants are set or cleared, and what they carry (a role's
 * apps, by the implications the last sync recorded) gains or loses them as a source.
 */
async function applyToInventory(trx: Kysely<Database>, key: GrantKey, kind: 'grant' | 'revoke', result: Outcome): Promise<void> {
  const held = kind === 'grant'
  let direct: string[]
  if (key.entitlement_id.startsWith('app:')) {
    // App access is held through roles: the direct grant is the provisioning role's membership.
    const roles = held ? result.through.filter((r) => r === `role:${result.viaRole}:member`) : result.viaRole === undefined ? [] : [`role:${result.viaRole}:member`]
    direct = roles
  } else {
    direct = [key.entitlement_id]
  }
  for (const entitlement of direct) {
    if (held && entitlement.startsWith('group:')) {
      // A user is in one group at most: joining one leaves the other.
      await trx
        .deleteFrom('grants')
        .where('integration_id', '=', key.integration_id)
        .where('principal_id', '=', key.principal_id)
        .where('entitlement_id', 'like', 'group:%:member')
        .where('entitlement_id', '!=', entitlement)
        .execute()
    }
    await changeGrant(trx, { ...key, entitlement_id: entitlement }, { direct: held })
    const carried = await trx
      .selectFrom('implications')
      .select('to_entitlement')
      .where('integration_id', '=', key.integration_id)
      .where('from_entitlement', '=', entitlement)
      .execute()
    for (const c of carried) await changeGrant(trx, { ...key, entitlement_id: c.to_entitlement }, held ? { add: entitlement } : { remove: entitlement })
  }
}

async function changeGrant(trx: Kysely<Database>, key: GrantKey, change: { direct?: boolean; add?: string; remove?: string }): Promise<void> {
  const select = trx
    .selectFrom('grants')
    .selectAll()
    .where('integration_id', '=', key.integration_id)
    .where('entitlement_id', '=', key.entitlement_id)
    .where('principal_id', '=', key.principal_id)
  // Locked on PostgreSQL: two finishes adding sources to one row must not lose one.
  const row = await (dialectOf(trx) === 'postgres' ? select.forUpdate() : select).executeTakeFirst()
  const sources = new Set<string>(row === undefined ? [] : (JSON.parse(row.sources) as string[]))
  if (change.add !== undefined) sources.add(change.add)
  if (change.remove !== undefined) sources.delete(change.remove)
  const direct = change.direct ?? (row !== undefined && Number(row.direct) === 1)
  if (!direct && sources.size === 0) {
    if (row !== undefined) {
      await trx
        .deleteFrom('grants')
        .where('integration_id', '=', key.integration_id)
        .where('entitlement_id', '=', key.entitlement_id)
        .where('principal_id', '=', key.principal_id)
        .execute()
    }
    return
  }
  const values = { direct: direct ? 1 : 0, sources: JSON.stringify([...sources].sort()) }
  if (row !== undefined) {
    await trx
      .updateTable('grants')
      .set(values)
      .where('integration_id', '=', key.integration_id)
      .where('entitlement_id', '=', key.entitlement_id)
      .where('principal_id', '=', key.principal_id)
      .execute()
    return
  }
  const inserted = await trx
    .insertInto('grants')
    // A grant Warden provisioned is first seen when the provisioning finished.
    .values({ ...key, ...values, first_seen_at: isoTime(new Date()) })
    .onConflict((oc) => oc.columns(['integration_id', 'entitlement_id', 'principal_id']).doNothing())
    .returning('principal_id')
    .execute()
  // A concurrent finish (another of this person's grants carrying the same app) wrote it first: merge.
  if (inserted.length === 0) await changeGrant(trx, key, change)
}

// ------------------------------------------------------------------ people: owners, recipients, names

/**
 * Who provisions by hand when Warden can't: the entitlement's owners and the owners of the app it
 * belongs to (the owners of the app's access entitlement, for an app's access or a role bound to a
 * managed app), else the integration's owners, else the Super Administrators (so no task is orphaned).
 */
export async function ownersOf(db: Kysely<Database>, key: Pick<GrantKey, 'integration_id' | 'entitlement_id'>): Promise<{ ids: string[]; label: string }> {
  const appAccess = await db
    .selectFrom('app_bindings as b')
    .innerJoin('apps as a', 'a.id', 'b.app_id')
    .select(['a.source_integration_id', 'a.source_resource_id'])
    .where('b.integration_id', '=', key.integration_id)
    .where('b.entitlement_id', '=', key.entitlement_id)
    .execute()
  const entitlements: { integration_id: string; entitlement_id: string }[] = [{ integration_id: key.integration_id, entitlement_id: key.entitlement_id }]
  for (const a of appAccess) {
    if (a.source_integration_id !== null && a.source_resource_id !== null) entitlements.push({ integration_id: a.source_integration_id, entitlement_id: `${a.source_resource_id}:access` })
  }
  const owners = new Set<string>()
  for (const e of entitlements) {
    const rows = await db
      .selectFrom('entitlement_owners as o')
      .innerJoin('users as u', 'u.id', 'o.user_id')
      .select('u.id')
      .where('o.integration_id', '=', e.integration_id)
      .where('o.entitlement_id', '=', e.entitlement_id)
      .where('u.disabled', '=', 0)
      .execute()
    for (const r of rows) owners.add(r.id)
  }
  if (owners.size > 0) return { ids: [...owners].sort(), label: 'the owners of the entitlement and its app' }
  const integrationOwners = await listIntegrationOwners(db, key.integration_id)
  const enabled = integrationOwners.length === 0 ? [] : (await db.selectFrom('users').select('id').where('id', 'in', integrationOwners).where('disabled', '=', 0).execute()).map((r) => r.id)
  if (enabled.length > 0) return { ids: enabled.sort(), label: 'the integration owners' }
  // roles is a JSON array of role names: the LIKE narrows the rows, the parse decides.
  const admins = await db.selectFrom('users').select(['id', 'roles']).where('disabled', '=', 0).where('roles', 'like', '%"super-admin"%').execute()
  const supers = admins.filter((u) => (JSON.parse(u.roles) as string[]).includes('super-admin')).map((u) => u.id)
  return { ids: supers.sort(), label: 'the Super Administrators (the entitlement, its app and the integration have no owners)' }
}

async function userEmails(db: Kysely<Database>, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db.selectFrom('users').select('email').where('id', 'in', [...ids]).where('disabled', '=', 0).orderBy('email').execute()
  return rows.map((r) => r.email)
}

/** Who hears about a time-bound grant: its holder (their OneLogin email), the requester, and the owners. */
async function grantRecipients(db: Kysely<Database>, grant: GrantKey & { request_id: string | null }): Promise<string[]> {
  const out = new Set<string>()
  const holder = await db
    .selectFrom('resources')
    .select('email')
    .where('integration_id', '=', grant.integration_id)
    .where('id', '=', grant.principal_id)
    .executeTakeFirst()
  if (holder?.email) out.add(holder.email.toLowerCase())
  if (grant.request_id !== null) {
    const requester = await db
      .selectFrom('access_requests as r')
      .innerJoin('users as u', 'u.id', 'r.requester_id')
      .select('u.email')
      .where('r.id', '=', grant.request_id)
      .where('u.disabled', '=', 0)
      .executeTakeFirst()
    if (requester !== undefined) out.add(requester.email)
  }
  for (const e of await userEmails(db, (await ownersOf(db, grant)).ids)) out.add(e)
  return [...out].sort()
}

async function grantNames(db: Kysely<Database>, key: GrantKey): Promise<{ entitlement: string; principal: string }> {
  const e = await db.selectFrom('entitlements').select('display_name').where('integration_id', '=', key.integration_id).where('id', '=', key.entitlement_id).executeTakeFirst()
  const r = await db.selectFrom('resources').select(['display_name', 'email']).where('integration_id', '=', key.integration_id).where('id', '=', key.principal_id).executeTakeFirst()
  return {
    entitlement: e === undefined ? key.entitlement_id : `${e.display_name} (${key.entitlement_id})`,
    principal: r === undefined ? key.principal_id : `${r.display_name}${r.email ? ` <${r.email}>` : ''} (${key.principal_id})`,
  }
}

function personLabel(g: { principal_name: string | null; principal_email: string | null; principal_id: string }): string {
  return g.principal_name ?? g.principal_email ?? g.principal_id
}

async function notifyExpired(trx: Kysely<Database>, order: OrderRow, env: FinishEnv): Promise<void> {
  const key = grantKey(order)
  const names = await grantNames(trx, key)
  for (const to of await grantRecipients(trx, { ...key, request_id: order.request_id })) {
    await enqueueEmail(trx, {
      to,
      subject: `Warden: time-bound access ended: ${names.entitlement} for ${names.principal}`,
      text: [`The time-bound access ${names.entitlement} for ${names.principal} has ended; Warden removed it in OneLogin.`, '', `To get it again, request it in Warden: ${env.publicUrl}/requests`].join('\n'),
    })
  }
}

// ------------------------------------------------------------------ services for the API

export interface TimeboundGrantView {
  id: string
  integration_id: string
  entitlement_id: string
  entitlement_name: string | null
  principal_id: string
  principal_name: string | null
  principal_email: string | null
  request_id: string | null
  granted_at: string
  expires_at: string
  state: TimeboundState
  revoke_order_id: string | null
  revoked_at: string | null
}

function toTimeboundView(g: TimeboundGrantRecord): TimeboundGrantView {
  return {
    id: g.id,
    integration_id: g.integration_id,
    entitlement_id: g.entitlement_id,
    entitlement_name: g.entitlement_name,
    principal_id: g.principal_id,
    principal_name: g.principal_name,
    principal_email: g.principal_email,
    request_id: g.request_id,
    granted_at: g.granted_at,
    expires_at: g.expires_at,
    state: g.state,
    revoke_order_id: g.revoke_order_id,
    revoked_at: g.revoked_at,
  }
}

export interface TimeboundListFilter {
  integration_id?: string
  /** Default: live ones (active and revoking). */
  state?: TimeboundState
  /** Only the caller's own grants (always so for callers without access-requests:read). */
  mine?: boolean
}

/** Time-bound grants, soonest end first. Access Request readers see all; everyone else their own. */
export async function listTimeboundGrants(store: Store, actor: Actor, filter: TimeboundListFilter = {}, page: PageRequest = {}): Promise<Page<TimeboundGrantView>> {
  const own = filter.mine === true || !can(actor, 'access-requests:read')
  const rows = await listTimeboundGrantRows(
    store.db,
    {
      ...(filter.integration_id === undefined ? {} : { integration_id: filter.integration_id }),
      ...(filter.state === undefined ? {} : { states: [filter.state] }),
      ...(own ? { holder_user_id: actor.id } : {}),
    },
    page,
  )
  return { items: rows.items.map(toTimeboundView), next_cursor: rows.next_cursor }
}

/** "Revoke now": ends an active time-bound grant through a revoke order (the job does the revoke). */
export async function revokeTimeboundGrant(store: Store, actor: Actor, id: string, clock: { now?: Date } = {}): Promise<TimeboundGrantView & { order_id: string }> {
  authorize(actor, 'access-requests:write')
  const now = clock.now ?? new Date()
  const orderId = await store.transaction(async (trx) => {
    const grant = await lockTimeboundGrant(trx, id)
    if (grant === undefined) throw new WardenError('NOT_FOUND', `no time-bound grant ${id}`)
    const newOrder = newId('ord')
    if (!(await startRevoking(trx, id, newOrder, 'revoke_now', isoTime(now)))) {
      throw new WardenError('CONFLICT', `time-bound grant ${id} is ${grant.state}${grant.revoke_order_id ? ` (order ${grant.revoke_order_id})` : ''}: only an active one can be revoked`)
    }
    const key = grantKey(grant)
    await createOrder(
      trx,
      { ...key, kind: 'revoke', origin: 'revoke_now', request_id: grant.request_id, duration_minutes: null, actor: actor.id, timebound_grant_id: id, message: `revoke now, by ${actor.id}: ${describeOrder('revoke', key, null)}` },
      now,
      newOrder,
    )
    await appendAudit(trx, { actor: actor.id, action: 'grant.revoke_now', target_type: 'grant', target_id: grantTarget(key), before: { state: grant.state, expires_at: grant.expires_at }, after: { state: 'revoking', order_id: newOrder } })
    return newOrder
  })
  const view = await getTimeboundGrantRecord(store.db, id)
  if (view === undefined) throw new WardenError('NOT_FOUND', `no time-bound grant ${id}`)
  return { ...toTimeboundView(view), order_id: orderId }
}

export interface ManualTaskView {
  id: string
  order_id: string
  state: 'open' | 'done'
  kind: 'grant' | 'revoke'
  integration_id: string
  entitlement_id: string
  entitlement_name: string | null
  principal_id: string
  principal_name: string | null
  principal_email: string | null
  request_id: string | null
  instructions: string
  error: string | null
  assignees: { id: string; email: string; display_name: string }[]
  created_at: string
  completed_at: string | null
  completed_by: string | null
  note: string | null
}

async function toManualTaskViews(db: Kysely<Database>, rows: readonly ManualTaskRecord[]): Promise<ManualTaskView[]> {
  const assignees = await manualTaskAssignees(
    db,
    rows.map((r) => r.id),
  )
  return rows.map((t) => ({
    id: t.id,
    order_id: t.order_id,
    state: t.state,
    kind: t.kind,
    integration_id: t.integration_id,
    entitlement_id: t.entitlement_id,
    entitlement_name: t.entitlement_name,
    principal_id: t.principal_id,
    principal_name: t.principal_name,
    principal_email: t.principal_email,
    request_id: t.request_id,
    instructions: t.instructions,
    error: t.error,
    assignees: assignees.get(t.id) ?? [],
    created_at: t.created_at,
    completed_at: t.completed_at,
    completed_by: t.completed_by,
    note: t.note,
  }))
}

export interface ManualTaskListFilter {
  state?: 'open' | 'done'
  /** Every task (needs access-requests:read); default: the caller's own. */
  all?: boolean
}

/** Manual tasks, newest first: assigned to the caller, or (access-requests:read, all=true) every one. */
export async function listManualTasks(store: Store, actor: Actor, filter: ManualTaskListFilter = {}, page: PageRequest = {}): Promise<Page<ManualTaskView>> {
  if (filter.all === true) authorize(actor, 'access-requests:read')
  const rows = await listManualTaskRows(
    store.db,
    { ...(filter.state === undefined ? {} : { state: filter.state }), ...(filter.all === true ? {} : { assignee_id: actor.id }) },
    page,
  )
  return { items: await toManualTaskViews(store.db, rows.items), next_cursor: rows.next_cursor }
}

export async function getManualTask(store: Store, actor: Actor, id: string): Promise<ManualTaskView> {
  const row = await getManualTaskRecord(store.db, id)
  const [view] = row === undefined ? [] : await toManualTaskViews(store.db, [row])
  if (view === undefined || !(can(actor, 'access-requests:read') || view.assignees.some((a) => a.id === actor.id))) {
    throw new WardenError('NOT_FOUND', `no manual task ${id}`)
  }
  return view
}

/**
 * Someone did the order's change in OneLogin by hand: the task is done and the order finishes as
 * if the connector had done it (a time-bound grant starts now and will expire; an expiry's revoke
 * ends its grant). Only an assignee or an Access Request administrator may complete it.
 */
export async function completeManualTask(
  store: Store,
  actor: Actor,
  id: string,
  input: { note?: string | null },
  env: { publicUrl: string; reminderLeadMinutes?: number },
  clock: { now?: Date } = {},
): Promise<ManualTaskView> {
  const note = input.note?.trim() || null
  if (note !== null && note.length > MANUAL_TASK_NOTE_MAX) throw new WardenError('BAD_INPUT', `note: at most ${MANUAL_TASK_NOTE_MAX} characters`)
  const now = clock.now ?? new Date()
  const lead = env.reminderLeadMinutes ?? reminderLeadMinutesFromEnv()
  await store.transaction(async (trx) => {
    const task = await lockManualTask(trx, id)
    if (task === undefined) throw new WardenError('NOT_FOUND', `no manual task ${id}`)
    const assigned = (await manualTaskAssignees(trx, [id])).get(id) ?? []
    if (!assigned.some((a) => a.id === actor.id) && !can(actor, 'access-requests:write')) {
      if (!can(actor, 'access-requests:read')) throw new WardenError('NOT_FOUND', `no manual task ${id}`)
      throw new WardenError('FORBIDDEN', `manual task ${id} is assigned to ${assigned.map((a) => a.email).join(', ') || 'no one'}: only they or an Access Request Administrator can complete it`)
    }
    if (task.state === 'done') throw new WardenError('CONFLICT', `manual task ${id} was completed at ${task.completed_at ?? '?'} by ${task.completed_by ?? '?'}`)
    const at = isoTime(now)
    await updateManualTask(trx, id, { state: 'done', completed_by: actor.id, completed_at: at, note, updated_at: at })
    const order = await lockOrder(trx, task.order_id)
    if (order === undefined) throw new WardenError('NOT_FOUND', `manual task ${id} has no order`)
    await updateOrder(trx, order, {}, [{ at, state: 'manual', message: `manual task ${id} completed by ${actor.id}${note === null ? '' : `: ${note}`}` }], at)
    const viaRole = await provisioningRole(trx, grantKey(order))
    const audit = await finishOrder(
      trx,
      order.id,
      { outcome: 'manual', message: `done by hand (manual task ${id})`, through: order.kind === 'grant' && viaRole !== undefined ? [`role:${viaRole}:member`] : [], viaRole, resumed: true },
      { now, reminderLeadMs: lead * 60_000, publicUrl: env.publicUrl },
    )
    await appendAuditMany(trx, [
      ...audit,
      { actor: actor.id, action: 'manual_task.complete', target_type: 'manual_task', target_id: id, before: { state: 'open' }, after: { state: 'done', order_id: order.id, note } },
    ])
  })
  return getManualTask(store, actor, id)
}
