import { useState } from 'react'
import type { FormEvent } from 'react'
import type { PageProps } from '../../app.js'
import { ApiError, apiUrl } from '../../api/index.js'
import type { ApiAuditEntry } from '../../api/index.js'
import { PageHeader, Section, SelectField, TextField } from '../../components/index.js'
import { usePaged, useQueryParams } from '../../hooks/index.js'
import { AuditTable } from './entries.js'
import { VerifyChain } from './verify.js'

/** The filters GET /api/v1/audit and its export take, as the address keeps them. */
const FILTERS = ['actor', 'action', 'target_type', 'target_id', 'from', 'to'] as const
type Filter = (typeof FILTERS)[number]
type Filters = Partial<Record<Filter | 'order', string>>

/** Actions Warden records, offered as suggestions (the filter matches one action exactly). */
const KNOWN_ACTIONS = [
  'setup.link.create',
  'setup.complete',
  'auth.login',
  'auth.logout',
  'user.create',
  'user.update',
  'user.password.change',
  'api_token.create',
  'api_token.revoke',
  'integration.create',
  'integration.settings',
  'integration.owners',
  'integration.sync',
  'integration.sync_now',
  'integration.upload_token',
  'integration.delete',
  'app.create',
  'app.update',
  'app.manage',
  'entitlement.update',
  'job.retry',
]

/** `2026-09-30T14:05` in the browser's time zone -> ISO UTC (what the API takes); '' stays ''. */
export function localToIso(local: string): string {
  if (local === '') return ''
  const d = new Date(local)
  return Number.isNaN(d.getTime()) ? '' : d.toISOString()
}

/** ISO -> the `datetime-local` value for the same instant in the browser's time zone. */
export function isoToLocal(iso: string | undefined): string {
  if (iso === undefined || iso === '') return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

function pick(params: Record<string, string>): Filters {
  const out: Filters = {}
  for (const k of [...FILTERS, 'order'] as const) if (params[k] !== undefined && params[k] !== '') out[k] = params[k]
  return out
}

/** The audit log: every change Warden made and who made it, filtered, verified and exported. */
export function AuditPage(_props: PageProps) {
  const [params, setParams] = useQueryParams()
  const applied = pick(params)
  const entries = usePaged<ApiAuditEntry>('/audit', applied)
  const fieldErrors = entries.error instanceof ApiError ? entries.error.fields : {}
  const { order: _order, ...exportFilters } = applied
  return (
    <>
      <PageHeader
        title="Audit log"
        actions={
          <>
            <a className="button" href={apiUrl('/audit/export', { format: 'csv', ...exportFilters })} download>
              Export CSV
            </a>
            <a className="button" href={apiUrl('/audit/export', { format: 'json', ...exportFilters })} download>
              Export JSON
            </a>
          </>
        }
      >
        <p className="lead">
          Every change made in Warden, by whom and when, in a hash chain: editing or removing an entry breaks it. Exports (oldest first) take the filters below.
        </p>
      </PageHeader>
      <Section title="Chain">
        <VerifyChain />
      </Section>
      <Section title="Entries">
        <FilterForm key={JSON.stringify(applied)} applied={applied} fieldErrors={fieldErrors} onApply={(f) => setParams(f)} />
        <AuditTable paged={entries} empty={Object.keys(exportFilters).length === 0 ? 'The audit log is empty.' : 'No entries match these filters.'} />
      </Section>
    </>
  )
}

/** The filters, edited locally and applied to the address (and so to the list and the exports) on submit. */
function FilterForm({ applied, fieldErrors, onApply }: { applied: Filters; fieldErrors: Record<string, string>; onApply: (f: Filters) => void }) {
  const [draft, setDraft] = useState<Filters>({ ...applied, from: isoToLocal(applied.from), to: isoToLocal(applied.to) })
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }))
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const next: Filters = {}
    for (const k of ['actor', 'action', 'target_type', 'target_id', 'order'] as const) {
      const v = draft[k]?.trim()
      if (v !== undefined && v !== '') next[k] = v
    }
    const from = localToIso(draft.from ?? '')
    const to = localToIso(draft.to ?? '')
    if (from !== '') next.from = from
    if (to !== '') next.to = to
    onApply(next)
  }
  const text = (k: Filter, label: string, hint?: string) => (
    <TextField label={label} name={k} value={draft[k] ?? ''} onChange={set(k)} error={fieldErrors[k]} maxLength={500} {...(hint === undefined ? {} : { hint })} />
  )
  return (
    <form className="filters" aria-label="Filter the audit log" onSubmit={submit}>
      {text('actor', 'Actor', 'A user id, or system')}
      <TextField label="Action" name="action" value={draft.action ?? ''} onChange={set('action')} error={fieldErrors['action']} list="audit-actions" maxLength={100} hint="e.g. setup.complete" />
      <datalist id="audit-actions">
        {KNOWN_ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      {text('target_type', 'Target type', 'e.g. integration')}
      {text('target_id', 'Target id', 'e.g. an integration id')}
      <TextField label="From" name="from" type="datetime-local" value={draft.from ?? ''} onChange={set('from')} error={fieldErrors['from']} hint="At or after (your time)" />
      <TextField label="To" name="to" type="datetime-local" value={draft.to ?? ''} onChange={set('to')} error={fieldErrors['to']} hint="Before (your time)" />
      <SelectField label="Order" name="order" value={draft.order ?? 'desc'} onChange={set('order')}>
        <option value="desc">Newest first</option>
        <option value="asc">Oldest first</option>
      </SelectField>
      <button type="submit" className="primary">
        Apply filters
      </button>
      <button type="button" onClick={() => onApply({})}>
        Clear
      </button>
    </form>
  )
}
