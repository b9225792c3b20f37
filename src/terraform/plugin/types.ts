/**
 * The boundary between Terraform's plugin protocol 6 (gRPC, msgpack, the go-plugin handshake:
 * this folder) and a provider's logic (../provider). A provider is a set of async handlers over
 * plain values; the transport decodes and encodes DynamicValues and never looks inside them.
 */

/** An unknown value ("known after apply"); msgpack extension types, kept as received so refinements survive. */
export class Unknown {
  /** The extension type and payload as received (type 0, payload [0] for a plain unknown). */
  constructor(
    readonly extType = 0,
    readonly data: Uint8Array = new Uint8Array([0]),
  ) {}
}

/**
 * A Terraform value. Objects carry every attribute of their schema (null when unset); sets and
 * lists are arrays; numbers are numbers (bigint or a decimal string when they do not fit a
 * double exactly).
 */
export type Value = null | boolean | number | bigint | string | Unknown | Value[] | { [key: string]: Value }

/** Attribute names and list/set indexes from the resource's root, e.g. ['step', 0, 'approvers']. */
export type AttributePath = ReadonlyArray<string | number>

export interface Diagnostic {
  severity: 'error' | 'warning'
  summary: string
  detail?: string
  attribute?: AttributePath
}

/** Terraform type constraints, as the protocol's JSON type bytes. */
export type CtyType = 'string' | 'number' | 'bool' | readonly ['list' | 'set' | 'map', CtyType] | readonly ['object', Readonly<Record<string, CtyType>>]

export interface SchemaAttribute {
  name: string
  type: CtyType
  description: string
  required?: boolean
  optional?: boolean
  computed?: boolean
  sensitive?: boolean
  /** Terraform 1.11+: configuration only, never in plan or state (protocol 6.8 `write_only`). */
  writeOnly?: boolean
}

export interface SchemaNestedBlock {
  typeName: string
  nesting: 'list' | 'set' | 'single'
  block: SchemaBlock
  minItems?: number
  maxItems?: number
}

export interface SchemaBlock {
  description: string
  attributes: readonly SchemaAttribute[]
  blockTypes?: readonly SchemaNestedBlock[]
}

export interface Schema {
  version: number
  block: SchemaBlock
}

export interface ProviderSchemas {
  provider: Schema
  resources: Readonly<Record<string, Schema>>
  dataSources: Readonly<Record<string, Schema>>
}

/**
 * What the transport calls, one method per RPC. Handlers may be called concurrently (Terraform
 * runs up to 10 resources at once in one process). A handler that throws is answered with one
 * error diagnostic carrying the message, so handlers should return diagnostics instead.
 */
export interface ProviderHandlers {
  schemas(): ProviderSchemas
  validateProviderConfig(config: Value): Promise<Diagnostic[]>
  configureProvider(config: Value, terraformVersion: string): Promise<Diagnostic[]>
  validateResourceConfig(typeName: string, config: Value): Promise<Diagnostic[]>
  validateDataResourceConfig(typeName: string, config: Value): Promise<Diagnostic[]>
  /** `state` is the stored state as Terraform sends it: JSON, parsed. */
  upgradeResourceState(typeName: string, version: number, state: Value): Promise<{ state: Value; diagnostics: Diagnostic[] }>
  /** `state: null` means the object is gone (Terraform plans to create it again). Without `private`, the request's is kept. */
  readResource(typeName: string, state: Value, priv: Uint8Array): Promise<{ state: Value; diagnostics: Diagnostic[]; private?: Uint8Array }>
  /**
   * `prior` is null on create, `proposed` null on destroy (answer `planned: null`). Computed
   * attributes the config leaves unset must be planned as `new Unknown()` on create. Without
   * `plannedPrivate`, `priorPrivate` is kept.
   */
  planResourceChange(
    typeName: string,
    prior: Value,
    proposed: Value,
    config: Value,
    priorPrivate: Uint8Array,
  ): Promise<{ planned: Value; requiresReplace: AttributePath[]; diagnostics: Diagnostic[]; plannedPrivate?: Uint8Array }>
  /**
   * `planned` is null on destroy (answer `state: null`). Without `private`, `plannedPrivate` is
   * kept. If this throws, Terraform gets `prior` back unchanged with the error.
   */
  applyResourceChange(
    typeName: string,
    prior: Value,
    planned: Value,
    config: Value,
    plannedPrivate: Uint8Array,
  ): Promise<{ state: Value; diagnostics: Diagnostic[]; private?: Uint8Array }>
  importResourceState(typeName: string, id: string): Promise<{ imported: Array<{ typeName: string; state: Value; private?: Uint8Array }>; diagnostics: Diagnostic[] }>
  readDataSource(typeName: string, config: Value): Promise<{ state: Value; diagnostics: Diagnostic[] }>
  /** Ctrl-C: stop starting new work; in-flight calls may finish. */
  stop(): Promise<void>
}
