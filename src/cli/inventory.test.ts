import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PRIVILEGE, newerSnapshot, olderSnapshot, tempDir, writeSnapshotFixture } from '../snapshot/test-fixture.js'
import type { FixtureSnapshot } from '../snapshot/test-fixture.js'
import { JsonArrayWriter, Output, TextTableWriter, cell, outputFormat, writeAll } from './format.js'
import { runWarden } from './test-support.js'
import type { WardenRun } from './test-support.js'

// Each test spawns the real binary; the spawning describes run their tests concurrently.

function run(args: string[], closeAfterFirstChunk = false): Promise<WardenRun> {
  return runWarden(args, { closeStdoutAfterFirstChunk: closeAfterFirstChunk })
}

let tmp: ReturnType<typeof tempDir>
let older: string
let newer: string
let unfinished: string
let big: string

beforeAll(() => {
  tmp = tempDir()
  older = tmp.file('older.db')
  newer = tmp.file('newer.db')
  unfinished = tmp.file('unfinished.db')
  big = tmp.file('big.db')
  writeSnapshotFixture(older, olderSnapshot())
  writeSnapshotFixture(newer, newerSnapshot())
  writeSnapshotFixture(unfinished, { ...olderSnapshot(), syncs: [{ id: 's', started_at: '2025-03-03T00:00:00Z', finished_at: null }] })
  const grants: FixtureSnapshot['grants'] = []
  for (let u = 1; u <= 30_000; u++) grants.push({ entitlement_id: 'app:20:access', principal_id: `user:${u}`, direct: false, sources: ['role:10:member'] })
  writeSnapshotFixture(big, { ...olderSnapshot(), grants })
})

afterAll(() => {
  tmp.cleanup()
})

/** The fixture as the JSON output must show it. */
const fixture = olderSnapshot()
const expectedResources = fixture.resources
  .map((r) => ({ id: r.id, type: r.type, display_name: r.display_name, traits: r.traits }))
  .sort((a, b) => (a.id < b.id ? -1 : 1))
const expectedEntitlements = fixture.entitlements.map((e) => ({
  id: e.id,
  resource: e.resource_id,
  slug: e.slug,
  display_name: e.display_name,
  grantable_to: e.grantable_to,
}))
const expectedGrants = fixture.grants.map((g) => ({
  id: `${g.entitlement_id}:${g.principal_id}`,
  entitlement: g.entitlement_id,
  principal: g.principal_id,
  direct: g.direct,
  sources: g.sources,
}))

