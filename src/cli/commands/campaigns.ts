import { createHash } from 'node:crypto'
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import { Output, cell } from '../format.js'
import { intOption } from '../parse.js'
import { WardenApi, collect } from '../server-client.js'
import type { ConnectionFlags } from '../server-client.js'
import { personName, serverCommand, writeList } from './request.js'
import type { Person } from './request.js'
import { campaignIdArgument } from './reviews.js'

/**
 * `warden campaigns list|show|create|stage|start|close|remind|export|evidence`: running access
 * reviews (issue 9) from a shell, for Campaign Administrators and auditors, against a Warden
 * server's REST API with a personal API token. Exports and evidence bundles are written to a file
 * only after their bytes matched the SHA-256 the server sent with them, and never over an
 * existing file unless `--force`.
 */

// ---- what the API answers (the fields the CLI reads; --json passes them all on) ---------------

export interface CampaignCounts {
  total: number
  certified: number
  revoked: number
  undecided: number
  left: number
  revocations: Record<string, number>
}

export interface Campaign {
  id: string
  name: string
  description: string
  state: 'draft' | 'staged' | 'active' | 'closed'
  owner: Person | null
  scope: { app_ids: string[]; entitlements: { integration_id: string; entitlement_id: string }[]; resource_types: string[]; identity_ids: string[]; integration_ids: string[] }
  filters: { not_used_days: number | null; added_since: string | null; duration: string; assignment: string }
  reviewers: { type: string; user_ids: string[]; fallback_user_ids: string[]; allow_self_review: boolean }
  require_revoke_reason: boolean
  inactive_days: number
  due_at: string
  overdue: boolean
  close_action: 'revoke' | 'leave'
  auto_close: boolean
  warnings: string[]
  items_total: number
  progress: CampaignCounts | null
  staged_at: string | null
  started_at: string | null
  closed_at: string | null
  closed_by: string | null
  created_at: string
}

export interface CampaignProgress {
  campaign_id: string
  counts: CampaignCounts
  percent_decided: number
  reviewers: { reviewer: Person | null; user_id: string; assigned: number; decided: number; remaining: number }[]
}

const CAMPAIGN_STATES = ['draft', 'staged', 'active', 'closed'] as const

// ---- formatting -----------------------------------------------------------------------------

/** Decided items out of all, as the server counts them (certified and revoked, rounded down). */
export function percentDecided(c: CampaignCounts | null): string {
  if (c === null) return '-'
  return `${c.total === 0 ? 0 : Math.floor(((c.certified + c.revoked) * 100) / c.total)}%`
}

export const CAMPAIGN_COLUMNS = ['ID', 'NAME', 'STATE', 'DUE', 'ITEMS', 'DECIDED %', 'OWNER']

export function campaignRow(c: Campaign): string[] {
  return [c.id, c.name, c.state, `${c.due_at}${c.overdue ? ' (overdue)' : ''}`, c.state === 'draft' ? '-' : String(c.items_total), percentDecided(c.progress), personName(c.owner)]
}

function scopeText(s: Campaign['scope']): string {
  const parts: string[] = []
  if (s.resource_types.length > 0) parts.push(`every ${s.resource_types.join(', ')} entitlement`)
  if (s.app_ids.length > 0) parts.push(`apps ${s.app_ids.join(', ')}`)
  if (s.entitlements.length > 0) parts.push(`entitlements ${s.entitlements.map((e) => `${e.entitlement_id} in ${e.integration_id}`).join(', ')}`)
  if (s.identity_ids.length > 0) parts.push(`${s.identity_ids.length === 1 ? 'the access of 1 person' : `the access of ${s.identity_ids.length} people`}`)
  parts.push(s.integration_ids.length === 0 ? 'in every integration' : `in ${s.integration_ids.join(', ')}`)
  return parts.join('; ')
}

