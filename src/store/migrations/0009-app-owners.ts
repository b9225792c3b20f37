import type { Kysely, Migration } from 'kysely'

/**
 * Direct app owners: Warden users named as an app's owners (the Terraform provider's
 * `owner_user_ids`, the API's `owner_user_ids`). Until now an app's owners were only derived (its
 * access entitlement's owners, its integrations' owners); owners-repo.ts's appOwnersRelation adds
 * these, so reviews, drift and approvals see them with the others.
 */
export const appOwners: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('app_owners')
      .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('app_owners_pk', ['app_id', 'user_id'])
      .execute()
    // "The apps a user owns" (drift findings of the apps one owns) starts from the user.
    await db.schema.createIndex('app_owners_user').on('app_owners').columns(['user_id', 'app_id']).execute()
  },
}
