import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { Worker, enqueue, getJob, listJobs } from '../jobs/index.js'
import type { Job } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { createMailer } from '../mail/index.js'
import { startSmtpCatcher } from '../mail/test-support.js'
import type { SmtpCatcher } from '../mail/test-support.js'
import { EMAIL_JOB, enqueueEmail, notificationJobs } from './notifications.js'

describeDialects('email notifications', (t) => {
  let smtp: SmtpCatcher
  let worker: Worker
  const { logger } = memoryLogger()

  beforeEach(async () => {
    smtp = await startSmtpCatcher({ rejectRecipients: /^nobody@/ })
    worker = new Worker(t.store, { ...notificationJobs(createMailer({ smtpUrl: smtp.url })), pollIntervalMs: 10, logger })
    worker.start()
  })
  afterEach(async () => {
    await worker.stop({ timeoutMs: 1000 })
    await smtp.close()
  })

  async function settled(id: string): Promise<Job> {
    return waitFor(async () => {
      const job = await getJob(t.store.db, id)
      return job?.status === 'succeeded' || job?.status === 'dead' ? job : undefined
    }, 10_000, `job ${id} to finish`)
  }

  it('sends a committed email through SMTP, and never one whose transaction rolled back', async () => {
    const message = { to: 'owner@example.com', subject: 'Your help is needed: OneLogin', text: 'Finish the setup:\nhttps://warden.example.com/integrations/int_1' }
    await t.store.transaction((trx) => enqueueEmail(trx, message))
    await expect(
      t.store.transaction(async (trx) => {
        await enqueueEmail(trx, { ...message, to: 'phantom@example.com' })
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    const [mail] = await smtp.waitFor(1)
    expect(mail).toMatchObject({ from: 'Warden <warden@localhost>', to: ['owner@example.com'], subject: message.subject, text: message.text })
    const [job] = (await listJobs(t.store.db, { kind: EMAIL_JOB })).items
    expect(await settled(job!.id)).toMatchObject({ status: 'succeeded', attempts: 1 })
    await new Promise((r) => setTimeout(r, 50))
    expect(smtp.messages).toHaveLength(1)
  })

  it('makes a job whose payload is not an email dead at once, and sends nothing', async () => {
    const id = (await enqueue(t.store.db, { kind: EMAIL_JOB, payload: { to: 'owner@example.com', subject: 'no text' }, maxAttempts: 8 }))!
    expect(await settled(id)).toMatchObject({
      status: 'dead',
      attempts: 1,
      last_error: 'BAD_INPUT: notify.email payload is not an email message: expected {"to", "subject", "text"} strings',
    })
    expect(smtp.messages).toEqual([])
  })

  it('makes a job dead at once when the server refuses the recipient for good', async () => {
    await enqueueEmail(t.store.db, { to: 'nobody@example.com', subject: 's', text: 't' })
    const [job] = (await listJobs(t.store.db, { kind: EMAIL_JOB })).items
    const done = await settled(job!.id)
    expect(done).toMatchObject({ status: 'dead', attempts: 1 })
    expect(done.last_error).toMatch(/^MAIL_REJECTED: .*550/)
  })
})
