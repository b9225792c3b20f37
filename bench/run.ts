/** `npm run bench`: runs every benchmark and prints its table. Not part of `npm test`. */
import { benchUserPages } from './user-pages.js'

const benches: [string, () => Promise<string>][] = [['OneLogin client: walk every user page of a 100k-user emulator tenant', benchUserPages]]

for (const [name, run] of benches) {
  process.stdout.write(`\n## ${name}\n\n`)
  process.stdout.write(`${await run()}\n`)
}
