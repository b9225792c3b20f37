import { useEffect, useState } from 'react'
import { Badge } from '../../components/index.js'
import type { Conflict } from './types.js'

/** "2 h", "1 d 4 h", "45 min". */
export function formatDuration(minutes: number | null): string {
  if (minutes === null) return 'permanent'
  const d = Math.floor(minutes / 1440)
  const h = Math.floor((minutes % 1440) / 60)
  const m = minutes % 60
  return [d > 0 ? `${d} d` : '', h > 0 ? `${h} h` : '', m > 0 ? `${m} min` : ''].filter((s) => s !== '').join(' ') || '0 min'
}

const STATE_TONES: Record<string, string> = {
  pending: 'info',
  approved: 'good',
  provisioning: 'info',
  done: 'good',
  denied: 'bad',
  failed: 'bad',
  manual: 'warn',
  cancelled: 'neutral',
  open: 'info',
  reassigned: 'neutral',
  skipped: 'neutral',
  active: 'good',
  revoking: 'warn',
  revoked: 'neutral',
  expired: 'neutral',
}

export function RequestState({ state }: { state: string }) {
  return <Badge tone={STATE_TONES[state] ?? 'neutral'}>{state}</Badge>
}

export const KIND_LABELS: Record<string, string> = { grant: 'Access', revoke: 'Removal', extend: 'Extension' }

/** The SoD conflicts a request would create, as approvers must see them. */
export function Conflicts({ conflicts }: { conflicts: Conflict[] }) {
  if (conflicts.length === 0) return null
  return (
    <div className="warning" role="note">
      <strong>Separation of duties:</strong>
      <ul>
        {conflicts.map((c) => (
          <li key={c.rule_id}>
            {c.rule_name}: already holds {c.held.join(', ')}
            {c.action === 'extra_approval' ? ' (extra approval required)' : ''}
          </li>
        ))}
      </ul>
    </div>
  )
}

/** Time left until `iso`, ticking every second: "3 h 12 min 5 s", or "ended". */
export function Countdown({ iso }: { iso: string }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [])
  const left = Math.max(0, Math.floor((new Date(iso).getTime() - now) / 1000))
  if (left === 0) return <span className="countdown">ended</span>
  const d = Math.floor(left / 86400)
  const h = Math.floor((left % 86400) / 3600)
  const m = Math.floor((left % 3600) / 60)
  const s = left % 60
  const text = [d > 0 ? `${d} d` : '', d > 0 || h > 0 ? `${h} h` : '', `${m} min`, d === 0 ? `${s} s` : ''].filter((x) => x !== '').join(' ')
  return (
    <time className="countdown" dateTime={iso} title={new Date(iso).toLocaleString()}>
      {text}
    </time>
  )
}

/** Durations a requester can pick, up to the entitlement's maximum. */
export function durationChoices(max: number | null): number[] {
  const all = [30, 60, 120, 240, 480, 1440, 4320, 10080, 43200]
  const within = max === null ? all : all.filter((m) => m <= max)
  return max !== null && !within.includes(max) ? [...within, max] : within
}