describe.concurrent('warden resources|entitlements|grants --json', () => {
  it.each([
    ['resources', expectedResources],
    ['entitlements', expectedEntitlements],
    ['grants', expectedGrants],
  ])('%s prints exactly the snapshot as a JSON array', async (command, expected) => {
    const r = await run([command, '--file', older, '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual(expected)
    expect(r.stdout.startsWith('[\n{"id":')).toBe(true)
    expect(r.stdout.endsWith('}\n]\n')).toBe(true)
  })

  it('filters by --type, --entitlement and --principal', async () => {
    const apps = await run(['resources', '--file', older, '--type', 'app', '--json'])
    expect((JSON.parse(apps.stdout) as { id: string }[]).map((x) => x.id)).toEqual(['app:20', 'app:21'])
    const privileges = await run(['entitlements', '--file', older, '--type', 'privilege', '--json'])
    expect(JSON.parse(privileges.stdout)).toEqual([
      { id: `${PRIVILEGE}:assigned`, resource: PRIVILEGE, slug: 'assigned', display_name: 'Help desk assigned', grantable_to: ['user', 'role'] },
    ])
    const grants = await run(['grants', '--file', older, '--type', 'role', '--principal', 'user:2', '--json'])
    expect((JSON.parse(grants.stdout) as { id: string }[]).map((x) => x.id)).toEqual(['role:10:member:user:2', 'role:11:member:user:2'])
    const holders = await run(['grants', '--file', older, '--entitlement', 'app:21:access', '--json'])
    expect(JSON.parse(holders.stdout)).toEqual([
      { id: 'app:21:access:user:1', entitlement: 'app:21:access', principal: 'user:1', direct: false, sources: ['role:10:member'] },
      { id: 'app:21:access:user:2', entitlement: 'app:21:access', principal: 'user:2', direct: false, sources: ['role:10:member', 'role:11:member'] },
    ])
    const none = await run(['grants', '--file', older, '--principal', 'user:999', '--json'])
    expect(none.stdout).toBe('[]\n')
  })
})

describe.concurrent('warden resources|entitlements|grants --csv', () => {
  it('prints a header row, then one row per item with traits as JSON and lists joined with ;', async () => {
    const resources = await run(['resources', '--file', older, '--type', 'app', '--csv'])
    expect(resources.code).toBe(0)
    expect(resources.stdout).toBe(
      [
        'id,type,display_name,traits',
        'app:20,app,GitHub,"{""provisioning_enabled"":true,""connector_id"":120,""auth_method"":""saml"",""visible"":true}"',
        'app:21,app,Salesforce,"{""provisioning_enabled"":false,""connector_id"":121,""auth_method"":""saml"",""visible"":true}"',
        '',
      ].join('\n'),
    )
    const entitlements = await run(['entitlements', '--file', older, '--type', 'privilege', '--csv'])
    expect(entitlements.stdout).toBe(`id,resource,slug,display_name,grantable_to\n${PRIVILEGE}:assigned,${PRIVILEGE},assigned,Help desk assigned,user;role\n`)
    const grants = await run(['grants', '--file', older, '--principal', 'user:2', '--csv'])
    expect(grants.stdout).toBe(
      [
        'id,entitlement,principal,direct,sources',
        'app:20:access:user:2,app:20:access,user:2,false,role:10:member',
        'app:21:access:user:2,app:21:access,user:2,false,role:10:member;role:11:member',
        'role:10:member:user:2,role:10:member,user:2,true,',
        'role:11:member:user:2,role:11:member,user:2,true,',
        '',
      ].join('\n'),
    )
  })
})

describe.concurrent('warden resources|entitlements|grants as a table', () => {
  it('shows users with status and email', async () => {
    const r = await run(['resources', '--file', older, '--type', 'user'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        'ID      TYPE  DISPLAY NAME  STATUS     EMAIL',
        'user:1  user  Ann Archer    active     ann@acme.test',
        'user:2  user  Bob Baker     active     bob@acme.test',
        'user:3  user  Cat Cole      suspended  cat@acme.test',
        '',
      ].join('\n'),
    )
    const roles = await run(['resources', '--file', older, '--type', 'role'])
    expect(roles.stdout).toBe('ID       TYPE  DISPLAY NAME\nrole:10  role  Engineering\nrole:11  role  Sales\n')
  })

  it('shows grants with how each is held', async () => {
    const r = await run(['grants', '--file', older, '--principal', 'user:1'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        'ENTITLEMENT                                              PRINCIPAL  SOURCES',
        'app:20:access                                            user:1     via role:10:member',
        'app:21:access                                            user:1     via role:10:member',
        'group:30:member                                          user:1     direct',
        `${PRIVILEGE}:assigned  user:1     direct, via role:10:member`,
        'role:10:admin                                            user:1     direct',
        'role:10:member                                           user:1     direct',
        '',
      ].join('\n'),
    )
  })

  it('shows entitlements', async () => {
    const r = await run(['entitlements', '--file', older, '--type', 'app'])
    expect(r.stdout).toBe('ID             DISPLAY NAME       GRANTABLE TO\napp:20:access  GitHub access      user\napp:21:access  Salesforce access  user\n')
  })
})

describe.concurrent('warden read commands refuse bad usage with exit 2 and one line', () => {
  it.each([
    [['resources', '--file', 'F', '--type', 'robot'], '--type must be one of user, role, app, group, privilege, not "robot"'],
    [['grants', '--file', 'F', '--principal', 'bob'], '"bob" is not a resource ID'],
    [['grants', '--file', 'F', '--entitlement', 'app:1:member'], '"app:1:member" is not an entitlement ID'],
    [['entitlements', '--file', 'F', '--json', '--csv'], '--json and --csv cannot be combined; pick one'],
    [['resources'], "required option '--file <path>' not specified"],
    [['diff', '--file', 'F'], 'warden diff needs exactly two --file options (the older snapshot first), not 1'],
    [['diff', '--file', 'F', '--file', 'F', '--file', 'F'], 'warden diff needs exactly two --file options (the older snapshot first), not 3'],
    [['diff'], "required option '--file <path>' not specified"],
  ])('%j', async (args, message) => {
    const r = await run(args.map((a) => (a === 'F' ? older : a)))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stdout).toBe('')
  })

  it('refuses a missing file and an unfinished sync', async () => {
    const missing = tmp.file('missing.db')
    const a = await run(['grants', '--file', missing])
    expect(a).toEqual({ code: 2, stdout: '', stderr: `warden: no snapshot at ${missing}\n` })
    const b = await run(['resources', '--file', unfinished, '--json'])
    expect(b).toEqual({ code: 2, stdout: '', stderr: `warden: ${unfinished} is an unfinished sync; run warden sync again to resume it\n` })
    const c = await run(['diff', '--file', older, '--file', missing])
    expect(c).toEqual({ code: 2, stdout: '', stderr: `warden: no snapshot at ${missing}\n` })
  })
})

describe.concurrent('warden diff', () => {
  it('prints a readable summary', async () => {
    const r = await run(['diff', '--file', older, '--file', newer])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        `from ${older} (sync sync-1, finished 2025-03-01T09:00:04.000Z)`,
        `to   ${newer} (sync sync-2, finished 2025-03-02T09:00:03.500Z)`,
        'grants: 2 added, 2 removed, 1 held through other sources',
        'resources: 1 added, 1 removed',
        'user status: 1 changed',
        '',
        '+ app:21:access:user:4 (via role:11:member)',
        '+ role:11:member:user:4 (direct)',
        '- group:30:member:user:3 (direct)',
        '- role:11:member:user:2 (direct)',
        '~ app:21:access:user:2: via role:10:member, role:11:member -> via role:10:member',
        '~ user:2 Bob Baker: active -> suspended',
        '+ user:4 Dan Diaz',
        '- user:3 Cat Cole',
        '',
      ].join('\n'),
    )
  })

  it('says so when nothing changed', async () => {
    const r = await run(['diff', '--file', older, '--file', older])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n').slice(2)).toEqual(['grants: 0 added, 0 removed, 0 held through other sources', 'resources: 0 added, 0 removed', 'user status: 0 changed', 'no differences', ''])
  })

  it('prints one JSON object with --json', async () => {
    const r = await run(['diff', '--file', older, '--file', newer, '--json'])
    expect(r.code).toBe(0)
    const d = JSON.parse(r.stdout) as Record<string, { id?: string; user?: string }[]>
    expect(Object.keys(d)).toEqual(['grants_added', 'grants_removed', 'grants_changed', 'status_changed', 'resources_added', 'resources_removed'])
    expect(d['grants_added']).toEqual([
      { id: 'app:21:access:user:4', entitlement: 'app:21:access', principal: 'user:4', direct: false, sources: ['role:11:member'] },
      { id: 'role:11:member:user:4', entitlement: 'role:11:member', principal: 'user:4', direct: true, sources: [] },
    ])
    expect(d['grants_removed']?.map((g) => g.id)).toEqual(['group:30:member:user:3', 'role:11:member:user:2'])
    expect(d['grants_changed']).toEqual([
      {
        id: 'app:21:access:user:2',
        entitlement: 'app:21:access',
        principal: 'user:2',
        from: { direct: false, sources: ['role:10:member', 'role:11:member'] },
        to: { direct: false, sources: ['role:10:member'] },
      },
    ])
    expect(d['status_changed']).toEqual([{ user: 'user:2', display_name: 'Bob Baker', from: 'active', to: 'suspended' }])
    expect(d['resources_added']?.map((x) => x.id)).toEqual(['user:4'])
    expect(d['resources_removed']?.map((x) => x.id)).toEqual(['user:3'])
  })
})

