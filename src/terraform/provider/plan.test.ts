import { describe, expect, it } from 'vitest'
import { Unknown } from '../plugin/types.js'
import { WardenError } from '../../errors/index.js'
import { planChange } from './plan.js'
import { diagnosticsOf } from './provider.js'
import { RESOURCES } from './resources/index.js'
import { complete } from './spec.js'

const app = RESOURCES['warden_app']!
const integration = RESOURCES['warden_integration_onelogin']!
const policy = RESOURCES['warden_policy']!

describe('planning', () => {
  it('on create, plans defaults for unset optional values and unknowns for what only Warden knows', () => {
    const config = complete(app.spec, { name: 'CRM' })
    const { planned, requiresReplace } = planChange(app.spec, null, config, config)
    expect(planned).toMatchObject({ name: 'CRM', description: '', owner_user_ids: [] })
    const p = planned as Record<string, unknown>
    for (const computed of ['id', 'created_at', 'updated_at']) expect(p[computed]).toBeInstanceOf(Unknown)
    expect(requiresReplace).toEqual([])
  })

  it('on update, keeps the id, plans updated_at as unknown only when something configuration controls changed', () => {
    const prior = complete(app.spec, { id: 'app_1', name: 'CRM', description: '', owner_user_ids: [], created_at: 't0', updated_at: 't1' })
    const same = planChange(app.spec, prior, { ...prior }, complete(app.spec, { name: 'CRM' })).planned as Record<string, unknown>
    expect(same).toEqual(prior)
    const renamed = planChange(app.spec, prior, { ...prior, name: 'Sales CRM' }, complete(app.spec, { name: 'Sales CRM' })).planned as Record<string, unknown>
    expect(renamed['id']).toBe('app_1')
    expect(renamed['name']).toBe('Sales CRM')
    expect(renamed['updated_at']).toBeInstanceOf(Unknown)
  })

  it('owners given in another order are the same set: no change', () => {
    const prior = complete(app.spec, { id: 'app_1', name: 'CRM', description: '', owner_user_ids: ['usr_a', 'usr_b'], created_at: 't0', updated_at: 't1' })
    const proposed = { ...prior, owner_user_ids: ['usr_b', 'usr_a'] }
    expect((planChange(app.spec, prior, proposed, proposed).planned as Record<string, unknown>)['updated_at']).toBe('t1')
  })

  it('removing a defaulted attribute from configuration plans its default again', () => {
    const prior = complete(app.spec, { id: 'app_1', name: 'CRM', description: 'old', owner_user_ids: [], created_at: 't0', updated_at: 't1' })
    const planned = planChange(app.spec, prior, { ...prior }, complete(app.spec, { name: 'CRM' })).planned as Record<string, unknown>
    expect(planned['description']).toBe('')
  })

  it('a new app_id replaces an integration; other changes do not', () => {
    const prior = complete(integration.spec, { id: 'int_1', app_id: 'app_1', user_ids: ['usr_a'], status: 'connected', created_at: 't0', updated_at: 't1' })
    expect(planChange(integration.spec, prior, { ...prior, app_id: 'app_2' }, complete(integration.spec, { app_id: 'app_2' })).requiresReplace).toEqual([['app_id']])
    expect(planChange(integration.spec, prior, { ...prior, app_id: new Unknown() }, complete(integration.spec, { app_id: new Unknown() })).requiresReplace).toEqual([['app_id']])
    expect(planChange(integration.spec, prior, { ...prior, onelogin_domain: 'acme' }, complete(integration.spec, { app_id: 'app_1', onelogin_domain: 'acme' })).requiresReplace).toEqual([])
  })

  it('without owners in configuration, an integration keeps its owners (unknown on create: the creator)', () => {
    const config = complete(integration.spec, { app_id: 'app_1' })
    expect((planChange(integration.spec, null, config, config).planned as Record<string, unknown>)['user_ids']).toBeInstanceOf(Unknown)
    const prior = complete(integration.spec, { id: 'int_1', app_id: 'app_1', user_ids: ['usr_a'], status: 'connected', created_at: 't0', updated_at: 't1' })
    expect((planChange(integration.spec, prior, { ...prior }, config).planned as Record<string, unknown>)['user_ids']).toEqual(['usr_a'])
  })

  it("plans the defaults inside a policy's step blocks", () => {
    const step = { approvers: ['manager'], fallback: null, allow_self_approval: null, require_reason: true, escalate_after_hours: null, escalate_to: null }
    const config = complete(policy.spec, { name: 'P', step: [step] })
    const planned = planChange(policy.spec, null, config, config).planned as Record<string, unknown>
    expect(planned['kind']).toBe('grant')
    expect(planned['step']).toEqual([{ approvers: ['manager'], fallback: [], allow_self_approval: false, require_reason: true, escalate_after_hours: null, escalate_to: [] }])
  })

  it('destroy plans null', () => {
    const prior = complete(app.spec, { id: 'app_1', name: 'CRM' })
    expect(planChange(app.spec, prior, null, null)).toEqual({ planned: null, requiresReplace: [] })
  })
})

describe('validation and errors', () => {
  it('approver lists: known words or user ids, user ids together', () => {
    const check = (approvers: string[]) => policy.validate!(complete(policy.spec, { name: 'P', step: [{ approvers, fallback: null }] }))
    expect(check(['manager', 'usr_a', 'usr_b'])).toEqual([])
    expect(check(['boss'])[0]).toMatchObject({ severity: 'error', attribute: ['step', 0, 'approvers'] })
    expect(check(['usr_a', 'manager', 'usr_b'])[0]?.summary).toMatch(/next to each other/)
  })

  it("a Warden error naming request fields is a diagnostic on those attributes; the policy's steps are its step blocks", () => {
    const e = new WardenError('BAD_INPUT', 'owner_user_ids: no Warden user usr_x', { fields: { owner_user_ids: 'no Warden user usr_x' } })
    expect(diagnosticsOf(e, app.spec)).toEqual([{ severity: 'error', summary: 'owner_user_ids: no Warden user usr_x', attribute: ['owner_user_ids'] }])
    const steps = new WardenError('BAD_INPUT', 'body.steps.0.approvers: too many', { fields: { steps: 'too many' } })
    expect(diagnosticsOf(steps, policy.spec, policy.fieldPaths)[0]?.attribute).toEqual(['step'])
    expect(diagnosticsOf(new WardenError('CONFLICT', 'in use'), app.spec)).toEqual([{ severity: 'error', summary: 'in use' }])
  })

  it('import IDs are checked before any call', () => {
    expect(() => app.importState('nope')).toThrow(/not an import ID .* app id/)
    expect(RESOURCES['warden_app_entitlement']!.importState('app_1/role:4:member')).toMatchObject({ app_id: 'app_1', entitlement_id: 'role:4:member' })
    expect(() => RESOURCES['warden_app_entitlement']!.importState('role:4:member')).toThrow(/not an import ID/)
  })
})
