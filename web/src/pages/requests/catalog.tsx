import { useEffect, useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../../api/index.js'
import { CheckboxField, Dialog, FormError, PageHeader, PagedTable, SelectField, TextAreaField, TextField } from '../../components/index.js'
import { navigate, usePaged, useQueryParams, useSession, useSubmit } from '../../hooks/index.js'
import { durationChoices, formatDuration } from './shared.js'
import type { AccessRequest, CatalogItem } from './types.js'

/** The request catalog: what the signed-in person may request, each with a Request button. */
export function CatalogPage() {
  const [params, setParams] = useQueryParams()
  const [q, setQ] = useState(params['q'] ?? '')
  useEffect(() => {
    // Search as people type, without a request per keystroke.
    const timer = setTimeout(() => {
      if ((params['q'] ?? '') !== q) setParams({ q })
    }, 300)
    return () => clearTimeout(timer)
    // Only typing starts the timer.
  }, [q])
  const items = usePaged<CatalogItem>('/catalog', { q: params['q'] })
  const [chosen, setChosen] = useState<CatalogItem | undefined>(undefined)
  return (
    <>
      <PageHeader title="Request access">
        <p className="lead">Choose what you need. The right people approve it, Warden grants it in OneLogin, and takes time-bound access away when the time is up.</p>
      </PageHeader>
      <div className="filters">
        <div>
          <TextField label="Search" name="q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Role, app or group" />
        </div>
      </div>
      <PagedTable
        paged={items}
        rowKey={(i) => `${i.integration_id} ${i.entitlement_id}`}
        caption="Requestable access"
        empty={params['q'] ? `Nothing requestable matches “${params['q']}”.` : 'Nothing is requestable yet: an App Administrator makes entitlements requestable on the application pages.'}
        columns={[
          {
            header: 'Access',
            render: (i) => (
              <>
                <strong>{i.entitlement_name}</strong>
                {i.description !== null && <span className="hint">{i.description}</span>}
              </>
            ),
          },
          { header: 'Application', render: (i) => i.app_name ?? <span className="muted">—</span> },
          { header: 'Longest', render: (i) => (i.max_duration_minutes === null ? 'no limit' : formatDuration(i.max_duration_minutes)) },
          { header: 'Risk', render: (i) => i.risk_level ?? <span className="muted">—</span> },
          {
            header: 'Actions',
            render: (i) => (
              <button type="button" className="primary" onClick={() => setChosen(i)} aria-label={`Request ${i.entitlement_name}`}>
                Request
              </button>
            ),
          },
        ]}
      />
      {chosen !== undefined && <RequestDialog item={chosen} onClose={() => setChosen(undefined)} />}
    </>
  )
}

function RequestDialog({ item, onClose }: { item: CatalogItem; onClose: () => void }) {
  const session = useSession()
  const choices = durationChoices(item.max_duration_minutes)
  const [duration, setDuration] = useState(item.max_duration_minutes === null ? '' : String(choices[Math.min(2, choices.length - 1)] ?? ''))
  const [reason, setReason] = useState('')
  const [forWhom, setForWhom] = useState('')
  const [emergency, setEmergency] = useState(false)
  const submit = useSubmit(async () => {
    const created = await api<AccessRequest>('/requests', {
      method: 'POST',
      body: {
        integration_id: item.integration_id,
        entitlement_id: item.entitlement_id,
        reason,
        emergency,
        ...(duration === '' ? {} : { duration_minutes: Number(duration) }),
        ...(forWhom.trim() === '' ? {} : { for: forWhom.trim() }),
      },
    })
    navigate(`/requests/${created.id}`)
  }, ['duration_minutes', 'reason', 'for'])
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit.run()
  }
  return (
    <Dialog title={`Request ${item.entitlement_name}`} onClose={onClose}>
      {(close) => (
        <form onSubmit={onSubmit}>
          <SelectField
            label="For how long"
            name="duration_minutes"
            value={duration}
            onChange={(e) => setDuration(e.target.value)}
            error={submit.fieldErrors['duration_minutes']}
            hint={item.max_duration_minutes === null ? 'Permanent access stays until someone removes it.' : `At most ${formatDuration(item.max_duration_minutes)}; it is removed automatically at the end.`}
          >
            {item.max_duration_minutes === null && <option value="">Permanent</option>}
            {choices.map((m) => (
              <option key={m} value={m}>
                {formatDuration(m)}
              </option>
            ))}
          </SelectField>
          <TextAreaField label="Reason" name="reason" required value={reason} onChange={(e) => setReason(e.target.value)} error={submit.fieldErrors['reason']} hint="What you need it for; approvers read this." />
          {session.can('access-requests:write') && (
            <TextField label="For someone else (email)" name="for" type="email" value={forWhom} onChange={(e) => setForWhom(e.target.value)} error={submit.fieldErrors['for']} hint="Leave empty to request it for yourself." />
          )}
          <CheckboxField label="Emergency (break-glass)" name="emergency" checked={emergency} onChange={(e) => setEmergency(e.target.checked)} hint="Follows the emergency policy: faster approval, closely audited." />
          <FormError message={submit.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={submit.busy}>
              {submit.busy ? 'Sending…' : 'Send request'}
            </button>
            <button type="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  )
}
