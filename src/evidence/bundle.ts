import { gzipSync } from 'node:zlib'
import { WardenError } from '../errors/index.js'
import { sha256Hex } from './csv-hash.js'
import { BLOCK, MAX_TAR_BYTES, gunzipLimited, plainNameProblem, readTar, writeTar } from './tar.js'
import type { TarEntry } from './tar.js'

/**
 * Evidence bundles: a campaign's evidence files plus a manifest of their SHA-256 hashes, as one
 * deterministic .tar.gz that anyone can re-verify offline (with `warden evidence verify`, or with
 * plain `tar` and `sha256sum`; docs/evidence.md).
 */

export const EVIDENCE_FORMAT = 'warden-evidence/1'
export const MANIFEST_NAME = 'manifest.json'

/** One file in a bundle. `name` is a plain file name like `items.csv` (no slashes, no '..', at most 100 bytes). */
export interface EvidenceFile {
  name: string
  content: Buffer | string
}

export interface EvidenceManifestFile {
  name: string
  bytes: number
  sha256: string
}

export interface EvidenceManifest {
  format: 'warden-evidence/1'
  /** ISO 8601, the moment the bundle was produced (also every tar member's mtime). */
  generated_at: string
  /** What the evidence is about (e.g. `{ campaign_id, name, state }`), as the caller gave it. */
  subject: Record<string, unknown>
  /** Every file except manifest.json, in the order given. */
  files: EvidenceManifestFile[]
}

export interface EvidenceBundle {
  /** The .tar.gz bytes. */
  bundle: Buffer
  /** The manifest exactly as written (parsed back from manifest.json). */
  manifest: EvidenceManifest
  /** SHA-256 of manifest.json's bytes: the value to record in the audit log. */
  manifestSha256: string
  /** SHA-256 of the .tar.gz bytes. */
  bundleSha256: string
}

export type EvidenceFileStatus = 'ok' | 'mismatch' | 'missing' | 'extra'

export interface EvidenceFileCheck {
  name: string
  expected_sha256: string | null
  actual_sha256: string | null
  ok: boolean
  problem?: string
  /** ok: matches; mismatch: different bytes; missing: listed but absent; extra: present but not listed. */
  status: EvidenceFileStatus
  expected_bytes: number | null
  actual_bytes: number | null
}

export interface EvidenceVerification {
  ok: boolean
  manifest: EvidenceManifest | null
  /** SHA-256 of the bundle's manifest.json bytes (even when they are not a valid manifest); null when there is none. */
  manifest_sha256: string | null
  /** One row per manifest file and per unexpected extra file. Empty when there is no usable manifest. */
  files: EvidenceFileCheck[]
  /** Human sentences: missing file, hash mismatch, extra file, bad manifest, not a gzip/tar. Empty when ok. */
  problems: string[]
}

/**
 * Builds a bundle: the files in the order given, then manifest.json (keys sorted, 2-space
 * indent, a final newline). Deterministic: the same input, `generatedAt` included, gives the same
 * bytes (every member has mtime = generatedAt, uid/gid 0, mode 0644; the gzip header carries no
 * name or time). Bad input (unsafe or repeated names, a subject that is not plain JSON data, an
 * invalid date) throws WardenError BAD_INPUT.
 */
