import type { InjectOptions } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import type { ErrorCode } from '../errors/index.js'
import { describeDialects } from '../../test/dialects.js'
import { classify } from './errors.js'
import { buildServer } from './index.js'
import { auditCount, expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'

describeDialects('API errors and documents', (t) => {
  let app: App
  let root: Person
  beforeEach(async () => {
    app = await buildServer({ store: t.store })
    root = await person(t.store, ['super-admin'])
  })
  afterEach(async () => {
    await app.close()
  })

  const userCount = async (): Promise<number> => (await t.store.db.selectFrom('users').select('id').execute()).length

  it('answers bad input with a 4xx in the one error shape, a clear message, and no change', async () => {
    const json = { ...root.bearer, 'content-type': 'application/json' }
    const valid = { email: 'new@example.com', display_name: 'New', password: 'long enough password' }
    const cases: { name: string; request: InjectOptions; status: number; code: ErrorCode; message: RegExp }[] = [
      { name: 'malformed JSON', request: { method: 'POST', url: '/api/v1/users', headers: json, payload: '{"email": ' }, status: 400, code: 'BAD_INPUT', message: /not valid JSON/ },
      { name: 'unknown field', request: { method: 'POST', url: '/api/v1/users', headers: root.bearer, payload: { ...valid, admin: true } }, status: 400, code: 'BAD_INPUT', message: /body: Unrecognized key: "admin"/ },
      { name: 'missing field', request: { method: 'POST', url: '/api/v1/users', headers: root.bearer, payload: { email: 'x@example.com' } }, status: 400, code: 'BAD_INPUT', message: /body\.display_name/ },
      { name: 'wrong type', request: { method: 'POST', url: '/api/v1/users', headers: root.bearer, payload: { ...valid, roles: 'super-admin' } }, status: 400, code: 'BAD_INPUT', message: /body\.roles/ },
      { name: 'unknown role', request: { method: 'POST', url: '/api/v1/users', headers: root.bearer, payload: { ...valid, roles: ['god'] } }, status: 400, code: 'BAD_INPUT', message: /body\.roles\.0/ },
      { name: 'bad email', request: { method: 'POST', url: '/api/v1/users', headers: root.bearer, payload: { ...valid, email: 'not-an-email' } }, status: 400, code: 'BAD_INPUT', message: /body\.email/ },
      { name: 'no body', request: { method: 'POST', url: '/api/v1/users', headers: root.bearer }, status: 400, code: 'BAD_INPUT', message: /^body/ },
      { name: 'empty JSON body', request: { method: 'POST', url: '/api/v1/users', headers: json, payload: '' }, status: 400, code: 'BAD_INPUT', message: /body is empty/ },
      { name: '__proto__ key', request: { method: 'POST', url: '/api/v1/users', headers: json, payload: '{"__proto__": {"x": 1}}' }, status: 400, code: 'BAD_INPUT', message: /JSON/ },
      { name: 'oversized body', request: { method: 'POST', url: '/api/v1/users', headers: root.bearer, payload: { ...valid, display_name: 'x'.repeat(1024 * 1024) } }, status: 413, code: 'PAYLOAD_TOO_LARGE', message: /larger than 1 MiB/ },
      { name: 'form body', request: { method: 'POST', url: '/api/v1/users', headers: { ...root.bearer, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'email=a' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: /application\/json/ },
      { name: 'empty patch', request: { method: 'PATCH', url: `/api/v1/users/${root.user.id}`, headers: root.bearer, payload: {} }, status: 400, code: 'BAD_INPUT', message: /at least one/ },
      { name: 'malformed id', request: { method: 'GET', url: '/api/v1/users/42', headers: root.bearer }, status: 400, code: 'BAD_INPUT', message: /params\.id: not a user id/ },
      { name: 'id of another kind', request: { method: 'GET', url: `/api/v1/identities/${root.user.id}`, headers: root.bearer }, status: 400, code: 'BAD_INPUT', message: /params\.id: not an identity id/ },
      { name: 'unknown id', request: { method: 'PATCH', url: '/api/v1/users/usr_0000000000000000000000000z', headers: root.bearer, payload: { disabled: true } }, status: 404, code: 'NOT_FOUND', message: /no user usr_0000000000000000000000000z/ },
      { name: 'unknown job', request: { method: 'POST', url: '/api/v1/jobs/job_0000000000000000000000000z/retry', headers: root.bearer }, status: 404, code: 'NOT_FOUND', message: /no job/ },
      { name: 'bad limit', request: { method: 'GET', url: '/api/v1/users?limit=0', headers: root.bearer }, status: 400, code: 'BAD_INPUT', message: /querystring\.limit/ },
      { name: 'bad cursor', request: { method: 'GET', url: '/api/v1/users?cursor=nonsense', headers: root.bearer }, status: 400, code: 'BAD_INPUT', message: /invalid cursor/ },
      { name: 'unknown query parameter', request: { method: 'GET', url: '/api/v1/users?sort=email', headers: root.bearer }, status: 400, code: 'BAD_INPUT', message: /querystring: Unrecognized key: "sort"/ },
      { name: 'bad filter value', request: { method: 'GET', url: '/api/v1/jobs?status=zombie', headers: root.bearer }, status: 400, code: 'BAD_INPUT', message: /querystring\.status/ },
      { name: 'bad time filter', request: { method: 'GET', url: '/api/v1/audit?from=yesterday', headers: root.bearer }, status: 400, code: 'BAD_INPUT', message: /querystring\.from/ },
      { name: 'unknown route', request: { method: 'GET', url: '/api/v1/nothing-here', headers: root.bearer }, status: 404, code: 'NOT_FOUND', message: /no route GET \/api\/v1\/nothing-here/ },
      { name: 'unknown route, anonymous', request: { method: 'POST', url: '/api/v2/users' }, status: 404, code: 'NOT_FOUND', message: /no route POST \/api\/v2\/users/ },
      { name: 'wrong method', request: { method: 'DELETE', url: '/api/v1/users', headers: root.bearer }, status: 404, code: 'NOT_FOUND', message: /no route DELETE/ },
    ]
    const users = await userCount()
    const audit = await auditCount(t.store)
    for (const c of cases) {
      const res = await app.inject(c.request)
      let message: string
      try {
        message = expectError(res, c.status, c.code)
      } catch (e) {
        throw new Error(`${c.name}: got ${res.statusCode} ${res.body}`, { cause: e })
      }
      expect(message, c.name).toMatch(c.message)
    }
    expect(await userCount()).toBe(users)
    expect(await auditCount(t.store)).toBe(audit)
    const invalid = await app.inject({ method: 'POST', url: '/api/v1/users', headers: root.bearer, payload: { ...valid, email: 'not-an-email' } })
    expect(invalid.json().error.fields).toEqual({ email: expect.stringMatching(/email/i) })
  })

  it('serves the web console to browsers and JSON 404s to everything else', async () => {
    for (const url of ['/', '/integrations', '/people/idn_x?y=1']) {
      const page = await app.inject({ method: 'GET', url, headers: { accept: 'text/html,application/xhtml+xml' } })
      expect(page.statusCode, url).toBe(200)
      expect(page.headers['content-security-policy']).toContain("default-src 'self'")
      expect(page.headers['cache-control']).toBe('no-cache')
      expect(page.body).toContain('<div id="root">')
    }
    const script = /src="(\/assets\/[^"]+\.js)"/.exec((await app.inject({ method: 'GET', url: '/' })).body)?.[1]
    const asset = await app.inject({ method: 'GET', url: script! })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['cache-control']).toContain('immutable')
    expectError(await app.inject({ method: 'GET', url: '/api/v1/nothing', headers: { accept: 'text/html' } }), 404, 'NOT_FOUND')
    expectError(await app.inject({ method: 'POST', url: '/integrations' }), 404, 'NOT_FOUND')
    expectError(await app.inject({ method: 'GET', url: '/assets/missing.js', headers: { accept: 'text/html' } }), 404, 'NOT_FOUND')

    const apiOnly = await buildServer({ store: t.store, webRoot: false })
    expectError(await apiOnly.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } }), 404, 'NOT_FOUND')
    await apiOnly.close()
  })

  it('answers an oversized body from an anonymous caller with 401 before reading it', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/users', payload: { big: 'x'.repeat(2 * 1024 * 1024) } })
    expectError(res, 401, 'UNAUTHENTICATED')
  })

  it('health is open and says nothing else', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })

  it('health says 503 DATABASE_UNAVAILABLE when the database is gone', async () => {
    await t.store.close()
    expectError(await app.inject({ method: 'GET', url: '/api/v1/health' }), 503, 'DATABASE_UNAVAILABLE')
  })

  it('the OpenAPI document lists every API route with its security, and /docs serves the interactive docs', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      openapi: string
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; description?: string }>>
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }
    }
    expect(doc.openapi).toBe('3.0.3')
    const api = app.wardenRoutes.filter((r) => r.url.startsWith('/api/'))
    expect(api.length).toBeGreaterThanOrEqual(20)
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    const registered = api.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
    expect(documented.sort()).toEqual(registered.sort())
    for (const r of api) {
      const op = doc.paths[r.url.replace(/:(\w+)/g, '{$1}')]![r.method.toLowerCase()]!
      const security = r.access === 'public' ? [] : r.access === 'upload' ? [{ uploadToken: [] }] : [{ sessionCookie: [] }, { apiToken: [] }]
      expect(op.security, `${r.method} ${r.url}`).toEqual(security)
      expect(Object.keys(op.responses), `${r.method} ${r.url}`).toContain('4XX')
    }
    expect(doc.paths['/api/v1/users']!.post!.description).toContain('**Who:** Super Administrator')
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiToken', 'sessionCookie', 'uploadToken'])
    expect(doc.paths['/api/v1/uploads']!.post!.description).toContain("**Who:** a self-hosted integration's upload token.")
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['User', 'ApiToken', 'AuditEntry', 'Job', 'Identity', 'Error']))
    // The same document at /docs/json, and the UI at /docs.
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).json()).toEqual(doc)
    const ui = await app.inject({ method: 'GET', url: '/docs/' })
    expect(ui.statusCode).toBe(200)
    expect(ui.body).toContain('swagger-ui')
  })
})

