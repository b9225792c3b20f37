import { z } from 'zod'
import { createWardenUser, getWardenUser, listWardenUsers, updateWardenUser } from '../../governance/index.js'
import { authOf } from '../auth.js'
import { RoleName, User, booleanQuery, displayName, email, idParams, newPassword, page, pageQuery } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

const userId = idParams('usr', 'user')

/** Warden's user accounts and their roles. Super Administrators change them; Read-only Administrators see them. */
export function registerUserRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/api/v1/users', {
    config: { access: 'users:read' },
    schema: {
      tags: ['users'],
      summary: 'List Warden users by email',
      querystring: z.strictObject({
        role: RoleName.optional(),
        disabled: booleanQuery.optional(),
        email: z.string().trim().min(1).max(320).optional().describe('Only the user with this email (exact, ignoring case)'),
        ...pageQuery,
      }),
      response: { 200: page(User) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listWardenUsers(ctx.store, authOf(request).actor, filter, { limit, cursor })
    },
  })

  app.post('/api/v1/users', {
    config: { access: 'users:write' },
    schema: {
      tags: ['users'],
      summary: 'Create a Warden user with roles',
      description: 'With no roles the user can still request access and review what is assigned to them.',
      body: z.strictObject({
        email,
        display_name: displayName,
        password: newPassword.describe('The initial password; the user changes it with PUT /api/v1/me/password'),
        roles: z.array(RoleName).max(10).default([]),
      }),
      response: { 201: User },
    },
    handler: async (request, reply) => {
      const user = await createWardenUser(ctx.store, authOf(request).actor, request.body)
      return reply.code(201).send(user)
    },
  })

  app.get('/api/v1/users/:id', {
    config: { access: 'users:read' },
    schema: { tags: ['users'], summary: 'One Warden user', params: userId, response: { 200: User } },
    handler: async (request) => getWardenUser(ctx.store, authOf(request).actor, request.params.id),
  })

  app.patch('/api/v1/users/:id', {
    config: { access: 'users:write' },
    schema: {
      tags: ['users'],
      summary: "Change a user's email, name or roles, or disable or enable them",
      description:
        'Disabling signs the user out everywhere and stops their API tokens. The last enabled Super Administrator ' +
        'cannot be disabled or lose the role (409).',
      params: userId,
      body: z
        .strictObject({
          email: email.optional(),
          display_name: displayName.optional(),
          roles: z.array(RoleName).max(10).optional(),
          disabled: z.boolean().optional(),
        })
        .refine((b) => Object.keys(b).length > 0, 'name at least one of email, display_name, roles, disabled'),
      response: { 200: User },
    },
    handler: async (request) => updateWardenUser(ctx.store, authOf(request).actor, request.params.id, request.body),
  })
}
