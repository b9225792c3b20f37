import { useState } from 'react'
import type { FormEvent } from 'react'
import type { ApiAppDetail, ApiGrant } from '../../api/index.js'
import type { Column } from '../../components/index.js'
import { Badge, PagedTable, StatusBadge, TextField } from '../../components/index.js'
import { Link, usePaged } from '../../hooks/index.js'
import { SourceLabel } from './shared.js'

const PAGE = 25

/**
 * Who has access to an app at the last sync, and why: held directly in OneLogin, or through a
 * role (its sources). Filtered on the server by a person's email.
 */
export function WhoHasAccess({ app }: { app: ApiAppDetail }) {
  const [typed, setTyped] = useState('')
  const [user, setUser] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const grants = usePaged<ApiGrant>('/grants', { app_id: app.id, user }, PAGE)
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const value = typed.trim()
    // The API matches a whole address (any case), not part of one.
    if (value !== '' && !/^[^\s@]+@[^\s@]+$/.test(value)) {
      setError('Enter a whole email address, e.g. liam.walsh@example.com.')
      return
    }
    setError(undefined)
    setUser(value)
  }
  const clear = () => {
    setTyped('')
    setUser('')
    setError(undefined)
  }
  const columns: Column<ApiGrant>[] = [
    { header: 'Person', render: (g) => <Holder grant={g} /> },
    { header: 'Status', render: (g) => <StatusBadge status={g.principal_status} /> },
    { header: 'Access', render: (g) => <AccessKind grant={g} /> },
    { header: 'Sources', render: (g) => <Sources grant={g} /> },
  ]
  // An app an integration is attached to holds all of that integration's entitlements: say which.
  if (app.access === null) columns.splice(1, 0, { header: 'Entitlement', render: (g) => g.entitlement_name })
  return (
    <>
      <form className="inline-form" role="search" aria-label="Filter who has access" onSubmit={onSubmit} noValidate>
        <TextField
          label="User email"
          name="user"
          type="email"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          error={error}
          hint="The person's whole address, any case"
        />
        <button type="submit">Filter</button>
        {user !== '' && (
          <button type="button" onClick={clear}>
            Show everyone
          </button>
        )}
      </form>
      <PagedTable
        paged={grants}
        rowKey={(g) => `${g.integration_id}/${g.id}`}
        caption={`Who has access to ${app.name}`}
        empty={user === '' ? `Nobody has access to ${app.name} at the last sync.` : `${user} has no access to ${app.name}.`}
        columns={columns}
      />
    </>
  )
}

function Holder({ grant: g }: { grant: ApiGrant }) {
  if (!g.principal_id.startsWith('user:')) {
    return (
      <>
        {g.principal_name} <code className="muted">{g.principal_id}</code>
      </>
    )
  }
  return (
    <>
      {g.principal_identity_id === null ? g.principal_name : <Link href={`/people/${g.principal_identity_id}`}>{g.principal_name}</Link>}
      <span className="apps-person-email muted">{g.principal_email ?? g.principal_id}</span>
    </>
  )
}

function AccessKind({ grant: g }: { grant: ApiGrant }) {
  if (g.direct && g.sources.length > 0) {
    return (
      <span className="badges">
        <Badge tone="info">Direct</Badge>
        <Badge>Inherited</Badge>
      </span>
    )
  }
  return g.direct ? <Badge tone="info">Direct</Badge> : <Badge>Inherited</Badge>
}

function Sources({ grant: g }: { grant: ApiGrant }) {
  if (g.sources.length === 0) return <span className="muted">{g.direct ? 'Assigned directly in OneLogin' : '—'}</span>
  return (
    <ul className="apps-list">
      {g.direct && <li className="muted">Assigned directly in OneLogin</li>}
      {g.sources.map((s) => (
        <li key={s}>
          <SourceLabel integrationId={g.integration_id} source={s} />
        </li>
      ))}
    </ul>
  )
}
