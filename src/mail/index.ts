/** Outgoing email: SMTP through nodemailer, or a log line when no server is configured. */
export { DEFAULT_MAIL_FROM, createMailer, mailerFromEnv } from './mailer.js'
export type { MailMessage, Mailer, MailerOptions } from './mailer.js'
