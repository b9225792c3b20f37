export { ERRORS, WardenError, isWardenError, toWardenError } from './catalogue.js'
export type { ErrorCode, WardenErrorOptions } from './catalogue.js'
