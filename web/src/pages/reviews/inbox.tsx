import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { MouseEvent as ReactMouseEvent, RefObject } from 'react'
import type { PageProps } from '../../app.js'
import { api, errorMessage } from '../../api/index.js'
import type { ApiPage, Query } from '../../api/index.js'
import { Dialog, Empty, ErrorState, Loading, PageHeader, SelectField, StatusBadge, TextField, Time } from '../../components/index.js'
import { useApi, useQueryParams } from '../../hooks/index.js'
import { ItemPanel } from './item-panel.js'
import { RevokeDialog } from './revoke-dialog.js'
import { DecisionBadges, SuggestionBadge, Via, byCampaign, itemKey, plural, sendDecisions, sourceNames } from './shared.js'
import { CampaignSummary } from './summary.js'
import type { ReviewItem, ReviewSummary } from './types.js'

/** Items per page of the inbox; "Load more" adds the next page below. */
const PAGE_SIZE = 100
/** Typing in the search box waits this long before asking the server. */
const SEARCH_DELAY_MS = 250

const DECISIONS = { undecided: 'Undecided', decided: 'Decided', certify: 'Certified', revoke: 'Revoked', all: 'All' } as const
const SUGGESTIONS = { '': 'Any', any: 'Revoke suggested', suspended: 'Suspended or locked', inactive: 'Not signed in lately' } as const
const TYPES = { '': 'All types', role: 'Roles', app: 'Apps', group: 'Groups', privilege: 'Privileges' } as const

function pick<T extends Record<string, string>>(choices: T, value: string | undefined, fallback: keyof T & string): keyof T & string {
  return value !== undefined && value in choices ? value : fallback
}

interface InboxState {
  key: string
  items: ReviewItem[]
  next: string | null
  loading: boolean
  error: unknown
}

/**
 * The signed-in reviewer's items (GET /reviews), a page at a time: the first page for the
 * filters, then each "Load more" appends the next. Decisions update rows in place, so a decided
 * row stays where it was (with its new badge) until the list is loaded again.
 */
function useInbox(query: Query) {
  const key = JSON.stringify(query)
  const [state, setState] = useState<InboxState>({ key, items: [], next: null, loading: true, error: undefined })
  const [tick, setTick] = useState(0)
  const generation = useRef(0)
  useEffect(() => {
    const mine = ++generation.current
    const controller = new AbortController()
    // New filters start empty; a reload keeps the rows on screen until the answer replaces them.
    setState((s) => (s.key === key ? { ...s, loading: true, error: undefined } : { key, items: [], next: null, loading: true, error: undefined }))
    api<ApiPage<ReviewItem>>('/reviews', { query: { ...(JSON.parse(key) as Query), limit: PAGE_SIZE }, signal: controller.signal })
      .then((page) => {
        if (mine === generation.current) setState({ key, items: page.items, next: page.next_cursor, loading: false, error: undefined })
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted && mine === generation.current) setState((s) => ({ ...s, loading: false, error: e }))
      })
    return () => controller.abort()
  }, [key, tick])

  const loadMore = useCallback(() => {
    const cursor = state.next
    if (cursor === null || state.loading) return
    const mine = generation.current
    setState((s) => ({ ...s, loading: true }))
    api<ApiPage<ReviewItem>>('/reviews', { query: { ...(JSON.parse(key) as Query), limit: PAGE_SIZE, cursor } })
      .then((page) => {
        if (mine !== generation.current) return
        setState((s) => {
          const seen = new Set(s.items.map(itemKey))
          return { ...s, items: [...s.items, ...page.items.filter((i) => !seen.has(itemKey(i)))], next: page.next_cursor, loading: false }
        })
      })
      .catch((e: unknown) => {
        if (mine === generation.current) setState((s) => ({ ...s, loading: false, error: e }))
      })
  }, [key, state.next, state.loading])

  /** Puts the server's fresh copies of items in place of the rows on screen. */
  const update = useCallback((fresh: readonly ReviewItem[]) => {
    const byKey = new Map(fresh.map((i) => [itemKey(i), i]))
    setState((s) => ({ ...s, items: s.items.map((i) => byKey.get(itemKey(i)) ?? i) }))
  }, [])
  const remove = useCallback((keys: ReadonlySet<string>) => setState((s) => ({ ...s, items: s.items.filter((i) => !keys.has(itemKey(i))) })), [])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { ...state, loadMore, update, remove, reload }
}

