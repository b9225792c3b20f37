/**
 * Every route × every Warden role, no role, and anonymous: the status each gets. Refusals are
 * 401 (not signed in) and 403 (signed in, role doesn't allow it), and a refusal changes nothing;
 * each permitted caller gets the route's 2xx. The expected roles are written out here, from the
 * issue and reference/platform.md, not read from the policy module they check.
 */
import type { InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, forEachDialect } from '../../test/dialects.js'
import type { TestDatabase } from '../../test/dialects.js'
import { WARDEN_ROLES } from '../governance/index.js'
import type { WardenRole } from '../governance/index.js'
import {
  createApiToken,
  createApp,
  createIdentity,
  createIntegration,
  createSetupToken,
  createSyncRun,
  createUser,
  hashPassword,
  setIntegrationOwners,
  updateIntegration,
} from '../store/index.js'
import type { App as WardenApp, Identity, Integration, Store, SyncRun } from '../store/index.js'
import { buildServer } from './index.js'
import { PASSWORD, auditCount, deadJob, person, uniqueEmail } from './test-support.js'
import type { App, Person } from './test-support.js'
import { aDriftFinding, anSodRule } from '../governance/sod-drift-test-support.js' // issue 8: SoD and drift
import { activeTimeboundGrant, openManualTask } from '../governance/jit-test-support.js' // issue 8: jit
import { createWebhook, newId } from '../store/index.js' // issue 8: webhooks
import { delegate, freshRequestable, heldBy, pendingRequestOf, policyRow, taskFor, timeboundRequestOf } from '../governance/requests-test-support.js' // issue 8: access requests
import { insertCampaign, insertTemplate, isoTime } from '../store/index.js' // issue 9: access reviews
import type { CampaignState } from '../store/index.js' // issue 9
import { buildEvidenceBundle } from '../evidence/index.js' // issue 9

type Principal = 'anonymous' | 'no-role' | WardenRole
const PRINCIPALS: readonly Principal[] = ['anonymous', 'no-role', ...WARDEN_ROLES]

interface Fixture {
  store: Store
  people: Record<Exclude<Principal, 'anonymous'>, Person>
  identity: Identity
  /** A connected hosted integration owned by the Integration Administrator, with one sync run and a little inventory. */
  integration: Integration
  run: SyncRun
  /** A self-hosted integration owned by the Integration Administrator. */
  selfHosted: Integration
  /** An app the integration's sync discovered (app:1), carried by role:2:member. */
  scimApp: WardenApp
}

interface Row {
  route: string
  /**
   * Who gets the 2xx: 'public' (even anonymous), 'signed-in' (any user), these roles, or
   * 'upload-token' (only a self-hosted integration's upload token: every person gets 401).
   */
  allowed: 'public' | 'signed-in' | 'upload-token' | readonly WardenRole[]
  ok: number
  /** The request for one caller (a fresh target when the request changes something). */
  request: (f: Fixture, caller: Principal) => Promise<InjectOptions> | InjectOptions
}

const ADMINS: readonly WardenRole[] = WARDEN_ROLES
/** Distinct OneLogin users for the time-bound grants and manual tasks rows make (issue 8). */
let jitSerial = 1000
const SUPER: readonly WardenRole[] = ['super-admin']
const SUPER_AND_READ_ONLY: readonly WardenRole[] = ['super-admin', 'read-only-admin']
/** Who sees integrations: every administrator but the Access Request Administrator. */
const INTEGRATION_READERS: readonly WardenRole[] = ['super-admin', 'integration-admin', 'app-admin', 'campaign-admin', 'read-only-admin']
/** Who changes an integration: any Super Administrator, and its owners who are Integration Administrators (the fixture's is). */
const INTEGRATION_MANAGERS: readonly WardenRole[] = ['super-admin', 'integration-admin']
/** Who changes apps and entitlement settings. */
const APP_WRITERS: readonly WardenRole[] = ['super-admin', 'app-admin']
/** Who sees SoD rules (access-requests:read), and who changes them (issue 8). */
const SOD_READERS: readonly WardenRole[] = ['super-admin', 'access-request-admin', 'read-only-admin']
const SOD_WRITERS: readonly WardenRole[] = ['super-admin', 'access-request-admin']
/** Who sees access review campaigns (campaigns:read), and who runs them (issue 9). */
const CAMPAIGN_READERS: readonly WardenRole[] = ['super-admin', 'campaign-admin', 'read-only-admin']
const CAMPAIGN_WRITERS: readonly WardenRole[] = ['super-admin', 'campaign-admin']

function userOf(f: Fixture, caller: Principal): Person {
  return f.people[caller === 'anonymous' ? 'no-role' : caller]
}

