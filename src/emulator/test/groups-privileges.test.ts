// Groups (v1 only) and privileges (v1 paths, v2-style errors): onelogin-api.md §6.1, §6.2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import { FIXTURE } from '../test-fixtures.js'
import { client, getToken, startFixture } from './helpers.js'

const U = FIXTURE.users
const P = FIXTURE.privileges
type Row = Record<string, unknown>
const SUCCESS = { error: false, code: 200, type: 'success', message: 'Success' }

let emu: RunningEmulator
let api: ReturnType<typeof client>
beforeAll(async () => {
  emu = await startFixture()
  api = client(emu, await getToken(emu))
})
afterAll(async () => {
  await emu.close()
})

describe('GET /api/1/groups', () => {
  it('uses the envelope, 50 per page, after_cursor in the body, no v2 headers', async () => {
    const r = await api.get('/api/1/groups')
    expect(r.status).toBe(200)
    const body = r.body as { status: unknown; pagination: Record<string, string | null>; data: Row[] }
    expect(body.status).toEqual(SUCCESS)
    expect(body.data).toHaveLength(50)
    expect(body.data[0]).toEqual({ id: 10, name: 'Headquarters', reference: null })
    expect(r.headers.get('after-cursor')).toBeNull()
    expect(r.headers.get('x-ratelimit-remaining')).not.toBeNull()
    const next = await api.get(`/api/1/groups?limit=50&after_cursor=${encodeURIComponent(body.pagination['after_cursor']!)}`)
    const page2 = next.body as { pagination: Record<string, string | null>; data: Row[] }
    expect(page2.data).toHaveLength(10)
    expect(page2.pagination['after_cursor']).toBeNull()
    expect(page2.pagination['next_link']).toBeNull()
    expect(typeof page2.pagination['before_cursor']).toBe('string')
    expect(new Set([...body.data, ...page2.data].map((g) => g['id'])).size).toBe(60)
  })

  it('follows next_link as a full URL', async () => {
    const first = (await api.get('/api/1/groups?limit=20')).body as { pagination: Record<string, string | null> }
    const link = first.pagination['next_link']!
    expect(link.startsWith(`${emu.url}/api/1/groups?`)).toBe(true)
    const second = await api.get(link.slice(emu.url.length))
    expect((second.body as { data: Row[] }).data[0]!['id']).toBe(FIXTURE.firstExtraGroupId + 17)
  })

  it('rejects a garbled after_cursor with a v1 400', async () => {
    const r = await api.get('/api/1/groups?after_cursor=%%%')
    expect(r.status).toBe(400)
    expect((r.body as { status: { code: number } }).status.code).toBe(400)
  })

  it('GET /api/1/groups/:id returns data:[group] without pagination; 404 in v1 shape', async () => {
    const r = await api.get('/api/1/groups/20')
    expect(r.body).toEqual({ status: SUCCESS, data: [{ id: 20, name: 'Remote', reference: null }] })
    const nf = await api.get('/api/1/groups/9999999')
    expect(nf.status).toBe(404)
    expect(nf.body).toEqual({ status: { error: true, code: 404, type: 'not found', message: 'Group for id 9999999 was not found' } })
  })
})

describe('privileges', () => {
  it('GET /api/1/privileges is a bare array with UUID ids', async () => {
    const r = await api.get('/api/1/privileges')
    expect(r.status).toBe(200)
    const list = r.body as Row[]
    expect(list.map((p) => p['id'])).toEqual([P.userAdmin, P.helpDesk])
    expect(list[0]).toEqual({
      id: P.userAdmin,
      name: 'User Administrator',
      description: 'Can administer users',
      privilege: { Version: '2018-05-18', Statement: [{ Effect: 'Allow', Action: ['users:List', 'users:Get', 'users:Unlock'], Scope: ['*'] }] },
    })
    expect((await api.get(`/api/1/privileges/${P.helpDesk}`)).body).toMatchObject({ id: P.helpDesk, name: 'Help Desk' })
  })

  it('GET users/roles use camelCase keys and integer cursors', async () => {
    const users = await api.get(`/api/1/privileges/${P.userAdmin}/users`)
    expect(users.body).toEqual({ total: 1, users: [U.alice], beforeCursor: null, previousLink: null, afterCursor: null, nextLink: null })
    const roles = await api.get(`/api/1/privileges/${P.userAdmin}/roles`)
    expect(roles.body).toEqual({ total: 1, roles: [503], beforeCursor: null, previousLink: null, afterCursor: null, nextLink: null })
    const page1 = (await api.get(`/api/1/privileges/${P.helpDesk}/users`)).body as Row
    expect(page1['total']).toBe(60)
    expect(page1['users']).toHaveLength(50)
    expect(page1['afterCursor']).toBe(50)
    const next = page1['nextLink'] as string
    const page2 = (await api.get(next.slice(emu.url.length))).body as Row
    expect(page2['users']).toHaveLength(10)
    expect(page2['afterCursor']).toBeNull()
    expect(page2['beforeCursor']).toBe(0)
  })

  it('assigns users (200) and roles (201), removes them (204)', async () => {
    const addUsers = await api.post(`/api/1/privileges/${P.userAdmin}/users`, { users: [U.bob, String(U.carol)] })
    expect(addUsers.status).toBe(200)
    expect(addUsers.body).toEqual({ success: true })
    const addRoles = await api.post(`/api/1/privileges/${P.userAdmin}/roles`, { roles: [501] })
    expect(addRoles.status).toBe(201)
    expect(addRoles.body).toEqual({ success: true })
    expect(((await api.get(`/api/1/privileges/${P.userAdmin}/users`)).body as Row)['users']).toEqual([U.alice, U.bob, U.carol])
    expect(((await api.get(`/api/1/privileges/${P.userAdmin}/roles`)).body as Row)['roles']).toEqual([501, 503])
    const delUser = await api.del(`/api/1/privileges/${P.userAdmin}/users/${U.bob}`)
    expect(delUser.status).toBe(204)
    expect(delUser.text).toBe('')
    expect((await api.del(`/api/1/privileges/${P.userAdmin}/roles/501`)).status).toBe(204)
    expect(((await api.get(`/api/1/privileges/${P.userAdmin}/users`)).body as Row)['users']).toEqual([U.alice, U.carol])
  })

  it('answers errors in the v2 style with statusCode first', async () => {
    const nf = await api.get('/api/1/privileges/00000000-0000-0000-0000-000000000000')
    expect(nf.status).toBe(404)
    expect(nf.text).toBe(JSON.stringify({ statusCode: 404, name: 'NotFoundError', message: "The resource can't be found or the server has not found anything matching the Request-URI" }))
    const bad = await api.post(`/api/1/privileges/${P.userAdmin}/users`, { user_ids: [1] })
    expect(bad.status).toBe(400)
    expect(bad.body).toEqual({ statusCode: 400, name: 'BadRequestError', message: 'The request could not be understood by the server due to malformed syntax' })
    expect((await api.post(`/api/1/privileges/${P.userAdmin}/users`, { users: [424242] })).status).toBe(404)
    expect((await api.del(`/api/1/privileges/${P.userAdmin}/users/${U.frank}`)).status).toBe(404)
  })
})
