import { createHmac, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { WardenError, errorText } from '../errors/index.js'
import { DEFAULT_BACKOFF, computeBackoff, enqueue, enqueueMany } from '../jobs/index.js'
import type { BackoffPolicy, JobHandler, Schedule } from '../jobs/index.js'
import {
  abandonWebhookDelivery,
  createWebhook,
  deleteWebhook,
  enabledWebhooks,
  getWebhook,
  getWebhookDelivery,
  insertWebhookDeliveries,
  isoTime,
  listWebhooks,
  newId,
  purgeWebhookDeliveries,
  queryWebhookDeliveries,
  recordWebhookAttempt,
  updateWebhook,
  webhookAttemptsOf,
} from '../store/index.js'
import type {
  Database,
  Page,
  PageRequest,
  Store,
  Webhook,
  WebhookAttempt,
  WebhookAttemptOutcome,
  WebhookDelivery,
  WebhookDeliveryPatch,
  WebhookDeliveryState,
  WebhookPatch,
} from '../store/index.js'
import { audited } from './audited.js'
import type { IntegrationEnv } from './integration-env.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * Signed outbound webhooks for request events (issue 8). A Super Administrator registers a
 * receiver URL and the event types it wants; governance code calls emitWebhookEvent in the
 * transaction of the change, which queues one delivery job per matching webhook (so an event is
 * sent if and only if its change committed). The delivery job POSTs
 *
 *   {"id": "<event id>", "type": "request.approved", "created_at": "<ISO time>", "data": {...}}
 *
 * with `Webhook-Id`, `Webhook-Event`, `Webhook-Timestamp` (Unix seconds) and
 * `Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` keyed with the webhook's
 * secret. Network errors, 5xx and 429 are retried with the job queue's exponential backoff (a
 * longer Retry-After wins); other statuses (redirects included) fail at once.
 *
 * Retries are chained jobs, one per attempt, not the worker's own retry: the worker cannot be told
 * to wait for a Retry-After, and each attempt is recorded (status, duration, error) with its
 * next job in one transaction, so the history at GET /webhooks/:id/deliveries is exact.
 *
 * The signing secret is write-only, like the OneLogin client secret: sealed with the server's key
 * (AES-256-GCM, bound to the webhook's id), shown once when Warden generates it, and never in a
 * view, an audit entry, a job payload or a log line.
 */

export const WEBHOOK_DELIVER_JOB = 'webhook.deliver'
export const WEBHOOK_PURGE_JOB = 'webhook.purge'
export const WEBHOOK_TEST_EVENT = 'webhook.test'

/** The events Warden sends today (a webhook may also subscribe to `request.*` or `*`). */
export const WEBHOOK_EVENT_TYPES = [
  'request.created',
  'request.approved',
  'request.denied',
  'request.cancelled',
  'request.provisioned',
  'request.failed',
  'grant.expired',
  'drift.found',
  'campaign.started',
  'campaign.closed',
  'review.revoked',
  WEBHOOK_TEST_EVENT,
] as const

/** Attempts per delivery (the first included); about 21 minutes of retries with the default backoff. */
export const WEBHOOK_MAX_ATTEMPTS = 8
/** How long one attempt waits for the receiver's response. */
export const WEBHOOK_TIMEOUT_MS = 10_000
/** A receiver's Retry-After is honoured up to this long. */
export const WEBHOOK_RETRY_AFTER_MAX_MS = 60 * 60 * 1000
/** Finished deliveries are kept this long for inspection. */
export const WEBHOOK_DELIVERY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000
export const WEBHOOK_URL_MAX = 2000
export const WEBHOOK_DESCRIPTION_MAX = 500
export const WEBHOOK_EVENT_TYPES_MAX = 50
export const WEBHOOK_SECRET_MIN = 16
export const WEBHOOK_SECRET_MAX = 256

/** A webhook as the API shows it: never the secret. */
export interface WebhookView {
  id: string
  url: string
  description: string
  /** Event types or patterns: `request.approved`, `request.*`, or `*` (everything). */
  event_types: string[]
  enabled: boolean
  created_by: string
  created_at: string
  updated_at: string
}

/** The answer to a create (and to a patch that generated a new secret): the secret, this once. */
export interface WebhookWithSecret extends WebhookView {
  secret: string
}

export interface WebhookAttemptView {
  attempt: number
  started_at: string
  duration_ms: number
  /** The receiver's HTTP status; null when it did not answer. */
  status: number | null
  error: string | null
  outcome: WebhookAttemptOutcome
  next_attempt_at: string | null
}

export interface WebhookDeliveryView {
  id: string
  webhook_id: string
  event_id: string
  event_type: string
  state: WebhookDeliveryState
  next_attempt_at: string | null
  last_status: number | null
  last_error: string | null
  created_at: string
  updated_at: string
  delivered_at: string | null
  /** The body sent (the event), parsed. */
  payload: unknown
  attempts: WebhookAttemptView[]
}

export interface NewWebhookInput {
  url: string
  description?: string
  /** Default `["*"]`: every event. */
  event_types?: readonly string[]
  enabled?: boolean
  /** Default: Warden generates one (`whsec_...`) and answers it once. */
  secret?: string
}

export interface WebhookChanges {
  url?: string
  description?: string
  event_types?: readonly string[]
  enabled?: boolean
  /** A new secret of your own ... */
  secret?: string
  /** ... or true to have Warden generate one (answered once). */
  rotate_secret?: boolean
}

export interface WebhookClock {
  now?: Date
}

// ---- who may do what ------------------------------------------------------------------------

/** Webhooks send governance data out of Warden: only Super Administrators set them up. */
function requireManager(actor: Actor): void {
  authorize(actor, 'integrations:write')
  if (!actor.roles.includes('super-admin')) throw new WardenError('FORBIDDEN', 'only a Super Administrator may manage webhooks')
}

/** Super and Read-only Administrators see webhooks and their deliveries (never the secrets). */
function requireReader(actor: Actor): void {
  authorize(actor, 'integrations:read')
  if (!actor.roles.includes('super-admin') && !actor.roles.includes('read-only-admin')) {
    throw new WardenError('FORBIDDEN', 'only a Super Administrator or a Read-only Administrator may see webhooks')
  }
}

// ---- checks ---------------------------------------------------------------------------------

const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/
const EVENT_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*)$/

