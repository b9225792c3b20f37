import { Link } from '../hooks/index.js'
import { formatNumber } from './format.js'

/**
 * Two small charts in plain SVG/CSS (no chart library): horizontal bars for "how many per thing"
 * and a line for "how much over time". Each has a text title; the bars are a list a screen reader
 * reads as it is, the line has a hidden table of its figures.
 */

export interface Bar {
  label: string
  value: number
  href?: string
}

export function BarChart({ title, bars, unit }: { title: string; bars: Bar[]; unit: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value))
  // The list itself is what a screen reader reads (label, then figure); only the bar is decoration.
  return (
    <figure className="chart bar-chart">
      <figcaption>{title}</figcaption>
      <ul>
        {bars.map((b, i) => (
          <li key={i}>
            <span className="bar-label" title={b.label}>
              {b.href === undefined ? b.label : <Link href={b.href}>{b.label}</Link>}
            </span>
            <span className="bar-track" aria-hidden="true">
              <span className="bar-fill" style={{ width: `${(b.value / max) * 100}%` }} />
            </span>
            <span className="bar-value">
              {formatNumber(b.value)}
              <span className="visually-hidden"> {unit}</span>
            </span>
          </li>
        ))}
      </ul>
    </figure>
  )
}

export interface Point {
  label: string
  value: number
}

export function LineChart({ title, points, unit }: { title: string; points: Point[]; unit: string }) {
  const width = 480
  const height = 140
  const pad = { top: 10, right: 12, bottom: 22, left: 44 }
  const max = Math.max(1, ...points.map((p) => p.value))
  const w = width - pad.left - pad.right
  const h = height - pad.top - pad.bottom
  const x = (i: number) => pad.left + (points.length <= 1 ? w / 2 : (i / (points.length - 1)) * w)
  const y = (v: number) => pad.top + h - (v / max) * h
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')
  return (
    <figure className="chart line-chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} preserveAspectRatio="xMidYMid meet">
        <line className="axis" x1={pad.left} y1={pad.top + h} x2={pad.left + w} y2={pad.top + h} />
        <line className="axis" x1={pad.left} y1={pad.top} x2={pad.left} y2={pad.top + h} />
        <text className="tick" x={pad.left - 6} y={pad.top + 4} textAnchor="end">
          {formatNumber(max)}
        </text>
        <text className="tick" x={pad.left - 6} y={pad.top + h} textAnchor="end">
          0
        </text>
        {points.length > 0 && (
          <>
            <text className="tick" x={x(0)} y={height - 4} textAnchor={points.length === 1 ? 'middle' : 'start'}>
              {points[0]?.label}
            </text>
            {points.length > 1 && (
              <text className="tick" x={x(points.length - 1)} y={height - 4} textAnchor="end">
                {points[points.length - 1]?.label}
              </text>
            )}
          </>
        )}
        <path className="line" d={path} />
        {points.map((p, i) => (
          <circle key={i} className="dot" cx={x(i)} cy={y(p.value)} r={3}>
            <title>{`${p.label}: ${formatNumber(p.value)} ${unit}`}</title>
          </circle>
        ))}
      </svg>
      <FiguresTable title={title} rows={points.map((p) => [p.label, p.value])} unit={unit} />
    </figure>
  )
}

function FiguresTable({ title, rows, unit }: { title: string; rows: [string, number][]; unit: string }) {
  return (
    <table className="visually-hidden">
      <caption>{title}</caption>
      <tbody>
        {rows.map(([label, value], i) => (
          <tr key={i}>
            <th scope="row">{label}</th>
            <td>
              {value} {unit}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
