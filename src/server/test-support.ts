/**
 * Helpers for the server's tests: people with roles and API tokens made straight through the
 * store (no scrypt unless a password is asked for), sessions, and assertions on the one error shape.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { expect } from 'vitest'
import type { ErrorCode } from '../errors/index.js'
import { createApiToken, createSession, createUser } from '../store/index.js'
import type { Store, User } from '../store/index.js'
import { SESSION_COOKIE } from './auth.js'

export { deadJob } from '../governance/test-support.js'

export const PASSWORD = 'correct horse battery staple'

let serial = 0

/** A unique email for this test run. */
export function uniqueEmail(label = 'user'): string {
  serial++
  return `${label}-${serial}-${Math.random().toString(36).slice(2, 8)}@example.com`
}

export interface Person {
  user: User
  /** `authorization` header with a fresh API token of theirs. */
  bearer: { authorization: string }
}

/** A user with these roles and an API token; a password (PASSWORD) only when asked, since scrypt is slow. */
export async function person(store: Store, roles: readonly string[], options: { password?: boolean; label?: string } = {}): Promise<Person> {
  const user = await createUser(store.db, {
    email: uniqueEmail(options.label ?? (roles[0] ?? 'plain')),
    display_name: `Test ${roles.join(' ') || 'user'}`,
    roles,
    ...(options.password === true ? { password: PASSWORD } : {}),
  })
  const { token } = await createApiToken(store.db, { userId: user.id, name: 'test' })
  return { user, bearer: { authorization: `Bearer ${token}` } }
}

/** A session cookie header for a user (made through the store, as sign-in would). */
export async function sessionCookie(store: Store, userId: string): Promise<{ cookie: string }> {
  const { token } = await createSession(store.db, userId, { ttlMs: 60 * 60 * 1000 })
  return { cookie: `${SESSION_COOKIE}=${token}` }
}

/** The session cookie's token from a Set-Cookie, or undefined. */
export function sessionFrom(res: LightMyRequestResponse): string | undefined {
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)
  return cookie === undefined || cookie.value === '' ? undefined : cookie.value
}

/** Asserts the one error shape (`fields` only on BAD_INPUT), the status and the code; returns the message. */
export function expectError(res: LightMyRequestResponse, status: number, code: ErrorCode): string {
  const body = res.json() as { error?: { fields?: unknown } }
  const fields = code === 'BAD_INPUT' && body.error?.fields !== undefined ? { fields: expect.any(Object) } : {}
  expect({ status: res.statusCode, body }).toEqual({ status, body: { error: { code, message: expect.any(String), ...fields } } })
  if (body.error?.fields !== undefined) {
    expect(Object.values(body.error.fields as object).every((v) => typeof v === 'string')).toBe(true)
  }
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  const message = (res.json() as { error: { message: string } }).error.message
  expect(message).not.toMatch(/\n\s+at /) // never a stack trace
  return message
}

/** How many audit entries exist (the head's seq). */
export async function auditCount(store: Store): Promise<number> {
  const head = await store.db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow()
  return Number(head.seq)
}

export type App = FastifyInstance
