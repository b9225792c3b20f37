import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import { enqueue } from '../jobs/index.js'
import type { JobHandler } from '../jobs/index.js'
import type { Mailer } from '../mail/index.js'
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

/**
 * The worker's notification handlers. A payload that is not an EmailMessage is BAD_INPUT, which
 * is not retryable: the job goes dead at once instead of failing the same way eight times. Mail
 * errors keep their own retryability (a server that is down is tried again, a refused recipient not).
 * A worker that dies between the send and recording it sends the message again on the retry.
 */
export function notificationJobs(mailer: Mailer): { handlers: Record<string, JobHandler> } {
  return {
    handlers: {
      [EMAIL_JOB]: async ({ job, signal }) => {
        await mailer.send(emailMessage(job.payload), { signal })
      },
    },
  }
}

function emailMessage(payload: unknown): EmailMessage {
  const p = (typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {}) as Partial<Record<keyof EmailMessage, unknown>>
  if (typeof p.to !== 'string' || typeof p.subject !== 'string' || typeof p.text !== 'string') {
    throw new WardenError('BAD_INPUT', `${EMAIL_JOB} payload is not an email message: expected {"to", "subject", "text"} strings`)
  }
  return { to: p.to, subject: p.subject, text: p.text }
}
