// v2 header pagination, onelogin-api.md §7.1. The fixture has 126 users and 65 roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import { control, cursorFor, decodeCursor, getToken, startFixture, walkV2, client } from './helpers.js'

type Row = Record<string, unknown>
const XOR = { status: 400, error: 'BadRequestError', description: 'Requests can only have cursor xor pagination arguments' }
const INVALID = { status: 400, error: 'BadRequestError', description: 'Invalid pagination cursor' }

let emu: RunningEmulator
let token: string
let api: ReturnType<typeof client>
beforeAll(async () => {
  emu = await startFixture()
  token = await getToken(emu)
  api = client(emu, token)
})
afterAll(async () => {
  await emu.close()
})

describe('v2 pagination headers', () => {
  it('first page: limit, Total-Count, Total-Pages, Current-Page, Page-Items, Cursor, After-Cursor, empty Before-Cursor, Link', async () => {
    const r = await api.get('/api/2/users?limit=50')
    expect(r.headers.get('total-count')).toBe('126')
    expect(r.headers.get('total-pages')).toBe('3')
    expect(r.headers.get('current-page')).toBe('1')
    expect(r.headers.get('page-items')).toBe('50')
    expect(decodeCursor(r.headers.get('cursor')!)).toBe('limit=50&sort=id&page=1&sort_direction=asc')
    expect(decodeCursor(r.headers.get('after-cursor')!)).toBe('limit=50&sort=id&page=2&sort_direction=asc')
    expect(r.headers.get('before-cursor')).toBe('')
    const link = r.headers.get('link')!
    expect(link).toContain('rel="first"')
    expect(link).toContain('rel="next"')
    expect(link).toContain('rel="last"')
    expect(link).toContain(`<${emu.url}/api/2/users?cursor=`)
    // The exact observed cursor format from ISS-TF203
    const roles = await api.get('/api/2/roles?limit=100')
    expect(roles.headers.get('cursor')).toBe('bGltaXQ9MTAwJnNvcnQ9aWQmcGFnZT0xJnNvcnRfZGlyZWN0aW9uPWFzYw==')
  })

  it('defaults to 50 and clamps users at 100', async () => {
    expect((await api.get('/api/2/users')).headers.get('page-items')).toBe('50')
    const r = await api.get('/api/2/users?limit=1000')
    expect((r.body as Row[])).toHaveLength(100)
    expect(r.headers.get('total-pages')).toBe('2')
    expect(decodeCursor(r.headers.get('cursor')!)).toBe('limit=100&sort=id&page=1&sort_direction=asc')
  })

  it('follows cursor-only requests to the end; the last page has an empty After-Cursor', async () => {
    const p1 = await api.get('/api/2/users?limit=50')
    const p2 = await api.get(`/api/2/users?cursor=${encodeURIComponent(p1.headers.get('after-cursor')!)}`)
    expect(p2.headers.get('current-page')).toBe('2')
    expect(decodeCursor(p2.headers.get('before-cursor')!)).toBe('limit=50&sort=id&page=1&sort_direction=asc')
    const p3 = await api.get(`/api/2/users?cursor=${encodeURIComponent(p2.headers.get('after-cursor')!)}`)
    expect(p3.headers.get('current-page')).toBe('3')
    expect(p3.headers.get('page-items')).toBe('26')
    expect(p3.headers.get('after-cursor')).toBe('')
    expect(p3.headers.get('link')).not.toContain('rel="next"')
    const ids = [p1, p2, p3].flatMap((r) => (r.body as Row[]).map((u) => u['id']))
    expect(new Set(ids).size).toBe(126)
    const walked = await walkV2(emu, token, '/api/2/users?limit=100')
    expect(walked.requests).toBe(2)
    expect(walked.items).toHaveLength(126)
  })

  it('keeps filters out of the cursor: clients re-send them with each cursor', async () => {
    const p1 = await api.get('/api/2/users?group_id=30&limit=50&fields=id')
    expect(p1.headers.get('total-count')).toBe('120')
    const after = p1.headers.get('after-cursor')!
    const p2 = await api.get(`/api/2/users?cursor=${encodeURIComponent(after)}&group_id=30&fields=id`)
    expect((p2.body as Row[])[0]).toEqual({ id: 2051 })
    expect(p2.headers.get('link')).toContain('group_id=30')
  })

  it('accepts page= and sort= in the cursor', async () => {
    const r = await api.get('/api/2/users?limit=10&page=13')
    expect(r.headers.get('current-page')).toBe('13')
    expect(r.headers.get('page-items')).toBe('6')
    expect(r.headers.get('after-cursor')).toBe('')
    const beyond = await api.get('/api/2/users?limit=10&page=20')
    expect(beyond.body).toEqual([])
    const desc = await api.get(`/api/2/users?cursor=${cursorFor('limit=2&sort=id&page=1&sort_direction=desc')}&fields=id`)
    expect(desc.body).toEqual([{ id: 2120 }, { id: 2119 }])
    // the docs' own example cursor format: limit=1000&page=3
    const docs = await api.get(`/api/2/apps?cursor=${cursorFor('limit=1000&page=1')}`)
    expect(docs.status).toBe(200)
  })
})

