import { z } from 'zod'
import {
  APPROVER_USERS_MAX,
  AUDIENCES,
  AUDIENCE_ENTITLEMENTS_MAX,
  AUTO_APPROVE_RULES_MAX,
  DECISION_REASON_MAX,
  ESCALATE_AFTER_HOURS_MAX,
  HOLDS_ENTITLEMENTS_MAX,
  MAX_DURATION_MINUTES_MAX,
  POLICY_KINDS,
  POLICY_STEPS_MAX,
  REASON_MAX,
  REQUEST_STATES,
  STEP_APPROVERS_MAX,
  cancelAccessRequest,
  createAccessRequest,
  createPolicy,
  decideTask,
  deletePolicy,
  dropAccess,
  extendAccessRequest,
  getAccessRequest,
  getAppRequestSettings,
  getEntitlementRequestSettings,
  getPolicy,
  getTask,
  listAccessRequests,
  listCatalog,
  listPolicies,
  listTasks,
  reassignTaskTo,
  updateAppRequestSettings,
  updateEntitlementRequestSettings,
  updatePolicy,
} from '../../governance/index.js'
import { authOf } from '../auth.js'
import { booleanQuery, idParams, page, pageQuery, timestamp, wardenId } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

/**
 * Access requests (issue 8): the request catalog, requests (grant, drop, extend, cancel), the
 * approvals inbox (tasks: approve, deny, reassign), approval policies, and request settings of
 * apps and entitlements. Any signed-in user requests and decides what is assigned to them; the
 * services check the rest (asking for someone else or reading everyone's needs an Access Request
 * Administrator).
 */

const entitlementId = z.string().min(1).max(200).describe('An entitlement id, e.g. role:42:member')
const integrationId = wardenId('int', 'integration', 'an')
const userId = wardenId('usr', 'user')

export const PersonRefSchema = z.object({ id: z.string(), email: z.string(), display_name: z.string() }).meta({ id: 'PersonRef', description: 'A Warden user (or person) as others see them' })

export const SodConflictSchema = z
  .object({
    rule_id: z.string(),
    rule_name: z.string(),
    action: z.enum(['block', 'extra_approval']),
    approver_user_ids: z.array(z.string()),
    requested: z.string().describe('The entitlement asked for'),
    held: z.array(z.string()).describe('The entitlements of the rule’s other side the person holds'),
    side: z.string().optional(),
    requested_matches: z.array(z.string()).optional(),
    held_grants: z
      .array(z.object({ integration_id: z.string(), entitlement_id: z.string(), entitlement_name: z.string().nullable(), principal_id: z.string() }))
      .optional(),
  })
  .meta({ id: 'SodConflict', description: 'A separation-of-duties rule the request would break' })

const REQUEST_KINDS = ['grant', 'revoke', 'extend'] as const
const TASK_STATES = ['open', 'approved', 'denied', 'reassigned', 'skipped'] as const

export const RequestStepSchema = z.object({
  index: z.number().int(),
  state: z.enum(['waiting', ...TASK_STATES]).describe('waiting: not reached yet; skipped: never reached (denied or cancelled before)'),
  origin: z.enum(['policy', 'sod']).describe('sod: an extra approval a separation-of-duties rule asked for'),
  approvers: z.array(PersonRefSchema).describe("The current task's assignees"),
  decided_by: z.string().nullable().describe('The user id of who decided'),
  decided_by_user: PersonRefSchema.nullable(),
  reason: z.string().nullable(),
  due_at: timestamp.nullable().describe('When the step escalates'),
  require_reason: z.boolean(),
})

