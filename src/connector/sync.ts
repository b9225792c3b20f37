import { existsSync } from 'node:fs'
import { WardenError, isWardenError } from '../errors/index.js'
import { entitlementId, resourceId } from '../model/index.js'
import type { AppTraits, ResourceType } from '../model/index.js'
import { collect, mapPool } from '../onelogin/index.js'
import type { OneLoginClient, OneLoginUser, Page } from '../onelogin/index.js'
import { SnapshotReader, SnapshotWriter } from '../snapshot/index.js'
import {
  USER_FIELDS,
  appEntitlements,
  appResource,
  directGrant,
  groupEntitlements,
  groupResource,
  privilegeEntitlements,
  privilegeResource,
  roleAppImplications,
  roleEntitlements,
  roleResource,
  userGroupGrant,
  userResource,
} from './convert.js'

export interface SyncOptions {
  client: OneLoginClient
  /** The snapshot file to write (and, for an incremental sync, to start from). */
  file: string
  /** Sync delegated-administration privileges too (needs "Manage all" and the subscription). */
  privileges?: boolean
  /** Ignore the previous snapshot and read everything. */
  full?: boolean
  /** Continue an interrupted sync's partial file when there is one (default true). */
  resume?: boolean
  /** A previous snapshot older than this is not trusted for an incremental sync. */
  maxIncrementalAgeMs?: number
  /** Parallel `GET /api/2/apps/:id` calls. */
  appConcurrency?: number
  signal?: AbortSignal
  onProgress?: (p: SyncProgress) => void
  /** The sync log (also stored in the snapshot's sync_log table). */
  onLog?: (level: 'info' | 'warn', message: string) => void
  now?: () => Date
}

export type SyncPhase = 'users' | 'user-ids' | 'roles' | 'apps' | 'groups' | 'privileges' | 'derive'

export interface SyncProgress {
  phase: SyncPhase
  /** Items read so far in this phase, and the total when OneLogin says it. */
  done: number
  total: number | undefined
}

export interface SyncSummary {
  mode: 'full' | 'incremental'
  resumed: boolean
  resources: Record<ResourceType, number>
  entitlements: number
  grants: number
  api_calls: number
  api_calls_by_endpoint: Record<string, number>
  duration_ms: number
}

/** Where a running sync is; committed with each page so an interrupted sync resumes there. */
interface Checkpoint {
  phase: SyncPhase
  /** The next page's cursor within the phase. */
  cursor?: string
  /** Incremental users: how many of the changed users were new. */
  newUsers?: number
  /** Items done in the phase (progress only). */
  done?: number
}

/** State a finished snapshot leaves for the next incremental sync. */
interface IncrementalState {
  /** Ask for users updated since this time (this sync's start, less a safety margin). */
  users_updated_since: string
  user_total: number
}

const PHASES: readonly SyncPhase[] = ['users', 'user-ids', 'roles', 'apps', 'groups', 'privileges', 'derive']
/** OneLogin may apply writes up to 5 minutes late (onelogin-api.md §1); look back further than that. */
const UPDATED_SINCE_MARGIN_MS = 10 * 60_000
const DEFAULT_MAX_INCREMENTAL_AGE_MS = 7 * 24 * 3600_000

/**
 * Syncs a OneLogin tenant into a snapshot file with as few API calls as OneLogin allows:
 *   1 token + ⌈U/100⌉ users + ⌈R/650⌉ roles (members, admins and apps in the list) +
 *   ⌈A/1000⌉ apps + A app details (only the full app carries provisioning.enabled) + ⌈G/50⌉ groups.
 * App access is derived from role membership and the roles' apps; group membership from each
 * user's group_id; no per-user calls. An incremental sync (the file exists) reads only users
 * updated since the last sync, plus the cheap role, app and group lists.
 */
