import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { buildEvidenceBundle, canonicalJson, csvWithHash, sha256Hex, verifyEvidenceBundle } from './index.js'
import type { EvidenceFile } from './index.js'
import { BLOCK, readTar, writeTar } from './tar.js'

const dir = mkdtempSync(join(tmpdir(), 'warden-evidence-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
/** A fresh directory under the suite's temp dir. */
function freshDir(): string {
  const d = join(dir, String(++n))
  mkdirSync(d)
  return d
}

const GENERATED_AT = new Date('2026-11-28T12:34:56.789Z')
const items = csvWithHash(
  ['item_id', 'principal', 'entitlement', 'decision', 'comment'],
  [
    ['itm_1', 'user:7', 'role:42:member', 'approve', 'still needed, per "Ops"'],
    ['itm_2', 'user:8', 'app:9:access', 'deny', 'left the team\nlast month'],
  ],
)
const binary = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 37) % 256))

function sampleInput(): { subject: Record<string, unknown>; files: EvidenceFile[]; generatedAt: Date } {
  return {
    // Integer-like keys ("10", "2") are where JSON.stringify's order differs from sorted order.
    subject: { name: 'Q4 access review', campaign_id: 'cmp_1', state: 'closed', '10': 'ten', '2': 'two', owner: { name: 'Ann', id: 'usr_1' }, closed_at: new Date('2026-11-27T00:00:00Z') },
    files: [
      { name: 'items.csv', content: items.text },
      { name: 'decisions.json', content: '{"decisions":[]}\n' },
      { name: 'attachment.bin', content: binary },
      { name: 'empty.txt', content: '' },
    ],
    generatedAt: GENERATED_AT,
  }
}

/** The bundle's tar members, read with our reader. */
function members(bundle: Buffer): { name: string; data: Buffer }[] {
  const r = readTar(gunzipSync(bundle))
  expect(r.problems).toEqual([])
  return r.entries
}

/** Re-packs members (name -> content) into a .tar.gz with our writer, as a tamperer would. */
function repack(files: { name: string; data: Buffer | string }[]): Buffer {
  return gzipSync(writeTar(files.map((f) => ({ name: f.name, data: Buffer.from(f.data) })), { mtimeSeconds: 0 }))
}

