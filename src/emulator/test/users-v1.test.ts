// Users v1, onelogin-api.md §3.4, §3.6–§3.8, §7.2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import { FIXTURE } from '../test-fixtures.js'
import { call, client, getToken, startFixture } from './helpers.js'

const U = FIXTURE.users
type Row = Record<string, unknown>
const SUCCESS = { status: { error: false, code: 200, type: 'success', message: 'Success' } }
const bad = (message: unknown) => ({ status: { error: true, code: 400, type: 'bad request', message } })

let emu: RunningEmulator
let api: ReturnType<typeof client>
beforeAll(async () => {
  emu = await startFixture()
  api = client(emu, await getToken(emu))
})
afterAll(async () => {
  await emu.close()
})

describe('GET /api/1/users', () => {
  it('uses the envelope with body pagination, up to 50 per page, role_id not role_ids (§3.8, §7.2, §11.5)', async () => {
    const r = await api.get('/api/1/users')
    expect(r.status).toBe(200)
    const body = r.body as { status: unknown; pagination: Record<string, string | null>; data: Row[] }
    expect(body.status).toEqual(SUCCESS.status)
    expect(body.data).toHaveLength(50)
    expect(body.pagination['before_cursor']).toBeNull()
    expect(body.pagination['previous_link']).toBeNull()
    expect(typeof body.pagination['after_cursor']).toBe('string')
    expect(body.pagination['next_link']).toBe(`${emu.url}/api/1/users?after_cursor=${encodeURIComponent(body.pagination['after_cursor']!)}`)
    const alice = body.data[0]!
    expect(alice['id']).toBe(U.alice)
    expect(alice['role_id']).toEqual([501, 503])
    expect(alice).not.toHaveProperty('role_ids')
    expect(alice).toHaveProperty('openid_name', 'alice')
    expect(alice).toHaveProperty('locale_code', null)
    expect(alice).toHaveProperty('comment')
    // no v2 pagination headers on v1
    expect(r.headers.get('total-count')).toBeNull()
    expect(r.headers.get('link')).toBe('')
  })

  it('walks after_cursor to the end (126 users: 50 + 50 + 26) and back with before_cursor', async () => {
    const seen: unknown[] = []
    let path = '/api/1/users?after_cursor='
    let last: { pagination: Record<string, string | null>; data: Row[] } | undefined
    for (let i = 0; i < 10; i++) {
      const r = await api.get(path)
      last = r.body as typeof last
      seen.push(...last!.data.map((u) => u['id']))
      if (last!.pagination['after_cursor'] === null) break
      path = `/api/1/users?after_cursor=${encodeURIComponent(last!.pagination['after_cursor']!)}`
    }
    expect(seen).toHaveLength(126)
    expect(new Set(seen).size).toBe(126)
    expect(last!.data).toHaveLength(26)
    expect(last!.pagination['next_link']).toBeNull()
    const back = await api.get(`/api/1/users?before_cursor=${encodeURIComponent(last!.pagination['before_cursor']!)}`)
    expect((back.body as { data: Row[] }).data[0]!['id']).toBe(seen[50])
  })

  it('filters: role_id, since/until on created_at, negation, limit', async () => {
    const byRole = await api.get('/api/1/users?role_id=502')
    expect((byRole.body as { data: Row[] }).data.map((u) => u['id'])).toEqual([U.bob, U.dave])
    const since = await api.get('/api/1/users?since=2020-05-01T00:00:00Z&until=2020-06-30T00:00:00Z')
    expect((since.body as { data: Row[] }).data.map((u) => u['id'])).toEqual([U.erin, U.frank])
    const notAcme = await api.get('/api/1/users?email=!*@acme.test')
    expect((notAcme.body as { data: Row[] }).data.map((u) => u['id'])).toEqual([U.carol, U.dave])
    const small = await api.get('/api/1/users?limit=10&fields=email')
    const data = (small.body as { data: Row[] }).data
    expect(data).toHaveLength(10)
    expect(data[0]).toEqual({ id: U.alice, email: 'alice@acme.test' })
    expect((await api.get('/api/1/users?limit=500')).body).toMatchObject({ data: expect.any(Array) })
    expect(((await api.get('/api/1/users?limit=500')).body as { data: Row[] }).data).toHaveLength(50)
  })

  it('sends X-RateLimit-* on v1 responses, counting down, reset in seconds (§8)', async () => {
    const a = await api.get('/api/1/users?limit=1')
    const b = await api.get('/api/1/users?limit=1')
    expect(a.headers.get('x-ratelimit-limit')).toBe('5000')
    expect(Number(b.headers.get('x-ratelimit-remaining'))).toBe(Number(a.headers.get('x-ratelimit-remaining')) - 1)
    const reset = Number(a.headers.get('x-ratelimit-reset'))
    expect(reset).toBeGreaterThan(0)
    expect(reset).toBeLessThanOrEqual(3600)
  })
})