export async function syncToSnapshot(options: SyncOptions): Promise<SyncSummary> {
  const { client } = options
  const now = options.now ?? (() => new Date())
  const startedAt = now()
  const callsBefore = client.calls.total
  const byEndpointBefore = client.calls.byEndpoint()
  const privileges = options.privileges ?? false
  const plan = choosePlan(options, client.baseUrl, privileges, startedAt)

  const writer = SnapshotWriter.open(options.file, {
    sync: { mode: plan.mode, base_url: client.baseUrl, started_at: startedAt.toISOString(), options: { privileges } },
    ...(plan.mode === 'incremental' ? { base: options.file } : {}),
    resume: options.resume ?? true,
  })
  const log = (level: 'info' | 'warn', message: string): void => {
    writer.log(level, message)
    options.onLog?.(level, message)
  }
  try {
    log('info', writer.resumed ? `resuming the interrupted ${plan.mode} sync` : `${plan.mode} sync: ${plan.reason}`)
    const ctx: Ctx = { client, writer, log, options, privileges, previous: plan.previous }
    const cp = writer.checkpoint<Checkpoint>()
    const from = cp?.phase === undefined ? 0 : PHASES.indexOf(cp.phase)
    for (const phase of PHASES.slice(from)) {
      options.signal?.throwIfAborted()
      const at = cp?.phase === phase ? cp : { phase }
      await PHASE_RUNNERS[phase](ctx, at)
    }
    const counts = writer.counts()
    // From the sync's original start: a resumed sync kept user pages read before the interruption.
    const state: IncrementalState = {
      users_updated_since: new Date(Date.parse(writer.startedAt()) - UPDATED_SINCE_MARGIN_MS).toISOString(),
      user_total: counts.resources.user,
    }
    const apiCalls = client.calls.total - callsBefore
    const byEndpoint = diffCounts(client.calls.byEndpoint(), byEndpointBefore)
    const duration = now().getTime() - startedAt.getTime()
    log('info', `finished: ${counts.grants} grants, ${apiCalls} API calls`)
    writer.finish({ account_id: client.accountId ?? null, duration_ms: duration, api_calls: apiCalls, api_calls_by_endpoint: byEndpoint, state: { ...state } })
    return { mode: plan.mode, resumed: writer.resumed, ...counts, api_calls: apiCalls, api_calls_by_endpoint: byEndpoint, duration_ms: duration }
  } catch (e) {
    // Keep the partial file: the next run resumes from its last checkpoint. The previous
    // snapshot at options.file is untouched.
    writer.close()
    throw describeFailure(e)
  }
}

interface Ctx {
  client: OneLoginClient
  writer: SnapshotWriter
  log: (level: 'info' | 'warn', message: string) => void
  options: SyncOptions
  privileges: boolean
  previous: IncrementalState | undefined
}

type PhaseRunner = (ctx: Ctx, at: Checkpoint) => Promise<void>

const PHASE_RUNNERS: Record<SyncPhase, PhaseRunner> = {
  users: syncUsers,
  'user-ids': syncUserIds,
  roles: syncRoles,
  apps: syncApps,
  groups: syncGroups,
  privileges: syncPrivileges,
  derive: async ({ writer, log }) => {
    const n = writer.transaction(() => writer.deriveGrants(), { phase: 'derive' })
    log('info', `derived ${n} grants from roles`)
  },
}

/**
 * Walks the pages of one list. For each page, `prepare` does any further reads (I/O) and returns
 * the writes; the writes and the checkpoint after the page then commit in one transaction, so an
 * interrupted sync resumes at the first page not written.
 */
async function walk<T>(
  ctx: Ctx,
  phase: SyncPhase,
  at: Checkpoint,
  pages: AsyncGenerator<Page<T>>,
  prepare: (items: T[], first: boolean, page: Page<T>) => Promise<Write> | Write,
  /** Writes that complete the phase, committed with its last page (e.g. deleting what is gone). */
  onLast?: () => void,
): Promise<void> {
  let done = at.done ?? 0
  let first = at.cursor === undefined
  let newUsers = at.newUsers
  for await (const page of pages) {
    ctx.options.signal?.throwIfAborted()
    const write = await prepare(page.items, first, page)
    done += page.items.length
    ctx.writer.transaction(() => {
      newUsers = write()?.newUsers ?? newUsers
      if (page.next === undefined) onLast?.()
      const carry = newUsers === undefined ? {} : { newUsers }
      ctx.writer.setCheckpoint(page.next === undefined ? { phase: nextPhase(phase), ...carry } : { phase, cursor: page.next, done, ...carry })
    })
    first = false
    ctx.options.onProgress?.({ phase, done, total: page.totalCount })
  }
}

type Write = () => Partial<Checkpoint> | void

function nextPhase(phase: SyncPhase): SyncPhase {
  return PHASES[PHASES.indexOf(phase) + 1] ?? 'derive'
}

async function syncUsers(ctx: Ctx, at: Checkpoint): Promise<void> {
  const { client, writer, previous } = ctx
  const incremental = writer.mode === 'incremental' && previous !== undefined
  const query = { fields: USER_FIELDS, ...(incremental ? { updated_since: previous.users_updated_since } : {}) }
  let newUsers = at.newUsers ?? 0
  await walk(ctx, 'users', at, client.users(query, at.cursor), (users: OneLoginUser[]) => () => {
    const rows = users.map(userResource)
    if (incremental) {
      for (const r of rows) if (!writer.has(r.id)) newUsers++
      for (const r of rows) writer.deletePrincipalGrants(r.id, 'group')
    }
    writer.putResources(rows)
    writer.putGrants(users.map(userGroupGrant).filter((g) => g !== undefined))
    return { newUsers }
  })
  if (incremental) ctx.log('info', `${newUsers} new users since ${previous.users_updated_since}`)
}