/**
 * The receiver URL: https, or http only where the server allows plain URLs for development (the
 * same switch as the OneLogin emulator's). No credentials in it: they would be stored and shown
 * in the clear; the signature is how a receiver knows the sender.
 */
export function checkWebhookUrl(env: Pick<IntegrationEnv, 'allowOneLoginUrl'>, value: string): string {
  const text = value.trim()
  if (text === '') throw new WardenError('BAD_INPUT', 'url: must not be empty')
  if (text.length > WEBHOOK_URL_MAX) throw new WardenError('BAD_INPUT', `url: must be at most ${WEBHOOK_URL_MAX} characters`)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new WardenError('BAD_INPUT', `url: "${text}" is not a URL (e.g. https://hooks.example.com/warden)`)
  }
  if (url.protocol === 'http:' && !env.allowOneLoginUrl) {
    throw new WardenError('BAD_INPUT', 'url: must use https (plain http is allowed only on a development server started with --allow-onelogin-url)')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WardenError('BAD_INPUT', `url: must be an https URL, not ${url.protocol}`)
  if (url.username !== '' || url.password !== '') {
    throw new WardenError('BAD_INPUT', 'url: must not contain a user name or password (receivers check the Webhook-Signature instead)')
  }
  if (url.hash !== '') throw new WardenError('BAD_INPUT', 'url: must not have a #fragment')
  return url.href
}

