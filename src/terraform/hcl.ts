import type { Value } from './plugin/types.js'

/** Rendering Terraform values as HCL text (for `warden terraform export`). */

/** A string literal: quotes, backslashes and control characters escaped, and `${`/`%{` kept literal. */
export function hclString(s: string): string {
  const escaped = s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    // eslint-disable-next-line no-control-regex -- control characters are what this escapes
    .replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{')
  return `"${escaped}"`
}

/** A raw HCL expression (a reference such as warden_app.crm.id), written as is. */
export class Expression {
  constructor(readonly text: string) {}
}

export function hclValue(v: Value | Expression, indent = ''): string {
  if (v instanceof Expression) return v.text
  if (v === null) return 'null'
  if (typeof v === 'string') return hclString(v)
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]'
    const inner = `${indent}  `
    return `[\n${v.map((x) => `${inner}${hclValue(x, inner)},`).join('\n')}\n${indent}]`
  }
  if (typeof v === 'object' && v.constructor === Object) {
    const entries = Object.entries(v)
    if (entries.length === 0) return '{}'
    const inner = `${indent}  `
    const width = Math.max(...entries.map(([k]) => k.length))
    return `{\n${entries.map(([k, x]) => `${inner}${k.padEnd(width)} = ${hclValue(x, inner)}`).join('\n')}\n${indent}}`
  }
  throw new Error('an unknown value cannot be written as HCL')
}

/** A Terraform name from a label: lower-case letters, digits and underscores, starting with a letter. */
export function hclName(label: string): string {
  const base = label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
  return /^[a-z]/.test(base) ? base : `r_${base}`
}
