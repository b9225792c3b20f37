import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import { runWarden } from './test-support.js'
import type { WardenRun } from './test-support.js'

let emu: RunningEmulator
let dir: string

function warden(args: string[], env: Record<string, string> = {}): Promise<WardenRun> {
  return runWarden(args, { env: { ...process.env, ...env } })
}

const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex')

beforeAll(async () => {
  emu = await startEmulator({ tenant: demoTenant() })
  dir = mkdtempSync(join(tmpdir(), 'warden-sync-cli-'))
})
afterAll(async () => {
  await emu.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('warden sync', () => {
  it('syncs the emulator tenant and prints the contract JSON summary; credentials from env', async () => {
    const file = join(dir, 'acme.db')
    const r = await warden(['sync', '--onelogin-base-url', emu.url, '--file', file, '--json'], {
      WARDEN_ONELOGIN_CLIENT_ID: emu.manageAll.client_id,
      WARDEN_ONELOGIN_CLIENT_SECRET: emu.manageAll.client_secret,
    })
    expect(r.stderr).not.toContain(emu.manageAll.client_secret)
    expect(r.code).toBe(0)
    const summary = JSON.parse(r.stdout) as Record<string, unknown>
    const t = demoTenant()
    expect(summary['resources']).toEqual({ user: t.users.length, role: t.roles.length, app: t.apps.length, group: t.groups.length, privilege: 0 })
    // 1 token + 1 user page + 1 role page + 1 app page + one detail per app + 1 group page.
    expect(summary['api_calls']).toBe(1 + 1 + 1 + 1 + t.apps.length + 1)
    expect(typeof summary['grants']).toBe('number')
    expect(typeof summary['entitlements']).toBe('number')
    expect(typeof summary['duration_ms']).toBe('number')
    expect(summary['mode']).toBe('full')
    expect(readFileSync(file).includes(Buffer.from(emu.manageAll.client_secret))).toBe(false)

    // The second run is incremental and far cheaper.
    const again = await warden(['sync', '--onelogin-base-url', emu.url, '--onelogin-client-id', emu.manageAll.client_id, '--file', file, '--json'], {
      WARDEN_ONELOGIN_CLIENT_SECRET: emu.manageAll.client_secret,
    })
    expect(again.code).toBe(0)
    const s2 = JSON.parse(again.stdout) as Record<string, unknown>
    expect(s2['mode']).toBe('incremental')
    expect(s2['grants']).toBe(summary['grants'])
    expect(s2['api_calls']).toBeLessThan(summary['api_calls'] as number)
  })

  it('fails with exit 1, one line, no secret, and leaves the previous snapshot untouched on wrong credentials', async () => {
    const file = join(dir, 'keep.db')
    const ok = await warden(['sync', '--onelogin-base-url', emu.url, '--onelogin-client-id', emu.manageAll.client_id, '--file', file, '--quiet'], {
      WARDEN_ONELOGIN_CLIENT_SECRET: emu.manageAll.client_secret,
    })
    expect(ok.code).toBe(0)
    const before = sha(file)
    const wrong = 'definitely-wrong-secret-value-123'
    const r = await warden(['sync', '--onelogin-base-url', emu.url, '--onelogin-client-id', emu.manageAll.client_id, '--file', file, '--quiet', '--full'], {
      WARDEN_ONELOGIN_CLIENT_SECRET: wrong,
    })
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toEqual([
      'warden: OneLogin refused the API credentials (401 Authentication Failure): check the client ID and secret (POST /auth/oauth2/v2/token)',
    ])
    expect(r.stderr + r.stdout).not.toContain(wrong)
    expect(sha(file)).toBe(before)
  })

  it('says which scope a sync needs when the credential is too narrow', async () => {
    const narrow = demoTenant().credentials.find((c) => c.scope === 'read_users')!
    const r = await warden(['sync', '--onelogin-base-url', emu.url, '--onelogin-client-id', narrow.client_id, '--file', join(dir, 'narrow.db'), '--quiet'], {
      WARDEN_ONELOGIN_CLIENT_SECRET: narrow.client_secret,
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^warden: the API credential's scope does not allow GET \/api\/2\/apps: a sync needs "Read all" or "Manage all"\n$/)
    expect(existsSync(join(dir, 'narrow.db'))).toBe(false)
  })

  it.each([
    [['sync', '--onelogin-domain', 'evil.example.com', '--onelogin-client-id', 'x', '--file', 'x.db'], /is not a OneLogin domain/],
    [['sync', '--onelogin-domain', 'acme', '--file', 'x.db'], /no OneLogin client ID/],
    [['sync', '--onelogin-domain', 'acme', '--onelogin-client-id', 'x'], /required option '--file <path>' not specified/],
    [['sync', '--onelogin-domain', 'acme', '--onelogin-client-id', 'x', '--file', 'x.db', '--rate-limit', '0'], /--rate-limit must be a whole number/],
  ])('refuses bad usage %j with exit 2 and one line', async (args, message) => {
    const r = await warden(args, { WARDEN_ONELOGIN_CLIENT_SECRET: 'some-secret' })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('refuses to overwrite a file that is not a snapshot', async () => {
    const file = join(dir, 'notes.txt')
    await import('node:fs').then((fs) => fs.writeFileSync(file, 'my notes'))
    const r = await warden(['sync', '--onelogin-base-url', emu.url, '--onelogin-client-id', emu.manageAll.client_id, '--file', file, '--quiet'], {
      WARDEN_ONELOGIN_CLIENT_SECRET: emu.manageAll.client_secret,
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('exists and is not a Warden snapshot; refusing to overwrite it')
    expect(readFileSync(file, 'utf8')).toBe('my notes')
  })
})
