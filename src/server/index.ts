/**
 * Warden's REST API (fastify, /api/v1): see app.ts for what buildServer puts together, auth.ts for
 * authentication and the RBAC guard, errors.ts for the one error shape.
 */
export { DEFAULT_BODY_LIMIT, buildServer } from './app.js'
export type { BuildServerOptions, LoginRateLimit, RouteAccess } from './app.js'
export { SESSION_COOKIE } from './auth.js'
export type { Access, RequestAuth } from './auth.js'
export { RateLimiter } from './rate-limit.js'
