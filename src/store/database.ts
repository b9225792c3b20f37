/**
 * The governance database's tables as Kysely sees them. One description for both dialects, so
 * every column type is portable:
 *
 * - ids are text (`usr_...`, `job_...`; sessions and hashes are hex sha256);
 * - timestamps are ISO-8601 text in UTC with milliseconds (`2026-11-28T09:15:00.000Z`), written
 *   by Warden, never by a database function, so they order lexically and identically on both;
 * - JSON is text (canonical JSON where it is hashed);
 * - booleans are integers 0/1.
 *
 * Migrations (./migrations/) create exactly these columns; a later issue that adds a table adds it
 * here and in a new migration.
 */

export interface UsersTable {
  id: string
  /** Always lower-cased; unique. */
  email: string
  display_name: string
  /** `scrypt$N$r$p$salt$hash`, or null for an account that has no password (yet). */
  password_hash: string | null
  /** JSON array of role names, sorted and de-duplicated. */
  roles: string
  disabled: number
  created_at: string
  updated_at: string
}

export interface SessionsTable {
  /** sha256 (hex) of the cookie token; the token itself is never stored. */
  id: string
  user_id: string
  created_at: string
  expires_at: string
  last_seen_at: string
}

export interface ApiTokensTable {
  id: string
  user_id: string
  name: string
  /** sha256 (hex) of the token; unique. */
  token_hash: string
  /** The token's first characters, shown to users so they can tell tokens apart. */
  prefix: string
  created_at: string
  last_used_at: string | null
  expires_at: string | null
  revoked_at: string | null
}

export interface SetupTokensTable {
  id: string
  token_hash: string
  created_at: string
  expires_at: string
  used_at: string | null
}

export interface IdentitiesTable {
  id: string
  /** Always lower-cased; unique. */
  email: string
  display_name: string
  warden_user_id: string | null
  created_at: string
  updated_at: string
}

export interface AuditLogTable {
  /** 1, 2, 3, ... without gaps: assigned under the audit_head lock, never by a sequence. */
  seq: number
  id: string
  at: string
  /** A user id, or `system`. */
  actor: string
  action: string
  target_type: string | null
  target_id: string | null
  /** Canonical JSON text, or null. */
  before: string | null
  after: string | null
  prev_hash: string
  hash: string
}

