import type { Kysely } from 'kysely'
import { WardenError } from '../errors/index.js'
import {
  commentsOfItem,
  getCampaignRow,
  getItemRows,
  insertComment,
  isoTime,
  leaveUndecided,
  listItemRows,
  lockCampaign,
  newId,
  replaceItemReviewers,
  reviewerCampaignCounts,
  reviewersOfItems,
  searchUserSummaries,
  undecidedItemNos,
  updateCampaignRow,
  updateItemRow,
  userSummaries,
} from '../store/index.js'
import type { CampaignDecision, CampaignItemRow, CampaignRow, Database, ItemFilter, ItemRow, Page, PageRequest, Store, UserSummary } from '../store/index.js'
import { audited } from './audited.js'
import type { AuditRecord } from './audited.js'
import { authorizeManage, canManageCampaign, configOf, found, toCampaignView } from './campaigns.js'
import type { CampaignView, Clock } from './campaigns.js'
import { orderRevoke } from './jit.js'
import { enqueueEmail } from './notifications.js'
import { emitWebhookEvent } from './webhooks.js'
import { can } from './policy.js'
import type { Actor } from './policy.js'

/**
 * Review items (issue 9): the reviewer inbox, decisions (certify or revoke, one or in bulk),
 * reassignment, comments, and closing a campaign.
 *
 * A revoke decision orders the revoke through the provisioning path (jit.ts orderRevoke: a
 * provisioning job, verified by reading OneLogin back, a manual task when it cannot be done) in
 * the decision's own transaction; the item shows the order's state. A revoke is final; a certify
 * can still become a revoke while the campaign is active. A bulk decision that revokes more than
 * one grant must say how many it expects to revoke (`expected_revocations`): the confirmation a
 * reviewer saw must match what happens.
 */

/** Items one decision, reassignment or preview may name. */
export const DECISION_ITEMS_MAX = 1000
export const REVIEW_REASON_MAX = 2000
export const COMMENT_MAX = 2000
/** Undecided items revoked per transaction when a campaign closes with close action revoke. */
const CLOSE_BATCH = 500

export interface ItemView {
  campaign_id: string
  campaign_name: string
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
  manager_id: string | null
  last_login: string | null
  direct: boolean
  sources: string[]
  first_seen_at: string | null
  expires_at: string | null
  suggestion: 'suspended' | 'inactive' | null
  decision: CampaignDecision | null
  reason: string | null
  decided_by: UserSummary | { id: 'system'; email: null; display_name: 'Warden' } | null
  decided_at: string | null
  revoke_order_id: string | null
  /** The revoke's provisioning order: queued, running, done, failed, manual. */
  revoke_state: string | null
  revoke_error: string | null
  close_outcome: 'revoked' | 'left' | null
  reviewers: UserSummary[]
  comment_count: number
}

export interface CommentView {
  id: string
  author: UserSummary | null
  body: string
  created_at: string
}

export interface ItemDetail extends ItemView {
  comments: CommentView[]
}

const SYSTEM_DECIDER = { id: 'system', email: null, display_name: 'Warden' } as const