describe.concurrent('output to a reader that goes away', () => {
  it.each([[[]], [['--json']], [['--csv']]])('grants %j exits 0 quietly', async (flags) => {
    const r = await run(['grants', '--file', big, ...flags], true)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout.length).toBeGreaterThan(0)
    expect(r.stdout.length).toBeLessThan(30_000 * 60)
  })

  it('streams all 30,000 grants when the reader stays', async () => {
    const r = await run(['grants', '--file', big, '--csv'])
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(30_001)
    expect(lines[30_000]).toBe('app:20:access:user:9999,app:20:access,user:9999,false,role:10:member')
  })
})

describe('format helpers', () => {
  class Sink extends Writable {
    text = ''
    override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
      this.text += String(chunk)
      done()
    }
  }

  it('picks the format from --json/--csv', () => {
    expect(outputFormat({})).toBe('table')
    expect(outputFormat({ json: true })).toBe('json')
    expect(outputFormat({ csv: true })).toBe('csv')
    expect(() => outputFormat({ json: true, csv: true })).toThrow('--json and --csv cannot be combined; pick one')
  })

  it('cuts long cells and neutralises control characters', () => {
    expect(cell('abcdefghij', 5)).toBe('abcd…')
    expect(cell('abcde', 5)).toBe('abcde')
    expect(cell('evil\u001b[2Jname\nnext', 60)).toBe('evil?[2Jname?next')
  })

  it('aligns a table on a sample and lets later wide cells overflow rather than be cut', async () => {
    const sink = new Sink()
    const out = new Output(sink)
    const rows = [['a', 'x'], ['bb', 'y'], ['a-much-longer-value', 'z']]
    await writeAll(rows, new TextTableWriter<string[]>(out, ['K', 'V'], (r) => r, { sample: 2, maxWidth: 10 }), out)
    expect(sink.text).toBe('K   V\na   x\nbb  y\na-much-lo…  z\n')
  })

  it('writes an empty JSON array and a JSON array of items', async () => {
    const sink = new Sink()
    const out = new Output(sink)
    await writeAll([], new JsonArrayWriter(out), out)
    expect(sink.text).toBe('[]\n')
    const sink2 = new Sink()
    const out2 = new Output(sink2)
    await writeAll([{ a: 1 }, { a: 2 }], new JsonArrayWriter(out2), out2)
    expect(sink2.text).toBe('[\n{"a":1},\n{"a":2}\n]\n')
  })
})
