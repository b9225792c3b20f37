import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { BLOCK, gunzipLimited, readTar, writeTar } from './tar.js'

/**
 * A ustar header written independently of tar.ts (so a shared misreading of the format cannot
 * pass both), with knobs for the hostile cases the reader must report.
 */
function rawHeader(opts: { name: string; size: number; typeflag?: string; sizeField?: string; magic?: string; prefix?: string }): Buffer {
  const h = Buffer.alloc(BLOCK)
  h.write(opts.name, 0, 100, 'utf8')
  h.write('0000644\0', 100, 'ascii')
  h.write('0000000\0', 108, 'ascii')
  h.write('0000000\0', 116, 'ascii')
  h.write(opts.sizeField ?? `${opts.size.toString(8).padStart(11, '0')}\0`, 124, 'latin1')
  h.write('00000000000\0', 136, 'ascii')
  h.write(opts.typeflag ?? '0', 156, 'ascii')
  h.write(opts.magic ?? 'ustar\u000000', 257, 'latin1')
  h.write('0000000\0', 329, 'ascii') // devmajor
  h.write('0000000\0', 337, 'ascii') // devminor
  if (opts.prefix !== undefined) h.write(opts.prefix, 345, 155, 'utf8')
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const b of h) sum += b
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii')
  return h
}

function member(opts: Parameters<typeof rawHeader>[0], data: Buffer = Buffer.alloc(opts.size, 'x')): Buffer {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK
  return Buffer.concat([rawHeader(opts), data, Buffer.alloc(pad)])
}

const END = Buffer.alloc(2 * BLOCK)

describe('writeTar', () => {
  it('writes 512-byte headers, padded data and two zero blocks', () => {
    const tar = writeTar(
      [
        { name: 'a.txt', data: Buffer.from('hello') },
        { name: 'b.bin', data: Buffer.alloc(BLOCK, 7) },
      ],
      { mtimeSeconds: 1_700_000_000 },
    )
    // header + 1 data block, header + 1 data block, 2 end blocks
    expect(tar.length).toBe(6 * BLOCK)
    expect(tar.subarray(0, 5).toString()).toBe('a.txt')
    expect(tar.subarray(100, 108).toString('latin1')).toBe('0000644\0')
    expect(tar.subarray(124, 136).toString('latin1')).toBe('00000000005\0')
    expect(tar.subarray(136, 148).toString('latin1')).toBe(`${(1_700_000_000).toString(8)}\0`)
    expect(tar.subarray(257, 265).toString('latin1')).toBe('ustar\u000000')
    expect(tar.subarray(BLOCK, BLOCK + 5).toString()).toBe('hello')
    expect(tar.subarray(4 * BLOCK).every((b) => b === 0)).toBe(true)
    // The independent header writer agrees byte for byte (same fields, same checksum).
    expect(tar.subarray(0, BLOCK)).toEqual(rawHeaderWithMtime('a.txt', 5, 1_700_000_000))
  })

  it('refuses unsafe and repeated names and bad mtimes', () => {
    const data = Buffer.from('x')
    expect(() => writeTar([{ name: '../x', data }], { mtimeSeconds: 0 })).toThrow(/path separator/)
    expect(() => writeTar([{ name: '..', data }], { mtimeSeconds: 0 })).toThrow(/'\.\.'/)
    expect(() => writeTar([{ name: 'x'.repeat(101), data }], { mtimeSeconds: 0 })).toThrow(/100 bytes/)
    expect(() => writeTar([{ name: 'é'.repeat(51), data }], { mtimeSeconds: 0 })).toThrow(/100 bytes/)
    expect(() => writeTar([{ name: 'a', data }, { name: 'a', data }], { mtimeSeconds: 0 })).toThrow(/twice/)
    expect(() => writeTar([{ name: 'a', data }], { mtimeSeconds: -1 })).toThrow(RangeError)
    expect(() => writeTar([{ name: 'a', data }], { mtimeSeconds: 1.5 })).toThrow(RangeError)
  })
})

