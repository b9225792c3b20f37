/**
 * `npm run bench`: runs every benchmark and prints its table. Not part of `npm test`.
 * `npm run bench -- sync` (or `user-pages`, `ingest`, or several names) runs only those.
 */
import { benchCampaigns } from './campaigns.js'
import { benchIngest } from './ingest.js'
import { benchJit } from './jit.js'
import { benchSync } from './sync.js'
import { benchTerraform } from './terraform.js'
import { benchUserPages } from './user-pages.js'

const benches: { id: string; title: string; run: () => Promise<string> }[] = [
  { id: 'user-pages', title: 'OneLogin client: walk every user page of a 100k-user emulator tenant', run: benchUserPages },
  { id: 'sync', title: 'Sync: full and incremental sync of a 5k and a 100k tenant, against baton-onelogin', run: () => benchSync() },
  { id: 'jit', title: 'JIT: approval to provisioned and expiry to revoked for 10,000 time-bound grants on PostgreSQL, two workers', run: benchJit },
  { id: 'ingest', title: 'Ingest: a 100k-user, 1.28M-grant sync into SQLite and PostgreSQL, and grant search under load', run: benchIngest },
  { id: 'campaigns', title: 'Access reviews: stage a campaign over 1M grants on PostgreSQL, and the reviewer inbox under load', run: benchCampaigns },
  { id: 'terraform', title: 'Terraform provider: plan, apply, refresh and destroy 100 resources with the real terraform', run: benchTerraform },
]

const wanted = process.argv.slice(2)
const unknown = wanted.filter((id) => !benches.some((b) => b.id === id))
if (unknown.length > 0) {
  process.stderr.write(`unknown bench: ${unknown.join(', ')} (choose from: ${benches.map((b) => b.id).join(', ')})\n`)
  process.exit(2)
}

for (const { id, title, run } of benches) {
  if (wanted.length > 0 && !wanted.includes(id)) continue
  process.stdout.write(`\n## ${title}\n\n`)
  process.stdout.write(`${await run()}\n`)
}
