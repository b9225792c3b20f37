import { Unknown } from '../plugin/types.js'
import type { AttributePath, Value } from '../plugin/types.js'
import { configurable } from './spec.js'
import type { AttrSpec, BlockSpec, State } from './spec.js'
import { isObject, sameValue } from './values.js'

/**
 * Plans a change from Terraform's proposed new state (configuration merged with the prior state),
 * the same way for every resource:
 * - a computed value configuration leaves unset becomes its default, stays as it is, or is
 *   unknown ("known after apply") on create; a volatile one (updated_at) is unknown on update;
 * - an attribute marked forceNew that changes asks for a replacement.
 * Terraform re-plans a replacement as a create (no prior state), so unknowns come out right.
 */
export function planChange(spec: BlockSpec, prior: Value, proposed: Value, config: Value): { planned: Value; requiresReplace: AttributePath[] } {
  if (proposed === null || !isObject(proposed)) return { planned: null, requiresReplace: [] }
  const before = isObject(prior) ? prior : null
  const planned = planBlock(spec, before, proposed, isObject(config) ? config : {}, before === null)
  const requiresReplace: AttributePath[] = []
  if (before !== null) {
    for (const [name, attr] of Object.entries(spec.attrs)) {
      if (attr.forceNew === true && !sameValue(before[name] ?? null, planned[name] ?? null, isSet(attr))) requiresReplace.push([name])
    }
    if (changed(spec, before, planned)) {
      for (const [name, attr] of Object.entries(spec.attrs)) if (attr.volatile === true) planned[name] = new Unknown()
    }
  }
  return { planned, requiresReplace }
}

function planBlock(spec: BlockSpec, prior: State | null, proposed: State, config: State, create: boolean): State {
  const planned: State = { ...proposed }
  for (const [name, attr] of Object.entries(spec.attrs)) {
    if (attr.writeOnly === true) planned[name] = null
    if (attr.mode !== 'computed' && attr.mode !== 'optional-computed') continue
    if ((config[name] ?? null) !== null) continue
    if (attr.default !== undefined) planned[name] = attr.default
    else if (create || prior === null) planned[name] = new Unknown()
  }
  for (const [name, block] of Object.entries(spec.blocks ?? {})) {
    const items = proposed[name]
    const configured = config[name]
    if (!Array.isArray(items)) continue
    planned[name] = items.map((item, i) =>
      isObject(item) ? planBlock(block, null, item, Array.isArray(configured) && isObject(configured[i] ?? null) ? (configured[i] as State) : {}, false) : item,
    )
  }
  return planned
}

export function isSet(attr: AttrSpec): boolean {
  return Array.isArray(attr.type) && attr.type[0] === 'set'
}

/** Whether anything configuration controls differs between two states of the block. */
export function changed(spec: BlockSpec, a: State, b: State): boolean {
  for (const [name, attr] of Object.entries(spec.attrs)) {
    if (configurable(attr) && !sameValue(a[name] ?? null, b[name] ?? null, isSet(attr))) return true
  }
  for (const [name, block] of Object.entries(spec.blocks ?? {})) {
    const x = a[name]
    const y = b[name]
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return true
    for (let i = 0; i < x.length; i++) {
      const xi = x[i] ?? null
      const yi = y[i] ?? null
      if (!isObject(xi) || !isObject(yi) || changed(block, xi, yi)) return true
    }
  }
  return false
}