/** Event types or patterns, de-duplicated; `*` alone stands for everything. */
export function checkEventTypes(types: readonly string[]): string[] {
  if (types.length === 0) throw new WardenError('BAD_INPUT', 'event_types: give at least one event type, or "*" for every event')
  if (types.length > WEBHOOK_EVENT_TYPES_MAX) throw new WardenError('BAD_INPUT', `event_types: at most ${WEBHOOK_EVENT_TYPES_MAX}`)
  const out: string[] = []
  for (const raw of types) {
    const t = raw.trim()
    if (!EVENT_TYPE.test(t) && !EVENT_PATTERN.test(t)) {
      throw new WardenError('BAD_INPUT', `event_types: "${raw}" is not an event type (e.g. request.approved), a pattern (request.*) or *`)
    }
    if (!out.includes(t)) out.push(t)
  }
  return out.includes('*') ? ['*'] : out.sort()
}

function checkSecret(value: string): string {
  if (value.length < WEBHOOK_SECRET_MIN || value.length > WEBHOOK_SECRET_MAX) {
    throw new WardenError('BAD_INPUT', `secret: must be ${WEBHOOK_SECRET_MIN} to ${WEBHOOK_SECRET_MAX} characters`)
  }
  if (!/^[\x21-\x7e]+$/.test(value)) throw new WardenError('BAD_INPUT', 'secret: use printable ASCII characters without spaces')
  return value
}

function checkDescription(value: string): string {
  const d = value.trim()
  if (d.length > WEBHOOK_DESCRIPTION_MAX) throw new WardenError('BAD_INPUT', `description: must be at most ${WEBHOOK_DESCRIPTION_MAX} characters`)
  return d
}

/** A new signing secret: 256 random bits. */
function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

