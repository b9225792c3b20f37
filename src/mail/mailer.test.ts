import { afterEach, describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { createMailer, mailerFromEnv } from './index.js'
import { startSmtpCatcher } from './test-support.js'
import type { SmtpCatcher } from './test-support.js'

const catchers: SmtpCatcher[] = []
async function catcher(options?: Parameters<typeof startSmtpCatcher>[0]): Promise<SmtpCatcher> {
  const c = await startSmtpCatcher(options)
  catchers.push(c)
  return c
}
afterEach(async () => {
  await Promise.all(catchers.splice(0).map((c) => c.close()))
})

async function failure(promise: Promise<unknown>): Promise<WardenError> {
  const e: unknown = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(e).toBeInstanceOf(WardenError)
  return e as WardenError
}

function thrown(fn: () => unknown): WardenError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('did not throw')
}

describe('mailer', () => {
  it('delivers subject, sender, recipient and body over real SMTP (settings from the environment)', async () => {
    const smtp = await catcher()
    const mailer = mailerFromEnv({ WARDEN_SMTP_URL: smtp.url, WARDEN_MAIL_FROM: 'Access Team <access@example.com>' })
    expect(mailer.description).toBe(smtp.url)
    const text = `Hello Ann,\n\nPlease finish setting up “OneLogin” (ünïcode, a = sign):\nhttps://warden.example.com/integrations/int_1?${'x'.repeat(100)}`
    await mailer.send({ to: 'ann@example.com', subject: 'Your help is needed: OneLogin — connector', text })
    await mailer.send({ to: 'bob@example.com', subject: 'plain', text: 'one line' })
    const [first, second] = await smtp.waitFor(2)
    expect(first).toMatchObject({ from: 'Access Team <access@example.com>', to: ['ann@example.com'], subject: 'Your help is needed: OneLogin — connector', text })
    expect(second).toMatchObject({ from: 'Access Team <access@example.com>', to: ['bob@example.com'], subject: 'plain', text: 'one line' })
  })

  it('without an SMTP server logs one line per message, with recipient and subject but not the body', async () => {
    const lines: string[] = []
    const mailer = mailerFromEnv({}, (line) => lines.push(line))
    expect(mailer.description).toBe('log (no SMTP server configured)')
    await mailer.send({ to: 'ann@example.com', subject: 'Finish the OneLogin setup', text: 'secret-link https://x/setup?token=abc\nline two' })
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain('\n')
    expect(lines[0]).toContain('not sent, no SMTP server configured')
    expect(lines[0]).toContain('ann@example.com')
    expect(lines[0]).toContain('Finish the OneLogin setup')
    expect(lines[0]).not.toContain('token=abc')
  })

  it('refuses a malformed SMTP URL or sender with one line naming the setting, never the password', () => {
    for (const [smtpUrl, says] of [
      ['not a url s3cret-pw', 'is not a valid URL'],
      ['http://mailer:s3cret-pw@mail.example.com', 'must start with smtp:// or smtps://, not http://'],
      ['smtp://mailer@mail.example.com', 'needs both a user name and a password'],
      ['smtps://mailer:s3cret-pw@mail.example.com/inbox?pool=true', 'has a path or query'],
      ['smtp://mailer:s3cret-pw%zz@mail.example.com', 'malformed %-escape'],
    ] as const) {
      const e = thrown(() => createMailer({ smtpUrl }))
      expect(e.code, smtpUrl).toBe('BAD_INPUT')
      expect(e.message).toContain('WARDEN_SMTP_URL')
      expect(e.message).toContain(says)
      expect(e.message).not.toContain('s3cret')
      expect(e.message).not.toContain('\n')
    }
    const from = thrown(() => createMailer({ from: 'Warden\r\nBcc: x@evil.example' }))
    expect(from.code).toBe('BAD_INPUT')
    expect(from.message).toContain('WARDEN_MAIL_FROM')
    expect(from.message).not.toContain('\n')
    expect(createMailer({ smtpUrl: 'smtps://mailer:s3cret-pw@mail.example.com' }).description).toBe('smtps://mail.example.com:465')
    expect(createMailer({ smtpUrl: 'smtp://[::1]' }).description).toBe('smtp://[::1]:587')
  })

  it('refuses a bad recipient before connecting', async () => {
    const smtp = await catcher()
    const e = await failure(createMailer({ smtpUrl: smtp.url }).send({ to: 'ann@example.com\r\nBcc: x@evil.example', subject: 's', text: 't' }))
    expect(e.code).toBe('BAD_INPUT')
    expect(smtp.messages).toEqual([])
  })

  it('reports a recipient the server refuses for good as MAIL_REJECTED (not retryable), a deferral as MAIL_UNAVAILABLE', async () => {
    const smtp = await catcher({ rejectRecipients: /^nobody@/, deferRecipients: /^busy@/ })
    const mailer = createMailer({ smtpUrl: smtp.url })
    const rejected = await failure(mailer.send({ to: 'nobody@example.com', subject: 's', text: 't' }))
    expect(rejected).toMatchObject({ code: 'MAIL_REJECTED', retryable: false, upstreamStatus: 550 })
    expect(rejected.message).toBe(`the mail server ${smtp.url} refused the message to nobody@example.com: 550 5.1.1 <nobody@example.com>: recipient unknown`)
    const deferred = await failure(mailer.send({ to: 'busy@example.com', subject: 's', text: 't' }))
    expect(deferred).toMatchObject({ code: 'MAIL_UNAVAILABLE', retryable: true, upstreamStatus: 450 })
    expect(smtp.messages).toEqual([])
  })

  it('reports refused credentials as MAIL_REJECTED without the password', async () => {
    const smtp = await catcher()
    const e = await failure(createMailer({ smtpUrl: smtp.url.replace('//', '//mailer:s3cret-pw@') }).send({ to: 'ann@example.com', subject: 's', text: 't' }))
    expect(e).toMatchObject({ code: 'MAIL_REJECTED', retryable: false })
    expect(e.message).toContain('refused the user name and password')
    expect(JSON.stringify(e)).not.toContain('s3cret')
    expect(e.message).not.toContain('s3cret')
  })

  it('reports a server that is not there as MAIL_UNAVAILABLE (retryable)', async () => {
    const smtp = await startSmtpCatcher()
    await smtp.close()
    const e = await failure(createMailer({ smtpUrl: smtp.url }).send({ to: 'ann@example.com', subject: 's', text: 't' }))
    expect(e).toMatchObject({ code: 'MAIL_UNAVAILABLE', retryable: true })
    expect(e.message).toMatch(/^the mail server smtp:\/\/127\.0\.0\.1:\d+ could not be reached: .*ECONNREFUSED/)
  })
})
