import type { ApiIntegration, ApiSyncRun } from '../../api/index.js'
import { Async, Badge, DataTable, PageHeader, Section, StatusBadge, formatDuration, formatNumber, formatTime } from '../../components/index.js'
import { useApi, usePoll } from '../../hooks/index.js'
import { count } from './sync-log.js'

const POLL_MS = 3000

const LEVEL_TONES: Record<ApiSyncRun['log'][number]['level'], string> = { info: 'neutral', warn: 'warn', error: 'bad' }

/**
 * One sync run with its log (`/integrations/:id?run=syn_…`: the router matches the connector's
 * path, and the run is a view of it). A running sync's log grows, so it is followed until it ends.
 */
export function RunView({ integration, runId }: { integration: Pick<ApiIntegration, 'id'>; runId: string }) {
  const path = `/integrations/${integration.id}/syncs/${encodeURIComponent(runId)}`
  const run = useApi<ApiSyncRun>(path)
  usePoll(run.data?.status === 'running' ? POLL_MS : undefined, run.reload)
  return (
    <>
      <PageHeader title="Sync run" back={{ href: `/integrations/${integration.id}`, label: 'Connector' }}>
        <p className="lead">
          <code>{runId}</code>
        </p>
      </PageHeader>
      <Async {...run} what="Loading the sync run">
        {(r) => (
          <>
            <Section title="Summary">
              <RunFacts run={r} />
            </Section>
            <Section title={`Log (${formatNumber(r.log.length)} lines)`}>
              <DataTable
                rows={r.log.map((line, n) => ({ ...line, n }))}
                rowKey={(l) => String(l.n)}
                caption="Log lines, oldest first"
                empty="This run wrote no log lines."
                columns={[
                  { header: 'Time', render: (l) => <time dateTime={l.at}>{new Date(l.at).toLocaleTimeString()}</time> },
                  { header: 'Level', render: (l) => <Badge tone={LEVEL_TONES[l.level]}>{l.level}</Badge> },
                  { header: 'Message', render: (l) => <span className="log-message">{l.message}</span> },
                ]}
              />
            </Section>
          </>
        )}
      </Async>
    </>
  )
}

function found(r: ApiSyncRun): string {
  const types: [string, string][] = [
    ['user', 'users'],
    ['role', 'roles'],
    ['app', 'apps'],
    ['group', 'groups'],
    ['privilege', 'privileges'],
  ]
  return types
    .filter(([type]) => type !== 'privilege' || (count(r, type) ?? 0) > 0)
    .map(([type, plural]) => `${formatNumber(count(r, type) ?? 0)} ${plural}`)
    .join(', ')
}

function RunFacts({ run: r }: { run: ApiSyncRun }) {
  return (
    <dl className="facts">
      <dt>Status</dt>
      <dd>
        <StatusBadge status={r.status} />
      </dd>
      <dt>Started</dt>
      <dd>{formatTime(r.started_at)}</dd>
      <dt>Finished</dt>
      <dd>{r.finished_at === null ? 'still running' : `${formatTime(r.finished_at)} (${formatDuration(r.started_at, r.finished_at)})`}</dd>
      <dt>Trigger and mode</dt>
      <dd>
        {r.triggered_by}, {r.mode}
      </dd>
      <dt>Found</dt>
      <dd>
        {r.counts === null
          ? '—'
          : `${found(r)}; ${formatNumber(r.counts.entitlements)} entitlements, ${formatNumber(r.counts.grants)} grants`}
      </dd>
      <dt>Grant changes</dt>
      <dd>
        +{formatNumber(r.grants_added)} added, −{formatNumber(r.grants_removed)} removed
      </dd>
      <dt>OneLogin API calls</dt>
      <dd>{formatNumber(r.api_calls)}</dd>
      <dt>Warnings</dt>
      <dd>{formatNumber(r.warnings)}</dd>
      {r.error !== null && (
        <>
          <dt>Error</dt>
          <dd className="run-error-full">{r.error}</dd>
        </>
      )}
    </dl>
  )
}
