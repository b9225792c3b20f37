/**
 * Terraform values on the wire (DynamicValue): msgpack in both directions, and the JSON form
 * Terraform uses for stored state. The encoding follows go-cty (cty/msgpack): a whole null is
 * nil (0xc0), an unknown is an extension (plain: exactly d4 00 00; with refinements: ext 12),
 * integers travel as msgpack ints, other numbers as float64 when exact, else as decimal strings.
 *
 * The transport never looks at a schema: objects are encoded with the keys they have, so
 * handlers must give every object all of its schema's attributes (null when unset); go-cty
 * refuses an object with a missing or an extra key.
 */
import { Decoder, Encoder, ExtData } from '@msgpack/msgpack'
import type { ExtensionCodecType } from '@msgpack/msgpack'
import { WardenError } from '../../errors/index.js'
import { parseJsonValue } from './json-value.js'
import { Unknown } from './types.js'
import type { CtyType, Value } from './types.js'

/** Every extension type is an unknown: go-cty uses 0 (plain) and 12 (refined); keep whatever arrives so it goes back unchanged. */
const unknownCodec: ExtensionCodecType<undefined> = {
  tryToEncode: (object) => (object instanceof Unknown ? new ExtData(object.extType, object.data) : null),
  decode: (data, extType) => new Unknown(extType, Uint8Array.from(data)),
}

const encoder = new Encoder({ useBigInt64: true, extensionCodec: unknownCodec })
const decoder = new Decoder({ useBigInt64: true, extensionCodec: unknownCodec })

const INT64_MIN = -(2n ** 63n)
const UINT64_MAX = 2n ** 64n - 1n
const INT32_MIN = -(2 ** 31)
const UINT32_MAX = 2 ** 32 - 1

/** The msgpack bytes of a value; a whole null is the single byte 0xc0. */
export function encodeValue(value: Value): Uint8Array {
  return encoder.encode(toWire(value))
}

/** A msgpack DynamicValue; an empty buffer is null as well as 0xc0. */
export function decodeValue(bytes: Uint8Array): Value {
  if (bytes.length === 0) return null
  let raw: unknown
  try {
    raw = decoder.decode(bytes)
  } catch (e) {
    throw new WardenError('BAD_INPUT', `undecodable msgpack value: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  return fromWire(raw)
}

/** The JSON form (stored state in UpgradeResourceState); empty is null. */
export function decodeJsonValue(bytes: Uint8Array): Value {
  return parseJsonValue(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
}

/** A schema attribute's type as the protocol wants it: JSON bytes such as `"string"` or `["set","string"]`. */
export function encodeType(type: CtyType): Uint8Array {
  return Buffer.from(JSON.stringify(type), 'utf8')
}

/**
 * Numbers the encoder would get wrong: with useBigInt64 it writes a safe integer beyond 32 bits
 * as a float64, so those go as int64; a bigint outside the 64-bit range goes as its decimal
 * string, which go-cty parses as a number.
 */
function toWire(value: Value | undefined): unknown {
  if (value === null || value === undefined) return null
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && (value < INT32_MIN || value > UINT32_MAX) && Number.isSafeInteger(value) ? BigInt(value) : value
    case 'bigint':
      return value >= INT64_MIN && value <= UINT64_MAX ? value : value.toString()
    case 'string':
    case 'boolean':
      return value
    default:
      if (value instanceof Unknown) return value
      if (Array.isArray(value)) return value.map(toWire)
      {
        // No prototype: a map key "__proto__" is then an ordinary key.
        const out = Object.create(null) as Record<string, unknown>
        for (const [k, v] of Object.entries(value)) out[k] = toWire(v)
        return out
      }
  }
}

/** int64s come as bigint; those that fit a double exactly become numbers. */
function fromWire(raw: unknown): Value {
  if (raw === null || raw === undefined) return null
  switch (typeof raw) {
    case 'bigint':
      return raw >= BigInt(Number.MIN_SAFE_INTEGER) && raw <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw) : raw
    case 'number':
    case 'string':
    case 'boolean':
      return raw
    case 'object':
      if (raw instanceof Unknown) return raw
      if (Array.isArray(raw)) return raw.map(fromWire)
      if (raw instanceof Uint8Array) return Buffer.from(raw).toString('utf8')
      {
        const out: { [key: string]: Value } = {}
        for (const [k, v] of Object.entries(raw)) out[k] = fromWire(v)
        return out
      }
    default:
      throw new WardenError('BAD_INPUT', `unexpected ${typeof raw} in a msgpack value`)
  }
}
