export { ERRORS, WardenError, errorText, isErrorCode, isWardenError, toWardenError } from './catalogue.js'
export type { ErrorCode, WardenErrorOptions } from './catalogue.js'
