/**
 * When OneLogin's role list does not carry a field the sync asked for (`fields=apps,users,admins`),
 * the sync reads that role's sub-resources instead and says so in the sync log. The emulator always
 * carries the fields, so a small proxy in front of it drops `users` and `admins` from the role list.
 */
import { createServer, request } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import { OneLoginClient, RateBudget } from '../onelogin/index.js'
import { syncToSnapshot } from './index.js'
import { expectedGrants, readGrants } from './test-support.js'

const tenant = generateTenant({ users: 120, roles: 7, apps: 5, groups: 3, seed: 11 })
let emu: RunningEmulator
let proxy: Server
let proxyUrl: string
let dir: string

beforeAll(async () => {
  emu = await startEmulator({ tenant })
  const target = new URL(emu.url)
  proxy = createServer((req, res) => {
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      const isRoleList = req.method === 'GET' && (req.url ?? '').split('?')[0] === '/api/2/roles'
      if (!isRoleList) {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
        return
      }
      let body = ''
      up.on('data', (d: Buffer) => (body += String(d)))
      up.on('end', () => {
        const roles = (JSON.parse(body) as Record<string, unknown>[]).map(({ users: _u, admins: _a, ...rest }) => rest)
        const text = JSON.stringify(roles)
        const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(text)) }
        res.writeHead(up.statusCode ?? 200, headers)
        res.end(text)
      })
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  dir = mkdtempSync(join(tmpdir(), 'warden-fallback-'))
})

afterAll(async () => {
  await new Promise<void>((resolve) => proxy.close(() => resolve()))
  await emu.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('sync with a role list that does not carry users and admins', () => {
  it('reads them from the role sub-resources, logs it, and still writes the exact grants', async () => {
    const client = new OneLoginClient({ baseUrl: proxyUrl, clientId: emu.manageAll.client_id, clientSecret: emu.manageAll.client_secret, rateBudget: new RateBudget({ limit: 100_000 }) })
    const log: string[] = []
    const file = join(dir, 'fallback.db')
    await syncToSnapshot({ client, file, onLog: (level, message) => log.push(`${level}: ${message}`) })
    expect(readGrants(file)).toEqual(expectedGrants(tenant, { privileges: false }))
    const calls = client.calls.byEndpoint()
    // One page of users and one of admins per role; apps still came with the list.
    expect(calls['GET /api/2/roles/:id/users']).toBe(tenant.roles.length)
    expect(calls['GET /api/2/roles/:id/admins']).toBe(tenant.roles.length)
    expect(calls['GET /api/2/roles/:id/apps']).toBeUndefined()
    expect(log).toContain(`warn: the role list did not carry users, admins or apps for ${tenant.roles.length} roles: read them from /api/2/roles/:id/users|admins|apps`)
  })
})
