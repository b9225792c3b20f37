import { sql } from 'kysely'
import type { Kysely, RawBuilder, Selectable, SqlBool } from 'kysely'
import type { Database } from './database.js'
import { dialectOf } from './db-errors.js'
import { containsText } from './like.js'
import { appOwnersRelation } from './owners-repo.js'
import { decodeCursor, keysetAfter, pageLimit, toPage } from './pagination.js'
import type { Page, PageRequest } from './pagination.js'

/**
 * Access reviews (issue 9): campaigns, their frozen items, reviewers, comments, reminders and
 * templates. Staging is set-based: the scope's entitlements are resolved (a few thousand rows at
 * most), then one INSERT ... SELECT copies every grant in scope into campaign_items, and one
 * INSERT ... SELECT per reviewer rule assigns them, so a million grants stage in seconds.
 */

export type CampaignState = 'draft' | 'staged' | 'active' | 'closed'
export type CampaignDecision = 'certify' | 'revoke'
export type CampaignSuggestion = 'suspended' | 'inactive'
export type CampaignCloseAction = 'revoke' | 'leave'
export type ReviewerType = 'manager' | 'app_owners' | 'entitlement_owners' | 'users'

export interface CampaignsTable {
  id: string
  name: string
  description: string
  state: CampaignState
  /** JSON: CampaignConfig (governance/campaigns.ts validates it). */
  config: string
  due_at: string
  close_action: CampaignCloseAction
  auto_close: number
  owner_id: string
  template_id: string | null
  /** JSON array of sentences (e.g. a stale sync) recorded at staging. */
  warnings: string
  items_total: number
  staged_at: string | null
  started_at: string | null
  closed_at: string | null
  closed_by: string | null
  created_at: string
  updated_at: string
}

export interface CampaignScopeTable {
  campaign_id: string
  integration_id: string
  entitlement_id: string
  app_id: string | null
}

export interface CampaignItemsTable {
  campaign_id: string
  item_no: number
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  resource_type: string
  resource_name: string
  app_id: string | null
  principal_id: string
  principal_name: string
  principal_email: string | null
  principal_status: string | null
  identity_id: string | null
  /** The principal's manager (`user:<id>`, same integration) at staging. */
  manager_id: string | null
  last_login: string | null
  direct: number
  sources: string
  first_seen_at: string | null
  /** A time-bound grant's end at staging; null for permanent access. */
  expires_at: string | null
  suggestion: CampaignSuggestion | null
  decision: CampaignDecision | null
  reason: string | null
  /** A user id, or `system` (closed undecided with close action revoke). */
  decided_by: string | null
  decided_at: string | null
  revoke_order_id: string | null
  close_outcome: 'revoked' | 'left' | null
}

export interface CampaignItemReviewersTable {
  campaign_id: string
  item_no: number
  user_id: string
}

export interface CampaignCommentsTable {
  id: string
  campaign_id: string
  item_no: number
  author_id: string
  body: string
  created_at: string
}

export interface CampaignRemindersTable {
  campaign_id: string
  user_id: string
  slot: string
  sent_at: string
}

export interface CampaignTemplatesTable {
  id: string
  name: string
  /** JSON: the campaign to create (CampaignConfig plus name, description, close settings). */
  config: string
  every_count: number
  every_unit: 'day' | 'week' | 'month'
  duration_days: number
  auto_start: number
  enabled: number
  next_run_at: string
  last_campaign_id: string | null
  owner_id: string
  created_at: string
  updated_at: string
}

declare module './database.js' {
  interface Database {
    campaigns: CampaignsTable
    campaign_scope: CampaignScopeTable
    campaign_items: CampaignItemsTable
    campaign_item_reviewers: CampaignItemReviewersTable
    campaign_comments: CampaignCommentsTable
    campaign_reminders: CampaignRemindersTable
    campaign_templates: CampaignTemplatesTable
  }
}

export type CampaignRow = Selectable<CampaignsTable>
export type CampaignItemRow = Selectable<CampaignItemsTable>
export type CampaignTemplateRow = Selectable<CampaignTemplatesTable>

// ------------------------------------------------------------------ campaigns

export async function insertCampaign(db: Kysely<Database>, row: CampaignsTable): Promise<void> {
  await db.insertInto('campaigns').values(row).execute()
}

