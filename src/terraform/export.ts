import type { WardenApi } from '../client/index.js'
import { PROVIDER_SOURCE, PROVIDER_VERSION } from './address.js'
import { Expression, hclName, hclValue } from './hcl.js'
import type { Value } from './plugin/types.js'
import { RESOURCES } from './provider/index.js'
import type { BlockSpec, State } from './provider/index.js'

/** One file `warden terraform export` writes, relative to its output folder. */
export interface ExportedFile {
  path: string
  content: string
}

/** Whether a value is worth writing: set, and not what leaving it out would plan anyway. */
function worthWriting(spec: BlockSpec, name: string, value: Value): boolean {
  const attr = spec.attrs[name]
  if (attr === undefined || attr.mode === 'computed' || attr.sensitive === true || value === null) return false
  if (attr.mode === 'required') return true
  if (attr.default !== undefined) return JSON.stringify(attr.default) !== JSON.stringify(value)
  // Optional and computed without a default: leaving it out keeps the current value.
  return !(attr.mode === 'optional-computed' && Array.isArray(value) && value.length === 0)
}

function body(spec: BlockSpec, state: State, refs: ReadonlyMap<string, string>, indent: string): string[] {
  const lines: string[] = []
  const names = Object.keys(spec.attrs).filter((n) => worthWriting(spec, n, state[n] ?? null))
  const width = Math.max(0, ...names.map((n) => n.length))
  for (const name of names) {
    const value = state[name] ?? null
    // Point at the app's resource where the export has it, so Terraform knows the order.
    const ref = name === 'app_id' && typeof value === 'string' ? refs.get(value) : undefined
    lines.push(`${indent}${name.padEnd(width)} = ${hclValue(ref === undefined ? value : new Expression(`${ref}.id`), indent)}`)
  }
  for (const [name, block] of Object.entries(spec.blocks ?? {})) {
    for (const item of (state[name] as State[] | undefined) ?? []) {
      lines.push('', `${indent}${name} {`, ...body(block, item, refs, `${indent}  `), `${indent}}`)
    }
  }
  return lines
}

/**
 * The current configuration as Terraform files: a resource and an `import` block for each
 * managed app, integration, approval policy (not the built-in ones), SoD rule and entitlement
 * with settings of its own, written from the same attribute mapping the provider reads with, so
 * that `terraform plan` afterwards shows the imports and no changes. Client secrets are never
 * exported.
 */
export async function exportTerraform(api: WardenApi, options: { serverUrl: string }): Promise<ExportedFile[]> {
  const resources: string[] = []
  const imports: string[] = []
  const refs = new Map<string, string>()
  let count = 0
  for (const [type, r] of Object.entries(RESOURCES)) {
    const used = new Set<string>()
    for (const item of await r.list(api)) {
      const base = hclName(item.label)
      let name = base
      for (let i = 2; used.has(name); i++) name = `${base}_${i}`
      used.add(name)
      const address = `${type}.${name}`
      if (type === 'warden_app') refs.set(item.importId, address)
      const lines = body(r.spec, item.state, refs, '  ')
      if (type === 'warden_integration_onelogin') {
        lines.push('  # The client secret is write-only in Warden and never exported: set', '  # oauth_client_cred_grant_client_secret (e.g. from a variable) to rotate it.')
      }
      resources.push(`resource "${type}" "${name}" {\n${lines.join('\n')}\n}\n`)
      imports.push(`import {\n  to = ${address}\n  id = ${hclValue(item.importId)}\n}\n`)
      count++
    }
  }
  const header = `# Written by \`warden terraform export\` from ${options.serverUrl} (${count} resources).\n\n`
  return [
    {
      path: 'providers.tf',
      content:
        `${header}terraform {\n  required_providers {\n    warden = {\n      source  = "${PROVIDER_SOURCE}"\n      version = "${PROVIDER_VERSION}"\n    }\n  }\n}\n\n` +
        `# The API token comes from WARDEN_API_TOKEN.\nprovider "warden" {\n  server_url = ${hclValue(options.serverUrl)}\n}\n`,
    },
    { path: 'warden.tf', content: header + resources.join('\n') },
    { path: 'imports.tf', content: `${header}# Once applied, these blocks can be deleted.\n\n${imports.join('\n')}` },
  ]
}
