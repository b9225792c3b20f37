import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import { enqueue } from '../jobs/index.js'
import type { JobHandler } from '../jobs/index.js'
import {
  addedGrantEvents,
  anyDriftScanning,
  appOwnerIds,
  userSummaries,
  appendAuditMany,
  appsOwnedBy,
  auditHeadSeq,
  dialectOf,
  driftSettingsOf,
  getApp,
  getDriftFinding as getDriftFindingRow,
  getDriftSetting as getDriftSettingRow,
  heldGrants,
  impliedBy,
  insertDriftFinding,
  integrationApps,
  isoTime,
  listDriftFindings as listDriftFindingRows,
  lockDriftFinding,
  newId,
  putDriftSetting,
  updateDriftFinding,
} from '../store/index.js'
import type {
  AddedGrantEvent,
  AuditInput,
  Database,
  DriftAction,
  DriftFindingFilter,
  DriftFindingRecord,
  DriftFindingsTable,
  DriftState,
  HeldGrant,
  IntegrationApps,
  Page,
  PageRequest,
  Store,
} from '../store/index.js'
import { audited } from './audited.js'
import { grantWasOrdered, orderRevoke } from './jit.js'
import { authorize, can } from './policy.js'
import type { Actor } from './policy.js'
import { enqueueEmail } from './notifications.js'
import { emitWebhookEvent } from './webhooks.js'

/**
 * Drift (issue 8): a grant that appears in OneLogin without Warden having ordered it is
 * out-of-band. After a sync that added grants, a `drift.scan` job (queued in the ingest's own
 * transaction, so it exists exactly when the sync committed) reads the sync's `grant.added` audit
 * entries a batch at a time and, for each grant a user holds directly that Warden did not order
 * (jit.ts grantWasOrdered), applies the drift setting of the app the grant belongs to:
 *
 * - report: a finding, nothing more;
 * - review: an open finding that an owner of the app (or an App Administrator) keeps or revokes;
 * - revoke: a finding, and a revoke order (jit.ts orderRevoke, actor `system`) in the same transaction;
 * - off (the default for an app with no setting): nothing.
 *
 * Which app a grant belongs to: an app's access (`app:<id>:access`) belongs to the Warden app
 * discovered for it; a role membership to the managed apps bound to it and the discovered apps the
 * role gives; anything else, or a grant whose apps are not Warden apps, to the app the integration
 * is attached to. When several apps claim a grant, the strictest setting wins. Grants held only
 * through another grant (a role's apps) are the consequence of that grant and are not findings of
 * their own: the role membership is, under the settings of the apps it gives.
 */

export const DRIFT_SCAN_JOB = 'drift.scan'
/** Added grants read (and decided) per transaction. */
export const DRIFT_SCAN_BATCH = 200
export const DRIFT_ACTIONS = ['off', 'report', 'review', 'revoke'] as const satisfies readonly DriftAction[]
export const DRIFT_STATES = ['reported', 'open', 'kept', 'revoked'] as const satisfies readonly DriftState[]
export const DRIFT_REASON_MAX = 1000

const STRICTNESS: Readonly<Record<DriftAction, number>> = { off: 0, report: 1, review: 2, revoke: 3 }
const STATE_OF: Readonly<Record<Exclude<DriftAction, 'off'>, DriftState>> = { report: 'reported', review: 'open', revoke: 'revoked' }

export interface DriftScanPayload {
  integration_id: string
  run_id: string
  /** The sync's grant events are the audit entries with seq in (after_seq, to_seq]. */
  after_seq: number
  to_seq: number
}

/**
 * In the ingest's transaction, right after it appended the sync's grant events: queues a scan of
 * the grants the sync added, when it added any and some app has drift scanning on. Appending the
 * events took the audit head's lock, which the transaction holds until commit, so they are the
 * last `added + removed` entries before the head.
 */
