import { WardenError } from '../errors/index.js'
import { getIdentity, listIdentities } from '../store/index.js'
import type { Identity, IdentityFilter, Page, PageRequest, Store } from '../store/index.js'
import { authorize } from './policy.js'
import type { Actor } from './policy.js'

/**
 * People as governance sees them. Integrations (a later issue) create and update identities when
 * they sync, linking each to its OneLogin user by email; for now they are read-only here.
 */

export async function listPeople(store: Store, actor: Actor, filter: IdentityFilter = {}, page: PageRequest = {}): Promise<Page<Identity>> {
  authorize(actor, 'identities:read')
  return listIdentities(store.db, filter, page)
}

export async function getPerson(store: Store, actor: Actor, id: string): Promise<Identity> {
  authorize(actor, 'identities:read')
  const identity = await getIdentity(store.db, id)
  if (identity === undefined) throw new WardenError('NOT_FOUND', `no identity ${id}`)
  return identity
}
