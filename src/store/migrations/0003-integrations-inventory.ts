import { sql } from 'kysely'
import type { Kysely, Migration } from 'kysely'

/**
 * Issue 6: apps, OneLogin integrations (connectors) with their owners and sync runs, and the
 * inventory: the last ingested sync of each integration (resources, entitlements, grants,
 * implications) plus the governance settings people give entitlements and SCIM apps.
 *
 * Inventory rows are keyed by (integration_id, model id): model ids (`role:42:member`) are unique
 * within one OneLogin tenant only. Entitlement settings and owners are not foreign keys of the
 * synced entitlements, so an entitlement that disappears for a sync and comes back keeps them.
 */
export const integrationsAndInventory: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('apps')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('managed', 'unmanaged')`))
      .addColumn('source_integration_id', 'text')
      .addColumn('source_resource_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    // One Warden app per discovered OneLogin app (NULLs, apps made in Warden, are distinct).
    await db.schema.createIndex('apps_source').on('apps').columns(['source_integration_id', 'source_resource_id']).unique().execute()
    await db.schema.createIndex('apps_name').on('apps').columns(['name', 'id']).execute()

    await db.schema
      .createTable('integrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
      .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('hosted', 'self-hosted')`))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('not_connected', 'syncing', 'connected', 'error')`))
      .addColumn('onelogin_domain', 'text')
      .addColumn('client_id', 'text')
      .addColumn('client_secret', 'text')
      .addColumn('upload_token_hash', 'text', (c) => c.unique())
      .addColumn('sync_privileges', 'integer', (c) => c.notNull().defaultTo(0).check(sql`sync_privileges in (0, 1)`))
      .addColumn('sync_interval_minutes', 'integer', (c) => c.notNull().defaultTo(60).check(sql`sync_interval_minutes >= 5`))
      .addColumn('full_sync_interval_hours', 'integer', (c) => c.notNull().defaultTo(24).check(sql`full_sync_interval_hours >= 1`))
      .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0).check(sql`paused in (0, 1)`))
      .addColumn('next_sync_at', 'text')
      .addColumn('last_sync_at', 'text')
      .addColumn('last_full_sync_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('onelogin_account_id', 'integer')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('integrations_app_id').on('integrations').column('app_id').execute()
    await db.schema.createIndex('integrations_due').on('integrations').columns(['paused', 'next_sync_at']).execute()

    await db.schema
      .createTable('integration_owners')
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('integration_owners_pk', ['integration_id', 'user_id'])
      .execute()
    await db.schema.createIndex('integration_owners_user').on('integration_owners').column('user_id').execute()

    await db.schema
      .createTable('sync_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('triggered_by', 'text', (c) => c.notNull().check(sql`triggered_by in ('schedule', 'manual', 'settings', 'upload')`))
      .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('full', 'incremental', 'upload')`))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'succeeded', 'failed')`))
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('counts', 'text')
      .addColumn('grants_added', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('grants_removed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('api_calls', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('warnings', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('log', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('error', 'text')
      .addColumn('job_id', 'text')
      .execute()
    await db.schema.createIndex('sync_runs_integration').on('sync_runs').columns(['integration_id', 'started_at', 'id']).execute()

    await db.schema
      .createTable('resources')
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('traits', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('status', 'text')
      .addColumn('identity_id', 'text', (c) => c.references('identities.id').onDelete('set null'))
      .addPrimaryKeyConstraint('resources_pk', ['integration_id', 'id'])
      .execute()
    await db.schema.createIndex('resources_type_name').on('resources').columns(['integration_id', 'type', 'display_name', 'id']).execute()
    await db.schema.createIndex('resources_email').on('resources').column('email').execute()
    await db.schema.createIndex('resources_identity').on('resources').column('identity_id').execute()

    await db.schema
      .createTable('entitlements')
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('grantable_to', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('entitlements_pk', ['integration_id', 'id'])
      .execute()
    await db.schema.createIndex('entitlements_resource').on('entitlements').columns(['integration_id', 'resource_id']).execute()

    await db.schema
      .createTable('grants')
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('direct', 'integer', (c) => c.notNull().check(sql`direct in (0, 1)`))
      .addColumn('sources', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('grants_pk', ['integration_id', 'entitlement_id', 'principal_id'])
      .execute()
    await db.schema.createIndex('grants_principal').on('grants').columns(['integration_id', 'principal_id', 'entitlement_id']).execute()

    await db.schema
      .createTable('implications')
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('from_entitlement', 'text', (c) => c.notNull())
      .addColumn('to_entitlement', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('implications_pk', ['integration_id', 'from_entitlement', 'to_entitlement'])
      .execute()
    await db.schema.createIndex('implications_to').on('implications').columns(['integration_id', 'to_entitlement']).execute()

    await db.schema
      .createTable('entitlement_settings')
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('requestable', 'integer', (c) => c.notNull().defaultTo(0).check(sql`requestable in (0, 1)`))
      .addColumn('max_duration_minutes', 'integer', (c) => c.check(sql`max_duration_minutes is null or max_duration_minutes >= 1`))
      .addColumn('risk_level', 'text', (c) => c.check(sql`risk_level is null or risk_level in ('low', 'medium', 'high', 'critical')`))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('entitlement_settings_pk', ['integration_id', 'entitlement_id'])
      .execute()

    await db.schema
      .createTable('entitlement_owners')
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('entitlement_owners_pk', ['integration_id', 'entitlement_id', 'user_id'])
      .execute()
    await db.schema.createIndex('entitlement_owners_user').on('entitlement_owners').column('user_id').execute()

    await db.schema
      .createTable('app_bindings')
      .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('app_bindings_pk', ['app_id', 'entitlement_id'])
      .execute()
  },
}
