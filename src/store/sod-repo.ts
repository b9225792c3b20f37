import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'

/**
 * Separation-of-duties rules: two sets of entitlements (A and B, any integrations) a person must
 * not hold together. Each rule's entitlements are rows of their own, so "which rules name this
 * entitlement" (every access request asks) is an index lookup.
 */

export type SodAction = 'block' | 'extra_approval'
export type SodSide = 'a' | 'b'

export interface SodRulesTable {
  id: string
  /** Unique. */
  name: string
  description: string
  /** block: a request that would break the rule is refused; extra_approval: it needs an approval by approver_user_ids. */
  action: SodAction
  /** JSON array of Warden user ids (empty for block). */
  approver_user_ids: string
  enabled: number
  created_by: string
  created_at: string
  updated_at: string
}

export interface SodRuleEntitlementsTable {
  rule_id: string
  side: SodSide
  integration_id: string
  entitlement_id: string
}

declare module './database.js' {
  interface Database {
    sod_rules: SodRulesTable
    sod_rule_entitlements: SodRuleEntitlementsTable
  }
}

/** An entitlement of a rule's set. */
export interface SodEntitlementRef {
  integration_id: string
  entitlement_id: string
}

/** A set member as shown: with its name at the last sync (null when no sync lists it now). */
export interface SodRuleEntitlement extends SodEntitlementRef {
  entitlement_name: string | null
}

export interface SodRuleRecord {
  id: string
  name: string
  description: string
  action: SodAction
  approver_user_ids: string[]
  enabled: boolean
  set_a: SodRuleEntitlement[]
  set_b: SodRuleEntitlement[]
  created_by: string
  created_at: string
  updated_at: string
}

export interface SodRuleFilter {
  enabled?: boolean
}

export async function insertSodRule(db: Kysely<Database>, row: SodRulesTable, sets: { a: readonly SodEntitlementRef[]; b: readonly SodEntitlementRef[] }): Promise<void> {
  await db.insertInto('sod_rules').values(row).execute()
  await replaceSodRuleSet(db, row.id, 'a', sets.a)
  await replaceSodRuleSet(db, row.id, 'b', sets.b)
}

export async function updateSodRuleRow(db: Kysely<Database>, id: string, values: Partial<Omit<SodRulesTable, 'id' | 'created_by' | 'created_at'>>): Promise<boolean> {
  const result = await db.updateTable('sod_rules').set(values).where('id', '=', id).executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Replaces one side of a rule. */
export async function replaceSodRuleSet(db: Kysely<Database>, ruleId: string, side: SodSide, refs: readonly SodEntitlementRef[]): Promise<void> {
  await db.deleteFrom('sod_rule_entitlements').where('rule_id', '=', ruleId).where('side', '=', side).execute()
  if (refs.length === 0) return
  await db
    .insertInto('sod_rule_entitlements')
    .values(refs.map((r) => ({ rule_id: ruleId, side, integration_id: r.integration_id, entitlement_id: r.entitlement_id })))
    .execute()
}

export async function deleteSodRule(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('sod_rules').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** A rule row, locked until the transaction ends on PostgreSQL (updates of one rule run one at a time). */
export async function lockSodRule(db: Kysely<Database>, id: string, postgres: boolean): Promise<SodRulesTable | undefined> {
  const q = db.selectFrom('sod_rules').selectAll().where('id', '=', id)
  return postgres ? q.forUpdate().executeTakeFirst() : q.executeTakeFirst()
}

export async function findSodRuleByName(db: Kysely<Database>, name: string): Promise<{ id: string } | undefined> {
  return db.selectFrom('sod_rules').select('id').where('name', '=', name).executeTakeFirst()
}

export async function getSodRule(db: Kysely<Database>, id: string): Promise<SodRuleRecord | undefined> {
  const row = await db.selectFrom('sod_rules').selectAll().where('id', '=', id).executeTakeFirst()
  if (row === undefined) return undefined
  const [record] = await withSets(db, [row])
  return record
}

/** Several rules at once (unknown ids are left out). */
export async function getSodRules(db: Kysely<Database>, ids: readonly string[]): Promise<SodRuleRecord[]> {
  if (ids.length === 0) return []
  const rows = await db.selectFrom('sod_rules').selectAll().where('id', 'in', [...new Set(ids)]).orderBy('name').orderBy('id').execute()
  return withSets(db, rows)
}

/** Rules by name, a page at a time. */
export async function listSodRules(db: Kysely<Database>, filter: SodRuleFilter = {}, page: PageRequest = {}): Promise<Page<SodRuleRecord>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('sod_rules').selectAll()
  if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled ? 1 : 0)
  if (page.cursor) q = q.where(keysetAfter(['name', 'id'], decodeCursor('sod_rules', page.cursor, 2), 'asc'))
  const rows = await q.orderBy('name').orderBy('id').limit(limit + 1).execute()
  const paged = toPage(rows, limit, 'sod_rules', (r) => [r.name, r.id])
  return { items: await withSets(db, paged.items), next_cursor: paged.next_cursor }
}