export async function enqueueDriftScan(
  trx: Kysely<Database>,
  sync: { integrationId: string; runId: string; added: number; removed: number; now?: Date },
): Promise<string | null> {
  if (sync.added === 0 || !(await anyDriftScanning(trx))) return null
  const to = await auditHeadSeq(trx)
  const payload: DriftScanPayload = { integration_id: sync.integrationId, run_id: sync.runId, after_seq: to - sync.added - sync.removed, to_seq: to }
  return enqueue(trx, { kind: DRIFT_SCAN_JOB, payload, maxAttempts: 5, singletonKey: `${DRIFT_SCAN_JOB}:${sync.runId}` }, sync.now ? { now: sync.now } : {})
}

export interface DriftJobsOptions {
  /** Added grants per transaction (default DRIFT_SCAN_BATCH; tests: smaller). */
  batchSize?: number
}

/** The worker's drift handler. */
export function driftJobs(options: DriftJobsOptions = {}): { handlers: Record<string, JobHandler> } {
  return {
    handlers: {
      [DRIFT_SCAN_JOB]: async ({ job, store, signal }) => {
        await scanAddedGrants(store, scanPayload(job.payload), { signal, ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }) })
      },
    },
  }
}

export interface DriftScanResult {
  /** Added grants read. */
  scanned: number
  /** Findings recorded by this run of the scan (a retried scan does not record one twice). */
  findings: number
  /** Of those, revoked at once. */
  revoked: number
}

/**
 * Scans a sync's added grants, DRIFT_SCAN_BATCH at a time, each batch in one transaction (its
 * findings, revoke orders, audit entries and webhook events commit together). Running it again
 * (a retried job) skips the grants it recorded already.
 */
export async function scanAddedGrants(store: Store, payload: DriftScanPayload, options: { signal?: AbortSignal; now?: Date; batchSize?: number } = {}): Promise<DriftScanResult> {
  const result: DriftScanResult = { scanned: 0, findings: 0, revoked: 0 }
  const apps = await integrationApps(store.db, payload.integration_id)
  // The integration was deleted since: its grants and findings went with it.
  if (apps === undefined) return result
  const settings = await driftSettingsOf(store.db, [apps.integration_app_id, ...apps.discovered.values(), ...[...apps.bound.values()].flat()])
  if (![...settings.values()].some((a) => a !== 'off')) return result
  let after = payload.after_seq
  for (;;) {
    if (options.signal?.aborted === true) throw new WardenError('INTERRUPTED', `${DRIFT_SCAN_JOB} of sync ${payload.run_id} stopped; it resumes when retried`)
    const { events, last_seq } = await addedGrantEvents(store.db, { integration_id: payload.integration_id, run_id: payload.run_id, after_seq: after, to_seq: payload.to_seq }, options.batchSize ?? DRIFT_SCAN_BATCH)
    if (last_seq === null) return result
    result.scanned += events.length
    const now = options.now ?? new Date()
    const batch = await store.transaction((trx) => scanBatch(trx, payload, events, apps, settings, now))
    result.findings += batch.findings
    result.revoked += batch.revoked
    after = last_seq
  }
}

