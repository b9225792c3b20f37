import type { PageProps } from '../../app.js'
import { Link, usePaged, useQueryParams } from '../../hooks/index.js'
import { PageHeader, PagedTable, SelectField, Time } from '../../components/index.js'
import { KIND_LABELS, RequestState, formatDuration } from './shared.js'
import type { AccessRequest } from './types.js'

const STATES = ['pending', 'provisioning', 'done', 'denied', 'cancelled', 'failed', 'manual']

/** The signed-in person's requests (made by them or for them), newest first. */
export function MyRequestsPage(_props: PageProps) {
  const [params, setParams] = useQueryParams()
  const requests = usePaged<AccessRequest>('/requests', { mine: true, state: params['state'] }, 50, { pollMs: 5000 })
  return (
    <>
      <PageHeader title="My requests" actions={<Link className="button primary" href="/requests/catalog">Request access</Link>} />
      <div className="filters">
        <div>
          <SelectField label="State" name="state" value={params['state'] ?? ''} onChange={(e) => setParams({ state: e.target.value })}>
            <option value="">All</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </SelectField>
        </div>
      </div>
      <PagedTable
        paged={requests}
        rowKey={(r) => r.id}
        caption="My requests"
        empty={<>No requests yet. <Link href="/requests/catalog">Request access</Link>.</>}
        columns={[
          { header: 'Access', render: (r) => <Link href={`/requests/${r.id}`}>{r.entitlement_name}</Link> },
          { header: 'Kind', render: (r) => `${KIND_LABELS[r.kind] ?? r.kind}${r.emergency ? ' (emergency)' : ''}` },
          { header: 'State', render: (r) => <RequestState state={r.state} /> },
          { header: 'Duration', render: (r) => formatDuration(r.duration_minutes) },
          { header: 'Requested', render: (r) => <Time iso={r.created_at} /> },
          { header: 'Ends', render: (r) => (r.expires_at === null ? <span className="muted">—</span> : <Time iso={r.expires_at} />) },
        ]}
      />
    </>
  )
}
