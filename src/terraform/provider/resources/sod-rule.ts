import { all } from '../api.js'
import { restResource } from '../rest-resource.js'
import type { ResourceType } from '../resource.js'
import { bool, complete, str, strSet, timestamps } from '../spec.js'
import type { AttrSpec, BlockSpec, State } from '../spec.js'
import { asStrings, isObject, sortedSet } from '../values.js'
import type { Value } from '../../plugin/types.js'

/** `warden_sod_rule`: a separation-of-duties rule over two sets of entitlements. */

interface Ref {
  integration_id: string
  entitlement_id: string
}

interface ApiSodRule {
  id: string
  name: string
  description: string
  action: string
  approver_user_ids: string[]
  enabled: boolean
  set_a: Ref[]
  set_b: Ref[]
  created_at: string
  updated_at: string
}

const refSet = (description: string): AttrSpec => ({
  type: ['set', ['object', { integration_id: 'string', entitlement_id: 'string' }]],
  mode: 'required',
  description,
})

const spec: BlockSpec = {
  description: 'A separation-of-duties rule: nobody may hold an entitlement of set A and one of set B',
  attrs: {
    id: str('computed', 'The rule id (sod_...)'),
    name: str('required', "The rule's name"),
    description: str('optional-computed', 'Why the two sets conflict', { default: '' }),
    set_a: refSet('Entitlements of one side: { integration_id, entitlement_id }'),
    set_b: refSet('Entitlements of the other side'),
    action: str('required', 'block (a request that breaks the rule is refused) or extra_approval'),
    approver_user_ids: strSet('optional-computed', 'For extra_approval: who approves (Warden user ids)', { default: [] }),
    enabled: bool('optional-computed', 'Whether requests are checked against it', { default: true }),
    ...timestamps,
  },
}

function refs(list: readonly Ref[]): Value[] {
  return [...list].sort((a, b) => `${a.integration_id}/${a.entitlement_id}`.localeCompare(`${b.integration_id}/${b.entitlement_id}`)).map((r) => ({ integration_id: r.integration_id, entitlement_id: r.entitlement_id }))
}

function toState(r: ApiSodRule): State {
  return complete(spec, {
    id: r.id,
    name: r.name,
    description: r.description,
    set_a: refs(r.set_a),
    set_b: refs(r.set_b),
    action: r.action,
    approver_user_ids: sortedSet(r.approver_user_ids),
    enabled: r.enabled,
    created_at: r.created_at,
    updated_at: r.updated_at,
  })
}

function refsOf(v: Value | undefined): Ref[] {
  return (Array.isArray(v) ? v : []).filter(isObject).map((o) => ({ integration_id: String(o['integration_id']), entitlement_id: String(o['entitlement_id']) }))
}

function body(planned: State): Record<string, unknown> {
  return {
    name: planned['name'],
    description: planned['description'] ?? '',
    set_a: refsOf(planned['set_a']),
    set_b: refsOf(planned['set_b']),
    action: planned['action'],
    approver_user_ids: asStrings(planned['approver_user_ids']) ?? [],
    enabled: planned['enabled'] !== false,
  }
}

export const sodRuleResource: ResourceType = restResource<ApiSodRule>({
  spec,
  path: '/sod-rules',
  prefix: 'sod',
  what: 'rule',
  toState,
  body,
  async list(api) {
    const items = await all<ApiSodRule>(api, '/sod-rules')
    return items.map((r) => ({ label: r.name, importId: r.id, state: toState(r) }))
  },
})
