/**
 * One process of the ingest benchmark (bench/ingest.ts), started with an IPC channel
 * (child_process.fork) and its input in WARDEN_INGEST_WORKER_INPUT:
 *
 * - `{"role":"ingest","url":…,"integrationId":…,"file":…}`: opens the store, ingests one snapshot
 *   as a sync run of the integration, as the sync job does (`ingestRun`: the inventory, the run,
 *   the integration and the audit log in one transaction), sends an `IngestStep` and exits. The
 *   process does nothing else, so its peak RSS is the ingest's.
 * - `{"role":"serve","url":…,"integrationId":…}`: opens the store and starts the real REST server
 *   (`buildServer`) on a random loopback port, then sends `{port}`. On `{ingest: file}` it ingests
 *   in this same process, beside the server, as `warden serve` does with its in-process job
 *   worker (on SQLite through a connection of the worker's own, as serve opens one), and replies
 *   with an `IngestStep`; on `{stop: true}` it closes and exits.
 */
import type { Kysely } from 'kysely'
import type { IngestResult } from '../src/governance/ingest.js'
import { RunLog, ingestRun } from '../src/governance/integration-sync.js'
import { buildServer } from '../src/server/index.js'
import { SnapshotReader } from '../src/snapshot/index.js'
import { createSyncRun, getIntegration, openStore } from '../src/store/index.js'
import type { Database, Store } from '../src/store/index.js'

export type WorkerInput = { role: 'ingest'; url: string; integrationId: string; file: string } | { role: 'serve'; url: string; integrationId: string }

export interface IngestStep {
  /** ingestRun() from call to return: staging, apply, identities, apps, events, commit. */
  wall_ms: number
  /** User + system CPU time of this process during the ingest (the database server's is not in it). */
  cpu_ms: number
  /** This process's peak RSS when the ingest returned (for `serve`, the server's memory is in it). */
  peak_rss_bytes: number
  /** Peak RSS before the ingest: Node, the tsx loader, the modules and the open store. */
  startup_rss_bytes: number
  result: IngestResult
  /** Audit entries the ingest appended (grant events, app creations, the sync's own entry). */
  audit_entries: number
}

export type WorkerMessage = { kind: 'step'; step: IngestStep } | { kind: 'listening'; port: number } | { kind: 'error'; message: string }
export type ParentMessage = { ingest: string } | { stop: true }

const hwm = (): number => process.resourceUsage().maxRSS * 1024

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) {
      reject(new Error('bench/ingest-worker.ts must be started by bench/ingest.ts (with an IPC channel)'))
      return
    }
    process.send(message, undefined, {}, (e) => (e === null ? resolve() : reject(e)))
  })
}

async function auditSeq(db: Kysely<Database>): Promise<number> {
  const head = await db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirst()
  return Number(head?.seq ?? 0)
}

async function ingestOnce(store: Store, integrationId: string, file: string): Promise<IngestStep> {
  const integration = await getIntegration(store.db, integrationId)
  if (integration === undefined) throw new Error(`no integration ${integrationId}`)
  const run = await createSyncRun(store.db, { integration_id: integrationId, triggered_by: 'manual', mode: 'full' })
  const auditBefore = await auditSeq(store.db)
  const startupRss = hwm()
  const cpu = process.cpuUsage()
  const started = performance.now()
  const reader = SnapshotReader.open(file)
  let result: IngestResult
  try {
    result = await ingestRun(store, integration, run, reader, new RunLog(), { api_calls: 0, full: true })
  } finally {
    reader.close()
  }
  const wallMs = performance.now() - started
  const cpuUsed = process.cpuUsage(cpu)
  return {
    wall_ms: wallMs,
    cpu_ms: (cpuUsed.user + cpuUsed.system) / 1000,
    peak_rss_bytes: hwm(),
    startup_rss_bytes: startupRss,
    result,
    audit_entries: (await auditSeq(store.db)) - auditBefore,
  }
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env['WARDEN_INGEST_WORKER_INPUT'] ?? '') as WorkerInput
  const store = await openStore(input.url, { migrate: false })
  if (input.role === 'ingest') {
    try {
      await send({ kind: 'step', step: await ingestOnce(store, input.integrationId, input.file) })
    } finally {
      await store.close()
    }
    process.disconnect?.()
    return
  }

  const app = await buildServer({ store })
  // As `warden serve` runs its worker: on SQLite with a connection of its own.
  const workerStore = store.dialect === 'sqlite' ? await openStore(input.url, { migrate: false }) : store
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address')
  let busy: Promise<void> = Promise.resolve()
  process.on('message', (message: ParentMessage) => {
    busy = busy.then(async () => {
      if ('stop' in message) {
        await app.close()
        if (workerStore !== store) await workerStore.close()
        await store.close()
        process.disconnect?.()
        return
      }
      try {
        await send({ kind: 'step', step: await ingestOnce(workerStore, input.integrationId, message.ingest) })
      } catch (e) {
        await send({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) })
      }
    })
  })
  await send({ kind: 'listening', port: address.port })
}

main().catch(async (e: unknown) => {
  const message = e instanceof Error ? (e.stack ?? e.message) : String(e)
  process.stderr.write(`ingest worker failed: ${message}\n`)
  await send({ kind: 'error', message }).catch(() => undefined)
  process.exitCode = 1
  process.disconnect?.()
})
