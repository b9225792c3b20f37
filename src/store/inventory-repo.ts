import { stringify } from 'csv-stringify/sync'
import { CompiledQuery, sql } from 'kysely'
import type { Kysely, RawBuilder, SqlBool } from 'kysely'
import type { App } from './apps-repo.js'
import type { Database, RiskLevel } from './database.js'
import { dialectOf } from './db-errors.js'
import { containsText, sameText } from './like.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'

/**
 * The inventory: each integration's last ingested sync (resources, entitlements, grants,
 * implications), the settings people give entitlements, and SCIM apps' bindings.
 *
 * Ingest is set-based. The snapshot's rows are streamed into TEMPORARY staging tables inside the
 * caller's transaction (PostgreSQL: `on commit drop`; SQLite: the connection's temp database,
 * dropped at the end), then each inventory table is brought in line with its staging table by
 * three statements: delete what is no longer staged, update what changed, insert what is new.
 * Nothing is held in JS memory beyond one batch, and the previous inventory stays visible to
 * other connections until the caller commits.
 */

// ------------------------------------------------------------------ staging

/** The staging tables (temporary, so they live and die with one connection's transaction). */
const STAGE = {
  resources: 'warden_stage_resources',
  entitlements: 'warden_stage_entitlements',
  grants: 'warden_stage_grants',
  implications: 'warden_stage_implications',
  people: 'warden_stage_people',
  newIdentities: 'warden_stage_new_identities',
  grantChanges: 'warden_stage_grant_changes',
} as const

const STAGE_DDL: Record<keyof typeof STAGE, string> = {
  resources: `(id text primary key, type text not null, display_name text not null, traits text not null,
    email text, status text, person_email text, person_name text)`,
  entitlements: '(id text primary key, resource_id text not null, slug text not null, display_name text not null, grantable_to text not null)',
  grants: '(entitlement_id text not null, principal_id text not null, direct integer not null, sources text not null, primary key (entitlement_id, principal_id))',
  implications: '(from_entitlement text not null, to_entitlement text not null, primary key (from_entitlement, to_entitlement))',
  people: '(email text primary key, display_name text not null)',
  newIdentities: '(email text primary key, id text not null)',
  grantChanges: `(change text not null, entitlement_id text not null, principal_id text not null, direct integer not null, sources text not null,
    primary key (change, entitlement_id, principal_id))`,
}

/** A user, role, app, group or privilege as staged: JSON columns as text. */
export interface StagedResource {
  id: string
  type: string
  display_name: string
  /** JSON object text. */
  traits: string
  /** Users: lower-cased email, or null. */
  email: string | null
  /** Users: status by name, or null. */
  status: string | null
  /** Users whose email is an address an identity can have (the identity's email), else null. */
  person_email: string | null
  /** The name such an identity gets (1 to 200 characters). */
  person_name: string | null
}

export interface StagedEntitlement {
  id: string
  resource_id: string
  slug: string
  display_name: string
  /** JSON array text. */
  grantable_to: string
}

export interface StagedGrant {
  entitlement_id: string
  principal_id: string
  direct: 0 | 1
  /** JSON array text. */
  sources: string
}

export interface StagedImplication {
  from_entitlement: string
  to_entitlement: string
}

interface StagedRows {
  resources: StagedResource
  entitlements: StagedEntitlement
  grants: StagedGrant
  implications: StagedImplication
  newIdentities: { email: string; id: string }
}

type StagedKind = keyof StagedRows

const STAGE_COLUMNS: { [K in StagedKind]: readonly { name: keyof StagedRows[K] & string; pgType: 'text' | 'int' }[] } = {
  resources: [
    { name: 'id', pgType: 'text' },
    { name: 'type', pgType: 'text' },
    { name: 'display_name', pgType: 'text' },
    { name: 'traits', pgType: 'text' },
    { name: 'email', pgType: 'text' },
    { name: 'status', pgType: 'text' },
    { name: 'person_email', pgType: 'text' },
    { name: 'person_name', pgType: 'text' },
  ],
  entitlements: [
    { name: 'id', pgType: 'text' },
    { name: 'resource_id', pgType: 'text' },
    { name: 'slug', pgType: 'text' },
    { name: 'display_name', pgType: 'text' },
    { name: 'grantable_to', pgType: 'text' },
  ],
  grants: [
    { name: 'entitlement_id', pgType: 'text' },
    { name: 'principal_id', pgType: 'text' },
    { name: 'direct', pgType: 'int' },
    { name: 'sources', pgType: 'text' },
  ],
  implications: [
    { name: 'from_entitlement', pgType: 'text' },
    { name: 'to_entitlement', pgType: 'text' },
  ],
  newIdentities: [
    { name: 'email', pgType: 'text' },
    { name: 'id', pgType: 'text' },
  ],
}

/**
 * Rows per staging INSERT. SQLite: a multi-row VALUES list, kept far under its 32,766 bound
 * parameters (8 columns x 500). PostgreSQL: the batch as one JSON parameter (`json_to_recordset`).
 */
const SQLITE_BATCH = 500
const POSTGRES_BATCH = 5000

/** Creates the (empty) staging tables inside the caller's transaction, replacing leftovers. */
export async function createInventoryStaging(trx: Kysely<Database>): Promise<void> {
  const pg = dialectOf(trx) === 'postgres'
  for (const kind of Object.keys(STAGE) as (keyof typeof STAGE)[]) {
    await trx.executeQuery(CompiledQuery.raw(`drop table if exists ${STAGE[kind]}`))
    await trx.executeQuery(CompiledQuery.raw(`create temporary table ${STAGE[kind]} ${STAGE_DDL[kind]}${pg ? ' on commit drop' : ''}`))
  }
}

/** Drops the staging tables (PostgreSQL would drop them at commit anyway; SQLite keeps them for the connection's life). */
export async function dropInventoryStaging(trx: Kysely<Database>): Promise<void> {
  for (const table of Object.values(STAGE)) await trx.executeQuery(CompiledQuery.raw(`drop table if exists ${table}`))
}

/**
 * PostgreSQL: refreshes the planner's statistics of the inventory tables, inside the ingest's
 * transaction (so they describe what it commits). Autovacuum would, but only minutes later: grant
 * searches right after a first sync would be planned for empty tables (seconds instead of
 * milliseconds). SQLite plans without statistics; nothing to do.
 */
export async function analyzeInventory(trx: Kysely<Database>): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return
  await trx.executeQuery(CompiledQuery.raw('analyze resources, entitlements, grants, implications, identities'))
}

