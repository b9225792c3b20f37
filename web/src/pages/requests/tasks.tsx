import { useState } from 'react'
import type { FormEvent } from 'react'
import type { PageProps } from '../../app.js'
import { api } from '../../api/index.js'
import { Dialog, FormError, PageHeader, PagedTable, SelectField, TextAreaField, TextField, Time } from '../../components/index.js'
import { Link, usePaged, useQueryParams, useSession, useSubmit } from '../../hooks/index.js'
import { Conflicts, KIND_LABELS, RequestState, formatDuration } from './shared.js'
import type { ApprovalTask } from './types.js'

type Decision = 'approve' | 'deny' | 'reassign'

/** The approvals inbox: the tasks waiting for the signed-in person (or everyone's, for request admins). */
export function TasksPage(_props: PageProps) {
  const session = useSession()
  const [params, setParams] = useQueryParams()
  const state = params['state'] ?? 'open'
  const all = params['all'] === 'true' && session.can('access-requests:read')
  const tasks = usePaged<ApprovalTask>('/tasks', { state, all }, 50, { pollMs: 5000 })
  const [deciding, setDeciding] = useState<{ task: ApprovalTask; decision: Decision } | undefined>(undefined)
  return (
    <>
      <PageHeader title="Approvals" actions={<Link className="button" href="/tasks/manual">Manual tasks</Link>}>
        <p className="lead">Requests waiting for a decision. Approving the last step grants the access in OneLogin at once.</p>
      </PageHeader>
      <div className="filters">
        <div>
          <SelectField label="Show" name="state" value={state} onChange={(e) => setParams({ ...params, state: e.target.value })}>
            <option value="open">Waiting for a decision</option>
            <option value="done">Decided</option>
          </SelectField>
        </div>
        {session.can('access-requests:read') && (
          <div>
            <SelectField label="Whose" name="all" value={all ? 'true' : 'false'} onChange={(e) => setParams({ ...params, all: e.target.value })}>
              <option value="false">Assigned to me</option>
              <option value="true">Everyone's</option>
            </SelectField>
          </div>
        )}
      </div>
      <PagedTable
        paged={tasks}
        rowKey={(t) => t.id}
        caption="Approval tasks"
        empty={state === 'open' ? 'Nothing is waiting for you.' : 'No decided tasks yet.'}
        columns={[
          {
            header: 'Request',
            render: (t) => (
              <>
                <Link href={`/requests/${t.request.id}`}>
                  {KIND_LABELS[t.request.kind] ?? t.request.kind}: {t.request.entitlement_name}
                </Link>
                {t.request.emergency && <> (emergency)</>}
                <span className="hint">
                  for {t.request.identity_name ?? t.request.principal_id}
                  {t.request.requester !== null && t.request.requester.email !== t.request.identity_email ? `, asked by ${t.request.requester.display_name}` : ''} ·{' '}
                  {formatDuration(t.request.duration_minutes)}
                </span>
                <Conflicts conflicts={t.request.conflicts} />
              </>
            ),
          },
          { header: 'Reason', render: (t) => t.request.reason },
          { header: 'Step', render: (t) => String(t.step_index + 1) },
          { header: 'State', render: (t) => <RequestState state={t.state} /> },
          { header: 'Due', render: (t) => (t.due_at === null ? <span className="muted">—</span> : <Time iso={t.due_at} />) },
          {
            header: 'Actions',
            render: (t) =>
              t.state === 'open' ? (
                <span className="actions">
                  <button type="button" className="primary" onClick={() => setDeciding({ task: t, decision: 'approve' })} aria-label={`Approve ${t.request.entitlement_name} for ${t.request.identity_name ?? t.request.principal_id}`}>
                    Approve
                  </button>
                  <button type="button" className="danger" onClick={() => setDeciding({ task: t, decision: 'deny' })} aria-label={`Deny ${t.request.entitlement_name} for ${t.request.identity_name ?? t.request.principal_id}`}>
                    Deny
                  </button>
                  <button type="button" onClick={() => setDeciding({ task: t, decision: 'reassign' })} aria-label={`Reassign ${t.request.entitlement_name} for ${t.request.identity_name ?? t.request.principal_id}`}>
                    Reassign
                  </button>
                </span>
              ) : null,
          },
        ]}
      />
      {deciding !== undefined && (
        <DecisionDialog
          task={deciding.task}
          decision={deciding.decision}
          onClose={() => setDeciding(undefined)}
          onDone={() => {
            setDeciding(undefined)
            tasks.reload()
          }}
        />
      )}
    </>
  )
}

const TITLES: Record<Decision, string> = { approve: 'Approve', deny: 'Deny', reassign: 'Reassign' }

function DecisionDialog({ task, decision, onClose, onDone }: { task: ApprovalTask; decision: Decision; onClose: () => void; onDone: () => void }) {
  const [reason, setReason] = useState('')
  const [to, setTo] = useState('')
  const submit = useSubmit(async () => {
    const who = to.trim()
    const body = { ...(reason.trim() === '' ? {} : { reason }), ...(decision === 'reassign' ? (who.includes('@') ? { email: who } : { user_id: who }) : {}) }
    await api(`/tasks/${task.id}/${decision}`, { method: 'POST', body })
    onDone()
  }, ['reason', 'user_id', 'email'])
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit.run()
  }
  return (
    <Dialog title={`${TITLES[decision]}: ${task.request.entitlement_name}`} onClose={onClose}>
      {(close) => (
        <form onSubmit={onSubmit}>
          <p>
            For <strong>{task.request.identity_name ?? task.request.principal_id}</strong>, {formatDuration(task.request.duration_minutes)}. Reason given: “{task.request.reason}”
          </p>
          <Conflicts conflicts={task.request.conflicts} />
          {decision === 'reassign' && (
            <TextField label="Reassign to (email or user id)" name="user_id" required value={to} onChange={(e) => setTo(e.target.value)} error={submit.fieldErrors['user_id'] ?? submit.fieldErrors['email']} />
          )}
          <TextAreaField label="Reason" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} error={submit.fieldErrors['reason']} hint="Required when the policy says so." />
          <FormError message={submit.error} />
          <div className="actions">
            <button type="submit" className={decision === 'deny' ? 'danger' : 'primary'} disabled={submit.busy}>
              {TITLES[decision]}
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
