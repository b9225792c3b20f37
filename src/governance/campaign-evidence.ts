import { WardenError } from '../errors/index.js'
import { buildEvidenceBundle, csvWithHash, verifyEvidenceBundle } from '../evidence/index.js'
import type { EvidenceVerification } from '../evidence/index.js'
import {
  campaignAuditEntries,
  commentsOfCampaign,
  findEvidenceRecord,
  getCampaignRow,
  isoTime,
  listItemRows,
  remindersOf,
  reviewerProgress,
  reviewersOfItems,
  userSummaries,
} from '../store/index.js'
import type { CampaignCounts, ItemRow, Store, UserSummary } from '../store/index.js'
import { audited } from './audited.js'
import { found, toCampaignView } from './campaigns.js'
import type { CampaignView, Clock } from './campaigns.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * Evidence of access reviews (issue 9): progress per campaign and reviewer, a CSV of the items and
 * their decisions with the file's SHA-256, and an evidence bundle for auditors (campaign.json,
 * items.csv, comments.csv, audit.jsonl and a manifest of their hashes; src/evidence). Every export
 * and bundle is recorded in the hash-chained audit log with its hashes, so a bundle handed back
 * later can be checked twice: its files against its manifest (anyone can, offline), and its
 * manifest against the record Warden made when it produced it.
 */

export interface ReviewerProgressView {
  reviewer: UserSummary | null
  user_id: string
  assigned: number
  decided: number
  remaining: number
}

export interface CampaignProgress {
  campaign_id: string
  counts: CampaignCounts
  /** Decided items out of all, 0..100. */
  percent_decided: number
  reviewers: ReviewerProgressView[]
}

export async function campaignProgress(store: Store, actor: Actor, id: string): Promise<CampaignProgress> {
  authorize(actor, 'campaigns:read')
  const row = found(await getCampaignRow(store.db, id), id)
  return progressOf(store, await toCampaignView(store.db, row, new Date()))
}

/** The progress of a campaign whose view (and so its counts) is already at hand. */
async function progressOf(store: Store, view: CampaignView): Promise<CampaignProgress> {
  const counts = view.progress ?? { total: 0, certified: 0, revoked: 0, undecided: 0, left: 0, revocations: {} }
  const per = await reviewerProgress(store.db, view.id)
  const users = await userSummaries(store.db, per.map((p) => p.user_id))
  return {
    campaign_id: view.id,
    counts,
    percent_decided: counts.total === 0 ? 0 : Math.floor(((counts.certified + counts.revoked) * 100) / counts.total),
    reviewers: per
      .map((p) => ({ reviewer: users.get(p.user_id) ?? null, user_id: p.user_id, assigned: p.assigned, decided: p.decided, remaining: p.assigned - p.decided }))
      .sort((a, b) => b.remaining - a.remaining || a.user_id.localeCompare(b.user_id)),
  }
}

export const ITEM_CSV_COLUMNS = [
  'campaign_id',
  'item_no',
  'integration_id',
  'entitlement_id',
  'entitlement_name',
  'resource_type',
  'resource_name',
  'app_id',
  'principal_id',
  'principal_name',
  'principal_email',
  'principal_status',
  'last_login',
  'direct',
  'sources',
  'first_seen_at',
  'expires_at',
  'suggestion',
  'reviewers',
  'decision',
  'reason',
  'decided_by',
  'decided_at',
  'revoke_order_id',
  'revoke_state',
  'close_outcome',
] as const

/** Every item of a campaign, a page at a time. */
async function* allItems(store: Store, campaignId: string): AsyncGenerator<ItemRow[]> {
  let cursor: string | null = null
  do {
    const page = await listItemRows(store.db, { campaign_id: campaignId }, { limit: 500, cursor })
    yield page.items
    cursor = page.next_cursor
  } while (cursor !== null)
}

async function itemsCsv(store: Store, campaignId: string): Promise<{ text: string; sha256: string; rows: number }> {
  const rows: unknown[][] = []
  const emails = new Map<string, string>()
  const emailOf = async (ids: readonly string[]): Promise<void> => {
    const missing = ids.filter((id) => !emails.has(id) && id !== 'system')
    for (const [id, u] of await userSummaries(store.db, missing)) emails.set(id, u.email)
  }
  for await (const page of allItems(store, campaignId)) {
    const reviewers = await reviewersOfItems(store.db, campaignId, page.map((i) => i.item_no))
    await emailOf([...new Set([...[...reviewers.values()].flat(), ...page.flatMap((i) => (i.decided_by === null ? [] : [i.decided_by]))])])
    for (const i of page) {
      rows.push([
        i.campaign_id,
        i.item_no,
        i.integration_id,
        i.entitlement_id,
        i.entitlement_name,
        i.resource_type,
        i.resource_name,
        i.app_id ?? '',
        i.principal_id,
        i.principal_name,
        i.principal_email ?? '',
        i.principal_status ?? '',
        i.last_login ?? '',
        Number(i.direct) === 1 ? 'direct' : 'inherited',
        (JSON.parse(i.sources) as string[]).join(' '),
        i.first_seen_at ?? '',
        i.expires_at ?? '',
        i.suggestion ?? '',
        (reviewers.get(i.item_no) ?? []).map((id) => emails.get(id) ?? id).join(' '),
        i.decision ?? '',
        i.reason ?? '',
        i.decided_by === null ? '' : i.decided_by === 'system' ? 'system' : (emails.get(i.decided_by) ?? i.decided_by),
        i.decided_at ?? '',
        i.revoke_order_id ?? '',
        i.order_state ?? '',
        i.close_outcome ?? '',
      ])
    }
  }
  // Formulas escaped: auditors open these in spreadsheets, and names come from OneLogin.
  return { ...csvWithHash(ITEM_CSV_COLUMNS, rows, { escapeFormulas: true }), rows: rows.length }
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'campaign'
  )
}

