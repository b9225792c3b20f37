/**
 * The snapshot file: one SQLite database holding one sync's view of a OneLogin tenant, readable
 * by any SQLite tool (docs/snapshot.md). JSON columns are TEXT holding JSON.
 *
 * PRAGMA application_id marks the file as a Warden snapshot; PRAGMA user_version is the schema
 * version. Readers refuse files with another application id or a newer version.
 */
/**
 * [prefix, the first string after every string with that prefix]: an index-friendly range for
 * "starts with" on the id columns (LIKE is case-insensitive in SQLite and cannot use them).
 * Every id starts with its type or its entitlement (`user:7`, `role:42:member:user:7`).
 */
export function prefixRange(prefix: string): [string, string] {
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)]
}

export const SNAPSHOT_APPLICATION_ID = 0x57_44_4e_31 // "WDN1"
export const SNAPSHOT_SCHEMA_VERSION = 1

/**
 * Who holds what, by principal. A writer builds it once after the bulk load (SnapshotWriter
 * deriveGrants) rather than keeping it up to date through a million random-order inserts.
 */
export const GRANTS_BY_PRINCIPAL_INDEX = 'CREATE INDEX IF NOT EXISTS grants_by_principal ON grants(principal_id)'

export const SNAPSHOT_DDL = `
CREATE TABLE resource_types (
  id TEXT PRIMARY KEY,                 -- user, role, app, group, privilege
  display_name TEXT NOT NULL
) STRICT;

CREATE TABLE resources (
  id TEXT PRIMARY KEY,                 -- user:7, role:42, privilege:<uuid>
  type TEXT NOT NULL REFERENCES resource_types(id),
  external_id TEXT NOT NULL,           -- the OneLogin id
  display_name TEXT NOT NULL,
  traits TEXT NOT NULL,                -- JSON object
  source_updated_at TEXT               -- OneLogin's updated_at, when it sends one
) STRICT, WITHOUT ROWID;               -- one b-tree; a type is an id prefix range (user:...)

CREATE TABLE entitlements (
  id TEXT PRIMARY KEY,                 -- role:42:member
  resource_id TEXT NOT NULL,
  slug TEXT NOT NULL,                  -- member, admin, access, assigned
  display_name TEXT NOT NULL,
  grantable_to TEXT NOT NULL           -- JSON array of resource types
) STRICT;
CREATE INDEX entitlements_by_resource ON entitlements(resource_id);

-- Keyed on (entitlement, principal) with the id derived, not stored: grants are most of the file,
-- and each stored key or index is one more b-tree every one of a million inserts updates.
CREATE TABLE grants (
  entitlement_id TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  direct INTEGER NOT NULL,             -- 1: OneLogin records the assignment itself
  sources TEXT NOT NULL,               -- JSON array of entitlement ids it is (also) held through
  id TEXT GENERATED ALWAYS AS (entitlement_id || ':' || principal_id) VIRTUAL, -- <entitlement id>:<principal id>
  PRIMARY KEY (entitlement_id, principal_id)
) STRICT, WITHOUT ROWID;
${GRANTS_BY_PRINCIPAL_INDEX};

-- Holding "from" also gives "to": role:42:member -> app:9:access (OneLogin grants apps only
-- through roles), role:42:member -> privilege:<uuid>:assigned.
CREATE TABLE implications (
  from_entitlement TEXT NOT NULL,
  to_entitlement TEXT NOT NULL,
  PRIMARY KEY (from_entitlement, to_entitlement)
) STRICT, WITHOUT ROWID;

-- One row per sync that produced this file (an incremental sync adds a row to its base's).
CREATE TABLE syncs (
  id TEXT PRIMARY KEY,
  mode TEXT NOT NULL,                  -- full, incremental
  base_url TEXT NOT NULL,
  account_id INTEGER,
  started_at TEXT NOT NULL,            -- ISO 8601
  finished_at TEXT,                    -- null while running
  duration_ms INTEGER,
  api_calls INTEGER NOT NULL DEFAULT 0,
  api_calls_by_endpoint TEXT NOT NULL DEFAULT '{}', -- JSON object
  options TEXT NOT NULL DEFAULT '{}',  -- JSON: e.g. {"privileges":true}
  state TEXT NOT NULL DEFAULT '{}',    -- JSON: what the next incremental sync starts from
  checkpoint TEXT                      -- JSON while running: where to resume
) STRICT;

CREATE TABLE sync_log (
  sync_id TEXT NOT NULL,
  at TEXT NOT NULL,
  level TEXT NOT NULL,                 -- info, warn
  message TEXT NOT NULL
) STRICT;

-- Working state of a running sync: ids seen in lists that are re-read in full, so that what
-- OneLogin no longer lists can be deleted at the end. Empty in a finished snapshot.
CREATE TABLE sync_seen (
  type TEXT NOT NULL,
  external_id TEXT NOT NULL,
  PRIMARY KEY (type, external_id)
) STRICT, WITHOUT ROWID;

INSERT INTO resource_types (id, display_name) VALUES
  ('user', 'User'), ('role', 'Role'), ('app', 'App'), ('group', 'Group'), ('privilege', 'Privilege');
`
