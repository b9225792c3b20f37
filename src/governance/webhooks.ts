import type { Kysely } from 'kysely'
import type { Database } from '../store/index.js'

// SEAM (issue 8): the interface the requests and provisioning modules call; the helper building
// outbound webhooks replaces the body. Keep this signature.

/**
 * In the caller's transaction: queues a signed delivery of `type` (e.g. request.created,
 * request.approved, request.denied, request.provisioned, request.failed, grant.expired) to every
 * enabled webhook subscribed to it.
 */
export async function emitWebhookEvent(_trx: Kysely<Database>, _type: string, _data: unknown, _now: Date): Promise<void> {}
