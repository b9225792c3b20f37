/**
 * The governance domain: what Warden does, independent of HTTP. The server's routes call these
 * services with the signed-in Actor; each service checks the actor's permission (policy.ts) and
 * makes its change and the audit entry in one transaction (audited.ts).
 */
export {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PERMISSIONS,
  ROLE_DESCRIPTIONS,
  ROLE_LABELS,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  SETUP_TOKEN_TTL_MS,
  SYSTEM_ACTOR,
  TOKEN_MAX_DAYS,
  WARDEN_ROLES,
  authorize,
  can,
  checkNewPassword,
  checkRoles,
  isWardenRole,
  permissionsOf,
  rolesWith,
} from './policy.js'
export type { Actor, Permission, WardenRole } from './policy.js'
export { audited } from './audited.js'
export type { AuditRecord, Change } from './audited.js'
export {
  authenticateApiToken,
  authenticateSession,
  changeOwnPassword,
  completeSetup,
  createOwnApiToken,
  createWardenUser,
  getSelf,
  getWardenUser,
  isSetUp,
  listOwnApiTokens,
  listWardenUsers,
  prepareSetup,
  revokeOwnApiToken,
  signIn,
  signOut,
  updateWardenUser,
} from './accounts.js'
export type { Authenticated, NewSession, NewWardenUser, SetupInput, SignedIn, UserListFilter, WardenUserPatch } from './accounts.js'
export { getPerson, listPeople } from './identities.js'
export type { OneLoginSummary, Person, PersonSummary } from './identities.js'
export { AUDIT_EXPORT_TYPES, exportAuditLog, listAuditLog, verifyAuditLog } from './audit.js'
export type { AuditExportFormat } from './audit.js'
export { JOB_RETENTION_MS, getBackgroundJob, listBackgroundJobs, maintenanceJobs, retryBackgroundJob } from './jobs.js'
export { databaseReachable } from './health.js'
export { DEFAULT_MAX_UPLOAD_BYTES, ephemeralIntegrationEnv, oneLoginBaseUrl } from './integration-env.js'
export type { IntegrationEnv } from './integration-env.js'
// --- issue 6: integrations (governance/integrations.ts) ---
export {
  FULL_SYNC_INTERVAL_HOURS_MAX,
  INTEGRATION_OWNERS_MAX,
  SYNC_INTERVAL_MINUTES_MAX,
  canManageIntegration,
  checkOneLoginCredentials,
  createOneLoginIntegration,
  deleteIntegration,
  getIntegrationView,
  listIntegrationViews,
  listOwnerCandidates,
  describeIntegrations,
  setIntegrationOwnersAsAdmin,
  toIntegrationView,
  updateIntegrationSettings,
} from './integrations.js'
export type {
  CredentialCheck,
  DescribedIntegration,
  IntegrationClock,
  IntegrationSettings,
  IntegrationView,
  NewOneLoginIntegration,
  OneLoginCredentials,
} from './integrations.js'
// --- end integrations ---
// --- issue 6: inventory (governance/inventory.ts, ingest.ts) ---
export { ingestSnapshot } from './ingest.js'
export type { IngestInput, IngestResult } from './ingest.js'
export {
  APP_OWNERS_MAX,
  DESCRIPTION_MAX,
  ENTITLEMENT_OWNERS_MAX,
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
  listAppEntitlements,
  listApps,
  listEntitlements,
  listResources,
  manageApp,
  searchGrants,
  updateApp,
  updateEntitlementSettings,
} from './inventory.js'
export type {
  AppChanges,
  AppDetail,
  AppEntitlementSearch,
  EntitlementDetail,
  EntitlementSettingsPatch,
  GrantExportFormat,
  GrantSearch,
  ManageAppInput,
  NewManagedApp,
} from './inventory.js'
export { GRANTS_BY_APP_LIMIT_MAX, grantsByApp } from './inventory.js'
// --- end inventory ---
// --- issue 6: notifications (governance/notifications.ts) ---
export { EMAIL_JOB, enqueueEmail, notificationJobs } from './notifications.js'
export type { EmailMessage } from './notifications.js'
// --- end notifications ---
// --- issue 6: syncs (governance/integration-sync.ts) ---
export {
  DISPATCH_JOB,
  SYNC_JOB,
  enqueueIntegrationSync,
  getIntegrationSyncRun,
  integrationJobs,
  listIntegrationSyncRuns,
  requestSync,
  setSyncPaused,
} from './integration-sync.js'
export type { IntegrationJobsOptions, SyncJobPayload, SyncRequestResult } from './integration-sync.js'
export { authenticateUploadToken, ingestUpload, issueUploadToken } from './uploads.js'
export type { IssuedUploadToken, UploadResult } from './uploads.js'
export { ensureDemoIntegration } from './demo.js'
// --- end syncs ---
// --- issue 8: webhooks (governance/webhooks.ts) ---
export {
  WEBHOOK_DELIVER_JOB,
  WEBHOOK_DESCRIPTION_MAX,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES_MAX,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_PURGE_JOB,
  WEBHOOK_SECRET_MAX,
  WEBHOOK_SECRET_MIN,
  WEBHOOK_TEST_EVENT,
  WEBHOOK_URL_MAX,
  addWebhook,
  changeWebhook,
  checkEventTypes,
  checkWebhookUrl,
  emitWebhookEvent,
  getWebhookView,
  listWebhookDeliveries,
  listWebhookViews,
  removeWebhook,
  sendTestWebhook,
  webhookJobs,
  webhookSignature,
  webhookWants,
} from './webhooks.js'
export type {
  NewWebhookInput,
  WebhookAttemptView,
  WebhookChanges,
  WebhookClock,
  WebhookDeliveryView,
  WebhookJobsOptions,
  WebhookView,
  WebhookWithSecret,
} from './webhooks.js'
// --- end webhooks ---
// --- issue 8: SoD rules and drift (governance/sod.ts, drift.ts) ---
export {
  SOD_ACTIONS,
  SOD_APPROVERS_MAX,
  SOD_DESCRIPTION_MAX,
  SOD_NAME_MAX,
  SOD_SET_MAX,
  conflictsForGrant,
  createSodRule,
  deleteSodRule,
  getSodRule,
  listSodRules,
  sodRuleViolations,
  updateSodRule,
} from './sod.js'
export type { NewSodRule, SodConflict, SodRulePatch, SodRuleView } from './sod.js'
export {
  DRIFT_ACTIONS,
  DRIFT_REASON_MAX,
  DRIFT_SCAN_BATCH,
  DRIFT_SCAN_JOB,
  DRIFT_STATES,
  driftJobs,
  enqueueDriftScan,
  getDriftFinding,
  getDriftSetting,
  keepDriftFinding,
  listDriftFindings,
  revokeDriftFinding,
  scanAddedGrants,
  setDriftSetting,
} from './drift.js'
export type { DriftJobsOptions, DriftScanPayload, DriftScanResult, DriftSettingView } from './drift.js'
// --- end SoD rules and drift ---
// --- issue 8: provisioning orders, time-bound grants, manual tasks (governance/jit.ts) ---
export {
  DEFAULT_REMINDER_LEAD_MINUTES,
  DURATION_MINUTES_MAX,
  EXPIRE_JOB,
  MANUAL_TASK_NOTE_MAX,
  PROVISION_ATTEMPTS,
  PROVISION_JOB,
  REMIND_JOB,
  completeManualTask,
  getManualTask,
  grantWasOrdered,
  jitJobs,
  listManualTasks,
  listTimeboundGrants,
  orderGrant,
  orderRevoke,
  ordersOfRequests,
  ownersOf,
  reminderLeadMinutesFromEnv,
  revokeTimeboundGrant,
} from './jit.js'
export type {
  GrantOrder,
  JitJobsOptions,
  ManualTaskListFilter,
  ManualTaskView,
  OrderEvent,
  OrderView,
  TimeboundGrantView,
  TimeboundListFilter,
} from './jit.js'
// --- end jit ---
// --- issue 8: access requests, approval policies, request settings (requests.ts, approvals.ts, policies.ts, request-settings.ts) ---
export {
  APPROVER_TYPES,
  APPROVER_USERS_MAX,
  AUTO_APPROVE_RULES_MAX,
  BUILTIN_POLICY_IDS,
  ESCALATE_AFTER_HOURS_MAX,
  HOLDS_ENTITLEMENTS_MAX,
  POLICY_KINDS,
  POLICY_STEPS_MAX,
  STEP_APPROVERS_MAX,
  createPolicy,
  deletePolicy,
  getPolicy,
  listPolicies,
  updatePolicy,
} from './policies.js'
export type { NewPolicy, PolicyPatch, PolicyStepInput } from './policies.js'
export {
  AUDIENCES,
  AUDIENCE_ENTITLEMENTS_MAX,
  getAppRequestSettings,
  getEntitlementRequestSettings,
  updateAppRequestSettings,
  updateEntitlementRequestSettings,
} from './request-settings.js'
export type {
  AppRequestSettingsPatch,
  EffectiveRequestSettings,
  EntitlementApp,
  EntitlementRequestSettingsPatch,
  EntitlementRequestSettingsView,
} from './request-settings.js'
export {
  REASON_MAX,
  REQUEST_STATES,
  cancelAccessRequest,
  createAccessRequest,
  dropAccess,
  extendAccessRequest,
  getAccessRequest,
  listAccessRequests,
  listCatalog,
} from './requests.js'
export type { CatalogItem, DropRequest, ExtendRequest, NewAccessRequest, RequestListOptions } from './requests.js'
export { DECISION_REASON_MAX, ESCALATE_BATCH, ESCALATE_JOB, decideTask, escalateDueTasks, getTask, listTasks, reassignTask, reassignTaskTo, requestJobs } from './approvals.js'
export type { Decision, TaskListOptions } from './approvals.js'
export type {
  AccessRequestView,
  ApprovalTaskView,
  PersonRef,
  PlanStep,
  RequestEventView,
  RequestPlan,
  RequestState,
  StepState,
  StepView,
  TaskRequestSummary,
} from './request-views.js'
// --- end access requests ---
// --- issue 9: access reviews (campaigns.ts, campaign-items.ts, campaign-jobs.ts, campaign-evidence.ts) ---
export {
  CAMPAIGN_DESCRIPTION_MAX,
  CAMPAIGN_NAME_MAX,
  CAMPAIGN_STATES,
  CLOSE_ACTIONS,
  DEFAULT_INACTIVE_DAYS,
  REVIEWER_TYPES,
  canManageCampaign,
  createCampaign,
  deleteCampaign,
  duplicateCampaign,
  getCampaign,
  listCampaigns,
  previewCampaign,
  stageCampaign,
  startCampaign,
  updateCampaign,
} from './campaigns.js'
export type { CampaignConfig, CampaignFilters, CampaignInput, CampaignPatch, CampaignPreview, CampaignReviewers, CampaignScope, CampaignView } from './campaigns.js'
export {
  COMMENT_MAX,
  DECISION_ITEMS_MAX,
  REVIEW_REASON_MAX,
  closeCampaign,
  commentOnItem,
  decideItems,
  getCampaignItem,
  listCampaignItems,
  listMyReviewItems,
  myReviewSummary,
  previewDecision,
  reassignItems,
  reviewerCandidates,
} from './campaign-items.js'
export type { CommentView, DecisionInput, DecisionPlan, ItemDetail, ItemListFilter, ItemView, ReassignInput, ReviewCampaignSummary } from './campaign-items.js'
export {
  CAMPAIGN_TICK_JOB,
  TEMPLATE_UNITS,
  campaignJobs,
  createTemplate,
  deleteTemplate,
  listTemplates,
  nextRun,
  remindCampaign,
  reminderSlot,
  runCampaignTick,
  setTemplateEnabled,
} from './campaign-jobs.js'
export type { TemplateInput, TemplateView, TickResult } from './campaign-jobs.js'
export { ITEM_CSV_COLUMNS, campaignEvidence, campaignProgress, exportCampaignCsv, verifyCampaignEvidence } from './campaign-evidence.js'
export type { CampaignEvidenceCheck, CampaignProgress, CsvExport, EvidenceExport, ReviewerProgressView } from './campaign-evidence.js'
// --- end access reviews ---
