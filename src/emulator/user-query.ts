/**
 * User list filtering and sorting, shared by `GET /api/2/users` and `GET /api/1/users`
 * (onelogin-api.md §3.2, §7.2). Results are cached per (filters, sort) until the state changes,
 * so walking every page of a filtered list filters once.
 *
 * v2 filters (SPEC/PYSDK `list_users2`): created/updated/last_login `_since`/`_until` (ISO-8601,
 * inclusive), firstname, lastname, email, username, samaccountname, external_id (exact or `*`
 * wildcard), directory_id, user_ids (comma-separated), `custom_attributes.<name>`, app_id (users
 * who get the app through a role), and the undocumented `group_id` that BATON relies on.
 * v1 adds `since`/`until` (on created_at), `role_id`, `manager_ad_id`, `userprincipalname` and
 * `!` negation. Unknown parameters are ignored, as a Rails API would.
 */
import type { Family } from './errors.js'
import { dateParam, intParam, textMatcher } from './match.js'
import type { Query, SortSpec } from './pagination.js'
import { q } from './pagination.js'
import type { EmulatorState, UserRecord } from './state.js'

type Predicate = (u: UserRecord) => boolean

const TEXT_FILTERS_V2 = ['firstname', 'lastname', 'email', 'username', 'samaccountname', 'external_id'] as const
const TEXT_FILTERS_V1 = [...TEXT_FILTERS_V2, 'manager_ad_id', 'userprincipalname'] as const
const DATE_FILTERS: readonly [string, 'created_at' | 'updated_at' | 'last_login', 'since' | 'until'][] = [
  ['created_since', 'created_at', 'since'],
  ['created_until', 'created_at', 'until'],
  ['updated_since', 'updated_at', 'since'],
  ['updated_until', 'updated_at', 'until'],
  ['last_login_since', 'last_login', 'since'],
  ['last_login_until', 'last_login', 'until'],
]

export const USER_SORT_FIELDS: ReadonlySet<string> = new Set([
  'id', 'username', 'email', 'firstname', 'lastname', 'created_at', 'updated_at', 'last_login', 'status', 'state',
  'title', 'department', 'company', 'group_id', 'directory_id', 'external_id', 'samaccountname',
])

function dateOf(u: UserRecord, field: 'created_at' | 'updated_at' | 'last_login'): number | null {
  const v = u[field]
  return v === null ? null : Date.parse(v)
}

function buildPredicates(state: EmulatorState, query: Query, family: Family, v1: boolean): { preds: Predicate[]; key: string[] } {
  const preds: Predicate[] = []
  const key: string[] = []
  const add = (name: string, value: string, pred: Predicate): void => {
    preds.push(pred)
    key.push(`${name}=${value}`)
  }

  const dates = v1 ? [...DATE_FILTERS, ['since', 'created_at', 'since'] as const, ['until', 'created_at', 'until'] as const] : DATE_FILTERS
  for (const [param, field, side] of dates) {
    const raw = q(query, param)
    if (raw === undefined || raw === '') continue
    const ms = dateParam(family, param, raw)
    add(param, raw, side === 'since'
      ? (u) => { const d = dateOf(u, field); return d !== null && d >= ms }
      : (u) => { const d = dateOf(u, field); return d !== null && d <= ms })
  }

  for (const field of v1 ? TEXT_FILTERS_V1 : TEXT_FILTERS_V2) {
    const raw = q(query, field)
    if (raw === undefined) continue
    const match = textMatcher(raw, { negation: v1 })
    add(field, raw, (u) => {
      const v = u[field]
      return match(v === null ? null : String(v))
    })
  }

  for (const [param, value] of Object.entries(query)) {
    if (!param.startsWith('custom_attributes.') || value === undefined) continue
    const attr = param.slice('custom_attributes.'.length)
    const raw = Array.isArray(value) ? (value[0] ?? '') : value
    const match = textMatcher(raw, { negation: v1 })
    add(param, raw, (u) => match(u.custom_attributes[attr] ?? null))
  }

  const directory = q(query, 'directory_id')
  if (directory !== undefined && directory !== '') {
    const id = intParam(family, 'directory_id', directory)
    add('directory_id', String(id), (u) => u.directory_id === id)
  }

  const group = q(query, 'group_id')
  if (group !== undefined && group !== '') {
    const id = intParam(family, 'group_id', group)
    add('group_id', String(id), (u) => u.group_id === id)
  }

  const ids = q(query, v1 ? 'id' : 'user_ids')
  if (ids !== undefined && ids !== '') {
    const wanted = new Set(ids.split(',').map((s) => intParam(family, v1 ? 'id' : 'user_ids', s)))
    add('user_ids', [...wanted].sort().join(','), (u) => wanted.has(u.id))
  }

  const app = q(query, 'app_id')
  if (app !== undefined && app !== '') {
    const id = intParam(family, 'app_id', app)
    let members: Set<number> | null = null // built lazily: only on a cache miss
    add('app_id', String(id), (u) => (members ??= new Set(state.appUserIds(id))).has(u.id))
  }

  if (v1) {
    const role = q(query, 'role_id')
    if (role !== undefined && role !== '') {
      const id = intParam(family, 'role_id', role)
      const members = state.roles.get(id)?.users
      add('role_id', String(id), (u) => members?.has(u.id) ?? false)
    }
  }
  return { preds, key }
}

function compareBy(sort: SortSpec): (a: UserRecord, b: UserRecord) => number {
  const dir = sort.direction === 'desc' ? -1 : 1
  const field = sort.field as keyof UserRecord
  return (a, b) => {
    const av = a[field]
    const bv = b[field]
    if (av === bv) return (a.id - b.id) * dir
    // nulls sort last whatever the direction
    if (av === null || av === undefined) return 1
    if (bv === null || bv === undefined) return -1
    if (typeof av === 'number' && typeof bv === 'number') return (av - bv) * dir
    const as = String(av).toLowerCase()
    const bs = String(bv).toLowerCase()
    if (as === bs) return (a.id - b.id) * dir
    return (as < bs ? -1 : 1) * dir
  }
}

/** The users matching `query`, sorted by `sort`. The returned array is shared: do not mutate. */
export function findUsers(state: EmulatorState, query: Query, sort: SortSpec, opts: { family: Family; v1: boolean }): readonly UserRecord[] {
  const { preds, key } = buildPredicates(state, query, opts.family, opts.v1)
  const isDefaultSort = sort.field === 'id' && sort.direction === 'asc'
  if (preds.length === 0 && isDefaultSort) return state.sortedUsers()
  const cacheKey = `users:${opts.v1 ? 'v1' : 'v2'}:${sort.field}:${sort.direction}:${key.sort().join('&')}`
  return state.cached(cacheKey, () => {
    const base = state.sortedUsers()
    const matched = preds.length === 0 ? [...base] : base.filter((u) => preds.every((p) => p(u)))
    return isDefaultSort ? matched : matched.sort(compareBy(sort))
  })
}
