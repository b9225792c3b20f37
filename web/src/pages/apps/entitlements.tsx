import type { ReactNode } from 'react'
import type { ApiAppDetail, ApiEntitlement, ApiEntitlementDetail } from '../../api/index.js'
import { Badge, DataTable, Empty, PagedTable } from '../../components/index.js'
import { usePaged } from '../../hooks/index.js'
import { IntegrationLink, RISK_LABELS, RISK_TONES, formatMinutes } from './shared.js'

/**
 * What can be held of an app. A discovered SCIM app: its access entitlement in OneLogin and the
 * role memberships that give it (those bound to it are how Warden provisions it). An app an
 * integration is attached to: that integration's entitlements, a page at a time.
 */
export function EntitlementsPanel({ app, access }: { app: ApiAppDetail; access: ApiEntitlementDetail | undefined }) {
  if (app.access !== null) return <DiscoveredEntitlements app={app} access={access} />
  if (app.integrations.length === 0) return <Empty>This application has no entitlements: no integration is attached to it and no OneLogin sync found it.</Empty>
  return (
    <>
      {app.integrations.map((i) => (
        <IntegrationEntitlements key={i.id} integrationId={i.id} several={app.integrations.length > 1} />
      ))}
    </>
  )
}

interface Row {
  id: string
  name: string
  kind: ReactNode
  settings: ReactNode
}

function DiscoveredEntitlements({ app, access }: { app: ApiAppDetail; access: ApiEntitlementDetail | undefined }) {
  const accessId = app.access?.entitlement_id ?? ''
  const bound = new Map(app.bindings.map((b) => [b.entitlement_id, b]))
  const carriers = new Set(app.carriers.map((c) => c.entitlement_id))
  const rows: Row[] = [
    {
      id: accessId,
      name: access?.display_name ?? `${app.name} access`,
      kind: `Access to ${app.name}`,
      settings: access === undefined ? <span className="muted">…</span> : <SettingsSummary entitlement={access} />,
    },
    ...app.carriers.map((c) => ({
      id: c.entitlement_id,
      name: c.entitlement_name ?? c.entitlement_id,
      kind: `Role membership that gives ${app.name}`,
      settings: bound.has(c.entitlement_id) ? <Badge tone="good">Bound: requests provision through it</Badge> : <span className="muted">Not bound</span>,
    })),
    // A binding whose role no longer gives the app (OneLogin changed since it was made).
    ...app.bindings
      .filter((b) => !carriers.has(b.entitlement_id))
      .map((b) => ({
        id: b.entitlement_id,
        name: b.entitlement_name ?? b.entitlement_id,
        kind: `Role membership (no longer gives ${app.name} at the last sync)`,
        settings: <Badge tone="warn">Bound</Badge>,
      })),
  ]
  return (
    <DataTable
      rows={rows}
      rowKey={(r) => r.id}
      caption={`Entitlements of ${app.name}`}
      empty="No entitlements."
      columns={[
        { header: 'Entitlement', render: (r) => <EntitlementName name={r.name} id={r.id} /> },
        { header: 'What it is', render: (r) => r.kind },
        { header: 'Settings', render: (r) => r.settings },
      ]}
    />
  )
}

function IntegrationEntitlements({ integrationId, several }: { integrationId: string; several: boolean }) {
  const list = usePaged<ApiEntitlement>(`/integrations/${integrationId}/entitlements`, {}, 25)
  return (
    <>
      {several && (
        <h3>
          From <IntegrationLink id={integrationId} />
        </h3>
      )}
      <PagedTable
        paged={list}
        rowKey={(e) => e.id}
        caption="Entitlements"
        empty="This integration has no entitlements yet: they arrive with its first sync."
        columns={[
          { header: 'Entitlement', render: (e) => <EntitlementName name={e.display_name} id={e.id} /> },
          { header: 'Settings', render: (e) => <SettingsSummary entitlement={e} /> },
        ]}
      />
    </>
  )
}

function EntitlementName({ name, id }: { name: string; id: string }) {
  return (
    <>
      {name}
      <br />
      <code className="muted">{id}</code>
    </>
  )
}

/** "Requestable · up to 8 hours · High risk" in badges and words. */
export function SettingsSummary({ entitlement: e }: { entitlement: ApiEntitlement }) {
  return (
    <span className="badges">
      {e.requestable ? <Badge tone="info">Requestable</Badge> : <Badge>Not requestable</Badge>}
      {e.max_duration_minutes !== null && <Badge>{`Up to ${formatMinutes(e.max_duration_minutes)}`}</Badge>}
      {e.risk_level !== null && <Badge tone={RISK_TONES[e.risk_level]}>{`${RISK_LABELS[e.risk_level] ?? e.risk_level} risk`}</Badge>}
    </span>
  )
}
