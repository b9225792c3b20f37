import type { ApiOneLoginSummary } from '../../api/index.js'
import { StatusBadge } from '../../components/index.js'
import { Link } from '../../hooks/index.js'

/** What the People pages share: a person's OneLogin status and their manager. */

/** The primary OneLogin account's status; "No account" when no OneLogin user is linked to the person. */
export function OneLoginStatus({ summary }: { summary: ApiOneLoginSummary | null }) {
  if (summary === null) return <span className="muted">No account</span>
  return <StatusBadge status={summary.status} />
}

/** A manager by name, linked to their person when they have one. */
export function ManagerLink({ manager }: { manager: { identity_id: string | null; display_name: string | null; id?: string | null } }) {
  if (manager.identity_id !== null) return <Link href={`/people/${manager.identity_id}`}>{manager.display_name ?? 'their manager'}</Link>
  if (manager.display_name !== null) return <>{manager.display_name}</>
  // A manager id whose account the inventory lacks (e.g. deleted in OneLogin since).
  if (manager.id !== undefined && manager.id !== null) return <span className="muted">{manager.id} (not synced)</span>
  return <span className="muted">none</span>
}
