/**
 * Terraform plugin protocol 6 for a provider written in TypeScript: `serveProvider` runs the
 * process as a provider over the handlers in ./types.ts; the rest is for tests and tools.
 */
export { serveProvider, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, NOT_A_PLUGIN_MESSAGE } from './serve.js'
export { log } from './log.js'
export type { LogLevel } from './log.js'
export { Unknown } from './types.js'
export type {
  AttributePath,
  CtyType,
  Diagnostic,
  ProviderHandlers,
  ProviderSchemas,
  Schema,
  SchemaAttribute,
  SchemaBlock,
  SchemaNestedBlock,
  Value,
} from './types.js'
export { decodeJsonValue, decodeValue, encodeType, encodeValue } from './values.js'
export { generateSelfSignedCert } from './cert.js'
export type { SelfSignedCert } from './cert.js'
export { loadProtocol, SERVICES } from './protos.js'
