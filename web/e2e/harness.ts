/**
 * End-to-end harness: the real `warden serve` as a child process (its own SQLite file and data
 * directory), the OneLogin emulator over real HTTP, and Debian's Chromium driven by playwright-core.
 * Screenshots of every page land in test-results/screenshots/ (printed once per run).
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { expect } from 'vitest'
import { demoTenant, startEmulator } from '../../src/emulator/index.js'
import type { RunningEmulator } from '../../src/emulator/index.js'

const BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url))
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url))
export const CHROMIUM = process.env['WARDEN_CHROMIUM'] ?? '/usr/bin/chromium'
export const ADMIN = { email: 'admin@example.com', name: 'Ada Admin', password: 'correct horse battery staple' }

export interface Warden {
  url: string
  setupLink: string | undefined
  stdout: () => string
  stop: () => Promise<void>
}

/** `warden serve` on a free port with a fresh database; `emulator` adds the demo tenant and its integration. */
export async function startWarden(options: { emulator?: boolean } = {}): Promise<Warden> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-e2e-'))
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env['DATABASE_URL']
  delete env['WARDEN_SECRET_KEY']
  const args = ['serve', '--port', '0', '--database', `sqlite:${join(dir, 'warden.db')}`, '--data-dir', join(dir, 'data'), '--allow-onelogin-url']
  if (options.emulator === true) args.push('--emulator', '--emulator-port', '0')
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BIN, ...args], { env, cwd: dir })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const deadline = Date.now() + 60_000
  while (!out.includes('Stop with Ctrl-C')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`warden serve did not start:\n${out}\n${err}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] as string
  return {
    url,
    setupLink: /^\s+(http:\/\/\S+\/setup#token=\S+)$/m.exec(out)?.[1],
    stdout: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM')
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))])
      if (child.exitCode === null) child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A OneLogin tenant (the demo one) for the UI to connect to. */
export function startOneLogin(): Promise<RunningEmulator> {
  return startEmulator({ tenant: demoTenant(), port: 0 })
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

export interface Tab {
  context: BrowserContext
  page: Page
  /** Uncaught errors in the page: a test ends by expecting none. */
  pageErrors: string[]
}

/** A fresh browser profile (no cookies) at a laptop size, or a tablet's. */
export async function openTab(browser: Browser, size: 'laptop' | 'tablet' = 'laptop'): Promise<Tab> {
  const viewport = size === 'laptop' ? { width: 1366, height: 850 } : { width: 820, height: 1180 }
  const context = await browser.newContext({ viewport })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  return { context, page, pageErrors }
}

let announced = false

/** Saves a full-page screenshot as test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  if (!announced) {
    announced = true
    console.log(`UI screenshots: ${SCREENSHOT_DIR}`)
  }
  // From the top: a full-page shot of a scrolled page draws the sticky top bar mid-page.
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })
}

/** Creates the first Super Administrator through the setup page the printed link opens. */
export async function setUpFirstAdmin(page: Page, warden: Warden): Promise<void> {
  expect(warden.setupLink, 'warden serve printed no setup link').toBeDefined()
  await page.goto(warden.setupLink as string)
  await page.getByLabel('Email').fill(ADMIN.email)
  await page.getByLabel('Name').fill(ADMIN.name)
  await page.getByLabel('Password').fill(ADMIN.password)
  await page.getByRole('button', { name: 'Create administrator' }).click()
  await page.getByRole('button', { name: ADMIN.name }).waitFor()
}

/** Signs in through the sign-in page. */
export async function signIn(page: Page, warden: Warden, email = ADMIN.email, password = ADMIN.password): Promise<void> {
  await page.goto(`${warden.url}/sign-in`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('navigation', { name: 'Admin' }).waitFor()
}
