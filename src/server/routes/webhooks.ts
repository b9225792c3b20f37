import { z } from 'zod'
import {
  WEBHOOK_DESCRIPTION_MAX,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES_MAX,
  WEBHOOK_SECRET_MAX,
  WEBHOOK_SECRET_MIN,
  WEBHOOK_URL_MAX,
  addWebhook,
  changeWebhook,
  getWebhookView,
  listWebhookDeliveries,
  listWebhookViews,
  removeWebhook,
  sendTestWebhook,
} from '../../governance/index.js'
import { authOf } from '../auth.js'
import { idParams, page, pageQuery, timestamp } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

/**
 * Outbound webhooks (Super Administrators; Read-only Administrators may look). The signing secret
 * is write-only: it is answered once, by the create (and by a patch that generates a new one),
 * through a schema of its own; every other response schema has no field that could carry it.
 */

const EVENTS = WEBHOOK_EVENT_TYPES.join(', ')

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    event_types: z.array(z.string()).describe('Event types (request.approved), patterns (request.*) or * for every event'),
    enabled: z.boolean(),
    created_by: z.string().describe('The Warden user who added it'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Webhook', description: 'An outbound webhook; never includes its signing secret' })

export const WebhookWithSecretSchema = WebhookSchema.extend({
  secret: z.string().describe('The signing secret: shown this once, never again. Store it with the receiver'),
}).meta({ id: 'WebhookWithSecret', description: 'A webhook with its new signing secret (only in the answer that set it)' })

const AttemptSchema = z.object({
  attempt: z.number().int(),
  started_at: timestamp,
  duration_ms: z.number().int(),
  status: z.number().int().nullable().describe("The receiver's HTTP status; null when it did not answer"),
  error: z.string().nullable(),
  outcome: z.enum(['delivered', 'retry', 'failed']),
  next_attempt_at: timestamp.nullable(),
})

export const WebhookDeliverySchema = z
  .object({
    id: z.string(),
    webhook_id: z.string(),
    event_id: z.string().describe('The Webhook-Id header: the same on every attempt'),
    event_type: z.string(),
    state: z.enum(['pending', 'delivered', 'failed']),
    next_attempt_at: timestamp.nullable(),
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    delivered_at: timestamp.nullable(),
    payload: z.unknown().describe('The body sent: {id, type, created_at, data}'),
    attempts: z.array(AttemptSchema),
  })
  .meta({ id: 'WebhookDelivery', description: 'One event sent (or being sent) to a webhook, with each attempt' })

const webhookId = idParams('whk', 'webhook')

const fields = {
  url: z.string().trim().min(1).max(WEBHOOK_URL_MAX).describe('Where to POST events: https (plain http only on a development server)'),
  description: z.string().max(WEBHOOK_DESCRIPTION_MAX).optional(),
  event_types: z
    .array(z.string().min(1).max(200))
    .min(1)
    .max(WEBHOOK_EVENT_TYPES_MAX)
    .optional()
    .describe(`Event types to send (default ["*"]): ${EVENTS}; a pattern like request.*; or * for every event`),
  enabled: z.boolean().optional().describe('Default true'),
  secret: z
    .string()
    .min(WEBHOOK_SECRET_MIN)
    .max(WEBHOOK_SECRET_MAX)
    .optional()
    .describe('The HMAC signing secret. Write-only: stored encrypted, never returned. Omit to have Warden generate one (answered once)'),
}

const SIGNING =
  'Each event is POSTed as JSON `{id, type, created_at, data}` with the headers `Webhook-Id` (the event id), ' +
  '`Webhook-Event`, `Webhook-Timestamp` (Unix seconds) and `Webhook-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` ' +
  'keyed with the secret. Network errors, 5xx and 429 are retried with exponential backoff (a longer Retry-After wins), ' +
  'up to 8 attempts; other answers fail at once.'

export function registerWebhookRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post('/api/v1/webhooks', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['webhooks'],
      summary: 'Add an outbound webhook (Super Administrators only)',
      description: `${SIGNING} The answer carries the signing secret, this once.`,
      body: z.strictObject(fields),
      response: { 201: WebhookWithSecretSchema },
    },
    handler: async (request, reply) => reply.code(201).send(await addWebhook(ctx.store, ctx.env, authOf(request).actor, request.body)),
  })

  app.get('/api/v1/webhooks', {
    config: { access: 'integrations:read' },
    schema: {
      tags: ['webhooks'],
      summary: 'List webhooks, oldest first (Super and Read-only Administrators)',
      querystring: z.strictObject(pageQuery),
      response: { 200: page(WebhookSchema) },
    },
    handler: async (request) => listWebhookViews(ctx.store, authOf(request).actor, request.query),
  })

  app.get('/api/v1/webhooks/:id', {
    config: { access: 'integrations:read' },
    schema: { tags: ['webhooks'], summary: 'One webhook (Super and Read-only Administrators)', params: webhookId, response: { 200: WebhookSchema } },
    handler: async (request) => getWebhookView(ctx.store, authOf(request).actor, request.params.id),
  })

  app.patch('/api/v1/webhooks/:id', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['webhooks'],
      summary: "Change a webhook's settings (Super Administrators only)",
      description:
        'Absent fields keep their value. Give `secret` to set a new signing secret of your own, or `rotate_secret: true` to ' +
        'have Warden generate one, which this answer then carries (this once). Disabling a webhook drops its unsent deliveries.',
      params: webhookId,
      body: z.strictObject({
        ...fields,
        url: fields.url.optional(),
        rotate_secret: z.boolean().optional().describe('Generate a new signing secret (answered once)'),
      }),
      response: { 200: z.union([WebhookWithSecretSchema, WebhookSchema]) },
    },
    handler: async (request) => changeWebhook(ctx.store, ctx.env, authOf(request).actor, request.params.id, request.body),
  })

  app.delete('/api/v1/webhooks/:id', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['webhooks'],
      summary: 'Delete a webhook and its delivery history (Super Administrators only)',
      params: webhookId,
      response: { 204: z.null().describe('Deleted') },
    },
    handler: async (request, reply) => {
      await removeWebhook(ctx.store, authOf(request).actor, request.params.id)
      return reply.code(204).send(null)
    },
  })

  app.get('/api/v1/webhooks/:id/deliveries', {
    config: { access: 'integrations:read' },
    schema: {
      tags: ['webhooks'],
      summary: "A webhook's deliveries, newest first, each with its attempts (Super and Read-only Administrators)",
      description: 'Finished deliveries are kept for 30 days.',
      params: webhookId,
      querystring: z.strictObject({ state: z.enum(['pending', 'delivered', 'failed']).optional(), ...pageQuery }),
      response: { 200: page(WebhookDeliverySchema) },
    },
    handler: async (request) => {
      const { state, limit, cursor } = request.query
      return listWebhookDeliveries(ctx.store, authOf(request).actor, request.params.id, state === undefined ? {} : { state }, { limit, cursor })
    },
  })

  app.post('/api/v1/webhooks/:id/test', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['webhooks'],
      summary: 'Send a webhook.test event to this webhook (Super Administrators only)',
      description: 'Sent whatever the webhook subscribes to, even when it is disabled. Follow it at GET /api/v1/webhooks/{id}/deliveries.',
      params: webhookId,
      response: { 202: WebhookDeliverySchema },
    },
    handler: async (request, reply) => reply.code(202).send(await sendTestWebhook(ctx.store, authOf(request).actor, request.params.id)),
  })
}
