import { pingDatabase } from '../store/index.js'
import type { Store } from '../store/index.js'

/** Whether the database answers. Says nothing else (the health route is open to anyone). */
export async function databaseReachable(store: Store): Promise<boolean> {
  try {
    await pingDatabase(store.db)
    return true
  } catch {
    return false
  }
}
