import { useState } from 'react'
import type { FormEvent } from 'react'
import type { PageProps } from '../../app.js'
import { api } from '../../api/index.js'
import { Async, DataTable, Dialog, FormError, PageHeader, Section, SelectField, TextAreaField, Time, formatTime } from '../../components/index.js'
import { navigate, useApi, useSession, useSubmit } from '../../hooks/index.js'
import { Conflicts, Countdown, KIND_LABELS, RequestState, durationChoices, formatDuration } from './shared.js'
import type { AccessRequest } from './types.js'

const OPEN = new Set(['pending', 'approved', 'provisioning'])

/** One request: what, for whom, its approval steps, every state change, and what can be done next. */
export function RequestPage({ params }: PageProps) {
  const id = params['id'] as string
  const loaded = useApi<AccessRequest>(`/requests/${id}`, {}, { pollMs: 3000 })
  return (
    <Async {...loaded} what="Loading the request">
      {(r) => <RequestView request={r} reload={loaded.reload} />}
    </Async>
  )
}

function RequestView({ request: r, reload }: { request: AccessRequest; reload: () => void }) {
  const session = useSession()
  const [dialog, setDialog] = useState<'drop' | 'extend' | undefined>(undefined)
  const cancel = useSubmit(async () => {
    await api(`/requests/${r.id}/cancel`, { method: 'POST' })
    reload()
  })
  const mine = r.requester_id === session.me.user.id
  const active = r.kind !== 'revoke' && r.state === 'done'
  return (
    <>
      <PageHeader
        title={`${KIND_LABELS[r.kind] ?? r.kind}: ${r.entitlement_name}`}
        back={{ href: '/requests', label: 'My requests' }}
        actions={
          <>
            {mine && r.state === 'pending' && (
              <button type="button" onClick={() => void cancel.run()} disabled={cancel.busy}>
                Cancel request
              </button>
            )}
            {active && r.expires_at !== null && (
              <button type="button" onClick={() => setDialog('extend')}>
                Extend
              </button>
            )}
            {active && (
              <button type="button" className="danger" onClick={() => setDialog('drop')}>
                Give it up
              </button>
            )}
          </>
        }
      />
      <FormError message={cancel.error} />
      <div className="grid-2">
        <Section title="Request">
          <dl className="facts">
            <dt>State</dt>
            <dd>
              <RequestState state={r.state} />
              {r.emergency && <> (emergency)</>}
            </dd>
            <dt>For</dt>
            <dd>
              {r.identity?.display_name ?? r.principal_name ?? r.principal_id}
              <span className="hint">{r.identity?.email ?? r.principal_id}</span>
            </dd>
            {r.requester !== null && r.requester.id !== session.me.user.id && (
              <>
                <dt>Asked by</dt>
                <dd>{r.requester.display_name}</dd>
              </>
            )}
            <dt>Duration</dt>
            <dd>{formatDuration(r.duration_minutes)}</dd>
            {r.expires_at !== null && (
              <>
                <dt>Ends</dt>
                <dd>
                  {formatTime(r.expires_at)} (<Countdown iso={r.expires_at} /> left)
                </dd>
              </>
            )}
            <dt>Reason</dt>
            <dd>{r.reason}</dd>
            <dt>Requested</dt>
            <dd>
              <Time iso={r.created_at} />
            </dd>
          </dl>
          <Conflicts conflicts={r.conflicts} />
        </Section>
        <Section title="History">
          <ol className="timeline">
            {r.events.map((e, i) => (
              <li key={i}>
                <strong>{e.type}</strong> · <Time iso={e.at} />
                <br />
                {e.message}
              </li>
            ))}
          </ol>
        </Section>
      </div>
      <Section title="Approval steps">
        <DataTable
          rows={r.steps}
          rowKey={(s) => String(s.index)}
          caption="Approval steps"
          empty={OPEN.has(r.state) || r.state === 'done' ? 'No approval was needed.' : 'No approval steps.'}
          columns={[
            { header: 'Step', render: (s) => String(s.index + 1) },
            { header: 'Approvers', render: (s) => s.approvers.map((a) => a.display_name).join(', ') || <span className="muted">nobody</span> },
            { header: 'State', render: (s) => <RequestState state={s.state} /> },
            { header: 'Reason', render: (s) => s.reason ?? <span className="muted">—</span> },
            { header: 'Due', render: (s) => (s.due_at === null ? <span className="muted">—</span> : <Time iso={s.due_at} />) },
          ]}
        />
      </Section>
      {dialog !== undefined && <FollowUp request={r} kind={dialog} onClose={() => setDialog(undefined)} />}
    </>
  )
}

/** Extend a time-bound grant (the policy runs again) or give access up (a removal request). */
function FollowUp({ request: r, kind, onClose }: { request: AccessRequest; kind: 'drop' | 'extend'; onClose: () => void }) {
  const [reason, setReason] = useState('')
  const [duration, setDuration] = useState(String(r.duration_minutes ?? 60))
  const submit = useSubmit(async () => {
    const created =
      kind === 'extend'
        ? await api<AccessRequest>(`/requests/${r.id}/extend`, { method: 'POST', body: { duration_minutes: Number(duration), reason } })
        : await api<AccessRequest>('/requests/drop', { method: 'POST', body: { integration_id: r.integration_id, entitlement_id: r.entitlement_id, reason } })
    navigate(`/requests/${created.id}`)
  }, ['duration_minutes', 'reason'])
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit.run()
  }
  return (
    <Dialog title={kind === 'extend' ? `Extend ${r.entitlement_name}` : `Give up ${r.entitlement_name}`} onClose={onClose}>
      {(close) => (
        <form onSubmit={onSubmit}>
          {kind === 'extend' && (
            <SelectField label="Extend by" name="duration_minutes" value={duration} onChange={(e) => setDuration(e.target.value)} error={submit.fieldErrors['duration_minutes']}>
              {durationChoices(null).map((m) => (
                <option key={m} value={m}>
                  {formatDuration(m)}
                </option>
              ))}
            </SelectField>
          )}
          <TextAreaField label="Reason" name="reason" required value={reason} onChange={(e) => setReason(e.target.value)} error={submit.fieldErrors['reason']} />
          <FormError message={submit.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={submit.busy}>
              {kind === 'extend' ? 'Request extension' : 'Request removal'}
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
