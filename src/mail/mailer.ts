import nodemailer from 'nodemailer'
import type { NodemailerError, SMTPTransportOptions } from 'nodemailer'
import { WardenError } from '../errors/index.js'

/** One plain-text email. */
export interface MailMessage {
  to: string
  subject: string
  text: string
}

/** Sends mail. Failures are WardenErrors: MAIL_UNAVAILABLE (try again later), MAIL_REJECTED, BAD_INPUT. */
export interface Mailer {
  /** Resolves once the server accepted the message. `signal` cancels a send in progress. */
  send(message: MailMessage, options?: { signal?: AbortSignal }): Promise<void>
  /** Where mail goes, for logs and status pages, never with credentials: `smtp://host:587`. */
  readonly description: string
}

export interface MailerOptions {
  /** `smtp://[user:password@]host[:port]` (STARTTLS when offered) or `smtps://...` (TLS from the start). */
  smtpUrl?: string
  /** The From of every message (default `Warden <warden@localhost>`). */
  from?: string
  /** Where the log mailer (no smtpUrl) writes its one line per message (default stderr). */
  log?: (line: string) => void
}

export const DEFAULT_MAIL_FROM = 'Warden <warden@localhost>'

// Short enough that a dead server fails a job attempt quickly (the job is retried), long enough
// for a slow relay. nodemailer's defaults (2 min connect, 10 min idle) would hold a worker slot.
const TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000, dnsTimeout: 10_000 }

const URL_SETTING = 'the SMTP URL (WARDEN_SMTP_URL)'
const FROM_SETTING = 'the sender address (WARDEN_MAIL_FROM)'
const URL_SHAPE = 'expected smtp://[user:password@]host[:port] or smtps://...'

// Light checks: one address, with or without a display name, no line breaks. The server has the last word.
const BARE_ADDRESS = /^[^\s<>@]+@[^\s<>@]+$/
const NAMED_ADDRESS = /^[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>$/

function isAddress(value: string): boolean {
  return BARE_ADDRESS.test(value) || NAMED_ADDRESS.test(value)
}

/**
 * A mailer that sends through the SMTP server at `smtpUrl`, or, without one, one that writes a
 * line per message saying it was not sent (so a server without mail set up still works and says so).
 * Throws BAD_INPUT for a malformed URL or sender; the message never contains the password.
 */
export function createMailer(options: MailerOptions = {}): Mailer {
  const from = options.from ?? DEFAULT_MAIL_FROM
  if (!isAddress(from)) {
    throw new WardenError('BAD_INPUT', `${FROM_SETTING} ${JSON.stringify(from)} is not an email address: expected "Name <address@host>" or address@host`)
  }
  if (options.smtpUrl === undefined || options.smtpUrl.trim() === '') return logMailer(options.log)
  return smtpMailer(parseSmtpUrl(options.smtpUrl), from)
}

/** createMailer from WARDEN_SMTP_URL and WARDEN_MAIL_FROM (both optional). */
export function mailerFromEnv(env: NodeJS.ProcessEnv = process.env, log?: (line: string) => void): Mailer {
  return createMailer({ smtpUrl: env.WARDEN_SMTP_URL, from: env.WARDEN_MAIL_FROM || undefined, log })
}

function checkMessage(message: MailMessage): void {
  if (!isAddress(message.to)) throw new WardenError('BAD_INPUT', `not an email address: ${JSON.stringify(message.to)}`)
}

function logMailer(log: (line: string) => void = (line) => void process.stderr.write(`${line}\n`)): Mailer {
  return {
    description: 'log (no SMTP server configured)',
    async send(message) {
      checkMessage(message)
      // The body may hold a link meant for the recipient only: the log gets to and subject alone.
      log(`warden mail: not sent, no SMTP server configured (set WARDEN_SMTP_URL): to ${JSON.stringify(message.to)}, subject ${JSON.stringify(message.subject)}`)
    },
  }
}

interface SmtpTarget {
  description: string
  transport: SMTPTransportOptions
  /** To scrub from any upstream text we repeat, should a server ever echo it. */
  password: string | undefined
}

function parseSmtpUrl(value: string): SmtpTarget {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    // The value is not repeated: it may hold a password.
    throw new WardenError('BAD_INPUT', `${URL_SETTING} is not a valid URL; ${URL_SHAPE}`)
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new WardenError('BAD_INPUT', `${URL_SETTING} must start with smtp:// or smtps://, not ${url.protocol}//`)
  }
  if (url.hostname === '') throw new WardenError('BAD_INPUT', `${URL_SETTING} names no host; ${URL_SHAPE}`)
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new WardenError('BAD_INPUT', `${URL_SETTING} has a path or query, which Warden does not use; ${URL_SHAPE}`)
  }
  let user: string
  let password: string
  try {
    user = decodeURIComponent(url.username)
    password = decodeURIComponent(url.password)
  } catch {
    throw new WardenError('BAD_INPUT', `${URL_SETTING} has a malformed %-escape in its user name or password`)
  }
  if ((user === '') !== (password === '')) {
    throw new WardenError('BAD_INPUT', `${URL_SETTING} needs both a user name and a password, or neither`)
  }
  const secure = url.protocol === 'smtps:'
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port)
  // URL keeps IPv6 hosts in brackets; the socket wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return {
    description: `${url.protocol}//${url.hostname}:${port}`,
    transport: { host, port, secure, ...(user === '' ? {} : { auth: { user, pass: password } }), ...TIMEOUTS },
    password: password === '' ? undefined : password,
  }
}

