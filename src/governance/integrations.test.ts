import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { startEmulator, demoTenant } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import { WardenError } from '../errors/index.js'
import { createApp, createUser, getIntegration, updateIntegration } from '../store/index.js'
import type { Store, User } from '../store/index.js'
import { ephemeralIntegrationEnv } from './integration-env.js'
import {
  canManageIntegration,
  checkOneLoginCredentials,
  createOneLoginIntegration,
  deleteIntegration,
  getIntegrationView,
  listIntegrationViews,
  setIntegrationOwnersAsAdmin,
  updateIntegrationSettings,
} from './integrations.js'
import type { Actor } from './policy.js'

let emu: RunningEmulator
beforeAll(async () => {
  emu = await startEmulator({ tenant: demoTenant() })
})
afterAll(async () => {
  await emu.close()
})

const T0 = new Date('2026-11-28T09:00:00.000Z')
const SCOPE_MESSAGE =
  'oauth_client_cred_grant_client_id: the credential works but lacks the Manage All scope that Warden needs; ' +
  'create an API credential with Manage All under Developers > API Credentials'

function credential(scope: string): { client_id: string; client_secret: string } {
  const c = emu.credentials.find((x) => x.scope === scope)
  if (c === undefined) throw new Error(`no ${scope} credential`)
  return c
}

async function refusal(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected a refusal')
}

const actorOf = (u: User): Actor => ({ id: u.id, roles: u.roles, via: 'session' })

async function emails(store: Store): Promise<{ to: string; subject: string; text: string }[]> {
  const rows = await store.db.selectFrom('jobs').select(['payload', 'created_at', 'id']).where('kind', '=', 'notify.email').orderBy('created_at').orderBy('id').execute()
  return rows.map((r) => JSON.parse(r.payload) as { to: string; subject: string; text: string })
}

async function syncJobs(store: Store): Promise<unknown[]> {
  const rows = await store.db.selectFrom('jobs').select('payload').where('kind', '=', 'integration.sync').execute()
  return rows.map((r) => JSON.parse(r.payload) as unknown)
}

async function counts(store: Store): Promise<{ apps: number; integrations: number; jobs: number; audit: number }> {
  const n = async (table: 'apps' | 'integrations' | 'jobs' | 'audit_log'): Promise<number> =>
    Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
  return { apps: await n('apps'), integrations: await n('integrations'), jobs: await n('jobs'), audit: await n('audit_log') }
}