async function scanBatch(
  trx: Kysely<Database>,
  payload: DriftScanPayload,
  events: readonly AddedGrantEvent[],
  apps: IntegrationApps,
  settings: ReadonlyMap<string, DriftAction>,
  now: Date,
): Promise<{ findings: number; revoked: number }> {
  // Only users' grants: Warden provisions (and revokes) grants of OneLogin users.
  const users = events.filter((e) => e.principal_id.startsWith('user:'))
  const held = await heldGrants(trx, payload.integration_id, users)
  // A grant removed again since the sync is no longer there to flag; one held only through another is that one's consequence.
  // In the events' order (the sync's grant order), so findings and their audit entries come out the same every time.
  const direct = users.flatMap((e) => {
    const g = held.get(`${e.entitlement_id} ${e.principal_id}`)
    return g?.direct === true ? [g] : []
  })
  const implied = await impliedBy(
    trx,
    payload.integration_id,
    direct.map((g) => g.entitlement_id),
  )
  const stamp = isoTime(now)
  const audit: AuditInput[] = []
  let findings = 0
  let revoked = 0
  /** Open findings per app, for one email to each of its owners. */
  const toReview = new Map<string, number>()
  for (const grant of direct) {
    const setting = settingOf(grant, apps, implied, settings)
    if (setting === undefined) continue
    const ref = { integration_id: payload.integration_id, entitlement_id: grant.entitlement_id, principal_id: grant.principal_id }
    if (await grantWasOrdered(trx, ref)) continue
    const row: DriftFindingsTable = {
      id: newId('drf'),
      ...ref,
      app_id: setting.app_id,
      sync_run_id: payload.run_id,
      action: setting.action,
      state: STATE_OF[setting.action],
      revoke_order_id: null,
      decided_by: null,
      decided_at: null,
      reason: null,
      created_at: stamp,
      updated_at: stamp,
    }
    if (!(await insertDriftFinding(trx, row))) continue
    findings++
    audit.push({ actor: 'system', action: 'drift.found', target_type: 'drift_finding', target_id: row.id, after: findingAudit(row) })
    if (setting.action === 'revoke') {
      const orderId = await orderRevoke(trx, { ...ref, request_id: null, actor: 'system' }, now)
      const decided = { revoke_order_id: orderId, decided_by: 'system', decided_at: stamp, reason: `the drift setting of app ${setting.app_id} is revoke` }
      await updateDriftFinding(trx, row.id, decided)
      Object.assign(row, decided)
      revoked++
      audit.push({ actor: 'system', action: 'drift.revoke', target_type: 'drift_finding', target_id: row.id, after: findingAudit(row) })
    }
    await emitWebhookEvent(trx, 'drift.found', findingAudit(row), now)
    if (row.state === 'open' && row.app_id !== null) toReview.set(row.app_id, (toReview.get(row.app_id) ?? 0) + 1)
  }
  await askOwnersToReview(trx, toReview)
  // Last: appending holds the audit head's lock until commit.
  await appendAuditMany(trx, audit, { now })
  return { findings, revoked }
}

/** The strictest drift setting among the apps the grant belongs to, or undefined when it is off. */
function settingOf(
  grant: HeldGrant,
  apps: IntegrationApps,
  implied: ReadonlyMap<string, string[]>,
  settings: ReadonlyMap<string, DriftAction>,
): { app_id: string; action: Exclude<DriftAction, 'off'> } | undefined {
  const owners = new Set<string>()
  const discoveredFor = (entitlementId: string): void => {
    const m = /^(app:[^:]+):access$/.exec(entitlementId)
    const app = m === null ? undefined : apps.discovered.get(m[1] as string)
    if (app !== undefined) owners.add(app)
  }
  discoveredFor(grant.entitlement_id)
  for (const app of apps.bound.get(grant.entitlement_id) ?? []) owners.add(app)
  for (const to of implied.get(grant.entitlement_id) ?? []) discoveredFor(to)
  if (owners.size === 0) owners.add(apps.integration_app_id)
  let best: { app_id: string; action: DriftAction } | undefined
  for (const app of [...owners].sort()) {
    const action = settings.get(app) ?? 'off'
    if (best === undefined || STRICTNESS[action] > STRICTNESS[best.action]) best = { app_id: app, action }
  }
  if (best === undefined || best.action === 'off') return undefined
  return { app_id: best.app_id, action: best.action }
}

