/**
 * `warden serve` and `warden worker` as real processes: the printed URL and one-time setup link
 * work, SIGTERM stops cleanly, a restart prints no link, and an unreachable database is one clear
 * line and exit code 1.
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'warden-serve-'))
const children: ChildProcessWithoutNullStreams[] = []

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

interface Run {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function run(args: string[]): Run {
  const env = { ...process.env }
  delete env.DATABASE_URL
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd: dir })
  children.push(child)
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, exited }
}

async function until(r: Run, what: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const m = r.stdout().match(what)
    if (m) return m
    if (r.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${what} in the output (exit ${r.child.exitCode}):\n${r.stdout()}\n${r.stderr()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('warden serve / warden worker', () => {
  it('prints the URL and a one-time setup link that works; SIGTERM stops it; a restart prints no link', async () => {
    const db = `sqlite:${join(dir, 'w.db')}`
    const first = run(['serve', '--port', '0', '--database', db])
    await until(first, /Stop with Ctrl-C/)
    const url = first.stdout().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)![1]!
    const link = first.stdout().match(/^\s+(http:\/\/\S+\/setup#token=(wdsetup_\S+))$/m)
    expect(link, first.stdout()).not.toBeNull()
    expect(link![1]!.startsWith(`${url}/setup#token=`)).toBe(true)
    expect(first.stdout()).toContain('worker:   on')
    expect(first.stdout()).not.toContain('emulator')

    expect(await (await fetch(`${url}/api/v1/health`)).json()).toEqual({ status: 'ok' })
    const page = await fetch(link![1]!) // the fragment stays in the browser
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="root">') // the web console, which shows its setup page
    const setup = await fetch(`${url}/api/v1/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link![2], email: 'root@example.com', display_name: 'Root', password: 'a long enough password' }),
    })
    expect(setup.status).toBe(201)
    const cookie = setup.headers.get('set-cookie')!.split(';')[0]!
    const me = await fetch(`${url}/api/v1/me`, { headers: { cookie } })
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('root@example.com')

    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)

    // The restart also runs the built-in emulator, as npm start does (on a free port here; 7070 by default).
    const second = run(['serve', '--port', '0', '--database', db, '--emulator', '--emulator-port', '0', '--no-worker'])
    await until(second, /Stop with Ctrl-C/)
    expect(second.stdout()).not.toContain('setup#token')
    expect(second.stdout()).toContain('worker:   off')
    const emulator = second.stdout().match(/OneLogin emulator \(demo tenant\): (http:\/\/127\.0\.0\.1:\d+)/)
    expect(emulator, second.stdout()).not.toBeNull()
    expect((await fetch(`${emulator![1]}/api/2/users`)).status).toBe(401) // OneLogin's answer without a token
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })

  it('an unreachable database or a bad flag is one clear line on stderr and a non-zero exit', async () => {
    const runs = [
      run(['serve', '--database', 'postgres://nobody@127.0.0.1:1/x']),
      run(['worker', '--database', 'postgres://nobody@127.0.0.1:1/x']),
      run(['serve', '--port', '99999']),
    ]
    const codes = await Promise.all(runs.map((r) => r.exited))
    expect(codes).toEqual([1, 1, 2])
    for (const r of runs.slice(0, 2)) {
      expect(r.stderr()).toBe('warden: cannot reach PostgreSQL at 127.0.0.1:1: connection refused\n')
      expect(r.stdout()).toBe('')
    }
    expect(runs[2]!.stderr()).toBe('warden: --port must be a whole number from 0 to 65535, not "99999"\n')
  })
})
