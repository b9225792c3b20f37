import type { Command } from 'commander'
import { WardenError } from '../errors/index.js'
import { OneLoginClient, RateBudget } from '../onelogin/index.js'
import type { RetryEvent } from '../onelogin/index.js'
import { intOption } from './parse.js'

export interface OneLoginFlags {
  oneloginDomain?: string
  oneloginClientId?: string
  oneloginClientSecret?: string
  oneloginBaseUrl?: string
  rateLimit?: number
}

/** The OneLogin connection flags every command that talks to a tenant takes (DESIGN.md CLI contract). */
export function addOneLoginOptions(cmd: Command): Command {
  return cmd
    .option('--onelogin-domain <domain>', 'the tenant: acme, acme.onelogin.com or https://acme.onelogin.com (env WARDEN_ONELOGIN_DOMAIN)')
    .option('--onelogin-client-id <id>', 'API client ID (env WARDEN_ONELOGIN_CLIENT_ID)')
    .option('--onelogin-client-secret <secret>', 'API client secret; prefer the env var WARDEN_ONELOGIN_CLIENT_SECRET')
    .option('--onelogin-base-url <url>', 'replace the URL derived from the domain (http allowed: the emulator)')
    .option('--rate-limit <n>', 'OneLogin calls per hour this run may spend (OneLogin allows 5000 per account)', intOption('--rate-limit', 1, 1_000_000))
}

/** A client from flags, falling back to the WARDEN_ONELOGIN_* environment variables. */
export function clientFromFlags(flags: OneLoginFlags, onRetry?: (e: RetryEvent) => void, env: NodeJS.ProcessEnv = process.env): OneLoginClient {
  const domain = flags.oneloginDomain ?? env['WARDEN_ONELOGIN_DOMAIN']
  const baseUrl = flags.oneloginBaseUrl ?? env['WARDEN_ONELOGIN_BASE_URL']
  const clientId = flags.oneloginClientId ?? env['WARDEN_ONELOGIN_CLIENT_ID']
  const clientSecret = flags.oneloginClientSecret ?? env['WARDEN_ONELOGIN_CLIENT_SECRET']
  if ((domain === undefined || domain === '') && (baseUrl === undefined || baseUrl === '')) {
    throw new WardenError('BAD_INPUT', 'no OneLogin tenant: give --onelogin-domain (or WARDEN_ONELOGIN_DOMAIN)')
  }
  if (clientId === undefined || clientId === '') throw new WardenError('BAD_INPUT', 'no OneLogin client ID: give --onelogin-client-id (or WARDEN_ONELOGIN_CLIENT_ID)')
  if (clientSecret === undefined || clientSecret === '') {
    throw new WardenError('BAD_INPUT', 'no OneLogin client secret: set WARDEN_ONELOGIN_CLIENT_SECRET (or give --onelogin-client-secret)')
  }
  return new OneLoginClient({
    ...(domain === undefined ? {} : { domain }),
    ...(baseUrl === undefined || baseUrl === '' ? {} : { baseUrl }),
    clientId,
    clientSecret,
    ...(flags.rateLimit === undefined ? {} : { rateBudget: new RateBudget({ limit: flags.rateLimit }) }),
    ...(onRetry === undefined ? {} : { onRetry }),
  })
}
