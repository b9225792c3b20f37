import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import { cell } from '../format.js'
import { intOption } from '../parse.js'
import { WardenApi, collect } from '../server-client.js'
import { formatDuration, personName, serverCommand, writeList } from './request.js'
import type { AccessRequest, Person, SodConflict } from './request.js'

/**
 * `warden tasks list|approve|deny|reassign`: the approvals assigned to you (ConductorOne's
 * `cone task ...`), against a Warden server with a personal API token.
 */

/** An approval task as the API answers it (the fields the CLI reads). */
export interface ApprovalTask {
  id: string
  request: Pick<AccessRequest, 'id' | 'kind' | 'state' | 'integration_id' | 'entitlement_id' | 'entitlement_name' | 'principal_id' | 'reason' | 'duration_minutes' | 'emergency'> & {
    identity_name?: string | null
    identity_email?: string | null
    requester?: Person | null
    requester_id?: string
    conflicts: SodConflict[]
  }
  step_index: number
  state: 'open' | 'approved' | 'denied' | 'reassigned' | 'skipped'
  assignees: Person[]
  due_at: string | null
  decided_by?: string | null
  reason?: string | null
  decided_at?: string | null
  created_at: string
}

/** Who the task's request is for: `Name <email>`, or whichever is known, else the OneLogin user id. */
export function taskFor(t: ApprovalTask): string {
  const { identity_name: name, identity_email: email } = t.request
  if (email !== null && email !== undefined && email !== '') return name !== null && name !== undefined && name !== '' && name !== email ? `${name} <${email}>` : email
  return name ?? t.request.principal_id
}

function flags(t: ApprovalTask): string {
  const out: string[] = []
  if (t.request.emergency) out.push('emergency')
  if (t.request.conflicts.length > 0) out.push('SoD')
  return out.length === 0 ? '-' : out.join(',')
}

export const TASK_COLUMNS = ['ID', 'STATE', 'KIND', 'ENTITLEMENT', 'FOR', 'REQUESTED BY', 'DURATION', 'FLAGS', 'DUE', 'REASON']

export function taskRow(t: ApprovalTask): string[] {
  const r = t.request
  return [
    t.id,
    t.state,
    r.kind,
    r.entitlement_name || r.entitlement_id,
    taskFor(t),
    personName(r.requester, r.requester_id ?? '-'),
    r.kind === 'revoke' ? '-' : r.duration_minutes === null ? 'permanent' : formatDuration(r.duration_minutes),
    flags(t),
    t.due_at ?? '-',
    r.reason,
  ]
}

/** One task for people, after a decision. */
export function formatTask(t: ApprovalTask): string {
  const r = t.request
  const lines = [`${t.id}  ${t.state}  step ${t.step_index + 1} of request ${r.id} (${r.state})${r.emergency ? '  EMERGENCY' : ''}`]
  const label = (name: string, value: string): void => {
    lines.push(`  ${name.padEnd(12)} ${cell(value, 200)}`)
  }
  label('Entitlement', `${r.entitlement_name} (${r.entitlement_id}) in ${r.integration_id}`)
  label('Kind', r.kind)
  label('For', taskFor(t))
  label('Requested by', personName(r.requester, r.requester_id ?? '-'))
  label('Reason', r.reason === '' ? '-' : r.reason)
  if (r.kind !== 'revoke') label('Duration', r.duration_minutes === null ? 'permanent' : formatDuration(r.duration_minutes))
  for (const c of r.conflicts) label('Conflict', `SoD rule "${c.rule_name}": ${c.requested} conflicts with ${c.held.join(', ')}`)
  label('Assignees', t.assignees.length === 0 ? '-' : t.assignees.map((a) => personName(a)).join(', '))
  if (t.due_at !== null && t.state === 'open') label('Due', t.due_at)
  if (t.decided_by !== null && t.decided_by !== undefined) label('Decided by', `${t.decided_by}${t.reason ? `: ${t.reason}` : ''}`)
  return `${lines.join('\n')}\n`
}

interface ListFlags {
  server?: string
  token?: string
  json?: boolean
  all?: boolean
  state?: 'open' | 'done'
  limit: number
}

interface DecideFlags {
  server?: string
  token?: string
  json?: boolean
  reason?: string
}

function stateOption(value: string): 'open' | 'done' {
  if (value !== 'open' && value !== 'done') throw new WardenError('BAD_INPUT', `--state must be open or done, not "${value}"`)
  return value
}

function reasonOption(value: string): string {
  const reason = value.trim()
  if (reason === '') throw new WardenError('BAD_INPUT', '--reason must not be empty (leave it out instead)')
  return reason
}

const USER_ID = /^usr_[0-9a-hjkmnp-tv-z]{26}$/

/** `--to`: a Warden user id, or an email (looked up when the command runs). */
export function checkAssignee(value: string): { user_id: string } | { email: string } {
  const to = value.trim()
  if (USER_ID.test(to)) return { user_id: to }
  if (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(to)) return { email: to.toLowerCase() }
  throw new WardenError('BAD_INPUT', `--to must be a Warden user id (usr_...) or an email, not "${value}"`)
}

function taskPath(id: string, action: string): string {
  return `/tasks/${encodeURIComponent(id)}/${action}`
}

function print(t: ApprovalTask, json: boolean | undefined): void {
  process.stdout.write(json === true ? `${JSON.stringify(t)}\n` : formatTask(t))
}

export function registerTasks(program: Command): void {
  const tasks = program
    .command('tasks')
    .description('the approvals assigned to you: list, approve, deny, reassign (on a Warden server: --server/$WARDEN_SERVER, --token/$WARDEN_TOKEN)')

  serverCommand(tasks.command('list').description('approval tasks assigned to you (open ones unless --state done)'))
    .option('--all', 'every task you may see, not only yours (Access Request Administrators)')
    .option('--state <state>', 'open (default) or done', stateOption)
    .option('--limit <n>', 'at most this many', intOption('--limit', 1, 10_000), 50)
    .action(async (flags: ListFlags) => {
      const api = WardenApi.connect(flags)
      const items = await collect<ApprovalTask>(api, '/tasks', { all: flags.all === true, state: flags.state ?? 'open' }, flags.limit)
      await writeList(items, flags.json, TASK_COLUMNS, taskRow, flags.all === true ? 'No tasks.' : 'No tasks for you.')
    })

  for (const [action, summary] of [
    ['approve', 'approve a task: its step is done, and the request moves on (or is provisioned)'],
    ['deny', 'deny a task: the request is denied'],
  ] as const) {
    serverCommand(tasks.command(action).description(summary).argument('<task id>', 'tsk_...'))
      .option('--reason <text>', 'why (required where the policy says so)', reasonOption)
      .action(async (id: string, flags: DecideFlags) => {
        const api = WardenApi.connect(flags)
        print(await api.post<ApprovalTask>(taskPath(id, action), flags.reason === undefined ? {} : { reason: flags.reason }), flags.json)
      })
  }

  serverCommand(tasks.command('reassign').description('hand a task to someone else').argument('<task id>', 'tsk_...'))
    .requiredOption('--to <user>', 'a Warden user id (usr_...) or email', checkAssignee)
    .option('--reason <text>', 'why (required where the policy says so)', reasonOption)
    .action(async (id: string, flags: DecideFlags & { to: { user_id: string } | { email: string } }) => {
      const api = WardenApi.connect(flags)
      const body = { ...flags.to, ...(flags.reason === undefined ? {} : { reason: flags.reason }) }
      print(await api.post<ApprovalTask>(taskPath(id, 'reassign'), body), flags.json)
    })
}
