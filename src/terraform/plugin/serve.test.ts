/**
 * The transport end to end: the demo provider runs as its own process with the environment
 * Terraform gives it, and a gRPC client speaks to it the way go-plugin does (the handshake
 * line, mTLS with ServerName localhost, msgpack DynamicValues, Shutdown).
 */
import * as grpc from '@grpc/grpc-js'
import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { generateSelfSignedCert } from './cert.js'
import type { SelfSignedCert } from './cert.js'
import { loadProtocol } from './protos.js'
import { Unknown } from './types.js'
import type { Value } from './types.js'
import { decodeValue, encodeValue } from './values.js'

const FIXTURE = join(import.meta.dirname, 'test-fixtures', 'demo-provider.ts')
const COOKIE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2'

type Child = ChildProcessByStdio<null, Readable, Readable>

interface Started {
  child: Child
  handshake: string[]
  stderr: () => string
  exited: Promise<number | null>
}

const children: Child[] = []
// SIGTERM, not SIGKILL: the provider then still removes its socket.
afterEach(async () => {
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }),
  )
})

function run(env: Record<string, string>): { child: Child; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TF_PLUGIN_MAGIC_COOKIE|PLUGIN_)/.test(k)))
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, stdout: () => out, stderr: () => err, exited }
}

async function start(env: Record<string, string>): Promise<Started> {
  const r = run(env)
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no handshake; stderr: ${r.stderr()}`)), 30_000)
    const check = (): void => {
      const end = r.stdout().indexOf('\n')
      if (end >= 0) {
        clearTimeout(timer)
        resolve(r.stdout().slice(0, end))
      }
    }
    r.child.stdout.on('data', check)
    r.child.on('exit', () => reject(new Error(`exited before the handshake; stderr: ${r.stderr()}`)))
  })
  return { child: r.child, handshake: line.split('|'), stderr: r.stderr, exited: r.exited }
}

/** A promise-returning view of one unary method of a grpc-js client. */
type Call = (request: object) => Promise<Record<string, unknown>>

function clients(address: string, credentials: grpc.ChannelCredentials): { provider: (method: string) => Call; shutdown: Call; close: () => void } {
  const definitions = loadProtocol()
  const Provider = grpc.makeClientConstructor(definitions['tfplugin6.Provider'], 'Provider')
  const Controller = grpc.makeClientConstructor(definitions['plugin.GRPCController'], 'GRPCController')
  const options = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' }
  const provider = new Provider(`unix://${address}`, credentials, options)
  const controller = new Controller(`unix://${address}`, credentials, options)
  const call =
    (client: grpc.Client, method: string): Call =>
    (request) =>
      new Promise((resolve, reject) => {
        const fn = (client as unknown as Record<string, (r: object, o: object, cb: (e: Error | null, v: Record<string, unknown>) => void) => void>)[method]!
        fn.call(client, request, { deadline: Date.now() + 20_000 }, (e, v) => (e ? reject(e) : resolve(v)))
      })
  return {
    provider: (method) => call(provider, method),
    shutdown: call(controller, 'Shutdown'),
    close: () => {
      provider.close()
      controller.close()
    },
  }
}

