import type { Kysely } from 'kysely'
import { WardenError, isWardenError } from '../errors/index.js'
import { OneLoginClient } from '../onelogin/index.js'
import type { RetryPolicy } from '../onelogin/index.js'
import {
  addMs,
  createApp,
  createIntegration,
  deleteIntegration as deleteIntegrationRow,
  getApp,
  getIntegration,
  getUser,
  appNames,
  listIntegrationOwners,
  listIntegrations,
  listUsers,
  ownersOfIntegrations,
  setIntegrationOwners,
  updateIntegration,
  userSummaries,
} from '../store/index.js'
import type { App, Database, Integration, IntegrationFilter, IntegrationPatch, Page, PageRequest, Store, User, UserSummary } from '../store/index.js'
import { audited } from './audited.js'
import type { AuditRecord } from './audited.js'
import type { IntegrationEnv } from './integration-env.js'
import { oneLoginBaseUrl } from './integration-env.js'
import { enqueueIntegrationSync } from './integration-sync.js'
import { enqueueEmail } from './notifications.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * OneLogin integrations (connectors), the setup flow of reference/platform.md §1.3: a Super
 * Administrator adds one to an existing or a new app and names its owners (Integration or Super
 * Administrators, emailed when someone else added them); it is "not connected" until its settings
 * are saved; a save is checked against OneLogin first (a token, then a Manage-All-only call) and
 * only a good one is stored, with the secret sealed, the status "syncing" and a first sync queued.
 *
 * Field names follow ConductorOne's Terraform resource (`onelogin_domain`,
 * `oauth_client_cred_grant_client_id`, `oauth_client_cred_grant_client_secret`, `user_ids`), so a
 * provider maps one to one. The client secret is write-only: no view, message, audit entry or job
 * payload carries it or its ciphertext.
 */

/** An integration as the API shows it: never the secret nor the upload token's hash. */
export interface IntegrationView {
  id: string
  app_id: string
  mode: Integration['mode']
  status: Integration['status']
  onelogin_domain: string | null
  oauth_client_cred_grant_client_id: string | null
  /** Whether a client secret is stored (it is never shown). */
  client_secret_set: boolean
  /** The owners' Warden user ids. */
  user_ids: string[]
  sync_privileges: boolean
  sync_interval_minutes: number
  full_sync_interval_hours: number
  paused: boolean
  next_sync_at: string | null
  last_sync_at: string | null
  last_full_sync_at: string | null
  last_error: string | null
  created_at: string
  updated_at: string
}

