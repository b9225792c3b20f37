// Token endpoints and bearer handling, per onelogin-api.md §2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import { call, credential, getToken, startFixture } from './helpers.js'

const MA = credential('manage_all')
const customHeader = (id: string, secret: string, space = true) => `client_id:${id},${space ? ' ' : ''}client_secret:${secret}`
const jsonGrant = JSON.stringify({ grant_type: 'client_credentials' })

let emu: RunningEmulator
beforeAll(async () => {
  emu = await startFixture()
})
afterAll(async () => {
  await emu.close()
})

describe('POST /auth/oauth2/v2/token', () => {
  it('accepts the custom header with a space and returns the flat documented token (§2.3)', async () => {
    const r = await call(emu, 'POST', '/auth/oauth2/v2/token', { headers: { authorization: customHeader(MA.client_id, MA.client_secret) }, body: jsonGrant })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const t = r.body as Record<string, unknown>
    expect(Object.keys(t).sort()).toEqual(['access_token', 'account_id', 'created_at', 'expires_in', 'refresh_token', 'token_type'])
    expect(t['expires_in']).toBe(36000)
    expect(t['token_type']).toBe('bearer')
    expect(t['account_id']).toBe(555555)
    expect(t['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(typeof t['access_token']).toBe('string')
  })

  it('accepts the custom header without the space (BATON), HTTP Basic, and a form body (§2.2)', async () => {
    const id = credential('read_all')
    const a = await call(emu, 'POST', '/auth/oauth2/v2/token', { headers: { authorization: customHeader(id.client_id, id.client_secret, false) }, body: jsonGrant })
    const basic = Buffer.from(`${id.client_id}:${id.client_secret}`).toString('base64')
    const b = await call(emu, 'POST', '/auth/oauth2/v2/token', { headers: { authorization: `Basic ${basic}` }, body: jsonGrant })
    const c = await call(emu, 'POST', '/auth/oauth2/v2/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${id.client_id}&client_secret=${id.client_secret}`,
    })
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200])
    // v2: same credentials → same token until expiry or revocation.
    const tokens = [a, b, c].map((x) => (x.body as { access_token: string }).access_token)
    expect(new Set(tokens).size).toBe(1)
  })

  it('does not take credentials from a JSON body (not a documented style)', async () => {
    const r = await call(emu, 'POST', '/auth/oauth2/v2/token', { body: { grant_type: 'client_credentials', client_id: MA.client_id, client_secret: MA.client_secret } })
    expect(r.status).toBe(400)
    expect(r.body).toEqual({ status: { error: true, code: 400, type: 'bad request', message: 'The authorization information is missing' } })
  })

  it('answers bad credentials with 401 and the v1 status object (§2.5)', async () => {
    const r = await call(emu, 'POST', '/auth/oauth2/v2/token', { headers: { authorization: customHeader(MA.client_id, 'wrong') }, body: jsonGrant })
    expect(r.status).toBe(401)
    expect(r.headers.get('cache-control')).toBe('no-cache')
    expect(r.body).toEqual({ status: { error: true, code: 401, type: 'Unauthorized', message: 'Authentication Failure' } })
    const unknown = await call(emu, 'POST', '/auth/oauth2/v2/token', { headers: { authorization: customHeader('nobody', 'x') }, body: jsonGrant })
    expect(unknown.status).toBe(401)
  })

  it('answers a bad grant_type with 400', async () => {
    const r = await call(emu, 'POST', '/auth/oauth2/v2/token', { headers: { authorization: customHeader(MA.client_id, MA.client_secret) }, body: { grant_type: 'password' } })
    expect(r.status).toBe(400)
    expect(r.body).toEqual({ status: { error: true, code: 400, type: 'bad request', message: 'grant_type is incorrect/absent' } })
  })

  it('answers a wrong method on a token path with v1 404 "No Route Exists"', async () => {
    const r = await call(emu, 'GET', '/auth/oauth2/v2/token')
    expect(r.status).toBe(404)
    expect(r.body).toEqual({ status: { error: true, code: 404, type: 'not found', message: 'No Route Exists' } })
  })
})

