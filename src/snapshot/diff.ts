import Database from 'better-sqlite3'
import { WardenError } from '../errors/index.js'
import type { Grant, Resource } from '../model/index.js'
import { decodeGrant, decodeResource } from './reader.js'
import type { GrantRow, ResourceRow, SnapshotReader } from './reader.js'

export interface StatusChange {
  /** The user's resource ID, e.g. `user:7`. */
  user: string
  /** The name in the newer snapshot. */
  display_name: string
  /** `traits.status` before and after; null when a side's traits carry no status. */
  from: string | null
  to: string | null
}

/** A grant held on both sides whose `direct` flag or `sources` changed (e.g. now via another role). */
export interface GrantChange {
  id: string
  entitlement: string
  principal: string
  from: { direct: boolean; sources: string[] }
  to: { direct: boolean; sources: string[] }
}

export interface SnapshotDiff {
  grantsAdded: Grant[]
  grantsRemoved: Grant[]
  grantsChanged: GrantChange[]
  statusChanged: StatusChange[]
  resourcesAdded: Resource[]
  resourcesRemoved: Resource[]
}

interface GrantPairRow extends GrantRow {
  new_direct: number
  new_sources: string
}

interface UserPairRow {
  id: string
  old_type: string
  old_display_name: string
  old_traits: string
  type: string
  display_name: string
  traits: string
}

/** Join conditions on each table's key (a grant's id is derived, not indexed). */
const KEYS = {
  resources: 'y.id = x.id',
  grants: 'y.entitlement_id = x.entitlement_id AND y.principal_id = x.principal_id',
} as const

/**
 * What changed from `older` to `newer`: grants and resources present on one side only, grants
 * whose sources changed, and users whose `traits.status` changed. A user present on one side
 * only is a resource added or removed, not a status change. Every list is in ID order.
 *
 * The work is done by SQLite: a separate read-only connection to the older file ATTACHes the
 * newer one (an attached database inherits the connection's read-only flag, so neither file can be
 * written or created) and anti-joins on the primary keys. Only the differences reach JS.
 */
export function diffSnapshots(older: SnapshotReader, newer: SnapshotReader): SnapshotDiff {
  let db: Database.Database
  try {
    db = new Database(older.path, { readonly: true, fileMustExist: true })
    db.prepare('ATTACH DATABASE ? AS newer').run(newer.path)
  } catch (e) {
    throw new WardenError('BAD_INPUT', `cannot compare ${older.path} with ${newer.path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  try {
    const onlyIn = <R>(table: 'resources' | 'grants', columns: string, from: 'main' | 'newer', other: 'main' | 'newer'): R[] =>
      db
        .prepare<[], R>(`SELECT ${columns} FROM ${from}.${table} x WHERE NOT EXISTS (SELECT 1 FROM ${other}.${table} y WHERE ${KEYS[table]}) ORDER BY x.id`)
        .all()
    const resourceColumns = 'x.id, x.type, x.display_name, x.traits'
    const grantColumns = 'x.id, x.entitlement_id, x.principal_id, x.direct, x.sources'
    const resourcesAdded = onlyIn<ResourceRow>('resources', resourceColumns, 'newer', 'main').map((r) => decodeResource(newer.path, r))
    const resourcesRemoved = onlyIn<ResourceRow>('resources', resourceColumns, 'main', 'newer').map((r) => decodeResource(older.path, r))
    const grantsAdded = onlyIn<GrantRow>('grants', grantColumns, 'newer', 'main').map((r) => decodeGrant(newer.path, r))
    const grantsRemoved = onlyIn<GrantRow>('grants', grantColumns, 'main', 'newer').map((r) => decodeGrant(older.path, r))

    const grantsChanged: GrantChange[] = []
    const pairs = db.prepare<[], GrantPairRow>(
      `SELECT a.id, a.entitlement_id, a.principal_id, a.direct, a.sources, b.direct AS new_direct, b.sources AS new_sources
       FROM main.grants a JOIN newer.grants b ON b.entitlement_id = a.entitlement_id AND b.principal_id = a.principal_id
       WHERE a.direct IS NOT b.direct OR a.sources IS NOT b.sources
       ORDER BY a.id`,
    )
    for (const row of pairs.iterate()) {
      const before = decodeGrant(older.path, row)
      const after = decodeGrant(newer.path, { ...row, direct: row.new_direct, sources: row.new_sources })
      // The same sources written in another order or spacing are no change.
      if (before.direct === after.direct && sameSet(before.sources, after.sources)) continue
      grantsChanged.push({
        id: before.id,
        entitlement: before.entitlement,
        principal: before.principal,
        from: { direct: before.direct, sources: before.sources },
        to: { direct: after.direct, sources: after.sources },
      })
    }

    const statusChanged: StatusChange[] = []
    const users = db.prepare<[], UserPairRow>(
      `SELECT a.id, a.type AS old_type, a.display_name AS old_display_name, a.traits AS old_traits, b.type, b.display_name, b.traits
       FROM main.resources a JOIN newer.resources b ON b.id = a.id
       WHERE a.type = 'user' AND a.traits IS NOT b.traits
       ORDER BY a.id`,
    )
    for (const row of users.iterate()) {
      const before = decodeResource(older.path, { id: row.id, type: row.old_type, display_name: row.old_display_name, traits: row.old_traits })
      const after = decodeResource(newer.path, row)
      const from = status(before)
      const to = status(after)
      if (from !== to) statusChanged.push({ user: after.id, display_name: after.display_name, from, to })
    }
    return { grantsAdded, grantsRemoved, grantsChanged, statusChanged, resourcesAdded, resourcesRemoved }
  } catch (e) {
    if (e instanceof Database.SqliteError) {
      throw new WardenError('BAD_INPUT', `cannot compare ${older.path} with ${newer.path}: ${e.message}`, { cause: e })
    }
    throw e
  } finally {
    db.close()
  }
}

function status(r: Resource): string | null {
  const s = r.traits['status']
  return typeof s === 'string' ? s : null
}

function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  const sa = [...a].sort()
  const sb = [...b].sort()
  return sa.every((v, i) => v === sb[i])
}
