import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import type { ScryptOptions } from 'node:crypto'
import { WardenError } from '../errors/index.js'

/**
 * scrypt parameters for new hashes (N = 2^15, r = 8, p = 1: about 32 MiB and ~60 ms per hash on the
 * project machines). Stored with each hash, so raising them later leaves old hashes verifiable.
 */
const COST = { N: 32768, r: 8, p: 1 } as const
const KEY_LENGTH = 32
const MAX_PASSWORD_LENGTH = 1024

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r }
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

function checkPassword(password: string): void {
  if (password.length === 0) throw new WardenError('BAD_INPUT', 'password must not be empty')
  if (password.length > MAX_PASSWORD_LENGTH) throw new WardenError('BAD_INPUT', `password is longer than ${MAX_PASSWORD_LENGTH} characters`)
}

/** `scrypt$N$r$p$<salt b64>$<key b64>` of a password (NFKC-normalised). */
export async function hashPassword(password: string): Promise<string> {
  checkPassword(password)
  const salt = randomBytes(16)
  const key = await derive(password, salt, COST)
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

/** True when `password` matches `stored`; false for a wrong password or an unreadable hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) return false
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false
  const salt = Buffer.from(parts[4] ?? '', 'base64')
  const expected = Buffer.from(parts[5] ?? '', 'base64')
  if (expected.length !== KEY_LENGTH) return false
  const actual = await derive(password, salt, { N, r, p })
  return timingSafeEqual(actual, expected)
}

/** A valid hash of a random password: compared against when no user matches, so timing says nothing. */
let dummyHash: Promise<string> | undefined
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  return dummyHash
}
