import { sql } from 'kysely'
import type { Kysely, Migration } from 'kysely'

/**
 * Issue 8: provisioning orders (what Warden was asked to grant or revoke in OneLogin, with every
 * attempt and state change), time-bound (JIT) grants and their expiry, and manual tasks (an order
 * that failed for good, handed to people). Portable types only, as in 0003.
 *
 * Orders and grants keep the model's ids (`role:42:member`, `user:7`), not foreign keys to the
 * inventory: a sync may drop and re-add an entitlement without losing its orders.
 */
export const jit: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('provisioning_orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('grant', 'revoke')`))
      .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('order', 'expiry', 'revoke_now')`))
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('duration_minutes', 'integer', (c) => c.check(sql`duration_minutes is null or duration_minutes >= 1`))
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('queued', 'running', 'done', 'failed', 'manual')`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('outcome', 'text')
      .addColumn('timebound_grant_id', 'text')
      .addColumn('events', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('provisioning_orders_request').on('provisioning_orders').columns(['request_id', 'created_at']).execute()
    // grantWasOrdered and "the latest order of this grant".
    await db.schema
      .createIndex('provisioning_orders_grant')
      .on('provisioning_orders')
      .columns(['integration_id', 'entitlement_id', 'principal_id', 'created_at'])
      .execute()

    await db.schema
      .createTable('timebound_grants')
      // The id of the order that first granted it (ord_...).
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('active', 'revoking', 'revoked', 'superseded')`))
      .addColumn('granted_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('revoke_order_id', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('ended_by', 'text', (c) => c.check(sql`ended_by is null or ended_by in ('expiry', 'revoke_now', 'revoke_order', 'permanent_grant')`))
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    // One live (active or revoking) time-bound grant per grant; ended ones are history.
    await db.schema
      .createIndex('timebound_grants_live')
      .on('timebound_grants')
      .columns(['integration_id', 'entitlement_id', 'principal_id'])
      .unique()
      .where(sql<boolean>`state in ('active', 'revoking')`)
      .execute()
    await db.schema.createIndex('timebound_grants_state').on('timebound_grants').columns(['state', 'expires_at', 'id']).execute()
    await db.schema.createIndex('timebound_grants_principal').on('timebound_grants').columns(['principal_id', 'state']).execute()

    await db.schema
      .createTable('manual_tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('order_id', 'text', (c) => c.notNull().unique().references('provisioning_orders.id').onDelete('cascade'))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'done')`))
      .addColumn('instructions', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('completed_by', 'text')
      .addColumn('completed_at', 'text')
      .addColumn('note', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('manual_tasks_state').on('manual_tasks').columns(['state', 'created_at', 'id']).execute()

    await db.schema
      .createTable('manual_task_assignees')
      .addColumn('task_id', 'text', (c) => c.notNull().references('manual_tasks.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('manual_task_assignees_pk', ['task_id', 'user_id'])
      .execute()
    await db.schema.createIndex('manual_task_assignees_user').on('manual_task_assignees').column('user_id').execute()
  },
}
