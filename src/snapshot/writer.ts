import Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { WardenError } from '../errors/index.js'
import type { Entitlement, Grant, Resource, ResourceType } from '../model/index.js'
import { GRANTS_BY_PRINCIPAL_INDEX, SNAPSHOT_APPLICATION_ID, SNAPSHOT_DDL, SNAPSHOT_SCHEMA_VERSION, prefixRange } from './schema.js'

export interface SyncStart {
  mode: 'full' | 'incremental'
  base_url: string
  started_at: string
  options: Record<string, unknown>
}

export interface SyncFinish {
  account_id: number | null
  duration_ms: number
  api_calls: number
  api_calls_by_endpoint: Record<string, number>
  /** What the next incremental sync starts from. */
  state: Record<string, unknown>
}

export interface OpenOptions {
  sync: SyncStart
  /** A finished snapshot to start from (incremental sync); copied, never modified. */
  base?: string
  /** Reuse an unfinished `<path>.partial` of the same tenant and mode, if there is one (default true). */
  resume?: boolean
}

/** A resource as written: the model plus OneLogin's updated_at, which incremental syncs compare. */
export interface ResourceRow extends Resource {
  source_updated_at?: string | null
}

/**
 * Writes one sync into a snapshot file. Everything goes to `<path>.partial`; `finish()` renames
 * it over `<path>` atomically, so a failed or interrupted sync never replaces the last good
 * snapshot. Rows and the resume checkpoint commit in the same transaction, so after a crash the
 * partial file holds exactly the pages before its checkpoint.
 */
export class SnapshotWriter {
  readonly path: string
  readonly partialPath: string
  readonly syncId: string
  /** True when this continues an interrupted sync's partial file. */
  readonly resumed: boolean
  readonly mode: 'full' | 'incremental'
  readonly #db: Database.Database
  readonly #stmts: ReturnType<typeof prepare>
  #closed = false

  private constructor(path: string, db: Database.Database, syncId: string, resumed: boolean, mode: 'full' | 'incremental') {
    this.path = path
    this.partialPath = partialPathOf(path)
    this.#db = db
    this.syncId = syncId
    this.resumed = resumed
    this.mode = mode
    this.#stmts = prepare(db)
  }

  static open(path: string, options: OpenOptions): SnapshotWriter {
    const partial = partialPathOf(path)
    if (existsSync(partial) && options.resume !== false) {
      const resumed = tryResume(partial, options.sync)
      if (resumed !== undefined) return new SnapshotWriter(path, resumed.db, resumed.syncId, true, options.sync.mode)
    }
    removeWithSidecars(partial)
    if (options.base !== undefined) copyFileSync(options.base, partial)
    const db = openDb(partial)
    if (options.base === undefined) {
      db.exec(SNAPSHOT_DDL)
      // Nothing looks grants up by principal until the sync ends: deriveGrants() builds the index.
      db.exec('DROP INDEX grants_by_principal')
      db.pragma(`application_id = ${SNAPSHOT_APPLICATION_ID}`)
      db.pragma(`user_version = ${SNAPSHOT_SCHEMA_VERSION}`)
    }
    const syncId = randomUUID()
    db.prepare('INSERT INTO syncs (id, mode, base_url, started_at, options, checkpoint) VALUES (?, ?, ?, ?, ?, ?)').run(
      syncId,
      options.sync.mode,
      options.sync.base_url,
      options.sync.started_at,
      JSON.stringify(options.sync.options),
      '{}',
    )
    return new SnapshotWriter(path, db, syncId, false, options.sync.mode)
  }

  /** The checkpoint the last committed transaction left (an empty object for a fresh sync). */
  checkpoint<T>(): T | undefined {
    const row = this.#db.prepare('SELECT checkpoint FROM syncs WHERE id = ?').get(this.syncId) as { checkpoint: string | null } | undefined
    if (row?.checkpoint === null || row?.checkpoint === undefined) return undefined
    return JSON.parse(row.checkpoint) as T
  }