export function buildEvidenceBundle(input: { subject: Record<string, unknown>; files: EvidenceFile[]; generatedAt: Date }): EvidenceBundle {
  const { subject, files, generatedAt } = input
  if (!isPlainObject(subject)) throw new WardenError('BAD_INPUT', 'the evidence subject must be a plain object')
  if (!Array.isArray(files)) throw new WardenError('BAD_INPUT', 'the evidence files must be an array')
  if (!(generatedAt instanceof Date) || Number.isNaN(generatedAt.getTime())) throw new WardenError('BAD_INPUT', 'generatedAt must be a valid date')
  const mtimeSeconds = Math.floor(generatedAt.getTime() / 1000)
  if (mtimeSeconds < 0) throw new WardenError('BAD_INPUT', 'generatedAt must not be before 1970')
  // ustar's 11 octal digits of seconds run out in the year 2242.
  if (mtimeSeconds > 0o77777777777) throw new WardenError('BAD_INPUT', 'generatedAt is too far in the future for a tar header')

  const members: { name: string; data: Buffer }[] = []
  const seen = new Set<string>()
  for (const [i, f] of files.entries()) {
    const name: unknown = (f as Partial<EvidenceFile> | null)?.name
    if (typeof name !== 'string') throw new WardenError('BAD_INPUT', `evidence file ${i + 1} has no name`)
    const problem = plainNameProblem(name)
    if (problem !== undefined) throw new WardenError('BAD_INPUT', `evidence file name ${JSON.stringify(name)} ${problem}`)
    if (name === MANIFEST_NAME) throw new WardenError('BAD_INPUT', `${MANIFEST_NAME} is reserved for the bundle's own manifest`)
    if (seen.has(name)) throw new WardenError('BAD_INPUT', `evidence file name ${JSON.stringify(name)} is given twice`)
    seen.add(name)
    const content: unknown = f.content
    let data: Buffer
    if (typeof content === 'string') data = Buffer.from(content, 'utf8')
    else if (content instanceof Uint8Array) data = Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength)
    else throw new WardenError('BAD_INPUT', `evidence file ${name} has content that is neither a string nor bytes`)
    members.push({ name, data })
  }

  // Refuse before building anything: the reader refuses more than this (gzip-bomb guard), so
  // never produce a bundle it would refuse. Each member costs a header plus padded data.
  const tarBytes = members.reduce((sum, m) => sum + 2 * BLOCK + m.data.length, 2 * BLOCK)
  if (tarBytes > MAX_TAR_BYTES) throw new WardenError('BAD_INPUT', `the evidence is too large for one bundle (about ${tarBytes} bytes of tar, at most ${MAX_TAR_BYTES})`)

  const manifestText = `${canonicalJson(
    {
      format: EVIDENCE_FORMAT,
      generated_at: generatedAt.toISOString(),
      subject,
      files: members.map((m) => ({ name: m.name, bytes: m.data.length, sha256: sha256Hex(m.data) })),
    },
    'manifest',
  )}\n`
  const manifestBytes = Buffer.from(manifestText, 'utf8')
  const tar = writeTar([...members, { name: MANIFEST_NAME, data: manifestBytes }], { mtimeSeconds })
  // The manifest grows with the file list, so check the real size too.
  if (tar.length > MAX_TAR_BYTES) throw new WardenError('BAD_INPUT', `the evidence is too large for one bundle (${tar.length} bytes of tar, at most ${MAX_TAR_BYTES})`)
  const bundle = gzipSync(tar, { level: 9 })
  // Node writes no file name and mtime 0; pin the OS byte too (3 = Unix), which zlib otherwise
  // sets from the build platform, so the bytes do not depend on where Warden runs.
  bundle[9] = 3
  return {
    bundle,
    manifest: JSON.parse(manifestText) as EvidenceManifest,
    manifestSha256: sha256Hex(manifestBytes),
    bundleSha256: sha256Hex(bundle),
  }
}

/**
 * Re-verifies a bundle offline: every file the manifest lists is present with the listed size
 * and SHA-256, nothing else is there, and the archive itself is sound. Never throws for a damaged
 * bundle (the problems are reported); throws WardenError BAD_INPUT only when given something that
 * is not bytes.
 */
export function verifyEvidenceBundle(bundle: Buffer): EvidenceVerification {
  // Typed as Buffer, but callers in plain JS (or with a cast) may pass anything: check at run time.
  const input: unknown = bundle
  if (!(input instanceof Uint8Array)) throw new WardenError('BAD_INPUT', 'an evidence bundle must be given as bytes (a Buffer)')
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  try {
    return verify(bytes)
  } catch (e) {
    // The readers report every defect they know; this is the promise that a hostile bundle
    // we did not foresee still becomes a failed verification, never a crash.
    return failed(`the bundle could not be read: ${e instanceof Error ? e.message : String(e)}`)
  }
}