async function toItemViews(db: Kysely<Database>, rows: readonly ItemRow[]): Promise<ItemView[]> {
  const byCampaign = new Map<string, number[]>()
  for (const r of rows) byCampaign.set(r.campaign_id, [...(byCampaign.get(r.campaign_id) ?? []), r.item_no])
  const reviewers = new Map<string, string[]>()
  for (const [campaignId, nos] of byCampaign) for (const [no, ids] of await reviewersOfItems(db, campaignId, nos)) reviewers.set(`${campaignId} ${no}`, ids)
  const people = await userSummaries(db, [...new Set([...[...reviewers.values()].flat(), ...rows.flatMap((r) => (r.decided_by === null ? [] : [r.decided_by]))])])
  return rows.map((r) => ({
    campaign_id: r.campaign_id,
    campaign_name: r.campaign_name,
    item_no: r.item_no,
    integration_id: r.integration_id,
    entitlement_id: r.entitlement_id,
    entitlement_name: r.entitlement_name,
    resource_type: r.resource_type,
    resource_name: r.resource_name,
    app_id: r.app_id,
    principal_id: r.principal_id,
    principal_name: r.principal_name,
    principal_email: r.principal_email,
    principal_status: r.principal_status,
    identity_id: r.identity_id,
    manager_id: r.manager_id,
    last_login: r.last_login,
    direct: Number(r.direct) === 1,
    sources: JSON.parse(r.sources) as string[],
    first_seen_at: r.first_seen_at,
    expires_at: r.expires_at,
    suggestion: r.suggestion,
    decision: r.decision,
    reason: r.reason,
    decided_by: r.decided_by === null ? null : r.decided_by === 'system' ? SYSTEM_DECIDER : (people.get(r.decided_by) ?? null),
    decided_at: r.decided_at,
    revoke_order_id: r.revoke_order_id,
    revoke_state: r.order_state,
    revoke_error: r.order_error,
    close_outcome: r.close_outcome,
    reviewers: (reviewers.get(`${r.campaign_id} ${r.item_no}`) ?? []).flatMap((id) => {
      const u = people.get(id)
      return u === undefined ? [] : [u]
    }),
    comment_count: r.comment_count,
  }))
}

export type ItemListFilter = Omit<ItemFilter, 'reviewer_id' | 'campaign_id'> & { reviewer_id?: string | undefined }

/** The reviewer's inbox: their items in active campaigns (or in one campaign). */
export async function listMyReviewItems(store: Store, actor: Actor, filter: ItemListFilter & { campaign_id?: string | undefined }, page: PageRequest = {}): Promise<Page<ItemView>> {
  const rows = await listItemRows(store.db, { ...filter, reviewer_id: actor.id }, page)
  return { items: await toItemViews(store.db, rows.items), next_cursor: rows.next_cursor }
}

export interface ReviewCampaignSummary {
  campaign_id: string
  name: string
  due_at: string
  overdue: boolean
  assigned: number
  decided: number
  /** The campaign's settings a reviewer's screen needs. */
  require_revoke_reason: boolean
  inactive_days: number
}

/** The reviewer's active campaigns with their counts (the inbox's "N of M decided" and settings). */
export async function myReviewSummary(store: Store, actor: Actor, clock: Clock = {}): Promise<ReviewCampaignSummary[]> {
  const now = isoTime(clock.now ?? new Date())
  const out: ReviewCampaignSummary[] = []
  for (const c of await reviewerCampaignCounts(store.db, actor.id)) {
    const row = found(await getCampaignRow(store.db, c.campaign_id), c.campaign_id)
    const config = configOf(row)
    out.push({ ...c, name: row.name, due_at: row.due_at, overdue: row.due_at <= now, require_revoke_reason: config.require_revoke_reason, inactive_days: config.inactive_days })
  }
  return out
}

/** Enabled Warden users matching `q` (email or name), for choosing reviewers and reassigning: what a Campaign Administrator or a reviewer needs without users:read. */
export async function reviewerCandidates(store: Store, actor: Actor, q: string): Promise<UserSummary[]> {
  // Campaign managers browse; anyone else (a reviewer reassigning) types at least 3 characters, so the list is no directory.
  if (!can(actor, 'campaigns:write') && q.trim().length < 3) return []
  return searchUserSummaries(store.db, q, 20)
}

/** A campaign's items: all of them for campaigns:read, a reviewer's own otherwise. */
export async function listCampaignItems(store: Store, actor: Actor, campaignId: string, filter: ItemListFilter, page: PageRequest = {}): Promise<Page<ItemView>> {
  const row = found(await getCampaignRow(store.db, campaignId), campaignId)
  const reviewer = can(actor, 'campaigns:read') ? filter.reviewer_id : actor.id
  const rows = await listItemRows(store.db, { ...filter, campaign_id: row.id, reviewer_id: reviewer }, page)
  return { items: await toItemViews(store.db, rows.items), next_cursor: rows.next_cursor }
}