describe('GET /api/1/users/:id, /apps, /roles', () => {
  it('returns data:[user] without a pagination key', async () => {
    const r = await api.get(`/api/1/users/${U.bob}`)
    const body = r.body as Row
    expect(Object.keys(body).sort()).toEqual(['data', 'status'])
    expect((body['data'] as Row[])[0]).toMatchObject({ id: U.bob, role_id: [501, 502] })
  })

  it('returns roles as data:[[ids]] and [[]] when empty (§3.6)', async () => {
    expect((await api.get(`/api/1/users/${U.bob}/roles`)).body).toEqual({ ...SUCCESS, data: [[501, 502]] })
    expect((await api.get(`/api/1/users/${U.frank}/roles`)).body).toEqual({ ...SUCCESS, data: [[]] })
  })

  it('returns v1 app items, and [[]] when empty (§3.5)', async () => {
    const r = await api.get(`/api/1/users/${U.dave}/apps`)
    const data = (r.body as { data: Row[] }).data
    expect(data.map((a) => a['id'])).toEqual([702, 703])
    expect(Object.keys(data[0]!).sort()).toEqual(['extension', 'icon', 'id', 'login_id', 'name', 'personal', 'provisioned'])
    expect((await api.get(`/api/1/users/${U.frank}/apps`)).body).toEqual({ ...SUCCESS, data: [[]] })
  })

  it('404s "User for id N was not found" and 400s a non-numeric id with an object message (§9.1)', async () => {
    const nf = await api.get('/api/1/users/8888888/roles')
    expect(nf.status).toBe(404)
    expect(nf.body).toEqual({ status: { error: true, code: 404, type: 'not found', message: 'User for id 8888888 was not found' } })
    const nan = await api.get('/api/1/users/abc')
    expect(nan.status).toBe(400)
    expect(nan.body).toEqual(bad({ attribute: 'id', description: 'ID is incorrect' }))
  })
})

describe('PUT /api/1/users/:id/add_roles and remove_roles (§3.7)', () => {
  it('adds and removes roles with role_id_array', async () => {
    expect((await api.put(`/api/1/users/${U.frank}/add_roles`, { role_id_array: [502, 503] })).body).toEqual(SUCCESS)
    expect((await api.get(`/api/2/users/${U.frank}`)).body).toMatchObject({ role_ids: [502, 503] })
    // app access follows the role
    expect(((await api.get('/api/2/apps/703/users')).body as Row[]).map((u) => u['id'])).toContain(U.frank)
    expect((await api.put(`/api/1/users/${U.frank}/remove_roles`, { role_id_array: [502] })).body).toEqual(SUCCESS)
    expect((await api.get(`/api/1/users/${U.frank}/roles`)).body).toEqual({ ...SUCCESS, data: [[503]] })
    expect((await api.put(`/api/1/users/${U.frank}/remove_roles`, { role_id_array: [503] })).status).toBe(200)
  })

  it('answers every documented 400 message', async () => {
    const add = `/api/1/users/${U.bob}/add_roles`
    const remove = `/api/1/users/${U.bob}/remove_roles`
    expect((await api.put(add, {})).body).toEqual(bad('input parameters is empty'))
    expect((await call(emu, 'PUT', add, { token: (await getToken(emu)) })).body).toEqual(bad('input parameters is empty'))
    expect((await api.put(add, { role_id_array: [] })).body).toEqual(bad('role_id_array is empty'))
    expect((await api.put(add, { role_id_array: 501 })).body).toEqual(
      bad({ attribute: 'role_id_array', description: 'role_id_array has incorrect data type. It should be -> array' }),
    )
    const subset = await api.put(add, { role_id_array: [123456] })
    expect(subset.status).toBe(400)
    const msg = (subset.body as { status: { message: string } }).status.message
    expect(msg.startsWith('role_id_array should be a subset of -> [')).toBe(true)
    const listed = msg.slice(msg.indexOf('[') + 1, -1).split(', ').map(Number)
    expect(listed).toHaveLength(65)
    expect(listed).toContain(501)
    expect(listed).toEqual([...listed].sort((a, b) => b - a))
    expect((await api.put(add, { role_id_array: [501] })).body).toEqual(bad('input role_id_array is already included as user roles'))
    expect((await api.put(remove, { role_id_array: [503] })).body).toEqual(bad('input role_id_array is not included as user roles'))
    expect((await api.put('/api/1/users/999999/add_roles', { role_id_array: [501] })).status).toBe(404)
  })
})

describe('set_state, lock_user, logout (§3.4)', () => {
  it('sets state with its 400s', async () => {
    expect((await api.put(`/api/1/users/${U.erin}/set_state`, { state: 1 })).body).toEqual(SUCCESS)
    expect((await api.get(`/api/2/users/${U.erin}`)).body).toMatchObject({ state: 1 })
    expect((await api.put(`/api/1/users/${U.erin}/set_state`, { state: 1 })).body).toEqual(bad('user is already in this state'))
    expect((await api.put(`/api/1/users/${U.erin}/set_state`, { state: 9 })).body).toEqual(bad('state is invalid'))
  })

  it('locks a user for N minutes (status 3) and validates locked_until', async () => {
    const before = Date.now()
    expect((await api.put(`/api/1/users/${U.bob}/lock_user`, { locked_until: 15 })).body).toEqual(SUCCESS)
    const u = (await api.get(`/api/2/users/${U.bob}`)).body as Row
    expect(u['status']).toBe(3)
    const until = Date.parse(u['locked_until'] as string)
    expect(until).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1000)
    expect(until).toBeLessThanOrEqual(Date.now() + 15 * 60_000 + 1000)
    expect((await api.put(`/api/1/users/${U.bob}/lock_user`, { locked_until: 'soon' })).body).toEqual(bad('locked_until should be -> integer'))
    expect((await api.post(`/api/2/users/${U.bob}/unlock`)).body).toEqual({ messsage: 'User unlocked' })
  })

  it('logs a user out', async () => {
    expect((await api.put(`/api/1/users/${U.alice}/logout`, {})).body).toEqual(SUCCESS)
    expect((await api.put('/api/1/users/999999/logout', {})).status).toBe(404)
  })
})
