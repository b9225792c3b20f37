import type { ReactNode } from 'react'
import type { Paged } from '../hooks/index.js'
import { Empty, ErrorState, Loading } from './states.js'

export interface Column<T> {
  header: string
  render: (row: T) => ReactNode
  /** e.g. 'num' for right-aligned figures. */
  className?: string
}

/** A table with its loading, error and empty states. */
export function DataTable<T>({ columns, rows, rowKey, loading, error, retry, empty, caption }: {
  columns: Column<T>[]
  rows: T[]
  rowKey: (row: T) => string
  loading?: boolean
  error?: unknown
  retry?: () => void
  empty: ReactNode
  caption?: string
}) {
  if (error !== undefined) return <ErrorState error={error} {...(retry === undefined ? {} : { retry })} />
  if (rows.length === 0) return loading === true ? <Loading /> : <Empty>{empty}</Empty>
  return (
    <div className="table-wrap">
      <table aria-busy={loading === true}>
        {caption !== undefined && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className={c.className}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.header} className={c.className} data-label={c.header}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** A server-paginated table: the rows of one page, with Previous and Next. */
export function PagedTable<T>({ paged, ...rest }: Omit<Parameters<typeof DataTable<T>>[0], 'rows' | 'loading' | 'error' | 'retry'> & { paged: Paged<T> }) {
  return (
    <>
      <DataTable {...rest} rows={paged.items} loading={paged.loading} error={paged.error} retry={paged.reload} />
      <Pager paged={paged} />
    </>
  )
}

export function Pager({ paged }: { paged: Pick<Paged<unknown>, 'page' | 'hasNext' | 'hasPrev' | 'next' | 'prev' | 'loading'> }) {
  if (!paged.hasNext && !paged.hasPrev) return null
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={paged.prev} disabled={!paged.hasPrev || paged.loading}>
        Previous
      </button>
      <span>Page {paged.page}</span>
      <button type="button" onClick={paged.next} disabled={!paged.hasNext || paged.loading}>
        Next
      </button>
    </nav>
  )
}
