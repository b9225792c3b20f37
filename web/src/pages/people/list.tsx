import { useEffect, useState } from 'react'
import type { PageProps } from '../../app.js'
import type { ApiPersonSummary } from '../../api/index.js'
import { Empty, PageHeader, PagedTable, Section, TextField, Time } from '../../components/index.js'
import { Link, usePaged, usePoll, useQueryParams } from '../../hooks/index.js'
import { ManagerLink, OneLoginStatus } from './shared.js'

/** How long typing pauses before the search runs (and the address changes). */
const SEARCH_DEBOUNCE_MS = 300
/** While nobody is listed yet (the first sync is still running), look again this often. */
const EMPTY_POLL_MS = 5000

/** People: every identity the syncs found, searchable by name or email, with their OneLogin status. */
export function PeoplePage(_props: PageProps) {
  const [params, setParams] = useQueryParams()
  const q = params['q'] ?? ''
  const [text, setText] = useState(q)

  // The address is the source of truth (a search survives reload and Back); typing reaches it after a pause.
  useEffect(() => {
    if (text.trim() === q) return
    const timer = setTimeout(() => setParams({ ...params, q: text.trim() }), SEARCH_DEBOUNCE_MS)
    return () => clearTimeout(timer)
    // Only typing starts a search; `params` changes with it.
  }, [text])

  // Back and Forward change the address under the box: show what is searched.
  useEffect(() => {
    if (q !== text.trim()) setText(q)
  }, [q])

  const people = usePaged<ApiPersonSummary>('/identities', { q })
  const empty = q === '' && people.data !== undefined && people.items.length === 0 && !people.hasPrev
  // People appear when the first sync ends: keep looking while there is nobody yet.
  usePoll(empty ? EMPTY_POLL_MS : undefined, people.reload)

  return (
    <>
      <PageHeader title="People">
        <p className="lead">Everyone the OneLogin syncs found, matched across integrations by email, with their status, manager and last sign-in.</p>
      </PageHeader>
      <Section title="Find a person">
        <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <TextField label="Search people" type="search" name="q" value={text} maxLength={200} placeholder="Name or email" onChange={(e) => setText(e.target.value)} />
        </form>
        {empty ? (
          <Empty>
            <p>No people yet. People appear after a OneLogin sync: each user an integration syncs becomes a person here, matched by email.</p>
            <p>
              <Link href="/integrations">Go to Integrations</Link> to add a connector or see how its sync is going.
            </p>
          </Empty>
        ) : (
          <PagedTable
            paged={people}
            rowKey={(p) => p.id}
            caption="People"
            empty={q === '' ? 'No people on this page.' : `No one's name or email contains “${q}”.`}
            columns={[
              { header: 'Name', render: (p) => <Link href={`/people/${p.id}`}>{p.display_name}</Link> },
              { header: 'Email', render: (p) => p.email },
              { header: 'OneLogin status', render: (p) => <OneLoginStatus summary={p.onelogin} /> },
              { header: 'Manager', render: (p) => (p.onelogin === null ? <span className="muted">—</span> : <ManagerLink manager={p.onelogin.manager} />) },
              { header: 'Last login', render: (p) => (p.onelogin === null ? <span className="muted">—</span> : <Time iso={p.onelogin.last_login} />) },
              { header: 'Accounts', className: 'num', render: (p) => p.onelogin?.accounts ?? 0 },
            ]}
          />
        )}
      </Section>
    </>
  )
}
