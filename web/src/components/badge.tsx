import type { ApiIntegration } from '../api/index.js'

const INTEGRATION_LABELS: Record<ApiIntegration['status'], string> = {
  not_connected: 'Not connected',
  syncing: 'Syncing',
  connected: 'Connected',
  error: 'Error',
}

const TONES: Record<string, string> = {
  not_connected: 'neutral',
  syncing: 'info',
  connected: 'good',
  error: 'bad',
  active: 'good',
  managed: 'good',
  unmanaged: 'neutral',
  succeeded: 'good',
  running: 'info',
  failed: 'bad',
  suspended: 'warn',
  locked: 'bad',
}

export function Badge({ tone = 'neutral', children }: { tone?: string; children: string }) {
  return <span className={`badge badge-${tone}`}>{children}</span>
}

/** An integration's status as its label (Not connected, Syncing, Connected, Error). */
export function IntegrationStatus({ status, paused }: { status: ApiIntegration['status']; paused?: boolean }) {
  return (
    <span className="badges">
      <Badge tone={TONES[status] ?? 'neutral'}>{INTEGRATION_LABELS[status]}</Badge>
      {paused === true && <Badge tone="warn">Paused</Badge>}
    </span>
  )
}

/** A status word (a OneLogin user's, a sync run's, an app's state) in its colour. */
export function StatusBadge({ status }: { status: string | null }) {
  if (status === null) return <span className="muted">—</span>
  return <Badge tone={TONES[status] ?? 'neutral'}>{status.replaceAll('_', ' ')}</Badge>
}
