import { stringify } from 'csv-stringify/sync'
import type { Kysely, Selectable, Transaction } from 'kysely'
import { WardenError } from '../errors/index.js'
import { AUDIT_GENESIS_HASH, auditEntryHash } from './audit-hash.js'
import type { AuditLogTable, Database } from './database.js'
import { newId } from './ids.js'
import { canonicalJson, parseJson } from './json.js'
import type { JsonValue } from './json.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'
import { isoTime, toIsoTime } from './time.js'
import type { Clock } from './users-repo.js'

/**
 * The audit log: an append-only, hash-chained record of every change. Entry n stores
 * `prev_hash` = hash of entry n-1 (64 zeros for entry 1) and
 * `hash = sha256(canonicalJson({seq, id, at, actor, action, target_type, target_id, before, after, prev_hash}))`,
 * and the single-row `audit_head` holds the last seq and hash. Editing, deleting, inserting or
 * reordering entries breaks the chain at the first entry touched, which verifyAudit() reports.
 */

export interface AuditInput {
  /** A Warden user id, or `system`. */
  actor: string
  /** What happened, dotted lower case: `user.create`, `grant.revoke`, `job.dead`. */
  action: string
  target_type?: string | null
  target_id?: string | null
  /** The target's state before and after, as JSON values (null/absent: none). */
  before?: unknown
  after?: unknown
}

export interface AuditEntry {
  seq: number
  id: string
  at: string
  actor: string
  action: string
  target_type: string | null
  target_id: string | null
  before: JsonValue | null
  after: JsonValue | null
  prev_hash: string
  hash: string
}

const ACTION = /^[a-z][a-z0-9_.:-]{0,99}$/

function text(value: string | null | undefined, what: string, max: number): string | null {
  if (value === undefined || value === null) return null
  if (value === '' || value.length > max) throw new WardenError('BAD_INPUT', `audit ${what} must be 1 to ${max} characters`)
  return value
}

/**
 * Appends one entry. Pass the transaction that makes the change, so the entry commits or rolls
 * back with it; given `store.db`, it runs in a transaction of its own.
 *
 * Appends are serialised by the first statement, an UPDATE of the audit_head row: on PostgreSQL
 * it takes that row's lock until the caller's transaction ends, so a concurrent append (from any
 * process) waits, then reads the head the first one committed; on SQLite the transaction already
 * holds the database's write lock (BEGIN IMMEDIATE). seq therefore has no gaps and the chain's
 * order is commit order. Because the lock lasts until commit, append audit entries late in a
 * transaction.
 */
export async function appendAudit(db: Kysely<Database>, input: AuditInput, clock: Clock = {}): Promise<AuditEntry> {
  const [entry] = await appendAuditMany(db, [input], clock)
  return entry as AuditEntry
}

/** Rows per INSERT when appending many entries (11 columns: well under either engine's parameter limit). */
const APPEND_BATCH = 500

/**
 * Appends several entries, in order, as one stretch of the chain: the head is moved once (by the
 * number of entries, under the same lock as appendAudit), the hashes are chained here, and the rows
 * go in multi-row INSERTs. What a sync's thousands of grant events need, instead of three round
 * trips each. Every input is checked before anything is written.
 */
