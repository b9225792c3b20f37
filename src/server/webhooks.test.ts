import { Writable } from 'node:stream'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { ephemeralIntegrationEnv, webhookJobs } from '../governance/index.js'
import type { IntegrationEnv } from '../governance/index.js'
import { Receiver, signatureValid } from '../governance/webhooks-test-support.js'
import { Worker } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { buildServer } from './app.js'
import type { ApiWebhook, ApiWebhookDelivery, ApiWebhookWithSecret } from './api-types.js'
import { expectError, person } from './test-support.js'
import type { App, Person } from './test-support.js'

describeDialects('webhooks API', (t) => {
  let env: IntegrationEnv
  let app: App
  let admin: Person
  let readOnly: Person
  let receiver: Receiver
  let worker: Worker | undefined
  let serverLog = ''
  /** Every response body the test saw, to search for the secret. */
  let seen: string[] = []

  beforeEach(async () => {
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true })
    serverLog = ''
    seen = []
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        serverLog += String(chunk)
        callback()
      },
    })
    app = await buildServer({ store: t.store, integrations: env, logger: { level: 'debug', stream }, webRoot: false })
    admin = await person(t.store, ['super-admin'])
    readOnly = await person(t.store, ['read-only-admin'])
    receiver = new Receiver()
    await receiver.start()
  })
  afterEach(async () => {
    await worker?.stop({ timeoutMs: 2000 })
    worker = undefined
    await app.close()
    await receiver.close()
  })

  async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who: Person, payload?: unknown) {
    const res = await app.inject({ method, url, headers: who.bearer, ...(payload === undefined ? {} : { payload: payload as object }) })
    seen.push(res.body)
    return res
  }

  function startWorker(): void {
    worker = new Worker(t.store, {
      handlers: webhookJobs(env, { backoff: { baseMs: 20, maxMs: 100, jitter: 0 } }).handlers,
      pollIntervalMs: 10,
      logger: memoryLogger().logger,
    })
    worker.start()
  }

  it('adds a webhook whose secret is shown once, sends a test event, and lists the delivery with its attempts', async () => {
    const created = await call('POST', '/api/v1/webhooks', admin, { url: receiver.url, event_types: ['request.approved', 'grant.expired'], description: 'SIEM' })
    expect(created.statusCode).toBe(201)
    const hook = created.json() as ApiWebhookWithSecret
    expect(hook).toEqual({
      id: expect.stringMatching(/^whk_/),
      url: receiver.url,
      description: 'SIEM',
      event_types: ['grant.expired', 'request.approved'],
      enabled: true,
      created_by: admin.user.id,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_/),
    })
    const secret = hook.secret

    const list = await call('GET', '/api/v1/webhooks', readOnly)
    expect(list.statusCode).toBe(200)
    const { secret: _omit, ...view } = hook
    expect(list.json()).toEqual({ items: [view], next_cursor: null })
    expect((await call('GET', `/api/v1/webhooks/${hook.id}`, admin)).json()).toEqual(view)

    const test = await call('POST', `/api/v1/webhooks/${hook.id}/test`, admin)
    expect(test.statusCode).toBe(202)
    expect(test.json()).toMatchObject({ webhook_id: hook.id, event_type: 'webhook.test', state: 'pending', attempts: [] })
    startWorker()
    const delivery = await waitFor(async () => {
      const res = await call('GET', `/api/v1/webhooks/${hook.id}/deliveries`, readOnly)
      const [d] = (res.json() as { items: ApiWebhookDelivery[] }).items
      return d?.state === 'delivered' ? d : undefined
    }, 10_000, 'the test delivery')
    expect(delivery.attempts).toEqual([
      { attempt: 1, started_at: expect.any(String), duration_ms: expect.any(Number), status: 200, error: null, outcome: 'delivered', next_attempt_at: null },
    ])
    expect(delivery.payload).toEqual({ id: delivery.event_id, type: 'webhook.test', created_at: expect.any(String), data: expect.objectContaining({ webhook_id: hook.id }) })
    expect(receiver.received).toHaveLength(1)
    expect(signatureValid(secret, receiver.received[0]!)).toBe(true)

    const filtered = await call('GET', `/api/v1/webhooks/${hook.id}/deliveries?state=failed`, admin)
    expect(filtered.json()).toEqual({ items: [], next_cursor: null })
  })

  it('never shows the secret again: not in responses, the audit log, job payloads, the database row or the server log', async () => {
    const created = (await call('POST', '/api/v1/webhooks', admin, { url: receiver.url })).json() as ApiWebhookWithSecret
    const ownSecret = 'my-receivers-shared-secret-42'
    const patched = await call('PATCH', `/api/v1/webhooks/${created.id}`, admin, { secret: ownSecret, enabled: true })
    expect(patched.statusCode).toBe(200)
    expect(patched.json()).not.toHaveProperty('secret')
    const rotated = await call('PATCH', `/api/v1/webhooks/${created.id}`, admin, { rotate_secret: true })
    const third = (rotated.json() as ApiWebhookWithSecret).secret
    expect(third).toMatch(/^whsec_/)
    const secrets = [created.secret, ownSecret, third]

    await call('POST', `/api/v1/webhooks/${created.id}/test`, admin)
    startWorker()
    await waitFor(async () => receiver.received.length === 1, 10_000, 'the test delivery')
    await call('GET', '/api/v1/webhooks', admin)
    await call('GET', `/api/v1/webhooks/${created.id}`, admin)
    await call('GET', `/api/v1/webhooks/${created.id}/deliveries`, admin)
    await call('GET', '/api/v1/audit?limit=500', admin)
    await call('GET', '/api/v1/jobs?limit=500', admin)
    await call('DELETE', `/api/v1/webhooks/${created.id}`, admin)

    // Only the two answers that set a generated secret carry one, each its own.
    const carrying = seen.filter((body) => secrets.some((s) => body.includes(s)))
    expect(carrying).toEqual([seen[0], rotated.body])
    expect(rotated.body).not.toContain(created.secret)

    const audit = await t.store.db.selectFrom('audit_log').selectAll().orderBy('seq').execute()
    expect(audit.map((a) => a.action)).toEqual(['webhook.create', 'webhook.update', 'webhook.update', 'webhook.test', 'webhook.delete'])
    expect(audit.map((a) => (a.after === null ? null : (JSON.parse(a.after) as { secret?: string }).secret))).toEqual([
      'generated',
      'replaced',
      'generated',
      undefined,
      null,
    ])
    const everything = JSON.stringify([audit, await t.store.db.selectFrom('jobs').selectAll().execute()]) + serverLog
    for (const s of secrets) expect(everything).not.toContain(s)
    expect(serverLog).not.toBe('') // the log was on, at debug level
  })

  it('stores the secret sealed to its webhook', async () => {
    const created = (await call('POST', '/api/v1/webhooks', admin, { url: receiver.url, secret: 'a-secret-of-my-own-0001' })).json() as ApiWebhook
    const row = await t.store.db.selectFrom('webhooks').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow()
    expect(row.secret).toMatch(/^v1:k1:/)
    expect(row.secret).not.toContain('a-secret-of-my-own-0001')
    expect(env.secrets.decrypt(row.secret, created.id)).toBe('a-secret-of-my-own-0001')
    expect(() => env.secrets.decrypt(row.secret, 'whk_someoneelse')).toThrow(/cannot be decrypted/)
  })

  it('answers bad input with the field, and unknown webhooks with 404', async () => {
    const prod = await buildServer({ store: t.store, integrations: ephemeralIntegrationEnv({ allowOneLoginUrl: false }), webRoot: false })
    try {
      const res = await prod.inject({ method: 'POST', url: '/api/v1/webhooks', headers: admin.bearer, payload: { url: 'http://hooks.example.com/x' } })
      expectError(res, 400, 'BAD_INPUT')
      expect(res.json().error.fields).toEqual({ url: expect.stringMatching(/^must use https/) })
    } finally {
      await prod.close()
    }
    const types = await call('POST', '/api/v1/webhooks', admin, { url: receiver.url, event_types: ['Approved!'] })
    expectError(types, 400, 'BAD_INPUT')
    expect(types.json().error.fields).toHaveProperty('event_types')
    const short = await call('POST', '/api/v1/webhooks', admin, { url: receiver.url, secret: 'short' })
    expectError(short, 400, 'BAD_INPUT')
    expect(short.json().error.fields).toHaveProperty('secret')
    expectError(await call('POST', '/api/v1/webhooks', admin, { url: receiver.url, extra: 1 }), 400, 'BAD_INPUT')
    const missing = 'whk_0000000000000000000000000a'
    expectError(await call('GET', `/api/v1/webhooks/${missing}`, admin), 404, 'NOT_FOUND')
    expectError(await call('PATCH', `/api/v1/webhooks/${missing}`, admin, { enabled: false }), 404, 'NOT_FOUND')
    expectError(await call('POST', `/api/v1/webhooks/${missing}/test`, admin), 404, 'NOT_FOUND')
    expectError(await call('GET', `/api/v1/webhooks/${missing}/deliveries`, admin), 404, 'NOT_FOUND')
    expectError(await call('DELETE', `/api/v1/webhooks/${missing}`, admin), 404, 'NOT_FOUND')
    expectError(await call('GET', '/api/v1/webhooks/not-an-id', admin), 400, 'BAD_INPUT')
  })

  it('pages webhooks oldest first', async () => {
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      ids.push(((await call('POST', '/api/v1/webhooks', admin, { url: `${receiver.url}?n=${i}` })).json() as ApiWebhook).id)
      await new Promise((r) => setTimeout(r, 3)) // distinct created_at
    }
    const first = (await call('GET', '/api/v1/webhooks?limit=2', admin)).json() as { items: ApiWebhook[]; next_cursor: string }
    expect(first.items.map((w) => w.id)).toEqual(ids.slice(0, 2))
    const second = (await call('GET', `/api/v1/webhooks?limit=2&cursor=${first.next_cursor}`, admin)).json() as { items: ApiWebhook[]; next_cursor: null }
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[2] })], next_cursor: null })
  })
})
