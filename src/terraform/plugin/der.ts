/**
 * The few ASN.1 DER encodings an X.509 certificate needs (X.690). Each function returns one
 * complete TLV; constructed values take their already-encoded children.
 */

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length])
  const bytes: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** One TLV with the given identifier octet. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content])
}

export function sequence(...children: Uint8Array[]): Buffer {
  return tlv(0x30, Buffer.concat(children))
}

export function set(...children: Uint8Array[]): Buffer {
  return tlv(0x31, Buffer.concat(children))
}

/** `[n] EXPLICIT`: a constructed context-specific tag around one encoded value. */
export function explicit(n: number, child: Uint8Array): Buffer {
  return tlv(0xa0 | n, child)
}

/** `[n] IMPLICIT` of a primitive type: the value's bytes under a context-specific tag. */
export function implicitPrimitive(n: number, content: Uint8Array): Buffer {
  return tlv(0x80 | n, content)
}

/** A non-negative INTEGER from its big-endian magnitude (leading zeros dropped, a 0 added when the top bit is set). */
export function integer(magnitude: Uint8Array | number): Buffer {
  let bytes = typeof magnitude === 'number' ? Buffer.from([magnitude]) : Buffer.from(magnitude)
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  bytes = bytes.subarray(start)
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
  return tlv(0x02, bytes)
}

export function boolean(value: boolean): Buffer {
  return tlv(0x01, Buffer.from([value ? 0xff : 0x00]))
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number)
  const [first = 0, second = 0, ...rest] = arcs
  const out = [40 * first + second]
  for (const arc of rest) {
    const chunk = [arc & 0x7f]
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f))
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}

export function octetString(content: Uint8Array): Buffer {
  return tlv(0x04, content)
}

/** A BIT STRING whose last `unusedBits` bits are padding. */
export function bitString(content: Uint8Array, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]))
}

export function utf8String(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'))
}

/** X.509 Time: UTCTime for years 1950-2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
export function time(date: Date): Buffer {
  const pad = (n: number): string => String(n).padStart(2, '0')
  const year = date.getUTCFullYear()
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${pad(year % 100)}${rest}`, 'ascii'))
  return tlv(0x18, Buffer.from(`${String(year).padStart(4, '0')}${rest}`, 'ascii'))
}
