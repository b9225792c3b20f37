import { sql } from 'kysely'
import type { Kysely, Migration } from 'kysely'

/**
 * Issue 8: separation-of-duties rules (two sets of entitlements a person must not hold together)
 * and drift (grants that appeared in OneLogin without Warden ordering them), with each app's
 * drift setting.
 *
 * A rule's entitlements reference the integration (a deleted integration takes them along), not
 * the synced entitlement rows: an entitlement that disappears for a sync and comes back keeps its
 * place in the rules, as entitlement settings do.
 */
export const sodAndDrift: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sod_rules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('block', 'extra_approval')`))
      .addColumn('approver_user_ids', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1).check(sql`enabled in (0, 1)`))
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('sod_rule_entitlements')
      .addColumn('rule_id', 'text', (c) => c.notNull().references('sod_rules.id').onDelete('cascade'))
      .addColumn('side', 'text', (c) => c.notNull().check(sql`side in ('a', 'b')`))
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('sod_rule_entitlements_pk', ['rule_id', 'side', 'integration_id', 'entitlement_id'])
      .execute()
    // A request's check starts from the entitlement asked for: which rules name it.
    await db.schema.createIndex('sod_rule_entitlements_entitlement').on('sod_rule_entitlements').columns(['integration_id', 'entitlement_id', 'rule_id']).execute()

    await db.schema
      .createTable('drift_settings')
      .addColumn('app_id', 'text', (c) => c.primaryKey().references('apps.id').onDelete('cascade'))
      .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('off', 'report', 'review', 'revoke')`))
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('drift_findings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('app_id', 'text', (c) => c.references('apps.id').onDelete('set null'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('sync_run_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('report', 'review', 'revoke')`))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('reported', 'open', 'kept', 'revoked')`))
      .addColumn('revoke_order_id', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    // One finding per grant a sync added: a scan that runs again (a retried job) records nothing twice.
    await db.schema.createIndex('drift_findings_grant').on('drift_findings').columns(['sync_run_id', 'entitlement_id', 'principal_id']).unique().execute()
    // The lists: newest first, by state, by integration, by app.
    await db.schema.createIndex('drift_findings_created').on('drift_findings').columns(['created_at', 'id']).execute()
    await db.schema.createIndex('drift_findings_state').on('drift_findings').columns(['state', 'created_at', 'id']).execute()
    await db.schema.createIndex('drift_findings_integration').on('drift_findings').columns(['integration_id', 'created_at', 'id']).execute()
    await db.schema.createIndex('drift_findings_app').on('drift_findings').columns(['app_id', 'created_at', 'id']).execute()
  },
}
