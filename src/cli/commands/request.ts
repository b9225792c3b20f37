import { Option } from 'commander'
import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import { JsonArrayWriter, Output, TextTableWriter, cell, writeAll } from '../format.js'
import { intOption } from '../parse.js'
import { WardenApi, collect, connectionOptions } from '../server-client.js'
import type { ConnectionFlags } from '../server-client.js'

/**
 * `warden request get|drop|extend|cancel|list|show|search`: access requests from a shell, in the
 * spirit of ConductorOne's `cone get` / `cone drop` (reference/platform.md §1.13), against a
 * Warden server's REST API with a personal API token. People get aligned text; `--json` gives
 * programs the API's own objects.
 */

// ---- durations ------------------------------------------------------------------------------

const UNIT_MINUTES = { w: 7 * 24 * 60, d: 24 * 60, h: 60, m: 1 } as const
type Unit = keyof typeof UNIT_MINUTES
const UNITS = Object.keys(UNIT_MINUTES) as Unit[]
/** A year: longer is surely a typo (the server refuses what its policies do not allow anyway). */
export const DURATION_MAX_MINUTES = 365 * 24 * 60

/**
 * A duration such as `30m`, `2h`, `1d`, `1h30m` or `1w2d` (weeks, days, hours, minutes), as whole
 * minutes. Strict: lower-case units, largest first, each at most once, no spaces or fractions,
 * more than zero; anything else is BAD_INPUT naming the flag.
 */
export function parseDuration(value: string, flag = '--duration'): number {
  const bad = (why: string): WardenError =>
    new WardenError('BAD_INPUT', `${flag} must be a duration like 30m, 2h, 1d or 1h30m (w weeks, d days, h hours, m minutes), not "${value}": ${why}`)
  if (value === '') throw bad('it is empty')
  const parts = [...value.matchAll(/(\d+)([a-z])/g)]
  if (parts.map((p) => p[0]).join('') !== value) throw bad('use whole numbers each followed by a unit, with no spaces')
  let minutes = 0
  let last = -1
  for (const [, digits, unit] of parts) {
    const rank = UNITS.indexOf(unit as Unit)
    if (rank < 0) throw bad(`"${unit}" is not a unit`)
    if (rank <= last) throw bad('give each unit once, largest first (1h30m, not 30m1h)')
    last = rank
    minutes += Number(digits) * UNIT_MINUTES[unit as Unit]
  }
  if (minutes <= 0) throw bad('it must be longer than zero')
  if (minutes > DURATION_MAX_MINUTES) throw bad('it must be at most a year (365d)')
  return minutes
}

/** Minutes for people: `1d2h30m`, `45m`, `0m`. */
export function formatDuration(minutes: number): string {
  if (minutes <= 0) return '0m'
  let rest = Math.round(minutes)
  let out = ''
  for (const unit of ['d', 'h', 'm'] as const) {
    const n = Math.floor(rest / UNIT_MINUTES[unit])
    rest -= n * UNIT_MINUTES[unit]
    if (n > 0) out += `${n}${unit}`
  }
  return out
}

// ---- what the API answers (the fields the CLI reads; the JSON output passes them all on) ------

export interface Person {
  id: string
  email: string
  display_name: string
}

export interface SodConflict {
  rule_id: string
  rule_name: string
  action: 'block' | 'extra_approval'
  requested: string
  held: string[]
}

export interface RequestStep {
  index: number
  state: string
  approvers: Person[]
  decided_by: string | null
  decided_by_user?: Person | null
  reason: string | null
  due_at: string | null
}

export interface RequestEvent {
  at: string
  actor: string
  type: string
  message: string
}

export interface AccessRequest {
  id: string
  kind: 'grant' | 'revoke' | 'extend'
  state: 'pending' | 'approved' | 'denied' | 'cancelled' | 'provisioning' | 'done' | 'failed' | 'manual'
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  principal_id: string
  principal_name?: string | null
  identity_id: string | null
  identity?: Person | null
  requester_id: string
  requester?: Person | null
  reason: string
  duration_minutes: number | null
  emergency: boolean
  policy_id: string | null
  conflicts: SodConflict[]
  steps: RequestStep[]
  events: RequestEvent[]
  expires_at: string | null
  created_at: string
  updated_at: string
}

