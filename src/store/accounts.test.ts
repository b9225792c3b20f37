import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { WardenError } from '../errors/index.js'
import { sha256Hex } from './ids.js'
import { createIdentity, findIdentityByEmail, listIdentities, updateIdentity } from './identities-repo.js'
import { createSession, deleteExpiredSessions, deleteSession, deleteUserSessions, findSession, touchSession } from './sessions-repo.js'
import {
  consumeSetupToken,
  createApiToken,
  createSetupToken,
  expireSetupTokens,
  findApiToken,
  getApiToken,
  listApiTokens,
  revokeApiToken,
  touchApiToken,
} from './tokens-repo.js'
import { countUsers, createUser, findUserByEmail, getUser, listUsers, setUserPassword, updateUser, verifyUserPassword } from './users-repo.js'

const T0 = new Date('2026-11-28T09:00:00.000Z')
const at = (ms: number): Date => new Date(T0.getTime() + ms)
const MINUTE = 60_000
const HOUR = 60 * MINUTE

async function refusal(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected a refusal')
}

describeDialects('users repo', (t) => {
  it('stores the email lower-cased, roles sorted and de-duplicated, and a scrypt hash instead of the password', async () => {
    const user = await createUser(
      t.store.db,
      { email: '  Alice@Example.COM ', display_name: ' Alice Adams ', password: 'correct horse battery', roles: ['reviewer', 'admin', 'reviewer'] },
      { now: T0 },
    )
    expect(user).toEqual({
      id: expect.stringMatching(/^usr_[0-9a-hjkmnp-tv-z]{26}$/),
      email: 'alice@example.com',
      display_name: 'Alice Adams',
      roles: ['admin', 'reviewer'],
      disabled: false,
      has_password: true,
      created_at: '2026-11-28T09:00:00.000Z',
      updated_at: '2026-11-28T09:00:00.000Z',
    })
    const row = await t.store.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow()
    expect(row.roles).toBe('["admin","reviewer"]')
    expect(row.disabled).toBe(0)
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/)
    expect(row.password_hash).not.toContain('correct horse')
    expect(await getUser(t.store.db, user.id)).toEqual(user)
    expect(await findUserByEmail(t.store.db, 'ALICE@example.com')).toEqual(user)
  })

  it('refuses a second user with the same email in another case as a CONFLICT', async () => {
    await createUser(t.store.db, { email: 'bob@example.com', display_name: 'Bob' })
    const e = await refusal(createUser(t.store.db, { email: 'BOB@Example.com', display_name: 'Bob again' }))
    expect(e.code).toBe('CONFLICT')
    expect(e.httpStatus).toBe(409)
    expect(e.message).toBe('a user with email bob@example.com already exists')
    expect(await countUsers(t.store.db)).toBe(1)

    const carol = await createUser(t.store.db, { email: 'carol@example.com', display_name: 'Carol' })
    const e2 = await refusal(updateUser(t.store.db, carol.id, { email: 'Bob@example.com' }))
    expect(e2.code).toBe('CONFLICT')
    expect((await getUser(t.store.db, carol.id))?.email).toBe('carol@example.com')
  })

  it('refuses bad input and unknown ids', async () => {
    expect((await refusal(createUser(t.store.db, { email: 'not-an-email', display_name: 'X' }))).code).toBe('BAD_INPUT')
    expect((await refusal(createUser(t.store.db, { email: 'x@y.z', display_name: 'X', roles: ['Admin'] }))).code).toBe('BAD_INPUT')
    expect((await refusal(createUser(t.store.db, { email: 'x@y.z', display_name: '  ' }))).code).toBe('BAD_INPUT')
    const e = await refusal(updateUser(t.store.db, 'usr_nope', { display_name: 'Y' }))
    expect(e.code).toBe('NOT_FOUND')
    expect(e.message).toBe('no user usr_nope')
  })

  it('updates fields and the updated_at time', async () => {
    const u = await createUser(t.store.db, { email: 'dan@example.com', display_name: 'Dan' }, { now: T0 })
    const v = await updateUser(t.store.db, u.id, { display_name: 'Daniel', roles: ['auditor'], disabled: true }, { now: at(MINUTE) })
    expect(v).toEqual({ ...u, display_name: 'Daniel', roles: ['auditor'], disabled: true, updated_at: '2026-11-28T09:01:00.000Z' })
  })

  it('verifies passwords, and refuses a wrong one, an unknown email, a disabled user and a user without a password', async () => {
    const u = await createUser(t.store.db, { email: 'erin@example.com', display_name: 'Erin', password: 'open sesame 42' })
    expect((await verifyUserPassword(t.store.db, 'ERIN@example.com', 'open sesame 42'))?.id).toBe(u.id)
    expect(await verifyUserPassword(t.store.db, 'erin@example.com', 'open sesame 43')).toBeUndefined()
    expect(await verifyUserPassword(t.store.db, 'nobody@example.com', 'open sesame 42')).toBeUndefined()
    await setUserPassword(t.store.db, u.id, 'a new passphrase')
    expect(await verifyUserPassword(t.store.db, 'erin@example.com', 'open sesame 42')).toBeUndefined()
    expect((await verifyUserPassword(t.store.db, 'erin@example.com', 'a new passphrase'))?.id).toBe(u.id)
    await updateUser(t.store.db, u.id, { disabled: true })
    expect(await verifyUserPassword(t.store.db, 'erin@example.com', 'a new passphrase')).toBeUndefined()
    const nopw = await createUser(t.store.db, { email: 'fay@example.com', display_name: 'Fay' })
    expect(nopw.has_password).toBe(false)
    expect(await verifyUserPassword(t.store.db, 'fay@example.com', '')).toBeUndefined()
  })

  it('lists users by email a page at a time, filtered by role and disabled', async () => {
    for (const [email, roles, disabled] of [
      ['e@x.io', ['admin'], false],
      ['a@x.io', [], false],
      ['d@x.io', ['admin', 'reviewer'], true],
      ['c@x.io', ['reviewer'], false],
      ['b@x.io', ['admin'], false],
    ] as const) {
      await createUser(t.store.db, { email, display_name: email, roles, disabled })
    }
    const p1 = await listUsers(t.store.db, {}, { limit: 2 })
    expect(p1.items.map((u) => u.email)).toEqual(['a@x.io', 'b@x.io'])
    const p2 = await listUsers(t.store.db, {}, { limit: 2, cursor: p1.next_cursor })
    expect(p2.items.map((u) => u.email)).toEqual(['c@x.io', 'd@x.io'])
    const p3 = await listUsers(t.store.db, {}, { limit: 2, cursor: p2.next_cursor })
    expect(p3).toEqual({ items: [expect.objectContaining({ email: 'e@x.io' })], next_cursor: null })

    expect((await listUsers(t.store.db, { role: 'admin' })).items.map((u) => u.email)).toEqual(['b@x.io', 'd@x.io', 'e@x.io'])
    expect((await listUsers(t.store.db, { role: 'admin', disabled: false })).items.map((u) => u.email)).toEqual(['b@x.io', 'e@x.io'])
    expect(await countUsers(t.store.db, { role: 'admin', disabled: false })).toBe(2)
    expect(await countUsers(t.store.db, { role: 'auditor' })).toBe(0)
    expect(await countUsers(t.store.db)).toBe(5)

    expect((await refusal(listUsers(t.store.db, {}, { cursor: 'garbage' }))).message).toBe(
      'invalid cursor: pass back a next_cursor from the same list',
    )
    expect((await refusal(listUsers(t.store.db, {}, { limit: 0 }))).code).toBe('BAD_INPUT')
    expect((await listUsers(t.store.db, {}, { limit: 10_000 })).items).toHaveLength(5)
  })
})

