/**
 * The provider process's side of go-plugin: the environment checks, AutoMTLS, the gRPC server
 * on a Unix socket, and the handshake line Terraform reads from stdout.
 *
 * Terraform starts a fresh provider process for every phase of every command (3-5 per apply),
 * so start-up time is paid again and again: nothing here is loaded or computed that the
 * handshake does not need.
 */
import * as grpc from '@grpc/grpc-js'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WardenError } from '../../errors/index.js'
import { generateSelfSignedCert } from './cert.js'
import { log } from './log.js'
import { SERVICES, loadProtocol } from './protos.js'
import { providerService } from './provider-service.js'
import type { ProviderHandlers } from './types.js'

/** go-plugin's handshake config for Terraform providers (terraform internal/plugin/serve.go). */
export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE'
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2'

/** go-plugin's own words (server.go), so a user who runs the binary by hand sees what any provider says. */
export const NOT_A_PLUGIN_MESSAGE =
  'This binary is a plugin. These are not meant to be executed directly.\n' +
  'Please execute the program that consumes these plugins, which will\n' +
  'load any plugins automatically\n'

const PROTOCOL_VERSION = '6'
/** sockaddr_un.sun_path is 108 bytes on Linux, with a terminating NUL. */
const MAX_SOCKET_PATH = 107
/** Time for the Shutdown reply to leave before the process exits; Terraform waits up to 2 s for the exit. */
const SHUTDOWN_FLUSH_MS = 10

function fail(message: string): never {
  process.stderr.write(message)
  process.exit(1)
}

function bind(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => {
      if (error) reject(new WardenError('INTERNAL', `cannot listen on ${address}: ${error.message}`, { cause: error }))
      else resolve(port)
    })
  })
}

/** go-plugin's services: Shutdown ends the process; stdio and broker streams stay open and silent (logs go to stderr). */
function goPluginServices(server: grpc.Server, definitions: ReturnType<typeof loadProtocol>): void {
  server.addService(definitions[SERVICES.controller], {
    Shutdown: (_call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) => {
      callback(null, {})
      log('DEBUG', 'shutdown requested, exiting')
      setTimeout(() => {
        server.forceShutdown()
        process.exit(0)
      }, SHUTDOWN_FLUSH_MS)
    },
  })
  server.addService(definitions[SERVICES.stdio], {
    StreamStdio: () => {},
  })
  server.addService(definitions[SERVICES.broker], {
    StartStream: (call: grpc.ServerDuplexStream<object, object>) => {
      call.on('data', () => {})
      call.on('end', () => call.end())
    },
  })
  server.addService(definitions[SERVICES.health], {
    Check: (_call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) => callback(null, { status: 'SERVING' }),
    Watch: (call: grpc.ServerWritableStream<object, object>) => call.write({ status: 'SERVING' }),
  })
}

/**
 * Runs the current process as a Terraform provider: checks that Terraform started it (else
 * prints go-plugin's message and exits 1), serves the handlers over gRPC, and prints the
 * handshake line. Resolves once Terraform can connect; the process then lives until Terraform
 * calls Shutdown. Rejects (WardenError) only if the socket cannot be bound.
 */
export async function serveProvider(handlers: ProviderHandlers): Promise<void> {
  if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) fail(NOT_A_PLUGIN_MESSAGE)
  const offered = process.env.PLUGIN_PROTOCOL_VERSIONS ?? ''
  if (!offered.split(',').map((v) => v.trim()).includes(PROTOCOL_VERSION)) {
    fail(`This provider speaks Terraform plugin protocol ${PROTOCOL_VERSION} (Terraform 1.0 or newer); Terraform offered "${offered}".\n`)
  }
  // Ctrl-C in a terminal reaches the whole process group. Terraform answers it with StopProvider
  // and lets in-flight calls finish; dying here would lose a half-applied resource from state.
  process.on('SIGINT', () => {})
  // stdout carries the handshake line and nothing else: console output goes to the log instead.
  console.log = console.error
  console.info = console.error
  console.debug = console.error

  const definitions = loadProtocol()
  const server = new grpc.Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 })
  const provider = providerService(definitions[SERVICES.provider], handlers)
  server.addService(provider.definition, provider.implementation)
  goPluginServices(server, definitions)

  // AutoMTLS: Terraform sends its client cert and expects ours back in the handshake; without
  // PLUGIN_CLIENT_CERT (TF_DISABLE_PLUGIN_TLS) it expects plaintext.
  const clientCert = process.env.PLUGIN_CLIENT_CERT
  let credentials = grpc.ServerCredentials.createInsecure()
  let certField = ''
  if (clientCert) {
    const cert = generateSelfSignedCert()
    credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(clientCert),
      [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }],
      true,
    )
    // go-plugin decodes with base64.RawStdEncoding: padding makes it fail whenever the length is not a multiple of 3.
    certField = cert.certDer.toString('base64').replace(/=+$/, '')
  }

  const socketPath = join(tmpdir(), `plugin${randomBytes(6).toString('hex')}`)
  let network = 'unix'
  let address = socketPath
  if (Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH) {
    process.on('exit', () => rmSync(socketPath, { force: true }))
    process.on('SIGTERM', () => process.exit(143))
    await bind(server, `unix://${socketPath}`, credentials)
  } else {
    // A TMPDIR too long for a socket path: go-plugin accepts TCP on loopback just as well.
    network = 'tcp'
    address = `127.0.0.1:${await bind(server, '127.0.0.1:0', credentials)}`
  }

  process.stdout.write(`1|${PROTOCOL_VERSION}|${network}|${address}|grpc|${certField}\n`)
  log('DEBUG', `serving plugin protocol ${PROTOCOL_VERSION} on ${network} ${address} (${clientCert ? 'mTLS' : 'plaintext'}), ${performance.now().toFixed(0)} ms after start`)
}
