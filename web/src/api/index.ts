export { ApiError, api, apiUrl, errorMessage, setUnauthenticatedHandler } from './client.js'
export type { Query, RequestOptions } from './client.js'
export type * from './types.js'
