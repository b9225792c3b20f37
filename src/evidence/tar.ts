import { gunzipSync } from 'node:zlib'

/**
 * A minimal POSIX ustar writer and a defensive reader, enough for evidence bundles: regular
 * files only, names of at most 100 bytes, no extensions (no pax headers, no GNU long names).
 *
 * Why our own: evidence bundles must be byte-for-byte reproducible (fixed owner, mode and
 * mtime) and the reader must treat every archive as hostile (an auditor may be handed
 * anything), reporting each defect instead of extracting or crashing. Both are small.
 *
 * Layout of a 512-byte ustar header (offset, length): name 0/100, mode 100/8, uid 108/8,
 * gid 116/8, size 124/12, mtime 136/12, chksum 148/8, typeflag 156/1, linkname 157/100,
 * magic 257/6, version 263/2, uname 265/32, gname 297/32, devmajor 329/8, devminor 337/8,
 * prefix 345/155, then padding. Numbers are octal ASCII. The checksum is the sum of all header
 * bytes with the checksum field counted as eight spaces. File data follows in 512-byte blocks;
 * the archive ends with two zero blocks.
 */

export const BLOCK = 512
/** The most a tar stream (after gunzip) may hold: evidence is small, a gzip bomb is not. */
export const MAX_TAR_BYTES = 512 * 1024 * 1024
const NAME_MAX_BYTES = 100
/** The largest value an 11-digit octal field can hold (size and mtime). */
const MAX_OCTAL_11 = 0o77777777777

export interface TarFile {
  name: string
  data: Buffer
}

export interface TarWriteOptions {
  /** Modification time of every entry, in seconds since the epoch. */
  mtimeSeconds: number
}

/**
 * Why `name` cannot be a plain member name (no directories, no traversal), or undefined when it
 * can. Shared by the writer, the reader and the bundle builder so all three agree.
 */
export function plainNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty'
  if (name.includes('\0')) return 'contains a NUL character'
  // eslint-disable-next-line no-control-regex -- control characters in names can drive terminals and confuse tools
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character'
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator (only plain file names are allowed)'
  if (name.includes('..')) return "contains '..'"
  if (name === '.') return "is '.'"
  if (Buffer.byteLength(name, 'utf8') > NAME_MAX_BYTES) return `is longer than ${NAME_MAX_BYTES} bytes`
  return undefined
}

/** Writes `files` as a ustar archive (uid/gid 0, mode 0644, the given mtime), ending with two zero blocks. */
export function writeTar(files: readonly TarFile[], options: TarWriteOptions): Buffer {
  const { mtimeSeconds } = options
  if (!Number.isInteger(mtimeSeconds) || mtimeSeconds < 0 || mtimeSeconds > MAX_OCTAL_11) {
    throw new RangeError(`tar mtime must be a whole number of seconds between 0 and ${MAX_OCTAL_11}, not ${mtimeSeconds}`)
  }
  const seen = new Set<string>()
  const parts: Buffer[] = []
  for (const f of files) {
    const problem = plainNameProblem(f.name)
    if (problem !== undefined) throw new RangeError(`tar member name ${JSON.stringify(f.name)} ${problem}`)
    if (seen.has(f.name)) throw new RangeError(`tar member name ${JSON.stringify(f.name)} appears twice`)
    seen.add(f.name)
    if (f.data.length > MAX_OCTAL_11) throw new RangeError(`tar member ${f.name} is too large for a ustar header`)
    parts.push(header(f.name, f.data.length, mtimeSeconds))
    parts.push(f.data)
    const pad = padding(f.data.length)
    if (pad > 0) parts.push(Buffer.alloc(pad))
  }
  parts.push(Buffer.alloc(2 * BLOCK))
  return Buffer.concat(parts)
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK
}

