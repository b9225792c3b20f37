import { WardenApi, serverUrl } from '../../client/index.js'
import { WardenError, toWardenError } from '../../errors/index.js'
import { log } from '../plugin/index.js'
import type { AttributePath, Diagnostic, ProviderHandlers, ProviderSchemas, Value } from '../plugin/index.js'
import { DATA_SOURCES } from './data-sources.js'
import { planChange } from './plan.js'
import type { DataSourceType, ResourceType } from './resource.js'
import { RESOURCES } from './resources/index.js'
import { complete, str, toSchema } from './spec.js'
import type { BlockSpec, State } from './spec.js'
import { hasUnknown, isObject } from './values.js'

/**
 * The Warden provider: Terraform's calls (already decoded by the transport) mapped onto the
 * resource and data source types. Every failure becomes a diagnostic; a Warden error that names
 * request fields is reported on the attributes those fields are (so Terraform points at the line).
 */

const providerSpec: BlockSpec = {
  description: 'Warden: identity governance for OneLogin',
  attrs: {
    server_url: str('optional', 'The Warden server, e.g. https://warden.example.com (default: $WARDEN_SERVER_URL)'),
    api_token: str('optional', 'A personal API token (default: $WARDEN_API_TOKEN)', { sensitive: true }),
  },
}

function error(summary: string, attribute?: AttributePath, detail?: string): Diagnostic {
  return { severity: 'error', summary, ...(attribute === undefined ? {} : { attribute }), ...(detail === undefined ? {} : { detail }) }
}

function noType(kind: 'resource type' | 'data source', typeName: string): string {
  return `the Warden provider has no ${kind} ${typeName}`
}

/** A thrown error as diagnostics: one per field it names that is an attribute here, else one for the whole object. */
export function diagnosticsOf(e: unknown, spec: BlockSpec, fieldPaths: Readonly<Record<string, AttributePath>> = {}, config: State = {}): Diagnostic[] {
  const w = toWardenError(e)
  // Warden's messages never carry a secret (the API's rule), so they may be logged.
  log('WARN', `${w.code}${w.endpoint === undefined ? '' : ` ${w.endpoint}`}: ${w.message}`)
  const message = w.code === 'INTERNAL' && !(e instanceof WardenError) ? `internal error in the Warden provider: ${w.message}` : w.message
  const paths = Object.keys(w.fields ?? {}).flatMap((field) => {
    // A value configuration gave through its write-only twin (`<name>_wo`) is reported there.
    const wo = `${field}_wo`
    if (Object.hasOwn(spec.attrs, wo) && (config[field] ?? null) === null && (config[wo] ?? null) !== null) return [[wo]]
    const path = fieldPaths[field] ?? (Object.hasOwn(spec.attrs, field) || Object.hasOwn(spec.blocks ?? {}, field) ? [field] : undefined)
    return path === undefined ? [] : [path]
  })
  if (paths.length === 0) return [error(message)]
  return paths.map((path) => error(message, path))
}

/** Adds missing attributes (null) and drops unknown ones: state written by an older schema, or an import. */
function normalize(spec: BlockSpec, v: Value): State {
  const o = isObject(v) ? v : {}
  const out: State = complete(spec, Object.fromEntries(Object.keys(spec.attrs).map((k) => [k, o[k] ?? null])))
  for (const [name, block] of Object.entries(spec.blocks ?? {})) {
    const items = o[name]
    out[name] = Array.isArray(items) ? items.map((item) => normalize(block, item)) : []
  }
  return out
}

