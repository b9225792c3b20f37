import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, launchBrowser, openTab, screenshot, setUpFirstAdmin, startWarden } from './harness.js'
import type { Warden } from './harness.js'

describe('web console: first run, sign-in, API tokens', () => {
  let warden: Warden
  let browser: Browser
  beforeAll(async () => {
    ;[warden, browser] = await Promise.all([startWarden(), launchBrowser()])
  })
  afterAll(async () => {
    await browser?.close()
    await warden?.stop()
  })

  it('sets up the first administrator from the printed link, signs out, refuses a wrong password, signs in again', async () => {
    const { page, context, pageErrors } = await openTab(browser)
    // Before setup, the sign-in page points at the setup link.
    await page.goto(warden.url)
    await page.waitForURL(/\/sign-in\?next=/)
    await expect.poll(() => page.getByRole('status').textContent()).toContain('no administrator yet')
    await screenshot(page, '01-sign-in-before-setup')

    await setUpFirstAdmin(page, warden)
    expect(new URL(page.url()).hash).toBe('') // the token left the address bar
    await page.getByRole('heading', { name: 'Integrations' }).waitFor()

    await page.getByRole('button', { name: ADMIN.name }).click()
    await page.getByRole('menuitem', { name: 'Sign out' }).click()
    await page.waitForURL(/\/sign-in/)

    await page.getByLabel('Email').fill(ADMIN.email)
    await page.getByLabel('Password').fill('not the password at all')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/email or password/i)
    await screenshot(page, '02-sign-in-refused')

    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Integrations' }).waitFor()
    // A deep link survives sign-in.
    await context.clearCookies()
    await page.goto(`${warden.url}/account/tokens`)
    await page.waitForURL(/\/sign-in\?next=%2Faccount%2Ftokens/)
    await page.getByLabel('Email').fill(ADMIN.email)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'API tokens' }).waitFor()
    expect(pageErrors).toEqual([])
    await context.close()
  })

  it('creates an API token from the user menu, shows it once, and it works against the API; revoking it stops it', async () => {
    const { page, context, pageErrors } = await openTab(browser)
    await page.goto(`${warden.url}/sign-in`)
    await page.getByLabel('Email').fill(ADMIN.email)
    await page.getByLabel('Password').fill(ADMIN.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('button', { name: ADMIN.name }).click()
    await page.getByRole('menuitem', { name: 'API tokens' }).click()
    await expect.poll(() => page.getByText('You have no API tokens yet.').count()).toBe(1)
    await page.getByLabel('Name').fill('ci script')
    await page.getByRole('button', { name: 'Create token' }).click()
    const token = (await page.getByTestId('new-token').textContent())?.trim() ?? ''
    expect(token).toMatch(/^wd/)
    const me = await fetch(`${warden.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    await page.getByRole('cell', { name: 'ci script', exact: true }).waitFor()
    await screenshot(page, '03-api-tokens')

    await page.getByRole('button', { name: 'Revoke ci script' }).click()
    await page.getByRole('cell', { name: 'revoked' }).waitFor()
    expect((await fetch(`${warden.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
    // Reloading does not show the token again.
    await page.reload()
    await page.getByRole('cell', { name: 'ci script', exact: true }).waitFor()
    expect(await page.getByTestId('new-token').count()).toBe(0)
    expect(pageErrors).toEqual([])
    await context.close()
  })
})