/** PostgreSQL never analyzes temporary tables by itself; the apply statements join on them. */
export async function analyzeInventoryStaging(trx: Kysely<Database>): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return
  for (const table of [STAGE.resources, STAGE.entitlements, STAGE.grants, STAGE.implications]) {
    await trx.executeQuery(CompiledQuery.raw(`analyze ${table}`))
  }
}

/**
 * SQLite page cache for an ingest, in KiB: the default 2 MiB thrashes on a million index inserts
 * (the grants' principal index is written in random order). Measured on 1.28M grants: 128 MiB for
 * the store cuts inserting them from 20 s to 6 s; 32 MiB for the staging tables halves the delta.
 */
const SQLITE_INGEST_CACHE_KIB = { main: 131072, temp: 32768 } as const

/**
 * SQLite: enlarges the connection's page cache (main and temp databases) for an ingest and
 * returns what restores it; PostgreSQL: gives the transaction more memory for the hash joins and
 * sorts that compare a million grants (`set local`, gone at commit or rollback).
 */
export async function tuneForIngest(trx: Kysely<Database>): Promise<() => Promise<void>> {
  if (dialectOf(trx) === 'postgres') {
    await trx.executeQuery(CompiledQuery.raw("set local work_mem = '64MB'"))
    return async () => undefined
  }
  const saved: [string, unknown][] = []
  for (const schema of ['main', 'temp'] as const) {
    const r = await trx.executeQuery<{ cache_size: number }>(CompiledQuery.raw(`pragma ${schema}.cache_size`))
    saved.push([schema, r.rows[0]?.cache_size])
    await trx.executeQuery(CompiledQuery.raw(`pragma ${schema}.cache_size = -${SQLITE_INGEST_CACHE_KIB[schema]}`))
  }
  return async () => {
    for (const [schema, size] of saved) {
      if (typeof size === 'number' && Number.isInteger(size)) await trx.executeQuery(CompiledQuery.raw(`pragma ${schema}.cache_size = ${size}`))
    }
  }
}

/**
 * Buffers staged rows of one kind and writes them in batches sized for the dialect; call `flush`
 * after the last row. On PostgreSQL a batch is written while the caller reads the next one (at
 * most one write in flight), so decoding the snapshot and the server's inserts overlap.
 */
export class StagingWriter<K extends StagedKind> {
  readonly #trx: Kysely<Database>
  readonly #kind: K
  readonly #pg: boolean
  readonly #batch: number
  #rows: StagedRows[K][] = []
  #written = 0
  /** The batch being written (PostgreSQL); its failure is kept for the next add or flush. */
  #inFlight: Promise<void> | undefined
  #failure: { error: unknown } | undefined

  constructor(trx: Kysely<Database>, kind: K) {
    this.#trx = trx
    this.#kind = kind
    this.#pg = dialectOf(trx) === 'postgres'
    this.#batch = this.#pg ? POSTGRES_BATCH : SQLITE_BATCH
  }

  /** Rows written so far. */
  get written(): number {
    return this.#written
  }

  async add(row: StagedRows[K]): Promise<void> {
    this.#rows.push(row)
    if (this.#rows.length < this.#batch) return
    await this.#settle()
    const rows = this.#rows
    this.#rows = []
    if (!this.#pg) return this.#write(rows)
    this.#inFlight = this.#write(rows).catch((error: unknown) => {
      this.#failure = { error }
    })
  }

  /** Writes what is buffered and waits for every write. */
  async flush(): Promise<void> {
    await this.#settle()
    const rows = this.#rows
    this.#rows = []
    if (rows.length > 0) await this.#write(rows)
  }

  async #settle(): Promise<void> {
    const inFlight = this.#inFlight
    this.#inFlight = undefined
    if (inFlight !== undefined) await inFlight
    const failure = this.#failure
    this.#failure = undefined
    if (failure !== undefined) throw failure.error
  }

  async #write(rows: StagedRows[K][]): Promise<void> {
    const columns = STAGE_COLUMNS[this.#kind]
    const names = columns.map((c) => c.name).join(', ')
    const table = STAGE[this.#kind]
    let query: CompiledQuery
    if (this.#pg) {
      // One JSON parameter per batch: PostgreSQL parses JSON far faster than long text[] literals.
      const record = columns.map((c) => `${c.name} ${c.pgType === 'int' ? 'integer' : 'text'}`).join(', ')
      query = CompiledQuery.raw(`insert into ${table} (${names}) select ${names} from json_to_recordset($1::json) as x(${record})`, [
        JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c.name, r[c.name]])))),
      ])
    } else {
      const tuple = `(${columns.map(() => '?').join(', ')})`
      const params: unknown[] = []
      for (const r of rows) for (const c of columns) params.push(r[c.name])
      query = CompiledQuery.raw(`insert into ${table} (${names}) values ${Array(rows.length).fill(tuple).join(', ')}`, params)
    }
    await this.#trx.executeQuery(query)
    this.#written += rows.length
  }
}

/**
 * The first thing in the staged snapshot that does not hold together, as a sentence, or
 * undefined: an entitlement of a resource it does not list, a grant of an entitlement or to a
 * principal it does not list.
 */
export async function findStagingInconsistency(trx: Kysely<Database>): Promise<string | undefined> {
  const orphanEntitlement = await sql<{ id: string; resource_id: string }>`
    select e.id, e.resource_id from ${sql.raw(STAGE.entitlements)} e
    where not exists (select 1 from ${sql.raw(STAGE.resources)} r where r.id = e.resource_id)
    order by e.id limit 1`.execute(trx)
  const e = orphanEntitlement.rows[0]
  if (e !== undefined) return `entitlement ${e.id} belongs to resource ${e.resource_id}, which the snapshot does not list`
  // One pass over the grants for both checks.
  const orphanGrant = await sql<{ entitlement_id: string; principal_id: string; listed: number | string }>`
    select g.entitlement_id, g.principal_id,
      case when exists (select 1 from ${sql.raw(STAGE.entitlements)} e where e.id = g.entitlement_id) then 1 else 0 end as listed
    from ${sql.raw(STAGE.grants)} g
    where not exists (select 1 from ${sql.raw(STAGE.entitlements)} e where e.id = g.entitlement_id)
       or not exists (select 1 from ${sql.raw(STAGE.resources)} r where r.id = g.principal_id)
    limit 1`.execute(trx)
  const g = orphanGrant.rows[0]
  if (g === undefined) return undefined
  const grant = `${g.entitlement_id}:${g.principal_id}`
  if (Number(g.listed) === 0) return `grant ${grant} is of entitlement ${g.entitlement_id}, which the snapshot does not list`
  return `grant ${grant} is held by ${g.principal_id}, which the snapshot does not list`
}

