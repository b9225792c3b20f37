/**
 * The emulator's control plane under `/__emulator/`, a prefix OneLogin does not use. No auth: it
 * is for tests and demos. None of these requests count in stats or against the rate limit.
 *
 * - `POST   /__emulator/faults`      one rule or an array → the active rules (`revoke_tokens` acts at once)
 * - `GET    /__emulator/faults`      the active rules
 * - `DELETE /__emulator/faults`      clears them → `[]`
 * - `GET    /__emulator/stats`       `{total, by_endpoint: {"GET /api/2/users": n, ...}}`
 * - `POST   /__emulator/stats/reset` zeroes the counters
 * - `GET|PUT /__emulator/rate-limit` `{limit_per_hour?, remaining?, window_seconds?}` → `{limit, remaining, reset}`
 * - `GET    /__emulator/info`        tenant summary
 * - `POST   /__emulator/mapping-members` `{role_id, user_ids}`: role membership as a user mapping
 *   would make it, which the role APIs then cannot remove (for testing that case)
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { EmulatorContext } from '../context.js'
import { faultRuleSchema } from '../faults.js'

const rateLimitSchema = z
  .object({
    limit_per_hour: z.number().int().nonnegative().optional(),
    remaining: z.number().int().nonnegative().optional(),
    window_seconds: z.number().positive().optional(),
  })
  .strict()

function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')
}

export function registerAdminRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/__emulator/faults', async (req, reply) => {
    const parsed = z.union([faultRuleSchema, z.array(faultRuleSchema)]).safeParse(req.body)
    if (!parsed.success) return reply.code(400).send({ error: zodMessage(parsed.error) })
    const rules = Array.isArray(parsed.data) ? parsed.data : [parsed.data]
    if (rules.some((r) => r.kind === 'revoke_tokens')) ctx.tokens.revokeAll()
    ctx.faults.add(rules)
    return ctx.faults.list()
  })

  app.get('/__emulator/faults', async () => ctx.faults.list())

  app.post('/__emulator/mapping-members', async (req, reply) => {
    const parsed = z.object({ role_id: z.number().int(), user_ids: z.array(z.number().int()).min(1) }).strict().safeParse(req.body)
    if (!parsed.success) return reply.code(400).send({ error: zodMessage(parsed.error) })
    const role = ctx.state.roles.get(parsed.data.role_id)
    if (role === undefined) return reply.code(404).send({ error: `no role ${parsed.data.role_id}` })
    const missing = parsed.data.user_ids.filter((id) => !ctx.state.users.has(id))
    if (missing.length > 0) return reply.code(404).send({ error: `no users ${missing.join(', ')}` })
    ctx.state.addMappingMembers(role, parsed.data.user_ids, new Date(ctx.now()).toISOString())
    return { role_id: role.id, users: role.users.sortedIds() }
  })

  app.delete('/__emulator/faults', async () => {
    ctx.faults.clear()
    return []
  })

  app.get('/__emulator/stats', async () => ctx.stats.snapshot())

  app.post('/__emulator/stats/reset', async () => {
    ctx.stats.reset()
    return ctx.stats.snapshot()
  })

  app.get('/__emulator/rate-limit', async () => ctx.limiter.status(ctx.now()))

  app.put('/__emulator/rate-limit', async (req, reply) => {
    const parsed = rateLimitSchema.safeParse(req.body ?? {})
    if (!parsed.success) return reply.code(400).send({ error: zodMessage(parsed.error) })
    const { limit_per_hour, remaining, window_seconds } = parsed.data
    return ctx.limiter.adjust(ctx.now(), { limit: limit_per_hour, remaining, windowSeconds: window_seconds })
  })

  app.get('/__emulator/info', async () => ({
    subdomain: ctx.state.subdomain,
    account_id: ctx.state.accountId,
    users: ctx.state.users.size,
    roles: ctx.state.roles.size,
    apps: ctx.state.apps.size,
    groups: ctx.state.groups.size,
    privileges: ctx.state.privileges.size,
  }))
}
