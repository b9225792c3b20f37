import { createWriteStream, mkdirSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { z } from 'zod'
import { WardenError } from '../../errors/index.js'
import { getIntegrationSyncRun, getIntegrationView, ingestUpload, issueUploadToken, listIntegrationSyncRuns, requestSync, setSyncPaused } from '../../governance/index.js'
import type { SyncRun as SyncRunRow } from '../../store/index.js'
import { authOf, uploaderOf } from '../auth.js'
import { idParams, page, pageQuery, timestamp, wardenId } from '../schemas.js'
import type { RouteContext, ZodApp } from './context.js'
import { IntegrationSchema, described } from './integrations.js'


const Counts = z
  .object({ resources: z.record(z.string(), z.number()), entitlements: z.number(), grants: z.number() })
  .meta({ id: 'InventoryCounts', description: 'What a sync found' })

const LogLine = z.object({ at: timestamp, level: z.enum(['info', 'warn', 'error']), message: z.string() })

const runFields = {
  id: z.string(),
  integration_id: z.string(),
  triggered_by: z.enum(['schedule', 'manual', 'settings', 'upload']),
  mode: z.enum(['full', 'incremental', 'upload']),
  status: z.enum(['running', 'succeeded', 'failed']),
  started_at: timestamp,
  finished_at: timestamp.nullable(),
  counts: Counts.nullable(),
  grants_added: z.number(),
  grants_removed: z.number(),
  api_calls: z.number().describe('OneLogin API calls the sync made'),
  warnings: z.number(),
  error: z.string().nullable(),
}
export const SyncRunSummary = z.object(runFields).meta({ id: 'SyncRunSummary', description: 'One sync or upload of an integration' })
export const SyncRun = z.object({ ...runFields, log: z.array(LogLine) }).meta({ id: 'SyncRun', description: 'One sync or upload of an integration, with its log' })

const UploadResult = z
  .object({ run_id: z.string(), integration_id: z.string(), counts: Counts, grants_added: z.number(), grants_removed: z.number(), baseline: z.boolean() })
  .meta({ id: 'UploadResult' })

function summary(run: SyncRunRow): z.infer<typeof SyncRunSummary> {
  const { log: _log, job_id: _job, counts, ...rest } = run
  return { ...rest, counts: counts === null ? null : (JSON.parse(counts) as z.infer<typeof Counts>) }
}

function withLog(run: SyncRunRow): z.infer<typeof SyncRun> {
  return { ...summary(run), log: JSON.parse(run.log) as z.infer<typeof LogLine>[] }
}

const runParams = z.strictObject({ id: wardenId('int', 'integration', 'an'), runId: wardenId('syn', 'sync run') })

/** Sync now, pause and resume, the sync runs with their logs, and self-hosted uploads. */
export function registerSyncRoutes(app: ZodApp, ctx: RouteContext): void {
  app.post('/api/v1/integrations/:id/sync', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['integrations'],
      summary: 'Sync now',
      description: 'Queues a sync (incremental unless `full`). When one is already queued or running, nothing more is queued (`queued: false`).',
      params: idParams('int', 'integration', 'an'),
      body: z.strictObject({ full: z.boolean().optional() }).optional(),
      response: { 202: z.object({ job_id: z.string().nullable(), queued: z.boolean() }) },
    },
    handler: async (request, reply) => {
      const result = await requestSync(ctx.store, authOf(request).actor, request.params.id, { full: request.body?.full === true })
      return reply.code(202).send(result)
    },
  })

  for (const paused of [true, false]) {
    app.post(`/api/v1/integrations/:id/${paused ? 'pause' : 'resume'}`, {
      config: { access: 'integrations:write' },
      schema: {
        tags: ['integrations'],
        summary: paused ? 'Pause scheduled syncs' : 'Resume scheduled syncs (the next one is due at once)',
        params: idParams('int', 'integration', 'an'),
        response: { 200: IntegrationSchema },
      },
      handler: async (request) => {
        const { actor } = authOf(request)
        await setSyncPaused(ctx.store, actor, request.params.id, paused)
        return described(ctx.store, await getIntegrationView(ctx.store, actor, request.params.id))
      },
    })
  }

  app.get('/api/v1/integrations/:id/syncs', {
    config: { access: 'integrations:read' },
    schema: {
      tags: ['integrations'],
      summary: "An integration's sync runs, newest first",
      params: idParams('int', 'integration', 'an'),
      querystring: z.strictObject(pageQuery),
      response: { 200: page(SyncRunSummary) },
    },
    handler: async (request) => {
      const runs = await listIntegrationSyncRuns(ctx.store, authOf(request).actor, request.params.id, request.query)
      return { items: runs.items.map(summary), next_cursor: runs.next_cursor }
    },
  })

  app.get('/api/v1/integrations/:id/syncs/:runId', {
    config: { access: 'integrations:read' },
    schema: { tags: ['integrations'], summary: 'One sync run with its log', params: runParams, response: { 200: SyncRun } },
    handler: async (request) => withLog(await getIntegrationSyncRun(ctx.store, authOf(request).actor, request.params.id, request.params.runId)),
  })

  app.post('/api/v1/integrations/:id/upload-token', {
    config: { access: 'integrations:write' },
    schema: {
      tags: ['integrations'],
      summary: "Issue (or replace) a self-hosted integration's upload token",
      description: 'The token is shown once. It can only upload snapshots for this integration (`warden upload`); issuing a new one revokes the old.',
      params: idParams('int', 'integration', 'an'),
      response: { 201: z.object({ integration_id: z.string(), token: z.string() }) },
    },
    handler: async (request, reply) => reply.code(201).send(await issueUploadToken(ctx.store, authOf(request).actor, request.params.id)),
  })

  // The upload is a snapshot file, streamed to disk as it arrives (never held in memory).
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload))

  app.post('/api/v1/uploads', {
    config: { access: 'upload' },
    schema: {
      tags: ['integrations'],
      summary: 'Upload a self-hosted sync (a snapshot file from `warden sync`)',
      description:
        'Body: the snapshot file as `application/octet-stream`. It is checked (a finished Warden snapshot, of this integration\'s ' +
        'OneLogin tenant, newer than the last one, within the size limit) and ingested like a hosted sync. A refused file changes nothing.',
      response: { 200: UploadResult },
    },
    handler: async (request) => {
      const integration = uploaderOf(request)
      if (request.headers['content-type']?.split(';')[0]?.trim() !== 'application/octet-stream') {
        throw new WardenError('UNSUPPORTED_MEDIA_TYPE', 'send the snapshot file as application/octet-stream')
      }
      const limit = ctx.env.maxUploadBytes
      const declared = Number(request.headers['content-length'] ?? 0)
      if (declared > limit) throw new WardenError('PAYLOAD_TOO_LARGE', `the upload is ${declared} bytes; the limit is ${limit}`)
      const dir = join(ctx.env.dataDir, 'uploads')
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      const file = join(dir, `${integration.id}-${randomBytes(6).toString('hex')}.db`)
      let bytes = 0
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length
          if (bytes > limit) callback(new WardenError('PAYLOAD_TOO_LARGE', `the upload is larger than the limit of ${limit} bytes`))
          else callback(null, chunk)
        },
      })
      try {
        await pipeline(request.body as NodeJS.ReadableStream, counter, createWriteStream(file, { mode: 0o600 }))
      } catch (e) {
        rmSync(file, { force: true })
        throw e
      }
      if (bytes === 0) {
        rmSync(file, { force: true })
        throw new WardenError('BAD_INPUT', 'the upload is empty: send the snapshot file written by `warden sync`')
      }
      return ingestUpload(ctx.store, ctx.env, integration, file, bytes)
    },
  })
}