/** Whether the integration has an inventory yet (any resource ingested). */
export async function hasInventory(db: Kysely<Database>, integrationId: string): Promise<boolean> {
  const row = await db.selectFrom('resources').select('id').where('integration_id', '=', integrationId).limit(1).executeTakeFirst()
  return row !== undefined
}

/** The display names the inventory has now for these resources (before an ingest replaces them). */
export async function currentResourceNames(db: Kysely<Database>, integrationId: string, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('resources')
      .select(['id', 'display_name'])
      .where('integration_id', '=', integrationId)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute()
    for (const r of rows) out.set(r.id, r.display_name)
  }
  return out
}

/**
 * Records the grant delta between the inventory and the staged snapshot (before either is
 * applied): staged and not held is `added`, held and not staged is `removed` (with the direct
 * flag and sources it had), held both ways with another direct flag or sources is `changed`.
 * Two passes over the grants; applyStagedGrants(..., 'changes') then touches only the
 * changed rows. Returns the counts; `grantChanges` pages through the added and removed.
 */
export async function stageGrantChanges(trx: Kysely<Database>, integrationId: string): Promise<{ added: number; removed: number; changed: number }> {
  const changes = sql.raw(STAGE.grantChanges)
  const stage = sql.raw(STAGE.grants)
  // Added and changed in one pass: each staged grant looks up the held one once.
  await sql`
    insert into ${changes} (change, entitlement_id, principal_id, direct, sources)
    select case when g.principal_id is null then 'added' else 'changed' end, s.entitlement_id, s.principal_id, s.direct, s.sources
    from ${stage} s left join grants g on g.integration_id = ${integrationId} and g.entitlement_id = s.entitlement_id and g.principal_id = s.principal_id
    where g.principal_id is null or g.direct <> s.direct or g.sources <> s.sources`.execute(trx)
  const removed = await sql`
    insert into ${changes} (change, entitlement_id, principal_id, direct, sources)
    select 'removed', g.entitlement_id, g.principal_id, g.direct, g.sources from grants g
    where g.integration_id = ${integrationId} and not exists (
      select 1 from ${stage} s where s.entitlement_id = g.entitlement_id and s.principal_id = g.principal_id)`.execute(trx)
  const counted = await sql<{ change: string; n: number | string }>`select change, count(*) as n from ${changes} group by change`.execute(trx)
  const n = (change: string): number => Number(counted.rows.find((r) => r.change === change)?.n ?? 0)
  return { added: n('added'), removed: count(removed), changed: n('changed') }
}

export interface StagedGrantChange {
  change: 'added' | 'removed'
  entitlement_id: string
  principal_id: string
  sources: string[]
}

/** Staged grants added and removed after `after` (change, entitlement, principal) in key order, `limit` at a time. */
export async function grantChanges(
  trx: Kysely<Database>,
  after: readonly [string, string, string] | undefined,
  limit: number,
): Promise<StagedGrantChange[]> {
  const where = after === undefined ? sql`` : sql`and (change, entitlement_id, principal_id) > (${after[0]}, ${after[1]}, ${after[2]})`
  const rows = await sql<{ change: 'added' | 'removed'; entitlement_id: string; principal_id: string; sources: string }>`
    select change, entitlement_id, principal_id, sources from ${sql.raw(STAGE.grantChanges)}
    where change in ('added', 'removed') ${where}
    order by change, entitlement_id, principal_id limit ${limit}`.execute(trx)
  return rows.rows.map((r) => ({ ...r, sources: JSON.parse(r.sources) as string[] }))
}

export interface ApplyCounts {
  inserted: number
  updated: number
  deleted: number
}

const count = (r: { numAffectedRows?: bigint }): number => Number(r.numAffectedRows ?? 0n)

/**
 * Resources: delete those no longer staged, update the changed, insert the new. Users get the
 * identity of their email (createStagedIdentities runs first), so linking costs no pass of its own.
 */
export async function applyStagedResources(trx: Kysely<Database>, integrationId: string): Promise<ApplyCounts> {
  const stage = sql.raw(STAGE.resources)
  const deleted = await sql`
    delete from resources where integration_id = ${integrationId}
    and not exists (select 1 from ${stage} s where s.id = resources.id)`.execute(trx)
  const updated = await sql`
    update resources set type = s.type, display_name = s.display_name, traits = s.traits, email = s.email, status = s.status, identity_id = s.identity_id
    from (select st.id, st.type, st.display_name, st.traits, st.email, st.status, i.id as identity_id
          from ${stage} st left join identities i on i.email = st.person_email) s
    where resources.integration_id = ${integrationId} and s.id = resources.id
      and (resources.type <> s.type or resources.display_name <> s.display_name or resources.traits <> s.traits
        or resources.email is distinct from s.email or resources.status is distinct from s.status
        or resources.identity_id is distinct from s.identity_id)`.execute(trx)
  const inserted = await sql`
    insert into resources (integration_id, id, type, display_name, traits, email, status, identity_id)
    select ${integrationId}, s.id, s.type, s.display_name, s.traits, s.email, s.status, i.id
    from ${stage} s left join identities i on i.email = s.person_email
    where not exists (select 1 from resources r where r.integration_id = ${integrationId} and r.id = s.id)`.execute(trx)
  return { inserted: count(inserted), updated: count(updated), deleted: count(deleted) }
}

export async function applyStagedEntitlements(trx: Kysely<Database>, integrationId: string): Promise<ApplyCounts> {
  const s = sql.raw(STAGE.entitlements)
  const deleted = await sql`
    delete from entitlements where integration_id = ${integrationId}
    and not exists (select 1 from ${s} s where s.id = entitlements.id)`.execute(trx)
  const updated = await sql`
    update entitlements set resource_id = s.resource_id, slug = s.slug, display_name = s.display_name, grantable_to = s.grantable_to
    from ${s} s
    where entitlements.integration_id = ${integrationId} and s.id = entitlements.id
      and (entitlements.resource_id <> s.resource_id or entitlements.slug <> s.slug
        or entitlements.display_name <> s.display_name or entitlements.grantable_to <> s.grantable_to)`.execute(trx)
  const inserted = await sql`
    insert into entitlements (integration_id, id, resource_id, slug, display_name, grantable_to)
    select ${integrationId}, s.id, s.resource_id, s.slug, s.display_name, s.grantable_to from ${s} s
    where not exists (select 1 from entitlements e where e.integration_id = ${integrationId} and e.id = s.id)`.execute(trx)
  return { inserted: count(inserted), updated: count(updated), deleted: count(deleted) }
}

/**
 * Grants. `changes` (after stageGrantChanges): only the rows it recorded are deleted, updated and
 * inserted. `baseline` (the integration holds no grants yet): every staged grant is inserted.
 */
