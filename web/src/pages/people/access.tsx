import { useEffect, useState } from 'react'
import { api } from '../../api/index.js'
import type { ApiGrant, ApiPage, ApiResource } from '../../api/index.js'
import { Badge, BarChart, ErrorState, Loading, PagedTable, Section, SelectField } from '../../components/index.js'
import type { Column } from '../../components/index.js'
import { useApi, usePaged } from '../../hooks/index.js'

/**
 * "Access": everything a person holds, in every integration they have an account in, and why.
 * A grant is Direct when OneLogin records the assignment itself (a role membership, a group) and
 * Inherited when it comes through something else, e.g. an app through a role.
 */

const KINDS: [prefix: string, label: string, plural: string][] = [
  ['role', 'Role', 'Roles'],
  ['app', 'App', 'Apps'],
  ['group', 'Group', 'Groups'],
  ['privilege', 'Privilege', 'Privileges'],
]

/** `role:42:member` -> `role`. */
function kindOf(entitlementId: string): string {
  return entitlementId.slice(0, entitlementId.indexOf(':'))
}

/** `role:42:member` -> `role:42` (privilege ids are uuids without colons, so the slug is always the last part). */
function resourceOf(entitlementId: string): string {
  return entitlementId.slice(0, entitlementId.lastIndexOf(':'))
}

function kindLabel(entitlementId: string): string {
  const kind = kindOf(entitlementId)
  return KINDS.find(([k]) => k === kind)?.[1] ?? kind
}

/** At most this many grants feed the chart: one person's access, never the tenant's. */
const CHART_LIMIT = 500

export function PersonAccess({ identityId, accounts }: { identityId: string; accounts: number }) {
  const [how, setHow] = useState<'' | 'true' | 'false'>('')
  const grants = usePaged<ApiGrant>('/grants', { user: identityId, direct: how })
  const names = useSourceNames(grants.items)
  const columns: Column<ApiGrant>[] = [
    { header: 'Kind', render: (g) => kindLabel(g.entitlement_id) },
    { header: 'Entitlement', render: (g) => <span title={g.entitlement_id}>{g.entitlement_name}</span> },
    { header: 'How', render: (g) => <How grant={g} /> },
    { header: 'Sources', render: (g) => <Sources grant={g} names={names} /> },
  ]
  // With accounts in several integrations, say which account holds each grant.
  if (accounts > 1) columns.splice(2, 0, { header: 'Account', render: (g) => <span title={g.integration_id}>{g.principal_id}</span> })
  return (
    <Section title="Access">
      <p className="muted">
        Everything this person holds in OneLogin, and why: <strong>Direct</strong> when OneLogin records the assignment itself, <strong>Inherited</strong> when it comes
        through something else (apps come through roles).
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Show" name="direct" value={how} onChange={(e) => setHow(e.target.value as typeof how)}>
          <option value="">All access</option>
          <option value="true">Direct</option>
          <option value="false">Inherited only</option>
        </SelectField>
      </form>
      <PagedTable
        paged={grants}
        rowKey={(g) => `${g.integration_id} ${g.id}`}
        caption="Access"
        empty={how === '' ? 'This person holds nothing in OneLogin.' : 'Nothing of this kind.'}
        columns={columns}
      />
    </Section>
  )
}

function How({ grant }: { grant: ApiGrant }) {
  return (
    <span className="badges">
      {grant.direct && <Badge tone="info">Direct</Badge>}
      {grant.sources.length > 0 && <Badge tone="neutral">Inherited</Badge>}
    </span>
  )
}

/** Why a grant is held beyond a direct assignment: "through role Sales". */
function Sources({ grant, names }: { grant: ApiGrant; names: Map<string, string> }) {
  if (grant.sources.length === 0) return <span className="muted">assigned directly</span>
  return (
    <ul className="plain-list">
      {grant.sources.map((s) => {
        const kind = kindOf(s)
        const resource = resourceOf(s)
        const slug = s.slice(s.lastIndexOf(':') + 1)
        const name = names.get(`${grant.integration_id}|${resource}`) ?? resource
        return <li key={s}>{`through ${kind} ${name}${kind === 'role' && slug === 'member' ? '' : ` (${slug})`}`}</li>
      })}
    </ul>
  )
}

/** Names of the resources behind the sources on one page (a role per source, fetched once each). */
function useSourceNames(grants: ApiGrant[]): Map<string, string> {
  const [names, setNames] = useState<Map<string, string>>(() => new Map())
  const wanted = [...new Set(grants.flatMap((g) => g.sources.map((s) => `${g.integration_id}|${resourceOf(s)}`)))].sort()
  const key = wanted.join(',')
  useEffect(() => {
    const missing = wanted.filter((k) => !names.has(k))
    if (missing.length === 0) return
    const controller = new AbortController()
    void Promise.all(
      missing.map(async (k): Promise<[string, string]> => {
        const [integrationId, resourceId] = k.split('|') as [string, string]
        try {
          const r = await api<ApiResource>(`/integrations/${integrationId}/resources/${resourceId}`, { signal: controller.signal })
          return [k, r.display_name]
        } catch {
          // Gone since the grant was synced, or not readable: the id says enough.
          return [k, resourceId]
        }
      }),
    ).then((found) => {
      if (!controller.signal.aborted) setNames((prev) => new Map([...prev, ...found]))
    })
    return () => controller.abort()
    // `key` stands for `wanted`; `names` only grows from here.
  }, [key])
  return names
}

/** A small chart of what the person holds, by kind. */
export function GrantsByKind({ identityId }: { identityId: string }) {
  const all = useApi<ApiPage<ApiGrant>>('/grants', { user: identityId, limit: CHART_LIMIT })
  if (all.data === undefined) return all.error === undefined ? <Loading what="Counting their access" /> : <ErrorState error={all.error} retry={all.reload} />
  if (all.data.items.length === 0) return <p className="muted">They hold nothing in OneLogin.</p>
  const counts = new Map<string, number>()
  for (const g of all.data.items) counts.set(kindOf(g.entitlement_id), (counts.get(kindOf(g.entitlement_id)) ?? 0) + 1)
  const bars = KINDS.map(([k, , plural]) => ({ label: plural, value: counts.get(k) ?? 0 }))
  const title = all.data.next_cursor === null ? 'Grants by kind' : `Grants by kind (first ${CHART_LIMIT})`
  return <BarChart title={title} bars={bars} unit="grants" />
}