describe('v2 pagination errors (roles-service shape)', () => {
  for (const base of ['/api/2/users', '/api/2/roles', '/api/2/apps', '/api/2/roles/505/users', '/api/2/apps/702/users', '/api/2/roles/501/apps']) {
    it(`${base}: cursor with limit or page is 400 xor; a garbled cursor is 400 invalid`, async () => {
      const first = await api.get(`${base}?limit=2`)
      const cursor = encodeURIComponent(first.headers.get('cursor')!)
      const withLimit = await api.get(`${base}?cursor=${cursor}&limit=2`)
      expect(withLimit.status).toBe(400)
      expect(withLimit.body).toEqual(XOR)
      const withPage = await api.get(`${base}?cursor=${cursor}&page=1`)
      expect(withPage.body).toEqual(XOR)
      for (const bad of ['12345', 'not a cursor', cursorFor('hello=world'), cursorFor('limit=x&page=1')]) {
        const r = await api.get(`${base}?cursor=${encodeURIComponent(bad)}`)
        expect(r.status, bad).toBe(400)
        expect(r.body).toEqual(INVALID)
      }
    })
  }
})

describe('stale_after_cursor fault (After-Cursor not reliably empty, §7.1)', () => {
  it('sends an After-Cursor on the last page that leads to an empty page', async () => {
    await control(emu, 'POST', '/faults', { kind: 'stale_after_cursor', path: '/api/2/users' })
    try {
      const last = await api.get('/api/2/users?limit=100&page=2')
      expect(last.headers.get('current-page')).toBe('2')
      expect(last.headers.get('total-pages')).toBe('2')
      const stale = last.headers.get('after-cursor')!
      expect(decodeCursor(stale)).toBe('limit=100&sort=id&page=3&sort_direction=asc')
      const empty = await api.get(`/api/2/users?cursor=${encodeURIComponent(stale)}`)
      expect(empty.status).toBe(200)
      expect(empty.body).toEqual([])
      expect(empty.headers.get('page-items')).toBe('0')
      expect(empty.headers.get('current-page')).toBe('3')
      expect(empty.headers.get('after-cursor')).toBe('')
      // a naive After-Cursor follower still terminates, one request later
      const walked = await walkV2(emu, token, '/api/2/users?limit=100')
      expect(walked.requests).toBe(3)
      expect(walked.items).toHaveLength(126)
      // other paths are unaffected
      expect((await api.get('/api/2/apps')).headers.get('after-cursor')).toBe('')
    } finally {
      await control(emu, 'DELETE', '/faults')
    }
    expect((await api.get('/api/2/users?limit=100&page=2')).headers.get('after-cursor')).toBe('')
  })
})
