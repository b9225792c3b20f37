/**
 * Helpers for tests that need an SoD rule or a drift finding as a fixture (the route permissions
 * table): made through the store, without a sync, a scan or an audit entry.
 */
import { insertDriftFinding, insertSodRule, isoTime, newId } from '../store/index.js'
import type { DriftFindingsTable, Store } from '../store/index.js'

let serial = 0

/** A block rule between two entitlements of one integration, under a fresh name, with no audit entry; returns its id. */
export async function anSodRule(store: Store, integrationId: string, a: string, b: string): Promise<string> {
  serial++
  const now = isoTime(new Date())
  const id = newId('sod')
  await store.transaction((trx) =>
    insertSodRule(
      trx,
      { id, name: `Test rule ${serial} ${Math.random().toString(36).slice(2, 8)}`, description: '', action: 'block', approver_user_ids: '[]', enabled: 1, created_by: 'system', created_at: now, updated_at: now },
      { a: [{ integration_id: integrationId, entitlement_id: a }], b: [{ integration_id: integrationId, entitlement_id: b }] },
    ),
  )
  return id
}

/** An open (review) finding of a grant of a fresh user; returns its id. */
export async function aDriftFinding(store: Store, grant: { integration_id: string; entitlement_id: string; app_id: string | null }, state: DriftFindingsTable['state'] = 'open'): Promise<string> {
  serial++
  const now = isoTime(new Date())
  const id = newId('drf')
  await insertDriftFinding(store.db, {
    id,
    integration_id: grant.integration_id,
    app_id: grant.app_id,
    entitlement_id: grant.entitlement_id,
    principal_id: `user:${7000 + serial}`,
    sync_run_id: newId('syn'),
    action: state === 'reported' ? 'report' : 'review',
    state,
    revoke_order_id: null,
    decided_by: null,
    decided_at: null,
    reason: null,
    created_at: now,
    updated_at: now,
  })
  return id
}
