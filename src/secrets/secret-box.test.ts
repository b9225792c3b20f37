import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { SecretBox, loadSecretBox } from './index.js'

const dir = mkdtempSync(join(tmpdir(), 'warden-secrets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const secret = 'onelogin-client-secret-0123456789abcdef'

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32))

  it('round-trips, with a fresh IV each time and no plaintext in the envelope', () => {
    const a = box.encrypt(secret, 'integration:int_1')
    const b = box.encrypt(secret, 'integration:int_1')
    expect(a).not.toBe(b)
    expect(a).toMatch(/^v1:k1:[\w-]{16}:[\w-]{22}:[\w-]+$/)
    expect(a).not.toContain(secret)
    expect(box.decrypt(a, 'integration:int_1')).toBe(secret)
    expect(box.decrypt(b, 'integration:int_1')).toBe(secret)
  })

  it('refuses a ciphertext moved to another record, a tampered one, or another key, without leaking anything', () => {
    const env = box.encrypt(secret, 'integration:int_1')
    const attempts = [
      () => box.decrypt(env, 'integration:int_2'),
      () => box.decrypt(env.slice(0, -2) + (env.endsWith('AA') ? 'BB' : 'AA'), 'integration:int_1'),
      () => new SecretBox(randomBytes(32)).decrypt(env, 'integration:int_1'),
    ]
    for (const attempt of attempts) {
      let error: unknown
      try {
        attempt()
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(WardenError)
      expect((error as WardenError).message).toContain('integration:int_')
      expect((error as WardenError).message).not.toContain(secret)
    }
    expect(() => box.decrypt('plain text', 'integration:int_1')).toThrow(/not in a format Warden knows/)
    expect(() => new SecretBox(randomBytes(32), 'k2').decrypt(env, 'integration:int_1')).toThrow(/encrypted with key "k1"/)
  })

  it('never shows its key', () => {
    const key = randomBytes(32)
    const b = new SecretBox(key)
    expect(JSON.stringify(b)).toBe('{"keyId":"k1"}')
    expect(inspect(b, { depth: 5, showHidden: true })).not.toContain(key.toString('base64'))
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/)
  })
})

describe('loadSecretBox', () => {
  it('creates a key file with mode 0600 on first use and reuses it', () => {
    const keyFile = join(dir, 'a', 'secret.key')
    const first = loadSecretBox({ keyFile, env: {} })
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32)
    const env = first.encrypt(secret, 'integration:x')
    expect(loadSecretBox({ keyFile, env: {} }).decrypt(env, 'integration:x')).toBe(secret)
  })

  it('takes the key from WARDEN_SECRET_KEY when set', () => {
    const key = randomBytes(32).toString('base64')
    const a = loadSecretBox({ keyFile: join(dir, 'unused.key'), env: { WARDEN_SECRET_KEY: key } })
    const b = new SecretBox(Buffer.from(key, 'base64'))
    expect(b.decrypt(a.encrypt(secret, 'o'), 'o')).toBe(secret)
  })

  it('refuses a bad key and a key file others can read, with one clear message', () => {
    expect(() => loadSecretBox({ keyFile: join(dir, 'x.key'), env: { WARDEN_SECRET_KEY: 'short' } })).toThrow(
      'WARDEN_SECRET_KEY must hold 32 random bytes in base64 (e.g. from: openssl rand -base64 32)',
    )
    const open = join(dir, 'open.key')
    writeFileSync(open, `${randomBytes(32).toString('base64')}\n`)
    chmodSync(open, 0o644)
    expect(() => loadSecretBox({ keyFile: open, env: {} })).toThrow(`the key file ${open} can be read by others (mode 644): run chmod 600 ${open}`)
  })
})
