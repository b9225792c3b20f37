import { useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../../api/index.js'
import type { ApiTokenInfo } from '../../api/index.js'
import { FormError, PageHeader, PagedTable, Section, StatusBadge, TextField, Time } from '../../components/index.js'
import { usePaged, useSubmit } from '../../hooks/index.js'

function tokenState(t: ApiTokenInfo): string {
  if (t.revoked_at !== null) return 'revoked'
  if (t.expires_at !== null && new Date(t.expires_at).getTime() <= Date.now()) return 'expired'
  return 'active'
}

/** The user menu's API tokens: create one (shown once), see when each was last used, revoke. */
export function TokensPage() {
  const tokens = usePaged<ApiTokenInfo>('/me/tokens')
  const [name, setName] = useState('')
  const [days, setDays] = useState('90')
  const [created, setCreated] = useState<{ name: string; token: string } | undefined>(undefined)
  const create = useSubmit(async () => {
    const res = await api<{ token: string; api_token: ApiTokenInfo }>('/me/tokens', {
      method: 'POST',
      body: { name, expires_in_days: days === '' ? null : Number(days) },
    })
    setCreated({ name: res.api_token.name, token: res.token })
    setName('')
    tokens.reload()
  }, ['name', 'expires_in_days'])
  const revoke = useSubmit(async (id: string) => {
    await api(`/me/tokens/${id}`, { method: 'DELETE' })
    tokens.reload()
  })
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void create.run()
  }
  return (
    <>
      <PageHeader title="API tokens">
        <p className="lead">Personal tokens for scripts and the CLI: send one as <code>Authorization: Bearer &lt;token&gt;</code>. A token acts with your roles.</p>
      </PageHeader>
      <Section title="Create a token">
        <form className="inline-form" onSubmit={onSubmit}>
          <TextField label="Name" name="name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} error={create.fieldErrors['name']} hint="What the token is for" />
          <TextField
            label="Expires after (days)"
            name="expires_in_days"
            type="number"
            min={1}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            error={create.fieldErrors['expires_in_days']}
            hint="Leave empty for a token that never expires"
          />
          <button type="submit" className="primary" disabled={create.busy}>
            Create token
          </button>
        </form>
        <FormError message={create.error} />
        {created !== undefined && (
          <div className="notice" role="status">
            <p>
              Token <strong>{created.name}</strong> created. Copy it now: it is not shown again.
            </p>
            <code className="secret-once" data-testid="new-token">
              {created.token}
            </code>
          </div>
        )}
      </Section>
      <Section title="Your tokens">
        <FormError message={revoke.error} />
        <PagedTable
          paged={tokens}
          rowKey={(t) => t.id}
          caption="Your API tokens"
          empty="You have no API tokens yet."
          columns={[
            { header: 'Name', render: (t) => t.name },
            { header: 'Starts with', render: (t) => <code>{t.prefix}…</code> },
            { header: 'State', render: (t) => <StatusBadge status={tokenState(t)} /> },
            { header: 'Created', render: (t) => <Time iso={t.created_at} /> },
            { header: 'Last used', render: (t) => <Time iso={t.last_used_at} /> },
            { header: 'Expires', render: (t) => (t.expires_at === null ? 'never' : <Time iso={t.expires_at} />) },
            {
              header: 'Actions',
              render: (t) =>
                tokenState(t) === 'active' ? (
                  <button type="button" className="danger" onClick={() => void revoke.run(t.id)} disabled={revoke.busy} aria-label={`Revoke ${t.name}`}>
                    Revoke
                  </button>
                ) : null,
            },
          ]}
        />
      </Section>
    </>
  )
}
