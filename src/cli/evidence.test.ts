import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { buildEvidenceBundle, csvWithHash } from '../evidence/index.js'
import type { EvidenceVerification } from '../evidence/index.js'
import { runWarden } from './test-support.js'

const dir = mkdtempSync(join(tmpdir(), 'warden-evidence-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const items = csvWithHash(
  ['item_id', 'principal', 'decision'],
  [
    ['itm_1', 'user:7', 'approve'],
    ['itm_2', 'user:8', 'deny'],
  ],
)
const built = buildEvidenceBundle({
  subject: { campaign_id: 'cmp_1', name: 'Q4 review', state: 'closed' },
  files: [
    { name: 'items.csv', content: items.text },
    { name: 'campaign.json', content: '{"id":"cmp_1"}\n' },
  ],
  generatedAt: new Date('2026-11-28T10:00:00Z'),
})
const good = join(dir, 'good.tar.gz')
writeFileSync(good, built.bundle)

/** The same bundle with one byte of items.csv changed inside the (re-gzipped) tar; the manifest is untouched. */
const tampered = join(dir, 'tampered.tar.gz')
{
  const tar = Buffer.from(gunzipSync(built.bundle))
  const at = tar.indexOf('approve')
  tar[at] = 'A'.charCodeAt(0)
  writeFileSync(tampered, gzipSync(tar))
}

describe('warden evidence verify', () => {
  it('a good bundle: exit 0, a table of files, and the final verified line', async () => {
    const r = await runWarden(['evidence', 'verify', '--file', good])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^FILE\s+BYTES\s+SHA256\s+STATUS$/)
    expect(lines[1]).toMatch(new RegExp(`^items\\.csv\\s+${Buffer.byteLength(items.text)}\\s+${items.sha256.slice(0, 16)}…\\s+OK$`))
    expect(lines[2]).toMatch(/^campaign\.json\s+15\s+[0-9a-f]{16}…\s+OK$/)
    expect(lines.at(-1)).toBe(`evidence bundle verified: 2 files match the manifest (manifest sha256 ${built.manifestSha256})`)
  })

  it('--json prints the EvidenceVerification object', async () => {
    const r = await runWarden(['evidence', 'verify', '--file', good, '--json'])
    expect(r.code).toBe(0)
    const v = JSON.parse(r.stdout) as EvidenceVerification
    expect(v.ok).toBe(true)
    expect(v.manifest_sha256).toBe(built.manifestSha256)
    expect(v.manifest).toEqual(built.manifest)
    expect(v.files.map((f) => f.status)).toEqual(['ok', 'ok'])
  })

  it('a tampered bundle: exit 1, MISMATCH in the table, one line on stderr', async () => {
    const r = await runWarden(['evidence', 'verify', '--file', tampered])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^items\.csv\s+\d+\s+[0-9a-f]{16}…\s+MISMATCH$/m)
    expect(r.stdout).toMatch(/^campaign\.json\s+.*\s+OK$/m)
    expect(r.stdout).toMatch(/^problem: items\.csv does not match the manifest/m)
    expect(r.stdout).not.toContain('evidence bundle verified')
    const err = r.stderr.trimEnd().split('\n')
    expect(err).toHaveLength(1)
    expect(err[0]).toMatch(new RegExp(`^warden: evidence bundle .*tampered\\.tar\\.gz does not verify: items\\.csv does not match the manifest: sha256 [0-9a-f]{64} instead of ${items.sha256}$`))

    const json = await runWarden(['evidence', 'verify', '--file', tampered, '--json'])
    expect(json.code).toBe(1)
    expect((JSON.parse(json.stdout) as EvidenceVerification).files[0]?.status).toBe('mismatch')
    expect(json.stderr.trimEnd().split('\n')).toHaveLength(1)
  })

  it('a file that is not a bundle: exit 1 with the reason', async () => {
    const junk = join(dir, 'junk.tar.gz')
    writeFileSync(junk, 'this is not a gzip file')
    const r = await runWarden(['evidence', 'verify', '--file', junk])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`warden: evidence bundle ${junk} does not verify: the bundle is not a gzip file (it does not start with the gzip signature 1f 8b)\n`)
  })

  it('bad usage: missing --file, a path that does not exist, a directory: exit 2', async () => {
    const missing = await runWarden(['evidence', 'verify'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/required option '--file <path>' not specified/)
    const absent = await runWarden(['evidence', 'verify', '--file', join(dir, 'nope.tar.gz')])
    expect(absent.code).toBe(2)
    expect(absent.stderr).toBe(`warden: cannot read evidence bundle ${join(dir, 'nope.tar.gz')}: no such file\n`)
    const directory = await runWarden(['evidence', 'verify', '--file', dir])
    expect(directory.code).toBe(2)
    expect(directory.stderr).toMatch(/it is not a regular file/)
  })
})