const TABLE: Row[] = [
  { route: 'GET /api/v1/health', allowed: 'public', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/health' }) },
  { route: 'GET /api/v1/openapi.json', allowed: 'public', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/openapi.json' }) },
  { route: 'GET /', allowed: 'public', ok: 200, request: () => ({ method: 'GET', url: '/' }) },
  { route: 'GET /api/v1/setup', allowed: 'public', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/setup' }) },
  {
    // Reachable without signing in; with a valid link it is refused only because Warden is set up.
    route: 'POST /api/v1/setup',
    allowed: 'public',
    ok: 409,
    request: async (f) => {
      const { token } = await createSetupToken(f.store.db, { ttlMs: 60_000 })
      return { method: 'POST', url: '/api/v1/setup', payload: { token, email: uniqueEmail(), display_name: 'X', password: PASSWORD } }
    },
  },
  {
    route: 'POST /api/v1/auth/login',
    allowed: 'public',
    ok: 200,
    request: (f) => ({ method: 'POST', url: '/api/v1/auth/login', payload: { email: f.people['no-role'].user.email, password: PASSWORD } }),
  },
  { route: 'POST /api/v1/auth/logout', allowed: 'signed-in', ok: 204, request: () => ({ method: 'POST', url: '/api/v1/auth/logout' }) },
  { route: 'GET /api/v1/me', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/me' }) },
  {
    route: 'PUT /api/v1/me/password',
    allowed: 'signed-in',
    ok: 204,
    request: () => ({ method: 'PUT', url: '/api/v1/me/password', payload: { current_password: PASSWORD, new_password: PASSWORD } }),
  },
  { route: 'GET /api/v1/me/tokens', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/me/tokens' }) },
  { route: 'POST /api/v1/me/tokens', allowed: 'signed-in', ok: 201, request: () => ({ method: 'POST', url: '/api/v1/me/tokens', payload: { name: 'ci' } }) },
  {
    route: 'DELETE /api/v1/me/tokens/:id',
    allowed: 'signed-in',
    ok: 204,
    request: async (f, caller) => {
      const { apiToken } = await createApiToken(f.store.db, { userId: userOf(f, caller).user.id, name: 'to revoke' })
      return { method: 'DELETE', url: `/api/v1/me/tokens/${apiToken.id}` }
    },
  },
  { route: 'GET /api/v1/roles', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/roles' }) },
  { route: 'GET /api/v1/users', allowed: SUPER_AND_READ_ONLY, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/users' }) },
  {
    route: 'GET /api/v1/users/:id',
    allowed: SUPER_AND_READ_ONLY,
    ok: 200,
    request: (f) => ({ method: 'GET', url: `/api/v1/users/${f.people['app-admin'].user.id}` }),
  },
  {
    route: 'POST /api/v1/users',
    allowed: SUPER,
    ok: 201,
    request: () => ({
      method: 'POST',
      url: '/api/v1/users',
      payload: { email: uniqueEmail('new'), display_name: 'New Person', password: PASSWORD, roles: ['campaign-admin'] },
    }),
  },
  {
    route: 'PATCH /api/v1/users/:id',
    allowed: SUPER,
    ok: 200,
    request: async (f) => {
      const target = await createUser(f.store.db, { email: uniqueEmail('target'), display_name: 'Target' })
      return { method: 'PATCH', url: `/api/v1/users/${target.id}`, payload: { roles: ['app-admin'], display_name: 'Renamed' } }
    },
  },
  { route: 'GET /api/v1/identities', allowed: ADMINS, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/identities' }) },
  {
    route: 'GET /api/v1/identities/:id',
    allowed: ADMINS,
    ok: 200,
    request: (f) => ({ method: 'GET', url: `/api/v1/identities/${f.identity.id}` }),
  },
  { route: 'GET /api/v1/audit', allowed: SUPER_AND_READ_ONLY, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/audit' }) },
  { route: 'GET /api/v1/audit/verify', allowed: SUPER_AND_READ_ONLY, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/audit/verify' }) },
  {
    route: 'GET /api/v1/audit/export',
    allowed: SUPER_AND_READ_ONLY,
    ok: 200,
    request: () => ({ method: 'GET', url: '/api/v1/audit/export?format=csv' }),
  },
  { route: 'GET /api/v1/jobs', allowed: SUPER_AND_READ_ONLY, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/jobs?status=dead' }) },
  {
    route: 'GET /api/v1/jobs/:id',
    allowed: SUPER_AND_READ_ONLY,
    ok: 200,
    request: async (f) => ({ method: 'GET', url: `/api/v1/jobs/${await deadJob(f.store)}` }),
  },
  {
    route: 'POST /api/v1/jobs/:id/retry',
    allowed: SUPER,
    ok: 200,
    request: async (f) => ({ method: 'POST', url: `/api/v1/jobs/${await deadJob(f.store)}/retry` }),
  },
  {
    route: 'POST /api/v1/integrations',
    allowed: SUPER,
    ok: 201,
    request: () => ({ method: 'POST', url: '/api/v1/integrations', payload: { app_name: `OneLogin ${uniqueEmail()}` } }),
  },
  { route: 'GET /api/v1/integrations', allowed: INTEGRATION_READERS, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/integrations' }) },
  { route: 'GET /api/v1/integrations/owner-candidates', allowed: INTEGRATION_MANAGERS, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/integrations/owner-candidates' }) },
  {
    route: 'GET /api/v1/integrations/:id',
    allowed: INTEGRATION_READERS,
    ok: 200,
    request: (f) => ({ method: 'GET', url: `/api/v1/integrations/${f.integration.id}` }),
  },
  {
    route: 'PATCH /api/v1/integrations/:id/settings',
    allowed: INTEGRATION_MANAGERS,
    ok: 200,
    request: (f) => ({ method: 'PATCH', url: `/api/v1/integrations/${f.integration.id}/settings`, payload: { sync_interval_minutes: 90 } }),
  },
  {
    route: 'PUT /api/v1/integrations/:id/owners',
    allowed: INTEGRATION_MANAGERS,
    ok: 200,
    request: (f) => ({ method: 'PUT', url: `/api/v1/integrations/${f.integration.id}/owners`, payload: { user_ids: [f.people['integration-admin'].user.id] } }),
  },
  {
    route: 'DELETE /api/v1/integrations/:id',
    allowed: SUPER,
    ok: 204,
    request: async (f) => ({ method: 'DELETE', url: `/api/v1/integrations/${(await ownedIntegration(f, 'hosted')).id}` }),
  },
  {
    route: 'POST /api/v1/integrations/:id/sync',
    allowed: INTEGRATION_MANAGERS,
    ok: 202,
    request: (f) => ({ method: 'POST', url: `/api/v1/integrations/${f.integration.id}/sync`, payload: {} }),
  },
  { route: 'POST /api/v1/integrations/:id/pause', allowed: INTEGRATION_MANAGERS, ok: 200, request: (f) => ({ method: 'POST', url: `/api/v1/integrations/${f.integration.id}/pause` }) },
  { route: 'POST /api/v1/integrations/:id/resume', allowed: INTEGRATION_MANAGERS, ok: 200, request: (f) => ({ method: 'POST', url: `/api/v1/integrations/${f.integration.id}/resume` }) },
  { route: 'GET /api/v1/integrations/:id/syncs', allowed: INTEGRATION_READERS, ok: 200, request: (f) => ({ method: 'GET', url: `/api/v1/integrations/${f.integration.id}/syncs` }) },
  {
    route: 'GET /api/v1/integrations/:id/syncs/:runId',
    allowed: INTEGRATION_READERS,
    ok: 200,
    request: (f) => ({ method: 'GET', url: `/api/v1/integrations/${f.integration.id}/syncs/${f.run.id}` }),
  },
  {
    route: 'POST /api/v1/integrations/:id/upload-token',
    allowed: INTEGRATION_MANAGERS,
    ok: 201,
    request: (f) => ({ method: 'POST', url: `/api/v1/integrations/${f.selfHosted.id}/upload-token` }),
  },
  {
    // A personal API token, whatever its roles, is not an upload token.
    route: 'POST /api/v1/uploads',
    allowed: 'upload-token',
    ok: 200,
    request: () => ({ method: 'POST', url: '/api/v1/uploads', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('snapshot') }),
  },
  { route: 'GET /api/v1/apps', allowed: ADMINS, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/apps' }) },
  { route: 'GET /api/v1/apps/:id', allowed: ADMINS, ok: 200, request: (f) => ({ method: 'GET', url: `/api/v1/apps/${f.scimApp.id}` }) },
  { route: 'POST /api/v1/apps', allowed: APP_WRITERS, ok: 201, request: () => ({ method: 'POST', url: '/api/v1/apps', payload: { name: 'Payroll' } }) },
  {
    route: 'PATCH /api/v1/apps/:id',
    allowed: APP_WRITERS,
    ok: 200,
    request: (f) => ({ method: 'PATCH', url: `/api/v1/apps/${f.scimApp.id}`, payload: { description: 'Found in OneLogin' } }),
  },
  {
    // A fresh app made in Warden for each caller: the delete of a discovered app is refused (409).
    route: 'DELETE /api/v1/apps/:id',
    allowed: APP_WRITERS,
    ok: 204,
    request: async (f) => ({ method: 'DELETE', url: `/api/v1/apps/${(await createApp(f.store.db, { name: 'To delete' })).id}` }),
  },
  { route: 'GET /api/v1/apps/:id/entitlements', allowed: ADMINS, ok: 200, request: (f) => ({ method: 'GET', url: `/api/v1/apps/${f.scimApp.id}/entitlements` }) },
  {
    route: 'POST /api/v1/apps/:id/manage',
    allowed: APP_WRITERS,
    ok: 200,
    request: (f) => ({ method: 'POST', url: `/api/v1/apps/${f.scimApp.id}/manage`, payload: { entitlement_ids: ['role:2:member'] } }),
  },
  {
    route: 'GET /api/v1/integrations/:id/resources',
    allowed: ADMINS,
    ok: 200,
    request: (f) => ({ method: 'GET', url: `/api/v1/integrations/${f.integration.id}/resources` }),
  },
  {
    route: 'GET /api/v1/integrations/:id/resources/:resourceId',
    allowed: ADMINS,
    ok: 200,
    request: (f) => ({ method: 'GET', url: `/api/v1/integrations/${f.integration.id}/resources/app:1` }),
  },
  {
    route: 'GET /api/v1/integrations/:id/entitlements',
    allowed: ADMINS,
    ok: 200,
    request: (f) => ({ method: 'GET', url: `/api/v1/integrations/${f.integration.id}/entitlements` }),
  },
  {
    route: 'GET /api/v1/integrations/:id/entitlements/:entitlementId',
    allowed: ADMINS,
    ok: 200,
    request: (f) => ({ method: 'GET', url: `/api/v1/integrations/${f.integration.id}/entitlements/role:2:member` }),
  },
  {
    route: 'PATCH /api/v1/integrations/:id/entitlements/:entitlementId',
    allowed: APP_WRITERS,
    ok: 200,
    request: (f) => ({ method: 'PATCH', url: `/api/v1/integrations/${f.integration.id}/entitlements/role:2:member`, payload: { requestable: true, risk_level: 'high' } }),
  },
  { route: 'GET /api/v1/grants', allowed: ADMINS, ok: 200, request: (f) => ({ method: 'GET', url: `/api/v1/grants?integration_id=${f.integration.id}` }) },
  { route: 'GET /api/v1/grants/by-app', allowed: ADMINS, ok: 200, request: (f) => ({ method: 'GET', url: `/api/v1/grants/by-app?integration_id=${f.integration.id}` }) },
  { route: 'GET /api/v1/grants/export', allowed: ADMINS, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/grants/export?format=csv' }) },
  // --- issue 8: time-bound grants and manual tasks (routes/jit.ts) ---
  { route: 'GET /api/v1/grants/timebound', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/grants/timebound' }) },
  {
    route: 'POST /api/v1/grants/timebound/:id/revoke',
    allowed: ['super-admin', 'access-request-admin'],
    ok: 202,
    request: async (f) => ({
      method: 'POST',
      url: `/api/v1/grants/timebound/${await activeTimeboundGrant(f.store, { integration_id: f.integration.id, entitlement_id: 'role:2:member', principal_id: `user:${++jitSerial}` })}/revoke`,
    }),
  },
  { route: 'GET /api/v1/manual-tasks', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/manual-tasks' }) },
  {
    // Each caller completes a task assigned to them.
    route: 'POST /api/v1/manual-tasks/:id/complete',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => {
      const grant = { integration_id: f.integration.id, entitlement_id: 'role:2:member', principal_id: `user:${++jitSerial}` }
      const { taskId } = await openManualTask(f.store, grant, [userOf(f, caller).user.id])
      return { method: 'POST', url: `/api/v1/manual-tasks/${taskId}/complete`, payload: { note: 'done by hand' } }
    },
  },
  // --- end jit ---
  // --- issue 8: webhooks ---
  {
    route: 'POST /api/v1/webhooks',
    allowed: SUPER,
    ok: 201,
    request: () => ({ method: 'POST', url: '/api/v1/webhooks', payload: { url: 'https://hooks.example.com/warden', event_types: ['request.*'] } }),
  },
  { route: 'GET /api/v1/webhooks', allowed: SUPER_AND_READ_ONLY, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/webhooks' }) },
  { route: 'GET /api/v1/webhooks/:id', allowed: SUPER_AND_READ_ONLY, ok: 200, request: async (f) => ({ method: 'GET', url: `/api/v1/webhooks/${await aWebhook(f)}` }) },
  {
    route: 'PATCH /api/v1/webhooks/:id',
    allowed: SUPER,
    ok: 200,
    request: async (f) => ({ method: 'PATCH', url: `/api/v1/webhooks/${await aWebhook(f)}`, payload: { enabled: false } }),
  },
  { route: 'DELETE /api/v1/webhooks/:id', allowed: SUPER, ok: 204, request: async (f) => ({ method: 'DELETE', url: `/api/v1/webhooks/${await aWebhook(f)}` }) },
  {
    route: 'GET /api/v1/webhooks/:id/deliveries',
    allowed: SUPER_AND_READ_ONLY,
    ok: 200,
    request: async (f) => ({ method: 'GET', url: `/api/v1/webhooks/${await aWebhook(f)}/deliveries` }),
  },
  { route: 'POST /api/v1/webhooks/:id/test', allowed: SUPER, ok: 202, request: async (f) => ({ method: 'POST', url: `/api/v1/webhooks/${await aWebhook(f)}/test` }) },
  // --- end webhooks ---
  // --- issue 8: SoD rules and drift (routes/sod.ts, routes/drift.ts) ---
  { route: 'GET /api/v1/sod-rules', allowed: SOD_READERS, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/sod-rules' }) },
  {
    route: 'POST /api/v1/sod-rules',
    allowed: SOD_WRITERS,
    ok: 201,
    request: (f) => ({
      method: 'POST',
      url: '/api/v1/sod-rules',
      payload: { name: `Rule ${uniqueEmail()}`, set_a: [{ integration_id: f.integration.id, entitlement_id: 'app:1:access' }], set_b: [{ integration_id: f.integration.id, entitlement_id: 'role:2:member' }], action: 'block' },
    }),
  },
  {
    route: 'GET /api/v1/sod-rules/:id',
    allowed: SOD_READERS,
    ok: 200,
    request: async (f) => ({ method: 'GET', url: `/api/v1/sod-rules/${await anSodRule(f.store, f.integration.id, 'app:1:access', 'role:2:member')}` }),
  },
  {
    route: 'PATCH /api/v1/sod-rules/:id',
    allowed: SOD_WRITERS,
    ok: 200,
    request: async (f) => ({ method: 'PATCH', url: `/api/v1/sod-rules/${await anSodRule(f.store, f.integration.id, 'app:1:access', 'role:2:member')}`, payload: { enabled: false } }),
  },
  {
    route: 'DELETE /api/v1/sod-rules/:id',
    allowed: SOD_WRITERS,
    ok: 204,
    request: async (f) => ({ method: 'DELETE', url: `/api/v1/sod-rules/${await anSodRule(f.store, f.integration.id, 'app:1:access', 'role:2:member')}` }),
  },
  {
    route: 'GET /api/v1/sod-rules/:id/violations',
    allowed: SOD_READERS,
    ok: 200,
    request: async (f) => ({ method: 'GET', url: `/api/v1/sod-rules/${await anSodRule(f.store, f.integration.id, 'app:1:access', 'role:2:member')}/violations` }),
  },
  // Everyone may ask; those who see no apps get the findings of apps they own (none here).
  { route: 'GET /api/v1/drift', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/drift' }) },
  {
    route: 'GET /api/v1/drift/:id',
    allowed: ADMINS,
    ok: 200,
    request: async (f) => ({ method: 'GET', url: `/api/v1/drift/${await aDriftFinding(f.store, { integration_id: f.integration.id, entitlement_id: 'role:2:member', app_id: f.scimApp.id })}` }),
  },
  {
    // The SCIM app has no owners: only App Administrators (and Super Administrators) decide.
    route: 'POST /api/v1/drift/:id/keep',
    allowed: APP_WRITERS,
    ok: 200,
    request: async (f) => ({
      method: 'POST',
      url: `/api/v1/drift/${await aDriftFinding(f.store, { integration_id: f.integration.id, entitlement_id: 'role:2:member', app_id: f.scimApp.id })}/keep`,
      payload: { reason: 'needed' },
    }),
  },
  {
    route: 'POST /api/v1/drift/:id/revoke',
    allowed: APP_WRITERS,
    ok: 200,
    request: async (f) => ({
      method: 'POST',
      url: `/api/v1/drift/${await aDriftFinding(f.store, { integration_id: f.integration.id, entitlement_id: 'role:2:member', app_id: f.scimApp.id })}/revoke`,
    }),
  },
  { route: 'GET /api/v1/apps/:id/drift-setting', allowed: ADMINS, ok: 200, request: (f) => ({ method: 'GET', url: `/api/v1/apps/${f.scimApp.id}/drift-setting` }) },
  {
    route: 'PUT /api/v1/apps/:id/drift-setting',
    allowed: APP_WRITERS,
    ok: 200,
    request: (f) => ({ method: 'PUT', url: `/api/v1/apps/${f.scimApp.id}/drift-setting`, payload: { action: 'report' } }),
  },
  // --- end SoD rules and drift ---
  // --- issue 8: access requests (routes/requests.ts); each caller acts on their own request or task ---
  { route: 'GET /api/v1/catalog', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/catalog' }) },
  {
    route: 'POST /api/v1/requests',
    allowed: 'signed-in',
    ok: 201,
    request: async (f, caller) => {
      const { entitlementId } = await freshRequestable(f.store, f.integration.id, userOf(f, caller).user)
      return { method: 'POST', url: '/api/v1/requests', payload: { integration_id: f.integration.id, entitlement_id: entitlementId, reason: 'work' } }
    },
  },
  {
    route: 'POST /api/v1/requests/drop',
    allowed: 'signed-in',
    ok: 201,
    request: async (f, caller) => ({
      method: 'POST',
      url: '/api/v1/requests/drop',
      payload: { integration_id: f.integration.id, entitlement_id: await heldBy(f.store, f.integration.id, userOf(f, caller).user), reason: 'done with it' },
    }),
  },
  {
    route: 'POST /api/v1/requests/:id/extend',
    allowed: 'signed-in',
    ok: 201,
    request: async (f, caller) => ({
      method: 'POST',
      url: `/api/v1/requests/${caller === 'anonymous' ? newId('req') : await timeboundRequestOf(f.store, f.integration.id, userOf(f, caller).user)}/extend`,
      payload: { duration_minutes: 60, reason: 'more time' },
    }),
  },
  { route: 'GET /api/v1/requests', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/requests' }) },
  {
    route: 'GET /api/v1/requests/:id',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({ method: 'GET', url: `/api/v1/requests/${caller === 'anonymous' ? newId('req') : await pendingRequestOf(f.store, f.integration.id, userOf(f, caller).user)}` }),
  },
  {
    route: 'POST /api/v1/requests/:id/cancel',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({
      method: 'POST',
      url: `/api/v1/requests/${caller === 'anonymous' ? newId('req') : await pendingRequestOf(f.store, f.integration.id, userOf(f, caller).user)}/cancel`,
    }),
  },
  { route: 'GET /api/v1/tasks', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/tasks' }) },
  {
    route: 'GET /api/v1/tasks/:id',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({ method: 'GET', url: `/api/v1/tasks/${caller === 'anonymous' ? newId('tsk') : await taskFor(f.store, f.integration.id, userOf(f, caller).user)}` }),
  },
  {
    route: 'POST /api/v1/tasks/:id/approve',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({ method: 'POST', url: `/api/v1/tasks/${caller === 'anonymous' ? newId('tsk') : await taskFor(f.store, f.integration.id, userOf(f, caller).user)}/approve` }),
  },
  {
    route: 'POST /api/v1/tasks/:id/deny',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({
      method: 'POST',
      url: `/api/v1/tasks/${caller === 'anonymous' ? newId('tsk') : await taskFor(f.store, f.integration.id, userOf(f, caller).user)}/deny`,
      payload: { reason: 'not needed' },
    }),
  },
  {
    route: 'POST /api/v1/tasks/:id/reassign',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({
      method: 'POST',
      url: `/api/v1/tasks/${caller === 'anonymous' ? newId('tsk') : await taskFor(f.store, f.integration.id, userOf(f, caller).user)}/reassign`,
      payload: { user_id: (await delegate(f.store)).id },
    }),
  },
  { route: 'GET /api/v1/policies', allowed: SOD_READERS, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/policies' }) },
  {
    route: 'POST /api/v1/policies',
    allowed: SOD_WRITERS,
    ok: 201,
    request: () => ({ method: 'POST', url: '/api/v1/policies', payload: { name: `Policy ${uniqueEmail()}`, kind: 'grant', steps: [{ approvers: [{ type: 'manager' }] }] } }),
  },
  { route: 'GET /api/v1/policies/:id', allowed: SOD_READERS, ok: 200, request: async (f) => ({ method: 'GET', url: `/api/v1/policies/${await policyRow(f.store)}` }) },
  {
    route: 'PATCH /api/v1/policies/:id',
    allowed: SOD_WRITERS,
    ok: 200,
    request: async (f) => ({ method: 'PATCH', url: `/api/v1/policies/${await policyRow(f.store)}`, payload: { description: 'Changed' } }),
  },
  { route: 'DELETE /api/v1/policies/:id', allowed: SOD_WRITERS, ok: 204, request: async (f) => ({ method: 'DELETE', url: `/api/v1/policies/${await policyRow(f.store)}` }) },
  { route: 'GET /api/v1/apps/:id/request-settings', allowed: SOD_READERS, ok: 200, request: (f) => ({ method: 'GET', url: `/api/v1/apps/${f.scimApp.id}/request-settings` }) },
  {
    route: 'PATCH /api/v1/apps/:id/request-settings',
    allowed: SOD_WRITERS,
    ok: 200,
    request: (f) => ({ method: 'PATCH', url: `/api/v1/apps/${f.scimApp.id}/request-settings`, payload: { max_duration_minutes: 240 } }),
  },
  {
    route: 'GET /api/v1/integrations/:id/entitlements/:entitlementId/request-settings',
    allowed: SOD_READERS,
    ok: 200,
    request: (f) => ({ method: 'GET', url: `/api/v1/integrations/${f.integration.id}/entitlements/role:2:member/request-settings` }),
  },
  {
    route: 'PATCH /api/v1/integrations/:id/entitlements/:entitlementId/request-settings',
    allowed: SOD_WRITERS,
    ok: 200,
    request: (f) => ({ method: 'PATCH', url: `/api/v1/integrations/${f.integration.id}/entitlements/role:2:member/request-settings`, payload: { audience: 'everyone' } }),
  },
  // --- end access requests ---
  // --- issue 9: access reviews (routes/campaigns.ts); campaigns are owned by the fixture's Campaign Administrator ---
  { route: 'GET /api/v1/campaigns', allowed: CAMPAIGN_READERS, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/campaigns' }) },
  { route: 'POST /api/v1/campaigns', allowed: CAMPAIGN_WRITERS, ok: 201, request: (f) => ({ method: 'POST', url: '/api/v1/campaigns', payload: newCampaignBody(f) }) },
  { route: 'GET /api/v1/campaigns/:id', allowed: CAMPAIGN_READERS, ok: 200, request: async (f) => ({ method: 'GET', url: `/api/v1/campaigns/${await aCampaign(f, 'draft')}` }) },
  {
    route: 'PATCH /api/v1/campaigns/:id',
    allowed: CAMPAIGN_WRITERS,
    ok: 200,
    request: async (f) => ({ method: 'PATCH', url: `/api/v1/campaigns/${await aCampaign(f, 'draft')}`, payload: { description: 'Quarterly' } }),
  },
  { route: 'DELETE /api/v1/campaigns/:id', allowed: CAMPAIGN_WRITERS, ok: 204, request: async (f) => ({ method: 'DELETE', url: `/api/v1/campaigns/${await aCampaign(f, 'draft')}` }) },
  {
    route: 'POST /api/v1/campaigns/:id/duplicate',
    allowed: CAMPAIGN_WRITERS,
    ok: 201,
    request: async (f) => ({ method: 'POST', url: `/api/v1/campaigns/${await aCampaign(f, 'active')}/duplicate`, payload: { due_at: new Date(Date.now() + 14 * DAY_MS).toISOString() } }),
  },
  { route: 'POST /api/v1/campaigns/:id/preview', allowed: CAMPAIGN_WRITERS, ok: 200, request: async (f) => ({ method: 'POST', url: `/api/v1/campaigns/${await aCampaign(f, 'draft')}/preview` }) },
  { route: 'POST /api/v1/campaigns/:id/stage', allowed: CAMPAIGN_WRITERS, ok: 200, request: async (f) => ({ method: 'POST', url: `/api/v1/campaigns/${await aCampaign(f, 'draft')}/stage` }) },
  { route: 'POST /api/v1/campaigns/:id/start', allowed: CAMPAIGN_WRITERS, ok: 200, request: async (f) => ({ method: 'POST', url: `/api/v1/campaigns/${await aCampaign(f, 'staged')}/start` }) },
  { route: 'POST /api/v1/campaigns/:id/close', allowed: CAMPAIGN_WRITERS, ok: 200, request: async (f) => ({ method: 'POST', url: `/api/v1/campaigns/${await aCampaign(f, 'active')}/close` }) },
  { route: 'POST /api/v1/campaigns/:id/remind', allowed: CAMPAIGN_WRITERS, ok: 200, request: async (f) => ({ method: 'POST', url: `/api/v1/campaigns/${await aCampaign(f, 'active')}/remind` }) },
  { route: 'GET /api/v1/campaigns/:id/progress', allowed: CAMPAIGN_READERS, ok: 200, request: async (f) => ({ method: 'GET', url: `/api/v1/campaigns/${await aCampaign(f, 'active')}/progress` }) },
  // The review routes: any signed-in user, for items they review (each caller reviews the fresh campaign's item 1).
  {
    route: 'GET /api/v1/campaigns/:id/items',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({ method: 'GET', url: `/api/v1/campaigns/${await aCampaign(f, 'active', userOf(f, caller))}/items` }),
  },
  {
    route: 'GET /api/v1/campaigns/:id/items/:no',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({ method: 'GET', url: `/api/v1/campaigns/${await aCampaign(f, 'active', userOf(f, caller))}/items/1` }),
  },
  {
    route: 'POST /api/v1/campaigns/:id/items/:no/comments',
    allowed: 'signed-in',
    ok: 201,
    request: async (f, caller) => ({ method: 'POST', url: `/api/v1/campaigns/${await aCampaign(f, 'active', userOf(f, caller))}/items/1/comments`, payload: { body: 'Still needed?' } }),
  },
  {
    route: 'POST /api/v1/campaigns/:id/decisions/preview',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({ method: 'POST', url: `/api/v1/campaigns/${await aCampaign(f, 'active', userOf(f, caller))}/decisions/preview`, payload: { item_nos: [1], decision: 'revoke' } }),
  },
  {
    route: 'POST /api/v1/campaigns/:id/decisions',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({ method: 'POST', url: `/api/v1/campaigns/${await aCampaign(f, 'active', userOf(f, caller))}/decisions`, payload: { item_nos: [1], decision: 'certify' } }),
  },
  {
    route: 'POST /api/v1/campaigns/:id/reassign',
    allowed: 'signed-in',
    ok: 200,
    request: async (f, caller) => ({
      method: 'POST',
      url: `/api/v1/campaigns/${await aCampaign(f, 'active', userOf(f, caller))}/reassign`,
      payload: { item_nos: [1], user_id: (await delegate(f.store)).id },
    }),
  },
  { route: 'GET /api/v1/campaigns/:id/export.csv', allowed: CAMPAIGN_READERS, ok: 200, request: async (f) => ({ method: 'GET', url: `/api/v1/campaigns/${await aCampaign(f, 'staged')}/export.csv` }) },
  { route: 'GET /api/v1/campaigns/:id/evidence', allowed: CAMPAIGN_READERS, ok: 200, request: async (f) => ({ method: 'GET', url: `/api/v1/campaigns/${await aCampaign(f, 'staged')}/evidence` }) },
  {
    // A bundle Warden never made: checked all the same (ok false, 200).
    route: 'POST /api/v1/evidence/verify',
    allowed: CAMPAIGN_READERS,
    ok: 200,
    request: () => ({
      method: 'POST',
      url: '/api/v1/evidence/verify',
      headers: { 'content-type': 'application/gzip' },
      payload: buildEvidenceBundle({ subject: { campaign_id: 'none' }, files: [{ name: 'items.csv', content: 'a\n' }], generatedAt: new Date() }).bundle,
    }),
  },
  { route: 'GET /api/v1/reviews', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/reviews' }) },
  { route: 'GET /api/v1/reviews/summary', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/reviews/summary' }) },
  { route: 'GET /api/v1/reviewer-candidates', allowed: 'signed-in', ok: 200, request: () => ({ method: 'GET', url: '/api/v1/reviewer-candidates?q=example' }) },
  { route: 'GET /api/v1/campaign-templates', allowed: CAMPAIGN_READERS, ok: 200, request: () => ({ method: 'GET', url: '/api/v1/campaign-templates' }) },
  {
    route: 'POST /api/v1/campaign-templates',
    allowed: CAMPAIGN_WRITERS,
    ok: 201,
    request: (f) => {
      const { due_at: _due, ...campaign } = newCampaignBody(f)
      return { method: 'POST', url: '/api/v1/campaign-templates', payload: { name: `Quarterly ${uniqueEmail()}`, campaign, every_count: 3, every_unit: 'month', duration_days: 14 } }
    },
  },
  {
    route: 'PATCH /api/v1/campaign-templates/:id',
    allowed: CAMPAIGN_WRITERS,
    ok: 200,
    request: async (f) => ({ method: 'PATCH', url: `/api/v1/campaign-templates/${await aTemplate(f)}`, payload: { enabled: false } }),
  },
  { route: 'DELETE /api/v1/campaign-templates/:id', allowed: CAMPAIGN_WRITERS, ok: 204, request: async (f) => ({ method: 'DELETE', url: `/api/v1/campaign-templates/${await aTemplate(f)}` }) },
  // --- end access reviews ---
]

const DAY_MS = 24 * 60 * 60 * 1000 // issue 9

/** A new campaign's body (issue 9): the fixture's role 2 members, reviewed by their managers, due in a week. */
function newCampaignBody(f: Fixture) {
  return {
    name: `Review ${uniqueEmail()}`,
    scope: { entitlements: [{ integration_id: f.integration.id, entitlement_id: 'role:2:member' }] },
    reviewers: { type: 'manager' as const },
    due_at: new Date(Date.now() + 7 * DAY_MS).toISOString(),
  }
}

/**
 * A campaign owned by the fixture's Campaign Administrator, made through the store (no audit
 * entry; issue 9). A staged or active one has item 1 (role 2 of a fresh OneLogin user), reviewed
 * by `reviewer` (default: the owner).
 */
async function aCampaign(f: Fixture, state: CampaignState, reviewer: Person = f.people['campaign-admin']): Promise<string> {
  const at = isoTime(new Date())
  const id = newId('cmp')
  const owner = f.people['campaign-admin'].user.id
  const config = {
    scope: { app_ids: [], entitlements: [{ integration_id: f.integration.id, entitlement_id: 'role:2:member' }], resource_types: [], identity_ids: [], integration_ids: [] },
    filters: { not_used_days: null, added_since: null, duration: 'any', assignment: 'any' },
    reviewers: { type: 'users', user_ids: [owner], fallback_user_ids: [], allow_self_review: false },
    require_revoke_reason: true,
    inactive_days: 90,
  }
  const staged = state !== 'draft'
  await insertCampaign(f.store.db, {
    id,
    name: `Review ${id}`,
    description: '',
    state,
    config: JSON.stringify(config),
    due_at: isoTime(new Date(Date.now() + 7 * DAY_MS)),
    close_action: 'leave',
    auto_close: 0,
    owner_id: owner,
    template_id: null,
    warnings: '[]',
    items_total: staged ? 1 : 0,
    staged_at: staged ? at : null,
    started_at: state === 'active' || state === 'closed' ? at : null,
    closed_at: null,
    closed_by: null,
    created_at: at,
    updated_at: at,
  })
  if (staged) {
    await f.store.db
      .insertInto('campaign_items')
      .values({
        campaign_id: id,
        item_no: 1,
        integration_id: f.integration.id,
        entitlement_id: 'role:2:member',
        entitlement_name: 'Finance member',
        resource_type: 'role',
        resource_name: 'Finance',
        app_id: null,
        principal_id: `user:${++jitSerial}`,
        principal_name: `Holder ${jitSerial}`,
        principal_email: null,
        principal_status: 'active',
        identity_id: null,
        manager_id: null,
        last_login: null,
        direct: 1,
        sources: '[]',
        first_seen_at: at,
        expires_at: null,
        suggestion: null,
        decision: null,
        reason: null,
        decided_by: null,
        decided_at: null,
        revoke_order_id: null,
        close_outcome: null,
      })
      .execute()
    await f.store.db.insertInto('campaign_item_reviewers').values({ campaign_id: id, item_no: 1, user_id: reviewer.user.id }).execute()
  }
  return id
}

/** A quarterly template owned by the fixture's Campaign Administrator, made through the store (issue 9). */
async function aTemplate(f: Fixture): Promise<string> {
  const at = isoTime(new Date())
  const id = newId('ctp')
  const { due_at: _due, ...campaign } = newCampaignBody(f)
  await insertTemplate(f.store.db, {
    id,
    name: `Quarterly ${id}`,
    config: JSON.stringify(campaign),
    every_count: 3,
    every_unit: 'month',
    duration_days: 14,
    auto_start: 0,
    enabled: 1,
    next_run_at: isoTime(new Date(Date.now() + 30 * DAY_MS)),
    last_campaign_id: null,
    owner_id: f.people['campaign-admin'].user.id,
    created_at: at,
    updated_at: at,
  })
  return id
}

/** A fresh webhook (issue 8), made through the store with a stand-in sealed secret. */
async function aWebhook(f: Fixture): Promise<string> {
  const hook = await createWebhook(f.store.db, {
    id: newId('whk'),
    url: 'https://hooks.example.com/warden',
    event_types: ['*'],
    secret: 'v1:sealed',
    created_by: f.people['super-admin'].user.id,
  })
  return hook.id
}

/** A fresh integration owned by the fixture's Integration Administrator. */
async function ownedIntegration(f: Fixture, mode: Integration['mode']): Promise<Integration> {
  const app = await createApp(f.store.db, { name: `OneLogin ${uniqueEmail()}` })
  const integration = await createIntegration(f.store.db, { app_id: app.id, mode, created_by: f.people['super-admin'].user.id, onelogin_domain: 'acme' })
  await setIntegrationOwners(f.store.db, integration.id, [f.people['integration-admin'].user.id])
  return integration
}

/** The fixture integration: connected (as after a sync), with one run and a little inventory: role 2 carries the SCIM app 1. */
async function connectedIntegration(f: Fixture): Promise<void> {
  const owned = await ownedIntegration(f, 'hosted')
  f.integration = await updateIntegration(f.store.db, owned.id, { client_id: 'id', client_secret: 'v1:sealed', status: 'connected' })
  f.run = await createSyncRun(f.store.db, { integration_id: owned.id, triggered_by: 'manual', mode: 'full' })
  const integration_id = owned.id
  await f.store.db
    .insertInto('resources')
    .values([
      { integration_id, id: 'app:1', type: 'app', display_name: 'Payroll', traits: '{"provisioning_enabled":true}', email: null, status: null, identity_id: null },
      { integration_id, id: 'role:2', type: 'role', display_name: 'Finance', traits: '{}', email: null, status: null, identity_id: null },
    ])
    .execute()
  await f.store.db
    .insertInto('entitlements')
    .values([
      { integration_id, id: 'app:1:access', resource_id: 'app:1', slug: 'access', display_name: 'Payroll access', grantable_to: '["user"]' },
      { integration_id, id: 'role:2:member', resource_id: 'role:2', slug: 'member', display_name: 'Finance member', grantable_to: '["user"]' },
    ])
    .execute()
  await f.store.db.insertInto('implications').values({ integration_id, from_entitlement: 'role:2:member', to_entitlement: 'app:1:access' }).execute()
  f.scimApp = await createApp(f.store.db, { name: 'Payroll', state: 'unmanaged', source_integration_id: integration_id, source_resource_id: 'app:1' })
  f.selfHosted = await ownedIntegration(f, 'self-hosted')
}

function expected(row: Row, caller: Principal): number {
  if (row.allowed === 'public') return row.ok
  if (row.allowed === 'upload-token') return 401
  if (caller === 'anonymous') return 401
  if (row.allowed === 'signed-in') return row.ok
  return caller !== 'no-role' && row.allowed.includes(caller) ? row.ok : 403
}

forEachDialect((dialect, available) => {
  describe.skipIf(!available)(`route permissions [${dialect}]`, () => {
    let database: TestDatabase
    let app: App
    const fixture = {} as Fixture

    beforeAll(async () => {
      database = await createTestDatabase(dialect, `permissions ${dialect}`)
      fixture.store = await database.open()
      const entries = await Promise.all(
        (['no-role', ...WARDEN_ROLES] as const).map(async (p) => [p, await person(fixture.store, p === 'no-role' ? [] : [p])] as const),
      )
      fixture.people = Object.fromEntries(entries) as Fixture['people']
      // The login and password rows check each caller's password: one scrypt hash of PASSWORD, shared.
      const ids = entries.map(([, p]) => p.user.id)
      await fixture.store.db.updateTable('users').set({ password_hash: await hashPassword(PASSWORD) }).where('id', 'in', ids).execute()
      fixture.identity = await createIdentity(fixture.store.db, { email: uniqueEmail('identity'), display_name: 'Ida Entity' })
      await connectedIntegration(fixture)
      app = await buildServer({ store: fixture.store, loginRateLimit: { perEmail: 1000, perIp: 1000 } })
    })

    afterAll(async () => {
      await app?.close()
      await fixture.store?.close()
      await database?.drop()
    })

    it('has a row for every API route, and every row names a registered route', () => {
      const registered = app.wardenRoutes.filter((r) => r.url.startsWith('/api/') || r.url === '/').map((r) => `${r.method} ${r.url}`)
      expect(TABLE.map((r) => r.route).sort()).toEqual([...registered].sort())
    })

    for (const row of TABLE) {
      const who = typeof row.allowed === 'string' ? { public: 'anyone', 'signed-in': 'any signed-in user', 'upload-token': 'an upload token only' }[row.allowed] : row.allowed.join(', ')
      it(`${row.route}: ${who}`, async () => {
        const actual: Record<string, number> = {}
        const want: Record<string, number> = {}
        const call = async (caller: Principal) => {
          const options = await row.request(fixture, caller)
          const headers = { ...(options.headers ?? {}), ...(caller === 'anonymous' ? {} : userOf(fixture, caller).bearer) }
          return app.inject({ ...options, headers })
        }
        for (const caller of PRINCIPALS) want[caller] = expected(row, caller)
        // Refusals one at a time, each checked to change nothing (no audit entry) ...
        for (const caller of PRINCIPALS.filter((c) => want[c] === 401 || want[c] === 403)) {
          const before = await auditCount(fixture.store)
          const res = await call(caller)
          actual[caller] = res.statusCode
          expect(res.json()).toEqual({ error: { code: res.statusCode === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', message: expect.any(String) } })
          expect(await auditCount(fixture.store)).toBe(before)
        }
        // ... then the permitted callers at once (sign-in and password rows spend scrypt time).
        const permitted = PRINCIPALS.filter((c) => want[c] !== 401 && want[c] !== 403)
        const responses = await Promise.all(permitted.map(call))
        permitted.forEach((caller, i) => {
          actual[caller] = responses[i]!.statusCode
        })
        expect(actual).toEqual(want)
      })
    }

    it('a 403 names the roles that would be allowed', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/users', headers: fixture.people['app-admin'].bearer })
      expect(res.statusCode).toBe(403)
      expect(res.json().error.message).toContain('Super Administrator or Read-only Administrator')
    })
  })
})
