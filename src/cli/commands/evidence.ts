import { readFileSync, statSync } from 'node:fs'
import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import { MAX_TAR_BYTES, verifyEvidenceBundle } from '../../evidence/index.js'
import type { EvidenceFileCheck, EvidenceVerification } from '../../evidence/index.js'
import { Output, TextTableWriter, cell } from '../format.js'

interface VerifyFlags {
  file: string
  json?: boolean
}

/**
 * No bundle Warden makes is larger than this: its tar is capped at MAX_TAR_BYTES and gzip adds
 * little even to incompressible data. A bigger file is refused before it is read into memory.
 */
const MAX_BUNDLE_FILE_BYTES = MAX_TAR_BYTES + 16 * 1024 * 1024

/** `warden evidence verify --file B [--json]`: re-verify an access-review evidence bundle offline. */
export function registerEvidence(program: Command): void {
  const evidence = program.command('evidence').description('access-review evidence bundles (docs/evidence.md)')
  evidence
    .command('verify')
    .description('check offline that an evidence bundle (.tar.gz) holds exactly the files its manifest lists, byte for byte')
    .requiredOption('--file <path>', 'the evidence bundle (.tar.gz)')
    .option('--json', 'print the verification as one JSON object')
    .action(async (flags: VerifyFlags) => {
      const result = verifyFile(flags.file)
      const out = new Output()
      if (flags.json === true) {
        out.write(`${JSON.stringify(result, null, 2)}\n`)
        await out.end()
      } else {
        await writeReport(out, result)
      }
      if (!result.ok) {
        const [first = 'unknown problem'] = result.problems
        const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more problem${result.problems.length > 2 ? 's' : ''})` : ''
        // CONFLICT: the catalogue's exit-1 answer for "done, and the answer is no" (the bundle disagrees with its manifest).
        throw new WardenError('CONFLICT', `evidence bundle ${flags.file} does not verify: ${cell(first, Number.MAX_SAFE_INTEGER)}${more}`)
      }
    })
}

/** Reads and verifies the file; an unreadable path is bad input (exit 2), a damaged bundle is a failed verification. */
function verifyFile(path: string): EvidenceVerification {
  let size: number
  try {
    const st = statSync(path)
    if (!st.isFile()) throw new WardenError('BAD_INPUT', `cannot read evidence bundle ${path}: it is not a regular file`)
    size = st.size
  } catch (e) {
    throw readError(path, e)
  }
  if (size > MAX_BUNDLE_FILE_BYTES) {
    return { ok: false, manifest: null, manifest_sha256: null, files: [], problems: [`the file is ${size} bytes, larger than any evidence bundle (at most ${MAX_BUNDLE_FILE_BYTES})`] }
  }
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (e) {
    throw readError(path, e)
  }
  return verifyEvidenceBundle(bytes)
}

function readError(path: string, e: unknown): WardenError {
  if (e instanceof WardenError) return e
  const code = (e as NodeJS.ErrnoException).code
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : e instanceof Error ? e.message : String(e)
  return new WardenError('BAD_INPUT', `cannot read evidence bundle ${path}: ${why}`, { cause: e })
}

const STATUS: Record<EvidenceFileCheck['status'], string> = { ok: 'OK', mismatch: 'MISMATCH', missing: 'MISSING', extra: 'EXTRA' }

/** The table for people, then the problems (if any) or the one-line verdict. */
async function writeReport(out: Output, result: EvidenceVerification): Promise<void> {
  if (result.files.length > 0) {
    const table = new TextTableWriter<EvidenceFileCheck>(out, ['FILE', 'BYTES', 'SHA256', 'STATUS'], (f) => [
      f.name,
      String(f.actual_bytes ?? f.expected_bytes ?? '-'),
      shortHash(f.actual_sha256 ?? f.expected_sha256),
      STATUS[f.status],
    ])
    for (const f of result.files) table.push(f)
    table.finish()
  }
  if (result.ok) {
    // Fixed wording (even for one file) so scripts can match the line.
    out.write(`evidence bundle verified: ${result.files.length} files match the manifest (manifest sha256 ${result.manifest_sha256 ?? '-'})\n`)
  } else {
    if (result.manifest_sha256 !== null) out.write(`manifest sha256 ${result.manifest_sha256}\n`)
    for (const p of result.problems) out.write(`problem: ${cell(p, Number.MAX_SAFE_INTEGER)}\n`)
  }
  await out.end()
}

/** The first 16 hex digits: enough to tell files apart at a glance; --json has the full hashes. */
function shortHash(hex: string | null): string {
  return hex === null ? '-' : `${hex.slice(0, 16)}…`
}
