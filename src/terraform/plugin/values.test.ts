import { describe, expect, it } from 'vitest'
import { Unknown } from './types.js'
import type { Value } from './types.js'
import { decodeJsonValue, decodeValue, encodeType, encodeValue } from './values.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'))

describe('msgpack values', () => {
  it('writes a whole null as the single byte c0 and reads c0 or an empty buffer as null', () => {
    expect(hex(encodeValue(null))).toBe('c0')
    expect(decodeValue(fromHex('c0'))).toBeNull()
    expect(decodeValue(new Uint8Array())).toBeNull()
  })

  it('writes a plain unknown exactly as go-cty does (d4 00 00) and reads it back', () => {
    expect(hex(encodeValue(new Unknown()))).toBe('d40000')
    expect(decodeValue(fromHex('d40000'))).toEqual(new Unknown(0, new Uint8Array([0])))
  })

  it('passes any extension type through unchanged (a refined unknown is ext 12)', () => {
    // fixext1 type 12 and an ext8 of type 12 with a 3-byte payload, inside an object.
    const refined = '81a169' + 'd40c00'
    const decoded = decodeValue(fromHex(refined))
    expect(decoded).toEqual({ i: new Unknown(12, new Uint8Array([0])) })
    expect(hex(encodeValue(decoded))).toBe(refined)
    const long = 'c7030c' + '010203'
    expect(hex(encodeValue(decodeValue(fromHex(long))))).toBe(long)
  })

  it('keeps int64 beyond 2^53 exact as bigint both ways, and smaller ones as numbers', () => {
    const big = encodeValue(9007199254740993n)
    expect(hex(big)).toBe('cf0020000000000001')
    expect(decodeValue(big)).toBe(9007199254740993n)
    expect(decodeValue(encodeValue(-9007199254740993n))).toBe(-9007199254740993n)
    // A safe integer beyond 32 bits goes as an int64, not a float64.
    expect(hex(encodeValue(5_000_000_000))).toBe('cf000000012a05f200')
    expect(decodeValue(fromHex('cf000000012a05f200'))).toBe(5_000_000_000)
    expect(decodeValue(fromHex('d3ffffffffffffffff'))).toBe(-1)
    expect(hex(encodeValue(1.5))).toBe('cb3ff8000000000000')
  })

  it('leaves numbers that arrive as strings as strings, and sends a bigint beyond 64 bits as its decimal', () => {
    expect(decodeValue(encodeValue('0.1'))).toBe('0.1')
    expect(decodeValue(encodeValue(2n ** 70n))).toBe('1180591620717411303424')
  })

  it('round-trips objects, lists and nulls inside them as they are (missing keys are the caller\'s job)', () => {
    const value: Value = { id: new Unknown(), name: 'a', secret: null, tags: ['x', 'y'], size: 3, on: true, nested: [{ kind: 'k' }] }
    expect(decodeValue(encodeValue(value))).toEqual(value)
    expect(decodeValue(encodeValue({ name: 'only' }))).toEqual({ name: 'only' })
  })

  it('refuses bytes that are not msgpack', () => {
    expect(() => decodeValue(fromHex('c1'))).toThrow(/undecodable msgpack value/)
  })
})

describe('JSON values (stored state)', () => {
  const json = (text: string): Value => decodeJsonValue(Buffer.from(text))

  it('keeps every number exact: numbers, bigints, and decimals a double cannot hold as strings', () => {
    expect(json('{"a":9007199254740993,"b":0.1,"c":1.5,"d":2.0,"e":1e3,"f":-0.25,"g":123456789012345678901234567890}')).toEqual({
      a: 9007199254740993n,
      b: '0.1',
      c: 1.5,
      d: 2,
      e: 1000,
      f: -0.25,
      g: 123456789012345678901234567890n,
    })
  })

  it('reads strings, escapes, literals and nesting; empty text is null', () => {
    expect(json(' {"s":"a\\"b\\u00e9\\n","l":[true,false,null],"o":{}} ')).toEqual({ s: 'a"bé\n', l: [true, false, null], o: {} })
    expect(json('')).toBeNull()
    expect(json('null')).toBeNull()
  })

  it('keeps a "__proto__" map key as an ordinary key', () => {
    const v = json('{"tags":{"__proto__":"x"}}') as { tags: Record<string, Value> }
    expect(Object.keys(v.tags)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(v.tags)).toBe(Object.prototype)
    expect(hex(encodeValue(v.tags))).toBe('81a95f5f70726f746f5f5fa178')
  })

  it('refuses malformed JSON', () => {
    for (const bad of ['{', '{"a":}', '[1,]', '"\u0001"', '01', '{"a":1} x', 'nul']) expect(() => json(bad), bad).toThrow(/invalid JSON state/)
  })
})

describe('schema types', () => {
  it('are JSON bytes', () => {
    const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString()
    expect(text(encodeType('string'))).toBe('"string"')
    expect(text(encodeType(['set', 'string']))).toBe('["set","string"]')
    expect(text(encodeType(['object', { a: 'string', b: ['list', 'bool'] }]))).toBe('["object",{"a":"string","b":["list","bool"]}]')
  })
})
