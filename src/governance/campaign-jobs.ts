import type { Kysely } from 'kysely'
import { WardenError, errorText } from '../errors/index.js'
import type { JobHandler, Schedule } from '../jobs/index.js'
import {
  activeCampaigns,
  campaignsToAutoClose,
  claimReminder,
  deleteTemplateRow,
  dueTemplates,
  getCampaignRow,
  getTemplateRow,
  insertTemplate,
  isoTime,
  listTemplateRows,
  newId,
  reviewersWithUndecided,
  updateTemplateRow,
  userSummaries,
} from '../store/index.js'
import type { CampaignRow, CampaignTemplateRow, Database, Store } from '../store/index.js'
import { audited } from './audited.js'
import { closeCampaign } from './campaign-items.js'
import { authorizeManage, checkCampaign, createCampaign, found, isoInstant, stageCampaign, startCampaign } from './campaigns.js'
import type { CampaignInput, CampaignView, Clock } from './campaigns.js'
import type { IntegrationEnv } from './integration-env.js'
import { enqueueEmail } from './notifications.js'
import { SYSTEM_ACTOR, authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * The campaigns' clock (issue 9), one `campaigns.tick` job every five minutes:
 *
 * - templates that are due create their campaign (and stage and start it when set to);
 * - active campaigns past their due date that close themselves are closed;
 * - reviewers with undecided items are reminded 3 days and 1 day before the due date, and every
 *   day once it has passed. Each (campaign, reviewer, slot) is claimed in campaign_reminders in
 *   the transaction that queues the email, so a tick that runs twice reminds nobody twice.
 *
 * Each campaign and template is handled on its own: one that fails is recorded (an audit entry)
 * and the tick goes on with the others.
 */

export const CAMPAIGN_TICK_JOB = 'campaigns.tick'
export const CAMPAIGN_TICK_EVERY_MS = 5 * 60 * 1000
const DAY_MS = 24 * 60 * 60 * 1000
/** Reminder slots before the due date: 3 days and 1 day. */
const BEFORE_DUE = [
  { slot: 'due-3d', ms: 3 * DAY_MS },
  { slot: 'due-1d', ms: DAY_MS },
] as const
export const TEMPLATE_UNITS = ['day', 'week', 'month'] as const

/** The reminder slot `now` falls in for a campaign due at `dueAt`, or null (nothing due yet). */
export function reminderSlot(dueAt: string, now: Date): string | null {
  const left = Date.parse(dueAt) - now.getTime()
  if (left <= 0) return `overdue-${isoTime(now).slice(0, 10)}`
  // The nearest slot wins: a campaign started 2 days before its due date gets the 3-day reminder at once, then the 1-day one.
  for (const b of [...BEFORE_DUE].reverse()) if (left <= b.ms) return b.slot
  return null
}

/** Reminds each reviewer with undecided items once per slot. `slot` overrides (a reminder on demand). Returns the reviewers reminded. */
export async function remindReviewers(db: Kysely<Database>, row: CampaignRow, slot: string, now: Date, publicUrl: string): Promise<number> {
  const reviewers = await reviewersWithUndecided(db, row.id)
  const users = await userSummaries(db, reviewers.map((r) => r.user_id))
  const overdue = slot.startsWith('overdue-')
  let sent = 0
  for (const r of reviewers) {
    const u = users.get(r.user_id)
    if (u === undefined) continue
    if (!(await claimReminder(db, { campaign_id: row.id, user_id: r.user_id, slot, sent_at: isoTime(now) }))) continue
    await enqueueEmail(db, {
      to: u.email,
      subject: `Warden: ${overdue ? 'OVERDUE: ' : 'reminder: '}access review "${row.name}": ${r.undecided} item(s) to decide`,
      text: [
        overdue
          ? `The access review "${row.name}" was due ${row.due_at}. ${r.undecided} of your item(s) are still undecided.`
          : `The access review "${row.name}" is due ${row.due_at}. ${r.undecided} of your item(s) are still undecided.`,
        '',
        `Review them in Warden: ${publicUrl}/reviews?campaign=${row.id}`,
      ].join('\n'),
    })
    sent++
  }
  return sent
}

/** A reminder now, on demand, to every reviewer with undecided items. */
export async function remindCampaign(store: Store, actor: Actor, id: string, options: Clock & { publicUrl: string }): Promise<{ reminded: number }> {
  const now = options.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const row = found(await getCampaignRow(trx, id), id)
    authorizeManage(actor, row)
    if (row.state !== 'active') throw new WardenError('CONFLICT', `campaign ${id} is ${row.state}: reminders go out while it is active`)
    const reminded = await remindReviewers(trx, row, `manual-${isoTime(now)}`, now, options.publicUrl)
    return { result: { reminded }, audit: [{ action: 'campaign.remind', target_type: 'campaign', target_id: id, after: { reminded } }] }
  })
}

export interface TickResult {
  created: number
  closed: number
  reminded: number
  failures: string[]
}

