import { sql } from 'kysely'
import type { RawBuilder, SqlBool } from 'kysely'
import { WardenError } from '../errors/index.js'

/**
 * Keyset ("cursor") pagination shared by every list query. A page is `limit` rows ordered by a
 * unique sort key; its cursor is the last row's key, base64url-encoded, opaque to callers and bound
 * to the list it came from. The next page is `WHERE (k1, k2) > (last1, last2)` (or `<` when
 * descending): a row-value comparison both SQLite (3.15+) and PostgreSQL understand, which stays
 * an index range however deep the page. Rows inserted meanwhile never shift a page, unlike OFFSET.
 */

export const PAGE_LIMIT_DEFAULT = 50
export const PAGE_LIMIT_MAX = 500

export interface PageRequest {
  /** Rows per page: default 50, capped at 500. */
  limit?: number
  /** `next_cursor` of the previous page; absent for the first page. */
  cursor?: string | null
}

export interface Page<T> {
  items: T[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null
}

export type CursorValue = string | number

/** The page size to use: the default when absent, capped at the maximum, refused when not a positive integer. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return PAGE_LIMIT_DEFAULT
  if (!Number.isInteger(limit) || limit < 1) throw new WardenError('BAD_INPUT', `limit must be a positive integer, got ${limit}`)
  return Math.min(limit, PAGE_LIMIT_MAX)
}

export function encodeCursor(scope: string, key: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify([scope, ...key]), 'utf8').toString('base64url')
}

/** The key inside a cursor; BAD_INPUT when it is not a cursor of this list (`scope`) with `arity` values. */
export function decodeCursor(scope: string, cursor: string, arity: number): CursorValue[] {
  const bad = (): WardenError => new WardenError('BAD_INPUT', 'invalid cursor: pass back a next_cursor from the same list')
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw bad()
  }
  if (!Array.isArray(parsed) || parsed.length !== arity + 1 || parsed[0] !== scope) throw bad()
  const key = parsed.slice(1) as unknown[]
  if (!key.every((v): v is CursorValue => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) throw bad()
  return key
}

/**
 * `(c1, c2, ...) > (v1, v2, ...)` (or `<` for a descending order): rows after a cursor's key.
 * Column names come from our own code, never from input.
 */
export function keysetAfter(columns: readonly string[], values: readonly CursorValue[], order: 'asc' | 'desc'): RawBuilder<SqlBool> {
  const op = sql.raw(order === 'asc' ? '>' : '<')
  const refs = sql.join(columns.map((c) => sql.ref(c)))
  const vals = sql.join(values.map((v) => sql`${v}`))
  return columns.length === 1 ? sql<SqlBool>`${refs} ${op} ${vals}` : sql<SqlBool>`(${refs}) ${op} (${vals})`
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says there is a next page.
 */
export function toPage<T>(rows: T[], limit: number, scope: string, keyOf: (row: T) => readonly CursorValue[]): Page<T> {
  if (rows.length <= limit) return { items: rows, next_cursor: null }
  const items = rows.slice(0, limit)
  const last = items[items.length - 1] as T
  return { items, next_cursor: encodeCursor(scope, keyOf(last)) }
}
