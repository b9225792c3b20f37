/**
 * Parses the JSON form of a Terraform value (UpgradeResourceState's raw_state.json) with the
 * same number rules as the msgpack path, which JSON.parse cannot follow: it rounds
 * 9007199254740993 to ...992 and 0.1 to a double that is not the decimal 0.1, and Terraform
 * compares the provider's values with the configuration's exactly.
 *
 * Numbers become: a JS number when it is exactly the decimal written; a bigint for a larger
 * integer; otherwise the decimal string (go-cty's msgpack encoder sends such numbers as
 * strings too, and accepts a string back where a number is expected).
 */
import { WardenError } from '../../errors/index.js'
import type { Value } from './types.js'

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
/** A string token's extent; JSON.parse then checks its escapes and control characters. */
const STRING = /"(?:[^"\\]|\\.)*"/y
const WHITESPACE = /[ \t\n\r]*/y
/** Decimal exponents beyond this stay strings rather than becoming huge bigints. */
const MAX_EXPONENT = 1000

/** A JS number, bigint or decimal string for one JSON number token. */
export function numberFromDecimal(text: string): number | bigint | string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (!match) return text
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match
  let digits = BigInt(whole + fraction)
  let exponent = Number(exponentText) - fraction.length
  while (exponent < 0 && digits !== 0n && digits % 10n === 0n) {
    digits /= 10n
    exponent++
  }
  if (digits === 0n) return 0
  if (Math.abs(exponent) > MAX_EXPONENT) return text
  if (exponent >= 0) {
    const value = (sign ? -digits : digits) * 10n ** BigInt(exponent)
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
  }
  const double = Number(text)
  return isExactDouble(double, digits, -exponent) ? double : text
}

/** Whether |double| equals digits / 10^scale exactly (both sides as integers: M * 10^scale = digits * 2^-E). */
function isExactDouble(double: number, digits: bigint, scale: number): boolean {
  if (!Number.isFinite(double) || double === 0) return false
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, Math.abs(double))
  const bits = view.getBigUint64(0)
  const biasedExponent = Number(bits >> 52n)
  const fraction = bits & ((1n << 52n) - 1n)
  const mantissa = biasedExponent === 0 ? fraction : fraction | (1n << 52n)
  const binaryExponent = (biasedExponent === 0 ? 1 : biasedExponent) - 1075
  // A non-integer decimal can only equal a double with a negative binary exponent.
  if (binaryExponent >= 0) return false
  return mantissa * 10n ** BigInt(scale) === digits * (1n << BigInt(-binaryExponent))
}

/** Parses JSON text into a Value; an empty text is null. */
export function parseJsonValue(text: string): Value {
  let pos = 0
  const fail = (what: string): never => {
    throw new WardenError('BAD_INPUT', `invalid JSON state: ${what} at offset ${pos}`)
  }
  const skip = (): void => {
    WHITESPACE.lastIndex = pos
    WHITESPACE.exec(text)
    pos = WHITESPACE.lastIndex
  }
  const token = (re: RegExp): string | undefined => {
    re.lastIndex = pos
    const m = re.exec(text)
    if (!m) return undefined
    pos = re.lastIndex
    return m[0]
  }
  const string = (): string => {
    const raw = token(STRING) ?? fail('expected a string')
    try {
      return JSON.parse(raw) as string
    } catch {
      return fail('bad string')
    }
  }
  const literal = (word: string): boolean => {
    if (!text.startsWith(word, pos)) return false
    pos += word.length
    return true
  }

  const value = (depth: number): Value => {
    if (depth > 512) fail('nesting too deep')
    skip()
    const c = text[pos]
    if (c === '{') {
      pos++
      const out: { [key: string]: Value } = {}
      skip()
      if (text[pos] === '}') {
        pos++
        return out
      }
      for (;;) {
        skip()
        const key = string()
        skip()
        if (text[pos] !== ':') fail('expected ":"')
        pos++
        // defineProperty: a map key may be "__proto__", which plain assignment would treat as the prototype.
        Object.defineProperty(out, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true })
        skip()
        if (text[pos] === ',') pos++
        else if (text[pos] === '}') {
          pos++
          return out
        } else fail('expected "," or "}"')
      }
    }
    if (c === '[') {
      pos++
      const out: Value[] = []
      skip()
      if (text[pos] === ']') {
        pos++
        return out
      }
      for (;;) {
        out.push(value(depth + 1))
        skip()
        if (text[pos] === ',') pos++
        else if (text[pos] === ']') {
          pos++
          return out
        } else fail('expected "," or "]"')
      }
    }
    if (c === '"') return string()
    if (literal('null')) return null
    if (literal('true')) return true
    if (literal('false')) return false
    const number = token(NUMBER)
    if (number === undefined) return fail('unexpected character')
    return numberFromDecimal(number)
  }

  skip()
  if (pos === text.length) return null
  const result = value(0)
  skip()
  if (pos !== text.length) fail('trailing characters')
  return result
}
