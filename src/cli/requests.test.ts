import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WardenError } from '../errors/index.js'
import { formatDuration, formatRequest, outcomeError, parseDuration, requestFor, requestRow } from './commands/request.js'
import type { AccessRequest } from './commands/request.js'
import { checkAssignee, formatTask, taskRow } from './commands/tasks.js'
import type { ApprovalTask } from './commands/tasks.js'
import { main } from './main.js'
import { WardenApi, serverError, serverUrl } from './server-client.js'

/** `warden request` and `warden tasks`: argument parsing and output, without a server. */

describe('durations', () => {
  it.each([
    ['30m', 30],
    ['2h', 120],
    ['1d', 1440],
    ['1h30m', 90],
    ['90m', 90],
    ['1w2d', 12_960],
    ['1d2h3m', 1563],
    ['365d', 525_600],
  ])('%s is %i minutes', (text, minutes) => {
    expect(parseDuration(text)).toBe(minutes)
  })

  it.each(['', '2', '2 h', ' 2h', '2h ', '2H', '1.5h', '30m1h', '1h1h', '0m', '0h0m', '-1h', '2hours', '2s', 'h', '366d', '1y'])('refuses "%s"', (text) => {
    let error: unknown
    try {
      parseDuration(text, '--duration')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(WardenError)
    expect(error).toMatchObject({ code: 'BAD_INPUT', exitCode: 2 })
    expect((error as Error).message).toMatch(/^--duration must be a duration like 30m, 2h, 1d or 1h30m .*, not "/)
  })

  it('formats minutes back', () => {
    expect([0, 5, 60, 90, 1440, 1563, 12_960].map(formatDuration)).toEqual(['0m', '5m', '1h', '1h30m', '1d', '1d2h3m', '9d'])
  })
})

const ALICE = { id: 'usr_alice', email: 'alice@example.com', display_name: 'Alice Approver' }
const BOB = { id: 'usr_bob', email: 'bob@example.com', display_name: 'bob@example.com' }

function sampleRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 'req_1',
    kind: 'grant',
    state: 'pending',
    integration_id: 'int_1',
    entitlement_id: 'role:42:member',
    entitlement_name: 'Finance member',
    principal_id: 'user:7',
    principal_name: 'ida',
    identity_id: 'idn_1',
    identity: { id: 'idn_1', email: 'ida@example.com', display_name: 'Ida Entity' },
    requester_id: 'usr_ida',
    requester: { id: 'usr_ida', email: 'ida@example.com', display_name: 'Ida Entity' },
    reason: 'quarter close',
    duration_minutes: 120,
    emergency: false,
    policy_id: 'pol_1',
    conflicts: [],
    steps: [
      { index: 0, state: 'approved', approvers: [ALICE], decided_by: 'usr_alice', decided_by_user: ALICE, reason: 'ok', due_at: null },
      { index: 1, state: 'open', approvers: [ALICE, BOB], decided_by: null, decided_by_user: null, reason: null, due_at: '2026-01-02T00:00:00.000Z' },
    ],
    events: [
      { at: '2026-01-01T00:00:00.000Z', actor: 'usr_ida', type: 'created', message: 'Requested Finance member for 2h' },
      { at: '2026-01-01T00:05:00.000Z', actor: 'usr_alice', type: 'step.approved', message: 'Step 1 approved by alice@example.com: ok' },
    ],
    expires_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:05:00.000Z',
    ...overrides,
  }
}

