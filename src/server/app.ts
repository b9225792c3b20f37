import fastifyCookie from '@fastify/cookie'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions, RouteOptions } from 'fastify'
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { ROLE_LABELS, ephemeralIntegrationEnv, rolesWith } from '../governance/index.js'
import type { IntegrationEnv, Permission } from '../governance/index.js'
import type { Store } from '../store/index.js'
import { accessGuard } from './auth.js'
import type { Access } from './auth.js'
import { ErrorBody, errorHandler } from './errors.js'
import { RateLimiter } from './rate-limit.js'
import { registerAuthRoutes } from './routes/auth.js'
import type { RouteContext } from './routes/context.js'
import { registerGovernanceRoutes } from './routes/governance.js'
import { registerIntegrationRoutes } from './routes/integrations.js'
import { registerInventoryRoutes } from './routes/inventory.js'
import { registerDriftRoutes } from './routes/drift.js'
import { registerCampaignRoutes } from './routes/campaigns.js'
import { registerSodRoutes } from './routes/sod.js'
import { registerJitRoutes } from './routes/jit.js'
import { registerWebhookRoutes } from './routes/webhooks.js'
import { registerRequestRoutes } from './routes/requests.js'
import { registerMeRoutes } from './routes/me.js'
import { registerSyncRoutes } from './routes/syncs.js'
import { registerSystemRoutes } from './routes/system.js'
import { registerUserRoutes } from './routes/users.js'
import { DEFAULT_WEB_ROOT, registerWeb } from './web.js'

export const DEFAULT_BODY_LIMIT = 1024 * 1024

export interface LoginRateLimit {
  /** Attempts per client IP and email per window (default 10). */
  perEmail?: number
  /** Attempts per client IP per window, whatever the email (default 100). */
  perIp?: number
  /** Default 15 minutes. */
  windowMs?: number
}

export interface BuildServerOptions {
  store: Store
  /**
   * fastify's (pino) logger: false (default) for none, or a level. Authorization and cookie
   * headers, Set-Cookie and any password or token field are redacted; request bodies are never logged.
   */
  logger?: false | { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'; stream?: NodeJS.WritableStream }
  /**
   * Behind a reverse proxy: trust its X-Forwarded-For/-Proto/-Host, so the client IP (for rate
   * limits) and https (for the Secure cookie) are the real ones. Default false.
   */
  trustProxy?: boolean | string | string[]
  /** Largest request body in bytes (default 1 MiB); larger is a 413. */
  bodyLimit?: number
  loginRateLimit?: LoginRateLimit
  /** Secrets key, public URL, data directory and OneLogin URL policy for integrations (default: ephemeralIntegrationEnv()). */
  integrations?: IntegrationEnv
  /** The built web console (default web/dist); false serves none (API only). */
  webRoot?: string | false
}

/** A route as registered: its method, URL and who may call it. */
export interface RouteAccess {
  method: string
  url: string
  access: Access | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered (HEAD routes aside), in order, with its declared access. */
    wardenRoutes: RouteAccess[]
  }
}

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.token',
  '*.password_hash',
  '*.oauth_client_cred_grant_client_secret',
  '*.client_secret',
  '*.secret',
]

