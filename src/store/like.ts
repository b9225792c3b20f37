import { sql } from 'kysely'
import type { RawBuilder, SqlBool } from 'kysely'

/**
 * `column` contains `text`, ignoring case, with `%`, `_` and `\` in the text taken literally.
 * `lower(...) LIKE ... ESCAPE '\'` means the same on SQLite and PostgreSQL (SQLite's LIKE is
 * case-insensitive for ASCII only and PostgreSQL's is case-sensitive, so both sides are lowered).
 */
export function containsText(column: string, text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`
}

/**
 * `column` equals `text` ignoring case: both sides lowered by the database itself, so the rule is
 * one engine's on each side of the comparison (SQLite's lower() folds ASCII letters only, so there
 * a non-ASCII name matches only in the same case). Exact, not a pattern: `%` and `_` are literal.
 */
export function sameText(column: string, text: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`lower(${sql.ref(column)}) = lower(${text})`
}
