import type { ApiIntegration, ApiPage, ApiUserSummary } from '../../api/index.js'
import { useApi } from '../../hooks/index.js'
import type { Session } from '../../hooks/index.js'

/**
 * What the integration pages share: who may do what (the server's rules, mirrored so the UI does
 * not offer buttons that can only fail), owners by name, and the users who may own one.
 */

function hasRole(session: Session, role: string): boolean {
  return session.me.roles.some((r) => r.id === role)
}

/** Only a Super Administrator may add an integration; integrations:write alone is not enough. */
export function canAddIntegration(session: Session): boolean {
  return session.can('integrations:write') && hasRole(session, 'super-admin')
}

/** Settings, owners and syncs: any Super Administrator, or an owner who is an Integration Administrator. */
export function canManageIntegration(session: Session, integration: Pick<ApiIntegration, 'user_ids'>): boolean {
  if (!session.can('integrations:write')) return false
  if (hasRole(session, 'super-admin')) return true
  return hasRole(session, 'integration-admin') && integration.user_ids.includes(session.me.user.id)
}

/** Owners by name; "(you)" for the signed-in user. */
export function OwnerNames({ owners, session }: { owners: ApiUserSummary[]; session: Session }) {
  if (owners.length === 0) return <span className="muted">none</span>
  return (
    <ul className="plain-list">
      {owners.map((u) => (
        <li key={u.id} title={u.email}>
          {u.display_name}
          {u.id === session.me.user.id ? ' (you)' : ''}
        </li>
      ))}
    </ul>
  )
}

export interface Eligible {
  users: ApiUserSummary[]
  loading: boolean
  error: unknown
}

/**
 * The users who may own an integration (enabled Super and Integration Administrators), from the
 * API's owner candidates: Warden's own accounts are few, so one large page is all of them.
 */
export function useEligibleOwners(): Eligible {
  const candidates = useApi<ApiPage<ApiUserSummary>>('/integrations/owner-candidates', { limit: 500 })
  const users = [...(candidates.data?.items ?? [])].sort((a, b) => a.display_name.localeCompare(b.display_name))
  return { users, loading: candidates.loading, error: candidates.error }
}

export function minutesText(n: number): string {
  if (n % 1440 === 0) return n === 1440 ? 'every day' : `every ${n / 1440} days`
  if (n % 60 === 0) return n === 60 ? 'every hour' : `every ${n / 60} hours`
  return `every ${n} minutes`
}

export function hoursText(n: number): string {
  if (n % 24 === 0) return n === 24 ? 'every day' : `every ${n / 24} days`
  return n === 1 ? 'every hour' : `every ${n} hours`
}