/** Keys typed into a form field (or a button's own Space/Enter) are not shortcuts. */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || target.closest('input, textarea, select') !== null
}

function onControl(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('button, a, input, select, textarea, label') !== null
}

const SHORTCUTS: [string, string][] = [
  ['j or ↓', 'Next item'],
  ['k or ↑', 'Previous item'],
  ['x or Space', 'Select or unselect the item'],
  ['a', 'Select all items shown (again: select none)'],
  ['c', 'Certify the selected items, or the current one'],
  ['r', 'Revoke the selected items, or the current one (asks for a reason and confirms)'],
  ['Enter', 'Open the current item: details, comments, reassign'],
  ['Esc', 'Close a dialog'],
  ['?', 'This help'],
]

/**
 * My reviews: every item waiting for the signed-in person's decision, in every active campaign
 * (or one, from an email's link: `/reviews?campaign=cmp_…`). Built for going through hundreds
 * of items quickly: each campaign's progress on top, filters, a dense table, keyboard shortcuts
 * (j/k, x, c, r, a, ?), bulk certify and revoke (a revoke confirms how many grants it removes),
 * and suggestions.
 */
export function ReviewsPage(_props: PageProps) {
  const [params, setParams] = useQueryParams()
  const campaign = params['campaign'] ?? ''
  const decision = pick(DECISIONS, params['decision'], 'undecided')
  const suggestion = pick(SUGGESTIONS, params['suggestion'], '')
  const type = pick(TYPES, params['type'], '')
  const q = params['q'] ?? ''
  const [search, setSearch] = useState(q)
  const filters = { campaign, decision: decision === 'undecided' ? undefined : decision, suggestion, type, q }
  const setFilter = (change: Partial<Record<keyof typeof filters, string>>) => setParams({ ...filters, q: search.trim(), ...change })
  const setParamsRef = useRef(setFilter)
  setParamsRef.current = setFilter
  useEffect(() => {
    if (search.trim() === q) return
    const timer = setTimeout(() => setParamsRef.current({ q: search.trim() }), SEARCH_DELAY_MS)
    return () => clearTimeout(timer)
  }, [search, q])

  const query = useMemo<Query>(
    () => ({ campaign_id: campaign, decision: decision === 'all' ? undefined : decision, suggestion, resource_type: type, q }),
    [campaign, decision, suggestion, type, q],
  )
  const inbox = useInbox(query)
  const items = inbox.items
  // Exact counts and the settings a reviewer needs, per active campaign; fetched again after each decision.
  const summary = useApi<{ items: ReviewSummary[] }>('/reviews/summary')
  const settings = useMemo(() => new Map((summary.data?.items ?? []).map((c) => [c.campaign_id, c])), [summary.data])
  const reloadSummary = summary.reload
  // Roles that access comes through, by name: from the rows, and from the reviewer's role items
  // (fetched once when a row names a role no row on screen is about; items name sources by id only).
  const unnamed = useMemo(() => {
    const shown = new Set(items.map((i) => i.entitlement_id))
    return items.some((i) => i.sources.some((src) => !shown.has(src)))
  }, [items])
  const roleItems = useApi<ApiPage<ReviewItem>>(unnamed ? '/reviews' : null, { campaign_id: campaign, resource_type: 'role', limit: 500 })
  const names = useMemo(() => sourceNames([...(roleItems.data?.items ?? []), ...items]), [items, roleItems.data])

  // Campaigns seen in the rows, for the campaign filter (with those of the summary).
  const [campaigns, setCampaigns] = useState<Map<string, string>>(() => new Map())
  useEffect(() => {
    setCampaigns((known) => {
      const missing = items.filter((i) => known.get(i.campaign_id) !== i.campaign_name)
      if (missing.length === 0) return known
      const next = new Map(known)
      for (const i of missing) next.set(i.campaign_id, i.campaign_name)
      return next
    })
  }, [items])
  const multiCampaign = new Set(items.map((i) => i.campaign_id)).size > 1

  const [selected, setSelected] = useState<Set<string>>(() => new Set())
  const [focus, setFocus] = useState(0)
  const [open, setOpen] = useState<ReviewItem | undefined>(undefined)
  const [revoking, setRevoking] = useState<ReviewItem[] | undefined>(undefined)
  const [help, setHelp] = useState(false)
  const [notice, setNotice] = useState<{ text: string; bad?: boolean } | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const rows = useRef<(HTMLTableRowElement | null)[]>([])
  const moveFocus = useRef(false)

  // New filters: a new list, nothing selected, the first row current.
  useEffect(() => {
    setSelected(new Set())
    setFocus(0)
  }, [inbox.key])
  useEffect(() => {
    if (!moveFocus.current) return
    moveFocus.current = false
    const row = rows.current[focus]
    row?.focus({ preventScroll: true })
    row?.scrollIntoView({ block: 'nearest' })
  }, [focus])

  const focused = items[Math.min(focus, items.length - 1)]
  const selectedItems = items.filter((i) => selected.has(itemKey(i)))

  const go = (index: number) => {
    if (items.length === 0) return
    moveFocus.current = true
    setFocus(Math.max(0, Math.min(items.length - 1, index)))
  }
  const toggle = (item: ReviewItem) =>
    setSelected((s) => {
      const next = new Set(s)
      if (!next.delete(itemKey(item))) next.add(itemKey(item))
      return next
    })
  const selectAll = () => setSelected((s) => (items.length > 0 && items.every((i) => s.has(itemKey(i))) ? new Set() : new Set(items.map(itemKey))))
  const acceptSuggestions = () => {
    const suggested = items.filter((i) => i.suggestion !== null && i.decision !== 'revoke')
    setSelected(new Set(suggested.map(itemKey)))
    setNotice({ text: suggested.length === 0 ? 'No item shown has a suggestion.' : `Selected ${plural(suggested.length, 'item')} with a suggestion to revoke: review them, then Revoke.` })
  }
  /** The selection, or else the current row. */
  const targets = (): ReviewItem[] => (selectedItems.length > 0 ? selectedItems : focused === undefined ? [] : [focused])

  const certify = async (chosen: ReviewItem[], fromSelection: boolean) => {
    // Certified items stay as they are; revoked ones cannot change (a revoke is final).
    const open = chosen.filter((i) => i.decision === null)
    const final = chosen.filter((i) => i.decision === 'revoke').length
    if (open.length === 0) {
      setNotice(final > 0 ? { text: 'Already revoked: a revoke is final.', bad: true } : { text: chosen.length === 0 ? 'Nothing to certify.' : 'Already certified.' })
      if (!fromSelection && chosen.length > 0) go(focus + 1)
      return
    }
    setBusy(true)
    setNotice(undefined)
    try {
      let done = 0
      await sendDecisions(
        [...byCampaign(open)].map(([campaign_id, group]) => ({ campaign_id, item_nos: group.map((i) => i.item_no) })),
        'certify',
        '',
        (fresh) => {
          done += fresh.length
          inbox.update(fresh)
        },
      )
      setNotice({ text: `Certified ${plural(done, 'item')}.${final > 0 ? ` ${plural(final, 'item was', 'items were')} already revoked and left as they are.` : ''}` })
      if (fromSelection) setSelected(new Set())
      else go(focus + 1)
    } catch (e) {
      setNotice({ text: errorMessage(e), bad: true })
    } finally {
      setBusy(false)
      reloadSummary()
    }
  }
  const revoke = (chosen: ReviewItem[]) => {
    if (chosen.length === 0) return
    const open = chosen.filter((i) => i.decision !== 'revoke')
    if (open.length === 0) setNotice({ text: 'Already revoked: a revoke is final.', bad: true })
    else setRevoking(open)
  }

  // The latest of everything the key handler needs, without re-adding the listener each render.
  const live = useRef({ items, focus, focused, targets, certify, revoke, selectAll, toggle, go, busy, selectedItems })
  live.current = { items, focus, focused, targets, certify, revoke, selectAll, toggle, go, busy, selectedItems }
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return
      if (typing(event.target) || document.querySelector('dialog[open]') !== null) return
      const s = live.current
      const key = event.key
      if (key === '?') {
        event.preventDefault()
        setHelp(true)
        return
      }
      if (s.items.length === 0) return
      if (key === 'j' || key === 'ArrowDown') s.go(s.focus + 1)
      else if (key === 'k' || key === 'ArrowUp') s.go(s.focus - 1)
      else if (key === 'x' || (key === ' ' && !onControl(event.target))) {
        if (s.focused !== undefined) s.toggle(s.focused)
      } else if (key === 'a') s.selectAll()
      else if (key === 'c') {
        if (!s.busy) void s.certify(s.targets(), s.selectedItems.length > 0)
      } else if (key === 'r') s.revoke(s.targets())
      else if (key === 'Enter' && !onControl(event.target)) {
        if (s.focused !== undefined) setOpen(s.focused)
      } else return
      event.preventDefault()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [])

  const onRowClick = (event: ReactMouseEvent, index: number, item: ReviewItem) => {
    setFocus(index)
    if (!onControl(event.target)) setOpen(item)
  }

  // One stable object for the rows (memoised: moving with j/k re-renders two rows, not hundreds).
  const handlers = useRef<RowHandlers>({} as RowHandlers)
  handlers.current = {
    ref: (index, el) => {
      rows.current[index] = el
    },
    click: onRowClick,
    focus: setFocus,
    toggle,
    open: setOpen,
    certify: (item) => void certify([item], false),
    revoke: (item) => revoke([item]),
  }

  const campaignChoices = new Map([...(summary.data?.items ?? []).map((c): [string, string] => [c.campaign_id, c.name]), ...campaigns])
  if (campaign !== '' && !campaignChoices.has(campaign)) campaignChoices.set(campaign, campaign)
  const allSelected = items.length > 0 && items.every((i) => selected.has(itemKey(i)))

  return (
    <>
      <PageHeader
        title="My reviews"
        actions={
          <button type="button" onClick={() => setHelp(true)} aria-keyshortcuts="?">
            Keyboard shortcuts <kbd>?</kbd>
          </button>
        }
      >
        <p className="lead">
          Access waiting for your decision in the access reviews you take part in. <strong>Certify</strong> what is still needed; <strong>Revoke</strong> removes the
          access in OneLogin (final).
        </p>
      </PageHeader>

      <form className="filters review-filters" role="search" aria-label="Filter review items" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Campaign" name="campaign" value={campaign} onChange={(e) => setFilter({ campaign: e.target.value })}>
          <option value="">All active campaigns</option>
          {[...campaignChoices].map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Show" name="decision" value={decision} onChange={(e) => setFilter({ decision: e.target.value === 'undecided' ? '' : e.target.value })}>
          {Object.entries(DECISIONS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <SelectField label="Suggestion" name="suggestion" value={suggestion} onChange={(e) => setFilter({ suggestion: e.target.value })}>
          {Object.entries(SUGGESTIONS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <SelectField label="Type" name="type" value={type} onChange={(e) => setFilter({ type: e.target.value })}>
          {Object.entries(TYPES).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <TextField label="Search" name="q" type="search" placeholder="Person, email, role or app" value={search} onChange={(e) => setSearch(e.target.value)} />
      </form>

      <CampaignSummary summary={summary} current={campaign} onChoose={(id) => setFilter({ campaign: id })} />

      <div className="review-toolbar" role="toolbar" aria-label="Decide">
        {selectedItems.length > 0 ? (
          <>
            <span className="review-selected">{plural(selectedItems.length, 'item')} selected</span>
            <button type="button" className="primary" disabled={busy} onClick={() => void certify(selectedItems, true)} aria-keyshortcuts="c">
              Certify {selectedItems.length}
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => revoke(selectedItems)} aria-keyshortcuts="r">
              Revoke {selectedItems.length}
            </button>
            <button type="button" onClick={() => setSelected(new Set())}>
              Clear selection
            </button>
          </>
        ) : (
          <>
            <button type="button" onClick={selectAll} disabled={items.length === 0} aria-keyshortcuts="a">
              Select all shown
            </button>
            <button type="button" onClick={acceptSuggestions} disabled={items.length === 0}>
              Accept suggestions
            </button>
          </>
        )}
        <button
          type="button"
          onClick={() => {
            inbox.reload()
            reloadSummary()
          }}
          disabled={inbox.loading}
        >
          Refresh
        </button>
        <span className="review-shown" data-testid="review-shown">
          {items.length > 0 && `${plural(items.length, 'item')} shown${inbox.next !== null ? ' · more to load' : ''}`}
        </span>
      </div>
      <p className={`review-notice${notice?.bad === true ? ' review-notice-bad' : ''}`} role="status" aria-live="polite">
        {notice?.text ?? ''}
      </p>

      {inbox.error !== undefined && <ErrorState error={inbox.error} retry={inbox.reload} />}
      {items.length === 0 && inbox.error === undefined ? (
        inbox.loading ? (
          <Loading what="Loading your review items" />
        ) : (
          <Empty>{decision === 'undecided' && suggestion === '' && type === '' && q === '' ? 'Nothing waits for your review. Thank you!' : 'No item matches these filters.'}</Empty>
        )
      ) : (
        items.length > 0 && (
          <div className="table-wrap review-table-wrap">
            <table className="review-table" aria-busy={inbox.loading}>
              <caption className="visually-hidden">Review items: j and k move, x selects, c certifies, r revokes, Enter opens; ? lists every shortcut</caption>
              <thead>
                <tr>
                  <th scope="col" className="review-check">
                    <input type="checkbox" aria-label="Select all shown" checked={allSelected} onChange={selectAll} />
                  </th>
                  <th scope="col">Holder</th>
                  <th scope="col">Access</th>
                  <th scope="col" className="review-wide">
                    How
                  </th>
                  <th scope="col" className="review-wide">
                    Last sign-in
                  </th>
                  <th scope="col">Decision</th>
                </tr>
              </thead>
              <tbody>
                {items.map((item, index) => (
                  <ReviewRow
                    key={itemKey(item)}
                    item={item}
                    index={index}
                    selected={selected.has(itemKey(item))}
                    current={index === Math.min(focus, items.length - 1)}
                    busy={busy}
                    multiCampaign={multiCampaign}
                    inactiveDays={settings.get(item.campaign_id)?.inactive_days}
                    names={names}
                    handlers={handlers}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )
      )}
      {inbox.next !== null && items.length > 0 && (
        <div className="pager">
          <button type="button" onClick={inbox.loadMore} disabled={inbox.loading}>
            Load more
          </button>
        </div>
      )}

      {open !== undefined && (
        <ItemPanel
          item={open}
          stamp={(() => {
            const current = items.find((i) => itemKey(i) === itemKey(open))
            return `${current?.decision ?? ''} ${current?.revoke_state ?? ''}`
          })()}
          names={names}
          inactiveDays={settings.get(open.campaign_id)?.inactive_days}
          onClose={() => {
            const index = items.findIndex((i) => itemKey(i) === itemKey(open))
            setOpen(undefined)
            if (index >= 0) go(index)
          }}
          onCertify={async (item) => {
            await sendDecisions([{ campaign_id: item.campaign_id, item_nos: [item.item_no] }], 'certify', '', inbox.update).finally(reloadSummary)
          }}
          onRevoke={(item) => setRevoking([item])}
          onReassigned={(item) => {
            setOpen(undefined)
            inbox.remove(new Set([itemKey(item)]))
            reloadSummary()
            setNotice({ text: `Reassigned ${item.entitlement_name} for ${item.principal_name} to ${item.reviewers.map((r) => r.display_name).join(', ')}.` })
          }}
        />
      )}
      {revoking !== undefined && (
        <RevokeDialog
          items={revoking}
          // Unknown settings (the summary not loaded yet) count as required: the server has the last word.
          requireReason={revoking.some((i) => settings.get(i.campaign_id)?.require_revoke_reason ?? true)}
          onDecided={(fresh) => {
            inbox.update(fresh)
            const done = new Set(fresh.map(itemKey))
            setSelected((s) => new Set([...s].filter((k) => !done.has(k))))
            setNotice({ text: `Revoked ${plural(fresh.length, 'item')}: the removal in OneLogin is under way.` })
            reloadSummary()
          }}
          onClose={() => setRevoking(undefined)}
        />
      )}
      {help && (
        <Dialog title="Keyboard shortcuts" onClose={() => setHelp(false)}>
          {(close) => (
            <>
              <table className="review-keys">
                <caption className="visually-hidden">Keyboard shortcuts</caption>
                <tbody>
                  {SHORTCUTS.map(([keys, what]) => (
                    <tr key={keys}>
                      <th scope="row">
                        <kbd>{keys}</kbd>
                      </th>
                      <td>{what}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="hint">Shortcuts wait while you type in a field.</p>
              <div className="actions">
                <button type="button" onClick={close}>
                  Close
                </button>
              </div>
            </>
          )}
        </Dialog>
      )}
    </>
  )
}

interface RowHandlers {
  ref: (index: number, el: HTMLTableRowElement | null) => void
  click: (event: ReactMouseEvent, index: number, item: ReviewItem) => void
  focus: (index: number) => void
  toggle: (item: ReviewItem) => void
  open: (item: ReviewItem) => void
  certify: (item: ReviewItem) => void
  revoke: (item: ReviewItem) => void
}

/** One item: the holder, the access and how it is held, the suggestion, the decision and its buttons. */
const ReviewRow = memo(function ReviewRow({ item, index, selected, current, busy, multiCampaign, inactiveDays, names, handlers }: {
  item: ReviewItem
  index: number
  selected: boolean
  current: boolean
  busy: boolean
  multiCampaign: boolean
  inactiveDays: number | undefined
  names: ReadonlyMap<string, string>
  handlers: RefObject<RowHandlers>
}) {
  const what = `${item.entitlement_name} for ${item.principal_name}`
  return (
    <tr
      ref={(el) => handlers.current.ref(index, el)}
      tabIndex={current ? 0 : -1}
      className={`review-row${selected ? ' is-selected' : ''}${current ? ' is-current' : ''}${item.decision !== null ? ` is-${item.decision}` : ''}`}
      data-item={itemKey(item)}
      onClick={(e) => handlers.current.click(e, index, item)}
      onFocus={() => handlers.current.focus(index)}
    >
      <td className="review-check">
        <input type="checkbox" aria-label={`Select ${what}`} checked={selected} onChange={() => handlers.current.toggle(item)} />
      </td>
      <td>
        <span className="review-holder">
          {item.principal_name} <StatusBadge status={item.principal_status} />
        </span>
        {item.principal_email !== null && <span className="hint">{item.principal_email}</span>}
        <span className="hint review-narrow">Last sign-in: {item.last_login === null ? 'never' : <Time iso={item.last_login} />}</span>
      </td>
      <td>
        <button type="button" className="review-link" onClick={() => handlers.current.open(item)} aria-label={`Details: ${what}`}>
          {item.entitlement_name}
        </button>
        <span className="hint">
          {item.resource_type} · {item.resource_name}
          {multiCampaign && ` · ${item.campaign_name}`}
          {item.comment_count > 0 && ` · ${plural(item.comment_count, 'comment')}`}
        </span>
        <span className="hint review-narrow">
          <Via item={item} names={names} />
        </span>
        <SuggestionBadge item={item} inactiveDays={inactiveDays} />
      </td>
      <td className="review-wide">
        <Via item={item} names={names} />
      </td>
      <td className="review-wide review-nowrap">{item.last_login === null ? <span className="muted">never</span> : <Time iso={item.last_login} />}</td>
      <td className="review-actions">
        {item.decision !== null && <DecisionBadges item={item} />}
        {item.decision !== 'certify' && item.decision !== 'revoke' && (
          <button type="button" className="review-small" disabled={busy} onClick={() => handlers.current.certify(item)} aria-label={`Certify ${what}`}>
            Certify
          </button>
        )}
        {item.decision !== 'revoke' && (
          <button type="button" className="review-small danger" onClick={() => handlers.current.revoke(item)} aria-label={`Revoke ${what}`}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  )
})
