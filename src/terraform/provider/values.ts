import { Unknown } from '../plugin/types.js'
import type { Value } from '../plugin/types.js'

/** Helpers over Terraform values as the transport hands them over (plain objects, arrays, Unknown). */

export function isUnknown(v: Value): v is Unknown {
  return v instanceof Unknown
}

/** Whether a value, or anything inside it, is not known yet (during plan). */
export function hasUnknown(v: Value): boolean {
  if (isUnknown(v)) return true
  if (Array.isArray(v)) return v.some(hasUnknown)
  if (v !== null && typeof v === 'object' && typeof v !== 'bigint') return Object.values(v).some(hasUnknown)
  return false
}

export function isObject(v: Value): v is { [key: string]: Value } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Unknown) && typeof v !== 'bigint'
}

function canonical(v: Value, asSet: boolean): string {
  if (isUnknown(v)) return '?unknown'
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x, false))
    return `[${(asSet ? items.sort() : items).join(',')}]`
  }
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k] as Value, false)}`).join(',')}}`
  if (typeof v === 'bigint') return v.toString()
  return JSON.stringify(v)
}

/** Deep equality; `asSet` compares a top-level array ignoring order. An unknown equals nothing known. */
export function sameValue(a: Value, b: Value, asSet = false): boolean {
  if (isUnknown(a) || isUnknown(b)) return false
  return canonical(a, asSet) === canonical(b, asSet)
}

export function asString(v: Value | undefined): string | null {
  return typeof v === 'string' ? v : null
}

export function asBool(v: Value | undefined): boolean | null {
  return typeof v === 'boolean' ? v : null
}

/** A whole number from a Terraform number (which may arrive as a bigint or a decimal string). */
export function asInteger(v: Value | undefined): number | null {
  if (v === null || v === undefined) return null
  const n = typeof v === 'number' ? v : typeof v === 'bigint' || typeof v === 'string' ? Number(v) : NaN
  return Number.isSafeInteger(n) ? n : NaN
}

export function asStrings(v: Value | undefined): string[] | null {
  if (!Array.isArray(v)) return null
  return v.filter((x): x is string => typeof x === 'string')
}

/** A set of strings in a stable order (what Warden answers is sorted; Terraform compares sets unordered). */
export function sortedSet(values: readonly string[]): string[] {
  return [...new Set(values)].sort()
}
