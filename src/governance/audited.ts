import type { Kysely } from 'kysely'
import { appendAuditMany } from '../store/index.js'
import type { AuditInput, Database, Store } from '../store/index.js'
import type { Actor } from './policy.js'

/**
 * An audit entry a change produces. The actor is who made the change unless the record names
 * another (first-admin setup records the account it creates as the actor).
 */
export type AuditRecord = Omit<AuditInput, 'actor'> & { actor?: string }

export interface Change<T> {
  result: T
  /** What to record; empty when nothing changed after all. */
  audit: readonly AuditRecord[]
}

/**
 * Runs a change and records it in the audit log in one transaction: `change` writes through the
 * repositories with `trx` and says what happened; the entries are appended last (appendAudit holds
 * the audit head's lock until commit, so it goes late). If the change or an append throws,
 * everything rolls back: the log never records a change that didn't happen, and no change
 * happens without its entry.
 *
 * @example
 * const user = await audited(store, actor, async (trx) => {
 *   const user = await createUser(trx, input)
 *   return { result: user, audit: [{ action: 'user.create', target_type: 'user', target_id: user.id, after: user }] }
 * })
 */
export async function audited<T>(store: Store, actor: Actor, change: (trx: Kysely<Database>) => Promise<Change<T>>): Promise<T> {
  return store.transaction(async (trx) => {
    const { result, audit } = await change(trx)
    // One batch: a bulk decision records hundreds of entries, and each append is a round trip otherwise.
    await appendAuditMany(
      trx,
      audit.map((record) => ({ ...record, actor: record.actor ?? actor.id })),
    )
    return result
  })
}
