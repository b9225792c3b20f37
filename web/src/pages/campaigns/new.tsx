import { useState } from 'react'
import type { FormEvent, ReactNode } from 'react'
import type { PageProps } from '../../app.js'
import { api } from '../../api/index.js'
import type { ApiApp, ApiIntegration, ApiPage } from '../../api/index.js'
import { CheckboxField, FormError, PageHeader, Section, SelectField, TextAreaField, TextField } from '../../components/index.js'
import { navigate, useApi, useRoute, useSession, useSubmit } from '../../hooks/index.js'
import type { Campaign, CampaignTemplate } from '../reviews/index.js'
import { RESOURCE_TYPE_LABELS, REVIEWER_LABELS, dateIn, endOfDay, localDate } from './shared.js'
import { UserPicker } from './user-picker.js'

const SCOPE_TYPES = ['role', 'app', 'group', 'privilege'] as const
const REVIEWER_TYPES = ['manager', 'app_owners', 'entitlement_owners', 'users'] as const
/** The fields the API names in its BAD_INPUT errors that this form shows next to a field. */
const FIELDS = ['name', 'description', 'due_at', 'scope', 'filters', 'reviewers', 'close_action', 'auto_close', 'require_revoke_reason', 'inactive_days', 'every_count', 'every_unit', 'duration_days', 'first_run_at']

interface Form {
  name: string
  description: string
  due: string
  types: string[]
  app_ids: string[]
  integration_ids: string[]
  not_used_days: string
  added_since: string
  duration: 'any' | 'timebound' | 'permanent'
  assignment: 'any' | 'direct' | 'inherited'
  reviewer_type: (typeof REVIEWER_TYPES)[number]
  user_ids: string[]
  fallback_user_ids: string[]
  allow_self_review: boolean
  close_action: 'leave' | 'revoke'
  auto_close: boolean
  require_revoke_reason: boolean
  inactive_days: string
  every_count: string
  every_unit: 'day' | 'week' | 'month'
  duration_days: string
  auto_start: boolean
  first_run: string
}

const INITIAL: Form = {
  name: '',
  description: '',
  due: dateIn(30),
  types: [],
  app_ids: [],
  integration_ids: [],
  not_used_days: '',
  added_since: '',
  duration: 'any',
  assignment: 'any',
  reviewer_type: 'manager',
  user_ids: [],
  fallback_user_ids: [],
  allow_self_review: false,
  close_action: 'leave',
  auto_close: false,
  require_revoke_reason: true,
  inactive_days: '90',
  every_count: '3',
  every_unit: 'month',
  duration_days: '14',
  auto_start: false,
  first_run: '',
}

/** A whole number from a field, or the text itself (the API says what is wrong with it). */
function num(value: string): number | string {
  const n = Number(value)
  return value.trim() !== '' && Number.isInteger(n) ? n : value
}

/** A draft's settings in the form's terms (editing it). */
function formOf(c: Campaign): Form {
  return {
    ...INITIAL,
    name: c.name,
    description: c.description,
    due: localDate(c.due_at),
    types: [...c.scope.resource_types],
    app_ids: [...c.scope.app_ids],
    integration_ids: [...c.scope.integration_ids],
    not_used_days: c.filters.not_used_days === null ? '' : String(c.filters.not_used_days),
    added_since: c.filters.added_since === null ? '' : localDate(c.filters.added_since),
    duration: c.filters.duration as Form['duration'],
    assignment: c.filters.assignment as Form['assignment'],
    reviewer_type: c.reviewers.type,
    user_ids: [...c.reviewers.user_ids],
    fallback_user_ids: [...c.reviewers.fallback_user_ids],
    allow_self_review: c.reviewers.allow_self_review,
    close_action: c.close_action,
    auto_close: c.auto_close,
    require_revoke_reason: c.require_revoke_reason,
    inactive_days: String(c.inactive_days),
  }
}

/**
 * The campaign's settings as the API takes them (POST /campaigns, PATCH /campaigns/:id; a
 * template's `campaign` without due_at). `editing`: the draft being changed, whose scope parts the
 * form does not show (entitlements and people named through the API) are kept, and whose
 * description is sent even empty (to clear it).
 */