/**
 * Incremental syncs cannot see deleted users through updated_since. One call tells: if OneLogin
 * now has more or fewer users than the previous snapshot plus the new ones, some were deleted,
 * and a walk of user ids (fields=id, same page count as a full user walk but a tiny payload)
 * finds which.
 */
async function syncUserIds(ctx: Ctx, at: Checkpoint): Promise<void> {
  const { client, writer, previous } = ctx
  if (writer.mode !== 'incremental' || previous === undefined) return
  if (at.cursor === undefined) {
    const cp = writer.checkpoint<Checkpoint>()
    const expected = previous.user_total + (cp?.newUsers ?? 0)
    const total = await client.userCount()
    if (total === expected) {
      writer.transaction(() => undefined, { phase: 'roles' })
      return
    }
    ctx.log('info', `OneLogin has ${total ?? 'an unknown number of'} users, the snapshot expects ${expected}: walking user ids to find deletions`)
  }
  await walk(
    ctx,
    'user-ids',
    at,
    client.users({ fields: ['id'] }, at.cursor),
    (users) => () => writer.markSeen('user', users.map((u) => u.id)),
    () => ctx.log('info', `${writer.deleteUnseen('user').length} users deleted in OneLogin since the last sync`),
  )
}

async function syncRoles(ctx: Ctx, at: Checkpoint): Promise<void> {
  const { client, writer } = ctx
  let fallbacks = 0
  await walk(ctx, 'roles', at, client.roles({ fields: ['apps', 'users', 'admins'] }, at.cursor), async (roles, first) => {
    // Some list items may not carry a field we asked for; read those from the sub-resources.
    const complete = await mapPool(roles, ctx.options.appConcurrency ?? 4, async (r) => {
      if (r.users == null || r.admins == null || r.apps == null) fallbacks++
      return {
        id: r.id,
        name: r.name,
        users: r.users ?? (await collect(client.roleUsers(r.id))).map((m) => m.id),
        admins: r.admins ?? (await collect(client.roleAdmins(r.id))).map((m) => m.id),
        apps: r.apps ?? (await collect(client.roleApps(r.id))).map((a) => a.id),
      }
    })
    return () => {
      // The role list is read in full every sync: replace everything role-shaped.
      if (first) writer.clearType('role')
      for (const r of complete) {
        writer.putResources([roleResource(r)])
        writer.putEntitlements(roleEntitlements(r))
        const member = entitlementId('role', r.id, 'member')
        const admin = entitlementId('role', r.id, 'admin')
        writer.putGrants(r.users.map((u) => directGrant(member, resourceId('user', u))))
        writer.putGrants(r.admins.map((u) => directGrant(admin, resourceId('user', u))))
        writer.putImplications(roleAppImplications(r.id, r.apps))
      }
    }
  })
  if (fallbacks > 0) ctx.log('warn', `the role list did not carry users, admins or apps for ${fallbacks} roles: read them from /api/2/roles/:id/users|admins|apps`)
}

async function syncApps(ctx: Ctx, at: Checkpoint): Promise<void> {
  const { client, writer } = ctx
  const incremental = writer.mode === 'incremental'
  const known = incremental ? writer.existing('app') : new Map<string, { updated_at: string | null; traits: string }>()
  let details = 0
  let done = at.done ?? 0
  await walk(ctx, 'apps', at, client.apps({}, at.cursor), async (apps, _first, page) => {
    // provisioning.enabled is only on the full app object (onelogin-api.md §5.2); an app whose
    // updated_at has not moved keeps what the last sync read.
    const rows = await mapPool(apps, ctx.options.appConcurrency ?? 4, async (a) => {
      const before = known.get(String(a.id))
      if (before !== undefined && before.updated_at !== null && before.updated_at === (a.updated_at ?? null)) {
        done++
        return appResource(a, undefined, JSON.parse(before.traits) as AppTraits)
      }
      details++
      const full = await client.getApp(a.id)
      // One detail call per app is the slow part of this phase: show each one.
      ctx.options.onProgress?.({ phase: 'apps', done: ++done, total: page.totalCount })
      return appResource(a, full)
    })
    return () => {
      writer.putResources(rows)
      writer.putEntitlements(apps.flatMap(appEntitlements))
      writer.markSeen('app', apps.map((a) => a.id))
    }
  }, () => removeUnseen(ctx, 'app'))
  if (incremental) ctx.log('info', `read ${details} app details (new or changed apps)`)
}

async function syncGroups(ctx: Ctx, at: Checkpoint): Promise<void> {
  const { client, writer } = ctx
  await walk(
    ctx,
    'groups',
    at,
    client.groups(at.cursor),
    (groups) => () => {
      writer.putResources(groups.map(groupResource))
      writer.putEntitlements(groups.flatMap(groupEntitlements))
      writer.markSeen('group', groups.map((g) => g.id))
    },
    () => removeUnseen(ctx, 'group'),
  )
}

