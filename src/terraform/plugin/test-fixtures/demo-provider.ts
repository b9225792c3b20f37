/**
 * A tiny provider for the transport tests: one `demo_thing` resource kept in memory and one
 * `demo_info` data source. Run as Terraform would run a provider: `node --import tsx <this>`.
 * Name "" is a validation error on `name`; name "boom" makes the handlers throw.
 */
import { Unknown, log, serveProvider } from '../index.js'
import type { ProviderHandlers, Schema, Value } from '../index.js'

type Thing = { [key: string]: Value }

const thing: Schema = {
  version: 1,
  block: {
    description: 'A demo thing.',
    attributes: [
      { name: 'id', type: 'string', description: 'Assigned on create.', computed: true },
      { name: 'name', type: 'string', description: 'Its name.', required: true },
      { name: 'secret', type: 'string', description: 'A secret.', optional: true, sensitive: true },
      { name: 'tags', type: ['set', 'string'], description: 'Tags.', optional: true },
      { name: 'size', type: 'number', description: 'A number.', optional: true },
    ],
    blockTypes: [
      {
        typeName: 'rule',
        nesting: 'list',
        maxItems: 3,
        block: { description: 'A rule.', attributes: [{ name: 'kind', type: 'string', description: 'Kind.', required: true }] },
      },
    ],
  },
}

const things = new Map<string, Thing>()
let nextId = 1

function asThing(v: Value): Thing | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Unknown) ? v : null
}

const handlers: ProviderHandlers = {
  schemas: () => ({
    provider: { version: 0, block: { description: 'Demo.', attributes: [{ name: 'endpoint', type: 'string', description: 'Where.', optional: true }] } },
    resources: { demo_thing: thing },
    dataSources: { demo_info: { version: 0, block: { description: 'Info.', attributes: [{ name: 'value', type: 'string', description: 'A value.', computed: true }] } } },
  }),
  validateProviderConfig: async () => [],
  configureProvider: async () => [],
  validateResourceConfig: async (_type, config) => {
    const c = asThing(config)
    return c?.name === '' ? [{ severity: 'error', summary: 'name must not be empty', attribute: ['name'] }] : []
  },
  validateDataResourceConfig: async () => [],
  upgradeResourceState: async (_type, _version, state) => ({ state, diagnostics: [] }),
  readResource: async (_type, state) => {
    const id = asThing(state)?.id
    return { state: (typeof id === 'string' && things.get(id)) || null, diagnostics: [] }
  },
  planResourceChange: async (_type, prior, proposed) => {
    const p = asThing(proposed)
    if (p?.name === 'boom') throw new Error('boom requested')
    if (!p) return { planned: null, requiresReplace: [], diagnostics: [] }
    const planned = asThing(prior) ? p : { ...p, id: new Unknown() }
    return { planned, requiresReplace: [], diagnostics: [{ severity: 'warning', summary: 'demo warning', attribute: ['rule', 0, 'kind'] }] }
  },
  applyResourceChange: async (_type, prior, planned) => {
    const p = asThing(planned)
    const before = asThing(prior)
    if (!p) {
      if (typeof before?.id === 'string') things.delete(before.id)
      return { state: null, diagnostics: [] }
    }
    if (p.name === 'boom') throw new Error('boom requested')
    const id = typeof before?.id === 'string' ? before.id : `thing-${nextId++}`
    const state = { ...p, id }
    things.set(id, state)
    return { state, diagnostics: [] }
  },
  importResourceState: async (typeName, id) => ({
    imported: [{ typeName, state: { id, name: null, secret: null, tags: null, size: null, rule: null } }],
    diagnostics: [],
  }),
  readDataSource: async () => ({ state: { value: 'demo' }, diagnostics: [] }),
  stop: async () => log('INFO', 'stop requested'),
}

serveProvider(handlers).catch((e: unknown) => {
  log('ERROR', e instanceof Error ? e.message : String(e))
  process.exit(1)
})