export interface CatalogEntry {
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  app_id: string | null
  app_name: string | null
  description: string | null
  max_duration_minutes: number | null
  risk_level: string | null
}

/** States a request does not leave. */
export const FINAL_STATES: readonly AccessRequest['state'][] = ['done', 'denied', 'cancelled', 'failed', 'manual']

// ---- formatting -----------------------------------------------------------------------------

/** `Name <email>`, or whichever of the two is known. */
export function personName(p: Person | null | undefined, fallback = '-'): string {
  if (p === null || p === undefined) return fallback
  if (p.display_name === '' || p.display_name === p.email) return p.email
  return `${p.display_name} <${p.email}>`
}

/** Who a request is for: the person, else the OneLogin user's name, else their id. */
export function requestFor(r: Pick<AccessRequest, 'identity' | 'principal_name' | 'principal_id'>): string {
  if (r.identity !== null && r.identity !== undefined) return personName(r.identity)
  return r.principal_name ?? r.principal_id
}

function durationOf(minutes: number | null): string {
  return minutes === null ? 'permanent' : formatDuration(minutes)
}

function conflictLine(c: SodConflict): string {
  const what = c.action === 'block' ? 'blocks the request' : 'needs an extra approval'
  return `SoD rule "${c.rule_name}" ${what}: ${c.requested} conflicts with ${c.held.join(', ')}`
}

/** A request for people: a heading, labelled lines, its steps and its history. */
export function formatRequest(r: AccessRequest): string {
  const lines: string[] = [`${r.id}  ${r.kind}  ${r.state}${r.emergency ? '  EMERGENCY' : ''}`]
  const label = (name: string, value: string): void => {
    lines.push(`  ${name.padEnd(12)} ${cell(value, 200)}`)
  }
  label('Entitlement', `${r.entitlement_name} (${r.entitlement_id}) in ${r.integration_id}`)
  label('For', requestFor(r))
  label('Requested by', personName(r.requester, r.requester_id))
  label('Reason', r.reason === '' ? '-' : r.reason)
  if (r.kind !== 'revoke') label('Duration', durationOf(r.duration_minutes))
  if (r.expires_at !== null) label('Expires', r.expires_at)
  if (r.policy_id !== null) label('Policy', r.policy_id)
  for (const c of r.conflicts) label('Conflict', conflictLine(c))
  if (r.steps.length > 0) {
    lines.push('  Steps')
    for (const s of r.steps) {
      const who = s.approvers.length === 0 ? '' : `  ${s.approvers.map((a) => personName(a)).join(', ')}`
      const decided = s.decided_by === null ? '' : `  by ${personName(s.decided_by_user, s.decided_by)}`
      const why = s.reason === null ? '' : `: ${s.reason}`
      const due = s.due_at === null || s.state !== 'open' ? '' : `  due ${s.due_at}`
      lines.push(`    ${String(s.index + 1).padStart(2)}  ${cell(`${s.state.padEnd(10)}${who}${decided}${why}${due}`, 200)}`)
    }
  }
  if (r.events.length > 0) {
    lines.push('  History')
    for (const e of r.events) lines.push(`    ${e.at}  ${cell(e.message, 200)}`)
  }
  return `${lines.join('\n')}\n`
}

export const REQUEST_COLUMNS = ['ID', 'KIND', 'STATE', 'ENTITLEMENT', 'FOR', 'DURATION', 'CREATED']

export function requestRow(r: AccessRequest): string[] {
  return [r.id, r.kind, r.state, r.entitlement_name || r.entitlement_id, requestFor(r), r.kind === 'revoke' ? '-' : durationOf(r.duration_minutes), r.created_at]
}

export const CATALOG_COLUMNS = ['ENTITLEMENT', 'NAME', 'APP', 'MAX DURATION', 'RISK', 'INTEGRATION']

export function catalogRow(e: CatalogEntry): string[] {
  return [
    e.entitlement_id,
    e.entitlement_name,
    e.app_name ?? '-',
    e.max_duration_minutes === null ? '-' : formatDuration(e.max_duration_minutes),
    e.risk_level ?? '-',
    e.integration_id,
  ]
}

