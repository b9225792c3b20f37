import { createHash } from 'node:crypto'
import { z } from 'zod'
import { WardenError } from '../../errors/index.js'
import { ROLE_DESCRIPTIONS, ROLE_LABELS, WARDEN_ROLES, databaseReachable, permissionsOf } from '../../governance/index.js'
import { RoleInfo, page } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

/** Health, the role catalogue, the OpenAPI document, and the setup page the setup link opens. */
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

  app.get('/', {
    config: { access: 'public' },
    schema: { hide: true },
    handler: async (_request, reply) => reply.redirect('/docs'),
  })

  app.get('/setup', {
    config: { access: 'public' },
    schema: { hide: true },
    handler: async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', SETUP_PAGE_CSP)
        .header('cache-control', 'no-store')
        .send(SETUP_PAGE),
  })
}

/*
 * The page the one-time setup link opens: /setup#token=... (the token is in the fragment, so it
 * never reaches a server log or a Referer header). It posts to /api/v1/setup and, once the first
 * Super Administrator exists, sends them to the API docs. No external assets.
 */
const SETUP_SCRIPT = `
const form = document.getElementById('f');
const out = document.getElementById('out');
const token = new URLSearchParams(location.hash.slice(1)).get('token');
if (!token) { out.textContent = 'This page needs the setup link Warden printed on its first start.'; form.hidden = true; }
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  out.textContent = 'Creating...';
  const res = await fetch('/api/v1/setup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, email: data.get('email'), display_name: data.get('display_name'), password: data.get('password') }),
  });
  if (res.ok) { history.replaceState(null, '', '/setup'); out.textContent = 'Done: you are signed in as a Super Administrator.'; form.hidden = true; location.assign('/docs'); return; }
  const body = await res.json().catch(() => null);
  out.textContent = body && body.error ? body.error.message : 'Setup failed (' + res.status + ')';
});
`

const SETUP_PAGE_CSP = [
  "default-src 'none'",
  `script-src 'sha256-${createHash('sha256').update(SETUP_SCRIPT).digest('base64')}'`,
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

const SETUP_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Set up Warden</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem}#out{margin-top:1rem}</style>
</head><body>
<h1>Set up Warden</h1>
<p>Create the first Super Administrator. This link works once.</p>
<form id="f">
<label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="username">
<label for="display_name">Name</label><input id="display_name" name="display_name" required autocomplete="name">
<label for="password">Password (at least 12 characters)</label><input id="password" name="password" type="password" minlength="12" required autocomplete="new-password">
<button type="submit">Create</button>
</form>
<p id="out" role="status"></p>
<script>${SETUP_SCRIPT}</script>
</body></html>
`
