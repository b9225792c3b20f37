import { useEffect, useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../api/index.js'
import type { ApiMe } from '../api/index.js'
import { FormError, TextField } from '../components/index.js'
import { navigate, useSubmit } from '../hooks/index.js'

/**
 * First-run setup: the page the one-time link opens (/setup#token=...). The token is in the
 * fragment, so it never reaches a server log or a Referer header; it is dropped from the address
 * bar once read.
 */
export function SetupPage({ onSignedIn }: { onSignedIn: (me: ApiMe) => void }) {
  const [token] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get('token'))
  const [email, setEmail] = useState('')
  const [displayName, setDisplayName] = useState('')
  const [password, setPassword] = useState('')
  useEffect(() => {
    document.title = 'Set up Warden'
    if (token !== null) window.history.replaceState(null, '', '/setup')
  }, [token])
  const submit = useSubmit(async () => {
    await api('/setup', { method: 'POST', body: { token, email, display_name: displayName, password }, quiet401: true })
    onSignedIn(await api<ApiMe>('/me'))
    navigate('/integrations', { replace: true })
  }, ['email', 'display_name', 'password'])
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit.run()
  }
  return (
    <main className="auth-page" id="main">
      <form className="card auth-card" onSubmit={onSubmit} aria-labelledby="setup-title">
        <h1 id="setup-title">Set up Warden</h1>
        {token === null ? (
          <p className="notice" role="alert">
            This page needs the one-time setup link that <code>warden serve</code> printed on its first start. Already set up? <a href="/sign-in">Sign in</a>.
          </p>
        ) : (
          <>
            <p>Create the first Super Administrator. The link works once.</p>
            <TextField label="Email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} error={submit.fieldErrors['email']} autoFocus />
            <TextField label="Name" name="display_name" autoComplete="name" required value={displayName} onChange={(e) => setDisplayName(e.target.value)} error={submit.fieldErrors['display_name']} />
            <TextField
              label="Password"
              name="password"
              type="password"
              autoComplete="new-password"
              minLength={12}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              error={submit.fieldErrors['password']}
              hint="At least 12 characters."
            />
            <FormError message={submit.error} />
            <button type="submit" className="primary" disabled={submit.busy}>
              {submit.busy ? 'Creating…' : 'Create administrator'}
            </button>
          </>
        )}
      </form>
    </main>
  )
}
