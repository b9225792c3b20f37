import type { Kysely } from 'kysely'
import type { Database } from '../store/index.js'

// SEAM (issue 8): the interface the requests module calls; the helper building SoD rules
// replaces the body. Keep this signature.

export interface SodConflict {
  rule_id: string
  rule_name: string
  /** block: the request is refused; extra_approval: an extra approval step by approver_user_ids. */
  action: 'block' | 'extra_approval'
  approver_user_ids: string[]
  /** The entitlement requested (one side of the rule). */
  requested: string
  /** The entitlements of the other side the person already holds. */
  held: string[]
}

/** The SoD rules a grant of `entitlement_id` to `principal_id` would break. */
export async function conflictsForGrant(_db: Kysely<Database>, _grant: { integration_id: string; entitlement_id: string; principal_id: string }): Promise<SodConflict[]> {
  return []
}
