import { createHash } from 'node:crypto'
import { stringify } from 'csv-stringify/sync'
import { WardenError } from '../errors/index.js'

/** Lowercase hex SHA-256 of `data` (a string is hashed as its UTF-8 bytes). */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).digest('hex')
}

export interface CsvOptions {
  /**
   * Prefix cells that start with `=`, `+`, `-`, `@`, tab or CR with `'`, so a spreadsheet does
   * not run them as formulas. Off by default: evidence records values exactly as they were.
   */
  escapeFormulas?: boolean
}

/** Rows handed to csv-stringify at once: bounds memory for large campaigns without a call per row. */
const BATCH = 1000

/**
 * CSV text (RFC 4180 quoting via csv-stringify; records end with `\n`, not CRLF, so the file
 * hashes the same on every platform and `sha256sum` of the extracted file matches) plus its
 * SHA-256. The header row comes first; every row must have exactly one cell per column.
 *
 * Cells: strings as they are, null/undefined as empty, numbers and bigints in decimal,
 * booleans as `true`/`false`, dates as ISO 8601, anything else as JSON.
 */
export function csvWithHash(columns: readonly string[], rows: Iterable<readonly unknown[]>, options: CsvOptions = {}): { text: string; sha256: string } {
  if (columns.length === 0) throw new WardenError('BAD_INPUT', 'a CSV needs at least one column')
  const settings = {
    record_delimiter: '\n',
    // Quote cells holding a lone \r too, so readers that split on CR/LF/CRLF see the same records.
    quote_record_delimiter: true,
    escape_formulas: options.escapeFormulas === true,
  } as const
  const parts: string[] = [stringify([columns.map(String)], settings)]
  let batch: string[][] = []
  let n = 0
  for (const row of rows) {
    n++
    if (row.length !== columns.length) {
      throw new WardenError('BAD_INPUT', `CSV row ${n} has ${row.length} cells but there are ${columns.length} columns`)
    }
    batch.push(row.map(csvCell))
    if (batch.length >= BATCH) {
      parts.push(stringify(batch, settings))
      batch = []
    }
  }
  if (batch.length > 0) parts.push(stringify(batch, settings))
  const text = parts.join('')
  return { text, sha256: sha256Hex(text) }
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new WardenError('BAD_INPUT', 'a CSV cell holds an invalid date')
    return value.toISOString()
  }
  let json: string | undefined
  try {
    json = JSON.stringify(value) as string | undefined
  } catch (e) {
    // A cycle or a bigint inside an object: the caller's data, so bad input rather than a crash.
    throw new WardenError('BAD_INPUT', `a CSV cell cannot be written as JSON: ${(e as Error).message}`)
  }
  if (json === undefined) throw new WardenError('BAD_INPUT', `a CSV cell holds a ${typeof value}, which has no text form`)
  return json
}
