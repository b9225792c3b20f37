import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WardenError } from '../errors/index.js'
import { resolveBaseUrl } from '../onelogin/index.js'
import { SecretBox } from '../secrets/index.js'

/**
 * What integration services need beyond the store: the key that seals client secrets, where
 * people reach Warden (links in emails), whether a OneLogin "domain" may be a plain URL (only
 * for the emulator and tests), and where sync snapshot files live.
 */
export interface IntegrationEnv {
  secrets: SecretBox
  /** e.g. `https://warden.example.com`, no trailing slash. */
  publicUrl: string
  /**
   * Development only: accept an http(s) URL as the OneLogin domain (the built-in emulator).
   * Off in production, where only OneLogin hosts may receive a client secret (DESIGN.md).
   */
  allowOneLoginUrl: boolean
  /** Snapshot files of hosted syncs (`<dataDir>/snapshots/<integration id>.db`) and uploads in progress. */
  dataDir: string
  /** Largest accepted self-hosted upload, in bytes. */
  maxUploadBytes: number
}

export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024

/** An environment for tests and embedded use: a random key, a temporary data directory, no URL domains. */
export function ephemeralIntegrationEnv(overrides: Partial<IntegrationEnv> = {}): IntegrationEnv {
  return {
    secrets: new SecretBox(randomBytes(32)),
    publicUrl: 'http://127.0.0.1:3000',
    allowOneLoginUrl: false,
    dataDir: join(tmpdir(), `warden-data-${process.pid}-${randomBytes(4).toString('hex')}`),
    maxUploadBytes: DEFAULT_MAX_UPLOAD_BYTES,
    ...overrides,
  }
}

/**
 * The API base URL for an integration's `onelogin_domain`: a OneLogin host (acme,
 * acme.onelogin.com, https://acme.onelogin.com, api.us|eu.onelogin.com), or, only when the
 * environment allows it, an http(s) URL such as the emulator's.
 */
export function oneLoginBaseUrl(env: Pick<IntegrationEnv, 'allowOneLoginUrl'>, domain: string): string {
  if (/^https?:\/\//i.test(domain.trim()) && env.allowOneLoginUrl) return resolveBaseUrl(undefined, domain.trim())
  if (/^http:\/\//i.test(domain.trim())) {
    throw new WardenError('ONELOGIN_DOMAIN_REFUSED', `OneLogin domain "${domain.trim()}" must use https (plain URLs are for the emulator, allowed only with --allow-onelogin-url)`)
  }
  return resolveBaseUrl(domain)
}
