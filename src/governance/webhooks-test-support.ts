import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Helpers for webhook tests: a real HTTP receiver, and the signature check a receiver makes. */

/** What the receiver saw of one POST. */
export interface Received {
  headers: IncomingHttpHeaders
  body: string
  at: number
}

export interface Reply {
  status: number
  headers?: Record<string, string>
  body?: string
}

/** A real HTTP receiver on 127.0.0.1: records each request and answers from a script (then 200). */
export class Receiver {
  readonly received: Received[] = []
  readonly script: Reply[] = []
  #server: Server | undefined
  url = ''

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
        const reply = this.script.shift() ?? { status: 200, body: 'ok' }
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers })
        res.end(reply.body ?? '')
      })
    })
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks/warden`
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections()
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()))
  }
}

/** What a receiver does with nothing but node:crypto: recompute the HMAC over "<timestamp>.<body>". */
export function signatureValid(secret: string, r: Received): boolean {
  const timestamp = String(r.headers['webhook-timestamp'])
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`)
  const given = Buffer.from(String(r.headers['webhook-signature']))
  return given.length === expected.length && timingSafeEqual(given, expected)
}
