import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { WardenError } from '../errors/index.js'
import { AUDIT_GENESIS_HASH, auditEntryHash } from './audit-hash.js'
import { appendAudit, appendAuditMany, exportAuditCsv, exportAuditJsonLines, listAudit, verifyAudit } from './audit-repo.js'
import type { AuditEntry, AuditInput } from './audit-repo.js'
import type { Store } from './open.js'

const T0 = new Date('2026-11-28T09:00:00.000Z')
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000)

async function appendN(store: Store, n: number, make: (i: number) => AuditInput = (i) => ({ actor: 'system', action: 'test.step', after: { i } })) {
  const entries: AuditEntry[] = []
  for (let i = 1; i <= n; i++) entries.push(await store.transaction((trx) => appendAudit(trx, make(i), { now: at(i) })))
  return entries
}

async function collect(gen: AsyncGenerator<string>): Promise<string> {
  let out = ''
  for await (const chunk of gen) out += chunk
  return out
}

describeDialects('audit log', (t) => {
  it('chains entries: seq 1, 2, 3 from the genesis hash, with the documented hash', async () => {
    const [e1, e2, e3] = await appendN(t.store, 3, (i) => ({
      actor: i === 2 ? 'usr_abc' : 'system',
      action: 'user.update',
      target_type: 'user',
      target_id: 'usr_abc',
      before: i === 1 ? null : { name: `n${i - 1}`, roles: ['b', 'a'] },
      after: { roles: ['b', 'a'], name: `n${i}`, nested: { z: 1, a: [true, null, 1.5] } },
    }))
    expect(e1!.seq).toBe(1)
    expect(e1!.prev_hash).toBe(AUDIT_GENESIS_HASH)
    expect(e2!.prev_hash).toBe(e1!.hash)
    expect(e3!.prev_hash).toBe(e2!.hash)
    expect(e3!.seq).toBe(3)

    // The algorithm docs/store.md promises: sha256 over canonical JSON (sorted keys, no spaces).
    const canonical =
      `{"action":"user.update","actor":"system","after":{"name":"n1","nested":{"a":[true,null,1.5],"z":1},"roles":["b","a"]},` +
      `"at":"2026-11-28T09:01:00.000Z","before":null,"id":"${e1!.id}","prev_hash":"${AUDIT_GENESIS_HASH}","seq":1,` +
      `"target_id":"usr_abc","target_type":"user"}`
    expect(e1!.hash).toBe(createHash('sha256').update(canonical).digest('hex'))
    expect(auditEntryHash(e2!)).toBe(e2!.hash)

    const row = await t.store.db.selectFrom('audit_log').selectAll().where('seq', '=', 1).executeTakeFirstOrThrow()
    expect(row.after).toBe('{"name":"n1","nested":{"a":[true,null,1.5],"z":1},"roles":["b","a"]}')
    expect(row.before).toBeNull()
    expect(await t.store.db.selectFrom('audit_head').selectAll().execute()).toEqual([{ id: 1, seq: 3, hash: e3!.hash }])
    expect(await verifyAudit(t.store.db)).toEqual({ ok: true, entries: 3, head_seq: 3, head_hash: e3!.hash })
  })

  it('leaves no trace and no gap when the transaction rolls back', async () => {
    await appendN(t.store, 1)
    await expect(
      t.store.transaction(async (trx) => {
        await appendAudit(trx, { actor: 'system', action: 'doomed' })
        throw new Error('the change failed')
      }),
    ).rejects.toThrow('the change failed')
    const next = await appendAudit(t.store.db, { actor: 'system', action: 'after.rollback' })
    expect(next.seq).toBe(2)
    expect((await listAudit(t.store.db)).items.map((e) => e.action)).toEqual(['after.rollback', 'test.step'])
    expect(await verifyAudit(t.store.db)).toMatchObject({ ok: true, entries: 2 })
  })

  it('appends many entries as one stretch of the chain, continuing after single appends, and checks them all first', async () => {
    await appendAudit(t.store.db, { actor: 'system', action: 'before.batch' })
    const inputs = Array.from({ length: 1203 }, (_, i) => ({ actor: 'system', action: 'grant.added', target_type: 'grant', target_id: `g${i}`, after: { i } }))
    const entries = await appendAuditMany(t.store.db, inputs)
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 1203 }, (_, i) => i + 2))
    expect(entries[0]!.prev_hash).not.toBe(AUDIT_GENESIS_HASH)
    expect(entries.slice(1).every((e, i) => e.prev_hash === entries[i]!.hash)).toBe(true)
    const next = await appendAudit(t.store.db, { actor: 'system', action: 'after.batch' })
    expect(next).toMatchObject({ seq: 1205, prev_hash: entries[1202]!.hash })
    expect(await verifyAudit(t.store.db)).toEqual({ ok: true, entries: 1205, head_seq: 1205, head_hash: next.hash })
    // One bad entry: nothing of the batch is written.
    await expect(appendAuditMany(t.store.db, [{ actor: 'system', action: 'fine' }, { actor: 'system', action: 'Not Fine' }])).rejects.toThrow('invalid audit action')
    expect(await verifyAudit(t.store.db)).toMatchObject({ ok: true, entries: 1205 })
    expect(await appendAuditMany(t.store.db, [])).toEqual([])
  })

  it('refuses bad entries', async () => {
    await expect(appendAudit(t.store.db, { actor: '', action: 'x' })).rejects.toThrow('audit actor')
    await expect(appendAudit(t.store.db, { actor: 'system', action: 'Bad Action' })).rejects.toThrow(WardenError)
    await expect(appendAudit(t.store.db, { actor: 'system', action: 'x', after: { n: Number.NaN } })).rejects.toThrow('$.n is not a finite number')
    await expect(appendAudit(t.store.db, { actor: 'system', action: 'x', after: new Map() })).rejects.toThrow('not a plain JSON object')
    expect(await verifyAudit(t.store.db)).toEqual({ ok: true, entries: 0, head_seq: 0, head_hash: AUDIT_GENESIS_HASH })
  })

  it('detects an edited after JSON at that entry', async () => {
    await appendN(t.store, 5)
    await sql`update audit_log set after = ${'{"i":99}'} where seq = 3`.execute(t.store.db)
    expect(await verifyAudit(t.store.db)).toEqual({
      ok: false,
      entries: 2,
      broken_seq: 3,
      reason: 'hash_mismatch',
      message: 'audit entry 3 was changed (its hash differs)',
    })
  })

  it('detects an edit whose hash was recomputed at the next entry', async () => {
    const entries = await appendN(t.store, 4)
    const forged = { ...entries[1]!, actor: 'usr_someone_else' }
    await sql`update audit_log set actor = ${forged.actor}, hash = ${auditEntryHash(forged)} where seq = 2`.execute(t.store.db)
    expect(await verifyAudit(t.store.db)).toMatchObject({ ok: false, broken_seq: 3, reason: 'prev_hash_mismatch', entries: 2 })
  })

  it('detects a deleted middle entry at its seq, and a deleted last entry', async () => {
    await appendN(t.store, 5)
    await sql`delete from audit_log where seq = 3`.execute(t.store.db)
    expect(await verifyAudit(t.store.db)).toEqual({
      ok: false,
      entries: 2,
      broken_seq: 3,
      reason: 'missing',
      message: 'audit entry 3 is missing',
    })
    await sql`delete from audit_log where seq > 2`.execute(t.store.db)
    expect(await verifyAudit(t.store.db)).toMatchObject({ ok: false, entries: 2, broken_seq: 3, reason: 'missing' })
  })

  it('detects reordered entries at the first one moved, and a rewritten head', async () => {
    await appendN(t.store, 4)
    // Swap entries 2 and 3 (through a free seq, as seq is the primary key).
    await sql`update audit_log set seq = 1000 where seq = 2`.execute(t.store.db)
    await sql`update audit_log set seq = 2 where seq = 3`.execute(t.store.db)
    await sql`update audit_log set seq = 3 where seq = 1000`.execute(t.store.db)
    expect(await verifyAudit(t.store.db)).toMatchObject({ ok: false, broken_seq: 2, reason: 'prev_hash_mismatch' })
    await sql`update audit_log set seq = 1000 where seq = 2`.execute(t.store.db)
    await sql`update audit_log set seq = 2 where seq = 3`.execute(t.store.db)
    await sql`update audit_log set seq = 3 where seq = 1000`.execute(t.store.db)
    expect(await verifyAudit(t.store.db)).toMatchObject({ ok: true, entries: 4 })
    await sql`update audit_head set hash = ${'f'.repeat(64)}`.execute(t.store.db)
    expect(await verifyAudit(t.store.db)).toMatchObject({ ok: false, entries: 4, broken_seq: 5, reason: 'head_mismatch' })
  })

  it('detects before/after that is not JSON', async () => {
    await appendN(t.store, 2)
    await sql`update audit_log set before = ${'{oops'} where seq = 2`.execute(t.store.db)
    expect(await verifyAudit(t.store.db, { batchSize: 1 })).toMatchObject({ ok: false, broken_seq: 2, reason: 'bad_json' })
  })

  it('lists with filters by actor, action, target and time, newest first, a page at a time', async () => {
    await appendN(t.store, 6, (i) => ({
      actor: i % 2 === 0 ? 'usr_even' : 'system',
      action: i <= 3 ? 'grant.create' : 'grant.revoke',
      target_type: 'grant',
      target_id: `g${i % 3}`,
      after: { i },
    }))
    const seqs = (p: { items: AuditEntry[] }): number[] => p.items.map((e) => e.seq)
    expect(seqs(await listAudit(t.store.db))).toEqual([6, 5, 4, 3, 2, 1])
    expect(seqs(await listAudit(t.store.db, { actor: 'usr_even' }))).toEqual([6, 4, 2])
    expect(seqs(await listAudit(t.store.db, { action: 'grant.revoke' }))).toEqual([6, 5, 4])
    expect(seqs(await listAudit(t.store.db, { target_type: 'grant', target_id: 'g1' }))).toEqual([4, 1])
    expect(seqs(await listAudit(t.store.db, { from: at(2), to: at(5) }))).toEqual([4, 3, 2])
    expect(seqs(await listAudit(t.store.db, { from: '2026-11-28T09:05:00Z' }))).toEqual([6, 5])

    const p1 = await listAudit(t.store.db, { actor: 'system' }, { limit: 2 })
    expect(seqs(p1)).toEqual([5, 3])
    const p2 = await listAudit(t.store.db, { actor: 'system' }, { limit: 2, cursor: p1.next_cursor })
    expect(p2.next_cursor).toBeNull()
    expect(seqs(p2)).toEqual([1])

    const a1 = await listAudit(t.store.db, {}, { limit: 4, order: 'asc' })
    expect(seqs(a1)).toEqual([1, 2, 3, 4])
    expect(seqs(await listAudit(t.store.db, {}, { limit: 4, order: 'asc', cursor: a1.next_cursor }))).toEqual([5, 6])
    await expect(listAudit(t.store.db, {}, { cursor: a1.next_cursor })).rejects.toThrow('invalid cursor')
    await expect(listAudit(t.store.db, { from: 'yesterday' })).rejects.toThrow('from is not a valid timestamp: yesterday')
  })

  it('exports as JSON Lines and CSV that carry the whole chain', async () => {
    const entries = await appendN(t.store, 3, (i) => ({ actor: 'system', action: 'x.y', target_id: i === 2 ? 'a,"b"' : null, after: { i } }))
    const lines = (await collect(exportAuditJsonLines(t.store.db))).trimEnd().split('\n')
    expect(lines.map((l) => JSON.parse(l) as AuditEntry)).toEqual(entries)
    const csv = await collect(exportAuditCsv(t.store.db, { target_id: 'a,"b"' }))
    expect(csv).toBe(
      'seq,id,at,actor,action,target_type,target_id,before,after,prev_hash,hash\n' +
        `2,${entries[1]!.id},2026-11-28T09:02:00.000Z,system,x.y,,"a,""b""",,"{""i"":2}",${entries[0]!.hash},${entries[1]!.hash}\n`,
    )
  })

  it('keeps one valid chain when two connection pools append 50 entries at once', async () => {
    const other = await t.open()
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? t.store : other).transaction((trx) => appendAudit(trx, { actor: `w${i % 2}`, action: 'race', target_id: String(i) })),
      ),
    )
    expect(results.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(new Set(results.map((e) => e.target_id)).size).toBe(50)
    expect(await verifyAudit(t.store.db, { batchSize: 7 })).toMatchObject({ ok: true, entries: 50, head_seq: 50 })
  })
})
