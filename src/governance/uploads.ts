import { rmSync } from 'node:fs'
import { WardenError } from '../errors/index.js'
import { SnapshotReader } from '../snapshot/index.js'
import { createSyncRun, findIntegrationByUploadToken, newSecretToken, sha256Hex, updateIntegration } from '../store/index.js'
import type { Integration, Store, SyncRun } from '../store/index.js'
import { audited } from './audited.js'
import type { IngestResult } from './ingest.js'
import type { IntegrationEnv } from './integration-env.js'
import { oneLoginBaseUrl } from './integration-env.js'
import { RunLog, failRun, ingestRun } from './integration-sync.js'
import { manageableIntegration } from './integrations.js'
import type { Actor } from './policy.js'

/**
 * Self-hosted integrations: `warden sync` runs inside the customer's network, next to the OneLogin
 * credentials, and `warden upload` sends the snapshot here with an upload token. The token is
 * bound to one integration and can do nothing else, so the machine that holds it holds no admin
 * rights; it is shown once and stored as its sha256.
 */
const UPLOAD_TOKEN_PREFIX = 'wdu'

export interface IssuedUploadToken {
  integration_id: string
  /** Shown once; Warden keeps only its hash. */
  token: string
}

/** Issues (or replaces) a self-hosted integration's upload token. */
export async function issueUploadToken(store: Store, actor: Actor, id: string): Promise<IssuedUploadToken> {
  const integration = await manageableIntegration(store, actor, id, 'upload token')
  if (integration.mode !== 'self-hosted') throw new WardenError('CONFLICT', `integration ${id} is hosted: Warden syncs it itself, so it takes no uploads`)
  const token = newSecretToken(UPLOAD_TOKEN_PREFIX)
  return audited(store, actor, async (trx) => {
    await updateIntegration(trx, id, { upload_token_hash: sha256Hex(token) })
    return {
      result: { integration_id: id, token },
      audit: [{ action: 'integration.upload_token', target_type: 'integration', target_id: id, after: { replaced: integration.upload_token_hash !== null } }],
    }
  })
}

/** The integration an upload token belongs to, or undefined. */
export async function authenticateUploadToken(store: Store, token: string): Promise<Integration | undefined> {
  if (!token.startsWith(`${UPLOAD_TOKEN_PREFIX}_`)) return undefined
  const integration = await findIntegrationByUploadToken(store.db, sha256Hex(token))
  return integration?.mode === 'self-hosted' ? integration : undefined
}

export interface UploadResult {
  run_id: string
  integration_id: string
  counts: IngestResult['counts']
  grants_added: number
  grants_removed: number
  baseline: boolean
}

function hostOf(url: string): string {
  return new URL(url).host.toLowerCase()
}

/**
 * Checks that a snapshot file may become this integration's inventory: a finished Warden snapshot
 * (SnapshotReader.open checks the format), of this integration's OneLogin tenant (its domain, and
 * the account id once one is known), and newer than what was ingested last (an old file replayed
 * must not roll access back). Returns the open reader.
 */
export function openUpload(env: IntegrationEnv, integration: Integration, file: string): SnapshotReader {
  if (integration.onelogin_domain === null) {
    throw new WardenError('CONFLICT', `integration ${integration.id} has no OneLogin domain yet: set onelogin_domain in its settings so uploads can be checked against it`)
  }
  const reader = SnapshotReader.open(file)
  try {
    const latest = reader.latestSync()
    if (latest === undefined || latest.finished_at === null) throw new WardenError('BAD_INPUT', 'the upload is not a finished sync')
    const expected = hostOf(oneLoginBaseUrl(env, integration.onelogin_domain))
    let got: string
    try {
      got = hostOf(latest.base_url)
    } catch {
      throw new WardenError('BAD_INPUT', `the upload names no valid OneLogin tenant (base URL "${latest.base_url}")`)
    }
    if (got !== expected) {
      throw new WardenError('BAD_INPUT', `the upload is a sync of ${got}, but integration ${integration.id} is for ${expected}: refused`)
    }
    if (integration.onelogin_account_id !== null && latest.account_id !== null && latest.account_id !== integration.onelogin_account_id) {
      throw new WardenError('BAD_INPUT', `the upload is a sync of OneLogin account ${latest.account_id}, but integration ${integration.id} is account ${integration.onelogin_account_id}: refused`)
    }
    if (integration.last_sync_at !== null && latest.finished_at <= integration.last_sync_at) {
      throw new WardenError('CONFLICT', `the upload is a sync that finished at ${latest.finished_at}, not newer than the last one ingested (${integration.last_sync_at}): refused`)
    }
    return reader
  } catch (e) {
    reader.close()
    throw e
  }
}

/** Validates an uploaded snapshot file and ingests it like a hosted sync. The file is deleted afterwards. */
export async function ingestUpload(store: Store, env: IntegrationEnv, integration: Integration, file: string, bytes: number): Promise<UploadResult> {
  let run: SyncRun | undefined
  const log = new RunLog()
  try {
    const reader = openUpload(env, integration, file)
    try {
      run = await createSyncRun(store.db, { integration_id: integration.id, triggered_by: 'upload', mode: 'upload' })
      const latest = reader.latestSync()
      log.add('info', `upload of ${bytes} bytes: a ${latest?.mode ?? ''} sync of ${latest?.base_url ?? ''} that finished at ${latest?.finished_at ?? ''}`)
      const result = await ingestRun(store, integration, run, reader, log, { api_calls: latest?.api_calls ?? 0, full: latest?.mode === 'full' })
      return {
        run_id: run.id,
        integration_id: integration.id,
        counts: result.counts,
        grants_added: result.grants_added,
        grants_removed: result.grants_removed,
        baseline: result.baseline,
      }
    } finally {
      reader.close()
    }
  } catch (e) {
    // A refused file leaves no run behind (nothing was attempted); a failed ingest is recorded.
    if (run !== undefined) await failRun(store, integration.id, run, log, e)
    throw e
  } finally {
    rmSync(file, { force: true })
  }
}
