import { useEffect, useId, useState } from 'react'
import type { KeyboardEvent, ReactNode } from 'react'
import { api, errorMessage } from '../../api/index.js'
import type { ApiUserSummary } from '../../api/index.js'
import { useSession } from '../../hooks/index.js'

/** Typing waits this long before asking the server for suggestions. */
const SEARCH_DELAY_MS = 200
/**
 * Without campaigns:write the server answers nothing below this many characters (so the list
 * is no directory of users); the field says so instead of showing an empty list.
 */
export const CANDIDATE_MIN_CHARS = 3

interface Candidates {
  /** The text the answer is for. */
  q: string
  items: ApiUserSummary[]
  error: string | undefined
}

/**
 * Suggestions from GET /reviewer-candidates for `text`, asked `SEARCH_DELAY_MS` after the last
 * keystroke while `active`. A newer text aborts the older request, so answers never arrive out of
 * order. People who manage campaigns get suggestions for an empty text too (they browse).
 */
function useCandidates(text: string, active: boolean): { candidates: Candidates | undefined; browse: boolean } {
  const browse = useSession().can('campaigns:write')
  const q = text.trim()
  const [candidates, setCandidates] = useState<Candidates | undefined>(undefined)
  useEffect(() => {
    if (!active) return
    if (!browse && q.length < CANDIDATE_MIN_CHARS) {
      setCandidates({ q, items: [], error: undefined })
      return
    }
    const controller = new AbortController()
    const timer = setTimeout(() => {
      api<{ items: ApiUserSummary[] }>('/reviewer-candidates', { query: { q }, signal: controller.signal })
        .then((r) => setCandidates({ q, items: r.items, error: undefined }))
        .catch((e: unknown) => {
          if (!controller.signal.aborted) setCandidates({ q, items: [], error: errorMessage(e) })
        })
    }, SEARCH_DELAY_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [q, active, browse])
  return { candidates, browse }
}

/** The enabled Warden user with exactly this email (case aside), asked of the server; undefined if none. */
export async function findUserByEmail(email: string): Promise<ApiUserSummary | undefined> {
  const lower = email.trim().toLowerCase()
  if (lower === '') return undefined
  const r = await api<{ items: ApiUserSummary[] }>('/reviewer-candidates', { query: { q: lower } })
  return r.items.find((u) => u.email.toLowerCase() === lower)
}

/**
 * A text field that suggests Warden users as you type (an ARIA combobox with a listbox): ↓/↑ move
 * through the suggestions, Enter or a click chooses one, Escape closes the list. Used to name
 * reviewers on a campaign and to reassign review items. `onEnter` gets the text when Enter is
 * pressed with no suggestion highlighted (e.g. a whole email to add).
 */
export function UserSearch({ label, text, onText, onPick, onEnter, exclude, hint, error, placeholder, addon, name, children }: {
  label: string
  text: string
  onText: (text: string) => void
  onPick: (user: ApiUserSummary) => void
  onEnter?: (text: string) => void
  /** Users not to suggest (already chosen). */
  exclude?: ReadonlySet<string>
  hint?: ReactNode
  error?: string | undefined
  placeholder?: string
  /** Shown beside the field (an Add button). */
  addon?: ReactNode
  name?: string
  /** Shown between the label and the field (the people chosen so far). */
  children?: ReactNode
}) {
  const id = useId()
  const [focused, setFocused] = useState(false)
  const [dismissed, setDismissed] = useState(false)
  const [active, setActive] = useState(-1)
  const { candidates, browse } = useCandidates(text, focused)
  const q = text.trim()
  const items = (candidates?.items ?? []).filter((u) => exclude?.has(u.id) !== true)
  const answered = candidates !== undefined && candidates.q === q
  const open = focused && !dismissed && items.length > 0
  const listId = `${id}-list`
  const optionId = (u: ApiUserSummary) => `${id}-option-${u.id}`
  const current = open && active >= 0 ? items[active] : undefined

  // A new answer: nothing highlighted until the arrows move.
  useEffect(() => setActive(-1), [candidates])

  const pick = (u: ApiUserSummary) => {
    onPick(u)
    onText('')
    setDismissed(true)
    setActive(-1)
  }
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      setDismissed(false)
      if (items.length === 0) return
      const step = event.key === 'ArrowDown' ? 1 : -1
      setActive((a) => (a < 0 ? (step === 1 ? 0 : items.length - 1) : (a + step + items.length) % items.length))
    } else if (event.key === 'Enter') {
      if (current !== undefined) {
        event.preventDefault()
        pick(current)
      } else if (onEnter !== undefined) {
        event.preventDefault()
        onEnter(text)
      }
    } else if (event.key === 'Escape' && open) {
      // Close the list only, not the dialog the field may be in.
      event.preventDefault()
      event.stopPropagation()
      setDismissed(true)
    }
  }

  let status = ''
  if (focused && candidates?.error !== undefined && answered) status = `Could not search: ${candidates.error}`
  else if (focused && !browse && q.length > 0 && q.length < CANDIDATE_MIN_CHARS) status = `Type at least ${CANDIDATE_MIN_CHARS} characters of a name or email.`
  else if (focused && answered && q !== '' && items.length === 0) status = (candidates?.items.length ?? 0) > 0 ? 'Everyone who matches is chosen already.' : `No enabled Warden user matches “${q}”.`

  const described = [`${id}-hint`, error !== undefined ? `${id}-error` : '', status !== '' ? `${id}-status` : ''].filter((s) => s !== '').join(' ')
  return (
    <div className={`field user-search${error !== undefined ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      <div className="user-search-row">
        <div className="user-search-box">
          <input
            id={id}
            name={name}
            type="text"
            role="combobox"
            autoComplete="off"
            spellCheck={false}
            aria-autocomplete="list"
            aria-expanded={open}
            aria-controls={listId}
            aria-activedescendant={current === undefined ? undefined : optionId(current)}
            aria-invalid={error !== undefined}
            aria-describedby={described}
            placeholder={placeholder ?? 'Name or email'}
            value={text}
            onChange={(e) => {
              onText(e.target.value)
              setDismissed(false)
            }}
            onKeyDown={onKey}
            onFocus={() => {
              setFocused(true)
              setDismissed(false)
            }}
            onBlur={() => setFocused(false)}
          />
          <ul id={listId} role="listbox" aria-label={`${label}: suggestions`} className="user-search-list" hidden={!open}>
            {open &&
              items.map((u, index) => (
                <li
                  key={u.id}
                  id={optionId(u)}
                  role="option"
                  aria-selected={index === active}
                  className={index === active ? 'is-active' : undefined}
                  // Keeps the focus in the field, so the list is still there when the click lands.
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => pick(u)}
                  onMouseEnter={() => setActive(index)}
                >
                  <span className="user-search-name">{u.display_name}</span> <span className="user-search-email">{u.email}</span>
                </li>
              ))}
          </ul>
        </div>
        {addon}
      </div>
      <p className="hint" id={`${id}-hint`}>
        {hint ?? 'Type part of a name or email, then choose from the list.'}
      </p>
      {/* Always present, so screen readers announce what appears in it. */}
      <p className="hint user-search-status" id={`${id}-status`} role="status">
        {status}
      </p>
      {error !== undefined && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  )
}
