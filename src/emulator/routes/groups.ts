/**
 * Groups, v1 only (onelogin-api.md §6.1): envelope with body pagination (`after_cursor`, up to 50
 * per page, no v2 headers), `GET /api/1/groups/:id` returns `data: [group]` without a
 * `pagination` key, 404 in the v1 shape. Members are users with `group_id` (a user has at most
 * one group); list them with `GET /api/2/users?group_id=`.
 */
import type { FastifyInstance } from 'fastify'
import type { EmulatorContext } from '../context.js'
import { emuRoute, params } from '../context.js'
import { fail, v1Error, v1Success } from '../errors.js'
import { intParam, textMatcher } from '../match.js'
import type { Query } from '../pagination.js'
import { parseV1Paging, q, v1PageEnvelope } from '../pagination.js'
import { SCOPES } from '../scopes.js'
import { group } from '../serialize.js'

export function registerGroupRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx

  emuRoute(app, {
    method: 'GET',
    url: '/api/1/groups',
    scopes: SCOPES.groupsRead,
    handler: (req) => {
      const query = req.query as Query
      const pg = parseV1Paging(query)
      let groups = state.sortedGroups()
      const id = q(query, 'id')
      if (id !== undefined && id !== '') {
        const wanted = new Set(id.split(',').map((s) => intParam('v1', 'id', s)))
        groups = groups.filter((g) => wanted.has(g.id))
      }
      const name = q(query, 'name')
      if (name !== undefined && name !== '') {
        const m = textMatcher(name, { negation: true })
        groups = groups.filter((g) => m(g.name))
      }
      const env = v1PageEnvelope(req, groups, pg)
      return { ...env, data: env.data.map(group) }
    },
  })

  emuRoute(app, {
    method: 'GET',
    url: '/api/1/groups/:id',
    scopes: SCOPES.groupsRead,
    handler: (req) => {
      const raw = params(req)['id'] ?? ''
      if (!/^\d{1,15}$/.test(raw)) fail(400, v1Error(400, { attribute: 'id', description: 'ID is incorrect' }))
      const g = state.groups.get(Number(raw))
      if (!g) fail(404, v1Error(404, `Group for id ${raw} was not found`))
      return { status: v1Success().status, data: [group(g)] }
    },
  })
}
