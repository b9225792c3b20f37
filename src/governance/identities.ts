import { WardenError } from '../errors/index.js'
import { getIdentity, listIdentities, listIdentityAccounts } from '../store/index.js'
import type { Identity, IdentityAccount, IdentityFilter, Page, PageRequest, Store } from '../store/index.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * People as governance sees them. Each integration's sync creates and renames identities and links
 * each OneLogin user to one by email (governance/ingest.ts); here they are read-only.
 */

export async function listPeople(store: Store, actor: Actor, filter: IdentityFilter = {}, page: PageRequest = {}): Promise<Page<Identity>> {
  authorize(actor, 'identities:read')
  return listIdentities(store.db, filter, page)
}

/** An identity with the OneLogin accounts (user resources, in any integration) linked to it by email. */
export interface Person extends Identity {
  accounts: IdentityAccount[]
}

export async function getPerson(store: Store, actor: Actor, id: string): Promise<Person> {
  authorize(actor, 'identities:read')
  const identity = await getIdentity(store.db, id)
  if (identity === undefined) throw new WardenError('NOT_FOUND', `no identity ${id}`)
  return { ...identity, accounts: await listIdentityAccounts(store.db, id) }
}
