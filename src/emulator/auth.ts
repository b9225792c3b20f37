/**
 * OAuth2 client-credentials tokens (onelogin-api.md §2).
 *
 * - Three credential styles on the token endpoints (§2.2): the custom
 *   `Authorization: client_id:<id>, client_secret:<secret>` header (with or without the space,
 *   BATON omits it), HTTP Basic, and a form-encoded body.
 * - v2 semantics (§2.3): the same credentials get the same token back until it expires or is
 *   revoked. The legacy v1 endpoint documents the opposite (a new token set invalidates the old
 *   one, §2.3), so `issue(..., { replace: true })` exists for it.
 * - Bearer header (§2.7): scheme case-insensitive, then a space or a colon.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { CredentialScope, SeedCredential } from './seed.js'

export interface TokenRecord {
  access_token: string
  refresh_token: string
  client_id: string
  scope: CredentialScope
  /** epoch ms */
  created_at: number
  /** epoch ms */
  expires_at: number
  revoked: boolean
}

export type CredentialParse =
  | { kind: 'ok'; clientId: string; clientSecret: string }
  | { kind: 'missing' }
  | { kind: 'malformed' }

const CUSTOM_HEADER = /^\s*client_id\s*:\s*([^,\s]+)\s*,\s*client_secret\s*:\s*(\S+)\s*$/i
const BASIC_HEADER = /^\s*basic\s+(\S+)\s*$/i
const BEARER_HEADER = /^\s*bearer(?:\s+|\s*:\s*)(\S+)\s*$/i

/**
 * Reads client credentials from the Authorization header (custom or Basic) or, when there is no
 * header, from a form-encoded body (§2.2). Credentials in a JSON body are not a documented style
 * and are not accepted.
 */
export function parseClientCredentials(authorization: string | undefined, formBody: Record<string, unknown> | null): CredentialParse {
  if (authorization !== undefined && authorization.trim() !== '') {
    const custom = CUSTOM_HEADER.exec(authorization)
    if (custom) return { kind: 'ok', clientId: custom[1] ?? '', clientSecret: custom[2] ?? '' }
    const basic = BASIC_HEADER.exec(authorization)
    if (basic) {
      const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon <= 0) return { kind: 'malformed' }
      return { kind: 'ok', clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) }
    }
    return { kind: 'malformed' }
  }
  if (formBody) {
    const id = formBody['client_id']
    const secret = formBody['client_secret']
    if (typeof id === 'string' && typeof secret === 'string' && id !== '' && secret !== '') {
      return { kind: 'ok', clientId: id, clientSecret: secret }
    }
  }
  return { kind: 'missing' }
}

/** The token from `Authorization: bearer <t>` / `bearer:<t>`, or null when missing or malformed. */
export function parseBearer(authorization: string | undefined): string | null {
  if (authorization === undefined) return null
  const m = BEARER_HEADER.exec(authorization)
  return m ? (m[1] ?? null) : null
}

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

export class TokenStore {
  readonly #credentials: readonly SeedCredential[]
  readonly #byToken = new Map<string, TokenRecord>()
  readonly #byClient = new Map<string, TokenRecord>()
  readonly #ttlMs: number

  constructor(credentials: readonly SeedCredential[], ttlSeconds: number) {
    this.#credentials = credentials
    this.#ttlMs = ttlSeconds * 1000
  }

  findCredential(clientId: string, clientSecret: string): SeedCredential | undefined {
    const cred = this.#credentials.find((c) => c.client_id === clientId)
    return cred && sameSecret(cred.client_secret, clientSecret) ? cred : undefined
  }

  /**
   * The credential's live token, or a new one. `replace` revokes the live one first (legacy v1
   * endpoint semantics).
   */
  issue(cred: SeedCredential, now: number, opts: { replace?: boolean } = {}): TokenRecord {
    const live = this.#byClient.get(cred.client_id)
    if (live && this.#isLive(live, now)) {
      if (!opts.replace) return live
      live.revoked = true
    }
    const rec: TokenRecord = {
      access_token: randomBytes(32).toString('hex'),
      refresh_token: randomBytes(32).toString('hex'),
      client_id: cred.client_id,
      scope: cred.scope,
      created_at: now,
      expires_at: now + this.#ttlMs,
      revoked: false,
    }
    this.#byToken.set(rec.access_token, rec)
    this.#byClient.set(cred.client_id, rec)
    return rec
  }

  /** The live record for an access token, or null (unknown, expired or revoked). */
  verify(accessToken: string, now: number): TokenRecord | null {
    const rec = this.#byToken.get(accessToken)
    return rec && this.#isLive(rec, now) ? rec : null
  }

  /** Any record for the token, live or not. */
  lookup(accessToken: string): TokenRecord | undefined {
    return this.#byToken.get(accessToken)
  }

  /** Legacy refresh (§2.6): a live pair is swapped for a new one. */
  refresh(accessToken: string, refreshToken: string, now: number): TokenRecord | null {
    const rec = this.#byToken.get(accessToken)
    if (!rec || !this.#isLive(rec, now) || rec.refresh_token !== refreshToken) return null
    const cred = this.#credentials.find((c) => c.client_id === rec.client_id)
    return cred ? this.issue(cred, now, { replace: true }) : null
  }

  revoke(rec: TokenRecord): void {
    rec.revoked = true
    if (this.#byClient.get(rec.client_id) === rec) this.#byClient.delete(rec.client_id)
  }

  /** Every token issued so far stops working (the `revoke_tokens` fault). */
  revokeAll(): number {
    let n = 0
    for (const rec of this.#byToken.values()) {
      if (!rec.revoked) n++
      rec.revoked = true
    }
    this.#byClient.clear()
    return n
  }

  #isLive(rec: TokenRecord, now: number): boolean {
    return !rec.revoked && now < rec.expires_at
  }
}
