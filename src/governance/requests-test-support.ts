/**
 * Helpers for the access-request tests: the Acme demo tenant (src/emulator/demo-tenant.ts) synced
 * by the real connector into a snapshot once, ingested into each test's store, with Warden users
 * for the people the tests need (so managers, owners and holders are real), and small fixtures
 * for the permission table.
 */
import { createIdentity, createUser, insertPolicy, isoTime, newId, saveEntitlementRequestSettings, saveEntitlementSettings } from '../store/index.js'
import type { AutoApproveRule, Store, User } from '../store/index.js'
import { createTestIntegration, ingestFile } from './inventory-test-support.js'
import { activeTimeboundGrant } from './jit-test-support.js'
import type { Actor } from './policy.js'
import { createAccessRequest } from './requests.js'

/** Demo-tenant OneLogin user ids (demo-tenant.ts). */
export const ACME = {
  maria: 41235001, // CEO, James's manager
  david: 41235002,
  priya: 41235003, // CFO
  james: 41235004, // VP Sales, Olivia's manager
  tom: 41235006, // IT manager
  sofia: 41235007,
  liam: 41235008, // engineer (Engineering role)
  olivia: 41235012, // account executive: Employees and Sales roles
  oliver: 41235023, // contractor without a manager
} as const

/** Demo-tenant roles. */
export const ROLES = {
  employees: 'role:330101:member',
  engineering: 'role:330102:member',
  sales: 'role:330103:member',
  finance: 'role:330104:member',
  awsAdmins: 'role:330107:member',
} as const

export const EMAILS = {
  maria: 'maria.gonzalez@acme.example',
  priya: 'priya.raman@acme.example',
  james: 'james.oconnor@acme.example',
  tom: 'tom.becker@acme.example',
  liam: 'liam.walsh@acme.example',
  olivia: 'olivia.brown@acme.example',
  oliver: 'oliver.scott@acme.example',
} as const

export type Who = keyof typeof EMAILS

export interface AcmeFixture {
  integrationId: string
  appId: string
  users: Record<Who, User> & { admin: User; auditor: User }
}

export function actorOf(user: User): Actor {
  return { id: user.id, roles: user.roles, via: 'token' }
}

/**
 * An integration with the Acme inventory, and Warden users for some of its people (their email is
 * their OneLogin email), plus an Access Request Administrator and a Read-only Administrator
 * outside the tenant. `roles` gives some of them Warden roles.
 */
export async function acmeFixture(store: Store, snapshot: string, roles: Partial<Record<Who, string[]>> = {}): Promise<AcmeFixture> {
  const { integrationId, appId } = await createTestIntegration(store, { appName: 'Acme OneLogin' })
  const users = {} as AcmeFixture['users']
  for (const [who, email] of Object.entries(EMAILS) as [Who, string][]) {
    const name = email.split('@')[0] as string
    users[who] = await createUser(store.db, { email, display_name: name, roles: roles[who] ?? [] })
  }
  users.admin = await createUser(store.db, { email: `admin-${newId('usr').slice(4, 12)}@warden.example`, display_name: 'Ada Admin', roles: ['access-request-admin'] })
  users.auditor = await createUser(store.db, { email: `auditor-${newId('usr').slice(4, 12)}@warden.example`, display_name: 'Rita Reader', roles: ['read-only-admin'] })
  await ingestFile(store, integrationId, snapshot)
  return { integrationId, appId, users }
}

/** Makes an entitlement requestable (with an optional maximum duration). */
export async function makeRequestable(store: Store, integrationId: string, entitlementId: string, maxDurationMinutes: number | null = null): Promise<void> {
  await saveEntitlementSettings(store.db, integrationId, entitlementId, { description: null, requestable: true, max_duration_minutes: maxDurationMinutes, risk_level: null }, isoTime(new Date()))
}

let serial = 0

/**
 * For the permission table: a fresh role membership in the integration, requestable, owned by
 * `owner` (when given), and `user` as a person with a OneLogin account there (made when missing).
 * Returns the entitlement and the account.
 */
export async function freshRequestable(
  store: Store,
  integrationId: string,
  user: User,
  options: { owner?: User; holds?: boolean } = {},
): Promise<{ entitlementId: string; principalId: string }> {
  serial++
  const roleId = 900_000 + serial * 10 + Math.floor(Math.random() * 10)
  const entitlementId = `role:${roleId}:member`
  await store.db.insertInto('resources').values({ integration_id: integrationId, id: `role:${roleId}`, type: 'role', display_name: `Role ${roleId}`, traits: '{}', email: null, status: null, identity_id: null }).execute()
  await store.db
    .insertInto('entitlements')
    .values({ integration_id: integrationId, id: entitlementId, resource_id: `role:${roleId}`, slug: 'member', display_name: `Role ${roleId} member`, grantable_to: '["user"]' })
    .execute()
  await makeRequestable(store, integrationId, entitlementId)
  if (options.owner !== undefined) await store.db.insertInto('entitlement_owners').values({ integration_id: integrationId, entitlement_id: entitlementId, user_id: options.owner.id }).execute()
  const principalId = await accountFor(store, integrationId, user)
  if (options.holds === true) {
    await store.db.insertInto('grants').values({ integration_id: integrationId, entitlement_id: entitlementId, principal_id: principalId, direct: 1, sources: '[]' }).execute()
  }
  return { entitlementId, principalId }
}