/** Streams items as a table (people) or a JSON array (--json). */
export async function writeList<T>(items: readonly T[], json: boolean | undefined, columns: string[], row: (item: T) => string[], empty: string): Promise<void> {
  const out = new Output()
  if (json === true) {
    await writeAll(items, new JsonArrayWriter<T>(out), out)
    return
  }
  if (items.length === 0) {
    out.write(`${empty}\n`)
    await out.end()
    return
  }
  await writeAll(items, new TextTableWriter<T>(out, columns, row), out)
}

// ---- the commands ---------------------------------------------------------------------------

interface CommonFlags extends ConnectionFlags {
  json?: boolean
}

interface AskFlags extends CommonFlags {
  integration?: string
  for?: string
  reason: string
  wait?: boolean
  waitTimeout: number
  pollMs: number
}

interface GetFlags extends AskFlags {
  duration?: number
  emergency?: boolean
}

interface ListFlags extends CommonFlags {
  mine?: boolean
  all?: boolean
  state?: string
  limit: number
}

const REQUEST_STATES: readonly string[] = ['pending', 'approved', 'denied', 'cancelled', 'provisioning', 'done', 'failed', 'manual']

function durationOption(flag: string): (value: string) => number {
  return (value: string) => parseDuration(value, flag)
}

function reasonOf(value: string): string {
  const reason = value.trim()
  if (reason === '') throw new WardenError('BAD_INPUT', '--reason must not be empty: say why')
  return reason
}

function stateOption(value: string): string {
  if (!REQUEST_STATES.includes(value)) throw new WardenError('BAD_INPUT', `--state must be one of ${REQUEST_STATES.join(', ')}, not "${value}"`)
  return value
}

/** `--json` plus the connection flags, on every command that talks to a server. */
export function serverCommand(command: Command): Command {
  return connectionOptions(command).option('--json', 'print the result as JSON on stdout')
}

/** `--wait` and its limits (the poll interval is hidden: it is for tests). */
function waitOptions(command: Command): Command {
  return command
    .option('--wait', 'wait until the request is decided and carried out (or denied, cancelled, failed)')
    .addOption(new Option('--wait-timeout <duration>', 'give up waiting after this long (with --wait)').argParser(durationOption('--wait-timeout')).default(30, '30m'))
    .addOption(new Option('--poll-ms <ms>').argParser(intOption('--poll-ms', 10, 60_000)).default(2000).hideHelp())
}

/** An entitlement from the command line: an id (`role:42:member`) as is, else a name looked up in the catalog. */
export async function resolveEntitlement(api: WardenApi, value: string, integration: string | undefined): Promise<{ integration_id?: string; entitlement_id: string }> {
  const given = value.trim()
  if (given === '') throw new WardenError('BAD_INPUT', 'the entitlement must not be empty: give its id (e.g. role:42:member) or its name')
  if (given.includes(':')) return { entitlement_id: given, ...(integration === undefined ? {} : { integration_id: integration }) }
  const entries = await collect<CatalogEntry>(api, '/catalog', { q: given }, 500)
  const named = entries.filter((e) => e.entitlement_name.toLowerCase() === given.toLowerCase() && (integration === undefined || e.integration_id === integration))
  const [only] = named
  if (only !== undefined && named.length === 1) return { integration_id: only.integration_id, entitlement_id: only.entitlement_id }
  if (named.length === 0) {
    throw new WardenError('NOT_FOUND', `no requestable entitlement is named "${given}"; find it with: warden request search "${given}"`)
  }
  const which = named.map((e) => `${e.entitlement_id} in ${e.integration_id}`).join(', ')
  throw new WardenError('BAD_INPUT', `"${given}" names ${named.length} entitlements (${which}): give the entitlement id, and --integration`)
}