describe('legacy POST /auth/oauth2/token', () => {
  it('wraps the token and invalidates the credential’s previous token (§2.3, §2.4)', async () => {
    const c = credential('manage_users')
    const first = await getToken(emu, 'manage_users')
    const r = await call(emu, 'POST', '/auth/oauth2/token', { headers: { authorization: customHeader(c.client_id, c.client_secret) }, body: jsonGrant })
    expect(r.status).toBe(200)
    const body = r.body as { status: unknown; data: { access_token: string; expires_in: number; token_type: string }[] }
    expect(body.status).toEqual({ error: false, code: 200, type: 'success', message: 'Success' })
    expect(body.data).toHaveLength(1)
    expect(body.data[0]!.expires_in).toBe(36000)
    expect(body.data[0]!.access_token).not.toBe(first)
    expect((await call(emu, 'GET', '/api/2/users/1001', { token: first })).status).toBe(401)
    expect((await call(emu, 'GET', '/api/2/users/1001', { token: body.data[0]!.access_token })).status).toBe(200)
  })
})

describe('POST /auth/oauth2/revoke', () => {
  it('enforces its documented 400s', async () => {
    const auth = customHeader(MA.client_id, MA.client_secret)
    const noType = await call(emu, 'POST', '/auth/oauth2/revoke', { headers: { authorization: auth, 'content-type': 'text/plain' }, body: 'x' })
    expect(noType.status).toBe(400)
    expect((noType.body as { status: { message: string } }).status.message).toMatch(/^Content Type is not specified or specified incorrectly/)
    const noToken = await call(emu, 'POST', '/auth/oauth2/revoke', { headers: { authorization: auth }, body: {} })
    expect(noToken.body).toEqual({ status: { error: true, code: 400, type: 'bad request', message: 'Access Token Missing' } })
    const noAuth = await call(emu, 'POST', '/auth/oauth2/revoke', { body: { access_token: 'x' } })
    expect(noAuth.body).toEqual({ status: { error: true, code: 400, type: 'bad request', message: 'The authorization information is missing' } })
    const badAuth = await call(emu, 'POST', '/auth/oauth2/revoke', { headers: { authorization: customHeader(MA.client_id, 'nope') }, body: { access_token: 'x' } })
    expect(badAuth.status).toBe(401)
  })

  it('revokes the token: the next call is 401 and a new token is issued', async () => {
    const c = credential('read_users')
    const token = await getToken(emu, 'read_users')
    const other = credential('read_all')
    const wrongOwner = await call(emu, 'POST', '/auth/oauth2/revoke', { headers: { authorization: customHeader(other.client_id, other.client_secret) }, body: { access_token: token } })
    expect(wrongOwner.status).toBe(401)
    const r = await call(emu, 'POST', '/auth/oauth2/revoke', { headers: { authorization: customHeader(c.client_id, c.client_secret) }, body: { access_token: token } })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ status: { error: false, code: 200, type: 'success', message: 'Success' } })
    expect((await call(emu, 'GET', '/api/2/users/1001', { token })).status).toBe(401)
    const fresh = await getToken(emu, 'read_users')
    expect(fresh).not.toBe(token)
    expect((await call(emu, 'GET', '/api/2/users/1001', { token: fresh })).status).toBe(200)
  })
})

describe('bearer header (§2.7)', () => {
  it('accepts "bearer <t>", "Bearer <t>", "bearer:<t>" and "BEARER: <t>"', async () => {
    const token = await getToken(emu)
    for (const h of [`bearer ${token}`, `Bearer ${token}`, `bearer:${token}`, `BEARER: ${token}`]) {
      const r = await call(emu, 'GET', '/api/2/users/1001', { headers: { authorization: h } })
      expect(r.status, h).toBe(200)
    }
  })

  it('missing token: v1 400 "Authorization Information is incorrect", v2 401 UnauthorizedError', async () => {
    const v1 = await call(emu, 'GET', '/api/1/groups')
    expect(v1.status).toBe(400)
    expect(v1.body).toEqual({ status: { error: true, code: 400, type: 'bad request', message: 'Authorization Information is incorrect' } })
    const v1Malformed = await call(emu, 'GET', '/api/1/groups', { headers: { authorization: 'Token abc' } })
    expect(v1Malformed.status).toBe(400)
    const v2 = await call(emu, 'GET', '/api/2/users')
    expect(v2.status).toBe(401)
    expect(v2.body).toEqual({ message: 'Unauthorized', statusCode: 401, name: 'UnauthorizedError' })
    const priv = await call(emu, 'GET', '/api/1/privileges')
    expect(priv.status).toBe(401)
    expect(priv.body).toEqual({ statusCode: 401, name: 'UnauthorizedError', message: 'The request requires user authentication.' })
  })

  it('bad token: v1 401 "Authentication Failure", v2 401 UnauthorizedError', async () => {
    const v1 = await call(emu, 'GET', '/api/1/users', { token: 'not-a-token' })
    expect(v1.status).toBe(401)
    expect(v1.body).toEqual({ status: { error: true, code: 401, type: 'Unauthorized', message: 'Authentication Failure' } })
    const v2 = await call(emu, 'GET', '/api/2/roles', { token: 'not-a-token' })
    expect(v2.status).toBe(401)
    expect(v2.body).toEqual({ message: 'Unauthorized', statusCode: 401, name: 'UnauthorizedError' })
  })
})