/** `now`: the ingest's time, each new grant's first_seen_at (the "added since" filter of access reviews). */
export async function applyStagedGrants(trx: Kysely<Database>, integrationId: string, mode: 'baseline' | 'changes', now: string): Promise<ApplyCounts> {
  if (mode === 'baseline') {
    const inserted = await sql`
      insert into grants (integration_id, entitlement_id, principal_id, direct, sources, first_seen_at)
      select ${integrationId}, s.entitlement_id, s.principal_id, s.direct, s.sources, ${now} from ${sql.raw(STAGE.grants)} s`.execute(trx)
    return { inserted: count(inserted), updated: 0, deleted: 0 }
  }
  const c = sql.raw(STAGE.grantChanges)
  const deleted = await sql`
    delete from grants where integration_id = ${integrationId}
    and (entitlement_id, principal_id) in (select entitlement_id, principal_id from ${c} where change = 'removed')`.execute(trx)
  const updated = await sql`
    update grants set direct = c.direct, sources = c.sources
    from ${c} c
    where c.change = 'changed' and grants.integration_id = ${integrationId}
      and grants.entitlement_id = c.entitlement_id and grants.principal_id = c.principal_id`.execute(trx)
  const inserted = await sql`
    insert into grants (integration_id, entitlement_id, principal_id, direct, sources, first_seen_at)
    select ${integrationId}, c.entitlement_id, c.principal_id, c.direct, c.sources, ${now} from ${c} c where c.change = 'added'`.execute(trx)
  return { inserted: count(inserted), updated: count(updated), deleted: count(deleted) }
}

export async function applyStagedImplications(trx: Kysely<Database>, integrationId: string): Promise<ApplyCounts> {
  const s = sql.raw(STAGE.implications)
  const deleted = await sql`
    delete from implications where integration_id = ${integrationId}
    and not exists (select 1 from ${s} s where s.from_entitlement = implications.from_entitlement and s.to_entitlement = implications.to_entitlement)`.execute(trx)
  const inserted = await sql`
    insert into implications (integration_id, from_entitlement, to_entitlement)
    select ${integrationId}, s.from_entitlement, s.to_entitlement from ${s} s
    where not exists (
      select 1 from implications i where i.integration_id = ${integrationId}
        and i.from_entitlement = s.from_entitlement and i.to_entitlement = s.to_entitlement)`.execute(trx)
  return { inserted: count(inserted), updated: 0, deleted: count(deleted) }
}

// ------------------------------------------------------------------ identities from staged users
// (before applyStagedResources, which links each user to the identity of its email)

/**
 * Stages one row per identity email among the staged users (several OneLogin users may share an
 * address: the smallest name wins, so the choice is stable).
 */
export async function stagePeople(trx: Kysely<Database>): Promise<void> {
  await sql`
    insert into ${sql.raw(STAGE.people)} (email, display_name)
    select person_email, min(person_name) from ${sql.raw(STAGE.resources)}
    where person_email is not null and person_name is not null group by person_email`.execute(trx)
}

/** Staged people with no identity yet, by email after `after`, `limit` at a time. */
export async function peopleWithoutIdentity(trx: Kysely<Database>, after: string | undefined, limit: number): Promise<string[]> {
  const where = after === undefined ? sql`` : sql`and p.email > ${after}`
  const rows = await sql<{ email: string }>`
    select p.email from ${sql.raw(STAGE.people)} p
    where not exists (select 1 from identities i where i.email = p.email) ${where}
    order by p.email limit ${limit}`.execute(trx)
  return rows.rows.map((r) => r.email)
}

/**
 * Creates the identities staged in the new-identities table (ids made by the caller), each
 * linked to the Warden user with its email when there is one. An email another transaction took
 * meanwhile is skipped (it keeps that identity). Returns how many were created and how many of
 * those are linked.
 */
export async function createStagedIdentities(trx: Kysely<Database>, now: string): Promise<{ created: number; linked: number }> {
  const inserted = await sql`
    insert into identities (id, email, display_name, warden_user_id, created_at, updated_at)
    select n.id, p.email, p.display_name, (select u.id from users u where u.email = p.email), ${now}, ${now}
    from ${sql.raw(STAGE.newIdentities)} n join ${sql.raw(STAGE.people)} p on p.email = n.email
    where true -- SQLite: without a WHERE, "on conflict" would parse as the join's constraint
    on conflict (email) do nothing`.execute(trx)
  const linked = await sql<{ n: number | string }>`
    select count(*) as n from identities i join ${sql.raw(STAGE.newIdentities)} n on n.id = i.id
    where i.warden_user_id is not null`.execute(trx)
  return { created: count(inserted), linked: Number(linked.rows[0]?.n ?? 0) }
}

/** Renames identities whose staged name differs. Returns how many. */
export async function renameStagedIdentities(trx: Kysely<Database>, now: string): Promise<number> {
  const r = await sql`
    update identities set display_name = p.display_name, updated_at = ${now}
    from ${sql.raw(STAGE.people)} p
    where p.email = identities.email and identities.display_name <> p.display_name`.execute(trx)
  return count(r)
}

/** Links the staged people's unlinked identities to the Warden user with the same email. Returns how many. */
export async function linkStagedIdentities(trx: Kysely<Database>, now: string): Promise<number> {
  const r = await sql`
    update identities set warden_user_id = u.id, updated_at = ${now}
    from ${sql.raw(STAGE.people)} p join users u on u.email = p.email
    where p.email = identities.email and identities.warden_user_id is null`.execute(trx)
  return count(r)
}

// ------------------------------------------------------------------ reads

/** The inventory's resource as the API shows it. */
export interface InventoryResource {
  integration_id: string
  id: string
  type: string
  display_name: string
  traits: Record<string, unknown>
  email: string | null
  status: string | null
  identity_id: string | null
}

export interface ResourceListFilter {
  type?: string
  /** Display name contains this (case-insensitive). */
  q?: string
}

type ResourceRow = Database['resources']

function toResource(r: ResourceRow): InventoryResource {
  return { ...r, traits: JSON.parse(r.traits) as Record<string, unknown> }
}

/** An integration's resources by type, name and id, a page at a time. */
export async function listInventoryResources(
  db: Kysely<Database>,
  integrationId: string,
  filter: ResourceListFilter = {},
  page: PageRequest = {},
): Promise<Page<InventoryResource>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('resources').selectAll().where('integration_id', '=', integrationId)
  if (filter.type !== undefined) q = q.where('type', '=', filter.type)
  if (filter.q !== undefined && filter.q !== '') q = q.where(containsText('display_name', filter.q))
  if (page.cursor) q = q.where(keysetAfter(['type', 'display_name', 'id'], decodeCursor('resources', page.cursor, 3), 'asc'))
  const rows = await q.orderBy('type').orderBy('display_name').orderBy('id').limit(limit + 1).execute()
  return toPage(rows.map(toResource), limit, 'resources', (r) => [r.type, r.display_name, r.id])
}

