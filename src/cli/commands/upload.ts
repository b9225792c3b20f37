import { createReadStream, statSync } from 'node:fs'
import { Readable, Transform } from 'node:stream'
import type { Command } from 'commander'
import { WardenError, isErrorCode } from '../../errors/index.js'
import { Progress } from '../progress.js'

interface UploadFlags {
  server: string
  token?: string
  file: string
  json?: boolean
}

function serverUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new WardenError('BAD_INPUT', `--server must be the Warden server's http(s) URL, not "${value}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WardenError('BAD_INPUT', `--server must be an http(s) URL, not "${value}"`)
  if (url.username !== '' || url.password !== '') throw new WardenError('BAD_INPUT', '--server must not carry credentials: pass the upload token with --token or WARDEN_UPLOAD_TOKEN')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

interface UploadResponse {
  run_id: string
  integration_id: string
  counts: { resources: Record<string, number>; entitlements: number; grants: number }
  grants_added: number
  grants_removed: number
  baseline: boolean
}

export function registerUpload(program: Command): void {
  program
    .command('upload')
    .description("send a snapshot from `warden sync` to a Warden server (a self-hosted integration's upload)")
    .requiredOption('--server <url>', 'the Warden server, e.g. https://warden.example.com', serverUrl)
    .option('--token <token>', "the integration's upload token (default: $WARDEN_UPLOAD_TOKEN)")
    .requiredOption('--file <path>', 'the snapshot file `warden sync` wrote')
    .option('--json', 'print the result as one JSON object on stdout')
    .action(async (flags: UploadFlags) => {
      const token = flags.token ?? process.env['WARDEN_UPLOAD_TOKEN']
      if (token === undefined || token === '') throw new WardenError('BAD_INPUT', 'no upload token: pass --token or set WARDEN_UPLOAD_TOKEN')
      // Refuse a file that is not a finished snapshot here, before sending a byte.
      const { SnapshotReader } = await import('../../snapshot/index.js')
      SnapshotReader.open(flags.file).close()
      const size = statSync(flags.file).size
      const result = await upload(flags.server, token, flags.file, size)
      process.stdout.write(flags.json === true ? `${JSON.stringify(result)}\n` : human(result, flags.server))
    })
}

async function upload(server: string, token: string, file: string, size: number): Promise<UploadResponse> {
  const progress = new Progress()
  let sent = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length
      progress.update('upload', sent, size)
      callback(null, chunk)
    },
  })
  const body = Readable.toWeb(createReadStream(file).pipe(counter)) as ReadableStream<Uint8Array>
  const endpoint = `${server}/api/v1/uploads`
  let res: Response
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body,
      // Node's fetch streams a request body only in half-duplex mode.
      duplex: 'half',
    } as RequestInit & { duplex: 'half' })
  } catch (e) {
    throw new WardenError('SERVER_UNREACHABLE', `cannot reach the Warden server at ${server}: ${e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)}`, { cause: e })
  } finally {
    progress.stop()
  }
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new WardenError('SERVER_UNREACHABLE', `${endpoint} answered HTTP ${res.status} with something that is not Warden's JSON; is --server the Warden server?`)
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown } }).error
    const code = typeof error?.code === 'string' && isErrorCode(error.code) ? error.code : 'INTERNAL'
    const message = typeof error?.message === 'string' ? error.message : `HTTP ${res.status}`
    throw new WardenError(code, `the server refused the upload: ${message}`)
  }
  return parsed as UploadResponse
}

function human(r: UploadResponse, server: string): string {
  const c = r.counts
  return [
    `Uploaded to ${server}: integration ${r.integration_id}, sync run ${r.run_id}`,
    `  ${c.resources['user'] ?? 0} users, ${c.resources['role'] ?? 0} roles, ${c.resources['app'] ?? 0} apps, ${c.resources['group'] ?? 0} groups; ${c.entitlements} entitlements, ${c.grants} grants`,
    r.baseline ? '  first upload: this is the baseline' : `  ${r.grants_added} grants added, ${r.grants_removed} removed since the last sync`,
    '',
  ].join('\n')
}
