import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { WardenError } from '../errors/index.js'
import { csvWithHash, sha256Hex } from './index.js'

/** A small RFC 4180 reader (quoted fields, doubled quotes, newlines inside quotes), to read the output back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  expect(field).toBe('') // every record ends with \n
  return rows
}

describe('sha256Hex', () => {
  it('hashes strings as UTF-8 and bytes as they are', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256Hex('é')).toBe(createHash('sha256').update(Buffer.from([0xc3, 0xa9])).digest('hex'))
    expect(sha256Hex(Buffer.from('abc'))).toBe(sha256Hex('abc'))
  })
})

describe('csvWithHash', () => {
  it('writes a header row then the rows, records ending in \\n, and hashes exactly that text', () => {
    const { text, sha256 } = csvWithHash(['a', 'b'], [
      ['1', '2'],
      ['3', '4'],
    ])
    expect(text).toBe('a,b\n1,2\n3,4\n')
    expect(sha256).toBe(sha256Hex(text))
    expect(sha256).toBe(createHash('sha256').update('a,b\n1,2\n3,4\n', 'utf8').digest('hex'))
  })

  it('quotes commas, quotes, newlines and carriage returns, and keeps unicode as UTF-8', () => {
    const tricky = ['Doe, Jane', 'say "hi"', 'line one\nline two', 'cr\ronly', 'Zoë 🚀 日本', ' padded ', '']
    const { text, sha256 } = csvWithHash(['value', 'n'], tricky.map((v, i) => [v, i]))
    expect(text.split('\n')[1]).toBe('"Doe, Jane",0')
    expect(text).toContain('"say ""hi""",1')
    expect(text).toContain('"line one\nline two",2')
    expect(text).toContain('"cr\ronly",3')
    expect(text).toContain('Zoë 🚀 日本,4')
    expect(parseCsv(text)).toEqual([['value', 'n'], ...tricky.map((v, i) => [v, String(i)])])
    expect(sha256).toBe(sha256Hex(Buffer.from(text, 'utf8')))
  })

  it('writes null and undefined as empty, booleans as true/false, dates as ISO 8601, objects as JSON', () => {
    const { text } = csvWithHash(['a', 'b', 'c', 'd', 'e', 'f', 'g'], [[null, undefined, true, false, new Date('2026-01-02T03:04:05Z'), { x: [1, 'y'] }, 12345678901234567890n]])
    expect(parseCsv(text)[1]).toEqual(['', '', 'true', 'false', '2026-01-02T03:04:05.000Z', '{"x":[1,"y"]}', '12345678901234567890'])
  })

  it('takes any iterable, including a generator of many rows (batched)', () => {
    function* rows(): Generator<string[]> {
      for (let i = 0; i < 2500; i++) yield [`id_${i}`, i % 2 === 0 ? 'approve' : 'deny']
    }
    const { text, sha256 } = csvWithHash(['id', 'decision'], rows())
    const parsed = parseCsv(text)
    expect(parsed).toHaveLength(2501)
    expect(parsed[2500]).toEqual(['id_2499', 'deny'])
    expect(sha256).toBe(sha256Hex(text))
    expect(csvWithHash(['id'], []).text).toBe('id\n')
  })

  it('escapes formula-looking cells only when asked', () => {
    expect(csvWithHash(['v'], [['=HYPERLINK("x")']]).text).toBe('v\n"=HYPERLINK(""x"")"\n')
    expect(csvWithHash(['v'], [['=HYPERLINK("x")'], ['@cmd'], ['plain']], { escapeFormulas: true }).text).toBe('v\n"\'=HYPERLINK(""x"")"\n\'@cmd\nplain\n')
  })

  it('refuses a row whose length differs from the columns, no columns, and cells with no text form', () => {
    const err = (f: () => unknown): WardenError => {
      try {
        f()
      } catch (e) {
        return e as WardenError
      }
      throw new Error('expected a throw')
    }
    expect(err(() => csvWithHash(['a', 'b'], [['1', '2'], ['3']]))).toMatchObject({ code: 'BAD_INPUT', message: 'CSV row 2 has 1 cells but there are 2 columns' })
    expect(err(() => csvWithHash([], []))).toMatchObject({ code: 'BAD_INPUT' })
    expect(err(() => csvWithHash(['a'], [[() => 1]]))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/no text form/) })
    expect(err(() => csvWithHash(['a'], [[{ n: 1n }]]))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/cannot be written as JSON/) })
    expect(err(() => csvWithHash(['a'], [[new Date('x')]]))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/invalid date/) })
  })
})
