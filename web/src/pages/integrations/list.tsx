import type { PageProps } from '../../app.js'
import type { ApiIntegration } from '../../api/index.js'
import { Empty, IntegrationStatus, PageHeader, PagedTable, Section, Time } from '../../components/index.js'
import { Link, usePaged, usePoll, useSession } from '../../hooks/index.js'
import type { Paged, Session } from '../../hooks/index.js'
import { AddConnectorForm } from './add.js'
import { OwnerNames, canAddIntegration } from './shared.js'

const POLL_MS = 3000

/**
 * Admin > Integrations: the connectors with their status. With none yet, the Add connector form
 * is open on the page (there is nothing else to do here first); otherwise Add connector leads to it.
 */
export function IntegrationsPage(_props: PageProps) {
  const session = useSession()
  const list = usePaged<ApiIntegration>('/integrations')
  // Statuses move on their own while a sync runs: follow them until none is syncing.
  usePoll(list.items.some((i) => i.status === 'syncing') ? POLL_MS : undefined, list.reload)
  const none = list.data !== undefined && list.items.length === 0 && !list.hasPrev
  const canAdd = canAddIntegration(session)
  return (
    <>
      <PageHeader
        title="Integrations"
        actions={
          canAdd && !none ? (
            <Link className="button primary" href="/integrations/new">
              Add connector
            </Link>
          ) : undefined
        }
      >
        <p className="lead">OneLogin connectors: Warden syncs users, roles, apps and groups from each, and provisions access through it.</p>
      </PageHeader>
      {none ? (
        canAdd ? (
          <Section title="Add a OneLogin connector">
            <p className="muted">There is no connector yet. Add one to start syncing from OneLogin.</p>
            <AddConnectorForm />
          </Section>
        ) : (
          <Empty>There is no connector yet. A Super Administrator can add one.</Empty>
        )
      ) : (
        <Section title="Connectors">
          <ConnectorsTable list={list} session={session} />
        </Section>
      )}
    </>
  )
}

function ConnectorsTable({ list, session }: { list: Paged<ApiIntegration>; session: Session }) {
  return (
    <PagedTable
      paged={list}
      rowKey={(i) => i.id}
      caption="Connectors"
      empty="No connectors on this page."
      columns={[
        {
          header: 'Connector',
          render: (i) => (
            <Link href={`/integrations/${i.id}`}>
              {i.app_name ?? i.app_id}
            </Link>
          ),
        },
        { header: 'Status', render: (i) => <IntegrationStatus status={i.status} paused={i.paused} /> },
        { header: 'OneLogin domain', render: (i) => i.onelogin_domain ?? <span className="muted">not set</span> },
        { header: 'Last sync', render: (i) => <Time iso={i.last_sync_at} /> },
        { header: 'Next sync', render: (i) => <NextSync integration={i} /> },
        { header: 'Owners', render: (i) => <OwnerNames owners={i.owners} session={session} /> },
      ]}
    />
  )
}

export function NextSync({ integration }: { integration: ApiIntegration }) {
  if (integration.status === 'not_connected') return <span className="muted">after the settings are saved</span>
  if (integration.paused) return <span className="muted">paused</span>
  if (integration.mode === 'self-hosted') return <span className="muted">on upload</span>
  if (integration.next_sync_at === null) return <span className="muted">—</span>
  if (new Date(integration.next_sync_at).getTime() <= Date.now()) return <>due now</>
  return <Time iso={integration.next_sync_at} />
}
