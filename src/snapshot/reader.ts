import { statSync } from 'node:fs'
import Database from 'better-sqlite3'
import { WardenError } from '../errors/index.js'
import { RESOURCE_TYPES, isResourceType, parseEntitlementId } from '../model/index.js'
import type { Entitlement, Grant, Resource, ResourceType } from '../model/index.js'
import { SNAPSHOT_APPLICATION_ID, SNAPSHOT_SCHEMA_VERSION, prefixRange } from './schema.js'

/** One row of `syncs`, JSON columns parsed. */
export interface SnapshotSync {
  id: string
  mode: string
  base_url: string
  account_id: number | null
  started_at: string
  finished_at: string | null
  duration_ms: number | null
  api_calls: number
  api_calls_by_endpoint: Record<string, number>
  options: Record<string, unknown>
  state: Record<string, unknown>
  /** Where an unfinished sync resumes; null once it finished. */
  checkpoint: unknown
}

export interface SnapshotCounts {
  resources: Record<ResourceType, number>
  entitlements: number
  grants: number
}

export interface ResourceFilter {
  type?: ResourceType | undefined
}

export interface EntitlementFilter {
  /** The resource type of the entitlement's resource. */
  type?: ResourceType | undefined
}

export interface GrantFilter {
  /** The resource type of the granted entitlement's resource. */
  type?: ResourceType | undefined
  /** An entitlement ID, e.g. `role:42:member`. */
  entitlement?: string | undefined
  /** A principal resource ID, e.g. `user:7`. */
  principal?: string | undefined
}

/** Raw rows as better-sqlite3 returns them. Exported for diff.ts only. */
export interface ResourceRow {
  id: string
  type: string
  display_name: string
  traits: string
}
export interface EntitlementRow {
  id: string
  resource_id: string
  slug: string
  display_name: string
  grantable_to: string
}
export interface GrantRow {
  id: string
  entitlement_id: string
  principal_id: string
  direct: number
  sources: string
}
interface ImplicationRow {
  from_entitlement: string
  to_entitlement: string
}
/** One rule of `implications`: holding `from` also gives `to` (e.g. role:42:member -> app:9:access). */
export interface Implication {
  from: string
  to: string
}
interface SyncRow {
  id: string
  mode: string
  base_url: string
  account_id: number | null
  started_at: string
  finished_at: string | null
  duration_ms: number | null
  api_calls: number
  api_calls_by_endpoint: string
  options: string
  state: string
  checkpoint: string | null
}

const REQUIRED_TABLES = ['resource_types', 'resources', 'entitlements', 'grants', 'implications', 'syncs', 'sync_log']

/**
 * Reads a snapshot file (schema.ts, docs/snapshot.md) read-only. `open()` refuses anything that is
 * not a finished snapshot this Warden can read. The iterators stream rows with `.iterate()`: a
 * million grants never sit in memory at once. Rows are checked as they are read; a corrupt one is
 * a BAD_INPUT naming its table and id.
 *
 * Type filters use the ID scheme (DESIGN.md, "The model"): an entitlement's ID starts with its
 * resource's ID and a grant's with its entitlement's, so `type` is a range scan of the primary
 * key, already in ID order. Every row read is checked to follow that scheme.
 */
export class SnapshotReader {
  readonly path: string
  private readonly db: Database.Database

  private constructor(path: string, db: Database.Database) {
    this.path = path
    this.db = db
  }

  static open(path: string): SnapshotReader {
    let isFile: boolean
    try {
      isFile = statSync(path).isFile()
    } catch {
      throw new WardenError('BAD_INPUT', `no snapshot at ${path}`)
    }
    if (!isFile) throw new WardenError('BAD_INPUT', `${path} is not a file, so not a Warden snapshot`)
    let db: Database.Database
    try {
      db = new Database(path, { readonly: true, fileMustExist: true })
    } catch (e) {
      throw new WardenError('BAD_INPUT', `cannot open ${path}: ${message(e)}`, { cause: e })
    }
    try {
      checkFile(path, db)
      const reader = new SnapshotReader(path, db)
      const latest = reader.latestSync()
      if (latest === undefined) throw new WardenError('BAD_INPUT', `${path} records no sync, so it is not a finished Warden snapshot`)
      if (latest.finished_at === null) {
        throw new WardenError('BAD_INPUT', `${path} is an unfinished sync; run warden sync again to resume it`)
      }
      return reader
    } catch (e) {
      db.close()
      throw asBadInput(path, e)
    }
  }

