import { Badge, ProgressBar, formatNumber, formatTime } from '../../components/index.js'
import type { Loaded } from '../../hooks/index.js'
import type { ReviewSummary } from './types.js'

/**
 * The top of the inbox: each active campaign the reviewer takes part in, with how many of their
 * items are decided out of all assigned to them (GET /reviews/summary: exact counts, whatever the
 * list below has loaded), a progress bar, and the due date (overdue in red). A campaign's name
 * filters the list to it.
 */
export function CampaignSummary({ summary, current, onChoose }: { summary: Loaded<{ items: ReviewSummary[] }>; current: string; onChoose: (campaignId: string) => void }) {
  const items = summary.data?.items ?? []
  if (summary.data === undefined) {
    if (summary.error !== undefined) {
      return (
        <p className="review-notice review-notice-bad">
          Your campaigns&apos; progress could not be loaded.{' '}
          <button type="button" className="review-small" onClick={summary.reload}>
            Try again
          </button>
        </p>
      )
    }
    return null
  }
  if (items.length === 0) return null
  return (
    <ul className="review-campaigns" aria-label="Your campaigns" aria-busy={summary.loading}>
      {items.map((s) => (
        <li key={s.campaign_id} className={`review-campaign${s.campaign_id === current ? ' is-current' : ''}`} data-campaign={s.campaign_id}>
          <span className="review-campaign-name">
            <button type="button" className="review-link" onClick={() => onChoose(s.campaign_id === current ? '' : s.campaign_id)} aria-pressed={s.campaign_id === current} title={s.campaign_id === current ? 'Show every campaign' : 'Show only this campaign'}>
              {s.name}
            </button>
          </span>
          <span className="review-campaign-count" data-testid="review-count">
            <strong>{formatNumber(s.decided)}</strong> of {formatNumber(s.assigned)} decided
          </span>
          <ProgressBar value={s.decided} max={s.assigned} label={`${s.name}: decided`} unit="decided" showText={false} />
          <span className={`review-campaign-due${s.overdue ? ' is-overdue' : ''}`}>
            Due {formatTime(s.due_at)} {s.overdue && <Badge tone="bad">overdue</Badge>}
          </span>
        </li>
      ))}
    </ul>
  )
}
