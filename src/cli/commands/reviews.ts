import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import { Output, TextTableWriter, cell, heldThrough } from '../format.js'
import { intOption } from '../parse.js'
import { WardenApi, collect } from '../server-client.js'
import type { ConnectionFlags } from '../server-client.js'
import { personName, serverCommand, writeList } from './request.js'
import type { Person } from './request.js'
import { checkAssignee } from './tasks.js'

/**
 * `warden reviews list|certify|revoke|reassign`: a reviewer's side of access reviews (issue 9),
 * like ConductorOne's `cone` task commands for certifications, against a Warden server's REST API
 * with a personal API token. Items are named by their number within the campaign, singly or in
 * lists and ranges (`3,5,7-9`). A revoke that takes away more than one grant in OneLogin asks for
 * `--yes` first, the command-line form of the confirmation the web console shows.
 */

// ---- what the API answers (the fields the CLI reads; --json passes them all on) ---------------

export interface ReviewItem {
  campaign_id: string
  campaign_name: string
  item_no: number
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  resource_type: string
  resource_name: string
  principal_id: string
  principal_name: string
  principal_email: string | null
  principal_status: string | null
  last_login: string | null
  direct: boolean
  sources: string[]
  expires_at: string | null
  suggestion: 'suspended' | 'inactive' | null
  decision: 'certify' | 'revoke' | null
  reason: string | null
  decided_by: { id: string; email: string | null; display_name: string } | null
  decided_at: string | null
  revoke_order_id: string | null
  revoke_state: string | null
  revoke_error: string | null
  close_outcome: 'revoked' | 'left' | null
  reviewers: Person[]
  comment_count: number
}

export interface DecisionPlan {
  items: number
  changes: number
  /** Grants the decision revokes in OneLogin. */
  revocations: number
  /** Items already revoked (a revoke is final). */
  final: number[]
}

// ---- arguments ------------------------------------------------------------------------------

/** Items one decision or reassignment may name (the server's DECISION_ITEMS_MAX). */
export const ITEMS_MAX = 1000

const CAMPAIGN_ID = /^cmp_[0-9a-hjkmnp-tv-z]{26}$/

/** `<campaign id>`: checked here so a typo is bad usage (exit 2) before anything is sent. */
export function campaignIdArgument(value: string): string {
  const id = value.trim()
  if (!CAMPAIGN_ID.test(id)) throw new WardenError('BAD_INPUT', `the campaign id must be "cmp_" and 26 lower-case letters and digits, not "${value}"`)
  return id
}

/**
 * `<items>`: item numbers and ascending ranges, comma-separated (`3,5,7-9`), as the sorted
 * distinct numbers. Strict, because a slip here decides the wrong access: whole numbers from 1,
 * no empty parts, ranges that go up, at most ITEMS_MAX items. Anything else is BAD_INPUT saying
 * what is wrong with which part.
 */
export function parseItems(value: string): number[] {
  const bad = (why: string): WardenError => new WardenError('BAD_INPUT', `<items> must be item numbers and ranges like 3,5,7-9, not "${value}": ${why}`)
  if (value.trim() === '') throw bad('it is empty')
  const nos = new Set<number>()
  for (const raw of value.split(',')) {
    const part = raw.trim()
    if (part === '') throw bad('a part between commas is empty')
    const m = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (m === null) throw bad(`"${part}" is not a number or a range (use digits, and a hyphen for a range)`)
    const from = Number(m[1])
    const to = m[2] === undefined ? from : Number(m[2])
    for (const n of [from, to]) {
      if (!Number.isSafeInteger(n)) throw bad(`"${part}" is too large`)
      if (n < 1) throw bad('item numbers start at 1')
    }
    if (to < from) throw bad(`the range "${part}" goes down (write ${to}-${from})`)
    // Refuse before expanding, so 1-999999999 costs nothing.
    if (to - from + 1 > ITEMS_MAX) throw bad(`at most ${ITEMS_MAX} items at a time`)
    for (let n = from; n <= to; n++) nos.add(n)
    if (nos.size > ITEMS_MAX) throw bad(`at most ${ITEMS_MAX} items at a time`)
  }
  return [...nos].sort((a, b) => a - b)
}