/** Whether a webhook subscribed with `patterns` gets `type`. */
export function webhookWants(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))))
}

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the Webhook-Signature header. */
export function webhookSignature(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`
}

// ---- views ----------------------------------------------------------------------------------

function toView(w: Webhook): WebhookView {
  return {
    id: w.id,
    url: w.url,
    description: w.description,
    event_types: [...w.event_types],
    enabled: w.enabled,
    created_by: w.created_by,
    created_at: w.created_at,
    updated_at: w.updated_at,
  }
}

/** What an audit entry keeps of a webhook: its settings, never the secret or its ciphertext. */
function auditState(w: Webhook): Record<string, unknown> {
  return { url: w.url, description: w.description, event_types: w.event_types, enabled: w.enabled }
}

function toAttemptView(a: WebhookAttempt): WebhookAttemptView {
  return {
    attempt: a.attempt,
    started_at: a.started_at,
    duration_ms: a.duration_ms,
    status: a.status,
    error: a.error,
    outcome: a.outcome,
    next_attempt_at: a.next_attempt_at,
  }
}

function toDeliveryView(d: WebhookDelivery, attempts: readonly WebhookAttempt[]): WebhookDeliveryView {
  let payload: unknown
  try {
    payload = JSON.parse(d.body)
  } catch {
    payload = d.body
  }
  return {
    id: d.id,
    webhook_id: d.webhook_id,
    event_id: d.event_id,
    event_type: d.event_type,
    state: d.state,
    next_attempt_at: d.next_attempt_at,
    last_status: d.last_status,
    last_error: d.last_error,
    created_at: d.created_at,
    updated_at: d.updated_at,
    delivered_at: d.delivered_at,
    payload,
    attempts: attempts.map(toAttemptView),
  }
}

async function existing(db: Kysely<Database>, id: string): Promise<Webhook> {
  const hook = await getWebhook(db, id)
  if (hook === undefined) throw new WardenError('NOT_FOUND', `no webhook ${id}`)
  return hook
}

// ---- the services ---------------------------------------------------------------------------

/** Registers a webhook (Super Administrators). The answer carries the signing secret, this once. */
export async function addWebhook(store: Store, env: IntegrationEnv, actor: Actor, input: NewWebhookInput, clock: WebhookClock = {}): Promise<WebhookWithSecret> {
  requireManager(actor)
  const url = checkWebhookUrl(env, input.url)
  const eventTypes = checkEventTypes(input.event_types ?? ['*'])
  const description = checkDescription(input.description ?? '')
  const secret = input.secret === undefined ? generateSecret() : checkSecret(input.secret)
  const id = newId('whk')
  const sealed = env.secrets.encrypt(secret, id)
  return audited(store, actor, async (trx) => {
    const hook = await createWebhook(
      trx,
      { id, url, description, event_types: eventTypes, enabled: input.enabled ?? true, secret: sealed, created_by: actor.id },
      { now: clock.now ?? new Date() },
    )
    return {
      result: { ...toView(hook), secret },
      audit: [{ action: 'webhook.create', target_type: 'webhook', target_id: id, after: { ...auditState(hook), secret: input.secret === undefined ? 'generated' : 'set' } }],
    }
  })
}

export async function listWebhookViews(store: Store, actor: Actor, page: PageRequest = {}): Promise<Page<WebhookView>> {
  requireReader(actor)
  const hooks = await listWebhooks(store.db, page)
  return { items: hooks.items.map(toView), next_cursor: hooks.next_cursor }
}

export async function getWebhookView(store: Store, actor: Actor, id: string): Promise<WebhookView> {
  requireReader(actor)
  return toView(await existing(store.db, id))
}

/**
 * Changes a webhook's settings (absent fields stay). A new secret is either given (`secret`) or
 * generated (`rotate_secret`), and then answered once; deliveries already queued are signed with
 * the secret current when they are sent.
 */
export async function changeWebhook(
  store: Store,
  env: IntegrationEnv,
  actor: Actor,
  id: string,
  changes: WebhookChanges,
  clock: WebhookClock = {},
): Promise<WebhookView | WebhookWithSecret> {
  requireManager(actor)
  if (changes.secret !== undefined && changes.rotate_secret === true) {
    throw new WardenError('BAD_INPUT', 'secret, rotate_secret: give a new secret or ask for one to be generated, not both')
  }
  const patch: WebhookPatch = {}
  if (changes.url !== undefined) patch.url = checkWebhookUrl(env, changes.url)
  if (changes.event_types !== undefined) patch.event_types = checkEventTypes(changes.event_types)
  if (changes.description !== undefined) patch.description = checkDescription(changes.description)
  if (changes.enabled !== undefined) patch.enabled = changes.enabled
  const generated = changes.rotate_secret === true ? generateSecret() : undefined
  const newSecret = generated ?? (changes.secret === undefined ? undefined : checkSecret(changes.secret))
  if (newSecret !== undefined) patch.secret = env.secrets.encrypt(newSecret, id)
  return audited(store, actor, async (trx) => {
    const before = await existing(trx, id)
    const after = await updateWebhook(trx, id, patch, { now: clock.now ?? new Date() })
    const view = toView(after)
    return {
      result: generated === undefined ? view : { ...view, secret: generated },
      audit: [
        {
          action: 'webhook.update',
          target_type: 'webhook',
          target_id: id,
          before: auditState(before),
          after: { ...auditState(after), secret: generated !== undefined ? 'generated' : newSecret !== undefined ? 'replaced' : 'unchanged' },
        },
      ],
    }
  })
}

/** Deletes a webhook with its delivery history; deliveries not yet sent are dropped. */
export async function removeWebhook(store: Store, actor: Actor, id: string): Promise<void> {
  requireManager(actor)
  await audited(store, actor, async (trx) => {
    const before = await existing(trx, id)
    await deleteWebhook(trx, id)
    return { result: undefined, audit: [{ action: 'webhook.delete', target_type: 'webhook', target_id: id, before: auditState(before) }] }
  })
}

/** A webhook's deliveries, newest first, each with its attempts. */
export async function listWebhookDeliveries(
  store: Store,
  actor: Actor,
  id: string,
  filter: { state?: WebhookDeliveryState } = {},
  page: PageRequest = {},
): Promise<Page<WebhookDeliveryView>> {
  requireReader(actor)
  await existing(store.db, id)
  const deliveries = await queryWebhookDeliveries(store.db, id, filter, page)
  const attempts = await webhookAttemptsOf(store.db, deliveries.items.map((d) => d.id))
  return { items: deliveries.items.map((d) => toDeliveryView(d, attempts.get(d.id) ?? [])), next_cursor: deliveries.next_cursor }
}

/**
 * Queues a `webhook.test` event to this one webhook, whatever it subscribes to and even when it is
 * disabled (so a receiver can be checked before it is switched on). Answers the queued delivery.
 */
export async function sendTestWebhook(store: Store, actor: Actor, id: string, clock: WebhookClock = {}): Promise<WebhookDeliveryView> {
  requireManager(actor)
  const now = clock.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const hook = await existing(trx, id)
    const [delivery] = await queueDeliveries(trx, [hook], WEBHOOK_TEST_EVENT, { webhook_id: id, message: 'A test event from Warden.', sent_by: actor.id }, now)
    if (delivery === undefined) throw new WardenError('INTERNAL', 'the test delivery was not queued')
    return { result: toDeliveryView(delivery, []), audit: [{ action: 'webhook.test', target_type: 'webhook', target_id: id, after: { event_id: delivery.event_id } }] }
  })
}

/**
 * In the caller's transaction: queues a signed delivery of `type` (e.g. request.created,
 * request.approved, request.denied, request.provisioned, request.failed, grant.expired) to every
 * enabled webhook subscribed to it. `data` must be JSON (it is the event's `data`); never put a
 * secret in it.
 */
export async function emitWebhookEvent(trx: Kysely<Database>, type: string, data: unknown, now: Date): Promise<void> {
  if (!EVENT_TYPE.test(type)) throw new WardenError('BAD_INPUT', `webhook event type ${JSON.stringify(type)} is not dotted lower-case words (e.g. request.approved)`)
  const hooks = (await enabledWebhooks(trx)).filter((w) => webhookWants(w.event_types, type))
  if (hooks.length > 0) await queueDeliveries(trx, hooks, type, data, now)
}

/** Event ids share the generator of Warden's ids, with a prefix of their own. */
function prefixedId(prefix: 'evt' | 'whd'): string {
  return `${prefix}_${newId('whk').slice(4)}`
}

/** One delivery row and its first job per webhook; the body is fixed now, so retries resend the same bytes. */
async function queueDeliveries(trx: Kysely<Database>, hooks: readonly Webhook[], type: string, data: unknown, now: Date): Promise<WebhookDelivery[]> {
  const eventId = prefixedId('evt')
  const createdAt = isoTime(now)
  let body: string
  try {
    body = JSON.stringify({ id: eventId, type, created_at: createdAt, data: data ?? null })
  } catch (e) {
    throw new WardenError('BAD_INPUT', `webhook event ${type}: data is not JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e })
  }
  const rows: WebhookDelivery[] = hooks.map((w) => ({
    id: prefixedId('whd'),
    webhook_id: w.id,
    event_id: eventId,
    event_type: type,
    body,
    state: 'pending',
    attempts: 0,
    next_attempt_at: createdAt,
    last_status: null,
    last_error: null,
    created_at: createdAt,
    updated_at: createdAt,
    delivered_at: null,
  }))
  await insertWebhookDeliveries(trx, rows)
  await enqueueMany(
    trx,
    rows.map((d) => ({ kind: WEBHOOK_DELIVER_JOB, payload: { delivery_id: d.id, attempt: 1 } satisfies DeliverPayload, maxAttempts: JOB_MAX_ATTEMPTS })),
    { now },
  )
  return rows
}

