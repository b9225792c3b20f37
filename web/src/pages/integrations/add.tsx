import { useEffect, useId, useState } from 'react'
import type { FormEvent, ReactNode } from 'react'
import type { PageProps } from '../../app.js'
import { api, errorMessage } from '../../api/index.js'
import type { ApiApp, ApiIntegration, ApiPage } from '../../api/index.js'
import { Empty, FormError, PageHeader, Section, SelectField, TextField } from '../../components/index.js'
import { navigate, useApi, useSession, useSubmit } from '../../hooks/index.js'
import { OwnerPicker } from './owners.js'
import { canAddIntegration, useEligibleOwners } from './shared.js'

/** How many existing apps the picker lists at once; a search narrows them. */
const APP_CHOICES = 50

/** /integrations/new: the Add connector flow on a page of its own. */
export function AddIntegrationPage(_props: PageProps) {
  return (
    <>
      <PageHeader title="Add connector" back={{ href: '/integrations', label: 'Integrations' }}>
        <p className="lead">Connect Warden to a OneLogin tenant. First the application the connector belongs to and its owners; then its OneLogin details.</p>
      </PageHeader>
      <Section title="Application and owners">
        <AddConnectorForm />
      </Section>
    </>
  )
}

/**
 * The setup steps in order: an existing application or a new one, the integration owners, then
 * "Create and add details", which creates the connector (not connected yet) and opens its
 * Settings for the OneLogin domain and credentials.
 */
export function AddConnectorForm() {
  const session = useSession()
  const eligible = useEligibleOwners()
  const [target, setTarget] = useState<'new' | 'existing'>('new')
  const [appName, setAppName] = useState('')
  const [appId, setAppId] = useState('')
  const [owners, setOwners] = useState<string[]>([session.me.user.id])
  const create = useSubmit(async () => {
    const body = { ...(target === 'new' ? { app_name: appName } : { app_id: appId }), user_ids: owners }
    const created = await api<ApiIntegration>('/integrations', { method: 'POST', body })
    navigate(`/integrations/${created.id}?edit=settings`)
  }, ['app_name', 'app_id', 'user_ids'])

  if (!canAddIntegration(session)) {
    return <Empty>Only a Super Administrator can add a connector.</Empty>
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    void create.run()
  }
  return (
    <form onSubmit={submit}>
      <fieldset>
        <legend>Application</legend>
        <p className="hint">The application in Warden that this OneLogin connector belongs to.</p>
        <Radio name="target" checked={target === 'new'} onChange={() => setTarget('new')} label="Create a new application">
          {target === 'new' && (
            <TextField
              label="Application name"
              name="app_name"
              required
              maxLength={200}
              value={appName}
              onChange={(e) => setAppName(e.target.value)}
              error={create.fieldErrors['app_name']}
              hint="For example the company's OneLogin tenant: “Acme OneLogin”"
            />
          )}
        </Radio>
        <Radio name="target" checked={target === 'existing'} onChange={() => setTarget('existing')} label="Use an existing application">
          {target === 'existing' && <ExistingApp value={appId} onChange={setAppId} error={create.fieldErrors['app_id']} />}
        </Radio>
      </fieldset>
      <OwnerPicker eligible={eligible} selected={owners} onChange={setOwners} error={create.fieldErrors['user_ids']} session={session} />
      <FormError message={create.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={create.busy || owners.length === 0 || (target === 'existing' && appId === '')}>
          Create and add details
        </button>
        {create.busy && <span className="muted">Creating the connector…</span>}
      </div>
    </form>
  )
}

function Radio({ name, checked, onChange, label, children }: { name: string; checked: boolean; onChange: () => void; label: string; children: ReactNode }) {
  const id = useId()
  return (
    <div className="radio-option">
      <div className="field field-check">
        <input id={id} type="radio" name={name} checked={checked} onChange={onChange} />
        <label htmlFor={id}>{label}</label>
      </div>
      <div className="radio-detail">{children}</div>
    </div>
  )
}

/** A search box and a select of the matching apps (one page: the search narrows a long list). */
function ExistingApp({ value, onChange, error }: { value: string; onChange: (id: string) => void; error: string | undefined }) {
  const [search, setSearch] = useState('')
  const q = useDebounced(search.trim(), 250)
  const apps = useApi<ApiPage<ApiApp>>('/apps', { q, limit: APP_CHOICES })
  const items = apps.data?.items ?? []
  // Keep the choice valid: a search that hides the chosen app clears it.
  useEffect(() => {
    if (apps.data !== undefined && value !== '' && !apps.data.items.some((a) => a.id === value)) onChange('')
  }, [apps.data, value, onChange])
  return (
    <>
      <TextField label="Find an application" type="search" value={search} onChange={(e) => setSearch(e.target.value)} hint="Part of its name" />
      <SelectField
        label="Application"
        name="app_id"
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
        error={error ?? (apps.error === undefined ? undefined : `Could not load the applications: ${errorMessage(apps.error)}`)}
        hint={apps.data?.next_cursor !== null && apps.data !== undefined ? `Showing the first ${APP_CHOICES}; search to find others.` : undefined}
      >
        <option value="">{apps.loading && apps.data === undefined ? 'Loading…' : items.length === 0 ? 'No application matches' : 'Choose an application'}</option>
        {items.map((a) => (
          <option key={a.id} value={a.id}>
            {a.state === 'unmanaged' ? `${a.name} (unmanaged)` : a.name}
          </option>
        ))}
      </SelectField>
    </>
  )
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return debounced
}