export async function appendAuditMany(db: Kysely<Database>, inputs: readonly AuditInput[], clock: Clock = {}): Promise<AuditEntry[]> {
  if (inputs.length === 0) return []
  const checked = inputs.map((input) => {
    const actor = text(input.actor, 'actor', 200)
    if (actor === null) throw new WardenError('BAD_INPUT', 'audit actor is required')
    if (!ACTION.test(input.action)) throw new WardenError('BAD_INPUT', `invalid audit action ${JSON.stringify(input.action)}`)
    return {
      actor,
      action: input.action,
      target_type: text(input.target_type, 'target_type', 100),
      target_id: text(input.target_id, 'target_id', 500),
      beforeText: input.before === undefined || input.before === null ? null : canonicalJson(input.before),
      afterText: input.after === undefined || input.after === null ? null : canonicalJson(input.after),
    }
  })

  const append = async (trx: Kysely<Database>): Promise<AuditEntry[]> => {
    const head = await trx
      .updateTable('audit_head')
      .set((eb) => ({ seq: eb('seq', '+', checked.length) }))
      .where('id', '=', 1)
      .returning(['seq', 'hash'])
      .executeTakeFirstOrThrow()
    const at = isoTime(clock.now ?? new Date())
    let prev = head.hash
    const entries: AuditEntry[] = []
    const rows: Selectable<AuditLogTable>[] = []
    checked.forEach((c, i) => {
      const fields = {
        seq: Number(head.seq) - checked.length + 1 + i,
        id: newId('aud'),
        at,
        actor: c.actor,
        action: c.action,
        target_type: c.target_type,
        target_id: c.target_id,
        before: c.beforeText === null ? null : parseJson(c.beforeText),
        after: c.afterText === null ? null : parseJson(c.afterText),
        prev_hash: prev,
      }
      const hash = auditEntryHash(fields)
      entries.push({ ...fields, hash })
      rows.push({ ...fields, before: c.beforeText, after: c.afterText, hash })
      prev = hash
    })
    for (let i = 0; i < rows.length; i += APPEND_BATCH) await trx.insertInto('audit_log').values(rows.slice(i, i + APPEND_BATCH)).execute()
    await trx.updateTable('audit_head').set({ hash: prev }).where('id', '=', 1).execute()
    return entries
  }
  return db.isTransaction ? append(db) : db.transaction().execute((trx: Transaction<Database>) => append(trx))
}

export type AuditBreak = 'missing' | 'prev_hash_mismatch' | 'hash_mismatch' | 'bad_json' | 'head_mismatch'

export type AuditVerification =
  | { ok: true; entries: number; head_seq: number; head_hash: string }
  | {
      ok: false
      /** Entries verified before the break. */
      entries: number
      /** The first seq that is wrong: edited, missing, out of place, or (head_mismatch) past the end. */
      broken_seq: number
      reason: AuditBreak
      message: string
    }

/**
 * Walks the chain from seq 1 to the head and reports the first broken entry:
 * - `missing`: seq n is absent (an entry was deleted, or the tail was cut off);
 * - `prev_hash_mismatch`: entry n does not point at entry n-1's hash (entries inserted or reordered);
 * - `hash_mismatch`: entry n's content does not give its stored hash (edited or moved);
 * - `bad_json`: entry n's before/after is not JSON;
 * - `head_mismatch`: the entries end in a different hash than audit_head records.
 * The head is read first, so entries appended while it runs are left for the next run.
 */
export async function verifyAudit(db: Kysely<Database>, options: { batchSize?: number } = {}): Promise<AuditVerification> {
  const batchSize = options.batchSize ?? 1000
  const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow()
  let expectedSeq = 1
  let prevHash = AUDIT_GENESIS_HASH
  const broken = (seq: number, reason: AuditBreak, message: string): AuditVerification => ({
    ok: false,
    entries: expectedSeq - 1,
    broken_seq: seq,
    reason,
    message,
  })
  while (expectedSeq <= head.seq) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .where('seq', '<=', head.seq)
      .orderBy('seq')
      .limit(batchSize)
      .execute()
    if (rows.length === 0) break
    for (const row of rows) {
      if (row.seq !== expectedSeq) return broken(expectedSeq, 'missing', `audit entry ${expectedSeq} is missing`)
      if (row.prev_hash !== prevHash) {
        return broken(row.seq, 'prev_hash_mismatch', `audit entry ${row.seq} does not follow entry ${row.seq - 1} (prev_hash differs)`)
      }
      let entry: AuditEntry
      try {
        entry = toEntry(row)
      } catch {
        return broken(row.seq, 'bad_json', `audit entry ${row.seq} has before/after that is not JSON`)
      }
      if (auditEntryHash(entry) !== row.hash) return broken(row.seq, 'hash_mismatch', `audit entry ${row.seq} was changed (its hash differs)`)
      prevHash = row.hash
      expectedSeq++
    }
  }
  if (expectedSeq <= head.seq) return broken(expectedSeq, 'missing', `audit entry ${expectedSeq} is missing (the log ends at ${expectedSeq - 1}, the head says ${head.seq})`)
  if (prevHash !== head.hash) return broken(head.seq + 1, 'head_mismatch', `the last audit entry's hash differs from the recorded head`)
  return { ok: true, entries: head.seq, head_seq: head.seq, head_hash: head.hash }
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    ...row,
    before: row.before === null ? null : parseJson(row.before),
    after: row.after === null ? null : parseJson(row.after),
  }
}

