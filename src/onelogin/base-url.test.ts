import { describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { resolveBaseUrl } from './base-url.js'

describe('resolveBaseUrl', () => {
  it.each([
    ['acme', 'https://acme.onelogin.com'],
    ['ACME', 'https://acme.onelogin.com'],
    [' acme.onelogin.com ', 'https://acme.onelogin.com'],
    ['acme.onelogin.com/admin', 'https://acme.onelogin.com'],
    ['https://acme.onelogin.com', 'https://acme.onelogin.com'],
    ['https://acme.onelogin.com/portal/apps?x=1', 'https://acme.onelogin.com'],
    ['api.us.onelogin.com', 'https://api.us.onelogin.com'],
    ['https://api.eu.onelogin.com', 'https://api.eu.onelogin.com'],
    ['my-company-2', 'https://my-company-2.onelogin.com'],
  ])('maps %j to %s', (domain, expected) => {
    expect(resolveBaseUrl(domain)).toBe(expected)
  })

  it.each([
    'evil.com',
    'acme.onelogin.com.evil.com',
    'https://evil.com/acme.onelogin.com',
    'http://acme.onelogin.com',
    'https://acme.onelogin.com:8443',
    'https://user:pw@acme.onelogin.com',
    'a.b.onelogin.com',
    'api.xx.onelogin.com',
    'api',
    '-acme',
    'ftp://acme.onelogin.com',
  ])('refuses %j', (domain) => {
    let error: unknown
    try {
      resolveBaseUrl(domain)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(WardenError)
    expect((error as WardenError).code).toBe('ONELOGIN_DOMAIN_REFUSED')
    expect((error as WardenError).exitCode).toBe(2)
  })

  it('refuses a missing domain as bad input', () => {
    expect(() => resolveBaseUrl('  ')).toThrow(/domain is missing/)
  })

  it('uses an explicit base URL override (http allowed, trailing slash dropped)', () => {
    expect(resolveBaseUrl('ignored', 'http://127.0.0.1:9999/')).toBe('http://127.0.0.1:9999')
    expect(resolveBaseUrl(undefined, 'http://localhost:1234/prefix/')).toBe('http://localhost:1234/prefix')
  })

  it('refuses a malformed override', () => {
    expect(() => resolveBaseUrl(undefined, 'not a url')).toThrow(/is not a URL/)
    expect(() => resolveBaseUrl(undefined, 'file:///etc/passwd')).toThrow(/must be http or https/)
    expect(() => resolveBaseUrl(undefined, 'http://a:b@localhost')).toThrow(/credentials/)
  })
})
