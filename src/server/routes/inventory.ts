import { Readable } from 'node:stream'
import { z } from 'zod'
import {
  APP_OWNERS_MAX,
  DESCRIPTION_MAX,
  ENTITLEMENT_OWNERS_MAX,
  GRANTS_BY_APP_LIMIT_MAX,
  GRANT_EXPORT_TYPES,
  MAX_DURATION_MINUTES_MAX,
  RISK_LEVELS,
  USER_STATUSES,
  createManagedApp,
  deleteApp,
  exportGrants,
  getApp,
  getEntitlement,
  getResource,
  grantsByApp,
  listAppEntitlements,
  listApps,
  listEntitlements,
  listResources,
  manageApp,
  searchGrants,
  updateApp,
  updateEntitlementSettings,
} from '../../governance/index.js'
import { RESOURCE_TYPES } from '../../model/index.js'
import { authOf } from '../auth.js'
import { booleanQuery, entitlementId, idParams, page, pageQuery, resourceId, timestamp, wardenId } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'


export const App = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    state: z.enum(['managed', 'unmanaged']).describe('unmanaged: a SCIM app a sync found in OneLogin, not governed yet'),
    source_integration_id: z.string().nullable().describe('The integration whose sync discovered the app (null: made in Warden)'),
    source_resource_id: z.string().nullable().describe('The OneLogin app it was discovered as (app:<id>)'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'App', description: 'An application: made in Warden, or discovered in OneLogin as SCIM-provisioned software' })

const UserSummary = z.object({ id: z.string(), email: z.string(), display_name: z.string() })

export const AppDetail = App.extend({
  owner_user_ids: z
    .array(z.string())
    .describe("The Warden users named as the app's owners, in id order (the app's owners also include, derived, its access entitlement's and its integrations' owners)"),
  owners: z.array(UserSummary).describe('The same users as owner_user_ids, in the same order'),
  integrations: z.array(
    z.object({ id: z.string(), mode: z.string(), status: z.string(), onelogin_domain: z.string().nullable(), last_sync_at: timestamp.nullable() }),
  ),
  access: z
    .object({ integration_id: z.string(), entitlement_id: z.string() })
    .nullable()
    .describe("A discovered app's access entitlement in the integration that found it"),
  bindings: z
    .array(z.object({ integration_id: z.string(), entitlement_id: z.string(), entitlement_name: z.string().nullable(), created_at: timestamp }))
    .describe('The OneLogin role memberships a managed SCIM app is bound to (requests provision through them)'),
  carriers: z
    .array(z.object({ entitlement_id: z.string(), entitlement_name: z.string().nullable() }))
    .describe("A discovered app's carriers: the OneLogin role memberships that give its access at the last sync (what manage accepts)"),
}).meta({ id: 'AppDetail', description: 'An app with its owners, its integrations and, for a managed SCIM app, its role bindings' })

export const InventoryResource = z
  .object({
    integration_id: z.string(),
    id: z.string().describe('user:<id>, role:<id>, app:<id>, group:<id> or privilege:<uuid>'),
    type: z.string(),
    display_name: z.string(),
    traits: z.record(z.string(), z.unknown()),
    email: z.string().nullable().describe('Users: lower-cased email'),
    status: z.string().nullable().describe('Users: status by name (active, suspended, ...)'),
    identity_id: z.string().nullable().describe('Users: the identity linked by email'),
  })
  .meta({ id: 'InventoryResource', description: 'A user, role, app, group or privilege from the last sync' })

const settingsFields = {
  description: z.string().nullable(),
  requestable: z.boolean(),
  max_duration_minutes: z.number().int().nullable().describe('The longest a grant may last; null: no limit'),
  risk_level: z.enum(RISK_LEVELS).nullable(),
}

export const Entitlement = z
  .object({
    integration_id: z.string(),
    id: z.string().describe('role:<id>:member, role:<id>:admin, app:<id>:access, group:<id>:member or privilege:<uuid>:assigned'),
    resource_id: z.string(),
    slug: z.string(),
    display_name: z.string(),
    grantable_to: z.array(z.string()),
    ...settingsFields,
  })
  .meta({ id: 'Entitlement', description: 'Something that can be held, with its governance settings' })

export const EntitlementDetail = Entitlement.extend({
  owners: z.array(UserSummary),
}).meta({ id: 'EntitlementDetail', description: 'An entitlement with its settings and owners' })

