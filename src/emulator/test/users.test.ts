// Users v2, onelogin-api.md §3.1–§3.5.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import { FIXTURE } from '../test-fixtures.js'
import { client, getToken, startFixture } from './helpers.js'

const U = FIXTURE.users
type Row = Record<string, unknown>

const V2_USER_KEYS = [
  'activated_at', 'comment', 'company', 'created_at', 'custom_attributes', 'department', 'directory_id', 'distinguished_name',
  'email', 'external_id', 'firstname', 'group_id', 'id', 'invalid_login_attempts', 'invitation_sent_at', 'last_login',
  'lastname', 'locked_until', 'manager_ad_id', 'manager_user_id', 'member_of', 'password_changed_at', 'phone',
  'preferred_locale_code', 'role_ids', 'samaccountname', 'state', 'status', 'title', 'trusted_idp_id', 'updated_at',
  'username', 'userprincipalname',
]

let emu: RunningEmulator
let api: ReturnType<typeof client>
beforeAll(async () => {
  emu = await startFixture()
  api = client(emu, await getToken(emu))
})
afterAll(async () => {
  await emu.close()
})

const ids = (body: unknown) => (body as Row[]).map((u) => u['id'])

describe('GET /api/2/users', () => {
  it('returns a bare array of full v2 users, default 50, with role_ids and custom_attributes', async () => {
    const r = await api.get('/api/2/users')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const users = r.body as Row[]
    expect(Array.isArray(users)).toBe(true)
    expect(users).toHaveLength(50)
    expect(Object.keys(users[0]!).sort()).toEqual(V2_USER_KEYS)
    const alice = users.find((u) => u['id'] === U.alice)!
    expect(alice['role_ids']).toEqual([501, 503])
    expect(alice['custom_attributes']).toEqual({ employeenumber: '1', food: 'chicken' })
    expect(alice['manager_user_id']).toBeNull()
    expect(users.find((u) => u['id'] === U.bob)!['manager_user_id']).toBe(U.alice)
    expect(users.find((u) => u['id'] === U.carol)!['username']).toBe('')
    expect(users.find((u) => u['id'] === U.frank)!['role_ids']).toEqual([])
  })

  it('honours fields= and always includes id (§3.2, §11.4)', async () => {
    const r = await api.get('/api/2/users?fields=email,username,status,group_id,bogus&limit=2')
    expect(r.body).toEqual([
      { id: U.alice, email: 'alice@acme.test', username: 'alice', status: 1, group_id: 10 },
      { id: U.bob, email: 'bob@acme.test', username: 'bob', status: 1, group_id: 10 },
    ])
    const roleIds = await api.get('/api/2/users?fields=role_ids,manager_user_id&user_ids=1002')
    expect(roleIds.body).toEqual([{ id: U.bob, role_ids: [501, 502], manager_user_id: U.alice }])
  })

  it('filters by exact value and * wildcards', async () => {
    expect(ids((await api.get('/api/2/users?email=bob@acme.test')).body)).toEqual([U.bob])
    expect(ids((await api.get('/api/2/users?email=BOB@ACME.TEST')).body)).toEqual([U.bob])
    expect(ids((await api.get('/api/2/users?email=*@other.test')).body)).toEqual([U.carol])
    expect(ids((await api.get('/api/2/users?firstname=Al*')).body)).toEqual([U.alice])
    expect(ids((await api.get('/api/2/users?lastname=Brown')).body)).toEqual([U.bob])
    expect(ids((await api.get('/api/2/users?username=user000*&fields=id')).body)).toHaveLength(9)
    expect(ids((await api.get('/api/2/users?samaccountname=aanders')).body)).toEqual([U.alice])
    expect(ids((await api.get('/api/2/users?external_id=ext-1')).body)).toEqual([U.alice])
    expect(ids((await api.get('/api/2/users?directory_id=5')).body)).toEqual([U.alice])
    expect(ids((await api.get('/api/2/users?user_ids=1005,1003')).body)).toEqual([U.carol, U.erin])
    expect(ids((await api.get('/api/2/users?email=nobody@x')).body)).toEqual([])
  })

  it('filters by custom attribute, group_id (undocumented, BATON) and app_id', async () => {
    expect(ids((await api.get('/api/2/users?custom_attributes.food=fish')).body)).toEqual([U.bob])
    expect(ids((await api.get('/api/2/users?group_id=20')).body)).toEqual([U.carol, U.erin])
    const contractors = await api.get('/api/2/users?group_id=30&limit=100')
    expect(contractors.headers.get('total-count')).toBe('120')
    // GitHub (702) is in Employees and Engineering: the union of both memberships.
    expect(ids((await api.get('/api/2/users?app_id=702')).body)).toEqual([U.alice, U.bob, U.carol, U.dave, U.erin])
    expect(ids((await api.get('/api/2/users?app_id=705')).body)).toEqual([])
  })

  it('filters by created/updated/last_login since/until (inclusive)', async () => {
    expect(ids((await api.get('/api/2/users?created_since=2020-05-01T00:00:00Z&created_until=2020-06-01T00:00:00Z')).body)).toEqual([U.erin, U.frank])
    expect(ids((await api.get('/api/2/users?updated_until=2021-02-01T00:00:00Z')).body)).toEqual([U.alice, U.bob])
    expect(ids((await api.get('/api/2/users?last_login_since=2021-06-15T00:00:00Z')).body)).toEqual([U.bob])
    expect(ids((await api.get('/api/2/users?last_login_until=2021-12-31T00:00:00Z')).body)).toEqual([U.alice, U.bob])
    const bad = await api.get('/api/2/users?created_since=yesterday')
    expect(bad.status).toBe(422)
    expect(bad.body).toEqual({ message: 'invalid value in "created_since"', statusCode: 422, name: 'UnprocessableEntityError' })
  })

  it('sorts with +field / -field (a literal + arrives as a space)', async () => {
    const asc = await api.get('/api/2/users?sort=+firstname&fields=firstname&user_ids=1001,1002,1003')
    expect((asc.body as Row[]).map((u) => u['firstname'])).toEqual(['Alice', 'Bob', 'Carol'])
    const desc = await api.get('/api/2/users?sort=-firstname&fields=firstname&user_ids=1001,1002,1003')
    expect((desc.body as Row[]).map((u) => u['firstname'])).toEqual(['Carol', 'Bob', 'Alice'])
    const encoded = await api.get('/api/2/users?sort=%2Blastname&fields=lastname&user_ids=1002,1001')
    expect((encoded.body as Row[]).map((u) => u['lastname'])).toEqual(['Anders', 'Brown'])
  })
})