describeDialects('sessions repo', (t) => {
  it('stores only the sha256 of the token and expires at exactly created + ttl', async () => {
    const user = await createUser(t.store.db, { email: 'a@x.io', display_name: 'A' })
    const { token, session } = await createSession(t.store.db, user.id, { ttlMs: HOUR, now: T0 })
    expect(token).toMatch(/^wds_[A-Za-z0-9_-]{43}$/)
    expect(session).toEqual({
      id: sha256Hex(token),
      user_id: user.id,
      created_at: '2026-11-28T09:00:00.000Z',
      expires_at: '2026-11-28T10:00:00.000Z',
      last_seen_at: '2026-11-28T09:00:00.000Z',
    })
    const rows = await t.store.db.selectFrom('sessions').selectAll().execute()
    expect(JSON.stringify(rows)).not.toContain(token.slice(4))

    expect((await findSession(t.store.db, token, { now: at(HOUR - 1) }))?.user.id).toBe(user.id)
    expect(await findSession(t.store.db, token, { now: at(HOUR) })).toBeUndefined()
    expect(await findSession(t.store.db, `${token}x`, { now: T0 })).toBeUndefined()
  })

  it('slides the expiry on touch, and forgets sessions on logout, user disable and purge', async () => {
    const user = await createUser(t.store.db, { email: 'b@x.io', display_name: 'B' })
    const a = await createSession(t.store.db, user.id, { ttlMs: HOUR, now: T0 })
    const b = await createSession(t.store.db, user.id, { ttlMs: MINUTE, now: T0 })
    expect(await touchSession(t.store.db, a.session.id, { now: at(30 * MINUTE), expiresAt: at(90 * MINUTE) })).toBe(true)
    const found = await findSession(t.store.db, a.token, { now: at(80 * MINUTE) })
    expect(found?.session).toMatchObject({ last_seen_at: '2026-11-28T09:30:00.000Z', expires_at: '2026-11-28T10:30:00.000Z' })

    expect(await deleteExpiredSessions(t.store.db, { now: at(2 * MINUTE) })).toBe(1)
    expect(await touchSession(t.store.db, b.session.id)).toBe(false)

    await updateUser(t.store.db, user.id, { disabled: true })
    expect(await findSession(t.store.db, a.token, { now: at(MINUTE) })).toBeUndefined()
    await updateUser(t.store.db, user.id, { disabled: false })
    expect(await findSession(t.store.db, a.token, { now: at(MINUTE) })).toBeDefined()

    expect(await deleteSession(t.store.db, a.token)).toBe(true)
    expect(await deleteSession(t.store.db, a.token)).toBe(false)
    await createSession(t.store.db, user.id, { ttlMs: HOUR })
    await createSession(t.store.db, user.id, { ttlMs: HOUR })
    expect(await deleteUserSessions(t.store.db, user.id)).toBe(2)
  })
})

