import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { demoTenant } from '../emulator/index.js'
import { createTestIntegration, ingestFile, snapshotOf } from '../governance/inventory-test-support.js'
import { createIdentity } from '../store/index.js'
import { expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'
import { buildServer } from './index.js'

// People as the People page reads them: GET /api/v1/identities (search, OneLogin summary) and
// GET /api/v1/identities/:id (each account's status, sign-in, manager), over what the real sync
// made of the Acme demo tenant (src/emulator/demo-tenant.ts), so the expected values are its people.

const dir = mkdtempSync(join(tmpdir(), 'warden-people-api-'))
const acme = join(dir, 'acme.db')
/** The same tenant a day later in a second integration: Olivia suspended after a later sign-in, now reporting to Maria. */
const acmeLater = join(dir, 'acme-later.db')
const OLIVIA = 41235012
const MARIA = 41235001
const JAMES = 41235004
const OLIVIA_LATER_LOGIN = '2026-10-01T09:00:00.000Z'

beforeAll(async () => {
  const later = demoTenant()
  const olivia = later.users.find((u) => u.id === OLIVIA)!
  olivia.status = 2
  olivia.last_login = OLIVIA_LATER_LOGIN
  olivia.manager_user_id = MARIA
  olivia.title = 'Senior Account Executive'
  await Promise.all([snapshotOf(demoTenant(), acme), snapshotOf(later, acmeLater)])
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Summary {
  status: string | null
  last_login: string | null
  manager: { identity_id: string | null; display_name: string | null }
  accounts: number
}
interface PersonBody {
  id: string
  email: string
  display_name: string
  warden_user_id: string | null
  onelogin: Summary | null
}
interface Page<T> {
  items: T[]
  next_cursor: string | null
}

describeDialects('people API', (t) => {
  let app: App
  let reader: Person
  let first: string
  beforeEach(async () => {
    app = await buildServer({ store: t.store })
    reader = await person(t.store, ['read-only-admin'])
    first = (await createTestIntegration(t.store)).integrationId
    await ingestFile(t.store, first, acme)
  })
  afterEach(async () => {
    await app.close()
  })

  const get = async <T>(url: string): Promise<T> => {
    const res = await app.inject({ method: 'GET', url, headers: reader.bearer })
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200)
    return res.json() as T
  }
  const identityOf = async (email: string): Promise<string> =>
    (await t.store.db.selectFrom('identities').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id

  it('searches people by name or email and shows each one’s OneLogin status, manager and last sign-in', async () => {
    const james = await identityOf('james.oconnor@acme.example')
    const maria = await identityOf('maria.gonzalez@acme.example')

    // Email, any case.
    const olivia = await get<Page<PersonBody>>('/api/v1/identities?q=OLIVIA.brown')
    expect(olivia).toEqual({
      items: [
        {
          id: await identityOf('olivia.brown@acme.example'),
          email: 'olivia.brown@acme.example',
          display_name: 'Olivia Brown',
          warden_user_id: null,
          created_at: expect.any(String),
          updated_at: expect.any(String),
          onelogin: { status: 'active', last_login: '2026-09-30T15:02:29.661Z', manager: { identity_id: james, display_name: "James O'Connor" }, accounts: 1 },
        },
      ],
      next_cursor: null,
    })

    // A name that is not in the email (Oliver has no username, so his name is first and last name).
    const oliver = await get<Page<PersonBody>>('/api/v1/identities?q=' + encodeURIComponent('oliver sc'))
    expect(oliver.items.map((p) => [p.email, p.display_name, p.onelogin])).toEqual([
      ['oliver.scott@acme.example', 'Oliver Scott', { status: 'active', last_login: '2026-09-26T14:08:31.745Z', manager: { identity_id: null, display_name: null }, accounts: 1 }],
    ])

    // Statuses other than active, a manager's manager, and someone who never signed in.
    const sales = await get<Page<PersonBody>>('/api/v1/identities?q=' + encodeURIComponent('a'))
    const byEmail = new Map(sales.items.map((p) => [p.email, p.onelogin]))
    expect(byEmail.get('ethan.nguyen@acme.example')).toEqual({
      status: 'suspended',
      last_login: '2026-06-12T17:45:33.120Z',
      manager: { identity_id: james, display_name: "James O'Connor" },
      accounts: 1,
    })
    expect(byEmail.get('isaac.moreno@acme.example')).toEqual({ status: 'unactivated', last_login: null, manager: { identity_id: james, display_name: "James O'Connor" }, accounts: 1 })
    expect(byEmail.get('james.oconnor@acme.example')?.manager).toEqual({ identity_id: maria, display_name: 'Maria Gonzalez' })

    // Pages of a search, in email order.
    const everyone = demoTenant()
      .users.map((u) => u.email!)
      .sort()
    const pages: string[][] = []
    let cursor: string | null = null
    do {
      const page: Page<PersonBody> = await get<Page<PersonBody>>(`/api/v1/identities?q=ACME.example&limit=10${cursor === null ? '' : `&cursor=${cursor}`}`)
      pages.push(page.items.map((p) => p.email))
      cursor = page.next_cursor
    } while (cursor !== null)
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5])
    expect(pages.flat()).toEqual(everyone)

    // %, _ and \ are taken literally; an empty q is refused; q combines with linked.
    expect((await get<Page<PersonBody>>('/api/v1/identities?q=%25')).items).toEqual([])
    expect((await get<Page<PersonBody>>('/api/v1/identities?q=_')).items).toEqual([])
    expectError(await app.inject({ method: 'GET', url: '/api/v1/identities?q=', headers: reader.bearer }), 400, 'BAD_INPUT')
    expect((await get<Page<PersonBody>>('/api/v1/identities?q=olivia&linked=true')).items).toEqual([])
    expect((await get<Page<PersonBody>>('/api/v1/identities?q=olivia&linked=false')).items.map((p) => p.email)).toEqual(['olivia.brown@acme.example'])

    // Someone no OneLogin account links to.
    await createIdentity(t.store.db, { email: 'zed@elsewhere.test', display_name: 'Zed Outside' })
    expect((await get<Page<PersonBody>>('/api/v1/identities?q=zed')).items.map((p) => [p.email, p.onelogin])).toEqual([['zed@elsewhere.test', null]])
  })

  it('one person with an account in two integrations: each account’s details; the summary follows the one that signed in last', async () => {
    const second = (await createTestIntegration(t.store)).integrationId
    await ingestFile(t.store, second, acmeLater)
    const id = await identityOf('olivia.brown@acme.example')
    const james = await identityOf('james.oconnor@acme.example')
    const maria = await identityOf('maria.gonzalez@acme.example')

    const account = (integrationId: string) => ({
      integration_id: integrationId,
      id: `user:${OLIVIA}`,
      display_name: 'olivia.brown', // the account's name is its OneLogin username; the person's is their name
      email: 'olivia.brown@acme.example',
      department: 'Sales',
    })
    const earlier = {
      ...account(first),
      status: 'active',
      last_login: '2026-09-30T15:02:29.661Z',
      title: 'Account Executive',
      manager: { id: `user:${JAMES}`, identity_id: james, display_name: "James O'Connor" },
    }
    const later = {
      ...account(second),
      status: 'suspended',
      last_login: OLIVIA_LATER_LOGIN,
      title: 'Senior Account Executive',
      manager: { id: `user:${MARIA}`, identity_id: maria, display_name: 'Maria Gonzalez' },
    }
    const detail = await get<PersonBody & { accounts: unknown[] }>(`/api/v1/identities/${id}`)
    expect(detail).toEqual({
      id,
      email: 'olivia.brown@acme.example',
      display_name: 'Olivia Brown',
      warden_user_id: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      onelogin: { status: 'suspended', last_login: OLIVIA_LATER_LOGIN, manager: { identity_id: maria, display_name: 'Maria Gonzalez' }, accounts: 2 },
      accounts: [earlier, later].sort((a, b) => (a.integration_id < b.integration_id ? -1 : 1)),
    })
    const listed = await get<Page<PersonBody>>('/api/v1/identities?q=olivia')
    expect(listed.items.map((p) => p.onelogin)).toEqual([detail.onelogin])

    // Isaac never signed in anywhere: the first account (by integration) speaks for him.
    const isaac = await get<Page<PersonBody>>('/api/v1/identities?q=isaac')
    expect(isaac.items.map((p) => p.onelogin)).toEqual([{ status: 'unactivated', last_login: null, manager: { identity_id: james, display_name: "James O'Connor" }, accounts: 2 }])

    const zed = await createIdentity(t.store.db, { email: 'zed@elsewhere.test', display_name: 'Zed Outside' })
    expect(await get(`/api/v1/identities/${zed.id}`)).toMatchObject({ onelogin: null, accounts: [] })
    expectError(await app.inject({ method: 'GET', url: '/api/v1/identities/idn_0000000000000000000000000a', headers: reader.bearer }), 404, 'NOT_FOUND')
  })

  it('refuses people without identities:read', async () => {
    const nobody = await person(t.store, [])
    const id = await identityOf('olivia.brown@acme.example')
    for (const url of ['/api/v1/identities?q=olivia', `/api/v1/identities/${id}`]) {
      expectError(await app.inject({ method: 'GET', url }), 401, 'UNAUTHENTICATED')
      expectError(await app.inject({ method: 'GET', url, headers: nobody.bearer }), 403, 'FORBIDDEN')
    }
  })
})

// Warden users looked up by email (the Terraform provider's `warden_user` data source).
describeDialects('Warden users by email', (t) => {
  let app: App
  beforeEach(async () => {
    app = await buildServer({ store: t.store })
  })
  afterEach(async () => {
    await app.close()
  })

  it('finds the one user with an email, ignoring case; refuses those without users:read', async () => {
    const reader = await person(t.store, ['read-only-admin'])
    const maria = await person(t.store, [], { label: 'maria' })
    await person(t.store, [], { label: 'mariam' })
    const get = (url: string, who: Person | null = reader) => app.inject({ method: 'GET', url, ...(who === null ? {} : { headers: who.bearer }) })
    const emails = async (qs: string) => ((await get(`/api/v1/users?${qs}`)).json() as Page<{ email: string }>).items.map((u) => u.email)

    const res = await get(`/api/v1/users?email=${encodeURIComponent(maria.user.email.toUpperCase())}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ items: [expect.objectContaining({ id: maria.user.id, email: maria.user.email, display_name: maria.user.display_name })], next_cursor: null })
    expect(await emails(`email=${encodeURIComponent(` ${maria.user.email} `)}`)).toEqual([maria.user.email])
    // Exact: a prefix or a pattern finds nobody.
    expect(await emails(`email=${encodeURIComponent(maria.user.email.slice(0, 8))}`)).toEqual([])
    expect(await emails('email=%25')).toEqual([])
    expect(await emails(`email=${encodeURIComponent(maria.user.email)}&disabled=true`)).toEqual([])
    expect(await emails(`email=${encodeURIComponent(reader.user.email)}&role=read-only-admin`)).toEqual([reader.user.email])
    expectError(await get('/api/v1/users?email='), 400, 'BAD_INPUT')
    expectError(await get(`/api/v1/users?email=${encodeURIComponent(maria.user.email)}`, maria), 403, 'FORBIDDEN')
    expectError(await get(`/api/v1/users?email=${encodeURIComponent(maria.user.email)}`, null), 401, 'UNAUTHENTICATED')
  })
})
