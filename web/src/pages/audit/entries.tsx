import { Fragment, useState } from 'react'
import type { ApiAuditEntry } from '../../api/index.js'
import { Empty, ErrorState, Loading, Pager, Time } from '../../components/index.js'
import type { Paged } from '../../hooks/index.js'

/**
 * The entries as a table whose rows open to show the entry's before and after in full width
 * underneath (the shared DataTable has no expandable rows, and JSON squeezed into a cell is unreadable).
 */
export function AuditTable({ paged, empty }: { paged: Paged<ApiAuditEntry>; empty: string }) {
  const [open, setOpen] = useState<ReadonlySet<number>>(() => new Set())
  const toggle = (seq: number) =>
    setOpen((o) => {
      const next = new Set(o)
      if (!next.delete(seq)) next.add(seq)
      return next
    })
  if (paged.error !== undefined) return <ErrorState error={paged.error} retry={paged.reload} />
  if (paged.items.length === 0) return paged.loading ? <Loading what="Loading the audit log" /> : <Empty>{empty}</Empty>
  const headers = ['#', 'Time', 'Actor', 'Action', 'Target', 'Changes']
  return (
    <>
      <div className="table-wrap">
        <table aria-busy={paged.loading}>
          <caption className="visually-hidden">Audit entries</caption>
          <thead>
            <tr>
              {headers.map((h) => (
                <th key={h} scope="col" className={h === '#' ? 'num' : undefined}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {paged.items.map((e) => (
              <Fragment key={e.seq}>
                <tr>
                  <td className="num" data-label="#">
                    {e.seq}
                  </td>
                  <td data-label="Time">
                    <Time iso={e.at} />
                  </td>
                  <td data-label="Actor">
                    <code>{e.actor}</code>
                  </td>
                  <td data-label="Action">
                    <code>{e.action}</code>
                  </td>
                  <td data-label="Target">
                    <Target entry={e} />
                  </td>
                  <td data-label="Changes">
                    <ToggleChanges entry={e} open={open.has(e.seq)} onToggle={() => toggle(e.seq)} />
                  </td>
                </tr>
                {open.has(e.seq) && (
                  <tr id={`audit-changes-${e.seq}`}>
                    <td colSpan={headers.length}>
                      <div className="grid-2">
                        {hasValue(e.before) && <Json label="Before" value={e.before} />}
                        {hasValue(e.after) && <Json label="After" value={e.after} />}
                      </div>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      <Pager paged={paged} />
    </>
  )
}

function hasValue(v: unknown): boolean {
  return v !== null && v !== undefined
}

function Target({ entry }: { entry: ApiAuditEntry }) {
  if (entry.target_type === null && entry.target_id === null) return <span className="muted">—</span>
  return (
    <>
      {entry.target_type ?? ''} <code>{entry.target_id ?? ''}</code>
    </>
  )
}

function ToggleChanges({ entry, open, onToggle }: { entry: ApiAuditEntry; open: boolean; onToggle: () => void }) {
  const before = hasValue(entry.before)
  const after = hasValue(entry.after)
  if (!before && !after) return <span className="muted">—</span>
  const what = before && after ? 'before and after' : after ? 'after' : 'before'
  return (
    <button type="button" aria-expanded={open} aria-controls={`audit-changes-${entry.seq}`} onClick={onToggle} aria-label={`${open ? 'Hide' : 'Show'} ${what} of entry ${entry.seq}`}>
      {open ? 'Hide' : 'Show'} {what}
    </button>
  )
}

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <figure className="json-block">
      <figcaption className="muted">{label}</figcaption>
      {/* Long values wrap and scroll inside their box instead of widening the page. */}
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </figure>
  )
}
