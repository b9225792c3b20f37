import { z } from 'zod'
import { WardenError } from '../errors/index.js'
import type { OneLoginHttp, QueryValue } from './request.js'
import { parsePayload, privilegePageSchema, v1EnvelopeSchema } from './schemas.js'

/**
 * How an endpoint pages (onelogin-api.md §6.2, §7):
 * - `v2`: bare JSON array; cursors in the After-Cursor header. The first request sends `limit`
 *   (the endpoint's maximum), later ones only `cursor`: OneLogin answers 400 to a cursor sent
 *   with `limit` or `page`.
 * - `v1`: `{status, pagination: {after_cursor}, data}`; the next page is `?after_cursor=`.
 * - `privileges`: `{total, users|roles, afterCursor, nextLink}` with camelCase keys.
 */
export type PageStyle =
  | { kind: 'v2'; maxLimit: number }
  | { kind: 'v1'; limit?: number }
  | { kind: 'privileges'; key: 'users' | 'roles' }

export interface PaginateSpec<T> {
  path: string
  params?: Record<string, string | number>
  query?: Record<string, QueryValue>
  style: PageStyle
  item: z.ZodType<T>
  /** Resume a walk: the `next` of the last page already processed (v2 and v1 styles). */
  startCursor?: string
}

export interface Page<T> {
  items: T[]
  /** 1-based number of this page in the walk. */
  page: number
  /** What OneLogin said the whole list holds, when it says (v2 Total-Count, privileges `total`). */
  totalCount: number | undefined
  totalPages: number | undefined
  /** The cursor of the page after this one; undefined on the last page. Store it to resume. */
  next: string | undefined
}

/** Guards against a server that cycles cursors instead of advancing (terraform-provider caps at 500 pages for the same reason). */
const MAX_PAGES = 100_000

/** The one paginator: yields each page as it arrives, never the whole list at once. */
export async function* paginate<T>(http: OneLoginHttp, spec: PaginateSpec<T>): AsyncGenerator<Page<T>, void, undefined> {
  switch (spec.style.kind) {
    case 'v2':
      yield* paginateV2(http, spec, spec.style.maxLimit)
      return
    case 'v1':
      yield* paginateV1(http, spec, spec.style.limit ?? 50)
      return
    case 'privileges':
      yield* paginatePrivileges(http, spec, spec.style.key)
      return
  }
}

/** Every item of every page, in order (for small lists; big ones should consume pages). */
export async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<T[]> {
  const out: T[] = []
  for await (const p of pages) out.push(...p.items)
  return out
}

async function* paginateV2<T>(http: OneLoginHttp, spec: PaginateSpec<T>, maxLimit: number): AsyncGenerator<Page<T>> {
  const endpoint = `GET ${spec.path}`
  const arraySchema = z.array(spec.item)
  const filters = { ...spec.query }
  delete filters['limit']
  delete filters['page']
  delete filters['cursor']
  const seen = new Set<string>()
  let cursor = spec.startCursor
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = cursor === undefined ? { ...filters, limit: maxLimit } : { ...filters, cursor }
    const res = await http.request({ method: 'GET', path: spec.path, params: spec.params, query })
    const items = parsePayload(arraySchema, res.body, endpoint)
    const currentPage = intHeader(res.headers, 'current-page')
    const totalPages = intHeader(res.headers, 'total-pages')
    // After-Cursor is not reliably empty on the last page (Go SDK PR#61), so stop on any of:
    // no cursor, the last page by number, or an empty page.
    const after = res.headers.get('after-cursor') ?? ''
    const last = after === '' || items.length === 0 || (currentPage !== undefined && totalPages !== undefined && currentPage >= totalPages)
    if (!last && seen.has(after)) throw cycling(endpoint)
    seen.add(after)
    yield { items, page, totalCount: intHeader(res.headers, 'total-count'), totalPages, next: last ? undefined : after }
    if (last) return
    cursor = after
  }
  throw cycling(endpoint)
}

async function* paginateV1<T>(http: OneLoginHttp, spec: PaginateSpec<T>, limit: number): AsyncGenerator<Page<T>> {
  const endpoint = `GET ${spec.path}`
  const envelope = v1EnvelopeSchema(spec.item)
  const seen = new Set<string>()
  let after = spec.startCursor
  for (let page = 1; page <= MAX_PAGES; page++) {
    const query = { ...spec.query, limit, ...(after === undefined ? {} : { after_cursor: after }) }
    const res = await http.request({ method: 'GET', path: spec.path, params: spec.params, query })
    const body = parsePayload(envelope, res.body, endpoint)
    const items = body.data as T[]
    const next = body.pagination?.after_cursor ?? ''
    const last = next === '' || items.length === 0
    if (!last && seen.has(next)) throw cycling(endpoint)
    seen.add(next)
    yield { items, page, totalCount: undefined, totalPages: undefined, next: last ? undefined : next }
    if (last) return
    after = next
  }
  throw cycling(endpoint)
}

async function* paginatePrivileges<T>(http: OneLoginHttp, spec: PaginateSpec<T>, key: 'users' | 'roles'): AsyncGenerator<Page<T>> {
  const endpoint = `GET ${spec.path}`
  const schema = privilegePageSchema(key)
  const arraySchema = z.array(spec.item)
  const seen = new Set<string>()
  let next: { url?: string; cursor?: string } = {}
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await http.request({
      method: 'GET',
      path: spec.path,
      params: spec.params,
      query: { ...spec.query, ...(next.cursor === undefined ? {} : { cursor: next.cursor }) },
      ...(next.url === undefined ? {} : { url: next.url }),
    })
    const body = parsePayload(schema, res.body, endpoint)
    const items = parsePayload(arraySchema, body[key], endpoint)
    yield { items, page, totalCount: body.total, totalPages: undefined, next: undefined }
    // Prefer the server's own next link (what OneLogin's clients follow); fall back to the cursor.
    const link = body.nextLink ?? ''
    const cursor = body.afterCursor === null || body.afterCursor === undefined ? '' : String(body.afterCursor)
    if ((link === '' && cursor === '') || items.length === 0) return
    const token = link !== '' ? `link:${link}` : `cursor:${cursor}`
    if (seen.has(token)) throw cycling(endpoint)
    seen.add(token)
    next = link !== '' ? { url: link } : { cursor }
  }
  throw cycling(endpoint)
}

function intHeader(headers: Headers, name: string): number | undefined {
  const v = headers.get(name)
  if (v === null || v.trim() === '') return undefined
  const n = Number(v)
  return Number.isInteger(n) ? n : undefined
}

function cycling(endpoint: string): WardenError {
  return new WardenError('ONELOGIN_BAD_RESPONSE', `${endpoint}: OneLogin repeated a pagination cursor; stopping rather than looping`, { endpoint })
}