function rawHeaderWithMtime(name: string, size: number, mtime: number): Buffer {
  const h = rawHeader({ name, size })
  h.write(`${mtime.toString(8).padStart(11, '0')}\0`, 136, 'ascii')
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const b of h) sum += b
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii')
  return h
}

describe('readTar', () => {
  it('reads what writeTar wrote, and archives from the independent header writer', () => {
    const ours = readTar(writeTar([{ name: 'a.csv', data: Buffer.from('1,2\n') }, { name: 'empty', data: Buffer.alloc(0) }], { mtimeSeconds: 0 }))
    expect(ours.problems).toEqual([])
    expect(ours.entries.map((e) => [e.name, e.data.toString()])).toEqual([
      ['a.csv', '1,2\n'],
      ['empty', ''],
    ])
    const theirs = readTar(Buffer.concat([member({ name: 'x.txt', size: 600 }), END]))
    expect(theirs.problems).toEqual([])
    expect(theirs.entries[0]?.data.length).toBe(600)
  })

  it('reports path traversal, absolute and nested names without returning them', () => {
    const tar = Buffer.concat([
      member({ name: '../evil', size: 3 }),
      member({ name: '/etc/passwd', size: 3 }),
      member({ name: 'evil', size: 3, prefix: '..' }),
      member({ name: 'sub/ok.txt', size: 3 }),
      member({ name: 'fine.txt', size: 3 }),
      END,
    ])
    const r = readTar(tar)
    expect(r.entries.map((e) => e.name)).toEqual(['fine.txt'])
    expect(r.problems).toHaveLength(4)
    expect(r.problems[0]).toMatch(/"\.\.\/evil" has a path-traversal name/)
    expect(r.problems[1]).toMatch(/"\/etc\/passwd" has a path-traversal name/)
    expect(r.problems[2]).toMatch(/"\.\.\/evil" has a path-traversal name/)
    expect(r.problems[3]).toMatch(/"sub\/ok.txt" is not a plain file name/)
  })

  it('reports non-regular members (directory, symlink, hard link, pax header) and skips their data', () => {
    const tar = Buffer.concat([
      member({ name: 'dir', size: 0, typeflag: '5' }),
      member({ name: 'link', size: 0, typeflag: '2' }),
      member({ name: 'hard', size: 0, typeflag: '1' }),
      member({ name: 'pax', size: 20, typeflag: 'x' }),
      member({ name: 'after.txt', size: 2 }),
      END,
    ])
    const r = readTar(tar)
    expect(r.problems).toEqual([
      'tar member "dir" is a directory, not a regular file',
      'tar member "link" is a symbolic link, not a regular file',
      'tar member "hard" is a hard link, not a regular file',
      'tar member "pax" is a pax extended header, not a regular file',
    ])
    expect(r.entries.map((e) => e.name)).toEqual(['after.txt'])
  })

  it('reports a name that appears twice and keeps only the first', () => {
    const r = readTar(Buffer.concat([member({ name: 'a', size: 1 }, Buffer.from('1')), member({ name: 'a', size: 1 }, Buffer.from('2')), END]))
    expect(r.problems).toEqual(['tar member "a" appears more than once'])
    expect(r.entries.map((e) => e.data.toString())).toEqual(['1'])
  })

  it('reports a bad header checksum and stops', () => {
    const tar = Buffer.concat([member({ name: 'a', size: 1 }), member({ name: 'b', size: 1 }), END])
    tar[BLOCK * 2] = 'c'.charCodeAt(0) // rename the second member without fixing its checksum
    const r = readTar(tar)
    expect(r.entries.map((e) => e.name)).toEqual(['a'])
    expect(r.problems).toEqual(['tar member 2 (offset 1024) has a bad header checksum: the archive is damaged or not a tar file'])
  })

  it('reports absurd and unreadable sizes', () => {
    const absurd = readTar(Buffer.concat([rawHeader({ name: 'big', size: 0, sizeField: '77777777777\0' }), END]))
    expect(absurd.problems[0]).toMatch(/claims an absurd size of 8589934591 bytes/)
    const base256 = rawHeader({ name: 'big', size: 0, sizeField: '\x80\0\0\0\0\0\0\0\0\0\0\x01' })
    expect(readTar(Buffer.concat([base256, END])).problems[0]).toMatch(/unreadable size field/)
    expect(readTar(Buffer.concat([rawHeader({ name: 'x', size: 0, sizeField: '12x\0' }), END])).problems[0]).toMatch(/unreadable size field/)
  })

  it('reports truncation: inside data, mid-header, and a missing or half end marker', () => {
    const whole = Buffer.concat([member({ name: 'a', size: 1000 }), END])
    expect(readTar(whole).problems).toEqual([])
    expect(readTar(whole.subarray(0, BLOCK + 100)).problems[0]).toMatch(/"?tar member 1 \(offset 0\) is truncated: it declares 1000 bytes but only 100 follow/)
    expect(readTar(whole.subarray(0, 3 * BLOCK + 10)).problems[0]).toMatch(/10 stray bytes/)
    expect(readTar(whole.subarray(0, 3 * BLOCK)).problems[0]).toMatch(/no end-of-archive marker/)
    expect(readTar(whole.subarray(0, 4 * BLOCK)).problems[0]).toMatch(/one zero block instead of two/)
    expect(readTar(Buffer.alloc(0)).problems[0]).toMatch(/no end-of-archive marker/)
  })

  it('reports data hidden after the end marker, but accepts zero padding (as GNU tar writes)', () => {
    const padded = Buffer.concat([member({ name: 'a', size: 1 }), END, Buffer.alloc(20 * BLOCK)])
    expect(readTar(padded).problems).toEqual([])
    const hidden = Buffer.concat([member({ name: 'a', size: 1 }), END, member({ name: 'b', size: 1 })])
    expect(readTar(hidden).problems).toEqual(['the tar archive has data after its end-of-archive marker (offset 2048)'])
  })

  it('reports a header that is not ustar', () => {
    const r = readTar(Buffer.concat([member({ name: 'a', size: 1, magic: 'xxxxxx00' }), END]))
    expect(r.problems[0]).toMatch(/is not a ustar header/)
  })

  it('never throws on random bytes', () => {
    let seed = 42
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: Math.floor(rand() * 3000) }, () => Math.floor(rand() * 256)))
      const r = readTar(junk)
      expect(r.problems.length).toBeGreaterThan(0)
    }
  })
})

