import { useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../../api/index.js'
import type { ApiIntegration } from '../../api/index.js'
import { CheckboxField, FormError, Section, TextField } from '../../components/index.js'
import { useSession, useSubmit } from '../../hooks/index.js'
import { canManageIntegration, hoursText, minutesText } from './shared.js'

/** The API's settings fields (PATCH /integrations/:id/settings), which its errors are keyed by. */
const F = {
  domain: 'onelogin_domain',
  clientId: 'oauth_client_cred_grant_client_id',
  secret: 'oauth_client_cred_grant_client_secret',
  interval: 'sync_interval_minutes',
  fullHours: 'full_sync_interval_hours',
  privileges: 'sync_privileges',
} as const

const SHOWN_FIELDS = Object.values(F)

/**
 * The connector's Settings: what is saved, and Edit. The client secret is write-only: the API
 * never returns it, so the page can only say whether one is stored.
 */
export function SettingsSection({ integration, editing, setEditing, onSaved }: {
  integration: ApiIntegration
  editing: boolean
  setEditing: (on: boolean) => void
  onSaved: (saved: ApiIntegration) => void
}) {
  const session = useSession()
  const allowed = canManageIntegration(session, integration)
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const open = editing && allowed
  return (
    <Section
      title="Settings"
      actions={
        allowed && !open ? (
          <button
            type="button"
            onClick={() => {
              setNotice(undefined)
              setEditing(true)
            }}
          >
            Edit
          </button>
        ) : undefined
      }
    >
      {open ? (
        <SettingsForm
          integration={integration}
          onCancel={() => setEditing(false)}
          onSaved={(saved, message) => {
            setNotice(message)
            setEditing(false)
            onSaved(saved)
          }}
        />
      ) : (
        <>
          {notice !== undefined && (
            <p className="notice" role="status">
              {notice}
            </p>
          )}
          <SettingsFacts integration={integration} />
        </>
      )}
    </Section>
  )
}

function SettingsFacts({ integration: i }: { integration: ApiIntegration }) {
  const notSet = <span className="muted">Not set</span>
  return (
    <dl className="facts">
      <dt>OneLogin domain</dt>
      <dd>{i.onelogin_domain ?? notSet}</dd>
      {i.mode === 'hosted' && (
        <>
          <dt>OneLogin client ID</dt>
          <dd>{i.oauth_client_cred_grant_client_id === null ? notSet : <code>{i.oauth_client_cred_grant_client_id}</code>}</dd>
          <dt>OneLogin client secret</dt>
          <dd>{i.client_secret_set ? 'Stored' : notSet}</dd>
        </>
      )}
      <dt>Sync</dt>
      <dd>{i.mode === 'self-hosted' ? 'self-hosted: on each upload' : minutesText(i.sync_interval_minutes)}</dd>
      <dt>Full sync</dt>
      <dd>{hoursText(i.full_sync_interval_hours)} (the others are incremental)</dd>
      <dt>Sync privileges</dt>
      <dd>{i.sync_privileges ? 'Yes' : 'No'}</dd>
    </dl>
  )
}

interface Draft {
  domain: string
  clientId: string
  secret: string
  interval: string
  fullHours: string
  privileges: boolean
}

/** Only what changed (an empty secret means "keep the stored one"), so a save checks no more than it must. */
function changes(i: ApiIntegration, d: Draft): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  if (d.domain.trim() !== (i.onelogin_domain ?? '')) body[F.domain] = d.domain.trim()
  if (i.mode === 'hosted') {
    if (d.clientId.trim() !== (i.oauth_client_cred_grant_client_id ?? '')) body[F.clientId] = d.clientId.trim()
    if (d.secret !== '') body[F.secret] = d.secret
  }
  if (d.interval.trim() !== '' && Number(d.interval) !== i.sync_interval_minutes) body[F.interval] = Number(d.interval)
  if (d.fullHours.trim() !== '' && Number(d.fullHours) !== i.full_sync_interval_hours) body[F.fullHours] = Number(d.fullHours)
  if (d.privileges !== i.sync_privileges) body[F.privileges] = d.privileges
  return body
}

