import { useEffect, useRef, useState } from 'react'
import type { PageProps } from '../../app.js'
import type { ApiApp, ApiAppDetail } from '../../api/index.js'
import { PageHeader, PagedTable, Section, SelectField, StatusBadge, TextField, Time } from '../../components/index.js'
import { Link, usePaged, usePoll, useQueryParams, useSession } from '../../hooks/index.js'
import './apps.css'
import { GrantsByAppChart } from './grants-chart.js'
import { ManageDialog } from './manage.js'
import { IntegrationLink } from './shared.js'

const STATES = { '': 'All', managed: 'Managed', unmanaged: 'Unmanaged' } as const
type StateFilter = keyof typeof STATES

/** Typing in the search box waits this long before asking the server. */
const SEARCH_DELAY_MS = 250
/** With no app yet, a first sync may be running: look again this often. */
const EMPTY_POLL_MS = 5000

/**
 * Applications: the apps Warden governs (managed) and the SCIM apps a OneLogin sync found that it
 * does not govern yet (unmanaged, with Manage), filtered by state and name on the server; and a
 * chart of who holds which app.
 */
export function AppsPage(_props: PageProps) {
  const session = useSession()
  const [params, setParams] = useQueryParams()
  const state: StateFilter = params['state'] === 'managed' || params['state'] === 'unmanaged' ? params['state'] : ''
  const q = params['q'] ?? ''
  const [search, setSearch] = useState(q)
  // The setter is a new function each render; the timer below wants the latest without restarting.
  const setParamsRef = useRef(setParams)
  setParamsRef.current = setParams
  useEffect(() => {
    if (search.trim() === q) return
    const timer = setTimeout(() => setParamsRef.current({ state, q: search.trim() }), SEARCH_DELAY_MS)
    return () => clearTimeout(timer)
  }, [search, q, state])
  const apps = usePaged<ApiApp>('/apps', { state, q })
  const [managing, setManaging] = useState<ApiApp | undefined>(undefined)
  const [managed, setManaged] = useState<ApiAppDetail | undefined>(undefined)
  const canWrite = session.can('apps:write')
  const filtered = state !== '' || q !== ''
  usePoll(!filtered && apps.data !== undefined && apps.items.length === 0 && !apps.hasPrev ? EMPTY_POLL_MS : undefined, apps.reload)

  return (
    <>
      <PageHeader title="Applications">
        <p className="lead">
          Managed applications are governed by Warden. Unmanaged ones are SCIM apps a OneLogin sync found: <strong>Manage</strong> one to choose the
          OneLogin roles Warden provisions it through.
        </p>
      </PageHeader>
      <Section title="All applications">
        <form className="filters" role="search" aria-label="Filter applications" onSubmit={(e) => e.preventDefault()}>
          <SelectField label="State" name="state" value={state} onChange={(e) => setParams({ state: e.target.value, q: search.trim() })}>
            {Object.entries(STATES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
          <TextField label="Name contains" name="q" type="search" value={search} maxLength={200} onChange={(e) => setSearch(e.target.value)} />
        </form>
        {managed !== undefined && (
          <p className="notice" role="status">
            <Link href={`/apps/${managed.id}`}>{managed.name}</Link> is managed now: requests for it provision through{' '}
            {managed.bindings.map((b) => b.entitlement_name ?? b.entitlement_id).join(', ')}.
          </p>
        )}
        <PagedTable
          paged={apps}
          rowKey={(a) => a.id}
          caption="Applications"
          empty={
            filtered ? (
              'No application matches these filters.'
            ) : (
              <>
                No applications yet. They appear here after a OneLogin sync finds SCIM apps (apps with provisioning enabled in OneLogin);{' '}
                <Link href="/integrations">connect or sync a OneLogin integration</Link> to find them.
              </>
            )
          }
          columns={[
            { header: 'Name', render: (a) => <Link href={`/apps/${a.id}`}>{a.name}</Link> },
            { header: 'State', render: (a) => <StatusBadge status={a.state} /> },
            {
              header: 'Source',
              render: (a) => (a.source_integration_id === null ? <span className="muted">Made in Warden</span> : <IntegrationLink id={a.source_integration_id} />),
            },
            { header: 'Updated', render: (a) => <Time iso={a.updated_at} /> },
            {
              header: 'Actions',
              render: (a) =>
                a.state === 'unmanaged' && canWrite ? (
                  <button type="button" onClick={() => setManaging(a)} aria-label={`Manage ${a.name}`}>
                    Manage
                  </button>
                ) : null,
            },
          ]}
        />
      </Section>
      <Section title="Grants by application">
        <GrantsByAppChart />
      </Section>
      {managing !== undefined && (
        <ManageDialog
          appId={managing.id}
          onClose={() => setManaging(undefined)}
          onManaged={(app) => {
            setManaging(undefined)
            setManaged(app)
            apps.reload()
          }}
        />
      )}
    </>
  )
}