/** The user's OneLogin account in the integration (an identity and a user resource, made when missing). */
export async function accountFor(store: Store, integrationId: string, user: User): Promise<string> {
  let identity = await store.db.selectFrom('identities').selectAll().where('email', '=', user.email).executeTakeFirst()
  identity ??= await createIdentity(store.db, { email: user.email, display_name: user.display_name, warden_user_id: user.id })
  const existing = await store.db
    .selectFrom('resources')
    .select('id')
    .where('integration_id', '=', integrationId)
    .where('identity_id', '=', identity.id)
    .executeTakeFirst()
  if (existing !== undefined) return existing.id
  serial++
  const id = `user:${800_000 + serial * 10 + Math.floor(Math.random() * 10)}`
  await store.db
    .insertInto('resources')
    .values({ integration_id: integrationId, id, type: 'user', display_name: user.display_name, traits: '{}', email: user.email, status: 'active', identity_id: identity.id })
    .execute()
  return id
}

// ------------------------------------------------------------------ fixtures for the permission table
// None of these write audit entries (the table checks that a refused call changes nothing), except
// through the request services, which the table only uses for callers that are let through.

async function otherUser(store: Store, label: string): Promise<User> {
  serial++
  return createUser(store.db, { email: `${label}-${serial}-${Math.random().toString(36).slice(2, 8)}@example.com`, display_name: `${label} ${serial}`, roles: [] })
}

/** A pending request `user` made (owned by someone else, so it waits). */
export async function pendingRequestOf(store: Store, integrationId: string, user: User): Promise<string> {
  const { entitlementId } = await freshRequestable(store, integrationId, user, { owner: await otherUser(store, 'owner') })
  return (await createAccessRequest(store, actorOf(user), { integration_id: integrationId, entitlement_id: entitlementId, reason: 'work' })).id
}

/** An open approval task assigned to `user` (someone else's request for an entitlement `user` owns). */
export async function taskFor(store: Store, integrationId: string, user: User): Promise<string> {
  const requester = await otherUser(store, 'requester')
  const { entitlementId } = await freshRequestable(store, integrationId, requester, { owner: user })
  const request = await createAccessRequest(store, actorOf(requester), { integration_id: integrationId, entitlement_id: entitlementId, reason: 'work' })
  const task = await store.db.selectFrom('approval_tasks').select('id').where('request_id', '=', request.id).where('state', '=', 'open').executeTakeFirstOrThrow()
  return task.id
}

/** A user to hand tasks to. */
export async function delegate(store: Store): Promise<User> {
  return otherUser(store, 'delegate')
}

/** An entitlement `user` holds (a drop of it is allowed). */
export async function heldBy(store: Store, integrationId: string, user: User): Promise<string> {
  return (await freshRequestable(store, integrationId, user, { holds: true })).entitlementId
}

/** A grant request of `user`'s, approved at once (an auto-approve policy), whose grant is an active time-bound grant. */
export async function timeboundRequestOf(store: Store, integrationId: string, user: User): Promise<string> {
  const { entitlementId, principalId } = await freshRequestable(store, integrationId, user)
  const policyId = await policyRow(store, 'grant', [{ type: 'always' }])
  await saveEntitlementRequestSettings(
    store.db,
    { integration_id: integrationId, entitlement_id: entitlementId, grant_policy_id: policyId, revoke_policy_id: null, emergency_policy_id: null, audience: null, audience_entitlements: [], updated_at: null },
    isoTime(new Date()),
  )
  const request = await createAccessRequest(store, actorOf(user), { integration_id: integrationId, entitlement_id: entitlementId, reason: 'work' })
  await activeTimeboundGrant(store, { integration_id: integrationId, entitlement_id: entitlementId, principal_id: principalId })
  return request.id
}

/** A policy made straight through the store (no audit entry). */
export async function policyRow(store: Store, kind: 'grant' | 'revoke' | 'emergency' = 'grant', autoApprove: AutoApproveRule[] = []): Promise<string> {
  const at = isoTime(new Date())
  const id = newId('pol')
  await insertPolicy(store.db, {
    id,
    name: `Policy ${id}`,
    description: '',
    kind,
    builtin: false,
    steps: [],
    require_distinct_approvers: false,
    auto_approve: autoApprove,
    created_at: at,
    updated_at: at,
  })
  return id
}