export const AccessRequestSchema = z
  .object({
    id: z.string(),
    kind: z.enum(REQUEST_KINDS),
    state: z.enum(REQUEST_STATES).describe('After approval, the provisioning order’s state: provisioning, done, failed or manual (a person must finish it)'),
    integration_id: z.string(),
    entitlement_id: z.string(),
    entitlement_name: z.string(),
    app_id: z.string().nullable(),
    principal_id: z.string().describe('The OneLogin user (user:<id>) it is for'),
    principal_name: z.string().nullable(),
    identity_id: z.string().nullable(),
    identity: PersonRefSchema.nullable().describe('The person it is for'),
    requester_id: z.string(),
    requester: PersonRefSchema.nullable(),
    reason: z.string(),
    duration_minutes: z.number().int().nullable().describe('null: permanent; for an extension, the time added'),
    emergency: z.boolean(),
    policy_id: z.string().nullable(),
    conflicts: z.array(SodConflictSchema),
    steps: z.array(RequestStepSchema),
    events: z
      .array(z.object({ at: timestamp, actor: z.string().describe('A user id, or system'), type: z.string(), message: z.string() }))
      .describe('Every state change, provisioning’s included, oldest first'),
    order_id: z.string().nullable().describe('The provisioning order'),
    extends_request_id: z.string().nullable(),
    expires_at: timestamp.nullable().describe('When a time-bound grant ends'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'AccessRequest', description: 'A request for access (grant), its removal (revoke) or more time (extend)' })

export const ApprovalTaskSchema = z
  .object({
    id: z.string(),
    request: z.object({
      id: z.string(),
      kind: z.enum(REQUEST_KINDS),
      state: z.enum(REQUEST_STATES),
      integration_id: z.string(),
      entitlement_id: z.string(),
      entitlement_name: z.string(),
      principal_id: z.string(),
      identity_id: z.string().nullable(),
      identity_name: z.string().nullable(),
      identity_email: z.string().nullable(),
      requester_id: z.string(),
      requester: PersonRefSchema.nullable(),
      reason: z.string(),
      duration_minutes: z.number().int().nullable(),
      emergency: z.boolean(),
      conflicts: z.array(SodConflictSchema),
    }),
    step_index: z.number().int(),
    state: z.enum(TASK_STATES),
    assignees: z.array(PersonRefSchema),
    due_at: timestamp.nullable(),
    escalated_at: timestamp.nullable(),
    decided_by: z.string().nullable(),
    reason: z.string().nullable(),
    decided_at: timestamp.nullable(),
    require_reason: z.boolean().describe('Approving, denying and reassigning need a reason'),
    created_at: timestamp,
  })
  .meta({ id: 'ApprovalTask', description: 'One step of a request, waiting for (or given) a decision' })

export const CatalogItemSchema = z
  .object({
    integration_id: z.string(),
    entitlement_id: z.string(),
    entitlement_name: z.string(),
    app_id: z.string().nullable(),
    app_name: z.string().nullable(),
    description: z.string().nullable(),
    max_duration_minutes: z.number().int().nullable().describe('A request must give a duration up to this; null: no limit'),
    risk_level: z.string().nullable(),
    held: z.boolean().describe('You hold it already (per the last sync)'),
  })
  .meta({ id: 'CatalogItem', description: 'A requestable entitlement' })

const ApproverSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('users'), user_ids: z.array(userId).min(1).max(APPROVER_USERS_MAX) }),
  z.strictObject({ type: z.literal('manager') }),
  z.strictObject({ type: z.literal('app_owners') }),
  z.strictObject({ type: z.literal('entitlement_owners') }),
  z.strictObject({ type: z.literal('integration_owners') }),
])

const EntitlementRefSchema = z.strictObject({
  integration_id: integrationId.nullable().default(null).describe("null or absent: the request's (or the entitlement's) integration"),
  entitlement_id: entitlementId,
})

const AutoApproveSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('always') }),
  z.strictObject({ type: z.literal('holds'), entitlements: z.array(EntitlementRefSchema).min(1).max(HOLDS_ENTITLEMENTS_MAX) }),
])

const StepInputSchema = z.strictObject({
  approvers: z.array(ApproverSchema).max(STEP_APPROVERS_MAX).describe('Everyone these resolve to is asked'),
  fallback: z.array(ApproverSchema).max(STEP_APPROVERS_MAX).optional().describe('Tried in order when the approvers resolve to nobody'),
  allow_self_approval: z.boolean().optional().describe('Default false'),
  require_reason: z.boolean().optional().describe('Default false'),
  escalate_after_hours: z.number().int().min(1).max(ESCALATE_AFTER_HOURS_MAX).nullable().optional(),
  escalate_to: z.array(userId).max(APPROVER_USERS_MAX).optional().describe('Added when the step escalates; none: the Access Request Administrators'),
})

const policyFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  steps: z.array(StepInputSchema).max(POLICY_STEPS_MAX),
  require_distinct_approvers: z.boolean().optional(),
  auto_approve: z.array(AutoApproveSchema).max(AUTO_APPROVE_RULES_MAX).optional(),
}

const ApproverOut = z.object({ type: z.enum(['users', 'manager', 'app_owners', 'entitlement_owners', 'integration_owners']), user_ids: z.array(z.string()).optional() })
const EntitlementRefOut = z.object({ integration_id: z.string().nullable(), entitlement_id: z.string() })

export const PolicySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    kind: z.enum(POLICY_KINDS),
    builtin: z.boolean().describe('Built in: can be changed, not deleted'),
    steps: z.array(
      z.object({
        approvers: z.array(ApproverOut),
        fallback: z.array(ApproverOut),
        allow_self_approval: z.boolean(),
        require_reason: z.boolean(),
        escalate_after_hours: z.number().int().nullable(),
        escalate_to: z.array(z.string()),
      }),
    ),
    require_distinct_approvers: z.boolean(),
    auto_approve: z.array(z.object({ type: z.enum(['always', 'holds']), entitlements: z.array(EntitlementRefOut).optional() })),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Policy', description: 'An approval policy: ordered steps and auto-approve rules' })

const policyIds = {
  grant_policy_id: wardenId('pol', 'policy').nullable().optional().describe('null: inherit'),
  revoke_policy_id: wardenId('pol', 'policy').nullable().optional(),
  emergency_policy_id: wardenId('pol', 'policy').nullable().optional(),
}

const policyIdsOut = {
  grant_policy_id: z.string().nullable(),
  revoke_policy_id: z.string().nullable(),
  emergency_policy_id: z.string().nullable(),
}

export const AppRequestSettingsSchema = z
  .object({
    app_id: z.string(),
    max_duration_minutes: z.number().int().nullable().describe('For entitlements of the app that set no maximum of their own'),
    ...policyIdsOut,
    audience: z.enum(AUDIENCES),
    audience_entitlements: z.array(EntitlementRefOut),
    updated_at: timestamp.nullable(),
  })
  .meta({ id: 'AppRequestSettings', description: "An app's request defaults (null policies: the built-in ones)" })

export const EntitlementRequestSettingsSchema = z
  .object({
    overrides: z.object({
      integration_id: z.string(),
      entitlement_id: z.string(),
      ...policyIdsOut,
      audience: z.enum(AUDIENCES).nullable(),
      audience_entitlements: z.array(EntitlementRefOut),
      updated_at: timestamp.nullable(),
    }),
    effective: z.object({
      integration_id: z.string(),
      entitlement_id: z.string(),
      entitlement_name: z.string(),
      app: z.object({ id: z.string(), name: z.string() }).nullable(),
      requestable: z.boolean(),
      max_duration_minutes: z.number().int().nullable(),
      grant_policy_id: z.string(),
      revoke_policy_id: z.string(),
      emergency_policy_id: z.string(),
      audience: z.enum(AUDIENCES),
      audience_entitlements: z.array(EntitlementRefOut),
    }),
  })
  .meta({ id: 'EntitlementRequestSettings', description: "An entitlement's own request settings, and what applies in the end (its own, else its app's, else the defaults)" })

const reasonBody = z.strictObject({ reason: z.string().max(DECISION_REASON_MAX).optional() })

