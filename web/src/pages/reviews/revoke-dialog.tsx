import { useEffect, useState } from 'react'
import type { FormEvent } from 'react'
import { errorMessage } from '../../api/index.js'
import { Dialog, ErrorState, FormError, Loading, TextAreaField } from '../../components/index.js'
import { useSubmit } from '../../hooks/index.js'
import { planDecision, plural, sendDecisions } from './shared.js'
import type { CampaignPlan } from './shared.js'
import type { ReviewItem } from './types.js'

/**
 * Revoking one item or many: first asks each campaign what the revoke would do
 * (decisions/preview), shows "This revokes N grants in OneLogin", takes the reason, then sends
 * the decisions with `expected_revocations` set to the number shown, so what happens is what the
 * reviewer confirmed (the server refuses a different count). The reason is required when a
 * campaign of the items asks for one with every revoke (`requireReason`), else optional.
 */
export function RevokeDialog({ items, requireReason, onDecided, onClose }: {
  items: ReviewItem[]
  /** Some campaign of the items has require_revoke_reason. */
  requireReason: boolean
  onDecided: (items: ReviewItem[]) => void
  onClose: () => void
}) {
  const [plans, setPlans] = useState<CampaignPlan[] | undefined>(undefined)
  const [planError, setPlanError] = useState<unknown>(undefined)
  const [tick, setTick] = useState(0)
  const [reason, setReason] = useState('')
  const [missing, setMissing] = useState(false)
  useEffect(() => {
    let live = true
    setPlans(undefined)
    setPlanError(undefined)
    planDecision(items, 'revoke')
      .then((p) => live && setPlans(p))
      .catch((e: unknown) => live && setPlanError(e))
    return () => {
      live = false
    }
  }, [items, tick])
  const revocations = (plans ?? []).reduce((n, p) => n + p.plan.revocations, 0)
  const final = (plans ?? []).reduce((n, p) => n + p.plan.final.length, 0)
  const submit = useSubmit(async () => {
    await sendDecisions(
      (plans ?? []).map((p) => ({ campaign_id: p.campaign_id, item_nos: p.item_nos, expected_revocations: p.plan.revocations })),
      'revoke',
      reason,
      onDecided,
    ).catch((e: unknown) => {
      // A count that no longer matches (someone decided meanwhile): show the new count to confirm.
      if (errorMessage(e).includes('expected_revocations')) setTick((t) => t + 1)
      throw e
    })
    onClose()
  }, ['reason'])
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    // Said here rather than by a refused call: nothing is sent without the reason the campaign wants.
    if (requireReason && reason.trim() === '') {
      setMissing(true)
      return
    }
    void submit.run()
  }
  const title = items.length === 1 ? 'Revoke 1 item' : `Revoke ${items.length} items`
  const only = items.length === 1 ? items[0] : undefined
  return (
    <Dialog title={title} onClose={onClose}>
      {(close) => (
        <form onSubmit={onSubmit} noValidate>
          {only !== undefined && (
            <p>
              <strong>{only.entitlement_name}</strong> ({only.resource_name}) held by <strong>{only.principal_name}</strong>
              {only.principal_email !== null && ` (${only.principal_email})`}.
            </p>
          )}
          {planError !== undefined && <ErrorState error={planError} retry={() => setTick((t) => t + 1)} />}
          {plans === undefined && planError === undefined && <Loading what="Checking what this revokes" />}
          {plans !== undefined && (
            <>
              <p className="warning review-confirm" role="status">
                {revocations === 0 ? 'This revokes nothing: every item is already revoked.' : `This revokes ${plural(revocations, 'grant')} in OneLogin.`} A revoke is final.
              </p>
              {final > 0 && <p className="hint">{plural(final, 'item is', 'items are')} already revoked and left out.</p>}
              {plans.length > 1 && <p className="hint">The items are in {plans.length} campaigns; each is decided on its own.</p>}
            </>
          )}
          <TextAreaField
            label={requireReason ? 'Reason' : 'Reason (optional)'}
            name="reason"
            value={reason}
            onChange={(e) => {
              setReason(e.target.value)
              if (e.target.value.trim() !== '') setMissing(false)
            }}
            required={requireReason}
            aria-required={requireReason}
            error={missing ? 'A reason is required: this campaign asks for one with every revoke.' : submit.fieldErrors['reason']}
            hint={requireReason ? 'Why the access should go. Required: the campaign asks for a reason with every revoke.' : 'Why the access should go, for the record.'}
            maxLength={2000}
            autoFocus
          />
          <FormError message={submit.error} />
          <div className="actions">
            <button type="submit" className="danger" disabled={submit.busy || plans === undefined || revocations === 0}>
              {`Revoke ${revocations === 1 ? '1 grant' : `${revocations} grants`}`}
            </button>
            <button type="button" onClick={close} disabled={submit.busy}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  )
}
