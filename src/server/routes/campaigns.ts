import { z } from 'zod'
import { WardenError } from '../../errors/index.js'
import {
  CAMPAIGN_DESCRIPTION_MAX,
  CAMPAIGN_NAME_MAX,
  CAMPAIGN_STATES,
  CLOSE_ACTIONS,
  COMMENT_MAX,
  DECISION_ITEMS_MAX,
  REVIEWER_TYPES,
  REVIEW_REASON_MAX,
  TEMPLATE_UNITS,
  campaignEvidence,
  campaignProgress,
  closeCampaign,
  commentOnItem,
  createCampaign,
  createTemplate,
  decideItems,
  deleteCampaign,
  deleteTemplate,
  duplicateCampaign,
  exportCampaignCsv,
  getCampaign,
  getCampaignItem,
  listCampaignItems,
  listCampaigns,
  listMyReviewItems,
  listTemplates,
  myReviewSummary,
  previewCampaign,
  previewDecision,
  reassignItems,
  remindCampaign,
  reviewerCandidates,
  setTemplateEnabled,
  stageCampaign,
  startCampaign,
  updateCampaign,
  verifyCampaignEvidence,
} from '../../governance/index.js'
import { authOf } from '../auth.js'
import { booleanQuery, entitlementId, idParams, page, pageQuery, resourceId, timestamp, wardenId } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'
import { UserSummary } from './integrations.js'

// ------------------------------------------------------------------ schemas

const SCOPE_TYPES = ['role', 'app', 'group', 'privilege'] as const
const ids = <T extends z.ZodType>(item: T) => z.array(item).max(500)

const ScopeSchema = z.strictObject({
  app_ids: ids(wardenId('app', 'app', 'an')).optional().describe('Warden apps: their access, bound entitlements, and everything of integrations attached to them'),
  entitlements: ids(z.strictObject({ integration_id: wardenId('int', 'integration', 'an'), entitlement_id: entitlementId })).optional(),
  resource_types: ids(z.enum(SCOPE_TYPES)).optional().describe('Every entitlement of these resource types (e.g. all OneLogin roles)'),
  identity_ids: ids(wardenId('idn', 'identity', 'an')).optional().describe("Only these people's access; alone, all of it"),
  integration_ids: ids(wardenId('int', 'integration', 'an')).optional().describe('Only these integrations (default: all)'),
})

const FiltersSchema = z.strictObject({
  not_used_days: z.number().int().min(1).max(3650).nullable().optional().describe('Only access of people not signed in to OneLogin for this many days (last_login)'),
  added_since: timestamp.nullable().optional().describe('Only grants Warden first saw at or after this time'),
  duration: z.enum(['any', 'timebound', 'permanent']).optional(),
  assignment: z.enum(['any', 'direct', 'inherited']).optional().describe('direct: assigned directly; inherited: held through a role'),
})

const ReviewersSchema = z.strictObject({
  type: z.enum(REVIEWER_TYPES).describe("manager: the holder's manager; app_owners, entitlement_owners; users: the named user_ids"),
  user_ids: ids(wardenId('usr', 'user')).optional(),
  fallback_user_ids: ids(wardenId('usr', 'user')).optional().describe('Who reviews what the rule gives nobody (then the owner, then the Super Administrators)'),
  allow_self_review: z.boolean().optional().describe('Let people review their own access (default false)'),
})

const campaignFields = {
  name: z.string().max(CAMPAIGN_NAME_MAX),
  description: z.string().max(CAMPAIGN_DESCRIPTION_MAX).optional(),
  scope: ScopeSchema,
  filters: FiltersSchema.optional(),
  reviewers: ReviewersSchema,
  due_at: timestamp,
  close_action: z.enum(CLOSE_ACTIONS).optional().describe('What closing does with undecided items: revoke them, or leave them (default)'),
  auto_close: z.boolean().optional().describe('Close at the due date (default false: runs on until its owner closes it)'),
  require_revoke_reason: z.boolean().optional().describe('Every revoke needs a reason (default true)'),
  inactive_days: z.number().int().min(1).max(3650).optional().describe('Suggest revoking access of people not signed in for this many days (default 90)'),
}
const NewCampaignBody = z.strictObject(campaignFields)
const CampaignPatchBody = z.strictObject(campaignFields).partial()

const Counts = z.object({
  total: z.number(),
  certified: z.number(),
  revoked: z.number(),
  undecided: z.number(),
  left: z.number().describe('Undecided at close, left as they were'),
  revocations: z.record(z.string(), z.number()).describe('Revocations by their provisioning order state'),
})