/** Polls a request until it reaches a final state or the time is up; reports each change on stderr. */
export async function waitForRequest(
  api: WardenApi,
  first: AccessRequest,
  options: { timeoutMinutes: number; pollMs: number; report: (line: string) => void },
): Promise<AccessRequest> {
  let current = first
  const deadline = Date.now() + options.timeoutMinutes * 60_000
  while (!FINAL_STATES.includes(current.state)) {
    if (Date.now() >= deadline) {
      throw new WardenError(
        'INTERRUPTED',
        `request ${current.id} is still ${current.state} after ${formatDuration(options.timeoutMinutes)}; follow it with: warden request show ${current.id}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(options.pollMs, deadline - Date.now()))))
    const next = await api.get<AccessRequest>(`/requests/${encodeURIComponent(current.id)}`)
    if (next.state !== current.state) options.report(`request ${next.id}: ${current.state} -> ${next.state}`)
    current = next
  }
  return current
}

/** A waited-for request that did not end `done` is an operation that failed (exit 1). */
export function outcomeError(r: AccessRequest): WardenError | undefined {
  const last = [...r.events].reverse()
  const decided = [...r.steps].reverse().find((s) => s.state === 'denied')
  switch (r.state) {
    case 'done':
      return undefined
    case 'denied': {
      const by = decided === undefined ? '' : ` by ${personName(decided.decided_by_user, decided.decided_by ?? 'an approver')}`
      return new WardenError('CONFLICT', `request ${r.id} was denied${by}${decided?.reason ? `: ${decided.reason}` : ''}`)
    }
    case 'cancelled':
      return new WardenError('CONFLICT', `request ${r.id} was cancelled`)
    case 'failed':
      return new WardenError('CONFLICT', `request ${r.id} was approved but provisioning failed: ${last[0]?.message ?? 'see warden request show'}`)
    case 'manual':
      return new WardenError('CONFLICT', `request ${r.id} was approved; provisioning needs a person now (a manual task for the app owner): ${last[0]?.message ?? ''}`.trimEnd())
    default:
      return undefined
  }
}

/** Prints a request (JSON or text) and, after --wait, fails unless it ended done. */
async function answer(api: WardenApi, created: AccessRequest, flags: AskFlags, verb: string): Promise<void> {
  const stderr = (line: string): void => {
    process.stderr.write(`warden: ${line}\n`)
  }
  let r = created
  if (flags.wait === true) {
    if (flags.json !== true) stderr(`${verb} ${r.entitlement_name || r.entitlement_id}: request ${r.id} is ${r.state}; waiting...`)
    r = await waitForRequest(api, r, { timeoutMinutes: flags.waitTimeout, pollMs: flags.pollMs, report: flags.json === true ? () => {} : stderr })
  }
  process.stdout.write(flags.json === true ? `${JSON.stringify(r)}\n` : formatRequest(r))
  if (flags.wait === true) {
    const failure = outcomeError(r)
    if (failure !== undefined) throw failure
  } else if (flags.json !== true && !FINAL_STATES.includes(r.state)) {
    process.stdout.write(`Follow it with: warden request show ${r.id}\n`)
  }
}

export function registerRequest(program: Command): void {
  const request = program
    .command('request')
    .description('request access (get), give it up (drop), and follow your requests, on a Warden server (--server/$WARDEN_SERVER, --token/$WARDEN_TOKEN)')

  const get = serverCommand(
    request
      .command('get')
      .description('request an entitlement, for yourself or (with --for) someone else')
      .argument('<entitlement>', 'the entitlement id (e.g. role:42:member) or its name in the catalog'),
  )
    .option('--integration <id>', 'the integration (int_...) the entitlement is in; needed when several have it')
    .option('--for <person>', 'who it is for: an email or an identity id (default: you)')
    .option('--duration <duration>', 'how long, e.g. 30m, 2h, 1d, 1h30m (required where the entitlement has a maximum)', durationOption('--duration'))
    .requiredOption('--reason <text>', 'why you need it (approvers see it)', reasonOf)
    .option('--emergency', 'break-glass: follow the emergency policy')
  waitOptions(get)
    .action(async (entitlement: string, flags: GetFlags) => {
      const api = WardenApi.connect(flags)
      const target = await resolveEntitlement(api, entitlement, flags.integration)
      const created = await api.post<AccessRequest>('/requests', {
        ...target,
        ...(flags.for === undefined ? {} : { for: flags.for }),
        ...(flags.duration === undefined ? {} : { duration_minutes: flags.duration }),
        reason: flags.reason,
        ...(flags.emergency === true ? { emergency: true } : {}),
      })
      await answer(api, created, flags, 'requested')
    })

  const drop = serverCommand(
    request
      .command('drop')
      .description('ask for an entitlement to be taken away (a revoke request, which follows the revoke policy)')
      .argument('<entitlement>', 'the entitlement id (e.g. role:42:member) or its name in the catalog'),
  )
    .option('--integration <id>', 'the integration (int_...) the entitlement is in; needed when several have it')
    .option('--for <person>', 'whose access: an email or an identity id (default: yours)')
    .requiredOption('--reason <text>', 'why it should go', reasonOf)
  waitOptions(drop)
    .action(async (entitlement: string, flags: AskFlags) => {
      const api = WardenApi.connect(flags)
      const target = await resolveEntitlement(api, entitlement, flags.integration)
      const created = await api.post<AccessRequest>('/requests/drop', { ...target, ...(flags.for === undefined ? {} : { for: flags.for }), reason: flags.reason })
      await answer(api, created, flags, 'asked to drop')
    })

  const extend = serverCommand(
    request.command('extend').description('ask for more time on a time-bound grant (the policy runs again)').argument('<request id>', 'the request that granted it (req_...)'),
  )
    .requiredOption('--duration <duration>', 'the new length, e.g. 2h, 1d', durationOption('--duration'))
    .requiredOption('--reason <text>', 'why you need longer', reasonOf)
  waitOptions(extend)
    .action(async (id: string, flags: AskFlags & { duration: number }) => {
      const api = WardenApi.connect(flags)
      const created = await api.post<AccessRequest>(`/requests/${encodeURIComponent(id)}/extend`, { duration_minutes: flags.duration, reason: flags.reason })
      await answer(api, created, flags, 'asked to extend')
    })

  serverCommand(request.command('cancel').description('cancel a pending request (yours, or one for you)').argument('<request id>', 'req_...'))
    .option('--reason <text>', 'why', reasonOf)
    .action(async (id: string, flags: CommonFlags & { reason?: string }) => {
      const api = WardenApi.connect(flags)
      const r = await api.post<AccessRequest>(`/requests/${encodeURIComponent(id)}/cancel`, flags.reason === undefined ? {} : { reason: flags.reason })
      process.stdout.write(flags.json === true ? `${JSON.stringify(r)}\n` : formatRequest(r))
    })

  serverCommand(request.command('list').description('list requests, newest first: yours (made by or for you), or everyone\'s with --all'))
    .option('--mine', 'requests you made or that are for you (the default)')
    .option('--all', "everyone's requests (Access Request Administrators)")
    .option('--state <state>', `only requests in this state: ${REQUEST_STATES.join(', ')}`, stateOption)
    .option('--limit <n>', 'at most this many', intOption('--limit', 1, 10_000), 50)
    .action(async (flags: ListFlags) => {
      if (flags.mine === true && flags.all === true) throw new WardenError('BAD_INPUT', '--mine and --all cannot be combined; pick one')
      const api = WardenApi.connect(flags)
      const items = await collect<AccessRequest>(api, '/requests', { mine: flags.all !== true, state: flags.state }, flags.limit)
      await writeList(items, flags.json, REQUEST_COLUMNS, requestRow, 'No requests.')
    })

  serverCommand(request.command('show').description('one request: its steps, approvers and history').argument('<request id>', 'req_...')).action(
    async (id: string, flags: CommonFlags) => {
      const api = WardenApi.connect(flags)
      const r = await api.get<AccessRequest>(`/requests/${encodeURIComponent(id)}`)
      process.stdout.write(flags.json === true ? `${JSON.stringify(r)}\n` : formatRequest(r))
    },
  )

  serverCommand(request.command('search').description('find requestable entitlements in the catalog').argument('[query]', 'words in the name or description'))
    .option('--integration <id>', 'only this integration (int_...)')
    .option('--limit <n>', 'at most this many', intOption('--limit', 1, 10_000), 50)
    .action(async (query: string | undefined, flags: CommonFlags & { integration?: string; limit: number }) => {
      const api = WardenApi.connect(flags)
      const items = (await collect<CatalogEntry>(api, '/catalog', { q: query }, flags.integration === undefined ? flags.limit : 10_000))
        .filter((e) => flags.integration === undefined || e.integration_id === flags.integration)
        .slice(0, flags.limit)
      await writeList(items, flags.json, CATALOG_COLUMNS, catalogRow, 'Nothing requestable matches.')
    })
}
