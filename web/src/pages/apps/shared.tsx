import { useEffect, useState } from 'react'
import { api } from '../../api/index.js'
import type { ApiApp, ApiIntegration, ApiResource } from '../../api/index.js'
import { Link } from '../../hooks/index.js'

/**
 * What the application pages share: names for the ids they show (an integration, the role a grant
 * comes through), fetched once per page load however many rows show them, and how durations and
 * entitlement ids read.
 */

const cache = new Map<string, Promise<unknown>>()

/**
 * A GET whose answer rarely changes (an integration's name, a role's), shared by every row that
 * shows it: one request per path. A failure is not kept, so a later page may try again.
 */
function useCached<T>(path: string | null): { data: T | undefined; failed: boolean } {
  const [state, setState] = useState<{ path: string | null; data: T | undefined; failed: boolean }>({ path, data: undefined, failed: false })
  useEffect(() => {
    if (path === null) return
    let live = true
    let pending = cache.get(path) as Promise<T> | undefined
    if (pending === undefined) {
      pending = api<T>(path)
      cache.set(path, pending)
      pending.catch(() => cache.delete(path))
    }
    pending.then(
      (data) => live && setState({ path, data, failed: false }),
      () => live && setState({ path, data: undefined, failed: true }),
    )
    return () => {
      live = false
    }
  }, [path])
  return state.path === path ? state : { data: undefined, failed: false }
}

/** An integration by the name of the app it is attached to, linked to its page. */
export function IntegrationLink({ id }: { id: string }) {
  const integration = useCached<ApiIntegration>(`/integrations/${id}`)
  const app = useCached<ApiApp>(integration.data === undefined ? null : `/apps/${integration.data.app_id}`)
  const name = app.data?.name ?? integration.data?.onelogin_domain ?? (integration.failed || app.failed ? id : '…')
  return <Link href={`/integrations/${id}`}>{name}</Link>
}

/** `role:12:member` → its parts; undefined for something else. */
function parseEntitlement(id: string): { type: string; resource: string; slug: string } | undefined {
  const m = /^(role|app|group|privilege):([^:]+):([a-z]+)$/.exec(id)
  if (m === null) return undefined
  return { type: m[1] as string, resource: `${m[1]}:${m[2]}`, slug: m[3] as string }
}

/** Why a grant is held, readably: "through role Sales", with the entitlement id beside it. */
export function SourceLabel({ integrationId, source }: { integrationId: string; source: string }) {
  const parsed = parseEntitlement(source)
  const resource = useCached<ApiResource>(parsed === undefined ? null : `/integrations/${integrationId}/resources/${parsed.resource}`)
  if (parsed === undefined) return <code>{source}</code>
  const name = resource.data?.display_name ?? (resource.failed ? parsed.resource : '…')
  const role = parsed.slug === 'member' ? '' : ` (${parsed.slug})`
  return (
    <span>
      through {parsed.type} <strong>{name}</strong>
      {role} <code className="muted">{source}</code>
    </span>
  )
}

/** 480 → "8 hours", 90 → "90 minutes", 2880 → "2 days"; null → "No limit". */
export function formatMinutes(minutes: number | null): string {
  if (minutes === null) return 'No limit'
  const plural = (n: number, unit: string) => `${n.toLocaleString()} ${unit}${n === 1 ? '' : 's'}`
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day')
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour')
  return plural(minutes, 'minute')
}

export const RISK_LABELS: Record<string, string> = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' }

export const RISK_TONES: Record<string, string> = { low: 'good', medium: 'info', high: 'warn', critical: 'bad' }
