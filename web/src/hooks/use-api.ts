import { useCallback, useEffect, useRef, useState } from 'react'
import { api } from '../api/index.js'
import type { ApiPage, Query } from '../api/index.js'

export interface Loaded<T> {
  data: T | undefined
  error: unknown
  loading: boolean
  /** Fetch again (keeps showing the current data meanwhile). */
  reload: () => void
}

/**
 * GETs `path` (null: nothing yet) and refetches when it or the query changes. Stale answers
 * (an older request finishing after a newer one) are dropped.
 */
export function useApi<T>(path: string | null, query: Query = {}, options: { pollMs?: number } = {}): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<unknown>(undefined)
  const [loading, setLoading] = useState(path !== null)
  const [tick, setTick] = useState(0)
  const key = path === null ? null : `${path}?${JSON.stringify(query)}`
  const lastKey = useRef<string | null>(null)

  useEffect(() => {
    if (path === null) return
    const controller = new AbortController()
    // A new path or query clears the old data; a reload keeps it on screen.
    if (lastKey.current !== key) {
      setData(undefined)
      lastKey.current = key
    }
    setLoading(true)
    setError(undefined)
    api<T>(path, { query, signal: controller.signal })
      .then((d) => {
        setData(d)
        setLoading(false)
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return
        setError(e)
        setLoading(false)
      })
    return () => controller.abort()
    // `key` stands for path and query.
  }, [key, tick])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  usePoll(options.pollMs, reload)
  return { data, error, loading, reload }
}

/** Calls `fn` every `ms` while the tab is visible (undefined: never). */
export function usePoll(ms: number | undefined, fn: () => void): void {
  const latest = useRef(fn)
  latest.current = fn
  useEffect(() => {
    if (ms === undefined) return
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') latest.current()
    }, ms)
    return () => clearInterval(timer)
  }, [ms])
}

export interface Paged<T> extends Loaded<ApiPage<T>> {
  items: T[]
  /** 1-based page number. */
  page: number
  hasNext: boolean
  hasPrev: boolean
  next: () => void
  prev: () => void
}

/**
 * One page of a server-paginated list (`limit` + `cursor`). The cursors of the pages seen are
 * kept so Previous works; a new path or query starts again at page 1.
 */
export function usePaged<T>(path: string | null, query: Query = {}, limit = 50, options: { pollMs?: number } = {}): Paged<T> {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const key = `${path}?${JSON.stringify(query)}`
  const [seenKey, setSeenKey] = useState(key)
  if (seenKey !== key) {
    setSeenKey(key)
    setCursors([undefined])
  }
  const cursor = cursors[cursors.length - 1]
  const loaded = useApi<ApiPage<T>>(path, { ...query, limit, cursor }, options)
  const nextCursor = loaded.data?.next_cursor ?? null
  return {
    ...loaded,
    items: loaded.data?.items ?? [],
    page: cursors.length,
    hasNext: nextCursor !== null,
    hasPrev: cursors.length > 1,
    next: () => {
      if (nextCursor !== null) setCursors((c) => [...c, nextCursor])
    },
    prev: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
  }
}
