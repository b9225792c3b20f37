import { expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { WardenError } from '../errors/index.js'
import { getJob } from '../jobs/index.js'
import { createSession, createUser, findSession, getUser, listUsers } from '../store/index.js'
import type { Store } from '../store/index.js'
import { audited } from './audited.js'
import { authenticateSession, completeSetup, isSetUp, listWardenUsers, prepareSetup, updateWardenUser } from './accounts.js'
import { maintenanceJobs, retryBackgroundJob } from './jobs.js'
import { deadJob } from './test-support.js'
import { SESSION_IDLE_MS, SESSION_MAX_MS, SETUP_TOKEN_TTL_MS } from './policy.js'
import type { Actor } from './policy.js'

// In the past, so the maintenance job (which uses the real clock) sees these sessions as expired.
const T0 = new Date('2025-01-01T09:00:00.000Z')
const at = (ms: number): Date => new Date(T0.getTime() + ms)
const MINUTE = 60_000

async function refusal(p: Promise<unknown>): Promise<WardenError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected a refusal')
}

async function auditActions(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('audit_log').select('action').orderBy('seq').execute()).map((r) => r.action)
}

async function admin(store: Store, roles: string[] = ['super-admin']): Promise<Actor> {
  const user = await createUser(store.db, { email: `${roles.join('-') || 'user'}-${Math.random().toString(36).slice(2)}@example.com`, display_name: 'A', roles })
  return { id: user.id, roles: user.roles, via: 'session' }
}

