import { WardenError, isWardenError } from '../errors/index.js'
import type { OneLoginHttp, TokenSource } from './request.js'
import { parsePayload, tokenSchema } from './schemas.js'

const TOKEN_ENDPOINT = '/auth/oauth2/v2/token'

/**
 * Access tokens from `POST /auth/oauth2/v2/token` (client credentials). One token is cached and
 * shared; it is renewed a little before `expires_in` runs out (OneLogin: 36,000 s) and whenever
 * OneLogin refuses it. Concurrent callers share one in-flight token request.
 */
export class TokenManager implements TokenSource {
  readonly #http: OneLoginHttp
  readonly #clientId: string
  readonly #clientSecret: string
  readonly #now: () => number
  #current: { token: string; expiresAt: number; renewAt: number; accountId: number | undefined } | undefined
  #pending: Promise<string> | undefined

  constructor(http: OneLoginHttp, clientId: string, clientSecret: string, now: () => number = Date.now) {
    this.#http = http
    this.#clientId = clientId
    this.#clientSecret = clientSecret
    this.#now = now
  }

  /** The OneLogin account id from the last token response, once known. */
  get accountId(): number | undefined {
    return this.#current?.accountId
  }

  /** The current token, for redaction only. */
  get currentToken(): string | undefined {
    return this.#current?.token
  }

  token(): Promise<string> {
    if (this.#current !== undefined && this.#now() < this.#current.renewAt) return Promise.resolve(this.#current.token)
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined
    })
    return this.#pending
  }

  invalidate(token: string): void {
    // Keep the record's expiry so a refused token handed straight back is not trusted again,
    // but make the next token() ask for a new one.
    if (this.#current?.token === token) this.#current = { ...this.#current, renewAt: 0, expiresAt: 0 }
  }

  async #fetch(): Promise<string> {
    const basic = Buffer.from(`${this.#clientId}:${this.#clientSecret}`).toString('base64')
    let body: unknown
    try {
      const res = await this.#http.request({
        method: 'POST',
        path: TOKEN_ENDPOINT,
        auth: 'none',
        headers: { authorization: `Basic ${basic}` },
        body: { grant_type: 'client_credentials' },
      })
      body = res.body
    } catch (e) {
      throw tokenFailure(e)
    }
    const t = parsePayload(tokenSchema, body, `POST ${TOKEN_ENDPOINT}`)
    const now = this.#now()
    const ttlMs = t.expires_in * 1000
    let expiresAt = now + ttlMs
    // OneLogin hands back the same token until it expires (onelogin-api.md §2.3), so asking early
    // can return the old token; never believe it lives longer than we already knew.
    const previous = this.#current
    if (previous !== undefined && previous.token === t.access_token) expiresAt = Math.min(expiresAt, previous.expiresAt)
    // Renew ahead of expiry: 5 minutes early, or a tenth of a short lifetime. If that moment has
    // already passed (we were handed the old token), use it until it really expires.
    const renewAt = expiresAt - Math.min(5 * 60_000, ttlMs / 10)
    this.#current = { token: t.access_token, expiresAt, renewAt: renewAt > now ? renewAt : expiresAt, accountId: t.account_id ?? undefined }
    return t.access_token
  }
}

function tokenFailure(e: unknown): unknown {
  if (!isWardenError(e) || e.upstreamStatus === undefined) return e
  const status = e.upstreamStatus
  if (status === 400 || status === 401 || status === 403) {
    return new WardenError(
      'ONELOGIN_AUTH_FAILED',
      `OneLogin refused the API credentials (${status} ${e.upstreamMessage ?? 'no message'}): check the client ID and secret`,
      { endpoint: e.endpoint, upstreamStatus: status, ...(e.upstreamMessage === undefined ? {} : { upstreamMessage: e.upstreamMessage }) },
    )
  }
  if (status === 500) {
    // OneLogin answers 500 when the admin who created the credentials has been deleted (onelogin-api.md §2.3).
    return new WardenError(
      e.code,
      `${e.message} (OneLogin does this when the administrator who created the API credentials was deleted)`,
      { endpoint: e.endpoint, upstreamStatus: status, ...(e.upstreamMessage === undefined ? {} : { upstreamMessage: e.upstreamMessage }) },
    )
  }
  return e
}
