import { createHash } from 'node:crypto'
import { canonicalJson } from './json.js'
import type { JsonValue } from './json.js'

/** prev_hash of the first entry: 64 zeros. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64)

/** Exactly the fields an audit entry's hash covers. */
export interface HashedAuditFields {
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
}

/**
 * `sha256(canonicalJson({seq, id, at, actor, action, target_type, target_id, before, after,
 * prev_hash}))`, lower-case hex. before/after are the JSON values (not their text), so anyone with
 * a JSON export can recompute the chain; docs/store.md spells the algorithm out.
 */
export function auditEntryHash(entry: HashedAuditFields): string {
  const fields: HashedAuditFields = {
    seq: entry.seq,
    id: entry.id,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target_type: entry.target_type,
    target_id: entry.target_id,
    before: entry.before,
    after: entry.after,
    prev_hash: entry.prev_hash,
  }
  return createHash('sha256').update(canonicalJson(fields), 'utf8').digest('hex')
}
