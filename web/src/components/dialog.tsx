import { useEffect, useRef } from 'react'
import type { ReactNode } from 'react'

/**
 * A modal dialog (the native <dialog>): focus moves into it, the page behind is inert, Escape
 * closes it. Rendering it opens it; `onClose` runs however it closes.
 */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: (close: () => void) => ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal()
  }, [])
  const id = `dialog-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`
  return (
    <dialog ref={ref} className="card dialog" aria-labelledby={id} onClose={onClose}>
      <h2 id={id}>{title}</h2>
      {children(() => ref.current?.close())}
    </dialog>
  )
}
