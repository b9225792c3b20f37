import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OneLoginApi } from '../../src/connector/test-support.js'
import type { RunningEmulator } from '../../src/emulator/index.js'
import { ADMIN, launchBrowser, openTab, screenshot, setUpFirstAdmin, signIn, startWarden } from './harness.js'
import type { Warden } from './harness.js'

/**
 * Requesting and approving in the browser: a person asks for time-bound access from the catalog,
 * the entitlement's owner approves it in the inbox, Warden grants it in OneLogin (checked against
 * the emulator's own API), the grant shows with its countdown, and Revoke now takes it away.
 */

const ENGINEERING = 330102
const ENTITLEMENT = `role:${ENGINEERING}:member`
const OLIVIA = { id: 41235012, email: 'olivia.brown@acme.example', password: 'olivia needs engineering' }

async function json<T>(page: Page, method: 'GET' | 'POST' | 'PATCH', url: string, data?: unknown): Promise<T> {
  const res = await page.request.fetch(url, { method, ...(data === undefined ? {} : { data }) })
  if (!res.ok()) throw new Error(`${method} ${url}: ${res.status()} ${await res.text()}`)
  return (await res.json()) as T
}

/** The demo tenant the server started, from its banner. */
function oneLoginOf(warden: Warden): OneLoginApi {
  const m = /OneLogin emulator \(demo tenant\): (\S+)\s+client ID (\S+), client secret (\S+)/.exec(warden.stdout())
  if (m === null) throw new Error(`no emulator in the banner:\n${warden.stdout()}`)
  return new OneLoginApi({ url: m[1], manageAll: { client_id: m[2], client_secret: m[3] } } as unknown as RunningEmulator)
}

async function inRole(onelogin: OneLoginApi, userId: number): Promise<boolean> {
  const users = (await onelogin.call('GET', `/api/2/roles/${ENGINEERING}/users?limit=500`)) as { id: number }[]
  return users.some((u) => u.id === userId)
}

