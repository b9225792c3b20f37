// Apps and connectors, onelogin-api.md §5 and §2.8.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import { FIXTURE } from '../test-fixtures.js'
import { client, getToken, startFixture } from './helpers.js'

const U = FIXTURE.users
type Row = Record<string, unknown>
const SUMMARY_KEYS = ['auth_method', 'auth_method_description', 'connector_id', 'created_at', 'description', 'id', 'name', 'updated_at', 'visible']

let emu: RunningEmulator
let api: ReturnType<typeof client>
beforeAll(async () => {
  emu = await startFixture()
  api = client(emu, await getToken(emu))
})
afterAll(async () => {
  await emu.close()
})

describe('GET /api/2/apps', () => {
  it('lists summaries without role_ids, provisioning or parameters (§5.1)', async () => {
    const r = await api.get('/api/2/apps')
    expect(r.status).toBe(200)
    const apps = r.body as Row[]
    expect(apps.map((a) => a['id'])).toEqual([701, 702, 703, 704, 705])
    for (const a of apps) expect(Object.keys(a).sort()).toEqual(SUMMARY_KEYS)
    expect(apps[0]).toMatchObject({ id: 701, auth_method: 2, auth_method_description: 'SAML2.0', connector_id: 50934, visible: true })
    expect(apps[1]).toMatchObject({ auth_method: 8, auth_method_description: 'OpenID Connect' })
    expect(r.headers.get('total-count')).toBe('5')
  })

  it('filters by name (exact or *), connector_id and auth_method; a bad auth_method is 422', async () => {
    expect(((await api.get('/api/2/apps?name=Slack')).body as Row[]).map((a) => a['id'])).toEqual([701])
    expect(((await api.get('/api/2/apps?name=Sla')).body as Row[])).toEqual([])
    expect(((await api.get('/api/2/apps?name=amazon*')).body as Row[]).map((a) => a['id'])).toEqual([703])
    expect(((await api.get('/api/2/apps?connector_id=108419')).body as Row[]).map((a) => a['id'])).toEqual([702])
    expect(((await api.get('/api/2/apps?auth_method=2')).body as Row[]).map((a) => a['id'])).toEqual([701, 703])
    const bad = await api.get('/api/2/apps?auth_method=5')
    expect(bad.status).toBe(422)
    expect(bad.body).toEqual({ message: 'invalid value in "auth_method"', statusCode: 422, name: 'UnprocessableEntityError' })
  })
})

describe('GET /api/2/apps/:id', () => {
  it('returns the full object with role_ids and provisioning (§5.2)', async () => {
    const r = await api.get('/api/2/apps/702')
    expect(r.status).toBe(200)
    const a = r.body as Row
    expect(a).toMatchObject({ id: 702, name: 'GitHub', connector_id: 108419, role_ids: [501, 502], visible: true, policy_id: null })
    expect(a['provisioning']).toEqual({ enabled: false, status: expect.stringMatching(/^(Available|Not Available)$/) })
    for (const key of ['sso', 'configuration', 'parameters', 'icon_url', 'created_at', 'updated_at']) expect(a).toHaveProperty(key)
    expect(a['sso']).toHaveProperty('client_id') // OIDC
    const slack = (await api.get('/api/2/apps/701')).body as Row
    expect(slack['provisioning']).toEqual({ enabled: true, status: 'Available' })
    expect(slack['sso']).toHaveProperty('metadata_url') // SAML
    expect(slack['parameters']).toHaveProperty('saml_username')
    expect(((await api.get('/api/2/apps/705')).body as Row)['role_ids']).toEqual([])
  })

  it('404s with the SPEC message', async () => {
    const r = await api.get('/api/2/apps/424242')
    expect(r.status).toBe(404)
    expect(r.body).toEqual({ message: "The resource can't be found or the server has not found anything matching the Request-URI", statusCode: 404, name: 'NotFoundError' })
  })
})

describe('GET /api/2/apps/:id/users (§5.3)', () => {
  it('derives users from every role holding the app, slim items', async () => {
    const r = await api.get('/api/2/apps/702/users')
    expect(r.status).toBe(200)
    const users = r.body as Row[]
    expect(users.map((u) => u['id'])).toEqual([U.alice, U.bob, U.carol, U.dave, U.erin])
    expect(users[0]).toEqual({ firstname: 'Alice', id: U.alice, email: 'alice@acme.test', lastname: 'Anders', username: 'alice' })
    expect(r.headers.get('total-count')).toBe('5')
    expect((await api.get('/api/2/apps/705/users')).body).toEqual([])
    expect((await api.get('/api/2/apps/424242/users')).status).toBe(404)
  })

  it('follows role membership changes', async () => {
    expect((await api.post('/api/2/roles/503/users', [U.frank])).status).toBe(200)
    expect(((await api.get('/api/2/apps/704/users')).body as Row[]).map((u) => u['id'])).toEqual([U.alice, U.frank])
    expect((await api.del('/api/2/roles/503/users', [U.frank])).status).toBe(204)
    expect(((await api.get('/api/2/apps/704/users')).body as Row[]).map((u) => u['id'])).toEqual([U.alice])
  })

  it('pages up to 1000 per request', async () => {
    const big = await startFixture({ fixture: { extraUsers: 1100 } })
    try {
      const t = await getToken(big)
      const c = client(big, t)
      expect((await c.put('/api/2/roles/505/apps', [705])).status).toBe(200)
      const r = await c.get('/api/2/apps/705/users?limit=5000')
      expect((r.body as Row[])).toHaveLength(1000)
      expect(r.headers.get('total-count')).toBe('1100')
      expect(r.headers.get('total-pages')).toBe('2')
    } finally {
      await big.close()
    }
  })
})

describe('legacy and connectors', () => {
  it('GET /api/1/apps uses the v1 envelope with provisioning as a boolean (§5.5)', async () => {
    const r = await api.get('/api/1/apps')
    const body = r.body as { status: unknown; pagination: unknown; data: Row[] }
    expect(body.pagination).toEqual({ before_cursor: null, after_cursor: null, previous_link: null, next_link: null })
    expect(Object.keys(body.data[0]!).sort()).toEqual(['connector_id', 'extension', 'icon', 'id', 'name', 'provisioning', 'visible'])
    expect(body.data[0]).toMatchObject({ id: 701, provisioning: true })
    expect(r.headers.get('x-ratelimit-limit')).toBe('5000')
  })

  it('GET /api/2/connectors lists the connectors in use (BATON validates Manage All with limit=1)', async () => {
    const r = await api.get('/api/2/connectors?limit=1')
    expect(r.status).toBe(200)
    expect(r.body).toHaveLength(1)
    expect(r.headers.get('total-count')).toBe('5')
    expect((r.body as Row[])[0]).toMatchObject({ id: 11111, auth_method: 0 })
  })
})