describe('request output', () => {
  it('shows a request with its steps and history', () => {
    expect(formatRequest(sampleRequest())).toBe(
      [
        'req_1  grant  pending',
        '  Entitlement  Finance member (role:42:member) in int_1',
        '  For          Ida Entity <ida@example.com>',
        '  Requested by Ida Entity <ida@example.com>',
        '  Reason       quarter close',
        '  Duration     2h',
        '  Policy       pol_1',
        '  Steps',
        '     1  approved    Alice Approver <alice@example.com>  by Alice Approver <alice@example.com>: ok',
        '     2  open        Alice Approver <alice@example.com>, bob@example.com  due 2026-01-02T00:00:00.000Z',
        '  History',
        '    2026-01-01T00:00:00.000Z  Requested Finance member for 2h',
        '    2026-01-01T00:05:00.000Z  Step 1 approved by alice@example.com: ok',
        '',
      ].join('\n'),
    )
  })

  it('marks emergencies, conflicts and expiry; a revoke has no duration; control characters are neutralised', () => {
    const text = formatRequest(
      sampleRequest({
        kind: 'revoke',
        emergency: true,
        reason: 'done\u001b[31m',
        expires_at: '2026-01-01T02:00:00.000Z',
        conflicts: [{ rule_id: 'sod_1', rule_name: 'Pay vs approve', action: 'extra_approval', requested: 'role:42:member', held: ['role:9:member'] }],
        steps: [],
        events: [],
      }),
    )
    expect(text.split('\n')[0]).toBe('req_1  revoke  pending  EMERGENCY')
    expect(text).toContain('  Reason       done?[31m\n')
    expect(text).toContain('  Expires      2026-01-01T02:00:00.000Z\n')
    expect(text).toContain('  Conflict     SoD rule "Pay vs approve" needs an extra approval: role:42:member conflicts with role:9:member\n')
    expect(text).not.toContain('Duration')
    expect(text).not.toContain('Steps')
  })

  it('has one table row per request', () => {
    expect(requestRow(sampleRequest())).toEqual(['req_1', 'grant', 'pending', 'Finance member', 'Ida Entity <ida@example.com>', '2h', '2026-01-01T00:00:00.000Z'])
    expect(requestRow(sampleRequest({ duration_minutes: null }))[5]).toBe('permanent')
    expect(requestFor(sampleRequest({ identity: null }))).toBe('ida')
    expect(requestFor(sampleRequest({ identity: null, principal_name: null }))).toBe('user:7')
  })

  it('after --wait, only done is success; the rest say what happened', () => {
    expect(outcomeError(sampleRequest({ state: 'done' }))).toBeUndefined()
    const denied = sampleRequest({
      state: 'denied',
      steps: [{ index: 0, state: 'denied', approvers: [ALICE], decided_by: 'usr_alice', decided_by_user: ALICE, reason: 'not this quarter', due_at: null }],
    })
    expect(outcomeError(denied)).toMatchObject({ exitCode: 1, message: 'request req_1 was denied by Alice Approver <alice@example.com>: not this quarter' })
    expect(outcomeError(sampleRequest({ state: 'cancelled' }))?.message).toBe('request req_1 was cancelled')
    expect(outcomeError(sampleRequest({ state: 'failed' }))?.message).toBe('request req_1 was approved but provisioning failed: Step 1 approved by alice@example.com: ok')
    expect(outcomeError(sampleRequest({ state: 'manual' }))?.exitCode).toBe(1)
  })
})

function sampleTask(overrides: Partial<ApprovalTask> = {}): ApprovalTask {
  return {
    id: 'tsk_1',
    request: {
      id: 'req_1',
      kind: 'grant',
      state: 'pending',
      integration_id: 'int_1',
      entitlement_id: 'role:42:member',
      entitlement_name: 'Finance member',
      principal_id: 'user:7',
      identity_name: 'Ida Entity',
      identity_email: 'ida@example.com',
      requester_id: 'usr_ida',
      requester: { id: 'usr_ida', email: 'ida@example.com', display_name: 'Ida Entity' },
      reason: 'quarter close',
      duration_minutes: 90,
      emergency: true,
      conflicts: [{ rule_id: 'sod_1', rule_name: 'Pay vs approve', action: 'extra_approval', requested: 'role:42:member', held: ['role:9:member'] }],
    },
    step_index: 1,
    state: 'open',
    assignees: [ALICE],
    due_at: '2026-01-02T00:00:00.000Z',
    decided_by: null,
    reason: null,
    created_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  }
}

describe('task output and flags', () => {
  it('has one table row per task, with its flags', () => {
    expect(taskRow(sampleTask())).toEqual([
      'tsk_1',
      'open',
      'grant',
      'Finance member',
      'Ida Entity <ida@example.com>',
      'Ida Entity <ida@example.com>',
      '1h30m',
      'emergency,SoD',
      '2026-01-02T00:00:00.000Z',
      'quarter close',
    ])
  })

  it('shows a decided task', () => {
    const text = formatTask(sampleTask({ state: 'approved', decided_by: 'usr_alice', reason: 'fine' }))
    expect(text.split('\n')[0]).toBe('tsk_1  approved  step 2 of request req_1 (pending)  EMERGENCY')
    expect(text).toContain('  Decided by   usr_alice: fine\n')
    expect(text).toContain('  Conflict     SoD rule "Pay vs approve": role:42:member conflicts with role:9:member\n')
    expect(text).not.toContain('Due')
  })

  it('takes a user id or an email for --to', () => {
    expect(checkAssignee('usr_0123456789abcdefghjkmnpqrs')).toEqual({ user_id: 'usr_0123456789abcdefghjkmnpqrs' })
    expect(checkAssignee(' Alice@Example.com ')).toEqual({ email: 'alice@example.com' })
    expect(() => checkAssignee('alice')).toThrow(/^--to must be a Warden user id \(usr_\.\.\.\) or an email, not "alice"$/)
  })
})

