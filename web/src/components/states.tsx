import type { ReactNode } from 'react'
import { errorMessage } from '../api/index.js'

/** Loading, error and empty states, the same on every page. */

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  )
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <p>{errorMessage(error)}</p>
      {retry !== undefined && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>
}

/** Renders `children(data)` once loaded; the loading or error state before that. */
export function Async<T>({ data, error, loading, reload, what, children }: {
  data: T | undefined
  error: unknown
  loading: boolean
  reload?: () => void
  what?: string
  children: (data: T) => ReactNode
}) {
  if (data !== undefined) return <>{children(data)}</>
  if (error !== undefined) return <ErrorState error={error} {...(reload === undefined ? {} : { retry: reload })} />
  if (loading) return <Loading {...(what === undefined ? {} : { what })} />
  return null
}