async function withSets(db: Kysely<Database>, rows: readonly SodRulesTable[]): Promise<SodRuleRecord[]> {
  if (rows.length === 0) return []
  const members = await db
    .selectFrom('sod_rule_entitlements as s')
    .leftJoin('entitlements as e', (j) => j.onRef('e.integration_id', '=', 's.integration_id').onRef('e.id', '=', 's.entitlement_id'))
    .select(['s.rule_id', 's.side', 's.integration_id', 's.entitlement_id', 'e.display_name as entitlement_name'])
    .where(
      's.rule_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('s.rule_id')
    .orderBy('s.side')
    .orderBy('s.integration_id')
    .orderBy('s.entitlement_id')
    .execute()
  return rows.map((r) => {
    const mine = members.filter((m) => m.rule_id === r.id)
    const set = (side: SodSide): SodRuleEntitlement[] =>
      mine.filter((m) => m.side === side).map((m) => ({ integration_id: m.integration_id, entitlement_id: m.entitlement_id, entitlement_name: m.entitlement_name }))
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      action: r.action,
      approver_user_ids: JSON.parse(r.approver_user_ids) as string[],
      enabled: Number(r.enabled) === 1,
      set_a: set('a'),
      set_b: set('b'),
      created_by: r.created_by,
      created_at: r.created_at,
      updated_at: r.updated_at,
    }
  })
}

/** Which of these entitlements (of one integration) exist in its inventory. */
export async function existingEntitlements(db: Kysely<Database>, integrationId: string, entitlementIds: readonly string[]): Promise<Set<string>> {
  if (entitlementIds.length === 0) return new Set()
  const rows = await db
    .selectFrom('entitlements')
    .select('id')
    .where('integration_id', '=', integrationId)
    .where('id', 'in', [...new Set(entitlementIds)])
    .execute()
  return new Set(rows.map((r) => r.id))
}

/** The entitlements holding `entitlementId` gives too (e.g. the apps a role membership carries). */
export async function entitlementsImpliedBy(db: Kysely<Database>, integrationId: string, entitlementId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('implications')
    .select('to_entitlement')
    .where('integration_id', '=', integrationId)
    .where('from_entitlement', '=', entitlementId)
    .orderBy('to_entitlement')
    .execute()
  return rows.map((r) => r.to_entitlement)
}

export interface SodRuleHit {
  rule_id: string
  side: SodSide
  entitlement_id: string
}

/** The enabled rules naming any of these entitlements of one integration, and on which side. */
export async function enabledRulesNaming(db: Kysely<Database>, integrationId: string, entitlementIds: readonly string[]): Promise<SodRuleHit[]> {
  if (entitlementIds.length === 0) return []
  return db
    .selectFrom('sod_rule_entitlements as s')
    .innerJoin('sod_rules as r', 'r.id', 's.rule_id')
    .select(['s.rule_id', 's.side', 's.entitlement_id'])
    .where('s.integration_id', '=', integrationId)
    .where('s.entitlement_id', 'in', [...new Set(entitlementIds)])
    .where('r.enabled', '=', 1)
    .orderBy('s.rule_id')
    .orderBy('s.side')
    .orderBy('s.entitlement_id')
    .execute()
}

export interface SodHolding {
  rule_id: string
  side: SodSide
  integration_id: string
  entitlement_id: string
  entitlement_name: string | null
  principal_id: string
}

/**
 * The grants (direct or held through another) these accounts hold among these rules'
 * entitlements: each rule entitlement looks up the accounts' grants by the grants' primary key.
 */
export async function holdingsOf(
  db: Kysely<Database>,
  ruleIds: readonly string[],
  accounts: readonly { integration_id: string; principal_id: string }[],
): Promise<SodHolding[]> {
  if (ruleIds.length === 0 || accounts.length === 0) return []
  const pairs = sql.join(accounts.map((a) => sql`(${a.integration_id}, ${a.principal_id})`))
  const rows = await sql<SodHolding>`
    select s.rule_id, s.side, g.integration_id, g.entitlement_id, e.display_name as entitlement_name, g.principal_id
    from sod_rule_entitlements s
    join grants g on g.integration_id = s.integration_id and g.entitlement_id = s.entitlement_id
    left join entitlements e on e.integration_id = g.integration_id and e.id = g.entitlement_id
    where s.rule_id in (${sql.join([...new Set(ruleIds)])}) and (g.integration_id, g.principal_id) in (${pairs})
    order by s.rule_id, s.side, g.integration_id, g.entitlement_id, g.principal_id`.execute(db)
  return rows.rows
}