function filtersText(f: Campaign['filters']): string {
  const parts: string[] = []
  if (f.not_used_days !== null) parts.push(`not signed in for ${f.not_used_days} days`)
  if (f.added_since !== null) parts.push(`added since ${f.added_since}`)
  if (f.duration !== 'any') parts.push(`${f.duration} grants`)
  if (f.assignment !== 'any') parts.push(`${f.assignment} assignments`)
  return parts.length === 0 ? 'none' : parts.join('; ')
}

const REVIEWER_TYPES: Record<string, string> = { manager: "the holder's manager", app_owners: 'app owners', entitlement_owners: 'entitlement owners', users: 'named users' }

function reviewersText(r: Campaign['reviewers']): string {
  const parts = [REVIEWER_TYPES[r.type] ?? r.type]
  if (r.user_ids.length > 0) parts[0] += `: ${r.user_ids.join(', ')}`
  if (r.fallback_user_ids.length > 0) parts.push(`fallback ${r.fallback_user_ids.join(', ')}`)
  if (r.allow_self_review) parts.push('self-review allowed')
  return parts.join('; ')
}

function countsText(c: CampaignCounts): string {
  const parts = [`${c.certified} certified`, `${c.revoked} revoked`, `${c.undecided} undecided`]
  if (c.left > 0) parts.push(`${c.left} left at close`)
  return `${c.total}: ${parts.join(', ')} (${percentDecided(c)} decided)`
}

/** A campaign for people: a heading, labelled lines, and (when known) each reviewer's progress. */
export function formatCampaign(c: Campaign, progress?: CampaignProgress): string {
  const lines: string[] = [`${c.id}  ${cell(c.name, 200)}  ${c.state}${c.overdue ? '  OVERDUE' : ''}`]
  const label = (name: string, value: string): void => {
    lines.push(`  ${name.padEnd(13)} ${cell(value, 300)}`)
  }
  if (c.description !== '') label('Description', c.description)
  label('Owner', personName(c.owner))
  label('Scope', scopeText(c.scope))
  label('Filters', filtersText(c.filters))
  label('Reviewers', reviewersText(c.reviewers))
  label('Due', `${c.due_at}${c.auto_close ? ' (closes itself then)' : ''}`)
  label('On close', c.close_action === 'revoke' ? 'undecided items are revoked' : 'undecided items are left as they are')
  label('Revoke reason', c.require_revoke_reason ? 'required' : 'optional')
  label('Suggestions', `revoke for people not signed in for ${c.inactive_days} days, or suspended`)
  if (c.progress !== null) label('Items', countsText(c.progress))
  const orders = Object.entries(c.progress?.revocations ?? {})
  if (orders.length > 0) label('Revocations', orders.map(([state, n]) => `${n} ${state}`).join(', '))
  if (c.staged_at !== null) label('Staged', c.staged_at)
  if (c.started_at !== null) label('Started', c.started_at)
  if (c.closed_at !== null) label('Closed', `${c.closed_at}${c.closed_by === null ? '' : ` by ${c.closed_by}`}`)
  for (const w of c.warnings) label('Warning', w)
  if (progress !== undefined && progress.reviewers.length > 0) {
    lines.push('  Reviewers progress')
    const head = ['REVIEWER', 'ASSIGNED', 'DECIDED', 'REMAINING']
    const rows = [head, ...progress.reviewers.map((r) => [cell(personName(r.reviewer, r.user_id), 80), String(r.assigned), String(r.decided), String(r.remaining)])]
    const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
    for (const r of rows) lines.push(`    ${r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ')}`)
  }
  return `${lines.join('\n')}\n`
}

