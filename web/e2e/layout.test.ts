import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser, openTab, screenshot, setUpFirstAdmin, startWarden } from './harness.js'
import type { Warden } from './harness.js'

/**
 * Every page of the console at tablet width: nothing wider than the screen (wide tables scroll
 * inside their own box), every form control and button has a name a screen reader can say, and
 * the keyboard reaches the content first thing.
 */

/** Controls with no accessible name, and how far the page overflows the viewport sideways. */
async function audit(page: Page): Promise<{ unnamed: string[]; overflow: number }> {
  return page.evaluate(() => {
    const unnamed: string[] = []
    for (const el of Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]'))) {
      const h = el as HTMLElement
      if (h.closest('.visually-hidden') !== null || h.offsetParent === null) continue
      const labelled =
        (h.getAttribute('aria-label') ?? '').trim() !== '' ||
        h.getAttribute('aria-labelledby') !== null ||
        ((h as HTMLInputElement).labels?.length ?? 0) > 0 ||
        (h.textContent ?? '').trim() !== ''
      if (!labelled) unnamed.push(h.outerHTML.slice(0, 120))
    }
    return { unnamed, overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth }
  })
}

describe('web console layout and accessibility', () => {
  let warden: Warden
  let browser: Browser
  beforeAll(async () => {
    ;[warden, browser] = await Promise.all([startWarden({ emulator: true }), launchBrowser()])
  })
  afterAll(async () => {
    await browser?.close()
    await warden?.stop()
  })

  it('every page fits a tablet, names every control, and starts with a skip link', async () => {
    const { page, context, pageErrors } = await openTab(browser, 'tablet')
    await setUpFirstAdmin(page, warden)
    // Let the demo integration's first sync finish so the pages have rows.
    await expect
      .poll(async () => ((await (await page.request.get(`${warden.url}/api/v1/integrations`)).json()) as { items: { status: string }[] }).items[0]?.status, {
        timeout: 60_000,
        interval: 500,
      })
      .toBe('connected')

    const paths: [string, string][] = [
      ['/integrations', 'Integrations'],
      ['/apps', 'Applications'],
      ['/people', 'People'],
      ['/audit', 'Audit log'],
      ['/account/tokens', 'API tokens'],
      ['/requests/catalog', 'Request access'],
      ['/requests', 'My requests'],
      ['/tasks', 'Approvals'],
      ['/tasks/manual', 'Manual tasks'],
      ['/grants/timebound', 'Time-bound grants'],
    ]
    const integrations = (await (await page.request.get(`${warden.url}/api/v1/integrations`)).json()) as { items: { id: string }[] }
    const people = (await (await page.request.get(`${warden.url}/api/v1/identities?limit=1`)).json()) as { items: { id: string }[] }
    const apps = (await (await page.request.get(`${warden.url}/api/v1/apps?limit=1`)).json()) as { items: { id: string }[] }
    paths.push([`/integrations/${integrations.items[0]!.id}`, ''], [`/people/${people.items[0]!.id}`, ''], [`/apps/${apps.items[0]!.id}`, ''])
    // Access reviews: a running campaign (every role membership, reviewed by the administrator), so its
    // page has progress, evidence and items, and the inbox has rows.
    const me = (await (await page.request.get(`${warden.url}/api/v1/me`)).json()) as { user: { id: string } }
    const campaign = (await (
      await page.request.post(`${warden.url}/api/v1/campaigns`, {
        data: { name: 'Roles review', scope: { resource_types: ['role'] }, reviewers: { type: 'users', user_ids: [me.user.id] }, due_at: new Date(Date.now() + 7 * 86_400_000).toISOString() },
      })
    ).json()) as { id: string }
    for (const verb of ['stage', 'start']) expect((await page.request.post(`${warden.url}/api/v1/campaigns/${campaign.id}/${verb}`)).status()).toBe(200)
    paths.push(['/reviews', 'My reviews'], ['/campaigns', 'Access reviews'], ['/campaigns/new', 'New campaign'], [`/campaigns/${campaign.id}`, 'Roles review'])

    for (const [path, title] of paths) {
      await page.goto(`${warden.url}${path}`)
      const heading = page.getByRole('heading', { level: 1 })
      if (title !== '') await page.getByRole('heading', { level: 1, name: title }).waitFor()
      else await heading.waitFor()
      // Wait for the page's data, not just its frame.
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'Loading' }).count(), { timeout: 15_000 }).toBe(0)
      const { unnamed, overflow } = await audit(page)
      expect(unnamed, `${path}: controls without a name`).toEqual([])
      expect(overflow, `${path}: wider than a tablet by ${overflow}px`).toBeLessThanOrEqual(0)
      await screenshot(page, `90-tablet${path.replace(/\//g, '-').replace(/-[a-z]{3}_[0-9a-z]{26}/, '-detail')}`)
    }

    // Keyboard: the first Tab reaches "Skip to content", which moves focus to the page.
    await page.goto(`${warden.url}/people`)
    await page.getByRole('heading', { level: 1, name: 'People' }).waitFor()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main')
    expect(pageErrors).toEqual([])
    await context.close()
  })
})
