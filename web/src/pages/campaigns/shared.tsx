import { ApiError, apiUrl } from '../../api/index.js'
import type { ApiErrorBody } from '../../../../src/server/api-types.js'
import { Badge } from '../../components/index.js'
import type { Session } from '../../hooks/index.js'
import type { Campaign } from '../reviews/index.js'

/**
 * What the campaign pages share: the state badge, who may manage a campaign (the server's rule,
 * mirrored so the page offers no button that can only fail), and files fetched from the API with
 * the hashes its headers carry.
 */

const STATE_TONES: Record<Campaign['state'], string> = { draft: 'neutral', staged: 'info', active: 'good', closed: 'neutral' }

export function CampaignState({ state }: { state: Campaign['state'] }) {
  return <Badge tone={STATE_TONES[state]}>{state}</Badge>
}

/** Its owner with campaigns:write, or any Super Administrator. */
export function canManageCampaign(session: Session, campaign: Pick<Campaign, 'owner'>): boolean {
  if (!session.can('campaigns:write')) return false
  return session.me.roles.some((r) => r.id === 'super-admin') || campaign.owner?.id === session.me.user.id
}

export const RESOURCE_TYPE_LABELS: Record<string, string> = { role: 'Roles', app: 'Apps', group: 'Groups', privilege: 'Privileges' }
export const REVIEWER_LABELS: Record<string, string> = {
  manager: "The holder's manager",
  app_owners: "The app's owners",
  entitlement_owners: "The entitlement's owners",
  users: 'Named people',
}

/** Decided items out of all, from a campaign's counts (null before staging). */
export function decidedOf(progress: Campaign['progress']): { decided: number; total: number } {
  if (progress === null) return { decided: 0, total: 0 }
  return { decided: progress.certified + progress.revoked, total: progress.total }
}

export interface FetchedFile {
  /** An object URL for a download link (revoke it when done). */
  url: string
  name: string
  bytes: number
  /** The SHA-256 the server sent in X-Content-SHA256 (recorded in its audit log). */
  sha256: string | null
  /** X-Manifest-SHA256, for an evidence bundle. */
  manifestSha256: string | null
  /** The SHA-256 of the bytes received, worked out here (null where the browser cannot: not a secure context). */
  receivedSha256: string | null
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text()
  try {
    const error = (JSON.parse(text) as ApiErrorBody).error
    return new ApiError(res.status, error.code, error.message, error.fields ?? {})
  } catch {
    return new ApiError(res.status, 'INTERNAL', `the server answered ${res.status} ${res.statusText}`)
  }
}

export async function sha256Hex(data: ArrayBuffer): Promise<string | null> {
  if (globalThis.crypto?.subtle === undefined) return null
  const digest = await crypto.subtle.digest('SHA-256', data)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** GETs a file from the API (a CSV export, an evidence bundle) with its hashes, to offer as a download. */
export async function fetchFile(path: string, fallbackName: string): Promise<FetchedFile> {
  const res = await fetch(apiUrl(path), { credentials: 'same-origin' })
  if (!res.ok) throw await failure(res)
  const data = await res.arrayBuffer()
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName
  const blob = new Blob([data], { type: res.headers.get('content-type') ?? 'application/octet-stream' })
  return {
    url: URL.createObjectURL(blob),
    name,
    bytes: data.byteLength,
    sha256: res.headers.get('x-content-sha256'),
    manifestSha256: res.headers.get('x-manifest-sha256'),
    receivedSha256: await sha256Hex(data),
  }
}

/** POSTs a file's bytes as `type` and reads the JSON answer. */
export async function postFile<T>(path: string, file: Blob, type: string): Promise<T> {
  const res = await fetch(apiUrl(path), { method: 'POST', credentials: 'same-origin', headers: { 'content-type': type, accept: 'application/json' }, body: file })
  if (!res.ok) throw await failure(res)
  return (await res.json()) as T
}

/** "2026-12-31" (a date field's value) as the end of that day, local time, in ISO 8601. */
export function endOfDay(date: string): string {
  const d = new Date(`${date}T23:59:59`)
  return Number.isNaN(d.getTime()) ? date : d.toISOString()
}

/** A date field's value ("2026-12-31", local time) for a moment. */
function dateValue(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** Today plus `days`, as a date field's value (local time). */
export function dateIn(days: number): string {
  return dateValue(new Date(Date.now() + days * 24 * 60 * 60 * 1000))
}

/** An ISO 8601 time as a date field's value (its day in local time); the text itself if it is no time. */
export function localDate(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : dateValue(d)
}