// ---- delivery -------------------------------------------------------------------------------

/** A delivery job's payload: ids only (the body is in the delivery row, the secret sealed on the webhook). */
interface DeliverPayload {
  delivery_id: string
  /** Which attempt this job makes (1-based). */
  attempt: number
}

/** Tries of one delivery job when Warden itself fails (database down); receiver failures are attempts, not job failures. */
const JOB_MAX_ATTEMPTS = 5

function deliverPayload(payload: unknown): DeliverPayload {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Partial<Record<keyof DeliverPayload, unknown>>
  if (typeof p.delivery_id !== 'string' || typeof p.attempt !== 'number' || !Number.isInteger(p.attempt) || p.attempt < 1) {
    throw new WardenError('BAD_INPUT', `${WEBHOOK_DELIVER_JOB} payload is not {"delivery_id", "attempt"}`)
  }
  return { delivery_id: p.delivery_id, attempt: p.attempt }
}

export interface WebhookJobsOptions {
  /** Delay between attempts (default the job queue's: 5 s doubling to 1 h, ±20%). */
  backoff?: Partial<BackoffPolicy>
  /** Attempts per delivery (default 8). */
  maxAttempts?: number
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number
  /** How long finished deliveries are kept (default 30 days). */
  retentionMs?: number
}

