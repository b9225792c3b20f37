import { createApp, createIntegration, listIntegrations, updateIntegration } from '../store/index.js'
import type { Integration, Store } from '../store/index.js'
import { audited } from './audited.js'
import type { IntegrationEnv } from './integration-env.js'
import { enqueueIntegrationSync } from './integration-sync.js'
import { SYSTEM_ACTOR } from './policy.js'

/**
 * `npm start` (serve --emulator): on a database with no integration yet, connect the built-in
 * emulator's demo tenant as a hosted integration and queue its first sync, so a newcomer sees
 * real inventory at once. Returns the integration created, or undefined when there already is one.
 */
export async function ensureDemoIntegration(
  store: Store,
  env: IntegrationEnv,
  emulator: { url: string; clientId: string; clientSecret: string },
): Promise<Integration | undefined> {
  const existing = await listIntegrations(store.db, {}, { limit: 1 })
  if (existing.items.length > 0) return undefined
  return audited(store, SYSTEM_ACTOR, async (trx) => {
    const app = await createApp(trx, { name: 'OneLogin (demo tenant)', description: 'The built-in OneLogin emulator, connected by npm start' })
    const created = await createIntegration(trx, { app_id: app.id, mode: 'hosted', created_by: SYSTEM_ACTOR.id, onelogin_domain: emulator.url, client_id: emulator.clientId })
    const integration = await updateIntegration(trx, created.id, {
      client_secret: env.secrets.encrypt(emulator.clientSecret, created.id),
      status: 'syncing',
      next_sync_at: new Date(Date.now() + created.sync_interval_minutes * 60_000),
    })
    await enqueueIntegrationSync(trx, { integration_id: integration.id, triggered_by: 'settings', mode: 'full' })
    return {
      result: integration,
      audit: [{ action: 'integration.create', target_type: 'integration', target_id: integration.id, after: { app_id: app.id, mode: 'hosted', onelogin_domain: emulator.url, demo: true } }],
    }
  })
}