export const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    state: z.enum(CAMPAIGN_STATES),
    owner: UserSummary.nullable(),
    reviewer_people: z.array(UserSummary).describe('The users the reviewer settings name, with their names'),
    template_id: z.string().nullable(),
    scope: z.object({
      app_ids: z.array(z.string()),
      entitlements: z.array(z.object({ integration_id: z.string(), entitlement_id: z.string() })),
      resource_types: z.array(z.string()),
      identity_ids: z.array(z.string()),
      integration_ids: z.array(z.string()),
    }),
    filters: z.object({ not_used_days: z.number().nullable(), added_since: z.string().nullable(), duration: z.string(), assignment: z.string() }),
    reviewers: z.object({ type: z.enum(REVIEWER_TYPES), user_ids: z.array(z.string()), fallback_user_ids: z.array(z.string()), allow_self_review: z.boolean() }),
    require_revoke_reason: z.boolean(),
    inactive_days: z.number(),
    due_at: timestamp,
    overdue: z.boolean(),
    close_action: z.enum(CLOSE_ACTIONS),
    auto_close: z.boolean(),
    warnings: z.array(z.string()).describe('Recorded at staging: a stale or failed sync, items nobody can review'),
    items_total: z.number(),
    progress: Counts.nullable(),
    staged_at: timestamp.nullable(),
    started_at: timestamp.nullable(),
    closed_at: timestamp.nullable(),
    closed_by: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Campaign', description: 'An access review campaign' })

const Tally = z.array(z.object({ key: z.string(), count: z.number() }))
export const CampaignPreviewSchema = z
  .object({
    summary: z.object({
      items: z.number(),
      principals: z.number(),
      reviewers: z.number(),
      by_resource_type: Tally,
      suggestions: Tally,
      top_entitlements: z.array(z.object({ integration_id: z.string(), entitlement_id: z.string(), name: z.string(), count: z.number() })),
      top_reviewers: z.array(z.object({ user_id: z.string(), count: z.number() })),
      reviewer_names: z.record(z.string(), z.string()),
    }),
    unreviewed: z.number(),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'CampaignPreview', description: 'What staging would produce now (staged and rolled back)' })

const Decider = z.object({ id: z.string(), email: z.string().nullable(), display_name: z.string() })
export const ReviewItemSchema = z
  .object({
    campaign_id: z.string(),
    campaign_name: z.string(),
    item_no: z.number().describe('The item within its campaign'),
    integration_id: z.string(),
    entitlement_id: z.string(),
    entitlement_name: z.string(),
    resource_type: z.string(),
    resource_name: z.string(),
    app_id: z.string().nullable(),
    principal_id: z.string(),
    principal_name: z.string(),
    principal_email: z.string().nullable(),
    principal_status: z.string().nullable(),
    identity_id: z.string().nullable(),
    manager_id: z.string().nullable(),
    last_login: z.string().nullable(),
    direct: z.boolean(),
    sources: z.array(z.string()),
    first_seen_at: z.string().nullable(),
    expires_at: z.string().nullable().describe("A time-bound grant's end at staging"),
    suggestion: z.enum(['suspended', 'inactive']).nullable().describe('Revoke suggested: the holder is suspended or locked, or has not signed in for the inactive days'),
    decision: z.enum(['certify', 'revoke']).nullable(),
    reason: z.string().nullable(),
    decided_by: Decider.nullable(),
    decided_at: timestamp.nullable(),
    revoke_order_id: z.string().nullable(),
    revoke_state: z.string().nullable().describe("The revoke's provisioning order: queued, running, done, failed, manual"),
    revoke_error: z.string().nullable(),
    close_outcome: z.enum(['revoked', 'left']).nullable(),
    reviewers: z.array(UserSummary),
    comment_count: z.number(),
  })
  .meta({ id: 'ReviewItem', description: "One grant under review: the frozen copy of the access, and its decision and revoke's outcome" })

export const CommentSchema = z.object({ id: z.string(), author: UserSummary.nullable(), body: z.string(), created_at: timestamp }).meta({ id: 'ReviewComment' })
export const ReviewItemDetailSchema = ReviewItemSchema.extend({ comments: z.array(CommentSchema) }).meta({ id: 'ReviewItemDetail' })

