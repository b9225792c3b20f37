import { WardenError, isErrorCode } from '../errors/index.js'

/**
 * A client of a Warden server's REST API (/api/v1), shared by the CLI's server commands and the
 * Terraform provider: where the server is, who is calling (a personal API token), and the
 * server's `{"error":{"code","message","fields"}}` turned back into a WardenError with the same
 * catalogue code (and, for BAD_INPUT, the fields it names).
 */

/** The server's base URL from a flag or the environment: an http(s) URL without credentials. */
export function serverUrl(value: string | undefined, from = '--server'): string {
  if (value === undefined || value.trim() === '') {
    throw new WardenError('BAD_INPUT', 'no Warden server: pass --server https://warden.example.com or set WARDEN_SERVER')
  }
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new WardenError('BAD_INPUT', `${from} must be the Warden server's http(s) URL, not "${value}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WardenError('BAD_INPUT', `${from} must be an http(s) URL, not "${value}"`)
  if (url.username !== '' || url.password !== '') throw new WardenError('BAD_INPUT', `${from} must not carry credentials: pass your API token with --token or WARDEN_TOKEN`)
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

/** `--server` and `--token` (or their environment variables), checked by WardenApi.connect. */
export interface ConnectionFlags {
  server?: string
  token?: string
}

export type Query = Record<string, string | number | boolean | undefined>

/** A signed-in connection to a Warden server's /api/v1. */
export class WardenApi {
  readonly server: string
  readonly #token: string

  constructor(server: string, token: string) {
    this.server = server
    this.#token = token
  }

  /** From the flags, else WARDEN_SERVER and WARDEN_TOKEN. */
  static connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): WardenApi {
    const server = serverUrl(flags.server ?? env['WARDEN_SERVER'], flags.server === undefined ? 'WARDEN_SERVER' : '--server')
    const token = flags.token ?? env['WARDEN_TOKEN']
    if (token === undefined || token.trim() === '') {
      throw new WardenError('BAD_INPUT', 'no API token: pass --token or set WARDEN_TOKEN (make one in Warden under Account > API tokens)')
    }
    return new WardenApi(server, token.trim())
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.call<T>('GET', path, undefined, query)
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body)
  }

  async call<T>(method: string, path: string, body?: unknown, query: Query = {}): Promise<T> {
    const search = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) search.set(k, String(v))
    const qs = search.toString()
    const endpoint = `${this.server}/api/v1${path}${qs === '' ? '' : `?${qs}`}`
    let res: Response
    try {
      res = await fetch(endpoint, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
    } catch (e) {
      const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)
      throw new WardenError('SERVER_UNREACHABLE', `cannot reach the Warden server at ${this.server}: ${reason}`, { cause: e })
    }
    const text = await res.text()
    let parsed: unknown
    try {
      parsed = text === '' ? null : JSON.parse(text)
    } catch {
      throw new WardenError('SERVER_UNREACHABLE', `${method} ${endpoint} answered HTTP ${res.status} with something that is not Warden's JSON; is ${this.server} the Warden server?`)
    }
    if (!res.ok) throw serverError(res.status, parsed)
    return parsed as T
  }

  /**
   * A GET whose answer is a file (a CSV export, an evidence bundle): its bytes as sent, and the
   * response headers, which carry the hashes the server vouches for. Errors come back as Warden's
   * JSON and are raised like call()'s.
   */
  async download(path: string, query: Query = {}): Promise<{ bytes: Buffer; headers: Headers }> {
    const search = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) search.set(k, String(v))
    const qs = search.toString()
    const endpoint = `${this.server}/api/v1${path}${qs === '' ? '' : `?${qs}`}`
    let res: Response
    let bytes: Buffer
    try {
      res = await fetch(endpoint, { method: 'GET', headers: { authorization: `Bearer ${this.#token}`, accept: '*/*' } })
      bytes = Buffer.from(await res.arrayBuffer())
    } catch (e) {
      const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)
      throw new WardenError('SERVER_UNREACHABLE', `cannot download from the Warden server at ${this.server}: ${reason}`, { cause: e })
    }
    if (!res.ok) {
      let parsed: unknown
      try {
        parsed = JSON.parse(bytes.toString('utf8'))
      } catch {
        throw new WardenError('SERVER_UNREACHABLE', `GET ${endpoint} answered HTTP ${res.status} with something that is not Warden's JSON; is ${this.server} the Warden server?`)
      }
      throw serverError(res.status, parsed)
    }
    return { bytes, headers: res.headers }
  }
}

/** The server's `{"error": {"code", "message"}}` as a WardenError with the same code. */
export function serverError(status: number, body: unknown): WardenError {
  const error = (body as { error?: { code?: unknown; message?: unknown; fields?: unknown } } | null)?.error
  const code = typeof error?.code === 'string' && isErrorCode(error.code) ? error.code : status >= 500 ? 'INTERNAL' : 'BAD_INPUT'
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`
  if (code === 'UNAUTHENTICATED') return new WardenError(code, `the server refused the API token (${message}): check --token or WARDEN_TOKEN`)
  const fields = (error as { fields?: unknown } | undefined)?.fields
  const named = typeof fields === 'object' && fields !== null ? Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === 'string')) : undefined
  return new WardenError(code, message, named === undefined || Object.keys(named).length === 0 ? {} : { fields: named })
}

/** Reads pages of a list until `max` items or the last page. */
export async function collect<T>(api: WardenApi, path: string, query: Query, max: number): Promise<T[]> {
  const out: T[] = []
  let cursor: string | undefined
  do {
    const page = await api.get<{ items: T[]; next_cursor: string | null }>(path, { ...query, limit: Math.min(500, max - out.length), cursor })
    out.push(...page.items)
    cursor = page.next_cursor ?? undefined
  } while (cursor !== undefined && out.length < max)
  return out.slice(0, max)
}
