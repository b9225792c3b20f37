import { sql } from 'kysely'
import type { Kysely, Migration } from 'kysely'

/**
 * Issue 5: the durable job queue (src/jobs/) and its schedules, in the same database so a job
 * commits or rolls back with the change that caused it.
 */
export const jobs: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) =>
        c.notNull().check(sql`status in ('queued', 'running', 'succeeded', 'failed', 'dead')`),
      )
      .addColumn('run_at', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull().check(sql`max_attempts >= 1`))
      .addColumn('last_error', 'text')
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'text')
      .addColumn('singleton_key', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    // The claim query's two paths: due jobs, and running jobs whose lease expired.
    await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute()
    await db.schema.createIndex('jobs_lease').on('jobs').columns(['status', 'locked_until']).execute()
    await db.schema.createIndex('jobs_kind').on('jobs').columns(['kind', 'status']).execute()
    // "Unique when active": a finished job frees its key. Partial indexes exist on both dialects.
    await db.schema
      .createIndex('jobs_singleton_active')
      .on('jobs')
      .column('singleton_key')
      .unique()
      .where(sql<boolean>`singleton_key is not null and status in ('queued', 'running', 'failed')`)
      .execute()

    await db.schema
      .createTable('job_schedules')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('last_slot', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
  },
}
