import { sql } from 'kysely'
import type { Kysely, Migration } from 'kysely'

/**
 * Issue 9: user access reviews. A campaign's scope and settings (JSON), its frozen copy of the
 * access under review (campaign_items: one row per grant, numbered within the campaign), who may
 * decide each item, comments, the reminders sent, and templates that create campaigns on a
 * schedule. Grants learn when Warden first saw them (`first_seen_at`), for the "added since" filter.
 *
 * Items are keyed by (campaign_id, item_no), not by a random id: staging a million grants is one
 * INSERT ... SELECT that numbers rows with row_number(), which neither dialect can do with random
 * ids as cheaply. Items copy names and traits at staging: the review is of the access as it was
 * frozen, whatever later syncs change.
 */
export const campaigns: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // Null for grants ingested before this migration: "added since" never matches them.
    await db.schema.alterTable('grants').addColumn('first_seen_at', 'text').execute()

    await db.schema
      .createTable('campaign_templates')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('every_count', 'integer', (c) => c.notNull().check(sql`every_count >= 1`))
      .addColumn('every_unit', 'text', (c) => c.notNull().check(sql`every_unit in ('day', 'week', 'month')`))
      .addColumn('duration_days', 'integer', (c) => c.notNull().check(sql`duration_days >= 1`))
      .addColumn('auto_start', 'integer', (c) => c.notNull().defaultTo(0).check(sql`auto_start in (0, 1)`))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1).check(sql`enabled in (0, 1)`))
      .addColumn('next_run_at', 'text', (c) => c.notNull())
      .addColumn('last_campaign_id', 'text')
      .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('campaign_templates_due').on('campaign_templates').columns(['enabled', 'next_run_at']).execute()

    await db.schema
      .createTable('campaigns')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('draft', 'staged', 'active', 'closed')`))
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('close_action', 'text', (c) => c.notNull().check(sql`close_action in ('revoke', 'leave')`))
      .addColumn('auto_close', 'integer', (c) => c.notNull().defaultTo(0).check(sql`auto_close in (0, 1)`))
      .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('template_id', 'text', (c) => c.references('campaign_templates.id').onDelete('set null'))
      .addColumn('warnings', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('items_total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('staged_at', 'text')
      .addColumn('started_at', 'text')
      .addColumn('closed_at', 'text')
      .addColumn('closed_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('campaigns_state').on('campaigns').columns(['state', 'due_at', 'id']).execute()
    await db.schema.createIndex('campaigns_created').on('campaigns').columns(['created_at', 'id']).execute()

    // The entitlements a staged campaign covers (its scope, resolved and frozen at staging), each
    // with the Warden app it belongs to (whose owners review it when the reviewers are app owners).
    await db.schema
      .createTable('campaign_scope')
      .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
      .addColumn('integration_id', 'text', (c) => c.notNull())
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('app_id', 'text')
      .addPrimaryKeyConstraint('campaign_scope_pk', ['campaign_id', 'integration_id', 'entitlement_id'])
      .execute()

    // campaign_items and campaign_item_reviewers have no foreign keys: staging writes a million rows
    // of each, and PostgreSQL checks a foreign key with a trigger per row (about 8 s per key per
    // million rows, measured). Only staging writes them, for a campaign it holds locked; a campaign
    // is deleted only as a draft, which has none; Warden users are disabled, never deleted.
    await db.schema
      .createTable('campaign_items')
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('item_no', 'integer', (c) => c.notNull())
      .addColumn('integration_id', 'text', (c) => c.notNull())
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('entitlement_name', 'text', (c) => c.notNull())
      .addColumn('resource_type', 'text', (c) => c.notNull())
      .addColumn('resource_name', 'text', (c) => c.notNull())
      .addColumn('app_id', 'text')
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('principal_name', 'text', (c) => c.notNull())
      .addColumn('principal_email', 'text')
      .addColumn('principal_status', 'text')
      .addColumn('identity_id', 'text')
      .addColumn('manager_id', 'text')
      .addColumn('last_login', 'text')
      .addColumn('direct', 'integer', (c) => c.notNull())
      .addColumn('sources', 'text', (c) => c.notNull())
      .addColumn('first_seen_at', 'text')
      .addColumn('expires_at', 'text')
      .addColumn('suggestion', 'text', (c) => c.check(sql`suggestion is null or suggestion in ('suspended', 'inactive')`))
      .addColumn('decision', 'text', (c) => c.check(sql`decision is null or decision in ('certify', 'revoke')`))
      .addColumn('reason', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('revoke_order_id', 'text')
      .addColumn('close_outcome', 'text', (c) => c.check(sql`close_outcome is null or close_outcome in ('revoked', 'left')`))
      .addPrimaryKeyConstraint('campaign_items_pk', ['campaign_id', 'item_no'])
      .execute()
    // Progress counts and "the undecided" at close read by decision.
    await db.schema.createIndex('campaign_items_decision').on('campaign_items').columns(['campaign_id', 'decision', 'item_no']).execute()

    await db.schema
      .createTable('campaign_item_reviewers')
      .addColumn('campaign_id', 'text', (c) => c.notNull())
      .addColumn('item_no', 'integer', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('campaign_item_reviewers_pk', ['campaign_id', 'item_no', 'user_id'])
      .execute()
    // A reviewer's inbox: their items, campaign by campaign, in order.
    await db.schema.createIndex('campaign_item_reviewers_user').on('campaign_item_reviewers').columns(['user_id', 'campaign_id', 'item_no']).execute()

    await db.schema
      .createTable('campaign_comments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
      .addColumn('item_no', 'integer', (c) => c.notNull())
      .addColumn('author_id', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('campaign_comments_item').on('campaign_comments').columns(['campaign_id', 'item_no', 'created_at']).execute()

    // One row per reminder sent (campaign, reviewer, slot): a scan that runs twice sends nothing twice.
    await db.schema
      .createTable('campaign_reminders')
      .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('slot', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('campaign_reminders_pk', ['campaign_id', 'user_id', 'slot'])
      .execute()
  },
}
