import { useState } from 'react'
import { api } from '../../api/index.js'
import type { ApiAuditVerification } from '../../api/index.js'
import { Badge, FormError, formatNumber } from '../../components/index.js'
import { useSubmit } from '../../hooks/index.js'

/** Walks the whole hash chain on the server and says whether it holds, or where it breaks. */
export function VerifyChain() {
  const [result, setResult] = useState<ApiAuditVerification | undefined>(undefined)
  const verify = useSubmit(async () => {
    setResult(undefined)
    setResult(await api<ApiAuditVerification>('/audit/verify'))
  })
  return (
    <div>
      <p className="muted">Checks every entry against the one before it: an edited, removed, inserted or reordered entry shows as a break.</p>
      <button type="button" onClick={() => void verify.run()} disabled={verify.busy}>
        {verify.busy ? 'Verifying…' : 'Verify chain'}
      </button>
      <FormError message={verify.error} />
      {result !== undefined && <Outcome result={result} />}
    </div>
  )
}

function Outcome({ result }: { result: ApiAuditVerification }) {
  if (result.ok) {
    return (
      <p role="status">
        <Badge tone="good">Chain OK</Badge> {formatNumber(result.entries)} entries verified
        {result.head_seq === undefined ? '' : `, up to #${result.head_seq}`}.
      </p>
    )
  }
  return (
    <p role="alert">
      <Badge tone="bad">Chain broken</Badge> at entry #{result.broken_seq ?? '?'}
      {result.reason === undefined ? '' : ` (${result.reason.replaceAll('_', ' ')})`}: {result.message ?? 'the chain does not hold'}. {formatNumber(result.entries)} entries
      before it verified.
    </p>
  )
}