export const DecisionPlanSchema = z
  .object({ items: z.number(), changes: z.number(), revocations: z.number().describe('Grants this decision revokes in OneLogin'), final: z.array(z.number()).describe('Items already revoked (final)') })
  .meta({ id: 'DecisionPlan' })

export const CampaignProgressSchema = z
  .object({
    campaign_id: z.string(),
    counts: Counts,
    percent_decided: z.number(),
    reviewers: z.array(z.object({ reviewer: UserSummary.nullable(), user_id: z.string(), assigned: z.number(), decided: z.number(), remaining: z.number() })),
  })
  .meta({ id: 'CampaignProgress' })

const TemplateCampaign = NewCampaignBody.omit({ due_at: true })
export const CampaignTemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    campaign: z.record(z.string(), z.unknown()),
    every_count: z.number(),
    every_unit: z.enum(TEMPLATE_UNITS),
    duration_days: z.number(),
    auto_start: z.boolean(),
    enabled: z.boolean(),
    next_run_at: timestamp,
    last_campaign_id: z.string().nullable(),
    owner_id: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'CampaignTemplate', description: 'Creates a campaign every period (e.g. every 3 months)' })

export const EvidenceCheckSchema = z
  .object({
    ok: z.boolean(),
    manifest_sha256: z.string().nullable(),
    files: z.array(z.object({ name: z.string(), status: z.string(), expected_sha256: z.string().nullable(), actual_sha256: z.string().nullable(), ok: z.boolean() })),
    problems: z.array(z.string()),
    recorded: z.object({ seq: z.number(), at: z.string(), actor: z.string(), campaign_id: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'EvidenceCheck', description: "A bundle's files checked against its manifest, and its manifest against Warden's audit record" })

export const ReviewSummarySchema = z
  .object({
    campaign_id: z.string(),
    name: z.string(),
    due_at: timestamp,
    overdue: z.boolean(),
    assigned: z.number(),
    decided: z.number(),
    require_revoke_reason: z.boolean(),
    inactive_days: z.number(),
  })
  .meta({ id: 'ReviewSummary', description: "A reviewer's share of an active campaign" })

const campaignParams = idParams('cmp', 'campaign')
const itemParams = z.strictObject({ id: wardenId('cmp', 'campaign'), no: z.coerce.number().int().min(1).describe('The item number') })
const itemNos = z.array(z.number().int().min(1)).min(1).max(DECISION_ITEMS_MAX)
const itemQuery = {
  decision: z.enum(['undecided', 'decided', 'certify', 'revoke']).optional(),
  suggestion: z.enum(['any', 'suspended', 'inactive']).optional(),
  resource_type: z.enum(['role', 'app', 'group', 'privilege']).optional(),
  app_id: wardenId('app', 'app', 'an').optional(),
  entitlement_id: entitlementId.optional(),
  principal_id: resourceId.optional(),
  q: z.string().max(200).optional().describe("Words in the holder's name or email, or the entitlement's or resource's name"),
  ...pageQuery,
}
/** An evidence bundle handed back for checking is at most this big. */
const EVIDENCE_UPLOAD_MAX = 64 * 1024 * 1024

// ------------------------------------------------------------------ routes

/** Access reviews: campaigns, templates, the reviewer inbox, decisions, evidence. */
export function registerCampaignRoutes(app: ZodApp, ctx: RouteContext): void {
  const publicUrl = (): { publicUrl: string } => ({ publicUrl: ctx.env.publicUrl })

  app.get('/api/v1/campaigns', {
    config: { access: 'campaigns:read' },
    schema: {
      tags: ['reviews'],
      summary: 'Access review campaigns, newest first',
      querystring: z.strictObject({ state: z.enum(CAMPAIGN_STATES).optional(), mine: booleanQuery.optional().describe('Only campaigns I own'), ...pageQuery }),
      response: { 200: page(CampaignSchema) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listCampaigns(ctx.store, authOf(request).actor, filter, { limit, cursor })
    },
  })

  app.post('/api/v1/campaigns', {
    config: { access: 'campaigns:write' },
    schema: { tags: ['reviews'], summary: 'Create a campaign (a draft)', body: NewCampaignBody, response: { 201: CampaignSchema } },
    handler: async (request, reply) => reply.code(201).send(await createCampaign(ctx.store, authOf(request).actor, request.body)),
  })

  app.get('/api/v1/campaigns/:id', {
    config: { access: 'campaigns:read' },
    schema: { tags: ['reviews'], summary: 'One campaign, with its progress', params: campaignParams, response: { 200: CampaignSchema } },
    handler: async (request) => getCampaign(ctx.store, authOf(request).actor, request.params.id),
  })

  app.patch('/api/v1/campaigns/:id', {
    config: { access: 'campaigns:write' },
    schema: { tags: ['reviews'], summary: 'Change a draft campaign', params: campaignParams, body: CampaignPatchBody, response: { 200: CampaignSchema } },
    handler: async (request) => updateCampaign(ctx.store, authOf(request).actor, request.params.id, request.body),
  })

  app.delete('/api/v1/campaigns/:id', {
    config: { access: 'campaigns:write' },
    schema: { tags: ['reviews'], summary: 'Delete a draft campaign', params: campaignParams },
    handler: async (request, reply) => {
      await deleteCampaign(ctx.store, authOf(request).actor, request.params.id)
      return reply.code(204).send()
    },
  })

  app.post('/api/v1/campaigns/:id/duplicate', {
    config: { access: 'campaigns:write' },
    schema: {
      tags: ['reviews'],
      summary: "A new draft with this campaign's settings (e.g. last quarter's review again)",
      params: campaignParams,
      body: z.strictObject({ due_at: timestamp, name: z.string().max(CAMPAIGN_NAME_MAX).optional() }),
      response: { 201: CampaignSchema },
    },
    handler: async (request, reply) => reply.code(201).send(await duplicateCampaign(ctx.store, authOf(request).actor, request.params.id, request.body)),
  })

  app.post('/api/v1/campaigns/:id/preview', {
    config: { access: 'campaigns:write' },
    schema: { tags: ['reviews'], summary: "Preview a draft's scope: what staging would produce now", params: campaignParams, response: { 200: CampaignPreviewSchema } },
    handler: async (request) => previewCampaign(ctx.store, authOf(request).actor, request.params.id),
  })

  for (const verb of ['stage', 'start', 'close', 'remind'] as const) {
    const summaries = {
      stage: 'Stage a draft: freeze the access in scope into review items and assign reviewers',
      start: 'Start a staged campaign (kickoff emails to reviewers)',
      close: 'Close an active campaign (undecided items revoked or left, as configured)',
      remind: 'Remind every reviewer with undecided items now',
    }
    app.post(`/api/v1/campaigns/:id/${verb}`, {
      config: { access: 'campaigns:write' },
      schema: {
        tags: ['reviews'],
        summary: summaries[verb],
        params: campaignParams,
        response: { 200: verb === 'remind' ? z.object({ reminded: z.number() }) : CampaignSchema },
      },
      handler: async (request) => {
        const { actor } = authOf(request)
        const id = request.params.id
        if (verb === 'stage') return stageCampaign(ctx.store, actor, id)
        if (verb === 'start') return startCampaign(ctx.store, actor, id, publicUrl())
        if (verb === 'close') return closeCampaign(ctx.store, actor, id, publicUrl())
        return remindCampaign(ctx.store, actor, id, publicUrl())
      },
    })
  }

  app.get('/api/v1/campaigns/:id/progress', {
    config: { access: 'campaigns:read' },
    schema: { tags: ['reviews'], summary: 'Progress of a campaign and of each reviewer', params: campaignParams, response: { 200: CampaignProgressSchema } },
    handler: async (request) => campaignProgress(ctx.store, authOf(request).actor, request.params.id),
  })

  app.get('/api/v1/campaigns/:id/items', {
    config: { access: 'reviews:assigned' },
    schema: {
      tags: ['reviews'],
      summary: "A campaign's items (all of them for campaign readers, a reviewer's own otherwise)",
      params: campaignParams,
      querystring: z.strictObject({ ...itemQuery, reviewer_id: wardenId('usr', 'user').optional() }),
      response: { 200: page(ReviewItemSchema) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listCampaignItems(ctx.store, authOf(request).actor, request.params.id, filter, { limit, cursor })
    },
  })

  app.get('/api/v1/campaigns/:id/items/:no', {
    config: { access: 'reviews:assigned' },
    schema: { tags: ['reviews'], summary: 'One review item, with its comments', params: itemParams, response: { 200: ReviewItemDetailSchema } },
    handler: async (request) => getCampaignItem(ctx.store, authOf(request).actor, request.params.id, request.params.no),
  })

  app.post('/api/v1/campaigns/:id/items/:no/comments', {
    config: { access: 'reviews:assigned' },
    schema: { tags: ['reviews'], summary: 'Comment on a review item', params: itemParams, body: z.strictObject({ body: z.string().max(COMMENT_MAX) }), response: { 201: CommentSchema } },
    handler: async (request, reply) => reply.code(201).send(await commentOnItem(ctx.store, authOf(request).actor, request.params.id, request.params.no, request.body.body)),
  })

  const decision = z.enum(['certify', 'revoke'])
  app.post('/api/v1/campaigns/:id/decisions/preview', {
    config: { access: 'reviews:assigned' },
    schema: {
      tags: ['reviews'],
      summary: 'What a decision would do: the confirmation a bulk decision shows (how many grants it revokes)',
      params: campaignParams,
      body: z.strictObject({ item_nos: itemNos, decision }),
      response: { 200: DecisionPlanSchema },
    },
    handler: async (request) => previewDecision(ctx.store, authOf(request).actor, request.params.id, request.body),
  })

  app.post('/api/v1/campaigns/:id/decisions', {
    config: { access: 'reviews:assigned' },
    schema: {
      tags: ['reviews'],
      summary: 'Certify or revoke items (one or many)',
      description:
        'By the items\' reviewers (or the campaign\'s managers). A revoke orders the revoke in OneLogin through the provisioning path, in the ' +
        'same transaction; it is final. A decision that revokes more than one grant needs `expected_revocations` equal to the number it revokes ' +
        '(see decisions/preview); otherwise 409 and nothing changes.',
      params: campaignParams,
      body: z.strictObject({ item_nos: itemNos, decision, reason: z.string().max(REVIEW_REASON_MAX).optional(), expected_revocations: z.number().int().min(0).optional() }),
      response: { 200: z.object({ plan: DecisionPlanSchema, items: z.array(ReviewItemSchema) }) },
    },
    handler: async (request) => decideItems(ctx.store, authOf(request).actor, request.params.id, request.body),
  })

  app.post('/api/v1/campaigns/:id/reassign', {
    config: { access: 'reviews:assigned' },
    schema: {
      tags: ['reviews'],
      summary: 'Hand items to another reviewer (by user id or email)',
      params: campaignParams,
      body: z.strictObject({ item_nos: itemNos, user_id: wardenId('usr', 'user').optional(), email: z.string().max(320).optional(), reason: z.string().max(REVIEW_REASON_MAX).optional() }),
      response: { 200: z.object({ items: z.array(ReviewItemSchema) }) },
    },
    handler: async (request) => ({ items: await reassignItems(ctx.store, authOf(request).actor, request.params.id, request.body, publicUrl()) }),
  })

  app.get('/api/v1/campaigns/:id/export.csv', {
    config: { access: 'campaigns:read' },
    schema: {
      tags: ['reviews'],
      summary: 'The items and decisions as CSV; the X-Content-SHA256 header carries the file\'s SHA-256 (also recorded in the audit log)',
      params: campaignParams,
    },
    handler: async (request, reply) => {
      const csv = await exportCampaignCsv(ctx.store, authOf(request).actor, request.params.id)
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${csv.filename}"`).header('x-content-sha256', csv.sha256).send(csv.text)
    },
  })

  app.get('/api/v1/campaigns/:id/evidence', {
    config: { access: 'campaigns:read' },
    schema: {
      tags: ['reviews'],
      summary: 'The evidence bundle (.tar.gz: campaign.json, items.csv, comments.csv, audit.jsonl, manifest.json with their SHA-256)',
      description: 'X-Manifest-SHA256 and X-Content-SHA256 carry the hashes Warden records in the audit log. Check a bundle later with POST /api/v1/evidence/verify or `warden evidence verify`.',
      params: campaignParams,
    },
    handler: async (request, reply) => {
      const e = await campaignEvidence(ctx.store, authOf(request).actor, request.params.id)
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${e.filename}"`)
        .header('x-manifest-sha256', e.manifest_sha256)
        .header('x-content-sha256', e.bundle_sha256)
        .send(e.bundle)
    },
  })

  app.addContentTypeParser('application/gzip', (_request, payload, done) => done(null, payload))
  app.post('/api/v1/evidence/verify', {
    config: { access: 'campaigns:read' },
    bodyLimit: EVIDENCE_UPLOAD_MAX,
    schema: {
      tags: ['reviews'],
      summary: 'Re-verify an evidence bundle: its files against its manifest, and the manifest against the audit record Warden made of it',
      description: 'Body: the .tar.gz as application/gzip or application/octet-stream.',
      response: { 200: EvidenceCheckSchema },
    },
    handler: async (request) => {
      const type = request.headers['content-type']?.split(';')[0]?.trim()
      if (type !== 'application/gzip' && type !== 'application/octet-stream') throw new WardenError('UNSUPPORTED_MEDIA_TYPE', 'send the bundle as application/gzip')
      const chunks: Buffer[] = []
      let bytes = 0
      for await (const chunk of request.body as AsyncIterable<Buffer>) {
        bytes += chunk.length
        if (bytes > EVIDENCE_UPLOAD_MAX) throw new WardenError('PAYLOAD_TOO_LARGE', `an evidence bundle is at most ${EVIDENCE_UPLOAD_MAX} bytes`)
        chunks.push(chunk)
      }
      return verifyCampaignEvidence(ctx.store, authOf(request).actor, Buffer.concat(chunks))
    },
  })

  // --- the reviewer inbox ---
  app.get('/api/v1/reviews', {
    config: { access: 'reviews:assigned' },
    schema: {
      tags: ['reviews'],
      summary: 'My review items: in every active campaign, or in one',
      querystring: z.strictObject({ ...itemQuery, campaign_id: wardenId('cmp', 'campaign').optional() }),
      response: { 200: page(ReviewItemSchema) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listMyReviewItems(ctx.store, authOf(request).actor, filter, { limit, cursor })
    },
  })

  app.get('/api/v1/reviews/summary', {
    config: { access: 'reviews:assigned' },
    schema: {
      tags: ['reviews'],
      summary: 'My active campaigns: items assigned and decided, due date, and the settings a reviewer needs',
      response: { 200: z.object({ items: z.array(ReviewSummarySchema) }) },
    },
    handler: async (request) => ({ items: await myReviewSummary(ctx.store, authOf(request).actor) }),
  })

  app.get('/api/v1/reviewer-candidates', {
    config: { access: 'reviews:assigned' },
    schema: {
      tags: ['reviews'],
      summary: 'Enabled Warden users whose email or name contains q (at most 20): to name reviewers or reassign items',
      querystring: z.strictObject({ q: z.string().max(200).default('') }),
      response: { 200: z.object({ items: z.array(UserSummary) }) },
    },
    handler: async (request) => ({ items: await reviewerCandidates(ctx.store, authOf(request).actor, request.query.q) }),
  })

  // --- templates ---
  app.get('/api/v1/campaign-templates', {
    config: { access: 'campaigns:read' },
    schema: { tags: ['reviews'], summary: 'Campaign templates', response: { 200: z.object({ items: z.array(CampaignTemplateSchema) }) } },
    handler: async (request) => ({ items: await listTemplates(ctx.store, authOf(request).actor) }),
  })

  app.post('/api/v1/campaign-templates', {
    config: { access: 'campaigns:write' },
    schema: {
      tags: ['reviews'],
      summary: 'Create a template: a campaign every period (e.g. every_count 3, every_unit month: quarterly)',
      body: z.strictObject({
        name: z.string().max(200),
        campaign: TemplateCampaign,
        every_count: z.number().int().min(1).max(366),
        every_unit: z.enum(TEMPLATE_UNITS),
        duration_days: z.number().int().min(1).max(366).describe("Each campaign's time until its due date"),
        auto_start: z.boolean().optional().describe('Stage and start each campaign at once (default: leave it a draft)'),
        enabled: z.boolean().optional(),
        first_run_at: timestamp.optional(),
      }),
      response: { 201: CampaignTemplateSchema },
    },
    handler: async (request, reply) => reply.code(201).send(await createTemplate(ctx.store, authOf(request).actor, request.body)),
  })

  app.patch('/api/v1/campaign-templates/:id', {
    config: { access: 'campaigns:write' },
    schema: { tags: ['reviews'], summary: 'Enable or disable a template', params: idParams('ctp', 'campaign template'), body: z.strictObject({ enabled: z.boolean() }), response: { 200: CampaignTemplateSchema } },
    handler: async (request) => setTemplateEnabled(ctx.store, authOf(request).actor, request.params.id, request.body.enabled),
  })

  app.delete('/api/v1/campaign-templates/:id', {
    config: { access: 'campaigns:write' },
    schema: { tags: ['reviews'], summary: 'Delete a template (its campaigns stay)', params: idParams('ctp', 'campaign template') },
    handler: async (request, reply) => {
      await deleteTemplate(ctx.store, authOf(request).actor, request.params.id)
      return reply.code(204).send()
    },
  })
}
