import { createContext, useContext } from 'react'
import type { ApiMe } from '../api/index.js'

/** The signed-in user, what they may do, and how to refresh or end the session. */
export interface Session {
  me: ApiMe
  can: (permission: string) => boolean
  refresh: () => void
  signOut: () => Promise<void>
}

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (session === null) throw new Error('useSession outside a signed-in page')
  return session
}
