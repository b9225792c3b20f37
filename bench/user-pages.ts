/**
 * Benchmark: start `warden emulator --users 100000 --roles 2000 --apps 1000 --groups 100` (the real
 * CLI, as a child process) and walk every user page through the OneLogin client.
 * Prints: emulator start time, API calls, wall time, pages/s, users/s, peak RSS of both sides.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { OneLoginClient, RateBudget } from '../src/onelogin/index.js'
import { mib, peakRss, table } from './table.js'

const SIZE = { users: 100_000, roles: 2000, apps: 1000, groups: 100 }

export async function benchUserPages(size = SIZE): Promise<string> {
  const bin = join(import.meta.dirname, '..', 'bin', 'warden.js')
  const started = performance.now()
  const child = spawn(process.execPath, [bin, 'emulator', '--port', '0', '--users', String(size.users), '--roles', String(size.roles), '--apps', String(size.apps), '--groups', String(size.groups), '--seed', '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const banner = await readBanner(child.stdout)
    const startMs = performance.now() - started
    const client = new OneLoginClient({
      baseUrl: banner.url,
      clientId: banner.clientId,
      clientSecret: banner.clientSecret,
      // The bench measures throughput, not pacing: a budget big enough never to wait.
      rateBudget: new RateBudget({ limit: 1_000_000 }),
    })
    await client.authenticate()
    const walkStart = performance.now()
    let pages = 0
    let users = 0
    for await (const page of client.users()) {
      pages++
      users += page.items.length
      if (process.stderr.isTTY) process.stderr.write(`\r  ${users} / ${size.users} users`)
    }
    if (process.stderr.isTTY) process.stderr.write('\n')
    const walkMs = performance.now() - walkStart
    if (users !== size.users) throw new Error(`walked ${users} users, expected ${size.users}`)
    const emulatorRss = await peakRss(child.pid ?? -1)
    const clientRss = process.resourceUsage().maxRSS * 1024
    return table(
      ['measure', 'value'],
      [
        ['tenant', `${size.users} users, ${size.roles} roles, ${size.apps} apps, ${size.groups} groups`],
        ['emulator start (spawn to ready)', `${(startMs / 1000).toFixed(2)} s`],
        ['API calls (token + pages)', client.calls.total],
        ['user pages', pages],
        ['walk wall time', `${(walkMs / 1000).toFixed(2)} s`],
        ['pages/s', (pages / (walkMs / 1000)).toFixed(1)],
        ['users/s (rows/s)', Math.round(users / (walkMs / 1000))],
        ['peak RSS, emulator', emulatorRss === undefined ? 'n/a' : mib(emulatorRss)],
        ['peak RSS, client process', mib(clientRss)],
      ],
    )
  } finally {
    child.kill('SIGTERM')
  }
}

async function readBanner(stdout: NodeJS.ReadableStream): Promise<{ url: string; clientId: string; clientSecret: string }> {
  let text = ''
  for await (const chunk of stdout) {
    text += String(chunk)
    const url = /base URL:\s+(\S+)/.exec(text)?.[1]
    const clientId = /client ID:\s+(\S+)/.exec(text)?.[1]
    const clientSecret = /client secret:\s+(\S+)/.exec(text)?.[1]
    if (url !== undefined && clientId !== undefined && clientSecret !== undefined) return { url, clientId, clientSecret }
  }
  throw new Error(`the emulator exited before it was ready:\n${text}`)
}
