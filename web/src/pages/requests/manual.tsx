import { useState } from 'react'
import type { FormEvent } from 'react'
import type { PageProps } from '../../app.js'
import { api } from '../../api/index.js'
import type { ApiManualTask } from '../../api/index.js'
import { Dialog, FormError, PageHeader, PagedTable, SelectField, TextAreaField, Time } from '../../components/index.js'
import { Link, usePaged, useQueryParams, useSubmit } from '../../hooks/index.js'
import { RequestState } from './shared.js'

/**
 * Manual tasks: changes Warden could not make in OneLogin after retrying (or that OneLogin
 * refused), for the owners to make by hand and then mark done.
 */
export function ManualTasksPage(_props: PageProps) {
  const [params, setParams] = useQueryParams()
  const state = params['state'] ?? 'open'
  const tasks = usePaged<ApiManualTask>('/manual-tasks', { state }, 50, { pollMs: 10_000 })
  const [completing, setCompleting] = useState<ApiManualTask | undefined>(undefined)
  return (
    <>
      <PageHeader title="Manual tasks">
        <p className="lead">Changes Warden could not make in OneLogin itself. Make them by hand, then mark them done.</p>
      </PageHeader>
      <div className="filters">
        <div>
          <SelectField label="Show" name="state" value={state} onChange={(e) => setParams({ state: e.target.value })}>
            <option value="open">To do</option>
            <option value="done">Done</option>
          </SelectField>
        </div>
      </div>
      <PagedTable
        paged={tasks}
        rowKey={(t) => t.id}
        caption="Manual tasks"
        empty={state === 'open' ? 'Nothing to do by hand.' : 'No manual task has been done yet.'}
        columns={[
          {
            header: 'Change',
            render: (t) => (
              <>
                <strong>
                  {t.kind === 'grant' ? 'Grant' : 'Remove'} {t.entitlement_name ?? t.entitlement_id}
                </strong>
                <span className="hint">
                  {t.kind === 'grant' ? 'to' : 'from'} {t.principal_name ?? t.principal_id} {t.principal_email === null ? '' : `(${t.principal_email})`}
                </span>
                {t.request_id !== null && <Link href={`/requests/${t.request_id}`}>The request</Link>}
              </>
            ),
          },
          { header: 'What to do', render: (t) => t.instructions },
          { header: 'Why by hand', render: (t) => t.error ?? <span className="muted">—</span> },
          { header: 'Since', render: (t) => <Time iso={t.created_at} /> },
          { header: 'State', render: (t) => <RequestState state={t.state} /> },
          {
            header: 'Actions',
            render: (t) =>
              t.state === 'open' ? (
                <button type="button" className="primary" onClick={() => setCompleting(t)} aria-label={`Mark done: ${t.entitlement_name ?? t.entitlement_id} for ${t.principal_name ?? t.principal_id}`}>
                  Mark done
                </button>
              ) : (
                (t.note ?? null)
              ),
          },
        ]}
      />
      {completing !== undefined && (
        <CompleteDialog
          task={completing}
          onClose={() => setCompleting(undefined)}
          onDone={() => {
            setCompleting(undefined)
            tasks.reload()
          }}
        />
      )}
    </>
  )
}

function CompleteDialog({ task, onClose, onDone }: { task: ApiManualTask; onClose: () => void; onDone: () => void }) {
  const [note, setNote] = useState('')
  const submit = useSubmit(async () => {
    await api(`/manual-tasks/${task.id}/complete`, { method: 'POST', body: note.trim() === '' ? {} : { note } })
    onDone()
  }, ['note'])
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit.run()
  }
  return (
    <Dialog title="Mark the change done" onClose={onClose}>
      {(close) => (
        <form onSubmit={onSubmit}>
          <p>{task.instructions}</p>
          <TextAreaField label="Note" name="note" value={note} onChange={(e) => setNote(e.target.value)} error={submit.fieldErrors['note']} hint="What you did, for the audit log." />
          <FormError message={submit.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={submit.busy}>
              Mark done
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
