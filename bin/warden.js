#!/usr/bin/env node
// The `warden` binary. Warden runs from its TypeScript sources through tsx's loader,
// so `npm install && npm start` needs no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv)
