import { stringify } from 'csv-stringify/sync'
import { WardenError } from '../errors/index.js'
import type { Grant } from '../model/index.js'

/**
 * Output for the read commands: an aligned text table for people, a JSON array or CSV for
 * programs. Every writer streams through an `Output`, which buffers, honours back-pressure and
 * stops quietly when the reader goes away (`warden grants ... | head`), so a million rows never
 * sit in memory and a closed pipe is not a crash.
 */
export type OutputFormat = 'table' | 'json' | 'csv'

/** Picks the format from `--json` / `--csv`; both at once is bad usage. */
export function outputFormat(flags: { json?: boolean | undefined; csv?: boolean | undefined }): OutputFormat {
  if (flags.json === true && flags.csv === true) throw new WardenError('BAD_INPUT', '--json and --csv cannot be combined; pick one')
  if (flags.json === true) return 'json'
  if (flags.csv === true) return 'csv'
  return 'table'
}

const FLUSH_BYTES = 64 * 1024

/** A buffered writer over a stream (stdout by default) that swallows EPIPE and reports it as `closed`. */
export class Output {
  private buffer: string[] = []
  private size = 0
  private gone = false
  private readonly stream: NodeJS.WritableStream
  private failure: Error | undefined

  constructor(stream: NodeJS.WritableStream = process.stdout) {
    this.stream = stream
    // A reader that went away (EPIPE) ends the output quietly; other errors surface at the next flush.
    stream.on('error', this.onError)
  }

  /** True once the reader has gone away: stop producing output. */
  get closed(): boolean {
    return this.gone
  }

  /** True when enough is buffered that the caller should `await flush()`. */
  get full(): boolean {
    return this.size >= FLUSH_BYTES
  }

  write(text: string): void {
    if (this.gone) return
    this.buffer.push(text)
    this.size += text.length
  }

  /** Writes what is buffered and waits until the stream took it. */
  async flush(): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    if (this.gone || this.size === 0) return
    const chunk = this.buffer.join('')
    this.buffer = []
    this.size = 0
    await new Promise<void>((resolve) => {
      this.stream.write(chunk, (err) => {
        if (err !== null && err !== undefined) this.onError(err)
        resolve()
      })
    })
    if (this.failure !== undefined) throw this.failure
  }

  /** Flushes and stops listening for errors. */
  async end(): Promise<void> {
    try {
      await this.flush()
    } finally {
      // Keep swallowing a late EPIPE from the last chunk; only detach when the stream is healthy.
      if (!this.gone) this.stream.removeListener('error', this.onError)
    }
  }

  private readonly onError = (err: Error): void => {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') {
      this.gone = true
      this.buffer = []
      this.size = 0
    } else {
      this.failure ??= err
    }
  }
}

/** Receives items one at a time and renders them into an Output. */
export interface RowWriter<T> {
  push(item: T): void
  finish(): void
}

/** Streams `items` through `writer`, flushing as it goes; stops early when the reader went away. */
export async function writeAll<T>(items: Iterable<T>, writer: RowWriter<T>, out: Output): Promise<void> {
  for (const item of items) {
    if (out.closed) break
    writer.push(item)
    if (out.full) await out.flush()
  }
  if (!out.closed) writer.finish()
  await out.end()
}

/** A JSON array, one item per line: `[`, items separated by `,\n`, `]`. */
export class JsonArrayWriter<T> implements RowWriter<T> {
  private first = true
  private readonly out: Output
  private readonly map: (item: T) => unknown

  constructor(out: Output, map: (item: T) => unknown = (item) => item) {
    this.out = out
    this.map = map
  }

  push(item: T): void {
    this.out.write(`${this.first ? '[\n' : ',\n'}${JSON.stringify(this.map(item))}`)
    this.first = false
  }

  finish(): void {
    this.out.write(this.first ? '[]\n' : '\n]\n')
  }
}

export type CsvCell = string | number | boolean | null

/** CSV (RFC 4180 quoting via csv-stringify): a header row, then one row per item. */
export class CsvWriter<T> implements RowWriter<T> {
  private batch: CsvCell[][] = []
  private readonly out: Output
  private readonly map: (item: T) => CsvCell[]

  constructor(out: Output, header: string[], map: (item: T) => CsvCell[]) {
    this.out = out
    this.map = map
    this.out.write(stringify([header]))
  }

  push(item: T): void {
    this.batch.push(this.map(item))
    if (this.batch.length >= 500) this.drain()
  }

  finish(): void {
    this.drain()
  }

  private drain(): void {
    if (this.batch.length === 0) return
    this.out.write(stringify(this.batch.map((r) => r.map((c) => (c === null ? '' : typeof c === 'string' ? c : String(c))))))
    this.batch = []
  }
}

export interface TextTableOptions {
  /** Longest a cell may be before it is cut with `…` (default 60). */
  maxWidth?: number
  /** Rows read before the column widths are fixed and rows start to stream (default 2000). */
  sample?: number
}

/**
 * An aligned plain-text table for terminals. Column widths come from the header and the first
 * `sample` rows; later, wider cells push their row's next columns right rather than being cut,
 * up to `maxWidth`. Control characters are shown as `?` so names cannot drive the terminal.
 */
export class TextTableWriter<T> implements RowWriter<T> {
  private pending: string[][] | undefined = []
  private widths: number[] = []
  private readonly out: Output
  private readonly headers: string[]
  private readonly map: (item: T) => string[]
  private readonly maxWidth: number
  private readonly sample: number

  constructor(out: Output, headers: string[], map: (item: T) => string[], options: TextTableOptions = {}) {
    this.out = out
    this.headers = headers
    this.map = map
    this.maxWidth = options.maxWidth ?? 60
    this.sample = options.sample ?? 2000
  }

  push(item: T): void {
    const cells = this.map(item).map((c) => cell(c, this.maxWidth))
    if (this.pending === undefined) {
      this.out.write(alignedLine(cells, this.widths))
      return
    }
    this.pending.push(cells)
    if (this.pending.length >= this.sample) this.release()
  }

  finish(): void {
    if (this.pending !== undefined) this.release()
  }

  private release(): void {
    const rows = this.pending ?? []
    this.pending = undefined
    this.widths = this.headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
    this.out.write(alignedLine(this.headers, this.widths))
    for (const r of rows) this.out.write(alignedLine(r, this.widths))
  }
}

/** One table cell: control characters replaced, cut to `max` characters with `…`. */
export function cell(value: string, max = 60): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
  if (clean.length <= max) return clean
  const chars = Array.from(clean)
  return chars.length <= max ? clean : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`
}

function alignedLine(cells: string[], widths: number[]): string {
  const last = cells.length - 1
  return `${cells.map((c, i) => (i === last ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`.replace(/ +\n$/, '\n')
}

/** How a grant is held, for people: `direct`, `via role:42:member`, or both. */
export function heldThrough(g: Pick<Grant, 'direct' | 'sources'>): string {
  const via = g.sources.length === 0 ? '' : `via ${g.sources.join(', ')}`
  if (g.direct) return via === '' ? 'direct' : `direct, ${via}`
  return via === '' ? '-' : via
}

/**
 * A Markdown-style table with right-aligned numeric columns (the format benchmarks and
 * docs/benchmarks.md use; bench/table.ts re-exports it as `table`).
 */
export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]): string => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`
  return [line(headers), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map((r) => line(r.map(String)))].join('\n')
}
