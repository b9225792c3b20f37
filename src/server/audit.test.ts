import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { AUDIT_GENESIS_HASH, auditEntryHash, createUser } from '../store/index.js'
import type { AuditEntry, User } from '../store/index.js'
import { buildServer } from './index.js'
import { expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'

describeDialects('audit API', (t) => {
  let app: App
  let root: Person
  let target: User
  beforeEach(async () => {
    app = await buildServer({ store: t.store })
    root = await person(t.store, ['super-admin'])
    target = await createUser(t.store.db, { email: 'target@example.com', display_name: 'Target', roles: ['app-admin'] })
  })
  afterEach(async () => {
    await app.close()
  })

  /** Five changes through the API: two user updates, a token created and revoked, a disable. */
  async function makeChanges(): Promise<void> {
    const patch = (payload: object) => app.inject({ method: 'PATCH', url: `/api/v1/users/${target.id}`, headers: root.bearer, payload })
    expect((await patch({ roles: ['app-admin', 'campaign-admin'] })).statusCode).toBe(200)
    expect((await patch({ display_name: 'Target Renamed' })).statusCode).toBe(200)
    const token = await app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: root.bearer, payload: { name: 'audit test' } })
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${token.json().api_token.id}`, headers: root.bearer })).statusCode).toBe(204)
    expect((await patch({ disabled: true })).statusCode).toBe(200)
  }

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: root.bearer })
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200)
    return res
  }

  it('records every change with actor, time, action, target and before/after; lists by filter a page at a time', async () => {
    await makeChanges()
    const all = (await get('/api/v1/audit')).json() as { items: AuditEntry[]; next_cursor: string | null }
    expect(all.next_cursor).toBeNull()
    expect(all.items.map((e) => [e.seq, e.action])).toEqual([
      [5, 'user.update'],
      [4, 'api_token.revoke'],
      [3, 'api_token.create'],
      [2, 'user.update'],
      [1, 'user.update'],
    ])
    const first = all.items[4]!
    expect(first).toMatchObject({
      actor: root.user.id,
      target_type: 'user',
      target_id: target.id,
      before: { roles: ['app-admin'], display_name: 'Target' },
      after: { roles: ['app-admin', 'campaign-admin'], display_name: 'Target' },
      prev_hash: AUDIT_GENESIS_HASH,
    })
    expect(Date.now() - Date.parse(first.at)).toBeLessThan(60_000)
    expect(JSON.stringify(all)).not.toMatch(/password_hash|scrypt|token_hash/)

    const byTarget = (await get(`/api/v1/audit?target_type=user&target_id=${target.id}&order=asc`)).json()
    expect(byTarget.items.map((e: AuditEntry) => e.seq)).toEqual([1, 2, 5])
    const byAction = (await get('/api/v1/audit?action=api_token.create')).json()
    expect(byAction.items.map((e: AuditEntry) => e.seq)).toEqual([3])
    expect((await get(`/api/v1/audit?actor=${root.user.id}`)).json().items).toHaveLength(5)
    expect((await get('/api/v1/audit?actor=system')).json().items).toHaveLength(0)
    expect((await get(`/api/v1/audit?from=${encodeURIComponent(first.at)}`)).json().items).toHaveLength(5)
    expect((await get(`/api/v1/audit?to=${encodeURIComponent(first.at)}`)).json().items).toHaveLength(0)

    // Cursor pagination: pages of two, newest first, until next_cursor is null.
    const seqs: number[] = []
    let cursor: string | null = null
    do {
      const page = (await get(`/api/v1/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json() as { items: AuditEntry[]; next_cursor: string | null }
      expect(page.items.length).toBeLessThanOrEqual(2)
      seqs.push(...page.items.map((e) => e.seq))
      cursor = page.next_cursor
    } while (cursor !== null)
    expect(seqs).toEqual([5, 4, 3, 2, 1])
    // A cursor of one list is refused by another.
    const usersPage = (await get('/api/v1/users?limit=1')).json()
    expectError(await app.inject({ method: 'GET', url: `/api/v1/audit?cursor=${usersPage.next_cursor}`, headers: root.bearer }), 400, 'BAD_INPUT')
  })

  it('verify reports an edited entry and a deleted entry by seq', async () => {
    await makeChanges()
    expect((await get('/api/v1/audit/verify')).json()).toMatchObject({ ok: true, entries: 5, head_seq: 5 })

    // Someone with database access edits entry 2 (hides the rename) ...
    const original = await t.store.db.selectFrom('audit_log').select('after').where('seq', '=', 2).executeTakeFirstOrThrow()
    await t.store.db.updateTable('audit_log').set({ after: original.after!.replace('Target Renamed', 'Someone Else') }).where('seq', '=', 2).execute()
    expect((await get('/api/v1/audit/verify')).json()).toEqual({
      ok: false,
      entries: 1,
      broken_seq: 2,
      reason: 'hash_mismatch',
      message: expect.stringContaining('audit entry 2'),
    })

    // ... puts it back, then deletes entry 4 (the token revocation).
    await t.store.db.updateTable('audit_log').set({ after: original.after }).where('seq', '=', 2).execute()
    expect((await get('/api/v1/audit/verify')).json()).toMatchObject({ ok: true })
    await t.store.db.deleteFrom('audit_log').where('seq', '=', 4).execute()
    expect((await get('/api/v1/audit/verify')).json()).toMatchObject({ ok: false, entries: 3, broken_seq: 4, reason: 'missing' })
  })

  it('exports CSV, a JSON array and JSON Lines, oldest first and filtered; each export re-verifies on its own', async () => {
    await makeChanges()
    const json = await get('/api/v1/audit/export?format=json')
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(json.headers['content-disposition']).toMatch(/^attachment; filename="warden-audit-\d{8}-\d{6}\.json"$/)
    const entries = json.json() as AuditEntry[]
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    let prev = AUDIT_GENESIS_HASH
    for (const e of entries) {
      expect(e.prev_hash).toBe(prev)
      expect(auditEntryHash(e)).toBe(e.hash)
      prev = e.hash
    }

    const csv = await get('/api/v1/audit/export?format=csv')
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    const lines = csv.body.trimEnd().split('\n')
    expect(lines[0]).toBe('seq,id,at,actor,action,target_type,target_id,before,after,prev_hash,hash')
    expect(lines).toHaveLength(6)
    expect(lines[1]).toMatch(new RegExp(`^1,${entries[0]!.id},.*,${root.user.id},user\\.update,user,${target.id},"\\{""`))
    expect(lines[5]!.endsWith(`,${entries[4]!.hash}`)).toBe(true)

    const jsonl = await get('/api/v1/audit/export?format=jsonl&action=user.update')
    expect(jsonl.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    expect(jsonl.body.trimEnd().split('\n').map((l) => (JSON.parse(l) as AuditEntry).seq)).toEqual([1, 2, 5])

    const empty = await get('/api/v1/audit/export?format=json&actor=system')
    expect(empty.json()).toEqual([])
    expectError(await app.inject({ method: 'GET', url: '/api/v1/audit/export?format=xml', headers: root.bearer }), 400, 'BAD_INPUT')
  })

  it('a refused change records nothing: a duplicate email is a 409 with no audit entry', async () => {
    await createUser(t.store.db, { email: 'taken@example.com', display_name: 'Taken' })
    const res = await app.inject({ method: 'PATCH', url: `/api/v1/users/${target.id}`, headers: root.bearer, payload: { email: 'Taken@example.com' } })
    expectError(res, 409, 'CONFLICT')
    expect((await get('/api/v1/audit')).json().items).toEqual([])
    expect((await get(`/api/v1/users/${target.id}`)).json().email).toBe('target@example.com')
  })
})
