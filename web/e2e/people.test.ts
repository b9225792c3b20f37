import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUDIT_CSV_COLUMNS } from '../../src/store/index.js'
import { ADMIN, launchBrowser, openTab, screenshot, setUpFirstAdmin, startWarden } from './harness.js'
import type { Warden } from './harness.js'

// People and the audit log over `warden serve --emulator`: the Acme demo tenant's integration is
// made and its first sync queued at start (src/emulator/demo-tenant.ts has the people below).
// Olivia Brown is an Account Executive in Sales reporting to James O'Connor; she is in the
// Employees and Sales roles and the Remote group, so she holds those directly and Slack,
// Google Workspace, Zoom, Workday and the Employee Portal through Employees, Salesforce through Sales.

const OLIVIA_ACCESS = [
  ['Acme Employee Portal access', 'through role Employees'],
  ['Google Workspace access', 'through role Employees'],
  ['Salesforce access', 'through role Sales'],
  ['Slack access', 'through role Employees'],
  ['Workday access', 'through role Employees'],
  ['Zoom access', 'through role Employees'],
] as const
const OLIVIA_DIRECT = ['Employees member', 'Sales member', 'Remote member'] as const

/** The text of the row of `table` that has `text` in it. */
function rowText(page: Page, table: string, text: string): Promise<string | null> {
  return page.getByRole('table', { name: table }).getByRole('row').filter({ hasText: text }).first().textContent()
}

