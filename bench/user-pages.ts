/**
 * Benchmark: start `warden emulator --users 100000 --roles 2000 --apps 1000 --groups 100` (the real
 * CLI, as a child process) and walk every user page through the OneLogin client.
 * Prints: emulator start time, API calls, wall time, pages/s, users/s, peak RSS of both sides.
 */
import { startEmulatorProcess } from './emulator-process.js'
import { OneLoginClient, RateBudget } from '../src/onelogin/index.js'
import { mib, peakRss, table } from './table.js'

const SIZE = { users: 100_000, roles: 2000, apps: 1000, groups: 100 }

export async function benchUserPages(size = SIZE): Promise<string> {
  const emulator = await startEmulatorProcess(['--users', String(size.users), '--roles', String(size.roles), '--apps', String(size.apps), '--groups', String(size.groups), '--seed', '1'])
  try {
    const banner = emulator
    const startMs = emulator.startMs
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
    const emulatorRss = await peakRss(emulator.child.pid ?? -1)
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
    emulator.stop()
  }
}