function header(name: string, size: number, mtimeSeconds: number): Buffer {
  const h = Buffer.alloc(BLOCK)
  h.write(name, 0, NAME_MAX_BYTES, 'utf8')
  writeOctal(h, 100, 8, 0o644)
  writeOctal(h, 108, 8, 0)
  writeOctal(h, 116, 8, 0)
  writeOctal(h, 124, 12, size)
  writeOctal(h, 136, 12, mtimeSeconds)
  h.write('0', 156, 1, 'ascii') // regular file
  h.write('ustar\0', 257, 6, 'ascii')
  h.write('00', 263, 2, 'ascii')
  // uname/gname stay empty: readers fall back to the numeric ids, and nothing about the
  // producing machine leaks into the archive.
  writeOctal(h, 329, 8, 0)
  writeOctal(h, 337, 8, 0)
  // Checksum: six octal digits, NUL, space (the traditional form every tar accepts).
  h.write(`${checksum(h).toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii')
  return h
}

/** `value` as zero-padded octal filling `length - 1` digits, then a NUL. */
function writeOctal(h: Buffer, offset: number, length: number, value: number): void {
  h.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii')
}

/** Sum of the header's bytes with the checksum field (148..155) counted as spaces. */
function checksum(h: Buffer, signed = false): number {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0)
    sum += signed && b > 127 ? b - 256 : b
  }
  return sum
}

export interface TarEntry {
  name: string
  data: Buffer
}

export interface TarReadResult {
  /** Regular files with safe, unique names, in archive order. */
  entries: TarEntry[]
  /** One sentence per defect; reading stops at the first structural one (truncation, bad header). */
  problems: string[]
}

/**
 * Reads a ustar (or GNU tar, for the plain members it shares with ustar) archive without
 * trusting it. Never throws: truncation, bad checksums, absurd sizes, non-regular members,
 * unsafe or duplicate names and junk after the end marker all become `problems`. Entries with
 * unsafe names, non-regular types or repeated names are left out of `entries`.
 */
export function readTar(tar: Buffer): TarReadResult {
  const entries: TarEntry[] = []
  const problems: string[] = []
  const seen = new Set<string>()
  let offset = 0
  let index = 0
  for (;;) {
    if (offset + BLOCK > tar.length) {
      problems.push(
        offset === tar.length
          ? 'the tar archive is truncated: it has no end-of-archive marker'
          : `the tar archive is truncated: ${tar.length - offset} stray bytes where a 512-byte header should start (offset ${offset})`,
      )
      break
    }
    const h = tar.subarray(offset, offset + BLOCK)
    if (isZero(h)) {
      const second = tar.subarray(offset + BLOCK, offset + 2 * BLOCK)
      if (second.length < BLOCK || !isZero(second)) {
        problems.push('the tar archive is truncated: its end-of-archive marker is incomplete (one zero block instead of two)')
      } else if (!isZero(tar.subarray(offset + 2 * BLOCK))) {
        // Anything after the end marker is invisible to tar but could hide content; say so.
        problems.push(`the tar archive has data after its end-of-archive marker (offset ${offset + 2 * BLOCK})`)
      }
      break
    }
    index++
    const where = `tar member ${index} (offset ${offset})`
    const stored = parseOctal(h.subarray(148, 156))
    if (stored === undefined || (stored !== checksum(h) && stored !== checksum(h, true))) {
      problems.push(`${where} has a bad header checksum: the archive is damaged or not a tar file`)
      break
    }
    const magic = h.subarray(257, 263).toString('latin1')
    const posix = magic === 'ustar\0'
    if (!posix && magic !== 'ustar ') {
      problems.push(`${where} is not a ustar header (magic ${JSON.stringify(magic)})`)
      break
    }
    const size = parseOctal(h.subarray(124, 136))
    if (size === undefined) {
      problems.push(`${where} has an unreadable size field`)
      break
    }
    if (size > MAX_TAR_BYTES) {
      problems.push(`${where} claims an absurd size of ${size} bytes (more than ${MAX_TAR_BYTES})`)
      break
    }
    const dataStart = offset + BLOCK
    if (dataStart + size > tar.length) {
      problems.push(`${where} is truncated: it declares ${size} bytes but only ${tar.length - dataStart} follow`)
      break
    }
    offset = dataStart + size + padding(size)

    const rawName = cString(h.subarray(0, 100))
    // ustar splits long paths into prefix + '/' + name; GNU tar uses those bytes for other things.
    const prefix = posix ? cString(h.subarray(345, 500)) : Buffer.alloc(0)
    const decoded = decodeUtf8(prefix.length === 0 ? rawName : Buffer.concat([prefix, Buffer.from('/'), rawName]))
    if (decoded === undefined) {
      problems.push(`${where} has a name that is not valid UTF-8`)
      continue
    }
    const name = decoded
    const typeflag = String.fromCharCode(h[156] ?? 0)
    if (typeflag !== '0' && typeflag !== '\0') {
      problems.push(`tar member ${JSON.stringify(name)} is a ${typeName(typeflag)}, not a regular file`)
      continue
    }
    if (isTraversal(name)) {
      problems.push(`tar member ${JSON.stringify(name)} has a path-traversal name (absolute or containing '..')`)
      continue
    }
    const problem = plainNameProblem(name)
    if (problem !== undefined) {
      problems.push(`tar member ${JSON.stringify(name)} is not a plain file name: it ${problem}`)
      continue
    }
    if (seen.has(name)) {
      problems.push(`tar member ${JSON.stringify(name)} appears more than once`)
      continue
    }
    seen.add(name)
    entries.push({ name, data: tar.subarray(dataStart, dataStart + size) })
  }
  return { entries, problems }
}

export type GunzipResult = { ok: true; data: Buffer } | { ok: false; problem: string }

/** Gunzips `gz`, refusing output past `maxBytes` (a gzip bomb) and reporting, not throwing, on bad input. */
export function gunzipLimited(gz: Buffer, maxBytes: number = MAX_TAR_BYTES): GunzipResult {
  if (gz.length < 2 || gz[0] !== 0x1f || gz[1] !== 0x8b) return { ok: false, problem: 'the bundle is not a gzip file (it does not start with the gzip signature 1f 8b)' }
  try {
    return { ok: true, data: gunzipSync(gz, { maxOutputLength: maxBytes }) }
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      return { ok: false, problem: `the bundle decompresses to more than ${maxBytes} bytes; refusing to read it` }
    }
    if (err.code === 'Z_BUF_ERROR') return { ok: false, problem: 'the gzip data is truncated (unexpected end of file)' }
    return { ok: false, problem: `the gzip data is damaged: ${err.message}` }
  }
}

function isZero(b: Buffer): boolean {
  for (const byte of b) if (byte !== 0) return false
  return true
}

/** A NUL-terminated field's bytes (the whole field when it has no NUL). */
function cString(field: Buffer): Buffer {
  const end = field.indexOf(0)
  return end === -1 ? field : field.subarray(0, end)
}

function decodeUtf8(b: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b)
  } catch {
    return undefined
  }
}

/**
 * An octal number field: optional leading spaces, octal digits, then NULs or spaces to the end.
 * Undefined for anything else, including GNU's base-256 form (high bit set), which no plain
 * evidence file needs.
 */
function parseOctal(field: Buffer): number | undefined {
  const text = field.toString('latin1')
  const m = /^ *([0-7]+)[ \0]*$/.exec(text)
  if (m === null || m[1] === undefined) return undefined
  const value = parseInt(m[1], 8)
  return Number.isSafeInteger(value) ? value : undefined
}

function isTraversal(name: string): boolean {
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return true
  return name.split(/[/\\]/).includes('..')
}

function typeName(flag: string): string {
  switch (flag) {
    case '1':
      return 'hard link'
    case '2':
      return 'symbolic link'
    case '3':
      return 'character device'
    case '4':
      return 'block device'
    case '5':
      return 'directory'
    case '6':
      return 'FIFO'
    case '7':
      return 'contiguous file'
    case 'x':
    case 'g':
      return 'pax extended header'
    case 'L':
    case 'K':
      return 'GNU long-name record'
    default:
      return `member of type ${JSON.stringify(flag)}`
  }
}