export function wardenProvider(env: NodeJS.ProcessEnv = process.env): ProviderHandlers {
  let api: WardenApi | undefined
  let stopping = false
  const schemas: ProviderSchemas = {
    provider: toSchema(providerSpec),
    resources: Object.fromEntries(Object.entries(RESOURCES).map(([name, r]) => [name, toSchema(r.spec)])),
    dataSources: Object.fromEntries(Object.entries(DATA_SOURCES).map(([name, d]) => [name, toSchema(d.spec)])),
  }

  function resource(typeName: string): ResourceType {
    const r = RESOURCES[typeName]
    if (r === undefined) throw new WardenError('BAD_INPUT', noType('resource type', typeName))
    return r
  }

  function dataSource(typeName: string): DataSourceType {
    const d = DATA_SOURCES[typeName]
    if (d === undefined) throw new WardenError('BAD_INPUT', noType('data source', typeName))
    return d
  }

  function client(): WardenApi {
    if (stopping) throw new WardenError('INTERRUPTED', 'stopped (Ctrl-C)')
    if (api === undefined) throw new WardenError('INTERNAL', 'the provider was not configured')
    return api
  }

  function connection(config: Value): { api?: WardenApi; diagnostics: Diagnostic[] } {
    const c = isObject(config) ? config : {}
    if (hasUnknown(c['server_url'] ?? null) || hasUnknown(c['api_token'] ?? null)) return { diagnostics: [] }
    const url = typeof c['server_url'] === 'string' ? c['server_url'] : env['WARDEN_SERVER_URL']
    const token = typeof c['api_token'] === 'string' ? c['api_token'] : env['WARDEN_API_TOKEN']
    const diagnostics: Diagnostic[] = []
    let server: string | undefined
    try {
      server = serverUrl(url, typeof c['server_url'] === 'string' ? 'server_url' : 'WARDEN_SERVER_URL')
    } catch (e) {
      const message = url === undefined || url.trim() === '' ? 'no Warden server: set server_url in the provider block or WARDEN_SERVER_URL' : toWardenError(e).message
      diagnostics.push(error(message, ['server_url']))
    }
    if (token === undefined || token.trim() === '') diagnostics.push(error('no API token: set api_token in the provider block or WARDEN_API_TOKEN (make one in Warden under Account > API tokens)', ['api_token']))
    if (diagnostics.length > 0 || server === undefined || token === undefined) return { diagnostics }
    return { api: new WardenApi(server, token.trim()), diagnostics }
  }

  return {
    schemas: () => schemas,

    async validateProviderConfig(config) {
      // Only what is wrong whatever the environment says: a malformed URL given in configuration.
      const c = isObject(config) ? config : {}
      if (typeof c['server_url'] !== 'string') return []
      try {
        serverUrl(c['server_url'], 'server_url')
        return []
      } catch (e) {
        return [error(toWardenError(e).message, ['server_url'])]
      }
    },

    async configureProvider(config) {
      const c = connection(config)
      api = c.api
      return c.diagnostics
    },

    async validateResourceConfig(typeName, config) {
      try {
        const r = resource(typeName)
        return r.validate === undefined || !isObject(config) ? [] : r.validate(config)
      } catch (e) {
        return [error(toWardenError(e).message)]
      }
    },

    async validateDataResourceConfig(typeName, config) {
      try {
        const d = dataSource(typeName)
        return d.validate === undefined || !isObject(config) || hasUnknown(config) ? [] : d.validate(config)
      } catch (e) {
        return [error(toWardenError(e).message)]
      }
    },

    async upgradeResourceState(typeName, _version, state) {
      try {
        return { state: normalize(resource(typeName).spec, state), diagnostics: [] }
      } catch (e) {
        return { state: null, diagnostics: [error(toWardenError(e).message)] }
      }
    },

    async readResource(typeName, state) {
      const r = RESOURCES[typeName]
      if (r === undefined || !isObject(state)) return { state, diagnostics: [error(noType('resource type', typeName))] }
      try {
        return { state: await r.read(client(), state), diagnostics: [] }
      } catch (e) {
        return { state, diagnostics: diagnosticsOf(e, r.spec, r.fieldPaths) }
      }
    },

    async planResourceChange(typeName, prior, proposed, config) {
      try {
        const r = resource(typeName)
        const { planned, requiresReplace } = planChange(r.spec, prior, proposed, config)
        return { planned, requiresReplace, diagnostics: [] }
      } catch (e) {
        return { planned: proposed, requiresReplace: [], diagnostics: [error(toWardenError(e).message)] }
      }
    },

    async applyResourceChange(typeName, prior, planned, config) {
      const r = RESOURCES[typeName]
      if (r === undefined) return { state: prior, diagnostics: [error(noType('resource type', typeName))] }
      try {
        const started = Date.now()
        if (!isObject(planned)) {
          if (isObject(prior)) await r.delete(client(), prior)
          log('DEBUG', `deleted ${typeName} ${String(isObject(prior) ? prior['id'] : '')} in ${Date.now() - started} ms`)
          return { state: null, diagnostics: [] }
        }
        const c = isObject(config) ? config : {}
        const state = isObject(prior) ? await r.update(client(), prior, planned, c) : await r.create(client(), planned, c)
        log('DEBUG', `${isObject(prior) ? 'updated' : 'created'} ${typeName} ${String(state['id'])} in ${Date.now() - started} ms`)
        return { state, diagnostics: [] }
      } catch (e) {
        // Nothing changed (Warden's changes are all or nothing), so the prior state stands.
        return { state: prior, diagnostics: diagnosticsOf(e, r.spec, r.fieldPaths, isObject(config) ? config : {}) }
      }
    },

    async importResourceState(typeName, id) {
      try {
        return { imported: [{ typeName, state: resource(typeName).importState(id) }], diagnostics: [] }
      } catch (e) {
        return { imported: [], diagnostics: [error(toWardenError(e).message)] }
      }
    },

    async readDataSource(typeName, config) {
      const d = DATA_SOURCES[typeName]
      if (d === undefined || !isObject(config)) return { state: config, diagnostics: [error(noType('data source', typeName))] }
      try {
        return { state: await d.read(client(), config), diagnostics: [] }
      } catch (e) {
        return { state: config, diagnostics: diagnosticsOf(e, d.spec, d.fieldPaths) }
      }
    },

    async stop() {
      stopping = true
    },
  }
}
