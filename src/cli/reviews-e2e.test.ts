/**
 * `warden reviews` and `warden campaigns` end to end: the real `warden` binary as a child process,
 * talking over real HTTP to a Warden server (buildServer + listen) on a real database, whose
 * worker syncs from the OneLogin emulator and carries out the revokes reviewers decide.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { describeDialects, waitFor } from '../../test/dialects.js'
import { OneLoginApi } from '../connector/test-support.js'
import { generateTenant, startEmulator } from '../emulator/index.js'
import type { RunningEmulator } from '../emulator/index.js'
import { WardenError } from '../errors/index.js'
import { ephemeralIntegrationEnv, integrationJobs, jitJobs } from '../governance/index.js'
import type { IntegrationEnv } from '../governance/index.js'
import { TEST_CLIENT_OPTIONS, emulatorIntegration, oneLoginRolesOf, syncNow } from '../governance/jit-test-support.js'
import { Worker } from '../jobs/index.js'
import { memoryLogger } from '../jobs/test-support.js'
import { buildServer } from '../server/index.js'
import type { App } from '../server/test-support.js'
import { createApiToken, createUser } from '../store/index.js'
import type { User } from '../store/index.js'
import { csvRecords, shellWord } from './commands/campaigns.js'
import type { Campaign, CampaignProgress } from './commands/campaigns.js'
import { decisionOf, holderOf, parseItems } from './commands/reviews.js'
import type { DecisionPlan, ReviewItem } from './commands/reviews.js'
import { runWarden } from './test-support.js'
import type { WardenRun } from './test-support.js'

/**
 * Each test runs the binary some twenty times (about 1.5 s each, mostly tsx starting up), plus a
 * sync and the worker's revokes: more than the default minute on a busy two-core machine.
 */
const E2E_TIMEOUT_MS = 240_000

interface Caller {
  user: User
  token: string
}