export async function getCampaignRow(db: Kysely<Database>, id: string): Promise<CampaignRow | undefined> {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The campaign, locked for the rest of the transaction on PostgreSQL (SQLite's writer lock serialises anyway). */
export async function lockCampaign(db: Kysely<Database>, id: string): Promise<CampaignRow | undefined> {
  const q = db.selectFrom('campaigns').selectAll().where('id', '=', id)
  return (dialectOf(db) === 'postgres' ? q.forUpdate() : q).executeTakeFirst()
}

export async function updateCampaignRow(db: Kysely<Database>, id: string, values: Partial<Omit<CampaignsTable, 'id'>>): Promise<void> {
  await db.updateTable('campaigns').set(values).where('id', '=', id).execute()
}

export async function deleteCampaignRow(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('campaigns').where('id', '=', id).execute()
}

export interface CampaignFilter {
  state?: CampaignState | undefined
  /** Only campaigns this user owns. */
  owner_id?: string | undefined
}

/** Newest first. */
export async function listCampaignRows(db: Kysely<Database>, filter: CampaignFilter, page: PageRequest): Promise<Page<CampaignRow>> {
  const limit = pageLimit(page.limit)
  let q = db.selectFrom('campaigns').selectAll()
  if (filter.state !== undefined) q = q.where('state', '=', filter.state)
  if (filter.owner_id !== undefined) q = q.where('owner_id', '=', filter.owner_id)
  if (page.cursor) q = q.where(keysetAfter(['created_at', 'id'], decodeCursor('campaigns', page.cursor, 2), 'desc'))
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, 'campaigns', (r) => [r.created_at, r.id])
}

/** Active campaigns whose due date has passed and that close themselves. */
export async function campaignsToAutoClose(db: Kysely<Database>, now: string): Promise<string[]> {
  const rows = await db.selectFrom('campaigns').select('id').where('state', '=', 'active').where('auto_close', '=', 1).where('due_at', '<=', now).orderBy('id').execute()
  return rows.map((r) => r.id)
}

export async function activeCampaigns(db: Kysely<Database>): Promise<CampaignRow[]> {
  return db.selectFrom('campaigns').selectAll().where('state', '=', 'active').orderBy('id').execute()
}

// ------------------------------------------------------------------ staging

export interface ScopeEntitlement {
  integration_id: string
  entitlement_id: string
  app_id: string | null
}

/** Every entitlement of these integrations (all when `integrationIds` is empty) whose resource is of one of these types (all when `types` is null). */
export async function entitlementsOfTypes(db: Kysely<Database>, types: readonly string[] | null, integrationIds: readonly string[]): Promise<{ integration_id: string; id: string }[]> {
  let q = db.selectFrom('entitlements').select(['integration_id', 'id'])
  if (integrationIds.length > 0) q = q.where('integration_id', 'in', [...integrationIds])
  if (types !== null) {
    if (types.length === 0) return []
    q = q.where((eb) => eb.or(types.map((t) => eb('resource_id', 'like', `${t}:%`))))
  }
  return q.orderBy('integration_id').orderBy('id').execute()
}

/** The entitlements that make up these Warden apps: a discovered app's access, managed apps' bindings, and everything of the integrations attached to them. */
export async function entitlementsOfApps(db: Kysely<Database>, appIds: readonly string[]): Promise<{ integration_id: string; id: string }[]> {
  if (appIds.length === 0) return []
  const ids = [...appIds]
  const rows = await sql<{ integration_id: string; id: string }>`
    select a.source_integration_id as integration_id, a.source_resource_id || ':access' as id from apps a
    where a.id in (${sql.join(ids)}) and a.source_integration_id is not null and a.source_resource_id is not null
    union
    select b.integration_id, b.entitlement_id as id from app_bindings b where b.app_id in (${sql.join(ids)})
    union
    select e.integration_id, e.id from integrations i join entitlements e on e.integration_id = i.id where i.app_id in (${sql.join(ids)})
    order by 1, 2`.execute(db)
  return rows.rows
}

export async function insertCampaignScope(db: Kysely<Database>, campaignId: string, rows: readonly ScopeEntitlement[]): Promise<void> {
  // 4 parameters a row: 200 rows stay well under SQLite's variable limit.
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto('campaign_scope')
      .values(rows.slice(i, i + 200).map((r) => ({ campaign_id: campaignId, ...r })))
      .execute()
  }
  // The items' INSERT ... SELECT starts from these rows: planned with no statistics of them,
  // PostgreSQL guesses a handful and pairs every person with every entitlement (measured).
  if (dialectOf(db) === 'postgres') await sql`analyze campaign_scope`.execute(db)
}