describeDialects('tokens repo', (t) => {
  it('shows an API token once and stores only its hash and prefix', async () => {
    const user = await createUser(t.store.db, { email: 'a@x.io', display_name: 'A' })
    const { token, apiToken } = await createApiToken(t.store.db, { userId: user.id, name: ' CI deploys ', now: T0 })
    expect(token).toMatch(/^wdt_[A-Za-z0-9_-]{43}$/)
    expect(apiToken).toEqual({
      id: expect.stringMatching(/^tok_/),
      user_id: user.id,
      name: 'CI deploys',
      prefix: token.slice(0, 12),
      created_at: '2026-11-28T09:00:00.000Z',
      last_used_at: null,
      expires_at: null,
      revoked_at: null,
    })
    const row = await t.store.db.selectFrom('api_tokens').selectAll().executeTakeFirstOrThrow()
    expect(row.token_hash).toBe(sha256Hex(token))
    expect(Object.values(row).filter((v) => typeof v === 'string' && v.includes(token.slice(12)))).toEqual([])

    const found = await findApiToken(t.store.db, token)
    expect(found?.apiToken).toEqual(apiToken)
    expect(await getApiToken(t.store.db, apiToken.id)).toEqual(apiToken)
    expect(await getApiToken(t.store.db, 'tok_missing')).toBeUndefined()
    expect(found?.user.id).toBe(user.id)
    await touchApiToken(t.store.db, apiToken.id, { now: at(MINUTE) })
    expect((await findApiToken(t.store.db, token))?.apiToken.last_used_at).toBe('2026-11-28T09:01:00.000Z')
  })

  it('refuses revoked and expired tokens, tokens of disabled users, and tokens for unknown users', async () => {
    const user = await createUser(t.store.db, { email: 'b@x.io', display_name: 'B' })
    const expiring = await createApiToken(t.store.db, { userId: user.id, name: 'short', expiresAt: at(HOUR), now: T0 })
    expect(expiring.apiToken.expires_at).toBe('2026-11-28T10:00:00.000Z')
    expect(await findApiToken(t.store.db, expiring.token, { now: at(HOUR - 1) })).toBeDefined()
    expect(await findApiToken(t.store.db, expiring.token, { now: at(HOUR) })).toBeUndefined()

    const other = await createUser(t.store.db, { email: 'c@x.io', display_name: 'C' })
    const revoked = await createApiToken(t.store.db, { userId: user.id, name: 'gone' })
    expect(await revokeApiToken(t.store.db, revoked.apiToken.id, { userId: other.id })).toBe(false)
    expect(await revokeApiToken(t.store.db, revoked.apiToken.id, { userId: user.id })).toBe(true)
    expect(await revokeApiToken(t.store.db, revoked.apiToken.id)).toBe(false)
    expect(await findApiToken(t.store.db, revoked.token)).toBeUndefined()

    const live = await createApiToken(t.store.db, { userId: user.id, name: 'live' })
    await updateUser(t.store.db, user.id, { disabled: true })
    expect(await findApiToken(t.store.db, live.token)).toBeUndefined()

    const e = await refusal(createApiToken(t.store.db, { userId: 'usr_missing', name: 'x' }))
    expect(e.code).toBe('NOT_FOUND')
    expect(e.message).toBe('no user usr_missing')
  })

  it('lists a user’s tokens newest first, a page at a time', async () => {
    const user = await createUser(t.store.db, { email: 'd@x.io', display_name: 'D' })
    for (let i = 0; i < 3; i++) await createApiToken(t.store.db, { userId: user.id, name: `t${i}`, now: at(i * MINUTE) })
    const p1 = await listApiTokens(t.store.db, user.id, { limit: 2 })
    expect(p1.items.map((x) => x.name)).toEqual(['t2', 't1'])
    const p2 = await listApiTokens(t.store.db, user.id, { limit: 2, cursor: p1.next_cursor })
    expect(p2).toEqual({ items: [expect.objectContaining({ name: 't0' })], next_cursor: null })
  })

  it('uses a setup token exactly once, even when consumers race, and never after it expires', async () => {
    const { token, setupToken } = await createSetupToken(t.store.db, { ttlMs: HOUR, now: T0 })
    expect(token).toMatch(/^wdsetup_/)
    expect(setupToken).toEqual({
      id: expect.stringMatching(/^stp_/),
      created_at: '2026-11-28T09:00:00.000Z',
      expires_at: '2026-11-28T10:00:00.000Z',
      used_at: null,
    })
    const results = await Promise.all(Array.from({ length: 5 }, () => consumeSetupToken(t.store.db, token, { now: at(MINUTE) })))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await consumeSetupToken(t.store.db, token, { now: at(MINUTE) })).toBe(false)

    const late = await createSetupToken(t.store.db, { ttlMs: HOUR, now: T0 })
    expect(await consumeSetupToken(t.store.db, late.token, { now: at(HOUR) })).toBe(false)

    const rolledBack = await createSetupToken(t.store.db, { ttlMs: HOUR, now: T0 })
    await expect(
      t.store.transaction(async (trx) => {
        expect(await consumeSetupToken(trx, rolledBack.token, { now: at(MINUTE) })).toBe(true)
        throw new Error('creating the admin failed')
      }),
    ).rejects.toThrow('creating the admin failed')
    expect(await consumeSetupToken(t.store.db, rolledBack.token, { now: at(MINUTE) })).toBe(true)

    const [x, y] = [await createSetupToken(t.store.db, { ttlMs: HOUR, now: T0 }), await createSetupToken(t.store.db, { ttlMs: HOUR, now: T0 })]
    // x, y and `late` (unused, valid until 10:00); not the used ones.
    expect(await expireSetupTokens(t.store.db, { now: at(MINUTE) })).toBe(3)
    expect(await consumeSetupToken(t.store.db, x.token, { now: at(MINUTE) })).toBe(false)
    expect(await consumeSetupToken(t.store.db, y.token, { now: at(MINUTE) })).toBe(false)
  })
})

