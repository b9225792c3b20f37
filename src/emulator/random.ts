/**
 * A small seeded pseudo-random generator for the tenant generator: mulberry32 for the sequence,
 * seeded through a murmur3-style mix of the numeric seed and a stream label. No dependencies,
 * no global state, same numbers on every platform.
 *
 * `Random.stream(seed, 'users')` and `Random.stream(seed, 'roles')` are independent sequences, so
 * a change in how many numbers one part of the generator draws does not reshuffle another part.
 * Not for anything security-related.
 */

const TWO_32 = 4294967296

/** murmur3 finaliser: a bijective 32-bit mix. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** FNV-1a over the UTF-16 code units of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A stable 32-bit hash of a string (for values that must not depend on the seed). */
export function hashString(text: string): number {
  return fmix32(fnv1a(text))
}

const HEX = '0123456789abcdef'

export class Random {
  private state: number

  /** `seed` is any safe integer; `stream` names an independent sequence for that seed. */
  constructor(seed: number, stream = '') {
    const lo = seed >>> 0
    const hi = Math.floor(seed / TWO_32) >>> 0
    this.state = fmix32(lo ^ fmix32(hi ^ fmix32(fnv1a(stream) + 0x9e3779b9)))
  }

  static stream(seed: number, stream: string): Random {
    return new Random(seed, stream)
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / TWO_32
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (max <= min) return min
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Random.pick: empty list')
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** An index into `cumulative`, a non-decreasing array of running weight totals. */
  pickCumulative(cumulative: ArrayLike<number>): number {
    const total = cumulative[cumulative.length - 1] ?? 0
    const x = this.next() * total
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cumulative[mid] as number) > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = items[i] as T
      items[i] = items[j] as T
      items[j] = tmp
    }
    return items
  }

  /** `length` lowercase hexadecimal characters. */
  hex(length: number): string {
    let out = ''
    while (out.length < length) {
      const word = this.uint32()
      for (let shift = 28; shift >= 0 && out.length < length; shift -= 4) out += HEX[(word >>> shift) & 15]
    }
    return out
  }

  /** A well-formed version 4 (random) UUID, drawn from this sequence. */
  uuid(): string {
    const a = this.uint32()
    const b = (this.uint32() & 0xffff0fff) | 0x00004000 // version 4
    const c = ((this.uint32() & 0x3fffffff) | 0x80000000) >>> 0 // variant 10xx
    const d = this.uint32()
    const h = (x: number): string => x.toString(16).padStart(8, '0')
    const bh = h(b >>> 0)
    const ch = h(c)
    return `${h(a)}-${bh.slice(0, 4)}-${bh.slice(4)}-${ch.slice(0, 4)}-${ch.slice(4)}${h(d)}`
  }
}

/** Running totals of `weights`, for `Random.pickCumulative`. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length)
  let total = 0
  for (let i = 0; i < weights.length; i++) {
    total += weights[i] as number
    out[i] = total
  }
  return out
}
