import { describe, expect, it } from 'vitest'
import type { OneLoginApp, OneLoginAppSummary, OneLoginPrivilege, OneLoginUser } from '../onelogin/index.js'
import {
  USER_FIELDS,
  appEntitlements,
  appResource,
  directGrant,
  groupEntitlements,
  groupResource,
  privilegeEntitlements,
  privilegeResource,
  roleAppImplications,
  roleEntitlements,
  roleResource,
  statusName,
  userDisplayName,
  userGroupGrant,
  userResource,
} from './convert.js'

// Pure converters, fed OneLogin payload shapes as the client's schemas hand them over
// (snake_case, nulls and "" where OneLogin sends them; numeric-string manager ids already numbers).

/** A full v2 user record the way GET /api/2/users returns it (onelogin-api.md §3.1). */
function user(overrides: Partial<OneLoginUser> = {}): OneLoginUser {
  return {
    id: 36216766,
    username: 'kellyslater',
    email: 'kelly@example.com',
    firstname: 'Kelly',
    lastname: 'Slater',
    title: 'Surfer',
    department: 'Sales',
    status: 1,
    group_id: 481,
    manager_user_id: 7,
    last_login: '2026-10-01T09:15:00.000Z',
    created_at: '2020-07-08T21:59:56.811Z',
    updated_at: '2026-10-02T10:00:00.000Z',
    custom_attributes: { employeenumber: null, food: 'chicken' },
    ...overrides,
  }
}

describe('statusName', () => {
  it('names every OneLogin status code', () => {
    const names = [0, 1, 2, 3, 4, 5, 7, 8].map((s) => [s, statusName(s)])
    expect(names).toEqual([
      [0, 'unactivated'],
      [1, 'active'],
      [2, 'suspended'],
      [3, 'locked'],
      [4, 'password_expired'],
      [5, 'awaiting_password_reset'],
      [7, 'password_pending'],
      [8, 'security_questions_required'],
    ])
  })

  it('calls a code OneLogin does not define (there is no 6), or none, unknown', () => {
    expect(statusName(6)).toBe('unknown')
    expect(statusName(9)).toBe('unknown')
    expect(statusName(-1)).toBe('unknown')
    expect(statusName(null)).toBe('unknown')
    expect(statusName(undefined)).toBe('unknown')
  })
})

describe('userResource', () => {
  it('converts a full user to the model, traits exactly', () => {
    expect(userResource(user())).toEqual({
      id: 'user:36216766',
      type: 'user',
      display_name: 'kellyslater',
      traits: {
        email: 'kelly@example.com',
        login: 'kellyslater',
        display_name: 'kellyslater',
        first_name: 'Kelly',
        last_name: 'Slater',
        status: 'active',
        enabled: true,
        manager_id: 'user:7',
        department: 'Sales',
        title: 'Surfer',
        last_login: '2026-10-01T09:15:00.000Z',
        created_at: '2020-07-08T21:59:56.811Z',
        custom_attributes: { employeenumber: null, food: 'chicken' },
      },
      source_updated_at: '2026-10-02T10:00:00.000Z',
    })
  })

  it('is enabled only for status 1; status 2 is suspended, not deleted', () => {
    const byStatus = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((status) => {
      const t = userResource(user({ status })).traits
      return [status, t['status'], t['enabled']]
    })
    expect(byStatus).toEqual([
      [0, 'unactivated', false],
      [1, 'active', true],
      [2, 'suspended', false],
      [3, 'locked', false],
      [4, 'password_expired', false],
      [5, 'awaiting_password_reset', false],
      [6, 'unknown', false],
      [7, 'password_pending', false],
      [8, 'security_questions_required', false],
    ])
    const none = userResource(user({ status: null })).traits
    expect([none['status'], none['enabled']]).toEqual(['unknown', false])
  })

  it('keeps a user without a manager, and a manager id as user:<id>', () => {
    expect(userResource(user({ manager_user_id: null })).traits['manager_id']).toBeNull()
    expect(userResource(user({ manager_user_id: undefined })).traits['manager_id']).toBeNull()
    expect(userResource(user({ manager_user_id: 123456789 })).traits['manager_id']).toBe('user:123456789')
  })

  it('turns "" and missing fields into null, keeps custom attributes with their nulls', () => {
    const sparse: OneLoginUser = { id: 5, manager_user_id: null, username: '', email: '', firstname: null, lastname: '', department: '', title: '  ', custom_attributes: { a: null, b: '' } }
    expect(userResource(sparse)).toEqual({
      id: 'user:5',
      type: 'user',
      display_name: 'user 5',
      traits: {
        email: null,
        login: null,
        display_name: 'user 5',
        first_name: null,
        last_name: null,
        status: 'unknown',
        enabled: false,
        manager_id: null,
        department: null,
        title: null,
        last_login: null,
        created_at: null,
        custom_attributes: { a: null, b: '' },
      },
      source_updated_at: null,
    })
    expect(userResource({ id: 6, manager_user_id: null, custom_attributes: null }).traits['custom_attributes']).toEqual({})
  })
})

