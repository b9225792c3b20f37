import { api } from '../../api/index.js'
import { Badge } from '../../components/index.js'
import type { DecisionPlan, ReviewItem } from './types.js'

/**
 * What the review pages share: an item's key, its badges (suggestion, decision, the revoke's
 * provisioning state), how the holder has the access, and decisions sent per campaign (the API
 * decides items of one campaign at a time; a selection in the inbox may span several).
 */

export type Decision = 'certify' | 'revoke'

/** Items are numbered within their campaign: the pair names one. */
export function itemKey(item: Pick<ReviewItem, 'campaign_id' | 'item_no'>): string {
  return `${item.campaign_id}#${item.item_no}`
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Why revoking is suggested, in words: "suspended", "locked", "never signed in", or with the
 * campaign's inactive-days setting "not signed in for 96 days (threshold 90)" (without it, the days only).
 */
export function suggestionText(item: Pick<ReviewItem, 'suggestion' | 'last_login' | 'principal_status'>, inactiveDays?: number, now = Date.now()): string | null {
  if (item.suggestion === null) return null
  if (item.suggestion === 'suspended') return item.principal_status === 'locked' ? 'locked' : 'suspended'
  if (item.last_login === null) return 'never signed in'
  const days = Math.floor((now - Date.parse(item.last_login)) / DAY_MS)
  const over = inactiveDays === undefined ? '' : ` (threshold ${inactiveDays})`
  return Number.isNaN(days) ? `not signed in lately${over}` : `not signed in for ${days} days${over}`
}

/** "Suggested: revoke — …"; `inactiveDays` is the item's campaign's setting where the page knows it. */
export function SuggestionBadge({ item, inactiveDays }: { item: Pick<ReviewItem, 'suggestion' | 'last_login' | 'principal_status'>; inactiveDays?: number | undefined }) {
  const why = suggestionText(item, inactiveDays)
  if (why === null) return null
  return <Badge tone={item.suggestion === 'suspended' ? 'bad' : 'warn'}>{`Suggested: revoke — ${why}`}</Badge>
}

const REVOKE_STATE_TONES: Record<string, string> = { queued: 'info', running: 'info', done: 'good', failed: 'bad', manual: 'warn' }
const REVOKE_STATE_LABELS: Record<string, string> = {
  queued: 'revoke queued',
  running: 'revoking',
  done: 'revoked in OneLogin',
  failed: 'revoke failed',
  manual: 'manual task',
}

/** The decision, and for a revoke where the order to remove it in OneLogin stands. */
export function DecisionBadges({ item }: { item: Pick<ReviewItem, 'decision' | 'revoke_state' | 'close_outcome' | 'revoke_error'> }) {
  if (item.decision === null) {
    return item.close_outcome === 'left' ? <Badge tone="neutral">left at close</Badge> : <span className="muted">undecided</span>
  }
  return (
    <span className="badges">
      {item.decision === 'certify' ? <Badge tone="good">certified</Badge> : <Badge tone="bad">revoked</Badge>}
      {item.revoke_state !== null && (
        <span title={item.revoke_error ?? undefined}>
          <Badge tone={REVOKE_STATE_TONES[item.revoke_state] ?? 'neutral'}>{REVOKE_STATE_LABELS[item.revoke_state] ?? item.revoke_state}</Badge>
        </span>
      )}
      {item.close_outcome === 'revoked' && <Badge tone="neutral">at close</Badge>}
    </span>
  )
}

/** `role:330102:member` → its role's name when one of the loaded items names it, else "role 330102". */
export function sourceName(source: string, names: ReadonlyMap<string, string>): string {
  const known = names.get(source)
  if (known !== undefined) return known
  const [type, id, what] = source.split(':')
  return `${type ?? source} ${id ?? ''}${what === 'admin' ? ' (admin)' : ''}`.trim()
}

/** Entitlement id → resource name, from items already on screen (the roles an app comes through are often items too). */
export function sourceNames(items: readonly ReviewItem[]): Map<string, string> {
  const names = new Map<string, string>()
  for (const i of items) names.set(i.entitlement_id, i.resource_name)
  return names
}

/** "Direct", or "Inherited via Engineering, Sales". */
export function Via({ item, names }: { item: Pick<ReviewItem, 'direct' | 'sources'>; names: ReadonlyMap<string, string> }) {
  if (item.direct && item.sources.length === 0) return <>Direct</>
  const via = item.sources.map((s) => sourceName(s, names)).join(', ')
  return (
    <>
      {item.direct ? 'Direct' : 'Inherited'}
      {via !== '' && (
        <>
          {' '}
          <span className="hint">via {via}</span>
        </>
      )}
    </>
  )
}

/** Items by their campaign, in the order first seen. */
export function byCampaign<T extends Pick<ReviewItem, 'campaign_id'>>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const i of items) groups.set(i.campaign_id, [...(groups.get(i.campaign_id) ?? []), i])
  return groups
}

export interface CampaignPlan {
  campaign_id: string
  item_nos: number[]
  plan: DecisionPlan
}

/** Asks each campaign what revoking its share of `items` would do; items already revoked (final) are left out. */
export async function planDecision(items: readonly ReviewItem[], decision: Decision): Promise<CampaignPlan[]> {
  const plans: CampaignPlan[] = []
  for (const [campaignId, group] of byCampaign(items)) {
    const nos = group.map((i) => i.item_no)
    const plan = await api<DecisionPlan>(`/campaigns/${campaignId}/decisions/preview`, { method: 'POST', body: { item_nos: nos, decision } })
    const final = new Set(plan.final)
    plans.push({ campaign_id: campaignId, item_nos: nos.filter((n) => !final.has(n)), plan })
  }
  return plans
}

/**
 * Sends the decision campaign by campaign; `onDecided` gets each campaign's updated items as they
 * come back, so a failure in the second campaign still shows what the first one did.
 */
export async function sendDecisions(
  groups: readonly { campaign_id: string; item_nos: number[]; expected_revocations?: number }[],
  decision: Decision,
  reason: string,
  onDecided: (items: ReviewItem[]) => void,
): Promise<void> {
  for (const g of groups) {
    if (g.item_nos.length === 0) continue
    const body = {
      item_nos: g.item_nos,
      decision,
      ...(reason.trim() === '' ? {} : { reason: reason.trim() }),
      ...(g.expected_revocations === undefined ? {} : { expected_revocations: g.expected_revocations }),
    }
    const result = await api<{ items: ReviewItem[] }>(`/campaigns/${g.campaign_id}/decisions`, { method: 'POST', body })
    onDecided(result.items)
  }
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`
}
