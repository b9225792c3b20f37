import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import { RESOURCE_TYPES } from '../model/index.js'
import type { Resource, ResourceType } from '../model/index.js'
import type { SnapshotReader } from '../snapshot/index.js'
import {
  StagingWriter,
  analyzeInventory,
  analyzeInventoryStaging,
  appendAudit,
  appendAuditMany,
  applyStagedEntitlements,
  applyStagedGrants,
  applyStagedImplications,
  applyStagedResources,
  createApp,
  createInventoryStaging,
  createStagedIdentities,
  currentResourceNames,
  discoveredApps,
  dropInventoryStaging,
  findStagingInconsistency,
  grantChanges,
  hasInventory,
  integrationExists,
  isoTime,
  linkStagedIdentities,
  newId,
  peopleWithoutIdentity,
  renameStagedIdentities,
  stageGrantChanges,
  stagePeople,
  tuneForIngest,
  updateApp,
} from '../store/index.js'
import type { Database, StagedResource } from '../store/index.js'
import { enqueueDriftScan } from './drift.js'

export interface IngestResult {
  counts: { resources: Record<ResourceType, number>; entitlements: number; grants: number }
  grants_added: number
  grants_removed: number
  /** Grants still held, with another direct flag or other sources (no event; 0 on a baseline). */
  grants_changed: number
  /** true when the integration had no inventory before: the first sync is a baseline, not a change, so no grant events are recorded */
  baseline: boolean
  identities_created: number
  identities_linked: number
  apps_created: number
  apps_renamed: number
  /** Identities whose name changed to the name OneLogin has now. */
  identities_renamed: number
  /** Where the time went, in ms: staging (reading and checking the snapshot), the grant delta, applying it, identities, apps, grant events. */
  phase_ms: { stage: number; delta: number; apply: number; identities: number; apps: number; events: number }
}

export interface IngestInput {
  integrationId: string
  reader: SnapshotReader
  /** The sync run recorded in each grant event. */
  runId: string
  now?: Date
}

/** Grant events are read back from staging this many at a time. */
const EVENT_BATCH = 1000
/** Identity ids are made for this many staged people at a time. */
const IDENTITY_BATCH = 2000
const APP_NAME_MAX = 200
const PERSON_NAME_MAX = 200
const EMAIL = /^[^\s@]+@[^\s@]+$/

/**
 * Replaces the integration's inventory with the snapshot's inside the CALLER's transaction `trx`
 * (the caller also marks the sync run done in it).
 *
 * 1. The snapshot's rows are streamed, batch by batch, into temporary staging tables; a row the
 *    reader refuses, or a snapshot whose rows don't hold together (a grant of an entitlement it
 *    does not list), throws BAD_INPUT, and the caller's rollback leaves the previous inventory.
 * 2. Unless this is the integration's first ingest (a baseline), the grant delta is computed in
 *    SQL before anything changes.
 * 3. Identities for the users' emails are created when missing, renamed when OneLogin renamed
 *    the person, and linked to the Warden user with that email.
 * 4. Resources (each user pointing at the identity of its email), entitlements, grants and
 *    implications are brought in line with staging.
 * 5. OneLogin apps with provisioning enabled get an unmanaged Warden app (once; a rename in
 *    OneLogin renames it; never deleted here).
 * 6. One audit entry per grant added or removed (`grant.added` / `grant.removed`), appended a
 *    batch at a time and last, since appending holds the audit head's lock until commit.
 *
 * Entitlement settings, owners and app bindings are not touched: they survive every sync.
 */