/** The names of these entitlements at the last sync (unknown ones are left out). */
export async function entitlementNames(db: Kysely<Database>, integrationId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await db
    .selectFrom('entitlements')
    .select(['id', 'display_name'])
    .where('integration_id', '=', integrationId)
    .where('id', 'in', [...new Set(ids)])
    .execute()
  return new Map(rows.map((r) => [r.id, r.display_name]))
}

/** A grant that puts someone on one side of a rule. */
export interface SodViolationGrant {
  integration_id: string
  entitlement_id: string
  entitlement_name: string | null
  principal_id: string
}

/** Someone who holds both sides of a rule now: a person (identity) across integrations, or an account no identity links. */
export interface SodViolation {
  /** The identity id, or `account:<integration id>/<principal id>`. */
  holder: string
  identity_id: string | null
  display_name: string
  email: string | null
  side_a: SodViolationGrant[]
  side_b: SodViolationGrant[]
}

interface ViolationRow {
  holder: string
  side: SodSide
  integration_id: string
  entitlement_id: string
  entitlement_name: string | null
  principal_id: string
  identity_id: string | null
  identity_name: string | null
  identity_email: string | null
  account_name: string | null
  account_email: string | null
}

/**
 * The current holders of both sides of a rule, by holder, a page at a time, in one statement:
 * the rule's entitlements' grants, each attributed to its holder's identity (or to the account when
 * no identity links it); the holders found on both sides (INTERSECT), one page of them after the
 * cursor; and those holders' grants on either side, with names.
 */
export async function listSodViolations(db: Kysely<Database>, ruleId: string, page: PageRequest = {}): Promise<Page<SodViolation>> {
  const limit = pageLimit(page.limit)
  const after = page.cursor ? String(decodeCursor(`sod_violations:${ruleId}`, page.cursor, 1)[0]) : null
  const rows = await sql<ViolationRow>`
    with holdings as (
      select s.side, g.integration_id, g.entitlement_id, g.principal_id,
        coalesce(r.identity_id, 'account:' || g.integration_id || '/' || g.principal_id) as holder
      from sod_rule_entitlements s
      join grants g on g.integration_id = s.integration_id and g.entitlement_id = s.entitlement_id
      left join resources r on r.integration_id = g.integration_id and r.id = g.principal_id
      where s.rule_id = ${ruleId}
    ),
    both_sides as (
      select holder from holdings where side = 'a'
      intersect
      select holder from holdings where side = 'b'
    ),
    one_page as (
      select holder from both_sides ${after === null ? sql`` : sql`where holder > ${after}`}
      order by holder limit ${limit + 1}
    )
    select p.holder, h.side, h.integration_id, h.entitlement_id, e.display_name as entitlement_name, h.principal_id,
      i.id as identity_id, i.display_name as identity_name, i.email as identity_email,
      r.display_name as account_name, r.email as account_email
    from one_page p
    join holdings h on h.holder = p.holder
    left join entitlements e on e.integration_id = h.integration_id and e.id = h.entitlement_id
    left join identities i on i.id = p.holder
    left join resources r on r.integration_id = h.integration_id and r.id = h.principal_id
    order by p.holder, h.side, h.integration_id, h.entitlement_id, h.principal_id`.execute(db)

  const byHolder = new Map<string, SodViolation>()
  for (const row of rows.rows) {
    let v = byHolder.get(row.holder)
    if (v === undefined) {
      v = {
        holder: row.holder,
        identity_id: row.identity_id,
        display_name: row.identity_name ?? row.account_name ?? row.principal_id,
        email: row.identity_email ?? row.account_email,
        side_a: [],
        side_b: [],
      }
      byHolder.set(row.holder, v)
    }
    const grant = { integration_id: row.integration_id, entitlement_id: row.entitlement_id, entitlement_name: row.entitlement_name, principal_id: row.principal_id }
    ;(row.side === 'a' ? v.side_a : v.side_b).push(grant)
  }
  return toPage([...byHolder.values()], limit, `sod_violations:${ruleId}`, (v) => [v.holder])
}