const DECISION_FILTERS = ['undecided', 'decided', 'certify', 'revoke'] as const
type DecisionFilter = (typeof DECISION_FILTERS)[number]
const RESOURCE_TYPES = ['role', 'app', 'group', 'privilege'] as const

function decisionOption(value: string): DecisionFilter {
  if (!(DECISION_FILTERS as readonly string[]).includes(value)) throw new WardenError('BAD_INPUT', `--decision must be one of ${DECISION_FILTERS.join(', ')}, not "${value}"`)
  return value as DecisionFilter
}

function typeOption(value: string): string {
  if (!(RESOURCE_TYPES as readonly string[]).includes(value)) throw new WardenError('BAD_INPUT', `--type must be one of ${RESOURCE_TYPES.join(', ')}, not "${value}"`)
  return value
}

function campaignOption(value: string): string {
  const id = value.trim()
  if (!CAMPAIGN_ID.test(id)) throw new WardenError('BAD_INPUT', `--campaign must be a campaign id ("cmp_" and 26 lower-case letters and digits), not "${value}"`)
  return id
}

function queryOption(value: string): string {
  const q = value.trim()
  if (q === '') throw new WardenError('BAD_INPUT', '--q must not be empty (leave it out instead)')
  if (q.length > 200) throw new WardenError('BAD_INPUT', '--q is at most 200 characters')
  return q
}

function reasonOption(value: string): string {
  const reason = value.trim()
  if (reason === '') throw new WardenError('BAD_INPUT', '--reason must not be empty: say why')
  return reason
}

// ---- formatting -----------------------------------------------------------------------------

/** Who holds the access: `Name <email>`, the email alone when the name adds nothing or would not fit a cell, else the OneLogin user id. */
export function holderOf(i: Pick<ReviewItem, 'principal_name' | 'principal_email' | 'principal_id'>): string {
  const email = i.principal_email ?? ''
  const name = i.principal_name
  if (email === '') return name === '' ? i.principal_id : name
  // OneLogin's name is often the login, i.e. the email's local part: then the email says it all.
  const plain = name === '' || name.toLowerCase() === email.toLowerCase() || email.toLowerCase().startsWith(`${name.toLowerCase()}@`)
  const full = `${name} <${email}>`
  // A table cell holds 60 characters: rather than cut the email, leave the name out.
  return plain || full.length > 60 ? email : full
}

/** The decision for people: `undecided`, `certify`, `revoke (queued)`, `left` (undecided at close). */
export function decisionOf(i: Pick<ReviewItem, 'decision' | 'revoke_state' | 'close_outcome'>): string {
  if (i.decision === null) return i.close_outcome === 'left' ? 'left' : 'undecided'
  if (i.decision === 'revoke') return i.revoke_state === null ? 'revoke' : `revoke (${i.revoke_state})`
  return i.decision
}

function lastLogin(value: string | null): string {
  // The date is what a reviewer weighs; --json has the full timestamp.
  return value === null ? 'never' : value.slice(0, 10)
}

export const REVIEW_COLUMNS = ['CAMPAIGN', 'ITEM', 'HOLDER', 'ENTITLEMENT', 'TYPE', 'VIA', 'LAST LOGIN', 'SUGGESTION', 'DECISION']

export function reviewRow(i: ReviewItem): string[] {
  return [
    i.campaign_id,
    String(i.item_no),
    holderOf(i),
    i.entitlement_name || i.entitlement_id,
    i.resource_type,
    heldThrough(i),
    lastLogin(i.last_login),
    i.suggestion === null ? '-' : `revoke (${i.suggestion})`,
    decisionOf(i),
  ]
}

