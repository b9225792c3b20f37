import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects } from '../../test/dialects.js'
import { runWarden } from '../cli/test-support.js'
import { syncClient } from '../connector/test-support.js'
import { syncToSnapshot } from '../connector/index.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import { ephemeralIntegrationEnv } from '../governance/index.js'
import type { IntegrationEnv } from '../governance/index.js'
import { createApp, createIntegration, getIntegration, listSyncRuns } from '../store/index.js'
import type { Integration } from '../store/index.js'
import { buildServer } from './app.js'
import { expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'

describeDialects('self-hosted uploads', (t) => {
  let emu: RunningEmulator
  let env: IntegrationEnv
  let app: App
  let url: string
  let dir: string
  let admin: Person

  beforeEach(async () => {
    emu = await startEmulator({ tenant: generateTenant({ users: 20, roles: 4, apps: 4, groups: 2, seed: 11 }) })
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true })
    app = await buildServer({ store: t.store, integrations: env })
    await app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    dir = mkdtempSync(join(tmpdir(), 'warden-upload-'))
    admin = await person(t.store, ['super-admin'])
  })
  afterEach(async () => {
    await app.close()
    await emu.close()
    rmSync(dir, { recursive: true, force: true })
    rmSync(env.dataDir, { recursive: true, force: true })
  })

  async function selfHosted(domain = emu.url): Promise<Integration> {
    const a = await createApp(t.store.db, { name: 'OneLogin (on-prem)' })
    return createIntegration(t.store.db, { app_id: a.id, mode: 'self-hosted', created_by: admin.user.id, onelogin_domain: domain })
  }

  async function uploadToken(id: string): Promise<string> {
    const res = await app.inject({ method: 'POST', url: `/api/v1/integrations/${id}/upload-token`, headers: admin.bearer })
    expect(res.statusCode).toBe(201)
    return (res.json() as { token: string }).token
  }

  async function snapshot(name: string, from: RunningEmulator = emu): Promise<string> {
    const file = join(dir, name)
    await syncToSnapshot({ client: syncClient(from), file })
    return file
  }

  async function grantCount(id: string): Promise<number> {
    const row = await t.store.db.selectFrom('grants').select((eb) => eb.fn.countAll<number>().as('n')).where('integration_id', '=', id).executeTakeFirstOrThrow()
    return Number(row.n)
  }

  it('`warden upload` sends a snapshot that is checked and ingested like a hosted sync', async () => {
    const integration = await selfHosted()
    const token = await uploadToken(integration.id)
    const file = await snapshot('acme.db')
    const run = await runWarden(['upload', '--server', url, '--token', token, '--file', file, '--json'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout) as { integration_id: string; baseline: boolean; counts: { resources: Record<string, number>; grants: number } }
    expect(result).toMatchObject({ integration_id: integration.id, baseline: true })
    expect(result.counts.resources['user']).toBe(20)
    expect(result.counts.grants).toBe(await grantCount(integration.id))
    expect(await getIntegration(t.store.db, integration.id)).toMatchObject({ status: 'connected', last_error: null })
    const [syncRun] = (await listSyncRuns(t.store.db, integration.id)).items
    expect(syncRun).toMatchObject({ triggered_by: 'upload', mode: 'upload', status: 'succeeded' })

    // The token goes in the environment as well as a flag; the same file again is not newer.
    const again = await runWarden(['upload', '--server', url, '--file', file], { env: { ...process.env, WARDEN_UPLOAD_TOKEN: token } })
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^warden: the server refused the upload: the upload is a sync that finished at .+, not newer than the last one ingested \(.+\): refused\n$/)
  })

  it('refuses a foreign, corrupt, empty or oversized file and a bad token, and changes nothing', async () => {
    const integration = await selfHosted()
    const token = await uploadToken(integration.id)
    const good = await snapshot('good.db')
    expect((await runWarden(['upload', '--server', url, '--token', token, '--file', good])).code).toBe(0)
    const grants = await grantCount(integration.id)
    const runs = (await listSyncRuns(t.store.db, integration.id)).items.length

    const other = await startEmulator({ tenant: generateTenant({ users: 5, roles: 2, apps: 2, groups: 1, seed: 12 }) })
    try {
      const foreign = await snapshot('foreign.db', other)
      const run = await runWarden(['upload', '--server', url, '--token', token, '--file', foreign])
      expect(run.code).toBe(2)
      const otherHost = new URL(other.url).host
      const ownHost = new URL(emu.url).host
      expect(run.stderr).toBe(`warden: the server refused the upload: the upload is a sync of ${otherHost}, but integration ${integration.id} is for ${ownHost}: refused\n`)
    } finally {
      await other.close()
    }

    const corrupt = join(dir, 'corrupt.db')
    writeFileSync(corrupt, 'SQLite format 3\0 but not really'.repeat(100))
    const local = await runWarden(['upload', '--server', url, '--token', token, '--file', corrupt])
    expect(local.code).toBe(2)
    expect(local.stderr).toMatch(/^warden: .*corrupt\.db.*\n$/)
    // The server checks for itself, whatever the client did.
    const post = (body: Buffer | string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${url}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) })
    const raw = await post(Buffer.from('SQLite format 3\0 but not really'.repeat(100)))
    expect(raw.status).toBe(400)
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe('BAD_INPUT')
    const empty = await post('')
    expect(empty.status).toBe(400)

    env.maxUploadBytes = 1000
    const big = await post(Buffer.alloc(5000))
    expect(big.status).toBe(413)
    env.maxUploadBytes = 2 ** 31

    const wrongToken = await runWarden(['upload', '--server', url, '--token', 'wdu_not-a-real-token', '--file', good])
    expect(wrongToken.code).toBe(1)
    expect(wrongToken.stderr).toBe('warden: the server refused the upload: the upload token is invalid or was replaced; issue a new one for the integration\n')
    // A personal API token is not an upload token.
    const personal = await app.inject({ method: 'POST', url: '/api/v1/uploads', headers: { ...admin.bearer, 'content-type': 'application/octet-stream' }, payload: Buffer.from('x') })
    expectError(personal, 401, 'UNAUTHENTICATED')

    expect(await grantCount(integration.id)).toBe(grants)
    expect((await listSyncRuns(t.store.db, integration.id)).items).toHaveLength(runs)
    expect(await getIntegration(t.store.db, integration.id)).toMatchObject({ status: 'connected' })
  })

  it('a new upload token replaces the old one; hosted integrations take no uploads', async () => {
    const integration = await selfHosted()
    const first = await uploadToken(integration.id)
    const second = await uploadToken(integration.id)
    const file = await snapshot('acme.db')
    expect((await runWarden(['upload', '--server', url, '--token', first, '--file', file])).code).toBe(1)
    expect((await runWarden(['upload', '--server', url, '--token', second, '--file', file])).code).toBe(0)

    const a = await createApp(t.store.db, { name: 'Hosted' })
    const hosted = await createIntegration(t.store.db, { app_id: a.id, mode: 'hosted', created_by: admin.user.id })
    const res = await app.inject({ method: 'POST', url: `/api/v1/integrations/${hosted.id}/upload-token`, headers: admin.bearer })
    expectError(res, 409, 'CONFLICT')
    const reader = await person(t.store, ['read-only-admin'])
    expectError(await app.inject({ method: 'POST', url: `/api/v1/integrations/${integration.id}/upload-token`, headers: reader.bearer }), 403, 'FORBIDDEN')
  })
})
