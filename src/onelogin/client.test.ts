import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator, TenantSeed } from '../emulator/index.js'
import { OneLoginClient, RateBudget, collect, mapPool } from './index.js'
import type { OneLoginClientOptions, RetryEvent } from './index.js'

// These tests drive the client against the emulator over real HTTP, with faults injected
// through the emulator's control plane (/__emulator/...), and check what OneLogin saw.

const tenant: TenantSeed = generateTenant({ users: 250, roles: 6, apps: 4, groups: 120, seed: 7 })
let emu: RunningEmulator

const noWait = async (): Promise<void> => undefined

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${res.status} ${await res.text()}`)
  const text = await res.text()
  return text === '' ? undefined : JSON.parse(text)
}

async function emulatorStats(): Promise<{ total: number; by_endpoint: Record<string, number> }> {
  return (await admin('GET', '/stats')) as { total: number; by_endpoint: Record<string, number> }
}

function cred(scope: string): { client_id: string; client_secret: string } {
  const c = tenant.credentials.find((x) => x.scope === scope)
  if (c === undefined) throw new Error(`tenant has no ${scope} credential`)
  return c
}

/** A client with its own budget (so tests don't share one) and no real waiting between retries. */
function client(options: Partial<OneLoginClientOptions> = {}, scope = 'manage_all'): OneLoginClient {
  const c = cred(scope)
  return new OneLoginClient({
    baseUrl: emu.url,
    clientId: c.client_id,
    clientSecret: c.client_secret,
    rateBudget: new RateBudget({ limit: 100_000 }),
    sleep: noWait,
    ...options,
  })
}

async function failure(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected the call to fail')
}

beforeAll(async () => {
  emu = await startEmulator({ tenant })
})
afterAll(async () => {
  await emu.close()
})
afterEach(async () => {
  await admin('DELETE', '/faults')
  await admin('POST', '/stats/reset')
})

describe('authentication', () => {
  it('fetches one token and reuses it across calls, concurrent ones included', async () => {
    const c = client()
    const ids = tenant.users.slice(0, 20).map((u) => u.id)
    const users = await mapPool(ids, 5, (id) => c.getUser(id))
    expect(users.map((u) => u.id)).toEqual(ids)
    expect(c.calls.count('POST /auth/oauth2/v2/token')).toBe(1)
    expect(c.calls.count('GET /api/2/users/:id')).toBe(20)
    expect(c.accountId).toBe(tenant.account_id)
    const seen = await emulatorStats()
    expect(seen.by_endpoint['POST /auth/oauth2/v2/token']).toBe(1)
    expect(seen.by_endpoint['GET /api/2/users/:id']).toBe(20)
  })

  it('renews the token before it expires', async () => {
    // The client's clock jumps ahead; OneLogin's (the emulator's) does not, so it hands back the
    // same still-valid token, which the client must then use until its known expiry.
    let now = Date.now()
    const c = client({ now: () => now })
    await c.getUser(tenant.users[0]!.id)
    now += 35_900_000 // 100 s before the 36,000 s lifetime ends: inside the 5-minute renewal margin
    await c.getUser(tenant.users[0]!.id)
    await c.getUser(tenant.users[0]!.id)
    expect(c.calls.count('POST /auth/oauth2/v2/token')).toBe(2)
    expect(c.calls.count('GET /api/2/users/:id')).toBe(3)
    now += 200_000 // past the expiry: a new token is asked for
    await c.getUser(tenant.users[0]!.id)
    expect(c.calls.count('POST /auth/oauth2/v2/token')).toBe(3)
  })

  it('renews once and retries when OneLogin refuses a token it issued (401)', async () => {
    const c = client()
    await c.getUser(tenant.users[0]!.id)
    await admin('POST', '/faults', { kind: 'revoke_tokens' })
    const u = await c.getUser(tenant.users[1]!.id)
    expect(u.id).toBe(tenant.users[1]!.id)
    expect(c.calls.count('POST /auth/oauth2/v2/token')).toBe(2)
    expect(c.calls.count('GET /api/2/users/:id')).toBe(3)
  })

  it('reports bad credentials as a typed auth error with OneLogin message, and no secret', async () => {
    const secret = 'not-the-secret-0123456789abcdef'
    const c = new OneLoginClient({ baseUrl: emu.url, clientId: cred('manage_all').client_id, clientSecret: secret, rateBudget: new RateBudget(), sleep: noWait })
    const e = await failure(c.getUser(1))
    expect(e.code).toBe('ONELOGIN_AUTH_FAILED')
    expect(e.upstreamStatus).toBe(401)
    expect(e.upstreamMessage).toBe('Authentication Failure')
    expect(e.endpoint).toBe('POST /auth/oauth2/v2/token')
    expect(e.retryable).toBe(false)
    const everything = [e.message, JSON.stringify(e), e.stack ?? '', inspect(e, { depth: 5 }), inspect(c, { depth: 5 }), JSON.stringify(c)].join('\n')
    expect(everything).not.toContain(secret)
    expect(c.calls.count('POST /auth/oauth2/v2/token')).toBe(1)
    expect(c.calls.count('GET /api/2/users/:id')).toBe(0)
  })

  it('refuses a v2 call the credential scope does not allow, without re-authenticating', async () => {
    const c = client({}, 'read_users')
    const e = await failure(collect(c.apps()))
    expect(e.code).toBe('ONELOGIN_FORBIDDEN')
    expect(e.endpoint).toBe('GET /api/2/apps')
    expect(c.calls.count('POST /auth/oauth2/v2/token')).toBe(1)
  })

  it('treats the v1 401 "Insufficient Permission" as a scope refusal, not a stale token', async () => {
    const c = client({}, 'read_users')
    const e = await failure(c.userRoleIds(tenant.users[0]!.id))
    expect(e.code).toBe('ONELOGIN_FORBIDDEN')
    expect(e.upstreamStatus).toBe(401)
    expect(e.upstreamMessage).toBe('Insufficient Permission')
    expect(c.calls.count('POST /auth/oauth2/v2/token')).toBe(1)
    expect(c.calls.count('GET /api/1/users/:id/roles')).toBe(1)
  })
})

describe('retry policy', () => {
  it('retries 429s with OneLogin HTML body and no Retry-After, then succeeds', async () => {
    const events: RetryEvent[] = []
    const c = client({ onRetry: (e) => events.push(e), retry: { baseDelayMs: 100, jitter: 0 } })
    await c.authenticate()
    await admin('POST', '/faults', { kind: 'rate_limit', count: 2, path: '/api/2/users' })
    const u = await c.getUser(tenant.users[0]!.id)
    expect(u.id).toBe(tenant.users[0]!.id)
    expect(events.map((e) => [e.status, e.attempt, e.waitMs, e.reason])).toEqual([
      [429, 1, 100, '429 Too Many Requests'],
      [429, 2, 200, '429 Too Many Requests'],
    ])
    expect(c.calls.count('GET /api/2/users/:id')).toBe(3)
  })

  it('honours Retry-After and X-RateLimit-Reset on a 429 when present', async () => {
    const events: RetryEvent[] = []
    // A 429 also pauses the shared budget until the reset; give it a clock that sleeping advances.
    let fakeNow = Date.now()
    const budget = new RateBudget({ limit: 100_000 }, { now: () => fakeNow, sleep: async (ms) => void (fakeNow += ms) })
    const c = client({ onRetry: (e) => events.push(e), retry: { baseDelayMs: 10, jitter: 0 }, rateBudget: budget })
    await c.authenticate()
    await admin('POST', '/faults', { kind: 'rate_limit', count: 1, path: '/api/2/users', retry_after: 7 })
    await c.getUser(tenant.users[0]!.id)
    await admin('POST', '/faults', [{ kind: 'rate_limit', count: 1, path: '/api/2/users', ratelimit_reset: 3 }])
    await c.getUser(tenant.users[0]!.id)
    expect(events.map((e) => e.waitMs)).toEqual([7000, 3000])
  })

  it('retries 5xx with exponential backoff and gives up after maxAttempts with a typed error', async () => {
    const events: RetryEvent[] = []
    const c = client({ onRetry: (e) => events.push(e), retry: { maxAttempts: 3, baseDelayMs: 50, jitter: 0 } })
    await c.authenticate()
    await admin('POST', '/faults', { kind: 'server_error', status: 503, count: 5, path: '/api/2/roles' })
    const e = await failure(c.getRole(tenant.roles[0]!.id))
    expect(e.code).toBe('ONELOGIN_UNAVAILABLE')
    expect(e.retryable).toBe(true)
    expect(e.upstreamStatus).toBe(503)
    expect(e.message).toContain('after 3 attempts')
    expect(events.map((x) => x.waitMs)).toEqual([50, 100])
    expect(c.calls.count('GET /api/2/roles/:id')).toBe(3)
    expect((await emulatorStats()).by_endpoint['GET /api/2/roles/:id']).toBe(3)
  })

  it('recovers from a dropped connection', async () => {
    const c = client()
    await c.authenticate()
    await admin('POST', '/faults', { kind: 'drop_connection', count: 1, path: '/api/2/users' })
    const u = await c.getUser(tenant.users[3]!.id)
    expect(u.id).toBe(tenant.users[3]!.id)
    expect(c.calls.count('GET /api/2/users/:id')).toBe(2)
  })

  it('reports a network failure that outlasts the policy', async () => {
    const c = client({ retry: { maxAttempts: 2 } })
    await c.authenticate()
    await admin('POST', '/faults', { kind: 'drop_connection', count: 10, path: '/api/2/users' })
    const e = await failure(c.getUser(tenant.users[3]!.id))
    expect(e.code).toBe('ONELOGIN_NETWORK')
    expect(e.retryable).toBe(true)
    expect(e.message).toMatch(/^GET \/api\/2\/users\/:id failed after 2 attempt\(s\)/)
  })

  it('gives up on the time budget rather than sleeping past it', async () => {
    const c = client({ retry: { maxElapsedMs: 1000, baseDelayMs: 10 } })
    await c.authenticate()
    await admin('POST', '/faults', { kind: 'rate_limit', count: 1, path: '/api/2/users', retry_after: 600 })
    const e = await failure(c.getUser(tenant.users[0]!.id))
    expect(e.code).toBe('ONELOGIN_RATE_LIMITED')
    expect(e.retryAfterSeconds).toBe(600)
    expect(c.calls.count('GET /api/2/users/:id')).toBe(1)
  })

  it('fails fast on 404 and 400 with OneLogin message, status, method and endpoint', async () => {
    const c = client()
    const notFound = await failure(c.getUser(1))
    expect(notFound.code).toBe('ONELOGIN_NOT_FOUND')
    expect(notFound.upstreamStatus).toBe(404)
    expect(notFound.endpoint).toBe('GET /api/2/users/:id')
    expect(notFound.upstreamMessage).toMatch(/could not be found/)
    expect(c.calls.count('GET /api/2/users/:id')).toBe(1)

    const bad = await failure(c.request({ method: 'DELETE', path: '/api/2/roles/:id/users', params: { id: tenant.roles[0]!.id }, body: { user_id: [1] } }))
    expect(bad.code).toBe('ONELOGIN_REJECTED')
    expect(bad.upstreamMessage).toBe('Expected array in request')
    expect(bad.message).toBe('OneLogin refused DELETE /api/2/roles/:id/users: 400 Expected array in request')
    expect(c.calls.count('DELETE /api/2/roles/:id/users')).toBe(1)
  })
})

describe('pagination', () => {
  it('walks v2 header cursors: limit on the first request only, then cursor alone', async () => {
    const c = client()
    const pages = []
    for await (const p of c.users()) pages.push(p)
    expect(pages.map((p) => p.items.length)).toEqual([100, 100, 50])
    expect(pages[0]!.totalCount).toBe(250)
    expect(pages.flatMap((p) => p.items.map((u) => u.id))).toEqual(tenant.users.map((u) => u.id).sort((a, b) => a - b))
    // One token call and exactly one call per page: OneLogin would have refused cursor+limit with a 400.
    expect(c.calls.byEndpoint()).toEqual({ 'GET /api/2/users': 3, 'POST /auth/oauth2/v2/token': 1 })
  })

  it('stops on Current-Page >= Total-Pages when OneLogin still sends an After-Cursor', async () => {
    const c = client()
    await admin('POST', '/faults', { kind: 'stale_after_cursor', count: 100 })
    const users = await collect(c.users({ fields: ['id', 'email'] }))
    expect(users).toHaveLength(250)
    // fields= was honoured: only what was asked for came back.
    expect(users[0]!.email).toBeDefined()
    expect(users[0]!.firstname).toBeUndefined()
    expect(c.calls.count('GET /api/2/users')).toBe(3)
  })

  it('passes filters with every page', async () => {
    const c = client()
    const groupId = tenant.users.find((u) => u.group_id !== null)!.group_id!
    const expected = tenant.users.filter((u) => u.group_id === groupId).map((u) => u.id).sort((a, b) => a - b)
    const got = (await collect(c.users({ group_id: groupId, fields: ['id', 'group_id'] }))).map((u) => u.id)
    expect(got).toEqual(expected)
  })

  it('walks v1 body cursors (groups, 50 a page)', async () => {
    const c = client()
    const pages = []
    for await (const p of c.groups()) pages.push(p.items.length)
    expect(pages).toEqual([50, 50, 20])
    expect(c.calls.count('GET /api/1/groups')).toBe(3)
  })

  it('walks the privileges API camelCase pages', async () => {
    const c = client()
    const p = tenant.privileges.find((x) => x.users.length > 0)!
    expect((await c.privilegeUserIds(p.id)).sort((a, b) => a - b)).toEqual([...p.users].sort((a, b) => a - b))
  })

  it('reads roles with membership in one walk and role sub-resources', async () => {
    const c = client()
    const roles = await collect(c.roles({ fields: ['apps', 'users', 'admins'] }))
    expect(roles).toHaveLength(tenant.roles.length)
    const r = tenant.roles.find((x) => x.users.length > 0)!
    const listed = roles.find((x) => x.id === r.id)!
    expect([...(listed.users ?? [])].sort()).toEqual([...r.users].sort())
    const members = await collect(c.roleUsers(r.id))
    expect(members.map((m) => m.id).sort()).toEqual([...r.users].sort())
    expect(c.calls.count('GET /api/2/roles')).toBe(1)
  })
})

describe('rate budget', () => {
  it('never spends past its own budget: it waits for the window instead', async () => {
    const c = client({ rateBudget: new RateBudget({ limit: 3, windowMs: 400, paceBelowFraction: 0 }) })
    const started = Date.now()
    for (let i = 0; i < 5; i++) await c.getUser(tenant.users[i]!.id)
    // 6 calls (token + 5) at 3 per 400 ms: the 4th must wait for the window.
    expect(Date.now() - started).toBeGreaterThanOrEqual(390)
    expect(c.rateBudget().waitedMs).toBeGreaterThan(0)
  })

  it('reads X-RateLimit-Remaining/Reset and waits for the reset instead of running into a 429', async () => {
    const small = await startEmulator({ tenant, rateLimitPerHour: 4, rateLimitWindowSeconds: 1 })
    try {
      const events: RetryEvent[] = []
      const c = new OneLoginClient({
        baseUrl: small.url,
        clientId: cred('manage_all').client_id,
        clientSecret: cred('manage_all').client_secret,
        rateBudget: new RateBudget({ paceBelowFraction: 0 }),
        onRetry: (e) => events.push(e),
      })
      // v1 groups pages carry X-RateLimit-* headers: 6 pages at 4 calls per second (tokens don't count).
      expect(await collect(c.groups())).toHaveLength(120)
      expect(await collect(c.groups())).toHaveLength(120)
      expect(events).toEqual([])
      expect(c.rateBudget().waitedMs).toBeGreaterThan(0)
    } finally {
      await small.close()
    }
  })

  it('refuses with ONELOGIN_BUDGET_EXHAUSTED when the wait would be too long', async () => {
    const c = client({ rateBudget: new RateBudget({ limit: 2, windowMs: 3_600_000, maxWaitMs: 1000 }) })
    await c.getUser(tenant.users[0]!.id)
    const e = await failure(c.getUser(tenant.users[1]!.id))
    expect(e.code).toBe('ONELOGIN_BUDGET_EXHAUSTED')
    expect(c.calls.count('GET /api/2/users/:id')).toBe(1)
  })
})

describe('bad responses', () => {
  it('names the endpoint and field of a malformed payload, without a stack trace in the message', async () => {
    // A stand-in OneLogin that answers with a wrong type: a string status on a user.
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      if (req.url?.startsWith('/auth/oauth2/v2/token')) {
        res.end(JSON.stringify({ access_token: 'abc123token', expires_in: 36000, token_type: 'bearer', account_id: 1 }))
      } else {
        res.setHeader('total-pages', '1')
        res.setHeader('current-page', '1')
        res.end(JSON.stringify([{ id: 1, status: 1 }, { id: 2, status: 'active' }]))
      }
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const c = new OneLoginClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, clientId: 'id', clientSecret: 'secret-value', rateBudget: new RateBudget() })
      const e = await failure(collect(c.users()))
      expect(e.code).toBe('ONELOGIN_BAD_RESPONSE')
      expect(e.message).toMatch(/^GET \/api\/2\/users returned an unexpected payload at \[1\]\.status: /)
      expect(e.message).not.toMatch(/\n\s+at /)
    } finally {
      server.close()
    }
  })
})