export async function ingestSnapshot(trx: Kysely<Database>, input: IngestInput): Promise<IngestResult> {
  const { integrationId, reader, runId } = input
  const now = input.now ?? new Date()
  const stamp = isoTime(now)
  if (!trx.isTransaction) throw new WardenError('INTERNAL', "ingestSnapshot must run inside the caller's transaction")
  if (!(await integrationExists(trx, integrationId))) throw new WardenError('NOT_FOUND', `no integration ${integrationId}`)
  const baseline = !(await hasInventory(trx, integrationId))

  const phase_ms: IngestResult['phase_ms'] = { stage: 0, delta: 0, apply: 0, identities: 0, apps: 0, events: 0 }
  let mark = performance.now()
  const lap = (phase: keyof IngestResult['phase_ms']): void => {
    const t = performance.now()
    phase_ms[phase] = Math.round(t - mark)
    mark = t
  }

  const restore = await tuneForIngest(trx)
  try {
    await createInventoryStaging(trx)
    const staged = await stageSnapshot(trx, reader)
    await analyzeInventoryStaging(trx)
    const inconsistency = await findStagingInconsistency(trx)
    if (inconsistency !== undefined) throw new WardenError('BAD_INPUT', `${reader.path} is not a consistent Warden snapshot: ${inconsistency}`)
    lap('stage')

    // The names OneLogin gave the SCIM apps at the last ingest, before they are replaced.
    const previousNames = await currentResourceNames(
      trx,
      integrationId,
      staged.scimApps.map((a) => a.id),
    )
    const delta = baseline ? { added: 0, removed: 0, changed: 0 } : await stageGrantChanges(trx, integrationId)
    lap('delta')

    // Identities first: applying the resources then links each user to the identity of its email.
    const people = await prepareIdentities(trx, stamp)
    lap('identities')
    await applyStagedResources(trx, integrationId)
    await applyStagedEntitlements(trx, integrationId)
    await applyStagedGrants(trx, integrationId, baseline ? 'baseline' : 'changes', stamp)
    await applyStagedImplications(trx, integrationId)
    // A first sync, or one that changed a tenth of the grants, changes what searches should plan for.
    if (baseline || delta.added + delta.removed + delta.changed > staged.counts.grants / 10) await analyzeInventory(trx)
    lap('apply')

    const apps = await discoverApps(trx, integrationId, staged.scimApps, previousNames, now)
    lap('apps')
    if (!baseline) await recordGrantEvents(trx, integrationId, runId, now)
    // Issue 8 drift: a scan of the grants this sync added, queued in this transaction (drift.ts).
    if (!baseline) await enqueueDriftScan(trx, { integrationId, runId, added: delta.added, removed: delta.removed, now })
    await dropInventoryStaging(trx)
    lap('events')

    return {
      counts: staged.counts,
      grants_added: delta.added,
      grants_removed: delta.removed,
      grants_changed: delta.changed,
      baseline,
      identities_created: people.created,
      identities_linked: people.linked,
      identities_renamed: people.renamed,
      apps_created: apps.created,
      apps_renamed: apps.renamed,
      phase_ms,
    }
  } finally {
    await restore()
  }
}

interface ScimApp {
  /** `app:<id>` */
  id: string
  /** Its name in OneLogin. */
  oneLoginName: string
  /** The name a Warden app can have (trimmed, at most 200 characters). */
  name: string
}

interface Staged {
  counts: IngestResult['counts']
  /** Apps with provisioning enabled (few: a tenant has hundreds of apps, not millions). */
  scimApps: ScimApp[]
}

async function stageSnapshot(trx: Kysely<Database>, reader: SnapshotReader): Promise<Staged> {
  const counts: IngestResult['counts'] = {
    resources: Object.fromEntries(RESOURCE_TYPES.map((t) => [t, 0])) as Record<ResourceType, number>,
    entitlements: 0,
    grants: 0,
  }
  const scimApps: ScimApp[] = []

  const resources = new StagingWriter(trx, 'resources')
  for (const r of reader.resources()) {
    counts.resources[r.type]++
    if (r.type === 'app' && r.traits['provisioning_enabled'] === true) scimApps.push({ id: r.id, oneLoginName: r.display_name, name: appNameOf(r) })
    await resources.add(stagedResource(reader.path, r))
  }
  await resources.flush()

  const entitlements = new StagingWriter(trx, 'entitlements')
  for (const e of reader.entitlements()) {
    counts.entitlements++
    await entitlements.add({ id: e.id, resource_id: e.resource, slug: e.slug, display_name: e.display_name, grantable_to: JSON.stringify(e.grantable_to) })
  }
  await entitlements.flush()

  const grants = new StagingWriter(trx, 'grants')
  for (const g of reader.grants()) {
    counts.grants++
    await grants.add({ entitlement_id: g.entitlement, principal_id: g.principal, direct: g.direct ? 1 : 0, sources: JSON.stringify(g.sources) })
  }
  await grants.flush()

  const implications = new StagingWriter(trx, 'implications')
  for (const i of reader.implications()) await implications.add({ from_entitlement: i.from, to_entitlement: i.to })
  await implications.flush()

  return { counts, scimApps }
}

