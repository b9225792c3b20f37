import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../src/emulator/index.js'
import { ADMIN, launchBrowser, openTab, screenshot, setUpFirstAdmin, signIn, startOneLogin, startWarden } from './harness.js'
import type { Warden } from './harness.js'

/**
 * Admin > Integrations through the whole setup, as an administrator does it: the add form open on
 * an empty page, a new application and its owner, Create and add details, a wrong client secret
 * refused next to its field, the right one reaching Connected, the sync log with its counts and a
 * run's log, Pause, Resume and Sync now. Warden runs without its built-in emulator: the OneLogin
 * tenant is a separate emulator whose URL is the "OneLogin domain" (warden serve --allow-onelogin-url).
 */

interface Integration {
  id: string
  status: string
  paused: boolean
  client_secret_set: boolean
  user_ids: string[]
}
interface Run {
  id: string
  status: string
  api_calls: number
  triggered_by: string
  counts: { resources: Record<string, number>; entitlements: number; grants: number } | null
}

async function getJson<T>(page: Page, url: string): Promise<T> {
  const res = await page.request.get(url)
  expect(res.status(), url).toBe(200)
  return (await res.json()) as T
}

/** A screenshot from the top of the page (the top bar is sticky: scrolled, it lands mid-page). */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0))
  await screenshot(page, name)
}

/** The text of the elements that describe a form control (its hint and its error). */
function description(page: Page, label: string): Promise<string> {
  return page.getByLabel(label, { exact: true }).evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' | '),
  )
}

