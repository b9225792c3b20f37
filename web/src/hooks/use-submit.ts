import { useState } from 'react'
import { ApiError, errorMessage } from '../api/index.js'

export interface Submit<A extends unknown[]> {
  run: (...args: A) => Promise<void>
  busy: boolean
  /** The form-level message (when no field took the error). */
  error: string | undefined
  /** Messages per field, from the API's BAD_INPUT `fields`. */
  fieldErrors: Record<string, string>
  reset: () => void
}

/**
 * Runs a form's action once at a time and keeps its outcome: per-field messages for the fields the
 * API named, and the whole message otherwise (also when it named fields the form doesn't show).
 */
export function useSubmit<A extends unknown[]>(action: (...args: A) => Promise<void>, shownFields: readonly string[] = []): Submit<A> {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({})
  const reset = () => {
    setError(undefined)
    setFieldErrors({})
  }
  const run = async (...args: A) => {
    if (busy) return
    setBusy(true)
    reset()
    try {
      await action(...args)
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields : {}
      const shown = Object.fromEntries(Object.entries(fields).filter(([k]) => shownFields.includes(k)))
      setFieldErrors(shown)
      if (Object.keys(shown).length === 0) setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }
  return { run, busy, error, fieldErrors, reset }
}