  /** Runs `fn` in one transaction; with `checkpoint`, records it in the same transaction. */
  transaction<T>(fn: () => T, checkpoint?: unknown): T {
    return this.#db.transaction(() => {
      const result = fn()
      if (checkpoint !== undefined) this.#stmts.setCheckpoint.run(JSON.stringify(checkpoint), this.syncId)
      return result
    })()
  }

  /** When this sync started (an interrupted sync's original start, once resumed). */
  startedAt(): string {
    return (this.#db.prepare('SELECT started_at FROM syncs WHERE id = ?').get(this.syncId) as { started_at: string }).started_at
  }

  /** Records where to resume; call inside transaction() so it commits with its rows. */
  setCheckpoint(checkpoint: unknown): void {
    this.#stmts.setCheckpoint.run(JSON.stringify(checkpoint), this.syncId)
  }

  putResources(rows: readonly ResourceRow[]): void {
    for (const r of rows) {
      this.#stmts.putResource.run(r.id, r.type, externalIdOf(r.id), r.display_name, JSON.stringify(r.traits), r.source_updated_at ?? null)
    }
  }

  putEntitlements(rows: readonly Entitlement[]): void {
    for (const e of rows) this.#stmts.putEntitlement.run(e.id, e.resource, e.slug, e.display_name, JSON.stringify(e.grantable_to))
  }

  /** Direct grants (OneLogin records them); derived ones come from `deriveGrants()`. */
  putGrants(rows: readonly Pick<Grant, 'entitlement' | 'principal'>[]): void {
    for (const g of rows) this.#stmts.putGrant.run(g.entitlement, g.principal)
  }

  putImplications(rows: readonly { from: string; to: string }[]): void {
    for (const r of rows) this.#stmts.putImplication.run(r.from, r.to)
  }

  /** Removes the direct grants a principal holds on entitlements of one resource type (a user's group, before re-adding it). */
  deletePrincipalGrants(principal: string, entitlementType: ResourceType): void {
    this.#stmts.deletePrincipalGrants.run(principal, ...prefixRange(`${entitlementType}:`))
  }

  /** Removes resources with their entitlements, the grants on those, the grants they hold, and implications. */
  deleteResources(ids: readonly string[]): void {
    for (const id of ids) {
      const range = prefixRange(`${id}:`)
      this.#stmts.deleteGrantsOn.run(...range)
      this.#stmts.deleteGrantsHeld.run(id)
      this.#stmts.deleteImplications.run(...range, ...range)
      this.#stmts.deleteEntitlements.run(id)
      this.#stmts.deleteResource.run(id)
    }
  }

  /** Removes every resource of a type and all that hangs off it (a list re-read in full). */
  clearType(type: ResourceType): void {
    const r = prefixRange(`${type}:`)
    this.#db.prepare('DELETE FROM grants WHERE (entitlement_id >= ? AND entitlement_id < ?) OR (principal_id >= ? AND principal_id < ?)').run(...r, ...r)
    this.#db.prepare('DELETE FROM implications WHERE (from_entitlement >= ? AND from_entitlement < ?) OR (to_entitlement >= ? AND to_entitlement < ?)').run(...r, ...r)
    this.#db.prepare('DELETE FROM entitlements WHERE resource_id >= ? AND resource_id < ?').run(...r)
    this.#db.prepare('DELETE FROM resources WHERE id >= ? AND id < ?').run(...r)
  }

  /** IDs (external) and OneLogin updated_at of every resource of a type, for incremental comparison. */
  existing(type: ResourceType): Map<string, { updated_at: string | null; traits: string }> {
    const rows = this.#db.prepare('SELECT external_id, source_updated_at, traits FROM resources WHERE id >= ? AND id < ?').all(...prefixRange(`${type}:`)) as {
      external_id: string
      source_updated_at: string | null
      traits: string
    }[]
    return new Map(rows.map((r) => [r.external_id, { updated_at: r.source_updated_at, traits: r.traits }]))
  }

  /** Records ids a full list returned, for `deleteUnseen()`. */
  markSeen(type: ResourceType, externalIds: readonly (string | number)[]): void {
    for (const id of externalIds) this.#stmts.markSeen.run(type, String(id))
  }

  /** Deletes the resources of a type that this sync's lists did not return; returns their ids. */
  deleteUnseen(type: ResourceType): string[] {
    const gone = (
      this.#db
        .prepare('SELECT id FROM resources r WHERE id >= ? AND id < ? AND NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.type = r.type AND s.external_id = r.external_id)')
        .all(...prefixRange(`${type}:`)) as { id: string }[]
    ).map((r) => r.id)
    this.deleteResources(gone)
    this.#db.prepare('DELETE FROM sync_seen WHERE type = ?').run(type)
    return gone
  }

  has(id: string): boolean {
    return this.#stmts.hasResource.get(id) !== undefined
  }

  count(type: ResourceType): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM resources WHERE id >= ? AND id < ?').get(...prefixRange(`${type}:`)) as { n: number }).n
  }

  /** The finished sync this file was copied from (incremental), if any. */
  previousSync(): { id: string; started_at: string; base_url: string; options: Record<string, unknown>; state: Record<string, unknown> } | undefined {
    const row = this.#db
      .prepare('SELECT id, started_at, base_url, options, state FROM syncs WHERE finished_at IS NOT NULL AND id <> ? ORDER BY started_at DESC LIMIT 1')
      .get(this.syncId) as { id: string; started_at: string; base_url: string; options: string; state: string } | undefined
    if (row === undefined) return undefined
    return { ...row, options: JSON.parse(row.options) as Record<string, unknown>, state: JSON.parse(row.state) as Record<string, unknown> }
  }

  log(level: 'info' | 'warn', message: string): void {
    this.#stmts.log.run(this.syncId, new Date().toISOString(), level, message)
  }

  /**
   * Recomputes every derived grant from the direct ones and the implications: app access held
   * through roles (sources list the roles), privileges held through roles. One SQL statement,
   * so a million grants never pass through JavaScript.
   */
  deriveGrants(): number {
    return this.#db.transaction(() => {
      this.#db.exec("DELETE FROM grants WHERE direct = 0; UPDATE grants SET sources = '[]' WHERE sources <> '[]';")
      // Inserting a million grants in (entitlement, principal) order into an index kept by
      // principal costs twice the insert itself; building the index afterwards is cheap.
      this.#db.exec('DROP INDEX IF EXISTS grants_by_principal')
      // Implications are walked in key order (CROSS JOIN fixes the loop order), so each grant's
      // sources are appended already sorted; no sort or GROUP BY over a million rows.
      this.#db
        .prepare(
          `INSERT INTO grants (entitlement_id, principal_id, direct, sources)
           SELECT i.to_entitlement, g.principal_id, 0, json_array(i.from_entitlement)
           FROM implications i CROSS JOIN grants g ON g.entitlement_id = i.from_entitlement
           WHERE g.direct = 1
           ON CONFLICT (entitlement_id, principal_id) DO UPDATE SET sources = json_insert(grants.sources, '$[#]', excluded.sources ->> 0)`,
        )
        .run()
      this.#db.exec(GRANTS_BY_PRINCIPAL_INDEX)
      return (this.#db.prepare("SELECT count(*) AS n FROM grants WHERE sources <> '[]'").get() as { n: number }).n
    })()
  }

  counts(): { resources: Record<ResourceType, number>; entitlements: number; grants: number } {
    const resources = { user: 0, role: 0, app: 0, group: 0, privilege: 0 }
    for (const row of this.#db.prepare('SELECT type, count(*) AS n FROM resources GROUP BY type').all() as { type: ResourceType; n: number }[]) {
      resources[row.type] = row.n
    }
    const entitlements = (this.#db.prepare('SELECT count(*) AS n FROM entitlements').get() as { n: number }).n
    const grants = (this.#db.prepare('SELECT count(*) AS n FROM grants').get() as { n: number }).n
    return { resources, entitlements, grants }
  }

  /** Marks the sync finished and atomically replaces `<path>` with the new snapshot. */
  finish(result: SyncFinish): void {
    this.#db.exec('DELETE FROM sync_seen')
    this.#db
      .prepare(
        'UPDATE syncs SET finished_at = ?, duration_ms = ?, account_id = ?, api_calls = ?, api_calls_by_endpoint = ?, state = ?, checkpoint = NULL WHERE id = ?',
      )
      .run(
        new Date().toISOString(),
        result.duration_ms,
        result.account_id,
        result.api_calls,
        JSON.stringify(result.api_calls_by_endpoint),
        JSON.stringify(result.state),
        this.syncId,
      )
    // Fold the WAL back into the file so the snapshot is one self-contained file.
    this.#db.pragma('journal_mode = DELETE')
    this.#db.close()
    this.#closed = true
    fsyncPath(this.partialPath)
    renameSync(this.partialPath, this.path)
    fsyncPath(dirname(this.path))
  }

  /** Closes without finishing: the partial file stays for a later resume. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#db.close()
  }

  /** Closes and deletes the partial file (a sync that cannot be resumed, e.g. bad input). */
  discard(): void {
    this.close()
    removeWithSidecars(this.partialPath)
  }
}

export function partialPathOf(path: string): string {
  return `${path}.partial`
}

function openDb(path: string): Database.Database {
  const db = new Database(path)
  // The partial file is scratch until finish() fsyncs and renames it: WAL without syncs is safe
  // against a process crash (the checkpoint commits with its rows); after an OS crash the file
  // may be damaged, which tryResume's integrity check catches, and the sync starts over.
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  // 32 MiB of page cache: at 100k users / 1M grants, 64 MiB pushed peak RSS past 300 MB for
  // little speed (docs/benchmarks.md).
  db.pragma('cache_size = -32768')
  return db
}

function tryResume(partial: string, sync: SyncStart): { db: Database.Database; syncId: string } | undefined {
  let db: Database.Database | undefined
  try {
    db = openDb(partial)
    if (db.pragma('application_id', { simple: true }) !== SNAPSHOT_APPLICATION_ID) throw new Error('not a snapshot')
    if (db.pragma('quick_check', { simple: true }) !== 'ok') throw new Error('damaged')
    const row = db.prepare('SELECT id, mode, base_url, options, checkpoint FROM syncs WHERE finished_at IS NULL ORDER BY started_at DESC LIMIT 1').get() as
      | { id: string; mode: string; base_url: string; options: string; checkpoint: string | null }
      | undefined
    if (row === undefined || row.base_url !== sync.base_url || row.mode !== sync.mode || row.options !== JSON.stringify(sync.options)) {
      db.close()
      return undefined
    }
    return { db, syncId: row.id }
  } catch {
    db?.close()
    return undefined
  }
}

function removeWithSidecars(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(p, { force: true })
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function externalIdOf(id: string): string {
  const i = id.indexOf(':')
  if (i < 0) throw new WardenError('INTERNAL', `resource id without a type: ${id}`)
  return id.slice(i + 1)
}

function prepare(db: Database.Database) {
  return {
    putResource: db.prepare(
      `INSERT INTO resources (id, type, external_id, display_name, traits, source_updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, traits = excluded.traits, source_updated_at = excluded.source_updated_at`,
    ),
    putEntitlement: db.prepare(
      `INSERT INTO entitlements (id, resource_id, slug, display_name, grantable_to) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, grantable_to = excluded.grantable_to`,
    ),
    putGrant: db.prepare(
      `INSERT INTO grants (entitlement_id, principal_id, direct, sources) VALUES (?, ?, 1, '[]')
       ON CONFLICT (entitlement_id, principal_id) DO UPDATE SET direct = 1`,
    ),
    putImplication: db.prepare('INSERT OR IGNORE INTO implications (from_entitlement, to_entitlement) VALUES (?, ?)'),
    deletePrincipalGrants: db.prepare('DELETE FROM grants WHERE principal_id = ? AND entitlement_id >= ? AND entitlement_id < ? AND direct = 1'),
    deleteGrantsOn: db.prepare('DELETE FROM grants WHERE entitlement_id >= ? AND entitlement_id < ?'),
    deleteGrantsHeld: db.prepare('DELETE FROM grants WHERE principal_id = ?'),
    deleteImplications: db.prepare(
      'DELETE FROM implications WHERE (from_entitlement >= ? AND from_entitlement < ?) OR (to_entitlement >= ? AND to_entitlement < ?)',
    ),
    deleteEntitlements: db.prepare('DELETE FROM entitlements WHERE resource_id = ?'),
    deleteResource: db.prepare('DELETE FROM resources WHERE id = ?'),
    hasResource: db.prepare('SELECT 1 FROM resources WHERE id = ?'),
    markSeen: db.prepare('INSERT OR IGNORE INTO sync_seen (type, external_id) VALUES (?, ?)'),
    setCheckpoint: db.prepare('UPDATE syncs SET checkpoint = ? WHERE id = ?'),
    log: db.prepare('INSERT INTO sync_log (sync_id, at, level, message) VALUES (?, ?, ?, ?)'),
  }
}
