import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, launchBrowser, openTab, screenshot, setUpFirstAdmin, signIn, startWarden } from './harness.js'
import type { Tab, Warden } from './harness.js'

/**
 * Access reviews in the browser, over `warden serve --emulator` (the Acme demo tenant, synced at
 * start). An administrator creates a campaign in the form (every role and app membership,
 * reviewed by one named person, suggestions after 60 days), previews, stages and starts it; the
 * reviewer (a Warden user who is not a OneLogin person) works through the inbox with the keyboard
 * and in bulk (the summary on top says what GET /reviews/summary says, before and after each
 * decision; the reason is required as the campaign asks), filters by suggestion and comments on
 * an item; the administrator closes the campaign, downloads its CSV and evidence bundle, verifies
 * the bundle by uploading it (and a tampered copy), and duplicates the closed campaign into a new
 * draft. A second reviewer reassigns an item to a colleague chosen from the suggestions and
 * revokes a selection that spans two campaigns (Warden removes the roles in OneLogin; no reason
 * needed there); a template is made in the form, disabled and deleted; a draft is deleted; a
 * Campaign Administrator picks a reviewer from the suggestions and edits the draft's name. Every
 * step is checked against the DOM and against the API.
 */

const RITA = { email: 'rita.reviewer@example.com', name: 'Rita Reviewer', password: 'rita reviews access' }
const SAM = { email: 'sam.reviewer@example.com', name: 'Sam Reviewer', password: 'sam reviews access too' }
const dir = mkdtempSync(join(tmpdir(), 'warden-reviews-e2e-'))

interface Item {
  campaign_id: string
  item_no: number
  decision: string | null
  reason: string | null
  revoke_order_id: string | null
  suggestion: string | null
  comment_count: number
}

async function json<T>(page: Page, method: 'GET' | 'POST' | 'PATCH', url: string, data?: unknown): Promise<T> {
  const res = await page.request.fetch(url, { method, ...(data === undefined ? {} : { data }) })
  if (!res.ok()) throw new Error(`${method} ${url}: ${res.status()} ${await res.text()}`)
  return (await res.json()) as T
}

