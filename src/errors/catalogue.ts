/**
 * The one error catalogue. Every failure Warden reports, from the OneLogin client up to the
 * REST API, the CLI and the UI, is a `WardenError` with a code from this table. The table says
 * how each is answered: the HTTP status the API uses, whether retrying may help, and the CLI
 * exit code (2 for bad usage or input, 1 for an operation that failed).
 */
export const ERRORS = {
  BAD_INPUT: { httpStatus: 400, retryable: false, exitCode: 2 },
  NOT_FOUND: { httpStatus: 404, retryable: false, exitCode: 1 },
  INTERNAL: { httpStatus: 500, retryable: false, exitCode: 1 },
  /** Stopped on request (Ctrl-C); a sync resumes from its checkpoint when run again. */
  INTERRUPTED: { httpStatus: 503, retryable: true, exitCode: 1 },
  /** The change collides with existing data (e.g. a user with that email already exists). */
  CONFLICT: { httpStatus: 409, retryable: false, exitCode: 1 },
  /** The governance database cannot be reached or opened (down, refused, bad path or credentials). */
  DATABASE_UNAVAILABLE: { httpStatus: 503, retryable: true, exitCode: 1 },
  /** No valid sign-in: no session cookie or API token, or an expired, revoked or wrong one. */
  UNAUTHENTICATED: { httpStatus: 401, retryable: false, exitCode: 1 },
  /** Signed in, but the Warden role does not allow this. */
  FORBIDDEN: { httpStatus: 403, retryable: false, exitCode: 1 },
  /** Too many attempts (e.g. sign-ins) from this client; wait `retryAfterSeconds`. */
  RATE_LIMITED: { httpStatus: 429, retryable: true, exitCode: 1 },
  /** A request body larger than the server accepts. */
  PAYLOAD_TOO_LARGE: { httpStatus: 413, retryable: false, exitCode: 2 },
  /** A request body in a format the route does not accept (the API takes application/json). */
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, retryable: false, exitCode: 2 },

  /** The domain field does not name a OneLogin host. */
  ONELOGIN_DOMAIN_REFUSED: { httpStatus: 400, retryable: false, exitCode: 2 },
  /** The token endpoint refused the client ID and secret. */
  ONELOGIN_AUTH_FAILED: { httpStatus: 502, retryable: false, exitCode: 1 },
  /** The credential's scope does not allow the call (e.g. "Read users" calling apps). */
  ONELOGIN_FORBIDDEN: { httpStatus: 502, retryable: false, exitCode: 1 },
  ONELOGIN_NOT_FOUND: { httpStatus: 404, retryable: false, exitCode: 1 },
  /** 400/409/422 from OneLogin: the request was understood and refused. */
  ONELOGIN_REJECTED: { httpStatus: 502, retryable: false, exitCode: 1 },
  /** 429 that outlasted the retry policy. */
  ONELOGIN_RATE_LIMITED: { httpStatus: 503, retryable: true, exitCode: 1 },
  /** 5xx that outlasted the retry policy. */
  ONELOGIN_UNAVAILABLE: { httpStatus: 503, retryable: true, exitCode: 1 },
  /** Connection refused, reset or timed out, after the retry policy. */
  ONELOGIN_NETWORK: { httpStatus: 503, retryable: true, exitCode: 1 },
  /** A response that does not match OneLogin's documented shape. */
  ONELOGIN_BAD_RESPONSE: { httpStatus: 502, retryable: false, exitCode: 1 },
  /** Warden's own hourly call budget for the account is spent; it will not spend past it. */
  ONELOGIN_BUDGET_EXHAUSTED: { httpStatus: 503, retryable: true, exitCode: 1 },

  /** The mail server could not be reached, timed out, or deferred the message (4xx): try again later. */
  MAIL_UNAVAILABLE: { httpStatus: 503, retryable: true, exitCode: 1 },
  /** The mail server refused the message for good (5xx, e.g. an unknown recipient or bad credentials). */
  MAIL_REJECTED: { httpStatus: 502, retryable: false, exitCode: 1 },

  /** The CLI could not reach the Warden server (`warden upload`). */
  SERVER_UNREACHABLE: { httpStatus: 503, retryable: true, exitCode: 1 },
} as const satisfies Record<string, { httpStatus: number; retryable: boolean; exitCode: 1 | 2 }>

export type ErrorCode = keyof typeof ERRORS

/** An error as one line for a record (a job's last_error, a sync run's error): the catalogue code first when it has one. */
export function errorText(e: unknown): string {
  if (e instanceof WardenError) return `${e.code}: ${e.message}`
  return e instanceof Error ? e.message : String(e)
}

/** Whether a string (e.g. a code in a Warden server's error response) is one of ours. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code)
}

export interface WardenErrorOptions {
  /** `METHOD /path` of the upstream call, without query string or host. */
  endpoint?: string
  /** The upstream HTTP status, when there was a response. */
  upstreamStatus?: number
  /** The upstream service's own message, parsed from its error body. */
  upstreamMessage?: string
  /** Seconds to wait before retrying, when known. */
  retryAfterSeconds?: number
  /** BAD_INPUT from a Warden server: the fields the error concerns, each with what is wrong with it. */
  fields?: Readonly<Record<string, string>>
  cause?: unknown
}

export class WardenError extends Error {
  override readonly name = 'WardenError'
  readonly code: ErrorCode
  readonly httpStatus: number
  readonly retryable: boolean
  readonly exitCode: 1 | 2
  readonly endpoint: string | undefined
  readonly upstreamStatus: number | undefined
  readonly upstreamMessage: string | undefined
  readonly retryAfterSeconds: number | undefined
  readonly fields: Readonly<Record<string, string>> | undefined

  constructor(code: ErrorCode, message: string, options: WardenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    const entry = ERRORS[code]
    this.code = code
    this.httpStatus = entry.httpStatus
    this.retryable = entry.retryable
    this.exitCode = entry.exitCode
    this.endpoint = options.endpoint
    this.upstreamStatus = options.upstreamStatus
    this.upstreamMessage = options.upstreamMessage
    this.retryAfterSeconds = options.retryAfterSeconds
    this.fields = options.fields
  }

  /** The shape the REST API and `--json` CLI output use. Never includes the cause's stack. */
  toJSON(): { code: ErrorCode; message: string; retryable: boolean; endpoint?: string; upstream_status?: number } {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.endpoint === undefined ? {} : { endpoint: this.endpoint }),
      ...(this.upstreamStatus === undefined ? {} : { upstream_status: this.upstreamStatus }),
    }
  }
}

export function isWardenError(e: unknown): e is WardenError {
  return e instanceof WardenError
}

/** Any thrown value as a WardenError: unknown errors become INTERNAL with their message kept. */
export function toWardenError(e: unknown): WardenError {
  if (e instanceof WardenError) return e
  const message = e instanceof Error ? e.message : String(e)
  return new WardenError('INTERNAL', message, { cause: e })
}