export async function getInventoryResource(db: Kysely<Database>, integrationId: string, id: string): Promise<InventoryResource | undefined> {
  const row = await db.selectFrom('resources').selectAll().where('integration_id', '=', integrationId).where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toResource(row)
}

/** An entitlement with its governance settings (defaults when none were saved). */
export interface InventoryEntitlement {
  integration_id: string
  id: string
  resource_id: string
  slug: string
  display_name: string
  grantable_to: string[]
  description: string | null
  requestable: boolean
  max_duration_minutes: number | null
  risk_level: RiskLevel | null
}

export interface EntitlementListFilter {
  /** The entitlement's resource type (`app`: app access). */
  type?: string
  q?: string
  requestable?: boolean
}

function entitlementsWithSettings(db: Kysely<Database>, integrationId: string) {
  return entitlementsAndSettings(db).where('e.integration_id', '=', integrationId)
}

/** Entitlements joined with their settings, of every integration: callers narrow it. */
function entitlementsAndSettings(db: Kysely<Database>) {
  return db
    .selectFrom('entitlements as e')
    .leftJoin('entitlement_settings as s', (j) => j.onRef('s.integration_id', '=', 'e.integration_id').onRef('s.entitlement_id', '=', 'e.id'))
    .select([
      'e.integration_id',
      'e.id',
      'e.resource_id',
      'e.slug',
      'e.display_name',
      'e.grantable_to',
      's.description',
      's.requestable',
      's.max_duration_minutes',
      's.risk_level',
    ])
}

interface EntitlementJoinRow {
  integration_id: string
  id: string
  resource_id: string
  slug: string
  display_name: string
  grantable_to: string
  description: string | null
  requestable: number | null
  max_duration_minutes: number | null
  risk_level: RiskLevel | null
}

function toEntitlement(r: EntitlementJoinRow): InventoryEntitlement {
  return {
    ...r,
    grantable_to: JSON.parse(r.grantable_to) as string[],
    requestable: Number(r.requestable ?? 0) === 1,
    max_duration_minutes: r.max_duration_minutes === null ? null : Number(r.max_duration_minutes),
  }
}

/** An integration's entitlements in id order, a page at a time. */
export async function listInventoryEntitlements(
  db: Kysely<Database>,
  integrationId: string,
  filter: EntitlementListFilter = {},
  page: PageRequest = {},
): Promise<Page<InventoryEntitlement>> {
  const limit = pageLimit(page.limit)
  let q = entitlementsWithSettings(db, integrationId)
  if (filter.type !== undefined) {
    // An entitlement id starts with its resource's type and a colon (app:9:access), and ';'
    // follows ':': a range of the key.
    q = q.where('e.id', '>=', `${filter.type}:`).where('e.id', '<', `${filter.type};`)
  }
  if (filter.q !== undefined && filter.q !== '') q = q.where(containsText('e.display_name', filter.q))
  if (filter.requestable === true) q = q.where('s.requestable', '=', 1)
  if (filter.requestable === false) q = q.where((w) => w.or([w('s.requestable', 'is', null), w('s.requestable', '=', 0)]))
  if (page.cursor) q = q.where(keysetAfter(['e.id'], decodeCursor('entitlements', page.cursor, 1), 'asc'))
  const rows = await q.orderBy('e.id').limit(limit + 1).execute()
  return toPage(rows.map(toEntitlement), limit, 'entitlements', (e) => [e.id])
}