  /** The sync that last wrote the file: the `syncs` row with the greatest `started_at`. */
  latestSync(): SnapshotSync | undefined {
    const row = this.query(() =>
      this.db.prepare<[], SyncRow>('SELECT * FROM syncs ORDER BY started_at DESC, id DESC LIMIT 1').get(),
    )
    return row === undefined ? undefined : decodeSync(this.path, row)
  }

  /** Every sync that wrote the file, oldest first (an incremental sync adds one to its base's). */
  syncs(): SnapshotSync[] {
    const rows = this.query(() => this.db.prepare<[], SyncRow>('SELECT * FROM syncs ORDER BY started_at, id').all())
    return rows.map((r) => decodeSync(this.path, r))
  }

  counts(): SnapshotCounts {
    return this.query(() => {
      const resources = Object.fromEntries(RESOURCE_TYPES.map((t) => [t, 0])) as Record<ResourceType, number>
      const byType = this.db.prepare<[], { type: string; n: number }>('SELECT type, count(*) AS n FROM resources GROUP BY type').all()
      for (const { type, n } of byType) {
        if (!isResourceType(type)) throw corrupt(this.path, 'resources', `type "${type}"`, 'is not a resource type')
        resources[type] = n
      }
      const count = (table: 'entitlements' | 'grants'): number =>
        this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0
      return { resources, entitlements: count('entitlements'), grants: count('grants') }
    })
  }

  /** Resources in ID order, optionally of one type. */
  *resources(filter: ResourceFilter = {}): Generator<Resource, void, undefined> {
    const where: string[] = []
    const params: string[] = []
    // A resource id starts with its type (user:7), so a type is a range of the primary key.
    if (filter.type !== undefined) addPrefix(where, params, 'id', `${filter.type}:`)
    const sql = `SELECT id, type, display_name, traits FROM resources${whereClause(where)} ORDER BY id`
    yield* this.stream<ResourceRow, Resource>(sql, params, (r) => decodeResource(this.path, r))
  }

  /** Entitlements in ID order, optionally of one resource type. */
  *entitlements(filter: EntitlementFilter = {}): Generator<Entitlement, void, undefined> {
    const where: string[] = []
    const params: string[] = []
    if (filter.type !== undefined) addPrefix(where, params, 'id', `${filter.type}:`)
    const sql = `SELECT id, resource_id, slug, display_name, grantable_to FROM entitlements${whereClause(where)} ORDER BY id`
    yield* this.stream<EntitlementRow, Entitlement>(sql, params, (r) => decodeEntitlement(this.path, r))
  }

  /** Grants in ID order, optionally of one resource type, one entitlement and/or one principal. */
  *grants(filter: GrantFilter = {}): Generator<Grant, void, undefined> {
    const where: string[] = []
    const params: string[] = []
    // A grant's id is <entitlement id>:<principal id>, so its type is its entitlement's prefix
    // (a range on the primary key; the id column itself is derived and not indexed).
    if (filter.type !== undefined) addPrefix(where, params, 'entitlement_id', `${filter.type}:`)
    if (filter.entitlement !== undefined) {
      where.push('entitlement_id = ?')
      params.push(filter.entitlement)
    }
    if (filter.principal !== undefined) {
      where.push('principal_id = ?')
      params.push(filter.principal)
    }
    const sql = `SELECT id, entitlement_id, principal_id, direct, sources FROM grants${whereClause(where)} ORDER BY entitlement_id, principal_id`
    yield* this.stream<GrantRow, Grant>(sql, params, (r) => decodeGrant(this.path, r))
  }

