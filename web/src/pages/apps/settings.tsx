import { useId, useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../../api/index.js'
import type { ApiEntitlementDetail } from '../../api/index.js'
import { Badge, CheckboxField, FormError, SelectField, TextAreaField } from '../../components/index.js'
import { useSubmit } from '../../hooks/index.js'
import { RISK_LABELS, RISK_TONES, formatMinutes } from './shared.js'

/** The API's bounds (src/governance/inventory.ts): a year, 2,000 characters. */
const MAX_MINUTES = 366 * 24 * 60
const DESCRIPTION_MAX = 2000
const FIELDS = ['requestable', 'max_duration_minutes', 'risk_level', 'description'] as const

type Unit = 'minutes' | 'hours'

export function entitlementPath(e: Pick<ApiEntitlementDetail, 'integration_id' | 'id'>): string {
  return `/integrations/${e.integration_id}/entitlements/${e.id}`
}

/**
 * An app's access settings (its access entitlement's): whether people may request it, the longest
 * a grant may last, its risk and description. Read-only without apps:write.
 */
export function SettingsPanel({ entitlement, canWrite, onSaved }: { entitlement: ApiEntitlementDetail; canWrite: boolean; onSaved: (e: ApiEntitlementDetail) => void }) {
  if (!canWrite) return <SettingsFacts entitlement={entitlement} />
  return <SettingsForm entitlement={entitlement} onSaved={onSaved} />
}

function SettingsFacts({ entitlement: e }: { entitlement: ApiEntitlementDetail }) {
  return (
    <dl className="facts">
      <dt>Requestable</dt>
      <dd>{e.requestable ? 'Yes: people may request it' : 'No'}</dd>
      <dt>Maximum duration</dt>
      <dd>{formatMinutes(e.max_duration_minutes)}</dd>
      <dt>Risk level</dt>
      <dd>{e.risk_level === null ? <span className="muted">not set</span> : <Badge tone={RISK_TONES[e.risk_level]}>{RISK_LABELS[e.risk_level] ?? e.risk_level}</Badge>}</dd>
      <dt>Description</dt>
      <dd>{e.description ?? <span className="muted">none</span>}</dd>
    </dl>
  )
}

/** A duration as typed: whole hours when it is some, else minutes; empty for no limit. */
function initialDuration(minutes: number | null): { value: string; unit: Unit } {
  if (minutes === null) return { value: '', unit: 'hours' }
  return minutes % 60 === 0 ? { value: String(minutes / 60), unit: 'hours' } : { value: String(minutes), unit: 'minutes' }
}

/** What the duration field holds, in minutes (null: no limit), or why it can't be sent. */
function toMinutes(value: string, unit: Unit): { minutes: number | null } | { error: string } {
  const text = value.trim()
  if (text === '') return { minutes: null }
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0) return { error: 'Enter a positive number, or leave it empty for no limit.' }
  const minutes = unit === 'hours' ? n * 60 : n
  if (!Number.isInteger(minutes)) return { error: unit === 'hours' ? 'Hours must come to whole minutes (e.g. 1.5 hours, not 1.01).' : 'Enter whole minutes.' }
  return { minutes }
}

function SettingsForm({ entitlement, onSaved }: { entitlement: ApiEntitlementDetail; onSaved: (e: ApiEntitlementDetail) => void }) {
  const start = initialDuration(entitlement.max_duration_minutes)
  const [requestable, setRequestable] = useState(entitlement.requestable)
  const [duration, setDuration] = useState(start.value)
  const [unit, setUnit] = useState<Unit>(start.unit)
  const [risk, setRisk] = useState(entitlement.risk_level ?? '')
  const [description, setDescription] = useState(entitlement.description ?? '')
  const [durationError, setDurationError] = useState<string | undefined>(undefined)
  const [saved, setSaved] = useState(false)
  const submit = useSubmit(async (minutes: number | null) => {
    const body = {
      requestable,
      max_duration_minutes: minutes,
      risk_level: risk === '' ? null : risk,
      description: description.trim() === '' ? null : description,
    }
    onSaved(await api<ApiEntitlementDetail>(entitlementPath(entitlement), { method: 'PATCH', body }))
    setSaved(true)
  }, FIELDS)
  const edited = () => setSaved(false)
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const parsed = toMinutes(duration, unit)
    if ('error' in parsed) {
      setDurationError(parsed.error)
      setSaved(false)
      return
    }
    setDurationError(undefined)
    void submit.run(parsed.minutes)
  }
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Access settings" onChange={edited}>
      <CheckboxField
        label="Requestable"
        name="requestable"
        checked={requestable}
        onChange={(e) => setRequestable(e.target.checked)}
        hint="People may ask for access to it (approvals come with access requests)."
      />
      <DurationField
        value={duration}
        unit={unit}
        onValue={setDuration}
        onUnit={setUnit}
        error={durationError ?? submit.fieldErrors['max_duration_minutes']}
      />
      <SelectField label="Risk level" name="risk_level" value={risk} onChange={(e) => setRisk(e.target.value)} error={submit.fieldErrors['risk_level']}>
        <option value="">Not set</option>
        {Object.entries(RISK_LABELS).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </SelectField>
      <TextAreaField
        label="Description"
        name="description"
        rows={3}
        maxLength={DESCRIPTION_MAX}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        error={submit.fieldErrors['description']}
        hint="What access to the app means, for whoever requests or reviews it."
      />
      <FormError message={submit.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={submit.busy}>
          {submit.busy ? 'Saving…' : 'Save settings'}
        </button>
        {saved && (
          <p className="apps-saved" role="status">
            Settings saved.
          </p>
        )}
      </div>
    </form>
  )
}

/** A number and its unit (minutes or hours) under one label; empty means no limit. */
function DurationField({ value, unit, onValue, onUnit, error }: { value: string; unit: Unit; onValue: (v: string) => void; onUnit: (u: Unit) => void; error: string | undefined }) {
  const id = useId()
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  return (
    <div className={`field${error !== undefined ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>Maximum duration</label>
      <div className="apps-duration">
        <input
          id={id}
          name="max_duration"
          type="number"
          inputMode="decimal"
          min={0}
          step="any"
          value={value}
          onChange={(e) => onValue(e.target.value)}
          aria-invalid={error !== undefined}
          aria-describedby={error === undefined ? hintId : `${hintId} ${errorId}`}
        />
        <select aria-label="Unit" name="max_duration_unit" value={unit} onChange={(e) => onUnit(e.target.value as Unit)}>
          <option value="minutes">minutes</option>
          <option value="hours">hours</option>
        </select>
      </div>
      <p className="hint" id={hintId}>
        The longest a grant may last, up to 366 days ({MAX_MINUTES.toLocaleString()} minutes). Leave it empty for no limit.
      </p>
      {error !== undefined && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  )
}
