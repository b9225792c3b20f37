/**
 * OneLogin's error bodies. The API answers in one of several shapes depending on which part of it
 * served the request (onelogin-api.md §9); the emulator picks the shape by "family":
 *
 * - `v1`    `/api/1/*` and `/auth/*`: `{"status":{"error":true,"code":400,"type":"bad request","message":...}}`,
 *           where `message` may be an object `{attribute, description}` (§9.1).
 * - `v2`    `/api/2/*`: `{"message":...,"statusCode":401,"name":"UnauthorizedError"}` (§9.2).
 * - `roles` `/api/2/roles*`: v2 shape, except the three 400s observed live from the roles service,
 *           which use `{"status":400,"error":"BadRequestError","description":...}` with an integer
 *           `status` (§9.3). The emulator also uses that shape for pagination errors on every v2 list.
 * - `priv`  `/api/1/privileges*`: v1 paths but v2-style errors, keys in the documented order
 *           `statusCode, name, message` (§6.2).
 */

export type Family = 'v1' | 'v2' | 'roles' | 'priv'

export type V1Message = string | { attribute: string; description: string }

const V1_TYPES: Record<number, string> = {
  400: 'bad request',
  401: 'Unauthorized',
  403: 'forbidden',
  404: 'not found',
  422: 'unprocessable entity',
  429: 'too many requests',
  500: 'internal server error',
}

const V2_NAMES: Record<number, string> = {
  400: 'BadRequestError',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  422: 'UnprocessableEntityError',
  500: 'InternalServerError',
}

/** Messages quoted from the docs (§9.2, §6.2, §3.3). */
export const MSG = {
  v2Unauthorized: 'Unauthorized',
  privUnauthorized: 'The request requires user authentication.',
  v2Malformed: 'The request could not be understood by the server due to malformed syntax',
  notFoundById: 'The resource with the given id could not be found',
  notFoundUri: "The resource can't be found or the server has not found anything matching the Request-URI",
  v1AuthIncorrect: 'Authorization Information is incorrect',
  v1AuthFailure: 'Authentication Failure',
  v1InsufficientPermission: 'Insufficient Permission',
  v1NoRoute: 'No Route Exists',
  v1BadJson: 'Input JSON is not valid',
  expectedArray: 'Expected array in request',
  cursorXor: 'Requests can only have cursor xor pagination arguments',
  invalidCursor: 'Invalid pagination cursor',
} as const

export function v1Error(code: number, message: V1Message): { status: { error: true; code: number; type: string; message: V1Message } } {
  return { status: { error: true, code, type: V1_TYPES[code] ?? 'error', message } }
}

/** The v1 success body, also the 200 body of v1 write actions (§9.1). */
export function v1Success(): { status: { error: false; code: 200; type: 'success'; message: 'Success' } } {
  return { status: { error: false, code: 200, type: 'success', message: 'Success' } }
}

export function v2Error(code: number, message: string): { message: string; statusCode: number; name: string } {
  return { message, statusCode: code, name: V2_NAMES[code] ?? 'Error' }
}

/** Privileges document their errors with `statusCode` first (§6.2); key order is cosmetic but kept. */
export function privError(code: number, message: string): { statusCode: number; name: string; message: string } {
  return { statusCode: code, name: V2_NAMES[code] ?? 'Error', message }
}

export function rolesServiceError(code: number, description: string): { status: number; error: string; description: string } {
  return { status: code, error: V2_NAMES[code] ?? 'Error', description }
}

/** The error body of `family` for `code`. v1 messages may be objects; the others are strings. */
export function familyError(family: Family, code: number, message: V1Message): unknown {
  const text = typeof message === 'string' ? message : message.description
  switch (family) {
    case 'v1':
      return v1Error(code, message)
    case 'priv':
      return privError(code, text)
    case 'v2':
    case 'roles':
      return v2Error(code, text)
  }
}

/**
 * Thrown by handlers and helpers to answer with a given status and body; the server's error
 * handler sends it as is. Keeps validation code linear instead of threading `reply` everywhere.
 */
export class EmulatorHttpError extends Error {
  readonly statusCode: number
  readonly body: unknown
  constructor(statusCode: number, body: unknown) {
    super(`emulated OneLogin error ${statusCode}`)
    this.statusCode = statusCode
    this.body = body
  }
}

export function fail(statusCode: number, body: unknown): never {
  throw new EmulatorHttpError(statusCode, body)
}

/** Which error family serves `path` (query string ignored). */
export function familyOf(path: string): Family {
  if (path.startsWith('/api/1/privileges')) return 'priv'
  if (path.startsWith('/api/2/roles')) return 'roles'
  if (path.startsWith('/api/2/')) return 'v2'
  return 'v1'
}

/** HAProxy's stock 429 page: 117 bytes, matching the one real capture (§8). */
export const HTML_429 =
  '<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n'

/** HAProxy's stock pages for gateway errors (used by the `server_error` fault for 502/503/504). */
export const HTML_5XX: Record<number, string> = {
  502: '<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n',
  503: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n',
  504: '<html><body><h1>504 Gateway Time-out</h1>\nThe server didn\'t respond in time.\n</body></html>\n',
}
