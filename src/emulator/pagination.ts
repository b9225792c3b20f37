/**
 * Pagination (onelogin-api.md §7).
 *
 * v2 (§7.1): bare array body, state in headers. `limit` (default 50, clamped to the endpoint's
 * maximum), 1-based `page`, or an opaque `cursor` that is base64 of
 * `limit=N&sort=id&page=P&sort_direction=asc` (the format observed live, ISS-TF203).
 * - `cursor` together with `limit` or `page`: 400 roles-service shape "Requests can only have
 *   cursor xor pagination arguments" (ISS-TF196). Observed on roles; applied to every v2 list.
 * - anything that is not such a cursor: 400 "Invalid pagination cursor" (ISS-TF203).
 * - headers Total-Count, Total-Pages, Current-Page, Page-Items, Cursor, After-Cursor (empty on the
 *   last page), Before-Cursor (empty on the first), Link. With the `stale_after_cursor` fault the
 *   last page still carries an After-Cursor to an empty page (§7.1 "not reliably").
 * - filters are not in the cursor: clients re-send them with each cursor (BATON does).
 * Unverified choices: a non-numeric or < 1 `limit` falls back to the default, a bad `page` to 1;
 * Total-Pages is 0 for an empty list; Link follows RFC 8288 with first/prev/next/last.
 *
 * v1 (§7.2): `{status, pagination:{before_cursor, after_cursor, previous_link, next_link}, data}`,
 * pages up to 50, next page via `?after_cursor=`. The v1 cursor format is not documented; the
 * emulator uses base64 of the page's offset.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { fail, familyError, MSG, rolesServiceError, v1Success } from './errors.js'
import type { Family } from './errors.js'

export type Query = Record<string, string | string[] | undefined>

export interface SortSpec {
  field: string
  direction: 'asc' | 'desc'
}

export interface V2Page {
  limit: number
  page: number
  sort: SortSpec
}

export const DEFAULT_LIMIT = 50
export const DEFAULT_SORT: SortSpec = { field: 'id', direction: 'asc' }

/** Per-endpoint maximum page sizes (§7.1). */
export const MAX_LIMIT = {
  users: 100,
  roles: 650,
  /** Role users/admins/apps: undocumented; the roles service's 650 is used. */
  roleMembers: 650,
  apps: 1000,
  appUsers: 1000,
  connectors: 1000,
} as const

/** The first value of a query parameter. */
export function q(query: Query, key: string): string | undefined {
  const v = query[key]
  return Array.isArray(v) ? v[0] : v
}

export function encodeCursor(limit: number, page: number, sort: SortSpec): string {
  return Buffer.from(`limit=${limit}&sort=${sort.field}&page=${page}&sort_direction=${sort.direction}`).toString('base64')
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/
const CURSOR_KEYS = new Set(['limit', 'page', 'sort', 'sort_direction'])

function decodeCursor(cursor: string, max: number): V2Page | null {
  if (!BASE64.test(cursor)) return null
  const text = Buffer.from(cursor, 'base64').toString('utf8')
  if (!/^[\x20-\x7e]+$/.test(text)) return null
  const params = new URLSearchParams(text)
  for (const key of params.keys()) if (!CURSOR_KEYS.has(key)) return null
  const limit = Number(params.get('limit'))
  const page = Number(params.get('page'))
  if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(page) || page < 1) return null
  const dir = params.get('sort_direction') ?? 'asc'
  if (dir !== 'asc' && dir !== 'desc') return null
  return { limit: Math.min(limit, max), page, sort: { field: params.get('sort') ?? 'id', direction: dir } }
}

/**
 * `sort=+field` / `sort=-field` / `sort=field` (§7.1). A literal `+` arrives decoded as a space.
 * Unknown fields fall back to id.
 */
export function parseSort(query: Query, allowed: ReadonlySet<string>): SortSpec | null {
  const raw = q(query, 'sort')
  if (raw === undefined || raw.trim() === '') return null
  let field = raw.trim()
  let direction: 'asc' | 'desc' = 'asc'
  if (raw.startsWith('-')) {
    direction = 'desc'
    field = raw.slice(1).trim()
  } else if (raw.startsWith('+') || raw.startsWith(' ')) {
    field = raw.slice(1).trim()
  }
  const dir = q(query, 'sort_direction')
  if (dir === 'desc' || dir === 'asc') direction = dir
  return allowed.has(field) ? { field, direction } : { ...DEFAULT_SORT, direction }
}