export interface StageFilters {
  identity_ids: readonly string[]
  /** Only grants whose holder has not signed in since this time (or never, and was created before it). */
  unused_before: string | null
  /** Only grants first seen at or after this time. */
  added_since: string | null
  duration: 'any' | 'timebound' | 'permanent'
  assignment: 'any' | 'direct' | 'inherited'
  /** Suggest revoking for holders not signed in since this time. */
  inactive_before: string
}

/** A JSON text field of `column`, as text (null when absent or JSON null). */
function jsonText(db: Kysely<Database>, column: string, key: string): RawBuilder<string | null> {
  return dialectOf(db) === 'postgres' ? sql<string | null>`(${sql.ref(column)}::json ->> ${sql.lit(key)})` : sql<string | null>`json_extract(${sql.ref(column)}, ${sql.lit(`$.${key}`)})`
}

/**
 * Copies every user's grant of the campaign's scope into campaign_items, numbered 1..n in
 * (integration, entitlement, principal) order, with the names (the holder's: their person's name,
 * else the account's display name, often a username), status, manager and last sign-in
 * of the moment, the live time-bound grant's end, and a suggestion (revoke: suspended or locked
 * holders, and holders not signed in since `inactive_before`). Returns the number of items.
 */
export async function stageCampaignItems(db: Kysely<Database>, campaignId: string, f: StageFilters): Promise<number> {
  // The holders' fields come out of their traits JSON once a person, not once a grant: a million
  // grants of a hundred thousand people parse a hundred thousand documents. OFFSET 0 keeps the
  // subquery from being flattened into the join (which would extract per grant again; SQLite spells it
  // LIMIT -1 OFFSET 0); unlike a
  // materialized CTE it leaves PostgreSQL the resources' column statistics, so it hash-joins
  // (a CTE was nested-looped: 30 s for 100k items, measured).
  // No "integration in the scope" test here: campaign_scope is new and unanalysed when this runs,
  // and the estimate it gives made PostgreSQL nested-loop the people (35 s for 100k items, measured).
  const people = [sql<SqlBool>`p.type = 'user'`]
  if (f.identity_ids.length > 0) people.push(sql<SqlBool>`p.identity_id in (${sql.join([...f.identity_ids])})`)
  const lastSeen = sql<string>`coalesce(p.last_login, p.created_at, '')`
  const where: RawBuilder<SqlBool>[] = [sql<SqlBool>`s.campaign_id = ${campaignId}`]
  if (f.unused_before !== null) where.push(sql<SqlBool>`${lastSeen} < ${f.unused_before}`)
  if (f.added_since !== null) where.push(sql<SqlBool>`g.first_seen_at >= ${f.added_since}`)
  if (f.duration === 'timebound') where.push(sql<SqlBool>`t.expires_at is not null`)
  if (f.duration === 'permanent') where.push(sql<SqlBool>`t.expires_at is null`)
  if (f.assignment === 'direct') where.push(sql<SqlBool>`g.direct = 1`)
  if (f.assignment === 'inherited') where.push(sql<SqlBool>`g.direct = 0`)
  const result = await sql`
    insert into campaign_items (campaign_id, item_no, integration_id, entitlement_id, entitlement_name, resource_type, resource_name, app_id,
      principal_id, principal_name, principal_email, principal_status, identity_id, manager_id, last_login, direct, sources, first_seen_at, expires_at, suggestion)
    select ${campaignId}, row_number() over (order by g.integration_id, g.entitlement_id, g.principal_id),
      g.integration_id, g.entitlement_id, e.display_name, coalesce(r.type, 'unknown'), coalesce(r.display_name, e.resource_id), s.app_id,
      g.principal_id, p.name, p.email, p.status, p.identity_id, p.manager_id, p.last_login, g.direct, g.sources, g.first_seen_at, t.expires_at,
      case when p.status in ('suspended', 'locked') then 'suspended' when ${lastSeen} < ${f.inactive_before} then 'inactive' else null end
    from campaign_scope s
    join grants g on g.integration_id = s.integration_id and g.entitlement_id = s.entitlement_id
    join entitlements e on e.integration_id = g.integration_id and e.id = g.entitlement_id
    join (
      select p.integration_id, p.id, coalesce(pi.display_name, p.display_name) as name, p.email, p.status, p.identity_id,
        ${jsonText(db, 'p.traits', 'manager_id')} as manager_id, ${jsonText(db, 'p.traits', 'last_login')} as last_login,
        ${jsonText(db, 'p.traits', 'created_at')} as created_at
      from resources p left join identities pi on pi.id = p.identity_id
      where ${sql.join(people, sql` and `)}
      ${dialectOf(db) === 'postgres' ? sql`offset 0` : sql`limit -1 offset 0`}
    ) p on p.integration_id = g.integration_id and p.id = g.principal_id
    left join resources r on r.integration_id = e.integration_id and r.id = e.resource_id
    left join timebound_grants t on t.integration_id = g.integration_id and t.entitlement_id = g.entitlement_id
      and t.principal_id = g.principal_id and t.state in ('active', 'revoking')
    where ${sql.join(where, sql` and `)}`.execute(db)
  return Number(result.numAffectedRows ?? 0n)
}

