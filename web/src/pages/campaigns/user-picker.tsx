import { useState } from 'react'
import { errorMessage } from '../../api/index.js'
import type { ApiUserSummary } from '../../api/index.js'
import { useSession } from '../../hooks/index.js'
import { UserSearch, findUserByEmail } from '../reviews/index.js'

const USER_ID = /^usr_[0-9a-z]{26}$/

/**
 * Picks Warden users: suggestions from GET /reviewer-candidates as you type (every role that
 * manages campaigns gets them), or a whole email (or a user id, `usr_…`) and Add. The chosen
 * people are chips with their names; `known` names the ones chosen before (a draft being edited).
 */
export function UserPicker({ label, hint, known = [], selected, onChange, error }: {
  label: string
  hint?: string
  /** Users whose names are known already (for chips of a draft being edited). */
  known?: readonly ApiUserSummary[]
  selected: string[]
  onChange: (ids: string[]) => void
  error?: string | undefined
}) {
  const session = useSession()
  const me = session.me.user
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  // Everyone picked in this field, so the chips keep their names.
  const [picked, setPicked] = useState<Map<string, ApiUserSummary>>(() => new Map())
  const names = new Map<string, ApiUserSummary>(known.map((u) => [u.id, u]))
  names.set(me.id, { id: me.id, email: me.email, display_name: me.display_name })
  for (const [id, u] of picked) names.set(id, u)

  const choose = (u: ApiUserSummary) => {
    setProblem(undefined)
    setPicked((m) => new Map(m).set(u.id, u))
    if (!selected.includes(u.id)) onChange([...selected, u.id])
  }
  const add = async (typed: string) => {
    const value = typed.trim()
    if (value === '' || busy) return
    if (USER_ID.test(value)) {
      setText('')
      setProblem(undefined)
      if (!selected.includes(value)) onChange([...selected, value])
      return
    }
    setBusy(true)
    try {
      const found = await findUserByEmail(value)
      if (found === undefined) {
        setProblem(value.includes('@') ? `No enabled Warden user has the email ${value}.` : `Choose someone from the suggestions, or type their whole email.`)
        return
      }
      setText('')
      choose(found)
    } catch (e) {
      setProblem(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }
  const message = problem ?? error
  return (
    <UserSearch
      label={label}
      text={text}
      onText={(t) => {
        setText(t)
        setProblem(undefined)
      }}
      onPick={choose}
      onEnter={(t) => void add(t)}
      exclude={new Set(selected)}
      hint={hint ?? 'Type part of a name or email and choose from the list, or a whole email and Add.'}
      error={message}
      addon={
        <button type="button" onClick={() => void add(text)} disabled={busy} aria-label={`Add to ${label.toLowerCase()}`}>
          Add
        </button>
      }
    >
      {selected.length > 0 && (
        <ul className="user-chips" aria-label={`${label}: chosen`}>
          {selected.map((userId) => {
            const u = names.get(userId)
            const name = u === undefined ? userId : `${u.display_name} (${u.email})`
            return (
              <li key={userId}>
                {name}
                <button type="button" aria-label={`Remove ${u?.email ?? userId}`} onClick={() => onChange(selected.filter((s) => s !== userId))}>
                  ✕
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </UserSearch>
  )
}