function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`
}

function tls(serverCertField: string, client: SelfSignedCert): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(pem(Buffer.from(serverCertField, 'base64'))), Buffer.from(client.keyPem), Buffer.from(client.certPem))
}

const dv = (value: Value): { msgpack: Uint8Array } => ({ msgpack: encodeValue(value) })
const state = (field: unknown): Value => decodeValue((field as { msgpack: Buffer }).msgpack)
const blank = { id: null, name: 'a', secret: null, tags: ['x', 'y'], size: 9007199254740993n, rule: [{ kind: 'k' }] }

describe('serveProvider (a real provider process)', () => {
  it('speaks mTLS over a Unix socket: schema, validate, plan, apply, read, import, upgrade, errors, stop, shutdown', async () => {
    const clientCert = generateSelfSignedCert()
    const p = await start({ TF_PLUGIN_MAGIC_COOKIE: COOKIE, PLUGIN_PROTOCOL_VERSIONS: '5,6', PLUGIN_CLIENT_CERT: clientCert.certPem })
    const [core, version, network, address, protocol, cert] = p.handshake
    expect([core, version, network, protocol]).toEqual(['1', '6', 'unix', 'grpc'])
    expect(address).toMatch(/plugin[0-9a-f]{12}$/)
    expect(existsSync(address!)).toBe(true)
    expect(cert).toMatch(/^[A-Za-z0-9+/]{500,}$/) // DER, base64 without padding
    const c = clients(address!, tls(cert!, clientCert))

    const schema = await c.provider('GetProviderSchema')({})
    expect(schema.server_capabilities).toEqual({ plan_destroy: true, get_provider_schema_optional: false, move_resource_state: false })
    const thing = (schema.resource_schemas as Record<string, { version: number; block: { attributes: Array<{ name: string; type: Buffer }>; block_types: unknown[] } }>).demo_thing!
    expect(thing.version).toBe(1)
    expect(thing.block.attributes.map((a) => `${a.name}:${a.type.toString()}`)).toEqual(['id:"string"', 'name:"string"', 'secret:"string"', 'tags:["set","string"]', 'size:"number"'])
    expect(thing.block.block_types).toMatchObject([{ type_name: 'rule', nesting: 'LIST', max_items: 3, block: { attributes: [{ name: 'kind', required: true }] } }])
    expect(Object.keys(schema.data_source_schemas as object)).toEqual(['demo_info'])
    expect(await c.provider('GetProviderSchema')({})).toEqual(schema)

    const invalid = await c.provider('ValidateResourceConfig')({ type_name: 'demo_thing', config: dv({ ...blank, name: '' }) })
    expect(invalid.diagnostics).toMatchObject([{ severity: 'ERROR', summary: 'name must not be empty', attribute: { steps: [{ attribute_name: 'name' }] } }])

    // Create: prior is the whole-null c0; the computed id becomes unknown (d4 00 00).
    const plan = await c.provider('PlanResourceChange')({ type_name: 'demo_thing', prior_state: { msgpack: Buffer.from([0xc0]) }, proposed_new_state: dv(blank), config: dv(blank) })
    expect(Buffer.from((plan.planned_state as { msgpack: Buffer }).msgpack).toString('hex')).toContain('a26964d40000') // "id": unknown
    expect(state(plan.planned_state)).toEqual({ ...blank, id: new Unknown() })
    expect(plan.diagnostics).toMatchObject([{ severity: 'WARNING', summary: 'demo warning', attribute: { steps: [{ attribute_name: 'rule' }, { element_key_int: 0 }, { attribute_name: 'kind' }] } }])

    const applied = await c.provider('ApplyResourceChange')({ type_name: 'demo_thing', prior_state: dv(null), planned_state: plan.planned_state, config: dv(blank) })
    expect(applied.diagnostics).toEqual([])
    const created = state(applied.new_state) as Record<string, Value>
    expect(created).toEqual({ ...blank, id: 'thing-1' })

    const read = await c.provider('ReadResource')({ type_name: 'demo_thing', current_state: applied.new_state, private: Buffer.from('p1') })
    expect(state(read.new_state)).toEqual(created)
    expect((read.private as Buffer).toString()).toBe('p1') // kept when the handler returns none

    const imported = await c.provider('ImportResourceState')({ type_name: 'demo_thing', id: 'thing-1' })
    expect((imported.imported_resources as Array<{ type_name: string; state: unknown }>).map((i) => [i.type_name, state(i.state)])).toEqual([
      ['demo_thing', { id: 'thing-1', name: null, secret: null, tags: null, size: null, rule: null }],
    ])

    // Stored state arrives as JSON; the answer is msgpack, numbers exact.
    const upgraded = await c.provider('UpgradeResourceState')({ type_name: 'demo_thing', version: 1, raw_state: { json: Buffer.from('{"id":"thing-1","size":9007199254740993,"tags":["x"]}') } })
    expect(state(upgraded.upgraded_state)).toEqual({ id: 'thing-1', size: 9007199254740993n, tags: ['x'] })

    // A handler that throws: one error diagnostic with its message; apply keeps the prior state.
    const boom = await c.provider('PlanResourceChange')({ type_name: 'demo_thing', prior_state: applied.new_state, proposed_new_state: dv({ ...created, name: 'boom' }), config: dv(blank) })
    expect(boom.diagnostics).toEqual([{ severity: 'ERROR', summary: 'boom requested', detail: '', attribute: null }])
    const boomApply = await c.provider('ApplyResourceChange')({ type_name: 'demo_thing', prior_state: applied.new_state, planned_state: dv({ ...created, name: 'boom' }), config: dv(blank) })
    expect(boomApply.diagnostics).toMatchObject([{ severity: 'ERROR', summary: 'boom requested' }])
    expect(state(boomApply.new_state)).toEqual(created)

    // Destroy: planned null, applied null, then the object is gone (ReadResource answers c0).
    const destroyPlan = await c.provider('PlanResourceChange')({ type_name: 'demo_thing', prior_state: applied.new_state, proposed_new_state: dv(null), config: dv(null) })
    expect(Buffer.from((destroyPlan.planned_state as { msgpack: Buffer }).msgpack).toString('hex')).toBe('c0')
    const destroyed = await c.provider('ApplyResourceChange')({ type_name: 'demo_thing', prior_state: applied.new_state, planned_state: destroyPlan.planned_state, config: dv(null) })
    expect(Buffer.from((destroyed.new_state as { msgpack: Buffer }).msgpack).toString('hex')).toBe('c0')
    const gone = await c.provider('ReadResource')({ type_name: 'demo_thing', current_state: applied.new_state })
    expect(Buffer.from((gone.new_state as { msgpack: Buffer }).msgpack).toString('hex')).toBe('c0')

    const data = await c.provider('ReadDataSource')({ type_name: 'demo_info', config: dv({ value: null }) })
    expect(state(data.state)).toEqual({ value: 'demo' })

    expect(await c.provider('StopProvider')({})).toEqual({ Error: '' })

    await c.shutdown({})
    c.close()
    expect(await p.exited).toBe(0)
    expect(existsSync(address!)).toBe(false)
    // Logs carry RPC names and type names, never values.
    expect(p.stderr()).toContain('[TRACE] warden: PlanResourceChange demo_thing')
    expect(p.stderr()).toContain('[INFO] warden: stop requested')
    expect(p.stderr()).not.toContain('thing-1')
  })

  it('refuses a client that does not present the cert Terraform announced', async () => {
    const announced = generateSelfSignedCert()
    const p = await start({ TF_PLUGIN_MAGIC_COOKIE: COOKIE, PLUGIN_PROTOCOL_VERSIONS: '6', PLUGIN_CLIENT_CERT: announced.certPem })
    const c = clients(p.handshake[3]!, tls(p.handshake[5]!, generateSelfSignedCert()))
    await expect(c.provider('GetProviderSchema')({})).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE })
    c.close()
    // Killed with SIGTERM, it still removes its socket.
    const exited = new Promise((resolve) => p.child.once('exit', (code) => resolve(code)))
    p.child.kill('SIGTERM')
    expect(await exited).toBe(143)
    expect(existsSync(p.handshake[3]!)).toBe(false)
  })

  it('serves plaintext with an empty cert field when Terraform sends no client cert (TF_DISABLE_PLUGIN_TLS)', async () => {
    const p = await start({ TF_PLUGIN_MAGIC_COOKIE: COOKIE, PLUGIN_PROTOCOL_VERSIONS: '6,5' })
    expect(p.handshake).toHaveLength(6)
    expect(p.handshake[5]).toBe('')
    const c = clients(p.handshake[3]!, grpc.credentials.createInsecure())
    const schema = await c.provider('GetProviderSchema')({})
    expect(Object.keys(schema.resource_schemas as object)).toEqual(['demo_thing'])
    await c.shutdown({})
    c.close()
    expect(await p.exited).toBe(0)
  })

  it('exits 1 with go-plugin\'s message, printing nothing on stdout, when the magic cookie is wrong or missing', async () => {
    const envs: Array<Record<string, string>> = [{ TF_PLUGIN_MAGIC_COOKIE: 'nope', PLUGIN_PROTOCOL_VERSIONS: '6' }, { PLUGIN_PROTOCOL_VERSIONS: '6' }]
    for (const env of envs) {
      const r = run(env)
      expect(await r.exited).toBe(1)
      expect(r.stdout()).toBe('')
      expect(r.stderr()).toBe(
        'This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically\n',
      )
    }
  })

  it('exits 1 when Terraform does not offer protocol 6', async () => {
    const r = run({ TF_PLUGIN_MAGIC_COOKIE: COOKIE, PLUGIN_PROTOCOL_VERSIONS: '4,5' })
    expect(await r.exited).toBe(1)
    expect(r.stdout()).toBe('')
    expect(r.stderr()).toContain('protocol 6')
  })
})
