import { useId } from 'react'
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react'

/**
 * Labelled form controls. A field's error (from the API's `fields`) is shown under it and tied to
 * it with aria-describedby, so a screen reader reads it with the field.
 */

interface FieldProps {
  label: string
  error?: string | undefined
  hint?: ReactNode
}

export function TextField({ label, error, hint, id, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId()
  const inputId = id ?? auto
  const hintId = `${inputId}-hint`
  const errorId = `${inputId}-error`
  const described = [hint !== undefined ? hintId : '', error !== undefined ? errorId : ''].filter((s) => s !== '').join(' ')
  return (
    <div className={`field${error !== undefined ? ' field-invalid' : ''}`}>
      <label htmlFor={inputId}>{label}</label>
      <input id={inputId} aria-invalid={error !== undefined} {...(described === '' ? {} : { 'aria-describedby': described })} {...input} />
      {hint !== undefined && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error !== undefined && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  )
}

export function TextAreaField({ label, error, hint, id, ...textarea }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const auto = useId()
  const areaId = id ?? auto
  const described = [hint !== undefined ? `${areaId}-hint` : '', error !== undefined ? `${areaId}-error` : ''].filter((s) => s !== '').join(' ')
  return (
    <div className={`field${error !== undefined ? ' field-invalid' : ''}`}>
      <label htmlFor={areaId}>{label}</label>
      <textarea id={areaId} aria-invalid={error !== undefined} {...(described === '' ? {} : { 'aria-describedby': described })} {...textarea} />
      {hint !== undefined && (
        <p className="hint" id={`${areaId}-hint`}>
          {hint}
        </p>
      )}
      {error !== undefined && (
        <p className="field-error" id={`${areaId}-error`}>
          {error}
        </p>
      )}
    </div>
  )
}

export function SelectField({ label, error, hint, id, children, ...select }: FieldProps & SelectHTMLAttributes<HTMLSelectElement>) {
  const auto = useId()
  const selectId = id ?? auto
  const errorId = `${selectId}-error`
  return (
    <div className={`field${error !== undefined ? ' field-invalid' : ''}`}>
      <label htmlFor={selectId}>{label}</label>
      <select id={selectId} aria-invalid={error !== undefined} {...(error === undefined ? {} : { 'aria-describedby': errorId })} {...select}>
        {children}
      </select>
      {hint !== undefined && <p className="hint">{hint}</p>}
      {error !== undefined && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  )
}

export function CheckboxField({ label, hint, id, ...input }: Omit<FieldProps, 'error'> & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId()
  const inputId = id ?? auto
  return (
    <div className="field field-check">
      <input id={inputId} type="checkbox" {...input} />
      <label htmlFor={inputId}>{label}</label>
      {hint !== undefined && <p className="hint">{hint}</p>}
    </div>
  )
}

/** The form-level error: what the API said, when no field took it. */
export function FormError({ message }: { message: string | undefined }) {
  if (message === undefined) return null
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  )
}
