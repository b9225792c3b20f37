import { useEffect, useState } from 'react'
import type { FormEvent } from 'react'
import { api } from '../api/index.js'
import type { ApiMe } from '../api/index.js'
import { FormError, TextField } from '../components/index.js'
import { navigate, useRoute, useSubmit } from '../hooks/index.js'

/** Where to go after signing in: a local path only (never another site). */
function nextPath(raw: string | null): string {
  return raw !== null && raw.startsWith('/') && !raw.startsWith('//') && !raw.startsWith('/sign-in') ? raw : '/'
}

export function SignInPage({ onSignedIn }: { onSignedIn: (me: ApiMe) => void }) {
  const { query } = useRoute()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [setupNeeded, setSetupNeeded] = useState(false)
  useEffect(() => {
    document.title = 'Sign in · Warden'
    api<{ needed: boolean }>('/setup', { quiet401: true })
      .then((s) => setSetupNeeded(s.needed))
      .catch(() => undefined)
  }, [])
  const submit = useSubmit(async () => {
    await api('/auth/login', { method: 'POST', body: { email, password }, quiet401: true })
    const me = await api<ApiMe>('/me')
    onSignedIn(me)
    navigate(nextPath(query.get('next')), { replace: true })
  }, ['email', 'password'])
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit.run()
  }
  return (
    <main className="auth-page" id="main">
      <form className="card auth-card" onSubmit={onSubmit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Warden</h1>
        {setupNeeded && (
          <p className="notice" role="status">
            Warden has no administrator yet. Open the one-time setup link that <code>warden serve</code> printed when it started.
          </p>
        )}
        <TextField label="Email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} error={submit.fieldErrors['email']} autoFocus />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} error={submit.fieldErrors['password']} />
        <FormError message={submit.error} />
        <button type="submit" className="primary" disabled={submit.busy}>
          {submit.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
