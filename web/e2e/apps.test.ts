import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiApp, ApiAppDetail, ApiEntitlementDetail, ApiGrant, ApiPage } from '../src/api/index.js'
import { ADMIN, launchBrowser, openTab, screenshot, setUpFirstAdmin, signIn, startWarden } from './harness.js'
import type { Warden } from './harness.js'

// The demo tenant (src/emulator/demo-tenant.ts) has three SCIM apps: Slack, GitHub and Salesforce.
// GitHub reaches people through two roles: Engineering (8 people, Oliver Scott among them) and
// Contractors (Oliver alone), so Oliver holds it through both.
const SCIM_APPS = ['GitHub', 'Salesforce', 'Slack']
const GITHUB_ACCESS = 'app:1204104:access'
const ENGINEERING = 'role:330102:member'
const CONTRACTORS = 'role:330108:member'

describe('web console: applications', () => {
  let warden: Warden
  let browser: Browser
  beforeAll(async () => {
    ;[warden, browser] = await Promise.all([startWarden({ emulator: true }), launchBrowser()])
  })
  afterAll(async () => {
    await browser?.close()
    await warden?.stop()
  })

  /** A GET with the page's session cookie: what the API says, beside what the page shows. */
  const apiGet = async <T>(page: Page, path: string): Promise<T> => {
    const res = await page.request.get(`${warden.url}/api/v1${path}`)
    expect(res.status(), `GET ${path}`).toBe(200)
    return (await res.json()) as T
  }

  it('manages a SCIM app the first sync found, edits its access settings and owners, and shows who has access and why', { timeout: 180_000 }, async () => {
    const { page, context, pageErrors } = await openTab(browser)
    await setUpFirstAdmin(page, warden)
    // `warden serve --emulator` queued the demo tenant's first sync: wait for its SCIM apps.
    await expect
      .poll(async () => (await apiGet<ApiPage<ApiApp>>(page, '/apps?state=unmanaged')).items.map((a) => a.name).sort(), { timeout: 60_000, interval: 500 })
      .toEqual(SCIM_APPS)

    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Applications' }).click()
    await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor()
    const apps = page.getByRole('table', { name: 'Applications' })
    const githubRow = apps.getByRole('row', { name: /GitHub/ })
    await githubRow.getByRole('cell', { name: 'unmanaged', exact: true }).waitFor()
    // The integration's own app was made in Warden and is managed from the start.
    await apps.getByRole('row', { name: /OneLogin \(demo tenant\)/ }).getByRole('cell', { name: 'managed', exact: true }).waitFor()
    expect(await apps.getByRole('button', { name: /^Manage / }).count()).toBe(3)

    // The chart: one bar per app, most held first (Slack: all 24 employees and the contractor).
    const chart = page.getByRole('figure', { name: /Access grants per application/ })
    await chart.waitFor()
    expect(await chart.getByRole('listitem').count()).toBe(10)
    expect(await chart.getByRole('listitem').first().textContent()).toBe('Slack25 grants')
    expect(await chart.locator('li').count()).toBe(10)
    const githubBar = chart.locator('a', { hasText: 'GitHub' })
    expect(await githubBar.getAttribute('href')).toMatch(/^\/apps\/app_[0-9a-z]{26}$/)
    expect(await chart.locator('a', { hasText: 'Zoom' }).count()).toBe(0) // not a SCIM app: no Warden app to link to
    await screenshot(page, '30-apps-list')

    // Filters go to the server: state, then name.
    await page.getByLabel('State').selectOption('unmanaged')
    await expect.poll(() => apps.getByRole('row').count()).toBe(1 + SCIM_APPS.length)
    await page.getByLabel('Name contains').fill('git')
    await expect.poll(() => apps.getByRole('row').count()).toBe(2)
    await githubRow.waitFor()
    await page.getByLabel('Name contains').fill('no such app')
    await page.getByText('No application matches these filters.').waitFor()
    await page.getByLabel('Name contains').fill('')
    await page.getByLabel('State').selectOption('')
    await expect.poll(() => apps.getByRole('row').count()).toBe(1 + SCIM_APPS.length + 1)

    // Manage: the dialog offers the roles that give GitHub, both chosen.
    await githubRow.getByRole('button', { name: 'Manage GitHub' }).click()
    const dialog = page.getByRole('dialog', { name: 'Manage GitHub' })
    await dialog.waitFor()
    expect(await dialog.getByRole('checkbox', { name: /Engineering member/ }).isChecked()).toBe(true)
    expect(await dialog.getByRole('checkbox', { name: /Contractors member/ }).isChecked()).toBe(true)
    await screenshot(page, '31-apps-manage-dialog')
    await dialog.getByRole('button', { name: 'Manage GitHub' }).click()
    await dialog.waitFor({ state: 'detached' })
    await githubRow.getByRole('cell', { name: 'managed', exact: true }).waitFor()
    expect(await githubRow.getByRole('button', { name: 'Manage GitHub' }).count()).toBe(0)
    await page.getByRole('status').filter({ hasText: 'GitHub is managed now' }).waitFor()
    const github = (await apiGet<ApiPage<ApiApp>>(page, '/apps?q=GitHub')).items[0] as ApiApp
    const githubDetail = await apiGet<ApiAppDetail>(page, `/apps/${github.id}`)
    expect(githubDetail.state).toBe('managed')
    expect(githubDetail.bindings.map((b) => b.entitlement_id)).toEqual([ENGINEERING, CONTRACTORS])
    await screenshot(page, '32-apps-list-managed')

    // The app's page.
    await githubRow.getByRole('link', { name: 'GitHub' }).click()
    await page.getByRole('heading', { name: 'GitHub', level: 1 }).waitFor()
    expect(new URL(page.url()).pathname).toBe(`/apps/${github.id}`)
    const about = page.getByRole('region', { name: 'About' })
    await about.getByText('governed by Warden').waitFor()
    expect(await about.getByRole('link', { name: 'OneLogin (demo tenant)' }).getAttribute('href')).toBe(`/integrations/${githubDetail.access?.integration_id}`)

    const entitlements = page.getByRole('table', { name: 'Entitlements of GitHub' })
    await entitlements.getByRole('row', { name: /GitHub access/ }).getByText('Not requestable').waitFor()
    await entitlements.getByRole('row', { name: /Engineering member/ }).getByText('Bound: requests provision through it').waitFor()
    await entitlements.getByRole('row', { name: /Contractors member/ }).getByText('Bound: requests provision through it').waitFor()

    // Who has access, and why: Oliver through both roles, everyone inherited.
    const holders = page.getByRole('table', { name: 'Who has access to GitHub' })
    await expect.poll(() => holders.getByRole('row').count()).toBe(1 + 8)
    const oliver = holders.getByRole('row', { name: /Oliver Scott/ })
    await expect.poll(() => oliver.getByRole('cell').nth(3).textContent()).toBe(`through role Engineering ${ENGINEERING}through role Contractors ${CONTRACTORS}`)
    expect(await oliver.getByRole('cell').nth(0).textContent()).toContain('oliver.scott@acme.example')
    expect(await oliver.getByRole('cell').nth(2).textContent()).toBe('Inherited')
    expect(await holders.getByText('Direct', { exact: true }).count()).toBe(0)
    // Filter by email: a part of one is refused next to the field; a whole one (any case) finds the person.
    await page.getByLabel('User email').fill('liam')
    await page.getByRole('button', { name: 'Filter' }).click()
    expect(await describedBy(page, 'User email')).toContain('Enter a whole email address')
    await page.getByLabel('User email').fill('Liam.Walsh@acme.example')
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(() => holders.getByRole('row').count()).toBe(2)
    await holders.getByRole('row', { name: /liam\.walsh@acme\.example/ }).waitFor()
    await screenshot(page, '33-app-page')
    await page.getByRole('button', { name: 'Show everyone' }).click()
    await expect.poll(() => holders.getByRole('row').count()).toBe(1 + 8)

    // Settings: requestable for at most 8 hours.
    const entitlementUrl = `/integrations/${githubDetail.access?.integration_id}/entitlements/${GITHUB_ACCESS}`
    const settings = page.getByRole('form', { name: 'Access settings' })
    await settings.getByLabel('Requestable').check()
    await settings.getByLabel('Maximum duration').fill('8')
    await settings.getByLabel('Unit').selectOption('hours')
    await settings.getByLabel('Risk level').selectOption('high')
    await settings.getByRole('button', { name: 'Save settings' }).click()
    await settings.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor()
    expect(await apiGet<ApiEntitlementDetail>(page, entitlementUrl)).toMatchObject({ requestable: true, max_duration_minutes: 480, risk_level: 'high' })
    await entitlements.getByRole('row', { name: /GitHub access/ }).getByText('Up to 8 hours').waitFor()

    // Longer than the API allows (a year): its message shows next to the field, and nothing changes.
    await settings.getByLabel('Maximum duration').fill('100000')
    await settings.getByRole('button', { name: 'Save settings' }).click()
    await expect.poll(() => settings.getByLabel('Maximum duration').getAttribute('aria-invalid')).toBe('true')
    expect(await describedBy(page, 'Maximum duration')).toMatch(/527040/)
    expect(await settings.getByRole('status').count()).toBe(0)
    await screenshot(page, '34-app-settings-error')
    // Not a number of minutes at all: refused before it is sent.
    await settings.getByLabel('Maximum duration').fill('-3')
    await settings.getByRole('button', { name: 'Save settings' }).click()
    expect(await describedBy(page, 'Maximum duration')).toContain('Enter a positive number')
    expect((await apiGet<ApiEntitlementDetail>(page, entitlementUrl)).max_duration_minutes).toBe(480)

    // Owners: the administrator takes it on.
    const owners = page.getByRole('region', { name: 'Owners' })
    await owners.getByText('No owners yet.').waitFor()
    await owners.getByLabel('Add an owner').selectOption({ label: `${ADMIN.name} (${ADMIN.email})` })
    await owners.getByRole('button', { name: 'Add owner' }).click()
    await owners.getByRole('button', { name: `Remove owner ${ADMIN.name}` }).waitFor()
    expect((await apiGet<ApiEntitlementDetail>(page, entitlementUrl)).owners.map((o) => o.email)).toEqual([ADMIN.email])

    // The integration's own app holds every entitlement of the integration: a page of them, and of grants.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Applications' }).click()
    await page.getByRole('heading', { name: 'Applications', level: 1 }).waitFor()
    await page.getByRole('table', { name: 'Applications' }).getByRole('row', { name: /Made in Warden/ }).getByRole('link', { name: 'OneLogin (demo tenant)' }).click()
    await page.getByRole('heading', { name: 'OneLogin (demo tenant)', level: 1 }).waitFor()
    const integrationEntitlements = page.getByRole('table', { name: 'Entitlements' })
    await integrationEntitlements.getByRole('row', { name: /Engineering member/ }).waitFor()
    const allHolders = page.getByRole('table', { name: 'Who has access to OneLogin (demo tenant)' })
    await expect.poll(() => allHolders.getByRole('row').count()).toBe(1 + 25)
    expect(await allHolders.getByRole('columnheader', { name: 'Entitlement' }).count()).toBe(1)
    await page.getByRole('navigation', { name: 'Pages' }).first().waitFor()
    await screenshot(page, '36-app-page-integration')

    // The chart's GitHub bar leads to this page.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Applications' }).click()
    await page.getByRole('figure', { name: /Access grants per application/ }).locator('a', { hasText: 'GitHub' }).click()
    await page.getByRole('heading', { name: 'GitHub', level: 1 }).waitFor()
    // The grants of the whole app, once more from the API: 8 people, none direct.
    const grants = await apiGet<ApiPage<ApiGrant>>(page, `/grants?app_id=${github.id}`)
    expect(grants.items.filter((g) => !g.direct)).toHaveLength(8)
    expect(pageErrors).toEqual([])
    await context.close()

    // The same page on a tablet.
    const tablet = await openTab(browser, 'tablet')
    await signIn(tablet.page, warden)
    await tablet.page.goto(`${warden.url}/apps/${github.id}`)
    await tablet.page.getByRole('heading', { name: 'GitHub', level: 1 }).waitFor()
    await expect.poll(() => tablet.page.getByRole('table', { name: 'Who has access to GitHub' }).getByRole('row').count()).toBe(1 + 8)
    await screenshot(tablet.page, '35-app-page-tablet')
    expect(tablet.pageErrors).toEqual([])
    await tablet.context.close()
  })
})

/** The text a screen reader reads with a labelled field: its hint and its error. */
function describedBy(page: Page, label: string): Promise<string> {
  return page.getByLabel(label, { exact: true }).evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  )
}