describe('web console: access requests', () => {
  let warden: Warden
  let browser: Browser
  beforeAll(async () => {
    ;[warden, browser] = await Promise.all([startWarden({ emulator: true }), launchBrowser()])
  })
  afterAll(async () => {
    await browser?.close()
    await warden?.stop()
  })

  it('requests time-bound access, the owner approves it, Warden grants it in OneLogin, and Revoke now removes it', async () => {
    const onelogin = oneLoginOf(warden)
    const admin = await openTab(browser)
    await setUpFirstAdmin(admin.page, warden)
    await expect
      .poll(async () => (await json<{ items: { status: string }[] }>(admin.page, 'GET', `${warden.url}/api/v1/integrations`)).items[0]?.status, { timeout: 60_000, interval: 500 })
      .toBe('connected')
    const integration = (await json<{ items: { id: string }[] }>(admin.page, 'GET', `${warden.url}/api/v1/integrations`)).items[0]!.id
    const me = await json<{ user: { id: string } }>(admin.page, 'GET', `${warden.url}/api/v1/me`)
    // Engineering membership: requestable for up to 8 hours, owned by the administrator.
    await json(admin.page, 'PATCH', `${warden.url}/api/v1/integrations/${integration}/entitlements/${ENTITLEMENT}`, {
      requestable: true,
      max_duration_minutes: 480,
      owner_user_ids: [me.user.id],
    })
    // Olivia (in Sales, not Engineering) signs in to Warden with her work email.
    await json(admin.page, 'POST', `${warden.url}/api/v1/users`, { email: OLIVIA.email, display_name: 'Olivia Brown', password: OLIVIA.password })
    expect(await inRole(onelogin, OLIVIA.id)).toBe(false)

    const olivia = await openTab(browser)
    await signIn(olivia.page, warden, OLIVIA.email, OLIVIA.password)
    await olivia.page.getByRole('heading', { name: 'Request access', level: 1 }).waitFor()
    await olivia.page.getByRole('button', { name: 'Request Engineering member' }).click()
    const dialog = olivia.page.getByRole('dialog', { name: 'Request Engineering member' })
    await dialog.getByLabel('For how long').selectOption({ label: '2 h' })
    await dialog.getByLabel('Reason').fill('On call for the payments migration this week')
    await screenshot(olivia.page, '50-request-form')
    await dialog.getByRole('button', { name: 'Send request' }).click()
    await olivia.page.waitForURL(/\/requests\/req_[0-9a-z]{26}$/)
    await expect.poll(() => olivia.page.getByRole('main').textContent()).toContain('pending')
    await screenshot(olivia.page, '51-request-pending')

    // The owner's inbox.
    await admin.page.goto(`${warden.url}/tasks`)
    const approve = admin.page.getByRole('button', { name: 'Approve Engineering member for Olivia Brown' })
    await approve.waitFor()
    await screenshot(admin.page, '52-approvals-inbox')
    await approve.click()
    const decide = admin.page.getByRole('dialog', { name: 'Approve: Engineering member' })
    await decide.getByLabel('Reason').fill('Agreed with her manager')
    await decide.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => admin.page.getByText('Nothing is waiting for you.').count()).toBe(1)

    // Provisioned in OneLogin, and the request says so.
    await expect.poll(() => inRole(onelogin, OLIVIA.id), { timeout: 60_000, interval: 500 }).toBe(true)
    await expect.poll(() => olivia.page.getByRole('main').textContent(), { timeout: 30_000 }).toMatch(/done/)
    expect(await olivia.page.getByRole('main').textContent()).toMatch(/left/)
    await screenshot(olivia.page, '53-request-done')

    // Time-bound grants: the countdown, then Revoke now.
    await admin.page.goto(`${warden.url}/grants/timebound`)
    const revoke = admin.page.getByRole('button', { name: /^Revoke Engineering member from / })
    await revoke.waitFor()
    expect(await admin.page.getByRole('cell', { name: /^1 h 5\d min|^1 h 59 min|^2 h 0 min/ }).count()).toBe(1)
    await screenshot(admin.page, '54-timebound-grants')
    await revoke.click()
    await expect.poll(() => inRole(onelogin, OLIVIA.id), { timeout: 60_000, interval: 500 }).toBe(false)

    await admin.page.goto(`${warden.url}/requests?mine=false`)
    expect(admin.pageErrors).toEqual([])
    expect(olivia.pageErrors).toEqual([])
    await admin.context.close()
    await olivia.context.close()
  })

  it('offers only durations within the maximum, and shows a refusal next to its field without leaving the form', async () => {
    const tab = await openTab(browser)
    await signIn(tab.page, warden, ADMIN.email, ADMIN.password)
    await tab.page.goto(`${warden.url}/requests/catalog`)
    await tab.page.getByRole('button', { name: 'Request Engineering member' }).click()
    const dialog = tab.page.getByRole('dialog', { name: 'Request Engineering member' })
    // Only durations within the maximum are offered; the longest is 8 h.
    const options = await dialog.getByLabel('For how long').locator('option').allTextContents()
    expect(options.at(-1)).toBe('8 h')
    expect(options).not.toContain('Permanent')
    // The administrator has no OneLogin account in the tenant: the server refuses, and says why
    // next to the field it concerns (whom the request is for).
    await dialog.getByLabel('Reason').fill('Testing the catalog')
    await dialog.getByRole('button', { name: 'Send request' }).click()
    const forField = dialog.getByLabel('For someone else (email)')
    await expect.poll(() => forField.getAttribute('aria-invalid')).toBe('true')
    const described = (await forField.getAttribute('aria-describedby')) ?? ''
    expect(await tab.page.locator(`[id="${described.split(' ').at(-1)}"]`).textContent()).toMatch(/no OneLogin person with your email/)
    expect(new URL(tab.page.url()).pathname).toBe('/requests/catalog')
    await screenshot(tab.page, '55-request-refused')
    expect(tab.pageErrors).toEqual([])
    await tab.context.close()
  })
})