describe('gunzipLimited', () => {
  it('gunzips within the cap and refuses output past it (a gzip bomb)', () => {
    const zeros = gzipSync(Buffer.alloc(4 * 1024 * 1024))
    expect(zeros.length).toBeLessThan(10_000)
    const ok = gunzipLimited(zeros, 8 * 1024 * 1024)
    expect(ok.ok && ok.data.length).toBe(4 * 1024 * 1024)
    const bomb = gunzipLimited(zeros, 1024 * 1024)
    expect(bomb).toEqual({ ok: false, problem: 'the bundle decompresses to more than 1048576 bytes; refusing to read it' })
  })

  it('reports non-gzip input, truncation and corruption', () => {
    expect(gunzipLimited(Buffer.from('hello'))).toMatchObject({ ok: false, problem: expect.stringMatching(/not a gzip file/) })
    const gz = gzipSync(Buffer.from('some text that compresses '.repeat(100)))
    expect(gunzipLimited(gz.subarray(0, gz.length - 10))).toMatchObject({ ok: false, problem: expect.stringMatching(/truncated/) })
    const bad = Buffer.from(gz)
    bad[bad.length - 5] = (bad[bad.length - 5] ?? 0) ^ 0xff // damage the stored length/CRC
    expect(gunzipLimited(bad)).toMatchObject({ ok: false, problem: expect.stringMatching(/damaged/) })
  })
})
