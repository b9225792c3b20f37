import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { Message } from 'esbuild'
import { WardenError } from '../errors/index.js'

/**
 * The Terraform provider as one CommonJS file that Node.js 20 runs on its own: src/terraform/main.ts
 * and everything it imports (gRPC, msgpack, the provider logic) bundled by esbuild. Terraform
 * starts a fresh provider process for every phase, so start-up time is the provider's latency:
 * one file with no module resolution at run time starts fastest (reference/terraform-provider.md §10).
 */

/** The repository (the folder holding Warden's package.json), found from this file, so `npx warden` works from anywhere in it. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'terraform'))) return dir
    const up = dirname(dir)
    if (up === dir) throw new WardenError('INTERNAL', `cannot find Warden's package root above ${from}`)
    dir = up
  }
}

/** The provider's entry point, inside the package. */
export function providerEntry(): string {
  return join(packageRoot(), 'src', 'terraform', 'main.ts')
}

/**
 * Bundles the provider into `outFile` (written whole by esbuild). `entry` is for tests of the
 * bundler itself; by default it is src/terraform/main.ts.
 */
export async function bundleProvider(outFile: string, options: { entry?: string } = {}): Promise<void> {
  const entry = options.entry ?? providerEntry()
  if (!existsSync(entry)) throw new WardenError('INTERNAL', `the Terraform provider's entry point ${entry} is missing`)
  const root = packageRoot()
  let result
  try {
    result = await build({
      entryPoints: [entry],
      absWorkingDir: root,
      // The package's dependencies, also for an entry outside the package (the bundler's tests).
      nodePaths: [join(root, 'node_modules')],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minifyWhitespace: true,
      // Names stay readable in stack traces on the provider's stderr (Terraform's log).
      minifyIdentifiers: false,
      sourcemap: false,
      legalComments: 'none',
      // Protocol definitions imported as text are embedded, so nothing is read from the source tree at run time.
      loader: { '.proto': 'text' },
      // CommonJS has no import.meta: give modules that ask for it the bundle's own location.
      define: { 'import.meta.url': '__wardenImportMetaUrl', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
      banner: { js: 'const __wardenImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
      logLevel: 'silent',
      write: true,
    })
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors
    throw new WardenError('INTERNAL', `cannot bundle the Terraform provider: ${errors !== undefined && errors.length > 0 ? describe(errors) : e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  if (result.errors.length > 0) throw new WardenError('INTERNAL', `cannot bundle the Terraform provider: ${describe(result.errors)}`)
}

/** esbuild's messages as one line: the first, with where it is, and how many more. */
function describe(messages: Message[]): string {
  const [first] = messages
  if (first === undefined) return 'unknown error'
  const where = first.location === null ? '' : ` (${first.location.file}:${first.location.line})`
  const more = messages.length > 1 ? ` and ${messages.length - 1} more` : ''
  return `${first.text}${where}${more}`
}
