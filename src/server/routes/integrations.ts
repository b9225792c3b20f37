import { z } from 'zod'
import {
  FULL_SYNC_INTERVAL_HOURS_MAX,
  INTEGRATION_OWNERS_MAX,
  SYNC_INTERVAL_MINUTES_MAX,
  createOneLoginIntegration,
  deleteIntegration,
  describeIntegrations,
  getIntegrationView,
  listIntegrationViews,
  listOwnerCandidates,
  setIntegrationOwnersAsAdmin,
  updateIntegrationSettings,
} from '../../governance/index.js'
import { authOf } from '../auth.js'
import { idParams, page, pageQuery, timestamp, wardenId } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'
import type { IntegrationView } from '../../governance/index.js'
import type { Store } from '../../store/index.js'

/**
 * OneLogin integrations (connectors): add one, save its settings, change its owners, delete it.
 * Field names are those of ConductorOne's Terraform resource `conductorone_integration_onelogin`
 * (reference/platform.md §1.4), so a provider maps one to one. The client secret is write-only:
 * the response schema has no field that could carry it.
 */

const STATUSES = ['not_connected', 'syncing', 'connected', 'error'] as const

export const UserSummary = z
  .object({ id: z.string(), email: z.string(), display_name: z.string() })
  .meta({ id: 'UserSummary', description: 'A Warden user as others see them' })
const MODES = ['hosted', 'self-hosted'] as const

