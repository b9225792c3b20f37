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
}
