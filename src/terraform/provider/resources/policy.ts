import { all } from '../api.js'
import { restResource } from '../rest-resource.js'
import type { Diagnostic } from '../../plugin/types.js'
import type { ResourceType } from '../resource.js'
import { bool, complete, num, str, strList, strSet, timestamps } from '../spec.js'
import type { BlockSpec, State } from '../spec.js'
import { asInteger, asStrings, isObject, sortedSet } from '../values.js'

/**
 * `warden_policy`: an approval policy, its steps as `step` blocks in order. In HCL an approver is
 * a word (manager, app_owners, entitlement_owners, integration_owners) or a Warden user id;
 * neighbouring user ids are one "these users" approver in the API, so they must stand together
 * to read back the same.
 */

type ApiApprover = { type: 'users'; user_ids: string[] } | { type: 'manager' | 'app_owners' | 'entitlement_owners' | 'integration_owners' }

interface ApiPolicy {
  id: string
  name: string
  description: string
  kind: string
  builtin: boolean
  steps: Array<{
    approvers: ApiApprover[]
    fallback: ApiApprover[]
    allow_self_approval: boolean
    require_reason: boolean
    escalate_after_hours: number | null
    escalate_to: string[]
  }>
  require_distinct_approvers: boolean
  created_at: string
  updated_at: string
}

const WORDS = new Set(['manager', 'app_owners', 'entitlement_owners', 'integration_owners'])
const USER_ID = /^usr_[A-Za-z0-9]+$/

const step: BlockSpec = {
  description: 'One approval step; steps run in order',
  attrs: {
    approvers: strList('required', 'Who is asked: manager, app_owners, entitlement_owners, integration_owners, or Warden user ids'),
    fallback: strList('optional-computed', 'Tried in order when the approvers resolve to nobody', { default: [] }),
    allow_self_approval: bool('optional-computed', 'Whether requesters may approve their own request', { default: false }),
    require_reason: bool('optional-computed', 'Whether a decision needs a reason', { default: false }),
    escalate_after_hours: num('optional', 'Hours before the step escalates; unset: never'),
    escalate_to: strSet('optional-computed', 'Added when the step escalates (Warden user ids); none: the Access Request Administrators', { default: [] }),
  },
}

const spec: BlockSpec = {
  description: 'An approval policy',
  attrs: {
    id: str('computed', 'The policy id (pol_...)'),
    name: str('required', "The policy's name"),
    description: str('optional-computed', 'What it is for', { default: '' }),
    kind: str('optional-computed', 'grant, revoke or emergency; changing it replaces the policy', { default: 'grant', forceNew: true }),
    require_distinct_approvers: bool('optional-computed', 'Whether one person may approve more than one step', { default: false }),
    ...timestamps,
  },
  blocks: { step },
}

function toApprovers(list: readonly string[]): ApiApprover[] {
  const out: ApiApprover[] = []
  for (const a of list) {
    const last = out[out.length - 1]
    if (USER_ID.test(a)) {
      if (last !== undefined && last.type === 'users') last.user_ids.push(a)
      else out.push({ type: 'users', user_ids: [a] })
    } else out.push({ type: a as 'manager' })
  }
  return out
}

function fromApprovers(list: readonly ApiApprover[]): string[] {
  return list.flatMap((a) => (a.type === 'users' ? a.user_ids : [a.type]))
}

function toState(p: ApiPolicy): State {
  return complete(spec, {
    id: p.id,
    name: p.name,
    description: p.description,
    kind: p.kind,
    require_distinct_approvers: p.require_distinct_approvers,
    created_at: p.created_at,
    updated_at: p.updated_at,
    step: p.steps.map((s) =>
      complete(step, {
        approvers: fromApprovers(s.approvers),
        fallback: fromApprovers(s.fallback),
        allow_self_approval: s.allow_self_approval,
        require_reason: s.require_reason,
        escalate_after_hours: s.escalate_after_hours,
        escalate_to: sortedSet(s.escalate_to),
      }),
    ),
  })
}

function body(planned: State): Record<string, unknown> {
  const steps = Array.isArray(planned['step']) ? planned['step'] : []
  return {
    name: planned['name'],
    description: planned['description'] ?? '',
    require_distinct_approvers: planned['require_distinct_approvers'] === true,
    steps: steps.filter(isObject).map((s) => ({
      approvers: toApprovers(asStrings(s['approvers']) ?? []),
      fallback: toApprovers(asStrings(s['fallback']) ?? []),
      allow_self_approval: s['allow_self_approval'] === true,
      require_reason: s['require_reason'] === true,
      escalate_after_hours: asInteger(s['escalate_after_hours']),
      escalate_to: asStrings(s['escalate_to']) ?? [],
    })),
  }
}

function checkApprovers(list: unknown, path: Array<string | number>): Diagnostic[] {
  if (!Array.isArray(list)) return []
  const out: Diagnostic[] = []
  let usersEnded = false
  let inUsers = false
  for (const a of list) {
    if (typeof a !== 'string') continue
    if (USER_ID.test(a)) {
      if (usersEnded) out.push({ severity: 'error', summary: 'user ids in one approver list must stand next to each other (they are one "these users" approver)', attribute: path })
      inUsers = true
    } else {
      if (!WORDS.has(a)) out.push({ severity: 'error', summary: `"${a}" is not an approver: use manager, app_owners, entitlement_owners, integration_owners or a Warden user id (usr_...)`, attribute: path })
      if (inUsers) usersEnded = true
      inUsers = false
    }
  }
  return out
}

export const policyResource: ResourceType = restResource<ApiPolicy>({
  spec,
  path: '/policies',
  prefix: 'pol',
  what: 'policy',
  fieldPaths: { steps: ['step'], auto_approve: ['step'] },
  toState,
  body,
  createOnly: (planned) => ({ kind: planned['kind'] ?? 'grant' }),
  validate(config) {
    const steps = Array.isArray(config['step']) ? config['step'] : []
    return steps.flatMap((s, i) => (isObject(s) ? [...checkApprovers(s['approvers'], ['step', i, 'approvers']), ...checkApprovers(s['fallback'], ['step', i, 'fallback'])] : []))
  },
  async list(api) {
    // Built-in policies can be changed but not deleted, so Terraform does not own them.
    const items = await all<ApiPolicy>(api, '/policies')
    return items.filter((p) => !p.builtin).map((p) => ({ label: p.name, importId: p.id, state: toState(p) }))
  },
})
