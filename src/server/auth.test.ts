import { Writable } from 'node:stream'
import { afterEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { prepareSetup } from '../governance/index.js'
import { createSession, createUser, sha256Hex } from '../store/index.js'
import { buildServer } from './index.js'
import type { BuildServerOptions } from './index.js'
import { PASSWORD, auditCount, expectError, person, sessionCookie, sessionFrom, uniqueEmail } from './test-support.js'
import type { App } from './test-support.js'

describeDialects('sign-in and sessions', (t) => {
  const apps: App[] = []
  const start = async (options: Partial<BuildServerOptions> = {}): Promise<App> => {
    const app = await buildServer({ store: t.store, ...options })
    apps.push(app)
    return app
  }
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()))
  })

  it('setup: the one-time link creates the first Super Administrator and signs them in; a second use is refused', async () => {
    const app = await start()
    const link = await prepareSetup(t.store)
    expect(link?.token).toMatch(/^wdsetup_/)

    // The link opens the web console's setup page; the console asks whether setup is still needed.
    const page = await app.inject({ method: 'GET', url: '/setup', headers: { accept: 'text/html' } })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.body).toContain('<div id="root">')
    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({ needed: true })

    const body = { token: link!.token, email: 'Root@Example.com', display_name: 'Root Admin', password: PASSWORD }
    expectError(await app.inject({ method: 'POST', url: '/api/v1/setup', payload: { ...body, token: 'wdsetup_wrong' } }), 401, 'UNAUTHENTICATED')
    // A refused creation leaves the token usable.
    expectError(await app.inject({ method: 'POST', url: '/api/v1/setup', payload: { ...body, password: 'short' } }), 400, 'BAD_INPUT')

    const res = await app.inject({ method: 'POST', url: '/api/v1/setup', payload: body })
    expect(res.statusCode).toBe(201)
    expect(res.json().user).toMatchObject({ email: 'root@example.com', display_name: 'Root Admin', roles: ['super-admin'], disabled: false })
    expect(res.body).not.toContain(PASSWORD)
    expect(res.body).not.toContain('scrypt')
    const cookie = res.cookies.find((c) => c.name === 'warden_session')!
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    expect(cookie.secure).toBeUndefined()
    // Stored hashed: the cookie token is not a session id.
    expect(await t.store.db.selectFrom('sessions').select('id').where('id', '=', cookie.value).executeTakeFirst()).toBeUndefined()
    expect(await t.store.db.selectFrom('sessions').select('id').where('id', '=', sha256Hex(cookie.value)).executeTakeFirst()).toBeDefined()

    const me = await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { warden_session: cookie.value } })
    expect((await app.inject({ method: 'GET', url: '/api/v1/setup' })).json()).toEqual({ needed: false })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toMatchObject({ user: { email: 'root@example.com' }, roles: [{ id: 'super-admin', label: 'Super Administrator' }], via: 'session' })

    const again = expectError(await app.inject({ method: 'POST', url: '/api/v1/setup', payload: { ...body, email: 'second@example.com' } }), 401, 'UNAUTHENTICATED')
    expect(again).toMatch(/already used/)
    expect(await t.store.db.selectFrom('users').select('email').execute()).toEqual([{ email: 'root@example.com' }])
    // Set up: a restart makes no new link.
    expect(await prepareSetup(t.store)).toBeUndefined()
    const actions = await t.store.db.selectFrom('audit_log').select('action').orderBy('seq').execute()
    expect(actions.map((a) => a.action)).toEqual(['setup.link.create', 'setup.complete'])
  })

  it('sign-in sets the session cookie; sign-out ends it; a wrong email and a wrong password get the same 401', async () => {
    const app = await start()
    const user = await createUser(t.store.db, { email: 'pat@example.com', display_name: 'Pat', password: PASSWORD, roles: ['app-admin'] })
    const [wrongPassword, unknownEmail] = await Promise.all([
      app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'pat@example.com', password: 'not the password' } }),
      app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.com', password: PASSWORD } }),
    ])
    expect(expectError(wrongPassword, 401, 'UNAUTHENTICATED')).toBe(expectError(unknownEmail, 401, 'UNAUTHENTICATED'))
    expect(wrongPassword.cookies).toEqual([])

    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'PAT@example.com', password: PASSWORD } })
    expect(login.statusCode).toBe(200)
    expect(login.json().user.id).toBe(user.id)
    const token = sessionFrom(login)!
    expect(login.cookies[0]).toMatchObject({ name: 'warden_session', httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 7 * 24 * 3600 })

    const me = await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { warden_session: token } })
    expect(me.json()).toMatchObject({ user: { id: user.id }, via: 'session', permissions: expect.arrayContaining(['apps:write', 'self:write']) })

    const logout = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies: { warden_session: token } })
    expect(logout.statusCode).toBe(204)
    expect(sessionFrom(logout)).toBeUndefined()
    expect(logout.cookies[0]).toMatchObject({ name: 'warden_session', value: '' })

    const after = await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { warden_session: token } })
    expect(expectError(after, 401, 'UNAUTHENTICATED')).toMatch(/session has ended/)
    expect(after.headers['www-authenticate']).toBe('Bearer realm="warden"')
    const actions = await t.store.db.selectFrom('audit_log').select(['action', 'actor', 'target_id']).orderBy('seq').execute()
    expect(actions).toEqual([
      { action: 'auth.login', actor: user.id, target_id: user.id },
      { action: 'auth.logout', actor: user.id, target_id: user.id },
    ])
  })

  it('marks the cookie Secure behind an https proxy, and never logs a password, token or cookie', async () => {
    const lines: string[] = []
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const app = await start({ trustProxy: true, logger: { level: 'info', stream } })
    await createUser(t.store.db, { email: 'sec@example.com', display_name: 'Sec', password: PASSWORD })
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { email: 'sec@example.com', password: PASSWORD },
    })
    expect(login.statusCode).toBe(200)
    expect(login.cookies[0]).toMatchObject({ name: 'warden_session', secure: true, httpOnly: true })
    const session = sessionFrom(login)!
    const p = await person(t.store, ['super-admin'])
    await app.inject({ method: 'GET', url: '/api/v1/me', headers: p.bearer })
    await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { warden_session: session } })
    const log = lines.join('')
    expect(log).toContain('/api/v1/me') // it did log the requests
    for (const secret of [PASSWORD, session, p.bearer.authorization.slice('Bearer '.length)]) expect(log).not.toContain(secret)
  })

  it('API tokens: shown once, work as a Bearer token, stop working when revoked or when the user is disabled', async () => {
    const app = await start()
    const admin = await person(t.store, ['super-admin'])
    const alice = await person(t.store, ['campaign-admin'])
    const cookies = { cookie: (await sessionCookie(t.store, alice.user.id)).cookie }

    const created = await app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: cookies, payload: { name: 'laptop CLI', expires_in_days: 30 } })
    expect(created.statusCode).toBe(201)
    const { token, api_token: record } = created.json() as { token: string; api_token: { id: string; prefix: string; expires_at: string } }
    expect(token).toMatch(/^wdt_[A-Za-z0-9_-]{43}$/)
    expect(token.startsWith(record.prefix)).toBe(true)
    expect(Date.parse(record.expires_at) - Date.now()).toBeGreaterThan(29.9 * 24 * 3600 * 1000)
    const listed = await app.inject({ method: 'GET', url: '/api/v1/me/tokens', headers: cookies })
    expect(listed.json().items.map((i: { id: string }) => i.id)).toContain(record.id)
    expect(listed.body).not.toContain(token)
    const row = await t.store.db.selectFrom('api_tokens').selectAll().where('id', '=', record.id).executeTakeFirstOrThrow()
    expect(row.token_hash).toBe(sha256Hex(token))

    const bearer = { authorization: `Bearer ${token}` }
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })
    expect(me.json()).toMatchObject({ user: { id: alice.user.id }, via: 'token' })

    for (const authorization of ['Basic YTpi', 'Bearer', `Bearer ${token}x`, `Token ${token}`]) {
      expectError(await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } }), 401, 'UNAUTHENTICATED')
    }
    // Someone else's token is not yours to revoke.
    expectError(await app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${record.id}`, headers: admin.bearer }), 404, 'NOT_FOUND')
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer })).statusCode).toBe(200)

    expect((await app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${record.id}`, headers: bearer })).statusCode).toBe(204)
    expectError(await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer }), 401, 'UNAUTHENTICATED')
    const count = await auditCount(t.store)
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${record.id}`, headers: cookies })).statusCode).toBe(204)
    expect(await auditCount(t.store)).toBe(count) // already revoked: nothing to record

    // Disabling Alice ends her session and stops her other tokens.
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: alice.bearer })).statusCode).toBe(200)
    const disabled = await app.inject({ method: 'PATCH', url: `/api/v1/users/${alice.user.id}`, headers: admin.bearer, payload: { disabled: true } })
    expect(disabled.json()).toMatchObject({ id: alice.user.id, disabled: true })
    expectError(await app.inject({ method: 'GET', url: '/api/v1/me', headers: alice.bearer }), 401, 'UNAUTHENTICATED')
    expectError(await app.inject({ method: 'GET', url: '/api/v1/me', headers: cookies }), 401, 'UNAUTHENTICATED')
    const actions = await t.store.db.selectFrom('audit_log').select('action').orderBy('seq').execute()
    expect(actions.map((a) => a.action)).toEqual(['api_token.create', 'api_token.revoke', 'user.update'])
  })

  it('refuses a state-changing request sent from another site', async () => {
    const app = await start()
    const p = await person(t.store, [])
    const { cookie } = await sessionCookie(t.store, p.user.id)
    const evil = await app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: { cookie, origin: 'https://evil.example' }, payload: { name: 'x' } })
    expect(expectError(evil, 403, 'FORBIDDEN')).toMatch(/cross-site/)
    expect(await auditCount(t.store)).toBe(0)
    const same = await app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: { cookie, origin: 'http://localhost:80', host: 'localhost:80' }, payload: { name: 'x' } })
    expect(same.statusCode).toBe(201)
  })

  it('password change: checks the current password, signs out everywhere, and renews the browser session', async () => {
    const app = await start()
    const user = await createUser(t.store.db, { email: 'chg@example.com', display_name: 'Chg', password: PASSWORD })
    const { token: current } = await createSession(t.store.db, user.id, { ttlMs: 3_600_000 })
    const { token: elsewhere } = await createSession(t.store.db, user.id, { ttlMs: 3_600_000 })
    const newPassword = 'a brand new passphrase'

    const wrong = await app.inject({
      method: 'PUT',
      url: '/api/v1/me/password',
      cookies: { warden_session: current },
      payload: { current_password: 'not it at all', new_password: newPassword },
    })
    expect(expectError(wrong, 400, 'BAD_INPUT')).toMatch(/current password is incorrect/)

    const ok = await app.inject({
      method: 'PUT',
      url: '/api/v1/me/password',
      cookies: { warden_session: current },
      payload: { current_password: PASSWORD, new_password: newPassword },
    })
    expect(ok.statusCode).toBe(204)
    const renewed = sessionFrom(ok)!
    expect(renewed).toBeDefined()
    for (const old of [current, elsewhere]) {
      expectError(await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { warden_session: old } }), 401, 'UNAUTHENTICATED')
    }
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { warden_session: renewed } })).statusCode).toBe(200)
    const entry = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'user.password.change').executeTakeFirstOrThrow()
    expect(entry.after).toBe('{"sessions_ended":2}')
    expect(`${entry.before} ${entry.after}`).not.toMatch(/scrypt|passphrase/)
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'chg@example.com', password: newPassword } })
    expect(login.statusCode).toBe(200)
  })

  it('rate-limits sign-in: the 11th attempt for one email from one address in 15 minutes gets 429 with Retry-After', async () => {
    const app = await start()
    const attempt = (email: string, remoteAddress = '10.0.0.1') =>
      app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress, payload: { email, password: 'guess guess guess' } })
    const first = await Promise.all(Array.from({ length: 10 }, () => attempt('target@example.com')))
    expect(first.map((r) => r.statusCode)).toEqual(Array(10).fill(401))
    const limited = await attempt('target@example.com')
    expect(expectError(limited, 429, 'RATE_LIMITED')).toMatch(/too many sign-in attempts/)
    const retryAfter = Number(limited.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(14 * 60)
    expect(retryAfter).toBeLessThanOrEqual(15 * 60)
    // Other emails from that address, and that email from elsewhere, still get an answer.
    expect((await attempt('other@example.com')).statusCode).toBe(401)
    expect((await attempt('target@example.com', '10.0.0.2')).statusCode).toBe(401)
  })

  it('keeps the last enabled Super Administrator: disabling or demoting them is a 409 that changes nothing', async () => {
    const app = await start()
    const root = await person(t.store, ['super-admin'])
    const before = await auditCount(t.store)
    for (const payload of [{ disabled: true }, { roles: ['read-only-admin'] }]) {
      const res = await app.inject({ method: 'PATCH', url: `/api/v1/users/${root.user.id}`, headers: root.bearer, payload })
      expect(expectError(res, 409, 'CONFLICT')).toMatch(/last enabled Super Administrator/)
    }
    expect(await auditCount(t.store)).toBe(before)
    const second = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: root.bearer,
      payload: { email: uniqueEmail('second'), display_name: 'Second', password: PASSWORD, roles: ['super-admin'] },
    })
    expect(second.statusCode).toBe(201)
    const demoted = await app.inject({ method: 'PATCH', url: `/api/v1/users/${root.user.id}`, headers: root.bearer, payload: { roles: ['read-only-admin'] } })
    expect(demoted.json()).toMatchObject({ roles: ['read-only-admin'] })
  })
})
