import type { Kysely, Selectable } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database } from './database.js'
import { affected } from './db-errors.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'
import { isoTime } from './time.js'
import type { Clock } from './users-repo.js'

/**
 * Outbound webhooks (migration 0007): receivers, the deliveries of events to them, and each
 * delivery's attempts. The tables are declared here and merged into `Database` below, so this
 * issue's schema lives with the one repository that uses it.
 */

export interface WebhooksTable {
  id: string
  url: string
  description: string
  /** JSON array of event types or patterns (`request.approved`, `request.*`, `*`). */
  event_types: string
  enabled: number
  /** A SecretBox envelope sealed to the webhook's id (never the plaintext). */
  secret: string
  created_by: string
  created_at: string
  updated_at: string
}

export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed'

export interface WebhookDeliveriesTable {
  id: string
  webhook_id: string
  /** The event's id: the Webhook-Id header, the same on every attempt (receivers de-duplicate by it). */
  event_id: string
  event_type: string
  /** The exact JSON body sent on every attempt. */
  body: string
  state: WebhookDeliveryState
  attempts: number
  next_attempt_at: string | null
  last_status: number | null
  last_error: string | null
  created_at: string
  updated_at: string
  delivered_at: string | null
}

export type WebhookAttemptOutcome = 'delivered' | 'retry' | 'failed'

export interface WebhookAttemptsTable {
  delivery_id: string
  attempt: number
  started_at: string
  duration_ms: number
  /** The receiver's HTTP status; null when there was no response. */
  status: number | null
  error: string | null
  outcome: WebhookAttemptOutcome
  next_attempt_at: string | null
}

declare module './database.js' {
  interface Database {
    webhooks: WebhooksTable
    webhook_deliveries: WebhookDeliveriesTable
    webhook_attempts: WebhookAttemptsTable
  }
}

/** A webhook as stored, with its event types parsed; `secret` is still sealed. */
export interface Webhook {
  id: string
  url: string
  description: string
  event_types: string[]
  enabled: boolean
  secret: string
  created_by: string
  created_at: string
  updated_at: string
}

export type WebhookDelivery = Selectable<WebhookDeliveriesTable>
export type WebhookAttempt = Selectable<WebhookAttemptsTable>

export interface NewWebhook {
  /** Chosen by the caller, because the secret is sealed to it before the row exists. */
  id: string
  url: string
  description?: string
  event_types: readonly string[]
  enabled?: boolean
  /** Sealed. */
  secret: string
  created_by: string
}

export interface WebhookPatch {
  url?: string
  description?: string
  event_types?: readonly string[]
  enabled?: boolean
  /** Sealed. */
  secret?: string
}

function toWebhook(row: Selectable<WebhooksTable>): Webhook {
  const types: unknown = JSON.parse(row.event_types)
  return {
    ...row,
    event_types: Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : [],
    enabled: row.enabled === 1,
  }
}

export async function createWebhook(db: Kysely<Database>, input: NewWebhook, clock: Clock = {}): Promise<Webhook> {
  const now = isoTime(clock.now ?? new Date())
  const row: Selectable<WebhooksTable> = {
    id: input.id,
    url: input.url,
    description: input.description ?? '',
    event_types: JSON.stringify([...input.event_types]),
    enabled: input.enabled === false ? 0 : 1,
    secret: input.secret,
    created_by: input.created_by,
    created_at: now,
    updated_at: now,
  }
  await db.insertInto('webhooks').values(row).execute()
  return toWebhook(row)
}

export async function getWebhook(db: Kysely<Database>, id: string): Promise<Webhook | undefined> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toWebhook(row)
}

/** Webhooks, oldest first. */
export async function listWebhooks(db: Kysely<Database>, page: PageRequest = {}): Promise<Page<Webhook>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('webhooks').selectAll()
  if (page.cursor) q = q.where(keysetAfter(['created_at', 'id'], decodeCursor('webhooks', page.cursor, 2), 'asc'))
  const rows = await q.orderBy('created_at').orderBy('id').limit(limit + 1).execute()
  return toPage(rows.map(toWebhook), limit, 'webhooks', (w) => [w.created_at, w.id])
}

/** Every enabled webhook (an event is matched against each; there are few). */
export async function enabledWebhooks(db: Kysely<Database>): Promise<Webhook[]> {
  const rows = await db.selectFrom('webhooks').selectAll().where('enabled', '=', 1).orderBy('id').execute()
  return rows.map(toWebhook)
}

