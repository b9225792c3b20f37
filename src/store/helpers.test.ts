import { describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { newId, newSecretToken, sha256Hex } from './ids.js'
import { canonicalJson } from './json.js'
import { PAGE_LIMIT_MAX, decodeCursor, encodeCursor, pageLimit, toPage } from './pagination.js'
import { hashPassword, verifyPassword } from './passwords.js'
import { toIsoTime } from './time.js'

describe('canonical JSON', () => {
  it('sorts keys at every depth, drops undefined properties and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'é' }], c: undefined }, '': true })).toBe(
      '{"":true,"a":{"d":[3,{"y":"é","z":null}]},"b":1}',
    )
    expect(canonicalJson([undefined, 1])).toBe('[null,1]')
    expect(canonicalJson('x"y')).toBe('"x\\"y"')
  })

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ a: Infinity })).toThrow('$.a is not a finite number')
    expect(() => canonicalJson({ a: [new Date(0)] })).toThrow('$.a[0] is not a plain JSON object')
    expect(() => canonicalJson(1n)).toThrow('$ is not a JSON value (bigint)')
  })
})

describe('cursors', () => {
  it('round-trips a key, bound to its list and arity', () => {
    const c = encodeCursor('jobs', ['2026-11-28T09:00:00.000Z', 'job_x'])
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodeCursor('jobs', c, 2)).toEqual(['2026-11-28T09:00:00.000Z', 'job_x'])
    expect(() => decodeCursor('users', c, 2)).toThrow(WardenError)
    expect(() => decodeCursor('jobs', c, 1)).toThrow('invalid cursor')
    expect(() => decodeCursor('jobs', encodeCursor('jobs', [Number.NaN as number]), 1)).toThrow('invalid cursor')
  })

  it('caps the limit and builds a page from limit + 1 rows', () => {
    expect(pageLimit(undefined)).toBe(50)
    expect(pageLimit(10_000)).toBe(PAGE_LIMIT_MAX)
    expect(() => pageLimit(1.5)).toThrow('limit must be a positive integer, got 1.5')
    expect(toPage([1, 2, 3], 2, 's', (n) => [n])).toEqual({ items: [1, 2], next_cursor: encodeCursor('s', [2]) })
    expect(toPage([1, 2], 2, 's', (n) => [n])).toEqual({ items: [1, 2], next_cursor: null })
  })
})

describe('ids, tokens, times and passwords', () => {
  it('makes prefixed random ids and tokens', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('usr')))
    expect(ids.size).toBe(1000)
    for (const id of ids) expect(id).toMatch(/^usr_[0-9a-hjkmnp-tv-z]{26}$/)
    expect(newSecretToken('wdt')).toMatch(/^wdt_[A-Za-z0-9_-]{43}$/)
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('normalises timestamps to ISO-8601 UTC with milliseconds', () => {
    expect(toIsoTime('2026-11-28T10:00:00+01:00', 'x')).toBe('2026-11-28T09:00:00.000Z')
    expect(toIsoTime(new Date(Date.UTC(2026, 10, 28)), 'x')).toBe('2026-11-28T00:00:00.000Z')
    expect(() => toIsoTime('tomorrow', 'expiresAt')).toThrow('expiresAt is not a valid timestamp: tomorrow')
  })

  it('hashes passwords with a fresh salt and verifies them', async () => {
    const [a, b] = await Promise.all([hashPassword('pässword'), hashPassword('pässword')])
    expect(a).not.toBe(b)
    expect(await verifyPassword('pässword', a)).toBe(true)
    // NFKC: the decomposed form of ä is the same password.
    expect(await verifyPassword('pa\u0308ssword', a)).toBe(true)
    expect(await verifyPassword('password', a)).toBe(false)
    expect(await verifyPassword('pässword', 'md5$abc')).toBe(false)
    await expect(hashPassword('')).rejects.toThrow('password must not be empty')
  })
})
