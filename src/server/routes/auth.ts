import { z } from 'zod'
import { completeSetup, isSetUp, signIn, signOut } from '../../governance/index.js'
import { authOf, clearSessionCookie, setSessionCookie } from '../auth.js'
import { ErrorBody } from '../errors.js'
import { User, displayName, email, newPassword } from '../schemas.js'
import { enforce } from '../rate-limit.js'
import type { RouteContext, ZodApp } from './context.js'

export const SignedIn = z.object({ user: User, expires_at: z.string().describe('When the session ends if unused') })

/** First-admin setup, sign-in and sign-out. */
export function registerAuthRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/api/v1/setup', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Whether Warden still needs its first Super Administrator',
      description: 'The sign-in page uses this to point a newcomer at the setup link Warden printed on its first start.',
      response: { 200: z.object({ needed: z.boolean() }) },
    },
    handler: async () => ({ needed: !(await isSetUp(ctx.store.db)) }),
  })

  app.post('/api/v1/setup', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Create the first Super Administrator with the one-time setup link',
      description:
        'The token is the `token` in the setup link Warden prints on its first start. It works once, and expires; ' +
        'the new Super Administrator is signed in (session cookie).',
      body: z.strictObject({ token: z.string().min(1).max(200), email, display_name: displayName, password: newPassword }),
      response: { 201: SignedIn },
    },
    handler: async (request, reply) => {
      const { user, session } = await completeSetup(ctx.store, request.body)
      setSessionCookie(request, reply, session.token)
      return reply.code(201).send({ user, expires_at: session.expires_at })
    },
  })

  app.post('/api/v1/auth/login', {
    config: { access: 'public' },
    schema: {
      tags: ['auth'],
      summary: 'Sign in with email and password',
      description:
        'Sets the `warden_session` cookie (HttpOnly, SameSite=Lax, Secure over https). A wrong email or password gets the ' +
        'same 401. At most 10 attempts per 15 minutes per client and email (then 429 with Retry-After).',
      body: z.strictObject({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) }),
      response: { 200: SignedIn, 429: ErrorBody },
    },
    handler: async (request, reply) => {
      const perEmail = `${request.ip}|${request.body.email.trim().toLowerCase()}`
      enforce(ctx.loginPerIp, request.ip, 'sign-in attempts from this address')
      enforce(ctx.loginPerEmail, perEmail, 'sign-in attempts for this email')
      const { user, session } = await signIn(ctx.store, request.body)
      ctx.loginPerEmail.reset(perEmail)
      setSessionCookie(request, reply, session.token)
      return { user, expires_at: session.expires_at }
    },
  })

  app.post('/api/v1/auth/logout', {
    config: { access: 'authenticated' },
    schema: {
      tags: ['auth'],
      summary: 'Sign out (ends the session of the cookie)',
      description: 'With an API token there is no session: nothing changes (revoke the token to end it).',
      response: { 204: z.null().describe('Signed out') },
    },
    handler: async (request, reply) => {
      const auth = authOf(request)
      if (auth.sessionToken !== undefined) await signOut(ctx.store, auth.actor, auth.sessionToken)
      clearSessionCookie(request, reply)
      return reply.code(204).send(null)
    },
  })
}
