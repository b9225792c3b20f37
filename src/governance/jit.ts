import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import type { Database } from '../store/index.js'

// SEAM (issue 8): the interface the requests module calls; the helper building provisioning and
// expiry replaces the bodies. Keep these signatures.

export interface GrantOrder {
  integration_id: string
  entitlement_id: string
  /** The OneLogin user (`user:<id>`) who gets it. */
  principal_id: string
  /** The access request this carries out (null: an admin action, a drift revoke). */
  request_id: string | null
  /** A time-bound grant's length; null for a permanent one. */
  duration_minutes: number | null
  /** Who caused it: a user id or 'system'. */
  actor: string
}

export interface OrderEvent {
  at: string
  state: string
  message: string
}

export interface OrderView {
  id: string
  kind: 'grant' | 'revoke'
  request_id: string | null
  state: 'queued' | 'running' | 'done' | 'failed' | 'manual'
  attempts: number
  last_error: string | null
  expires_at: string | null
  events: OrderEvent[]
  updated_at: string
}

/** In the caller's transaction: records a grant order and enqueues its provisioning job. */
export async function orderGrant(_trx: Kysely<Database>, _order: GrantOrder, _now: Date): Promise<string> {
  throw new WardenError('INTERNAL', 'orderGrant: not built yet')
}

/** In the caller's transaction: records a revoke order and enqueues its job. */
export async function orderRevoke(_trx: Kysely<Database>, _order: Omit<GrantOrder, 'duration_minutes'>, _now: Date): Promise<string> {
  throw new WardenError('INTERNAL', 'orderRevoke: not built yet')
}

/** The orders carrying out these requests (for request views: state and history). */
export async function ordersOfRequests(_db: Kysely<Database>, _requestIds: readonly string[]): Promise<Map<string, OrderView[]>> {
  return new Map()
}

/** Whether Warden ordered this grant (drift: a grant without one is out-of-band). */
export async function grantWasOrdered(_db: Kysely<Database>, _grant: { integration_id: string; entitlement_id: string; principal_id: string }): Promise<boolean> {
  return false
}
