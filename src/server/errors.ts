import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { ERRORS, WardenError } from '../errors/index.js'
import type { ErrorCode } from '../errors/index.js'

/**
 * Every error the API answers has one shape, `{"error":{"code","message"}}`, with a code from the
 * error catalogue and the catalogue's HTTP status. Messages say what was wrong with the request;
 * an unexpected failure says only "internal error" (the server log has the details), so no stack
 * trace, SQL or secret ever reaches a client.
 */

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      fields: z
        .record(z.string(), z.string())
        .optional()
        .describe('BAD_INPUT only: the body or query fields the error concerns, each with what is wrong with it (a form shows it next to the field)'),
    }),
  })
  .meta({ id: 'Error', description: 'Every error response: a code from the error catalogue and a message for people.' })

export interface Answer {
  status: number
  code: ErrorCode
  message: string
  retryAfterSeconds?: number
  fields?: Record<string, string>
}

function answer(code: ErrorCode, message: string): Answer {
  const a: Answer = { status: ERRORS[code].httpStatus, code, message }
  if (code === 'BAD_INPUT') {
    const fields = fieldsOf(message)
    if (fields !== undefined) a.fields = fields
  }
  return a
}

/*
 * BAD_INPUT messages name what they concern first: `onelogin_domain: ...`, `a, b: ...` (our own
 * checks) or `body.email: ...; body: ...` (schema validation, up to three issues). That prefix is
 * the catalogue's convention, so it is read back here into `fields` for forms.
 */
const FIELD_PREFIX = /^((?:body|querystring)\.)?([a-z][a-z0-9_]*(?:, [a-z][a-z0-9_]*)*)(?:\.[a-z0-9_.]+)?: /

/** Prefixes that name the whole request, not a field. */
const WHOLE = new Set(['body', 'querystring', 'params', 'headers', 'request'])

function fieldsOf(message: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {}
  for (const part of message.split('; ')) {
    const match = FIELD_PREFIX.exec(part)
    if (match === null) continue
    const text = part.slice(match[0].length).replace(/ \(and \d+ more\)$/, '')
    for (const name of (match[2] as string).split(', ')) if (!WHOLE.has(name)) fields[name] ??= text
  }
  return Object.keys(fields).length === 0 ? undefined : fields
}

interface ValidationIssue {
  instancePath?: string
  message?: string
}

/** `body.email: Invalid email address; body: Unrecognized key: "extra"` (at most three issues). */
function validationMessage(context: string | undefined, issues: readonly ValidationIssue[]): string {
  const where = context ?? 'request'
  const parts = issues.slice(0, 3).map((i) => {
    const path = (i.instancePath ?? '').split('/').filter((p) => p !== '')
    return `${[where, ...path].join('.')}: ${i.message ?? 'invalid'}`
  })
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''
  return `${parts.join('; ')}${more}`
}

/**
 * Driver error codes that mean the database went away or is busy (not that the request was wrong):
 * network failures, PostgreSQL's shutdown/connection classes (57P0x, 08xxx), a SQLite lock held
 * past the busy timeout.
 */
const DATABASE_DOWN = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  'SQLITE_BUSY',
])

/** What to answer for anything thrown while handling a request. */
export function classify(error: unknown, bodyLimit: number): Answer {
  if (error instanceof WardenError) {
    return { ...answer(error.code, error.message), ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }) }
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    return answer('BAD_INPUT', validationMessage(error.validationContext, error.validation))
  }
  if (typeof error !== 'object' || error === null) return answer('INTERNAL', 'internal error')
  const e = error as Partial<FastifyError> & { validation?: ValidationIssue[] }
  if (isResponseSerializationError(e as FastifyError)) return answer('INTERNAL', 'internal error')
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer('PAYLOAD_TOO_LARGE', `the request body is larger than ${formatBytes(bodyLimit)}`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer('UNSUPPORTED_MEDIA_TYPE', 'send the request body as application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return answer('BAD_INPUT', 'the body is empty but the content-type is application/json: send a JSON body or no content-type')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // fastify doesn't say which; its parser also refuses __proto__ and constructor.prototype keys.
      return answer('BAD_INPUT', 'the body is not valid JSON (or has a forbidden __proto__ or constructor key)')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return answer('BAD_INPUT', 'the content-length does not match the body')
    default:
      break
  }
  if (Array.isArray(e.validation)) return answer('BAD_INPUT', validationMessage(e.validationContext, e.validation))
  if (typeof e.code === 'string' && DATABASE_DOWN.has(e.code)) {
    return { ...answer('DATABASE_UNAVAILABLE', 'the database is not answering; try again shortly'), retryAfterSeconds: 5 }
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500
  // fastify's JSON parser reports a syntax error (or a __proto__ key) as a plain 400.
  if (error instanceof SyntaxError && status === 400) return answer('BAD_INPUT', `the body is not valid JSON: ${error.message}`)
  if (status === 404) return answer('NOT_FOUND', e.message ?? 'not found')
  if (status === 413) return answer('PAYLOAD_TOO_LARGE', `the request body is larger than ${formatBytes(bodyLimit)}`)
  if (status === 415) return answer('UNSUPPORTED_MEDIA_TYPE', 'send the request body as application/json')
  if (status === 429) return answer('RATE_LIMITED', 'too many requests; try again later')
  // Other 4xx errors come from fastify's own request checks; their messages describe the request.
  if (status >= 400 && status < 500) return answer('BAD_INPUT', e.message ?? 'bad request')
  return answer('INTERNAL', 'internal error')
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`
  return `${n} bytes`
}

/** Sends an answer in the one error shape. */
export function sendError(reply: FastifyReply, a: Answer): FastifyReply {
  if (a.retryAfterSeconds !== undefined) reply.header('retry-after', String(a.retryAfterSeconds))
  if (a.status === 401) reply.header('www-authenticate', 'Bearer realm="warden"')
  return reply.code(a.status).type('application/json; charset=utf-8').send({ error: { code: a.code, message: a.message, ...(a.fields === undefined ? {} : { fields: a.fields }) } })
}

export function errorHandler(bodyLimit: number) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const a = classify(error, bodyLimit)
    if (a.status >= 500) {
      // The full error goes to the server log (secrets are redacted there); the client gets the code only.
      request.log.error({ err: error }, `${request.method} ${request.routeOptions.url ?? request.url} failed`)
      if (a.code === 'INTERNAL') a.message = `internal error (request ${request.id}); the server log has the details`
    }
    return sendError(reply, a)
  }
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const full = request.url.split('?')[0] ?? request.url
  const path = full.length > 200 ? `${full.slice(0, 200)}...` : full
  return sendError(reply, answer('NOT_FOUND', `no route ${request.method} ${path}`))
}