describe('classify', () => {
  it('keeps internals out of messages and maps a lost database to 503', () => {
    expect(classify(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }), 1024)).toEqual({
      status: 503,
      code: 'DATABASE_UNAVAILABLE',
      message: 'the database is not answering; try again shortly',
      retryAfterSeconds: 5,
    })
    expect(classify(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }), 1024).status).toBe(503)
    expect(classify(new Error('relation "users" does not exist at character 15'), 1024)).toEqual({ status: 500, code: 'INTERNAL', message: 'internal error' })
    expect(classify('a string', 1024).code).toBe('INTERNAL')
    expect(classify(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), 2048).message).toBe('the request body is larger than 2 KiB')
  })

  it('names the fields a BAD_INPUT concerns, for forms to show next to them', () => {
    const bad = (message: string) => classify(new WardenError('BAD_INPUT', message), 1024).fields
    expect(bad('onelogin_domain: cannot reach OneLogin')).toEqual({ onelogin_domain: 'cannot reach OneLogin' })
    expect(bad('oauth_client_cred_grant_client_id, oauth_client_cred_grant_client_secret: OneLogin refused them')).toEqual({
      oauth_client_cred_grant_client_id: 'OneLogin refused them',
      oauth_client_cred_grant_client_secret: 'OneLogin refused them',
    })
    expect(bad('body.email: Invalid email address; body.roles.0: Invalid option; body: Unrecognized key: "x" (and 2 more)')).toEqual({
      email: 'Invalid email address',
      roles: 'Invalid option',
    })
    expect(bad('the upload is empty: send the snapshot file')).toBeUndefined()
    expect(bad('display name must be 1 to 200 characters')).toBeUndefined()
    expect(classify(new WardenError('NOT_FOUND', 'user_ids: none'), 1024).fields).toBeUndefined()
  })
})