function campaignBody(f: Form, editing?: Campaign) {
  return {
    name: f.name,
    ...(f.description.trim() === '' && editing === undefined ? {} : { description: f.description }),
    scope: {
      resource_types: f.types,
      app_ids: f.app_ids,
      ...(f.integration_ids.length === 0 ? {} : { integration_ids: f.integration_ids }),
      ...(editing === undefined || editing.scope.entitlements.length === 0 ? {} : { entitlements: editing.scope.entitlements }),
      ...(editing === undefined || editing.scope.identity_ids.length === 0 ? {} : { identity_ids: editing.scope.identity_ids }),
    },
    filters: {
      not_used_days: f.not_used_days.trim() === '' ? null : num(f.not_used_days),
      added_since: f.added_since === '' ? null : new Date(`${f.added_since}T00:00:00`).toISOString(),
      duration: f.duration,
      assignment: f.assignment,
    },
    reviewers: {
      type: f.reviewer_type,
      ...(f.reviewer_type === 'users' ? { user_ids: f.user_ids } : {}),
      fallback_user_ids: f.fallback_user_ids,
      allow_self_review: f.allow_self_review,
    },
    close_action: f.close_action,
    auto_close: f.auto_close,
    require_revoke_reason: f.require_revoke_reason,
    inactive_days: num(f.inactive_days),
  }
}

function FieldsetError({ error }: { error: string | undefined }) {
  if (error === undefined) return null
  return <p className="field-error">{error}</p>
}

function Choices({ label, children, error }: { label: string; children: ReactNode; error?: string | undefined }) {
  return (
    <fieldset className={error === undefined ? undefined : 'field-invalid'} aria-invalid={error !== undefined}>
      <legend>{label}</legend>
      {children}
      <FieldsetError error={error} />
    </fieldset>
  )
}

/** New campaign (a draft), or with `?template=1` a template that creates one every period. */
export function NewCampaignPage(_props: PageProps) {
  const { query } = useRoute()
  return <CampaignForm mode={query.get('template') === '1' ? 'template' : 'new'} />
}

/** A draft's settings changed in the same form, pre-filled (PATCH /campaigns/:id); `onSaved` gets the saved campaign. */
export function EditCampaignForm({ campaign, onSaved }: { campaign: Campaign; onSaved: (saved: Campaign) => void }) {
  return <CampaignForm mode="edit" campaign={campaign} onSaved={onSaved} />
}

/**
 * The campaign form: new (a draft), a template, or a draft edited. The scope (resource types,
 * apps, integrations), grant filters, the reviewer rule with people picked from suggestions, and
 * what closing does. The API's field errors show next to their fields.
 */
