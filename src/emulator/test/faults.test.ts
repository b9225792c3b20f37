// Rate limits (onelogin-api.md §8), the 429 edge page, fault injection and stats.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import { parseFaultFlag } from '../index.js'
import { call, client, control, getToken, startFixture } from './helpers.js'

const HTML_429 = '<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n'

let emu: RunningEmulator
let api: ReturnType<typeof client>
beforeAll(async () => {
  emu = await startFixture()
  api = client(emu, await getToken(emu))
})
afterAll(async () => {
  await emu.close()
})
beforeEach(async () => {
  await control(emu, 'DELETE', '/faults')
})

describe('429 (§8)', () => {
  it('is HAProxy’s 117-byte HTML page: text/html, no Retry-After, no X-RateLimit headers', async () => {
    await control(emu, 'POST', '/faults', { kind: 'rate_limit', path: '/api/1/users' })
    const r = await api.get('/api/1/users')
    expect(r.status).toBe(429)
    expect(r.text).toBe(HTML_429)
    expect(Buffer.byteLength(r.text)).toBe(117)
    expect(r.headers.get('content-type')).toBe('text/html')
    expect(r.headers.get('cache-control')).toBe('no-cache')
    expect(r.headers.get('retry-after')).toBeNull()
    expect(r.headers.get('x-ratelimit-remaining')).toBeNull()
    // count defaults to 1
    expect((await api.get('/api/1/users')).status).toBe(200)
  })

  it('sends Retry-After / X-RateLimit-Reset only when the rule asks', async () => {
    await control(emu, 'POST', '/faults', { kind: 'rate_limit', retry_after: 2, ratelimit_reset: 7 })
    const r = await api.get('/api/2/users')
    expect(r.status).toBe(429)
    expect(r.headers.get('retry-after')).toBe('2')
    expect(r.headers.get('x-ratelimit-reset')).toBe('7')
  })
})

describe('account rate limit', () => {
  it('answers 429 once the budget is spent and restores it after the window', async () => {
    const small = await startFixture({ rateLimitPerHour: 3, rateLimitWindowSeconds: 1 })
    try {
      // token calls do not count (documented choice)
      const t = await getToken(small)
      await getToken(small)
      const c = client(small, t)
      const a = await c.get('/api/1/groups')
      expect(a.status).toBe(200)
      expect(a.headers.get('x-ratelimit-limit')).toBe('3')
      expect(a.headers.get('x-ratelimit-remaining')).toBe('2')
      expect(a.headers.get('x-ratelimit-reset')).toBe('1')
      expect((await c.get('/api/2/users')).status).toBe(200)
      const last = await c.get('/auth/rate_limit')
      expect((last.body as { data: Record<string, number> }).data['X-RateLimit-Remaining']).toBe(0)
      const over = await c.get('/api/2/users')
      expect(over.status).toBe(429)
      expect(over.text).toBe(HTML_429)
      // unauthenticated calls are throttled too (one account, edge first)
      expect((await call(small, 'GET', '/api/2/users')).status).toBe(429)
      // the token endpoint still works
      expect((await getToken(small)).length).toBeGreaterThan(0)
      await new Promise((resolve) => setTimeout(resolve, 1100))
      const again = await c.get('/api/1/groups')
      expect(again.status).toBe(200)
      expect(again.headers.get('x-ratelimit-remaining')).toBe('2')
    } finally {
      await small.close()
    }
  })

  it('can be adjusted through PUT /__emulator/rate-limit', async () => {
    const r = await control(emu, 'PUT', '/rate-limit', { remaining: 1 })
    expect(r.body).toMatchObject({ limit: 5000, remaining: 1 })
    expect((await api.get('/api/2/apps')).status).toBe(200)
    expect((await api.get('/api/2/apps')).status).toBe(429)
    const reset = await control(emu, 'PUT', '/rate-limit', { limit_per_hour: 5000 })
    expect(reset.body).toMatchObject({ limit: 5000, remaining: 5000 })
    expect((await api.get('/api/2/apps')).status).toBe(200)
    expect((await control(emu, 'GET', '/rate-limit')).body).toMatchObject({ remaining: 4999 })
    expect((await control(emu, 'PUT', '/rate-limit', { remaining: -1 })).status).toBe(400)
  })
})