describe('userDisplayName', () => {
  it('uses the username first', () => {
    expect(userDisplayName({ id: 1, username: 'jdoe', firstname: 'Jane', lastname: 'Doe', email: 'j@x.io' })).toBe('jdoe')
  })

  it('falls back to "first last" when the username is empty, null or missing', () => {
    expect(userDisplayName({ id: 1, username: '', firstname: 'Jane', lastname: 'Doe', email: 'j@x.io' })).toBe('Jane Doe')
    expect(userDisplayName({ id: 1, username: null, firstname: 'Jane', lastname: 'Doe', email: 'j@x.io' })).toBe('Jane Doe')
    expect(userDisplayName({ id: 1, firstname: 'Jane', lastname: 'Doe' })).toBe('Jane Doe')
    expect(userDisplayName({ id: 1, username: '   ', firstname: 'Jane', lastname: 'Doe' })).toBe('Jane Doe')
  })

  it('uses whichever of first and last name there is', () => {
    expect(userDisplayName({ id: 1, username: '', firstname: 'Jane', lastname: '', email: 'j@x.io' })).toBe('Jane')
    expect(userDisplayName({ id: 1, username: '', firstname: null, lastname: 'Doe', email: 'j@x.io' })).toBe('Doe')
  })

  it('then the email, then "user <id>"', () => {
    expect(userDisplayName({ id: 1, username: '', firstname: '', lastname: null, email: 'j@x.io' })).toBe('j@x.io')
    expect(userDisplayName({ id: 42, username: '', firstname: '', lastname: '', email: '' })).toBe('user 42')
    expect(userDisplayName({ id: 43 })).toBe('user 43')
  })
})

describe('userGroupGrant', () => {
  it('grants the one group a user is in, from group_id', () => {
    expect(userGroupGrant({ id: 9, group_id: 481 })).toEqual({ id: 'group:481:member:user:9', entitlement: 'group:481:member', principal: 'user:9' })
  })

  it('grants nothing without a group', () => {
    expect(userGroupGrant({ id: 9, group_id: null })).toBeUndefined()
    expect(userGroupGrant({ id: 9 })).toBeUndefined()
  })
})

describe('USER_FIELDS', () => {
  it('asks OneLogin for exactly what the model needs, group and updated_at included', () => {
    expect([...USER_FIELDS]).toEqual([
      'id',
      'username',
      'email',
      'firstname',
      'lastname',
      'status',
      'manager_user_id',
      'department',
      'title',
      'last_login',
      'created_at',
      'updated_at',
      'group_id',
      'custom_attributes',
    ])
  })
})

describe('roles', () => {
  it('makes a role resource with member and admin entitlements', () => {
    expect(roleResource({ id: 42, name: 'Engineering' })).toEqual({ id: 'role:42', type: 'role', display_name: 'Engineering', traits: {} })
    expect(roleEntitlements({ id: 42, name: 'Engineering' })).toEqual([
      { id: 'role:42:member', resource: 'role:42', slug: 'member', display_name: 'Engineering member', grantable_to: ['user'] },
      { id: 'role:42:admin', resource: 'role:42', slug: 'admin', display_name: 'Engineering admin', grantable_to: ['user'] },
    ])
  })

  it("implies access to each of the role's apps from its member entitlement", () => {
    expect(roleAppImplications(42, [9, 10])).toEqual([
      { from: 'role:42:member', to: 'app:9:access' },
      { from: 'role:42:member', to: 'app:10:access' },
    ])
    expect(roleAppImplications(42, [])).toEqual([])
  })

  it('records direct grants by entitlement and principal', () => {
    expect(directGrant('role:42:admin', 'user:7')).toEqual({ id: 'role:42:admin:user:7', entitlement: 'role:42:admin', principal: 'user:7' })
  })
})

