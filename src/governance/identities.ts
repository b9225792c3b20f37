import { WardenError } from '../errors/index.js'
import { getIdentity, listIdentities, oneLoginAccountsOf } from '../store/index.js'
import type { AccountManager, Identity, IdentityFilter, OneLoginAccount, Page, PageRequest, Store } from '../store/index.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * People as governance sees them. Each integration's sync creates and renames identities and links
 * each OneLogin user to one by email (governance/ingest.ts); here they are read-only.
 */

/** What a list of people shows of someone's OneLogin accounts: the primary account's status, sign-in and manager. */
export interface OneLoginSummary {
  status: string | null
  last_login: string | null
  manager: Omit<AccountManager, 'id'>
  /** How many OneLogin users (in any integration) are linked to the person. */
  accounts: number
}

/** An identity with a summary of their OneLogin accounts (null: no account links to them now). */
export interface PersonSummary extends Identity {
  onelogin: OneLoginSummary | null
}

/**
 * The account that speaks for a person with several: the one that signed in last (someone's live
 * account rather than an old one left behind), else the first by integration and id.
 */
export function primaryAccount(accounts: readonly OneLoginAccount[]): OneLoginAccount | undefined {
  let best: OneLoginAccount | undefined
  for (const a of accounts) {
    if (best === undefined) best = a
    else if (a.last_login !== null && (best.last_login === null || a.last_login > best.last_login)) best = a
  }
  return best
}

export function oneLoginSummary(accounts: readonly OneLoginAccount[]): OneLoginSummary | null {
  const primary = primaryAccount(accounts)
  if (primary === undefined) return null
  return {
    status: primary.status,
    last_login: primary.last_login,
    manager: { identity_id: primary.manager.identity_id, display_name: primary.manager.display_name },
    accounts: accounts.length,
  }
}

/** People by email, each with their OneLogin summary: three queries a page (identities, their accounts, the managers). */
export async function listPeople(store: Store, actor: Actor, filter: IdentityFilter = {}, page: PageRequest = {}): Promise<Page<PersonSummary>> {
  authorize(actor, 'identities:read')
  const identities = await listIdentities(store.db, filter, page)
  const accounts = await oneLoginAccountsOf(
    store.db,
    identities.items.map((i) => i.id),
  )
  return { items: identities.items.map((i) => ({ ...i, onelogin: oneLoginSummary(accounts.get(i.id) ?? []) })), next_cursor: identities.next_cursor }
}

/**
 * A person with the OneLogin accounts (user resources, in any integration) linked to them by email:
 * their summary and each account's status, sign-in, manager, department and title.
 */
export interface Person extends PersonSummary {
  accounts: OneLoginAccount[]
}

export async function getPerson(store: Store, actor: Actor, id: string): Promise<Person> {
  authorize(actor, 'identities:read')
  const identity = await getIdentity(store.db, id)
  if (identity === undefined) throw new WardenError('NOT_FOUND', `no identity ${id}`)
  const accounts = (await oneLoginAccountsOf(store.db, [id])).get(id) ?? []
  return { ...identity, onelogin: oneLoginSummary(accounts), accounts }
}