describe('web console: Admin > Integrations', () => {
  let warden: Warden
  let onelogin: RunningEmulator
  let browser: Browser
  beforeAll(async () => {
    ;[warden, onelogin, browser] = await Promise.all([startWarden(), startOneLogin(), launchBrowser()])
  })
  afterAll(async () => {
    await browser?.close()
    await onelogin?.close()
    await warden?.stop()
  })

  it('adds a OneLogin connector: wrong secret shown at its field, right one reaches Connected, sync log, pause, resume, sync now', async () => {
    const { page, context, pageErrors } = await openTab(browser)
    const secret = onelogin.manageAll.client_secret
    await setUpFirstAdmin(page, warden)

    // No connector yet: the add form is open on the Integrations page by itself.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Integrations' }).click()
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor()
    await page.getByRole('heading', { name: 'Add a OneLogin connector' }).waitFor()
    expect(await page.getByRole('link', { name: 'Add connector' }).count()).toBe(0)
    const me = await getJson<{ user: { id: string } }>(page, `${warden.url}/api/v1/me`)
    // The signed-in administrator is the default owner.
    const owner = page.getByRole('checkbox', { name: `${ADMIN.name} (you)` })
    await owner.waitFor()
    expect(await owner.isChecked()).toBe(true)
    await shot(page, '20-integrations-empty-add-form')

    await page.getByLabel('Create a new application').check()
    await page.getByLabel('Application name').fill('Acme OneLogin')
    await page.getByRole('button', { name: 'Create and add details' }).click()
    await page.waitForURL(/\/integrations\/int_[0-9a-z]+\?edit=settings$/)
    const id = /\/integrations\/(int_[0-9a-z]+)/.exec(page.url())![1]!
    const created = await getJson<Integration>(page, `${warden.url}/api/v1/integrations/${id}`)
    expect(created.status).toBe('not_connected')
    expect(created.user_ids).toEqual([me.user.id])
    const apps = await getJson<{ items: { id: string; name: string }[] }>(page, `${warden.url}/api/v1/apps?q=Acme`)
    expect(apps.items.map((a) => a.name)).toEqual(['Acme OneLogin'])

    // The connector page opens with Settings in edit mode.
    await page.getByRole('heading', { level: 1, name: 'Acme OneLogin' }).waitFor()
    await page.getByText('Not connected', { exact: true }).waitFor()
    const settings = page.getByRole('region', { name: 'Settings' })
    await settings.getByLabel('OneLogin domain').fill(onelogin.url)
    await settings.getByLabel('OneLogin client ID').fill(onelogin.manageAll.client_id)
    await settings.getByLabel('OneLogin client secret').fill('not-the-secret-at-all')
    expect(await settings.getByLabel('OneLogin client secret').getAttribute('type')).toBe('password')
    await settings.getByRole('button', { name: 'Save' }).click()
    // The refusal is tied to the secret field (aria-describedby), and nothing was connected.
    const secretField = settings.getByLabel('OneLogin client secret')
    await expect.poll(() => secretField.getAttribute('aria-invalid'), { timeout: 30_000 }).toBe('true')
    expect(await description(page, 'OneLogin client secret')).toMatch(/OneLogin refused the client ID and secret/)
    await page.getByText('Not connected', { exact: true }).waitFor()
    expect((await getJson<Integration>(page, `${warden.url}/api/v1/integrations/${id}`)).status).toBe('not_connected')
    await shot(page, '21-integration-settings-wrong-secret')

    // The right secret: Syncing, then Connected.
    await secretField.fill(secret)
    await settings.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Syncing', { exact: true }).waitFor({ timeout: 30_000 })
    expect(await settings.getByText('Stored', { exact: true }).count()).toBe(1)
    await expect.poll(() => page.getByText('Connected', { exact: true }).count(), { timeout: 60_000, interval: 500 }).toBe(1)
    expect((await getJson<Integration>(page, `${warden.url}/api/v1/integrations/${id}`)).status).toBe('connected')

    // The sync log: a succeeded run with its counts and OneLogin API calls, and the chart.
    const runs = await getJson<{ items: Run[] }>(page, `${warden.url}/api/v1/integrations/${id}/syncs`)
    const first = runs.items[0]!
    expect(first.status).toBe('succeeded')
    expect(first.api_calls).toBeGreaterThan(0)
    expect(first.counts!.resources['user']).toBeGreaterThan(0)
    const log = page.getByRole('region', { name: 'Sync log' })
    const row = log.getByRole('row').filter({ hasText: 'succeeded' })
    await expect.poll(() => row.count()).toBe(1)
    await row.getByRole('cell', { name: String(first.api_calls), exact: true }).first().waitFor()
    await row.getByRole('cell', { name: new RegExp(`^${first.counts!.resources['user']} users, ${first.counts!.resources['role']} roles`) }).waitFor()
    await row.getByRole('cell', { name: String(first.counts!.grants), exact: true }).waitFor()
    expect(await page.content()).not.toContain(secret)

    // One run's log.
    await row.getByRole('link').click()
    await page.getByRole('heading', { level: 1, name: 'Sync run' }).waitFor()
    expect(new URL(page.url()).searchParams.get('run')).toBe(first.id)
    await page.getByRole('region', { name: /^Log \(\d+ lines\)$/ }).getByRole('cell', { name: /OneLogin API calls/ }).first().waitFor()
    await shot(page, '23-integration-sync-run-log')
    await page.getByRole('link', { name: '← Connector' }).click()
    await page.getByRole('heading', { level: 1, name: 'Acme OneLogin' }).waitFor()

    // The secret is never shown, not even after a reload.
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Acme OneLogin' }).waitFor()
    await page.getByRole('region', { name: 'Settings' }).getByText('Stored', { exact: true }).waitFor()
    expect(await page.content()).not.toContain(secret)

    // Pause, then Resume.
    await page.getByRole('button', { name: 'Pause' }).click()
    await page.getByText('Paused', { exact: true }).waitFor()
    expect((await getJson<Integration>(page, `${warden.url}/api/v1/integrations/${id}`)).paused).toBe(true)
    await page.getByRole('button', { name: 'Resume' }).click()
    await page.getByRole('button', { name: 'Pause' }).waitFor()
    expect(await page.getByText('Paused', { exact: true }).count()).toBe(0)
    expect((await getJson<Integration>(page, `${warden.url}/api/v1/integrations/${id}`)).paused).toBe(false)

    // Sync now: a second run appears in the log and succeeds.
    await page.getByRole('button', { name: 'Sync now' }).click()
    await page.getByRole('status').filter({ hasText: /Sync queued|already queued or running/ }).waitFor()
    await expect.poll(() => log.getByRole('row').filter({ hasText: 'succeeded' }).count(), { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(2)
    const after = await getJson<{ items: Run[] }>(page, `${warden.url}/api/v1/integrations/${id}/syncs`)
    expect(after.items.length).toBeGreaterThanOrEqual(2)
    expect(after.items.filter((r) => r.status === 'succeeded').length).toBeGreaterThanOrEqual(2)
    // Two runs make a line: OneLogin API calls per sync.
    await log.getByRole('img', { name: 'OneLogin API calls per sync' }).waitFor()
    await shot(page, '22-integration-connected')

    // The list shows the connector with its status, domain and owner.
    await page.getByRole('link', { name: '← Integrations' }).click()
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor()
    const listed = page.getByRole('row').filter({ hasText: 'Acme OneLogin' })
    await listed.getByText('Connected', { exact: true }).waitFor()
    await listed.getByText(new URL(onelogin.url).host).waitFor()
    await listed.getByText(`${ADMIN.name} (you)`).waitFor()
    await shot(page, '24-integrations-list')

    // With a connector, Add connector leads to the flow on its own page.
    await page.getByRole('link', { name: 'Add connector' }).click()
    await page.getByRole('heading', { level: 1, name: 'Add connector' }).waitFor()
    await page.getByLabel('Use an existing application').check()
    await page.getByRole('combobox', { name: 'Application' }).selectOption({ label: 'Acme OneLogin' })
    await shot(page, '25-add-connector')
    expect(pageErrors).toEqual([])
    await context.close()

    // On a tablet the connector page fits the screen: the wide sync log scrolls inside its own box.
    const tablet = await openTab(browser, 'tablet')
    await signIn(tablet.page, warden)
    await tablet.page.goto(`${warden.url}/integrations/${id}`)
    await tablet.page.getByRole('heading', { level: 1, name: 'Acme OneLogin' }).waitFor()
    await tablet.page.getByRole('region', { name: 'Sync log' }).getByRole('img', { name: 'OneLogin API calls per sync' }).waitFor()
    expect(await tablet.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0)
    await shot(tablet.page, '26-integration-tablet')
    expect(tablet.pageErrors).toEqual([])
    await tablet.context.close()
  })
})
