import { z } from 'zod'
import {
  SOD_ACTIONS,
  SOD_APPROVERS_MAX,
  SOD_DESCRIPTION_MAX,
  SOD_NAME_MAX,
  SOD_SET_MAX,
  createSodRule,
  deleteSodRule,
  getSodRule,
  listSodRules,
  sodRuleViolations,
  updateSodRule,
} from '../../governance/index.js'
import { authOf } from '../auth.js'
import { booleanQuery, entitlementId, idParams, page, pageQuery, timestamp, wardenId } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

const EntitlementRefInput = z.strictObject({ integration_id: wardenId('int', 'integration', 'an'), entitlement_id: entitlementId })
const entitlementSet = z.array(EntitlementRefInput).min(1).max(SOD_SET_MAX)

const RuleEntitlement = z.object({
  integration_id: z.string(),
  entitlement_id: z.string(),
  entitlement_name: z.string().nullable().describe('Its name at the last sync (null when no sync lists it now)'),
})

export const SodRule = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    action: z.enum(SOD_ACTIONS).describe('block: a request that breaks the rule is refused; extra_approval: it needs an approval by the approvers'),
    approver_user_ids: z.array(z.string()),
    approvers: z.array(z.object({ id: z.string(), email: z.string(), display_name: z.string() })).describe('The approvers, with their names'),
    enabled: z.boolean(),
    set_a: z.array(RuleEntitlement),
    set_b: z.array(RuleEntitlement),
    created_by: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'SodRule', description: 'A separation-of-duties rule: nobody may hold an entitlement of set A and one of set B' })

const ViolationGrant = z.object({ integration_id: z.string(), entitlement_id: z.string(), entitlement_name: z.string().nullable(), principal_id: z.string() })

export const SodViolation = z
  .object({
    holder: z.string().describe('The identity id, or account:<integration id>/<principal id> for an account no identity links'),
    identity_id: z.string().nullable(),
    display_name: z.string(),
    email: z.string().nullable(),
    side_a: z.array(ViolationGrant).describe('Their grants of set A (direct or held through another)'),
    side_b: z.array(ViolationGrant).describe('Their grants of set B'),
  })
  .meta({ id: 'SodViolation', description: 'Someone who holds both sides of an SoD rule now' })

const ruleFields = {
  name: z.string().trim().min(1).max(SOD_NAME_MAX),
  description: z.string().max(SOD_DESCRIPTION_MAX),
  set_a: entitlementSet,
  set_b: entitlementSet,
  action: z.enum(SOD_ACTIONS),
  approver_user_ids: z.array(wardenId('usr', 'user')).max(SOD_APPROVERS_MAX),
  enabled: z.boolean(),
}

const ruleParams = idParams('sod', 'SoD rule', 'an')

/** Separation-of-duties rules and their current violations. */
export function registerSodRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/api/v1/sod-rules', {
    config: { access: 'access-requests:read' },
    schema: {
      tags: ['sod'],
      summary: 'List SoD rules by name',
      querystring: z.strictObject({ enabled: booleanQuery.optional(), ...pageQuery }),
      response: { 200: page(SodRule) },
    },
    handler: async (request) => {
      const { limit, cursor, enabled } = request.query
      return listSodRules(ctx.store, authOf(request).actor, enabled === undefined ? {} : { enabled }, { limit, cursor })
    },
  })

  app.post('/api/v1/sod-rules', {
    config: { access: 'access-requests:write' },
    schema: {
      tags: ['sod'],
      summary: 'Create an SoD rule',
      description:
        `Each set names 1 to ${SOD_SET_MAX} entitlements (of any integrations, in their inventory); the sets must not overlap. ` +
        'An extra_approval rule names 1 to 10 approvers (Warden users); a block rule none. Requests check enabled rules (default enabled).',
      body: z.strictObject({
        ...ruleFields,
        description: ruleFields.description.optional(),
        approver_user_ids: ruleFields.approver_user_ids.optional(),
        enabled: ruleFields.enabled.optional(),
      }),
      response: { 201: SodRule },
    },
    handler: async (request, reply) => reply.code(201).send(await createSodRule(ctx.store, authOf(request).actor, request.body)),
  })

  app.get('/api/v1/sod-rules/:id', {
    config: { access: 'access-requests:read' },
    schema: { tags: ['sod'], summary: 'One SoD rule', params: ruleParams, response: { 200: SodRule } },
    handler: async (request) => getSodRule(ctx.store, authOf(request).actor, request.params.id),
  })

  app.patch('/api/v1/sod-rules/:id', {
    config: { access: 'access-requests:write' },
    schema: {
      tags: ['sod'],
      summary: 'Change an SoD rule',
      description: 'Fields given replace the current ones (a set is replaced whole). Changing the action to block drops the approvers.',
      params: ruleParams,
      body: z
        .strictObject({
          name: ruleFields.name.optional(),
          description: ruleFields.description.optional(),
          set_a: ruleFields.set_a.optional(),
          set_b: ruleFields.set_b.optional(),
          action: ruleFields.action.optional(),
          approver_user_ids: ruleFields.approver_user_ids.optional(),
          enabled: ruleFields.enabled.optional(),
        })
        .refine((b) => Object.keys(b).length > 0, 'give at least one field to change'),
      response: { 200: SodRule },
    },
    handler: async (request) => updateSodRule(ctx.store, authOf(request).actor, request.params.id, request.body),
  })

  app.delete('/api/v1/sod-rules/:id', {
    config: { access: 'access-requests:write' },
    schema: { tags: ['sod'], summary: 'Delete an SoD rule', params: ruleParams, response: { 204: z.null().describe('Deleted') } },
    handler: async (request, reply) => {
      await deleteSodRule(ctx.store, authOf(request).actor, request.params.id)
      return reply.code(204).send(null)
    },
  })

  app.get('/api/v1/sod-rules/:id/violations', {
    config: { access: 'access-requests:read' },
    schema: {
      tags: ['sod'],
      summary: 'Who holds both sides of an SoD rule now',
      description:
        'People (an identity, across its accounts in every integration; or an account no identity links) holding an entitlement of set A and one of set B, ' +
        'directly or through another grant (a role that gives an app). Ordered by holder; computed whether or not the rule is enabled.',
      params: ruleParams,
      querystring: z.strictObject(pageQuery),
      response: { 200: page(SodViolation) },
    },
    handler: async (request) => sodRuleViolations(ctx.store, authOf(request).actor, request.params.id, request.query),
  })
}
