// Roles v2, onelogin-api.md §4 and §11.1/§11.2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import { FIXTURE } from '../test-fixtures.js'
import { client, getToken, startFixture, walkV2 } from './helpers.js'

const U = FIXTURE.users
const R = FIXTURE.roles
type Row = Record<string, unknown>
const EXPECTED_ARRAY = { status: 400, error: 'BadRequestError', description: 'Expected array in request' }

let emu: RunningEmulator
let api: ReturnType<typeof client>
let token: string
beforeAll(async () => {
  emu = await startFixture()
  token = await getToken(emu)
  api = client(emu, token)
})
afterAll(async () => {
  await emu.close()
})

describe('GET /api/2/roles', () => {
  it('lists id, name, apps, users, admins by default (§4.1)', async () => {
    const r = await api.get('/api/2/roles')
    expect(r.status).toBe(200)
    const roles = r.body as Row[]
    expect(roles).toHaveLength(50)
    expect(r.headers.get('total-count')).toBe('65')
    expect(roles[0]).toEqual({ id: R.employees, name: 'Employees', apps: [701, 702], users: [U.alice, U.bob, U.carol, U.erin], admins: [U.alice] })
    // v2 responses carry no X-RateLimit headers (§8)
    expect(r.headers.get('x-ratelimit-limit')).toBeNull()
  })

  it('narrows the lists with fields=', async () => {
    const r = await api.get('/api/2/roles?fields=apps&limit=2')
    expect(r.body).toEqual([{ id: R.employees, name: 'Employees', apps: [701, 702] }, { id: R.engineering, name: 'Engineering', apps: [702, 703] }])
    const users = await api.get('/api/2/roles?fields=users,admins&limit=1')
    expect(users.body).toEqual([{ id: R.employees, name: 'Employees', users: [U.alice, U.bob, U.carol, U.erin], admins: [U.alice] }])
  })

  it('filters by name (docs) and role_name (SPEC), with wildcards, and by app_id', async () => {
    expect(((await api.get('/api/2/roles?name=Engineering')).body as Row[]).map((r) => r['id'])).toEqual([R.engineering])
    expect(((await api.get('/api/2/roles?role_name=Engineering')).body as Row[]).map((r) => r['id'])).toEqual([R.engineering])
    expect(((await api.get('/api/2/roles?name=Role 00*')).body as Row[])).toHaveLength(9)
    expect(((await api.get('/api/2/roles?app_id=702')).body as Row[]).map((r) => r['id'])).toEqual([R.employees, R.engineering])
    expect(((await api.get('/api/2/roles?app_name=Slack')).body as Row[]).map((r) => r['id'])).toEqual([R.employees])
  })

  it('clamps limit at 650', async () => {
    const big = await startFixture({ fixture: { extraRoles: 700, extraUsers: 0 } })
    try {
      const t = await getToken(big)
      const r = await client(big, t).get('/api/2/roles?limit=5000&fields=apps')
      expect((r.body as Row[]).length).toBe(650)
      expect(r.headers.get('page-items')).toBe('650')
      expect(r.headers.get('total-pages')).toBe('2')
      const all = await walkV2(big, t, '/api/2/roles?limit=650')
      expect(all.items).toHaveLength(705)
      expect(all.requests).toBe(2)
    } finally {
      await big.close()
    }
  })
})

