import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { IntegrationEnv } from '../../governance/index.js'
import type { Store } from '../../store/index.js'
import type { RateLimiter } from '../rate-limit.js'

/** The fastify instance as route modules see it: zod schemas type the requests and replies. */
export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>

/** What route modules share. */
export interface RouteContext {
  store: Store
  env: IntegrationEnv
  /** Sign-in attempts per client IP and email. */
  loginPerEmail: RateLimiter
  /** Sign-in attempts per client IP, whatever the email. */
  loginPerIp: RateLimiter
  /** Password changes (which check the current password) per user. */
  passwordChanges: RateLimiter
}
