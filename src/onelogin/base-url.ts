import { WardenError } from '../errors/index.js'

/**
 * The API base URL for a customer's "domain" field.
 *
 * OneLogin's API lives on the tenant's own host (`https://<sub>.onelogin.com`); the legacy
 * regional hosts `api.us.onelogin.com` and `api.eu.onelogin.com` still work and identify the
 * tenant by the token alone (onelogin-api.md §1). Anything else is refused, so a mistyped or
 * hostile domain can never receive the client secret. `override` (the emulator, tests) replaces
 * the derived URL and may be http.
 */
export function resolveBaseUrl(domain: string | undefined, override?: string): string {
  if (override !== undefined && override !== '') return normaliseOverride(override)
  if (domain === undefined || domain.trim() === '') {
    throw new WardenError('BAD_INPUT', 'The OneLogin domain is missing: give the tenant as acme, acme.onelogin.com or https://acme.onelogin.com')
  }
  const raw = domain.trim()
  let host: string
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      throw refused(raw)
    }
    if (url.protocol !== 'https:') {
      throw new WardenError('ONELOGIN_DOMAIN_REFUSED', `OneLogin domain "${raw}" must use https`)
    }
    if (url.port !== '' || url.username !== '' || url.password !== '') throw refused(raw)
    host = url.hostname.toLowerCase()
  } else {
    host = raw.toLowerCase().replace(/\/.*$/, '')
    // A bare subdomain: "acme".
    if (/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(host)) host = `${host}.onelogin.com`
  }
  if (!isOneLoginHost(host)) throw refused(raw)
  return `https://${host}`
}

/** `<sub>.onelogin.com` (one label) or the regional `api.us|eu.onelogin.com`. */
export function isOneLoginHost(host: string): boolean {
  if (host === 'api.us.onelogin.com' || host === 'api.eu.onelogin.com') return true
  const m = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.onelogin\.com$/.exec(host)
  return m !== null && m[1] !== 'api' && m[1] !== 'www'
}

function normaliseOverride(override: string): string {
  let url: URL
  try {
    url = new URL(override)
  } catch {
    throw new WardenError('BAD_INPUT', `The OneLogin base URL "${override}" is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WardenError('BAD_INPUT', `The OneLogin base URL "${override}" must be http or https`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new WardenError('BAD_INPUT', 'The OneLogin base URL must not carry credentials')
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
}

function refused(domain: string): WardenError {
  return new WardenError(
    'ONELOGIN_DOMAIN_REFUSED',
    `"${domain}" is not a OneLogin domain: use acme, acme.onelogin.com, https://acme.onelogin.com, api.us.onelogin.com or api.eu.onelogin.com`,
  )
}
