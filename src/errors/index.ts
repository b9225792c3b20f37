export { ERRORS, WardenError, isErrorCode, isWardenError, toWardenError } from './catalogue.js'
export type { ErrorCode, WardenErrorOptions } from './catalogue.js'