describeDialects('governance: accounts and the audit transaction', (t) => {
  it('commits a change and its audit entry together: if the append fails, the change is undone', async () => {
    const actor = await admin(t.store)
    const refused = await refusal(
      audited(t.store, actor, async (trx) => {
        const user = await createUser(trx, { email: 'ghost@example.com', display_name: 'Ghost' })
        return { result: user, audit: [{ action: 'NOT A VALID ACTION', target_type: 'user', target_id: user.id }] }
      }),
    )
    expect(refused.code).toBe('BAD_INPUT')
    expect((await listUsers(t.store.db)).items.map((u) => u.email)).not.toContain('ghost@example.com')
    // And a change that throws after writing leaves neither the write nor an entry.
    await refusal(
      audited(t.store, actor, async (trx) => {
        await createUser(trx, { email: 'ghost@example.com', display_name: 'Ghost' })
        throw new WardenError('CONFLICT', 'changed my mind')
      }),
    )
    expect((await listUsers(t.store.db)).items.map((u) => u.email)).not.toContain('ghost@example.com')
    expect(await auditActions(t.store)).toEqual([])

    const user = await audited(t.store, actor, async (trx) => {
      const u = await createUser(trx, { email: 'real@example.com', display_name: 'Real' })
      return { result: u, audit: [{ action: 'user.create', target_type: 'user', target_id: u.id, after: u }] }
    })
    const entry = await t.store.db.selectFrom('audit_log').selectAll().executeTakeFirstOrThrow()
    expect(entry).toMatchObject({ seq: 1, actor: actor.id, action: 'user.create', target_id: user.id })
  })

  it('never leaves Warden without an enabled Super Administrator, and records only real changes', async () => {
    const root = await admin(t.store)
    const other = await createUser(t.store.db, { email: 'other@example.com', display_name: 'Other', roles: ['app-admin'] })
    const { token } = await createSession(t.store.db, other.id, { ttlMs: 3_600_000 })

    for (const patch of [{ disabled: true }, { roles: ['app-admin'] }, { roles: [] }]) {
      expect((await refusal(updateWardenUser(t.store, root, root.id, patch))).code).toBe('CONFLICT')
    }
    expect(await getUser(t.store.db, root.id)).toMatchObject({ roles: ['super-admin'], disabled: false })
    expect(await auditActions(t.store)).toEqual([])

    // Same values: nothing changes, nothing recorded.
    await updateWardenUser(t.store, root, other.id, { roles: ['app-admin'], display_name: ' Other ', email: 'OTHER@example.com' })
    expect(await auditActions(t.store)).toEqual([])

    const disabled = await updateWardenUser(t.store, root, other.id, { disabled: true })
    expect(disabled.disabled).toBe(true)
    expect(await findSession(t.store.db, token)).toBeUndefined()
    expect(await auditActions(t.store)).toEqual(['user.update'])

    // Roles are Warden's six, checked before anything is written.
    expect((await refusal(updateWardenUser(t.store, root, other.id, { roles: ['owner'] }))).code).toBe('BAD_INPUT')
  })

  it('services refuse actors without the permission, before changing anything', async () => {
    const readOnly = await admin(t.store, ['read-only-admin'])
    const campaign = await admin(t.store, ['campaign-admin'])
    const jobId = await deadJob(t.store)
    expect((await refusal(retryBackgroundJob(t.store, readOnly, jobId))).code).toBe('FORBIDDEN')
    expect((await getJob(t.store.db, jobId))?.status).toBe('dead')
    expect((await refusal(listWardenUsers(t.store, campaign))).code).toBe('FORBIDDEN')
    expect((await refusal(updateWardenUser(t.store, readOnly, campaign.id, { disabled: true }))).code).toBe('FORBIDDEN')
    expect(await auditActions(t.store)).toEqual([])
    // A Super Administrator may; a job that isn't dead is a CONFLICT.
    const root = await admin(t.store)
    const retried = await retryBackgroundJob(t.store, root, jobId)
    expect(retried).toMatchObject({ status: 'queued', attempts: 0 })
    expect((await refusal(retryBackgroundJob(t.store, root, jobId))).code).toBe('CONFLICT')
    expect(await auditActions(t.store)).toEqual(['job.retry'])
  })

  it('setup links: one usable at a time, expiring, consumed once, and none once set up', async () => {
    expect(await isSetUp(t.store.db)).toBe(false)
    const first = await prepareSetup(t.store, { now: T0 })
    const second = await prepareSetup(t.store, { now: at(MINUTE) })
    expect(second!.expires_at).toBe(at(MINUTE + SETUP_TOKEN_TTL_MS).toISOString())
    const input = { email: 'root@example.com', display_name: 'Root', password: 'a long enough password' }
    // The newer link replaced the older one; an expired link is refused too.
    expect((await refusal(completeSetup(t.store, { ...input, token: first!.token }, { now: at(2 * MINUTE) }))).code).toBe('UNAUTHENTICATED')
    expect((await refusal(completeSetup(t.store, { ...input, token: second!.token }, { now: at(MINUTE + SETUP_TOKEN_TTL_MS) }))).code).toBe(
      'UNAUTHENTICATED',
    )
    const third = await prepareSetup(t.store, { now: at(2 * MINUTE) })
    const { user, session } = await completeSetup(t.store, { ...input, token: third!.token }, { now: at(3 * MINUTE) })
    expect(user.roles).toEqual(['super-admin'])
    expect(session.expires_at).toBe(at(3 * MINUTE + SESSION_IDLE_MS).toISOString())
    expect(await isSetUp(t.store.db)).toBe(true)
    expect(await prepareSetup(t.store, { now: at(4 * MINUTE) })).toBeUndefined()
    expect(await auditActions(t.store)).toEqual(['setup.link.create', 'setup.link.create', 'setup.link.create', 'setup.complete'])
  })

  it('sessions slide with activity, up to a maximum; maintenance purges expired ones', async () => {
    const user = await createUser(t.store.db, { email: 's@example.com', display_name: 'S' })
    const { token, session } = await createSession(t.store.db, user.id, { ttlMs: SESSION_IDLE_MS, now: T0 })
    expect((await authenticateSession(t.store, token, { now: at(MINUTE) }))?.user.id).toBe(user.id)
    expect((await findSession(t.store.db, token, { now: T0 }))?.session.expires_at).toBe(session.expires_at) // not touched within 5 minutes
    await authenticateSession(t.store, token, { now: at(6 * MINUTE) })
    expect((await findSession(t.store.db, token, { now: T0 }))?.session.expires_at).toBe(at(6 * MINUTE + SESSION_IDLE_MS).toISOString())
    // Keep using it for a week: the expiry never passes created + SESSION_MAX_MS.
    for (let ms = SESSION_IDLE_MS / 2; ms < SESSION_MAX_MS; ms += SESSION_IDLE_MS / 2) await authenticateSession(t.store, token, { now: at(ms) })
    expect((await findSession(t.store.db, token, { now: T0 }))?.session.expires_at).toBe(at(SESSION_MAX_MS).toISOString())
    expect(await authenticateSession(t.store, token, { now: at(SESSION_MAX_MS) })).toBeUndefined()

    const { handlers } = maintenanceJobs()
    await handlers['maintenance.sessions']!({ job: {} as never, signal: new AbortController().signal, workerId: 'w', store: t.store })
    expect(await t.store.db.selectFrom('sessions').select('id').execute()).toEqual([])
  })
})
