import type { PageProps } from '../../app.js'
import type { ApiIdentityDetail, ApiIntegration } from '../../api/index.js'
import { Async, DataTable, PageHeader, Section, StatusBadge, Time } from '../../components/index.js'
import { Link, useApi, useSession } from '../../hooks/index.js'
import { GrantsByKind, PersonAccess } from './access.js'
import { ManagerLink, OneLoginStatus } from './shared.js'

type Account = ApiIdentityDetail['accounts'][number]

/** One person: who they are in OneLogin (each account, its status and manager) and everything they hold. */
export function PersonPage({ params }: PageProps) {
  const id = params['id'] ?? ''
  const person = useApi<ApiIdentityDetail>(`/identities/${encodeURIComponent(id)}`)
  const session = useSession()
  return (
    <>
      <PageHeader title={person.data?.display_name ?? 'Person'} back={{ href: '/people', label: 'People' }}>
        {person.data !== undefined && <p className="lead">{person.data.email}</p>}
      </PageHeader>
      <Async {...person} what="Loading the person">
        {(p) => (
          <>
            <div className="grid-2">
              <Section title="Details">
                <Facts person={p} />
              </Section>
              {session.can('apps:read') && (
                <Section title="Access at a glance">
                  <GrantsByKind identityId={p.id} />
                </Section>
              )}
            </div>
            <Section title="OneLogin accounts">
              <AccountsTable accounts={p.accounts} canSeeIntegrations={session.can('integrations:read')} />
            </Section>
            {session.can('apps:read') ? (
              <PersonAccess identityId={p.id} accounts={p.accounts.length} />
            ) : (
              <Section title="Access">
                <p className="muted">Seeing someone’s access needs the permission to read applications (apps:read).</p>
              </Section>
            )}
          </>
        )}
      </Async>
    </>
  )
}

/** The distinct values of a trait across someone's accounts (usually one), or a dash. */
function distinct(values: (string | null)[]): string {
  const seen = [...new Set(values.filter((v): v is string => v !== null))]
  return seen.length === 0 ? '—' : seen.join(', ')
}

function Facts({ person }: { person: ApiIdentityDetail }) {
  const summary = person.onelogin
  return (
    <dl className="facts">
      <dt>Email</dt>
      <dd>{person.email}</dd>
      <dt>Warden user</dt>
      <dd>
        {person.warden_user_id === null ? (
          <span className="muted">Not linked: no Warden user has this email</span>
        ) : (
          <>
            Linked <span className="muted">({person.warden_user_id})</span>
          </>
        )}
      </dd>
      <dt>OneLogin status</dt>
      <dd>
        <OneLoginStatus summary={summary} />
      </dd>
      <dt>Manager</dt>
      <dd>{summary === null ? '—' : <ManagerLink manager={summary.manager} />}</dd>
      <dt>Department</dt>
      <dd>{distinct(person.accounts.map((a) => a.department))}</dd>
      <dt>Title</dt>
      <dd>{distinct(person.accounts.map((a) => a.title))}</dd>
      <dt>Last login</dt>
      <dd>{summary === null ? '—' : <Time iso={summary.last_login} />}</dd>
    </dl>
  )
}

function AccountsTable({ accounts, canSeeIntegrations }: { accounts: Account[]; canSeeIntegrations: boolean }) {
  return (
    <DataTable
      rows={accounts}
      rowKey={(a) => `${a.integration_id} ${a.id}`}
      caption="OneLogin accounts"
      empty="No OneLogin user has this person’s email now (they may have been removed from OneLogin since)."
      columns={[
        { header: 'Integration', render: (a) => <IntegrationLabel id={a.integration_id} canSee={canSeeIntegrations} /> },
        { header: 'Account', render: (a) => <span title={a.display_name}>{a.id}</span> },
        { header: 'Status', render: (a) => <StatusBadge status={a.status} /> },
        { header: 'Last login', render: (a) => <Time iso={a.last_login} /> },
        { header: 'Manager', render: (a) => <ManagerLink manager={a.manager} /> },
        { header: 'Department', render: (a) => a.department ?? <span className="muted">—</span> },
        { header: 'Title', render: (a) => a.title ?? <span className="muted">—</span> },
      ]}
    />
  )
}

/** An integration by its OneLogin domain, linked to its page (its id without integrations:read). */
function IntegrationLabel({ id, canSee }: { id: string; canSee: boolean }) {
  const integration = useApi<ApiIntegration>(canSee ? `/integrations/${id}` : null)
  if (!canSee) return <code>{id}</code>
  return <Link href={`/integrations/${id}`}>{integration.data?.onelogin_domain ?? id}</Link>
}