function CampaignForm({ mode, campaign, onSaved }: { mode: 'new' | 'template' | 'edit'; campaign?: Campaign; onSaved?: (saved: Campaign) => void }) {
  const session = useSession()
  const template = mode === 'template'
  const editing = mode === 'edit' ? campaign : undefined
  const [form, setForm] = useState<Form>(() => (editing === undefined ? INITIAL : formOf(editing)))
  const [appFilter, setAppFilter] = useState('')
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }))
  const toggleIn = (key: 'types' | 'app_ids' | 'integration_ids', value: string, on: boolean) =>
    setForm((f) => ({ ...f, [key]: on ? [...f[key], value] : f[key].filter((v) => v !== value) }))

  const apps = useApi<ApiPage<ApiApp>>(session.can('apps:read') ? '/apps' : null, { limit: 500 })
  const integrations = useApi<ApiPage<ApiIntegration>>(session.can('integrations:read') ? '/integrations' : null, { limit: 100 })
  // Names for the chips of people a draft names already (picks bring their own names).
  const userList = editing?.reviewer_people ?? []

  const submit = useSubmit(async () => {
    if (template) {
      await api<CampaignTemplate>('/campaign-templates', {
        method: 'POST',
        body: {
          name: form.name,
          campaign: campaignBody(form),
          every_count: num(form.every_count),
          every_unit: form.every_unit,
          duration_days: num(form.duration_days),
          auto_start: form.auto_start,
          ...(form.first_run === '' ? {} : { first_run_at: new Date(`${form.first_run}T08:00:00`).toISOString() }),
        },
      })
      navigate('/campaigns#templates')
    } else if (editing !== undefined) {
      const saved = await api<Campaign>(`/campaigns/${editing.id}`, { method: 'PATCH', body: { ...campaignBody(form, editing), due_at: endOfDay(form.due) } })
      onSaved?.(saved)
    } else {
      const created = await api<Campaign>('/campaigns', { method: 'POST', body: { ...campaignBody(form), due_at: endOfDay(form.due) } })
      navigate(`/campaigns/${created.id}`)
    }
  }, FIELDS)
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit.run()
  }
  const e = submit.fieldErrors
  const back = editing === undefined ? '/campaigns' : `/campaigns/${editing.id}`
  const kept = editing === undefined ? [] : [
    editing.scope.entitlements.length > 0 ? `${editing.scope.entitlements.length} entitlement(s)` : '',
    editing.scope.identity_ids.length > 0 ? `${editing.scope.identity_ids.length} person(s)` : '',
  ].filter((x) => x !== '')
  const shownApps = (apps.data?.items ?? []).filter((a) => appFilter.trim() === '' || a.name.toLowerCase().includes(appFilter.trim().toLowerCase()) || form.app_ids.includes(a.id))

  return (
    <>
      <PageHeader
        title={template ? 'New campaign template' : editing !== undefined ? `Edit ${editing.name}` : 'New campaign'}
        back={editing === undefined ? { href: '/campaigns', label: 'Access reviews' } : { href: back, label: editing.name }}
      >
        <p className="lead">
          {template
            ? 'A template creates a campaign with these settings every period (for example every 3 months), due a number of days later.'
            : editing !== undefined
              ? 'A draft can change until it is staged: staging freezes its scope and settings.'
              : 'A campaign starts as a draft: preview what it would review, then stage it (the access is frozen into review items) and start it (reviewers get an email).'}
        </p>
      </PageHeader>
      <form onSubmit={onSubmit} className="campaign-form" noValidate>
        <Section title="About">
          <TextField label="Name" name="name" required maxLength={200} value={form.name} onChange={(ev) => set('name', ev.target.value)} error={e['name']} />
          <TextAreaField label="Description" name="description" maxLength={2000} value={form.description} onChange={(ev) => set('description', ev.target.value)} error={e['description']} hint="What the reviewers should look for; shown on the campaign." />
          {!template && <TextField label="Due date" name="due_at" type="date" required value={form.due} onChange={(ev) => set('due', ev.target.value)} error={e['due_at']} hint="Reviewers are reminded 3 days and 1 day before, and daily once it has passed." />}
        </Section>

        {template && (
          <Section title="Repeat">
            <div className="campaign-row">
              <TextField label="Every" name="every_count" type="number" min={1} max={366} value={form.every_count} onChange={(ev) => set('every_count', ev.target.value)} error={e['every_count']} />
              <SelectField label="Unit" name="every_unit" value={form.every_unit} onChange={(ev) => set('every_unit', ev.target.value as Form['every_unit'])} error={e['every_unit']}>
                <option value="day">days</option>
                <option value="week">weeks</option>
                <option value="month">months</option>
              </SelectField>
              <TextField label="Each campaign runs for (days)" name="duration_days" type="number" min={1} max={366} value={form.duration_days} onChange={(ev) => set('duration_days', ev.target.value)} error={e['duration_days']} />
            </div>
            <TextField
              label="First campaign on"
              name="first_run_at"
              type="date"
              value={form.first_run}
              onChange={(ev) => set('first_run', ev.target.value)}
              error={e['first_run_at']}
              hint="At 8:00 that morning. Empty: the first campaign is created within five minutes."
            />
            <CheckboxField label="Stage and start each campaign at once" name="auto_start" checked={form.auto_start} onChange={(ev) => set('auto_start', ev.target.checked)} hint="Otherwise each campaign waits as a draft for you to preview and start." />
          </Section>
        )}

        <Section title="What to review">
          {kept.length > 0 && <p className="hint">This draft also reviews {kept.join(' and ')} named through the API; they are kept.</p>}
          <Choices label="Every entitlement of these types" error={e['scope']}>
            <div className="campaign-checks">
              {SCOPE_TYPES.map((t) => (
                <CheckboxField key={t} label={RESOURCE_TYPE_LABELS[t] ?? t} name="resource_types" value={t} checked={form.types.includes(t)} onChange={(ev) => toggleIn('types', t, ev.target.checked)} />
              ))}
            </div>
          </Choices>
          {session.can('apps:read') && (
            <Choices label={`Applications${form.app_ids.length > 0 ? ` (${form.app_ids.length} chosen)` : ''}`}>
              <p className="hint">Everything of an application: its access, the entitlements bound to it, and what the integrations attached to it sync.</p>
              <TextField label="Find an application" name="app-filter" type="search" value={appFilter} onChange={(ev) => setAppFilter(ev.target.value)} />
              <div className="campaign-choice-list">
                {apps.loading && apps.data === undefined && <p className="muted">Loading applications…</p>}
                {shownApps.map((a) => (
                  <CheckboxField key={a.id} label={a.name} name="app_ids" value={a.id} checked={form.app_ids.includes(a.id)} onChange={(ev) => toggleIn('app_ids', a.id, ev.target.checked)} />
                ))}
                {apps.data !== undefined && shownApps.length === 0 && <p className="muted">No application matches.</p>}
              </div>
            </Choices>
          )}
          {session.can('integrations:read') && (integrations.data?.items.length ?? 0) > 1 && (
            <Choices label="Only these integrations (none chosen: all)">
              {(integrations.data?.items ?? []).map((i) => (
                <CheckboxField
                  key={i.id}
                  label={`${i.app_name ?? i.id}${i.onelogin_domain === null ? '' : ` (${i.onelogin_domain})`}`}
                  name="integration_ids"
                  value={i.id}
                  checked={form.integration_ids.includes(i.id)}
                  onChange={(ev) => toggleIn('integration_ids', i.id, ev.target.checked)}
                />
              ))}
            </Choices>
          )}
          <Choices label="Only access that…" error={e['filters']}>
            <div className="campaign-row">
              <TextField label="Not used for (days)" name="not_used_days" type="number" min={1} max={3650} value={form.not_used_days} onChange={(ev) => set('not_used_days', ev.target.value)} hint="Holder not signed in to OneLogin for this long. Empty: any." />
              <TextField label="Added since" name="added_since" type="date" value={form.added_since} onChange={(ev) => set('added_since', ev.target.value)} hint="First seen by Warden on or after. Empty: any." />
            </div>
            <div className="campaign-row">
              <SelectField label="Duration" name="duration" value={form.duration} onChange={(ev) => set('duration', ev.target.value as Form['duration'])}>
                <option value="any">Any</option>
                <option value="timebound">Time-bound only</option>
                <option value="permanent">Permanent only</option>
              </SelectField>
              <SelectField label="Assignment" name="assignment" value={form.assignment} onChange={(ev) => set('assignment', ev.target.value as Form['assignment'])}>
                <option value="any">Any</option>
                <option value="direct">Assigned directly</option>
                <option value="inherited">Held through a role</option>
              </SelectField>
            </div>
          </Choices>
        </Section>

        <Section title="Reviewers">
          <SelectField label="Who reviews" name="reviewer_type" value={form.reviewer_type} onChange={(ev) => set('reviewer_type', ev.target.value as Form['reviewer_type'])} error={e['reviewers']}>
            {REVIEWER_TYPES.map((t) => (
              <option key={t} value={t}>
                {REVIEWER_LABELS[t]}
              </option>
            ))}
          </SelectField>
          {form.reviewer_type === 'users' && (
            <UserPicker
              label="Reviewers"
              known={userList}
              selected={form.user_ids}
              onChange={(ids) => set('user_ids', ids)}
              hint="Each reviews every item. Type part of a name or email and choose from the list."
            />
          )}
          <UserPicker
            label="Fallback reviewers"
            known={userList}
            selected={form.fallback_user_ids}
            onChange={(ids) => set('fallback_user_ids', ids)}
            hint="Review what the rule gives nobody (then you, then the Super Administrators)."
          />
          <CheckboxField label="Allow self-review" name="allow_self_review" checked={form.allow_self_review} onChange={(ev) => set('allow_self_review', ev.target.checked)} hint="Let people review their own access (not recommended)." />
        </Section>

        <Section title="Decisions and closing">
          <CheckboxField label="Every revoke needs a reason" name="require_revoke_reason" checked={form.require_revoke_reason} onChange={(ev) => set('require_revoke_reason', ev.target.checked)} />
          <TextField
            label="Suggest revoking after (days without signing in)"
            name="inactive_days"
            type="number"
            min={1}
            max={3650}
            value={form.inactive_days}
            onChange={(ev) => set('inactive_days', ev.target.value)}
            error={e['inactive_days']}
            hint="Reviewers see “Suggested: revoke” for people not signed in for this long, and for suspended or locked people."
          />
          <SelectField label="When it closes, undecided items are" name="close_action" value={form.close_action} onChange={(ev) => set('close_action', ev.target.value as Form['close_action'])} error={e['close_action']}>
            <option value="leave">Left as they are</option>
            <option value="revoke">Revoked in OneLogin</option>
          </SelectField>
          <CheckboxField label="Close automatically at the due date" name="auto_close" checked={form.auto_close} onChange={(ev) => set('auto_close', ev.target.checked)} hint="Otherwise it runs on until you close it." />
        </Section>

        <FormError message={submit.error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={submit.busy}>
            {template ? 'Create template' : editing !== undefined ? 'Save changes' : 'Create draft'}
          </button>
          <button type="button" onClick={() => navigate(back)} disabled={submit.busy}>
            Cancel
          </button>
        </div>
      </form>
    </>
  )
}
