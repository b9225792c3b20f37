import { sql } from 'kysely'
import type { Kysely, Migration } from 'kysely'
import { AUDIT_GENESIS_HASH } from '../audit-hash.js'

/**
 * Issue 5: Warden's own accounts (users, sessions, API tokens, the first-admin setup token),
 * identities, and the hash-chained audit log. Portable types only (see ../database.ts): text ids,
 * ISO-8601 text timestamps, JSON as text, 0/1 integers. Foreign keys are enforced on both
 * dialects (SQLite opens with `foreign_keys = ON`).
 */
export const accountsAndAudit: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique().check(sql`email = lower(email)`))
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0).check(sql`disabled in (0, 1)`))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute()
    await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute()

    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('expires_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute()
    await db.schema.createIndex('api_tokens_user_id').on('api_tokens').columns(['user_id', 'created_at']).execute()

    await db.schema
      .createTable('setup_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .execute()

    await db.schema
      .createTable('identities')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique().check(sql`email = lower(email)`))
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('warden_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('identities_warden_user_id').on('identities').column('warden_user_id').execute()

    await db.schema
      .createTable('audit_log')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text')
      .addColumn('target_id', 'text')
      .addColumn('before', 'text')
      .addColumn('after', 'text')
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute()
    // Filters of listAudit(): each index ends in seq so the keyset page is an index range.
    await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'seq']).execute()
    await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'seq']).execute()
    await db.schema.createIndex('audit_log_target').on('audit_log').columns(['target_type', 'target_id', 'seq']).execute()
    await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'seq']).execute()

    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute()
    await sql`insert into audit_head (id, seq, hash) values (1, 0, ${AUDIT_GENESIS_HASH})`.execute(db)
  },
}
