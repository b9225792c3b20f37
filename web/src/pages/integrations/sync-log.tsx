import type { ApiPage, ApiSyncRunSummary } from '../../api/index.js'
import { Empty, ErrorState, LineChart, Loading, PagedTable, StatusBadge, formatDuration, formatNumber, formatTime } from '../../components/index.js'
import type { Loaded, Paged } from '../../hooks/index.js'
import { Link } from '../../hooks/index.js'

/** Compact enough for a table cell and a chart axis: "Nov 28, 4:22 PM". */
const SHORT = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })

function shortTime(iso: string): string {
  return SHORT.format(new Date(iso))
}

/** A run's counts: what it found in OneLogin. */
export function count(run: ApiSyncRunSummary, type: string): number | undefined {
  return run.counts?.resources[type]
}

function Num({ value }: { value: number | undefined }) {
  return value === undefined ? <span className="muted">—</span> : <>{formatNumber(value)}</>
}

const TRIGGERS: Record<ApiSyncRunSummary['triggered_by'], string> = {
  schedule: 'schedule',
  manual: 'Sync now',
  settings: 'settings saved',
  upload: 'upload',
}

export function runHref(integrationId: string, runId: string): string {
  return `/integrations/${integrationId}?run=${encodeURIComponent(runId)}`
}

/** The sync log: one row per run, newest first, each opening its log. */
export function SyncLogTable({ integrationId, runs }: { integrationId: string; runs: Paged<ApiSyncRunSummary> }) {
  return (
    <PagedTable
      paged={runs}
      rowKey={(r) => r.id}
      caption="Sync runs, newest first"
      empty="No sync has run yet. The first one starts when the OneLogin settings are saved."
      columns={[
        {
          header: 'Started',
          render: (r) => (
            // The start time opens the run's log (one link per row, named by what it shows).
            <Link className="nowrap" href={runHref(integrationId, r.id)} title={`Open the log of the sync started ${formatTime(r.started_at)}`}>
              {shortTime(r.started_at)}
            </Link>
          ),
        },
        {
          header: 'Trigger',
          render: (r) => (
            <>
              {TRIGGERS[r.triggered_by]}
              <br />
              <span className="muted">{r.mode}</span>
            </>
          ),
        },
        { header: 'Status', render: (r) => <RunStatus run={r} /> },
        { header: 'Duration', render: (r) => formatDuration(r.started_at, r.finished_at), className: 'num' },
        { header: 'Found', render: (r) => <Found run={r} /> },
        { header: 'Entitlements', render: (r) => <Num value={r.counts?.entitlements} />, className: 'num' },
        { header: 'Grants', render: (r) => <Num value={r.counts?.grants} />, className: 'num' },
        {
          header: 'Grant changes',
          render: (r) => (
            <span className="nowrap" title={`${r.grants_added} added, ${r.grants_removed} removed`}>
              +{formatNumber(r.grants_added)} / −{formatNumber(r.grants_removed)}
            </span>
          ),
          className: 'num',
        },
        { header: 'API calls', render: (r) => formatNumber(r.api_calls), className: 'num' },
        { header: 'Warnings', render: (r) => (r.warnings === 0 ? '0' : <strong className="warn-text">{formatNumber(r.warnings)}</strong>), className: 'num' },
      ]}
    />
  )
}

/** Users, roles, apps and groups the run found, two to a line to keep the table narrow. */
function Found({ run }: { run: ApiSyncRunSummary }) {
  if (run.counts === null) return <span className="muted">—</span>
  const part = (type: string, plural: string) => `${formatNumber(count(run, type) ?? 0)} ${plural}`
  const privileges = count(run, 'privilege') ?? 0
  return (
    <span className="nowrap">
      {part('user', 'users')}, {part('role', 'roles')}
      <br />
      {part('app', 'apps')}, {part('group', 'groups')}
      {privileges > 0 && (
        <>
          <br />
          {part('privilege', 'privileges')}
        </>
      )}
    </span>
  )
}

/** The status word, and the run's error under it (in full on the run's page). */
function RunStatus({ run }: { run: ApiSyncRunSummary }) {
  return (
    <>
      <StatusBadge status={run.status} />
      {run.error !== null && (
        <p className="run-error" title={run.error}>
          {run.error}
        </p>
      )}
    </>
  )
}

/** OneLogin API calls per sync over the recent runs, oldest to newest (the API lists newest first). */
export function ApiCallsChart({ recent }: { recent: Loaded<ApiPage<ApiSyncRunSummary>> }) {
  if (recent.data === undefined) {
    if (recent.error !== undefined) return <ErrorState error={recent.error} retry={recent.reload} />
    return <Loading what="Loading recent syncs" />
  }
  const finished = recent.data.items.filter((r) => r.status !== 'running').reverse()
  // A line needs two points (and one point would put both axis labels on top of each other).
  if (finished.length < 2) return <Empty>The chart of OneLogin API calls per sync appears after the second sync.</Empty>
  return (
    <LineChart
      title="OneLogin API calls per sync"
      unit="API calls"
      points={finished.map((r) => ({ label: shortTime(r.started_at), value: r.api_calls }))}
    />
  )
}