describe('buildEvidenceBundle / verifyEvidenceBundle', () => {
  it('round trip: the bundle verifies, every file row is ok, and the manifest comes back as built', () => {
    const built = buildEvidenceBundle(sampleInput())
    expect(built.bundleSha256).toBe(sha256Hex(built.bundle))
    expect(built.manifest.files).toEqual([
      { name: 'items.csv', bytes: Buffer.byteLength(items.text), sha256: items.sha256 },
      { name: 'decisions.json', bytes: 17, sha256: sha256Hex('{"decisions":[]}\n') },
      { name: 'attachment.bin', bytes: 1500, sha256: sha256Hex(binary) },
      { name: 'empty.txt', bytes: 0, sha256: sha256Hex('') },
    ])
    expect(built.manifest.subject['closed_at']).toBe('2026-11-27T00:00:00.000Z')

    const v = verifyEvidenceBundle(built.bundle)
    expect(v.problems).toEqual([])
    expect(v.ok).toBe(true)
    expect(v.manifest).toEqual(built.manifest)
    expect(v.manifest_sha256).toBe(built.manifestSha256)
    expect(v.files.map((f) => [f.name, f.status, f.ok, f.actual_sha256 === f.expected_sha256])).toEqual([
      ['items.csv', 'ok', true, true],
      ['decisions.json', 'ok', true, true],
      ['attachment.bin', 'ok', true, true],
      ['empty.txt', 'ok', true, true],
    ])
    // The files themselves come back byte for byte.
    const m = members(built.bundle)
    expect(m.find((e) => e.name === 'attachment.bin')?.data).toEqual(binary)
    expect(m.find((e) => e.name === 'items.csv')?.data.toString()).toBe(items.text)
  })

  it('writes manifest.json last, with sorted keys, 2-space indent and a final newline, hashed as manifestSha256', () => {
    const built = buildEvidenceBundle(sampleInput())
    const m = members(built.bundle)
    expect(m.map((e) => e.name)).toEqual(['items.csv', 'decisions.json', 'attachment.bin', 'empty.txt', 'manifest.json'])
    const text = m[4]!.data.toString()
    expect(sha256Hex(m[4]!.data)).toBe(built.manifestSha256)
    expect(text.endsWith('}\n')).toBe(true)
    expect(text.startsWith('{\n  "files": [\n    {\n      "bytes": ')).toBe(true)
    const topKeys = [...text.matchAll(/^ {2}"([^"]+)":/gm)].map((x) => x[1])
    expect(topKeys).toEqual(['files', 'format', 'generated_at', 'subject'])
    const subjectKeys = [...text.matchAll(/^ {4}"([^"]+)":/gm)].map((x) => x[1])
    expect(subjectKeys).toEqual(['10', '2', 'campaign_id', 'closed_at', 'name', 'owner', 'state'])
    expect(text).toContain('"format": "warden-evidence/1"')
    expect(text).toContain('"generated_at": "2026-11-28T12:34:56.789Z"')
    // Same text as JSON.stringify would give for the same data with keys pre-sorted.
    expect(JSON.parse(text)).toEqual(built.manifest)
  })

  it('is deterministic: the same input twice gives identical bytes; another time gives other bytes', () => {
    const a = buildEvidenceBundle(sampleInput())
    const b = buildEvidenceBundle({ ...sampleInput(), generatedAt: new Date(GENERATED_AT.getTime()) })
    expect(b.bundle.equals(a.bundle)).toBe(true)
    expect(b.bundleSha256).toBe(a.bundleSha256)
    expect(b.manifestSha256).toBe(a.manifestSha256)
    // Subject key order does not matter either.
    const reordered = Object.fromEntries(Object.entries(sampleInput().subject).reverse())
    expect(buildEvidenceBundle({ ...sampleInput(), subject: reordered }).bundle.equals(a.bundle)).toBe(true)
    const later = buildEvidenceBundle({ ...sampleInput(), generatedAt: new Date(GENERATED_AT.getTime() + 1000) })
    expect(later.bundle.equals(a.bundle)).toBe(false)
  })

  it('pins the tar headers (mode 0644, uid/gid 0, mtime = generatedAt) and the gzip header (no name, no mtime)', () => {
    const { bundle } = buildEvidenceBundle(sampleInput())
    expect([...bundle.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3])
    const tar = gunzipSync(bundle)
    const mtime = `${Math.floor(GENERATED_AT.getTime() / 1000).toString(8).padStart(11, '0')}\0`
    let offset = 0
    for (const e of members(bundle)) {
      const h = tar.subarray(offset, offset + BLOCK)
      expect(h.subarray(100, 108).toString('latin1')).toBe('0000644\0')
      expect(h.subarray(108, 124).toString('latin1')).toBe('0000000\u00000000000\0')
      expect(h.subarray(136, 148).toString('latin1')).toBe(mtime)
      offset += BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK
    }
  })

  it('refuses unsafe, reserved and repeated names, bad dates and non-JSON subjects with BAD_INPUT', () => {
    const bad = (patch: Partial<ReturnType<typeof sampleInput>>): unknown => {
      try {
        buildEvidenceBundle({ ...sampleInput(), ...patch })
      } catch (e) {
        return e
      }
      return undefined
    }
    const expectBadInput = (patch: Partial<ReturnType<typeof sampleInput>>, message: RegExp): void => {
      const e = bad(patch)
      expect(e).toBeInstanceOf(WardenError)
      expect((e as WardenError).code).toBe('BAD_INPUT')
      expect((e as WardenError).message).toMatch(message)
    }
    const file = (name: string): EvidenceFile[] => [{ name, content: 'x' }]
    expectBadInput({ files: file('sub/items.csv') }, /path separator/)
    expectBadInput({ files: file('../items.csv') }, /path separator/)
    expectBadInput({ files: file('..') }, /'\.\.'/)
    expectBadInput({ files: file('a..csv') }, /'\.\.'/)
    expectBadInput({ files: file('C:\\x.csv') }, /path separator/)
    expectBadInput({ files: file('') }, /is empty/)
    expectBadInput({ files: file('x'.repeat(101)) }, /100 bytes/)
    expectBadInput({ files: file('bell\u0007.csv') }, /control character/)
    expectBadInput({ files: file('manifest.json') }, /reserved/)
    expectBadInput({ files: [...file('a.csv'), ...file('a.csv')] }, /given twice/)
    expectBadInput({ files: [{ name: 'a.csv', content: 42 as unknown as string }] }, /neither a string nor bytes/)
    expectBadInput({ generatedAt: new Date('nope') }, /valid date/)
    expectBadInput({ generatedAt: new Date('1969-12-31T00:00:00Z') }, /before 1970/)
    expectBadInput({ generatedAt: new Date('2300-01-01T00:00:00Z') }, /too far in the future/)
    expectBadInput({ files: [{ name: 'huge.bin', content: Buffer.alloc(1) }, { name: 'huger.bin', content: Buffer.allocUnsafe(512 * 1024 * 1024) }] }, /too large for one bundle/)
    expectBadInput({ subject: new Map() as unknown as Record<string, unknown> }, /plain object/)
    expectBadInput({ subject: { count: 10n } }, /manifest\.subject\.count is a bigint/)
    expectBadInput({ subject: { ratio: Number.NaN } }, /NaN/)
    const loop: Record<string, unknown> = {}
    loop['self'] = loop
    expectBadInput({ subject: loop }, /refers back to itself/)
    // 100 bytes exactly is fine.
    expect(verifyEvidenceBundle(buildEvidenceBundle({ ...sampleInput(), files: file('x'.repeat(100)) }).bundle).ok).toBe(true)
  })

  it('throws BAD_INPUT only for input that is not bytes', () => {
    expect(() => verifyEvidenceBundle('not bytes' as unknown as Buffer)).toThrow(WardenError)
    expect(() => verifyEvidenceBundle(undefined as unknown as Buffer)).toThrow(/must be given as bytes/)
    // A Uint8Array is bytes.
    const { bundle } = buildEvidenceBundle(sampleInput())
    expect(verifyEvidenceBundle(new Uint8Array(bundle) as Buffer).ok).toBe(true)
  })
})

