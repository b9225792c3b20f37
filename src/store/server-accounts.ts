/**
 * Kept so existing imports keep working: these now live in the repositories and are exported from
 * ./index.ts (import them from there; this file can then be deleted).
 */
export { getApiToken, expireSetupTokens } from './tokens-repo.js'
export { pingDatabase } from './db-errors.js'