export async function getInventoryEntitlement(db: Kysely<Database>, integrationId: string, id: string): Promise<InventoryEntitlement | undefined> {
  const row = await entitlementsWithSettings(db, integrationId).where('e.id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toEntitlement(row)
}

/** Which of an integration's entitlements belong to an app: all (an integration attached to it), or one (a discovered app's access). */
export interface AppEntitlementScope {
  integration_id: string
  /** null: every entitlement of the integration. */
  entitlement_id: string | null
}

export interface AppEntitlementFilter {
  /** Name is exactly this, ignoring case. */
  name?: string
  /** Name contains this (case-insensitive). */
  q?: string
  /** Only those with settings of their own: requestable, described, time-limited, risk-rated, owned, or with their own approval policies. */
  configured?: boolean
}

/** The entitlements in these scopes (an app's), by integration and id, a page at a time; an entitlement in two scopes comes once. */
export async function listAppEntitlements(
  db: Kysely<Database>,
  scopes: readonly AppEntitlementScope[],
  filter: AppEntitlementFilter = {},
  page: PageRequest = {},
): Promise<Page<InventoryEntitlement>> {
  const limit = pageLimit(page.limit)
  const after = page.cursor ? decodeCursor('app-entitlements', page.cursor, 2) : undefined
  if (scopes.length === 0) return { items: [], next_cursor: null }
  let q = entitlementsAndSettings(db).where((eb) =>
    eb.or(
      scopes.map((s) =>
        s.entitlement_id === null
          ? eb('e.integration_id', '=', s.integration_id)
          : eb.and([eb('e.integration_id', '=', s.integration_id), eb('e.id', '=', s.entitlement_id)]),
      ),
    ),
  )
  if (filter.name !== undefined) q = q.where(sameText('e.display_name', filter.name))
  if (filter.q !== undefined && filter.q !== '') q = q.where(containsText('e.display_name', filter.q))
  if (filter.configured === true) {
    q = q.where((eb) =>
      eb.or([
        eb('s.requestable', '=', 1),
        eb('s.description', 'is not', null),
        eb('s.max_duration_minutes', 'is not', null),
        eb('s.risk_level', 'is not', null),
        eb.exists(eb.selectFrom('entitlement_owners as o').select('o.user_id').whereRef('o.integration_id', '=', 'e.integration_id').whereRef('o.entitlement_id', '=', 'e.id')),
        eb.exists(
          eb
            .selectFrom('entitlement_request_settings as r')
            .select('r.entitlement_id')
            .whereRef('r.integration_id', '=', 'e.integration_id')
            .whereRef('r.entitlement_id', '=', 'e.id')
            .where((w) => w.or([w('r.grant_policy_id', 'is not', null), w('r.revoke_policy_id', 'is not', null), w('r.emergency_policy_id', 'is not', null)])),
        ),
      ]),
    )
  }
  if (after !== undefined) q = q.where(keysetAfter(['e.integration_id', 'e.id'], after, 'asc'))
  const rows = await q.orderBy('e.integration_id').orderBy('e.id').limit(limit + 1).execute()
  return toPage(rows.map(toEntitlement), limit, 'app-entitlements', (e) => [e.integration_id, e.id])
}

export interface EntitlementOwner {
  id: string
  email: string
  display_name: string
}

/** The Warden users who own an entitlement, by email. */
export async function listEntitlementOwners(db: Kysely<Database>, integrationId: string, entitlementId: string): Promise<EntitlementOwner[]> {
  return db
    .selectFrom('entitlement_owners as o')
    .innerJoin('users as u', 'u.id', 'o.user_id')
    .select(['u.id', 'u.email', 'u.display_name'])
    .where('o.integration_id', '=', integrationId)
    .where('o.entitlement_id', '=', entitlementId)
    .orderBy('u.email')
    .execute()
}

export interface EntitlementSettingsValues {
  description: string | null
  requestable: boolean
  max_duration_minutes: number | null
  risk_level: RiskLevel | null
}

/** Saves an entitlement's settings (insert or replace). */
export async function saveEntitlementSettings(
  db: Kysely<Database>,
  integrationId: string,
  entitlementId: string,
  values: EntitlementSettingsValues,
  now: string,
): Promise<void> {
  const row = { ...values, requestable: values.requestable ? 1 : 0, updated_at: now }
  await db
    .insertInto('entitlement_settings')
    .values({ integration_id: integrationId, entitlement_id: entitlementId, ...row })
    .onConflict((oc) => oc.columns(['integration_id', 'entitlement_id']).doUpdateSet(row))
    .execute()
}

/** Replaces an entitlement's owners. */
export async function replaceEntitlementOwners(db: Kysely<Database>, integrationId: string, entitlementId: string, userIds: readonly string[]): Promise<void> {
  await db.deleteFrom('entitlement_owners').where('integration_id', '=', integrationId).where('entitlement_id', '=', entitlementId).execute()
  if (userIds.length === 0) return
  await db
    .insertInto('entitlement_owners')
    .values([...new Set(userIds)].map((user_id) => ({ integration_id: integrationId, entitlement_id: entitlementId, user_id })))
    .execute()
}

/** Those of `ids` that are no Warden user's id. */
export async function unknownUserIds(db: Kysely<Database>, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const found = new Set((await db.selectFrom('users').select('id').where('id', 'in', [...ids]).execute()).map((r) => r.id))
  return ids.filter((id) => !found.has(id))
}

/** Whether an integration with this id exists. */
export async function integrationExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('integrations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
}

/** An integration as an app's page shows it: never its credentials. */
export interface AppIntegration {
  id: string
  mode: string
  status: string
  onelogin_domain: string | null
  last_sync_at: string | null
}

/** The integrations attached to an app. */
export async function listAppIntegrations(db: Kysely<Database>, appId: string): Promise<AppIntegration[]> {
  return db
    .selectFrom('integrations')
    .select(['id', 'mode', 'status', 'onelogin_domain', 'last_sync_at'])
    .where('app_id', '=', appId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

/** The apps an integration's syncs discovered, by the OneLogin app each was found as (`app:<id>`). */
export async function discoveredApps(db: Kysely<Database>, integrationId: string): Promise<Map<string, App>> {
  const rows = await db.selectFrom('apps').selectAll().where('source_integration_id', '=', integrationId).execute()
  return new Map(rows.flatMap((a) => (a.source_resource_id === null ? [] : [[a.source_resource_id, a] as const])))
}

/** Every integration's id, in order (few: one per OneLogin tenant). */
export async function allIntegrationIds(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('integrations').select('id').orderBy('id').execute()).map((r) => r.id)
}

/** The ids of integrations attached to an app. */
export async function appIntegrationIds(db: Kysely<Database>, appId: string): Promise<string[]> {
  return (await db.selectFrom('integrations').select('id').where('app_id', '=', appId).orderBy('id').execute()).map((r) => r.id)
}

export interface AppBinding {
  integration_id: string
  entitlement_id: string
  /** The bound entitlement's name in the inventory (null when a sync no longer lists it). */
  entitlement_name: string | null
  created_at: string
}

export async function listAppBindings(db: Kysely<Database>, appId: string): Promise<AppBinding[]> {
  return db
    .selectFrom('app_bindings as b')
    .leftJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 'b.integration_id').onRef('e.id', '=', 'b.entitlement_id'))
    .select(['b.integration_id', 'b.entitlement_id', 'e.display_name as entitlement_name', 'b.created_at'])
    .where('b.app_id', '=', appId)
    .orderBy('b.entitlement_id')
    .execute()
}

/** Replaces an app's bindings with these entitlements of one integration. */
export async function replaceAppBindings(
  db: Kysely<Database>,
  appId: string,
  integrationId: string,
  entitlementIds: readonly string[],
  now: string,
): Promise<void> {
  await db.deleteFrom('app_bindings').where('app_id', '=', appId).execute()
  if (entitlementIds.length === 0) return
  await db
    .insertInto('app_bindings')
    .values([...new Set(entitlementIds)].map((entitlement_id) => ({ app_id: appId, integration_id: integrationId, entitlement_id, created_at: now })))
    .execute()
}

/** The entitlements whose holders get `to` (e.g. the role memberships that carry an app's access), in id order. */
export async function entitlementsImplying(db: Kysely<Database>, integrationId: string, to: string): Promise<string[]> {
  const rows = await db
    .selectFrom('implications')
    .select('from_entitlement')
    .where('integration_id', '=', integrationId)
    .where('to_entitlement', '=', to)
    .orderBy('from_entitlement')
    .execute()
  return rows.map((r) => r.from_entitlement)
}

/** An entitlement that carries another (e.g. a role membership that gives an app), with its name. */
export interface CarryingEntitlement {
  entitlement_id: string
  /** Its name in the inventory (null when a sync no longer lists it). */
  entitlement_name: string | null
}

/** entitlementsImplying with each one's name: what a page offers to bind a SCIM app to. */
export async function listCarryingEntitlements(db: Kysely<Database>, integrationId: string, to: string): Promise<CarryingEntitlement[]> {
  return db
    .selectFrom('implications as i')
    .leftJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 'i.integration_id').onRef('e.id', '=', 'i.from_entitlement'))
    .select(['i.from_entitlement as entitlement_id', 'e.display_name as entitlement_name'])
    .where('i.integration_id', '=', integrationId)
    .where('i.to_entitlement', '=', to)
    .orderBy('i.from_entitlement')
    .execute()
}

// ------------------------------------------------------------------ grant search