describe('connection', () => {
  it('reads the server and token from flags, else the environment', () => {
    expect(WardenApi.connect({ server: 'https://warden.example.com/', token: 'wdn_x' }).server).toBe('https://warden.example.com')
    expect(WardenApi.connect({}, { WARDEN_SERVER: 'http://127.0.0.1:3000/warden/', WARDEN_TOKEN: 'wdn_y' }).server).toBe('http://127.0.0.1:3000/warden')
    expect(() => WardenApi.connect({}, {})).toThrow(/^no Warden server: pass --server/)
    expect(() => WardenApi.connect({ server: 'https://w.example.com' }, {})).toThrow(/^no API token: pass --token or set WARDEN_TOKEN/)
    expect(() => serverUrl('ftp://w.example.com')).toThrow(/must be an http\(s\) URL/)
    expect(() => serverUrl('https://me:pw@w.example.com')).toThrow(/must not carry credentials/)
    expect(() => WardenApi.connect({}, { WARDEN_SERVER: 'nope', WARDEN_TOKEN: 'x' })).toThrow(/^WARDEN_SERVER must be the Warden server's http\(s\) URL/)
  })

  it("keeps the server's error codes, so exit codes follow", () => {
    expect(serverError(400, { error: { code: 'BAD_INPUT', message: 'duration_minutes: at most 480' } })).toMatchObject({ code: 'BAD_INPUT', exitCode: 2, message: 'duration_minutes: at most 480' })
    expect(serverError(404, { error: { code: 'NOT_FOUND', message: 'no request req_x' } })).toMatchObject({ code: 'NOT_FOUND', exitCode: 1 })
    expect(serverError(401, { error: { code: 'UNAUTHENTICATED', message: 'sign in first' } }).message).toBe('the server refused the API token (sign in first): check --token or WARDEN_TOKEN')
    expect(serverError(502, null)).toMatchObject({ code: 'INTERNAL', message: 'HTTP 502' })
  })
})

describe('usage errors exit 2 with one line on stderr', () => {
  let stderr: string
  beforeEach(() => {
    stderr = ''
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk)
      return true
    })
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  const run = (...args: string[]): Promise<number> => main(['node', 'warden', ...args])
  const connection = ['--server', 'http://127.0.0.1:9', '--token', 'wdn_test']

  it.each([
    [['request', 'get', 'role:1:member', '--reason', 'x', '--duration', '2 hours', ...connection], /^warden: --duration must be a duration like 30m/],
    [['request', 'get', 'role:1:member', '--duration', '2h', ...connection], /required option '--reason <text>' not specified/],
    [['request', 'get', 'role:1:member', '--reason', '  ', ...connection], /^warden: --reason must not be empty/],
    [['request', 'get', 'role:1:member', '--reason', 'x', '--wait', '--wait-timeout', '10', ...connection], /^warden: --wait-timeout must be a duration/],
    [['request', 'list', '--state', 'open', ...connection], /^warden: --state must be one of pending, approved/],
    [['request', 'list', '--limit', '0', ...connection], /^warden: --limit must be a whole number from 1 to 10000/],
    [['request', 'extend', 'req_1', '--reason', 'x', ...connection], /required option '--duration <duration>' not specified/],
    [['tasks', 'reassign', 'tsk_1', '--to', 'alice', ...connection], /^warden: --to must be a Warden user id/],
    [['tasks', 'list', '--state', 'all', ...connection], /^warden: --state must be open or done/],
    [['tasks', 'approve', ...connection], /missing required argument 'task id'/],
    [['request', 'show', 'req_1', '--server', 'http://127.0.0.1:9'], /^warden: no API token/],
    [['tasks', 'frobnicate'], /unknown command 'frobnicate'/],
  ])('%j', async (args, message) => {
    const env = { ...process.env }
    delete process.env['WARDEN_TOKEN']
    delete process.env['WARDEN_SERVER']
    try {
      expect(await run(...args)).toBe(2)
    } finally {
      process.env = env
    }
    expect(stderr).toMatch(message)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })

  it('a server that cannot be reached is an operation that failed (exit 1)', async () => {
    expect(await run('request', 'list', ...connection)).toBe(1)
    expect(stderr).toMatch(/^warden: cannot reach the Warden server at http:\/\/127\.0\.0\.1:9: /)
  })
})
