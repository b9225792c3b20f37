/**
 * Query-string matching rules (onelogin-api.md §3.2, §7.1, §7.2):
 * - exact match unless the value holds `*`, a wildcard (`email=katinka*`, `email=*@onelogin.com`);
 * - v1 also documents negation with a leading `!` (`email=!@onelogin.com`);
 * - case-insensitive (the emulator's choice: the docs' examples are lower-case e-mails).
 */
import { fail, familyError } from './errors.js'
import type { Family } from './errors.js'

export type TextMatcher = (value: string | null | undefined) => boolean

export function textMatcher(pattern: string, opts: { negation?: boolean } = {}): TextMatcher {
  if (opts.negation && pattern.startsWith('!')) {
    const inner = textMatcher(pattern.slice(1))
    return (v) => !inner(v)
  }
  const lower = pattern.toLowerCase()
  if (!lower.includes('*')) return (v) => v != null && v.toLowerCase() === lower
  const source = lower
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  const re = new RegExp(`^${source}$`, 's')
  return (v) => v != null && re.test(v.toLowerCase())
}

/** Case-insensitive substring match, used by free-text `name` filters on role members (§4.4). */
export function containsMatcher(pattern: string): TextMatcher {
  if (pattern.includes('*')) return textMatcher(pattern)
  const lower = pattern.toLowerCase()
  return (v) => v != null && v.toLowerCase().includes(lower)
}

/** Parses an integer filter value or answers 422 (v2, `invalid value in "x"`) / 400 (v1). */
export function intParam(family: Family, name: string, raw: string): number {
  if (!/^-?\d+$/.test(raw.trim())) invalidValue(family, name)
  return Number(raw)
}

/** Parses an ISO-8601 filter value to epoch ms or answers like `intParam`. */
export function dateParam(family: Family, name: string, raw: string): number {
  const ms = Date.parse(raw)
  if (Number.isNaN(ms)) invalidValue(family, name)
  return ms
}

/**
 * The documented 422 wording for a bad filter value is `invalid value in "auth_method"` (§5.1);
 * the emulator uses it for every bad v2 filter value. v1 answers 400 with an attribute message.
 */
export function invalidValue(family: Family, name: string): never {
  if (family === 'v1') fail(400, familyError('v1', 400, { attribute: name, description: `${name} is incorrect` }))
  fail(422, familyError(family, 422, `invalid value in "${name}"`))
}
