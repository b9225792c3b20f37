export { WardenApi, collect, serverError, serverUrl } from './warden-api.js'
export type { ConnectionFlags, Query } from './warden-api.js'
