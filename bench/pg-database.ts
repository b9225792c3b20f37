import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { mib } from './table.js'

/** The PostgreSQL server benchmarks make their throw-away databases on. */
export const PG_ADMIN_URL = process.env['WARDEN_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface PgBenchDatabase {
  url: string
  /** Its size on disk, e.g. "95.0 MiB". */
  size(): Promise<string>
  /** ANALYZE, what autovacuum would do after a bulk load (it is off on the project's server). */
  analyze(): Promise<void>
  drop(): Promise<void>
}

/** A fresh database `<prefix>_<random>` on PG_ADMIN_URL's server. */
export async function createPgDatabase(prefix: string): Promise<PgBenchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>, connectionString = PG_ADMIN_URL): Promise<T> => {
    const client = new pg.Client({ connectionString })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  return {
    url: url.toString(),
    size: () => admin(async (c) => mib(Number((await c.query<{ n: string }>('SELECT pg_database_size($1) AS n', [name])).rows[0]?.n ?? 0))),
    analyze: () => admin((c) => c.query('ANALYZE'), url.toString()).then(() => undefined),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  }
}
