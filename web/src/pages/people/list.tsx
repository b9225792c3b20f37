import type { PageProps } from '../../app.js'
import { PageHeader } from '../../components/index.js'

// TODO(issue 7): stub, being built.
export function PeoplePage(_props: PageProps) {
  return <PageHeader title="People" />
}
