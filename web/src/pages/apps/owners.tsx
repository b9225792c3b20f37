import { useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../../api/index.js'
import type { ApiEntitlementDetail, ApiPage, ApiUser } from '../../api/index.js'
import { FormError, SelectField } from '../../components/index.js'
import { useApi, useSession, useSubmit } from '../../hooks/index.js'
import { entitlementPath } from './settings.js'

/** Warden users offered as owners: one page of them (Warden's own users are few, not a tenant). */
const USERS_PAGE = 200

/**
 * The owners of an app's access (Warden users who answer for it, e.g. approve requests later).
 * Editing replaces the list through the entitlement's PATCH; without users:read the only user
 * one can add is oneself.
 */
export function OwnersPanel({ entitlement, canWrite, onSaved }: { entitlement: ApiEntitlementDetail; canWrite: boolean; onSaved: (e: ApiEntitlementDetail) => void }) {
  const session = useSession()
  const me = session.me.user
  const owners = entitlement.owners
  const save = useSubmit(async (ids: string[]) => {
    onSaved(await api<ApiEntitlementDetail>(entitlementPath(entitlement), { method: 'PATCH', body: { owner_user_ids: ids } }))
  }, ['owner_user_ids'])
  const ids = owners.map((o) => o.id)
  return (
    <>
      {owners.length === 0 ? (
        <p className="muted">No owners yet.</p>
      ) : (
        <ul className="apps-list" aria-label="Owners">
          {owners.map((o) => (
            <li key={o.id}>
              {o.display_name} <span className="muted">{o.email}</span>
              {o.id === me.id && <span className="muted"> (you)</span>}{' '}
              {canWrite && (
                <button type="button" onClick={() => void save.run(ids.filter((id) => id !== o.id))} disabled={save.busy} aria-label={`Remove owner ${o.display_name}`}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <FormError message={save.error ?? save.fieldErrors['owner_user_ids']} />
      {canWrite && session.can('users:read') && <AddOwner owners={ids} busy={save.busy} onAdd={(id) => void save.run([...ids, id])} />}
      {canWrite && !session.can('users:read') && !ids.includes(me.id) && (
        <div className="actions">
          <button type="button" onClick={() => void save.run([...ids, me.id])} disabled={save.busy}>
            Add me as an owner
          </button>
        </div>
      )}
    </>
  )
}

function AddOwner({ owners, busy, onAdd }: { owners: string[]; busy: boolean; onAdd: (id: string) => void }) {
  const users = useApi<ApiPage<ApiUser>>('/users', { disabled: false, limit: USERS_PAGE })
  const [chosen, setChosen] = useState('')
  const candidates = (users.data?.items ?? []).filter((u) => !owners.includes(u.id))
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    if (chosen === '') return
    onAdd(chosen)
    setChosen('')
  }
  return (
    <form className="inline-form" onSubmit={onSubmit}>
      <SelectField
        label="Add an owner"
        name="owner"
        value={chosen}
        onChange={(e) => setChosen(e.target.value)}
        disabled={users.data === undefined}
        error={users.error === undefined ? undefined : 'Could not load Warden users; reload the page to try again.'}
      >
        <option value="">{users.data === undefined ? 'Loading users…' : candidates.length === 0 ? 'Everyone is an owner already' : 'Choose a Warden user'}</option>
        {candidates.map((u) => (
          <option key={u.id} value={u.id}>
            {u.display_name} ({u.email})
          </option>
        ))}
      </SelectField>
      <button type="submit" disabled={busy || chosen === ''}>
        Add owner
      </button>
    </form>
  )
}
