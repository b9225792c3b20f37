import { useEffect, useState } from 'react'
import type { ReactNode } from 'react'
import type { PageProps } from '../../app.js'
import type { ApiAppDetail, ApiEntitlementDetail } from '../../api/index.js'
import { ErrorState, Loading, PageHeader, Section, StatusBadge, Time } from '../../components/index.js'
import { Link, useApi, useSession } from '../../hooks/index.js'
import { WhoHasAccess } from './access.js'
import './apps.css'
import { EntitlementsPanel } from './entitlements.js'
import { ManageDialog } from './manage.js'
import { OwnersPanel } from './owners.js'
import { SettingsPanel, entitlementPath } from './settings.js'
import { IntegrationLink } from './shared.js'

const BACK = { href: '/apps', label: 'Applications' }

/** /apps/:id: an application, what governs it, its entitlements, and who has access and why. */
export function AppPage({ params }: PageProps) {
  const loaded = useApi<ApiAppDetail>(`/apps/${params['id'] ?? ''}`)
  if (loaded.data === undefined) {
    return (
      <>
        <PageHeader title="Application" back={BACK} />
        {loaded.error !== undefined ? <ErrorState error={loaded.error} retry={loaded.reload} /> : <Loading what="Loading the application" />}
      </>
    )
  }
  return <AppView app={loaded.data} reload={loaded.reload} />
}

function AppView({ app, reload }: { app: ApiAppDetail; reload: () => void }) {
  const session = useSession()
  const canWrite = session.can('apps:write')
  const [managing, setManaging] = useState(false)
  const access = useAccessEntitlement(app)
  return (
    <>
      <PageHeader
        title={app.name}
        back={BACK}
        actions={
          app.state === 'unmanaged' && canWrite ? (
            <button type="button" className="primary" onClick={() => setManaging(true)}>
              Manage
            </button>
          ) : undefined
        }
      >
        {app.description !== '' && <p className="lead">{app.description}</p>}
      </PageHeader>
      <div className="grid-2">
        <Section title="About">
          <Facts app={app} />
        </Section>
        {app.access !== null && (
          <Section title="Settings">
            <AccessPart access={access} what="Loading the settings">
              {(e) => <SettingsPanel key={e.id} entitlement={e} canWrite={canWrite} onSaved={access.set} />}
            </AccessPart>
          </Section>
        )}
      </div>
      {app.access !== null && (
        <Section title="Owners">
          <p className="hint">Warden users who answer for access to {app.name}.</p>
          <AccessPart access={access} what="Loading the owners">
            {(e) => <OwnersPanel entitlement={e} canWrite={canWrite} onSaved={access.set} />}
          </AccessPart>
        </Section>
      )}
      <Section title="Entitlements">
        <EntitlementsPanel app={app} access={access.data} />
      </Section>
      <Section title="Who has access">
        <WhoHasAccess app={app} />
      </Section>
      {managing && (
        <ManageDialog
          appId={app.id}
          onClose={() => setManaging(false)}
          onManaged={() => {
            setManaging(false)
            reload()
          }}
        />
      )}
    </>
  )
}

function Facts({ app }: { app: ApiAppDetail }) {
  return (
    <dl className="facts">
      <dt>State</dt>
      <dd>
        <StatusBadge status={app.state} />{' '}
        <span className="muted">{app.state === 'managed' ? 'governed by Warden' : 'found in OneLogin, not governed yet'}</span>
      </dd>
      <dt>Description</dt>
      <dd>{app.description === '' ? <span className="muted">none</span> : app.description}</dd>
      <dt>Source</dt>
      <dd>
        {app.source_integration_id === null ? (
          'Made in Warden'
        ) : (
          <>
            Found by <IntegrationLink id={app.source_integration_id} /> as <code>{app.source_resource_id}</code>
          </>
        )}
      </dd>
      {app.integrations.length > 0 && (
        <>
          <dt>Integrations</dt>
          <dd>
            {app.integrations.map((i) => (
              <span key={i.id} className="badges">
                <Link href={`/integrations/${i.id}`}>{i.onelogin_domain ?? i.id}</Link> <StatusBadge status={i.status} />
              </span>
            ))}
          </dd>
        </>
      )}
      {app.bindings.length > 0 && (
        <>
          <dt>Provisioned through</dt>
          <dd>{app.bindings.map((b) => b.entitlement_name ?? b.entitlement_id).join(', ')}</dd>
        </>
      )}
      <dt>Created</dt>
      <dd>
        <Time iso={app.created_at} />
      </dd>
      <dt>Updated</dt>
      <dd>
        <Time iso={app.updated_at} />
      </dd>
    </dl>
  )
}

interface AccessEntitlement {
  data: ApiEntitlementDetail | undefined
  error: unknown
  loading: boolean
  reload: () => void
  /** What a save answered: newer than the last fetch. */
  set: (e: ApiEntitlementDetail) => void
}

/** A discovered app's access entitlement (settings and owners), kept up to date by what saves answer. */
function useAccessEntitlement(app: ApiAppDetail): AccessEntitlement {
  const path = app.access === null ? null : entitlementPath({ integration_id: app.access.integration_id, id: app.access.entitlement_id })
  const loaded = useApi<ApiEntitlementDetail>(path)
  const [answered, setAnswered] = useState<ApiEntitlementDetail | undefined>(undefined)
  useEffect(() => setAnswered(undefined), [loaded.data])
  return { data: answered ?? loaded.data, error: loaded.error, loading: loaded.loading, reload: loaded.reload, set: setAnswered }
}

function AccessPart({ access, what, children }: { access: AccessEntitlement; what: string; children: (e: ApiEntitlementDetail) => ReactNode }) {
  if (access.data !== undefined) return <>{children(access.data)}</>
  if (access.error !== undefined) return <ErrorState error={access.error} retry={access.reload} />
  return <Loading what={what} />
}