export const Grant = z
  .object({
    integration_id: z.string(),
    id: z.string().describe('<entitlement id>:<principal id>'),
    entitlement_id: z.string(),
    entitlement_name: z.string(),
    principal_id: z.string(),
    principal_name: z.string(),
    principal_email: z.string().nullable(),
    principal_status: z.string().nullable(),
    principal_identity_id: z.string().nullable().describe('The identity a user principal is linked to by email (null for roles and unlinked users)'),
    direct: z.boolean().describe('OneLogin records the assignment itself (a role membership, a group)'),
    sources: z.array(z.string()).describe('Entitlements through which it is (also) held, e.g. app access through role:<id>:member'),
  })
  .meta({ id: 'Grant', description: 'Who holds what, and why' })

export const AppGrantCount = z
  .object({
    integration_id: z.string(),
    resource_id: z.string().describe('The OneLogin app (app:<id>)'),
    app_name: z.string().describe("The Warden app's name when one was discovered from it, else OneLogin's"),
    warden_app_id: z.string().nullable().describe('The Warden app discovered from it (a SCIM app), or null'),
    grants: z.number().int().describe('Holders of app:<id>:access'),
    direct_grants: z.number().int().describe('Of those, the grants OneLogin records directly (not only through a role)'),
  })
  .meta({ id: 'AppGrantCount', description: "One OneLogin app's access grants, counted" })

const integrationParams = idParams('int', 'integration', 'an')
const appParams = idParams('app', 'app', 'an')
const appOwnerIds = z
  .array(wardenId('usr', 'user'))
  .max(APP_OWNERS_MAX)
  .describe(`Warden user ids: the app's owners (at most ${APP_OWNERS_MAX}); they review its access and approve requests where a policy asks app owners`)
const resourceParams = z.strictObject({ id: wardenId('int', 'integration', 'an'), resourceId })
const entitlementParams = z.strictObject({ id: wardenId('int', 'integration', 'an'), entitlementId })

const grantFilter = {
  integration_id: wardenId('int', 'integration', 'an').optional(),
  user: z.string().min(1).max(320).optional().describe('A OneLogin user (user:<id>), an email address, or an identity (idn_...)'),
  app: z.string().min(1).max(100).optional().describe("A OneLogin app (app:<id>): its access grants"),
  app_id: wardenId('app', 'app', 'an').optional().describe("A Warden app: a discovered app's access grants; for an app an integration is attached to, all its grants"),
  entitlement_id: entitlementId.optional(),
  role: z.string().min(1).max(100).optional().describe("A OneLogin role (role:<id>): grants of its member and admin entitlements, grants the role holds, and grants held through it"),
  status: z.enum(USER_STATUSES).optional().describe("The holder's status"),
  direct: booleanQuery.optional().describe('Only grants OneLogin records directly (true), or only those held through another (false)'),
}

