import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { demoTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import { ephemeralIntegrationEnv } from '../governance/index.js'
import type { IntegrationEnv } from '../governance/index.js'
import { buildServer } from './index.js'
import { expectError, person } from './test-support.js'
import type { App } from './test-support.js'

let emu: RunningEmulator
/** A local port nothing listens on: "cannot reach OneLogin". */
let closedPort: number

beforeAll(async () => {
  emu = await startEmulator({ tenant: demoTenant() })
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  closedPort = (probe.address() as AddressInfo).port
  await new Promise<void>((resolve) => probe.close(() => resolve()))
})
afterAll(async () => {
  await emu.close()
})

function credential(scope: string): { client_id: string; client_secret: string } {
  const c = emu.credentials.find((x) => x.scope === scope)
  if (c === undefined) throw new Error(`no ${scope} credential`)
  return c
}

const SCOPE_MESSAGE =
  'oauth_client_cred_grant_client_id: the credential works but lacks the Manage All scope that Warden needs; ' +
  'create an API credential with Manage All under Developers > API Credentials'
const REFUSED_MESSAGE =
  'oauth_client_cred_grant_client_id, oauth_client_cred_grant_client_secret: OneLogin refused the client ID and secret (HTTP 401); ' +
  'check both against the API credential under Developers > API Credentials'

describeDialects('integration setup flow (REST)', (t) => {
  const apps: App[] = []
  let log = ''
  const start = async (env: IntegrationEnv): Promise<App> => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        log += chunk.toString('utf8')
        done()
      },
    })
    const app = await buildServer({ store: t.store, integrations: env, logger: { level: 'trace', stream } })
    apps.push(app)
    return app
  }
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()))
    log = ''
  })

  /** Every response body of the test, to search for the secret at the end. */
  const bodies: string[] = []
  const keep = (res: LightMyRequestResponse): LightMyRequestResponse => {
    bodies.push(res.body)
    return res
  }

  it('walks the setup flow: add, owner email, refusals, each validation failure, a good save, and the secret nowhere', async () => {
    const env = ephemeralIntegrationEnv({ allowOneLoginUrl: true, publicUrl: 'https://warden.example.com' })
    const app = await start(env)
    const sa = await person(t.store, ['super-admin'])
    const owner = await person(t.store, ['integration-admin'])
    const stranger = await person(t.store, ['integration-admin'])
    const appAdmin = await person(t.store, ['app-admin'])
    const call = async (who: { authorization: string }, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      keep(await app.inject({ method, url, headers: who, ...(payload === undefined ? {} : { payload }) }))

    // 1. Only a Super Administrator adds a connector.
    expect(expectError(await call(owner.bearer, 'POST', '/api/v1/integrations', { app_name: 'OneLogin' }), 403, 'FORBIDDEN')).toBe(
      'only a Super Administrator may add an integration',
    )
    // 2. Owners must be Integration or Super Administrators.
    expect(expectError(await call(sa.bearer, 'POST', '/api/v1/integrations', { app_name: 'OneLogin', user_ids: [sa.user.id, appAdmin.user.id] }), 400, 'BAD_INPUT')).toBe(
      `user_ids: ${appAdmin.user.email} (${appAdmin.user.id}) cannot own an integration: owners must be Integration Administrators or Super Administrators`,
    )
    expect(await t.store.db.selectFrom('integrations').selectAll().execute()).toEqual([])
    const created = await call(sa.bearer, 'POST', '/api/v1/integrations', { app_name: 'OneLogin', user_ids: [sa.user.id, owner.user.id] })
    expect(created.statusCode).toBe(201)
    const id = created.json().id as string
    // 3. Not connected until the settings are saved.
    expect(created.json()).toMatchObject({ status: 'not_connected', mode: 'hosted', client_secret_set: false, user_ids: [sa.user.id, owner.user.id].sort() })
    // The other owner is emailed a link to finish (delivery itself is the mailer's test).
    const mails = await t.store.db.selectFrom('jobs').select(['payload', 'status']).where('kind', '=', 'notify.email').execute()
    expect(mails.map((m) => ({ status: m.status, ...(JSON.parse(m.payload) as object) }))).toEqual([
      {
        status: 'queued',
        to: owner.user.email,
        subject: 'Help finish setting up the OneLogin integration for OneLogin',
        text: expect.stringContaining(`your help is needed to finish setting it up: https://warden.example.com/integrations/${id}`),
      },
    ])

    // 4. Settings: not for an Integration Administrator who does not own it.
    const ma = credential('manage_all')
    const good = { onelogin_domain: emu.url, oauth_client_cred_grant_client_id: ma.client_id, oauth_client_cred_grant_client_secret: ma.client_secret }
    expectError(await call(stranger.bearer, 'PATCH', `/api/v1/integrations/${id}/settings`, good), 403, 'FORBIDDEN')
    expectError(await call(appAdmin.bearer, 'PATCH', `/api/v1/integrations/${id}/settings`, good), 403, 'FORBIDDEN')

    const stillNotConnected = async (): Promise<void> => {
      const res = await call(owner.bearer, 'GET', `/api/v1/integrations/${id}`)
      expect(res.json()).toMatchObject({ status: 'not_connected', client_secret_set: false, onelogin_domain: null, oauth_client_cred_grant_client_id: null })
      expect(await t.store.db.selectFrom('jobs').select('id').where('kind', '=', 'integration.sync').execute()).toEqual([])
    }
    const save = (body: object) => call(owner.bearer, 'PATCH', `/api/v1/integrations/${id}/settings`, body)

    const unreachable = `http://127.0.0.1:${closedPort}`
    expect(expectError(await save({ ...good, onelogin_domain: unreachable }), 400, 'BAD_INPUT')).toBe(
      `onelogin_domain: cannot reach OneLogin at ${unreachable} (ECONNREFUSED); check the OneLogin domain`,
    )
    await stillNotConnected()
    expect(expectError(await save({ ...good, onelogin_domain: 'acme.example.com' }), 400, 'ONELOGIN_DOMAIN_REFUSED')).toMatch(
      /^onelogin_domain: "acme\.example\.com" is not a OneLogin domain/,
    )
    expect(expectError(await save({ ...good, oauth_client_cred_grant_client_id: 'no-such-client' }), 400, 'BAD_INPUT')).toBe(REFUSED_MESSAGE)
    expect(expectError(await save({ ...good, oauth_client_cred_grant_client_secret: 'not-the-secret' }), 400, 'BAD_INPUT')).toBe(REFUSED_MESSAGE)
    await stillNotConnected()
    for (const scope of ['authentication_only', 'read_users', 'manage_users', 'read_all']) {
      const lesser = credential(scope)
      const res = await save({ ...good, oauth_client_cred_grant_client_id: lesser.client_id, oauth_client_cred_grant_client_secret: lesser.client_secret })
      expect({ scope, message: expectError(res, 400, 'BAD_INPUT') }).toEqual({ scope, message: SCOPE_MESSAGE })
    }
    expect(expectError(await save({ onelogin_domain: emu.url, oauth_client_cred_grant_client_id: ma.client_id }), 400, 'BAD_INPUT')).toMatch(
      /^oauth_client_cred_grant_client_secret: required to connect/,
    )
    // An unknown field (e.g. the API's own `client_secret`) is refused, not ignored.
    expectError(await save({ client_secret: ma.client_secret }), 400, 'BAD_INPUT')
    await stillNotConnected()
    // Outside development only OneLogin hosts may receive a secret, https or not.
    const strict = await start(ephemeralIntegrationEnv({ allowOneLoginUrl: false }))
    const refused = keep(await strict.inject({ method: 'PATCH', url: `/api/v1/integrations/${id}/settings`, headers: owner.bearer, payload: { ...good, onelogin_domain: 'https://evil.example.com' } }))
    expect(expectError(refused, 400, 'ONELOGIN_DOMAIN_REFUSED')).toMatch(/^onelogin_domain: "https:\/\/evil\.example\.com" is not a OneLogin domain/)
    await stillNotConnected()

    // 5. A good save: syncing, a full sync queued.
    const saved = await save(good)
    expect(saved.statusCode).toBe(200)
    expect(saved.json()).toMatchObject({ status: 'syncing', onelogin_domain: emu.url, oauth_client_cred_grant_client_id: ma.client_id, client_secret_set: true })
    const syncs = await t.store.db.selectFrom('jobs').select(['payload', 'status']).where('kind', '=', 'integration.sync').execute()
    expect(syncs.map((j) => ({ status: j.status, payload: JSON.parse(j.payload) as unknown }))).toEqual([
      { status: 'queued', payload: { integration_id: id, triggered_by: 'settings', mode: 'full' } },
    ])
    expect((await call(owner.bearer, 'GET', `/api/v1/integrations/${id}`)).json()).toMatchObject({ status: 'syncing' })
    const listed = await call(appAdmin.bearer, 'GET', '/api/v1/integrations?status=syncing')
    expect(listed.json()).toMatchObject({ items: [{ id, client_secret_set: true }], next_cursor: null })

    // The secret: stored sealed, and nowhere else.
    const row = await t.store.db.selectFrom('integrations').select('client_secret').where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.client_secret).not.toBeNull()
    expect(row.client_secret).not.toContain(ma.client_secret)
    expect(env.secrets.decrypt(row.client_secret as string, id)).toBe(ma.client_secret)
    bodies.push((await call(sa.bearer, 'GET', '/api/v1/audit?limit=500')).body)
    bodies.push((await call(sa.bearer, 'GET', '/api/v1/audit/export?format=jsonl')).body)
    bodies.push((await call(sa.bearer, 'GET', '/api/v1/jobs?limit=500')).body)
    const audit = JSON.stringify(await t.store.db.selectFrom('audit_log').selectAll().execute())
    const jobs = JSON.stringify(await t.store.db.selectFrom('jobs').selectAll().execute())
    expect(audit).toContain('"client_secret\\":\\"set\\"')
    expect(log).toContain('incoming request')
    for (const [where, text] of [
      ['responses', bodies.join('\n')],
      ['audit log', audit],
      ['jobs', jobs],
      ['server log', log],
    ] as const) {
      expect({ where, plaintext: text.includes(ma.client_secret), sealed: text.includes(row.client_secret as string) }).toEqual({ where, plaintext: false, sealed: false })
    }
    // Nor could it be: the response schema has no such field.
    const doc = (await call(sa.bearer, 'GET', '/api/v1/openapi.json')).json() as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } }
    expect(Object.keys(doc.components.schemas['Integration']?.properties ?? {})).toContain('client_secret_set')
    expect(Object.keys(doc.components.schemas['Integration']?.properties ?? {}).filter((k) => k.includes('secret') && k !== 'client_secret_set')).toEqual([])
  })

  it('owners are replaced by an owning admin (new ones emailed); deletion is for Super Administrators', async () => {
    const env = ephemeralIntegrationEnv({ allowOneLoginUrl: true })
    const app = await start(env)
    const sa = await person(t.store, ['super-admin'])
    const owner = await person(t.store, ['integration-admin'])
    const other = await person(t.store, ['integration-admin'])
    const existing = keep(await app.inject({ method: 'POST', url: '/api/v1/integrations', headers: sa.bearer, payload: { app_name: 'Payroll', user_ids: [owner.user.id], mode: 'self-hosted' } }))
    expect(existing.statusCode).toBe(201)
    const { id, app_id: appId } = existing.json() as { id: string; app_id: string }
    // A second integration on the same app, by id; a malformed or unknown app id is refused.
    expectError(await app.inject({ method: 'POST', url: '/api/v1/integrations', headers: sa.bearer, payload: { app_id: 'nope' } }), 400, 'BAD_INPUT')
    expectError(await app.inject({ method: 'POST', url: '/api/v1/integrations', headers: sa.bearer, payload: { app_id: `app_${'0'.repeat(26)}` } }), 404, 'NOT_FOUND')
    const second = await app.inject({ method: 'POST', url: '/api/v1/integrations', headers: sa.bearer, payload: { app_id: appId } })
    expect(second.json()).toMatchObject({ app_id: appId, user_ids: [sa.user.id] })

    expectError(await app.inject({ method: 'PUT', url: `/api/v1/integrations/${id}/owners`, headers: other.bearer, payload: { user_ids: [other.user.id] } }), 403, 'FORBIDDEN')
    const put = await app.inject({ method: 'PUT', url: `/api/v1/integrations/${id}/owners`, headers: owner.bearer, payload: { user_ids: [owner.user.id, other.user.id] } })
    expect(put.statusCode).toBe(200)
    expect(put.json().user_ids).toEqual([owner.user.id, other.user.id].sort())
    // With the names people read: the app's and the owners'.
    expect(put.json().app_name).toBe('Payroll')
    expect(put.json().owners).toEqual(
      [owner, other].map((p) => ({ id: p.user.id, email: p.user.email, display_name: p.user.display_name })).sort((a, b) => a.id.localeCompare(b.id)),
    )
    // The people an owner may add: enabled Super and Integration Administrators only.
    const disabled = await person(t.store, ['integration-admin'])
    await t.store.db.updateTable('users').set({ disabled: 1 }).where('id', '=', disabled.user.id).execute()
    const appAdmin = await person(t.store, ['app-admin'])
    const candidates = await app.inject({ method: 'GET', url: '/api/v1/integrations/owner-candidates?limit=500', headers: owner.bearer })
    const candidateIds = (candidates.json() as { items: { id: string }[] }).items.map((c) => c.id)
    expect(candidateIds).toEqual(expect.arrayContaining([sa.user.id, owner.user.id, other.user.id]))
    expect(candidateIds).not.toContain(disabled.user.id)
    expect(candidateIds).not.toContain(appAdmin.user.id)
    const to = (await t.store.db.selectFrom('jobs').select('payload').where('kind', '=', 'notify.email').execute()).map((j) => (JSON.parse(j.payload) as { to: string }).to)
    expect(to).toEqual([owner.user.email, other.user.email])

    expectError(await app.inject({ method: 'DELETE', url: `/api/v1/integrations/${id}`, headers: owner.bearer }), 403, 'FORBIDDEN')
    expectError(await app.inject({ method: 'GET', url: '/api/v1/integrations/int_bad', headers: owner.bearer }), 400, 'BAD_INPUT')
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/integrations/${id}`, headers: sa.bearer })
    expect(del.statusCode).toBe(204)
    expectError(await app.inject({ method: 'GET', url: `/api/v1/integrations/${id}`, headers: sa.bearer }), 404, 'NOT_FOUND')
    const all = await app.inject({ method: 'GET', url: '/api/v1/integrations', headers: owner.bearer })
    expect((all.json() as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([second.json().id])
  })
})
