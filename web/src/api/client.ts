import type { ApiErrorBody } from '../../../src/server/api-types.js'

/**
 * The one request function of the UI. Every call goes to the REST API under /api/v1 with the
 * session cookie; every failure becomes an ApiError carrying the API's error code, message and,
 * for BAD_INPUT, the fields it concerns (forms show those next to the field).
 */

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fields: Record<string, string>

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>

/** `/api/v1/apps?state=managed` from a path and a query (empty values dropped). */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  const qs = params.toString()
  return `/api/v1${path}${qs === '' ? '' : `?${qs}`}`
}

/** Called when the API answers 401 to a signed-in page: the app sends the user to sign in. */
let onUnauthenticated: (() => void) | undefined
export function setUnauthenticatedHandler(handler: (() => void) | undefined): void {
  onUnauthenticated = handler
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  query?: Query
  body?: unknown
  signal?: AbortSignal
  /** Don't redirect to sign-in on a 401 (the sign-in and setup calls themselves). */
  quiet401?: boolean
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const init: RequestInit = { method: options.method ?? 'GET', credentials: 'same-origin', headers: { accept: 'application/json' } }
  if (options.signal !== undefined) init.signal = options.signal
  if (options.body !== undefined) {
    init.headers = { ...init.headers, 'content-type': 'application/json' }
    init.body = JSON.stringify(options.body)
  }
  let res: Response
  try {
    res = await fetch(apiUrl(path, options.query), init)
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new ApiError(0, 'SERVER_UNREACHABLE', 'Warden did not answer; check that the server is running and try again')
  }
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let body: unknown = null
  try {
    body = text === '' ? null : JSON.parse(text)
  } catch {
    // Not JSON (a proxy's error page): described below by status.
  }
  if (!res.ok) {
    const error = (body as ApiErrorBody | null)?.error
    if (res.status === 401 && options.quiet401 !== true) onUnauthenticated?.()
    if (error === undefined) throw new ApiError(res.status, 'INTERNAL', `the server answered ${res.status} ${res.statusText}`)
    throw new ApiError(res.status, error.code, error.message, error.fields ?? {})
  }
  return body as T
}

/** The message to show for anything a call threw. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof Error) return e.message
  return String(e)
}