describeDialects('identities repo', (t) => {
  it('creates, links and lists identities; refuses duplicate emails and unknown users', async () => {
    const user = await createUser(t.store.db, { email: 'alice@x.io', display_name: 'Alice' })
    const alice = await createIdentity(t.store.db, { email: 'Alice@X.io', display_name: 'Alice A.' }, { now: T0 })
    expect(alice).toEqual({
      id: expect.stringMatching(/^idn_/),
      email: 'alice@x.io',
      display_name: 'Alice A.',
      warden_user_id: null,
      created_at: '2026-11-28T09:00:00.000Z',
      updated_at: '2026-11-28T09:00:00.000Z',
    })
    await createIdentity(t.store.db, { email: 'bob@x.io', display_name: 'Bob' })
    const dup = await refusal(createIdentity(t.store.db, { email: 'BOB@x.io', display_name: 'Bob 2' }))
    expect(dup.code).toBe('CONFLICT')
    expect(dup.message).toBe('an identity with email bob@x.io already exists')

    const linked = await updateIdentity(t.store.db, alice.id, { warden_user_id: user.id }, { now: at(MINUTE) })
    expect(linked).toEqual({ ...alice, warden_user_id: user.id, updated_at: '2026-11-28T09:01:00.000Z' })
    expect((await refusal(updateIdentity(t.store.db, alice.id, { warden_user_id: 'usr_missing' }))).code).toBe('NOT_FOUND')
    expect((await refusal(updateIdentity(t.store.db, 'idn_missing', { display_name: 'x' }))).code).toBe('NOT_FOUND')

    expect((await listIdentities(t.store.db, { linked: true })).items.map((i) => i.email)).toEqual(['alice@x.io'])
    expect((await listIdentities(t.store.db, { linked: false })).items.map((i) => i.email)).toEqual(['bob@x.io'])
    const p1 = await listIdentities(t.store.db, {}, { limit: 1 })
    expect(p1.items.map((i) => i.email)).toEqual(['alice@x.io'])
    expect((await listIdentities(t.store.db, {}, { limit: 1, cursor: p1.next_cursor })).items.map((i) => i.email)).toEqual(['bob@x.io'])

    // Deleting a Warden user unlinks its identity rather than deleting the person.
    await sql`delete from users where id = ${user.id}`.execute(t.store.db)
    expect((await findIdentityByEmail(t.store.db, 'alice@x.io'))?.warden_user_id).toBeNull()
  })
})
