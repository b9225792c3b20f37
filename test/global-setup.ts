import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

/** The server serves web/dist (and the UI tests drive it): build it first when it is stale. */
export default function setup(): void {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-web.js')], { stdio: 'inherit' })
  if (r.status !== 0) throw new Error('building the web console failed (see above)')
}