export function toIntegrationView(row: Integration, ownerIds: readonly string[]): IntegrationView {
  return {
    id: row.id,
    app_id: row.app_id,
    mode: row.mode,
    status: row.status,
    onelogin_domain: row.onelogin_domain,
    oauth_client_cred_grant_client_id: row.client_id,
    client_secret_set: row.client_secret !== null,
    user_ids: [...ownerIds],
    sync_privileges: row.sync_privileges === 1,
    sync_interval_minutes: row.sync_interval_minutes,
    full_sync_interval_hours: row.full_sync_interval_hours,
    paused: row.paused === 1,
    next_sync_at: row.next_sync_at,
    last_sync_at: row.last_sync_at,
    last_full_sync_at: row.last_full_sync_at,
    last_error: row.last_error,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

/** The settings an integration's owners edit (Terraform attribute names). */
export interface IntegrationSettings {
  /** `acme`, `acme.onelogin.com`, `https://acme.onelogin.com` (or the emulator's URL when allowed). */
  onelogin_domain?: string
  oauth_client_cred_grant_client_id?: string
  /** Write-only; omit to keep the stored one. */
  oauth_client_cred_grant_client_secret?: string
  sync_privileges?: boolean
  /** Minutes between scheduled syncs: 5 to 10080 (a week). Default 60. */
  sync_interval_minutes?: number
  /** Hours between full syncs (the others are incremental): 1 to 720. Default 24. */
  full_sync_interval_hours?: number
}

export interface NewOneLoginIntegration extends IntegrationSettings {
  /** Attach to this existing app ... */
  app_id?: string
  /** ... or create a new managed app with this name (exactly one of the two). */
  app_name?: string
  /** Owners; default the creator. Each must be an Integration or Super Administrator. */
  user_ids?: readonly string[]
  /** Default hosted. */
  mode?: Integration['mode']
}

export interface IntegrationClock {
  now?: Date
}

export const SYNC_INTERVAL_MINUTES_MAX = 7 * 24 * 60
export const FULL_SYNC_INTERVAL_HOURS_MAX = 30 * 24
export const INTEGRATION_OWNERS_MAX = 50

const F_DOMAIN = 'onelogin_domain'
const F_ID = 'oauth_client_cred_grant_client_id'
const F_SECRET = 'oauth_client_cred_grant_client_secret'

const OWNER_ROLES = ['integration-admin', 'super-admin']

// ---- who may do what ------------------------------------------------------------------------

function isSuperAdmin(actor: Actor): boolean {
  return actor.roles.includes('super-admin')
}

/**
 * Whether the actor may change this integration (settings, owners, sync now, pause, resume, upload
 * token): any Super Administrator, or an owner of it who is an Integration Administrator.
 */
export function canManageIntegration(actor: Actor, integration: Pick<Integration, 'id'>, ownerIds: readonly string[]): boolean {
  void integration // the rule depends on the owners only, today
  if (isSuperAdmin(actor)) return true
  return actor.roles.includes('integration-admin') && ownerIds.includes(actor.id)
}

/** The integration, when the actor may change `what` of it (canManageIntegration); NOT_FOUND or FORBIDDEN otherwise. */
export async function manageableIntegration(store: Store, actor: Actor, id: string, what: string): Promise<Integration> {
  authorize(actor, 'integrations:write')
  const integration = await getIntegration(store.db, id)
  if (integration === undefined) throw new WardenError('NOT_FOUND', `no integration ${id}`)
  if (!canManageIntegration(actor, integration, await listIntegrationOwners(store.db, id))) {
    throw new WardenError('FORBIDDEN', `only a Super Administrator, or an owner of this integration who is an Integration Administrator, may change its ${what}`)
  }
  return integration
}

// ---- checking credentials against OneLogin --------------------------------------------------

/** A save waits for OneLogin, so one quick retry and short timeouts, not the sync's patience. */
const CHECK_RETRY: Partial<RetryPolicy> = { maxAttempts: 2, maxElapsedMs: 15_000, baseDelayMs: 200, maxDelayMs: 1_000, attemptTimeoutMs: 10_000 }

export interface OneLoginCredentials {
  domain: string
  clientId: string
  clientSecret: string
}

export interface CredentialCheck {
  baseUrl: string
  /** The OneLogin account the credential belongs to, from the token response (when sent). */
  accountId: number | null
}

const INSUFFICIENT_SCOPE =
  `${F_ID}: the credential works but lacks the Manage All scope that Warden needs; ` +
  'create an API credential with Manage All under Developers > API Credentials'

/**
 * Checks a OneLogin domain, client id and secret the way ConductorOne's connector does: a token,
 * then `GET /api/2/connectors?limit=1`, which only a Manage All credential may call. Throws one
 * clear error naming the field(s) at fault (BAD_INPUT, or ONELOGIN_DOMAIN_REFUSED for a host that
 * is not OneLogin's); OneLogin being down or throttling keeps its own retryable code. No message
 * ever contains the secret.
 */
export async function checkOneLoginCredentials(env: Pick<IntegrationEnv, 'allowOneLoginUrl'>, credentials: OneLoginCredentials): Promise<CredentialCheck> {
  const baseUrl = resolveDomain(env, credentials.domain)
  const client = new OneLoginClient({ baseUrl, clientId: credentials.clientId, clientSecret: credentials.clientSecret, retry: CHECK_RETRY })
  try {
    await client.authenticate()
  } catch (e) {
    throw tokenProblem(e, baseUrl)
  }
  try {
    await client.request({ method: 'GET', path: '/api/2/connectors', query: { limit: 1 } })
  } catch (e) {
    // The token was good, so a refusal here is the scope (v2 says 403; a 401 after a fresh token is the same).
    if (isWardenError(e) && (e.code === 'ONELOGIN_FORBIDDEN' || e.code === 'ONELOGIN_AUTH_FAILED')) throw new WardenError('BAD_INPUT', INSUFFICIENT_SCOPE)
    throw otherProblem(e)
  }
  return { baseUrl, accountId: client.accountId ?? null }
}

function resolveDomain(env: Pick<IntegrationEnv, 'allowOneLoginUrl'>, domain: string): string {
  try {
    return oneLoginBaseUrl(env, domain)
  } catch (e) {
    if (isWardenError(e)) throw new WardenError(e.code, `${F_DOMAIN}: ${e.message}`)
    throw e
  }
}

function tokenProblem(e: unknown, baseUrl: string): unknown {
  if (!isWardenError(e)) return e
  switch (e.code) {
    case 'ONELOGIN_NETWORK': {
      // "POST /auth/... failed after 2 attempt(s): ECONNREFUSED (connect ECONNREFUSED 1.2.3.4:443)": keep the code.
      const detail = e.message.replace(/^.*? attempt\(s\): /, '')
      const reason = /^([A-Z][A-Z_]+) \(/.exec(detail)?.[1] ?? detail
      if (/ENOTFOUND|EAI_AGAIN/.test(reason)) {
        return new WardenError('BAD_INPUT', `${F_DOMAIN}: ${new URL(baseUrl).hostname} does not exist (DNS lookup failed); check the OneLogin domain`)
      }
      return new WardenError('BAD_INPUT', `${F_DOMAIN}: cannot reach OneLogin at ${baseUrl} (${reason}); check the OneLogin domain`)
    }
    case 'ONELOGIN_AUTH_FAILED':
      return new WardenError(
        'BAD_INPUT',
        `${F_ID}, ${F_SECRET}: OneLogin refused the client ID and secret (HTTP ${e.upstreamStatus ?? 401}); ` +
          'check both against the API credential under Developers > API Credentials',
      )
    case 'ONELOGIN_NOT_FOUND':
    case 'ONELOGIN_REJECTED':
    case 'ONELOGIN_BAD_RESPONSE': {
      const what = e.upstreamStatus === undefined ? 'not a OneLogin token response' : `HTTP ${e.upstreamStatus} to the token request`
      return new WardenError('BAD_INPUT', `${F_DOMAIN}: ${baseUrl} does not answer as a OneLogin tenant (${what}); check the OneLogin domain`)
    }
    case 'ONELOGIN_UNAVAILABLE':
      if (e.upstreamStatus === 500) {
        return new WardenError(
          'ONELOGIN_UNAVAILABLE',
          'OneLogin answered 500 to the token request: it does this when the administrator who created the API credential was ' +
            'deleted (create a new credential), or when OneLogin itself is failing (try again later)',
        )
      }
      return otherProblem(e)
    default:
      return otherProblem(e)
  }
}

function otherProblem(e: unknown): unknown {
  if (!isWardenError(e)) return e
  return new WardenError(e.code, `could not check the OneLogin settings: ${e.message}`, {
    ...(e.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: e.retryAfterSeconds }),
  })
}

// ---- settings: check, then apply ------------------------------------------------------------

/** Settings checked and ready to store; `secret` is plaintext until applySettings seals it. */
interface CheckedSettings {
  patch: Omit<IntegrationPatch, 'client_secret'>
  secret: string | undefined
  /** Credentials were checked against OneLogin: connect (status syncing, first sync queued). */
  connect: boolean
  /** The stored credentials the check was made against, to detect a concurrent change. */
  basis: Pick<Integration, 'onelogin_domain' | 'client_id' | 'client_secret'>
}

function text(value: string | undefined, field: string, max: number): string | undefined {
  if (value === undefined) return undefined
  const t = value.trim()
  if (t === '') throw new WardenError('BAD_INPUT', `${field} must not be empty`)
  if (t.length > max) throw new WardenError('BAD_INPUT', `${field} must be at most ${max} characters`)
  return t
}

function bounded(value: number | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < min || value > max) throw new WardenError('BAD_INPUT', `${field} must be a whole number from ${min} to ${max}, got ${value}`)
  return value
}

type Current = Pick<Integration, 'mode' | 'status' | 'onelogin_domain' | 'client_id' | 'client_secret' | 'sync_interval_minutes' | 'last_sync_at'>

/**
 * Validates settings against what is stored and, when a hosted integration's credentials change,
 * against OneLogin. Changes nothing: the caller applies the result in its transaction.
 */
async function checkSettings(
  env: IntegrationEnv,
  current: Current,
  storedSecret: () => string | undefined,
  s: IntegrationSettings,
  now: Date,
): Promise<CheckedSettings> {
  const domain = text(s.onelogin_domain, F_DOMAIN, 500)
  const clientId = text(s.oauth_client_cred_grant_client_id, F_ID, 500)
  const secret = text(s.oauth_client_cred_grant_client_secret, F_SECRET, 1000)
  const interval = bounded(s.sync_interval_minutes, 'sync_interval_minutes', 5, SYNC_INTERVAL_MINUTES_MAX)
  const fullHours = bounded(s.full_sync_interval_hours, 'full_sync_interval_hours', 1, FULL_SYNC_INTERVAL_HOURS_MAX)
  const patch: Omit<IntegrationPatch, 'client_secret'> = {}
  if (s.sync_privileges !== undefined) patch.sync_privileges = s.sync_privileges
  if (interval !== undefined) patch.sync_interval_minutes = interval
  if (fullHours !== undefined) patch.full_sync_interval_hours = fullHours
  const basis = { onelogin_domain: current.onelogin_domain, client_id: current.client_id, client_secret: current.client_secret }

  if (current.mode === 'self-hosted') {
    const given = [clientId === undefined ? undefined : F_ID, secret === undefined ? undefined : F_SECRET].filter((f) => f !== undefined)
    if (given.length > 0) {
      throw new WardenError(
        'BAD_INPUT',
        `${given.join(', ')}: a self-hosted integration keeps its OneLogin credentials in your network (\`warden sync\` runs there); ` +
          'Warden does not take them',
      )
    }
    // Uploads are checked against the domain; it must name a OneLogin tenant all the same.
    if (domain !== undefined) {
      resolveDomain(env, domain)
      patch.onelogin_domain = domain
    }
    return { patch, secret: undefined, connect: false, basis }
  }

  const changed = (domain !== undefined && domain !== current.onelogin_domain) || (clientId !== undefined && clientId !== current.client_id) || secret !== undefined
  if (!changed) {
    // Only the schedule: move a scheduled next sync to the new interval.
    if (interval !== undefined && interval !== current.sync_interval_minutes && current.status !== 'not_connected') {
      patch.next_sync_at = addMs(current.last_sync_at === null ? now : new Date(current.last_sync_at), interval * 60_000)
    }
    return { patch, secret: undefined, connect: false, basis }
  }

  const newDomain = domain ?? current.onelogin_domain
  const newId = clientId ?? current.client_id
  const missing = [newDomain === null ? F_DOMAIN : undefined, newId === null ? F_ID : undefined].filter((f) => f !== undefined)
  if (secret === undefined && current.client_secret === null) missing.push(F_SECRET)
  if (missing.length > 0) {
    throw new WardenError('BAD_INPUT', `${missing.join(', ')}: required to connect (give ${F_DOMAIN}, ${F_ID} and ${F_SECRET} together)`)
  }
  const target = resolveDomain(env, newDomain as string)
  // A stored secret is only ever sent to the host it was given for.
  if (secret === undefined && current.onelogin_domain !== null && target !== resolveDomain(env, current.onelogin_domain)) {
    throw new WardenError('BAD_INPUT', `${F_SECRET}: give the client secret again when changing ${F_DOMAIN} (a stored secret is never sent to a new host)`)
  }
  const useSecret = secret ?? storedSecret()
  if (useSecret === undefined) throw new WardenError('BAD_INPUT', `${F_SECRET}: required to connect`)
  const checked = await checkOneLoginCredentials(env, { domain: newDomain as string, clientId: newId as string, clientSecret: useSecret })
  patch.onelogin_domain = newDomain
  patch.client_id = newId
  patch.status = 'syncing'
  patch.last_error = null
  patch.next_sync_at = addMs(now, (interval ?? current.sync_interval_minutes) * 60_000)
  if (checked.accountId !== null) patch.onelogin_account_id = checked.accountId
  return { patch, secret, connect: true, basis }
}

/** What the audit log shows of an integration's settings: never the secret or its ciphertext. */
function settingsRecord(row: Integration): Record<string, unknown> {
  return {
    onelogin_domain: row.onelogin_domain,
    oauth_client_cred_grant_client_id: row.client_id,
    client_secret_set: row.client_secret !== null,
    sync_privileges: row.sync_privileges === 1,
    sync_interval_minutes: row.sync_interval_minutes,
    full_sync_interval_hours: row.full_sync_interval_hours,
    status: row.status,
  }
}

/** Whether a patch would change any column of the row (flags compared as 0/1). */
function changes(row: Integration, patch: Omit<IntegrationPatch, 'client_secret'>): boolean {
  return Object.entries(patch).some(([key, value]) => {
    const stored: unknown = row[key as keyof Integration]
    const wanted: unknown = typeof value === 'boolean' ? (value ? 1 : 0) : value
    return stored !== wanted
  })
}

/** Stores checked settings (in the caller's transaction); the secret is sealed to this integration. */
async function applySettings(
  trx: Kysely<Database>,
  env: IntegrationEnv,
  before: Integration,
  c: CheckedSettings,
  now: Date,
): Promise<{ after: Integration; audit: AuditRecord[] }> {
  const same = before.onelogin_domain === c.basis.onelogin_domain && before.client_id === c.basis.client_id && before.client_secret === c.basis.client_secret
  if (!same) throw new WardenError('CONFLICT', `the settings of integration ${before.id} changed while they were being checked; try again`)
  if (c.secret === undefined && !changes(before, c.patch)) return { after: before, audit: [] }
  const patch: IntegrationPatch = { ...c.patch }
  if (c.secret !== undefined) patch.client_secret = env.secrets.encrypt(c.secret, before.id)
  const after = await updateIntegration(trx, before.id, patch, { now })
  const b = settingsRecord(before)
  const a = settingsRecord(after)
  if (c.connect) await enqueueIntegrationSync(trx, { integration_id: before.id, triggered_by: 'settings', mode: 'full' }, { now })
  return {
    after,
    audit: [
      {
        action: 'integration.settings',
        target_type: 'integration',
        target_id: before.id,
        before: b,
        after: { ...a, client_secret: c.secret === undefined ? 'unchanged' : 'set', ...(c.connect ? { sync_queued: true } : {}) },
      },
    ],
  }
}

const SETTINGS_KEYS = [F_DOMAIN, F_ID, F_SECRET, 'sync_privileges', 'sync_interval_minutes', 'full_sync_interval_hours'] as const

function settingsOf(input: IntegrationSettings): IntegrationSettings {
  const out: Record<string, unknown> = {}
  for (const k of SETTINGS_KEYS) if (input[k] !== undefined) out[k] = input[k]
  return out as IntegrationSettings
}

// ---- owners ---------------------------------------------------------------------------------

/** Each owner exists, is enabled and is an Integration or Super Administrator (BAD_INPUT naming who is not). */
async function checkOwners(db: Kysely<Database>, userIds: readonly string[]): Promise<User[]> {
  const ids = [...new Set(userIds)]
  if (ids.length === 0) throw new WardenError('BAD_INPUT', 'user_ids: an integration needs at least one owner')
  if (ids.length > INTEGRATION_OWNERS_MAX) throw new WardenError('BAD_INPUT', `user_ids: at most ${INTEGRATION_OWNERS_MAX} owners`)
  const users: User[] = []
  for (const id of ids) {
    const user = await getUser(db, id)
    if (user === undefined) throw new WardenError('BAD_INPUT', `user_ids: no Warden user ${id}`)
    if (user.disabled) throw new WardenError('BAD_INPUT', `user_ids: ${user.email} (${id}) is disabled and cannot own an integration`)
    if (!user.roles.some((r) => OWNER_ROLES.includes(r))) {
      throw new WardenError('BAD_INPUT', `user_ids: ${user.email} (${id}) cannot own an integration: owners must be Integration Administrators or Super Administrators`)
    }
    users.push(user)
  }
  return users
}

async function actorName(db: Kysely<Database>, actor: Actor): Promise<string> {
  if (actor.id === 'system') return 'Warden'
  return (await getUser(db, actor.id))?.display_name ?? actor.id
}

/** Tells each new owner (other than whoever added them) in the same transaction: sent only if it commits. */
async function emailNewOwners(
  trx: Kysely<Database>,
  env: IntegrationEnv,
  actor: Actor,
  integration: Integration,
  app: App,
  owners: readonly User[],
): Promise<void> {
  const others = owners.filter((o) => o.id !== actor.id)
  if (others.length === 0) return
  const by = await actorName(trx, actor)
  const link = `${env.publicUrl}/integrations/${integration.id}`
  const unfinished = integration.status === 'not_connected'
  for (const owner of others) {
    await enqueueEmail(trx, {
      to: owner.email,
      subject: unfinished ? `Help finish setting up the OneLogin integration for ${app.name}` : `You are now an owner of the OneLogin integration for ${app.name}`,
      text: unfinished
        ? `${by} added you as an owner of the OneLogin integration for ${app.name}; your help is needed to finish setting it up: ${link}\n`
        : `${by} added you as an owner of the OneLogin integration for ${app.name}: ${link}\n`,
    })
  }
}

// ---- the services ---------------------------------------------------------------------------

/**
 * Adds a OneLogin integration (Super Administrators only) to an existing app (`app_id`) or a new
 * managed one (`app_name`), owned by `user_ids` (default the creator). With credentials it is also
 * a settings save: they are checked against OneLogin first and nothing is created if they fail.
 */
export async function createOneLoginIntegration(
  store: Store,
  env: IntegrationEnv,
  actor: Actor,
  input: NewOneLoginIntegration,
  clock: IntegrationClock = {},
): Promise<IntegrationView> {
  authorize(actor, 'integrations:write')
  if (!isSuperAdmin(actor)) throw new WardenError('FORBIDDEN', 'only a Super Administrator may add an integration')
  if ((input.app_id === undefined) === (input.app_name === undefined)) {
    throw new WardenError('BAD_INPUT', 'give exactly one of app_id (attach to an existing app) or app_name (create a new app)')
  }
  const mode = input.mode ?? 'hosted'
  const now = clock.now ?? new Date()
  const ownerIds = input.user_ids === undefined ? [actor.id] : [...new Set(input.user_ids)]
  await checkOwners(store.db, ownerIds)
  if (input.app_id !== undefined && (await getApp(store.db, input.app_id)) === undefined) throw new WardenError('NOT_FOUND', `no app ${input.app_id}`)

  const settings = settingsOf(input)
  const fresh: Current = { mode, status: 'not_connected', onelogin_domain: null, client_id: null, client_secret: null, sync_interval_minutes: 60, last_sync_at: null }
  const hasSettings = Object.keys(settings).length > 0
  // Before the transaction: a OneLogin round trip must not hold database locks.
  const checked = hasSettings ? await checkSettings(env, fresh, () => undefined, settings, now) : undefined

  return audited(store, actor, async (trx) => {
    const audit: AuditRecord[] = []
    let app: App
    if (input.app_name !== undefined) {
      app = await createApp(trx, { name: input.app_name }, { now })
      audit.push({ action: 'app.create', target_type: 'app', target_id: app.id, after: app })
    } else {
      const found = await getApp(trx, input.app_id as string)
      if (found === undefined) throw new WardenError('NOT_FOUND', `no app ${input.app_id}`)
      app = found
    }
    const owners = await checkOwners(trx, ownerIds)
    // The schedule goes in with the row; applySettings then stores only the connection settings.
    let row = await createIntegration(
      trx,
      {
        app_id: app.id,
        mode,
        created_by: actor.id,
        ...(settings.sync_privileges === undefined ? {} : { sync_privileges: settings.sync_privileges }),
        ...(settings.sync_interval_minutes === undefined ? {} : { sync_interval_minutes: settings.sync_interval_minutes }),
        ...(settings.full_sync_interval_hours === undefined ? {} : { full_sync_interval_hours: settings.full_sync_interval_hours }),
      },
      { now },
    )
    await setIntegrationOwners(trx, row.id, ownerIds)
    const sortedOwners = await listIntegrationOwners(trx, row.id)
    audit.push({ action: 'integration.create', target_type: 'integration', target_id: row.id, after: toIntegrationView(row, sortedOwners) })
    if (checked !== undefined) {
      const applied = await applySettings(trx, env, row, checked, now)
      row = applied.after
      audit.push(...applied.audit)
    }
    await emailNewOwners(trx, env, actor, row, app, owners)
    return { result: toIntegrationView(row, sortedOwners), audit }
  })
}

/**
 * Saves an integration's settings (a Super Administrator, or an owner who is an Integration
 * Administrator). Changed credentials of a hosted integration are checked against OneLogin before
 * anything is stored; a good save seals the secret, sets the status to syncing and queues a full sync.
 */
export async function updateIntegrationSettings(
  store: Store,
  env: IntegrationEnv,
  actor: Actor,
  id: string,
  settings: IntegrationSettings,
  clock: IntegrationClock = {},
): Promise<IntegrationView> {
  const current = await manageableIntegration(store, actor, id, 'settings')
  const now = clock.now ?? new Date()
  const stored = (): string | undefined => (current.client_secret === null ? undefined : env.secrets.decrypt(current.client_secret, current.id))
  const checked = await checkSettings(env, current, stored, settingsOf(settings), now)
  return audited(store, actor, async (trx) => {
    const before = await getIntegration(trx, id)
    if (before === undefined) throw new WardenError('NOT_FOUND', `no integration ${id}`)
    const { after, audit } = await applySettings(trx, env, before, checked, now)
    return { result: toIntegrationView(after, await listIntegrationOwners(trx, id)), audit }
  })
}

export async function getIntegrationView(store: Store, actor: Actor, id: string): Promise<IntegrationView> {
  authorize(actor, 'integrations:read')
  const row = await getIntegration(store.db, id)
  if (row === undefined) throw new WardenError('NOT_FOUND', `no integration ${id}`)
  return toIntegrationView(row, await listIntegrationOwners(store.db, id))
}

/** A view with the names people read: its app's and its owners'. */
export interface DescribedIntegration extends IntegrationView {
  app_name: string | null
  owners: UserSummary[]
}

/** Adds the app's name and the owners' names to views (two queries, whatever their number). */
export async function describeIntegrations(store: Store, views: readonly IntegrationView[]): Promise<DescribedIntegration[]> {
  const [apps, users] = await Promise.all([
    appNames(store.db, views.map((v) => v.app_id)),
    userSummaries(store.db, views.flatMap((v) => v.user_ids)),
  ])
  return views.map((v) => ({
    ...v,
    app_name: apps.get(v.app_id) ?? null,
    owners: v.user_ids.flatMap((id) => {
      const u = users.get(id)
      return u === undefined ? [] : [u]
    }),
  }))
}

/**
 * Who may be made an integration owner: enabled Super and Integration Administrators. For those
 * who change owners (an Integration Administrator may not list Warden's users otherwise).
 */
export async function listOwnerCandidates(store: Store, actor: Actor, page: PageRequest = {}): Promise<Page<UserSummary>> {
  authorize(actor, 'integrations:write')
  const users = await listUsers(store.db, { anyRole: OWNER_ROLES, disabled: false }, page)
  return { items: users.items.map(({ id, email, display_name }) => ({ id, email, display_name })), next_cursor: users.next_cursor }
}

/** Integrations oldest first, a page at a time. */
export async function listIntegrationViews(store: Store, actor: Actor, filter: IntegrationFilter = {}, page: PageRequest = {}): Promise<Page<IntegrationView>> {
  authorize(actor, 'integrations:read')
  const rows = await listIntegrations(store.db, filter, page)
  const owners = await ownersOfIntegrations(store.db, rows.items.map((r) => r.id))
  return { items: rows.items.map((r) => toIntegrationView(r, owners.get(r.id) ?? [])), next_cursor: rows.next_cursor }
}

/**
 * Replaces an integration's owners (a Super Administrator, or an owner who is an Integration
 * Administrator); the same rule as at creation, and each newly added owner is emailed.
 */
export async function setIntegrationOwnersAsAdmin(
  store: Store,
  env: IntegrationEnv,
  actor: Actor,
  id: string,
  userIds: readonly string[],
  clock: IntegrationClock = {},
): Promise<IntegrationView> {
  await manageableIntegration(store, actor, id, 'owners')
  const now = clock.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const row = await getIntegration(trx, id)
    if (row === undefined) throw new WardenError('NOT_FOUND', `no integration ${id}`)
    const owners = await checkOwners(trx, userIds)
    const before = await listIntegrationOwners(trx, id)
    await setIntegrationOwners(trx, id, owners.map((o) => o.id))
    const after = await listIntegrationOwners(trx, id)
    if (before.join() === after.join()) return { result: toIntegrationView(row, after), audit: [] }
    const touched = await updateIntegration(trx, id, {}, { now })
    const app = await getApp(trx, row.app_id)
    if (app !== undefined) await emailNewOwners(trx, env, actor, row, app, owners.filter((o) => !before.includes(o.id)))
    return {
      result: toIntegrationView(touched, after),
      audit: [{ action: 'integration.owners', target_type: 'integration', target_id: id, before: { user_ids: before }, after: { user_ids: after } }],
    }
  })
}

/** Deletes an integration with its owners, sync runs and inventory (Super Administrators only). */
export async function deleteIntegration(store: Store, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'integrations:write')
  if (!isSuperAdmin(actor)) throw new WardenError('FORBIDDEN', 'only a Super Administrator may delete an integration')
  await audited(store, actor, async (trx) => {
    const row = await getIntegration(trx, id)
    if (row === undefined) throw new WardenError('NOT_FOUND', `no integration ${id}`)
    const view = toIntegrationView(row, await listIntegrationOwners(trx, id))
    await deleteIntegrationRow(trx, id)
    return { result: undefined, audit: [{ action: 'integration.delete', target_type: 'integration', target_id: id, before: view }] }
  })
}
