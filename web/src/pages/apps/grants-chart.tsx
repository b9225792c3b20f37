import type { ApiAppGrantCount } from '../../api/index.js'
import { Async, BarChart, Empty } from '../../components/index.js'
import type { Bar } from '../../components/index.js'
import { useApi } from '../../hooks/index.js'

const TOP = 10

/**
 * The apps most people hold, as bars (GET /api/v1/grants/by-app: the server counts, the page
 * never reads the grants). A bar links to the Warden app when one was discovered from the OneLogin app.
 */
export function GrantsByAppChart() {
  const counts = useApi<{ items: ApiAppGrantCount[] }>('/grants/by-app', { limit: TOP })
  return (
    <Async {...counts} what="Counting grants">
      {({ items }) =>
        items.length === 0 ? (
          <Empty>No one holds an application yet: the chart fills in after a OneLogin sync.</Empty>
        ) : (
          <BarChart title={`Access grants per application (top ${TOP})`} bars={toBars(items)} unit="grants" />
        )
      }
    </Async>
  )
}

/** Bars with distinct labels: an app of the same name in two OneLogin tenants says which tenant. */
function toBars(items: ApiAppGrantCount[]): Bar[] {
  const names = new Map<string, number>()
  for (const c of items) names.set(c.app_name, (names.get(c.app_name) ?? 0) + 1)
  const tenants = [...new Set(items.map((c) => c.integration_id))]
  return items.map((c) => ({
    label: (names.get(c.app_name) ?? 0) > 1 ? `${c.app_name} (tenant ${tenants.indexOf(c.integration_id) + 1})` : c.app_name,
    value: c.grants,
    ...(c.warden_app_id === null ? {} : { href: `/apps/${c.warden_app_id}` }),
  }))
}
