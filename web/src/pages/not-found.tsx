import { Link } from '../hooks/index.js'
import { PageHeader } from '../components/index.js'

export function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>
        There is nothing at this address. <Link href="/">Go to the start page</Link>.
      </p>
    </>
  )
}
