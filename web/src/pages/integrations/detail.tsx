import { useEffect, useRef, useState } from 'react'
import type { PageProps } from '../../app.js'
import { api } from '../../api/index.js'
import type { ApiIntegration, ApiPage, ApiSyncRunSummary } from '../../api/index.js'
import { ErrorState, FormError, IntegrationStatus, Loading, PageHeader, Section, Time } from '../../components/index.js'
import { useApi, usePaged, usePoll, useQueryParams, useSession, useSubmit } from '../../hooks/index.js'
import { NextSync } from './list.js'
import { OwnersSection } from './owners.js'
import { RunView } from './run.js'
import { SettingsSection } from './settings.js'
import { canManageIntegration } from './shared.js'
import { ApiCallsChart, SyncLogTable } from './sync-log.js'

const POLL_MS = 3000
/** After Sync now or Resume, how long to look for the run to show up (the job queue picks it up). */
const WATCH_MS = 30_000
/** Runs in the API-calls chart. */
const CHART_RUNS = 30
const LOG_PAGE = 20

/** /integrations/:id: the connector, or one of its sync runs with `?run=`. */
export function IntegrationPage({ params }: PageProps) {
  const id = params['id'] ?? ''
  const [query, setQuery] = useQueryParams()
  const runId = query['run']
  if (runId !== undefined && runId !== '') return <RunView integration={{ id }} runId={runId} />
  return <Connector id={id} editRequested={query['edit'] === 'settings'} clearEditRequest={() => setQuery({})} />
}

function Connector({ id, editRequested, clearEditRequest }: { id: string; editRequested: boolean; clearEditRequest: () => void }) {
  const loaded = useApi<ApiIntegration>(`/integrations/${id}`)
  // What a save, pause or resume answered is newer than the last fetch: show it until the next one.
  const [answered, setAnswered] = useState<ApiIntegration | undefined>(undefined)
  useEffect(() => setAnswered(undefined), [loaded.data])
  const integration = answered ?? loaded.data

  const recent = useApi<ApiPage<ApiSyncRunSummary>>(`/integrations/${id}/syncs`, { limit: CHART_RUNS })
  const runs = usePaged<ApiSyncRunSummary>(`/integrations/${id}/syncs`, {}, LOG_PAGE)
  const [watchUntil, setWatchUntil] = useState(0)
  const running = recent.data?.items[0]?.status === 'running' || runs.items.some((r) => r.status === 'running')
  const active = integration?.status === 'syncing' || running || watchUntil > Date.now()
  usePoll(active ? POLL_MS : undefined, () => {
    loaded.reload()
    recent.reload()
    runs.reload()
  })
  // A sync that ended or settings that connected change the runs too: fetch them again then.
  const signature = integration === undefined ? '' : `${integration.status}|${integration.last_sync_at ?? ''}|${integration.updated_at}`
  const lastSignature = useRef(signature)
  useEffect(() => {
    if (lastSignature.current === signature) return
    lastSignature.current = signature
    recent.reload()
    runs.reload()
  }, [signature, recent.reload, runs.reload])

  const [editing, setEditingState] = useState(editRequested)
  const setEditing = (on: boolean) => {
    setEditingState(on)
    if (!on && editRequested) clearEditRequest()
  }

  if (integration === undefined) {
    return (
      <>
        <PageHeader title="Connector" back={{ href: '/integrations', label: 'Integrations' }} />
        {loaded.error !== undefined ? <ErrorState error={loaded.error} retry={loaded.reload} /> : <Loading what="Loading the connector" />}
      </>
    )
  }
  return (
    <>
      <ConnectorHeader
        integration={integration}
        onChanged={setAnswered}
        onSyncRequested={() => {
          setWatchUntil(Date.now() + WATCH_MS)
          recent.reload()
          runs.reload()
        }}
      />
      <div className="grid-2 connector-grid">
        <SettingsSection integration={integration} editing={editing} setEditing={setEditing} onSaved={setAnswered} />
        <OwnersSection integration={integration} onSaved={setAnswered} />
      </div>
      <Section title="Sync log">
        <div className="sync-chart">
          <ApiCallsChart recent={recent} />
        </div>
        <SyncLogTable integrationId={integration.id} runs={runs} />
      </Section>
    </>
  )
}

/** The connector's name, status and actions: Sync now, Pause or Resume. */
function ConnectorHeader({ integration: i, onChanged, onSyncRequested }: {
  integration: ApiIntegration
  onChanged: (i: ApiIntegration) => void
  onSyncRequested: () => void
}) {
  const session = useSession()
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const allowed = canManageIntegration(session, i)
  const connected = i.status !== 'not_connected'
  const act = useSubmit(async (what: 'sync' | 'pause' | 'resume') => {
    setNotice(undefined)
    if (what === 'sync') {
      const res = await api<{ job_id: string | null; queued: boolean }>(`/integrations/${i.id}/sync`, { method: 'POST', body: {} })
      setNotice(res.queued ? 'Sync queued: it appears in the sync log when it starts.' : 'A sync is already queued or running; nothing more was queued.')
      onSyncRequested()
      return
    }
    onChanged(await api<ApiIntegration>(`/integrations/${i.id}/${what}`, { method: 'POST' }))
    if (what === 'resume') {
      setNotice('Scheduled syncs resumed: the next one is due now.')
      onSyncRequested()
    } else setNotice('Scheduled syncs paused. Sync now still works.')
  })
  const why = !allowed ? 'Only a Super Administrator or an owner who is an Integration Administrator can do this' : !connected ? 'Save the OneLogin settings first' : undefined
  const disabled = act.busy || why !== undefined
  return (
    <PageHeader
      title={i.app_name ?? 'Connector'}
      back={{ href: '/integrations', label: 'Integrations' }}
      actions={
        <>
          {i.mode === 'hosted' && (
            <button type="button" className="primary" disabled={disabled} title={why} onClick={() => void act.run('sync')}>
              Sync now
            </button>
          )}
          {i.paused ? (
            <button type="button" disabled={disabled} title={why} onClick={() => void act.run('resume')}>
              Resume
            </button>
          ) : (
            <button type="button" disabled={disabled} title={why} onClick={() => void act.run('pause')}>
              Pause
            </button>
          )}
        </>
      }
    >
      <div className="connector-meta">
        <IntegrationStatus status={i.status} paused={i.paused} />
        <span>
          {i.mode === 'self-hosted' ? 'OneLogin (self-hosted): ' : 'OneLogin: '}
          {i.onelogin_domain ?? <span className="muted">domain not set</span>}
        </span>
        <span className="muted">
          Last sync <Time iso={i.last_sync_at} />
        </span>
        <span className="muted">
          Next sync <NextSync integration={i} />
        </span>
      </div>
      {i.status === 'not_connected' && (
        <p className="notice">
          {allowed
            ? 'Not connected yet: enter the OneLogin domain, client ID and client secret under Settings and save. Warden checks them with OneLogin, then runs the first sync.'
            : 'Not connected yet: one of the owners has to enter the OneLogin settings.'}
        </p>
      )}
      {i.status === 'error' && (
        <div className="form-error" role="alert">
          <strong>The last sync failed.</strong> {i.last_error ?? 'No detail was recorded; see the sync log.'}
        </div>
      )}
      {notice !== undefined && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <FormError message={act.error} />
    </PageHeader>
  )
}
