import { Readable } from 'node:stream'
import { z } from 'zod'
import {
  AUDIT_EXPORT_TYPES,
  exportAuditLog,
  getBackgroundJob,
  getPerson,
  listAuditLog,
  listBackgroundJobs,
  listPeople,
  retryBackgroundJob,
  verifyAuditLog,
} from '../../governance/index.js'
import { authOf } from '../auth.js'
import { AuditEntry, AuditVerification, Identity, JOB_STATUSES, Job, booleanQuery, idParams, page, pageQuery, timestamp } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'

const auditFilter = {
  actor: z.string().min(1).max(200).optional().describe('A user id, or "system"'),
  action: z.string().min(1).max(100).optional().describe('e.g. user.update'),
  target_type: z.string().min(1).max(100).optional(),
  target_id: z.string().min(1).max(500).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Entries at or after this time'),
  to: z.iso.datetime({ offset: true }).optional().describe('Entries before this time'),
}

const managerFields = {
  identity_id: z.string().nullable().describe("The manager's identity (null: none, or their account has no identity)"),
  display_name: z.string().nullable().describe("The manager's name in OneLogin (null: no manager, or not in the inventory)"),
}

export const OneLoginSummary = z
  .object({
    status: z.string().nullable().describe("The primary account's status by name (active, suspended, ...)"),
    last_login: timestamp.nullable().describe("The primary account's last sign-in; null for never"),
    manager: z.object(managerFields).describe("The primary account's manager (both null: no manager)"),
    accounts: z.number().int().describe('How many OneLogin users (in any integration) are linked to the person'),
  })
  .meta({
    id: 'OneLoginSummary',
    description: "A person's OneLogin accounts in short; the primary account is the one that signed in last (else the first by integration and id)",
  })

export const PersonSummary = Identity.extend({
  onelogin: OneLoginSummary.nullable().describe('null: no OneLogin user is linked to the person'),
}).meta({ id: 'PersonSummary', description: 'A person with their OneLogin status, manager and last sign-in' })

export const IdentityDetail = PersonSummary.extend({
  accounts: z
    .array(
      z.object({
        integration_id: z.string(),
        id: z.string().describe('The OneLogin user (user:<id>)'),
        display_name: z.string(),
        email: z.string().nullable(),
        status: z.string().nullable(),
        last_login: timestamp.nullable(),
        department: z.string().nullable(),
        title: z.string().nullable(),
        manager: z.object({ id: z.string().nullable().describe("The manager's OneLogin user (user:<id>)"), ...managerFields }),
      }),
    )
    .describe("The OneLogin users (in any integration) whose email is the identity's"),
}).meta({ id: 'IdentityDetail', description: 'A person as governance sees them, with their OneLogin accounts' })

/** Identities, the audit log and background jobs. */
export function registerGovernanceRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get('/api/v1/identities', {
    config: { access: 'identities:read' },
    schema: {
      tags: ['identities'],
      summary: 'List identities (people synced from OneLogin) by email, each with their OneLogin status, manager and last sign-in',
      querystring: z.strictObject({
        linked: booleanQuery.optional().describe('Only those linked (or not) to a Warden user'),
        q: z.string().min(1).max(200).optional().describe('Name or email contains (case-insensitive)'),
        ...pageQuery,
      }),
      response: { 200: page(PersonSummary) },
    },
    handler: async (request) => {
      const { limit, cursor, linked, q } = request.query
      return listPeople(ctx.store, authOf(request).actor, { ...(linked === undefined ? {} : { linked }), ...(q === undefined ? {} : { q }) }, { limit, cursor })
    },
  })

  app.get('/api/v1/identities/:id', {
    config: { access: 'identities:read' },
    schema: {
      tags: ['identities'],
      summary: 'One identity, with the OneLogin accounts linked to it by email (status, last sign-in, manager, department, title)',
      params: idParams('idn', 'identity', 'an'),
      response: { 200: IdentityDetail },
    },
    handler: async (request) => getPerson(ctx.store, authOf(request).actor, request.params.id),
  })

  app.get('/api/v1/audit', {
    config: { access: 'audit:read' },
    schema: {
      tags: ['audit'],
      summary: 'List audit entries, newest first (order=asc for oldest first)',
      querystring: z.strictObject({ ...auditFilter, order: z.enum(['asc', 'desc']).optional(), ...pageQuery }),
      response: { 200: page(AuditEntry) },
    },
    handler: async (request) => {
      const { limit, cursor, order, ...filter } = request.query
      return listAuditLog(ctx.store, authOf(request).actor, filter, { limit, cursor, order })
    },
  })

  app.get('/api/v1/audit/verify', {
    config: { access: 'audit:read' },
    schema: {
      tags: ['audit'],
      summary: 'Verify the audit hash chain',
      description:
        'Walks every entry and reports the first one that was edited, deleted, inserted or reordered (`ok: false`, ' +
        '`broken_seq`, `reason`). 200 either way: a broken chain is a finding, not a failed request.',
      response: { 200: AuditVerification },
    },
    handler: async (request) => verifyAuditLog(ctx.store, authOf(request).actor),
  })

  app.get('/api/v1/audit/export', {
    config: { access: 'audit:read' },
    schema: {
      tags: ['audit'],
      summary: 'Export audit entries, oldest first (streamed)',
      description:
        '`format=csv` (a header row, before/after as canonical JSON text), `json` (an array) or `jsonl` (one entry per ' +
        'line). Every entry carries prev_hash and hash, so an export can be re-verified on its own.',
      querystring: z.strictObject({ format: z.enum(['csv', 'json', 'jsonl']).default('json'), ...auditFilter }),
    },
    handler: async (request, reply) => {
      const { format, ...filter } = request.query
      const chunks = exportAuditLog(ctx.store, authOf(request).actor, format, filter)
      const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')
      return reply
        .type(AUDIT_EXPORT_TYPES[format])
        .header('content-disposition', `attachment; filename="warden-audit-${stamp}.${format}"`)
        .send(Readable.from(chunks))
    },
  })

  app.get('/api/v1/jobs', {
    config: { access: 'jobs:read' },
    schema: {
      tags: ['jobs'],
      summary: 'List background jobs, newest first (status=dead: the dead letters)',
      querystring: z.strictObject({ status: z.enum(JOB_STATUSES).optional(), kind: z.string().min(1).max(100).optional(), ...pageQuery }),
      response: { 200: page(Job) },
    },
    handler: async (request) => {
      const { limit, cursor, ...filter } = request.query
      return listBackgroundJobs(ctx.store, authOf(request).actor, filter, { limit, cursor })
    },
  })

  app.get('/api/v1/jobs/:id', {
    config: { access: 'jobs:read' },
    schema: { tags: ['jobs'], summary: 'One background job', params: idParams('job', 'job'), response: { 200: Job } },
    handler: async (request) => getBackgroundJob(ctx.store, authOf(request).actor, request.params.id),
  })

  app.post('/api/v1/jobs/:id/retry', {
    config: { access: 'jobs:retry' },
    schema: {
      tags: ['jobs'],
      summary: 'Retry a dead (or failed) job now, with a fresh set of attempts',
      params: idParams('job', 'job'),
      response: { 200: Job },
    },
    handler: async (request) => retryBackgroundJob(ctx.store, authOf(request).actor, request.params.id),
  })
}
