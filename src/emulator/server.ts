/**
 * The fastify server: body parsers, the per-request pipeline and the route modules.
 *
 * Pipeline of an emulated OneLogin route (onRequest, before the body is read):
 *   1. stats: count `METHOD /route/pattern`;
 *   2. latency: the `latencyMs` option plus matching `latency` faults;
 *   3. terminal faults: `rate_limit` (429 HTML), `server_error`, `drop_connection`;
 *   4. the account rate limit (§8): 429 HTML when spent; v1 responses then carry
 *      `X-RateLimit-Limit/Remaining/Reset` (reset = seconds left) and an empty `link`;
 *      v2 responses carry none (a real v2 capture had no X-RateLimit headers);
 *   5. bearer token and scope (§2.7, §2.8), in the path's error family.
 * The 429 and gateway pages come from the "edge": no `x-request-id`, no X-RateLimit headers.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parseBearer, TokenStore } from './auth.js'
import type { EmulatorContext, RouteMeta } from './context.js'
import type { Family } from './errors.js'
import { EmulatorHttpError, fail, familyError, familyOf, HTML_429, HTML_5XX, MSG, privError, rolesServiceError, v1Error, v2Error } from './errors.js'
import type { ActiveFault, FaultRule } from './faults.js'
import { FaultBook } from './faults.js'
import { RateLimiter } from './rate-limit.js'
import { registerAdminRoutes } from './routes/admin.js'
import { registerAppRoutes } from './routes/apps.js'
import { registerAuthRoutes } from './routes/auth.js'
import { registerGroupRoutes } from './routes/groups.js'
import { registerPrivilegeRoutes } from './routes/privileges.js'
import { registerRoleRoutes } from './routes/roles.js'
import { registerUserV1Routes } from './routes/users-v1.js'
import { registerUserRoutes } from './routes/users.js'
import type { EmulatorState } from './state.js'
import { Stats } from './stats.js'

export interface ServerOptions {
  rateLimitPerHour: number
  rateLimitWindowSeconds: number
  tokenTtlSeconds: number
  latencyMs: number
  logger: boolean
  faults: readonly FaultRule[]
}

function pathOf(req: FastifyRequest): string {
  const i = req.url.indexOf('?')
  return i === -1 ? req.url : req.url.slice(0, i)
}

function isV1Path(path: string): boolean {
  return path.startsWith('/api/1/') || path.startsWith('/auth/')
}

/** HAProxy-style 429 (§8): text/html, no Retry-After unless a fault asks for one. */
function send429(reply: FastifyReply, fault?: ActiveFault): FastifyReply {
  reply.code(429).header('content-type', 'text/html').header('cache-control', 'no-cache').header('connection', 'close')
  if (fault?.retry_after !== undefined) reply.header('retry-after', String(fault.retry_after))
  if (fault?.ratelimit_reset !== undefined) reply.header('x-ratelimit-reset', String(fault.ratelimit_reset))
  return reply.send(HTML_429)
}

function answerFault(req: FastifyRequest, reply: FastifyReply, fault: ActiveFault, family: Family): FastifyReply {
  switch (fault.kind) {
    case 'rate_limit':
      return send429(reply, fault)
    case 'drop_connection':
      reply.hijack()
      req.raw.socket.destroy()
      return reply
    default: {
      // server_error: the application's JSON 500, or a gateway's HTML page for 502/503/504 (body unverified).
      const status = fault.status ?? 500
      const html = HTML_5XX[status]
      if (html !== undefined) return reply.code(status).header('content-type', 'text/html').header('cache-control', 'no-cache').send(html)
      return reply.code(500).header('x-request-id', req.id).send(familyError(family, 500, 'Internal Server Error'))
    }
  }
}

function authenticate(ctx: EmulatorContext, req: FastifyRequest, meta: RouteMeta, scopes: NonNullable<RouteMeta['scopes']>): void {
  const { family } = meta
  const token = parseBearer(req.headers.authorization)
  if (token === null) {
    // §2.7: a missing or malformed header is 400 on v1, 401 on v2.
    if (family === 'v1') fail(400, v1Error(400, MSG.v1AuthIncorrect))
    if (family === 'priv') fail(401, privError(401, MSG.privUnauthorized))
    fail(401, v2Error(401, MSG.v2Unauthorized))
  }
  const rec = ctx.tokens.verify(token, ctx.now())
  if (!rec) {
    if (family === 'v1') fail(401, v1Error(401, MSG.v1AuthFailure))
    if (family === 'priv') fail(401, privError(401, MSG.privUnauthorized))
    fail(401, v2Error(401, MSG.v2Unauthorized))
  }
  if (!scopes.includes(rec.scope)) {
    // v1 is documented (§2.8). v2's answer to a too-weak scope is unverified: SPEC only shows a
    // 403 ForbiddenError (on role delete), so v2-family paths answer 403 ForbiddenError.
    if (family === 'v1') fail(401, v1Error(401, MSG.v1InsufficientPermission))
    fail(403, familyError(family, 403, 'Forbidden'))
  }
  req.emuToken = rec
}