  /** Implications (holding `from` also gives `to`) in key order: by `from`, then `to`. */
  *implications(): Generator<Implication, void, undefined> {
    const sql = 'SELECT from_entitlement, to_entitlement FROM implications ORDER BY from_entitlement, to_entitlement'
    yield* this.stream<ImplicationRow, Implication>(sql, [], (r) => decodeImplication(this.path, r))
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  private *stream<R, T>(sql: string, params: string[], decode: (row: R) => T): Generator<T, void, undefined> {
    let rows: IterableIterator<R>
    try {
      rows = this.db.prepare<string[], R>(sql).iterate(...params)
    } catch (e) {
      throw asBadInput(this.path, e)
    }
    try {
      while (true) {
        let next: IteratorResult<R>
        try {
          next = rows.next()
        } catch (e) {
          throw asBadInput(this.path, e)
        }
        if (next.done === true) return
        yield decode(next.value)
      }
    } finally {
      // A consumer that stops early (break, a thrown error) ends the statement too.
      if (this.db.open) rows.return?.()
    }
  }

  private query<T>(run: () => T): T {
    try {
      return run()
    } catch (e) {
      throw asBadInput(this.path, e)
    }
  }
}

function checkFile(path: string, db: Database.Database): void {
  let applicationId: unknown
  let version: unknown
  try {
    applicationId = db.pragma('application_id', { simple: true })
    version = db.pragma('user_version', { simple: true })
  } catch (e) {
    throw new WardenError('BAD_INPUT', `${path} is not a Warden snapshot (${message(e)})`, { cause: e })
  }
  if (applicationId !== SNAPSHOT_APPLICATION_ID) throw new WardenError('BAD_INPUT', `${path} is not a Warden snapshot`)
  if (typeof version !== 'number' || version > SNAPSHOT_SCHEMA_VERSION) {
    throw new WardenError(
      'BAD_INPUT',
      `${path} was written by a newer Warden (snapshot format ${String(version)}; this Warden reads up to ${SNAPSHOT_SCHEMA_VERSION}); upgrade Warden to read it`,
    )
  }
  if (version < 1) throw new WardenError('BAD_INPUT', `${path} is not a complete Warden snapshot (no schema version)`)
  const tables = new Set(db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name))
  const missing = REQUIRED_TABLES.filter((t) => !tables.has(t))
  if (missing.length > 0) throw new WardenError('BAD_INPUT', `${path} is a damaged Warden snapshot (missing table ${missing.join(', ')})`)
}