export async function updateWebhook(db: Kysely<Database>, id: string, patch: WebhookPatch, clock: Clock = {}): Promise<Webhook> {
  const set: Partial<Selectable<WebhooksTable>> = { updated_at: isoTime(clock.now ?? new Date()) }
  if (patch.url !== undefined) set.url = patch.url
  if (patch.description !== undefined) set.description = patch.description
  if (patch.event_types !== undefined) set.event_types = JSON.stringify([...patch.event_types])
  if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0
  if (patch.secret !== undefined) set.secret = patch.secret
  const row = await db.updateTable('webhooks').set(set).where('id', '=', id).returningAll().executeTakeFirst()
  if (row === undefined) throw new WardenError('NOT_FOUND', `no webhook ${id}`)
  return toWebhook(row)
}

/** Deletes a webhook with its deliveries and their attempts; false when there was none. */
export async function deleteWebhook(db: Kysely<Database>, id: string): Promise<boolean> {
  // Children first: SQLite enforces the cascade only with foreign keys on, so don't rely on it.
  const deliveries = db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', id)
  await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute()
  await db.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute()
  return affected(await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst()) === 1
}

export async function insertWebhookDeliveries(db: Kysely<Database>, rows: readonly WebhookDelivery[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('webhook_deliveries').values(rows.slice(i, i + 200)).execute()
}

export async function getWebhookDelivery(db: Kysely<Database>, id: string): Promise<WebhookDelivery | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst()
}

export interface WebhookDeliveryFilter {
  state?: WebhookDeliveryState
}

/** A webhook's deliveries, newest first. */
export async function queryWebhookDeliveries(db: Kysely<Database>, webhookId: string, filter: WebhookDeliveryFilter = {}, page: PageRequest = {}): Promise<Page<WebhookDelivery>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId)
  if (filter.state !== undefined) q = q.where('state', '=', filter.state)
  if (page.cursor) q = q.where(keysetAfter(['created_at', 'id'], decodeCursor('webhook_deliveries', page.cursor, 2), 'desc'))
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, 'webhook_deliveries', (d) => [d.created_at, d.id])
}

/** The attempts of these deliveries, by delivery id, in order. */
export async function webhookAttemptsOf(db: Kysely<Database>, deliveryIds: readonly string[]): Promise<Map<string, WebhookAttempt[]>> {
  const out = new Map<string, WebhookAttempt[]>(deliveryIds.map((id) => [id, []]))
  if (deliveryIds.length === 0) return out
  const rows = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', 'in', [...deliveryIds])
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute()
  for (const row of rows) out.get(row.delivery_id)?.push(row)
  return out
}

export type WebhookDeliveryPatch = Partial<Pick<WebhookDelivery, 'state' | 'attempts' | 'next_attempt_at' | 'last_status' | 'last_error' | 'delivered_at'>>

/**
 * Records one attempt and moves its delivery on, only if the delivery is still pending at the
 * attempt before this one (so a job that runs twice records it once). False when it was not.
 */
export async function recordWebhookAttempt(db: Kysely<Database>, attempt: WebhookAttempt, patch: WebhookDeliveryPatch, clock: Clock = {}): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ ...patch, attempts: attempt.attempt, updated_at: isoTime(clock.now ?? new Date()) })
    .where('id', '=', attempt.delivery_id)
    .where('state', '=', 'pending')
    .where('attempts', '=', attempt.attempt - 1)
    .executeTakeFirst()
  if (affected(result) !== 1) return false
  await db.insertInto('webhook_attempts').values(attempt).execute()
  return true
}

/** Ends a pending delivery without an attempt (its webhook was disabled, its secret unreadable). */
export async function abandonWebhookDelivery(db: Kysely<Database>, id: string, error: string, clock: Clock = {}): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ state: 'failed', last_error: error, next_attempt_at: null, updated_at: isoTime(clock.now ?? new Date()) })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst()
  return affected(result) === 1
}

/** Deletes finished (delivered or failed) deliveries last changed before `before`; returns how many. */
export async function purgeWebhookDeliveries(db: Kysely<Database>, before: Date): Promise<number> {
  const old = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('state', 'in', ['delivered', 'failed'])
    .where('updated_at', '<', isoTime(before))
  await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', old).execute()
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('state', 'in', ['delivered', 'failed'])
    .where('updated_at', '<', isoTime(before))
    .executeTakeFirst()
  return affected(result)
}
