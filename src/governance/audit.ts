import { exportAuditCsv, exportAuditJsonLines, listAudit, streamAudit, verifyAudit } from '../store/index.js'
import type { AuditEntry, AuditFilter, AuditVerification, Page, PageRequest, Store } from '../store/index.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * Reading the audit log: a filtered, paged list; a verification of the whole hash chain; and
 * exports streamed oldest first (CSV, a JSON array, or JSON Lines), each entry with the hashes an
 * auditor needs to re-verify it (docs/store.md, "The audit chain").
 */

export async function listAuditLog(
  store: Store,
  actor: Actor,
  filter: AuditFilter = {},
  page: PageRequest & { order?: 'asc' | 'desc' } = {},
): Promise<Page<AuditEntry>> {
  authorize(actor, 'audit:read')
  return listAudit(store.db, filter, page)
}

export async function verifyAuditLog(store: Store, actor: Actor): Promise<AuditVerification> {
  authorize(actor, 'audit:read')
  return verifyAudit(store.db)
}

export type AuditExportFormat = 'csv' | 'json' | 'jsonl'

export const AUDIT_EXPORT_TYPES: Readonly<Record<AuditExportFormat, string>> = Object.freeze({
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
})

/**
 * The export as text chunks, to stream. Permission is checked now, before the first chunk, so a
 * refusal is an ordinary error response and not a cut-off download.
 */
export function exportAuditLog(store: Store, actor: Actor, format: AuditExportFormat, filter: AuditFilter = {}): AsyncGenerator<string> {
  authorize(actor, 'audit:read')
  if (format === 'csv') return exportAuditCsv(store.db, filter)
  if (format === 'jsonl') return exportAuditJsonLines(store.db, filter)
  return jsonArray(streamAudit(store.db, filter))
}

async function* jsonArray(entries: AsyncGenerator<AuditEntry>): AsyncGenerator<string> {
  let first = true
  yield '['
  for await (const entry of entries) {
    yield `${first ? '\n' : ',\n'}${JSON.stringify(entry)}`
    first = false
  }
  yield first ? ']\n' : '\n]\n'
}
