import { z } from 'zod'
import { WardenError } from '../../errors/index.js'
import { ROLE_DESCRIPTIONS, ROLE_LABELS, WARDEN_ROLES, databaseReachable, permissionsOf } from '../../governance/index.js'
import { RoleInfo, page } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

/** Health, the role catalogue and the OpenAPI document. */
export function registerSystemRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/api/v1/health', {
    config: { access: 'public' },
    schema: {
      tags: ['system'],
      summary: 'Whether the server and its database answer (open; no data)',
      response: { 200: z.object({ status: z.literal('ok') }) },
    },
    handler: async () => {
      if (!(await databaseReachable(ctx.store))) throw new WardenError('DATABASE_UNAVAILABLE', 'the database does not answer')
      return { status: 'ok' as const }
    },
  })

  app.get('/api/v1/roles', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['system'],
      summary: "Warden's roles and what each allows",
      description: 'Every signed-in user, with or without a role, can request access and review what is assigned to them.',
      response: { 200: page(RoleInfo) },
    },
    handler: async () => ({
      items: WARDEN_ROLES.map((id) => ({ id, label: ROLE_LABELS[id], description: ROLE_DESCRIPTIONS[id], permissions: permissionsOf([id]) })),
      next_cursor: null,
    }),
  })

  app.get('/api/v1/openapi.json', {
    config: { access: 'public' },
    schema: { tags: ['system'], summary: 'This OpenAPI document (also at /docs/json; interactive docs at /docs)' },
    handler: async () => app.swagger(),
  })
}