describe('faults', () => {
  it('server_error: 500 JSON in the family shape, 502/503/504 HTML', async () => {
    await control(emu, 'POST', '/faults', [
      { kind: 'server_error', path: '/api/2/users' },
      { kind: 'server_error', status: 503, path: '/api/1/groups', count: 2 },
    ])
    const v2 = await api.get('/api/2/users')
    expect(v2.status).toBe(500)
    expect(v2.body).toEqual({ message: 'Internal Server Error', statusCode: 500, name: 'InternalServerError' })
    const g1 = await api.get('/api/1/groups')
    const g2 = await api.get('/api/1/groups')
    expect([g1.status, g2.status]).toEqual([503, 503])
    expect(g1.headers.get('content-type')).toBe('text/html')
    expect(g1.text).toContain('503 Service Unavailable')
    expect((await api.get('/api/1/groups')).status).toBe(200)
  })

  it('drop_connection destroys the socket without a response', async () => {
    await control(emu, 'POST', '/faults', { kind: 'drop_connection', method: 'get', path: '/api/2/roles' })
    await expect(fetch(`${emu.url}/api/2/roles`, { headers: { authorization: 'bearer x' } })).rejects.toThrow()
    expect((await api.get('/api/2/roles')).status).toBe(200)
  })

  it('latency delays matching requests by ms (unlimited unless counted)', async () => {
    await control(emu, 'POST', '/faults', { kind: 'latency', ms: 150, path: '/api/2/apps' })
    const t0 = Date.now()
    await api.get('/api/2/apps')
    await api.get('/api/2/apps')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290)
    const t1 = Date.now()
    await api.get('/api/2/roles')
    expect(Date.now() - t1).toBeLessThan(150)
    const list = (await control(emu, 'GET', '/faults')).body as { kind: string; remaining: number | null; hits: number }[]
    expect(list).toEqual([expect.objectContaining({ kind: 'latency', ms: 150, remaining: null, hits: 2 })])
  })

  it('the latencyMs start option delays every emulated call, not the control plane', async () => {
    const slow = await startFixture({ latencyMs: 120 })
    try {
      const t0 = Date.now()
      const t = await getToken(slow)
      await client(slow, t).get('/api/2/users/1001')
      expect(Date.now() - t0).toBeGreaterThanOrEqual(235)
      const t1 = Date.now()
      await control(slow, 'GET', '/stats')
      expect(Date.now() - t1).toBeLessThan(100)
    } finally {
      await slow.close()
    }
  })

  it('revoke_tokens applies at once: the next call is 401, a new token works', async () => {
    const token = await getToken(emu)
    const r = await control(emu, 'POST', '/faults', { kind: 'revoke_tokens' })
    expect(r.status).toBe(200)
    expect(r.body).toEqual([])
    const refused = await call(emu, 'GET', '/api/2/users/1001', { token })
    expect(refused.status).toBe(401)
    const fresh = await getToken(emu)
    expect(fresh).not.toBe(token)
    api = client(emu, fresh)
    expect((await api.get('/api/2/users/1001')).status).toBe(200)
  })

  it('matches method and path prefix, counts hits, and can be listed and cleared', async () => {
    await control(emu, 'POST', '/faults', { kind: 'rate_limit', method: 'POST', path: '/api/2/roles', count: 2 })
    expect((await api.get('/api/2/roles')).status).toBe(200)
    expect((await api.post('/api/2/roles', { name: 'x' })).status).toBe(429)
    const listed = (await control(emu, 'GET', '/faults')).body as { remaining: number }[]
    expect(listed).toHaveLength(1)
    expect(listed[0]!.remaining).toBe(1)
    expect((await control(emu, 'DELETE', '/faults')).body).toEqual([])
    expect((await control(emu, 'GET', '/faults')).body).toEqual([])
    const created = await api.post('/api/2/roles', { name: 'after-clear' })
    expect(created.status).toBe(201)
    await api.del(`/api/2/roles/${(created.body as { id: number }).id}`)
  })

  it('rejects invalid rules with 400', async () => {
    for (const bad of [{ kind: 'explode' }, { kind: 'server_error', status: 418 }, { kind: 'rate_limit', count: 0 }, { kind: 'latency', extra: 1 }, 'nope']) {
      expect((await control(emu, 'POST', '/faults', bad)).status).toBe(400)
    }
  })

  it('can be set at start (EmulatorOptions.faults) and parsed from a CLI flag', async () => {
    expect(parseFaultFlag('rate_limit:3:/api/2/users')).toEqual({ kind: 'rate_limit', count: 3, path: '/api/2/users' })
    expect(parseFaultFlag('server_error=503:2')).toEqual({ kind: 'server_error', status: 503, count: 2 })
    expect(parseFaultFlag('latency=250::/api/2:GET')).toEqual({ kind: 'latency', ms: 250, path: '/api/2', method: 'GET' })
    expect(() => parseFaultFlag('server_error=418')).toThrow(/fault/)
    expect(() => parseFaultFlag('boom')).toThrow(expect.objectContaining({ code: 'BAD_INPUT', exitCode: 2 }))
    const started = await startFixture({ faults: [parseFaultFlag('rate_limit:1:/api/2/users')] })
    try {
      const c = client(started, await getToken(started))
      expect((await c.get('/api/2/users')).status).toBe(429)
      expect((await c.get('/api/2/users')).status).toBe(200)
    } finally {
      await started.close()
    }
  })
})

describe('stats', () => {
  it('counts every request to an emulated route by method and route pattern, faulted ones included', async () => {
    const fresh = await startFixture()
    try {
      const t = await getToken(fresh)
      const c = client(fresh, t)
      await c.get('/api/2/users?limit=1')
      await c.get('/api/2/roles/501/users')
      await c.get('/api/2/roles/502/users')
      await call(fresh, 'GET', '/api/2/users') // no token: still counted
      await control(fresh, 'POST', '/faults', { kind: 'server_error', path: '/api/1/groups' })
      await c.get('/api/1/groups')
      await c.get('/api/2/does-not-exist') // not an emulated route
      const s = (await control(fresh, 'GET', '/stats')).body as { total: number; by_endpoint: Record<string, number> }
      expect(s).toEqual({
        total: 6,
        by_endpoint: {
          'GET /api/1/groups': 1,
          'GET /api/2/roles/:id/users': 2,
          'GET /api/2/users': 2,
          'POST /auth/oauth2/v2/token': 1,
        },
      })
      expect((await control(fresh, 'POST', '/stats/reset')).body).toEqual({ total: 0, by_endpoint: {} })
      expect((await control(fresh, 'GET', '/stats')).body).toEqual({ total: 0, by_endpoint: {} })
    } finally {
      await fresh.close()
    }
  })
})