function whereClause(where: string[]): string {
  return where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`
}

/** `column` starts with `prefix`, as a range the primary key index answers (BINARY collation). */
function addPrefix(where: string[], params: string[], column: string, prefix: string): void {
  where.push(`${column} >= ? AND ${column} < ?`)
  params.push(...prefixRange(prefix))
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** SQLite failures while reading (a damaged page, a malformed file) are bad input, not a crash. */
function asBadInput(path: string, e: unknown): unknown {
  if (e instanceof WardenError) return e
  if (e instanceof Database.SqliteError) return new WardenError('BAD_INPUT', `${path} cannot be read as a Warden snapshot (${e.message})`, { cause: e })
  return e
}

function corrupt(path: string, table: string, which: string, problem: string): WardenError {
  return new WardenError('BAD_INPUT', `${path} is a damaged Warden snapshot: ${table} row ${which}: ${problem}`)
}

function parseJson(path: string, table: string, id: string, column: string, text: unknown): unknown {
  if (typeof text !== 'string') throw corrupt(path, table, `"${id}"`, `${column} is not JSON text`)
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw corrupt(path, table, `"${id}"`, `${column} is not valid JSON`)
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function jsonObject(path: string, table: string, id: string, column: string, text: unknown): Record<string, unknown> {
  const v = parseJson(path, table, id, column, text)
  if (!isPlainObject(v)) throw corrupt(path, table, `"${id}"`, `${column} is not a JSON object`)
  return v
}

function stringArray(path: string, table: string, id: string, column: string, text: unknown): string[] {
  const v = parseJson(path, table, id, column, text)
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw corrupt(path, table, `"${id}"`, `${column} is not a JSON array of strings`)
  return v as string[]
}

function text(path: string, table: string, id: string, column: string, v: unknown): string {
  if (typeof v !== 'string') throw corrupt(path, table, `"${id}"`, `${column} is not text`)
  return v
}

export function decodeResource(path: string, r: ResourceRow): Resource {
  const id = text(path, 'resources', String(r.id), 'id', r.id)
  if (!isResourceType(r.type)) throw corrupt(path, 'resources', `"${id}"`, `type "${String(r.type)}" is not a resource type`)
  if (!id.startsWith(`${r.type}:`)) throw corrupt(path, 'resources', `"${id}"`, `the id does not start with its type "${r.type}:"`)
  return {
    id,
    type: r.type,
    display_name: text(path, 'resources', id, 'display_name', r.display_name),
    traits: jsonObject(path, 'resources', id, 'traits', r.traits),
  }
}

export function decodeEntitlement(path: string, r: EntitlementRow): Entitlement {
  const id = text(path, 'entitlements', String(r.id), 'id', r.id)
  const resource = text(path, 'entitlements', id, 'resource_id', r.resource_id)
  const slug = text(path, 'entitlements', id, 'slug', r.slug)
  if (id !== `${resource}:${slug}`) throw corrupt(path, 'entitlements', `"${id}"`, `the id is not resource_id:slug ("${resource}:${slug}")`)
  const grantable = stringArray(path, 'entitlements', id, 'grantable_to', r.grantable_to)
  const bad = grantable.find((t) => !isResourceType(t))
  if (bad !== undefined) throw corrupt(path, 'entitlements', `"${id}"`, `grantable_to names "${bad}", not a resource type`)
  return {
    id,
    resource,
    slug,
    display_name: text(path, 'entitlements', id, 'display_name', r.display_name),
    grantable_to: grantable as ResourceType[],
  }
}

export function decodeGrant(path: string, r: GrantRow): Grant {
  const id = text(path, 'grants', String(r.id), 'id', r.id)
  const entitlement = text(path, 'grants', id, 'entitlement_id', r.entitlement_id)
  const principal = text(path, 'grants', id, 'principal_id', r.principal_id)
  if (r.direct !== 0 && r.direct !== 1) throw corrupt(path, 'grants', `"${id}"`, `direct is ${String(r.direct)}, not 0 or 1`)
  return { id, entitlement, principal, direct: r.direct === 1, sources: stringArray(path, 'grants', id, 'sources', r.sources) }
}

function decodeImplication(path: string, r: ImplicationRow): Implication {
  const which = `"${String(r.from_entitlement)} -> ${String(r.to_entitlement)}"`
  const check = (column: string, v: unknown): string => {
    if (typeof v !== 'string') throw corrupt(path, 'implications', which, `${column} is not text`)
    try {
      parseEntitlementId(v)
    } catch {
      throw corrupt(path, 'implications', which, `${column} "${v}" is not an entitlement id`)
    }
    return v
  }
  return { from: check('from_entitlement', r.from_entitlement), to: check('to_entitlement', r.to_entitlement) }
}

function decodeSync(path: string, r: SyncRow): SnapshotSync {
  const id = String(r.id)
  const calls = jsonObject(path, 'syncs', id, 'api_calls_by_endpoint', r.api_calls_by_endpoint)
  for (const [endpoint, n] of Object.entries(calls)) {
    if (typeof n !== 'number') throw corrupt(path, 'syncs', `"${id}"`, `api_calls_by_endpoint["${endpoint}"] is not a number`)
  }
  return {
    id,
    mode: r.mode,
    base_url: r.base_url,
    account_id: r.account_id,
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_ms: r.duration_ms,
    api_calls: r.api_calls,
    api_calls_by_endpoint: calls as Record<string, number>,
    options: jsonObject(path, 'syncs', id, 'options', r.options),
    state: jsonObject(path, 'syncs', id, 'state', r.state),
    checkpoint: r.checkpoint === null ? null : parseJson(path, 'syncs', id, 'checkpoint', r.checkpoint),
  }
}