describe('role CRUD', () => {
  it('GET /api/2/roles/:id returns {id, name} only; 404 NotFoundError', async () => {
    expect((await api.get(`/api/2/roles/${R.employees}`)).body).toEqual({ id: R.employees, name: 'Employees' })
    const nf = await api.get('/api/2/roles/999999')
    expect(nf.status).toBe(404)
    expect(nf.body).toEqual({ message: 'The resource with the given id could not be found', statusCode: 404, name: 'NotFoundError' })
  })

  it('POST creates with 201 and an object {id}, not an array (§11.2); PUT renames; DELETE 204', async () => {
    const r = await api.post('/api/2/roles', { name: 'Auditors', apps: [701], users: [U.frank], admins: ['1001'] })
    expect(r.status).toBe(201)
    const body = r.body as { id: number }
    expect(Object.keys(body)).toEqual(['id'])
    expect(typeof body.id).toBe('number')
    expect((await api.get(`/api/2/roles/${body.id}`)).body).toEqual({ id: body.id, name: 'Auditors' })
    expect(((await api.get(`/api/2/roles/${body.id}/users`)).body as Row[]).map((u) => u['id'])).toEqual([U.frank])
    expect(((await api.get(`/api/2/roles/${body.id}/admins`)).body as Row[]).map((u) => u['id'])).toEqual([U.alice])

    const put = await api.put(`/api/2/roles/${body.id}`, { name: 'Auditors 2', users: [] })
    expect(put.status).toBe(200)
    expect(put.body).toEqual({ id: body.id })
    // `users: []` on update removes nobody (§4.3)
    expect(((await api.get(`/api/2/roles/${body.id}/users`)).body as Row[]).map((u) => u['id'])).toEqual([U.frank])
    expect((await api.get(`/api/2/users/${U.frank}`)).body).toMatchObject({ role_ids: [body.id] })

    const priv = `/api/1/privileges/${FIXTURE.privileges.helpDesk}/roles`
    expect((await api.post(priv, { roles: [body.id] })).status).toBe(201)
    expect((await api.get(priv)).body).toMatchObject({ roles: [body.id] })

    const del = await api.del(`/api/2/roles/${body.id}`)
    expect(del.status).toBe(204)
    expect((await api.get(`/api/2/roles/${body.id}`)).status).toBe(404)
    // users are disassociated, privileges lose the role
    expect((await api.get(`/api/2/users/${U.frank}`)).body).toMatchObject({ role_ids: [] })
    expect((await api.get(priv)).body).toMatchObject({ total: 0, roles: [] })
    expect((await api.del(`/api/2/roles/${body.id}`)).status).toBe(404)
  })

  it('validates the create body', async () => {
    expect((await api.post('/api/2/roles', { apps: [] })).status).toBe(422)
    expect((await api.post('/api/2/roles', { name: 'x', apps: [424242] })).status).toBe(404)
    expect((await api.post('/api/2/roles', { name: 'x', users: [424242] })).status).toBe(422)
  })
})

describe('role users and admins (§4.4)', () => {
  it('lists members with the live item shape, paginated', async () => {
    const r = await api.get(`/api/2/roles/${R.employees}/users`)
    expect(r.status).toBe(200)
    const items = r.body as Row[]
    expect(items.map((u) => u['id'])).toEqual([U.alice, U.bob, U.carol, U.erin])
    expect(items[0]).toEqual({
      id: U.alice, name: 'Alice Anders', username: 'alice', email: 'alice@acme.test', assigned: true,
      added_by: { id: null, name: null }, added_at: '2020-01-01T00:00:00.000Z',
    })
    expect(r.headers.get('total-count')).toBe('4')
    const admins = await api.get(`/api/2/roles/${R.admins}/admins`)
    expect((admins.body as Row[]).map((u) => u['id'])).toEqual([U.bob])
    const paged = await api.get(`/api/2/roles/${R.extras}/users`)
    expect((paged.body as Row[])).toHaveLength(50)
    expect(paged.headers.get('total-pages')).toBe('3')
  })

  it('filters by name over first/last/user name and email; include_unassigned flags non-members', async () => {
    expect(((await api.get(`/api/2/roles/${R.employees}/users?name=chen`)).body as Row[]).map((u) => u['id'])).toEqual([U.carol])
    expect(((await api.get(`/api/2/roles/${R.employees}/users?name=bob@`)).body as Row[]).map((u) => u['id'])).toEqual([U.bob])
    const all = await api.get(`/api/2/roles/${R.engineering}/users?include_unassigned=true&limit=10`)
    const rows = all.body as Row[]
    expect(all.headers.get('total-count')).toBe('126')
    expect(rows.find((u) => u['id'] === U.alice)).toMatchObject({ assigned: false, added_at: null })
    expect(rows.find((u) => u['id'] === U.bob)).toMatchObject({ assigned: true })
  })

  it('POST takes a raw array (numbers or numeric strings) and answers 200 [{id}]', async () => {
    const r = await api.post(`/api/2/roles/${R.empty}/users`, [String(U.frank), U.dave])
    expect(r.status).toBe(200)
    expect(r.body).toEqual([{ id: U.frank }, { id: U.dave }])
    const members = (await api.get(`/api/2/roles/${R.empty}/users`)).body as Row[]
    expect(members.map((u) => u['id'])).toEqual([U.dave, U.frank])
    const frank = members.find((u) => u['id'] === U.frank)!
    expect(Date.parse(frank['added_at'] as string)).toBeGreaterThan(Date.now() - 60_000)
    const admins = await api.post(`/api/2/roles/${R.empty}/admins`, [U.erin])
    expect(admins.body).toEqual([{ id: U.erin }])
  })

  it('DELETE takes a raw array and answers 204 with no body', async () => {
    const r = await api.del(`/api/2/roles/${R.empty}/users`, [String(U.frank), U.dave])
    expect(r.status).toBe(204)
    expect(r.text).toBe('')
    expect((await api.get(`/api/2/roles/${R.empty}/users`)).body).toEqual([])
    expect((await api.del(`/api/2/roles/${R.empty}/admins`, [U.erin])).status).toBe(204)
    expect((await api.get(`/api/2/roles/${R.empty}/admins`)).body).toEqual([])
  })

  it('refuses an object body with the roles-service 400 (§11.1)', async () => {
    for (const [method, kind] of [['post', 'users'], ['del', 'users'], ['post', 'admins'], ['del', 'admins']] as const) {
      const r = await api[method](`/api/2/roles/${R.empty}/${kind}`, { user_id: [U.frank] })
      expect(r.status).toBe(400)
      expect(r.body).toEqual(EXPECTED_ARRAY)
    }
  })

  it('422s unknown users and 404s an unknown role', async () => {
    const r = await api.post(`/api/2/roles/${R.empty}/users`, [424242])
    expect(r.status).toBe(422)
    expect((r.body as Row)['name']).toBe('UnprocessableEntityError')
    expect((await api.get('/api/2/roles/999999/users')).status).toBe(404)
    expect((await api.del('/api/2/roles/999999/users', [U.bob])).status).toBe(404)
  })
})

