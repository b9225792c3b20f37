import { afterEach, beforeEach, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { Worker, countJobs } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { createUser } from '../store/index.js'
import type { Store } from '../store/index.js'
import { ephemeralIntegrationEnv } from './integration-env.js'
import type { IntegrationEnv } from './integration-env.js'
import type { Actor } from './policy.js'
import {
  WEBHOOK_DELIVER_JOB,
  WEBHOOK_PURGE_JOB,
  addWebhook,
  changeWebhook,
  checkEventTypes,
  checkWebhookUrl,
  emitWebhookEvent,
  listWebhookDeliveries,
  removeWebhook,
  sendTestWebhook,
  webhookJobs,
  webhookWants,
} from './webhooks.js'
import type { WebhookDeliveryView, WebhookJobsOptions } from './webhooks.js'
import { Receiver, signatureValid } from './webhooks-test-support.js'
import type { Received } from './webhooks-test-support.js'

const FAST: WebhookJobsOptions = { backoff: { baseMs: 20, maxMs: 100, jitter: 0 }, timeoutMs: 2000 }

describeDialects('outbound webhooks', (t) => {
  let env: IntegrationEnv
  let receiver: Receiver
  let admin: Actor
  let worker: Worker | undefined
  const log = memoryLogger()

  beforeEach(async () => {
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true })
    receiver = new Receiver()
    await receiver.start()
    const user = await createUser(t.store.db, { email: `admin-${Date.now()}@example.com`, display_name: 'Admin', roles: ['super-admin'] })
    admin = { id: user.id, roles: ['super-admin'], via: 'session' }
  })
  afterEach(async () => {
    await worker?.stop({ timeoutMs: 2000 })
    worker = undefined
    await receiver.close()
  })

  function startWorker(options: WebhookJobsOptions = FAST): void {
    worker = new Worker(t.store, { handlers: webhookJobs(env, options).handlers, pollIntervalMs: 10, logger: log.logger })
    worker.start()
  }

  async function emit(store: Store, type: string, data: unknown): Promise<void> {
    await store.transaction((trx) => emitWebhookEvent(trx, type, data, new Date()))
  }

  async function deliveries(id: string): Promise<WebhookDeliveryView[]> {
    return (await listWebhookDeliveries(t.store, admin, id)).items
  }

  async function settled(id: string, count = 1): Promise<WebhookDeliveryView[]> {
    return waitFor(async () => {
      const items = await deliveries(id)
      if (items.length < count || items.some((d) => d.state === 'pending')) return undefined
      // The job that recorded the outcome is marked finished just after: wait for that too.
      const jobs = await countJobs(t.store.db, { kind: WEBHOOK_DELIVER_JOB })
      return jobs.queued === 0 && jobs.running === 0 ? items : undefined
    }, 15_000, 'deliveries to settle')
  }

  it('POSTs a signed event that a receiver verifies with plain crypto, and records the attempt', async () => {
    const hook = await addWebhook(t.store, env, admin, { url: receiver.url, event_types: ['request.*'] })
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/)
    const data = { request_id: 'req_x', entitlement_id: 'role:1:member', reason: 'on call' }
    await emit(t.store, 'request.approved', data)
    startWorker()

    const [delivery] = await settled(hook.id)
    expect(receiver.received).toHaveLength(1)
    const r = receiver.received[0]!
    expect(r.headers['content-type']).toBe('application/json')
    expect(r.headers['webhook-event']).toBe('request.approved')
    expect(r.headers['webhook-id']).toMatch(/^evt_[0-9a-z]{26}$/)
    expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30)
    expect(r.headers['webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(signatureValid(hook.secret, r)).toBe(true)
    expect(signatureValid('whsec_not-the-secret', r)).toBe(false)
    const body = JSON.parse(r.body) as Record<string, unknown>
    expect(body).toEqual({ id: r.headers['webhook-id'], type: 'request.approved', created_at: expect.stringMatching(/Z$/), data })

    expect(delivery).toMatchObject({ state: 'delivered', event_id: r.headers['webhook-id'], last_status: 200, last_error: null, payload: body })
    expect(delivery!.attempts).toEqual([
      { attempt: 1, started_at: expect.any(String), duration_ms: expect.any(Number), status: 200, error: null, outcome: 'delivered', next_attempt_at: null },
    ])
    expect(await countJobs(t.store.db, { kind: WEBHOOK_DELIVER_JOB })).toMatchObject({ queued: 0, running: 0, failed: 0, dead: 0, succeeded: 1 })
  })

  it('queues a delivery per matching, enabled webhook, only when the change commits', async () => {
    const all = await addWebhook(t.store, env, admin, { url: receiver.url })
    const requests = await addWebhook(t.store, env, admin, { url: receiver.url, event_types: ['request.*'] })
    const denied = await addWebhook(t.store, env, admin, { url: receiver.url, event_types: ['request.denied'] })
    const off = await addWebhook(t.store, env, admin, { url: receiver.url, enabled: false })

    await emit(t.store, 'request.approved', { n: 1 })
    await emit(t.store, 'grant.expired', { n: 2 })
    await expect(
      t.store.transaction(async (trx) => {
        await emitWebhookEvent(trx, 'request.denied', { n: 3 }, new Date())
        throw new Error('the change failed')
      }),
    ).rejects.toThrow('the change failed')

    expect((await deliveries(all.id)).map((d) => d.event_type).sort()).toEqual(['grant.expired', 'request.approved'])
    expect((await deliveries(requests.id)).map((d) => d.event_type)).toEqual(['request.approved'])
    expect(await deliveries(denied.id)).toEqual([])
    expect(await deliveries(off.id)).toEqual([])
    // One event, one id, whoever receives it.
    expect((await deliveries(all.id)).find((d) => d.event_type === 'request.approved')?.event_id).toBe(
      (await deliveries(requests.id))[0]?.event_id,
    )
    expect(await countJobs(t.store.db, { kind: WEBHOOK_DELIVER_JOB })).toMatchObject({ queued: 3 })
    // Job payloads carry ids only: no event data, no secret.
    const payloads = await t.store.db.selectFrom('jobs').select('payload').where('kind', '=', WEBHOOK_DELIVER_JOB).execute()
    for (const { payload } of payloads) expect(Object.keys(JSON.parse(payload) as object).sort()).toEqual(['attempt', 'delivery_id'])
  })

  it('retries after a 503 with the same event id and body, and honours Retry-After', async () => {
    const hook = await addWebhook(t.store, env, admin, { url: receiver.url, event_types: ['request.created'] })
    receiver.script.push({ status: 503, body: 'down for maintenance' }, { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' })
    await emit(t.store, 'request.created', { request_id: 'req_1' })
    startWorker()

    const [delivery] = await settled(hook.id)
    expect(delivery!.state).toBe('delivered')
    expect(receiver.received).toHaveLength(3)
    const [first, second, third] = receiver.received as [Received, Received, Received]
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1)
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1)
    for (const r of receiver.received) expect(signatureValid(hook.secret, r)).toBe(true)
    // The backoff is 20 ms, but the receiver asked for a second.
    expect(second.at - first.at).toBeLessThan(1000)
    expect(third.at - second.at).toBeGreaterThanOrEqual(950)

    expect(delivery!.attempts.map((a) => [a.attempt, a.status, a.outcome])).toEqual([
      [1, 503, 'retry'],
      [2, 429, 'retry'],
      [3, 200, 'delivered'],
    ])
    expect(delivery!.attempts[0]!.error).toBe('HTTP 503: down for maintenance')
    expect(delivery!.attempts[0]!.next_attempt_at).not.toBeNull()
    const a2 = delivery!.attempts[1]!
    expect(Date.parse(a2.next_attempt_at!) - Date.parse(a2.started_at)).toBeGreaterThanOrEqual(1000)
  })

  it('does not retry after a 400 or a redirect', async () => {
    const hook = await addWebhook(t.store, env, admin, { url: receiver.url, event_types: ['request.*'] })
    receiver.script.push({ status: 400, body: 'unknown event' }, { status: 302, headers: { location: 'https://elsewhere.example.com/' } })
    await emit(t.store, 'request.denied', { n: 1 })
    await emit(t.store, 'request.failed', { n: 2 })
    startWorker()

    const items = await settled(hook.id, 2)
    expect(items.map((d) => d.state)).toEqual(['failed', 'failed'])
    const errors = items.map((d) => d.attempts.map((a) => [a.status, a.outcome, a.error]))
    expect(errors.flat().sort()).toEqual([
      [302, 'failed', 'HTTP 302 redirect (not followed: point the webhook at the final URL)'],
      [400, 'failed', 'HTTP 400: unknown event'],
    ])
    expect(receiver.received).toHaveLength(2)
    expect(await countJobs(t.store.db, { kind: WEBHOOK_DELIVER_JOB })).toMatchObject({ queued: 0, failed: 0, dead: 0, succeeded: 2 })
  })

  it('gives up after the last attempt when the receiver cannot be reached', async () => {
    const port = Number(new URL(receiver.url).port)
    await receiver.close()
    const hook = await addWebhook(t.store, env, admin, { url: `http://127.0.0.1:${port}/gone` })
    await emit(t.store, 'grant.expired', { n: 1 })
    startWorker({ ...FAST, maxAttempts: 3 })

    const [delivery] = await settled(hook.id)
    expect(delivery!.state).toBe('failed')
    expect(delivery!.attempts.map((a) => [a.status, a.outcome])).toEqual([
      [null, 'retry'],
      [null, 'retry'],
      [null, 'failed'],
    ])
    expect(delivery!.last_error).toMatch(/ECONNREFUSED.*; gave up after 3 attempt\(s\)$/)
    // Re-open so afterEach can close it.
    receiver = new Receiver()
    await receiver.start()
  })

  it('a rotated secret signs what is sent from then on; a disabled webhook drops what is unsent; a test event still goes', async () => {
    const hook = await addWebhook(t.store, env, admin, { url: receiver.url, secret: 'my-own-secret-0123456789' })
    expect(hook.secret).toBe('my-own-secret-0123456789')
    const rotated = await changeWebhook(t.store, env, admin, hook.id, { rotate_secret: true })
    expect('secret' in rotated && rotated.secret).toMatch(/^whsec_/)
    const newSecret = (rotated as { secret: string }).secret
    const renamed = await changeWebhook(t.store, env, admin, hook.id, { description: 'Ops' })
    expect(renamed).not.toHaveProperty('secret')

    await emit(t.store, 'request.created', { n: 1 })
    await changeWebhook(t.store, env, admin, hook.id, { enabled: false })
    await emit(t.store, 'request.created', { n: 2 }) // not queued: disabled
    const test = await sendTestWebhook(t.store, admin, hook.id)
    expect(test).toMatchObject({ event_type: 'webhook.test', state: 'pending', attempts: [] })
    startWorker()

    const items = await settled(hook.id, 2)
    const byType = Object.fromEntries(items.map((d) => [d.event_type, d]))
    expect(byType['request.created']).toMatchObject({ state: 'failed', last_error: 'not sent: the webhook was disabled', attempts: [] })
    expect(byType['webhook.test']).toMatchObject({ state: 'delivered' })
    expect(receiver.received).toHaveLength(1)
    expect(receiver.received[0]!.headers['webhook-event']).toBe('webhook.test')
    expect(signatureValid(newSecret, receiver.received[0]!)).toBe(true)
    expect(signatureValid(hook.secret, receiver.received[0]!)).toBe(false)
  })

  it('a worker that does not allow plain http does not send to an http webhook saved on a development server', async () => {
    const hook = await addWebhook(t.store, env, admin, { url: receiver.url })
    await emit(t.store, 'request.created', { n: 1 })
    worker = new Worker(t.store, { handlers: webhookJobs({ ...env, allowOneLoginUrl: false }, FAST).handlers, pollIntervalMs: 10, logger: log.logger })
    worker.start()
    const [delivery] = await settled(hook.id)
    expect(delivery).toMatchObject({ state: 'failed', last_error: expect.stringMatching(/^not sent: url: must use https/), attempts: [] })
    expect(receiver.received).toEqual([])
  })

  it('deleting a webhook drops its deliveries; their queued jobs then do nothing', async () => {
    const hook = await addWebhook(t.store, env, admin, { url: receiver.url })
    await emit(t.store, 'request.created', { n: 1 })
    await removeWebhook(t.store, admin, hook.id)
    expect(await t.store.db.selectFrom('webhook_deliveries').selectAll().execute()).toEqual([])
    startWorker()
    await waitFor(async () => (await countJobs(t.store.db, { kind: WEBHOOK_DELIVER_JOB })).succeeded === 1, 10_000, 'the orphaned job to finish')
    expect(receiver.received).toEqual([])
  })

  it('purges finished deliveries after the retention period', async () => {
    const hook = await addWebhook(t.store, env, admin, { url: receiver.url })
    await emit(t.store, 'request.created', { n: 1 })
    const jobs = webhookJobs(env, { ...FAST, retentionMs: 0 })
    worker = new Worker(t.store, { handlers: { [WEBHOOK_DELIVER_JOB]: jobs.handlers[WEBHOOK_DELIVER_JOB]! }, pollIntervalMs: 10, logger: log.logger })
    worker.start()
    await settled(hook.id)
    await new Promise((r) => setTimeout(r, 5))
    await jobs.handlers[WEBHOOK_PURGE_JOB]!({ job: {} as never, store: t.store, signal: new AbortController().signal, workerId: 'test' })
    expect(await deliveries(hook.id)).toEqual([])
    expect(await t.store.db.selectFrom('webhook_attempts').selectAll().execute()).toEqual([])
  })

  it('refuses bad settings with the field named, and keeps non-admins out', async () => {
    const prod = ephemeralIntegrationEnv({ allowOneLoginUrl: false })
    await expect(addWebhook(t.store, prod, admin, { url: 'http://hooks.example.com/x' })).rejects.toThrow(/^url: must use https/)
    await expect(addWebhook(t.store, env, admin, { url: 'https://user:pw@hooks.example.com/x' })).rejects.toThrow(/^url: must not contain a user name/)
    await expect(addWebhook(t.store, env, admin, { url: 'ftp://hooks.example.com/x' })).rejects.toThrow(/^url: must be an https URL/)
    await expect(addWebhook(t.store, env, admin, { url: 'not a url' })).rejects.toThrow(/^url: "not a url" is not a URL/)
    await expect(addWebhook(t.store, env, admin, { url: receiver.url, event_types: ['Request Approved'] })).rejects.toThrow(/^event_types: /)
    await expect(addWebhook(t.store, env, admin, { url: receiver.url, secret: 'short' })).rejects.toThrow(/^secret: must be 16 to 256/)
    const hook = await addWebhook(t.store, env, admin, { url: receiver.url })
    await expect(changeWebhook(t.store, env, admin, hook.id, { secret: 'another-secret-0123456789', rotate_secret: true })).rejects.toThrow(/^secret, rotate_secret: /)
    const integrationAdmin: Actor = { id: 'usr_x', roles: ['integration-admin'], via: 'token' }
    await expect(addWebhook(t.store, env, integrationAdmin, { url: receiver.url })).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(listWebhookDeliveries(t.store, integrationAdmin, hook.id)).rejects.toMatchObject({ code: 'FORBIDDEN' })
    const readOnly: Actor = { id: 'usr_y', roles: ['read-only-admin'], via: 'token' }
    await expect(listWebhookDeliveries(t.store, readOnly, hook.id)).resolves.toMatchObject({ items: [] })
    await expect(sendTestWebhook(t.store, readOnly, hook.id)).rejects.toMatchObject({ code: 'FORBIDDEN' })
    await expect(emit(t.store, 'Not A Type', {})).rejects.toMatchObject({ code: 'BAD_INPUT' })
  })
})

it('matches event types and patterns', () => {
  expect(checkEventTypes(['request.denied', 'request.approved', 'request.denied'])).toEqual(['request.approved', 'request.denied'])
  expect(checkEventTypes(['request.*', '*'])).toEqual(['*'])
  expect(() => checkEventTypes([])).toThrow(/^event_types: give at least one/)
  expect(() => checkEventTypes(['request.'])).toThrow(/not an event type/)
  expect(webhookWants(['*'], 'grant.expired')).toBe(true)
  expect(webhookWants(['request.*'], 'request.approved')).toBe(true)
  expect(webhookWants(['request.*'], 'requests.approved')).toBe(false)
  expect(webhookWants(['request.approved'], 'request.denied')).toBe(false)
  expect(checkWebhookUrl({ allowOneLoginUrl: false }, ' https://hooks.example.com/a?b=1 ')).toBe('https://hooks.example.com/a?b=1')
})
