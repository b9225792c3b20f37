import { badImportId, deleteIfPresent, getOrNull, seg } from './api.js'
import type { ResourceType } from './resource.js'
import { complete } from './spec.js'
import type { State } from './spec.js'

/**
 * A resource that is one REST object: POST `path` creates it, GET/PATCH/DELETE `path/<id>` read,
 * change and delete it, and its id (`<prefix>_...`) is its import ID. Apps, approval policies and
 * SoD rules are all this shape; what differs is how an answer becomes state and state a body.
 */
export function restResource<T>(o: {
  path: string
  /** The id prefix, e.g. `app`; also what the import help calls it. */
  prefix: string
  what: string
  toState(item: T): State
  body(planned: State): Record<string, unknown>
  /** What only a create sends, besides body(). */
  createOnly?(planned: State): Record<string, unknown>
  list: ResourceType['list']
} & Pick<ResourceType, 'spec' | 'validate' | 'fieldPaths'>): ResourceType {
  const url = (state: State): string => `${o.path}/${seg(String(state['id']))}`
  const idPattern = new RegExp(`^${o.prefix}_[A-Za-z0-9]+$`)
  const resource: ResourceType = {
    spec: o.spec,
    importHelp: `the ${o.what} id (${o.prefix}_...)`,
    async read(api, state) {
      const item = await getOrNull<T>(api, url(state))
      return item === null ? null : o.toState(item)
    },
    async create(api, planned) {
      return o.toState(await api.post<T>(o.path, { ...o.body(planned), ...o.createOnly?.(planned) }))
    },
    async update(api, prior, planned) {
      return o.toState(await api.call<T>('PATCH', url(prior), o.body(planned)))
    },
    async delete(api, prior) {
      await deleteIfPresent(api, url(prior))
    },
    importState(id) {
      if (!idPattern.test(id)) throw badImportId(id, resource.importHelp)
      return complete(o.spec, { id })
    },
    list: o.list,
  }
  if (o.validate !== undefined) resource.validate = o.validate
  if (o.fieldPaths !== undefined) resource.fieldPaths = o.fieldPaths
  return resource
}
