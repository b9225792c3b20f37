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
export { AUDIT_EXPORT_TYPES, exportAuditLog, listAuditLog, verifyAuditLog } from './audit.js'
export type { AuditExportFormat } from './audit.js'
export { JOB_RETENTION_MS, getBackgroundJob, listBackgroundJobs, maintenanceJobs, retryBackgroundJob } from './jobs.js'
export { databaseReachable } from './health.js'