/** Deletes what a full list no longer returned (and all that hangs off it). */
function removeUnseen(ctx: Ctx, type: 'app' | 'group'): void {
  const gone = ctx.writer.deleteUnseen(type)
  if (gone.length > 0) ctx.log('info', `${gone.length} ${type}s removed in OneLogin since the last sync`)
}

async function syncPrivileges(ctx: Ctx, _at: Checkpoint): Promise<void> {
  const { client, writer } = ctx
  if (!ctx.privileges) {
    writer.transaction(() => writer.clearType('privilege'), { phase: 'derive' })
    return
  }
  const privileges = await client.privileges()
  const assigned = await mapPool(privileges, ctx.options.appConcurrency ?? 4, async (p) => ({
    p,
    users: await client.privilegeUserIds(p.id),
    roles: await client.privilegeRoleIds(p.id),
  }))
  writer.transaction(
    () => {
      writer.clearType('privilege')
      for (const { p, users, roles } of assigned) {
        const ent = entitlementId('privilege', p.id, 'assigned')
        writer.putResources([privilegeResource(p)])
        writer.putEntitlements(privilegeEntitlements(p))
        writer.putGrants(users.map((u) => directGrant(ent, resourceId('user', u))))
        writer.putGrants(roles.map((r) => directGrant(ent, resourceId('role', r))))
        // A role's members hold the role's privileges.
        writer.putImplications(roles.map((r) => ({ from: entitlementId('role', r, 'member'), to: ent })))
      }
    },
    { phase: 'derive' },
  )
  ctx.options.onProgress?.({ phase: 'privileges', done: privileges.length, total: privileges.length })
}

interface Plan {
  mode: 'full' | 'incremental'
  reason: string
  previous: IncrementalState | undefined
}

/** Full or incremental, and why (the sync log says). */
function choosePlan(options: SyncOptions, baseUrl: string, privileges: boolean, now: Date): Plan {
  const full = (reason: string): Plan => ({ mode: 'full', reason, previous: undefined })
  if (!existsSync(options.file)) return full('no previous snapshot')
  const prev = readPrevious(options.file)
  if (options.full === true) return full('--full given')
  if (prev.base_url !== baseUrl) return full(`the previous snapshot is of another tenant (${prev.base_url})`)
  if (Boolean(prev.options['privileges']) !== privileges) return full('the privileges option changed')
  const maxAge = options.maxIncrementalAgeMs ?? DEFAULT_MAX_INCREMENTAL_AGE_MS
  if (now.getTime() - Date.parse(prev.started_at) > maxAge) {
    return full(`the previous snapshot is older than ${maxAge >= 3600_000 ? `${Math.round(maxAge / 3600_000)} h` : `${Math.round(maxAge / 60_000)} min`}`)
  }
  const state = prev.state as Partial<IncrementalState>
  if (typeof state.users_updated_since !== 'string' || typeof state.user_total !== 'number') return full('the previous snapshot has no incremental state')
  return { mode: 'incremental', reason: `changes since ${state.users_updated_since}`, previous: { users_updated_since: state.users_updated_since, user_total: state.user_total } }
}

/** The previous snapshot's last finished sync, read through the snapshot's own reader. */
function readPrevious(file: string): { base_url: string; started_at: string; options: Record<string, unknown>; state: Record<string, unknown> } {
  let reader: SnapshotReader | undefined
  try {
    reader = SnapshotReader.open(file)
    const latest = reader.latestSync()
    if (latest === undefined) throw new Error('no finished sync')
    return latest
  } catch {
    throw new WardenError('BAD_INPUT', `${file} exists and is not a Warden snapshot; refusing to overwrite it`)
  } finally {
    reader?.close()
  }
}

/** Scope refusals name the scope a sync needs (onelogin-api.md §2.8). */
function describeFailure(e: unknown): unknown {
  if (e instanceof Error && e.name === 'AbortError') {
    return new WardenError('INTERRUPTED', 'sync interrupted; run the same command again to resume it', { cause: e })
  }
  if (!isWardenError(e) || e.code !== 'ONELOGIN_FORBIDDEN') return e
  const needs = e.endpoint?.includes('/privileges') === true ? '"Manage all"' : '"Read all" or "Manage all"'
  return new WardenError('ONELOGIN_FORBIDDEN', `the API credential's scope does not allow ${e.endpoint ?? 'a call'}: a sync needs ${needs}`, {
    ...(e.endpoint === undefined ? {} : { endpoint: e.endpoint }),
    ...(e.upstreamStatus === undefined ? {} : { upstreamStatus: e.upstreamStatus }),
    cause: e,
  })
}

function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0)
    if (d > 0) out[k] = d
  }
  return out
}