/** Reads limit/page/cursor/sort for a v2 list; throws the documented 400s. */
export function parseV2Paging(query: Query, max: number, sortable: ReadonlySet<string> = new Set(['id'])): V2Page {
  const cursor = q(query, 'cursor')
  const limitRaw = q(query, 'limit')
  const pageRaw = q(query, 'page')
  const explicitSort = parseSort(query, sortable)
  if (cursor !== undefined && cursor !== '') {
    if (limitRaw !== undefined || pageRaw !== undefined) fail(400, rolesServiceError(400, MSG.cursorXor))
    const decoded = decodeCursor(cursor, max)
    if (!decoded) fail(400, rolesServiceError(400, MSG.invalidCursor))
    if (explicitSort) decoded.sort = explicitSort
    else if (!sortable.has(decoded.sort.field)) decoded.sort = { ...DEFAULT_SORT, direction: decoded.sort.direction }
    return decoded
  }
  const n = limitRaw === undefined ? NaN : Number(limitRaw)
  const limit = Number.isInteger(n) && n >= 1 ? Math.min(n, max) : Math.min(DEFAULT_LIMIT, max)
  const p = pageRaw === undefined ? NaN : Number(pageRaw)
  const page = Number.isInteger(p) && p >= 1 ? p : 1
  return { limit, page, sort: explicitSort ?? DEFAULT_SORT }
}

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}${req.url.split('?')[0] ?? ''}`
}

/** The request's query without paging keys, to rebuild links. */
function carriedQuery(query: Query, drop: ReadonlySet<string>): URLSearchParams {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (drop.has(key) || value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v)
  }
  return params
}

const V2_PAGING_KEYS = new Set(['limit', 'page', 'cursor'])

export interface V2PageOptions {
  /** When true, the last page still gets an After-Cursor (the `stale_after_cursor` fault). */
  staleAfterCursor: () => boolean
}

/** Slices `items` to the requested page and sets the v2 pagination headers. */
export function applyV2Page<T>(req: FastifyRequest, reply: FastifyReply, items: readonly T[], pg: V2Page, opts: V2PageOptions): readonly T[] {
  const total = items.length
  const totalPages = Math.ceil(total / pg.limit)
  const start = (pg.page - 1) * pg.limit
  const slice = start < total ? items.slice(start, start + pg.limit) : []
  const cur = encodeCursor(pg.limit, pg.page, pg.sort)
  let after = pg.page < totalPages ? encodeCursor(pg.limit, pg.page + 1, pg.sort) : ''
  if (after === '' && pg.page === Math.max(totalPages, 1) && opts.staleAfterCursor()) {
    after = encodeCursor(pg.limit, pg.page + 1, pg.sort)
  }
  const before = pg.page > 1 ? encodeCursor(pg.limit, pg.page - 1, pg.sort) : ''

  const base = baseUrl(req)
  const carried = carriedQuery(req.query as Query, V2_PAGING_KEYS)
  const link = (cursor: string, rel: string): string => {
    const params = new URLSearchParams(carried)
    params.set('cursor', cursor)
    return `<${base}?${params.toString()}>; rel="${rel}"`
  }
  const links = [link(encodeCursor(pg.limit, 1, pg.sort), 'first')]
  if (before) links.push(link(before, 'prev'))
  if (after) links.push(link(after, 'next'))
  if (totalPages > 0) links.push(link(encodeCursor(pg.limit, totalPages, pg.sort), 'last'))

  reply.header('Total-Count', String(total))
  reply.header('Total-Pages', String(totalPages))
  reply.header('Current-Page', String(pg.page))
  reply.header('Page-Items', String(slice.length))
  reply.header('Cursor', cur)
  reply.header('After-Cursor', after)
  reply.header('Before-Cursor', before)
  reply.header('Link', links.join(', '))
  return slice
}

// ------------------------------------------------------------------------------------------- v1

export interface V1Page {
  limit: number
  offset: number
}

export const V1_MAX_LIMIT = 50

function decodeV1Cursor(raw: string): number | null {
  if (!BASE64.test(raw)) return null
  const text = Buffer.from(raw, 'base64').toString('utf8')
  return /^\d{1,9}$/.test(text) ? Number(text) : null
}

function encodeV1Cursor(offset: number): string {
  return Buffer.from(String(offset)).toString('base64')
}

export function parseV1Paging(query: Query, family: Family = 'v1'): V1Page {
  const n = Number(q(query, 'limit'))
  const limit = Number.isInteger(n) && n >= 1 ? Math.min(n, V1_MAX_LIMIT) : V1_MAX_LIMIT
  const after = q(query, 'after_cursor')
  const before = q(query, 'before_cursor')
  const raw = after !== undefined && after !== '' ? after : before !== undefined && before !== '' ? before : undefined
  if (raw === undefined) return { limit, offset: 0 }
  const offset = decodeV1Cursor(raw)
  if (offset === null) {
    fail(400, familyError(family, 400, { attribute: 'after_cursor', description: 'after_cursor is incorrect' }))
  }
  return { limit, offset }
}

const V1_PAGING_KEYS = new Set(['after_cursor', 'before_cursor'])

/** The v1 envelope for one page of `items`. */
export function v1PageEnvelope<T>(
  req: FastifyRequest,
  items: readonly T[],
  pg: V1Page,
): { status: ReturnType<typeof v1Success>['status']; pagination: Record<string, string | null>; data: T[] } {
  const slice = items.slice(pg.offset, pg.offset + pg.limit)
  const next = pg.offset + pg.limit < items.length ? encodeV1Cursor(pg.offset + pg.limit) : null
  const prev = pg.offset > 0 ? encodeV1Cursor(Math.max(0, pg.offset - pg.limit)) : null
  const base = baseUrl(req)
  const carried = carriedQuery(req.query as Query, V1_PAGING_KEYS)
  const link = (key: string, cursor: string): string => {
    const params = new URLSearchParams(carried)
    params.set(key, cursor)
    return `${base}?${params.toString()}`
  }
  return {
    status: v1Success().status,
    pagination: {
      before_cursor: prev,
      after_cursor: next,
      previous_link: prev === null ? null : link('before_cursor', prev),
      next_link: next === null ? null : link('after_cursor', next),
    },
    data: slice,
  }
}
