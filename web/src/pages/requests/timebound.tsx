import type { PageProps } from '../../app.js'
import { api } from '../../api/index.js'
import { FormError, PageHeader, PagedTable, Time } from '../../components/index.js'
import { Link, usePaged, useSession, useSubmit } from '../../hooks/index.js'
import { Countdown, RequestState } from './shared.js'
import type { TimeboundGrant } from './types.js'

/** Active time-bound grants with the time each has left, soonest first; revoke one now. */
export function TimeboundPage(_props: PageProps) {
  const session = useSession()
  const grants = usePaged<TimeboundGrant>('/grants/timebound', {}, 50, { pollMs: 10_000 })
  const revoke = useSubmit(async (id: string) => {
    await api(`/grants/timebound/${id}/revoke`, { method: 'POST' })
    grants.reload()
  })
  return (
    <>
      <PageHeader title="Time-bound grants">
        <p className="lead">Access that ends by itself. Warden removes it in OneLogin when the time is up, and tells the holder and the owners beforehand.</p>
      </PageHeader>
      <FormError message={revoke.error} />
      <PagedTable
        paged={grants}
        rowKey={(g) => g.id}
        caption="Active time-bound grants"
        empty="No time-bound access is active."
        columns={[
          { header: 'Who', render: (g) => <>{g.principal_name}<span className="hint">{g.principal_email ?? g.principal_id}</span></> },
          { header: 'Access', render: (g) => (g.request_id === null ? g.entitlement_name : <Link href={`/requests/${g.request_id}`}>{g.entitlement_name}</Link>) },
          { header: 'Granted', render: (g) => <Time iso={g.granted_at} /> },
          { header: 'Time left', render: (g) => <Countdown iso={g.expires_at} /> },
          { header: 'State', render: (g) => <RequestState state={g.state} /> },
          {
            header: 'Actions',
            render: (g) =>
              g.state === 'active' && session.can('access-requests:write') ? (
                <button type="button" className="danger" onClick={() => void revoke.run(g.id)} disabled={revoke.busy} aria-label={`Revoke ${g.entitlement_name} from ${g.principal_name}`}>
                  Revoke now
                </button>
              ) : null,
          },
        ]}
      />
    </>
  )
}