describe('tampered bundles', () => {
  const built = buildEvidenceBundle(sampleInput())
  const original = members(built.bundle)
  const manifest = original.find((e) => e.name === 'manifest.json')!

  it('one byte changed in a file (re-packed with the old manifest): MISMATCH', () => {
    const changed = original.map((e) => (e.name === 'items.csv' ? { name: e.name, data: Buffer.from(e.data.toString().replace('approve', 'apprové')) } : e))
    const sameLength = original.map((e) => {
      if (e.name !== 'attachment.bin') return e
      const data = Buffer.from(e.data)
      data[700] = (data[700] ?? 0) ^ 1
      return { name: e.name, data }
    })
    for (const [files, name, sizeDiffers] of [
      [changed, 'items.csv', true],
      [sameLength, 'attachment.bin', false],
    ] as const) {
      const v = verifyEvidenceBundle(repack(files))
      expect(v.ok).toBe(false)
      expect(v.manifest_sha256).toBe(built.manifestSha256)
      const row = v.files.find((f) => f.name === name)!
      expect(row).toMatchObject({ status: 'mismatch', ok: false, expected_sha256: built.manifest.files.find((f) => f.name === name)!.sha256 })
      expect(row.actual_sha256).not.toBe(row.expected_sha256)
      expect(v.files.filter((f) => f.ok)).toHaveLength(3)
      expect(v.problems).toHaveLength(1)
      expect(v.problems[0]).toMatch(new RegExp(`^${name} does not match the manifest: sha256 [0-9a-f]{64} instead of [0-9a-f]{64}`))
      expect(v.problems[0]!.includes('bytes instead of')).toBe(sizeDiffers)
    }
  })

  it('a file removed: MISSING', () => {
    const v = verifyEvidenceBundle(repack(original.filter((e) => e.name !== 'decisions.json')))
    expect(v.ok).toBe(false)
    expect(v.files.find((f) => f.name === 'decisions.json')).toMatchObject({ status: 'missing', actual_sha256: null, ok: false })
    expect(v.problems).toEqual(['decisions.json is listed in the manifest but is not in the bundle'])
  })

  it('an extra file added: EXTRA', () => {
    const v = verifyEvidenceBundle(repack([...original.slice(0, -1), { name: 'notes.txt', data: Buffer.from('hi') }, manifest]))
    expect(v.ok).toBe(false)
    expect(v.files.at(-1)).toMatchObject({ name: 'notes.txt', status: 'extra', expected_sha256: null, actual_sha256: sha256Hex('hi') })
    expect(v.problems).toEqual(['notes.txt is in the bundle but not listed in the manifest'])
  })

  it('a corrupted header checksum', () => {
    const tar = Buffer.from(gunzipSync(built.bundle))
    tar[150] = tar[150] === 0x31 ? 0x32 : 0x31 // a digit of the first member's checksum
    const v = verifyEvidenceBundle(gzipSync(tar))
    expect(v.ok).toBe(false)
    expect(v.problems[0]).toMatch(/tar member 1 \(offset 0\) has a bad header checksum/)
    expect(v.problems).toContain('the bundle has no manifest.json')
  })

  it('a truncated gzip, a truncated tar inside a whole gzip, and input that is not gzip at all', () => {
    const cut = verifyEvidenceBundle(built.bundle.subarray(0, Math.floor(built.bundle.length / 2)))
    expect(cut).toEqual({ ok: false, manifest: null, manifest_sha256: null, files: [], problems: ['the gzip data is truncated (unexpected end of file)'] })
    const tar = gunzipSync(built.bundle)
    const shortTar = verifyEvidenceBundle(gzipSync(tar.subarray(0, tar.length - 3 * BLOCK)))
    expect(shortTar.ok).toBe(false)
    expect(shortTar.problems.join('\n')).toMatch(/truncated/)
    const notGzip = verifyEvidenceBundle(Buffer.from('PK\u0003\u0004 this is a zip'))
    expect(notGzip.problems).toEqual(['the bundle is not a gzip file (it does not start with the gzip signature 1f 8b)'])
    expect(verifyEvidenceBundle(Buffer.alloc(0)).ok).toBe(false)
    // gzip of something that is not a tar
    expect(verifyEvidenceBundle(gzipSync(Buffer.from('just text '.repeat(100)))).problems[0]).toMatch(/bad header checksum.*not a tar file/)
  })

  it('a manifest that is not JSON, not an object, of another format, or malformed', () => {
    const withManifest = (text: string): ReturnType<typeof verifyEvidenceBundle> => verifyEvidenceBundle(repack([...original.slice(0, -1), { name: 'manifest.json', data: text }]))
    const notJson = withManifest('{ this is not json')
    expect(notJson.ok).toBe(false)
    expect(notJson.manifest).toBeNull()
    expect(notJson.manifest_sha256).toBe(sha256Hex('{ this is not json'))
    expect(notJson.problems[0]).toMatch(/^manifest.json is not valid JSON/)
    expect(withManifest('[1,2]').problems).toEqual(['manifest.json is not a JSON object'])
    expect(withManifest('{"format":"warden-evidence/2","files":[]}').problems).toEqual(['manifest.json has format "warden-evidence/2"; this Warden reads "warden-evidence/1"'])
    expect(withManifest('{"files":[]}').problems[0]).toMatch(/has format null/)
    const m = JSON.parse(manifest.data.toString()) as Record<string, unknown>
    const malformed = withManifest(JSON.stringify({ ...m, generated_at: 'yesterday', files: [{ name: '../x', bytes: -1, sha256: 'ABC' }, 'nope'] }))
    expect(malformed.problems).toEqual([
      'manifest.json has no valid generated_at (an ISO 8601 time)',
      'manifest.json files[0] name "../x" contains a path separator (only plain file names are allowed)',
      'manifest.json files[0] has no valid bytes count',
      'manifest.json files[0] has no valid sha256 (64 lowercase hex digits)',
      'manifest.json files[1] is not an object',
    ])
    expect(verifyEvidenceBundle(repack(original.slice(0, -1))).problems).toEqual(['the bundle has no manifest.json'])
    const invalidUtf8 = verifyEvidenceBundle(repack([...original.slice(0, -1), { name: 'manifest.json', data: Buffer.from([0x7b, 0xff, 0x7d]) }]))
    expect(invalidUtf8.problems).toEqual(['manifest.json is not valid UTF-8 text'])
  })

  it('never throws on random damage to a real bundle', () => {
    let seed = 7
    const rand = (max: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % max
    const tar = gunzipSync(built.bundle)
    for (let i = 0; i < 300; i++) {
      const damaged = Buffer.from(tar)
      for (let k = 0; k < 1 + rand(4); k++) damaged[rand(damaged.length)] = rand(256)
      // Damage to the tar may or may not matter (padding bytes do not); it must never throw.
      expect(typeof verifyEvidenceBundle(gzipSync(damaged)).ok).toBe('boolean')
      // Damage past the 10-byte gzip header (whose mtime/OS bytes nothing checks) always fails the CRC or the inflate.
      const gzDamaged = Buffer.from(built.bundle)
      const at = 10 + rand(gzDamaged.length - 10)
      gzDamaged[at] = gzDamaged[at]! ^ (1 + rand(255))
      expect(verifyEvidenceBundle(gzDamaged).ok).toBe(false)
    }
  })
})

describe('interoperability with the system tar', () => {
  it('the system tar lists and extracts a Warden bundle, and sha256sum agrees with the manifest', () => {
    const work = freshDir()
    const built = buildEvidenceBundle(sampleInput())
    const bundlePath = join(work, 'bundle.tar.gz')
    writeFileSync(bundlePath, built.bundle)
    const listing = execFileSync('tar', ['-tzf', bundlePath], { encoding: 'utf8' })
    expect(listing.trim().split('\n')).toEqual(['items.csv', 'decisions.json', 'attachment.bin', 'empty.txt', 'manifest.json'])
    const verbose = execFileSync('tar', ['-tvzf', bundlePath], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } })
    expect(verbose.split('\n')[0]).toMatch(/^-rw-r--r-- 0\/0 .* 2026-11-28 12:34 items\.csv$/)
    const out = join(work, 'out')
    mkdirSync(out)
    execFileSync('tar', ['-xzf', bundlePath, '-C', out])
    expect(readFileSync(join(out, 'attachment.bin'))).toEqual(binary)
    expect(sha256Hex(readFileSync(join(out, 'manifest.json')))).toBe(built.manifestSha256)
    // The commands docs/evidence.md gives auditors, run as written.
    const sums = execFileSync('sh', ['-c', 'sha256sum manifest.json'], { cwd: out, encoding: 'utf8' })
    expect(sums).toBe(`${built.manifestSha256}  manifest.json\n`)
    const py = spawnSync('sh', ['-c', `python3 -c 'import json; [print(f["sha256"] + "  " + f["name"]) for f in json.load(open("manifest.json"))["files"]]' | sha256sum -c -`], { cwd: out, encoding: 'utf8' })
    expect(py.status, py.stderr).toBe(0)
    expect(py.stdout).toBe('items.csv: OK\ndecisions.json: OK\nattachment.bin: OK\nempty.txt: OK\n')
    if (spawnSync('jq', ['--version']).status === 0) {
      const jq = spawnSync('sh', ['-c', `jq -r '.files[] | "\\(.sha256)  \\(.name)"' manifest.json | sha256sum -c -`], { cwd: out, encoding: 'utf8' })
      expect(jq.status, jq.stderr).toBe(0)
      expect(jq.stdout).toBe(py.stdout)
    }
    // Step 3 (bash): nothing but the listed files and manifest.json; then an extra file is caught.
    const extras = (): ReturnType<typeof spawnSync> => spawnSync('bash', ['-c', `diff <(python3 -c 'import json; [print(f["name"]) for f in json.load(open("manifest.json"))["files"]]; print("manifest.json")' | sort) <(ls -A | sort)`], { cwd: out, encoding: 'utf8' })
    if (spawnSync('jq', ['--version']).status === 0) {
      const jqExtras = spawnSync('bash', ['-c', `diff <(jq -r '.files[].name, "manifest.json"' manifest.json | sort) <(ls -A | sort)`], { cwd: out, encoding: 'utf8' })
      expect(jqExtras.status, jqExtras.stdout).toBe(0)
    }
    expect(extras().status).toBe(0)
    writeFileSync(join(out, 'sneaky.txt'), 'x')
    expect(extras().status).toBe(1)
    rmSync(join(out, 'sneaky.txt'))
    // And the same commands catch a changed file.
    writeFileSync(join(out, 'items.csv'), items.text.replace('deny', 'DENY'))
    const caught = spawnSync('sh', ['-c', `python3 -c 'import json; [print(f["sha256"] + "  " + f["name"]) for f in json.load(open("manifest.json"))["files"]]' | sha256sum -c -`], { cwd: out, encoding: 'utf8' })
    expect(caught.status).not.toBe(0)
    expect(caught.stdout).toContain('items.csv: FAILED')
  })

  for (const format of ['gnu', 'ustar', 'posix'] as const) {
    it(`a tar.gz made by the system tar (--format=${format}) of files plus a manifest verifies`, () => {
      const work = freshDir()
      const files = { 'items.csv': items.text, 'notes.txt': 'line one\nline two\n', 'big.bin': Buffer.alloc(70_000, 'z') }
      for (const [name, content] of Object.entries(files)) writeFileSync(join(work, name), content)
      const manifestText = `${canonicalJson({
        format: 'warden-evidence/1',
        generated_at: '2026-11-28T00:00:00.000Z',
        subject: { campaign_id: 'cmp_system_tar' },
        files: Object.entries(files).map(([name, content]) => ({ name, bytes: Buffer.byteLength(content), sha256: sha256Hex(content) })),
      })}\n`
      writeFileSync(join(work, 'manifest.json'), manifestText)
      const bundlePath = join(work, 'made-by-tar.tar.gz')
      execFileSync('tar', [`--format=${format}`, '-czf', bundlePath, '-C', work, 'items.csv', 'notes.txt', 'big.bin', 'manifest.json'])
      const v = verifyEvidenceBundle(readFileSync(bundlePath))
      if (format === 'posix') {
        // GNU tar's pax format puts an extended header (atime, ctime) before every member. Those
        // headers can rename or resize the member that follows, so they are refused, not ignored.
        expect(v.ok).toBe(false)
        expect(v.problems).toHaveLength(4)
        for (const p of v.problems) expect(p).toMatch(/^tar member ".*PaxHeaders.*" is a pax extended header, not a regular file$/)
        expect(v.files.every((f) => f.ok)).toBe(true)
        return
      }
      expect(v.problems).toEqual([])
      expect(v.ok).toBe(true)
      expect(v.manifest_sha256).toBe(sha256Hex(manifestText))
      expect(v.files.map((f) => f.name)).toEqual(['items.csv', 'notes.txt', 'big.bin'])
    })
  }

  it('symlinks and directories in a system-tar archive are reported, not followed', () => {
    const work = freshDir()
    writeFileSync(join(work, 'manifest.json'), `${canonicalJson({ format: 'warden-evidence/1', generated_at: '2026-11-28T00:00:00Z', subject: {}, files: [] })}\n`)
    symlinkSync('/etc/passwd', join(work, 'passwd'))
    mkdirSync(join(work, 'sub'))
    const bundlePath = join(work, 'links.tar.gz')
    execFileSync('tar', ['-czf', bundlePath, '-C', work, 'passwd', 'sub', 'manifest.json'])
    const v = verifyEvidenceBundle(readFileSync(bundlePath))
    expect(v.ok).toBe(false)
    expect(v.problems).toEqual(['tar member "passwd" is a symbolic link, not a regular file', 'tar member "sub/" is a directory, not a regular file'])
  })
})
