import { useId, useState } from 'react'
import type { KeyboardEvent } from 'react'
import type { ApiUser } from '../../api/index.js'
import { useSession } from '../../hooks/index.js'

/**
 * Picks Warden users by email. Super Administrators (users:read) get the list of Warden users to
 * choose from; a Campaign Administrator cannot list users (the API has no route for it), so they
 * can add themselves by email, or anyone by user id (`usr_…`).
 */
export function UserPicker({ label, hint, users, selected, onChange, error }: {
  label: string
  hint?: string
  /** The Warden users this person may see (empty without users:read). */
  users: readonly ApiUser[]
  selected: string[]
  onChange: (ids: string[]) => void
  error?: string | undefined
}) {
  const session = useSession()
  const id = useId()
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const me = session.me.user
  const known = new Map<string, { email: string; display_name: string }>(users.map((u) => [u.id, u]))
  known.set(me.id, { email: me.email, display_name: me.display_name })
  const add = () => {
    const value = text.trim()
    if (value === '') return
    const lower = value.toLowerCase()
    const found = lower === me.email.toLowerCase() ? me.id : (users.find((u) => u.email.toLowerCase() === lower && !u.disabled)?.id ?? (/^usr_[0-9a-z]{26}$/.test(value) ? value : undefined))
    if (found === undefined) {
      setProblem(users.length > 0 ? `No enabled Warden user has the email ${value}.` : `Only your own email or a user id (usr_…) can be added here: your roles cannot list Warden users.`)
      return
    }
    setProblem(undefined)
    setText('')
    if (!selected.includes(found)) onChange([...selected, found])
  }
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault()
      add()
    }
  }
  const message = problem ?? error
  return (
    <div className={`field user-picker${message !== undefined ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {selected.length > 0 && (
        <ul className="user-chips" aria-label={`${label}: chosen`}>
          {selected.map((userId) => {
            const u = known.get(userId)
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
      <div className="user-picker-add">
        <input
          id={id}
          type="text"
          inputMode="email"
          list={users.length > 0 ? `${id}-users` : undefined}
          placeholder={users.length > 0 ? 'name@example.com' : 'your email, or usr_…'}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
          aria-invalid={message !== undefined}
          aria-describedby={`${id}-hint${message !== undefined ? ` ${id}-error` : ''}`}
        />
        <button type="button" onClick={add} aria-label={`Add to ${label.toLowerCase()}`}>
          Add
        </button>
      </div>
      {users.length > 0 && (
        <datalist id={`${id}-users`}>
          {users
            .filter((u) => !u.disabled)
            .map((u) => (
              <option key={u.id} value={u.email}>
                {u.display_name}
              </option>
            ))}
        </datalist>
      )}
      <p className="hint" id={`${id}-hint`}>
        {hint ?? 'Type an email and press Add.'}
      </p>
      {message !== undefined && (
        <p className="field-error" id={`${id}-error`}>
          {message}
        </p>
      )}
    </div>
  )
}