/** One row (id = 1): the last appended seq and hash. Appends serialise on it. */
export interface AuditHeadTable {
  id: number
  seq: number
  hash: string
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead'

export interface JobsTable {
  id: string
  kind: string
  /** JSON text. */
  payload: string
  /**
   * queued: waiting for its first run; running: leased by a worker until locked_until;
   * failed: the last attempt failed and a retry waits for run_at; succeeded; dead: no more
   * attempts (or a permanent error), kept for inspection.
   */
  status: JobStatus
  run_at: string
  attempts: number
  max_attempts: number
  last_error: string | null
  locked_by: string | null
  locked_until: string | null
  /** Unique among queued, running and failed jobs (a partial unique index). */
  singleton_key: string | null
  created_at: string
  updated_at: string
}

/** The last slot each named schedule enqueued; a compare-and-set on it stops double scheduling. */
export interface JobSchedulesTable {
  name: string
  last_slot: string
  updated_at: string
}

/** A governed application: created in Warden (managed), or found in OneLogin as SCIM-provisioned software (unmanaged until managed). */
export interface AppsTable {
  id: string
  name: string
  description: string
  /** managed: Warden governs it; unmanaged: discovered by an integration's sync, not governed yet. */
  state: 'managed' | 'unmanaged'
  /** The integration whose sync discovered the app, and the app's resource there (`app:<onelogin id>`); null for apps made in Warden. */
  source_integration_id: string | null
  source_resource_id: string | null
  created_at: string
  updated_at: string
}

export type IntegrationStatus = 'not_connected' | 'syncing' | 'connected' | 'error'

/** A OneLogin connector attached to an app. */
export interface IntegrationsTable {
  id: string
  app_id: string
  /** hosted: Warden syncs with the stored credentials; self-hosted: snapshots are uploaded (`warden upload`). */
  mode: 'hosted' | 'self-hosted'
  status: IntegrationStatus
  onelogin_domain: string | null
  client_id: string | null
  /** The client secret as a SecretBox envelope (src/secrets/), owner = the integration id. Never returned. */
  client_secret: string | null
  /** sha256 (hex) of the self-hosted upload token (`wdu_...`); null when none was issued. */
  upload_token_hash: string | null
  sync_privileges: number
  sync_interval_minutes: number
  full_sync_interval_hours: number
  paused: number
  next_sync_at: string | null
  last_sync_at: string | null
  last_full_sync_at: string | null
  last_error: string | null
  /** The OneLogin account the credentials (or the first upload) belong to; later uploads must match. */
  onelogin_account_id: number | null
  created_by: string
  created_at: string
  updated_at: string
}

export interface IntegrationOwnersTable {
  integration_id: string
  user_id: string
}

export type SyncRunStatus = 'running' | 'succeeded' | 'failed'

/** One sync (or upload) of an integration and what it found: the per-run sync log. */
export interface SyncRunsTable {
  id: string
  integration_id: string
  /** schedule, manual (sync now), settings (first sync after a save), upload. */
  triggered_by: 'schedule' | 'manual' | 'settings' | 'upload'
  mode: 'full' | 'incremental' | 'upload'
  status: SyncRunStatus
  started_at: string
  finished_at: string | null
  /** JSON: {"resources":{"user":n,...},"entitlements":n,"grants":n} once ingested. */
  counts: string | null
  grants_added: number
  grants_removed: number
  api_calls: number
  warnings: number
  /** JSON array of {at, level: info|warn|error, message}, at most a few hundred lines. */
  log: string
  error: string | null
  job_id: string | null
}

/** The inventory: the last ingested sync of each integration, in the model's ids (DESIGN.md). */
export interface ResourcesTable {
  integration_id: string
  /** `user:7`, `role:42`, ... */
  id: string
  type: string
  display_name: string
  /** JSON object. */
  traits: string
  /** Users: lower-cased email (identity linking); null otherwise. */
  email: string | null
  /** Users: status by name (active, suspended, ...); null otherwise. */
  status: string | null
  /** Users: the identity linked by email. */
  identity_id: string | null
}

export interface EntitlementsTable {
  integration_id: string
  id: string
  resource_id: string
  slug: string
  display_name: string
  /** JSON array of resource types. */
  grantable_to: string
}

export interface GrantsTable {
  integration_id: string
  entitlement_id: string
  principal_id: string
  direct: number
  /** JSON array of the entitlement ids it is (also) held through. */
  sources: string
  /** When Warden first saw it (an ingest, or a grant it provisioned); null for grants older than issue 9. */
  first_seen_at: string | null
}

export interface ImplicationsTable {
  integration_id: string
  from_entitlement: string
  to_entitlement: string
}

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical'

/** Governance settings of an entitlement; kept apart from the synced rows so a sync never loses them. */
export interface EntitlementSettingsTable {
  integration_id: string
  entitlement_id: string
  description: string | null
  requestable: number
  /** The longest a grant may last, in minutes; null: no limit. */
  max_duration_minutes: number | null
  risk_level: RiskLevel | null
  updated_at: string
}

export interface EntitlementOwnersTable {
  integration_id: string
  entitlement_id: string
  user_id: string
}

/** A managed SCIM app's access bound to the OneLogin roles that carry it (requests provision through them). */
export interface AppBindingsTable {
  app_id: string
  integration_id: string
  /** `role:<id>:member`. */
  entitlement_id: string
  created_at: string
}

/** A Warden user named as an app's owner (migration 0009); the app's other owners are derived (owners-repo.ts). */
export interface AppOwnersTable {
  app_id: string
  user_id: string
  created_at: string
}

export interface Database {
  users: UsersTable
  sessions: SessionsTable
  api_tokens: ApiTokensTable
  setup_tokens: SetupTokensTable
  identities: IdentitiesTable
  audit_log: AuditLogTable
  audit_head: AuditHeadTable
  jobs: JobsTable
  job_schedules: JobSchedulesTable
  apps: AppsTable
  integrations: IntegrationsTable
  integration_owners: IntegrationOwnersTable
  sync_runs: SyncRunsTable
  resources: ResourcesTable
  entitlements: EntitlementsTable
  grants: GrantsTable
  implications: ImplicationsTable
  entitlement_settings: EntitlementSettingsTable
  entitlement_owners: EntitlementOwnersTable
  app_bindings: AppBindingsTable
  app_owners: AppOwnersTable
}