export function registerRequestRoutes(app: ZodApp, ctx: RouteContext): void {
  // ---------------------------------------------------------------- catalog and requests

  app.get('/api/v1/catalog', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['requests'],
      summary: 'The request catalog: requestable entitlements you may ask for, by name',
      querystring: z.strictObject({ q: z.string().min(1).max(200).optional().describe('Name contains (case-insensitive)'), ...pageQuery }),
      response: { 200: page(CatalogItemSchema) },
    },
    handler: async (request) => {
      const { limit, cursor, q } = request.query
      return listCatalog(ctx.store, authOf(request).actor, q === undefined ? {} : { q }, { limit, cursor })
    },
  })

  app.post('/api/v1/requests', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['requests'],
      summary: 'Ask for access',
      description:
        'For yourself, or (Access Request Administrators) for someone else named by `for` (identity id or email). `duration_minutes` is required where the entitlement has a maximum ' +
        'and refused above it; `emergency` follows the emergency policy. Separation-of-duties rules may refuse it (409) or add an approval step.',
      body: z.strictObject({
        integration_id: integrationId.optional().describe('May be left out when only one integration has the entitlement'),
        entitlement_id: entitlementId,
        for: z.string().min(1).max(320).optional(),
        duration_minutes: z.number().int().min(1).max(MAX_DURATION_MINUTES_MAX).nullable().optional(),
        reason: z.string().max(REASON_MAX),
        emergency: z.boolean().optional(),
      }),
      response: { 201: AccessRequestSchema },
    },
    handler: async (request, reply) => {
      const { for: forWhom, integration_id, duration_minutes, emergency, ...rest } = request.body
      const created = await createAccessRequest(ctx.store, authOf(request).actor, {
        ...rest,
        ...(forWhom === undefined ? {} : { for: forWhom }),
        ...(integration_id === undefined ? {} : { integration_id }),
        ...(duration_minutes === undefined ? {} : { duration_minutes }),
        ...(emergency === undefined ? {} : { emergency }),
      })
      return reply.code(201).send(created)
    },
  })

  app.post('/api/v1/requests/drop', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['requests'],
      summary: 'Ask for access to be removed (the revoke policy decides; by default no approval)',
      body: z.strictObject({
        integration_id: integrationId.optional(),
        entitlement_id: entitlementId,
        for: z.string().min(1).max(320).optional(),
        reason: z.string().max(REASON_MAX),
      }),
      response: { 201: AccessRequestSchema },
    },
    handler: async (request, reply) => {
      const { for: forWhom, integration_id, ...rest } = request.body
      const created = await dropAccess(ctx.store, authOf(request).actor, {
        ...rest,
        ...(forWhom === undefined ? {} : { for: forWhom }),
        ...(integration_id === undefined ? {} : { integration_id }),
      })
      return reply.code(201).send(created)
    },
  })

  app.post('/api/v1/requests/:id/extend', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['requests'],
      summary: 'Ask for more time on an active time-bound grant (the grant policy decides again)',
      description: 'Once approved, the grant ends `duration_minutes` later than it would have.',
      params: idParams('req', 'request'),
      body: z.strictObject({ duration_minutes: z.number().int().min(1).max(MAX_DURATION_MINUTES_MAX), reason: z.string().max(REASON_MAX) }),
      response: { 201: AccessRequestSchema },
    },
    handler: async (request, reply) => {
      const created = await extendAccessRequest(ctx.store, authOf(request).actor, request.params.id, request.body)
      return reply.code(201).send(created)
    },
  })

  app.get('/api/v1/requests', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['requests'],
      summary: 'Requests, newest first: yours (made by or for you), or everyone’s (mine=false, Access Request Administrators)',
      querystring: z.strictObject({ mine: booleanQuery.optional().describe('Default true'), state: z.enum(REQUEST_STATES).optional(), ...pageQuery }),
      response: { 200: page(AccessRequestSchema) },
    },
    handler: async (request) => {
      const { limit, cursor, mine, state } = request.query
      return listAccessRequests(ctx.store, authOf(request).actor, { ...(mine === undefined ? {} : { mine }), ...(state === undefined ? {} : { state }) }, { limit, cursor })
    },
  })

  app.get('/api/v1/requests/:id', {
    config: { access: 'authenticated' },
    schema: { tags: ['requests'], summary: 'One request, with its steps and history', params: idParams('req', 'request'), response: { 200: AccessRequestSchema } },
    handler: async (request) => getAccessRequest(ctx.store, authOf(request).actor, request.params.id),
  })

  app.post('/api/v1/requests/:id/cancel', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['requests'],
      summary: 'Cancel a pending request (who asked, the person it is for, or an Access Request Administrator)',
      params: idParams('req', 'request'),
      body: z.strictObject({ reason: z.string().max(REASON_MAX).optional() }).nullish().describe('Optional'),
      response: { 200: AccessRequestSchema },
    },
    handler: async (request) => cancelAccessRequest(ctx.store, authOf(request).actor, request.params.id, request.body?.reason),
  })

  // ---------------------------------------------------------------- the approvals inbox

  app.get('/api/v1/tasks', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['requests'],
      summary: 'Approval tasks, newest first: assigned to you, or all (all=true, Access Request Administrators)',
      querystring: z.strictObject({ all: booleanQuery.optional(), state: z.enum(['open', 'done']).optional().describe('Default open'), ...pageQuery }),
      response: { 200: page(ApprovalTaskSchema) },
    },
    handler: async (request) => {
      const { limit, cursor, all, state } = request.query
      return listTasks(ctx.store, authOf(request).actor, { ...(all === undefined ? {} : { all }), ...(state === undefined ? {} : { state }) }, { limit, cursor })
    },
  })

  app.get('/api/v1/tasks/:id', {
    config: { access: 'authenticated' },
    schema: { tags: ['requests'], summary: 'One approval task', params: idParams('tsk', 'task'), response: { 200: ApprovalTaskSchema } },
    handler: async (request) => getTask(ctx.store, authOf(request).actor, request.params.id),
  })

  for (const decision of ['approve', 'deny'] as const) {
    app.post(`/api/v1/tasks/:id/${decision}`, {
      config: { access: 'authenticated' },
      schema: {
        tags: ['requests'],
        summary: decision === 'approve' ? 'Approve a task (the last approval orders the provisioning)' : 'Deny a task (this ends the request)',
        description: 'Your own tasks; Access Request Administrators may decide any. A reason is required where the step says so.',
        params: idParams('tsk', 'task'),
        body: reasonBody.nullish().describe('Optional'),
        response: { 200: ApprovalTaskSchema },
      },
      handler: async (request) => decideTask(ctx.store, authOf(request).actor, request.params.id, decision, request.body?.reason),
    })
  }

  app.post('/api/v1/tasks/:id/reassign', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['requests'],
      summary: 'Hand a task to another Warden user, given by id or email (answers the new task)',
      params: idParams('tsk', 'task'),
      body: z.strictObject({
        user_id: userId.optional(),
        email: z.string().trim().min(3).max(320).optional().describe("The Warden user's email (instead of user_id)"),
        reason: z.string().max(DECISION_REASON_MAX).optional(),
      }),
      response: { 200: ApprovalTaskSchema },
    },
    handler: async (request) => {
      const { reason, ...to } = request.body
      return reassignTaskTo(ctx.store, authOf(request).actor, request.params.id, to, reason)
    },
  })

  // ---------------------------------------------------------------- policies

  app.get('/api/v1/policies', {
    config: { access: 'access-requests:read' },
    schema: {
      tags: ['requests'],
      summary: 'Approval policies by name',
      querystring: z.strictObject({ kind: z.enum(POLICY_KINDS).optional(), q: z.string().min(1).max(200).optional(), ...pageQuery }),
      response: { 200: page(PolicySchema) },
    },
    handler: async (request) => {
      const { limit, cursor, kind, q } = request.query
      return listPolicies(ctx.store, authOf(request).actor, { ...(kind === undefined ? {} : { kind }), ...(q === undefined ? {} : { q }) }, { limit, cursor })
    },
  })

  app.post('/api/v1/policies', {
    config: { access: 'access-requests:write' },
    schema: {
      tags: ['requests'],
      summary: 'Create an approval policy',
      body: z.strictObject({ ...policyFields, kind: z.enum(POLICY_KINDS) }),
      response: { 201: PolicySchema },
    },
    handler: async (request, reply) => reply.code(201).send(await createPolicy(ctx.store, authOf(request).actor, request.body)),
  })

  app.get('/api/v1/policies/:id', {
    config: { access: 'access-requests:read' },
    schema: { tags: ['requests'], summary: 'One approval policy', params: idParams('pol', 'policy'), response: { 200: PolicySchema } },
    handler: async (request) => getPolicy(ctx.store, authOf(request).actor, request.params.id),
  })

  app.patch('/api/v1/policies/:id', {
    config: { access: 'access-requests:write' },
    schema: {
      tags: ['requests'],
      summary: 'Change an approval policy (requests under way keep the policy they started with)',
      params: idParams('pol', 'policy'),
      body: z.strictObject({
        name: policyFields.name.optional(),
        description: policyFields.description,
        steps: policyFields.steps.optional(),
        require_distinct_approvers: policyFields.require_distinct_approvers,
        auto_approve: policyFields.auto_approve,
      }),
      response: { 200: PolicySchema },
    },
    handler: async (request) => updatePolicy(ctx.store, authOf(request).actor, request.params.id, request.body),
  })

  app.delete('/api/v1/policies/:id', {
    config: { access: 'access-requests:write' },
    schema: {
      tags: ['requests'],
      summary: 'Delete an approval policy (not a built-in one, nor one request settings name)',
      params: idParams('pol', 'policy'),
      response: { 204: z.null().describe('Deleted') },
    },
    handler: async (request, reply) => {
      await deletePolicy(ctx.store, authOf(request).actor, request.params.id)
      return reply.code(204).send(null)
    },
  })

  // ---------------------------------------------------------------- request settings

  const appSettingsBody = z.strictObject({
    max_duration_minutes: z.number().int().min(1).max(MAX_DURATION_MINUTES_MAX).nullable().optional(),
    ...policyIds,
    audience: z.enum(AUDIENCES).optional().describe('everyone, holders (of audience_entitlements) or nobody'),
    audience_entitlements: z.array(EntitlementRefSchema).max(AUDIENCE_ENTITLEMENTS_MAX).optional(),
  })

  app.get('/api/v1/apps/:id/request-settings', {
    config: { access: 'access-requests:read' },
    schema: { tags: ['requests'], summary: "An app's request defaults", params: idParams('app', 'app', 'an'), response: { 200: AppRequestSettingsSchema } },
    handler: async (request) => getAppRequestSettings(ctx.store, authOf(request).actor, request.params.id),
  })

  app.patch('/api/v1/apps/:id/request-settings', {
    config: { access: 'access-requests:write' },
    schema: {
      tags: ['requests'],
      summary: "Change an app's request defaults: maximum duration, policies, audience",
      description: 'Each entitlement of the app follows these unless it overrides them. Which entitlements are requestable is set per entitlement (PATCH .../entitlements/{entitlementId}).',
      params: idParams('app', 'app', 'an'),
      body: appSettingsBody,
      response: { 200: AppRequestSettingsSchema },
    },
    handler: async (request) => updateAppRequestSettings(ctx.store, authOf(request).actor, request.params.id, request.body),
  })

  const entitlementParams = z.strictObject({ id: integrationId, entitlementId })

  app.get('/api/v1/integrations/:id/entitlements/:entitlementId/request-settings', {
    config: { access: 'access-requests:read' },
    schema: { tags: ['requests'], summary: "An entitlement's request settings: its overrides and what applies", params: entitlementParams, response: { 200: EntitlementRequestSettingsSchema } },
    handler: async (request) => getEntitlementRequestSettings(ctx.store, authOf(request).actor, request.params.id, request.params.entitlementId),
  })

  app.patch('/api/v1/integrations/:id/entitlements/:entitlementId/request-settings', {
    config: { access: 'access-requests:write' },
    schema: {
      tags: ['requests'],
      summary: "Override an entitlement's policies or audience (null: its app's)",
      params: entitlementParams,
      body: z.strictObject({ ...policyIds, audience: z.enum(AUDIENCES).nullable().optional(), audience_entitlements: appSettingsBody.shape.audience_entitlements }),
      response: { 200: EntitlementRequestSettingsSchema },
    },
    handler: async (request) =>
      updateEntitlementRequestSettings(ctx.store, authOf(request).actor, request.params.id, request.params.entitlementId, request.body),
  })
}
