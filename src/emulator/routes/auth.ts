/**
 * Token endpoints and the rate-limit status (onelogin-api.md §2, §8).
 *
 * Unverified choices, recorded here:
 * - Missing credentials on the token endpoints answer 400 "The authorization information is
 *   missing" (the revoke page's wording); malformed or wrong ones 401 "Authentication Failure".
 * - Credentials are checked before `grant_type`; a bad grant type is 400 "grant_type is
 *   incorrect/absent" (the docs quote only the start of the message).
 * - A repeated v2 token request returns the same token, `created_at` of its issue and
 *   `expires_in` = seconds left (36000 on the first issue).
 * - Revoking a token the server never issued is 200 (RFC 7009); one issued to other
 *   credentials is 401.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { TokenRecord } from '../auth.js'
import { parseClientCredentials } from '../auth.js'
import type { EmulatorContext } from '../context.js'
import { emuRoute, iso } from '../context.js'
import { fail, MSG, v1Error, v1Success } from '../errors.js'
import { SCOPES } from '../scopes.js'

function bodyObject(req: FastifyRequest): Record<string, unknown> | null {
  const b = req.body
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : null
}

function isForm(req: FastifyRequest): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')
}

function flatToken(ctx: EmulatorContext, rec: TokenRecord): Record<string, unknown> {
  return {
    access_token: rec.access_token,
    created_at: iso(rec.created_at),
    expires_in: Math.max(0, Math.ceil((rec.expires_at - ctx.now()) / 1000)),
    refresh_token: rec.refresh_token,
    token_type: 'bearer',
    account_id: ctx.state.accountId,
  }
}

/** Shared by the v2 and legacy endpoints; `replace` gives the legacy "new set invalidates old" rule. */
function obtainToken(ctx: EmulatorContext, req: FastifyRequest, replace: boolean): TokenRecord {
  const body = bodyObject(req)
  const grant = body?.['grant_type']
  if (grant === 'refresh_token') {
    // Legacy refresh (§2.6): no client credentials, the old pair in the body.
    const access = body?.['access_token']
    const refresh = body?.['refresh_token']
    const rec = typeof access === 'string' && typeof refresh === 'string' ? ctx.tokens.refresh(access, refresh, ctx.now()) : null
    if (!rec) fail(401, v1Error(401, MSG.v1AuthFailure))
    return rec
  }
  const creds = parseClientCredentials(req.headers.authorization, isForm(req) ? body : null)
  if (creds.kind === 'missing') fail(400, v1Error(400, 'The authorization information is missing'))
  if (creds.kind === 'malformed') fail(401, v1Error(401, MSG.v1AuthFailure))
  const cred = ctx.tokens.findCredential(creds.clientId, creds.clientSecret)
  if (!cred) fail(401, v1Error(401, MSG.v1AuthFailure))
  if (grant !== 'client_credentials') fail(400, v1Error(400, 'grant_type is incorrect/absent'))
  return ctx.tokens.issue(cred, ctx.now(), { replace })
}

export function registerAuthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  // §2.3: flat OAuth-style body. 401s carry `cache-control: no-cache` like the real capture.
  emuRoute(app, {
    method: 'POST',
    url: '/auth/oauth2/v2/token',
    scopes: null,
    handler: (req, reply) => {
      reply.header('cache-control', 'no-cache')
      return flatToken(ctx, obtainToken(ctx, req, false))
    },
  })

  // §2.4: legacy endpoint, wrapped body; a new token set invalidates the existing one.
  emuRoute(app, {
    method: 'POST',
    url: '/auth/oauth2/token',
    scopes: null,
    handler: (req, reply) => {
      reply.header('cache-control', 'no-cache')
      return { status: v1Success().status, data: [flatToken(ctx, obtainToken(ctx, req, true))] }
    },
  })

  // §2.6
  emuRoute(app, {
    method: 'POST',
    url: '/auth/oauth2/revoke',
    scopes: null,
    handler: (req) => {
      if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
        fail(400, v1Error(400, 'Content Type is not specified or specified incorrectly. Content-Type header must be set to application/json'))
      }
      const creds = parseClientCredentials(req.headers.authorization, null)
      if (creds.kind === 'missing') fail(400, v1Error(400, 'The authorization information is missing'))
      if (creds.kind === 'malformed') fail(401, v1Error(401, MSG.v1AuthFailure))
      const cred = ctx.tokens.findCredential(creds.clientId, creds.clientSecret)
      if (!cred) fail(401, v1Error(401, MSG.v1AuthFailure))
      const token = bodyObject(req)?.['access_token']
      if (typeof token !== 'string' || token === '') fail(400, v1Error(400, 'Access Token Missing'))
      const rec = ctx.tokens.lookup(token)
      if (rec) {
        if (rec.client_id !== cred.client_id) fail(401, v1Error(401, MSG.v1AuthFailure))
        ctx.tokens.revoke(rec)
      }
      return v1Success()
    },
  })

  // §8: the budget after counting this call.
  emuRoute(app, {
    method: 'GET',
    url: '/auth/rate_limit',
    scopes: SCOPES.rateLimit,
    handler: () => {
      const s = ctx.limiter.status(ctx.now())
      return { status: v1Success().status, data: { 'X-RateLimit-Limit': s.limit, 'X-RateLimit-Remaining': s.remaining, 'X-RateLimit-Reset': s.reset } }
    },
  })
}
