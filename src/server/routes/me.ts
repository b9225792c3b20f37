import { z } from 'zod'
import { ROLE_LABELS, changeOwnPassword, createOwnApiToken, getSelf, isWardenRole, listOwnApiTokens, permissionsOf, revokeOwnApiToken } from '../../governance/index.js'
import { authOf, setSessionCookie } from '../auth.js'
import { enforce } from '../rate-limit.js'
import { ApiToken, User, idParams, newPassword, page, pageQuery, tokenDays } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

export const Me = z.object({
  user: User,
  roles: z.array(z.object({ id: z.string(), label: z.string() })),
  permissions: z.array(z.string()).describe('What the roles allow (see GET /api/v1/roles)'),
  via: z.enum(['session', 'token']).describe('How this request was signed in'),
})

/** The signed-in user's own account: profile, password, API tokens. Open to every signed-in user. */
export function registerMeRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/api/v1/me', {
    config: { access: 'authenticated' },
    schema: { tags: ['me'], summary: 'Who is signed in, with their roles and permissions', response: { 200: Me } },
    handler: async (request) => {
      const auth = authOf(request)
      const user = await getSelf(ctx.store, auth.actor)
      return {
        user,
        roles: user.roles.filter(isWardenRole).map((id) => ({ id, label: ROLE_LABELS[id] })),
        permissions: permissionsOf(user.roles),
        via: auth.via,
      }
    },
  })

  app.put('/api/v1/me/password', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['me'],
      summary: 'Change your password',
      description:
        'Checks the current password, then signs you out everywhere; a browser session gets a fresh session cookie. ' +
        'At most 10 attempts per 15 minutes.',
      body: z.strictObject({ current_password: z.string().min(1).max(1024), new_password: newPassword }),
      response: { 204: z.null().describe('Changed') },
    },
    handler: async (request, reply) => {
      const auth = authOf(request)
      enforce(ctx.passwordChanges, auth.actor.id, 'password change attempts')
      const session = await changeOwnPassword(ctx.store, auth.actor, request.body, { newSession: auth.via === 'session' })
      ctx.passwordChanges.reset(auth.actor.id)
      if (session !== undefined) setSessionCookie(request, reply, session.token)
      return reply.code(204).send(null)
    },
  })

  app.get('/api/v1/me/tokens', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['me'],
      summary: 'Your API tokens (revoked and expired ones included), newest first',
      querystring: z.strictObject({ ...pageQuery }),
      response: { 200: page(ApiToken) },
    },
    handler: async (request) => listOwnApiTokens(ctx.store, authOf(request).actor, request.query),
  })

  app.post('/api/v1/me/tokens', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['me'],
      summary: 'Create a personal API token',
      description:
        'The response holds the token itself: this is the only time it is shown (Warden stores its hash). Use it as ' +
        '`Authorization: Bearer <token>`. It acts with your roles until it expires or you revoke it.',
      body: z.strictObject({
        name: z.string().trim().min(1).max(100).describe('What the token is for'),
        expires_in_days: tokenDays.nullable().optional().describe('Default: never expires'),
      }),
      response: { 201: z.object({ token: z.string().describe('Shown once'), api_token: ApiToken }) },
    },
    handler: async (request, reply) => {
      const { token, apiToken } = await createOwnApiToken(ctx.store, authOf(request).actor, request.body)
      return reply.code(201).send({ token, api_token: apiToken })
    },
  })

  app.delete('/api/v1/me/tokens/:id', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['me'],
      summary: 'Revoke one of your API tokens',
      params: idParams('tok', 'API token', 'an'),
      response: { 204: z.null().describe('Revoked (or already revoked)') },
    },
    handler: async (request, reply) => {
      await revokeOwnApiToken(ctx.store, authOf(request).actor, request.params.id)
      return reply.code(204).send(null)
    },
  })
}