const DAY_MS = 24 * 60 * 60 * 1000
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')
/** A string as a literal in a RegExp. */
const re = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('<items>', () => {
  it.each([
    ['3', [3]],
    ['3,5,7-9', [3, 5, 7, 8, 9]],
    [' 9, 3 ,3-4 ', [3, 4, 9]],
    ['4-4', [4]],
    ['1-1000', Array.from({ length: 1000 }, (_, i) => i + 1)],
    ['1-600,400-1000', Array.from({ length: 1000 }, (_, i) => i + 1)],
  ])('%s', (text, nos) => {
    expect(parseItems(text)).toEqual(nos)
  })

  it.each([
    ['', /it is empty$/],
    ['0', /item numbers start at 1$/],
    ['3,0-2', /item numbers start at 1$/],
    ['5-3', /the range "5-3" goes down \(write 3-5\)$/],
    ['3,,5', /a part between commas is empty$/],
    ['3,', /a part between commas is empty$/],
    ['-3', /"-3" is not a number or a range/],
    ['3.5', /"3\.5" is not a number or a range/],
    ['3-5-7', /"3-5-7" is not a number or a range/],
    ['a', /"a" is not a number or a range/],
    ['1-1001', /at most 1000 items at a time$/],
    ['1-999999999999', /at most 1000 items at a time$/],
    ['1-600,601-1001', /at most 1000 items at a time$/],
    ['99999999999999999999', /is too large$/],
  ])('refuses "%s"', (text, why) => {
    let error: unknown
    try {
      parseItems(text)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(WardenError)
    expect(error).toMatchObject({ code: 'BAD_INPUT', exitCode: 2 })
    expect((error as Error).message).toMatch(new RegExp(`^<items> must be item numbers and ranges like 3,5,7-9, not "${re(text)}": `))
    expect((error as Error).message).toMatch(why)
  })

  it('names holders and decisions for people', () => {
    expect(holderOf({ principal_name: 'cian.becker', principal_email: 'cian.becker@x.example', principal_id: 'user:1' })).toBe('cian.becker@x.example')
    expect(holderOf({ principal_name: 'Cian Becker', principal_email: 'cian@x.example', principal_id: 'user:1' })).toBe('Cian Becker <cian@x.example>')
    expect(holderOf({ principal_name: 'cian', principal_email: null, principal_id: 'user:1' })).toBe('cian')
    expect(holderOf({ principal_name: '', principal_email: null, principal_id: 'user:1' })).toBe('user:1')
    expect(decisionOf({ decision: null, revoke_state: null, close_outcome: null })).toBe('undecided')
    expect(decisionOf({ decision: null, revoke_state: null, close_outcome: 'left' })).toBe('left')
    expect(decisionOf({ decision: 'certify', revoke_state: null, close_outcome: null })).toBe('certify')
    expect(decisionOf({ decision: 'revoke', revoke_state: 'failed', close_outcome: 'revoked' })).toBe('revoke (failed)')
  })

  it('counts CSV records with line breaks inside quotes, and quotes paths for the shell', () => {
    expect(csvRecords('a,b\n1,"x\ny"\n2,z\n')).toBe(3)
    expect(csvRecords('a,b\r\n1,2')).toBe(2)
    expect(csvRecords('')).toBe(0)
    expect(shellWord('/tmp/e.tar.gz')).toBe('/tmp/e.tar.gz')
    expect(shellWord("/tmp/my file's.tar.gz")).toBe(`'/tmp/my file'\\''s.tar.gz'`)
  })
})

describeDialects('warden reviews / campaigns against a server', (t) => {
  let emu: RunningEmulator
  let env: IntegrationEnv
  let app: App
  let url: string
  let worker: Worker
  let oneLogin: OneLoginApi
  let admin: Caller
  let reviewer: Caller
  let campaign: Campaign
  let dir: string

  async function caller(email: string, name: string, roles: string[] = []): Promise<Caller> {
    const user = await createUser(t.store.db, { email, display_name: name, roles })
    const { token } = await createApiToken(t.store.db, { userId: user.id, name: 'cli' })
    return { user, token }
  }

  /** `warden ...` as this caller (server and token from the environment, as a shell would set them). */
  function warden(who: Caller, ...args: string[]): Promise<WardenRun> {
    return runWarden(args, { env: { ...process.env, WARDEN_SERVER: url, WARDEN_TOKEN: who.token } })
  }

  async function call(who: Caller, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  }

  async function api<T>(who: Caller, method: string, path: string, body?: unknown): Promise<T> {
    const res = await call(who, method, path, body)
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`)
    return JSON.parse(text) as T
  }

  /** The campaign's items as the API has them (every one, for its administrator). */
  async function items(query = ''): Promise<ReviewItem[]> {
    return (await api<{ items: ReviewItem[] }>(admin, 'GET', `/campaigns/${campaign.id}/items?limit=500${query}`)).items
  }

  async function revokeOrders(): Promise<number> {
    const row = await t.store.db
      .selectFrom('provisioning_orders')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('kind', '=', 'revoke')
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** The one error line a failed run prints, and nothing on stdout. */
  function expectOneErrorLine(run: WardenRun, code: number, line: RegExp | string): void {
    expect(run.stdout).toBe('')
    expect(run.code).toBe(code)
    expect(run.stderr.endsWith('\n')).toBe(true)
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
    if (typeof line === 'string') expect(run.stderr).toBe(`${line}\n`)
    else expect(run.stderr.trimEnd()).toMatch(line)
  }

  beforeEach(async () => {
    const seed = generateTenant({ users: 12, roles: 4, apps: 2, groups: 1, seed: 8 })
    emu = await startEmulator({ tenant: seed })
    oneLogin = new OneLoginApi(emu)
    env = ephemeralIntegrationEnv({ allowOneLoginUrl: true })
    dir = mkdtempSync(join(tmpdir(), 'warden-reviews-e2e-'))
    const integration = await emulatorIntegration(t.store, emu, env)
    worker = new Worker(t.store, {
      handlers: {
        ...integrationJobs(env, { clientOptions: { sleep: async () => undefined, retry: { maxAttempts: 1 } } }).handlers,
        ...jitJobs(env, { clientOptions: TEST_CLIENT_OPTIONS }).handlers,
      },
      pollIntervalMs: 20,
      backoff: { baseMs: 10, maxMs: 20, jitter: 0 },
      logger: memoryLogger().logger,
    })
    worker.start()
    await syncNow(t.store, integration.id)

    const tag = Math.random().toString(36).slice(2, 8)
    admin = await caller(`admin-${tag}@example.com`, 'Cam Admin', ['campaign-admin'])
    reviewer = await caller(`reviewer-${tag}@example.com`, 'Rae Reviewer')

    app = await buildServer({ store: t.store, integrations: env, webRoot: false })
    await app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

    const draft = await api<Campaign>(admin, 'POST', '/campaigns', {
      name: 'Q4 role review',
      scope: { resource_types: ['role'] },
      reviewers: { type: 'users', user_ids: [reviewer.user.id] },
      due_at: new Date(Date.now() + 14 * DAY_MS).toISOString(),
    })
    await api<Campaign>(admin, 'POST', `/campaigns/${draft.id}/stage`)
    campaign = await api<Campaign>(admin, 'POST', `/campaigns/${draft.id}/start`)
    expect(campaign.state).toBe('active')
  })

  afterEach(async () => {
    await worker.stop({ timeoutMs: 2000 })
    await app.close()
    await emu.close()
    rmSync(env.dataDir, { recursive: true, force: true })
    rmSync(dir, { recursive: true, force: true })
  })

  it('reviews list, certify, revoke (refused without --yes, then done in OneLogin), reassign; campaigns list, show, remind, close, export, evidence', async () => {
    const inbox = (await api<{ items: ReviewItem[] }>(reviewer, 'GET', `/reviews?campaign_id=${campaign.id}&limit=500`)).items
    expect(inbox.length).toBe(campaign.items_total)
    expect(inbox.length).toBeGreaterThan(8)

    // The inbox, for people and for programs.
    const table = await warden(reviewer, 'reviews', 'list')
    expect(table.stderr).toBe('')
    expect(table.code).toBe(0)
    const [header, ...rows] = table.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^CAMPAIGN\s+ITEM\s+HOLDER\s+ENTITLEMENT\s+TYPE\s+VIA\s+LAST LOGIN\s+SUGGESTION\s+DECISION$/)
    expect(rows).toHaveLength(inbox.length)
    rows.forEach((row, n) => {
      const i = inbox[n]!
      expect(row).toMatch(new RegExp(`^${campaign.id}\\s+${i.item_no}\\s+(.* <)?${re(i.principal_email ?? '')}>?\\s+${re(i.entitlement_name)}\\s+role\\s+direct\\s+(\\d{4}-\\d\\d-\\d\\d|never)\\s+(-|revoke \\((suspended|inactive)\\))\\s+undecided$`))
    })
    const listed = await warden(reviewer, 'reviews', 'list', '--campaign', campaign.id, '--json')
    expect(listed.code).toBe(0)
    expect((JSON.parse(listed.stdout) as ReviewItem[]).map((i) => i.item_no)).toEqual(inbox.map((i) => i.item_no))
    const cut = await warden(reviewer, 'reviews', 'list', '--limit', '2', '--json')
    expect((JSON.parse(cut.stdout) as ReviewItem[]).map((i) => i.item_no)).toEqual(inbox.slice(0, 2).map((i) => i.item_no))
    expect(cut.stderr).toBe('warden: showing the first 2 items; narrow the list (--campaign, --type, --q) or raise --limit\n')

    // Role memberships of OneLogin users, each of which OneLogin shows now.
    const members = inbox.filter((i) => i.entitlement_id.endsWith(':member') && i.principal_id.startsWith('user:'))
    expect(members.length).toBeGreaterThanOrEqual(5)
    const oneLoginIds = (i: ReviewItem) => ({ user: Number(i.principal_id.split(':')[1]), role: Number(i.entitlement_id.split(':')[1]) })
    const [kept, a, b, c, moved] = members as [ReviewItem, ReviewItem, ReviewItem, ReviewItem, ReviewItem]
    for (const i of [a, b, c]) expect(await oneLoginRolesOf(oneLogin, oneLoginIds(i).user)).toContain(oneLoginIds(i).role)

    // Certify one.
    const certified = await warden(reviewer, 'reviews', 'certify', campaign.id, String(kept.item_no), '--reason', 'still on the team')
    expect(certified.stderr).toBe('')
    expect(certified.code).toBe(0)
    const certifiedLines = certified.stdout.trimEnd().split('\n')
    expect(certifiedLines[0]).toMatch(/^ITEM\s+HOLDER\s+ENTITLEMENT\s+DECISION\s+REASON\s+REVIEWERS$/)
    expect(certifiedLines[1]).toMatch(new RegExp(`^${kept.item_no}\\s+.*\\s+certify\\s+still on the team\\s+Rae Reviewer <reviewer-`))
    expect(certifiedLines.at(-1)).toBe(`certified 1 item of campaign ${campaign.id}`)
    expect((await items()).find((i) => i.item_no === kept.item_no)).toMatchObject({ decision: 'certify', reason: 'still on the team', decided_by: { id: reviewer.user.id } })

    // Revoking three grants asks for --yes, and changes nothing until then.
    const three = [a, b, c].map((i) => i.item_no).join(',')
    const unconfirmed = await warden(reviewer, 'reviews', 'revoke', campaign.id, three, '--reason', 'left the team')
    expectOneErrorLine(unconfirmed, 1, 'warden: this revokes 3 grants in OneLogin; run again with --yes to confirm')
    expect((await items()).filter((i) => [a, b, c].some((x) => x.item_no === i.item_no)).map((i) => i.decision)).toEqual([null, null, null])
    expect(await revokeOrders()).toBe(0)

    const confirmed = await warden(reviewer, 'reviews', 'revoke', campaign.id, three, '--reason', 'left the team', '--yes', '--json')
    expect(confirmed.stderr).toBe('')
    expect(confirmed.code).toBe(0)
    const revoked = JSON.parse(confirmed.stdout) as { plan: DecisionPlan; items: ReviewItem[] }
    expect(revoked.plan).toEqual({ items: 3, changes: 3, revocations: 3, final: [] })
    expect(revoked.items.map((i) => [i.item_no, i.decision, i.reason])).toEqual([a, b, c].map((i) => [i.item_no, 'revoke', 'left the team']))
    expect(await revokeOrders()).toBe(3)

    // The worker carries the revokes out in OneLogin.
    await waitFor(async () => (await items('&decision=revoke')).every((i) => i.revoke_state === 'done'), 30_000, 'three revokes done')
    for (const i of [a, b, c]) expect(await oneLoginRolesOf(oneLogin, oneLoginIds(i).user)).not.toContain(oneLoginIds(i).role)
    const decided = await warden(reviewer, 'reviews', 'list', '--decision', 'revoke')
    expect(decided.code).toBe(0)
    expect(decided.stdout.trimEnd().split('\n').slice(1).map((r) => /revoke \(done\)$/.test(r))).toEqual([true, true, true])

    // Reassign one to the campaign's administrator, by email.
    const handed = await warden(reviewer, 'reviews', 'reassign', campaign.id, String(moved.item_no), '--to', admin.user.email, '--reason', 'knows the team')
    expect(handed.stderr).toBe('')
    expect(handed.code).toBe(0)
    expect(handed.stdout.trimEnd().split('\n').at(-1)).toBe(`reassigned 1 item of campaign ${campaign.id} to Cam Admin <${admin.user.email}>`)
    expect((await items()).find((i) => i.item_no === moved.item_no)?.reviewers.map((r) => r.id)).toEqual([admin.user.id])
    const after = (await api<{ items: ReviewItem[] }>(reviewer, 'GET', `/reviews?campaign_id=${campaign.id}&limit=500`)).items
    expect(after.map((i) => i.item_no)).toEqual(inbox.filter((i) => i !== moved).map((i) => i.item_no))
    // Left to decide: neither the decided items nor the one handed on.
    const left = await warden(reviewer, 'reviews', 'list', '--json')
    expect((JSON.parse(left.stdout) as ReviewItem[]).map((i) => i.item_no)).toEqual(inbox.filter((i) => ![kept, a, b, c, moved].includes(i)).map((i) => i.item_no))

    // Campaigns, for their administrator.
    const total = campaign.items_total
    const percent = `${Math.floor((4 * 100) / total)}%`
    const list = await warden(admin, 'campaigns', 'list')
    expect(list.code).toBe(0)
    const [listHeader, listRow] = list.stdout.trimEnd().split('\n')
    expect(listHeader).toMatch(/^ID\s+NAME\s+STATE\s+DUE\s+ITEMS\s+DECIDED %\s+OWNER$/)
    expect(listRow).toMatch(new RegExp(`^${campaign.id}\\s+Q4 role review\\s+active\\s+\\S+\\s+${total}\\s+${percent}\\s+Cam Admin <admin-`))
    const listJson = await warden(admin, 'campaigns', 'list', '--state', 'active', '--mine', '--json')
    expect((JSON.parse(listJson.stdout) as Campaign[]).map((x) => x.id)).toEqual([campaign.id])
    expect(JSON.parse((await warden(admin, 'campaigns', 'list', '--state', 'closed', '--json')).stdout)).toEqual([])

    const shown = await warden(admin, 'campaigns', 'show', campaign.id)
    expect(shown.stderr).toBe('')
    expect(shown.code).toBe(0)
    expect(shown.stdout.split('\n')[0]).toBe(`${campaign.id}  Q4 role review  active`)
    expect(shown.stdout).toContain(`  Items         ${total}: 1 certified, 3 revoked, ${total - 4} undecided (${percent} decided)\n`)
    expect(shown.stdout).toContain('  Revocations   3 done\n')
    expect(shown.stdout).toContain(`  Reviewers     named users: ${reviewer.user.id}\n`)
    expect(shown.stdout).toMatch(/ {2}Reviewers progress\n {4}REVIEWER\s+ASSIGNED\s+DECIDED\s+REMAINING\n/)
    expect(shown.stdout).toMatch(new RegExp(`\\n {4}Rae Reviewer <reviewer-\\S+>\\s+${total - 1}\\s+4\\s+${total - 5}\\n`))
    expect(shown.stdout).toMatch(new RegExp(`\\n {4}Cam Admin <admin-\\S+>\\s+1\\s+0\\s+1\\n`))
    const shownJson = JSON.parse((await warden(admin, 'campaigns', 'show', campaign.id, '--json')).stdout) as { campaign: Campaign; progress: CampaignProgress }
    expect(shownJson.campaign).toMatchObject({ id: campaign.id, progress: { certified: 1, revoked: 3 } })
    expect(shownJson.progress).toEqual(await api<CampaignProgress>(admin, 'GET', `/campaigns/${campaign.id}/progress`))
    // A reviewer reviews; campaigns are not theirs to read.
    expectOneErrorLine(await warden(reviewer, 'campaigns', 'list'), 1, /^warden: your Warden roles do not allow this/)

    expect(await warden(admin, 'campaigns', 'remind', campaign.id)).toMatchObject({ code: 0, stdout: 'reminded 2 reviewers\n', stderr: '' })

    const closed = await warden(admin, 'campaigns', 'close', campaign.id)
    expect(closed.code).toBe(0)
    expect(closed.stdout.split('\n')[0]).toBe(`${campaign.id}  Q4 role review  closed`)
    expect((await api<Campaign>(admin, 'GET', `/campaigns/${campaign.id}`)).state).toBe('closed')

    // The CSV export: the file's hash is the one the server vouches for.
    const csvPath = join(dir, 'items.csv')
    const exported = await warden(admin, 'campaigns', 'export', campaign.id, '--out', csvPath)
    expect(exported.stderr).toBe('')
    expect(exported.code).toBe(0)
    const csv = readFileSync(csvPath)
    expect(exported.stdout).toBe(`wrote ${csvPath} (${total} rows, sha256 ${sha256(csv)})\n`)
    const again = await call(admin, 'GET', `/campaigns/${campaign.id}/export.csv`)
    const againBytes = Buffer.from(await again.arrayBuffer())
    expect(again.headers.get('x-content-sha256')).toBe(sha256(csv))
    expect(againBytes.equals(csv)).toBe(true)
    const lines = csv.toString('utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(total + 1)
    // An existing file is kept unless --force.
    writeFileSync(csvPath, 'mine\n')
    expectOneErrorLine(await warden(admin, 'campaigns', 'export', campaign.id, '--out', csvPath), 2, `warden: ${csvPath} exists; pass --force to overwrite it`)
    expect(readFileSync(csvPath, 'utf8')).toBe('mine\n')
    const forced = await warden(admin, 'campaigns', 'export', campaign.id, '--out', csvPath, '--force', '--json')
    expect(JSON.parse(forced.stdout)).toEqual({ file: csvPath, rows: total, bytes: csv.length, sha256: sha256(csv) })
    expect(readFileSync(csvPath).equals(csv)).toBe(true)

    // The evidence bundle, re-verified offline and by the server.
    const bundlePath = join(dir, 'evidence.tar.gz')
    const evidence = await warden(admin, 'campaigns', 'evidence', campaign.id, '--out', bundlePath)
    expect(evidence.stderr).toBe('')
    expect(evidence.code).toBe(0)
    const [wrote, hint] = evidence.stdout.trimEnd().split('\n')
    const bundle = readFileSync(bundlePath)
    const manifest = /^wrote (.+) \((\d+) bytes, manifest sha256 ([0-9a-f]{64})\)$/.exec(wrote ?? '')
    expect(manifest?.slice(1, 3)).toEqual([bundlePath, String(bundle.length)])
    expect(hint).toBe(`verify it any time with: warden evidence verify --file ${bundlePath}`)
    const verified = await runWarden(['evidence', 'verify', '--file', bundlePath])
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    expect(verified.stdout).toContain(`(manifest sha256 ${manifest?.[3]})`)
    const res = await fetch(`${url}/api/v1/evidence/verify`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/gzip' }, body: bundle })
    expect(await res.json()).toMatchObject({ ok: true, manifest_sha256: manifest?.[3], recorded: { campaign_id: campaign.id, actor: admin.user.id } })
  }, E2E_TIMEOUT_MS)

  it('bad usage is exit 2 with one line and changes nothing; a single revoke needs no --yes; stage warnings go to stderr; create --file', async () => {
    const [first, second] = (await api<{ items: ReviewItem[] }>(reviewer, 'GET', `/reviews?campaign_id=${campaign.id}&limit=500`)).items as [ReviewItem, ReviewItem]

    const itemsError = /^warden: <items> must be item numbers and ranges like 3,5,7-9, not /
    expectOneErrorLine(await warden(reviewer, 'reviews', 'certify', campaign.id, '0'), 2, /^warden: <items> must be item numbers and ranges like 3,5,7-9, not "0": item numbers start at 1$/)
    expectOneErrorLine(await warden(reviewer, 'reviews', 'revoke', campaign.id, '5-3', '--reason', 'x', '--yes'), 2, /^warden: .*not "5-3": the range "5-3" goes down \(write 3-5\)$/)
    expectOneErrorLine(await warden(reviewer, 'reviews', 'certify', campaign.id, '1-1001'), 2, itemsError)
    expectOneErrorLine(await warden(reviewer, 'reviews', 'revoke', campaign.id, String(first.item_no)), 2, /required option '--reason <text>' not specified/)
    expectOneErrorLine(await warden(reviewer, 'reviews', 'revoke', campaign.id, String(first.item_no), '--reason', '  '), 2, 'warden: --reason must not be empty: say why')
    expectOneErrorLine(await warden(reviewer, 'reviews', 'certify', 'cmp_nope', '1'), 2, 'warden: the campaign id must be "cmp_" and 26 lower-case letters and digits, not "cmp_nope"')
    expectOneErrorLine(await warden(reviewer, 'reviews', 'reassign', campaign.id, '1', '--to', 'someone'), 2, 'warden: --to must be a Warden user id (usr_...) or an email, not "someone"')
    expectOneErrorLine(await warden(reviewer, 'reviews', 'list', '--decision', 'maybe'), 2, 'warden: --decision must be one of undecided, decided, certify, revoke, not "maybe"')
    expectOneErrorLine(await warden(admin, 'campaigns', 'list', '--state', 'open'), 2, 'warden: --state must be one of draft, staged, active, closed, not "open"')
    expectOneErrorLine(await warden(admin, 'campaigns', 'export', campaign.id, '--out', join(dir, 'no', 'such', 'items.csv')), 2, `warden: cannot write ${join(dir, 'no', 'such', 'items.csv')}: no such directory`)
    const noToken: NodeJS.ProcessEnv = { ...process.env, WARDEN_SERVER: url }
    delete noToken['WARDEN_TOKEN']
    expectOneErrorLine(await runWarden(['reviews', 'list'], { env: noToken }), 2, 'warden: no API token: pass --token or set WARDEN_TOKEN (make one in Warden under Account > API tokens)')
    expectOneErrorLine(await runWarden(['campaigns', 'list'], { env: noToken }), 2, /^warden: no API token/)
    // Bad input the server finds is 2 as well; refusals are 1.
    expectOneErrorLine(await warden(reviewer, 'reviews', 'certify', campaign.id, '9999'), 1, `warden: campaign ${campaign.id} has no item(s) 9999`)
    expectOneErrorLine(await warden(admin, 'campaigns', 'export', campaign.id, '--out', join(dir, 'x.csv'), '--token', 'wdn_not-a-token'), 1, /^warden: the server refused the API token/)

    // Nothing changed, and no export was made (an export is recorded in the audit log).
    expect((await items()).every((i) => i.decision === null)).toBe(true)
    expect(await revokeOrders()).toBe(0)
    expect(await t.store.db.selectFrom('audit_log').select('id').where('action', '=', 'campaign.export').execute()).toEqual([])

    // One grant: no confirmation needed. Then a revoke naming a revoked item is the server's refusal.
    const one = await warden(reviewer, 'reviews', 'revoke', campaign.id, String(first.item_no), '--reason', 'gone')
    expect(one.stderr).toBe('')
    expect(one.code).toBe(0)
    expect(one.stdout.trimEnd().split('\n').at(-1)).toBe(
      `revoked 1 item of campaign ${campaign.id}: 1 revoke ordered in OneLogin; follow it with: warden reviews list --campaign ${campaign.id} --decision revoke`,
    )
    expect(await revokeOrders()).toBe(1)
    const final = await warden(reviewer, 'reviews', 'revoke', campaign.id, `${first.item_no},${second.item_no}`, '--reason', 'gone')
    expectOneErrorLine(final, 1, `warden: item(s) ${first.item_no} are already revoked: a revoke is final`)
    expect(await revokeOrders()).toBe(1)

    // create --file: JSON is checked here, the rest by the server.
    const specPath = join(dir, 'spec.json')
    writeFileSync(specPath, '{"name": "Privileges",')
    expectOneErrorLine(await warden(admin, 'campaigns', 'create', '--file', specPath), 2, new RegExp(`^warden: ${re(specPath)} is not JSON: `))
    writeFileSync(specPath, '[]')
    expectOneErrorLine(await warden(admin, 'campaigns', 'create', '--file', specPath), 2, /must hold one JSON object/)
    const spec = { name: 'Privileges', scope: {}, reviewers: { type: 'users', user_ids: [reviewer.user.id] }, due_at: new Date(Date.now() + 7 * DAY_MS).toISOString() }
    writeFileSync(specPath, JSON.stringify(spec))
    expectOneErrorLine(await warden(admin, 'campaigns', 'create', '--file', specPath), 2, 'warden: scope: name at least one app, entitlement, resource type or person to review')
    expect(JSON.parse((await warden(admin, 'campaigns', 'list', '--json')).stdout)).toHaveLength(1)

    // The tenant has no privileges: staging warns that there is nothing to review, on stderr.
    writeFileSync(specPath, JSON.stringify({ ...spec, scope: { resource_types: ['privilege'] } }))
    const created = await warden(admin, 'campaigns', 'create', '--file', specPath, '--json')
    expect(created.code).toBe(0)
    const draft = JSON.parse(created.stdout) as Campaign
    expect(draft).toMatchObject({ name: 'Privileges', state: 'draft', scope: { resource_types: ['privilege'] } })
    const staged = await warden(admin, 'campaigns', 'stage', draft.id)
    expect(staged.code).toBe(0)
    const warnings = (await api<Campaign>(admin, 'GET', `/campaigns/${draft.id}`)).warnings
    expect(warnings).toContain('the scope and filters select no access: the campaign has nothing to review')
    expect(staged.stderr).toBe(
      [`warden: WARNING: campaign ${draft.id} was staged with ${warnings.length === 1 ? 'a warning' : `${warnings.length} warnings`}; read before you start it:`, ...warnings.map((w) => `warden: WARNING: ${w}`)].join('\n') + '\n',
    )
    expect(staged.stdout).toContain(`  Warning       the scope and filters select no access: the campaign has nothing to review\n`)
    expect(staged.stdout.trimEnd().split('\n').at(-1)).toBe(`Start it with: warden campaigns start ${draft.id}`)
    // Only a draft is staged: the server's conflict is exit 1.
    expectOneErrorLine(await warden(admin, 'campaigns', 'stage', draft.id), 1, /^warden: campaign cmp_\w+ is staged/)
  }, E2E_TIMEOUT_MS)
})
