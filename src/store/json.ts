import { WardenError } from '../errors/index.js'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * JSON with object keys sorted (by UTF-16 code unit, recursively) and no whitespace, so equal
 * values always give the same text and the same hash. Properties that are `undefined` are
 * dropped, as JSON.stringify does; non-finite numbers and other non-JSON values are refused.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$')
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) throw new WardenError('BAD_INPUT', `${path} is not a finite number`)
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v ?? null, `${path}[${i}]`)).join(',')}]`
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) throw new WardenError('BAD_INPUT', `${path} is not a plain JSON object`)
      const record = value as Record<string, unknown>
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort()
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k], `${path}.${k}`)}`).join(',')}}`
    }
    default:
      throw new WardenError('BAD_INPUT', `${path} is not a JSON value (${typeof value})`)
  }
}

/** Parses JSON text read back from the database. */
export function parseJson(text: string): JsonValue {
  return JSON.parse(text) as JsonValue
}
