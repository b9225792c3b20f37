import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const bin = join(import.meta.dirname, '..', '..', 'bin', 'warden.js')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(args: string[], untilStdout?: RegExp): Promise<Run & { kill?: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let settled = false
    child.stdout.on('data', (d: Buffer) => {
      stdout += String(d)
      if (untilStdout !== undefined && !settled && untilStdout.test(stdout)) {
        settled = true
        resolve({ code: null, stdout, stderr, kill: () => child.kill('SIGTERM') })
      }
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += String(d)
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (!settled) resolve({ code, stdout, stderr })
    })
  })
}

describe('warden emulator', () => {
  it('prints a base URL and credentials that work against it, and stops on SIGTERM', async () => {
    const r = await run(['emulator', '--port', '0', '--users', '30', '--roles', '3', '--apps', '2', '--groups', '2', '--seed', '5'], /Stop with Ctrl-C/)
    try {
      const url = /base URL:\s+(\S+)/.exec(r.stdout)?.[1]
      const id = /client ID:\s+(\S+)/.exec(r.stdout)?.[1]
      const secret = /client secret:\s+(\S+)/.exec(r.stdout)?.[1]
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(r.stdout).toContain('30 users, 3 roles, 2 apps, 2 groups')
      const tokenRes = await fetch(`${url}/auth/oauth2/v2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials' }),
      })
      expect(tokenRes.status).toBe(200)
      const { access_token } = (await tokenRes.json()) as { access_token: string }
      const users = await fetch(`${url}/api/2/users?limit=100`, { headers: { authorization: `Bearer ${access_token}` } })
      expect(((await users.json()) as unknown[]).length).toBe(30)
    } finally {
      r.kill?.()
    }
  })

  it('starts the readable demo tenant by default', async () => {
    const r = await run(['emulator', '--port', '0'], /Stop with Ctrl-C/)
    r.kill?.()
    expect(r.stdout).toContain('tenant "acme"')
  })

  it.each([
    [['emulator', '--users', 'many'], /--users must be a whole number from 0 to 1000000, not "many"/],
    [['emulator', '--port', '70000'], /--port must be a whole number from 0 to 65535/],
    [['emulator', '--tenant', 'nope'], /--tenant must be "demo"/],
    [['emulator', '--tenant', 'demo', '--users', '5'], /cannot be combined/],
    [['emulator', '--fault', 'explode:1'], /fault/i],
    [['no-such-command'], /unknown command/],
  ])('refuses bad usage %j with exit code 2 and one line', async (args, message) => {
    const r = await run(args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stdout).toBe('')
  })
})