/** What one POST came to. */
interface AttemptResult {
  status: number | null
  error: string | null
  retryAfterMs: number | undefined
}

/**
 * The worker's webhook handlers (delivery, and a daily purge of old deliveries) and the purge's
 * schedule. A worker that dies after the POST but before recording it sends that attempt again:
 * receivers de-duplicate by Webhook-Id.
 */
export function webhookJobs(env: Pick<IntegrationEnv, 'secrets' | 'allowOneLoginUrl'>, options: WebhookJobsOptions = {}): { handlers: Record<string, JobHandler>; schedules: Schedule[] } {
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff }
  const maxAttempts = options.maxAttempts ?? WEBHOOK_MAX_ATTEMPTS
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS
  const retentionMs = options.retentionMs ?? WEBHOOK_DELIVERY_RETENTION_MS

  const deliver: JobHandler = async ({ job, store, signal }) => {
    const p = deliverPayload(job.payload)
    const delivery = await getWebhookDelivery(store.db, p.delivery_id)
    // Gone (webhook deleted), finished, or this attempt was already made: nothing to do.
    if (delivery === undefined || delivery.state !== 'pending' || delivery.attempts !== p.attempt - 1) return
    const hook = await getWebhook(store.db, delivery.webhook_id)
    if (hook === undefined) return
    if (!hook.enabled && delivery.event_type !== WEBHOOK_TEST_EVENT) {
      await abandonWebhookDelivery(store.db, delivery.id, 'not sent: the webhook was disabled')
      return
    }
    try {
      // Checked again: a plain-http URL saved on a development server is not sent to from a production one.
      checkWebhookUrl(env, hook.url)
    } catch (e) {
      await abandonWebhookDelivery(store.db, delivery.id, `not sent: ${e instanceof Error ? e.message : String(e)}`)
      return
    }
    let secret: string
    try {
      secret = env.secrets.decrypt(hook.secret, hook.id)
    } catch (e) {
      await abandonWebhookDelivery(store.db, delivery.id, `not sent: ${errorText(e)}`)
      throw e
    }

    const started = new Date()
    const result = await post(hook.url, delivery, secret, timeoutMs, signal)
    // Stopped by the worker (shutdown): no attempt recorded; the job runs again when its lease expires.
    if (signal.aborted) throw new WardenError('INTERRUPTED', `delivery ${delivery.id} was interrupted by a worker shutdown`)
    const finished = new Date()

    const ok = result.status !== null && result.status >= 200 && result.status < 300
    const transient = !ok && (result.status === null || result.status === 429 || result.status >= 500)
    let outcome: WebhookAttemptOutcome
    let error = result.error
    if (ok) outcome = 'delivered'
    else if (transient && p.attempt < maxAttempts) outcome = 'retry'
    else {
      outcome = 'failed'
      if (transient) error = `${error ?? 'failed'}; gave up after ${p.attempt} attempt(s)`
    }
    // The job queue's backoff, unless the receiver asked for a longer wait (within reason).
    const nextAt =
      outcome === 'retry'
        ? new Date(finished.getTime() + Math.max(computeBackoff(p.attempt, backoff), Math.min(result.retryAfterMs ?? 0, WEBHOOK_RETRY_AFTER_MAX_MS)))
        : null

    const attempt: WebhookAttempt = {
      delivery_id: delivery.id,
      attempt: p.attempt,
      started_at: isoTime(started),
      duration_ms: finished.getTime() - started.getTime(),
      status: result.status,
      error,
      outcome,
      next_attempt_at: nextAt === null ? null : isoTime(nextAt),
    }
    const patch: WebhookDeliveryPatch = {
      last_status: result.status,
      last_error: error,
      next_attempt_at: attempt.next_attempt_at,
      ...(outcome === 'delivered' ? { state: 'delivered', delivered_at: isoTime(finished) } : {}),
      ...(outcome === 'failed' ? { state: 'failed' } : {}),
    }
    await store.transaction(async (trx) => {
      const recorded = await recordWebhookAttempt(trx, attempt, patch, { now: finished })
      if (recorded && nextAt !== null) {
        await enqueue(
          trx,
          { kind: WEBHOOK_DELIVER_JOB, payload: { delivery_id: delivery.id, attempt: p.attempt + 1 } satisfies DeliverPayload, runAt: nextAt, maxAttempts: JOB_MAX_ATTEMPTS },
          { now: finished },
        )
      }
    })
  }

  return {
    handlers: {
      [WEBHOOK_DELIVER_JOB]: deliver,
      [WEBHOOK_PURGE_JOB]: async ({ store }) => {
        await purgeWebhookDeliveries(store.db, new Date(Date.now() - retentionMs))
      },
    },
    schedules: [{ kind: WEBHOOK_PURGE_JOB, everyMs: 24 * 60 * 60 * 1000 }],
  }
}

