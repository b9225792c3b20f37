/**
 * The contract's shapes (types.ts) as tfplugin6 messages (plain objects in proto-loader's
 * keepCase form) and back: DynamicValues, diagnostics, attribute paths, schemas.
 */
import { decodeJsonValue, decodeValue, encodeType, encodeValue } from './values.js'
import type { AttributePath, Diagnostic, ProviderSchemas, Schema, SchemaBlock, SchemaNestedBlock, Value } from './types.js'

export interface DynamicValueMessage {
  msgpack?: Uint8Array
  json?: Uint8Array
}

type StepMessage = { attribute_name: string } | { element_key_int: number }

export interface AttributePathMessage {
  steps: StepMessage[]
}

export interface DiagnosticMessage {
  severity: 'ERROR' | 'WARNING'
  summary: string
  detail: string
  attribute?: AttributePathMessage
}

/** A value as a DynamicValue: always msgpack, which is what Terraform sends too. */
export function toDynamicValue(value: Value): DynamicValueMessage {
  return { msgpack: encodeValue(value) }
}

/** msgpack when present, else JSON, else (absent or both empty) null. */
export function fromDynamicValue(message: DynamicValueMessage | null | undefined): Value {
  if (message?.msgpack && message.msgpack.length > 0) return decodeValue(message.msgpack)
  if (message?.json && message.json.length > 0) return decodeJsonValue(message.json)
  return null
}

export function toAttributePath(path: AttributePath): AttributePathMessage {
  return { steps: path.map((step) => (typeof step === 'number' ? { element_key_int: step } : { attribute_name: step })) }
}

export function toDiagnostics(diagnostics: readonly Diagnostic[]): DiagnosticMessage[] {
  return diagnostics.map((d) => ({
    severity: d.severity === 'warning' ? 'WARNING' : 'ERROR',
    summary: d.summary,
    detail: d.detail ?? '',
    ...(d.attribute && d.attribute.length > 0 ? { attribute: toAttributePath(d.attribute) } : {}),
  }))
}

/** What a handler that threw is answered with: one error carrying its message. */
export function errorDiagnostic(e: unknown): DiagnosticMessage {
  return { severity: 'ERROR', summary: e instanceof Error ? e.message : String(e), detail: '' }
}

function toNestedBlock(nested: SchemaNestedBlock): object {
  return {
    type_name: nested.typeName,
    block: toBlock(nested.block),
    nesting: nested.nesting.toUpperCase(),
    min_items: nested.minItems ?? 0,
    max_items: nested.maxItems ?? 0,
  }
}

function toBlock(block: SchemaBlock): object {
  return {
    description: block.description,
    attributes: block.attributes.map((a) => ({
      name: a.name,
      type: encodeType(a.type),
      description: a.description,
      required: a.required ?? false,
      optional: a.optional ?? false,
      computed: a.computed ?? false,
      sensitive: a.sensitive ?? false,
      write_only: a.writeOnly ?? false,
    })),
    block_types: (block.blockTypes ?? []).map(toNestedBlock),
  }
}

function toSchema(schema: Schema): object {
  return { version: schema.version, block: toBlock(schema.block) }
}

function mapValues<T>(record: Readonly<Record<string, T>>, fn: (value: T) => object): Record<string, object> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]))
}

/**
 * GetProviderSchema.Response. plan_destroy: the provider is asked to plan deletions too (and
 * gets a null proposed state). get_provider_schema_optional stays false: every process is new,
 * so Terraform asks once per process either way.
 */
export function toSchemaResponse(schemas: ProviderSchemas): object {
  return {
    provider: toSchema(schemas.provider),
    resource_schemas: mapValues(schemas.resources, toSchema),
    data_source_schemas: mapValues(schemas.dataSources, toSchema),
    diagnostics: [],
    server_capabilities: { plan_destroy: true, get_provider_schema_optional: false },
  }
}