/** A resource as staged; users get their email and status columns (DESIGN.md, "The model"). */
function stagedResource(path: string, r: Resource): StagedResource {
  const row: StagedResource = {
    id: r.id,
    type: r.type,
    display_name: r.display_name,
    traits: JSON.stringify(r.traits),
    email: null,
    status: null,
    person_email: null,
    person_name: null,
  }
  if (r.type !== 'user') return row
  const email = r.traits['email']
  const status = r.traits['status']
  if (email !== undefined && email !== null && typeof email !== 'string') {
    throw new WardenError('BAD_INPUT', `${path} is a damaged Warden snapshot: resources row "${r.id}": traits.email is not text`)
  }
  if (status !== undefined && status !== null && typeof status !== 'string') {
    throw new WardenError('BAD_INPUT', `${path} is a damaged Warden snapshot: resources row "${r.id}": traits.status is not text`)
  }
  const normalized = typeof email === 'string' && email.trim() !== '' ? email.trim().toLowerCase() : null
  row.email = normalized
  row.status = typeof status === 'string' ? status : null
  // Only an address can name a person; an identity's email is unique and at most 320 characters.
  if (normalized !== null && EMAIL.test(normalized) && normalized.length <= 320) {
    row.person_email = normalized
    // A person is named by their name; the account's display name is often a username.
    const full = [r.traits['first_name'], r.traits['last_name']].filter((n): n is string => typeof n === 'string' && n.trim() !== '').map((n) => n.trim()).join(' ')
    row.person_name = (full || r.display_name.trim()).slice(0, PERSON_NAME_MAX) || normalized.slice(0, PERSON_NAME_MAX)
  }
  return row
}

function appNameOf(r: Resource): string {
  return r.display_name.trim().slice(0, APP_NAME_MAX) || r.id
}

/** Identities for the staged users' emails: created when missing, renamed when OneLogin renamed the person, linked to the Warden user with that email. */
async function prepareIdentities(trx: Kysely<Database>, now: string): Promise<{ created: number; linked: number; renamed: number }> {
  await stagePeople(trx)
  // Identity ids are random (newId), so they are made here, a batch at a time, never all at once.
  const ids = new StagingWriter(trx, 'newIdentities')
  let after: string | undefined
  for (;;) {
    const emails = await peopleWithoutIdentity(trx, after, IDENTITY_BATCH)
    for (const email of emails) await ids.add({ email, id: newId('idn') })
    if (emails.length < IDENTITY_BATCH) break
    after = emails[emails.length - 1]
  }
  await ids.flush()
  const created = await createStagedIdentities(trx, now)
  const renamed = await renameStagedIdentities(trx, now)
  const linked = await linkStagedIdentities(trx, now)
  return { created: created.created, linked: created.linked + linked, renamed }
}

/**
 * An unmanaged Warden app for each SCIM app: created the first time it is seen; renamed when
 * OneLogin renamed it since the last ingest (so a name an administrator gave it in Warden stays
 * until OneLogin's name changes). Audited as `app.create` / `app.update` by `system`.
 */
async function discoverApps(
  trx: Kysely<Database>,
  integrationId: string,
  scimApps: readonly ScimApp[],
  previousNames: ReadonlyMap<string, string>,
  now: Date,
): Promise<{ created: number; renamed: number }> {
  let created = 0
  let renamed = 0
  const known = await discoveredApps(trx, integrationId)
  for (const scim of scimApps) {
    const existing = known.get(scim.id)
    if (existing === undefined) {
      const app = await createApp(
        trx,
        { name: scim.name, state: 'unmanaged', source_integration_id: integrationId, source_resource_id: scim.id },
        { now },
      )
      await appendAudit(trx, { actor: 'system', action: 'app.create', target_type: 'app', target_id: app.id, after: app }, { now })
      created++
      continue
    }
    // No previous name: the app was not in the inventory (or had no provisioning) until now.
    const previous = previousNames.get(scim.id)
    const renamedInOneLogin = previous === undefined || previous !== scim.oneLoginName
    if (!renamedInOneLogin || existing.name === scim.name) continue
    const app = await updateApp(trx, existing.id, { name: scim.name }, { now })
    await appendAudit(trx, { actor: 'system', action: 'app.update', target_type: 'app', target_id: app.id, before: existing, after: app }, { now })
    renamed++
  }
  return { created, renamed }
}

/** One audit entry per grant added or removed, in key order, appended a batch at a time (appendAuditMany). */
async function recordGrantEvents(trx: Kysely<Database>, integrationId: string, runId: string, now: Date): Promise<void> {
  let after: [string, string, string] | undefined
  for (;;) {
    const changes = await grantChanges(trx, after, EVENT_BATCH)
    await appendAuditMany(
      trx,
      changes.map((c) => {
        const grant = { integration_id: integrationId, sync_run_id: runId, entitlement_id: c.entitlement_id, principal_id: c.principal_id, sources: c.sources }
        return {
          actor: 'system',
          action: c.change === 'added' ? 'grant.added' : 'grant.removed',
          target_type: 'grant',
          target_id: `${integrationId}/${c.entitlement_id}:${c.principal_id}`,
          ...(c.change === 'added' ? { after: grant } : { before: grant }),
        }
      }),
      { now },
    )
    const last = changes[changes.length - 1]
    if (changes.length < EVENT_BATCH || last === undefined) return
    after = [last.change, last.entitlement_id, last.principal_id]
  }
}