/**
 * The REST API: fastify with zod schemas under /api/v1, the OpenAPI document (/api/v1/openapi.json,
 * /docs/json) and interactive docs (/docs), the web console (web.ts), session-cookie and API-token authentication, an RBAC
 * guard on every route, one error shape, a 1 MiB body limit and a sign-in rate limit.
 *
 * @example
 * const app = await buildServer({ store })
 * const res = await app.inject({ method: 'GET', url: '/api/v1/health' })
 * await app.listen({ port: 3000 })
 */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  const logger: FastifyServerOptions['logger'] =
    options.logger === undefined || options.logger === false
      ? false
      : { level: options.logger.level, redact: { paths: REDACT, censor: '[redacted]' }, ...(options.logger.stream ? { stream: options.logger.stream } : {}) }
  const app = Fastify({
    logger,
    bodyLimit,
    trustProxy: options.trustProxy ?? false,
    // Ids are 30 characters; anything far longer is not a route of ours (404).
    routerOptions: { maxParamLength: 200 },
    // Secrets may be in bodies; a JSON key named __proto__ or constructor is refused (400).
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(errorHandler(bodyLimit))
  app.decorateRequest('auth', null)
  app.decorateRequest('uploader', null)

  const routes: RouteAccess[] = []
  app.decorate('wardenRoutes', routes)
  // Before swagger registers its own onRoute hook, so the docs see what this adds.
  app.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.access
    if (route.method !== 'HEAD') {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url, access })
    }
    // fastify adds a HEAD twin of each GET route with the same schema object: change it once.
    if (!route.url.startsWith('/api/') || route.method === 'HEAD') return
    // Fail at start-up, not in production: an API route that forgot to say who may call it.
    if (access === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no config.access`)
    const schema = (route.schema ??= {}) as Record<string, unknown>
    const response = (schema.response ??= {}) as Record<string, unknown>
    response['4xx'] ??= ErrorBody
    response['5xx'] ??= ErrorBody
    if (access === 'public') {
      schema.security = []
      return
    }
    if (access === 'upload') {
      schema.security = [{ uploadToken: [] }]
      const note = "**Who:** a self-hosted integration's upload token."
      schema.description = typeof schema.description === 'string' ? `${schema.description}\n\n${note}` : note
      return
    }
    schema.security = [{ sessionCookie: [] }, { apiToken: [] }]
    const who = access === 'authenticated' ? 'any signed-in user' : rolesWith(access as Permission).map((r) => ROLE_LABELS[r]).join(', ')
    const note = `**Who:** ${who}${access === 'authenticated' ? '' : ` (permission \`${access}\`)`}.`
    schema.description = typeof schema.description === 'string' ? `${schema.description}\n\n${note}` : note
  })

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-frame-options', 'DENY')
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    return payload
  })

  await app.register(fastifyCookie)
  // After the cookie plugin's own onRequest hook, which parses the cookies this one reads.
  app.addHook('onRequest', accessGuard(options.store))
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Warden API',
        version: '1',
        description:
          'Identity governance and just-in-time access for OneLogin. Sign in with POST /api/v1/auth/login (session cookie) ' +
          'or send a personal API token as `Authorization: Bearer <token>`. Errors are `{"error":{"code","message"}}`; ' +
          'lists page with `limit` and `cursor` (pass back `next_cursor`).',
      },
      components: {
        securitySchemes: {
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'warden_session' },
          apiToken: { type: 'http', scheme: 'bearer', description: 'A personal API token (POST /api/v1/me/tokens)' },
          uploadToken: { type: 'http', scheme: 'bearer', description: "A self-hosted integration's upload token (POST /api/v1/integrations/{id}/upload-token)" },
        },
      },
      tags: [
        { name: 'auth', description: 'First-admin setup, sign-in and sign-out' },
        { name: 'me', description: 'Your own account, password and API tokens' },
        { name: 'users', description: "Warden's users and their roles" },
        { name: 'integrations', description: 'OneLogin integrations (connectors): setup, settings, syncs and uploads' },
        { name: 'apps', description: 'Applications, managed and discovered (SCIM apps found in OneLogin)' },
        { name: 'inventory', description: 'Resources, entitlements and grants from the last sync, with entitlement settings' },
        { name: 'identities', description: 'People synced from OneLogin' },
        { name: 'audit', description: 'The tamper-evident audit log' },
        { name: 'jobs', description: 'Background jobs and dead letters' },
        { name: 'system', description: 'Health, roles and this document' },
        { name: 'sod', description: 'Separation-of-duties rules (entitlements one person must not hold together) and their violations' },
        { name: 'drift', description: "Out-of-band grants (made in OneLogin, not ordered by Warden) and each app's drift setting" },
        { name: 'jit', description: 'Provisioning: time-bound (JIT) grants and manual provisioning tasks' },
        { name: 'webhooks', description: 'Signed outbound webhooks for request events, and their deliveries' },
        { name: 'requests', description: 'Access requests: the catalog, requests, approval tasks, approval policies and request settings' },
        { name: 'reviews', description: 'Access reviews: campaigns, templates, the reviewer inbox, decisions, progress and evidence' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  })
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' })

  const windowMs = options.loginRateLimit?.windowMs ?? 15 * 60 * 1000
  const ctx: RouteContext = {
    store: options.store,
    env: options.integrations ?? ephemeralIntegrationEnv(),
    loginPerEmail: new RateLimiter({ max: options.loginRateLimit?.perEmail ?? 10, windowMs }),
    loginPerIp: new RateLimiter({ max: options.loginRateLimit?.perIp ?? 100, windowMs }),
    passwordChanges: new RateLimiter({ max: 10, windowMs: 15 * 60 * 1000 }),
  }
  const api = app.withTypeProvider<ZodTypeProvider>()
  registerSystemRoutes(api, ctx)
  registerAuthRoutes(api, ctx)
  registerMeRoutes(api, ctx)
  registerUserRoutes(api, ctx)
  registerGovernanceRoutes(api, ctx)
  registerIntegrationRoutes(api, ctx)
  registerSyncRoutes(api, ctx)
  registerInventoryRoutes(api, ctx)
  registerSodRoutes(api, ctx)
  registerDriftRoutes(api, ctx)
  registerCampaignRoutes(api, ctx)
  registerJitRoutes(api, ctx)
  registerWebhookRoutes(api, ctx)
  registerRequestRoutes(api, ctx)
  app.setNotFoundHandler(await registerWeb(app, options.webRoot ?? DEFAULT_WEB_ROOT))
  return app
}
