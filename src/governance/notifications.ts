import type { Kysely } from 'kysely'
import { enqueue } from '../jobs/index.js'
import type { Database } from '../store/index.js'

/**
 * Notifications are durable jobs, enqueued in the transaction of the change that causes them, so
 * an email goes out if and only if the change committed (DESIGN.md, jobs/).
 */
export const EMAIL_JOB = 'notify.email'

export interface EmailMessage {
  to: string
  subject: string
  /** Plain text. Never put a secret in a message: the payload is stored in the jobs table. */
  text: string
}

/** Queues one email; the worker's `notify.email` handler sends it. */
export async function enqueueEmail(db: Kysely<Database>, message: EmailMessage): Promise<void> {
  await enqueue(db, { kind: EMAIL_JOB, payload: message, maxAttempts: 8 })
}
