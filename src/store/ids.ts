import { createHash, randomBytes } from 'node:crypto'

/** Prefixes of Warden's random ids; the prefix says what an id names in logs and URLs. */
export type IdPrefix = 'usr' | 'tok' | 'stp' | 'idn' | 'aud' | 'job' | 'app' | 'int' | 'syn' | 'req' | 'tsk' | 'pol' | 'ord' | 'mtk' | 'sod' | 'whk' | 'drf' | 'cmp' | 'cmt' | 'ctp'

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz' // Crockford's alphabet, lower case

/** `<prefix>_` plus 26 base32 characters (130 random bits), e.g. `usr_3k9x...`. */
export function newId(prefix: IdPrefix): string {
  let out = ''
  // 256 is a multiple of 32, so `byte & 31` is uniform.
  for (const byte of randomBytes(26)) out += BASE32[byte & 31]
  return `${prefix}_${out}`
}

/** A secret bearer token: `<prefix>_` plus 43 base64url characters (256 random bits). */
export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`
}

/** sha256 hex of a token: what the database stores instead of the token. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