/**
 * Which grants: every condition given must hold. Resolved by the caller from what people type
 * (governance/inventory.ts), so each is one plain condition here.
 */
export interface GrantQuery {
  /** Grants of these integrations only (an empty list matches nothing). */
  integration_ids?: readonly string[]
  principal_id?: string
  /** Grants held by any of these (integration, principal) pairs, e.g. one person's accounts (an empty list matches nothing). */
  principals?: readonly { integration_id: string; principal_id: string }[]
  entitlement_id?: string
  /** `role:<id>` and what it reaches (see roleReach): its grants, and grants held through it. */
  role?: RoleReach
  /**
   * Grants in any of these scopes: an integration's grants of one entitlement, or (entitlement
   * null) all of an integration's grants. An empty list matches nothing.
   */
  scopes?: readonly { integration_id: string; entitlement_id: string | null }[]
  /** The principal's status (users: active, suspended, ...). */
  principal_status?: string
  direct?: boolean
}

/**
 * What a role's grants can be: its member and admin entitlements, the entitlements it implies
 * (apps, privileges) and those it holds itself (privileges assigned to the role). A grant search
 * by role reads only these entitlements' grants (an index range each), then keeps those of the
 * role's own entitlements, those the role holds, and those held through `role:<id>:member`.
 */
export interface RoleReach {
  role: string
  entitlement_ids: readonly string[]
}

/** The (integration, user) pairs of the OneLogin users with this email, or linked to this identity. */
export async function principalsOf(
  db: Kysely<Database>,
  who: { email: string } | { identity_id: string },
): Promise<{ integration_id: string; principal_id: string }[]> {
  let q = db.selectFrom('resources').select(['integration_id', 'id as principal_id'])
  q = 'email' in who ? q.where('email', '=', who.email) : q.where('identity_id', '=', who.identity_id)
  return q.orderBy('integration_id').orderBy('id').limit(1000).execute()
}

/** See RoleReach. */
export async function roleReach(db: Kysely<Database>, integrationIds: readonly string[], role: string): Promise<RoleReach> {
  const member = `${role}:member`
  const ids = new Set([member, `${role}:admin`])
  if (integrationIds.length > 0) {
    const implied = await db
      .selectFrom('implications')
      .select('to_entitlement as id')
      .where('integration_id', 'in', [...integrationIds])
      .where('from_entitlement', '=', member)
      .execute()
    const held = await db
      .selectFrom('grants')
      .select('entitlement_id as id')
      .where('integration_id', 'in', [...integrationIds])
      .where('principal_id', '=', role)
      .execute()
    for (const r of [...implied, ...held]) ids.add(r.id)
  }
  return { role, entitlement_ids: [...ids].sort() }
}

/** A grant as the API shows it: who holds what, and why. */
export interface GrantRecord {
  integration_id: string
  /** `<entitlement id>:<principal id>`. */
  id: string
  entitlement_id: string
  entitlement_name: string
  principal_id: string
  principal_name: string
  principal_email: string | null
  principal_status: string | null
  /** The identity a user principal is linked to by email (null for roles, or an unlinked user). */
  principal_identity_id: string | null
  direct: boolean
  sources: string[]
}

interface GrantJoinRow {
  integration_id: string
  entitlement_id: string
  principal_id: string
  direct: number
  sources: string
  entitlement_name: string | null
  principal_name: string | null
  principal_email: string | null
  principal_status: string | null
  principal_identity_id: string | null
}

function toGrant(r: GrantJoinRow): GrantRecord {
  return {
    integration_id: r.integration_id,
    id: `${r.entitlement_id}:${r.principal_id}`,
    entitlement_id: r.entitlement_id,
    entitlement_name: r.entitlement_name ?? r.entitlement_id,
    principal_id: r.principal_id,
    principal_name: r.principal_name ?? r.principal_id,
    principal_email: r.principal_email,
    principal_status: r.principal_status,
    principal_identity_id: r.principal_identity_id,
    direct: Number(r.direct) === 1,
    sources: JSON.parse(r.sources) as string[],
  }
}

const GRANT_KEY = ['g.integration_id', 'g.entitlement_id', 'g.principal_id'] as const