// ---- files ----------------------------------------------------------------------------------

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** A path as a shell reads it back: as is when plain, else single-quoted. */
export function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`
}

function fsWhy(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such directory'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  if (code === 'ENOTDIR') return 'a part of the path is not a directory'
  return e instanceof Error ? e.message : String(e)
}

/**
 * Checks `--out` before anything is downloaded (an export is recorded in the audit log, so a
 * download that cannot be kept should not happen): its directory exists, and the file does not
 * unless `force`.
 */
export function checkOut(path: string, force: boolean): void {
  if (path.trim() === '') throw new WardenError('BAD_INPUT', '--out must name a file')
  let dir: ReturnType<typeof statSync>
  try {
    dir = statSync(dirname(path))
  } catch (e) {
    throw new WardenError('BAD_INPUT', `cannot write ${path}: ${fsWhy(e)}`, { cause: e })
  }
  if (!dir.isDirectory()) throw new WardenError('BAD_INPUT', `cannot write ${path}: ${dirname(path)} is not a directory`)
  let existing: ReturnType<typeof statSync> | undefined
  try {
    existing = statSync(path)
  } catch {
    existing = undefined
  }
  if (existing === undefined) return
  if (existing.isDirectory()) throw new WardenError('BAD_INPUT', `cannot write ${path}: it is a directory`)
  if (!force) throw new WardenError('BAD_INPUT', `${path} exists; pass --force to overwrite it`)
}

/**
 * Writes `bytes` to `path` whole or not at all: into a temporary file next to it, then moved into
 * place (renamed over the old file with `force`, else linked, which fails if the file appeared
 * meanwhile). A reader never sees half a file, and a failed write leaves the old one.
 */
export function writeOut(path: string, bytes: Buffer, force: boolean): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.partial`)
  try {
    writeFileSync(tmp, bytes, { flag: 'wx', mode: 0o644 })
    if (force) {
      renameSync(tmp, path)
    } else {
      try {
        linkSync(tmp, path)
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code
        // A filesystem without hard links: create the file exclusively instead (still never over another).
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e
        writeFileSync(path, bytes, { flag: 'wx', mode: 0o644 })
      }
      rmSync(tmp, { force: true })
    }
  } catch (e) {
    rmSync(tmp, { force: true })
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new WardenError('BAD_INPUT', `${path} exists; pass --force to overwrite it`, { cause: e })
    throw new WardenError('BAD_INPUT', `cannot write ${path}: ${fsWhy(e)}`, { cause: e })
  }
}

/** The hash the server vouches for in `header`, checked against the bytes that arrived. */
function checkHash(bytes: Buffer, headers: Headers, header: string, what: string, out: string): string {
  const claimed = headers.get(header)?.trim().toLowerCase()
  if (claimed === undefined || !/^[0-9a-f]{64}$/.test(claimed)) {
    throw new WardenError('SERVER_UNREACHABLE', `the server sent the ${what} without a ${header} header; is it the Warden server? Nothing was written to ${out}`)
  }
  const actual = sha256(bytes)
  if (actual !== claimed) {
    // CONFLICT: done, and the answer is no (as for a bundle that does not verify).
    throw new WardenError('CONFLICT', `the ${what} does not match its ${header} header (received sha256 ${actual}, the server says ${claimed}); nothing was written to ${out}: download it again`)
  }
  return actual
}

/** Records in a CSV (RFC 4180: a line break inside quotes is part of a field), header included. */
export function csvRecords(text: string): number {
  let records = 0
  let quoted = false
  let open = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 34) quoted = !quoted
    else if (ch === 10 && !quoted) {
      records++
      open = false
      continue
    }
    if (ch !== 13) open = true
  }
  return records + (open ? 1 : 0)
}

// ---- the commands ---------------------------------------------------------------------------

interface CommonFlags extends ConnectionFlags {
  json?: boolean
}

interface OutFlags extends CommonFlags {
  out: string
  force?: boolean
}

function stateOption(value: string): string {
  if (!(CAMPAIGN_STATES as readonly string[]).includes(value)) throw new WardenError('BAD_INPUT', `--state must be one of ${CAMPAIGN_STATES.join(', ')}, not "${value}"`)
  return value
}

function outOption(value: string): string {
  if (value.trim() === '') throw new WardenError('BAD_INPUT', '--out must name a file')
  return value
}

function campaignPath(id: string, rest = ''): string {
  return `/campaigns/${encodeURIComponent(id)}${rest}`
}

