/** Times and numbers as people read them. */

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—'
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : DATE_TIME.format(d)
}

/** "3 minutes ago" / "in 2 hours", from `now`. */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return '—'
  const ms = new Date(iso).getTime() - now
  if (Number.isNaN(ms)) return iso
  const abs = Math.abs(ms)
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ]
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  for (const [unit, size] of units) if (abs >= size || unit === 'second') return rtf.format(Math.round(ms / size), unit)
  return iso
}

/** A time shown relative, with the exact time on hover and for screen readers. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (iso === null || iso === undefined) return <span className="muted">never</span>
  return (
    <time dateTime={iso} title={formatTime(iso)}>
      {relativeTime(iso)}
    </time>
  )
}

export function formatNumber(n: number): string {
  return n.toLocaleString()
}

export function formatDuration(startIso: string, endIso: string | null): string {
  if (endIso === null) return '—'
  const ms = new Date(endIso).getTime() - new Date(startIso).getTime()
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}