/** Who reviews by rule; `userIds` only for the `users` rule. Nobody reviews their own access (same email) unless allowed. */
export async function assignCampaignReviewers(db: Kysely<Database>, campaignId: string, rule: ReviewerType, userIds: readonly string[], allowSelf: boolean): Promise<number> {
  const notSelf = allowSelf ? sql`` : sql`and u.email <> coalesce(i.principal_email, '')`
  const insert = sql`insert into campaign_item_reviewers (campaign_id, item_no, user_id)`
  let result
  switch (rule) {
    case 'users':
      // Nobody reviews an item yet when the rule runs: the same statement as the fallbacks'.
      return assignUnreviewed(db, campaignId, userIds, allowSelf)
    case 'manager':
      result = await sql`${insert}
        select i.campaign_id, i.item_no, u.id from campaign_items i
        join resources m on m.integration_id = i.integration_id and m.id = i.manager_id
        join users u on u.email = m.email
        where i.campaign_id = ${campaignId} and u.disabled = 0 ${notSelf}`.execute(db)
      break
    case 'entitlement_owners':
      result = await sql`${insert}
        select i.campaign_id, i.item_no, u.id from campaign_items i
        join entitlement_owners o on o.integration_id = i.integration_id and o.entitlement_id = i.entitlement_id
        join users u on u.id = o.user_id
        where i.campaign_id = ${campaignId} and u.disabled = 0 ${notSelf}`.execute(db)
      break
    case 'app_owners':
      result = await sql`${insert}
        select i.campaign_id, i.item_no, u.id from campaign_items i
        join ${appOwnersRelation()} x on x.app_id = i.app_id
        join users u on u.id = x.user_id
        where i.campaign_id = ${campaignId} and u.disabled = 0 ${notSelf}`.execute(db)
      break
  }
  return Number(result.numAffectedRows ?? 0n)
}

/** Items nobody reviews yet get these users (in order of preference: the first that is not the holder). Returns the items assigned. */
export async function assignUnreviewed(db: Kysely<Database>, campaignId: string, userIds: readonly string[], allowSelf: boolean): Promise<number> {
  if (userIds.length === 0) return 0
  const notSelf = allowSelf ? sql`` : sql`and u.email <> coalesce(i.principal_email, '')`
  const result = await sql`
    insert into campaign_item_reviewers (campaign_id, item_no, user_id)
    select i.campaign_id, i.item_no, u.id from campaign_items i cross join users u
    where i.campaign_id = ${campaignId} and u.id in (${sql.join([...userIds])}) and u.disabled = 0 ${notSelf}
      and not exists (select 1 from campaign_item_reviewers r where r.campaign_id = i.campaign_id and r.item_no = i.item_no)`.execute(db)
  return Number(result.numAffectedRows ?? 0n)
}

export async function countUnreviewed(db: Kysely<Database>, campaignId: string): Promise<number> {
  const row = await sql<{ n: number | string }>`
    select count(*) as n from campaign_items i where i.campaign_id = ${campaignId}
    and not exists (select 1 from campaign_item_reviewers r where r.campaign_id = i.campaign_id and r.item_no = i.item_no)`.execute(db)
  return Number(row.rows[0]?.n ?? 0)
}

export interface StagedSummary {
  items: number
  principals: number
  reviewers: number
  by_resource_type: { key: string; count: number }[]
  suggestions: { key: string; count: number }[]
  top_entitlements: { integration_id: string; entitlement_id: string; name: string; count: number }[]
  top_reviewers: { user_id: string; count: number }[]
}

