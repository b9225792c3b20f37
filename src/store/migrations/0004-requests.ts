import { sql } from 'kysely'
import type { Kysely, Migration } from 'kysely'

/**
 * Issue 8: access requests. Approval policies (with three built-in defaults), request settings
 * per app (defaults) and per entitlement (overrides), the requests themselves with their own
 * history, and the approval tasks of each request's steps with their assignees.
 *
 * A request keeps a copy of the policy it follows (`plan`), so editing a policy never changes a
 * request already under way. Provisioning is recorded by the provisioning orders (0005); a request
 * names its latest order.
 */

/** The built-in policies' ids (governance/policies.ts names them too): fixed, so every database has the same. */
const BUILTIN = {
  grant: 'pol_00000000000000000000000001',
  revoke: 'pol_00000000000000000000000002',
  emergency: 'pol_00000000000000000000000003',
} as const

const STEP_DEFAULTS = { allow_self_approval: false, require_reason: false, escalate_after_hours: null, escalate_to: [] }

export const requests: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('policies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('grant', 'revoke', 'emergency')`))
      .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0).check(sql`builtin in (0, 1)`))
      // JSON: the ordered approval steps; the auto-approve rules.
      .addColumn('steps', 'text', (c) => c.notNull())
      .addColumn('require_distinct_approvers', 'integer', (c) => c.notNull().defaultTo(0).check(sql`require_distinct_approvers in (0, 1)`))
      .addColumn('auto_approve', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()

    const now = new Date().toISOString()
    const policy = (id: string, name: string, kind: string, description: string, steps: unknown[], autoApprove: unknown[]) => ({
      id,
      name,
      description,
      kind,
      builtin: 1,
      steps: JSON.stringify(steps),
      require_distinct_approvers: 0,
      auto_approve: JSON.stringify(autoApprove),
      created_at: now,
      updated_at: now,
    })
    await db
      .insertInto('policies' as never)
      .values([
        policy(
          BUILTIN.grant,
          'Default access policy',
          'grant',
          "The entitlement's owners approve; without any, the app's owners; without any, the integration's owners.",
          [{ approvers: [{ type: 'entitlement_owners' }], fallback: [{ type: 'app_owners' }, { type: 'integration_owners' }], ...STEP_DEFAULTS }],
          [],
        ),
        policy(BUILTIN.revoke, 'Default removal policy', 'revoke', 'Removing access needs no approval.', [], [{ type: 'always' }]),
        policy(
          BUILTIN.emergency,
          'Default emergency policy',
          'emergency',
          "The integration's owners approve; after an hour the Access Request Administrators are added.",
          [{ approvers: [{ type: 'integration_owners' }], fallback: [], ...STEP_DEFAULTS, escalate_after_hours: 1 }],
          [],
        ),
      ] as never)
      .execute()

    // Defaults for an app's entitlements (null: the built-in policy; audience 'everyone').
    await db.schema
      .createTable('app_request_settings')
      .addColumn('app_id', 'text', (c) => c.primaryKey().references('apps.id').onDelete('cascade'))
      .addColumn('max_duration_minutes', 'integer', (c) => c.check(sql`max_duration_minutes is null or max_duration_minutes >= 1`))
      .addColumn('grant_policy_id', 'text', (c) => c.references('policies.id'))
      .addColumn('revoke_policy_id', 'text', (c) => c.references('policies.id'))
      .addColumn('emergency_policy_id', 'text', (c) => c.references('policies.id'))
      .addColumn('audience', 'text', (c) => c.notNull().defaultTo('everyone').check(sql`audience in ('everyone', 'holders', 'nobody')`))
      .addColumn('audience_entitlements', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()

    // Per-entitlement overrides (null: the app's default). Not a foreign key of the synced
    // entitlement, like entitlement_settings, so a sync that misses it once keeps them.
    await db.schema
      .createTable('entitlement_request_settings')
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('grant_policy_id', 'text', (c) => c.references('policies.id'))
      .addColumn('revoke_policy_id', 'text', (c) => c.references('policies.id'))
      .addColumn('emergency_policy_id', 'text', (c) => c.references('policies.id'))
      .addColumn('audience', 'text', (c) => c.check(sql`audience is null or audience in ('everyone', 'holders', 'nobody')`))
      .addColumn('audience_entitlements', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('entitlement_request_settings_pk', ['integration_id', 'entitlement_id'])
      .execute()

    await db.schema
      .createTable('access_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('grant', 'revoke', 'extend')`))
      // approved is only ever seen inside the approving transaction: it moves on to provisioning.
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'approved', 'denied', 'cancelled', 'provisioning')`))
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('entitlement_id', 'text', (c) => c.notNull())
      .addColumn('entitlement_name', 'text', (c) => c.notNull())
      .addColumn('app_id', 'text')
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('identity_id', 'text', (c) => c.references('identities.id').onDelete('set null'))
      .addColumn('requester_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('duration_minutes', 'integer', (c) => c.check(sql`duration_minutes is null or duration_minutes >= 1`))
      .addColumn('emergency', 'integer', (c) => c.notNull().defaultTo(0).check(sql`emergency in (0, 1)`))
      .addColumn('policy_id', 'text')
      // JSON: the policy's steps and rules as they were when the request was made (plus SoD steps).
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('conflicts', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('current_step', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('extends_request_id', 'text')
      .addColumn('order_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .execute()
    await db.schema.createIndex('access_requests_created').on('access_requests').columns(['created_at', 'id']).execute()
    await db.schema.createIndex('access_requests_requester').on('access_requests').columns(['requester_id', 'created_at', 'id']).execute()
    await db.schema.createIndex('access_requests_identity').on('access_requests').columns(['identity_id', 'created_at', 'id']).execute()
    await db.schema.createIndex('access_requests_state').on('access_requests').columns(['state', 'created_at', 'id']).execute()
    await db.schema
      .createIndex('access_requests_target')
      .on('access_requests')
      .columns(['integration_id', 'principal_id', 'entitlement_id', 'state'])
      .execute()
    // One pending request for access (a grant or an extension), and one for its removal, per
    // person and entitlement, even when two are made at the same moment.
    await db.schema
      .createIndex('access_requests_one_pending_grant')
      .on('access_requests')
      .columns(['integration_id', 'principal_id', 'entitlement_id'])
      .unique()
      .where(sql<boolean>`state = 'pending' and kind in ('grant', 'extend')`)
      .execute()
    await db.schema
      .createIndex('access_requests_one_pending_revoke')
      .on('access_requests')
      .columns(['integration_id', 'principal_id', 'entitlement_id'])
      .unique()
      .where(sql<boolean>`state = 'pending' and kind = 'revoke'`)
      .execute()

    await db.schema
      .createTable('request_events')
      .addColumn('request_id', 'text', (c) => c.notNull().references('access_requests.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('request_events_pk', ['request_id', 'seq'])
      .execute()

    await db.schema
      .createTable('approval_tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('request_id', 'text', (c) => c.notNull().references('access_requests.id').onDelete('cascade'))
      .addColumn('step_index', 'integer', (c) => c.notNull().check(sql`step_index >= 0`))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'approved', 'denied', 'reassigned', 'skipped')`))
      .addColumn('due_at', 'text')
      .addColumn('escalated_at', 'text')
      .addColumn('decided_by', 'text', (c) => c.references('users.id'))
      .addColumn('decision_reason', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('approval_tasks_request').on('approval_tasks').columns(['request_id', 'step_index', 'created_at']).execute()
    await db.schema.createIndex('approval_tasks_state').on('approval_tasks').columns(['state', 'created_at', 'id']).execute()
    await db.schema.createIndex('approval_tasks_due').on('approval_tasks').columns(['state', 'escalated_at', 'due_at']).execute()

    await db.schema
      .createTable('approval_task_assignees')
      .addColumn('task_id', 'text', (c) => c.notNull().references('approval_tasks.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      // approver, fallback, escalation, reassigned, sod
      .addColumn('source', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('approval_task_assignees_pk', ['task_id', 'user_id'])
      .execute()
    await db.schema.createIndex('approval_task_assignees_user').on('approval_task_assignees').columns(['user_id', 'task_id']).execute()
  },
}