/** The campaign spec file for `create`: JSON (an object); the server checks the rest. */
export function readSpec(path: string): Record<string, unknown> {
  let text: string
  try {
    if (statSync(path).size > 1024 * 1024) throw new WardenError('BAD_INPUT', `${path} is larger than 1 MiB: that is no campaign spec`)
    text = readFileSync(path, 'utf8')
  } catch (e) {
    if (e instanceof WardenError) throw e
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : fsWhy(e)
    throw new WardenError('BAD_INPUT', `cannot read ${path}: ${why}`, { cause: e })
  }
  let spec: unknown
  try {
    spec = JSON.parse(text)
  } catch (e) {
    throw new WardenError('BAD_INPUT', `${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new WardenError('BAD_INPUT', `${path} must hold one JSON object (the campaign: name, scope, reviewers, due_at, ...)`)
  return spec as Record<string, unknown>
}

function print(c: Campaign, json: boolean | undefined, after = ''): void {
  process.stdout.write(json === true ? `${JSON.stringify(c)}\n` : `${formatCampaign(c)}${after}`)
}

export function registerCampaigns(program: Command): void {
  const campaigns = program
    .command('campaigns')
    .description('access review campaigns: list, show, create, stage, start, close, remind, export, evidence (on a Warden server: --server/$WARDEN_SERVER, --token/$WARDEN_TOKEN)')

  serverCommand(campaigns.command('list').description('campaigns, newest first'))
    .option('--state <state>', `only campaigns in this state: ${CAMPAIGN_STATES.join(', ')}`, stateOption)
    .option('--mine', 'only campaigns you own')
    .option('--limit <n>', 'at most this many', intOption('--limit', 1, 10_000), 50)
    .action(async (flags: CommonFlags & { state?: string; mine?: boolean; limit: number }) => {
      const api = WardenApi.connect(flags)
      const items = await collect<Campaign>(api, '/campaigns', { state: flags.state, mine: flags.mine === true ? true : undefined }, flags.limit)
      await writeList(items, flags.json, CAMPAIGN_COLUMNS, campaignRow, 'No campaigns.')
    })

  serverCommand(campaigns.command('show').description("one campaign: its settings, counts and each reviewer's progress").argument('<campaign id>', 'cmp_...', campaignIdArgument)).action(
    async (id: string, flags: CommonFlags) => {
      const api = WardenApi.connect(flags)
      const campaign = await api.get<Campaign>(campaignPath(id))
      const progress = await api.get<CampaignProgress>(campaignPath(id, '/progress'))
      process.stdout.write(flags.json === true ? `${JSON.stringify({ campaign, progress })}\n` : formatCampaign(campaign, progress))
    },
  )

  serverCommand(campaigns.command('create').description('create a draft campaign from a JSON file (the body of POST /api/v1/campaigns)'))
    .requiredOption('--file <spec.json>', 'the campaign: {"name", "scope", "reviewers", "due_at", ...} (docs/cli-reviews.md)')
    .action(async (flags: CommonFlags & { file: string }) => {
      const spec = readSpec(flags.file)
      const api = WardenApi.connect(flags)
      const c = await api.post<Campaign>('/campaigns', spec)
      print(c, flags.json, `Preview it in the console, then stage it with: warden campaigns stage ${c.id}\n`)
    })

  serverCommand(campaigns.command('stage').description('freeze the access in scope into review items and assign reviewers (a draft)').argument('<campaign id>', 'cmp_...', campaignIdArgument)).action(
    async (id: string, flags: CommonFlags) => {
      const api = WardenApi.connect(flags)
      const c = await api.post<Campaign>(campaignPath(id, '/stage'))
      if (c.warnings.length > 0) {
        // On stderr, even with --json: these are what to read before starting the campaign.
        const lines = [`warden: WARNING: campaign ${c.id} was staged with ${c.warnings.length === 1 ? 'a warning' : `${c.warnings.length} warnings`}; read before you start it:`, ...c.warnings.map((w) => `warden: WARNING: ${cell(w, 500)}`)]
        process.stderr.write(`${lines.join('\n')}\n`)
      }
      print(c, flags.json, `Start it with: warden campaigns start ${c.id}\n`)
    },
  )

  for (const [verb, summary] of [
    ['start', 'start a staged campaign: reviewers get their kickoff email'],
    ['close', 'close an active campaign: undecided items are revoked or left, as the campaign says'],
  ] as const) {
    serverCommand(campaigns.command(verb).description(summary).argument('<campaign id>', 'cmp_...', campaignIdArgument)).action(async (id: string, flags: CommonFlags) => {
      const api = WardenApi.connect(flags)
      print(await api.post<Campaign>(campaignPath(id, `/${verb}`)), flags.json)
    })
  }

  serverCommand(campaigns.command('remind').description('email every reviewer who has undecided items now').argument('<campaign id>', 'cmp_...', campaignIdArgument)).action(
    async (id: string, flags: CommonFlags) => {
      const api = WardenApi.connect(flags)
      const r = await api.post<{ reminded: number }>(campaignPath(id, '/remind'))
      process.stdout.write(flags.json === true ? `${JSON.stringify(r)}\n` : `reminded ${r.reminded === 1 ? '1 reviewer' : `${r.reminded} reviewers`}\n`)
    },
  )

  serverCommand(campaigns.command('export').description('the items and decisions as CSV, checked against the SHA-256 the server sends').argument('<campaign id>', 'cmp_...', campaignIdArgument))
    .requiredOption('--out <file>', 'where to write the CSV', outOption)
    .option('--force', 'overwrite --out if it exists')
    .action(async (id: string, flags: OutFlags) => {
      const api = WardenApi.connect(flags)
      checkOut(flags.out, flags.force === true)
      const { bytes, headers } = await api.download(campaignPath(id, '/export.csv'))
      const hash = checkHash(bytes, headers, 'x-content-sha256', 'export', flags.out)
      writeOut(flags.out, bytes, flags.force === true)
      // Rows of items, not counting the header.
      const rows = Math.max(0, csvRecords(bytes.toString('utf8')) - 1)
      process.stdout.write(flags.json === true ? `${JSON.stringify({ file: flags.out, rows, bytes: bytes.length, sha256: hash })}\n` : `wrote ${flags.out} (${rows} rows, sha256 ${hash})\n`)
    })

  serverCommand(
    campaigns
      .command('evidence')
      .description('the evidence bundle (.tar.gz: campaign, items, comments, audit trail and their manifest) for auditors')
      .argument('<campaign id>', 'cmp_...', campaignIdArgument),
  )
    .requiredOption('--out <file.tar.gz>', 'where to write the bundle', outOption)
    .option('--force', 'overwrite --out if it exists')
    .action(async (id: string, flags: OutFlags) => {
      const api = WardenApi.connect(flags)
      checkOut(flags.out, flags.force === true)
      const { bytes, headers } = await api.download(campaignPath(id, '/evidence'))
      const hash = checkHash(bytes, headers, 'x-content-sha256', 'evidence bundle', flags.out)
      const manifest = headers.get('x-manifest-sha256')?.trim().toLowerCase()
      if (manifest === undefined || !/^[0-9a-f]{64}$/.test(manifest)) {
        throw new WardenError('SERVER_UNREACHABLE', `the server sent the evidence bundle without an X-Manifest-SHA256 header; is it the Warden server? Nothing was written to ${flags.out}`)
      }
      writeOut(flags.out, bytes, flags.force === true)
      const out = new Output()
      if (flags.json === true) {
        out.write(`${JSON.stringify({ file: flags.out, bytes: bytes.length, sha256: hash, manifest_sha256: manifest })}\n`)
      } else {
        out.write(`wrote ${flags.out} (${bytes.length} bytes, manifest sha256 ${manifest})\n`)
        out.write(`verify it any time with: warden evidence verify --file ${shellWord(flags.out)}\n`)
      }
      await out.end()
    })
}