export const IntegrationSchema = z
  .object({
    id: z.string(),
    app_id: z.string(),
    mode: z.enum(MODES).describe('hosted: Warden syncs with the stored credentials; self-hosted: `warden upload` sends syncs made elsewhere'),
    status: z.enum(STATUSES).describe('not_connected until settings are saved; syncing; connected; error (see last_error)'),
    onelogin_domain: z.string().nullable(),
    oauth_client_cred_grant_client_id: z.string().nullable(),
    client_secret_set: z.boolean().describe('Whether a client secret is stored; the secret itself is never returned'),
    user_ids: z.array(z.string()).describe("The integration owners' Warden user ids"),
    app_name: z.string().nullable().describe("The app's name"),
    owners: z.array(UserSummary).describe('The owners, with their names (the same users as user_ids)'),
    sync_privileges: z.boolean(),
    sync_interval_minutes: z.number().int(),
    full_sync_interval_hours: z.number().int(),
    paused: z.boolean(),
    next_sync_at: timestamp.nullable(),
    last_sync_at: timestamp.nullable(),
    last_full_sync_at: timestamp.nullable(),
    last_error: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Integration', description: 'A OneLogin integration (connector); never includes the client secret' })

const userId = wardenId('usr', 'user')
const integrationId = idParams('int', 'integration', 'an')

const settingsFields = {
  onelogin_domain: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe('The OneLogin tenant: acme, acme.onelogin.com or https://acme.onelogin.com (api.us|eu.onelogin.com also work)'),
  oauth_client_cred_grant_client_id: z.string().trim().min(1).max(500).optional().describe('The API credential\'s client ID (scope "Manage All")'),
  oauth_client_cred_grant_client_secret: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .optional()
    .describe('The API credential\'s client secret. Write-only: stored encrypted, never returned; omit to keep the stored one'),
  sync_privileges: z.boolean().optional().describe('Also sync delegated-administration privileges'),
  sync_interval_minutes: z.number().int().min(5).max(SYNC_INTERVAL_MINUTES_MAX).optional().describe('Minutes between scheduled syncs (default 60)'),
  full_sync_interval_hours: z.number().int().min(1).max(FULL_SYNC_INTERVAL_HOURS_MAX).optional().describe('Hours between full syncs; the others are incremental (default 24)'),
}

const userIds = z.array(userId).min(1).max(INTEGRATION_OWNERS_MAX)

/** One integration as the API answers it, with its app's and owners' names. */
export async function described(store: Store, view: IntegrationView) {
  return (await describeIntegrations(store, [view]))[0] as Awaited<ReturnType<typeof describeIntegrations>>[number]
}

export function registerIntegrationRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post('/api/v1/integrations', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['integrations'],
      summary: 'Add a OneLogin integration (Super Administrators only)',
      description:
        'Attaches to an existing app (`app_id`) or creates a new managed app (`app_name`): exactly one of the two. ' +
        '`user_ids` are the owners (default: you); each must be an Integration or Super Administrator, and each other ' +
        'than you is emailed a link to finish the setup. Without credentials the integration is `not_connected`; with ' +
        'them this is also a settings save (checked against OneLogin first; nothing is created if they fail).',
      body: z.strictObject({
        app_id: wardenId('app', 'app', 'an').optional(),
        app_name: z.string().trim().min(1).max(200).optional().describe('Create a new managed app with this name'),
        user_ids: userIds.optional(),
        mode: z.enum(MODES).optional().describe('Default hosted'),
        ...settingsFields,
      }),
      response: { 201: IntegrationSchema },
    },
    handler: async (request, reply) => {
      const view = await createOneLoginIntegration(ctx.store, ctx.env, authOf(request).actor, request.body)
      return reply.code(201).send(await described(ctx.store, view))
    },
  })

  app.get('/api/v1/integrations', {
    config: { access: 'integrations:read' },
    schema: {
      tags: ['integrations'],
      summary: 'List integrations, oldest first',
      querystring: z.strictObject({
        app_id: wardenId('app', 'app', 'an').optional(),
        status: z.enum(STATUSES).optional(),
        mode: z.enum(MODES).optional(),
        ...pageQuery,
      }),
      response: { 200: page(IntegrationSchema) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      const views = await listIntegrationViews(ctx.store, authOf(request).actor, filter, { limit, cursor })
      return { items: await describeIntegrations(ctx.store, views.items), next_cursor: views.next_cursor }
    },
  })

  app.get('/api/v1/integrations/owner-candidates', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['integrations'],
      summary: 'Who may be made an integration owner: enabled Super and Integration Administrators, by email',
      querystring: z.strictObject(pageQuery),
      response: { 200: page(UserSummary) },
    },
    handler: async (request) => listOwnerCandidates(ctx.store, authOf(request).actor, request.query),
  })

  app.get('/api/v1/integrations/:id', {
    config: { access: 'integrations:read' },
    schema: { tags: ['integrations'], summary: 'One integration', params: integrationId, response: { 200: IntegrationSchema } },
    handler: async (request) => described(ctx.store, await getIntegrationView(ctx.store, authOf(request).actor, request.params.id)),
  })

  app.patch('/api/v1/integrations/:id/settings', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['integrations'],
      summary: "Save an integration's settings (merged with the stored ones)",
      description:
        'For the integration\'s owners who are Integration Administrators, and any Super Administrator. Absent fields keep ' +
        'their stored value (the secret included, except that a new `onelogin_domain` needs the secret again). When the ' +
        'credentials of a hosted integration change they are checked against OneLogin first (a token, then a call only ' +
        'a Manage All credential may make); a failure says which field is wrong and changes nothing. A good save sets ' +
        'the status to `syncing` and queues a full sync. A self-hosted integration takes only `onelogin_domain` and the schedule.',
      params: integrationId,
      body: z.strictObject(settingsFields),
      response: { 200: IntegrationSchema },
    },
    handler: async (request) => described(ctx.store, await updateIntegrationSettings(ctx.store, ctx.env, authOf(request).actor, request.params.id, request.body)),
  })

  app.put('/api/v1/integrations/:id/owners', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['integrations'],
      summary: "Replace an integration's owners",
      description:
        'For the integration\'s owners who are Integration Administrators, and any Super Administrator. Each owner must ' +
        'be an Integration or Super Administrator; each newly added one (other than you) is emailed.',
      params: integrationId,
      body: z.strictObject({ user_ids: userIds }),
      response: { 200: IntegrationSchema },
    },
    handler: async (request) =>
      described(ctx.store, await setIntegrationOwnersAsAdmin(ctx.store, ctx.env, authOf(request).actor, request.params.id, request.body.user_ids)),
  })

  app.delete('/api/v1/integrations/:id', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['integrations'],
      summary: 'Delete an integration with its sync runs and inventory (Super Administrators only)',
      params: integrationId,
      response: { 204: z.null().describe('Deleted') },
    },
    handler: async (request, reply) => {
      await deleteIntegration(ctx.store, authOf(request).actor, request.params.id)
      return reply.code(204).send(null)
    },
  })
}
