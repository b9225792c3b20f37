import { sql } from 'kysely'
import type { Kysely, RawBuilder } from 'kysely'
import type { Database } from './database.js'

/**
 * Who owns an app, in one place: the owners of a discovered app's access entitlement
 * (`app:<id>:access` of its source integration) and the owners of the integrations attached to the
 * app. Drift findings and access reviews (reviewers "app owners") both ask it, one app at a time
 * or for a whole campaign at once, so the rule is one SQL relation (app_id, user_id).
 */
export function appOwnersRelation(): RawBuilder<{ app_id: string; user_id: string }> {
  return sql`(
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
