import { useEffect, useRef, useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../../api/index.js'
import type { ApiAppDetail } from '../../api/index.js'
import { Async, FormError } from '../../components/index.js'
import { useApi, useSubmit } from '../../hooks/index.js'

/**
 * Manage a discovered SCIM app: choose the OneLogin roles that give it (its carriers at the last
 * sync; all are chosen to begin with). Requests for the app will then add people to one of those
 * roles. OneLogin itself is not changed. A modal dialog: Escape or Cancel closes it.
 */
export function ManageDialog({ appId, onClose, onManaged }: { appId: string; onClose: () => void; onManaged: (app: ApiAppDetail) => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  const app = useApi<ApiAppDetail>(`/apps/${appId}`)
  useEffect(() => {
    // Modal: focus moves into it and the page behind is inert. Unmounting removes it (and closes it).
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal()
  }, [])
  return (
    <dialog ref={ref} className="card apps-dialog" aria-labelledby="manage-title" onClose={onClose}>
      <h2 id="manage-title">Manage {app.data?.name ?? 'application'}</h2>
      <Async {...app} what="Loading the app">
        {(detail) => <ManageForm app={detail} onCancel={() => ref.current?.close()} onManaged={onManaged} />}
      </Async>
    </dialog>
  )
}

function ManageForm({ app, onCancel, onManaged }: { app: ApiAppDetail; onCancel: () => void; onManaged: (app: ApiAppDetail) => void }) {
  const bound = new Set(app.bindings.map((b) => b.entitlement_id))
  // Already bound roles stay chosen; a first manage offers every role that gives the app.
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(app.carriers.map((c) => c.entitlement_id).filter((id) => bound.size === 0 || bound.has(id))))
  const submit = useSubmit(async () => {
    const managed = await api<ApiAppDetail>(`/apps/${app.id}/manage`, { method: 'POST', body: { entitlement_ids: [...chosen].sort() } })
    onManaged(managed)
  }, ['entitlement_ids'])
  const toggle = (id: string, on: boolean) =>
    setChosen((c) => {
      const next = new Set(c)
      if (on) next.add(id)
      else next.delete(id)
      return next
    })
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit.run()
  }
  if (app.access === null) {
    return (
      <>
        <p>This application was made in Warden: it is managed already, and has no OneLogin roles to bind.</p>
        <div className="actions">
          <button type="button" onClick={onCancel}>
            Close
          </button>
        </div>
      </>
    )
  }
  if (app.carriers.length === 0) {
    return (
      <>
        <p>No OneLogin role gives {app.name} at the last sync, so Warden has no role to provision it through. Add the app to a role in OneLogin, sync, and try again.</p>
        <div className="actions">
          <button type="button" onClick={onCancel}>
            Close
          </button>
        </div>
      </>
    )
  }
  return (
    <form onSubmit={onSubmit}>
      <p>
        Warden will provision requests for {app.name} by adding people to one of these OneLogin roles. Nothing changes in OneLogin now.
      </p>
      <fieldset aria-describedby={submit.fieldErrors['entitlement_ids'] === undefined ? undefined : 'manage-roles-error'}>
        <legend>Roles that give {app.name}</legend>
        {app.carriers.map((c) => (
          <div className="field field-check" key={c.entitlement_id}>
            <input
              id={`carrier-${c.entitlement_id}`}
              type="checkbox"
              checked={chosen.has(c.entitlement_id)}
              onChange={(e) => toggle(c.entitlement_id, e.target.checked)}
            />
            <label htmlFor={`carrier-${c.entitlement_id}`}>
              {c.entitlement_name ?? c.entitlement_id} <code className="muted">{c.entitlement_id}</code>
            </label>
          </div>
        ))}
        {submit.fieldErrors['entitlement_ids'] !== undefined && (
          <p className="field-error" id="manage-roles-error">
            {submit.fieldErrors['entitlement_ids']}
          </p>
        )}
      </fieldset>
      <FormError message={chosen.size === 0 ? 'Choose at least one role.' : submit.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={submit.busy || chosen.size === 0}>
          {submit.busy ? 'Managing…' : `Manage ${app.name}`}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}