async function itemsWithState(db: Kysely<Database>, row: CampaignRow, itemNos: readonly number[]): Promise<ItemRow[]> {
  const rows = await getItemRows(db, row.id, itemNos)
  const orders = rows.flatMap((r) => (r.revoke_order_id === null ? [] : [r.revoke_order_id]))
  const states = new Map<string, { state: string; last_error: string | null }>()
  if (orders.length > 0) for (const o of await db.selectFrom('provisioning_orders').select(['id', 'state', 'last_error']).where('id', 'in', orders).execute()) states.set(o.id, o)
  const counts = new Map<number, number>()
  if (rows.length > 0) {
    const c = await db
      .selectFrom('campaign_comments')
      .select(['item_no', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('campaign_id', '=', row.id)
      .where('item_no', 'in', rows.map((r) => r.item_no))
      .groupBy('item_no')
      .execute()
    for (const x of c) counts.set(Number(x.item_no), Number(x.n))
  }
  return rows.map((r) => {
    const o = r.revoke_order_id === null ? undefined : states.get(r.revoke_order_id)
    return { ...r, campaign_name: row.name, order_state: o?.state ?? null, order_error: o?.last_error ?? null, comment_count: counts.get(r.item_no) ?? 0 }
  })
}

/** Whether the actor may see or act on this item: its reviewer, or someone who reads campaigns. */
async function checkItemAccess(db: Kysely<Database>, actor: Actor, row: CampaignRow, itemNos: readonly number[], acting: boolean): Promise<Map<number, string[]>> {
  const reviewers = await reviewersOfItems(db, row.id, itemNos)
  const others = itemNos.filter((n) => !(reviewers.get(n) ?? []).includes(actor.id))
  if (others.length === 0) return reviewers
  const mayAnyway = acting ? canManageCampaign(actor, row) : can(actor, 'campaigns:read')
  if (!mayAnyway) throw new WardenError('FORBIDDEN', `you do not review item(s) ${others.slice(0, 10).join(', ')} of campaign ${row.id}`)
  return reviewers
}

export async function getCampaignItem(store: Store, actor: Actor, campaignId: string, itemNo: number): Promise<ItemDetail> {
  const row = found(await getCampaignRow(store.db, campaignId), campaignId)
  const [item] = await itemsWithState(store.db, row, [itemNo])
  if (item === undefined) throw new WardenError('NOT_FOUND', `campaign ${campaignId} has no item ${itemNo}`)
  await checkItemAccess(store.db, actor, row, [itemNo], false)
  const [view] = await toItemViews(store.db, [item])
  const comments = await commentsOfItem(store.db, campaignId, itemNo)
  const authors = await userSummaries(store.db, comments.map((c) => c.author_id))
  return { ...(view as ItemView), comments: comments.map((c) => ({ id: c.id, author: authors.get(c.author_id) ?? null, body: c.body, created_at: c.created_at })) }
}

function checkItemNos(itemNos: readonly number[]): number[] {
  const nos = [...new Set(itemNos)]
  if (nos.length === 0) throw new WardenError('BAD_INPUT', 'item_nos: name at least one item')
  if (nos.length > DECISION_ITEMS_MAX) throw new WardenError('BAD_INPUT', `item_nos: at most ${DECISION_ITEMS_MAX} items at a time`)
  if (nos.some((n) => !Number.isInteger(n) || n < 1)) throw new WardenError('BAD_INPUT', 'item_nos: item numbers are whole numbers from 1')
  return nos.sort((a, b) => a - b)
}

function expectActive(row: CampaignRow): void {
  if (row.state !== 'active') throw new WardenError('CONFLICT', `campaign ${row.id} is ${row.state}: decisions are taken while it is active`)
}

export interface DecisionPlan {
  items: number
  /** Items whose decision this changes. */
  changes: number
  /** Grants this decision orders revoked. */
  revocations: number
  /** Items already revoked: a revoke is final. */
  final: number[]
}

function plan(items: readonly CampaignItemRow[], decision: CampaignDecision): DecisionPlan {
  const final = items.filter((i) => i.decision === 'revoke').map((i) => i.item_no)
  const changing = items.filter((i) => i.decision !== 'revoke' && i.decision !== decision)
  return { items: items.length, changes: changing.length, revocations: decision === 'revoke' ? changing.length : 0, final }
}

async function loadForDecision(db: Kysely<Database>, actor: Actor, campaignId: string, itemNos: readonly number[]): Promise<{ row: CampaignRow; items: CampaignItemRow[] }> {
  const row = found(await lockCampaign(db, campaignId), campaignId)
  expectActive(row)
  const nos = checkItemNos(itemNos)
  const items = await getItemRows(db, campaignId, nos)
  const missing = nos.filter((n) => !items.some((i) => i.item_no === n))
  if (missing.length > 0) throw new WardenError('NOT_FOUND', `campaign ${campaignId} has no item(s) ${missing.slice(0, 10).join(', ')}`)
  await checkItemAccess(db, actor, row, nos, true)
  return { row, items }
}

/** What a decision would do (the confirmation a bulk decision shows): how many it changes and revokes. */
export async function previewDecision(store: Store, actor: Actor, campaignId: string, input: { item_nos: number[]; decision: CampaignDecision }): Promise<DecisionPlan> {
  return store.transaction(async (trx) => plan((await loadForDecision(trx, actor, campaignId, input.item_nos)).items, input.decision))
}

function revokedEvent(row: CampaignRow, item: CampaignItemRow, by: string, reason: string, orderId: string): Record<string, unknown> {
  return {
    campaign_id: row.id,
    campaign_name: row.name,
    item_no: item.item_no,
    integration_id: item.integration_id,
    entitlement_id: item.entitlement_id,
    principal_id: item.principal_id,
    principal_email: item.principal_email,
    decided_by: by,
    reason: reason === '' ? null : reason,
    order_id: orderId,
  }
}

export interface DecisionInput {
  item_nos: number[]
  decision: CampaignDecision
  reason?: string | undefined
  /** Required when the decision revokes more than one grant: the count the reviewer confirmed. */
  expected_revocations?: number | undefined
}

export async function decideItems(store: Store, actor: Actor, campaignId: string, input: DecisionInput, clock: Clock = {}): Promise<{ plan: DecisionPlan; items: ItemView[] }> {
  const now = clock.now ?? new Date()
  const at = isoTime(now)
  const reason = (input.reason ?? '').trim()
  if (reason.length > REVIEW_REASON_MAX) throw new WardenError('BAD_INPUT', `reason: at most ${REVIEW_REASON_MAX} characters`)
  return audited(store, actor, async (trx) => {
    const { row, items } = await loadForDecision(trx, actor, campaignId, input.item_nos)
    const p = plan(items, input.decision)
    if (p.final.length > 0) throw new WardenError('CONFLICT', `item(s) ${p.final.slice(0, 10).join(', ')} are already revoked: a revoke is final`)
    if (input.decision === 'revoke' && reason === '' && configOf(row).require_revoke_reason) throw new WardenError('BAD_INPUT', 'reason: this campaign asks for a reason with every revoke')
    // A campaign's manager may decide any item, but not their own access (unless the campaign allows it).
    if (!configOf(row).reviewers.allow_self_review) {
      const me = (await userSummaries(trx, [actor.id])).get(actor.id)?.email
      const own = items.filter((i) => me !== undefined && i.principal_email === me).map((i) => i.item_no)
      if (own.length > 0) throw new WardenError('FORBIDDEN', `item(s) ${own.slice(0, 10).join(', ')} are your own access: nobody decides their own access in this campaign`)
    }
    if ((p.revocations > 1 || input.expected_revocations !== undefined) && input.expected_revocations !== p.revocations) {
      throw new WardenError('CONFLICT', `this decision revokes ${p.revocations} grants in OneLogin: confirm it with expected_revocations: ${p.revocations}${input.expected_revocations === undefined ? '' : ` (not ${input.expected_revocations})`}`)
    }
    const audit: AuditRecord[] = []
    for (const item of items) {
      if (item.decision === input.decision) continue
      const orderId =
        input.decision === 'revoke'
          ? await orderRevoke(trx, { integration_id: item.integration_id, entitlement_id: item.entitlement_id, principal_id: item.principal_id, request_id: null, actor: actor.id }, now)
          : null
      await updateItemRow(trx, campaignId, item.item_no, { decision: input.decision, reason: reason === '' ? null : reason, decided_by: actor.id, decided_at: at, revoke_order_id: orderId })
      if (orderId !== null) await emitWebhookEvent(trx, 'review.revoked', revokedEvent(row, item, actor.id, reason, orderId), now)
      audit.push({
        action: `campaign_item.${input.decision}`,
        target_type: 'campaign_item',
        target_id: `${campaignId}/${item.item_no}`,
        before: { decision: item.decision },
        after: { decision: input.decision, reason: reason === '' ? null : reason, grant: `${item.integration_id}/${item.entitlement_id}:${item.principal_id}`, revoke_order_id: orderId },
      })
    }
    return { result: { plan: p, items: await toItemViews(trx, await itemsWithState(trx, row, items.map((i) => i.item_no))) }, audit }
  })
}

export interface ReassignInput {
  item_nos: number[]
  user_id?: string | undefined
  email?: string | undefined
  reason?: string | undefined
}

/** Hands items to another Warden user (by id or email); the items' reviewers or the campaign's managers may. */
export async function reassignItems(store: Store, actor: Actor, campaignId: string, input: ReassignInput, options: Clock & { publicUrl: string }): Promise<ItemView[]> {
  const reason = (input.reason ?? '').trim()
  if (reason.length > REVIEW_REASON_MAX) throw new WardenError('BAD_INPUT', `reason: at most ${REVIEW_REASON_MAX} characters`)
  if ((input.user_id === undefined) === (input.email === undefined)) throw new WardenError('BAD_INPUT', 'name the new reviewer by user_id or by email (one of them)')
  return audited(store, actor, async (trx) => {
    const { row, items } = await loadForDecision(trx, actor, campaignId, input.item_nos)
    let q = trx.selectFrom('users').select(['id', 'email', 'display_name', 'disabled'])
    q = input.user_id !== undefined ? q.where('id', '=', input.user_id) : q.where('email', '=', (input.email ?? '').trim().toLowerCase())
    const to = await q.executeTakeFirst()
    if (to === undefined || Number(to.disabled) === 1) throw new WardenError('BAD_INPUT', `${input.user_id ?? input.email} is not an enabled Warden user`)
    if (!configOf(row).reviewers.allow_self_review) {
      const own = items.filter((i) => i.principal_email !== null && i.principal_email === to.email).map((i) => i.item_no)
      if (own.length > 0) throw new WardenError('BAD_INPUT', `${to.email} holds the access of item(s) ${own.slice(0, 10).join(', ')}: nobody reviews their own access in this campaign`)
    }
    const before = await reviewersOfItems(trx, campaignId, items.map((i) => i.item_no))
    await replaceItemReviewers(trx, campaignId, items.map((i) => i.item_no), to.id)
    const by = (await userSummaries(trx, [actor.id])).get(actor.id)
    await enqueueEmail(trx, {
      to: to.email,
      subject: `Warden: access review "${row.name}": ${items.length} item(s) reassigned to you`,
      text: [
        `${by?.display_name ?? 'A Warden user'} reassigned ${items.length} item(s) of the access review "${row.name}" to you${reason === '' ? '.' : `: ${reason}`}`,
        `Decide them by ${row.due_at}.`,
        '',
        `Review them in Warden: ${options.publicUrl}/reviews?campaign=${campaignId}`,
      ].join('\n'),
    })
    return {
      result: await toItemViews(trx, await itemsWithState(trx, row, items.map((i) => i.item_no))),
      audit: items.map((i) => ({
        action: 'campaign_item.reassign',
        target_type: 'campaign_item',
        target_id: `${campaignId}/${i.item_no}`,
        before: { reviewers: before.get(i.item_no) ?? [] },
        after: { reviewers: [to.id], reason: reason === '' ? null : reason },
      })),
    }
  })
}

export async function commentOnItem(store: Store, actor: Actor, campaignId: string, itemNo: number, body: string, clock: Clock = {}): Promise<CommentView> {
  const text = body.trim()
  if (text === '') throw new WardenError('BAD_INPUT', 'body: say something')
  if (text.length > COMMENT_MAX) throw new WardenError('BAD_INPUT', `body: at most ${COMMENT_MAX} characters`)
  const at = isoTime(clock.now ?? new Date())
  return audited(store, actor, async (trx) => {
    const row = found(await getCampaignRow(trx, campaignId), campaignId)
    if (row.state === 'draft') throw new WardenError('CONFLICT', `campaign ${campaignId} is a draft: it has no items yet`)
    const [item] = await getItemRows(trx, campaignId, [itemNo])
    if (item === undefined) throw new WardenError('NOT_FOUND', `campaign ${campaignId} has no item ${itemNo}`)
    // Commenting is acting on the item: its reviewers and the campaign's managers, not every reader.
    await checkItemAccess(trx, actor, row, [itemNo], true)
    const id = newId('cmt')
    await insertComment(trx, { id, campaign_id: campaignId, item_no: itemNo, author_id: actor.id, body: text, created_at: at })
    const author = (await userSummaries(trx, [actor.id])).get(actor.id) ?? null
    return { result: { id, author, body: text, created_at: at }, audit: [{ action: 'campaign_item.comment', target_type: 'campaign_item', target_id: `${campaignId}/${itemNo}`, after: { comment_id: id, body: text } }] }
  })
}

/**
 * Closes an active campaign: undecided items are revoked (decided by `system`, through the
 * provisioning path) or left, as the campaign's close action says; its owner hears of it.
 */
export async function closeCampaign(store: Store, actor: Actor, id: string, options: Clock & { publicUrl: string }): Promise<CampaignView> {
  const now = options.now ?? new Date()
  const at = isoTime(now)
  return audited(store, actor, async (trx) => {
    const row = found(await lockCampaign(trx, id), id)
    authorizeManage(actor, row)
    if (row.state !== 'active' && row.state !== 'staged') throw new WardenError('CONFLICT', `campaign ${id} is ${row.state}: only a staged or active campaign can be closed`)
    let handled = 0
    // A staged campaign never reached its reviewers: closing it (e.g. it was due before it started) leaves everything.
    if (row.close_action === 'revoke' && row.state === 'active') {
      const reason = `not reviewed by the time the campaign closed (${at})`
      for (let after = 0; ; ) {
        const nos = await undecidedItemNos(trx, id, after, CLOSE_BATCH)
        for (const item of await getItemRows(trx, id, nos)) {
          const orderId = await orderRevoke(trx, { integration_id: item.integration_id, entitlement_id: item.entitlement_id, principal_id: item.principal_id, request_id: null, actor: 'system' }, now)
          await updateItemRow(trx, id, item.item_no, { decision: 'revoke', reason, decided_by: 'system', decided_at: at, revoke_order_id: orderId, close_outcome: 'revoked' })
          await emitWebhookEvent(trx, 'review.revoked', revokedEvent(row, item, 'system', reason, orderId), now)
          handled++
        }
        if (nos.length < CLOSE_BATCH) break
        after = nos[nos.length - 1] as number
      }
    } else {
      handled = await leaveUndecided(trx, id)
    }
    await updateCampaignRow(trx, id, { state: 'closed', closed_at: at, closed_by: actor.id, updated_at: at })
    await emitWebhookEvent(trx, 'campaign.closed', { campaign_id: id, name: row.name, closed_by: actor.id, close_action: row.close_action, undecided: handled }, now)
    const owner = (await userSummaries(trx, [row.owner_id])).get(row.owner_id)
    if (owner !== undefined) {
      await enqueueEmail(trx, {
        to: owner.email,
        subject: `Warden: access review "${row.name}" closed`,
        text: [
          `The access review "${row.name}" closed at ${at}${actor.id === 'system' ? ' (its due date passed)' : ''}.`,
          handled === 0 ? 'Every item was decided.' : row.close_action === 'revoke' ? `${handled} undecided item(s) were revoked.` : `${handled} undecided item(s) were left as they are.`,
          '',
          `Its results and evidence: ${options.publicUrl}/campaigns/${id}`,
        ].join('\n'),
      })
    }
    const after = found(await getCampaignRow(trx, id), id)
    return {
      result: await toCampaignView(trx, after, now),
      audit: [{ action: 'campaign.close', target_type: 'campaign', target_id: id, before: { state: row.state }, after: { state: 'closed', close_action: row.close_action, undecided: handled } }],
    }
  })
}