/** One pass of the campaigns' clock (see above). Never throws for one campaign: failures are listed and audited. */
export async function runCampaignTick(store: Store, publicUrl: string, clock: Clock = {}): Promise<TickResult> {
  const now = clock.now ?? new Date()
  const out: TickResult = { created: 0, closed: 0, reminded: 0, failures: [] }
  const failed = async (what: string, target: { type: string; id: string }, e: unknown): Promise<void> => {
    const message = `${what}: ${errorText(e)}`
    out.failures.push(message)
    await audited(store, SYSTEM_ACTOR, async () => ({ result: undefined, audit: [{ action: 'campaign.tick_failed', target_type: target.type, target_id: target.id, after: { error: message } }] })).catch(() => undefined)
  }
  for (const t of await dueTemplates(store.db, isoTime(now))) {
    try {
      await runTemplate(store, t, now, publicUrl)
      out.created++
    } catch (e) {
      await failed(`template ${t.id}`, { type: 'campaign_template', id: t.id }, e)
    }
  }
  for (const id of await campaignsToAutoClose(store.db, isoTime(now))) {
    try {
      await closeCampaign(store, SYSTEM_ACTOR, id, { now, publicUrl })
      out.closed++
    } catch (e) {
      await failed(`campaign ${id} (close)`, { type: 'campaign', id }, e)
    }
  }
  for (const row of await activeCampaigns(store.db)) {
    const slot = reminderSlot(row.due_at, now)
    if (slot === null) continue
    try {
      out.reminded += await store.transaction((trx) => remindReviewers(trx, row, slot, now, publicUrl))
    } catch (e) {
      await failed(`campaign ${row.id} (reminders)`, { type: 'campaign', id: row.id }, e)
    }
  }
  return out
}

export function campaignJobs(env: Pick<IntegrationEnv, 'publicUrl'>): { handlers: Record<string, JobHandler>; schedules: Schedule[] } {
  return {
    handlers: {
      [CAMPAIGN_TICK_JOB]: async ({ store }) => {
        await runCampaignTick(store, env.publicUrl)
      },
    },
    schedules: [{ kind: CAMPAIGN_TICK_JOB, everyMs: CAMPAIGN_TICK_EVERY_MS }],
  }
}

// ------------------------------------------------------------------ templates

export interface TemplateInput {
  name: string
  /** The campaign each run creates; its due_at is replaced by the run's time plus duration_days. */
  campaign: Omit<CampaignInput, 'due_at'>
  every_count: number
  every_unit: (typeof TEMPLATE_UNITS)[number]
  duration_days: number
  auto_start?: boolean | undefined
  enabled?: boolean | undefined
  /** The first run (default: now). */
  first_run_at?: string | undefined
}

export interface TemplateView {
  id: string
  name: string
  campaign: Omit<CampaignInput, 'due_at'>
  every_count: number
  every_unit: (typeof TEMPLATE_UNITS)[number]
  duration_days: number
  auto_start: boolean
  enabled: boolean
  next_run_at: string
  last_campaign_id: string | null
  owner_id: string
  created_at: string
  updated_at: string
}

function templateView(t: CampaignTemplateRow): TemplateView {
  return {
    id: t.id,
    name: t.name,
    campaign: JSON.parse(t.config) as Omit<CampaignInput, 'due_at'>,
    every_count: Number(t.every_count),
    every_unit: t.every_unit,
    duration_days: Number(t.duration_days),
    auto_start: Number(t.auto_start) === 1,
    enabled: Number(t.enabled) === 1,
    next_run_at: t.next_run_at,
    last_campaign_id: t.last_campaign_id,
    owner_id: t.owner_id,
    created_at: t.created_at,
    updated_at: t.updated_at,
  }
}

/** `from` plus the template's period (months by the calendar, in UTC). */
export function nextRun(from: Date, count: number, unit: TemplateInput['every_unit']): Date {
  if (unit === 'day') return new Date(from.getTime() + count * DAY_MS)
  if (unit === 'week') return new Date(from.getTime() + count * 7 * DAY_MS)
  const d = new Date(from.getTime())
  d.setUTCMonth(d.getUTCMonth() + count)
  return d
}

async function checkTemplate(db: Kysely<Database>, input: TemplateInput, now: Date): Promise<TemplateInput> {
  const name = input.name.trim()
  if (name === '' || name.length > 200) throw new WardenError('BAD_INPUT', 'name: 1 to 200 characters')
  if (!Number.isInteger(input.every_count) || input.every_count < 1 || input.every_count > 366) throw new WardenError('BAD_INPUT', 'every_count: a whole number from 1 to 366')
  if (!(TEMPLATE_UNITS as readonly string[]).includes(input.every_unit)) throw new WardenError('BAD_INPUT', `every_unit: one of ${TEMPLATE_UNITS.join(', ')}`)
  if (!Number.isInteger(input.duration_days) || input.duration_days < 1 || input.duration_days > 366) throw new WardenError('BAD_INPUT', 'duration_days: a whole number of days from 1 to 366')
  // The campaign's settings are checked as a campaign due after one duration.
  await checkCampaign(db, { ...input.campaign, due_at: isoTime(new Date(now.getTime() + input.duration_days * DAY_MS)) }, now)
  return { ...input, name }
}