function failed(problem: string): EvidenceVerification {
  return { ok: false, manifest: null, manifest_sha256: null, files: [], problems: [problem] }
}

function verify(bytes: Buffer): EvidenceVerification {
  const gunzipped = gunzipLimited(bytes)
  if (!gunzipped.ok) return failed(gunzipped.problem)
  const { entries, problems: tarProblems } = readTar(gunzipped.data)
  const problems = [...tarProblems]

  const byName = new Map<string, TarEntry>(entries.map((e) => [e.name, e]))
  const manifestEntry = byName.get(MANIFEST_NAME)
  if (manifestEntry === undefined) {
    problems.push(`the bundle has no ${MANIFEST_NAME}`)
    return { ok: false, manifest: null, manifest_sha256: null, files: [], problems }
  }
  const manifestSha256 = sha256Hex(manifestEntry.data)
  const parsed = parseManifest(manifestEntry.data)
  if (!parsed.ok) {
    problems.push(...parsed.problems)
    return { ok: false, manifest: null, manifest_sha256: manifestSha256, files: [], problems }
  }
  const manifest = parsed.manifest

  const files: EvidenceFileCheck[] = []
  for (const want of manifest.files) {
    const have = byName.get(want.name)
    if (have === undefined) {
      const problem = `${want.name} is listed in the manifest but is not in the bundle`
      files.push({ name: want.name, expected_sha256: want.sha256, actual_sha256: null, ok: false, problem, status: 'missing', expected_bytes: want.bytes, actual_bytes: null })
      problems.push(problem)
      continue
    }
    const actual = sha256Hex(have.data)
    if (actual === want.sha256 && have.data.length === want.bytes) {
      files.push({ name: want.name, expected_sha256: want.sha256, actual_sha256: actual, ok: true, status: 'ok', expected_bytes: want.bytes, actual_bytes: have.data.length })
      continue
    }
    const sizes = have.data.length === want.bytes ? '' : ` and ${have.data.length} bytes instead of ${want.bytes}`
    const problem = `${want.name} does not match the manifest: sha256 ${actual} instead of ${want.sha256}${sizes}`
    files.push({ name: want.name, expected_sha256: want.sha256, actual_sha256: actual, ok: false, problem, status: 'mismatch', expected_bytes: want.bytes, actual_bytes: have.data.length })
    problems.push(problem)
  }
  const listed = new Set(manifest.files.map((f) => f.name))
  for (const e of entries) {
    if (e.name === MANIFEST_NAME || listed.has(e.name)) continue
    const problem = `${e.name} is in the bundle but not listed in the manifest`
    files.push({ name: e.name, expected_sha256: null, actual_sha256: sha256Hex(e.data), ok: false, problem, status: 'extra', expected_bytes: null, actual_bytes: e.data.length })
    problems.push(problem)
  }
  return { ok: problems.length === 0, manifest, manifest_sha256: manifestSha256, files, problems }
}

type ParsedManifest = { ok: true; manifest: EvidenceManifest } | { ok: false; problems: string[] }

