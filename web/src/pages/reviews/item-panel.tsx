import { useEffect, useRef, useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../../api/index.js'
import type { ApiUserSummary } from '../../api/index.js'
import { Async, FormError, StatusBadge, TextAreaField, Time, formatTime } from '../../components/index.js'
import { useApi, useSubmit } from '../../hooks/index.js'
import { DecisionBadges, SuggestionBadge, Via } from './shared.js'
import type { ReviewComment, ReviewItem, ReviewItemDetail } from './types.js'
import { CANDIDATE_MIN_CHARS, UserSearch } from './user-search.js'

/**
 * One review item in a side panel (a modal <dialog>, so focus stays in it and Escape closes it):
 * everything known about the access, Certify and Revoke, the comments with a form to add one,
 * and Reassign to a colleague (suggested as you type their name or email).
 */
export function ItemPanel({ item, stamp, names, inactiveDays, onClose, onCertify, onRevoke, onReassigned }: {
  item: Pick<ReviewItem, 'campaign_id' | 'item_no'>
  /** Changes when the item was decided elsewhere (the Revoke dialog): the panel loads it again. */
  stamp: string
  /** Entitlement id → name, for the roles access comes through. */
  names: ReadonlyMap<string, string>
  /** The item's campaign's inactive-days setting, for the suggestion's words. */
  inactiveDays?: number | undefined
  onClose: () => void
  onCertify: (item: ReviewItem) => Promise<void>
  onRevoke: (item: ReviewItem) => void
  onReassigned: (item: ReviewItem) => void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const detail = useApi<ReviewItemDetail>(`/campaigns/${item.campaign_id}/items/${item.item_no}`)
  const [comments, setComments] = useState<ReviewComment[]>([])
  useEffect(() => {
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal()
  }, [])
  useEffect(() => setComments(detail.data?.comments ?? []), [detail.data])
  const seenStamp = useRef(stamp)
  const { reload } = detail
  useEffect(() => {
    if (seenStamp.current === stamp) return
    seenStamp.current = stamp
    reload()
  }, [stamp, reload])
  const certify = useSubmit(async (i: ReviewItem) => {
    await onCertify(i)
    detail.reload()
  })
  const headingId = `item-panel-${item.campaign_id}-${item.item_no}`
  return (
    <dialog ref={ref} className="review-drawer" aria-labelledby={headingId} onClose={onClose}>
      <div className="review-drawer-head">
        <h2 id={headingId}>{detail.data === undefined ? `Item ${item.item_no}` : `${detail.data.entitlement_name} · ${detail.data.principal_name}`}</h2>
        <button type="button" onClick={() => ref.current?.close()} aria-label="Close the item panel">
          ✕
        </button>
      </div>
      <Async data={detail.data} error={detail.error} loading={detail.loading} reload={detail.reload} what="Loading the item">
        {(d) => (
          <>
            <div className="actions review-drawer-actions">
              <button type="button" className="primary" disabled={d.decision === 'revoke' || certify.busy} onClick={() => void certify.run(d)}>
                Certify
              </button>
              <button type="button" className="danger" disabled={d.decision === 'revoke'} onClick={() => onRevoke(d)}>
                Revoke…
              </button>
              <DecisionBadges item={d} />
            </div>
            <FormError message={certify.error} />
            <dl className="facts review-facts">
              <dt>Holder</dt>
              <dd>
                {d.principal_name} {d.principal_email !== null && <span className="hint">{d.principal_email}</span>}
              </dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={d.principal_status} /> <SuggestionBadge item={d} inactiveDays={inactiveDays} />
              </dd>
              <dt>Last sign-in</dt>
              <dd>{d.last_login === null ? <span className="muted">never</span> : <Time iso={d.last_login} />}</dd>
              <dt>Access</dt>
              <dd>
                {d.entitlement_name}
                <span className="hint">
                  {d.resource_type} {d.resource_name} · <code>{d.entitlement_id}</code>
                </span>
              </dd>
              <dt>How</dt>
              <dd>
                <Via item={d} names={names} />
              </dd>
              <dt>Since</dt>
              <dd>{d.first_seen_at === null ? <span className="muted">unknown</span> : formatTime(d.first_seen_at)}</dd>
              {d.expires_at !== null && (
                <>
                  <dt>Expires</dt>
                  <dd>{formatTime(d.expires_at)}</dd>
                </>
              )}
              <dt>Campaign</dt>
              <dd>{d.campaign_name}</dd>
              <dt>Reviewers</dt>
              <dd>{d.reviewers.map((r) => r.display_name).join(', ') || <span className="muted">nobody</span>}</dd>
              {d.decision !== null && (
                <>
                  <dt>Decided</dt>
                  <dd>
                    {d.decided_by?.display_name ?? 'unknown'}, {formatTime(d.decided_at)}
                    {d.reason !== null && <span className="hint">“{d.reason}”</span>}
                  </dd>
                </>
              )}
              {d.revoke_error !== null && (
                <>
                  <dt>Revoke error</dt>
                  <dd className="review-error">{d.revoke_error}</dd>
                </>
              )}
            </dl>
            <Comments item={d} comments={comments} onAdded={(c) => setComments((all) => [...all, c])} />
            <Reassign item={d} onDone={onReassigned} />
          </>
        )}
      </Async>
    </dialog>
  )
}

function Comments({ item, comments, onAdded }: { item: ReviewItem; comments: ReviewComment[]; onAdded: (c: ReviewComment) => void }) {
  const [body, setBody] = useState('')
  const add = useSubmit(async () => {
    onAdded(await api<ReviewComment>(`/campaigns/${item.campaign_id}/items/${item.item_no}/comments`, { method: 'POST', body: { body } }))
    setBody('')
  }, ['body'])
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void add.run()
  }
  return (
    <section className="review-drawer-section" aria-label="Comments">
      <h3>Comments</h3>
      {comments.length === 0 ? (
        <p className="muted">No comments yet.</p>
      ) : (
        <ol className="review-comments">
          {comments.map((c) => (
            <li key={c.id}>
              <p>{c.body}</p>
              <span className="hint">
                {c.author?.display_name ?? 'someone'} · <Time iso={c.created_at} />
              </span>
            </li>
          ))}
        </ol>
      )}
      <form onSubmit={onSubmit}>
        <TextAreaField label="Add a comment" name="body" value={body} onChange={(e) => setBody(e.target.value)} error={add.fieldErrors['body']} maxLength={2000} />
        <FormError message={add.error} />
        <button type="submit" disabled={add.busy || body.trim() === ''}>
          Add comment
        </button>
      </form>
    </section>
  )
}

/**
 * Hands the item to a colleague: chosen from the suggestions (then sent by user id), or a whole
 * email typed in (the server resolves it, or says no such user).
 */
function Reassign({ item, onDone }: { item: ReviewItem; onDone: (item: ReviewItem) => void }) {
  const [text, setText] = useState('')
  const [chosen, setChosen] = useState<ApiUserSummary | undefined>(undefined)
  const [reason, setReason] = useState('')
  const submit = useSubmit(async () => {
    const to = chosen !== undefined ? { user_id: chosen.id } : { email: text.trim() }
    const result = await api<{ items: ReviewItem[] }>(`/campaigns/${item.campaign_id}/reassign`, {
      method: 'POST',
      body: { item_nos: [item.item_no], ...to, ...(reason.trim() === '' ? {} : { reason: reason.trim() }) },
    })
    onDone(result.items[0] ?? item)
  }, ['email', 'user_id', 'reason'])
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit.run()
  }
  const nobody = chosen === undefined && text.trim() === ''
  return (
    <section className="review-drawer-section" aria-label="Reassign">
      <h3>Reassign</h3>
      <form onSubmit={onSubmit}>
        {chosen !== undefined ? (
          <div className="field" role="group" aria-labelledby={`reassign-to-${item.item_no}`}>
            <span className="user-chosen-label" id={`reassign-to-${item.item_no}`}>
              Reassign to
            </span>
            <p className="user-chosen">
              <strong>{chosen.display_name}</strong> <span className="muted">{chosen.email}</span>
              <button type="button" className="review-small" onClick={() => setChosen(undefined)} aria-label={`Choose someone else than ${chosen.display_name}`}>
                Change
              </button>
            </p>
            {submit.fieldErrors['user_id'] !== undefined && <p className="field-error">{submit.fieldErrors['user_id']}</p>}
          </div>
        ) : (
          <UserSearch
            label="Reassign to"
            name="reassign-to"
            text={text}
            onText={setText}
            onPick={setChosen}
            placeholder="Colleague's name or email"
            hint={`Type at least ${CANDIDATE_MIN_CHARS} characters of a colleague's name or email and choose them (or type their whole email). They get an email.`}
            error={submit.fieldErrors['email']}
          />
        )}
        <TextAreaField label="Why" name="reassign-reason" value={reason} onChange={(e) => setReason(e.target.value)} error={submit.fieldErrors['reason']} />
        <FormError message={submit.error} />
        <button type="submit" disabled={submit.busy || nobody || item.decision === 'revoke'}>
          Reassign
        </button>
      </form>
    </section>
  )
}