/** Counts over a staged campaign's items (what the preview and the campaign page show). */
export async function stagedSummary(db: Kysely<Database>, campaignId: string): Promise<StagedSummary> {
  const one = async (q: RawBuilder<{ n: number | string }>): Promise<number> => Number((await q.execute(db)).rows[0]?.n ?? 0)
  const items = await one(sql`select count(*) as n from campaign_items where campaign_id = ${campaignId}`)
  const principals = await one(sql`select count(distinct principal_id) as n from campaign_items where campaign_id = ${campaignId}`)
  const reviewers = await one(sql`select count(distinct user_id) as n from campaign_item_reviewers where campaign_id = ${campaignId}`)
  const grouped = async (column: 'resource_type' | 'suggestion'): Promise<{ key: string; count: number }[]> => {
    const rows = await db
      .selectFrom('campaign_items')
      .select([column, (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('campaign_id', '=', campaignId)
      .where(column, 'is not', null)
      .groupBy(column)
      .orderBy(column)
      .execute()
    return rows.map((r) => ({ key: String(r[column]), count: Number(r.n) }))
  }
  const top = await db
    .selectFrom('campaign_items')
    .select(['integration_id', 'entitlement_id', (eb) => eb.fn.max('entitlement_name').as('name'), (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy(['integration_id', 'entitlement_id'])
    .orderBy('n', 'desc')
    .orderBy('entitlement_id')
    .limit(10)
    .execute()
  const topReviewers = await db
    .selectFrom('campaign_item_reviewers')
    .select(['user_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy('user_id')
    .orderBy('n', 'desc')
    .orderBy('user_id')
    .limit(10)
    .execute()
  return {
    items,
    principals,
    reviewers,
    by_resource_type: await grouped('resource_type'),
    suggestions: await grouped('suggestion'),
    top_entitlements: top.map((t) => ({ integration_id: t.integration_id, entitlement_id: t.entitlement_id, name: String(t.name), count: Number(t.n) })),
    top_reviewers: topReviewers.map((r) => ({ user_id: r.user_id, count: Number(r.n) })),
  }
}

/** Refreshes the planner's statistics of the campaign tables after staging writes to them (PostgreSQL; SQLite plans well enough without). */
export async function analyzeCampaignItems(db: Kysely<Database>): Promise<void> {
  if (dialectOf(db) !== 'postgres') return
  await sql`analyze campaign_items`.execute(db)
  await sql`analyze campaign_item_reviewers`.execute(db)
}

// ------------------------------------------------------------------ items

export interface ItemFilter {
  /** Items this user reviews (the inbox). */
  reviewer_id?: string | undefined
  /** With reviewer_id: only active campaigns, or active and closed ones when a campaign is named. */
  campaign_id?: string | undefined
  decision?: 'undecided' | 'decided' | CampaignDecision | undefined
  suggestion?: 'any' | CampaignSuggestion | undefined
  resource_type?: string | undefined
  app_id?: string | undefined
  entitlement_id?: string | undefined
  principal_id?: string | undefined
  /** Words in the holder's name or email, or the entitlement's or resource's name. */
  q?: string | undefined
}

export interface ItemRow extends CampaignItemRow {
  campaign_name: string
  order_state: string | null
  order_error: string | null
  comment_count: number
}

/** Items in (campaign, item_no) order, keyset-paged. */
export async function listItemRows(db: Kysely<Database>, filter: ItemFilter, page: PageRequest): Promise<Page<ItemRow>> {
  const limit = pageLimit(page.limit)
  let q = db
    .selectFrom('campaign_items as i')
    .innerJoin('campaigns as c', 'c.id', 'i.campaign_id')
    .leftJoin('provisioning_orders as o', 'o.id', 'i.revoke_order_id')
    .selectAll('i')
    .select(['c.name as campaign_name', 'o.state as order_state', 'o.last_error as order_error'])
    .select((eb) =>
      eb
        .selectFrom('campaign_comments as m')
        .select((e2) => e2.fn.countAll<number | string>().as('n'))
        .whereRef('m.campaign_id', '=', 'i.campaign_id')
        .whereRef('m.item_no', '=', 'i.item_no')
        .as('comment_count'),
    )
  // The key the list is ordered and paged by. A reviewer's list is driven by their reviewer rows
  // (index user_id, campaign_id, item_no), so any page is an index range however many items the
  // campaigns hold; reading items in order and testing each for the reviewer scanned every item
  // before a deep page (measured: over 30 s at a million items).
  let key: [string, string] = ['i.campaign_id', 'i.item_no']
  if (filter.reviewer_id !== undefined) {
    const me = filter.reviewer_id
    // The join adds no selected column, so the builder's type stays that of the items' query.
    q = q.innerJoin('campaign_item_reviewers as r', (j) => j.onRef('r.campaign_id', '=', 'i.campaign_id').onRef('r.item_no', '=', 'i.item_no').on('r.user_id', '=', me)) as unknown as typeof q
    key = ['r.campaign_id', 'r.item_no']
    // Reviewers see a campaign's items once it has started (staged items are not theirs to see yet).
    q = filter.campaign_id === undefined ? q.where('c.state', '=', 'active') : q.where('c.state', 'in', ['active', 'closed'])
  }
  if (filter.campaign_id !== undefined) q = q.where(sql<SqlBool>`${sql.ref(key[0])} = ${filter.campaign_id}`)
  if (filter.decision === 'undecided') q = q.where('i.decision', 'is', null)
  else if (filter.decision === 'decided') q = q.where('i.decision', 'is not', null)
  else if (filter.decision !== undefined) q = q.where('i.decision', '=', filter.decision)
  if (filter.suggestion === 'any') q = q.where('i.suggestion', 'is not', null)
  else if (filter.suggestion !== undefined) q = q.where('i.suggestion', '=', filter.suggestion)
  if (filter.resource_type !== undefined) q = q.where('i.resource_type', '=', filter.resource_type)
  if (filter.app_id !== undefined) q = q.where('i.app_id', '=', filter.app_id)
  if (filter.entitlement_id !== undefined) q = q.where('i.entitlement_id', '=', filter.entitlement_id)
  if (filter.principal_id !== undefined) q = q.where('i.principal_id', '=', filter.principal_id)
  if (filter.q !== undefined && filter.q.trim() !== '') {
    const text = filter.q.trim()
    q = q.where((eb) =>
      eb.or([containsText('i.principal_name', text), containsText('i.principal_email', text), containsText('i.entitlement_name', text), containsText('i.resource_name', text)]),
    )
  }
  if (page.cursor) {
    const [campaignId, itemNo] = decodeCursor('campaign-items', page.cursor, 2)
    q = q.where(keysetAfter(key, [campaignId as string, Number(itemNo)], 'asc'))
  }
  const rows = await q.orderBy(sql.ref(key[0])).orderBy(sql.ref(key[1])).limit(limit + 1).execute()
  const items = rows.map((r) => ({ ...r, item_no: Number(r.item_no), direct: Number(r.direct), comment_count: Number(r.comment_count ?? 0) }))
  return toPage(items, limit, 'campaign-items', (r) => [r.campaign_id, r.item_no])
}

export async function getItemRows(db: Kysely<Database>, campaignId: string, itemNos: readonly number[]): Promise<CampaignItemRow[]> {
  if (itemNos.length === 0) return []
  const rows = await db.selectFrom('campaign_items').selectAll().where('campaign_id', '=', campaignId).where('item_no', 'in', [...itemNos]).orderBy('item_no').execute()
  return rows.map((r) => ({ ...r, item_no: Number(r.item_no), direct: Number(r.direct) }))
}

export async function updateItemRow(db: Kysely<Database>, campaignId: string, itemNo: number, values: Partial<Omit<CampaignItemsTable, 'campaign_id' | 'item_no'>>): Promise<void> {
  await db.updateTable('campaign_items').set(values).where('campaign_id', '=', campaignId).where('item_no', '=', itemNo).execute()
}

/** Undecided items' numbers, `limit` at a time after `after`. */
export async function undecidedItemNos(db: Kysely<Database>, campaignId: string, after: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('campaign_items')
    .select('item_no')
    .where('campaign_id', '=', campaignId)
    .where('decision', 'is', null)
    .where('close_outcome', 'is', null)
    .where('item_no', '>', after)
    .orderBy('item_no')
    .limit(limit)
    .execute()
  return rows.map((r) => Number(r.item_no))
}

/** Marks every undecided item of a closing campaign as left in place. */
export async function leaveUndecided(db: Kysely<Database>, campaignId: string): Promise<number> {
  const r = await db.updateTable('campaign_items').set({ close_outcome: 'left' }).where('campaign_id', '=', campaignId).where('decision', 'is', null).executeTakeFirst()
  return Number(r.numUpdatedRows)
}

// ------------------------------------------------------------------ reviewers

/** The reviewers of these items, by item number. */
export async function reviewersOfItems(db: Kysely<Database>, campaignId: string, itemNos: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  if (itemNos.length === 0) return out
  const rows = await db
    .selectFrom('campaign_item_reviewers')
    .select(['item_no', 'user_id'])
    .where('campaign_id', '=', campaignId)
    .where('item_no', 'in', [...itemNos])
    .orderBy('item_no')
    .orderBy('user_id')
    .execute()
  for (const r of rows) out.set(Number(r.item_no), [...(out.get(Number(r.item_no)) ?? []), r.user_id])
  return out
}

export async function replaceItemReviewers(db: Kysely<Database>, campaignId: string, itemNos: readonly number[], userId: string): Promise<void> {
  if (itemNos.length === 0) return
  await db.deleteFrom('campaign_item_reviewers').where('campaign_id', '=', campaignId).where('item_no', 'in', [...itemNos]).execute()
  for (let i = 0; i < itemNos.length; i += 300) {
    await db
      .insertInto('campaign_item_reviewers')
      .values(itemNos.slice(i, i + 300).map((item_no) => ({ campaign_id: campaignId, item_no, user_id: userId })))
      .execute()
  }
}

export interface ReviewerProgress {
  user_id: string
  assigned: number
  decided: number
}

/** Per reviewer: items assigned and decided. */
export async function reviewerProgress(db: Kysely<Database>, campaignId: string): Promise<ReviewerProgress[]> {
  const rows = await sql<{ user_id: string; assigned: number | string; decided: number | string }>`
    select r.user_id, count(*) as assigned, sum(case when i.decision is not null then 1 else 0 end) as decided
    from campaign_item_reviewers r join campaign_items i on i.campaign_id = r.campaign_id and i.item_no = r.item_no
    where r.campaign_id = ${campaignId}
    group by r.user_id order by r.user_id`.execute(db)
  return rows.rows.map((r) => ({ user_id: r.user_id, assigned: Number(r.assigned), decided: Number(r.decided ?? 0) }))
}

/** Reviewers with undecided items in this campaign, and how many each has. */
export async function reviewersWithUndecided(db: Kysely<Database>, campaignId: string): Promise<{ user_id: string; undecided: number }[]> {
  const rows = await sql<{ user_id: string; n: number | string }>`
    select r.user_id, count(*) as n
    from campaign_item_reviewers r join campaign_items i on i.campaign_id = r.campaign_id and i.item_no = r.item_no
    where r.campaign_id = ${campaignId} and i.decision is null
    group by r.user_id order by r.user_id`.execute(db)
  return rows.rows.map((r) => ({ user_id: r.user_id, undecided: Number(r.n) }))
}

export interface ReviewerCampaignCount {
  campaign_id: string
  assigned: number
  decided: number
}

/** A reviewer's items per active campaign: assigned and decided. */
export async function reviewerCampaignCounts(db: Kysely<Database>, userId: string): Promise<ReviewerCampaignCount[]> {
  const rows = await sql<{ campaign_id: string; assigned: number | string; decided: number | string | null }>`
    select r.campaign_id, count(*) as assigned, sum(case when i.decision is not null then 1 else 0 end) as decided
    from campaign_item_reviewers r
    join campaigns c on c.id = r.campaign_id
    join campaign_items i on i.campaign_id = r.campaign_id and i.item_no = r.item_no
    where r.user_id = ${userId} and c.state = 'active'
    group by r.campaign_id order by r.campaign_id`.execute(db)
  return rows.rows.map((r) => ({ campaign_id: r.campaign_id, assigned: Number(r.assigned), decided: Number(r.decided ?? 0) }))
}

export interface CampaignCounts {
  total: number
  certified: number
  revoked: number
  undecided: number
  left: number
  /** Revocations by the state of their provisioning order. */
  revocations: Record<string, number>
}

/** `withOrders` false: skip the revocations' states (a join per item; lists leave it out). */
export async function campaignCounts(db: Kysely<Database>, campaignId: string, withOrders = true): Promise<CampaignCounts> {
  const rows = withOrders
    ? await sql<{ decision: string | null; close_outcome: string | null; order_state: string | null; n: number | string }>`
        select i.decision, i.close_outcome, o.state as order_state, count(*) as n
        from campaign_items i left join provisioning_orders o on o.id = i.revoke_order_id
        where i.campaign_id = ${campaignId}
        group by i.decision, i.close_outcome, o.state`.execute(db)
    : await sql<{ decision: string | null; close_outcome: string | null; order_state: string | null; n: number | string }>`
        select decision, close_outcome, null as order_state, count(*) as n from campaign_items
        where campaign_id = ${campaignId} group by decision, close_outcome`.execute(db)
  const out: CampaignCounts = { total: 0, certified: 0, revoked: 0, undecided: 0, left: 0, revocations: {} }
  for (const r of rows.rows) {
    const n = Number(r.n)
    out.total += n
    if (r.decision === 'certify') out.certified += n
    else if (r.decision === 'revoke') out.revoked += n
    else if (r.close_outcome === 'left') out.left += n
    else out.undecided += n
    if (r.order_state !== null) out.revocations[r.order_state] = (out.revocations[r.order_state] ?? 0) + n
  }
  return out
}

// ------------------------------------------------------------------ comments and reminders

export async function insertComment(db: Kysely<Database>, row: CampaignCommentsTable): Promise<void> {
  await db.insertInto('campaign_comments').values(row).execute()
}

export async function commentsOfItem(db: Kysely<Database>, campaignId: string, itemNo: number): Promise<Selectable<CampaignCommentsTable>[]> {
  return db.selectFrom('campaign_comments').selectAll().where('campaign_id', '=', campaignId).where('item_no', '=', itemNo).orderBy('created_at').orderBy('id').execute()
}

/** Records a reminder; false when this (campaign, reviewer, slot) was reminded before. */
export async function claimReminder(db: Kysely<Database>, row: CampaignRemindersTable): Promise<boolean> {
  const r = await db
    .insertInto('campaign_reminders')
    .values(row)
    .onConflict((oc) => oc.columns(['campaign_id', 'user_id', 'slot']).doNothing())
    .executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0
}

export async function remindersOf(db: Kysely<Database>, campaignId: string): Promise<Selectable<CampaignRemindersTable>[]> {
  return db.selectFrom('campaign_reminders').selectAll().where('campaign_id', '=', campaignId).orderBy('sent_at').orderBy('user_id').execute()
}

// ------------------------------------------------------------------ templates

export async function insertTemplate(db: Kysely<Database>, row: CampaignTemplatesTable): Promise<void> {
  await db.insertInto('campaign_templates').values(row).execute()
}

export async function getTemplateRow(db: Kysely<Database>, id: string): Promise<CampaignTemplateRow | undefined> {
  return db.selectFrom('campaign_templates').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function updateTemplateRow(db: Kysely<Database>, id: string, values: Partial<Omit<CampaignTemplatesTable, 'id'>>): Promise<void> {
  await db.updateTable('campaign_templates').set(values).where('id', '=', id).execute()
}

export async function deleteTemplateRow(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('campaign_templates').where('id', '=', id).execute()
}

export async function listTemplateRows(db: Kysely<Database>): Promise<CampaignTemplateRow[]> {
  return db.selectFrom('campaign_templates').selectAll().orderBy('name').orderBy('id').execute()
}

/** Enabled templates due to create their next campaign. */
export async function dueTemplates(db: Kysely<Database>, now: string): Promise<CampaignTemplateRow[]> {
  return db.selectFrom('campaign_templates').selectAll().where('enabled', '=', 1).where('next_run_at', '<=', now).orderBy('next_run_at').orderBy('id').execute()
}

// ------------------------------------------------------------------ evidence

/** The audit entries about a campaign and its items, in order. */
export async function campaignAuditEntries(db: Kysely<Database>, campaignId: string): Promise<Selectable<Database['audit_log']>[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('target_type', '=', 'campaign'), eb('target_id', '=', campaignId)]),
        eb.and([eb('target_type', '=', 'campaign_item'), eb('target_id', 'like', `${campaignId}/%`)]),
      ]),
    )
    .orderBy('seq')
    .execute()
}

/** The evidence entry (campaign.evidence) that recorded a bundle with this manifest hash, if Warden made it. */
export async function findEvidenceRecord(db: Kysely<Database>, manifestSha256: string): Promise<Selectable<Database['audit_log']> | undefined> {
  if (!/^[0-9a-f]{64}$/.test(manifestSha256)) return undefined
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('action', '=', 'campaign.evidence')
    .where('after', 'like', `%"manifest_sha256":"${manifestSha256}"%`)
    .orderBy('seq')
    .executeTakeFirst()
}

/** Every comment of a campaign, in item order. */
export async function commentsOfCampaign(db: Kysely<Database>, campaignId: string): Promise<Selectable<CampaignCommentsTable>[]> {
  return db.selectFrom('campaign_comments').selectAll().where('campaign_id', '=', campaignId).orderBy('item_no').orderBy('created_at').orderBy('id').execute()
}