/** Apps (managed and discovered SCIM apps), each integration's inventory, and grant search. */
export function registerInventoryRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/api/v1/apps', {
    config: { access: 'apps:read' },
    schema: {
      tags: ['apps'],
      summary: 'List apps by name',
      querystring: z.strictObject({
        state: z.enum(['managed', 'unmanaged']).optional(),
        source_integration_id: wardenId('int', 'integration', 'an').optional().describe('Apps discovered by this integration'),
        q: z.string().min(1).max(200).optional().describe('Name contains (case-insensitive)'),
        name: z.string().min(1).max(200).optional().describe('Name is exactly this, ignoring case (e.g. looking an app up by name)'),
        ...pageQuery,
      }),
      response: { 200: page(App) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listApps(ctx.store, authOf(request).actor, filter, { limit, cursor })
    },
  })

  app.post('/api/v1/apps', {
    config: { access: 'apps:write' },
    schema: {
      tags: ['apps'],
      summary: 'Create an app (managed), optionally with its owners',
      body: z.strictObject({ name: z.string().trim().min(1).max(200), description: z.string().max(2000).optional(), owner_user_ids: appOwnerIds.optional() }),
      response: { 201: AppDetail },
    },
    handler: async (request, reply) => {
      const created = await createManagedApp(ctx.store, authOf(request).actor, request.body)
      return reply.code(201).send(created)
    },
  })

  app.get('/api/v1/apps/:id', {
    config: { access: 'apps:read' },
    schema: { tags: ['apps'], summary: 'One app, with its owners, integrations and bindings', params: appParams, response: { 200: AppDetail } },
    handler: async (request) => getApp(ctx.store, authOf(request).actor, request.params.id),
  })

  app.patch('/api/v1/apps/:id', {
    config: { access: 'apps:write' },
    schema: {
      tags: ['apps'],
      summary: "Rename an app, change its description or replace its owners",
      description:
        'A discovered app keeps a name given here until OneLogin renames the app. `owner_user_ids` replaces the Warden users named as ' +
        "the app's owners (each must exist; `[]` removes them all).",
      params: appParams,
      body: z
        .strictObject({ name: z.string().trim().min(1).max(200).optional(), description: z.string().max(2000).optional(), owner_user_ids: appOwnerIds.optional() })
        .refine((b) => b.name !== undefined || b.description !== undefined || b.owner_user_ids !== undefined, 'give name, description and/or owner_user_ids'),
      response: { 200: AppDetail },
    },
    handler: async (request) => updateApp(ctx.store, authOf(request).actor, request.params.id, request.body),
  })

  app.delete('/api/v1/apps/:id', {
    config: { access: 'apps:write' },
    schema: {
      tags: ['apps'],
      summary: 'Delete an app made in Warden, with its owners and settings',
      description:
        "Removes the app's owners, role bindings, request settings and drift setting; requests, reviews, drift findings and the audit log keep its history. " +
        'Refused (409) while an integration is attached to it (delete the integration first), for an app a sync discovered in OneLogin (it follows OneLogin), ' +
        'and while a campaign template or a draft campaign names it in its scope.',
      params: appParams,
      response: { 204: z.null().describe('Deleted') },
    },
    handler: async (request, reply) => {
      await deleteApp(ctx.store, authOf(request).actor, request.params.id)
      return reply.code(204).send(null)
    },
  })

  app.get('/api/v1/apps/:id/entitlements', {
    config: { access: 'apps:read' },
    schema: {
      tags: ['apps'],
      summary: "An app's entitlements with their settings, by integration and id",
      description:
        "Every entitlement of the integrations attached to the app, and a discovered app's access entitlement (`app:<id>:access` in the integration that found it).",
      params: appParams,
      querystring: z.strictObject({
        name: z.string().min(1).max(200).optional().describe('Name is exactly this, ignoring case'),
        q: z.string().min(1).max(200).optional().describe('Name contains (case-insensitive)'),
        configured: booleanQuery
          .optional()
          .describe('true: only entitlements with settings of their own (requestable, described, time-limited, risk-rated, owned, or with their own approval policies)'),
        ...pageQuery,
      }),
      response: { 200: page(Entitlement) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listAppEntitlements(ctx.store, authOf(request).actor, request.params.id, filter, { limit, cursor })
    },
  })

  app.post('/api/v1/apps/:id/manage', {
    config: { access: 'apps:write' },
    schema: {
      tags: ['apps'],
      summary: 'Manage a discovered SCIM app: bind its access to the OneLogin roles that carry it',
      description:
        'Each `entitlement_ids` item must be a role membership (`role:<id>:member`) that gives the app in OneLogin (at the last sync); ' +
        'later requests for the app provision through those roles. Replaces earlier bindings; the app becomes managed. Changes nothing in OneLogin.',
      params: appParams,
      body: z.strictObject({ entitlement_ids: z.array(z.string().min(1).max(200)).min(1).max(50) }),
      response: { 200: AppDetail },
    },
    handler: async (request) => manageApp(ctx.store, authOf(request).actor, request.params.id, request.body),
  })

  app.get('/api/v1/integrations/:id/resources', {
    config: { access: 'apps:read' },
    schema: {
      tags: ['inventory'],
      summary: "An integration's resources (users, roles, apps, groups, privileges) by type and name",
      params: integrationParams,
      querystring: z.strictObject({
        type: z.enum(RESOURCE_TYPES).optional(),
        q: z.string().min(1).max(200).optional().describe('Name contains (case-insensitive)'),
        ...pageQuery,
      }),
      response: { 200: page(InventoryResource) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listResources(ctx.store, authOf(request).actor, request.params.id, filter, { limit, cursor })
    },
  })

  app.get('/api/v1/integrations/:id/resources/:resourceId', {
    config: { access: 'apps:read' },
    schema: { tags: ['inventory'], summary: 'One resource', params: resourceParams, response: { 200: InventoryResource } },
    handler: async (request) => getResource(ctx.store, authOf(request).actor, request.params.id, request.params.resourceId),
  })

  app.get('/api/v1/integrations/:id/entitlements', {
    config: { access: 'apps:read' },
    schema: {
      tags: ['inventory'],
      summary: "An integration's entitlements with their settings, by id",
      params: integrationParams,
      querystring: z.strictObject({
        type: z.enum(RESOURCE_TYPES).optional().describe("The entitlement's resource type (app: app access)"),
        q: z.string().min(1).max(200).optional().describe('Name contains (case-insensitive)'),
        requestable: booleanQuery.optional(),
        ...pageQuery,
      }),
      response: { 200: page(Entitlement) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listEntitlements(ctx.store, authOf(request).actor, request.params.id, filter, { limit, cursor })
    },
  })

  app.get('/api/v1/integrations/:id/entitlements/:entitlementId', {
    config: { access: 'apps:read' },
    schema: { tags: ['inventory'], summary: 'One entitlement, with its settings and owners', params: entitlementParams, response: { 200: EntitlementDetail } },
    handler: async (request) => getEntitlement(ctx.store, authOf(request).actor, request.params.id, request.params.entitlementId),
  })

  app.patch('/api/v1/integrations/:id/entitlements/:entitlementId', {
    config: { access: 'apps:write' },
    schema: {
      tags: ['inventory'],
      summary: "Change an entitlement's settings: description, requestable, maximum grant duration, risk level, owners",
      description: 'Settings are kept apart from the synced rows, so every later sync keeps them. `owner_user_ids` replaces the owners (Warden users).',
      params: entitlementParams,
      body: z.strictObject({
        description: z.string().max(DESCRIPTION_MAX).nullable().optional(),
        requestable: z.boolean().optional(),
        max_duration_minutes: z.number().int().min(1).max(MAX_DURATION_MINUTES_MAX).nullable().optional(),
        risk_level: z.enum(RISK_LEVELS).nullable().optional(),
        owner_user_ids: z.array(wardenId('usr', 'user')).max(ENTITLEMENT_OWNERS_MAX).optional(),
      }),
      response: { 200: EntitlementDetail },
    },
    handler: async (request) => updateEntitlementSettings(ctx.store, authOf(request).actor, request.params.id, request.params.entitlementId, request.body),
  })

  app.get('/api/v1/grants', {
    config: { access: 'apps:read' },
    schema: {
      tags: ['inventory'],
      summary: 'Search grants by integration, user, app, entitlement, role, status, direct',
      description: 'Filters combine (all must hold). Ordered by integration, entitlement and holder; each grant says why it is held (`direct`, `sources`).',
      querystring: z.strictObject({ ...grantFilter, ...pageQuery }),
      response: { 200: page(Grant) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return searchGrants(ctx.store, authOf(request).actor, filter, { limit, cursor })
    },
  })

  app.get('/api/v1/grants/by-app', {
    config: { access: 'apps:read' },
    schema: {
      tags: ['inventory'],
      summary: 'The apps with the most access grants (the "grants by application" chart)',
      description: 'Counts the holders of each `app:<id>:access`, most first (ties by integration and app), of one integration or of all.',
      querystring: z.strictObject({
        integration_id: wardenId('int', 'integration', 'an').optional(),
        limit: z.coerce.number().int().min(1).max(GRANTS_BY_APP_LIMIT_MAX).default(10).describe(`How many apps (default 10, at most ${GRANTS_BY_APP_LIMIT_MAX})`),
      }),
      response: { 200: z.object({ items: z.array(AppGrantCount) }) },
    },
    handler: async (request) => {
      const { integration_id, limit } = request.query
      return { items: await grantsByApp(ctx.store, authOf(request).actor, { ...(integration_id === undefined ? {} : { integration_id }), limit }) }
    },
  })

  app.get('/api/v1/grants/export', {
    config: { access: 'apps:read' },
    schema: {
      tags: ['inventory'],
      summary: 'Export the grants a search finds (streamed CSV)',
      description: 'The same filters as GET /api/v1/grants. A header row, then one row per grant; `sources` joined with `;`.',
      querystring: z.strictObject({ format: z.enum(['csv']).default('csv'), ...grantFilter }),
    },
    handler: async (request, reply) => {
      const { format, ...filter } = request.query
      const chunks = await exportGrants(ctx.store, authOf(request).actor, format, filter)
      const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')
      return reply
        .type(GRANT_EXPORT_TYPES[format])
        .header('content-disposition', `attachment; filename="warden-grants-${stamp}.${format}"`)
        .send(Readable.from(chunks))
    },
  })
}