/** The items a decision or reassignment touched: what changed, and who reviews them now. */
export const RESULT_COLUMNS = ['ITEM', 'HOLDER', 'ENTITLEMENT', 'DECISION', 'REASON', 'REVIEWERS']

export function resultRow(i: ReviewItem): string[] {
  return [String(i.item_no), holderOf(i), i.entitlement_name || i.entitlement_id, decisionOf(i), i.reason ?? '-', i.reviewers.length === 0 ? '-' : i.reviewers.map((r) => personName(r)).join(', ')]
}

/** A table of touched items followed by one summary line, or the API's object as JSON. */
async function printResult(answer: { items: ReviewItem[] }, json: boolean | undefined, summary: string): Promise<void> {
  const out = new Output()
  if (json === true) {
    out.write(`${JSON.stringify(answer)}\n`)
    await out.end()
    return
  }
  const table = new TextTableWriter<ReviewItem>(out, RESULT_COLUMNS, resultRow)
  // At most ITEMS_MAX rows: no need to stream.
  for (const i of answer.items) table.push(i)
  table.finish()
  out.write(`${cell(summary, Number.MAX_SAFE_INTEGER)}\n`)
  await out.end()
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

// ---- the commands ---------------------------------------------------------------------------

interface CommonFlags extends ConnectionFlags {
  json?: boolean
}

interface ListFlags extends CommonFlags {
  campaign?: string
  decision: DecisionFilter
  suggested?: boolean
  type?: string
  q?: string
  limit: number
}

interface DecideFlags extends CommonFlags {
  reason?: string
  yes?: boolean
}

function decisionsPath(campaignId: string): string {
  return `/campaigns/${encodeURIComponent(campaignId)}/decisions`
}

export function registerReviews(program: Command): void {
  const reviews = program
    .command('reviews')
    .description('access reviews assigned to you: list, certify, revoke, reassign (on a Warden server: --server/$WARDEN_SERVER, --token/$WARDEN_TOKEN)')

  serverCommand(reviews.command('list').description('your review items in active campaigns (undecided ones unless --decision says otherwise)'))
    .option('--campaign <id>', 'only this campaign (cmp_...); any state', campaignOption)
    .option('--decision <which>', `${DECISION_FILTERS.join(', ')}`, decisionOption, 'undecided' as DecisionFilter)
    .option('--suggested', 'only items Warden suggests revoking (the holder is suspended, or has not signed in for a while)')
    .option('--type <type>', `only entitlements of this resource type: ${RESOURCE_TYPES.join(', ')}`, typeOption)
    .option('--q <text>', "words in the holder's name or email, or the entitlement's or resource's name", queryOption)
    .option('--limit <n>', 'at most this many', intOption('--limit', 1, 10_000), 200)
    .action(async (flags: ListFlags) => {
      const api = WardenApi.connect(flags)
      const query = { campaign_id: flags.campaign, decision: flags.decision, suggestion: flags.suggested === true ? 'any' : undefined, resource_type: flags.type, q: flags.q }
      // One more than asked for says whether the list was cut.
      const items = await collect<ReviewItem>(api, '/reviews', query, flags.limit + 1)
      if (items.length > flags.limit) {
        items.length = flags.limit
        process.stderr.write(`warden: showing the first ${flags.limit} items; narrow the list (--campaign, --type, --q) or raise --limit\n`)
      }
      const empty = flags.decision === 'undecided' ? 'Nothing to review.' : 'No items match.'
      await writeList(items, flags.json, REVIEW_COLUMNS, reviewRow, empty)
    })

  serverCommand(
    reviews
      .command('certify')
      .description('certify items: the access stays')
      .argument('<campaign id>', 'cmp_...', campaignIdArgument)
      .argument('<items>', 'item numbers and ranges, e.g. 3,5,7-9 (at most 1000)', parseItems),
  )
    .option('--reason <text>', 'why (kept with the decision)', reasonOption)
    .action(async (campaignId: string, itemNos: number[], flags: DecideFlags) => {
      const api = WardenApi.connect(flags)
      const answer = await api.post<{ plan: DecisionPlan; items: ReviewItem[] }>(decisionsPath(campaignId), {
        item_nos: itemNos,
        decision: 'certify',
        ...(flags.reason === undefined ? {} : { reason: flags.reason }),
      })
      await printResult(answer, flags.json, `certified ${plural(answer.plan.changes, 'item')} of campaign ${campaignId}${answer.plan.changes < answer.plan.items ? ` (${answer.plan.items - answer.plan.changes} already were)` : ''}`)
    })

  serverCommand(
    reviews
      .command('revoke')
      .description('revoke items: Warden takes the access away in OneLogin (final); more than one grant needs --yes')
      .argument('<campaign id>', 'cmp_...', campaignIdArgument)
      .argument('<items>', 'item numbers and ranges, e.g. 3,5,7-9 (at most 1000)', parseItems),
  )
    .requiredOption('--reason <text>', 'why the access should go (kept with the decision and in the audit log)', reasonOption)
    .option('--yes', 'confirm a revoke of more than one grant')
    .action(async (campaignId: string, itemNos: number[], flags: DecideFlags) => {
      const api = WardenApi.connect(flags)
      const preview = await api.post<DecisionPlan>(`${decisionsPath(campaignId)}/preview`, { item_nos: itemNos, decision: 'revoke' })
      // Items already revoked make the server refuse the whole decision with its own message; let it say so.
      if (preview.final.length === 0 && preview.revocations > 1 && flags.yes !== true) {
        // CONFLICT (exit 1), as the server answers the same unconfirmed decision: the count comes from
        // the server, so this is not a malformed command line (exit 2) but a refusal until confirmed.
        throw new WardenError('CONFLICT', `this revokes ${preview.revocations} grants in OneLogin; run again with --yes to confirm`)
      }
      const answer = await api.post<{ plan: DecisionPlan; items: ReviewItem[] }>(decisionsPath(campaignId), {
        item_nos: itemNos,
        decision: 'revoke',
        reason: flags.reason,
        ...(flags.yes === true ? { expected_revocations: preview.revocations } : {}),
      })
      const n = answer.plan.revocations
      const summary =
        n === 0
          ? `revoked nothing new in campaign ${campaignId}: the items were revoked already`
          : `revoked ${plural(n, 'item')} of campaign ${campaignId}: ${plural(n, 'revoke')} ordered in OneLogin; follow ${n === 1 ? 'it' : 'them'} with: warden reviews list --campaign ${campaignId} --decision revoke`
      await printResult(answer, flags.json, summary)
    })

  serverCommand(
    reviews
      .command('reassign')
      .description('hand items to another reviewer')
      .argument('<campaign id>', 'cmp_...', campaignIdArgument)
      .argument('<items>', 'item numbers and ranges, e.g. 3,5,7-9 (at most 1000)', parseItems),
  )
    .requiredOption('--to <user>', 'the new reviewer: a Warden user id (usr_...) or email', checkAssignee)
    .option('--reason <text>', 'why (the new reviewer reads it in their email)', reasonOption)
    .action(async (campaignId: string, itemNos: number[], flags: CommonFlags & { to: { user_id: string } | { email: string }; reason?: string }) => {
      const api = WardenApi.connect(flags)
      const answer = await api.post<{ items: ReviewItem[] }>(`/campaigns/${encodeURIComponent(campaignId)}/reassign`, {
        item_nos: itemNos,
        ...flags.to,
        ...(flags.reason === undefined ? {} : { reason: flags.reason }),
      })
      const to = answer.items[0]?.reviewers[0]
      const who = to === undefined ? ('email' in flags.to ? flags.to.email : flags.to.user_id) : personName(to)
      await printResult(answer, flags.json, `reassigned ${plural(answer.items.length, 'item')} of campaign ${campaignId} to ${who}`)
    })
}
