import { useEffect, useState } from 'react'
import type { PageProps } from '../../app.js'
import { api } from '../../api/index.js'
import type { ApiPage, ApiResource } from '../../api/index.js'
import { Async, Badge, BarChart, DataTable, Dialog, FormError, PageHeader, PagedTable, ProgressBar, Section, SelectField, StatusBadge, TextField, Time, formatNumber, formatTime } from '../../components/index.js'
import { navigate, useApi, usePaged, useRoute, useSession, useSubmit } from '../../hooks/index.js'
import { DecisionBadges, SuggestionBadge, Via, sourceNames } from '../reviews/index.js'
import type { Campaign, CampaignPreview, CampaignProgress, ReviewItem } from '../reviews/index.js'
import { EvidenceSection } from './evidence.js'
import { EditCampaignForm } from './new.js'
import { CampaignState, RESOURCE_TYPE_LABELS, REVIEWER_LABELS, canManageCampaign, dateIn, decidedOf, endOfDay } from './shared.js'

/** While a campaign is active its progress is fetched again this often. */
const PROGRESS_POLL_MS = 10_000
/** Typing in the search box waits this long before asking the server. */
const SEARCH_DELAY_MS = 250

/**
 * One campaign: its settings, the actions its state allows (draft: Preview, Edit, Stage, Delete;
 * staged: Start; active: Remind reviewers, Close; any: Duplicate), its warnings, its progress
 * overall and per reviewer, its items, and its evidence. With `?edit=1` a draft shows the
 * campaign form pre-filled instead (saved with PATCH).
 */
export function CampaignPage({ params }: PageProps) {
  const id = params['id'] as string
  const { query } = useRoute()
  const session = useSession()
  const campaign = useApi<Campaign>(`/campaigns/${id}`)
  // What the edit form saved, shown at once until the reload that follows answers.
  const [saved, setSaved] = useState<Campaign | undefined>(undefined)
  useEffect(() => setSaved(undefined), [campaign.data])
  const shown = saved ?? campaign.data
  const editing = query.get('edit') === '1'
  return (
    <Async data={shown} error={campaign.error} loading={campaign.loading} reload={campaign.reload} what="Loading the campaign">
      {(c) =>
        editing && c.state === 'draft' && canManageCampaign(session, c) ? (
          <EditCampaignForm
            key={c.updated_at}
            campaign={c}
            onSaved={(fresh) => {
              setSaved(fresh)
              navigate(`/campaigns/${c.id}`, { replace: true })
              campaign.reload()
            }}
          />
        ) : (
          <CampaignView campaign={c} reload={campaign.reload} />
        )
      }
    </Async>
  )
}

type Confirm = 'close' | 'delete' | 'start' | 'stage'