function grantsMatching(db: Kysely<Database>, filter: GrantQuery) {
  let q = db
    .selectFrom('grants as g')
    .leftJoin('resources as p', (j) => j.onRef('p.integration_id', '=', 'g.integration_id').onRef('p.id', '=', 'g.principal_id'))
    .leftJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 'g.integration_id').onRef('e.id', '=', 'g.entitlement_id'))
    .select([
      'g.integration_id',
      'g.entitlement_id',
      'g.principal_id',
      'g.direct',
      'g.sources',
      'e.display_name as entitlement_name',
      'p.display_name as principal_name',
      'p.email as principal_email',
      'p.status as principal_status',
      'p.identity_id as principal_identity_id',
    ])
  const none = sql<SqlBool>`1 = 0`
  if (filter.integration_ids !== undefined) {
    const ids = filter.integration_ids
    // One integration (the usual case) as an equality, so the key's order is the index's.
    q = ids.length === 0 ? q.where(none) : ids.length === 1 ? q.where('g.integration_id', '=', ids[0] as string) : q.where('g.integration_id', 'in', [...ids])
  }
  if (filter.principal_id !== undefined) q = q.where('g.principal_id', '=', filter.principal_id)
  if (filter.principals !== undefined) {
    const pairs = filter.principals
    q =
      pairs.length === 0
        ? q.where(none)
        : q.where((w) => w.or(pairs.map((p) => w.and([w('g.integration_id', '=', p.integration_id), w('g.principal_id', '=', p.principal_id)]))))
  }
  if (filter.entitlement_id !== undefined) q = q.where('g.entitlement_id', '=', filter.entitlement_id)
  if (filter.principal_status !== undefined) q = q.where('p.status', '=', filter.principal_status)
  if (filter.direct !== undefined) q = q.where('g.direct', '=', filter.direct ? 1 : 0)
  if (filter.role !== undefined) {
    const { role, entitlement_ids } = filter.role
    const own = [`${role}:member`, `${role}:admin`]
    // sources is a JSON array of strings: the quoted id matches that element exactly.
    const through = `%${JSON.stringify(`${role}:member`).replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    q = q
      .where('g.entitlement_id', 'in', [...entitlement_ids])
      .where((w) => w.or([w('g.entitlement_id', 'in', own), w('g.principal_id', '=', role), sql<SqlBool>`g.sources like ${through} escape '\\'`]))
  }
  if (filter.scopes !== undefined) {
    const scopes = filter.scopes
    if (scopes.length === 0) q = q.where(none)
    else {
      q = q.where((w) =>
        w.or(
          scopes.map((s) =>
            s.entitlement_id === null
              ? w('g.integration_id', '=', s.integration_id)
              : w.and([w('g.integration_id', '=', s.integration_id), w('g.entitlement_id', '=', s.entitlement_id)]),
          ),
        ),
      )
    }
  }
  return q
}

/** Grants matching `filter` in key order (integration, entitlement, principal), a page at a time. */
export async function queryGrants(db: Kysely<Database>, filter: GrantQuery = {}, page: PageRequest = {}): Promise<Page<GrantRecord>> {
  const limit = pageLimit(page.limit)
  let q = grantsMatching(db, filter)
  if (page.cursor) q = q.where(keysetAfter(GRANT_KEY, decodeCursor('grants', page.cursor, 3), 'asc'))
  const rows = await q.orderBy('g.integration_id').orderBy('g.entitlement_id').orderBy('g.principal_id').limit(limit + 1).execute()
  return toPage(rows.map(toGrant), limit, 'grants', (g) => [g.integration_id, g.entitlement_id, g.principal_id])
}

/** Every grant matching `filter`, in key order, read in keyset batches (exports of any size). */
export async function* streamGrants(db: Kysely<Database>, filter: GrantQuery = {}, options: { batchSize?: number } = {}): AsyncGenerator<GrantRecord> {
  const batchSize = options.batchSize ?? 1000
  let after: RawBuilder<SqlBool> | undefined
  for (;;) {
    let q = grantsMatching(db, filter)
    if (after !== undefined) q = q.where(after)
    const rows = await q.orderBy('g.integration_id').orderBy('g.entitlement_id').orderBy('g.principal_id').limit(batchSize).execute()
    for (const row of rows) yield toGrant(row)
    const last = rows[rows.length - 1]
    if (rows.length < batchSize || last === undefined) return
    after = keysetAfter(GRANT_KEY, [last.integration_id, last.entitlement_id, last.principal_id], 'asc')
  }
}

/** One OneLogin app's access grants, counted (the "grants by application" chart). */
export interface AppGrantCount {
  integration_id: string
  /** The OneLogin app, `app:<id>`. */
  resource_id: string
  /** The Warden app's name when a sync discovered one for it (it may be renamed in Warden), else OneLogin's. */
  app_name: string
  /** The Warden app discovered from it (a SCIM app), or null. */
  warden_app_id: string | null
  /** Holders of `app:<id>:access`. */
  grants: number
  /** Of those, the ones OneLogin records directly (not only through a role). */
  direct_grants: number
}

/**
 * The apps of these integrations with the most access grants, most first (ties by integration and
 * entitlement id), at most `limit`. One statement: the grants of `app:…:access` entitlements are
 * a range of the grants' primary key per integration, counted by group, and only the top `limit`
 * groups are joined with their names and Warden apps.
 */
export async function countGrantsByApp(db: Kysely<Database>, integrationIds: readonly string[], limit: number): Promise<AppGrantCount[]> {
  if (integrationIds.length === 0) return []
  let counted = db
    .selectFrom('grants as g')
    .select((eb) => [
      'g.integration_id',
      'g.entitlement_id',
      eb.fn.countAll<number | string>().as('grant_count'),
      eb.fn.sum<number | string>('g.direct').as('direct_count'),
    ])
  // Naming the integrations (as grant search does) lets the key's range serve the app prefix.
  counted = integrationIds.length === 1 ? counted.where('g.integration_id', '=', integrationIds[0] as string) : counted.where('g.integration_id', 'in', [...integrationIds])
  // `app:` up to `app;` (';' follows ':'): every app entitlement, and only those (app:<id>:access).
  const top = counted
    .where('g.entitlement_id', '>=', 'app:')
    .where('g.entitlement_id', '<', 'app;')
    .groupBy(['g.integration_id', 'g.entitlement_id'])
    .orderBy('grant_count', 'desc')
    .orderBy('g.integration_id')
    .orderBy('g.entitlement_id')
    .limit(limit)
    .as('t')
  const rows = await db
    .selectFrom(top)
    .leftJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 't.integration_id').onRef('e.id', '=', 't.entitlement_id'))
    .leftJoin('resources as r', (j) => j.onRef('r.integration_id', '=', 'e.integration_id').onRef('r.id', '=', 'e.resource_id'))
    .leftJoin('apps as a', (j) => j.onRef('a.source_integration_id', '=', 'e.integration_id').onRef('a.source_resource_id', '=', 'e.resource_id'))
    .select(['t.integration_id', 't.entitlement_id', 't.grant_count', 't.direct_count', 'e.resource_id', 'r.display_name as resource_name', 'a.id as warden_app_id', 'a.name as warden_app_name'])
    .orderBy('t.grant_count', 'desc')
    .orderBy('t.integration_id')
    .orderBy('t.entitlement_id')
    .execute()
  return rows.map((r) => {
    const resourceId = r.resource_id ?? r.entitlement_id.replace(/:access$/, '')
    return {
      integration_id: r.integration_id,
      resource_id: resourceId,
      app_name: r.warden_app_name ?? r.resource_name ?? resourceId,
      warden_app_id: r.warden_app_id,
      grants: Number(r.grant_count),
      direct_grants: Number(r.direct_count ?? 0),
    }
  })
}

export const GRANT_CSV_COLUMNS = [
  'integration_id',
  'id',
  'entitlement_id',
  'entitlement_name',
  'principal_id',
  'principal_name',
  'principal_email',
  'principal_status',
  'direct',
  'sources',
] as const

/**
 * The grants as CSV: a header row, then one row per grant; sources joined with `;` (as the CLI
 * does). Names come from OneLogin, so a cell starting with `=`, `+`, `-` or `@` is prefixed with
 * `'` and a spreadsheet shows it instead of evaluating it.
 */
export async function* exportGrantsCsv(db: Kysely<Database>, filter: GrantQuery = {}): AsyncGenerator<string> {
  const csv = (rows: unknown[][]): string => stringify(rows, { escape_formulas: true })
  yield csv([[...GRANT_CSV_COLUMNS]])
  let rows: unknown[][] = []
  for await (const g of streamGrants(db, filter)) {
    rows.push([
      g.integration_id,
      g.id,
      g.entitlement_id,
      g.entitlement_name,
      g.principal_id,
      g.principal_name,
      g.principal_email ?? '',
      g.principal_status ?? '',
      g.direct ? 'true' : 'false',
      g.sources.join(';'),
    ])
    if (rows.length === 500) {
      yield csv(rows)
      rows = []
    }
  }
  if (rows.length > 0) yield csv(rows)
}