describeDialects('integration setup flow (governance)', (t) => {
  const env = ephemeralIntegrationEnv({ allowOneLoginUrl: true, publicUrl: 'https://warden.example.com' })
  let serial = 0
  const user = (roles: string[], extra: { disabled?: boolean; name?: string } = {}): Promise<User> =>
    createUser(t.store.db, { email: `u${++serial}@example.com`, display_name: extra.name ?? `User ${serial}`, roles, ...(extra.disabled === true ? { disabled: true } : {}) })

  it('only a Super Administrator adds an integration; an Integration Administrator is refused and nothing is created', async () => {
    const ia = await user(['integration-admin'])
    const ro = await user(['read-only-admin'])
    const before = await counts(t.store)
    const e = await refusal(createOneLoginIntegration(t.store, env, actorOf(ia), { app_name: 'OneLogin' }))
    expect(e.code).toBe('FORBIDDEN')
    expect(e.message).toBe('only a Super Administrator may add an integration')
    expect((await refusal(createOneLoginIntegration(t.store, env, actorOf(ro), { app_name: 'OneLogin' }))).code).toBe('FORBIDDEN')
    expect(await counts(t.store)).toEqual(before)
  })

  it('creates one with a new app, not connected, owned by the creator and another admin, who is emailed a link', async () => {
    const sa = await user(['super-admin'], { name: 'Sam Super' })
    const ia = await user(['integration-admin'])
    const view = await createOneLoginIntegration(t.store, env, actorOf(sa), { app_name: ' OneLogin ', user_ids: [ia.id, sa.id, ia.id] }, { now: T0 })
    expect(view).toEqual({
      id: expect.stringMatching(/^int_/),
      app_id: expect.stringMatching(/^app_/),
      mode: 'hosted',
      status: 'not_connected',
      onelogin_domain: null,
      oauth_client_cred_grant_client_id: null,
      client_secret_set: false,
      user_ids: [ia.id, sa.id].sort(),
      sync_privileges: false,
      sync_interval_minutes: 60,
      full_sync_interval_hours: 24,
      paused: false,
      next_sync_at: null,
      last_sync_at: null,
      last_full_sync_at: null,
      last_error: null,
      created_at: T0.toISOString(),
      updated_at: T0.toISOString(),
    })
    const app = await t.store.db.selectFrom('apps').selectAll().where('id', '=', view.app_id).executeTakeFirstOrThrow()
    expect(app).toMatchObject({ name: 'OneLogin', state: 'managed' })
    expect(await emails(t.store)).toEqual([
      {
        to: ia.email,
        subject: 'Help finish setting up the OneLogin integration for OneLogin',
        text: `Sam Super added you as an owner of the OneLogin integration for OneLogin; your help is needed to finish setting it up: https://warden.example.com/integrations/${view.id}\n`,
      },
    ])
    const audit = await t.store.db.selectFrom('audit_log').select(['action', 'target_id', 'actor']).orderBy('seq').execute()
    expect(audit).toEqual([
      { action: 'app.create', target_id: view.app_id, actor: sa.id },
      { action: 'integration.create', target_id: view.id, actor: sa.id },
    ])
    expect(await syncJobs(t.store)).toEqual([])
    // Default owner: the creator, and no email to oneself.
    const existing = await createApp(t.store.db, { name: 'Existing' })
    const own = await createOneLoginIntegration(t.store, env, actorOf(sa), { app_id: existing.id, mode: 'self-hosted' })
    expect(own).toMatchObject({ app_id: existing.id, mode: 'self-hosted', user_ids: [sa.id], status: 'not_connected' })
    expect(await emails(t.store)).toHaveLength(1)
  })

  it('refuses owners who do not exist, are disabled or hold no admin role, and a bad app choice, creating nothing', async () => {
    const sa = await user(['super-admin'])
    const plain = await user(['app-admin'])
    const gone = await user(['integration-admin'], { disabled: true })
    const before = await counts(t.store)
    const message = async (input: Parameters<typeof createOneLoginIntegration>[3]): Promise<string> => {
      const e = await refusal(createOneLoginIntegration(t.store, env, actorOf(sa), input))
      expect(e.code).toBe(e.message.startsWith('no app') ? 'NOT_FOUND' : 'BAD_INPUT')
      return e.message
    }
    expect(await message({ app_name: 'X', user_ids: [sa.id, plain.id] })).toBe(
      `user_ids: ${plain.email} (${plain.id}) cannot own an integration: owners must be Integration Administrators or Super Administrators`,
    )
    expect(await message({ app_name: 'X', user_ids: [gone.id] })).toBe(`user_ids: ${gone.email} (${gone.id}) is disabled and cannot own an integration`)
    expect(await message({ app_name: 'X', user_ids: ['usr_nobody'] })).toBe('user_ids: no Warden user usr_nobody')
    expect(await message({ app_name: 'X', user_ids: [] })).toBe('user_ids: an integration needs at least one owner')
    expect(await message({ app_name: 'X', app_id: 'app_x' })).toBe('give exactly one of app_id (attach to an existing app) or app_name (create a new app)')
    expect(await message({})).toBe('give exactly one of app_id (attach to an existing app) or app_name (create a new app)')
    expect(await message({ app_id: 'app_missing' })).toBe('no app app_missing')
    expect(await counts(t.store)).toEqual(before)
  })

  it('settings: an owning Integration Administrator and any Super Administrator may edit; a non-owner admin may not', async () => {
    const sa = await user(['super-admin'])
    const otherSa = await user(['super-admin'])
    const owner = await user(['integration-admin'])
    const stranger = await user(['integration-admin'])
    const appAdmin = await user(['app-admin'])
    const view = await createOneLoginIntegration(t.store, env, actorOf(sa), { app_name: 'OneLogin', user_ids: [owner.id, sa.id] })
    const e = await refusal(updateIntegrationSettings(t.store, env, actorOf(stranger), view.id, { sync_interval_minutes: 30 }))
    expect(e.code).toBe('FORBIDDEN')
    expect(e.message).toBe('only a Super Administrator, or an owner of this integration who is an Integration Administrator, may change its settings')
    expect((await refusal(updateIntegrationSettings(t.store, env, actorOf(appAdmin), view.id, { sync_interval_minutes: 30 }))).code).toBe('FORBIDDEN')
    expect((await refusal(updateIntegrationSettings(t.store, env, actorOf(owner), 'int_missing', {}))).code).toBe('NOT_FOUND')
    const saved = await updateIntegrationSettings(t.store, env, actorOf(owner), view.id, { sync_interval_minutes: 30, sync_privileges: true })
    expect(saved).toMatchObject({ status: 'not_connected', sync_interval_minutes: 30, sync_privileges: true, next_sync_at: null })
    const again = await updateIntegrationSettings(t.store, env, actorOf(otherSa), view.id, { full_sync_interval_hours: 6 })
    expect(again.full_sync_interval_hours).toBe(6)
    // The same values again change nothing and record nothing.
    const entries = (await counts(t.store)).audit
    await updateIntegrationSettings(t.store, env, actorOf(owner), view.id, { full_sync_interval_hours: 6 })
    expect((await counts(t.store)).audit).toBe(entries)
    const bad = await refusal(updateIntegrationSettings(t.store, env, actorOf(owner), view.id, { sync_interval_minutes: 4 }))
    expect(bad.message).toBe('sync_interval_minutes must be a whole number from 5 to 10080, got 4')
  })

  it('checks credentials against OneLogin before saving: partial, lesser scope and wrong id are refused and change nothing', async () => {
    const sa = await user(['super-admin'])
    const view = await createOneLoginIntegration(t.store, env, actorOf(sa), { app_name: 'OneLogin' })
    const stored = await getIntegration(t.store.db, view.id)
    const ma = credential('manage_all')
    const ra = credential('read_all')
    const fails = async (settings: Parameters<typeof updateIntegrationSettings>[4]): Promise<WardenError> => {
      const e = await refusal(updateIntegrationSettings(t.store, env, actorOf(sa), view.id, settings))
      expect(await getIntegration(t.store.db, view.id)).toEqual(stored)
      expect(e.message).not.toContain(ma.client_secret)
      expect(e.message).not.toContain(ra.client_secret)
      return e
    }
    expect((await fails({ onelogin_domain: emu.url, oauth_client_cred_grant_client_id: ma.client_id })).message).toBe(
      'oauth_client_cred_grant_client_secret: required to connect (give onelogin_domain, oauth_client_cred_grant_client_id and oauth_client_cred_grant_client_secret together)',
    )
    expect((await fails({ oauth_client_cred_grant_client_secret: ma.client_secret })).message).toBe(
      'onelogin_domain, oauth_client_cred_grant_client_id: required to connect (give onelogin_domain, oauth_client_cred_grant_client_id and oauth_client_cred_grant_client_secret together)',
    )
    const scope = await fails({ onelogin_domain: emu.url, oauth_client_cred_grant_client_id: ra.client_id, oauth_client_cred_grant_client_secret: ra.client_secret })
    expect({ code: scope.code, message: scope.message }).toEqual({ code: 'BAD_INPUT', message: SCOPE_MESSAGE })
    const wrong = await fails({ onelogin_domain: emu.url, oauth_client_cred_grant_client_id: ma.client_id, oauth_client_cred_grant_client_secret: ra.client_secret })
    expect(wrong.code).toBe('BAD_INPUT')
    expect(wrong.message).toBe(
      'oauth_client_cred_grant_client_id, oauth_client_cred_grant_client_secret: OneLogin refused the client ID and secret (HTTP 401); ' +
        'check both against the API credential under Developers > API Credentials',
    )
    // Unknown domains: no such host, and a host that is not a OneLogin tenant.
    const good = { oauth_client_cred_grant_client_id: ma.client_id, oauth_client_cred_grant_client_secret: ma.client_secret }
    expect((await fails({ ...good, onelogin_domain: 'http://warden-test.invalid' })).message).toBe(
      'onelogin_domain: warden-test.invalid does not exist (DNS lookup failed); check the OneLogin domain',
    )
    expect((await fails({ ...good, onelogin_domain: `${emu.url}/not-onelogin` })).message).toBe(
      `onelogin_domain: ${emu.url}/not-onelogin does not answer as a OneLogin tenant (HTTP 404 to the token request); check the OneLogin domain`,
    )
    const strict = ephemeralIntegrationEnv({ allowOneLoginUrl: false })
    const refused = await refusal(
      updateIntegrationSettings(t.store, strict, actorOf(sa), view.id, {
        onelogin_domain: 'https://evil.example.com',
        oauth_client_cred_grant_client_id: ma.client_id,
        oauth_client_cred_grant_client_secret: ma.client_secret,
      }),
    )
    expect(refused.code).toBe('ONELOGIN_DOMAIN_REFUSED')
    expect(refused.message).toMatch(/^onelogin_domain: "https:\/\/evil\.example\.com" is not a OneLogin domain/)
    expect(await syncJobs(t.store)).toEqual([])
  })

  it('a good save seals the secret, sets syncing, queues a full sync and audits without the secret; later saves merge', async () => {
    const sa = await user(['super-admin'])
    const view = await createOneLoginIntegration(t.store, env, actorOf(sa), { app_name: 'OneLogin', sync_interval_minutes: 15 })
    const ma = credential('manage_all')
    const saved = await updateIntegrationSettings(
      t.store,
      env,
      actorOf(sa),
      view.id,
      { onelogin_domain: ` ${emu.url} `, oauth_client_cred_grant_client_id: ma.client_id, oauth_client_cred_grant_client_secret: ma.client_secret },
      { now: T0 },
    )
    expect(saved).toMatchObject({
      status: 'syncing',
      onelogin_domain: emu.url,
      oauth_client_cred_grant_client_id: ma.client_id,
      client_secret_set: true,
      sync_interval_minutes: 15,
      next_sync_at: new Date(T0.getTime() + 15 * 60_000).toISOString(),
      last_error: null,
    })
    expect(JSON.stringify(saved)).not.toContain(ma.client_secret)
    const row = await getIntegration(t.store.db, view.id)
    expect(row?.client_secret).not.toBe(ma.client_secret)
    expect(row?.client_secret).not.toContain(ma.client_secret)
    expect(env.secrets.decrypt(row!.client_secret!, view.id)).toBe(ma.client_secret)
    expect(row?.onelogin_account_id).toBe(104729)
    expect(await syncJobs(t.store)).toEqual([{ integration_id: view.id, triggered_by: 'settings', mode: 'full' }])
    const entry = await t.store.db.selectFrom('audit_log').selectAll().where('action', '=', 'integration.settings').executeTakeFirstOrThrow()
    expect(JSON.parse(entry.before ?? 'null')).toMatchObject({ onelogin_domain: null, client_secret_set: false, status: 'not_connected' })
    expect(JSON.parse(entry.after ?? 'null')).toMatchObject({ onelogin_domain: emu.url, oauth_client_cred_grant_client_id: ma.client_id, client_secret: 'set', status: 'syncing' })
    const everything = JSON.stringify(await t.store.db.selectFrom('audit_log').selectAll().execute()) + JSON.stringify(await t.store.db.selectFrom('jobs').selectAll().execute())
    expect(everything).not.toContain(ma.client_secret)
    expect(everything).not.toContain(row!.client_secret!)

    // A new client id without a secret is checked with the stored secret (here: refused), and changes nothing.
    const ra = credential('read_all')
    const e = await refusal(updateIntegrationSettings(t.store, env, actorOf(sa), view.id, { oauth_client_cred_grant_client_id: ra.client_id }))
    expect(e.message).toMatch(/^oauth_client_cred_grant_client_id, oauth_client_cred_grant_client_secret: OneLogin refused/)
    expect(await getIntegration(t.store.db, view.id)).toEqual(row)
    // A stored secret is not sent to a new host.
    const moved = await refusal(updateIntegrationSettings(t.store, env, actorOf(sa), view.id, { onelogin_domain: 'http://127.0.0.1:9' }))
    expect(moved.message).toBe('oauth_client_cred_grant_client_secret: give the client secret again when changing onelogin_domain (a stored secret is never sent to a new host)')
    // Re-entering the secret re-checks and re-connects; a sync already queued is not queued twice.
    await updateIntegration(t.store.db, view.id, { status: 'error', last_error: 'boom' })
    const again = await updateIntegrationSettings(t.store, env, actorOf(sa), view.id, { oauth_client_cred_grant_client_secret: ma.client_secret })
    expect(again).toMatchObject({ status: 'syncing', last_error: null })
    expect(await syncJobs(t.store)).toHaveLength(1)
    const last = await t.store.db.selectFrom('audit_log').select('after').where('action', '=', 'integration.settings').orderBy('seq', 'desc').executeTakeFirstOrThrow()
    expect(JSON.parse(last.after ?? 'null')).toMatchObject({ client_secret: 'set' })
    // Connected: a new interval moves the next scheduled sync (from the last sync).
    await updateIntegration(t.store.db, view.id, { status: 'connected', last_sync_at: T0 })
    const sched = await updateIntegrationSettings(t.store, env, actorOf(sa), view.id, { sync_interval_minutes: 120 })
    expect(sched.next_sync_at).toBe(new Date(T0.getTime() + 120 * 60_000).toISOString())
    const unchanged = await t.store.db.selectFrom('audit_log').select('after').where('action', '=', 'integration.settings').orderBy('seq', 'desc').executeTakeFirstOrThrow()
    expect(JSON.parse(unchanged.after ?? 'null')).toMatchObject({ client_secret: 'unchanged', sync_interval_minutes: 120 })
  })

  it('creating with credentials is a create plus a save: bad ones create nothing, good ones connect at once', async () => {
    const sa = await user(['super-admin'])
    const ia = await user(['integration-admin'])
    const ma = credential('manage_all')
    const before = await counts(t.store)
    const e = await refusal(
      createOneLoginIntegration(t.store, env, actorOf(sa), {
        app_name: 'OneLogin',
        user_ids: [sa.id, ia.id],
        onelogin_domain: emu.url,
        oauth_client_cred_grant_client_id: ma.client_id,
        oauth_client_cred_grant_client_secret: 'not-the-secret',
      }),
    )
    expect(e.code).toBe('BAD_INPUT')
    expect(await counts(t.store)).toEqual(before)
    const view = await createOneLoginIntegration(t.store, env, actorOf(sa), {
      app_name: 'OneLogin',
      user_ids: [sa.id, ia.id],
      onelogin_domain: emu.url,
      oauth_client_cred_grant_client_id: ma.client_id,
      oauth_client_cred_grant_client_secret: ma.client_secret,
      sync_privileges: true,
    })
    expect(view).toMatchObject({ status: 'syncing', client_secret_set: true, sync_privileges: true })
    expect(await syncJobs(t.store)).toEqual([{ integration_id: view.id, triggered_by: 'settings', mode: 'full' }])
    const actions = await t.store.db.selectFrom('audit_log').select('action').orderBy('seq').execute()
    expect(actions.map((a) => a.action)).toEqual(['app.create', 'integration.create', 'integration.settings'])
    expect(await emails(t.store)).toEqual([
      { to: ia.email, subject: 'You are now an owner of the OneLogin integration for OneLogin', text: expect.stringContaining(`/integrations/${view.id}`) },
    ])
  })

  it('self-hosted: takes a OneLogin domain and the schedule, refuses credentials, stays not connected', async () => {
    const sa = await user(['super-admin'])
    const view = await createOneLoginIntegration(t.store, env, actorOf(sa), { app_name: 'OneLogin', mode: 'self-hosted' })
    const e = await refusal(
      updateIntegrationSettings(t.store, env, actorOf(sa), view.id, { oauth_client_cred_grant_client_id: 'x', oauth_client_cred_grant_client_secret: 'y' }),
    )
    expect(e.message).toBe(
      'oauth_client_cred_grant_client_id, oauth_client_cred_grant_client_secret: a self-hosted integration keeps its OneLogin credentials in your network (`warden sync` runs there); Warden does not take them',
    )
    expect((await refusal(updateIntegrationSettings(t.store, env, actorOf(sa), view.id, { onelogin_domain: 'acme.example.com' }))).code).toBe('ONELOGIN_DOMAIN_REFUSED')
    const saved = await updateIntegrationSettings(t.store, env, actorOf(sa), view.id, { onelogin_domain: 'acme', sync_interval_minutes: 240 })
    expect(saved).toMatchObject({ onelogin_domain: 'acme', status: 'not_connected', client_secret_set: false, sync_interval_minutes: 240 })
    expect(await syncJobs(t.store)).toEqual([])
  })

  it('owners: replaced by a manager of the integration, new ones emailed, the same role rule applies', async () => {
    const sa = await user(['super-admin'], { name: 'Root' })
    const owner = await user(['integration-admin'], { name: 'Olive Owner' })
    const newcomer = await user(['integration-admin'])
    const stranger = await user(['integration-admin'])
    const plain = await user([])
    const view = await createOneLoginIntegration(t.store, env, actorOf(sa), { app_name: 'Okta-free', user_ids: [owner.id] })
    expect((await refusal(setIntegrationOwnersAsAdmin(t.store, env, actorOf(stranger), view.id, [stranger.id]))).code).toBe('FORBIDDEN')
    expect((await refusal(setIntegrationOwnersAsAdmin(t.store, env, actorOf(owner), view.id, [owner.id, plain.id]))).code).toBe('BAD_INPUT')
    expect((await refusal(setIntegrationOwnersAsAdmin(t.store, env, actorOf(owner), view.id, []))).code).toBe('BAD_INPUT')
    const mailsBefore = (await emails(t.store)).length
    const after = await setIntegrationOwnersAsAdmin(t.store, env, actorOf(owner), view.id, [owner.id, newcomer.id])
    expect(after.user_ids).toEqual([owner.id, newcomer.id].sort())
    const mails = (await emails(t.store)).slice(mailsBefore)
    expect(mails).toEqual([
      {
        to: newcomer.email,
        subject: 'Help finish setting up the OneLogin integration for Okta-free',
        text: `Olive Owner added you as an owner of the OneLogin integration for Okta-free; your help is needed to finish setting it up: https://warden.example.com/integrations/${view.id}\n`,
      },
    ])
    const entry = await t.store.db.selectFrom('audit_log').select(['before', 'after']).where('action', '=', 'integration.owners').executeTakeFirstOrThrow()
    expect(JSON.parse(entry.before ?? 'null')).toEqual({ user_ids: [owner.id] })
    // The owner can hand over entirely; then they can no longer manage it.
    await setIntegrationOwnersAsAdmin(t.store, env, actorOf(owner), view.id, [newcomer.id])
    expect((await refusal(updateIntegrationSettings(t.store, env, actorOf(owner), view.id, { sync_interval_minutes: 10 }))).code).toBe('FORBIDDEN')
    expect((await getIntegrationView(t.store, actorOf(owner), view.id)).user_ids).toEqual([newcomer.id])
  })

  it('views never carry the secret; lists page; delete is for Super Administrators and cascades', async () => {
    const sa = await user(['super-admin'])
    const ia = await user(['integration-admin'])
    const ma = credential('manage_all')
    const a = await createOneLoginIntegration(t.store, env, actorOf(sa), { app_name: 'A', user_ids: [ia.id] })
    const b = await createOneLoginIntegration(t.store, env, actorOf(sa), {
      app_name: 'B',
      onelogin_domain: emu.url,
      oauth_client_cred_grant_client_id: ma.client_id,
      oauth_client_cred_grant_client_secret: ma.client_secret,
    })
    const first = await listIntegrationViews(t.store, actorOf(ia), {}, { limit: 1 })
    const second = await listIntegrationViews(t.store, actorOf(ia), {}, { limit: 1, cursor: first.next_cursor })
    expect([...first.items, ...second.items].map((v) => v.id).sort()).toEqual([a.id, b.id].sort())
    expect((await listIntegrationViews(t.store, actorOf(ia), { status: 'syncing' })).items.map((v) => v.id)).toEqual([b.id])
    const got = await getIntegrationView(t.store, actorOf(ia), b.id)
    expect(Object.keys(got)).not.toContain('client_secret')
    expect(Object.keys(got)).not.toContain('upload_token_hash')
    expect(JSON.stringify(got)).not.toContain(ma.client_secret)
    expect(got.client_secret_set).toBe(true)
    expect((await refusal(getIntegrationView(t.store, actorOf(await user([])), b.id))).code).toBe('FORBIDDEN')

    expect((await refusal(deleteIntegration(t.store, actorOf(ia), a.id))).message).toBe('only a Super Administrator may delete an integration')
    await deleteIntegration(t.store, actorOf(sa), a.id)
    expect((await refusal(getIntegrationView(t.store, actorOf(sa), a.id))).code).toBe('NOT_FOUND')
    expect(await t.store.db.selectFrom('integration_owners').selectAll().where('integration_id', '=', a.id).execute()).toEqual([])
    expect((await refusal(deleteIntegration(t.store, actorOf(sa), a.id))).code).toBe('NOT_FOUND')
    const entry = await t.store.db.selectFrom('audit_log').select('before').where('action', '=', 'integration.delete').executeTakeFirstOrThrow()
    expect(JSON.parse(entry.before ?? 'null')).toMatchObject({ id: a.id, user_ids: [ia.id] })
  })

  it('canManageIntegration: Super Administrators, and owners who are Integration Administrators', async () => {
    const integration = { id: 'int_x' }
    expect(canManageIntegration({ id: 'usr_a', roles: ['super-admin'], via: 'session' }, integration, [])).toBe(true)
    expect(canManageIntegration({ id: 'usr_b', roles: ['integration-admin'], via: 'token' }, integration, ['usr_b'])).toBe(true)
    expect(canManageIntegration({ id: 'usr_b', roles: ['integration-admin'], via: 'token' }, integration, ['usr_c'])).toBe(false)
    // An owner who lost the admin role no longer manages it.
    expect(canManageIntegration({ id: 'usr_b', roles: ['app-admin'], via: 'token' }, integration, ['usr_b'])).toBe(false)
    expect(await checkOneLoginCredentials(env, { domain: emu.url, clientId: credential('manage_all').client_id, clientSecret: credential('manage_all').client_secret })).toEqual({
      baseUrl: emu.url,
      accountId: 104729,
    })
  })
})
