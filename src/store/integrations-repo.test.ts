import { expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { WardenError } from '../errors/index.js'
import { createApp } from './apps-repo.js'
import {
  createIntegration,
  deleteIntegration,
  findIntegrationByUploadToken,
  getIntegration,
  integrationsOwnedBy,
  listDueIntegrations,
  listIntegrationOwners,
  listIntegrations,
  ownersOfIntegrations,
  setIntegrationOwners,
  updateIntegration,
} from './integrations-repo.js'
import { createUser } from './users-repo.js'

const T0 = new Date('2026-11-28T09:00:00.000Z')
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000)

async function refusal(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected a refusal')
}

describeDialects('integrations repo', (t) => {
  const user = (label: string) => createUser(t.store.db, { email: `${label}@example.com`, display_name: label, roles: ['integration-admin'] })

  it('creates an integration not connected, with defaults, and reads it back', async () => {
    const app = await createApp(t.store.db, { name: 'OneLogin' })
    const row = await createIntegration(t.store.db, { app_id: app.id, mode: 'hosted', created_by: 'usr_x' }, { now: T0 })
    expect(row).toEqual({
      id: expect.stringMatching(/^int_[0-9a-hjkmnp-tv-z]{26}$/),
      app_id: app.id,
      mode: 'hosted',
      status: 'not_connected',
      onelogin_domain: null,
      client_id: null,
      client_secret: null,
      upload_token_hash: null,
      sync_privileges: 0,
      sync_interval_minutes: 60,
      full_sync_interval_hours: 24,
      paused: 0,
      next_sync_at: null,
      last_sync_at: null,
      last_full_sync_at: null,
      last_error: null,
      onelogin_account_id: null,
      created_by: 'usr_x',
      created_at: T0.toISOString(),
      updated_at: T0.toISOString(),
    })
    expect(await getIntegration(t.store.db, row.id)).toEqual(row)
    expect(await getIntegration(t.store.db, 'int_missing')).toBeUndefined()
    expect((await refusal(createIntegration(t.store.db, { app_id: 'app_missing', mode: 'hosted', created_by: 'usr_x' }))).message).toBe('no app app_missing')
    expect((await refusal(createIntegration(t.store.db, { app_id: app.id, mode: 'hosted', created_by: 'x', sync_interval_minutes: 4 }))).code).toBe('BAD_INPUT')
  })

  it('updates the mutable columns, normalises timestamps, and says NOT_FOUND for an unknown id', async () => {
    const app = await createApp(t.store.db, { name: 'OneLogin' })
    const row = await createIntegration(t.store.db, { app_id: app.id, mode: 'self-hosted', created_by: 'usr_x', sync_privileges: true }, { now: T0 })
    expect(row.sync_privileges).toBe(1)
    const after = await updateIntegration(
      t.store.db,
      row.id,
      {
        status: 'syncing',
        onelogin_domain: 'acme',
        client_id: 'cid',
        client_secret: 'v1:sealed',
        upload_token_hash: 'abc',
        sync_privileges: false,
        sync_interval_minutes: 15,
        full_sync_interval_hours: 6,
        paused: 1,
        next_sync_at: '2026-11-28T10:00:00Z',
        last_sync_at: at(1),
        last_full_sync_at: at(1),
        last_error: 'boom',
        onelogin_account_id: 42,
      },
      { now: at(2) },
    )
    expect(after).toMatchObject({
      status: 'syncing',
      onelogin_domain: 'acme',
      client_id: 'cid',
      client_secret: 'v1:sealed',
      upload_token_hash: 'abc',
      sync_privileges: 0,
      sync_interval_minutes: 15,
      full_sync_interval_hours: 6,
      paused: 1,
      next_sync_at: '2026-11-28T10:00:00.000Z',
      last_sync_at: at(1).toISOString(),
      last_error: 'boom',
      onelogin_account_id: 42,
      updated_at: at(2).toISOString(),
      created_at: T0.toISOString(),
    })
    expect(await findIntegrationByUploadToken(t.store.db, 'abc')).toEqual(after)
    // null clears; absent keeps.
    const cleared = await updateIntegration(t.store.db, row.id, { last_error: null, next_sync_at: null })
    expect(cleared).toMatchObject({ last_error: null, next_sync_at: null, client_id: 'cid' })
    expect((await refusal(updateIntegration(t.store.db, 'int_missing', { paused: false }))).code).toBe('NOT_FOUND')
    expect((await refusal(updateIntegration(t.store.db, row.id, { full_sync_interval_hours: 0 }))).code).toBe('BAD_INPUT')
    expect((await refusal(updateIntegration(t.store.db, row.id, { paused: 2 }))).code).toBe('BAD_INPUT')
    expect((await updateIntegration(t.store.db, row.id, { paused: false })).paused).toBe(0)
    expect((await refusal(updateIntegration(t.store.db, row.id, { next_sync_at: 'tomorrow' }))).code).toBe('BAD_INPUT')
    const other = await createIntegration(t.store.db, { app_id: app.id, mode: 'self-hosted', created_by: 'usr_x' })
    expect((await refusal(updateIntegration(t.store.db, other.id, { upload_token_hash: 'abc' }))).code).toBe('CONFLICT')
  })

  it('lists by creation time with keyset pages and filters', async () => {
    const a = await createApp(t.store.db, { name: 'A' })
    const b = await createApp(t.store.db, { name: 'B' })
    const made = []
    for (let i = 0; i < 5; i++) {
      made.push(await createIntegration(t.store.db, { app_id: i % 2 === 0 ? a.id : b.id, mode: i === 4 ? 'self-hosted' : 'hosted', created_by: 'x' }, { now: at(i % 3) }))
    }
    const expected = [...made].sort((x, y) => (x.created_at + x.id < y.created_at + y.id ? -1 : 1)).map((i) => i.id)
    const first = await listIntegrations(t.store.db, {}, { limit: 2 })
    expect(first.next_cursor).not.toBeNull()
    const second = await listIntegrations(t.store.db, {}, { limit: 2, cursor: first.next_cursor })
    const third = await listIntegrations(t.store.db, {}, { limit: 2, cursor: second.next_cursor })
    expect(third.next_cursor).toBeNull()
    expect([...first.items, ...second.items, ...third.items].map((i) => i.id)).toEqual(expected)
    expect((await listIntegrations(t.store.db, { app_id: b.id })).items.map((i) => i.id).sort()).toEqual([made[1]!.id, made[3]!.id].sort())
    expect((await listIntegrations(t.store.db, { mode: 'self-hosted' })).items.map((i) => i.id)).toEqual([made[4]!.id])
    await updateIntegration(t.store.db, made[0]!.id, { status: 'error' })
    expect((await listIntegrations(t.store.db, { status: 'error' })).items.map((i) => i.id)).toEqual([made[0]!.id])
    expect((await refusal(listIntegrations(t.store.db, {}, { cursor: 'bad' }))).code).toBe('BAD_INPUT')
  })

  it('replaces owners, names an unknown user and keeps the old owners then, and finds what a user owns', async () => {
    const app = await createApp(t.store.db, { name: 'OneLogin' })
    const [ann, bob, cat] = [await user('ann'), await user('bob'), await user('cat')]
    const one = await createIntegration(t.store.db, { app_id: app.id, mode: 'hosted', created_by: ann.id }, { now: T0 })
    const two = await createIntegration(t.store.db, { app_id: app.id, mode: 'hosted', created_by: ann.id }, { now: at(1) })
    await setIntegrationOwners(t.store.db, one.id, [bob.id, ann.id, bob.id])
    expect(await listIntegrationOwners(t.store.db, one.id)).toEqual([ann.id, bob.id].sort())
    const refused = await refusal(setIntegrationOwners(t.store.db, one.id, [cat.id, 'usr_ghost']))
    expect(refused.code).toBe('NOT_FOUND')
    expect(refused.message).toBe('no user usr_ghost')
    expect(await listIntegrationOwners(t.store.db, one.id)).toEqual([ann.id, bob.id].sort())
    // Inside a caller's transaction too (PostgreSQL would abort it on a failed insert).
    await t.store.transaction(async (trx) => {
      await expect(setIntegrationOwners(trx, one.id, ['usr_ghost'])).rejects.toThrow('no user usr_ghost')
      await setIntegrationOwners(trx, two.id, [cat.id, ann.id])
    })
    expect((await refusal(setIntegrationOwners(t.store.db, 'int_missing', [ann.id]))).message).toBe('no integration int_missing')
    expect((await integrationsOwnedBy(t.store.db, ann.id)).map((i) => i.id)).toEqual([one.id, two.id])
    expect((await integrationsOwnedBy(t.store.db, bob.id)).map((i) => i.id)).toEqual([one.id])
    const owners = await ownersOfIntegrations(t.store.db, [one.id, two.id, 'int_none'])
    expect(Object.fromEntries(owners)).toEqual({ [one.id]: [ann.id, bob.id].sort(), [two.id]: [ann.id, cat.id].sort(), int_none: [] })
    await setIntegrationOwners(t.store.db, one.id, [])
    expect(await listIntegrationOwners(t.store.db, one.id)).toEqual([])
  })

  it('lists due hosted integrations most overdue first: not paused, set up, next_sync_at reached', async () => {
    const app = await createApp(t.store.db, { name: 'OneLogin' })
    const make = async (mode: 'hosted' | 'self-hosted', patch: Parameters<typeof updateIntegration>[2]) => {
      const row = await createIntegration(t.store.db, { app_id: app.id, mode, created_by: 'x' })
      return updateIntegration(t.store.db, row.id, patch)
    }
    const late = await make('hosted', { status: 'connected', next_sync_at: at(-30) })
    const due = await make('hosted', { status: 'error', next_sync_at: at(0) })
    const syncing = await make('hosted', { status: 'syncing', next_sync_at: at(-10) })
    await make('hosted', { status: 'connected', next_sync_at: at(1) }) // not yet
    await make('hosted', { status: 'connected', next_sync_at: at(-60), paused: true })
    await make('hosted', { status: 'not_connected', next_sync_at: at(-60) })
    await make('hosted', { status: 'connected', next_sync_at: null })
    await make('self-hosted', { status: 'connected', next_sync_at: at(-60) })
    expect((await listDueIntegrations(t.store.db, T0, 10)).map((i) => i.id)).toEqual([late.id, syncing.id, due.id])
    expect((await listDueIntegrations(t.store.db, T0, 1)).map((i) => i.id)).toEqual([late.id])
    expect((await refusal(listDueIntegrations(t.store.db, T0, 0))).code).toBe('BAD_INPUT')
  })

  it('deletes an integration with its owners', async () => {
    const app = await createApp(t.store.db, { name: 'OneLogin' })
    const ann = await user('ann')
    const row = await createIntegration(t.store.db, { app_id: app.id, mode: 'hosted', created_by: ann.id })
    await setIntegrationOwners(t.store.db, row.id, [ann.id])
    expect(await deleteIntegration(t.store.db, row.id)).toBe(true)
    expect(await deleteIntegration(t.store.db, row.id)).toBe(false)
    expect(await getIntegration(t.store.db, row.id)).toBeUndefined()
    expect(await t.store.db.selectFrom('integration_owners').selectAll().execute()).toEqual([])
  })
})