function SettingsForm({ integration: i, onCancel, onSaved }: {
  integration: ApiIntegration
  onCancel: () => void
  onSaved: (saved: ApiIntegration, message: string) => void
}) {
  const [draft, setDraft] = useState<Draft>({
    domain: i.onelogin_domain ?? '',
    clientId: i.oauth_client_cred_grant_client_id ?? '',
    secret: '',
    interval: String(i.sync_interval_minutes),
    fullHours: String(i.full_sync_interval_hours),
    privileges: i.sync_privileges,
  })
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }))
  const hosted = i.mode === 'hosted'
  const save = useSubmit(async () => {
    const body = changes(i, draft)
    if (Object.keys(body).length === 0) {
      onSaved(i, 'Nothing changed.')
      return
    }
    const saved = await api<ApiIntegration>(`/integrations/${i.id}/settings`, { method: 'PATCH', body })
    const connecting = saved.status === 'syncing' && i.status !== 'syncing'
    onSaved(saved, connecting ? 'Saved. OneLogin accepted the credentials, and the first full sync started.' : 'Saved.')
  }, SHOWN_FIELDS)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    void save.run()
  }
  const err = save.fieldErrors
  return (
    <form onSubmit={submit} aria-busy={save.busy}>
      <fieldset disabled={save.busy}>
        <legend>OneLogin</legend>
        <TextField
          label="OneLogin domain"
          name={F.domain}
          required
          maxLength={500}
          autoComplete="off"
          spellCheck={false}
          value={draft.domain}
          onChange={(e) => set({ domain: e.target.value })}
          error={err[F.domain]}
          hint={
            <>
              Your tenant: <code>acme</code>, <code>acme.onelogin.com</code> or <code>https://acme.onelogin.com</code>
            </>
          }
        />
        {hosted && (
          <>
            <TextField
              label="OneLogin client ID"
              name={F.clientId}
              required
              maxLength={500}
              autoComplete="off"
              spellCheck={false}
              value={draft.clientId}
              onChange={(e) => set({ clientId: e.target.value })}
              error={err[F.clientId]}
              hint="From an API credential with the Manage All scope (OneLogin: Developers > API Credentials)"
            />
            <TextField
              label="OneLogin client secret"
              name={F.secret}
              type="password"
              required={!i.client_secret_set}
              maxLength={1000}
              autoComplete="new-password"
              value={draft.secret}
              onChange={(e) => set({ secret: e.target.value })}
              error={err[F.secret]}
              hint={
                i.client_secret_set
                  ? 'A secret is stored. Leave this empty to keep it; once saved, a secret is never shown again.'
                  : 'Once saved, the secret is stored encrypted and never shown again.'
              }
            />
          </>
        )}
      </fieldset>
      <fieldset disabled={save.busy}>
        <legend>Schedule</legend>
        {hosted && (
          <TextField
            label="Sync every (minutes)"
            name={F.interval}
            type="number"
            inputMode="numeric"
            min={5}
            max={10080}
            required
            value={draft.interval}
            onChange={(e) => set({ interval: e.target.value })}
            error={err[F.interval]}
            hint="From 5 minutes to a week"
          />
        )}
        <TextField
          label="Full sync every (hours)"
          name={F.fullHours}
          type="number"
          inputMode="numeric"
          min={1}
          max={720}
          required
          value={draft.fullHours}
          onChange={(e) => set({ fullHours: e.target.value })}
          error={err[F.fullHours]}
          hint="The syncs in between are incremental"
        />
        <CheckboxField
          label="Sync privileges"
          name={F.privileges}
          checked={draft.privileges}
          onChange={(e) => set({ privileges: e.target.checked })}
          hint={err[F.privileges] ?? 'Also sync OneLogin delegated-administration privileges'}
        />
      </fieldset>
      <FormError message={save.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? 'Checking with OneLogin…' : 'Save'}
        </button>
        <button type="button" onClick={onCancel} disabled={save.busy}>
          Cancel
        </button>
        {save.busy && (
          <span className="muted" role="status">
            <span className="spinner" aria-hidden="true" /> Warden is checking the credentials with OneLogin; this takes a few seconds.
          </span>
        )}
      </div>
    </form>
  )
}