describe('GET /api/2/users/:id', () => {
  it('returns the user object', async () => {
    const r = await api.get(`/api/2/users/${U.carol}`)
    expect(r.status).toBe(200)
    const u = r.body as Row
    expect(Object.keys(u).sort()).toEqual(V2_USER_KEYS)
    expect(u).toMatchObject({ id: U.carol, username: '', status: 3, locked_until: '2030-01-01T00:00:00.000Z', role_ids: [501], group_id: 20 })
  })

  it('404s with NotFoundError', async () => {
    for (const id of ['999999', 'abc']) {
      const r = await api.get(`/api/2/users/${id}`)
      expect(r.status).toBe(404)
      expect(r.body).toEqual({ message: 'The resource with the given id could not be found', statusCode: 404, name: 'NotFoundError' })
    }
  })
})

describe('POST /api/2/users', () => {
  it('creates with 201; without a password the status is 7 (Password Pending)', async () => {
    const r = await api.post('/api/2/users?mappings=async&validate_policy=false', {
      username: 'newbie', email: 'newbie@acme.test', firstname: 'New', lastname: 'Bie', custom_attributes: { food: 'soup' },
      manager_user_id: String(U.alice), group_id: 10,
    })
    expect(r.status).toBe(201)
    const u = r.body as Row
    expect(u).toMatchObject({ username: 'newbie', status: 7, state: 1, manager_user_id: U.alice, group_id: 10, role_ids: [], custom_attributes: { food: 'soup' }, invitation_sent_at: null })
    expect(typeof u['id']).toBe('number')
    expect((await api.get(`/api/2/users/${String(u['id'])}`)).status).toBe(200)
    const withPw = await api.post('/api/2/users', { email: 'pw@acme.test', password: 'S3cret!!', password_confirmation: 'S3cret!!' })
    expect(withPw.status).toBe(201)
    expect((withPw.body as Row)['status']).toBe(1)
    expect((withPw.body as Row)['username']).toBeNull()
  })

  it('requires username or email, unique usernames, known attributes, valid types', async () => {
    const none = await api.post('/api/2/users', { firstname: 'Nobody' })
    expect(none.status).toBe(422)
    expect((none.body as Row)['name']).toBe('UnprocessableEntityError')
    const dup = await api.post('/api/2/users', { username: 'ALICE', email: 'x@acme.test' })
    expect(dup.status).toBe(422)
    expect(dup.body).toEqual({ message: 'Validation failed: Username must be unique within acme-test', statusCode: 422, name: 'UnprocessableEntityError' })
    const unknown = await api.post('/api/2/users', { username: 'x1', user_id: 5 })
    expect(unknown.status).toBe(400)
    expect(unknown.body).toEqual({ message: 'unknown attribute: user_id', statusCode: 400, name: 'BadRequestError' })
    const badStatus = await api.post('/api/2/users', { username: 'x2', status: 6 })
    expect(badStatus.status).toBe(422)
    expect((badStatus.body as Row)['message']).toBe('invalid value in "status"')
    const badMappings = await api.post('/api/2/users?mappings=later', { username: 'x3' })
    expect(badMappings.status).toBe(422)
    const notJson = await api.post('/api/2/users', '{"username":')
    expect(notJson.status).toBe(400)
    expect(notJson.body).toEqual({ message: 'The request could not be understood by the server due to malformed syntax', statusCode: 400, name: 'BadRequestError' })
  })
})