const SHA256_HEX = /^[0-9a-f]{64}$/
/** ISO 8601 as Date#toISOString writes it, or with an explicit offset / fewer fraction digits. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

function parseManifest(data: Buffer): ParsedManifest {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data)
  } catch {
    return { ok: false, problems: [`${MANIFEST_NAME} is not valid UTF-8 text`] }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return { ok: false, problems: [`${MANIFEST_NAME} is not valid JSON: ${(e as Error).message}`] }
  }
  if (!isPlainObject(value)) return { ok: false, problems: [`${MANIFEST_NAME} is not a JSON object`] }
  const problems: string[] = []
  if (value['format'] !== EVIDENCE_FORMAT) {
    problems.push(`${MANIFEST_NAME} has format ${JSON.stringify(value['format'] ?? null)}; this Warden reads ${JSON.stringify(EVIDENCE_FORMAT)}`)
    // Another format's fields mean something else: do not judge them by this one's rules.
    return { ok: false, problems }
  }
  const generatedAt = value['generated_at']
  if (typeof generatedAt !== 'string' || !ISO_8601.test(generatedAt) || Number.isNaN(Date.parse(generatedAt))) {
    problems.push(`${MANIFEST_NAME} has no valid generated_at (an ISO 8601 time)`)
  }
  if (!isPlainObject(value['subject'])) problems.push(`${MANIFEST_NAME} has no subject object`)
  const files = value['files']
  if (!Array.isArray(files)) {
    problems.push(`${MANIFEST_NAME} has no files array`)
  } else {
    const seen = new Set<string>()
    for (const [i, f] of files.entries()) {
      const label = `${MANIFEST_NAME} files[${i}]`
      if (!isPlainObject(f)) {
        problems.push(`${label} is not an object`)
        continue
      }
      const { name, bytes, sha256 } = f
      if (typeof name !== 'string') {
        problems.push(`${label} has no name`)
      } else {
        const nameProblem = plainNameProblem(name)
        if (nameProblem !== undefined) problems.push(`${label} name ${JSON.stringify(name)} ${nameProblem}`)
        else if (name === MANIFEST_NAME) problems.push(`${label} lists ${MANIFEST_NAME} itself`)
        else if (seen.has(name)) problems.push(`${label} lists ${name} a second time`)
        seen.add(name)
      }
      if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) problems.push(`${label} has no valid bytes count`)
      if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) problems.push(`${label} has no valid sha256 (64 lowercase hex digits)`)
    }
  }
  if (problems.length > 0) return { ok: false, problems }
  return { ok: true, manifest: value as unknown as EvidenceManifest }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto: unknown = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/**
 * JSON like `JSON.stringify(value, null, 2)` but with every object's keys sorted (by UTF-16 code
 * unit, JavaScript's default sort). JSON.stringify cannot do this itself: engines always list
 * integer-like keys ("2", "10") first, whatever order they were inserted in. Values that JSON
 * cannot represent faithfully (bigint, NaN, functions, cycles, class instances) are bad input.
 */
export function canonicalJson(value: unknown, path = '$'): string {
  return write(value, '', path, new Set()) ?? 'null'
}

function write(value: unknown, indent: string, path: string, stack: Set<object>): string | undefined {
  if (value === null) return 'null'
  if (value === undefined) return undefined
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) throw new WardenError('BAD_INPUT', `${path} is ${value}, which JSON cannot hold`)
      return JSON.stringify(value)
    case 'object':
      break
    default:
      throw new WardenError('BAD_INPUT', `${path} is a ${typeof value}, which JSON cannot hold`)
  }
  const obj = value as object
  const toJSON: unknown = (obj as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') return write((toJSON as () => unknown).call(obj), indent, path, stack)
  if (stack.has(obj)) throw new WardenError('BAD_INPUT', `${path} refers back to itself`)
  const inner = `${indent}  `
  stack.add(obj)
  try {
    if (Array.isArray(obj)) {
      if (obj.length === 0) return '[]'
      const items = obj.map((item: unknown, i) => `${inner}${write(item, inner, `${path}[${i}]`, stack) ?? 'null'}`)
      return `[\n${items.join(',\n')}\n${indent}]`
    }
    if (!isPlainObject(obj)) throw new WardenError('BAD_INPUT', `${path} is a ${obj.constructor?.name ?? 'non-plain'} object, not plain JSON data`)
    const fields: string[] = []
    for (const key of Object.keys(obj).sort()) {
      const text = write(obj[key], inner, `${path}.${key}`, stack)
      if (text !== undefined) fields.push(`${inner}${JSON.stringify(key)}: ${text}`)
    }
    return fields.length === 0 ? '{}' : `{\n${fields.join(',\n')}\n${indent}}`
  } finally {
    stack.delete(obj)
  }
}
