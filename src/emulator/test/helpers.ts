/**
 * Plain-`fetch` helpers for the emulator's tests. They speak HTTP exactly as the OneLogin docs
 * describe it; nothing here comes from Warden's client.
 */
import type { EmulatorOptions, RunningEmulator } from '../index.js'
import { startEmulator } from '../index.js'
import type { CredentialScope } from '../seed.js'
import type { FixtureOptions } from '../test-fixtures.js'
import { FIXTURE_CREDENTIALS, fixtureTenant } from '../test-fixtures.js'

export async function startFixture(opts: Partial<EmulatorOptions> & { fixture?: FixtureOptions } = {}): Promise<RunningEmulator> {
  const { fixture, ...rest } = opts
  return startEmulator({ tenant: fixtureTenant(fixture), ...rest })
}

export function credential(scope: CredentialScope): { client_id: string; client_secret: string } {
  const c = FIXTURE_CREDENTIALS.find((x) => x.scope === scope)
  if (!c) throw new Error(`no fixture credential for ${scope}`)
  return c
}

/** `POST /auth/oauth2/v2/token` with the docs' custom header; returns the access token. */
export async function getToken(emu: RunningEmulator, scope: CredentialScope = 'manage_all'): Promise<string> {
  const c = credential(scope)
  const res = await fetch(`${emu.url}/auth/oauth2/v2/token`, {
    method: 'POST',
    headers: { authorization: `client_id:${c.client_id}, client_secret:${c.client_secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials' }),
  })
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`)
  const body = (await res.json()) as { access_token: string }
  return body.access_token
}

export interface Call {
  status: number
  headers: Headers
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown
  text: string
}

/** One request; `body` objects and arrays are sent as JSON. */
export async function call(
  emu: RunningEmulator,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  if (opts.token !== undefined) headers['authorization'] = `Bearer ${opts.token}`
  let body: string | undefined
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
    headers['content-type'] ??= 'application/json'
  }
  const res = await fetch(`${emu.url}${path}`, { method, headers, body })
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = text === '' ? undefined : JSON.parse(text)
  } catch {
    parsed = text
  }
  return { status: res.status, headers: res.headers, body: parsed, text }
}

/** A bound caller for one token. */
export function client(emu: RunningEmulator, token: string) {
  return {
    get: (path: string) => call(emu, 'GET', path, { token }),
    post: (path: string, body?: unknown) => call(emu, 'POST', path, { token, body }),
    put: (path: string, body?: unknown) => call(emu, 'PUT', path, { token, body }),
    del: (path: string, body?: unknown) => call(emu, 'DELETE', path, { token, body }),
  }
}

export function decodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'base64').toString('utf8')
}

export function cursorFor(query: string): string {
  return encodeURIComponent(Buffer.from(query).toString('base64'))
}

export async function control(emu: RunningEmulator, method: string, path: string, body?: unknown): Promise<Call> {
  return call(emu, method, `/__emulator${path}`, { body })
}

/** Follows v2 After-Cursor headers from `firstPath`, re-sending `carry` query params; returns all items and the request count. */
export async function walkV2(emu: RunningEmulator, token: string, firstPath: string, carry = ''): Promise<{ items: Record<string, unknown>[]; requests: number }> {
  const items: Record<string, unknown>[] = []
  const base = firstPath.split('?')[0] ?? firstPath
  let path = firstPath
  let requests = 0
  for (;;) {
    const r = await call(emu, 'GET', path, { token })
    requests++
    if (r.status !== 200) throw new Error(`walk ${path}: ${r.status} ${r.text}`)
    items.push(...(r.body as Record<string, unknown>[]))
    const after = r.headers.get('after-cursor')
    if (!after || requests > 1000) break
    path = `${base}?cursor=${encodeURIComponent(after)}${carry ? `&${carry}` : ''}`
  }
  return { items, requests }
}
