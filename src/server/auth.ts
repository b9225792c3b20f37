import type { FastifyReply, FastifyRequest } from 'fastify'
import { WardenError } from '../errors/index.js'
import { SESSION_MAX_MS, authenticateApiToken, authenticateSession, authenticateUploadToken, authorize } from '../governance/index.js'
import type { Actor, Permission } from '../governance/index.js'
import type { Integration, Store, User } from '../store/index.js'

/**
 * Authentication and the per-route RBAC guard. Every route declares `config.access`:
 * `public`, `authenticated` (any signed-in user) or the permission it needs (policy.ts). The guard
 * runs in onRequest, before the body is read or validated, so an anonymous caller gets 401 and a
 * caller without the role gets 403 whatever they sent; only then is the input checked (400).
 *
 * Two ways to sign in:
 * - the `warden_session` cookie (browsers): a random token whose sha256 is the session's id;
 *   HttpOnly, SameSite=Lax, Secure when the request came over https;
 * - `Authorization: Bearer <API token>` (the CLI, scripts): a personal API token.
 * A request carrying an Authorization header is judged by it alone.
 */

/** `upload`: a self-hosted integration's upload token (`wdu_...`), good for that integration's uploads only. */
export type Access = 'public' | 'authenticated' | 'upload' | Permission

export const SESSION_COOKIE = 'warden_session'

export interface RequestAuth {
  actor: Actor
  user: User
  via: 'session' | 'token'
  /** The session cookie's token (session sign-ins only), to end it on sign-out. */
  sessionToken?: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    auth: RequestAuth | null
    /** The integration whose upload token authenticated the request (`upload` routes only). */
    uploader: Integration | null
  }
}

/** The signed-in caller of a route whose access is not `public`. */
export function authOf(request: FastifyRequest): RequestAuth {
  if (request.auth === null) throw new WardenError('UNAUTHENTICATED', 'sign in first')
  return request.auth
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    // The cookie may live as long as a session can; the server ends idle sessions sooner.
    maxAge: Math.floor(SESSION_MAX_MS / 1000),
  })
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https' })
}

const BEARER = /^Bearer[ \t]+([A-Za-z0-9_.~+/-]{1,200}=*)[ \t]*$/i

async function authenticate(store: Store, request: FastifyRequest, reply: FastifyReply): Promise<RequestAuth> {
  const header = request.headers.authorization
  if (header !== undefined) {
    const match = BEARER.exec(header)
    if (match === null) throw new WardenError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <API token>"')
    const found = await authenticateApiToken(store, match[1] as string)
    if (found === undefined) throw new WardenError('UNAUTHENTICATED', 'the API token is invalid, expired or revoked')
    return { actor: found.actor, user: found.user, via: 'token' }
  }
  const cookie = request.cookies[SESSION_COOKIE]
  if (cookie !== undefined && cookie !== '') {
    const found = cookie.length <= 200 ? await authenticateSession(store, cookie) : undefined
    if (found === undefined) {
      clearSessionCookie(request, reply)
      throw new WardenError('UNAUTHENTICATED', 'your session has ended; sign in again')
    }
    return { actor: found.actor, user: found.user, via: 'session', sessionToken: cookie }
  }
  throw new WardenError('UNAUTHENTICATED', `sign in first: send the ${SESSION_COOKIE} cookie or "Authorization: Bearer <API token>"`)
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Refuses a state-changing request that a browser sent from another site (its Origin differs from
 * this server's). SameSite=Lax already keeps the cookie off cross-site POSTs; this also covers
 * sign-in (login CSRF) and older browsers. Clients that send no Origin (curl, the CLI) pass.
 */
function checkOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return
  const origin = request.headers.origin
  if (origin === undefined) return
  if (origin !== `${request.protocol}://${request.host}`) {
    throw new WardenError('FORBIDDEN', `cross-site request refused: origin ${origin} is not this server`)
  }
}

/** The integration an `upload` route's caller uploads for, or UNAUTHENTICATED. */
export function uploaderOf(request: FastifyRequest): Integration {
  if (request.uploader === null) throw new WardenError('UNAUTHENTICATED', 'send "Authorization: Bearer <upload token>"')
  return request.uploader
}

async function authenticateUpload(store: Store, request: FastifyRequest): Promise<Integration> {
  const match = BEARER.exec(request.headers.authorization ?? '')
  if (match === null) throw new WardenError('UNAUTHENTICATED', 'send "Authorization: Bearer <upload token>" (issued for a self-hosted integration)')
  const integration = await authenticateUploadToken(store, match[1] as string)
  if (integration === undefined) throw new WardenError('UNAUTHENTICATED', 'the upload token is invalid or was replaced; issue a new one for the integration')
  return integration
}

/** The onRequest hook: authenticate, then authorise, by the route's declared access. */
export function accessGuard(store: Store) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    request.auth = null
    request.uploader = null
    const access = request.routeOptions.config.access
    if (access === undefined) return
    if (access === 'public') {
      checkOrigin(request)
      return
    }
    if (access === 'upload') {
      request.uploader = await authenticateUpload(store, request)
      return
    }
    const auth = await authenticate(store, request, reply)
    request.auth = auth
    checkOrigin(request)
    if (access !== 'authenticated') authorize(auth.actor, access)
  }
}
