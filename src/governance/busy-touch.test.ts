import Database from 'better-sqlite3'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/dialects.js'
import type { TestDatabase } from '../../test/dialects.js'
import { createApiToken, createSession, createUser, getApiToken } from '../store/index.js'
import type { Store } from '../store/index.js'
import { authenticateApiToken, authenticateSession } from './accounts.js'

/**
 * On SQLite another connection (a worker ingesting a large sync) can hold the write lock for many
 * seconds. Signing a request in only reads; recording the activity is a write that may wait, and
 * when it cannot get the lock the request must still go through, untouched.
 */
let database: TestDatabase
let store: Store
let other: Database.Database

beforeEach(async () => {
  database = await createTestDatabase('sqlite', 'busy touch')
  // Long: a touch must not wait for the lock at all (the test's 10 s timeout would end first).
  store = await database.open({ busyTimeoutMs: 30_000 })
  other = new Database(database.url.replace(/^sqlite:/, ''))
})
afterEach(async () => {
  if (other.inTransaction) other.exec('ROLLBACK')
  other.close()
  await store.close()
  await database.drop()
})

it('authenticates API tokens and sessions while another connection holds the write lock, and skips the touch', async () => {
  const user = await createUser(store.db, { email: 'busy@example.com', display_name: 'Busy' })
  const { token, apiToken } = await createApiToken(store.db, { userId: user.id, name: 'ci' })
  const session = await createSession(store.db, user.id, { ttlMs: 60 * 60 * 1000 })
  const later = new Date(Date.now() + 10 * 60 * 1000)

  other.exec('BEGIN IMMEDIATE')
  expect(await authenticateApiToken(store, token, { now: later })).toMatchObject({ user: { id: user.id }, tokenId: apiToken.id })
  expect(await authenticateSession(store, session.token, { now: later })).toMatchObject({ user: { id: user.id } })
  other.exec('ROLLBACK')

  expect((await getApiToken(store.db, apiToken.id))?.last_used_at).toBeNull()
  // With the lock free, the touch is recorded again.
  await authenticateApiToken(store, token, { now: later })
  expect((await getApiToken(store.db, apiToken.id))?.last_used_at).toBe(later.toISOString())
}, 10_000)
