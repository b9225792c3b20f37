import { formatNumber } from './format.js'
import './progress-bar.css'

/**
 * How much of something is done: a bar with "N of M" beside it. The element is a progressbar
 * with its figures, so a screen reader says "Decided, 40 percent" rather than nothing. `showText`
 * false leaves the figures out where the page already says them.
 */
export function ProgressBar({ value, max, label, unit = '', showText = true }: { value: number; max: number; label: string; unit?: string; showText?: boolean }) {
  const percent = max <= 0 ? 0 : Math.min(100, Math.round((value / max) * 100))
  const text = `${formatNumber(value)} of ${formatNumber(max)}${unit === '' ? '' : ` ${unit}`}`
  return (
    <span className="progress">
      <span className="progress-track" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} aria-valuetext={`${text} (${percent}%)`}>
        <span className="progress-fill" style={{ width: `${percent}%` }} />
      </span>
      {showText && <span className="progress-text">{text}</span>}
    </span>
  )
}
