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
  DESCRIPTION_MAX,
  ENTITLEMENT_OWNERS_MAX,
  GRANT_EXPORT_TYPES,
  MAX_DURATION_MINUTES_MAX,
  RISK_LEVELS,
  USER_STATUSES,
  createManagedApp,
  exportGrants,
  getApp,
  getEntitlement,
  getResource,
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
