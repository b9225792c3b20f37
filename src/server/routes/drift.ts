import { z } from 'zod'
import {
  DRIFT_ACTIONS,
  DRIFT_REASON_MAX,
  DRIFT_STATES,
  getDriftFinding,
  getDriftSetting,
  keepDriftFinding,
  listDriftFindings,
  revokeDriftFinding,
  setDriftSetting,
} from '../../governance/index.js'
import { authOf } from '../auth.js'
import { idParams, page, pageQuery, timestamp, wardenId } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

export const DriftFinding = z
  .object({
    id: z.string(),
    integration_id: z.string(),
    app_id: z.string().nullable().describe('The app whose drift setting applied (null once the app is deleted)'),
    app_name: z.string().nullable(),
    entitlement_id: z.string(),
    entitlement_name: z.string().nullable().describe('Its name at the last sync'),
    principal_id: z.string().describe('The OneLogin user (user:<id>) who got it'),
    principal_name: z.string().nullable(),
    principal_email: z.string().nullable(),
    identity_id: z.string().nullable(),
    sync_run_id: z.string().describe('The sync that found the grant'),
    action: z.enum(['report', 'review', 'revoke']).describe("The app's drift setting when it was found"),
    state: z.enum(DRIFT_STATES).describe('reported (report), open (review: waiting for a decision), kept, revoked'),
    revoke_order_id: z.string().nullable().describe('The provisioning order that revokes the grant'),
    decided_by: z.string().nullable().describe('A user id, or "system" (the revoke setting)'),
    decided_at: timestamp.nullable(),
    reason: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'DriftFinding', description: 'A grant that appeared in OneLogin without Warden ordering it (out-of-band)' })

export const DriftSetting = z
  .object({
    app_id: z.string(),
    action: z.enum(DRIFT_ACTIONS),
    updated_by: z.string().nullable(),
    updated_at: timestamp.nullable(),
  })
  .meta({ id: 'DriftSetting', description: "What drift scans do with an app's out-of-band grants (off until set)" })

const decision = z.strictObject({ reason: z.string().max(DRIFT_REASON_MAX).optional() }).nullish()
const findingParams = idParams('drf', 'drift finding')

/** Drift findings, decisions on them, and each app's drift setting. */
export function registerDriftRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/api/v1/drift', {
    // Owners of an app see its findings without an administrator role; the service filters.
    config: { access: 'authenticated' },
    schema: {
      tags: ['drift'],
      summary: 'Drift findings, newest first',
      description: 'Administrators who see apps see every finding; anyone else the findings of the apps they own.',
      querystring: z.strictObject({
        state: z.enum(DRIFT_STATES).optional(),
        integration_id: wardenId('int', 'integration', 'an').optional(),
        app_id: wardenId('app', 'app', 'an').optional(),
        ...pageQuery,
      }),
      response: { 200: page(DriftFinding) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listDriftFindings(ctx.store, authOf(request).actor, filter, { limit, cursor })
    },
  })

  app.get('/api/v1/drift/:id', {
    config: { access: 'authenticated' },
    schema: { tags: ['drift'], summary: 'One drift finding', params: findingParams, response: { 200: DriftFinding } },
    handler: async (request) => getDriftFinding(ctx.store, authOf(request).actor, request.params.id),
  })

  for (const verb of ['keep', 'revoke'] as const) {
    app.post(`/api/v1/drift/:id/${verb}`, {
      config: { access: 'authenticated' },
      schema: {
        tags: ['drift'],
        summary: verb === 'keep' ? 'Keep an out-of-band grant (nothing changes in OneLogin)' : 'Revoke an out-of-band grant in OneLogin',
        description:
          (verb === 'keep' ? '' : 'Orders the revoke (a provisioning job) in the same transaction as the decision. ') +
          'For an open or reported finding; by an owner of its app, an App Administrator or a Super Administrator.',
        params: findingParams,
        body: decision,
        response: { 200: DriftFinding },
      },
      handler: async (request) => {
        const { actor } = authOf(request)
        const input = request.body?.reason === undefined ? {} : { reason: request.body.reason }
        return verb === 'keep' ? keepDriftFinding(ctx.store, actor, request.params.id, input) : revokeDriftFinding(ctx.store, actor, request.params.id, input)
      },
    })
  }

  app.get('/api/v1/apps/:id/drift-setting', {
    config: { access: 'apps:read' },
    schema: { tags: ['drift'], summary: "An app's drift setting", params: idParams('app', 'app', 'an'), response: { 200: DriftSetting } },
    handler: async (request) => getDriftSetting(ctx.store, authOf(request).actor, request.params.id),
  })

  app.put('/api/v1/apps/:id/drift-setting', {
    config: { access: 'apps:write' },
    schema: {
      tags: ['drift'],
      summary: "Set what drift scans do with an app's out-of-band grants",
      description:
        'off: nothing; report: a finding; review: an open finding for the app owners to keep or revoke; revoke: a finding and a revoke order at once. ' +
        "The app the integration is attached to covers grants that belong to no other app (role memberships that give no Warden app, groups, privileges). Applies from the next sync.",
      params: idParams('app', 'app', 'an'),
      body: z.strictObject({ action: z.enum(DRIFT_ACTIONS) }),
      response: { 200: DriftSetting },
    },
    handler: async (request) => setDriftSetting(ctx.store, authOf(request).actor, request.params.id, request.body.action),
  })
}