export function buildServer(state: EmulatorState, opts: ServerOptions): { app: FastifyInstance; ctx: EmulatorContext } {
  const ctx: EmulatorContext = {
    state,
    tokens: new TokenStore(state.credentials, opts.tokenTtlSeconds),
    faults: new FaultBook(),
    limiter: new RateLimiter(opts.rateLimitPerHour, opts.rateLimitWindowSeconds),
    stats: new Stats(),
    latencyMs: opts.latencyMs,
    now: () => Date.now(),
  }
  ctx.faults.add(opts.faults)

  const app = Fastify({
    logger: opts.logger,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    forceCloseConnections: true,
    bodyLimit: 10 * 1024 * 1024,
  })
  app.decorateRequest('emuToken', null)

  // Body parsers: lenient JSON (an empty body is "no body"), forms for the token endpoint, and
  // anything else as a raw string (handlers then refuse it as they would refuse a wrong shape).
  const json = app.getDefaultJsonParser('remove', 'remove')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body)
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    json(req, text, done)
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))))
  })
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))

  app.addHook('onRequest', async (req, reply) => {
    const meta = req.routeOptions.config.emu
    if (!meta) return
    const path = pathOf(req)
    ctx.stats.count(req.method, req.routeOptions.url ?? path)

    const delay = ctx.latencyMs + ctx.faults.takeLatency(req.method, path)
    if (delay > 0) await sleep(delay)

    const fault = ctx.faults.takeTerminal(req.method, path)
    if (fault) return answerFault(req, reply, fault, meta.family)

    if (meta.limited) {
      const now = ctx.now()
      if (!ctx.limiter.take(now)) return send429(reply)
      if (isV1Path(path)) {
        const s = ctx.limiter.status(now)
        reply.header('x-ratelimit-limit', String(s.limit))
        reply.header('x-ratelimit-remaining', String(s.remaining))
        reply.header('x-ratelimit-reset', String(s.reset))
      }
    }
    reply.header('x-request-id', req.id)
    if (isV1Path(path)) reply.header('cache-control', 'max-age=0, private, must-revalidate').header('link', '')
    else reply.header('cache-control', 'private')
    if (meta.scopes !== null) authenticate(ctx, req, meta, meta.scopes)
  })

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof EmulatorHttpError) return reply.code(err.statusCode).send(err.body)
    const path = pathOf(req)
    if (path.startsWith('/__emulator/')) return reply.code(err.statusCode ?? 500).send({ error: err.message })
    const family = familyOf(path)
    const status = err.statusCode ?? 500
    if (status === 413) return reply.code(413).send(familyError(family, 413, 'Request Entity Too Large'))
    if (status >= 400 && status < 500) {
      // Unparseable bodies (§9.1 "Input JSON is not valid" on v1; v2 "malformed syntax").
      if (family === 'v1') return reply.code(400).send(v1Error(400, MSG.v1BadJson))
      if (family === 'roles') return reply.code(400).send(rolesServiceError(400, MSG.v2Malformed))
      return reply.code(400).send(familyError(family, 400, MSG.v2Malformed))
    }
    req.log.error(err)
    return reply.code(500).send(familyError(family, 500, 'Internal Server Error'))
  })

  app.setNotFoundHandler((req, reply) => {
    const path = pathOf(req)
    if (path.startsWith('/__emulator/')) return reply.code(404).send({ error: 'no such control endpoint' })
    const family = familyOf(path)
    // §2.5/§8: v1 answers a wrong path or method with "No Route Exists".
    if (family === 'v1') return reply.code(404).send(v1Error(404, MSG.v1NoRoute))
    return reply.code(404).send(familyError(family, 404, MSG.notFoundUri))
  })

  registerAuthRoutes(app, ctx)
  registerUserRoutes(app, ctx)
  registerUserV1Routes(app, ctx)
  registerRoleRoutes(app, ctx)
  registerAppRoutes(app, ctx)
  registerGroupRoutes(app, ctx)
  registerPrivilegeRoutes(app, ctx)
  registerAdminRoutes(app, ctx)
  return { app, ctx }
}