export interface CsvExport {
  filename: string
  text: string
  sha256: string
  rows: number
}

/** The items and decisions as CSV, with the file's SHA-256 (recorded in the audit log). */
export async function exportCampaignCsv(store: Store, actor: Actor, id: string, clock: Clock = {}): Promise<CsvExport> {
  authorize(actor, 'campaigns:read')
  const row = found(await getCampaignRow(store.db, id), id)
  if (row.state === 'draft') throw new WardenError('CONFLICT', `campaign ${id} is a draft: stage it first; it has no items yet`)
  const csv = await itemsCsv(store, id)
  const filename = `${slug(row.name)}-${id}-items.csv`
  await audited(store, actor, async () => ({
    result: undefined,
    audit: [{ action: 'campaign.export', target_type: 'campaign', target_id: id, after: { filename, sha256: csv.sha256, rows: csv.rows, at: isoTime(clock.now ?? new Date()) } }],
  }))
  return { filename, ...csv }
}

export interface EvidenceExport {
  filename: string
  bundle: Buffer
  manifest_sha256: string
  bundle_sha256: string
}

/** The evidence bundle of a staged, active or closed campaign (closed is the one auditors want). */
export async function campaignEvidence(store: Store, actor: Actor, id: string, clock: Clock = {}): Promise<EvidenceExport> {
  authorize(actor, 'campaigns:read')
  const now = clock.now ?? new Date()
  const row = found(await getCampaignRow(store.db, id), id)
  if (row.state === 'draft') throw new WardenError('CONFLICT', `campaign ${id} is a draft: stage it first; it has no items yet`)
  const view: CampaignView = await toCampaignView(store.db, row, now)
  // The view's counts serve the progress too: one pass over the items, not two.
  const progress = await progressOf(store, view)
  const reminders = await remindersOf(store.db, id)
  const items = await itemsCsv(store, id)
  const comments = await commentsOfCampaign(store.db, id)
  const authors = await userSummaries(store.db, comments.map((c) => c.author_id))
  const commentsCsv = csvWithHash(
    ['campaign_id', 'item_no', 'comment_id', 'author', 'created_at', 'body'],
    comments.map((c) => [c.campaign_id, Number(c.item_no), c.id, authors.get(c.author_id)?.email ?? c.author_id, c.created_at, c.body]),
    { escapeFormulas: true },
  )
  const audit = (await campaignAuditEntries(store.db, id)).map((e) =>
    JSON.stringify({ seq: Number(e.seq), id: e.id, at: e.at, actor: e.actor, action: e.action, target_type: e.target_type, target_id: e.target_id, before: e.before === null ? null : JSON.parse(e.before), after: e.after === null ? null : JSON.parse(e.after), prev_hash: e.prev_hash, hash: e.hash }),
  )
  const campaignJson = JSON.stringify({ campaign: view, progress, reminders }, null, 2) + '\n'
  const built = buildEvidenceBundle({
    subject: { campaign_id: id, name: row.name, state: row.state, items: items.rows, generated_by: actor.id },
    files: [
      { name: 'campaign.json', content: campaignJson },
      { name: 'items.csv', content: items.text },
      { name: 'comments.csv', content: commentsCsv.text },
      { name: 'audit.jsonl', content: audit.length === 0 ? '' : audit.join('\n') + '\n' },
    ],
    generatedAt: now,
  })
  await audited(store, actor, async () => ({
    result: undefined,
    audit: [{ action: 'campaign.evidence', target_type: 'campaign', target_id: id, after: { manifest_sha256: built.manifestSha256, bundle_sha256: built.bundleSha256, items: items.rows, generated_at: isoTime(now) } }],
  }))
  return { filename: `${slug(row.name)}-${id}-evidence.tar.gz`, bundle: built.bundle, manifest_sha256: built.manifestSha256, bundle_sha256: built.bundleSha256 }
}

export interface CampaignEvidenceCheck extends EvidenceVerification {
  /** The audit entry that recorded this bundle's manifest when Warden produced it (null: Warden has no record of it). */
  recorded: { seq: number; at: string; actor: string; campaign_id: string | null } | null
}

/** Re-verifies a bundle: its files against its manifest, and the manifest against Warden's audit record of it. */
export async function verifyCampaignEvidence(store: Store, actor: Actor, bundle: Buffer): Promise<CampaignEvidenceCheck> {
  authorize(actor, 'campaigns:read')
  const check = verifyEvidenceBundle(bundle)
  const record = check.manifest_sha256 === null ? undefined : await findEvidenceRecord(store.db, check.manifest_sha256)
  const problems = [...check.problems]
  if (check.manifest_sha256 !== null && record === undefined) problems.push('Warden has no record of producing this manifest: it was not made by this Warden, or it was changed')
  return {
    ...check,
    ok: check.ok && record !== undefined,
    problems,
    recorded: record === undefined ? null : { seq: Number(record.seq), at: record.at, actor: record.actor, campaign_id: record.target_id },
  }
}