/** Tells each owner of an app with new open findings, once per scan. */
async function askOwnersToReview(trx: Kysely<Database>, counts: ReadonlyMap<string, number>): Promise<void> {
  for (const [appId, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    const owners = await userSummaries(trx, await appOwnerIds(trx, appId))
    for (const owner of [...owners.values()].sort((a, b) => a.email.localeCompare(b.email))) {
      await enqueueEmail(trx, {
        to: owner.email,
        subject: `Warden: ${n} grant${n === 1 ? '' : 's'} made outside Warden to review`,
        text: `A OneLogin sync found ${n} grant${n === 1 ? '' : 's'} of app ${appId} that Warden did not make. Keep or revoke each: GET /api/v1/drift?state=open&app_id=${appId}, then POST /api/v1/drift/<id>/keep or /revoke.\n`,
      })
    }
  }
}

function findingAudit(row: DriftFindingsTable): Record<string, unknown> {
  return {
    id: row.id,
    integration_id: row.integration_id,
    app_id: row.app_id,
    entitlement_id: row.entitlement_id,
    principal_id: row.principal_id,
    sync_run_id: row.sync_run_id,
    action: row.action,
    state: row.state,
    revoke_order_id: row.revoke_order_id,
    decided_by: row.decided_by,
    reason: row.reason,
  }
}

function scanPayload(payload: unknown): DriftScanPayload {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Partial<Record<keyof DriftScanPayload, unknown>>
  if (typeof p.integration_id !== 'string' || typeof p.run_id !== 'string' || !Number.isInteger(p.after_seq) || !Number.isInteger(p.to_seq)) {
    throw new WardenError('BAD_INPUT', `not a ${DRIFT_SCAN_JOB} payload: ${JSON.stringify(payload)}`)
  }
  return p as DriftScanPayload
}

// ------------------------------------------------------------------ settings

export interface DriftSettingView {
  app_id: string
  action: DriftAction
  /** Who set it, and when (null: never set, so off). */
  updated_by: string | null
  updated_at: string | null
}

export async function getDriftSetting(store: Store, actor: Actor, appId: string): Promise<DriftSettingView> {
  authorize(actor, 'apps:read')
  if ((await getApp(store.db, appId)) === undefined) throw new WardenError('NOT_FOUND', `no app ${appId}`)
  return settingView(appId, await getDriftSettingRow(store.db, appId))
}

/** Sets what drift scans do with the app's out-of-band grants (from the next sync on). */
export async function setDriftSetting(store: Store, actor: Actor, appId: string, action: DriftAction, clock: { now?: Date } = {}): Promise<DriftSettingView> {
  authorize(actor, 'apps:write')
  if (!(DRIFT_ACTIONS as readonly string[]).includes(action)) throw new WardenError('BAD_INPUT', `action: must be one of ${DRIFT_ACTIONS.join(', ')}`)
  return audited(store, actor, async (trx) => {
    if ((await getApp(trx, appId)) === undefined) throw new WardenError('NOT_FOUND', `no app ${appId}`)
    const before = settingView(appId, await getDriftSettingRow(trx, appId))
    await putDriftSetting(trx, { app_id: appId, action, updated_by: actor.id, updated_at: isoTime(clock.now ?? new Date()) })
    const after = settingView(appId, await getDriftSettingRow(trx, appId))
    const audit = before.action === action ? [] : [{ action: 'app.drift_setting', target_type: 'app', target_id: appId, before: { action: before.action }, after: { action } }]
    return { result: after, audit }
  })
}

function settingView(appId: string, row: { action: DriftAction; updated_by: string; updated_at: string } | undefined): DriftSettingView {
  return { app_id: appId, action: row?.action ?? 'off', updated_by: row?.updated_by ?? null, updated_at: row?.updated_at ?? null }
}

// ------------------------------------------------------------------ findings

/**
 * Findings, newest first. Administrators who see apps (`apps:read`) see all; anyone else sees
 * the findings of the apps they own (its own owners, a discovered app's access owners, its integrations' owners).
 */
export async function listDriftFindings(store: Store, actor: Actor, filter: Omit<DriftFindingFilter, 'app_ids'> = {}, page: PageRequest = {}): Promise<Page<DriftFindingRecord>> {
  if (can(actor, 'apps:read')) return listDriftFindingRows(store.db, filter, page)
  return listDriftFindingRows(store.db, { ...filter, app_ids: await appsOwnedBy(store.db, actor.id) }, page)
}

export async function getDriftFinding(store: Store, actor: Actor, id: string): Promise<DriftFindingRecord> {
  const finding = await getDriftFindingRow(store.db, id)
  if (finding === undefined) throw new WardenError('NOT_FOUND', `no drift finding ${id}`)
  if (!can(actor, 'apps:read') && !(finding.app_id !== null && (await appOwnerIds(store.db, finding.app_id)).includes(actor.id))) {
    throw new WardenError('FORBIDDEN', `drift finding ${id} is for the owners of its app and App Administrators`)
  }
  return finding
}

/** Keeps an out-of-band grant: the finding is closed, nothing changes in OneLogin. */
export async function keepDriftFinding(store: Store, actor: Actor, id: string, input: { reason?: string } = {}, clock: { now?: Date } = {}): Promise<DriftFindingRecord> {
  return decide(store, actor, id, 'kept', input.reason, clock.now ?? new Date())
}

/** Revokes an out-of-band grant: a revoke order (jit.ts) in the same transaction as the decision. */
export async function revokeDriftFinding(store: Store, actor: Actor, id: string, input: { reason?: string } = {}, clock: { now?: Date } = {}): Promise<DriftFindingRecord> {
  return decide(store, actor, id, 'revoked', input.reason, clock.now ?? new Date())
}

async function decide(store: Store, actor: Actor, id: string, state: 'kept' | 'revoked', reason: string | undefined, now: Date): Promise<DriftFindingRecord> {
  const text = reason?.trim() === '' ? undefined : reason?.trim()
  if (text !== undefined && text.length > DRIFT_REASON_MAX) throw new WardenError('BAD_INPUT', `reason: must be at most ${DRIFT_REASON_MAX} characters`)
  return audited(store, actor, async (trx) => {
    const row = await lockDriftFinding(trx, id, dialectOf(trx) === 'postgres')
    if (row === undefined) throw new WardenError('NOT_FOUND', `no drift finding ${id}`)
    await mayDecide(trx, actor, row)
    if (row.state !== 'open' && row.state !== 'reported') {
      throw new WardenError('CONFLICT', `drift finding ${id} is ${row.state} already${row.decided_by === null ? '' : ` (by ${row.decided_by})`}`)
    }
    const stamp = isoTime(now)
    const decided: Partial<DriftFindingsTable> = { state, decided_by: actor.id, decided_at: stamp, reason: text ?? null, updated_at: stamp }
    if (state === 'revoked') {
      decided.revoke_order_id = await orderRevoke(
        trx,
        { integration_id: row.integration_id, entitlement_id: row.entitlement_id, principal_id: row.principal_id, request_id: null, actor: actor.id },
        now,
      )
    }
    await updateDriftFinding(trx, id, decided)
    const after = { ...row, ...decided }
    const finding = await getDriftFindingRow(trx, id)
    if (finding === undefined) throw new WardenError('INTERNAL', `drift finding ${id} vanished`)
    return {
      result: finding,
      audit: [{ action: state === 'kept' ? 'drift.keep' : 'drift.revoke', target_type: 'drift_finding', target_id: id, before: findingAudit(row), after: findingAudit(after) }],
    }
  })
}

/** App Administrators (apps:write) decide any finding; an app's owners decide its findings. */
async function mayDecide(trx: Kysely<Database>, actor: Actor, row: DriftFindingsTable): Promise<void> {
  if (can(actor, 'apps:write')) return
  if (row.app_id !== null && (await appOwnerIds(trx, row.app_id)).includes(actor.id)) return
  throw new WardenError('FORBIDDEN', `your Warden roles do not allow this (apps:write), and you do not own the app of drift finding ${row.id}; it needs an App Administrator, a Super Administrator or an owner of the app`)
}
