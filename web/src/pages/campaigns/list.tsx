import { useState } from 'react'
import type { PageProps } from '../../app.js'
import { api } from '../../api/index.js'
import { Badge, DataTable, Dialog, FormError, PageHeader, PagedTable, ProgressBar, Section, SelectField, Time, formatTime } from '../../components/index.js'
import { Link, useApi, usePaged, useQueryParams, useSession, useSubmit } from '../../hooks/index.js'
import type { Campaign, CampaignTemplate } from '../reviews/index.js'
import { CampaignState, decidedOf } from './shared.js'

const STATES = { '': 'All', draft: 'Draft', staged: 'Staged', active: 'Active', closed: 'Closed' } as const

/**
 * Access reviews: the campaigns, newest first, with their state, due date (overdue ones
 * flagged) and progress; and the templates that create a campaign every period.
 */
export function CampaignsPage(_props: PageProps) {
  const session = useSession()
  const [params, setParams] = useQueryParams()
  const state = params['state'] !== undefined && params['state'] in STATES ? params['state'] : ''
  const mine = params['mine'] === 'true'
  const campaigns = usePaged<Campaign>('/campaigns', { state, mine: mine ? 'true' : undefined }, 50)
  const canWrite = session.can('campaigns:write')
  return (
    <>
      <PageHeader
        title="Access reviews"
        actions={
          canWrite ? (
            <Link className="button primary" href="/campaigns/new">
              New campaign
            </Link>
          ) : undefined
        }
      >
        <p className="lead">
          Campaigns ask reviewers to certify or revoke people&apos;s access. Revoked access is removed in OneLogin; every decision and download is in the audit log.
        </p>
      </PageHeader>
      <Section title="Campaigns">
        <form className="filters" role="search" aria-label="Filter campaigns" onSubmit={(e) => e.preventDefault()}>
          <SelectField label="State" name="state" value={state} onChange={(e) => setParams({ state: e.target.value, mine: mine ? 'true' : undefined })}>
            {Object.entries(STATES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
          <SelectField label="Owner" name="mine" value={mine ? 'true' : 'false'} onChange={(e) => setParams({ state, mine: e.target.value === 'true' ? 'true' : undefined })}>
            <option value="false">Anyone</option>
            <option value="true">Me</option>
          </SelectField>
        </form>
        <PagedTable
          paged={campaigns}
          rowKey={(c) => c.id}
          caption="Campaigns"
          empty={canWrite ? 'No campaign yet. Create one with New campaign.' : 'No campaign yet.'}
          columns={[
            {
              header: 'Campaign',
              render: (c) => (
                <>
                  <Link href={`/campaigns/${c.id}`}>{c.name}</Link>
                  {c.owner !== null && <span className="hint">{c.owner.display_name}</span>}
                </>
              ),
            },
            { header: 'State', render: (c) => <CampaignState state={c.state} /> },
            {
              header: 'Due',
              render: (c) => (
                <span className={c.overdue ? 'campaign-overdue' : undefined}>
                  {formatTime(c.due_at)}
                  {c.overdue && (
                    <>
                      {' '}
                      <Badge tone="bad">overdue</Badge>
                    </>
                  )}
                </span>
              ),
            },
            {
              header: 'Progress',
              render: (c) => {
                if (c.progress === null) return <span className="muted">not staged</span>
                const { decided, total } = decidedOf(c.progress)
                return <ProgressBar value={decided} max={total} label={`${c.name}: decided`} />
              },
            },
            { header: 'Updated', render: (c) => <Time iso={c.updated_at} /> },
          ]}
        />
      </Section>
      <TemplatesSection canWrite={canWrite} />
    </>
  )
}

function TemplatesSection({ canWrite }: { canWrite: boolean }) {
  const templates = useApi<{ items: CampaignTemplate[] }>('/campaign-templates')
  const [deleting, setDeleting] = useState<CampaignTemplate | undefined>(undefined)
  const toggle = useSubmit(async (t: CampaignTemplate) => {
    await api(`/campaign-templates/${t.id}`, { method: 'PATCH', body: { enabled: !t.enabled } })
    templates.reload()
  })
  return (
    <div id="templates">
      <Section
        title="Templates"
        actions={
          canWrite ? (
            <Link className="button" href="/campaigns/new?template=1">
              New template
            </Link>
          ) : undefined
        }
      >
        <p className="hint">A template creates a campaign every period (for example every 3 months) with its settings.</p>
        <FormError message={toggle.error} />
        <DataTable
          rows={templates.data?.items ?? []}
          loading={templates.loading}
          error={templates.error}
          retry={templates.reload}
          rowKey={(t) => t.id}
          caption="Campaign templates"
          empty="No template."
          columns={[
            { header: 'Template', render: (t) => t.name },
            { header: 'Every', render: (t) => `${t.every_count} ${t.every_unit}${t.every_count === 1 ? '' : 's'}, due after ${t.duration_days} days${t.auto_start ? ', started at once' : ''}` },
            { header: 'Next', render: (t) => (t.enabled ? <Time iso={t.next_run_at} /> : <span className="muted">disabled</span>) },
            { header: 'Last campaign', render: (t) => (t.last_campaign_id === null ? <span className="muted">none yet</span> : <Link href={`/campaigns/${t.last_campaign_id}`}>Open</Link>) },
            { header: 'State', render: (t) => <Badge tone={t.enabled ? 'good' : 'neutral'}>{t.enabled ? 'enabled' : 'disabled'}</Badge> },
            {
              header: 'Actions',
              render: (t) =>
                canWrite ? (
                  <span className="actions">
                    <button type="button" onClick={() => void toggle.run(t)} disabled={toggle.busy} aria-label={`${t.enabled ? 'Disable' : 'Enable'} ${t.name}`}>
                      {t.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" className="danger" onClick={() => setDeleting(t)} aria-label={`Delete ${t.name}`}>
                      Delete
                    </button>
                  </span>
                ) : null,
            },
          ]}
        />
      </Section>
      {deleting !== undefined && (
        <DeleteTemplate
          template={deleting}
          onClose={() => setDeleting(undefined)}
          onDone={() => {
            setDeleting(undefined)
            templates.reload()
          }}
        />
      )}
    </div>
  )
}

function DeleteTemplate({ template, onClose, onDone }: { template: CampaignTemplate; onClose: () => void; onDone: () => void }) {
  const run = useSubmit(async () => {
    await api(`/campaign-templates/${template.id}`, { method: 'DELETE' })
    onDone()
  })
  return (
    <Dialog title="Delete the template" onClose={onClose}>
      {(close) => (
        <>
          <p>
            Delete <strong>{template.name}</strong>? No more campaigns are created from it; the campaigns it created stay.
          </p>
          <FormError message={run.error} />
          <div className="actions">
            <button type="button" className="danger" onClick={() => void run.run()} disabled={run.busy}>
              Delete
            </button>
            <button type="button" onClick={close}>
              Cancel
            </button>
          </div>
        </>
      )}
    </Dialog>
  )
}