function CampaignView({ campaign: c, reload }: { campaign: Campaign; reload: () => void }) {
  const session = useSession()
  const manage = canManageCampaign(session, c)
  const [preview, setPreview] = useState<CampaignPreview | undefined>(undefined)
  const [confirm, setConfirm] = useState<Confirm | undefined>(undefined)
  const [duplicating, setDuplicating] = useState(false)
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const act = useSubmit(async (verb: 'preview' | 'remind') => {
    setNotice(undefined)
    if (verb === 'preview') setPreview(await api<CampaignPreview>(`/campaigns/${c.id}/preview`, { method: 'POST' }))
    else {
      const r = await api<{ reminded: number }>(`/campaigns/${c.id}/remind`, { method: 'POST' })
      setNotice(r.reminded === 0 ? 'Nobody to remind: every reviewer has decided their items.' : `Reminded ${r.reminded} reviewer(s) by email.`)
    }
  })
  const { decided, total } = decidedOf(c.progress)

  const canDuplicate = session.can('campaigns:write')
  const actions = manage || canDuplicate ? (
    <>
      {manage && c.state === 'draft' && (
        <>
          <button type="button" onClick={() => void act.run('preview')} disabled={act.busy}>
            {act.busy ? 'Previewing…' : 'Preview'}
          </button>
          <button type="button" onClick={() => navigate(`/campaigns/${c.id}?edit=1`)}>
            Edit
          </button>
          <button type="button" className="primary" onClick={() => setConfirm('stage')}>
            Stage
          </button>
          <button type="button" className="danger" onClick={() => setConfirm('delete')}>
            Delete
          </button>
        </>
      )}
      {manage && c.state === 'staged' && (
        <button type="button" className="primary" onClick={() => setConfirm('start')}>
          Start
        </button>
      )}
      {manage && c.state === 'active' && (
        <>
          <button type="button" onClick={() => void act.run('remind')} disabled={act.busy}>
            Remind reviewers
          </button>
          <button type="button" className="danger" onClick={() => setConfirm('close')}>
            Close
          </button>
        </>
      )}
      {canDuplicate && (
        <button type="button" onClick={() => setDuplicating(true)}>
          Duplicate
        </button>
      )}
    </>
  ) : undefined

  return (
    <>
      <PageHeader title={c.name} back={{ href: '/campaigns', label: 'Access reviews' }} actions={actions}>
        <div className="campaign-meta">
          <CampaignState state={c.state} />
          <span>
            Due {formatTime(c.due_at)} {c.overdue && <Badge tone="bad">overdue</Badge>}
          </span>
          {c.owner !== null && <span className="muted">Owner: {c.owner.display_name}</span>}
          {c.state !== 'draft' && <ProgressBar value={decided} max={total} label="Decided" unit="decided" />}
        </div>
        {c.description !== '' && <p className="lead">{c.description}</p>}
        {c.warnings.length > 0 && (
          <div className="warning campaign-warnings" role="note" aria-label="Warnings">
            <strong>{c.state === 'staged' ? 'Before you start:' : 'Warnings recorded at staging:'}</strong>
            <ul>
              {c.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          </div>
        )}
        {notice !== undefined && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <FormError message={act.error} />
      </PageHeader>

      {preview !== undefined && c.state === 'draft' && <PreviewSection preview={preview} />}
      {c.state !== 'draft' && <ProgressSection campaign={c} />}
      <SettingsSection campaign={c} />
      {c.state !== 'draft' && <EvidenceSection campaign={c} />}
      {c.state !== 'draft' && <ItemsSection campaign={c} />}

      {confirm !== undefined && <ConfirmDialog campaign={c} what={confirm} onClose={() => setConfirm(undefined)} onDone={reload} />}
      {duplicating && <DuplicateDialog campaign={c} onClose={() => setDuplicating(false)} />}
    </>
  )
}

const DAY_MS = 24 * 60 * 60 * 1000

/** The days a campaign ran or runs for (from its start, else its creation, to its due date), 1 to 366; 30 when unknown. */
function runningDays(c: Campaign): number {
  const days = Math.round((Date.parse(c.due_at) - Date.parse(c.started_at ?? c.created_at)) / DAY_MS)
  return Number.isFinite(days) ? Math.min(366, Math.max(1, days)) : 30
}

/**
 * Duplicate: a new draft with this campaign's settings (POST /campaigns/:id/duplicate), asking
 * its name and due date (by default as long from today as this one ran), then opens the draft.
 */
function DuplicateDialog({ campaign: c, onClose }: { campaign: Campaign; onClose: () => void }) {
  const [name, setName] = useState(`${c.name} (copy)`.slice(0, 200))
  const [due, setDue] = useState(() => dateIn(runningDays(c)))
  const run = useSubmit(async () => {
    const copy = await api<Campaign>(`/campaigns/${c.id}/duplicate`, { method: 'POST', body: { due_at: endOfDay(due), ...(name.trim() === '' ? {} : { name: name.trim() }) } })
    navigate(`/campaigns/${copy.id}`)
  }, ['due_at', 'name'])
  return (
    <Dialog title="Duplicate the campaign" onClose={onClose}>
      {(close) => (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault()
            void run.run()
          }}
        >
          <p>A new draft with this campaign&apos;s scope, reviewers and settings. Nothing of its decisions is copied; preview, stage and start it when ready.</p>
          <TextField label="Name" name="name" maxLength={200} value={name} onChange={(e) => setName(e.target.value)} error={run.fieldErrors['name']} />
          <TextField label="Due date" name="due_at" type="date" required value={due} onChange={(e) => setDue(e.target.value)} error={run.fieldErrors['due_at']} />
          <FormError message={run.error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={run.busy || due === ''}>
              {run.busy ? 'Duplicating…' : 'Duplicate'}
            </button>
            <button type="button" onClick={close} disabled={run.busy}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Dialog>
  )
}

const CONFIRM: Record<Confirm, { title: string; button: string; danger: boolean }> = {
  stage: { title: 'Stage the campaign', button: 'Stage', danger: false },
  start: { title: 'Start the campaign', button: 'Start', danger: false },
  close: { title: 'Close the campaign', button: 'Close campaign', danger: true },
  delete: { title: 'Delete the draft', button: 'Delete', danger: true },
}

function ConfirmDialog({ campaign: c, what, onClose, onDone }: { campaign: Campaign; what: Confirm; onClose: () => void; onDone: () => void }) {
  const undecided = c.progress?.undecided ?? 0
  const run = useSubmit(async () => {
    if (what === 'delete') {
      await api(`/campaigns/${c.id}`, { method: 'DELETE' })
      navigate('/campaigns', { replace: true })
      return
    }
    await api<Campaign>(`/campaigns/${c.id}/${what}`, { method: 'POST' })
    onClose()
    onDone()
  })
  const text: Record<Confirm, string> = {
    stage: 'Staging freezes the access in scope into review items and assigns the reviewers. Its scope and settings cannot change afterwards.',
    start: `Starting sends each reviewer an email with their items (${formatNumber(c.items_total)} in all), due ${formatTime(c.due_at)}.`,
    close:
      undecided === 0
        ? 'Every item is decided. Closing ends the campaign; its evidence stays.'
        : c.close_action === 'revoke'
          ? `${formatNumber(undecided)} undecided item(s) will be REVOKED in OneLogin, as this campaign is set to do. This cannot be undone.`
          : `${formatNumber(undecided)} undecided item(s) will be left as they are (the access stays), as this campaign is set to do.`,
    delete: 'The draft and its settings are deleted. Nothing was reviewed yet.',
  }
  const t = CONFIRM[what]
  return (
    <Dialog title={t.title} onClose={onClose}>
      {(close) => (
        <>
          <p className={what === 'close' && c.close_action === 'revoke' && undecided > 0 ? 'warning' : undefined}>{text[what]}</p>
          {what === 'start' && c.warnings.length > 0 && (
            <div className="warning" role="note">
              <strong>Warnings</strong>
              <ul>
                {c.warnings.map((w, i) => (
                  <li key={i}>{w}</li>
                ))}
              </ul>
            </div>
          )}
          <FormError message={run.error} />
          <div className="actions">
            <button type="button" className={t.danger ? 'danger' : 'primary'} onClick={() => void run.run()} disabled={run.busy}>
              {run.busy ? 'Working…' : t.button}
            </button>
            <button type="button" onClick={close} disabled={run.busy}>
              Cancel
            </button>
          </div>
        </>
      )}
    </Dialog>
  )
}

function PreviewSection({ preview: p }: { preview: CampaignPreview }) {
  const s = p.summary
  return (
    <Section title="Preview">
      <p className="hint">What staging would produce now (nothing was saved).</p>
      <dl className="campaign-stats">
        <div>
          <dt>Items</dt>
          <dd>{formatNumber(s.items)}</dd>
        </div>
        <div>
          <dt>People</dt>
          <dd>{formatNumber(s.principals)}</dd>
        </div>
        <div>
          <dt>Reviewers</dt>
          <dd>{formatNumber(s.reviewers)}</dd>
        </div>
        <div>
          <dt>Revoke suggested</dt>
          <dd>{formatNumber(s.suggestions.reduce((n, x) => n + x.count, 0))}</dd>
        </div>
        <div>
          <dt>Nobody to review</dt>
          <dd className={p.unreviewed > 0 ? 'campaign-bad' : undefined}>{formatNumber(p.unreviewed)}</dd>
        </div>
      </dl>
      {p.warnings.length > 0 && (
        <div className="warning" role="note" aria-label="Preview warnings">
          <ul>
            {p.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      <div className="grid-2 campaign-charts">
        <BarChart title="Items by type" unit="items" bars={s.by_resource_type.map((t) => ({ label: RESOURCE_TYPE_LABELS[t.key] ?? t.key, value: t.count }))} />
        <BarChart title="Suggestions" unit="items" bars={s.suggestions.map((t) => ({ label: t.key === 'suspended' ? 'Suspended or locked' : t.key === 'inactive' ? 'Not signed in lately' : t.key, value: t.count }))} />
        <BarChart title="Top entitlements" unit="holders" bars={s.top_entitlements.map((e) => ({ label: e.name, value: e.count }))} />
        <BarChart title="Top reviewers" unit="items" bars={s.top_reviewers.map((r) => ({ label: s.reviewer_names[r.user_id] ?? r.user_id, value: r.count }))} />
      </div>
    </Section>
  )
}

function ProgressSection({ campaign: c }: { campaign: Campaign }) {
  const progress = useApi<CampaignProgress>(`/campaigns/${c.id}/progress`, {}, c.state === 'active' ? { pollMs: PROGRESS_POLL_MS } : {})
  return (
    <Section title="Progress">
      <Async data={progress.data} error={progress.error} loading={progress.loading} reload={progress.reload} what="Loading progress">
        {(p) => (
          <>
            <dl className="campaign-stats">
              <div>
                <dt>Items</dt>
                <dd>{formatNumber(p.counts.total)}</dd>
              </div>
              <div>
                <dt>Certified</dt>
                <dd>{formatNumber(p.counts.certified)}</dd>
              </div>
              <div>
                <dt>Revoked</dt>
                <dd>{formatNumber(p.counts.revoked)}</dd>
              </div>
              <div>
                <dt>Undecided</dt>
                <dd>{formatNumber(p.counts.undecided)}</dd>
              </div>
              {p.counts.left > 0 && (
                <div>
                  <dt>Left at close</dt>
                  <dd>{formatNumber(p.counts.left)}</dd>
                </div>
              )}
              <div>
                <dt>Decided</dt>
                <dd>{p.percent_decided}%</dd>
              </div>
            </dl>
            {Object.keys(p.counts.revocations).length > 0 && (
              <p className="campaign-revocations">
                Revocations in OneLogin:{' '}
                {Object.entries(p.counts.revocations).map(([state, n]) => (
                  <span key={state} className="campaign-revocation">
                    <StatusBadge status={state} /> {formatNumber(n)}
                  </span>
                ))}
              </p>
            )}
            <div className="grid-2 campaign-charts">
              <DataTable
                rows={p.reviewers}
                rowKey={(r) => r.user_id}
                caption="Progress per reviewer"
                empty="No reviewer has items."
                columns={[
                  { header: 'Reviewer', render: (r) => (r.reviewer === null ? r.user_id : <span title={r.reviewer.email}>{r.reviewer.display_name}</span>) },
                  { header: 'Assigned', className: 'num', render: (r) => formatNumber(r.assigned) },
                  { header: 'Decided', className: 'num', render: (r) => formatNumber(r.decided) },
                  { header: 'Remaining', className: 'num', render: (r) => formatNumber(r.remaining) },
                ]}
              />
              <BarChart title="Items left per reviewer" unit="items left" bars={p.reviewers.map((r) => ({ label: r.reviewer?.display_name ?? r.user_id, value: r.remaining }))} />
            </div>
          </>
        )}
      </Async>
    </Section>
  )
}

function SettingsSection({ campaign: c }: { campaign: Campaign }) {
  const s = c.scope
  const f = c.filters
  const scope = [
    s.resource_types.length > 0 ? `every ${s.resource_types.map((t) => (RESOURCE_TYPE_LABELS[t] ?? t).toLowerCase().replace(/s$/, '')).join(', ')} entitlement` : '',
    s.app_ids.length > 0 ? `${s.app_ids.length} application(s)` : '',
    s.entitlements.length > 0 ? `${s.entitlements.length} entitlement(s)` : '',
    s.identity_ids.length > 0 ? `${s.identity_ids.length} person(s)` : '',
  ].filter((x) => x !== '')
  const filters = [
    f.not_used_days === null ? '' : `holder not signed in for ${f.not_used_days} days`,
    f.added_since === null ? '' : `added since ${formatTime(f.added_since)}`,
    f.duration === 'any' ? '' : `${f.duration} only`,
    f.assignment === 'any' ? '' : `${f.assignment} only`,
  ].filter((x) => x !== '')
  return (
    <Section title="Settings">
      <dl className="facts">
        <dt>Scope</dt>
        <dd>
          {scope.join('; ') || 'nothing'}
          {s.integration_ids.length > 0 && <span className="hint">only integrations {s.integration_ids.join(', ')}</span>}
        </dd>
        <dt>Filters</dt>
        <dd>{filters.join('; ') || 'all access in scope'}</dd>
        <dt>Reviewers</dt>
        <dd>
          {REVIEWER_LABELS[c.reviewers.type] ?? c.reviewers.type}
          {c.reviewers.type === 'users' && ` (${c.reviewers.user_ids.length})`}
          {c.reviewers.fallback_user_ids.length > 0 && `; ${c.reviewers.fallback_user_ids.length} fallback reviewer(s)`}
          {c.reviewers.allow_self_review && '; self-review allowed'}
        </dd>
        <dt>Revoke reason</dt>
        <dd>{c.require_revoke_reason ? 'required' : 'optional'}</dd>
        <dt>Suggest revoking</dt>
        <dd>suspended or locked people, and people not signed in for {c.inactive_days} days</dd>
        <dt>At close</dt>
        <dd>
          undecided items are {c.close_action === 'revoke' ? 'revoked' : 'left as they are'}
          {c.auto_close ? '; closes itself at the due date' : '; closed by its owner'}
        </dd>
        <dt>Timeline</dt>
        <dd>
          created {formatTime(c.created_at)}
          {c.staged_at !== null && `; staged ${formatTime(c.staged_at)}`}
          {c.started_at !== null && `; started ${formatTime(c.started_at)}`}
          {c.closed_at !== null && `; closed ${formatTime(c.closed_at)}`}
        </dd>
      </dl>
    </Section>
  )
}

/**
 * Names for the roles access comes through (`sources`), from the integration's roles when this
 * person may read the inventory, else from the items on the page.
 */
function useSourceNames(items: readonly ReviewItem[]): Map<string, string> {
  const session = useSession()
  const integrations = [...new Set(items.map((i) => i.integration_id))]
  const only = integrations.length === 1 ? integrations[0] : undefined
  const roles = useApi<ApiPage<ApiResource>>(only !== undefined && session.can('apps:read') ? `/integrations/${only}/resources` : null, { type: 'role', limit: 500 })
  const names = sourceNames(items)
  for (const r of roles.data?.items ?? []) {
    names.set(`${r.id}:member`, r.display_name)
    names.set(`${r.id}:admin`, `${r.display_name} (admin)`)
  }
  return names
}

function ItemsSection({ campaign: c }: { campaign: Campaign }) {
  const [decision, setDecision] = useState('')
  const [suggestion, setSuggestion] = useState('')
  const [q, setQ] = useState('')
  const [search, setSearch] = useState('')
  useEffect(() => {
    const timer = setTimeout(() => setSearch(q.trim()), SEARCH_DELAY_MS)
    return () => clearTimeout(timer)
  }, [q])
  const items = usePaged<ReviewItem>(`/campaigns/${c.id}/items`, { decision, suggestion, q: search }, 100)
  const names = useSourceNames(items.items)
  return (
    <Section title="Items">
      <form className="filters" role="search" aria-label="Filter the campaign's items" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Decision" name="decision" value={decision} onChange={(e) => setDecision(e.target.value)}>
          <option value="">All</option>
          <option value="undecided">Undecided</option>
          <option value="decided">Decided</option>
          <option value="certify">Certified</option>
          <option value="revoke">Revoked</option>
        </SelectField>
        <SelectField label="Suggestion" name="suggestion" value={suggestion} onChange={(e) => setSuggestion(e.target.value)}>
          <option value="">Any</option>
          <option value="any">Revoke suggested</option>
          <option value="suspended">Suspended or locked</option>
          <option value="inactive">Not signed in lately</option>
        </SelectField>
        <TextField label="Search" name="q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Person, email, role or app" />
      </form>
      <PagedTable
        paged={items}
        rowKey={(i) => String(i.item_no)}
        caption="The campaign's items"
        empty="No item matches."
        columns={[
          { header: '#', className: 'num', render: (i) => String(i.item_no) },
          {
            header: 'Holder',
            render: (i) => (
              <>
                {i.principal_name} <StatusBadge status={i.principal_status} />
                {i.principal_email !== null && <span className="hint">{i.principal_email}</span>}
              </>
            ),
          },
          {
            header: 'Access',
            render: (i) => (
              <>
                {i.entitlement_name}
                <span className="hint">
                  {i.resource_type} · {i.resource_name}
                </span>
                <SuggestionBadge item={i} inactiveDays={c.inactive_days} />
              </>
            ),
          },
          { header: 'How', render: (i) => <Via item={i} names={names} /> },
          {
            header: 'Decision',
            render: (i) => (
              <>
                <DecisionBadges item={i} />
                {i.decided_by !== null && (
                  <span className="hint">
                    {i.decided_by.display_name}, <Time iso={i.decided_at} />
                  </span>
                )}
                {i.reason !== null && <span className="hint">“{i.reason}”</span>}
              </>
            ),
          },
          { header: 'Reviewers', render: (i) => i.reviewers.map((r) => r.display_name).join(', ') || <span className="muted">nobody</span> },
        ]}
      />
    </Section>
  )
}