export interface AuditFilter {
  actor?: string
  action?: string
  target_type?: string
  target_id?: string
  /** Entries at or after this time. */
  from?: Date | string
  /** Entries before this time. */
  to?: Date | string
}

function filtered(db: Kysely<Database>, filter: AuditFilter) {
  let q = db.selectFrom('audit_log').selectAll()
  if (filter.actor !== undefined) q = q.where('actor', '=', filter.actor)
  if (filter.action !== undefined) q = q.where('action', '=', filter.action)
  if (filter.target_type !== undefined) q = q.where('target_type', '=', filter.target_type)
  if (filter.target_id !== undefined) q = q.where('target_id', '=', filter.target_id)
  if (filter.from !== undefined) q = q.where('at', '>=', toIsoTime(filter.from, 'from'))
  if (filter.to !== undefined) q = q.where('at', '<', toIsoTime(filter.to, 'to'))
  return q
}

/** Audit entries matching `filter`, newest first (or `order: 'asc'`), a page at a time. */
export async function listAudit(
  db: Kysely<Database>,
  filter: AuditFilter = {},
  page: PageRequest & { order?: 'asc' | 'desc' } = {},
): Promise<Page<AuditEntry>> {
  const limit = pageLimit(page.limit)
  const order = page.order ?? 'desc'
  const scope = `audit_${order}`
  let q = filtered(db, filter)
  if (page.cursor) q = q.where(keysetAfter(['seq'], decodeCursor(scope, page.cursor, 1), order))
  const rows = await q.orderBy('seq', order).limit(limit + 1).execute()
  return toPage(rows.map(toEntry), limit, scope, (e) => [e.seq])
}

/** Every matching entry, oldest first, read in batches (for exports of any size). */
export async function* streamAudit(db: Kysely<Database>, filter: AuditFilter = {}, options: { batchSize?: number } = {}): AsyncGenerator<AuditEntry> {
  const batchSize = options.batchSize ?? 500
  let after = 0
  for (;;) {
    const rows = await filtered(db, filter).where('seq', '>', after).orderBy('seq').limit(batchSize).execute()
    for (const row of rows) yield toEntry(row)
    const last = rows[rows.length - 1]
    if (rows.length < batchSize || last === undefined) return
    after = last.seq
  }
}

/** The export as JSON Lines: one entry per line, each with everything needed to re-verify the chain. */
export async function* exportAuditJsonLines(db: Kysely<Database>, filter: AuditFilter = {}): AsyncGenerator<string> {
  for await (const entry of streamAudit(db, filter)) yield `${JSON.stringify(entry)}\n`
}

export const AUDIT_CSV_COLUMNS = ['seq', 'id', 'at', 'actor', 'action', 'target_type', 'target_id', 'before', 'after', 'prev_hash', 'hash'] as const

/** The export as CSV: a header row, then one row per entry; before/after as canonical JSON text. */
export async function* exportAuditCsv(db: Kysely<Database>, filter: AuditFilter = {}): AsyncGenerator<string> {
  yield stringify([[...AUDIT_CSV_COLUMNS]])
  for await (const e of streamAudit(db, filter)) {
    yield stringify([
      [
        e.seq,
        e.id,
        e.at,
        e.actor,
        e.action,
        e.target_type ?? '',
        e.target_id ?? '',
        e.before === null ? '' : canonicalJson(e.before),
        e.after === null ? '' : canonicalJson(e.after),
        e.prev_hash,
        e.hash,
      ],
    ])
  }
}
