import { useId, useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../../api/index.js'
import type { ApiIntegration, ApiUserSummary } from '../../api/index.js'
import { CheckboxField, ErrorState, FormError, Loading, Section } from '../../components/index.js'
import { useSession, useSubmit } from '../../hooks/index.js'
import type { Session } from '../../hooks/index.js'
import { OwnerNames, canManageIntegration, useEligibleOwners } from './shared.js'
import type { Eligible } from './shared.js'

/**
 * Integration owners: several may be chosen; each must be a Super or Integration Administrator.
 * Owners other than the person choosing are emailed a link to finish the setup.
 */
export function OwnerPicker({ eligible, selected, onChange, error, session, current = [] }: {
  eligible: Eligible
  selected: string[]
  onChange: (ids: string[]) => void
  error: string | undefined
  session: Session
  /** Current owners, offered even when they no longer qualify (so they can be removed). */
  current?: ApiUserSummary[]
}) {
  const errorId = useId()
  const toggle = (id: string, on: boolean) => onChange(on ? [...selected, id] : selected.filter((s) => s !== id))
  const listedIds = new Set(eligible.users.map((u) => u.id))
  const unlisted = current.filter((u) => !listedIds.has(u.id))
  return (
    <fieldset aria-describedby={error === undefined ? undefined : errorId} aria-invalid={error !== undefined}>
      <legend>Integration owners</legend>
      <p className="hint">Super Administrators and Integration Administrators can own a connector. Owners other than you get an email with a link to finish the setup.</p>
      {eligible.error !== undefined && <ErrorState error={eligible.error} />}
      {eligible.loading && eligible.users.length === 0 && <Loading what="Loading administrators" />}
      {eligible.users.map((u) => (
        <CheckboxField
          key={u.id}
          name="user_ids"
          value={u.id}
          label={u.id === session.me.user.id ? `${u.display_name} (you)` : u.display_name}
          hint={u.email}
          checked={selected.includes(u.id)}
          onChange={(e) => toggle(u.id, e.target.checked)}
        />
      ))}
      {unlisted.map((u) => (
        <CheckboxField key={u.id} name="user_ids" value={u.id} label={u.display_name} hint={`${u.email} · no longer an administrator`} checked={selected.includes(u.id)} onChange={(e) => toggle(u.id, e.target.checked)} />
      ))}
      {error !== undefined && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </fieldset>
  )
}

/** The connector page's Owners section: who owns it and, for those allowed, Change owners. */
export function OwnersSection({ integration, onSaved }: { integration: ApiIntegration; onSaved: (i: ApiIntegration) => void }) {
  const session = useSession()
  const [editing, setEditing] = useState(false)
  const allowed = canManageIntegration(session, integration)
  return (
    <Section
      title="Owners"
      actions={
        allowed && !editing ? (
          <button type="button" onClick={() => setEditing(true)}>
            Change owners
          </button>
        ) : undefined
      }
    >
      {editing ? (
        <OwnersForm
          integration={integration}
          session={session}
          onDone={(saved) => {
            setEditing(false)
            if (saved !== undefined) onSaved(saved)
          }}
        />
      ) : (
        <OwnerNames owners={integration.owners} session={session} />
      )}
    </Section>
  )
}

function OwnersForm({ integration, session, onDone }: { integration: ApiIntegration; session: Session; onDone: (saved?: ApiIntegration) => void }) {
  const eligible = useEligibleOwners()
  const [selected, setSelected] = useState(integration.user_ids)
  const save = useSubmit(async () => {
    onDone(await api<ApiIntegration>(`/integrations/${integration.id}/owners`, { method: 'PUT', body: { user_ids: selected } }))
  }, ['user_ids'])
  const submit = (event: FormEvent) => {
    event.preventDefault()
    void save.run()
  }
  return (
    <form onSubmit={submit}>
      <OwnerPicker eligible={eligible} selected={selected} onChange={setSelected} error={save.fieldErrors['user_ids']} session={session} current={integration.owners} />
      <FormError message={save.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.busy || selected.length === 0}>
          Save owners
        </button>
        <button type="button" onClick={() => onDone()} disabled={save.busy}>
          Cancel
        </button>
      </div>
    </form>
  )
}
