import { useEffect, useState } from 'react'
import type { AnchorHTMLAttributes, MouseEvent } from 'react'

/**
 * A small history-API router: the path and query of the address bar, `navigate`, and a `Link`
 * that navigates without reloading (and still opens in a new tab with a modifier key).
 */

export interface Route {
  path: string
  query: URLSearchParams
}

const CHANGE = 'warden:navigate'

function current(): Route {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) }
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  window.dispatchEvent(new Event(CHANGE))
  window.scrollTo(0, 0)
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current)
  useEffect(() => {
    const update = () => setRoute(current())
    window.addEventListener('popstate', update)
    window.addEventListener(CHANGE, update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener(CHANGE, update)
    }
  }, [])
  return route
}

/** The query string as an object, and a setter that replaces the address (filters, tabs). */
export function useQueryParams(): [Record<string, string>, (next: Record<string, string | undefined>) => void] {
  const { path, query } = useRoute()
  const values = Object.fromEntries(query.entries())
  const set = (next: Record<string, string | undefined>) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(next)) if (v !== undefined && v !== '') params.set(k, v)
    const qs = params.toString()
    navigate(`${path}${qs === '' ? '' : `?${qs}`}`, { replace: true })
  }
  return [values, set]
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event)
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(href)
  }
  return <a href={href} onClick={click} {...rest} />
}