/** Largest part of a receiver's error response kept in the attempt's error. */
const ERROR_BODY_CHARS = 200

/** One signed POST. Never throws for the receiver's sake: its failures are the result. */
async function post(url: string, delivery: WebhookDelivery, secret: string, timeoutMs: number, signal: AbortSignal): Promise<AttemptResult> {
  const timestamp = Math.floor(Date.now() / 1000)
  const timeout = AbortSignal.timeout(timeoutMs)
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Warden-Webhooks/1',
        'webhook-id': delivery.event_id,
        'webhook-event': delivery.event_type,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': webhookSignature(secret, timestamp, delivery.body),
      },
      body: delivery.body,
      // A redirect could carry the signed event somewhere else: it is a failure to fix at the source.
      redirect: 'manual',
      signal: AbortSignal.any([signal, timeout]),
    })
  } catch (e) {
    if (timeout.aborted) return { status: null, error: `no response within ${Math.round(timeoutMs / 1000)} s`, retryAfterMs: undefined }
    return { status: null, error: networkError(e), retryAfterMs: undefined }
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel().catch(() => undefined)
    return { status: res.status, error: null, retryAfterMs: undefined }
  }
  const snippet = await bodySnippet(res)
  const what = res.status >= 300 && res.status < 400 ? `HTTP ${res.status} redirect (not followed: point the webhook at the final URL)` : `HTTP ${res.status}`
  return { status: res.status, error: snippet === '' ? what : `${what}: ${snippet}`, retryAfterMs: retryAfter(res.headers) }
}

function networkError(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e
  const code = (cause as { code?: unknown }).code
  const message = cause instanceof Error ? cause.message : String(cause)
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
}

/** The start of an error response's body, as one line of text. */
async function bodySnippet(res: Response): Promise<string> {
  if (res.body === null) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < ERROR_BODY_CHARS * 4) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.length
    }
  } catch {
    // A body cut off mid-way: keep what arrived.
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  // eslint-disable-next-line no-control-regex -- control characters would break the one-line error
  const text = Buffer.concat(chunks).toString('utf8').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
  return text.length > ERROR_BODY_CHARS ? `${text.slice(0, ERROR_BODY_CHARS)}…` : text
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now. */
function retryAfter(headers: Headers): number | undefined {
  const value = headers.get('retry-after')?.trim()
  if (value === undefined || value === '') return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined
}