/** Every page of a list endpoint. */
async function all<T>(page: Page, url: string): Promise<T[]> {
  const out: T[] = []
  let cursor: string | null = null
  do {
    const sep = url.includes('?') ? '&' : '?'
    const p: { items: T[]; next_cursor: string | null } = await json(page, 'GET', `${url}${sep}limit=500${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
    out.push(...p.items)
    cursor = p.next_cursor
  } while (cursor !== null)
  return out
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

interface Summary {
  campaign_id: string
  name: string
  due_at: string
  overdue: boolean
  assigned: number
  decided: number
  require_revoke_reason: boolean
  inactive_days: number
}

/** The inbox's summary line of one campaign. */
function summaryLine(page: Page, campaignId: string): Locator {
  return page.getByRole('list', { name: 'Your campaigns' }).locator(`li[data-campaign="${campaignId}"]`)
}

/** The inbox's "N of M decided" for a campaign. */
function countText(page: Page, campaignId: string): Promise<string | null> {
  return summaryLine(page, campaignId).getByTestId('review-count').textContent()
}

/** The inbox's "N items shown" line (what the list below has loaded). */
function shownText(page: Page): Promise<string | null> {
  return page.getByTestId('review-shown').textContent()
}

/**
 * The summary the API gives the signed-in reviewer for a campaign, checked against `expected`;
 * then the inbox's line for it must come to show the same numbers (text and progress bar).
 */
async function expectSummary(page: Page, url: string, campaignId: string, expected: { decided: number; assigned: number }): Promise<Summary> {
  const summary = (await json<{ items: Summary[] }>(page, 'GET', `${url}/api/v1/reviews/summary`)).items.find((s) => s.campaign_id === campaignId)
  expect(summary, `the API's summary of ${campaignId}`).toMatchObject(expected)
  await expect.poll(() => countText(page, campaignId)).toBe(`${summary!.decided.toLocaleString('en-US')} of ${summary!.assigned.toLocaleString('en-US')} decided`)
  const bar = summaryLine(page, campaignId).getByRole('progressbar', { name: `${summary!.name}: decided` })
  expect([await bar.getAttribute('aria-valuenow'), await bar.getAttribute('aria-valuemax')]).toEqual([String(summary!.decided), String(summary!.assigned)])
  return summary!
}

/** "2026-12-31": a date field's value `days` from now (local time, as the page computes it). */
function dateIn(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** Rows of the inbox table (the header row left out). */
function rows(page: Page): Locator {
  return page.locator('tr.review-row')
}

/** Loads every page of the inbox ("Load more" until it is gone). */
async function loadAll(page: Page): Promise<void> {
  for (;;) {
    const more = page.getByRole('button', { name: 'Load more' })
    if ((await more.count()) === 0) return
    const before = await rows(page).count()
    await more.click()
    await expect.poll(() => rows(page).count()).toBeGreaterThan(before)
  }
}

/** Follows a link of the top navigation. */
async function nav(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: label, exact: true }).click()
  await page.getByRole('heading', { level: 1, name: label }).waitFor()
}

/** Waits for the demo integration's first sync (a plain loop: it runs in beforeAll, where expect.poll cannot). */
async function waitForSync(page: Page, warden: Warden): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const status = (await json<{ items: { status: string }[] }>(page, 'GET', `${warden.url}/api/v1/integrations`)).items[0]?.status
    if (status === 'connected') return
    if (Date.now() > deadline) throw new Error(`the demo integration did not sync within a minute (status ${status})`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

describe('web console: access reviews', () => {
  let warden: Warden
  let browser: Browser
  beforeAll(async () => {
    ;[warden, browser] = await Promise.all([startWarden({ emulator: true }), launchBrowser()])
    // The first administrator, and the demo tenant's first sync (the inventory the campaigns review).
    const setup = await openTab(browser)
    await setUpFirstAdmin(setup.page, warden)
    await waitForSync(setup.page, warden)
    await setup.context.close()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await warden?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('creates a campaign in the form, stages and starts it; the reviewer decides by keyboard and in bulk against exact counts; closing gives evidence that verifies; the closed campaign is duplicated', { timeout: 240_000 }, async () => {
    const admin = await openTab(browser)
    await signIn(admin.page, warden)
    const rita = await json<{ id: string }>(admin.page, 'POST', `${warden.url}/api/v1/users`, { email: RITA.email, display_name: RITA.name, password: RITA.password })

    // --- the new-campaign form: a refusal shows next to its field, then a good campaign ---
    const a = admin.page
    await a.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Access reviews' }).click()
    await a.getByRole('heading', { name: 'Access reviews', level: 1 }).waitFor()
    await a.getByText('No campaign yet. Create one with New campaign.').waitFor()
    await a.getByRole('link', { name: 'New campaign' }).click()
    await a.getByRole('heading', { name: 'New campaign', level: 1 }).waitFor()
    await a.getByRole('button', { name: 'Create draft' }).click()
    const name = a.getByLabel('Name', { exact: true })
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true')
    expect(await a.locator(`[id="${await name.getAttribute('aria-describedby')}"]`).textContent()).toBe('required')
    expect(new URL(a.url()).pathname).toBe('/campaigns/new')

    await name.fill('Q4 access review')
    await a.getByLabel('Description').fill('Every role and app membership at Acme.')
    await a.getByLabel('Roles', { exact: true }).check()
    await a.getByLabel('Apps', { exact: true }).check()
    await a.getByLabel('Who reviews').selectOption('users')
    const reviewers = a.getByRole('combobox', { name: 'Reviewers', exact: true })
    await reviewers.fill('nobody@example.com')
    await a.getByRole('button', { name: 'Add to reviewers' }).click()
    await a.getByText('No enabled Warden user has the email nobody@example.com.').waitFor()
    await reviewers.fill(RITA.email)
    await a.getByRole('button', { name: 'Add to reviewers' }).click()
    await a.getByRole('list', { name: 'Reviewers: chosen', exact: true }).getByText(`${RITA.name} (${RITA.email})`).waitFor()
    await a.getByLabel('When it closes, undecided items are').selectOption('leave')
    await a.getByLabel('Suggest revoking after (days without signing in)').fill('60')
    await screenshot(a, '60-campaign-form')
    await a.getByRole('button', { name: 'Create draft' }).click()
    await a.waitForURL(/\/campaigns\/cmp_[0-9a-z]{26}$/)
    const campaignId = new URL(a.url()).pathname.split('/').at(-1) as string
    await a.getByRole('heading', { name: 'Q4 access review', level: 1 }).waitFor()
    const created = await json<{ state: string; scope: { resource_types: string[] }; reviewers: { type: string; user_ids: string[] }; inactive_days: number; require_revoke_reason: boolean }>(a, 'GET', `${warden.url}/api/v1/campaigns/${campaignId}`)
    expect(created.state).toBe('draft')
    expect(created).toMatchObject({ inactive_days: 60, require_revoke_reason: true })
    expect(created.scope.resource_types).toEqual(['role', 'app'])
    expect(created.reviewers).toMatchObject({ type: 'users', user_ids: [rita.id] })

    // --- preview, stage, start ---
    await a.getByRole('button', { name: 'Preview' }).click()
    const preview = a.getByRole('region', { name: 'Preview' })
    await preview.waitFor()
    const previewed = await json<{ summary: { items: number; reviewers: number } }>(a, 'POST', `${warden.url}/api/v1/campaigns/${campaignId}/preview`)
    expect(previewed.summary.items).toBeGreaterThan(50)
    expect(previewed.summary.reviewers).toBe(1)
    expect(await preview.textContent()).toContain(`Items${previewed.summary.items.toLocaleString('en-US')}`)
    await screenshot(a, '61-campaign-preview')
    await a.getByRole('button', { name: 'Stage', exact: true }).click()
    await a.getByRole('dialog', { name: 'Stage the campaign' }).getByRole('button', { name: 'Stage' }).click()
    await a.getByRole('button', { name: 'Start' }).waitFor()
    expect(await a.getByRole('main').textContent()).toContain('staged')
    await a.getByRole('button', { name: 'Start' }).click()
    const start = a.getByRole('dialog', { name: 'Start the campaign' })
    expect(await start.textContent()).toContain(`${previewed.summary.items.toLocaleString('en-US')} in all`)
    await start.getByRole('button', { name: 'Start' }).click()
    await a.getByRole('button', { name: 'Remind reviewers' }).waitFor()
    await a.getByRole('button', { name: 'Remind reviewers' }).click()
    await a.getByText('Reminded 1 reviewer(s) by email.').waitFor()
    const started = await json<{ state: string; items_total: number }>(a, 'GET', `${warden.url}/api/v1/campaigns/${campaignId}`)
    expect(started).toMatchObject({ state: 'active', items_total: previewed.summary.items })
    await screenshot(a, '62-campaign-active')

    // --- the reviewer's inbox, from the kickoff email's link ---
    const r: Tab = await openTab(browser)
    const p = r.page
    await signIn(p, warden, RITA.email, RITA.password)
    const nav = p.getByRole('navigation', { name: 'Admin' })
    await nav.getByRole('link', { name: 'My reviews' }).waitFor()
    expect(await nav.getByRole('link', { name: 'Access reviews' }).count()).toBe(0)
    await p.goto(`${warden.url}/reviews?campaign=${campaignId}`)
    await p.getByRole('heading', { name: 'My reviews', level: 1 }).waitFor()
    await rows(p).first().waitFor()
    const undecided = await all<Item>(p, `${warden.url}/api/v1/reviews?campaign_id=${campaignId}&decision=undecided`)
    expect(undecided.length).toBe(started.items_total)
    if (undecided.length > 100) expect(await shownText(p)).toBe('100 items shown · more to load')
    // The summary counts every item of the campaign, loaded or not.
    const before = await expectSummary(p, warden.url, campaignId, { decided: 0, assigned: undecided.length })
    expect(before).toMatchObject({ name: 'Q4 access review', overdue: false, require_revoke_reason: true, inactive_days: 60 })
    expect(await summaryLine(p, campaignId).textContent()).toContain('Due ')
    await loadAll(p)
    expect(await rows(p).count()).toBe(undecided.length)
    expect(await shownText(p)).toBe(`${undecided.length.toLocaleString('en-US')} items shown`)
    expect(await p.getByLabel('Campaign', { exact: true }).inputValue()).toBe(campaignId)
    await screenshot(p, '63-reviews-inbox')

    // Keyboard: j moves to the second row, c certifies it (and moves on to the third).
    await p.keyboard.press('j')
    await expect.poll(() => p.evaluate(() => document.activeElement?.getAttribute('data-item'))).toBe(`${campaignId}#${undecided[1]!.item_no}`)
    await p.keyboard.press('c')
    const second = rows(p).nth(1)
    await expect.poll(() => second.textContent()).toContain('certified')
    await expectSummary(p, warden.url, campaignId, { decided: 1, assigned: undecided.length })
    await expect.poll(() => p.evaluate(() => document.activeElement?.getAttribute('data-item'))).toBe(`${campaignId}#${undecided[2]!.item_no}`)
    const certified = await json<Item>(p, 'GET', `${warden.url}/api/v1/campaigns/${campaignId}/items/${undecided[1]!.item_no}`)
    expect(certified.decision).toBe('certify')
    expect((await json<Item>(p, 'GET', `${warden.url}/api/v1/campaigns/${campaignId}/items/${undecided[0]!.item_no}`)).decision).toBeNull()

    // Keys typed into a field are not shortcuts.
    await p.getByLabel('Search', { exact: true }).click()
    await p.keyboard.type('xc')
    await p.waitForURL(/q=xc/)
    await p.getByLabel('Search', { exact: true }).fill('')
    await p.waitForURL((u) => !u.search.includes('q='))
    await rows(p).first().waitFor()
    await loadAll(p)
    expect(await p.getByText(/selected$/).count()).toBe(0)
    // The certified item is decided now: the undecided list no longer has it.
    expect(await rows(p).count()).toBe(undecided.length - 1)

    // x selects three rows (the first three undecided ones), r revokes them after a confirmation.
    await rows(p).first().focus()
    await p.keyboard.press('x')
    await p.keyboard.press('j')
    await p.keyboard.press('x')
    await p.keyboard.press('ArrowDown')
    await p.keyboard.press(' ')
    await p.getByText('3 items selected').waitFor()
    const picked = [undecided[0]!, undecided[2]!, undecided[3]!]
    for (const item of picked) expect(await p.locator(`tr[data-item="${campaignId}#${item.item_no}"] input[type=checkbox]`).isChecked()).toBe(true)
    await p.getByRole('button', { name: 'Revoke 3', exact: true }).waitFor()
    await p.keyboard.press('r')
    const confirm = p.getByRole('dialog', { name: 'Revoke 3 items' })
    await confirm.getByText('This revokes 3 grants in OneLogin.').waitFor()
    // The campaign requires a reason: without one nothing is sent.
    const reasonField = confirm.getByLabel('Reason', { exact: true })
    expect(await reasonField.getAttribute('aria-required')).toBe('true')
    await confirm.getByRole('button', { name: 'Revoke 3 grants' }).click()
    await confirm.getByText('A reason is required: this campaign asks for one with every revoke.').waitFor()
    expect(await reasonField.getAttribute('aria-invalid')).toBe('true')
    for (const item of picked) expect((await json<Item>(p, 'GET', `${warden.url}/api/v1/campaigns/${campaignId}/items/${item.item_no}`)).decision).toBeNull()
    await reasonField.focus()
    await screenshot(p, '64-reviews-bulk-revoke')
    // The reason field has focus: typing there is not a shortcut.
    await p.keyboard.type('Left the team; not needed')
    await confirm.getByRole('button', { name: 'Revoke 3 grants' }).click()
    await expect.poll(() => p.getByRole('dialog').count()).toBe(0)
    await expectSummary(p, warden.url, campaignId, { decided: 4, assigned: undecided.length })
    for (const item of picked) {
      const got = await json<Item>(p, 'GET', `${warden.url}/api/v1/campaigns/${campaignId}/items/${item.item_no}`)
      expect(got).toMatchObject({ decision: 'revoke', reason: 'Left the team; not needed' })
      expect(got.revoke_order_id).not.toBeNull()
      expect(await p.locator(`tr[data-item="${campaignId}#${item.item_no}"]`).textContent()).toMatch(/revoked/)
    }
    expect(await p.getByText(/items? selected$/).count()).toBe(0)

    // The shortcuts help.
    await p.locator('h1').click()
    await p.keyboard.press('?')
    const help = p.getByRole('dialog', { name: 'Keyboard shortcuts' })
    await help.waitFor()
    expect(await help.textContent()).toContain('Revoke the selected items')
    await p.keyboard.press('Escape')
    await expect.poll(() => help.count()).toBe(0)

    // Filter by suggestion: what the API suggests, and "Accept suggestions" selects them all.
    await p.getByLabel('Suggestion').selectOption('any')
    await p.waitForURL(/suggestion=any/)
    const suggested = await all<Item>(p, `${warden.url}/api/v1/reviews?campaign_id=${campaignId}&decision=undecided&suggestion=any`)
    expect(suggested.length).toBeGreaterThan(0)
    await expect.poll(() => shownText(p)).toBe(suggested.length > 100 ? '100 items shown · more to load' : `${suggested.length} item${suggested.length === 1 ? '' : 's'} shown`)
    // The summary is the campaign's, whatever the filters.
    await expectSummary(p, warden.url, campaignId, { decided: 4, assigned: undecided.length })
    await loadAll(p)
    expect(await rows(p).count()).toBe(suggested.length)
    // An inactive holder's suggestion names the campaign's setting (60 days, not the default 90).
    const suggestionTexts = await rows(p).allTextContents()
    for (const text of suggestionTexts) expect(text).toMatch(/Suggested: revoke — (suspended|locked|never signed in|not signed in for \d+ days \(threshold 60\))/)
    expect(suggestionTexts.filter((t) => t.includes('(threshold 60)')).length).toBeGreaterThan(0)
    await p.getByRole('button', { name: 'Accept suggestions' }).click()
    await p.getByText(`${suggested.length} item${suggested.length === 1 ? '' : 's'} selected`).waitFor()
    await p.getByRole('button', { name: `Revoke ${suggested.length}`, exact: true }).waitFor()
    await screenshot(p, '65-reviews-suggestions')
    await p.getByRole('button', { name: 'Clear selection' }).click()

    // An item's panel: its facts, a comment.
    const first = suggested[0]!
    await p.locator(`tr[data-item="${campaignId}#${first.item_no}"]`).getByRole('button', { name: /^Details: / }).click()
    const panel = p.getByRole('dialog').filter({ has: p.getByRole('heading', { level: 2 }) })
    await panel.getByRole('heading', { name: 'Comments' }).waitFor()
    await panel.getByLabel('Add a comment').fill('Checked with his manager: he left in June.')
    await panel.getByRole('button', { name: 'Add comment' }).click()
    await panel.getByText('Checked with his manager: he left in June.').waitFor()
    expect(await panel.textContent()).toContain(RITA.name)
    await screenshot(p, '66-reviews-item-panel')
    const detail = await json<Item & { comments: { body: string; author: { email: string } }[] }>(p, 'GET', `${warden.url}/api/v1/campaigns/${campaignId}/items/${first.item_no}`)
    expect(detail.comments.map((c) => [c.body, c.author.email])).toEqual([['Checked with his manager: he left in June.', RITA.email]])
    await p.keyboard.press('Escape')
    await expect.poll(() => p.getByRole('dialog').count()).toBe(0)

    // The inbox at tablet size.
    const tablet = await openTab(browser, 'tablet')
    await signIn(tablet.page, warden, RITA.email, RITA.password)
    await tablet.page.goto(`${warden.url}/reviews?campaign=${campaignId}`)
    await rows(tablet.page).first().waitFor()
    expect(await tablet.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 'wider than a tablet').toBeLessThanOrEqual(0)
    await screenshot(tablet.page, '67-reviews-inbox-tablet')
    expect(tablet.pageErrors).toEqual([])
    await tablet.context.close()

    // --- the administrator: progress, close, evidence ---
    await a.reload()
    const progress = a.getByRole('region', { name: 'Progress' })
    await expect.poll(() => progress.textContent()).toMatch(/Certified1(?!\d)/)
    expect(await progress.textContent()).toMatch(/Revoked3(?!\d)/)
    expect(await a.getByRole('table', { name: 'Progress per reviewer' }).textContent()).toContain(RITA.name)
    await a.getByRole('button', { name: 'Close', exact: true }).click()
    const close = a.getByRole('dialog', { name: 'Close the campaign' })
    expect(await close.textContent()).toContain(`${(started.items_total - 4).toLocaleString('en-US')} undecided item(s) will be left as they are`)
    await close.getByRole('button', { name: 'Close campaign' }).click()
    await expect.poll(() => a.getByRole('button', { name: 'Remind reviewers' }).count()).toBe(0)
    const closed = await json<{ state: string; progress: { left: number } }>(a, 'GET', `${warden.url}/api/v1/campaigns/${campaignId}`)
    expect(closed.state).toBe('closed')
    expect(closed.progress.left).toBe(started.items_total - 4)

    // The CSV: its SHA-256 as the server recorded it, and the file saved matches it.
    const evidence = a.getByRole('region', { name: 'Evidence' })
    await evidence.getByRole('button', { name: 'Prepare export csv' }).click()
    const saveCsv = evidence.getByRole('link', { name: /^Save .*\.csv$/ })
    await saveCsv.waitFor()
    const [csvDownload] = await Promise.all([a.waitForEvent('download'), saveCsv.click()])
    const csvPath = join(dir, 'items.csv')
    await csvDownload.saveAs(csvPath)
    const csvHash = await evidence.locator('.campaign-download').first().locator('code[data-hash="file"]').textContent()
    expect(csvHash).toBe(sha256(readFileSync(csvPath)))
    expect(readFileSync(csvPath, 'utf8')).toContain('Left the team; not needed')

    // The evidence bundle, then verified by uploading it.
    await evidence.getByRole('button', { name: 'Prepare evidence bundle' }).click()
    const saveBundle = evidence.getByRole('link', { name: /^Save .*\.tar\.gz$/ })
    await saveBundle.waitFor()
    const manifest = (await evidence.locator('code[data-hash="manifest"]').textContent()) ?? ''
    expect(manifest).toMatch(/^[0-9a-f]{64}$/)
    const [bundleDownload] = await Promise.all([a.waitForEvent('download'), saveBundle.click()])
    const bundlePath = join(dir, 'bundle.tar.gz')
    await bundleDownload.saveAs(bundlePath)
    const bundleHash = await evidence.locator('.campaign-download').nth(1).locator('code[data-hash="file"]').textContent()
    expect(bundleHash).toBe(sha256(readFileSync(bundlePath)))

    await evidence.getByLabel('Evidence bundle (.tar.gz)').setInputFiles(bundlePath)
    await evidence.getByRole('button', { name: 'Verify' }).click()
    const result = evidence.getByRole('status', { name: 'Verification result' })
    await result.waitFor()
    expect(await result.textContent()).toContain('verified')
    expect(await result.textContent()).toContain(manifest)
    expect(await result.textContent()).toMatch(/audit entry #\d+/)
    const fileRows = result.getByRole('table', { name: 'Files in the bundle' }).getByRole('row')
    expect(await fileRows.count()).toBeGreaterThanOrEqual(5) // header + campaign.json, items.csv, comments.csv, audit.jsonl
    for (const row of (await fileRows.allTextContents()).slice(1)) expect(row).toMatch(/ok/)
    await screenshot(a, '68-campaign-closed-evidence')

    // A tampered copy: one byte of items.csv changed inside the archive.
    const tar = Buffer.from(gunzipSync(readFileSync(bundlePath)))
    const at = tar.indexOf('Left the team; not needed')
    expect(at).toBeGreaterThan(0)
    tar[at] = 'l'.charCodeAt(0)
    const tamperedPath = join(dir, 'tampered.tar.gz')
    writeFileSync(tamperedPath, gzipSync(tar))
    await evidence.getByLabel('Evidence bundle (.tar.gz)').setInputFiles(tamperedPath)
    await evidence.getByRole('button', { name: 'Verify' }).click()
    await expect.poll(() => result.textContent()).toContain('does not verify')
    expect(await result.getByRole('row').filter({ hasText: 'items.csv' }).textContent()).toContain('mismatch')
    expect(await result.textContent()).toContain('items.csv does not match the manifest')
    await screenshot(a, '69-campaign-evidence-tampered')

    // Duplicate the closed campaign: a new draft with its scope and settings, due when asked.
    await a.getByRole('button', { name: 'Duplicate', exact: true }).click()
    const duplicate = a.getByRole('dialog', { name: 'Duplicate the campaign' })
    expect(await duplicate.getByLabel('Name').inputValue()).toBe('Q4 access review (copy)')
    await duplicate.getByLabel('Name').fill('Q1 access review')
    const due = dateIn(45)
    await duplicate.getByLabel('Due date').fill(due)
    await screenshot(a, '6d-campaign-duplicate')
    await duplicate.getByRole('button', { name: 'Duplicate', exact: true }).click()
    await a.waitForURL((u) => /^\/campaigns\/cmp_[0-9a-z]{26}$/.test(u.pathname) && !u.pathname.endsWith(campaignId))
    await a.getByRole('heading', { name: 'Q1 access review', level: 1 }).waitFor()
    const copyId = new URL(a.url()).pathname.split('/').at(-1) as string
    type Settings = { state: string; scope: unknown; filters: unknown; reviewers: unknown; inactive_days: number; require_revoke_reason: boolean; close_action: string; due_at: string; name: string }
    const original = await json<Settings>(a, 'GET', `${warden.url}/api/v1/campaigns/${campaignId}`)
    const copy = await json<Settings>(a, 'GET', `${warden.url}/api/v1/campaigns/${copyId}`)
    expect(copy).toMatchObject({ state: 'draft', name: 'Q1 access review', scope: original.scope, filters: original.filters, reviewers: original.reviewers, inactive_days: 60, require_revoke_reason: true, close_action: 'leave' })
    expect(copy.due_at).toBe(new Date(`${due}T23:59:59`).toISOString())
    expect(original.state).toBe('closed')
    await a.getByRole('button', { name: 'Edit', exact: true }).waitFor()

    expect(admin.pageErrors).toEqual([])
    expect(r.pageErrors).toEqual([])
    await admin.context.close()
    await r.context.close()
  })

  it('reassigns an item, decides a selection spanning two campaigns (one confirmation, one call each), manages templates, deletes a draft; a Campaign Administrator picks reviewers from suggestions and edits the draft', { timeout: 180_000 }, async () => {
    const admin = await openTab(browser)
    await signIn(admin.page, warden, ADMIN.email, ADMIN.password)
    const a = admin.page
    const sam = await json<{ id: string }>(a, 'POST', `${warden.url}/api/v1/users`, { email: SAM.email, display_name: SAM.name, password: SAM.password })
    const due = new Date(Date.now() + 14 * 24 * 60 * 60 * 1000).toISOString()
    const ids: string[] = []
    for (const [name, types] of [
      ['Groups review', ['group']],
      ['Roles review', ['role']],
    ] as const) {
      const c = await json<{ id: string }>(a, 'POST', `${warden.url}/api/v1/campaigns`, {
        name,
        scope: { resource_types: types },
        reviewers: { type: 'users', user_ids: [sam.id] },
        due_at: due,
        require_revoke_reason: false,
      })
      await json(a, 'POST', `${warden.url}/api/v1/campaigns/${c.id}/stage`)
      await json(a, 'POST', `${warden.url}/api/v1/campaigns/${c.id}/start`)
      ids.push(c.id)
    }

    // Olivia is in the Remote group and the Employees and Sales roles: three items in two campaigns.
    const s = await openTab(browser)
    const p = s.page
    await signIn(p, warden, SAM.email, SAM.password)
    await nav(p, 'My reviews')
    await rows(p).first().waitFor()
    const mine = await all<Item>(p, `${warden.url}/api/v1/reviews?decision=undecided`)
    expect(new Set(mine.map((i) => i.campaign_id))).toEqual(new Set(ids))
    await loadAll(p)
    const inCampaign = (id: string, items: readonly Item[]) => items.filter((i) => i.campaign_id === id).length
    for (const id of ids) await expectSummary(p, warden.url, id, { decided: 0, assigned: inCampaign(id, mine) })
    // Reassign one item (not Olivia's) to the administrator, chosen from the suggestions: it leaves Sam's inbox.
    const handed = mine.find((i) => !(i as Item & { principal_email: string }).principal_email.startsWith('olivia.'))!
    await p.locator(`tr[data-item="${handed.campaign_id}#${handed.item_no}"]`).getByRole('button', { name: /^Details: / }).click()
    const panel = p.getByRole('dialog')
    const reassignTo = panel.getByRole('combobox', { name: 'Reassign to' })
    // A reviewer who cannot manage campaigns gets suggestions from 3 characters on (no directory of users).
    await reassignTo.fill('ad')
    await panel.getByText('Type at least 3 characters of a name or email.').waitFor()
    expect(await panel.getByRole('option').count()).toBe(0)
    await reassignTo.fill('ada ad')
    await panel.getByRole('option', { name: new RegExp(`^${ADMIN.name} `) }).click()
    await panel.getByRole('group', { name: 'Reassign to' }).getByText(ADMIN.email).waitFor()
    await panel.getByLabel('Why').fill('Ada owns the groups')
    await panel.getByRole('button', { name: 'Reassign', exact: true }).click()
    await expect.poll(() => p.getByRole('dialog').count()).toBe(0)
    await p.getByText(`to ${ADMIN.name}.`).waitFor()
    expect(await p.locator(`tr[data-item="${handed.campaign_id}#${handed.item_no}"]`).count()).toBe(0)
    const after = mine.filter((i) => i !== handed)
    await expectSummary(p, warden.url, handed.campaign_id, { decided: 0, assigned: inCampaign(handed.campaign_id, after) })
    const moved = await json<{ reviewers: { email: string }[] }>(a, 'GET', `${warden.url}/api/v1/campaigns/${handed.campaign_id}/items/${handed.item_no}`)
    expect(moved.reviewers.map((u) => u.email)).toEqual([ADMIN.email])
    expect(await all<Item>(p, `${warden.url}/api/v1/reviews?decision=undecided`)).toHaveLength(mine.length - 1)

    await p.getByLabel('Search', { exact: true }).fill('olivia.brown')
    await p.waitForURL(/q=olivia\.brown/)
    await expect.poll(() => rows(p).count()).toBe(3)
    const texts = await rows(p).allTextContents()
    expect(texts.filter((t) => t.includes('Groups review'))).toHaveLength(1)
    expect(texts.filter((t) => t.includes('Roles review'))).toHaveLength(2)
    await p.locator('h1').click()
    await p.keyboard.press('a')
    await p.getByText('3 items selected').waitFor()
    await p.getByRole('button', { name: 'Revoke 3', exact: true }).click()
    const confirm = p.getByRole('dialog', { name: 'Revoke 3 items' })
    await confirm.getByText('This revokes 3 grants in OneLogin.').waitFor()
    expect(await confirm.textContent()).toContain('The items are in 2 campaigns')
    // Neither campaign requires a reason: the field says so and is not required.
    expect(await confirm.getByLabel('Reason (optional)').getAttribute('aria-required')).toBe('false')
    await screenshot(p, '6a-reviews-two-campaigns')
    await confirm.getByRole('button', { name: 'Revoke 3 grants' }).click()
    await expect.poll(() => p.getByRole('dialog').count()).toBe(0)
    // One of Olivia's items in the groups campaign, two in the roles campaign: the summary counts them.
    await expectSummary(p, warden.url, ids[0]!, { decided: 1, assigned: inCampaign(ids[0]!, after) })
    await expectSummary(p, warden.url, ids[1]!, { decided: 2, assigned: inCampaign(ids[1]!, after) })
    const olivia = (await all<Item & { principal_email: string; resource_type: string }>(p, `${warden.url}/api/v1/reviews?q=olivia.brown`)).filter((i) => i.principal_email === 'olivia.brown@acme.example')
    expect(olivia).toHaveLength(3)
    for (const i of olivia) expect(i).toMatchObject({ decision: 'revoke', reason: null })
    expect(new Set(olivia.map((i) => i.campaign_id))).toEqual(new Set(ids))

    // Warden removes the role memberships in OneLogin; the revoked items say so.
    await expect
      .poll(async () => (await all<Item & { resource_type: string; revoke_state: string | null }>(p, `${warden.url}/api/v1/reviews?q=olivia.brown&resource_type=role`)).map((i) => i.revoke_state), { timeout: 60_000, interval: 1000 })
      .toEqual(['done', 'done'])
    await p.getByLabel('Show', { exact: true }).selectOption('revoke')
    await p.getByLabel('Type', { exact: true }).selectOption('role')
    await expect.poll(() => rows(p).count()).toBe(2)
    for (const t of await rows(p).allTextContents()) expect(t).toContain('revoked in OneLogin')
    expect(s.pageErrors).toEqual([])
    await s.context.close()

    // The campaigns list: states, due dates and progress.
    await nav(a, 'Access reviews')
    const list = a.getByRole('table', { name: 'Campaigns' })
    await list.getByRole('link', { name: 'Roles review' }).waitFor()
    expect(await list.getByRole('row').filter({ hasText: 'Q4 access review' }).textContent()).toContain('closed')
    expect(await list.getByRole('row').filter({ hasText: 'Groups review' }).textContent()).toContain('active')
    const rolesBar = list.getByRole('progressbar', { name: 'Roles review: decided' })
    expect(Number(await rolesBar.getAttribute('aria-valuenow'))).toBe(2)

    // A template from the form: every 3 months; disable it, then delete it.
    await a.getByRole('link', { name: 'New template' }).click()
    await a.getByRole('heading', { name: 'New campaign template', level: 1 }).waitFor()
    await a.getByLabel('Name', { exact: true }).fill('Quarterly roles review')
    await a.getByLabel('Roles', { exact: true }).check()
    await a.getByLabel('Who reviews').selectOption('manager')
    await a.getByLabel('Every', { exact: true }).fill('3')
    await a.getByLabel('Unit').selectOption('month')
    await a.getByLabel('Each campaign runs for (days)').fill('21')
    await screenshot(a, '6b-campaign-template-form')
    await a.getByRole('button', { name: 'Create template' }).click()
    await a.waitForURL(/\/campaigns(#templates)?$/)
    const templates = a.getByRole('table', { name: 'Campaign templates' })
    await expect.poll(() => templates.getByRole('row').filter({ hasText: 'Quarterly roles review' }).textContent()).toContain('3 months, due after 21 days')
    const stored = await json<{ items: { id: string; enabled: boolean; every_count: number; every_unit: string; duration_days: number; campaign: { scope: { resource_types: string[] } } }[] }>(a, 'GET', `${warden.url}/api/v1/campaign-templates`)
    expect(stored.items).toHaveLength(1)
    expect(stored.items[0]).toMatchObject({ enabled: true, every_count: 3, every_unit: 'month', duration_days: 21 })
    expect(stored.items[0]!.campaign.scope.resource_types).toEqual(['role'])
    await screenshot(a, '6c-campaigns-list')
    await a.getByRole('button', { name: 'Disable Quarterly roles review' }).click()
    await a.getByRole('button', { name: 'Enable Quarterly roles review' }).waitFor()
    expect((await json<{ items: { enabled: boolean }[] }>(a, 'GET', `${warden.url}/api/v1/campaign-templates`)).items[0]!.enabled).toBe(false)
    await a.getByRole('button', { name: 'Delete Quarterly roles review' }).click()
    await a.getByRole('dialog', { name: 'Delete the template' }).getByRole('button', { name: 'Delete' }).click()
    await a.getByText('No template.').waitFor()
    expect((await json<{ items: unknown[] }>(a, 'GET', `${warden.url}/api/v1/campaign-templates`)).items).toEqual([])

    // A draft can be deleted from its page.
    const draft = await json<{ id: string }>(a, 'POST', `${warden.url}/api/v1/campaigns`, { name: 'Mistake', scope: { resource_types: ['group'] }, reviewers: { type: 'manager' }, due_at: due })
    await a.goto(`${warden.url}/campaigns/${draft.id}`)
    await a.getByRole('heading', { name: 'Mistake', level: 1 }).waitFor()
    await a.getByRole('button', { name: 'Delete', exact: true }).click()
    await a.getByRole('dialog', { name: 'Delete the draft' }).getByRole('button', { name: 'Delete' }).click()
    await a.waitForURL(/\/campaigns$/)
    expect((await a.request.get(`${warden.url}/api/v1/campaigns/${draft.id}`)).status()).toBe(404)

    // A Campaign Administrator (no users:read) picks a reviewer from the suggestions, then edits the draft.
    const cara = { email: 'cara.campaigns@example.com', name: 'Cara Campaigns', password: 'cara runs the reviews' }
    await json(a, 'POST', `${warden.url}/api/v1/users`, { email: cara.email, display_name: cara.name, password: cara.password, roles: ['campaign-admin'] })
    expect(admin.pageErrors).toEqual([])
    await admin.context.close()
    const c = await openTab(browser)
    await signIn(c.page, warden, cara.email, cara.password)
    await nav(c.page, 'Access reviews')
    await c.page.getByRole('link', { name: 'New campaign' }).click()
    const cp = c.page
    await cp.getByRole('heading', { name: 'New campaign', level: 1 }).waitFor()
    await cp.getByLabel('Name', { exact: true }).fill("Cara's groups review")
    await cp.getByLabel('Groups', { exact: true }).check()
    await cp.getByLabel('Who reviews').selectOption('users')
    const picker = cp.getByRole('combobox', { name: 'Reviewers', exact: true })
    await picker.fill('sam.rev')
    await expect.poll(() => picker.getAttribute('aria-expanded')).toBe('true')
    const suggestions = cp.getByRole('listbox', { name: 'Reviewers: suggestions', exact: true })
    // (Polled: the list may still show the answer for an earlier text for a moment.)
    await expect.poll(() => suggestions.getByRole('option').allTextContents()).toEqual([`${SAM.name} ${SAM.email}`])
    await screenshot(cp, '6e-campaign-reviewer-suggestions')
    await suggestions.getByRole('option', { name: new RegExp(`^${SAM.name} `) }).click()
    await cp.getByRole('list', { name: 'Reviewers: chosen', exact: true }).getByText(`${SAM.name} (${SAM.email})`).waitFor()
    expect(await picker.inputValue()).toBe('')
    // A whole email and Add still works, in any case; an unknown one is refused.
    await picker.fill('nobody@example.com')
    await cp.getByRole('button', { name: 'Add to reviewers' }).click()
    await cp.getByText('No enabled Warden user has the email nobody@example.com.').waitFor()
    await picker.fill(cara.email.toUpperCase())
    await cp.getByRole('button', { name: 'Add to reviewers' }).click()
    await cp.getByRole('list', { name: 'Reviewers: chosen', exact: true }).getByText(`${cara.name} (${cara.email})`).waitFor()
    await cp.getByRole('button', { name: `Remove ${cara.email}` }).click()
    await expect.poll(() => cp.getByRole('list', { name: 'Reviewers: chosen', exact: true }).getByRole('listitem').count()).toBe(1)
    // By keyboard: ↓ highlights the first suggestion, Enter chooses it (and does not submit the form).
    const fallback = cp.getByRole('combobox', { name: 'Fallback reviewers' })
    await fallback.fill('campaigns')
    const fallbackList = cp.getByRole('listbox', { name: 'Fallback reviewers: suggestions' })
    const fallbackOption = fallbackList.getByRole('option', { name: new RegExp(`^${cara.name} `) })
    await expect.poll(() => fallbackList.getByRole('option').allTextContents()).toEqual([`${cara.name} ${cara.email}`])
    await fallback.press('ArrowDown')
    await expect.poll(() => fallbackOption.getAttribute('aria-selected')).toBe('true')
    expect(await fallback.getAttribute('aria-activedescendant')).toBe(await fallbackOption.getAttribute('id'))
    await fallback.press('Enter')
    await cp.getByRole('list', { name: 'Fallback reviewers: chosen' }).getByText(`${cara.name} (${cara.email})`).waitFor()
    expect(new URL(cp.url()).pathname).toBe('/campaigns/new')
    await cp.getByRole('button', { name: 'Create draft' }).click()
    await cp.waitForURL(/\/campaigns\/cmp_[0-9a-z]{26}$/)
    const caraId = new URL(cp.url()).pathname.split('/').at(-1) as string
    await cp.getByRole('heading', { name: "Cara's groups review", level: 1 }).waitFor()
    type Draft = { name: string; state: string; scope: unknown; reviewers: { type: string; user_ids: string[]; fallback_user_ids: string[] }; due_at: string; updated_at: string; owner: { id: string } }
    const caraDraft = await json<Draft>(cp, 'GET', `${warden.url}/api/v1/campaigns/${caraId}`)
    expect(caraDraft).toMatchObject({ state: 'draft', reviewers: { type: 'users', user_ids: [sam.id], fallback_user_ids: [caraDraft.owner.id] } })

    // Edit the draft: the same form, pre-filled; the new name is saved with PATCH.
    await cp.getByRole('button', { name: 'Edit', exact: true }).click()
    await cp.getByRole('heading', { name: "Edit Cara's groups review", level: 1 }).waitFor()
    expect(new URL(cp.url()).search).toBe('?edit=1')
    const editName = cp.getByLabel('Name', { exact: true })
    expect(await editName.inputValue()).toBe("Cara's groups review")
    expect(await cp.getByLabel('Groups', { exact: true }).isChecked()).toBe(true)
    expect(await cp.getByLabel('Who reviews').inputValue()).toBe('users')
    expect(await cp.getByRole('list', { name: 'Reviewers: chosen', exact: true }).getByRole('listitem').count()).toBe(1)
    await editName.fill("Cara's quarterly groups review")
    await screenshot(cp, '6f-campaign-edit')
    await cp.getByRole('button', { name: 'Save changes' }).click()
    await cp.getByRole('heading', { name: "Cara's quarterly groups review", level: 1 }).waitFor()
    expect(new URL(cp.url()).pathname).toBe(`/campaigns/${caraId}`)
    expect(new URL(cp.url()).search).toBe('')
    const edited = await json<Draft>(cp, 'GET', `${warden.url}/api/v1/campaigns/${caraId}`)
    expect(edited).toEqual({ ...caraDraft, name: "Cara's quarterly groups review", updated_at: edited.updated_at })
    expect(c.pageErrors).toEqual([])
    await c.context.close()
  })
})
