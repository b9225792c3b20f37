import { useCallback, useEffect, useMemo, useState } from 'react'
import type { ComponentType } from 'react'
import { api, setUnauthenticatedHandler } from './api/index.js'
import type { ApiMe } from './api/index.js'
import { ErrorState, Loading, Shell } from './components/index.js'
import { SessionContext, navigate, useRoute } from './hooks/index.js'
import type { Session } from './hooks/index.js'
import { TokensPage } from './pages/account/index.js'
import { AppPage, AppsPage } from './pages/apps/index.js'
import { AuditPage } from './pages/audit/index.js'
import { CampaignPage, CampaignsPage, NewCampaignPage } from './pages/campaigns/index.js'
import { AddIntegrationPage, IntegrationPage, IntegrationsPage } from './pages/integrations/index.js'
import { NotFound } from './pages/not-found.js'
import { PeoplePage, PersonPage } from './pages/people/index.js'
import { CatalogPage, ManualTasksPage, MyRequestsPage, RequestPage, TasksPage, TimeboundPage } from './pages/requests/index.js'
import { ReviewsPage } from './pages/reviews/index.js'
import { SetupPage } from './pages/setup.js'
import { SignInPage } from './pages/sign-in.js'

export type PageProps = { params: Record<string, string> }

/** Signed-in pages by path pattern (`:name` is a parameter). */
const ROUTES: [string, ComponentType<PageProps>][] = [
  ['/requests/catalog', CatalogPage],
  ['/requests', MyRequestsPage],
  ['/requests/:id', RequestPage],
  ['/tasks', TasksPage],
  ['/tasks/manual', ManualTasksPage],
  ['/grants/timebound', TimeboundPage],
  ['/reviews', ReviewsPage],
  ['/campaigns', CampaignsPage],
  ['/campaigns/new', NewCampaignPage],
  ['/campaigns/:id', CampaignPage],
  ['/integrations', IntegrationsPage],
  ['/integrations/new', AddIntegrationPage],
  ['/integrations/:id', IntegrationPage],
  ['/apps', AppsPage],
  ['/apps/:id', AppPage],
  ['/people', PeoplePage],
  ['/people/:id', PersonPage],
  ['/audit', AuditPage],
  ['/account/tokens', TokensPage],
]

function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/')
  const got = path.replace(/\/+$/, '').split('/')
  if (want.length !== got.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string
    const g = got[i] as string
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g)
    else if (w !== g) return undefined
  }
  return params
}

/** Where `/` goes: the first admin page the user may see, else the request catalog. */
function home(me: ApiMe): string {
  const can = new Set(me.permissions)
  if (can.has('integrations:read')) return '/integrations'
  if (can.has('apps:read')) return '/apps'
  if (can.has('identities:read')) return '/people'
  return '/requests/catalog'
}

export function App() {
  const route = useRoute()
  const [me, setMe] = useState<ApiMe | null | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const isPublic = route.path === '/sign-in' || route.path === '/setup'

  const load = useCallback(() => {
    setError(undefined)
    api<ApiMe>('/me', { quiet401: true })
      .then(setMe)
      .catch((e: unknown) => {
        if (e instanceof Error && 'status' in e && e.status === 401) setMe(null)
        else setError(e)
      })
  }, [])

  useEffect(() => {
    if (!isPublic) load()
  }, [isPublic, load])

  useEffect(() => {
    // A 401 from any call means the session ended: sign in again and come back here.
    setUnauthenticatedHandler(() => setMe(null))
    return () => setUnauthenticatedHandler(undefined)
  }, [])

  useEffect(() => {
    if (me === null && !isPublic) navigate(`/sign-in?next=${encodeURIComponent(route.path + window.location.search)}`, { replace: true })
    if (me !== null && me !== undefined && route.path === '/') navigate(home(me), { replace: true })
  }, [me, isPublic, route.path])

  const session = useMemo<Session | null>(() => {
    if (me === null || me === undefined) return null
    const permissions = new Set(me.permissions)
    return {
      me,
      can: (p) => permissions.has(p),
      refresh: load,
      signOut: async () => {
        await api('/auth/logout', { method: 'POST' }).catch(() => undefined)
        setMe(null)
        navigate('/sign-in', { replace: true })
      },
    }
  }, [me, load])

  if (route.path === '/sign-in') return <SignInPage onSignedIn={(m) => setMe(m)} />
  if (route.path === '/setup') return <SetupPage onSignedIn={(m) => setMe(m)} />
  if (error !== undefined) return <ErrorState error={error} retry={load} />
  if (session === null) return <Loading what="Signing in" />

  let page = <NotFound />
  for (const [pattern, Page] of ROUTES) {
    const params = match(pattern, route.path)
    if (params !== undefined) {
      page = <Page key={route.path} params={params} />
      break
    }
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell>{page}</Shell>
    </SessionContext.Provider>
  )
}
