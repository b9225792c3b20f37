import { sql } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { createTestDatabase } from '../../test/dialects.js'
import type { TestDatabase } from '../../test/dialects.js'
import type { Store } from './open.js'

let database: TestDatabase
let store: Store

beforeEach(async () => {
  database = await createTestDatabase('sqlite', 'sqlite driver')
  store = await database.open()
})
afterEach(async () => {
  await store.close()
  await database.drop()
})

it('lets the event loop run between statements of a long transaction (a timer fires before it ends)', async () => {
  let fired = false
  let firedDuring = false
  setTimeout(() => {
    fired = true
  }, 0)
  await store.transaction(async (trx) => {
    // Each statement is CPU-bound for a few milliseconds; none of them awaits real I/O.
    for (let i = 0; i < 40; i++) {
      await sql`with recursive n(x) as (select 1 union all select x + 1 from n where x < 20000) select sum(x) from n`.execute(trx)
      if (fired) firedDuring = true
    }
  })
  expect(firedDuring).toBe(true)
})
