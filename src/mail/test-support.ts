import { SMTPServer } from 'smtp-server'
import type { SMTPServerError } from 'smtp-server'

/** A message as the catcher received it. */
export interface ReceivedMail {
  /** The From header, e.g. `Warden <warden@localhost>`. */
  from: string
  /** The envelope recipients (RCPT TO). */
  to: string[]
  /** The Subject header, encoded words decoded. */
  subject: string
  /** The text/plain body, transfer encoding undone, line ends as `\n`, without the final line end SMTP adds. */
  text: string
  /** The message exactly as it came over the wire. */
  raw: string
}

export interface SmtpCatcherOptions {
  /** Recipients answered `550` (permanent) at RCPT TO. */
  rejectRecipients?: RegExp
  /** Recipients answered `450` (try later) at RCPT TO. */
  deferRecipients?: RegExp
}

export interface SmtpCatcher {
  /** `smtp://127.0.0.1:<port>`, for createMailer. */
  url: string
  messages: ReceivedMail[]
  /** Resolves with the messages once there are at least `count` (default timeout 5 s). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>
  close(): Promise<void>
}

/**
 * A real SMTP server (the smtp-server package) on a free local port that keeps what it receives,
 * for tests. No TLS; AUTH is offered but always fails (no account exists), so only mail sent
 * without credentials gets through.
 */
export async function startSmtpCatcher(options: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
  const messages: ReceivedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.test(address.address)) return callback(smtpError(550, `5.1.1 <${address.address}>: recipient unknown`))
      if (options.deferRecipients?.test(address.address)) return callback(smtpError(450, `4.2.1 <${address.address}>: mailbox busy, try later`))
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        messages.push({ ...parseMessage(raw), to: session.envelope.rcptTo.map((a) => a.address), raw })
        callback()
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.server.address()
  if (address === null || typeof address === 'string') throw new Error('the SMTP catcher has no TCP port')
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    messages,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} message(s); got ${messages.length}`)
        await new Promise((r) => setTimeout(r, 10))
      }
      return messages
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function smtpError(responseCode: number, message: string): SMTPServerError {
  const error: SMTPServerError = new Error(message)
  error.responseCode = responseCode
  return error
}

/** Just enough RFC 5322/2045/2047 for the single-part text mail nodemailer sends. */
function parseMessage(raw: string): Omit<ReceivedMail, 'to' | 'raw'> {
  const split = raw.indexOf('\r\n\r\n')
  const head = split === -1 ? raw : raw.slice(0, split)
  const body = split === -1 ? '' : raw.slice(split + 4)
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    if (colon > 0 && !headers.has(name)) headers.set(name, line.slice(colon + 1).trim())
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase()
  const bytes =
    encoding === 'base64' ? Buffer.from(body, 'base64')
    : encoding === 'quoted-printable' ? decodeQuotedPrintable(body)
    : Buffer.from(body, 'utf8')
  return {
    from: decodeWords(headers.get('from') ?? ''),
    subject: decodeWords(headers.get('subject') ?? ''),
    text: bytes.toString('utf8').replace(/\r\n/g, '\n').replace(/\n$/, ''),
  }
}

function decodeQuotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r\n/g, '')
  const bytes: number[] = []
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3)
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(...Buffer.from(soft[i]!, 'utf8'))
    }
  }
  return Buffer.from(bytes)
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`); whitespace between two of them goes. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_m, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')).toString('utf8'),
    )
}
