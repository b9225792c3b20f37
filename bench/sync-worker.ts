/**
 * One `syncToSnapshot` in a process of its own, so that bench/sync.ts can read this process's
 * peak RSS without the bench's own memory in it.
 *
 *   WARDEN_SYNC_WORKER_INPUT='{"url":…,"clientId":…,"clientSecret":…,"file":…}' node --import tsx bench/sync-worker.ts
 *
 * Full or incremental is the sync's own choice: incremental when `file` holds a finished snapshot
 * of the same tenant. Prints one line of JSON (`WorkerResult`) on stdout and nothing else.
 *
 * To split write time from network time without touching src/, this script wraps a few
 * `SnapshotWriter` methods on the prototype (timing and counting only; behaviour is unchanged):
 * `transaction` (outermost calls: every database write of the sync commits in one),
 * `putGrants` (direct grants), `deriveGrants` (the derive phase's one INSERT … SELECT) and
 * `finish` (WAL fold, fsync and rename).
 */
import { statSync } from 'node:fs'
import { syncToSnapshot } from '../src/connector/index.js'
import type { SyncPhase, SyncSummary } from '../src/connector/index.js'
import { OneLoginClient } from '../src/onelogin/index.js'
import { SnapshotWriter } from '../src/snapshot/index.js'

export interface WorkerInput {
  url: string
  clientId: string
  clientSecret: string
  file: string
}

export interface WorkerResult {
  summary: SyncSummary
  /** syncToSnapshot() from call to return, as this process saw it. */
  wall_ms: number
  /** User + system CPU time of this process during the sync. */
  cpu_ms: number
  /** Time inside outermost SnapshotWriter.transaction() calls: every row write, derive included. */
  write_ms: number
  /** Time of deriveGrants() alone, and the rows it inserted or updated. */
  derive_ms: number
  derived_grants: number
  /** Rows passed to putGrants() (direct grants: role members and admins, group membership). */
  direct_grants_put: number
  /** SnapshotWriter.finish(): WAL fold into the file, fsync, rename. */
  finish_ms: number
  /** Wall time per phase: from the previous commit to this phase's last commit. */
  phase_ms: Partial<Record<SyncPhase | 'finish', number>>
  /** Time inside write transactions, per phase (a transaction counts in the phase whose commit follows it). */
  phase_write_ms: Partial<Record<SyncPhase | 'finish', number>>
  /** process.memoryUsage() at each phase's last commit, in bytes. */
  phase_memory: Partial<Record<SyncPhase | 'finish', { rss: number; heapTotal: number; heapUsed: number; external: number }>>
  /** How much each phase raised the process's peak RSS (high-water mark deltas). */
  phase_peak_rss_growth_bytes: Partial<Record<SyncPhase | 'startup' | 'finish', number>>
  peak_rss_bytes: number
  /** Peak RSS before the sync started: Node, the tsx loader and the imported modules. */
  startup_rss_bytes: number
  /** Largest V8 heapUsed seen at a commit (JS objects; the rest of RSS is native: SQLite, buffers, code). */
  max_heap_used_bytes: number
  file_bytes: number
}

// By environment rather than argv, so the (emulator's) secret is not on a command line.
const input = JSON.parse(process.env['WARDEN_SYNC_WORKER_INPUT'] ?? '') as WorkerInput

const hwm = (): number => process.resourceUsage().maxRSS * 1024
const startupRss = hwm()

let writeMs = 0
let txDepth = 0
let deriveMs = 0
let derivedGrants = 0
let deriveDone = false
let directGrants = 0
let finishMs = 0
let maxHeapUsed = 0

// Phase markers: each commit that reports progress closes an interval belonging to its phase.
const phaseMs: WorkerResult['phase_ms'] = {}
const phaseWriteMs: WorkerResult['phase_write_ms'] = {}
const phaseMemory: WorkerResult['phase_memory'] = {}
const phaseGrowth: WorkerResult['phase_peak_rss_growth_bytes'] = { startup: startupRss }
let lastMarkAt = 0
let lastWriteMs = 0
let lastHwm = startupRss
function mark(phase: SyncPhase | 'finish'): void {
  const now = performance.now()
  phaseMs[phase] = (phaseMs[phase] ?? 0) + (now - lastMarkAt)
  lastMarkAt = now
  phaseWriteMs[phase] = (phaseWriteMs[phase] ?? 0) + (writeMs - lastWriteMs)
  lastWriteMs = writeMs
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage()
  phaseMemory[phase] = { rss, heapTotal, heapUsed, external }
  const peak = hwm()
  phaseGrowth[phase] = (phaseGrowth[phase] ?? 0) + (peak - lastHwm)
  lastHwm = peak
  maxHeapUsed = Math.max(maxHeapUsed, heapUsed)
}

const proto = SnapshotWriter.prototype
const transaction = proto.transaction
proto.transaction = function <T>(this: SnapshotWriter, fn: () => T, checkpoint?: unknown): T {
  if (txDepth > 0) return transaction.call(this, fn, checkpoint) as T
  txDepth++
  const t = performance.now()
  try {
    return transaction.call(this, fn, checkpoint) as T
  } finally {
    txDepth--
    writeMs += performance.now() - t
    // The derive phase reports no progress: mark its end when its transaction has committed.
    if (deriveDone) {
      deriveDone = false
      mark('derive')
    }
  }
}
const putGrants = proto.putGrants
proto.putGrants = function (this: SnapshotWriter, rows) {
  directGrants += rows.length
  putGrants.call(this, rows)
}
const deriveGrants = proto.deriveGrants
proto.deriveGrants = function (this: SnapshotWriter) {
  const t = performance.now()
  const n = deriveGrants.call(this)
  deriveMs += performance.now() - t
  derivedGrants += n
  deriveDone = true
  return n
}
const finish = proto.finish
proto.finish = function (this: SnapshotWriter, result) {
  const t = performance.now()
  finish.call(this, result)
  finishMs += performance.now() - t
  mark('finish')
}

try {
  // The default rate budget: OneLogin's 5,000 calls per hour, as a real sync would run.
  const client = new OneLoginClient({ baseUrl: input.url, clientId: input.clientId, clientSecret: input.clientSecret })
  const cpu = process.cpuUsage()
  const started = performance.now()
  lastMarkAt = started
  const summary = await syncToSnapshot({
    client,
    file: input.file,
    privileges: false,
    onProgress: (p) => mark(p.phase),
  })
  const wallMs = performance.now() - started
  const cpuUsed = process.cpuUsage(cpu)
  const result: WorkerResult = {
    summary,
    wall_ms: wallMs,
    cpu_ms: (cpuUsed.user + cpuUsed.system) / 1000,
    write_ms: writeMs,
    derive_ms: deriveMs,
    derived_grants: derivedGrants,
    direct_grants_put: directGrants,
    finish_ms: finishMs,
    phase_ms: phaseMs,
    phase_write_ms: phaseWriteMs,
    phase_memory: phaseMemory,
    phase_peak_rss_growth_bytes: phaseGrowth,
    peak_rss_bytes: hwm(),
    startup_rss_bytes: startupRss,
    max_heap_used_bytes: maxHeapUsed,
    file_bytes: statSync(input.file).size,
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
} catch (e) {
  process.stderr.write(`sync worker failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  process.exitCode = 1
}