describe('web console: people and the audit log', () => {
  let warden: Warden
  let browser: Browser
  beforeAll(async () => {
    ;[warden, browser] = await Promise.all([startWarden({ emulator: true }), launchBrowser()])
  })
  afterAll(async () => {
    await browser?.close()
    await warden?.stop()
  })

  it("finds a user's access: searches People, opens the person, sees their OneLogin status, manager and each grant with its source", { timeout: 150_000 }, async () => {
    const { page, context, pageErrors } = await openTab(browser)
    await setUpFirstAdmin(page, warden)
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'People' }).click()
    await page.getByRole('heading', { name: 'People', level: 1 }).waitFor()
    // The page looks again by itself while nobody is there yet: wait for the first sync to land.
    await expect.poll(() => page.getByRole('link', { name: 'Olivia Brown', exact: true }).count(), { timeout: 60_000, interval: 1000 }).toBe(1)
    expect(await page.getByRole('table', { name: 'People' }).getByRole('row').count()).toBe(26) // 25 people and the header
    await screenshot(page, '40-people-list')

    await page.getByLabel('Search people').fill('OLIVIA')
    await page.waitForURL(/\/people\?q=OLIVIA$/)
    await expect.poll(() => page.getByRole('table', { name: 'People' }).getByRole('row').count()).toBe(2)
    const row = await rowText(page, 'People', 'Olivia Brown')
    expect(row).toContain('olivia.brown@acme.example')
    expect(row).toContain('active')
    expect(row).toContain("James O'Connor")
    // A search nobody matches says so; the search is in the address, so it survives a reload.
    await page.getByLabel('Search people').fill('nobody-here')
    await page.getByText('No one\'s name or email contains “nobody-here”.').waitFor()
    await page.reload()
    expect(await page.getByLabel('Search people').inputValue()).toBe('nobody-here')
    await page.getByText('No one\'s name or email contains “nobody-here”.').waitFor()
    await page.getByLabel('Search people').fill('OLIVIA')
    await page.waitForURL(/\/people\?q=OLIVIA$/)

    await page.getByRole('link', { name: 'Olivia Brown', exact: true }).click()
    await page.getByRole('heading', { name: 'Olivia Brown', level: 1 }).waitFor()
    const details = page.getByRole('region', { name: 'Details' })
    await expect.poll(() => details.textContent()).toContain('olivia.brown@acme.example')
    const facts = (await details.textContent()) ?? ''
    expect(facts).toContain('Not linked')
    expect(facts).toContain('active')
    expect(facts).toContain('DepartmentSales')
    expect(facts).toContain('Account Executive')
    await details.getByRole('link', { name: "James O'Connor" }).waitFor()
    const accounts = page.getByRole('table', { name: 'OneLogin accounts' }).getByRole('row')
    expect(await accounts.count()).toBe(2)
    expect(await accounts.nth(1).textContent()).toContain('user:41235012')

    // Access: every grant, each with why; the sources name the role.
    const access = page.getByRole('table', { name: 'Access' })
    await expect.poll(() => access.getByRole('row').count()).toBe(1 + OLIVIA_ACCESS.length + OLIVIA_DIRECT.length)
    for (const [entitlement, source] of OLIVIA_ACCESS) {
      await expect.poll(() => rowText(page, 'Access', entitlement)).toContain(source)
      const text = await rowText(page, 'Access', entitlement)
      expect(text).toContain('App')
      expect(text).toContain('Inherited')
      expect(text).not.toContain('Direct')
    }
    for (const entitlement of OLIVIA_DIRECT) {
      const text = await rowText(page, 'Access', entitlement)
      expect(text).toContain('Direct')
      expect(text).toContain('assigned directly')
    }
    // The chart's figures (each bar is a list item a screen reader reads as "Roles 2 grants").
    const chart = page.getByRole('figure', { name: 'Grants by kind' })
    expect(await chart.getByRole('listitem').filter({ hasText: /^Roles/ }).textContent()).toBe('Roles2 grants')
    expect(await chart.getByRole('listitem').filter({ hasText: /^Apps/ }).textContent()).toBe('Apps6 grants')
    expect(await chart.getByRole('listitem').filter({ hasText: /^Groups/ }).textContent()).toBe('Groups1 grants')
    expect(await chart.getByRole('listitem').filter({ hasText: /^Privileges/ }).textContent()).toBe('Privileges0 grants')
    // Inherited only.
    await page.getByLabel('Show', { exact: true }).selectOption({ label: 'Inherited only' })
    await expect.poll(() => access.getByRole('row').count()).toBe(1 + OLIVIA_ACCESS.length)
    await page.getByLabel('Show', { exact: true }).selectOption({ label: 'All access' })
    await expect.poll(() => access.getByRole('row').count()).toBe(1 + OLIVIA_ACCESS.length + OLIVIA_DIRECT.length)
    await screenshot(page, '41-person')

    // What the page shows is what the API says.
    const id = new URL(page.url()).pathname.split('/').pop() as string
    const api = await page.request.get(`${warden.url}/api/v1/grants?user=${id}&limit=500`)
    expect(api.status()).toBe(200)
    const grants = ((await api.json()) as { items: { entitlement_name: string; direct: boolean }[] }).items
    expect(grants.filter((g) => !g.direct).map((g) => g.entitlement_name).sort()).toEqual(OLIVIA_ACCESS.map(([e]) => e).sort())

    // The manager's link opens the manager.
    await details.getByRole('link', { name: "James O'Connor" }).click()
    await page.getByRole('heading', { name: "James O'Connor", level: 1 }).waitFor()
    await expect.poll(() => page.getByRole('region', { name: 'Details' }).textContent()).toContain('VP of Sales')
    expect(pageErrors).toEqual([])
    await context.close()
  })

  it('audit log: filters by action and time, expands an entry, verifies the chain and exports what the filters find', async () => {
    const { page, context, pageErrors } = await openTab(browser)
    await page.goto(`${warden.url}/sign-in`)
    await page.getByLabel('Email').fill(ADMIN.email)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Audit log' }).click()
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor()
    const entries = page.getByRole('table', { name: 'Audit entries' })
    await expect.poll(() => entries.getByRole('row').count()).toBeGreaterThan(3)

    // The demo integration was made by the system at start.
    await page.getByLabel('Action', { exact: true }).fill('integration.create')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/action=integration\.create/)
    await expect.poll(() => entries.getByRole('row').count()).toBe(2)
    const created = (await entries.getByRole('row').nth(1).textContent()) ?? ''
    expect(created).toContain('system')
    expect(created).toContain('integration int_')

    // The administrator's setup: expand it to see the user it made.
    await page.getByLabel('Action', { exact: true }).fill('setup.complete')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/action=setup\.complete/)
    await expect.poll(() => entries.getByRole('row').nth(1).textContent()).toContain('setup.complete')
    expect(await entries.getByRole('row').count()).toBe(2)
    const email = entries.getByText(ADMIN.email)
    expect(await email.isVisible()).toBe(false)
    const show = entries.getByRole('button', { name: /^Show after of entry \d+$/ })
    await show.click()
    await email.waitFor({ state: 'visible' })
    expect(await entries.getByRole('button', { name: /^Hide after of entry \d+$/ }).getAttribute('aria-expanded')).toBe('true')

    await page.getByRole('button', { name: 'Verify chain' }).click()
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Chain' }).textContent()).toMatch(/Chain OK\s*\d+ entries verified/)
    await screenshot(page, '42-audit-log')

    // The export takes the same filters, and the session cookie goes along.
    const href = (await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')) ?? ''
    expect(href).toBe('/api/v1/audit/export?format=csv&action=setup.complete')
    const csv = await page.request.get(`${warden.url}${href}`)
    expect(csv.status()).toBe(200)
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8')
    const lines = (await csv.text()).trimEnd().split('\n')
    expect(lines[0]).toBe(AUDIT_CSV_COLUMNS.join(','))
    expect(lines).toHaveLength(2)
    expect(lines[1]).toContain('setup.complete')
    const json = await page.request.get(`${warden.url}${(await page.getByRole('link', { name: 'Export JSON' }).getAttribute('href')) ?? ''}`)
    expect(((await json.json()) as { action: string }[]).map((e) => e.action)).toEqual(['setup.complete'])

    // A time window with nothing in it.
    await page.getByLabel('From', { exact: true }).fill('2099-01-01T00:00')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/from=20(98|99)-/)
    await page.getByText('No entries match these filters.').waitFor()
    await page.getByRole('button', { name: 'Clear' }).click()
    await expect.poll(() => entries.getByRole('row').count()).toBeGreaterThan(3)
    expect(await page.getByLabel('Action', { exact: true }).inputValue()).toBe('')
    expect(pageErrors).toEqual([])
    await context.close()
  })
})
