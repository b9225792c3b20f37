/**
 * A second process for the store's multi-process tests (not a test itself): opens the store at
 * argv[2] (PostgreSQL schema argv[3], or `-`), which migrates it, then appends argv[4] audit
 * entries, each in a transaction of its own, and prints `{"seqs":[...]}`.
 *
 *   node --import tsx src/store/test-child.ts sqlite:/tmp/x/warden.db - 25
 */
import { appendAudit } from './audit-repo.js'
import { openStore } from './open.js'

const [url, schema, count] = process.argv.slice(2)
if (url === undefined || schema === undefined || count === undefined) {
  console.error('usage: test-child.ts <url> <schema|-> <appends>')
  process.exit(2)
}
const store = await openStore(url, schema === '-' ? {} : { schema, poolSize: 2 })
try {
  const seqs: number[] = []
  for (let i = 0; i < Number(count); i++) {
    const entry = await store.transaction((trx) =>
      appendAudit(trx, { actor: `pid:${process.pid}`, action: 'test.append', target_type: 'n', target_id: String(i), after: { i } }),
    )
    seqs.push(entry.seq)
  }
  console.log(JSON.stringify({ seqs }))
} finally {
  await store.close()
}
