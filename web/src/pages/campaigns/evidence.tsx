import { useEffect, useId, useState } from 'react'
import type { FormEvent } from 'react'
import { Badge, FormError, Section, formatNumber, formatTime } from '../../components/index.js'
import { useSession, useSubmit } from '../../hooks/index.js'
import type { Campaign, EvidenceCheck } from '../reviews/index.js'
import { fetchFile, postFile } from './shared.js'
import type { FetchedFile } from './shared.js'

/**
 * A campaign's evidence: the items as CSV and the evidence bundle, each fetched first so the page
 * can show the SHA-256 Warden recorded for it (and the hash of the bytes received) before it is
 * saved; and a bundle handed back checked against its manifest and Warden's audit record.
 */
export function EvidenceSection({ campaign }: { campaign: Campaign }) {
  return (
    <Section title="Evidence">
      <p className="hint">Each download is recorded in the audit log with its SHA-256. Auditors can check a bundle later, here or with <code>warden evidence verify</code>.</p>
      <div className="grid-2 campaign-downloads">
        <Download label="Export CSV" what="The items and their decisions" path={`/campaigns/${campaign.id}/export.csv`} fallback={`${campaign.id}.csv`} />
        <Download label="Evidence bundle" what="campaign.json, items.csv, comments.csv, audit.jsonl and their manifest (.tar.gz)" path={`/campaigns/${campaign.id}/evidence`} fallback={`${campaign.id}-evidence.tar.gz`} />
      </div>
      <VerifyEvidence />
    </Section>
  )
}

function Download({ label, what, path, fallback }: { label: string; what: string; path: string; fallback: string }) {
  const [file, setFile] = useState<FetchedFile | undefined>(undefined)
  useEffect(() => (file === undefined ? undefined : () => URL.revokeObjectURL(file.url)), [file])
  const get = useSubmit(async () => setFile(await fetchFile(path, fallback)))
  return (
    <div className="campaign-download">
      <h3>{label}</h3>
      <p className="hint">{what}</p>
      <button type="button" onClick={() => void get.run()} disabled={get.busy}>
        {get.busy ? 'Preparing…' : file === undefined ? `Prepare ${label.toLowerCase()}` : 'Prepare again'}
      </button>
      <FormError message={get.error} />
      {file !== undefined && (
        <div className="campaign-file" role="status">
          <a className="button primary" href={file.url} download={file.name}>
            Save {file.name}
          </a>
          <span className="hint">{formatNumber(file.bytes)} bytes</span>
          <dl className="facts">
            {file.manifestSha256 !== null && (
              <>
                <dt>Manifest SHA-256</dt>
                <dd>
                  <code data-hash="manifest">{file.manifestSha256}</code>
                </dd>
              </>
            )}
            <dt>File SHA-256</dt>
            <dd>
              <code data-hash="file">{file.sha256 ?? 'not sent'}</code>
              {file.receivedSha256 !== null && file.sha256 !== null && (
                <span className="hint">{file.receivedSha256 === file.sha256 ? 'matches the bytes received' : `the bytes received hash to ${file.receivedSha256}: download again`}</span>
              )}
            </dd>
          </dl>
        </div>
      )}
    </div>
  )
}

/** Uploads a bundle to POST /evidence/verify and shows the check file by file. */
export function VerifyEvidence() {
  const id = useId()
  const [file, setFile] = useState<File | undefined>(undefined)
  const [check, setCheck] = useState<EvidenceCheck | undefined>(undefined)
  const verify = useSubmit(async () => {
    if (file === undefined) throw new Error('choose the bundle (.tar.gz) first')
    setCheck(undefined)
    setCheck(await postFile<EvidenceCheck>('/evidence/verify', file, 'application/gzip'))
  })
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void verify.run()
  }
  return (
    <div className="campaign-verify">
      <h3>Verify an evidence bundle</h3>
      <form onSubmit={onSubmit} className="inline-form">
        <div className="field">
          <label htmlFor={id}>Evidence bundle (.tar.gz)</label>
          <input id={id} type="file" accept=".gz,.tgz,application/gzip" onChange={(e) => setFile(e.target.files?.[0])} />
        </div>
        <button type="submit" disabled={verify.busy || file === undefined}>
          {verify.busy ? 'Verifying…' : 'Verify'}
        </button>
      </form>
      <FormError message={verify.error} />
      {check !== undefined && <CheckResult check={check} />}
    </div>
  )
}

function CheckResult({ check }: { check: EvidenceCheck }) {
  const session = useSession()
  return (
    <div className="campaign-check" role="status" aria-label="Verification result">
      <p>
        {check.ok ? <Badge tone="good">verified</Badge> : <Badge tone="bad">does not verify</Badge>}{' '}
        {check.ok ? 'Every file matches the manifest, and Warden recorded producing this manifest.' : 'This bundle does not match what Warden produced.'}
      </p>
      <dl className="facts">
        <dt>Manifest SHA-256</dt>
        <dd>
          <code>{check.manifest_sha256 ?? 'no manifest'}</code>
        </dd>
        <dt>Recorded</dt>
        <dd>
          {check.recorded === null ? (
            <span className="muted">no audit record of this manifest</span>
          ) : (
            <>
              audit entry #{check.recorded.seq}, {formatTime(check.recorded.at)} by {check.recorded.actor === session.me.user.id ? `you (${session.me.user.display_name})` : check.recorded.actor}
              {check.recorded.campaign_id !== null && <> (campaign {check.recorded.campaign_id})</>}
            </>
          )}
        </dd>
      </dl>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Files in the bundle</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Status</th>
              <th scope="col">Expected SHA-256</th>
              <th scope="col">Actual SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {check.files.map((f) => (
              <tr key={f.name}>
                <td>{f.name}</td>
                <td>
                  <Badge tone={f.ok ? 'good' : 'bad'}>{f.ok ? 'ok' : f.status}</Badge>
                </td>
                <td>
                  <code className="campaign-hash">{f.expected_sha256 ?? '—'}</code>
                </td>
                <td>
                  <code className="campaign-hash">{f.actual_sha256 ?? '—'}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {check.problems.length > 0 && (
        <div className="warning" role="note">
          <strong>Problems</strong>
          <ul>
            {check.problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}
