import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { notFoundHandler } from './errors.js'

/**
 * The admin console (web/, a React single-page app built by Vite into web/dist). Hashed assets
 * are served from /assets/ and cached for good; every other GET outside /api/ and /docs gets
 * index.html, and the app's own router shows the page (or its own "not found").
 */

/** web/dist, or $WARDEN_WEB_DIST (where scripts/build-web.js then builds it too). */
export const DEFAULT_WEB_ROOT = process.env['WARDEN_WEB_DIST'] ?? fileURLToPath(new URL('../../web/dist', import.meta.url))

/** Only what the built app needs: its own scripts, styles and API. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Warden</title></head><body style="font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem">
<h1>The web console is not built</h1><p>Run <code>npm run build</code> (<code>npm start</code> does it for you), then reload. The API works meanwhile: <a href="/docs">API docs</a>.</p></body></html>
`

function isPageRequest(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  const path = request.url.split('?')[0] ?? ''
  return !(path.startsWith('/api/') || path === '/api' || path.startsWith('/docs') || path.startsWith('/assets/'))
}

/**
 * Registers the console on `app` (root: the built web/dist, or false for none) and returns the
 * not-found handler to use: pages for browsers, the API's JSON 404 for everything else.
 */
export async function registerWeb(app: FastifyInstance, root: string | false): Promise<(request: FastifyRequest, reply: FastifyReply) => FastifyReply> {
  const indexFile = root === false ? undefined : join(root, 'index.html')
  const index = indexFile !== undefined && existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : undefined
  if (root !== false && index !== undefined) {
    await app.register(fastifyStatic, {
      root: join(root, 'assets'),
      prefix: '/assets/',
      // File names carry a content hash: a changed file is a new name.
      immutable: true,
      maxAge: '365d',
      index: false,
      decorateReply: false,
    })
  }
  const sendPage = (reply: FastifyReply): FastifyReply => {
    if (index === undefined) return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT)
    return reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-cache').send(index)
  }
  if (root !== false) {
    app.get('/', { config: { access: 'public' }, schema: { hide: true }, handler: async (_request, reply) => sendPage(reply) })
  }
  return (request, reply) => (root !== false && isPageRequest(request) ? sendPage(reply) : notFoundHandler(request, reply))
}
