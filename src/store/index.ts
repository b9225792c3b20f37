export { DEFAULT_DATABASE_URL, openStore, parseDatabaseUrl, resolveDatabaseUrl } from './open.js'
export type { Store, StoreDialect, StoreOptions } from './open.js'
export { migrateToLatest } from './migrate.js'
export { MIGRATIONS } from './migrations/index.js'
export type {
  ApiTokensTable,
  AuditHeadTable,
  AuditLogTable,
  Database,
  IdentitiesTable,
  JobSchedulesTable,
  JobStatus,
  JobsTable,
  SessionsTable,
  SetupTokensTable,
  UsersTable,
} from './database.js'
export { affected, dialectOf, isForeignKeyViolation, isUniqueViolation, lockRow, pingDatabase } from './db-errors.js'
export { newId, newSecretToken, sha256Hex } from './ids.js'
export type { IdPrefix } from './ids.js'
export { canonicalJson, parseJson } from './json.js'
export type { JsonValue } from './json.js'
export { addMs, isoTime, toIsoTime } from './time.js'
export { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, decodeCursor, encodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
export type { CursorValue, Page, PageRequest } from './pagination.js'
export { hashPassword, verifyPassword } from './passwords.js'
export {
  countUsers,
  createUser,
  findUserByEmail,
  getUser,
  listUsers,
  searchUserSummaries,
  userSummaries,
  normalizeEmail,
  setUserPassword,
  updateUser,
  verifyUserPassword,
} from './users-repo.js'
export type { Clock, NewUser, User, UserFilter, UserPatch, UserSummary } from './users-repo.js'
export { createSession, deleteExpiredSessions, deleteSession, deleteUserSessions, findSession, touchSession } from './sessions-repo.js'
export type { NewSession, Session } from './sessions-repo.js'
export {
  consumeSetupToken,
  createApiToken,
  createSetupToken,
  expireSetupTokens,
  findApiToken,
  getApiToken,
  listApiTokens,
  revokeApiToken,
  touchApiToken,
} from './tokens-repo.js'
export type { ApiToken, NewApiToken, SetupToken } from './tokens-repo.js'
export { createIdentity, findIdentityByEmail, getIdentity, listIdentities, updateIdentity } from './identities-repo.js'
export type { Identity, IdentityFilter, IdentityPatch, NewIdentity } from './identities-repo.js'
export { oneLoginAccountsOf } from './identities-repo.js'
export type { AccountManager, OneLoginAccount } from './identities-repo.js'
export {
  AUDIT_CSV_COLUMNS,
  appendAudit,
  appendAuditMany,
  exportAuditCsv,
  exportAuditJsonLines,
  listAudit,
  streamAudit,
  verifyAudit,
} from './audit-repo.js'
export type { AuditBreak, AuditEntry, AuditFilter, AuditInput, AuditVerification } from './audit-repo.js'
export { AUDIT_GENESIS_HASH, auditEntryHash } from './audit-hash.js'
export type { HashedAuditFields } from './audit-hash.js'
export type {
  AppBindingsTable,
  AppOwnersTable,
  AppsTable,
  EntitlementOwnersTable,
  EntitlementSettingsTable,
  EntitlementsTable,
  GrantsTable,
  ImplicationsTable,
  IntegrationOwnersTable,
  IntegrationStatus,
  IntegrationsTable,
  ResourcesTable,
  RiskLevel,
  SyncRunStatus,
  SyncRunsTable,
} from './database.js'
export { containsText, sameText } from './like.js'
export { appName, appNames, campaignsNamingApp, createApp, deleteAppRow, getApp, listApps, updateApp } from './apps-repo.js'
export type { App, AppFilter, AppPatch, NewApp } from './apps-repo.js'
// --- issue 6: integrations-repo.ts ---
export {
  createIntegration,
  deleteIntegration,
  findIntegrationByUploadToken,
  getIntegration,
  integrationsOwnedBy,
  listDueIntegrations,
  listIntegrationOwners,
  listIntegrations,
  ownersOfIntegrations,
  setIntegrationOwners,
  updateIntegration,
} from './integrations-repo.js'
export type { Integration, IntegrationFilter, IntegrationPatch, NewIntegration } from './integrations-repo.js'
// --- end integrations-repo ---
// --- issue 6: inventory-repo.ts ---
export {
  GRANT_CSV_COLUMNS,
  StagingWriter,
  allIntegrationIds,
  analyzeInventory,
  analyzeInventoryStaging,
  appIntegrationIds,
  applyStagedEntitlements,
  applyStagedGrants,
  applyStagedImplications,
  applyStagedResources,
  createInventoryStaging,
  createStagedIdentities,
  currentResourceNames,
  discoveredApps,
  dropInventoryStaging,
  entitlementsImplying,
  exportGrantsCsv,
  findStagingInconsistency,
  getInventoryEntitlement,
  getInventoryResource,
  grantChanges,
  hasInventory,
  integrationExists,
  linkStagedIdentities,
  listAppBindings,
  listAppEntitlements,
  listAppIntegrations,
  listEntitlementOwners,
  listInventoryEntitlements,
  listInventoryResources,
  peopleWithoutIdentity,
  principalsOf,
  queryGrants,
  renameStagedIdentities,
  replaceAppBindings,
  replaceEntitlementOwners,
  roleReach,
  saveEntitlementSettings,
  stageGrantChanges,
  stagePeople,
  streamGrants,
  tuneForIngest,
  unknownUserIds,
} from './inventory-repo.js'
export type {
  AppBinding,
  AppEntitlementFilter,
  AppEntitlementScope,
  AppIntegration,
  ApplyCounts,
  EntitlementListFilter,
  EntitlementOwner,
  EntitlementSettingsValues,
  StagedGrantChange,
  GrantQuery,
  GrantRecord,
  InventoryEntitlement,
  InventoryResource,
  ResourceListFilter,
  RoleReach,
  StagedEntitlement,
  StagedGrant,
  StagedImplication,
  StagedResource,
} from './inventory-repo.js'
export { countGrantsByApp, listCarryingEntitlements } from './inventory-repo.js'
export type { AppGrantCount, CarryingEntitlement } from './inventory-repo.js'
// --- end inventory-repo ---
// --- issue 6: sync-runs-repo.ts ---
export {
  boundedLog,
  createSyncRun,
  failInterruptedRuns,
  getSyncRun,
  listSyncRuns,
  updateSyncRun,
} from './sync-runs-repo.js'
export type { NewSyncRun, SyncLogLine, SyncRun, SyncRunPatch } from './sync-runs-repo.js'
// --- end sync-runs-repo ---
// --- issue 8: webhooks-repo.ts ---
export {
  abandonWebhookDelivery,
  webhookAttemptsOf,
  createWebhook,
  deleteWebhook,
  enabledWebhooks,
  getWebhookDelivery,
  getWebhook,
  insertWebhookDeliveries,
  queryWebhookDeliveries,
  listWebhooks,
  purgeWebhookDeliveries,
  recordWebhookAttempt,
  updateWebhook,
} from './webhooks-repo.js'
export type {
  WebhookDeliveryFilter,
  WebhookDeliveryPatch,
  NewWebhook,
  Webhook,
  WebhookAttempt,
  WebhookAttemptOutcome,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookDelivery,
  WebhookDeliveryState,
  WebhookPatch,
  WebhooksTable,
} from './webhooks-repo.js'
// --- end webhooks-repo ---
// --- issue 8: policies-repo.ts, requests-repo.ts (access requests) ---
export {
  appRequestSettingsOf,
  deletePolicy,
  entitlementRequestSettingsOf,
  getPolicies,
  getPolicy,
  insertPolicy,
  listPolicies,
  replacePolicy,
  saveAppRequestSettings,
  saveEntitlementRequestSettings,
} from './policies-repo.js'
export type {
  AppRequestSettings,
  AppRequestSettingsTable,
  Approver,
  Audience,
  AutoApproveRule,
  EntitlementRef,
  EntitlementRequestSettings,
  EntitlementRequestSettingsTable,
  PoliciesTable,
  Policy,
  PolicyFilter,
  PolicyKind,
  PolicyStep,
  RequestPolicyIds,
} from './policies-repo.js'
export {
  addRequestEvents,
  addTaskAssignees,
  assigneesOfTasks,
  dueTaskRows,
  findOpenRequest,
  getRequestRow,
  getRequestRows,
  getTaskRow,
  insertRequest,
  insertTask,
  listRequestRows,
  listTaskRows,
  lockRequestRow,
  requestEventsOf,
  tasksOfRequests,
  updateRequestRow,
  updateTaskRow,
  wasAssigned,
  accountsOfIdentities,
  heldEntitlements,
  integrationsWithEntitlement,
  listRequestableEntitlements,
} from './requests-repo.js'
export type {
  AccessRequestsTable,
  ApprovalTaskAssigneesTable,
  ApprovalTasksTable,
  RequestEventInput,
  RequestEventsTable,
  RequestKind,
  RequestListFilter,
  RequestPatch,
  RequestRow,
  RequestableEntitlement,
  StoredRequestState,
  TaskAssignee,
  TaskListFilter,
  TaskPatch,
  TaskRow,
  TaskState,
} from './requests-repo.js'
// --- end policies-repo, requests-repo ---
// --- issue 8: orders-repo.ts (provisioning orders, time-bound grants, manual tasks) ---
export {
  ORDER_EVENTS_MAX,
  claimExpiry,
  getManualTaskRecord,
  getOrder,
  getTimeboundGrant,
  getTimeboundGrantRecord,
  insertManualTask,
  insertOrder,
  insertTimeboundGrant,
  latestOrderFor,
  listManualTasks,
  listTimeboundGrants,
  lockLiveTimeboundGrant,
  lockManualTask,
  lockOrder,
  lockTimeboundGrant,
  manualTaskAssignees,
  manualTaskOfOrder,
  orderEvents,
  ordersForRequests,
  startRevoking,
  updateManualTask,
  updateOrder,
  updateTimeboundGrant,
} from './orders-repo.js'
export type {
  GrantKey,
  ManualTaskAssigneesTable,
  ManualTaskFilter,
  ManualTaskRecord,
  ManualTaskRow,
  ManualTasksTable,
  OrderEventRecord,
  OrderPatch,
  OrderRow,
  ProvisioningOrdersTable,
  TimeboundFilter,
  TimeboundGrantRecord,
  TimeboundGrantRow,
  TimeboundGrantsTable,
  TimeboundPatch,
  TimeboundState,
} from './orders-repo.js'
// --- end orders-repo ---
// --- issue 8: sod-repo.ts, drift-repo.ts ---
export {
  deleteSodRule,
  enabledRulesNaming,
  entitlementNames,
  entitlementsImpliedBy,
  existingEntitlements,
  findSodRuleByName,
  getSodRule,
  getSodRules,
  holdingsOf,
  insertSodRule,
  listSodRules,
  listSodViolations,
  lockSodRule,
  replaceSodRuleSet,
  updateSodRuleRow,
} from './sod-repo.js'
export type {
  SodEntitlementRef,
  SodAction,
  SodHolding,
  SodRuleEntitlement,
  SodRuleEntitlementsTable,
  SodRuleFilter,
  SodRuleHit,
  SodRuleRecord,
  SodRulesTable,
  SodSide,
  SodViolation,
  SodViolationGrant,
} from './sod-repo.js'
export {
  addedGrantEvents,
  anyDriftScanning,
  auditHeadSeq,
  driftSettingsOf,
  getDriftFinding,
  getDriftSetting,
  heldGrants,
  impliedBy,
  insertDriftFinding,
  integrationApps,
  listDriftFindings,
  lockDriftFinding,
  putDriftSetting,
  updateDriftFinding,
} from './drift-repo.js'
export type {
  AddedGrantEvent,
  DriftAction,
  DriftFindingFilter,
  DriftFindingRecord,
  DriftFindingsTable,
  DriftSettingsTable,
  DriftState,
  HeldGrant,
  IntegrationApps,
} from './drift-repo.js'
// --- end sod-repo, drift-repo ---
export { appOwnerIds, appOwnersRelation, appsOwnedBy, directAppOwners, replaceDirectAppOwners } from './owners-repo.js'
// --- issue 9: access reviews (campaigns-repo) ---
export {
  activeCampaigns,
  analyzeCampaignItems,
  assignCampaignReviewers,
  assignUnreviewed,
  campaignAuditEntries,
  campaignCounts,
  campaignsToAutoClose,
  claimReminder,
  commentsOfCampaign,
  commentsOfItem,
  countUnreviewed,
  deleteCampaignRow,
  deleteTemplateRow,
  dueTemplates,
  entitlementsOfApps,
  entitlementsOfTypes,
  findEvidenceRecord,
  getCampaignRow,
  getItemRows,
  getTemplateRow,
  insertCampaign,
  insertCampaignScope,
  insertComment,
  insertTemplate,
  leaveUndecided,
  listCampaignRows,
  listItemRows,
  listTemplateRows,
  lockCampaign,
  remindersOf,
  replaceItemReviewers,
  reviewerCampaignCounts,
  reviewerProgress,
  reviewersOfItems,
  reviewersWithUndecided,
  stageCampaignItems,
  stagedSummary,
  undecidedItemNos,
  updateCampaignRow,
  updateItemRow,
  updateTemplateRow,
} from './campaigns-repo.js'
export type {
  CampaignCloseAction,
  CampaignCounts,
  CampaignDecision,
  CampaignFilter,
  CampaignItemRow,
  CampaignRow,
  CampaignState,
  CampaignSuggestion,
  CampaignTemplateRow,
  CampaignsTable,
  ItemFilter,
  ItemRow,
  ReviewerCampaignCount,
  ReviewerProgress,
  ReviewerType,
  ScopeEntitlement,
  StageFilters,
  StagedSummary,
} from './campaigns-repo.js'
// --- end campaigns-repo ---
