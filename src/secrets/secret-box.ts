import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, statSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { WardenError } from '../errors/index.js'

/**
 * Encryption at rest for write-only secrets (the OneLogin client secret): AES-256-GCM with a fresh
 * 12-byte IV per encryption, the owning record as additional authenticated data (so a ciphertext
 * copied onto another row does not decrypt), and a versioned envelope so keys can rotate:
 *   v1:<key id>:<iv b64url>:<tag b64url>:<ciphertext b64url>
 * The key comes from WARDEN_SECRET_KEY (32 bytes, base64) or from a key file created on first use
 * with mode 0600 (DESIGN.md, security rules).
 */
export class SecretBox {
  readonly keyId: string
  readonly #key: Buffer

  constructor(key: Buffer, keyId = 'k1') {
    if (key.length !== 32) throw new WardenError('BAD_INPUT', 'the secret key must be 32 bytes (base64 of 32 random bytes)')
    if (!/^[a-z0-9-]{1,32}$/.test(keyId)) throw new WardenError('BAD_INPUT', 'a key id is 1 to 32 characters of a-z, 0-9 and -')
    this.#key = Buffer.from(key)
    this.keyId = keyId
  }

  encrypt(plaintext: string, owner: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(owner, 'utf8'))
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join(':')
  }

  decrypt(envelope: string, owner: string): string {
    const parts = envelope.split(':')
    const [version, keyId, iv, tag, ct] = parts
    if (parts.length !== 5 || version !== 'v1' || iv === undefined || tag === undefined || ct === undefined) {
      throw new WardenError('INTERNAL', 'a stored secret is not in a format Warden knows')
    }
    if (keyId !== this.keyId) throw new WardenError('INTERNAL', `a stored secret was encrypted with key "${keyId}", which this server does not have`)
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'))
      decipher.setAAD(Buffer.from(owner, 'utf8'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')
    } catch {
      // Wrong key, wrong owner or a tampered value: say which record, never any key material.
      throw new WardenError('INTERNAL', `the stored secret of ${owner} cannot be decrypted (wrong key, or it was altered or copied from another record)`)
    }
  }

  /** Never shows the key, whatever inspects the box. */
  toJSON(): { keyId: string } {
    return { keyId: this.keyId }
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SecretBox { keyId: '${this.keyId}' }`
  }
}

/**
 * The server's key: WARDEN_SECRET_KEY if set, else the key file (created with 32 random bytes and
 * mode 0600 on first use; refused if others can read it).
 */
export function loadSecretBox(options: { env?: NodeJS.ProcessEnv; keyFile: string }): SecretBox {
  const fromEnv = (options.env ?? process.env)['WARDEN_SECRET_KEY']
  if (fromEnv !== undefined && fromEnv !== '') return new SecretBox(decodeKey(fromEnv, 'WARDEN_SECRET_KEY'))
  const file = options.keyFile
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true })
    let fd: number
    try {
      // 'wx': never overwrite a key another process created a moment ago.
      fd = openSync(file, 'wx', 0o600)
    } catch {
      return loadSecretBox(options)
    }
    try {
      writeSync(fd, `${randomBytes(32).toString('base64')}\n`)
    } finally {
      closeSync(fd)
    }
    chmodSync(file, 0o600)
  }
  const mode = statSync(file).mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new WardenError('BAD_INPUT', `the key file ${file} can be read by others (mode ${mode.toString(8)}): run chmod 600 ${file}`)
  }
  return new SecretBox(decodeKey(readFileSync(file, 'utf8').trim(), file))
}

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text, 'base64')
  if (key.length !== 32 || key.toString('base64') !== text.replace(/\s+/g, '')) {
    throw new WardenError('BAD_INPUT', `${where} must hold 32 random bytes in base64 (e.g. from: openssl rand -base64 32)`)
  }
  return key
}
