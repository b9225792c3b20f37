import { sql } from 'kysely'
import type { Kysely, RawBuilder } from 'kysely'
import type { Database } from './database.js'
import type { UserSummary } from './users-repo.js'

/**
 * Who owns an app, in one place: the Warden users named as its owners (app_owners), the owners of
 * a discovered app's access entitlement (`app:<id>:access` of its source integration) and the
 * owners of the integrations attached to the app. Drift findings and access reviews (reviewers
 * "app owners") both ask it, one app at a time or for a whole campaign at once, so the rule is one
 * SQL relation (app_id, user_id).
 */
export function appOwnersRelation(): RawBuilder<{ app_id: string; user_id: string }> {
  return sql`(
    select ao.app_id, ao.user_id from app_owners ao
    union
    select a.id as app_id, o.user_id from apps a
    join entitlement_owners o on o.integration_id = a.source_integration_id and o.entitlement_id = a.source_resource_id || ':access'
    union
    select i.app_id, io.user_id from integrations i join integration_owners io on io.integration_id = i.id
  )`
}

/** The owners of an app (see appOwnersRelation), in id order. */
export async function appOwnerIds(db: Kysely<Database>, appId: string): Promise<string[]> {
  const rows = await sql<{ user_id: string }>`select distinct x.user_id from ${appOwnersRelation()} x where x.app_id = ${appId} order by 1`.execute(db)
  return rows.rows.map((r) => r.user_id)
}

/** The apps a user owns (see appOwnersRelation), in id order. */
export async function appsOwnedBy(db: Kysely<Database>, userId: string): Promise<string[]> {
  const rows = await sql<{ app_id: string }>`select distinct x.app_id from ${appOwnersRelation()} x where x.user_id = ${userId} order by 1`.execute(db)
  return rows.rows.map((r) => r.app_id)
}

/** The Warden users named as an app's owners (not the derived ones), in id order (code-point order, whatever the database's collation). */
export async function directAppOwners(db: Kysely<Database>, appId: string): Promise<UserSummary[]> {
  const rows = await db
    .selectFrom('app_owners as o')
    .innerJoin('users as u', 'u.id', 'o.user_id')
    .select(['u.id', 'u.email', 'u.display_name'])
    .where('o.app_id', '=', appId)
    .execute()
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/**
 * Replaces the Warden users named as an app's owners (the caller checked that they exist and holds
 * the app's row lock). Owners who stay keep their `created_at`.
 */
export async function replaceDirectAppOwners(db: Kysely<Database>, appId: string, userIds: readonly string[], now: string): Promise<void> {
  const ids = [...new Set(userIds)].sort()
  let gone = db.deleteFrom('app_owners').where('app_id', '=', appId)
  if (ids.length > 0) gone = gone.where('user_id', 'not in', ids)
  await gone.execute()
  if (ids.length === 0) return
  await db
    .insertInto('app_owners')
    .values(ids.map((user_id) => ({ app_id: appId, user_id, created_at: now })))
    .onConflict((oc) => oc.columns(['app_id', 'user_id']).doNothing())
    .execute()
}
