import { useEffect, useRef, useState } from 'react'
import type { ReactNode } from 'react'
import { Link, useRoute, useSession } from '../hooks/index.js'

/** Everyone's pages first (requesting and approving), then the administrators'. null: anyone signed in. */
const NAV: { href: string; label: string; permission: string | null }[] = [
  { href: '/requests/catalog', label: 'Request access', permission: null },
  { href: '/requests', label: 'My requests', permission: null },
  { href: '/tasks', label: 'Approvals', permission: null },
  { href: '/reviews', label: 'My reviews', permission: null },
  { href: '/grants/timebound', label: 'Time-bound grants', permission: 'access-requests:read' },
  { href: '/campaigns', label: 'Access reviews', permission: 'campaigns:read' },
  { href: '/integrations', label: 'Integrations', permission: 'integrations:read' },
  { href: '/apps', label: 'Applications', permission: 'apps:read' },
  { href: '/people', label: 'People', permission: 'identities:read' },
  { href: '/audit', label: 'Audit log', permission: 'audit:read' },
]

/** Whether `href` is the nav entry for `path` (the longest entry that is a prefix wins: /requests/catalog over /requests). */
function current(path: string, href: string): boolean {
  const best = NAV.map((n) => n.href)
    .filter((h) => path === h || path.startsWith(`${h}/`))
    .sort((a, b) => b.length - a.length)[0]
  return best === href
}

/** The signed-in frame: the admin navigation, the user menu and the page. */
export function Shell({ children }: { children: ReactNode }) {
  const session = useSession()
  const { path } = useRoute()
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          Warden
        </Link>
        <nav aria-label="Admin">
          <ul>
            {NAV.filter((n) => n.permission === null || session.can(n.permission)).map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={current(path, n.href) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <UserMenu />
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  )
}

function UserMenu() {
  const session = useSession()
  const [open, setOpen] = useState(false)
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!open) return
    const close = (event: Event) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !ref.current?.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', close)
    document.addEventListener('keydown', close)
    return () => {
      document.removeEventListener('mousedown', close)
      document.removeEventListener('keydown', close)
    }
  }, [open])
  return (
    <div className="user-menu" ref={ref}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {session.me.user.display_name} <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <ul role="menu">
          <li role="none" className="menu-info">
            {session.me.user.email}
            <br />
            <span className="muted">{session.me.roles.map((r) => r.label).join(', ') || 'No role'}</span>
          </li>
          <li role="none">
            <Link role="menuitem" href="/account/tokens" onClick={() => setOpen(false)}>
              API tokens
            </Link>
          </li>
          <li role="none">
            <a role="menuitem" href="/docs">
              API docs
            </a>
          </li>
          <li role="none">
            <button type="button" role="menuitem" onClick={() => void session.signOut()}>
              Sign out
            </button>
          </li>
        </ul>
      )}
    </div>
  )
}

/** A page's title (also the document title), its back link and its actions. */
export function PageHeader({ title, back, actions, children }: { title: string; back?: { href: string; label: string }; actions?: ReactNode; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Warden`
  }, [title])
  return (
    <div className="page-header">
      {back !== undefined && (
        <Link className="back" href={back.href}>
          ← {back.label}
        </Link>
      )}
      <div className="page-title">
        <h1>{title}</h1>
        {actions !== undefined && <div className="actions">{actions}</div>}
      </div>
      {children}
    </div>
  )
}

export function Section({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`
  return (
    <section className="section" aria-labelledby={id}>
      <div className="section-title">
        <h2 id={id}>{title}</h2>
        {actions !== undefined && <div className="actions">{actions}</div>}
      </div>
      {children}
    </section>
  )
}
