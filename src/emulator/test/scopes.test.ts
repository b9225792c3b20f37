// Credential scopes per endpoint, onelogin-api.md §2.8 (doc pages' table). Every endpoint is
// called with each of the five scopes; requests are chosen so that an allowed scope gets past
// auth without changing the fixture (validation errors or 404s), and a refused one gets the
// family's refusal: v1 401 "Insufficient Permission", v2 403 ForbiddenError (unverified choice).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../index.js'
import type { CredentialScope } from '../seed.js'
import { FIXTURE } from '../test-fixtures.js'
import { call, getToken, startFixture } from './helpers.js'

const ALL: CredentialScope[] = ['authentication_only', 'read_users', 'manage_users', 'read_all', 'manage_all']
const RU = 'read_users'
const MU = 'manage_users'
const RA = 'read_all'
const MA = 'manage_all'
const P = FIXTURE.privileges.userAdmin

type Family = 'v1' | 'v2' | 'priv'
const CASES: [method: string, path: string, body: unknown, allowed: CredentialScope[], family: Family][] = [
  ['GET', '/api/2/users', undefined, [RU, MU, RA, MA], 'v2'],
  ['GET', '/api/2/users/1001', undefined, [RU, MU, RA, MA], 'v2'],
  ['GET', '/api/2/users/1001/apps', undefined, [RU, MU, RA, MA], 'v2'],
  ['POST', '/api/2/users', {}, [MU, MA], 'v2'],
  ['PUT', '/api/2/users/999999', {}, [MU, MA], 'v2'],
  ['DELETE', '/api/2/users/999999', undefined, [MU, MA], 'v2'],
  ['POST', '/api/2/users/999999/unlock', undefined, [MU, MA], 'v2'],
  ['GET', '/api/2/roles', undefined, [RU, RA, MA], 'v2'],
  ['GET', '/api/2/roles/501', undefined, [RU, RA, MA], 'v2'],
  ['GET', '/api/2/roles/501/users', undefined, [RU, RA, MA], 'v2'],
  ['GET', '/api/2/roles/501/admins', undefined, [RU, RA, MA], 'v2'],
  ['GET', '/api/2/roles/501/apps', undefined, [RU, RA, MA], 'v2'],
  ['POST', '/api/2/roles', {}, [MA], 'v2'],
  ['PUT', '/api/2/roles/999999', {}, [MA], 'v2'],
  ['DELETE', '/api/2/roles/999999', undefined, [MA], 'v2'],
  ['POST', '/api/2/roles/501/users', {}, [MA], 'v2'],
  ['DELETE', '/api/2/roles/501/users', {}, [MA], 'v2'],
  ['POST', '/api/2/roles/501/admins', {}, [MA], 'v2'],
  ['DELETE', '/api/2/roles/501/admins', {}, [MA], 'v2'],
  ['PUT', '/api/2/roles/501/apps', {}, [MA], 'v2'],
  ['GET', '/api/2/apps', undefined, [RA, MA], 'v2'],
  ['GET', '/api/2/apps/701', undefined, [RA, MA], 'v2'],
  ['GET', '/api/2/apps/701/users', undefined, [RA, MA], 'v2'],
  ['GET', '/api/2/connectors', undefined, [MA], 'v2'],
  ['GET', '/api/1/groups', undefined, [RU, MU, RA, MA], 'v1'],
  ['GET', '/api/1/groups/10', undefined, [RU, MU, RA, MA], 'v1'],
  ['GET', '/api/1/users', undefined, [RU, MU, RA, MA], 'v1'],
  ['GET', '/api/1/users/1001/roles', undefined, [RA, MA], 'v1'],
  ['PUT', '/api/1/users/1001/add_roles', {}, [MA], 'v1'],
  ['PUT', '/api/1/users/1001/remove_roles', {}, [MA], 'v1'],
  ['PUT', '/api/1/users/1001/set_state', {}, [MA], 'v1'],
  ['PUT', '/api/1/users/1001/lock_user', {}, [MA], 'v1'],
  ['PUT', '/api/1/users/999999/logout', {}, [MU, MA], 'v1'],
  ['GET', '/auth/rate_limit', undefined, [RU, MU, RA, MA], 'v1'],
  ['GET', '/api/1/privileges', undefined, [MA], 'priv'],
  ['GET', `/api/1/privileges/${P}/users`, undefined, [MA], 'priv'],
  ['POST', `/api/1/privileges/${P}/users`, {}, [MA], 'priv'],
  ['DELETE', `/api/1/privileges/${P}/roles/999999`, undefined, [MA], 'priv'],
]

const REFUSAL: Record<Family, { status: number; body: unknown }> = {
  v1: { status: 401, body: { status: { error: true, code: 401, type: 'Unauthorized', message: 'Insufficient Permission' } } },
  v2: { status: 403, body: { message: 'Forbidden', statusCode: 403, name: 'ForbiddenError' } },
  priv: { status: 403, body: { statusCode: 403, name: 'ForbiddenError', message: 'Forbidden' } },
}

let emu: RunningEmulator
const tokens = new Map<CredentialScope, string>()
beforeAll(async () => {
  emu = await startFixture()
  for (const s of ALL) tokens.set(s, await getToken(emu, s))
})
afterAll(async () => {
  await emu.close()
})

describe('scope enforcement', () => {
  for (const [method, path, body, allowed, family] of CASES) {
    it(`${method} ${path}: ${allowed.join(', ')}`, async () => {
      for (const scope of ALL) {
        const r = await call(emu, method, path, { token: tokens.get(scope)!, body })
        if (allowed.includes(scope)) {
          expect([401, 403], `${scope} should be allowed (got ${r.status} ${r.text})`).not.toContain(r.status)
        } else {
          expect(r.status, `${scope} should be refused`).toBe(REFUSAL[family].status)
          expect(r.body).toEqual(REFUSAL[family].body)
        }
      }
    })
  }

  it('left the fixture unchanged', () => {
    expect(emu.state.users.size).toBe(126)
    expect(emu.state.roles.size).toBe(65)
    expect(emu.state.userRoleIds(1001)).toEqual([501, 503])
  })
})