function smtpMailer(target: SmtpTarget, from: string): Mailer {
  const transporter = nodemailer.createTransport(target.transport)
  return {
    description: target.description,
    async send(message, options = {}) {
      checkMessage(message)
      try {
        await transporter.sendMail({ from, to: message.to, subject: message.subject, text: message.text, signal: options.signal })
      } catch (e) {
        throw mailError(e, target, message.to)
      }
    },
  }
}

// Errors that ended the connection rather than refused the message: another attempt may succeed.
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'EPROTOCOL'])

function mailError(e: unknown, target: SmtpTarget, to: string): WardenError {
  const err = (e ?? {}) as NodemailerError
  const scrub = (text: string): string => (target.password === undefined ? text : text.split(target.password).join('***'))
  const detail = scrub((err.response ?? err.message ?? String(e)).replace(/\s+/g, ' ').trim())
  const where = `the mail server ${target.description}`
  if (err.code === 'EABORT' || err.name === 'AbortError') {
    return new WardenError('INTERRUPTED', `sending mail to ${to} was cancelled`, { cause: e })
  }
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') {
    return new WardenError('MAIL_REJECTED', `${where} refused the user name and password in ${URL_SETTING}: ${detail}`, { cause: e, upstreamMessage: detail })
  }
  if (typeof err.responseCode === 'number') {
    const status = { upstreamStatus: err.responseCode, upstreamMessage: detail, cause: e }
    // A 5xx reply (503 aside: a session in the wrong state) is final; 4xx means "later".
    const permanent = err.permanent ?? (err.responseCode >= 500 && err.responseCode !== 503)
    return permanent
      ? new WardenError('MAIL_REJECTED', `${where} refused the message to ${to}: ${detail}`, status)
      : new WardenError('MAIL_UNAVAILABLE', `${where} deferred the message to ${to}: ${detail}`, status)
  }
  if (err.code !== undefined && TRANSIENT_CODES.has(err.code)) {
    return new WardenError('MAIL_UNAVAILABLE', `${where} could not be reached: ${detail}`, { cause: e })
  }
  return new WardenError('MAIL_REJECTED', `sending mail to ${to} through ${target.description} failed: ${detail}`, { cause: e })
}
