import { z } from 'zod'
import { MANUAL_TASK_NOTE_MAX, completeManualTask, listManualTasks, listTimeboundGrants, revokeTimeboundGrant } from '../../governance/index.js'
import { authOf } from '../auth.js'
import { booleanQuery, idParams, page, pageQuery, timestamp, wardenId } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

const TIMEBOUND_STATES = ['active', 'revoking', 'revoked', 'superseded'] as const

export const TimeboundGrant = z
  .object({
    id: z.string().describe('The id of the order that granted it (ord_...)'),
    integration_id: z.string(),
    entitlement_id: z.string(),
    entitlement_name: z.string().nullable().describe("The entitlement's name in the inventory (null when the last sync did not list it)"),
    principal_id: z.string().describe('The OneLogin user (user:<id>) who holds it'),
    principal_name: z.string().nullable(),
    principal_email: z.string().nullable(),
    request_id: z.string().nullable().describe('The request that granted it, or the latest that extended it'),
    granted_at: timestamp,
    expires_at: timestamp.describe('When Warden revokes it; remaining time = expires_at - now'),
    state: z
      .enum(TIMEBOUND_STATES)
      .describe('active; revoking (expired or revoked now, the revoke is under way); revoked; superseded (a permanent grant of the same access replaced it)'),
    revoke_order_id: z.string().nullable().describe('The order revoking it, once one does'),
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'TimeboundGrant', description: 'A time-bound (JIT) grant that Warden revokes when it ends' })

export const ManualTask = z
  .object({
    id: z.string(),
    order_id: z.string().describe('The provisioning order it carries out'),
    state: z.enum(['open', 'done']),
    kind: z.enum(['grant', 'revoke']),
    integration_id: z.string(),
    entitlement_id: z.string(),
    entitlement_name: z.string().nullable(),
    principal_id: z.string(),
    principal_name: z.string().nullable(),
    principal_email: z.string().nullable(),
    request_id: z.string().nullable(),
    instructions: z.string().describe('What to do in OneLogin'),
    error: z.string().nullable().describe('Why Warden could not do it'),
    assignees: z.array(z.object({ id: z.string(), email: z.string(), display_name: z.string() })),
    created_at: timestamp,
    completed_at: timestamp.nullable(),
    completed_by: z.string().nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'ManualTask', description: 'A provisioning order Warden could not carry out, for people to do in OneLogin' })

/** Time-bound grants (list, revoke now) and manual provisioning tasks. */
export function registerJitRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/api/v1/grants/timebound', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['jit'],
      summary: 'Time-bound grants, soonest end first',
      description:
        'Access Request readers see every one (`mine=true`: their own); everyone else sees the grants they hold. Default: live ones (active and revoking).',
      querystring: z.strictObject({
        integration_id: wardenId('int', 'integration', 'an').optional(),
        state: z.enum(TIMEBOUND_STATES).optional(),
        mine: booleanQuery.optional(),
        ...pageQuery,
      }),
      response: { 200: page(TimeboundGrant) },
    },
    handler: async (request) => {
      const { integration_id, state, mine, ...pageRequest } = request.query
      return listTimeboundGrants(
        ctx.store,
        authOf(request).actor,
        { ...(integration_id === undefined ? {} : { integration_id }), ...(state === undefined ? {} : { state }), ...(mine === undefined ? {} : { mine }) },
        pageRequest,
      )
    },
  })

  app.post('/api/v1/grants/timebound/:id/revoke', {
    config: { access: 'access-requests:write' },
    schema: {
      tags: ['jit'],
      summary: 'Revoke a time-bound grant now',
      description: 'Queues its revoke (a provisioning order, `order_id`); the grant is `revoking` until the order is done, then `revoked`. 409 when it is not active.',
      params: idParams('ord', 'time-bound grant'),
      response: { 202: TimeboundGrant.extend({ order_id: z.string() }) },
    },
    handler: async (request, reply) => reply.code(202).send(await revokeTimeboundGrant(ctx.store, authOf(request).actor, request.params.id)),
  })

  app.get('/api/v1/manual-tasks', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['jit'],
      summary: 'Manual provisioning tasks, newest first',
      description: 'Default: those assigned to you. `all=true` (Access Request readers): every one.',
      querystring: z.strictObject({ state: z.enum(['open', 'done']).optional(), all: booleanQuery.optional(), ...pageQuery }),
      response: { 200: page(ManualTask) },
    },
    handler: async (request) => {
      const { state, all, ...pageRequest } = request.query
      return listManualTasks(ctx.store, authOf(request).actor, { ...(state === undefined ? {} : { state }), ...(all === undefined ? {} : { all }) }, pageRequest)
    },
  })

  app.post('/api/v1/manual-tasks/:id/complete', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['jit'],
      summary: 'Mark a manual task done (you made the change in OneLogin)',
      description:
        "Only an assignee or an Access Request Administrator. The order finishes as if Warden had done it: a time-bound grant starts now and expires on time; an expiry's revoke ends its grant.",
      params: idParams('mtk', 'manual task'),
      body: z.strictObject({ note: z.string().max(MANUAL_TASK_NOTE_MAX).nullable().optional() }).nullish(),
      response: { 200: ManualTask },
    },
    handler: async (request) => completeManualTask(ctx.store, authOf(request).actor, request.params.id, { note: request.body?.note ?? null }, { publicUrl: ctx.env.publicUrl }),
  })
}