describe('token expiry and refresh', () => {
  it('expires tokens after tokenTtlSeconds; the same credentials then get a new token', async () => {
    const short = await startFixture({ tokenTtlSeconds: 1 })
    try {
      const r = await call(short, 'POST', '/auth/oauth2/v2/token', { headers: { authorization: customHeader(MA.client_id, MA.client_secret) }, body: jsonGrant })
      const t = r.body as { access_token: string; expires_in: number }
      expect(t.expires_in).toBe(1)
      expect((await call(short, 'GET', '/api/2/users/1001', { token: t.access_token })).status).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 1100))
      expect((await call(short, 'GET', '/api/2/users/1001', { token: t.access_token })).status).toBe(401)
      const fresh = await getToken(short)
      expect(fresh).not.toBe(t.access_token)
      expect((await call(short, 'GET', '/api/2/users/1001', { token: fresh })).status).toBe(200)
    } finally {
      await short.close()
    }
  })

  it('swaps a live pair on the legacy refresh grant (§2.6) and refuses a bad one', async () => {
    const c = credential('read_all')
    const r = await call(emu, 'POST', '/auth/oauth2/v2/token', { headers: { authorization: customHeader(c.client_id, c.client_secret) }, body: jsonGrant })
    const t = r.body as { access_token: string; refresh_token: string }
    const bad = await call(emu, 'POST', '/auth/oauth2/v2/token', { body: { grant_type: 'refresh_token', access_token: t.access_token, refresh_token: 'nope' } })
    expect(bad.status).toBe(401)
    const ok = await call(emu, 'POST', '/auth/oauth2/v2/token', { body: { grant_type: 'refresh_token', access_token: t.access_token, refresh_token: t.refresh_token } })
    expect(ok.status).toBe(200)
    const next = ok.body as { access_token: string }
    expect(next.access_token).not.toBe(t.access_token)
    expect((await call(emu, 'GET', '/api/2/apps', { token: t.access_token })).status).toBe(401)
    expect((await call(emu, 'GET', '/api/2/apps', { token: next.access_token })).status).toBe(200)
  })
})

describe('GET /auth/rate_limit', () => {
  it('returns the v1 envelope with the budget after this call (§8)', async () => {
    const token = await getToken(emu, 'read_users')
    const r = await call(emu, 'GET', '/auth/rate_limit', { token })
    expect(r.status).toBe(200)
    const body = r.body as { status: unknown; data: Record<string, number> }
    expect(body.status).toEqual({ error: false, code: 200, type: 'success', message: 'Success' })
    expect(body.data['X-RateLimit-Limit']).toBe(5000)
    expect(body.data['X-RateLimit-Remaining']).toBe(Number(r.headers.get('x-ratelimit-remaining')))
    expect(body.data['X-RateLimit-Reset']).toBeGreaterThan(0)
    expect(body.data['X-RateLimit-Reset']).toBeLessThanOrEqual(3600)
  })

  it('answers a wrong method with 404 "No Route Exists" and no token with 400', async () => {
    expect((await call(emu, 'POST', '/auth/rate_limit')).body).toEqual({ status: { error: true, code: 404, type: 'not found', message: 'No Route Exists' } })
    expect((await call(emu, 'GET', '/auth/rate_limit')).status).toBe(400)
  })
})
