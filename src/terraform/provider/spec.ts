import type { CtyType, Schema, SchemaAttribute, SchemaBlock, Value } from '../plugin/types.js'

/**
 * How a resource's attributes behave, in one declaration per attribute: the schema Terraform
 * sees is derived from it (toSchema), and so is planning (plan.ts) and export (export.ts).
 *
 * - `required`, `optional`: set in configuration; the plan takes the configuration's value.
 * - `computed`: only Warden sets it.
 * - `optional-computed`: configuration may set it; when it does not, the plan keeps the
 *   current value (or the `default`, which then also applies when the attribute is removed).
 */
export interface AttrSpec {
  type: CtyType
  mode: 'required' | 'optional' | 'computed' | 'optional-computed'
  description: string
  sensitive?: boolean
  /** A change replaces the object (Terraform's RequiresReplace). */
  forceNew?: boolean
  /** The value planned when configuration leaves the attribute out (optional-computed only). */
  default?: Value
  /** Computed, and changes whenever the object does (updated_at): unknown in an update's plan. */
  volatile?: boolean
  /** Terraform 1.11 write-only: read from configuration when applying, null in plan and state. */
  writeOnly?: boolean
}

export interface BlockSpec {
  description: string
  attrs: Readonly<Record<string, AttrSpec>>
  /** Nested blocks, each a list in configuration order (e.g. a policy's `step` blocks). */
  blocks?: Readonly<Record<string, BlockSpec>>
}

export type State = Record<string, Value>

function attribute(name: string, spec: AttrSpec): SchemaAttribute {
  const a: SchemaAttribute = { name, type: spec.type, description: spec.description }
  if (spec.mode === 'required') a.required = true
  if (spec.mode === 'optional' || spec.mode === 'optional-computed') a.optional = true
  if (spec.mode === 'computed' || spec.mode === 'optional-computed') a.computed = true
  if (spec.sensitive === true) a.sensitive = true
  if (spec.writeOnly === true) a.writeOnly = true
  return a
}

function schemaBlock(spec: BlockSpec): SchemaBlock {
  return {
    description: spec.description,
    attributes: Object.entries(spec.attrs).map(([name, a]) => attribute(name, a)),
    blockTypes: Object.entries(spec.blocks ?? {}).map(([typeName, block]) => ({ typeName, nesting: 'list' as const, block: schemaBlock(block) })),
  }
}

export function toSchema(spec: BlockSpec): Schema {
  return { version: 0, block: schemaBlock(spec) }
}

/** Whether configuration can set the attribute. */
export function configurable(spec: AttrSpec): boolean {
  return spec.mode !== 'computed'
}

/** An object of the block with every attribute and nested block present, from the given values (the rest null, blocks empty). */
export function complete(spec: BlockSpec, values: Record<string, Value>): State {
  const out: State = {}
  for (const name of Object.keys(spec.attrs)) out[name] = values[name] ?? null
  for (const name of Object.keys(spec.blocks ?? {})) out[name] = values[name] ?? []
  return out
}

// Shorthands for the declarations.
export const str = (mode: AttrSpec['mode'], description: string, extra: Partial<AttrSpec> = {}): AttrSpec => ({ type: 'string', mode, description, ...extra })
export const bool = (mode: AttrSpec['mode'], description: string, extra: Partial<AttrSpec> = {}): AttrSpec => ({ type: 'bool', mode, description, ...extra })
export const num = (mode: AttrSpec['mode'], description: string, extra: Partial<AttrSpec> = {}): AttrSpec => ({ type: 'number', mode, description, ...extra })
export const strSet = (mode: AttrSpec['mode'], description: string, extra: Partial<AttrSpec> = {}): AttrSpec => ({ type: ['set', 'string'], mode, description, ...extra })
export const strList = (mode: AttrSpec['mode'], description: string, extra: Partial<AttrSpec> = {}): AttrSpec => ({ type: ['list', 'string'], mode, description, ...extra })

export const timestamps = {
  created_at: str('computed', 'When it was created (RFC 3339)'),
  updated_at: str('computed', 'When it last changed (RFC 3339)', { volatile: true }),
}
