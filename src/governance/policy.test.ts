import { describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { PERMISSIONS, ROLE_LABELS, WARDEN_ROLES, authorize, can, checkRoles, permissionsOf, rolesWith } from './policy.js'
import type { Actor } from './policy.js'

const actor = (roles: string[]): Actor => ({ id: 'usr_x', roles, via: 'token' })
const EVERYONE = ['self:read', 'self:write', 'requests:create', 'reviews:assigned']

describe('Warden roles and permissions', () => {
  it('names the six roles of the issue', () => {
    expect(WARDEN_ROLES.map((r) => ROLE_LABELS[r])).toEqual([
      'Super Administrator',
      'Integration Administrator',
      'App Administrator',
      'Campaign Administrator',
      'Access Request Administrator',
      'Read-only Administrator',
    ])
  })

  it('gives each role exactly its area, and every user the self-service permissions', () => {
    const areas = (roles: string[]) => permissionsOf(roles).filter((p) => !EVERYONE.includes(p))
    expect(permissionsOf([])).toEqual(EVERYONE)
    expect(areas(['super-admin'])).toEqual(PERMISSIONS.filter((p) => !EVERYONE.includes(p)))
    expect(areas(['integration-admin']).sort()).toEqual(['apps:read', 'identities:read', 'integrations:read', 'integrations:write'])
    expect(areas(['app-admin']).sort()).toEqual(['apps:read', 'apps:write', 'identities:read', 'integrations:read'])
    expect(areas(['campaign-admin']).sort()).toEqual(['apps:read', 'campaigns:read', 'campaigns:write', 'identities:read', 'integrations:read'])
    expect(areas(['access-request-admin']).sort()).toEqual(['access-requests:read', 'access-requests:write', 'apps:read', 'identities:read'])
    // Read-only sees everything an administrator sees and changes nothing.
    expect(areas(['read-only-admin']).every((p) => p.endsWith(':read'))).toBe(true)
    expect(areas(['read-only-admin'])).toEqual(PERMISSIONS.filter((p) => p.endsWith(':read') && p !== 'self:read'))
    // Roles add up; unknown names give nothing.
    expect(permissionsOf(['app-admin', 'campaign-admin', 'wizard'])).toEqual(
      PERMISSIONS.filter((p) => permissionsOf(['app-admin']).includes(p) || permissionsOf(['campaign-admin']).includes(p)),
    )
  })

  it('only Super Administrators change users or retry jobs', () => {
    expect(rolesWith('users:write')).toEqual(['super-admin'])
    expect(rolesWith('jobs:retry')).toEqual(['super-admin'])
    expect(rolesWith('jobs:read')).toEqual(['super-admin', 'read-only-admin'])
    expect(rolesWith('audit:read')).toEqual(['super-admin', 'read-only-admin'])
  })

  it('authorize refuses with FORBIDDEN naming the roles that may', () => {
    expect(can(actor(['app-admin']), 'apps:write')).toBe(true)
    expect(can(actor([]), 'self:write')).toBe(true)
    expect(() => authorize(actor(['app-admin']), 'users:write')).toThrowError(
      expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringContaining('it needs Super Administrator') }) as Error,
    )
    try {
      authorize(actor(['campaign-admin']), 'audit:read')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(WardenError)
      expect((e as WardenError).httpStatus).toBe(403)
      expect((e as WardenError).message).toContain('Super Administrator or Read-only Administrator')
    }
  })

  it('checkRoles accepts Warden roles only', () => {
    expect(checkRoles(['read-only-admin', 'super-admin', 'super-admin'])).toEqual(['super-admin', 'read-only-admin'])
    expect(() => checkRoles(['admin'])).toThrowError(/unknown Warden role\(s\) "admin"/)
  })
})
