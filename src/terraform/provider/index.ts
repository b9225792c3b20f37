export { wardenProvider, diagnosticsOf } from './provider.js'
export { RESOURCES } from './resources/index.js'
export type { ResourceType, DataSourceType } from './resource.js'
export type { AttrSpec, BlockSpec, State } from './spec.js'
