import type { z } from 'zod'
import type { ErrorBody } from './errors.js'
import type { SignedIn } from './routes/auth.js'
import type { IdentityDetail } from './routes/governance.js'
import type { OneLoginSummary, PersonSummary } from './routes/governance.js'
import type { AuditVerification } from './schemas.js'
import type { IntegrationSchema } from './routes/integrations.js'
import type { App, AppDetail, AppGrantCount, Entitlement, EntitlementDetail, Grant, InventoryResource } from './routes/inventory.js'
import type { Me } from './routes/me.js'
import type { SyncRun, SyncRunSummary } from './routes/syncs.js'
import type { ApiToken, AuditEntry, Identity, Job, User } from './schemas.js'
import type { WebhookDeliverySchema, WebhookSchema, WebhookWithSecretSchema } from './routes/webhooks.js' // issue 8
import type { ManualTask, TimeboundGrant } from './routes/jit.js' // issue 8
import type { SodRule, SodViolation } from './routes/sod.js' // issue 8
import type { DriftFinding, DriftSetting } from './routes/drift.js' // issue 8
import type { CampaignPreviewSchema, CampaignProgressSchema, CampaignSchema, CampaignTemplateSchema, CommentSchema, DecisionPlanSchema, EvidenceCheckSchema, ReviewItemDetailSchema, ReviewItemSchema, ReviewSummarySchema } from './routes/campaigns.js' // issue 9
import type { AccessRequestSchema, AppRequestSettingsSchema, ApprovalTaskSchema, CatalogItemSchema, EntitlementRequestSettingsSchema, PolicySchema, SodConflictSchema } from './routes/requests.js' // issue 8

/**
 * The API's response bodies as TypeScript types, inferred from the route schemas. The web UI
 * imports these (types only, erased at build), so a change to a response shape fails its
 * typecheck instead of a page at run time.
 */

export type ApiErrorBody = z.output<typeof ErrorBody>
export interface ApiPage<T> {
  items: T[]
  next_cursor: string | null
}
export type ApiSignedIn = z.output<typeof SignedIn>
export type ApiMe = z.output<typeof Me>
export type ApiUser = z.output<typeof User>
export type ApiTokenInfo = z.output<typeof ApiToken>
export type ApiIdentity = z.output<typeof Identity>
export type ApiIdentityDetail = z.output<typeof IdentityDetail>
export type ApiAuditEntry = z.output<typeof AuditEntry>
export type ApiJob = z.output<typeof Job>
export type ApiIntegration = z.output<typeof IntegrationSchema>
export type ApiSyncRunSummary = z.output<typeof SyncRunSummary>
export type ApiSyncRun = z.output<typeof SyncRun>
export type ApiApp = z.output<typeof App>
export type ApiAppDetail = z.output<typeof AppDetail>
export type ApiResource = z.output<typeof InventoryResource>
export type ApiEntitlement = z.output<typeof Entitlement>
export type ApiEntitlementDetail = z.output<typeof EntitlementDetail>
export type ApiGrant = z.output<typeof Grant>
export type ApiPersonSummary = z.output<typeof PersonSummary>
export type ApiOneLoginSummary = z.output<typeof OneLoginSummary>
export type ApiAppGrantCount = z.output<typeof AppGrantCount>
export type ApiAuditVerification = z.output<typeof AuditVerification>
export type ApiUserSummary = ApiIntegration['owners'][number]
// --- issue 8: webhooks ---
export type ApiWebhook = z.output<typeof WebhookSchema>
export type ApiWebhookWithSecret = z.output<typeof WebhookWithSecretSchema>
export type ApiWebhookDelivery = z.output<typeof WebhookDeliverySchema>
// --- end webhooks ---
// --- issue 8: time-bound grants and manual tasks (routes/jit.ts) ---
export type ApiTimeboundGrant = z.output<typeof TimeboundGrant>
export type ApiManualTask = z.output<typeof ManualTask>
// --- end jit ---
// --- issue 8: SoD rules and drift (routes/sod.ts, routes/drift.ts) ---
export type ApiSodRule = z.output<typeof SodRule>
export type ApiSodViolation = z.output<typeof SodViolation>
export type ApiDriftFinding = z.output<typeof DriftFinding>
export type ApiDriftSetting = z.output<typeof DriftSetting>
// --- end SoD rules and drift ---
// --- issue 8: access requests (routes/requests.ts) ---
export type ApiAccessRequest = z.output<typeof AccessRequestSchema>
export type ApiRequestStep = ApiAccessRequest['steps'][number]
export type ApiRequestEvent = ApiAccessRequest['events'][number]
export type ApiSodConflict = z.output<typeof SodConflictSchema>
export type ApiApprovalTask = z.output<typeof ApprovalTaskSchema>
export type ApiCatalogItem = z.output<typeof CatalogItemSchema>
export type ApiPolicy = z.output<typeof PolicySchema>
export type ApiAppRequestSettings = z.output<typeof AppRequestSettingsSchema>
export type ApiEntitlementRequestSettings = z.output<typeof EntitlementRequestSettingsSchema>
// --- end access requests ---
// --- issue 9: access reviews (routes/campaigns.ts) ---
export type ApiCampaign = z.output<typeof CampaignSchema>
export type ApiCampaignPreview = z.output<typeof CampaignPreviewSchema>
export type ApiCampaignProgress = z.output<typeof CampaignProgressSchema>
export type ApiCampaignTemplate = z.output<typeof CampaignTemplateSchema>
export type ApiReviewItem = z.output<typeof ReviewItemSchema>
export type ApiReviewItemDetail = z.output<typeof ReviewItemDetailSchema>
export type ApiReviewComment = z.output<typeof CommentSchema>
export type ApiDecisionPlan = z.output<typeof DecisionPlanSchema>
export type ApiEvidenceCheck = z.output<typeof EvidenceCheckSchema>
export type ApiReviewSummary = z.output<typeof ReviewSummarySchema>
// --- end access reviews ---