describe('role apps (§4.5)', () => {
  it('lists assigned apps by default and the others with assigned=false', async () => {
    const r = await api.get(`/api/2/roles/${R.employees}/apps`)
    expect(r.body).toEqual([
      { id: 701, name: 'Slack', icon_url: expect.stringMatching(/^https:\/\//) },
      { id: 702, name: 'GitHub', icon_url: expect.stringMatching(/^https:\/\//) },
    ])
    expect(r.headers.get('total-count')).toBe('2')
    const others = await api.get(`/api/2/roles/${R.employees}/apps?assigned=false`)
    expect((others.body as Row[]).map((a) => a['id'])).toEqual([703, 704, 705])
  })

  it('PUT replaces the whole set and echoes [{id}]; unknown app 404; object 400', async () => {
    const r = await api.put(`/api/2/roles/${R.engineering}/apps`, [705, '701'])
    expect(r.status).toBe(200)
    expect(r.body).toEqual([{ id: 705 }, { id: 701 }])
    expect(((await api.get(`/api/2/roles/${R.engineering}/apps`)).body as Row[]).map((a) => a['id'])).toEqual([701, 705])
    // the app's users follow: Engineering members now reach 705, and no longer 703
    expect(((await api.get('/api/2/apps/705/users')).body as Row[]).map((u) => u['id'])).toEqual([U.bob, U.dave])
    expect(((await api.get('/api/2/apps/703/users')).body as Row[])).toEqual([])
    expect((await api.get('/api/2/apps/705')).body).toMatchObject({ role_ids: [R.engineering] })

    const nf = await api.put(`/api/2/roles/${R.engineering}/apps`, [701, 424242])
    expect(nf.status).toBe(404)
    expect((nf.body as Row)['name']).toBe('NotFoundError')
    expect(((await api.get(`/api/2/roles/${R.engineering}/apps`)).body as Row[]).map((a) => a['id'])).toEqual([701, 705])
    const obj = await api.put(`/api/2/roles/${R.engineering}/apps`, { apps: [701] })
    expect(obj.body).toEqual(EXPECTED_ARRAY)
    // put the fixture back
    expect((await api.put(`/api/2/roles/${R.engineering}/apps`, [702, 703])).status).toBe(200)
  })
})

describe('v1 role reads (§4.2)', () => {
  it('GET /api/1/roles returns the envelope with {id, name} items', async () => {
    const r = await api.get('/api/1/roles?name=Admins')
    expect(r.body).toEqual({
      status: { error: false, code: 200, type: 'success', message: 'Success' },
      pagination: { before_cursor: null, after_cursor: null, previous_link: null, next_link: null },
      data: [{ id: R.admins, name: 'Admins' }],
    })
    expect((await api.get(`/api/1/roles/${R.admins}`)).body).toMatchObject({ data: [{ id: R.admins, name: 'Admins' }] })
    expect((await api.get('/api/1/roles/9999999999')).body).toEqual({ status: { error: true, code: 404, type: 'not found', message: 'Role for id 9999999999 was not found' } })
  })
})
