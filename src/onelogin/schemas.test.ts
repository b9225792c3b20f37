import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { WardenError } from '../errors/index.js'
import { appSchema, parsePayload, userSchema } from './schemas.js'

// The documented v2 user sample (onelogin-api.md §3.1).
const kelly = {
  activated_at: '2017-12-12T23:59:28.665Z', distinguished_name: null, external_id: null, firstname: 'Kelly',
  last_login: '2020-06-03T19:59:21.382Z', lastname: 'Slater', company: 'WSL', directory_id: null, invitation_sent_at: null,
  member_of: null, updated_at: '2020-07-09T03:08:52.774Z', preferred_locale_code: null, created_at: '2017-12-12T23:57:56.781Z',
  userprincipalname: null, trusted_idp_id: null, comment: '', title: 'Surfer', role_ids: [199848, 272445], department: 'Waves',
  id: 36216766, custom_attributes: { employeenumber: null, food: 'chicken' }, invalid_login_attempts: 0, manager_user_id: null,
  locked_until: '2020-07-08T21:59:56.811Z', username: 'kellyslater', manager_ad_id: null, email: 'kelly+preprod@onelogin.com',
  phone: '+64272001122', state: 1, group_id: null, password_changed_at: '2019-08-22T18:44:26.542Z', status: 3, samaccountname: null,
  some_future_field: { anything: true },
}

describe('payload schemas', () => {
  it('parse the documented user and tolerate unknown fields', () => {
    const u = parsePayload(userSchema, kelly, 'GET /api/2/users/:id')
    expect(u.id).toBe(36216766)
    expect(u.custom_attributes).toEqual({ employeenumber: null, food: 'chicken' })
    expect(u.role_ids).toEqual([199848, 272445])
  })

  it('accept manager_user_id as a number or a numeric string (live type drift)', () => {
    expect(parsePayload(userSchema, { id: 1, manager_user_id: 42 }, 'e').manager_user_id).toBe(42)
    expect(parsePayload(userSchema, { id: 1, manager_user_id: '42' }, 'e').manager_user_id).toBe(42)
    expect(parsePayload(userSchema, { id: 1, manager_user_id: '' }, 'e').manager_user_id).toBeNull()
    expect(parsePayload(userSchema, { id: 1 }, 'e').manager_user_id).toBeNull()
  })

  it('name the endpoint and the field of a malformed payload', () => {
    const page = [{ id: 1 }, { id: 2 }, { id: 3, status: 'active' }]
    let error: unknown
    try {
      parsePayload(z.array(userSchema), page, 'GET /api/2/users')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(WardenError)
    expect((error as WardenError).code).toBe('ONELOGIN_BAD_RESPONSE')
    expect((error as WardenError).message).toMatch(/^GET \/api\/2\/users returned an unexpected payload at \[2\]\.status: /)
    expect((error as WardenError).stack).toBeDefined()
  })

  it('refuse a manager id that is not numeric', () => {
    expect(() => parsePayload(userSchema, { id: 1, manager_user_id: 'bob' }, 'GET /api/2/users/:id')).toThrow(/at manager_user_id: expected a numeric id/)
  })

  it('read provisioning.enabled from the full app', () => {
    const app = parsePayload(appSchema, { id: 5, name: 'Slack', role_ids: [1], provisioning: { enabled: true, status: 'Available' } }, 'GET /api/2/apps/:id')
    expect(app.provisioning?.enabled).toBe(true)
    expect(() => parsePayload(appSchema, { id: 5 }, 'GET /api/2/apps/:id')).toThrow(/at name/)
  })
})