describe('apps', () => {
  const summary: OneLoginAppSummary = {
    id: 900,
    name: 'Salesforce',
    connector_id: 110016,
    auth_method: 2,
    description: 'CRM',
    visible: true,
    updated_at: '2026-01-01T00:00:00.000Z',
  }

  it('takes provisioning_enabled from the full app object', () => {
    const full: Pick<OneLoginApp, 'provisioning'> = { provisioning: { enabled: true, status: 'Available' } }
    expect(appResource(summary, full)).toEqual({
      id: 'app:900',
      type: 'app',
      display_name: 'Salesforce',
      traits: { provisioning_enabled: true, connector_id: 110016, auth_method: 'saml', visible: true },
      source_updated_at: '2026-01-01T00:00:00.000Z',
    })
    expect(appResource(summary, { provisioning: { enabled: false, status: 'Not Available' } }).traits['provisioning_enabled']).toBe(false)
    expect(appResource(summary, { provisioning: null }).traits['provisioning_enabled']).toBe(false)
  })

  it('keeps what the last sync read when the full app was not fetched, else false', () => {
    const previous = { provisioning_enabled: true, connector_id: 1, auth_method: 'saml', visible: true }
    expect(appResource(summary, undefined, previous).traits['provisioning_enabled']).toBe(true)
    expect(appResource(summary, undefined).traits['provisioning_enabled']).toBe(false)
    // A fetched full app wins over the previous value.
    expect(appResource(summary, { provisioning: { enabled: false, status: null } }, previous).traits['provisioning_enabled']).toBe(false)
  })

  it('names every auth_method code; keeps an unknown code as its number', () => {
    const names = [0, 1, 2, 3, 4, 6, 7, 8, 5].map((auth_method) => appResource({ ...summary, auth_method }, undefined).traits['auth_method'])
    expect(names).toEqual(['password', 'openid', 'saml', 'api', 'google', 'forms_based', 'wsfed', 'openid_connect', '5'])
    expect(appResource({ ...summary, auth_method: null }, undefined).traits['auth_method']).toBeNull()
  })

  it('defaults visible to true and connector_id to null when OneLogin leaves them out', () => {
    const bare = appResource({ id: 1, name: 'Bare' }, undefined)
    expect(bare).toEqual({
      id: 'app:1',
      type: 'app',
      display_name: 'Bare',
      traits: { provisioning_enabled: false, connector_id: null, auth_method: null, visible: true },
      source_updated_at: null,
    })
    expect(appResource({ ...summary, visible: false }, undefined).traits['visible']).toBe(false)
  })

  it('offers one access entitlement', () => {
    expect(appEntitlements(summary)).toEqual([{ id: 'app:900:access', resource: 'app:900', slug: 'access', display_name: 'Salesforce access', grantable_to: ['user'] }])
  })
})

describe('groups', () => {
  it('makes a group resource with a member entitlement', () => {
    expect(groupResource({ id: 481, name: 'Contractors' })).toEqual({ id: 'group:481', type: 'group', display_name: 'Contractors', traits: {} })
    expect(groupEntitlements({ id: 481, name: 'Contractors' })).toEqual([
      { id: 'group:481:member', resource: 'group:481', slug: 'member', display_name: 'Contractors member', grantable_to: ['user'] },
    ])
  })
})

describe('privileges', () => {
  const p: OneLoginPrivilege = {
    id: '3f6e7c2a-1b2c-4d5e-8f90-123456789abc',
    name: 'App Manager',
    description: 'Manages apps',
    privilege: {
      Version: '2018-05-18',
      Statement: [
        { Effect: 'Allow', Action: ['apps:List', 'apps:Get', 'apps:ManageUsers'], Scope: ['apps/9', 'apps/10'] },
        { Effect: 'Allow', Action: ['apps:Get', 'users:List'], Scope: ['apps/9', '*'] },
      ],
    },
  }

  it('collects the distinct actions and scopes of every statement, sorted', () => {
    expect(privilegeResource(p)).toEqual({
      id: 'privilege:3f6e7c2a-1b2c-4d5e-8f90-123456789abc',
      type: 'privilege',
      display_name: 'App Manager',
      traits: { description: 'Manages apps', actions: ['apps:Get', 'apps:List', 'apps:ManageUsers', 'users:List'], scopes: ['*', 'apps/10', 'apps/9'] },
    })
  })

  it('copes with a privilege without statements or description', () => {
    expect(privilegeResource({ id: p.id, name: 'Empty' }).traits).toEqual({ description: null, actions: [], scopes: [] })
  })

  it('offers an assigned entitlement that users and roles can hold', () => {
    expect(privilegeEntitlements(p)).toEqual([
      {
        id: 'privilege:3f6e7c2a-1b2c-4d5e-8f90-123456789abc:assigned',
        resource: 'privilege:3f6e7c2a-1b2c-4d5e-8f90-123456789abc',
        slug: 'assigned',
        display_name: 'App Manager assigned',
        grantable_to: ['user', 'role'],
      },
    ])
  })
})