describe('PUT /api/2/users/:id', () => {
  it('updates partially: status, state, group_id, manager as string, custom_attributes merge', async () => {
    const r = await api.put(`/api/2/users/${U.frank}?mappings=sync`, {
      status: 2, state: 3, group_id: '20', manager_user_id: '1001', title: 'Manager', custom_attributes: { food: 'tacos' },
    })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ id: U.frank, status: 2, state: 3, group_id: 20, manager_user_id: 1001, title: 'Manager', email: 'frank@acme.test' })
    const merged = await api.put(`/api/2/users/${U.alice}`, { custom_attributes: { food: 'beef', shoe: '42' } })
    expect((merged.body as Row)['custom_attributes']).toEqual({ employeenumber: '1', food: 'beef', shoe: '42' })
    expect((merged.body as Row)['updated_at']).not.toBe('2021-01-01T00:00:00.000Z')
    const cleared = await api.put(`/api/2/users/${U.frank}`, { manager_user_id: null })
    expect((cleared.body as Row)['manager_user_id']).toBeNull()
  })

  it('ignores role_ids (roles change through the role APIs, §3.3)', async () => {
    const r = await api.put(`/api/2/users/${U.frank}`, { role_ids: [501] })
    expect(r.status).toBe(200)
    expect((r.body as Row)['role_ids']).toEqual([])
  })

  it('keeps usernames unique and 404s unknown users', async () => {
    const dup = await api.put(`/api/2/users/${U.frank}`, { username: 'bob' })
    expect(dup.status).toBe(422)
    const same = await api.put(`/api/2/users/${U.bob}`, { username: 'bob' })
    expect(same.status).toBe(200)
    const missing = await api.put('/api/2/users/999999', { title: 'x' })
    expect(missing.status).toBe(404)
    expect((missing.body as Row)['name']).toBe('NotFoundError')
  })
})

describe('DELETE /api/2/users/:id', () => {
  it('answers 204 and removes the user from roles (member and admin) and privileges', async () => {
    const created = await api.post('/api/2/users', { username: 'temp.user' })
    const id = (created.body as Row)['id'] as number
    await api.post('/api/2/roles/501/users', [id])
    await api.post('/api/2/roles/502/admins', [id])
    await api.post(`/api/1/privileges/${FIXTURE.privileges.helpDesk}/users`, { users: [id] })
    const before = await api.get(`/api/1/privileges/${FIXTURE.privileges.helpDesk}/users?cursor=50`)
    expect(before.body).toMatchObject({ total: 61, users: expect.arrayContaining([id]) })
    expect((await api.get(`/api/2/users/${id}`)).body).toMatchObject({ role_ids: [501] })
    const r = await api.del(`/api/2/users/${id}`)
    expect(r.status).toBe(204)
    expect(r.text).toBe('')
    expect((await api.get(`/api/2/users/${id}`)).status).toBe(404)
    expect(ids((await api.get('/api/2/roles/501/users?limit=100')).body)).not.toContain(id)
    expect(ids((await api.get('/api/2/roles/502/admins')).body)).not.toContain(id)
    const priv = await api.get(`/api/1/privileges/${FIXTURE.privileges.helpDesk}/users?cursor=50`)
    expect((priv.body as { total: number }).total).toBe(60)
    expect((priv.body as { users: number[] }).users).not.toContain(id)
    expect((await api.del(`/api/2/users/${id}`)).status).toBe(404)
  })
})

describe('GET /api/2/users/:id/apps', () => {
  it('lists apps granted through roles, hiding invisible ones unless ignore_visibility=true (§3.5)', async () => {
    const r = await api.get(`/api/2/users/${U.alice}/apps`)
    expect(r.status).toBe(200)
    const apps = r.body as Row[]
    expect(apps.map((a) => a['id'])).toEqual([701, 702])
    expect(Object.keys(apps[0]!).sort()).toEqual(['extension', 'icon_url', 'id', 'login_id', 'name', 'provisioning_enabled', 'provisioning_state', 'provisioning_status'])
    expect(apps[0]).toMatchObject({ id: 701, name: 'Slack', provisioning_enabled: true, extension: false })
    const all = await api.get(`/api/2/users/${U.alice}/apps?ignore_visibility=true`)
    expect((all.body as Row[]).map((a) => a['id'])).toEqual([701, 702, 704])
    expect((await api.get(`/api/2/users/${U.frank}/apps`)).body).toEqual([])
  })
})

describe('POST /api/2/users/:id/unlock', () => {
  it('unlocks a locked user with the documented "messsage" typo; refuses others (§3.4)', async () => {
    const r = await api.post(`/api/2/users/${U.carol}/unlock`)
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ messsage: 'User unlocked' })
    expect((await api.get(`/api/2/users/${U.carol}`)).body).toMatchObject({ status: 1, locked_until: null })
    const again = await api.post(`/api/2/users/${U.carol}/unlock`)
    expect(again.status).toBe(400)
    expect(again.body).toEqual({ message: 'User cannot be unlocked' })
  })
})
