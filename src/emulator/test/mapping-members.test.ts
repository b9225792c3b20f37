// The control plane's mapping-made role membership, and the role APIs leaving it in place
// (onelogin-api.md §3.7, §4.4: remove_roles will not remove roles a mapping added; the Roles API
// is not for mapping-made membership). The removal calls answer success all the same.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import { FIXTURE } from '../test-fixtures.js'
import { client, control, getToken, startFixture } from './helpers.js'

const U = FIXTURE.users
const R = FIXTURE.roles
const A = FIXTURE.apps
type Row = Record<string, unknown>

let emu: RunningEmulator
let api: ReturnType<typeof client>
beforeEach(async () => {
  emu = await startFixture({ fixture: { extraUsers: 0, extraRoles: 0, extraGroups: 0 } })
  api = client(emu, await getToken(emu))
})
afterEach(async () => {
  await emu.close()
})

async function roleUsers(roleId: number): Promise<Row[]> {
  const r = await api.get(`/api/2/roles/${roleId}/users`)
  expect(r.status).toBe(200)
  return r.body as Row[]
}

async function roleIdsOf(userId: number): Promise<unknown> {
  return ((await api.get(`/api/2/users/${userId}`)).body as Row)['role_ids']
}

describe('POST /__emulator/mapping-members', () => {
  it('adds role membership marked as made by a mapping, visible through every read', async () => {
    const r = await control(emu, 'POST', '/mapping-members', { role_id: R.admins, user_ids: [U.frank] })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ role_id: R.admins, users: [U.alice, U.frank] })

    const frank = (await roleUsers(R.admins)).find((m) => m['id'] === U.frank)
    expect(frank).toMatchObject({ id: U.frank, assigned: true, added_by: { id: null, name: 'Mapping' } })
    expect(typeof frank?.['added_at']).toBe('string')
    expect(await roleIdsOf(U.frank)).toEqual([R.admins])
    expect((await api.get(`/api/1/users/${U.frank}/roles`)).body).toMatchObject({ data: [[R.admins]] })
    // App access is derived from role membership, mapping-made included.
    const apps = (await api.get(`/api/2/users/${U.frank}/apps?ignore_visibility=true`)).body as Row[]
    expect(apps.map((a) => a['id'])).toEqual([A.console])
    expect(((await api.get(`/api/2/apps/${A.console}/users`)).body as Row[]).map((u) => u['id'])).toEqual([U.alice, U.frank])
  })

  it('is not counted in stats nor against the rate limit', async () => {
    await control(emu, 'POST', '/stats/reset')
    const before = (await control(emu, 'GET', '/rate-limit')).body as Row
    await control(emu, 'POST', '/mapping-members', { role_id: R.empty, user_ids: [U.frank] })
    expect((await control(emu, 'GET', '/stats')).body).toEqual({ total: 0, by_endpoint: {} })
    expect(((await control(emu, 'GET', '/rate-limit')).body as Row)['remaining']).toBe(before['remaining'])
  })

  it.each([
    ['no body', undefined],
    ['no user_ids', { role_id: R.empty }],
    ['empty user_ids', { role_id: R.empty, user_ids: [] }],
    ['a non-integer id', { role_id: R.empty, user_ids: ['1006'] }],
    ['an unknown key', { role_id: R.empty, user_ids: [U.frank], admins: true }],
  ])('answers 400 with an error for %s, changing nothing', async (_name, body) => {
    const r = await control(emu, 'POST', '/mapping-members', body)
    expect(r.status).toBe(400)
    expect(typeof (r.body as Row)['error']).toBe('string')
    expect(await roleUsers(R.empty)).toEqual([])
  })

  it('answers 404 for an unknown role or unknown users, adding none of the listed users', async () => {
    const role = await control(emu, 'POST', '/mapping-members', { role_id: 999, user_ids: [U.frank] })
    expect(role.status).toBe(404)
    expect(role.body).toEqual({ error: 'no role 999' })
    const users = await control(emu, 'POST', '/mapping-members', { role_id: R.empty, user_ids: [U.frank, 9998, 9999] })
    expect(users.status).toBe(404)
    expect(users.body).toEqual({ error: 'no users 9998, 9999' })
    expect(await roleUsers(R.empty)).toEqual([])
    expect(await roleIdsOf(U.frank)).toEqual([])
  })
})

describe('the role APIs cannot remove mapping-made membership', () => {
  it('DELETE /api/2/roles/:id/users answers 204 and leaves it, while removing ordinary members in the same call', async () => {
    expect((await api.post(`/api/2/roles/${R.empty}/users`, [U.bob])).status).toBe(200)
    await control(emu, 'POST', '/mapping-members', { role_id: R.empty, user_ids: [U.frank] })
    expect((await roleUsers(R.empty)).map((m) => m['id'])).toEqual([U.bob, U.frank])

    const del = await api.del(`/api/2/roles/${R.empty}/users`, [U.bob, U.frank])
    expect(del.status).toBe(204)
    expect(del.text).toBe('')
    expect((await roleUsers(R.empty)).map((m) => m['id'])).toEqual([U.frank])
    expect(await roleIdsOf(U.frank)).toEqual([R.empty])
    expect(await roleIdsOf(U.bob)).toEqual([R.employees, R.engineering])
  })

  it('marking an existing ordinary member as mapping-made makes it unremovable too', async () => {
    await control(emu, 'POST', '/mapping-members', { role_id: R.employees, user_ids: [U.alice] })
    expect((await api.del(`/api/2/roles/${R.employees}/users`, [U.alice, U.bob])).status).toBe(204)
    expect((await roleUsers(R.employees)).map((m) => m['id'])).toEqual([U.alice, U.carol, U.erin])
  })

  it('v1 remove_roles answers success and leaves it', async () => {
    await control(emu, 'POST', '/mapping-members', { role_id: R.empty, user_ids: [U.frank] })
    const r = await api.put(`/api/1/users/${U.frank}/remove_roles`, { role_id_array: [R.empty] })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ status: { error: false, code: 200, type: 'success', message: 'Success' } })
    expect((await api.get(`/api/1/users/${U.frank}/roles`)).body).toMatchObject({ data: [[R.empty]] })
    expect(await roleIdsOf(U.frank)).toEqual([R.empty])
  })

  it('role admins are not affected: DELETE /admins still removes them', async () => {
    await control(emu, 'POST', '/mapping-members', { role_id: R.admins, user_ids: [U.bob] })
    expect((await api.del(`/api/2/roles/${R.admins}/admins`, [U.bob])).status).toBe(204)
    expect(((await api.get(`/api/2/roles/${R.admins}/admins`)).body as Row[]).map((m) => m['id'])).toEqual([])
    expect((await roleUsers(R.admins)).map((m) => m['id'])).toEqual([U.alice, U.bob])
  })

  it('deleting the user or the role still ends the membership', async () => {
    await control(emu, 'POST', '/mapping-members', { role_id: R.admins, user_ids: [U.frank] })
    await control(emu, 'POST', '/mapping-members', { role_id: R.empty, user_ids: [U.bob] })
    expect((await api.del(`/api/2/users/${U.frank}`)).status).toBe(204)
    expect((await roleUsers(R.admins)).map((m) => m['id'])).toEqual([U.alice])
    expect((await api.del(`/api/2/roles/${R.empty}`)).status).toBe(204)
    expect(await roleIdsOf(U.bob)).toEqual([R.employees, R.engineering])
  })
})
