/**
 * The REST server of the campaigns benchmark (bench/campaigns.ts), in a process of its own so the
 * load generator does not share its event loop. Started with an IPC channel (child_process.fork)
 * and the store's URL in WARDEN_CAMPAIGNS_SERVER_URL: opens the store (no migrations), starts the
 * real server (`buildServer`, API only) on a random loopback port and sends `{kind:'listening'}`;
 * on `{stop:true}` closes and answers with its peak RSS and CPU time.
 */
import { buildServer } from '../src/server/index.js'
import { openStore } from '../src/store/index.js'

export type CampaignsServerMessage =
  | { kind: 'listening'; port: number }
  | { kind: 'stopped'; peak_rss_bytes: number; cpu_ms: number }
  | { kind: 'error'; message: string }

function send(message: CampaignsServerMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) {
      reject(new Error('bench/campaigns-server.ts must be started by bench/campaigns.ts (with an IPC channel)'))
      return
    }
    process.send(message, undefined, {}, (e) => (e === null ? resolve() : reject(e)))
  })
}

async function main(): Promise<void> {
  const url = process.env['WARDEN_CAMPAIGNS_SERVER_URL']
  if (url === undefined || url === '') throw new Error('WARDEN_CAMPAIGNS_SERVER_URL is not set')
  const store = await openStore(url, { migrate: false })
  // Errors (a 500's cause) go to stderr; requests are not logged.
  const app = await buildServer({ store, webRoot: false, logger: { level: 'error', stream: process.stderr } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address')
  process.once('message', () => {
    void (async () => {
      await app.close()
      await store.close()
      const cpu = process.cpuUsage()
      await send({ kind: 'stopped', peak_rss_bytes: process.resourceUsage().maxRSS * 1024, cpu_ms: (cpu.user + cpu.system) / 1000 })
      process.disconnect?.()
    })()
  })
  await send({ kind: 'listening', port: address.port })
}

main().catch(async (e: unknown) => {
  const message = e instanceof Error ? (e.stack ?? e.message) : String(e)
  process.stderr.write(`campaigns server failed: ${message}\n`)
  await send({ kind: 'error', message }).catch(() => undefined)
  process.exitCode = 1
  process.disconnect?.()
})
