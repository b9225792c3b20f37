/**
 * The provider executable's entry point (bundled into provider.cjs by `warden terraform install`).
 * Terraform starts one process per phase; it must print the handshake and nothing else on stdout.
 */
import { serveProvider } from './plugin/index.js'
import { wardenProvider } from './provider/index.js'

void serveProvider(wardenProvider())