export async function createTemplate(store: Store, actor: Actor, input: TemplateInput, clock: Clock = {}): Promise<TemplateView> {
  authorize(actor, 'campaigns:write')
  const now = clock.now ?? new Date()
  return audited(store, actor, async (trx) => {
    const t = await checkTemplate(trx, input, now)
    const first = t.first_run_at === undefined ? now : new Date(isoInstant(t.first_run_at, 'first_run_at'))
    const id = newId('ctp')
    const at = isoTime(now)
    await insertTemplate(trx, {
      id,
      name: t.name,
      config: JSON.stringify(t.campaign),
      every_count: t.every_count,
      every_unit: t.every_unit,
      duration_days: t.duration_days,
      auto_start: t.auto_start === true ? 1 : 0,
      enabled: t.enabled === false ? 0 : 1,
      next_run_at: isoTime(first),
      last_campaign_id: null,
      owner_id: actor.id,
      created_at: at,
      updated_at: at,
    })
    const view = templateView(await foundTemplate(trx, id))
    return { result: view, audit: [{ action: 'campaign_template.create', target_type: 'campaign_template', target_id: id, after: { ...view } }] }
  })
}

async function foundTemplate(db: Kysely<Database>, id: string): Promise<CampaignTemplateRow> {
  const t = await getTemplateRow(db, id)
  if (t === undefined) throw new WardenError('NOT_FOUND', `no campaign template ${id}`)
  return t
}

function authorizeTemplate(actor: Actor, t: CampaignTemplateRow): void {
  authorizeManage(actor, { owner_id: t.owner_id, id: t.id })
}

export async function listTemplates(store: Store, actor: Actor): Promise<TemplateView[]> {
  authorize(actor, 'campaigns:read')
  return (await listTemplateRows(store.db)).map(templateView)
}

export async function setTemplateEnabled(store: Store, actor: Actor, id: string, enabled: boolean, clock: Clock = {}): Promise<TemplateView> {
  return audited(store, actor, async (trx) => {
    const t = await foundTemplate(trx, id)
    authorizeTemplate(actor, t)
    await updateTemplateRow(trx, id, { enabled: enabled ? 1 : 0, updated_at: isoTime(clock.now ?? new Date()) })
    const view = templateView(await foundTemplate(trx, id))
    return { result: view, audit: [{ action: 'campaign_template.update', target_type: 'campaign_template', target_id: id, before: { enabled: Number(t.enabled) === 1 }, after: { enabled } }] }
  })
}

export async function deleteTemplate(store: Store, actor: Actor, id: string): Promise<void> {
  await audited(store, actor, async (trx) => {
    const t = await foundTemplate(trx, id)
    authorizeTemplate(actor, t)
    await deleteTemplateRow(trx, id)
    return { result: undefined, audit: [{ action: 'campaign_template.delete', target_type: 'campaign_template', target_id: id, before: templateView(t) }] }
  })
}

/**
 * Creates a template's campaign as its owner (named "<template> <date>", due after duration_days)
 * and moves next_run_at one period on, past `now` (runs missed while Warden was down are not
 * made up: one campaign, not a backlog). With auto_start, stages and starts it too.
 */
async function runTemplate(store: Store, t: CampaignTemplateRow, now: Date, publicUrl: string): Promise<CampaignView> {
  const owner = await store.db.selectFrom('users').select(['id', 'roles', 'disabled']).where('id', '=', t.owner_id).executeTakeFirst()
  if (owner === undefined || Number(owner.disabled) === 1) throw new WardenError('CONFLICT', `the owner of template ${t.id} is no longer an enabled Warden user: give the template a new owner`)
  const actor: Actor = { id: owner.id, roles: JSON.parse(owner.roles) as string[], via: 'system' }
  let next = nextRun(new Date(t.next_run_at), Number(t.every_count), t.every_unit)
  while (next.getTime() <= now.getTime()) next = nextRun(next, Number(t.every_count), t.every_unit)
  // Claim the run first, so a failure below does not make the template retry every tick.
  await store.transaction((trx) => updateTemplateRow(trx, t.id, { next_run_at: isoTime(next), updated_at: isoTime(now) }))
  const spec = JSON.parse(t.config) as Omit<CampaignInput, 'due_at'>
  let campaign = await createCampaign(
    store,
    actor,
    { ...spec, name: `${t.name} ${isoTime(now).slice(0, 10)}`.slice(0, 200), due_at: isoTime(new Date(now.getTime() + Number(t.duration_days) * DAY_MS)) },
    { now, template_id: t.id },
  )
  await store.transaction((trx) => updateTemplateRow(trx, t.id, { last_campaign_id: campaign.id }))
  if (Number(t.auto_start) === 1) {
    await stageCampaign(store, actor, campaign.id, { now })
    campaign = await startCampaign(store, actor, campaign.id, { now, publicUrl })
  }
  return campaign
}
