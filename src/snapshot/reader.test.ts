import { readFileSync, writeFileSync, readdirSync } from 'node:fs'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { SnapshotReader } from './reader.js'
import { PRIVILEGE, olderSnapshot, tempDir, writeSnapshotFixture } from './test-fixture.js'
import type { FixtureSnapshot } from './test-fixture.js'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir()
})
afterEach(() => {
  tmp.cleanup()
})

function fixture(data: FixtureSnapshot = olderSnapshot(), name = 'snap.db'): string {
  const path = tmp.file(name)
  writeSnapshotFixture(path, data)
  return path
}

function refusal(run: () => unknown): WardenError {
  try {
    run()
  } catch (e) {
    expect(e).toBeInstanceOf(WardenError)
    return e as WardenError
  }
  throw new Error('expected a refusal')
}

function withReader<T>(path: string, use: (r: SnapshotReader) => T): T {
  const reader = SnapshotReader.open(path)
  try {
    return use(reader)
  } finally {
    reader.close()
  }
}

describe('SnapshotReader.open refuses', () => {
  it('a missing file', () => {
    const path = tmp.file('missing.db')
    const e = refusal(() => SnapshotReader.open(path))
    expect(e.code).toBe('BAD_INPUT')
    expect(e.exitCode).toBe(2)
    expect(e.message).toBe(`no snapshot at ${path}`)
    expect(readdirSync(tmp.dir)).toEqual([])
  })

  it('a directory', () => {
    expect(refusal(() => SnapshotReader.open(tmp.dir)).message).toBe(`${tmp.dir} is not a file, so not a Warden snapshot`)
  })

  it('a file that is not SQLite', () => {
    const path = tmp.file('notes.txt')
    writeFileSync(path, 'these are not the rows you are looking for\n'.repeat(20))
    const e = refusal(() => SnapshotReader.open(path))
    expect(e.code).toBe('BAD_INPUT')
    expect(e.message).toBe(`${path} is not a Warden snapshot (file is not a database)`)
  })

  it('an empty file and a SQLite database of another application', () => {
    const empty = tmp.file('empty.db')
    writeFileSync(empty, '')
    expect(refusal(() => SnapshotReader.open(empty)).message).toBe(`${empty} is not a Warden snapshot`)
    const other = tmp.file('other.db')
    const db = new Database(other)
    db.exec('CREATE TABLE t (x TEXT)')
    db.close()
    expect(refusal(() => SnapshotReader.open(other)).message).toBe(`${other} is not a Warden snapshot`)
    const wrongId = fixture({ ...olderSnapshot(), applicationId: 0x1234 }, 'wrong-id.db')
    expect(refusal(() => SnapshotReader.open(wrongId)).message).toBe(`${wrongId} is not a Warden snapshot`)
  })

  it('a snapshot written by a newer Warden', () => {
    const path = fixture({ ...olderSnapshot(), userVersion: 2 })
    const e = refusal(() => SnapshotReader.open(path))
    expect(e.code).toBe('BAD_INPUT')
    expect(e.message).toBe(`${path} was written by a newer Warden (snapshot format 2; this Warden reads up to 1); upgrade Warden to read it`)
  })

  it('a file with the application id but no schema', () => {
    const path = tmp.file('bare.db')
    const db = new Database(path)
    db.pragma('application_id = 0x57444e31')
    db.pragma('user_version = 1')
    db.exec('CREATE TABLE resources (id TEXT)')
    db.close()
    expect(refusal(() => SnapshotReader.open(path)).message).toBe(
      `${path} is a damaged Warden snapshot (missing table resource_types, entitlements, grants, implications, syncs, sync_log)`,
    )
  })

  it('an unfinished sync, even when an earlier sync of the file finished', () => {
    const path = fixture({
      ...olderSnapshot(),
      syncs: [
        // Inserted first but started later: the latest is chosen by started_at, not row order.
        { id: 'incremental', mode: 'incremental', started_at: '2025-03-02T00:00:00Z', finished_at: null, checkpoint: { phase: 'grants' } },
        { id: 'full', started_at: '2025-03-01T00:00:00Z', finished_at: '2025-03-01T00:01:00Z' },
      ],
    })
    const e = refusal(() => SnapshotReader.open(path))
    expect(e.code).toBe('BAD_INPUT')
    expect(e.message).toBe(`${path} is an unfinished sync; run warden sync again to resume it`)
  })

  it('a file that records no sync', () => {
    const path = fixture({ ...olderSnapshot(), syncs: [] })
    expect(refusal(() => SnapshotReader.open(path)).message).toBe(`${path} records no sync, so it is not a finished Warden snapshot`)
  })
})

describe('SnapshotReader', () => {
  it('reads the latest sync and every sync, JSON columns parsed', () => {
    const path = fixture({
      ...olderSnapshot(),
      syncs: [
        {
          id: 'b-incremental',
          mode: 'incremental',
          account_id: 77,
          started_at: '2025-03-02T10:00:00.000Z',
          finished_at: '2025-03-02T10:00:01.250Z',
          api_calls: 3,
          api_calls_by_endpoint: { 'GET /api/2/users': 1, 'GET /api/2/roles': 2 },
          options: { privileges: false },
          state: { users_updated_since: '2025-03-02T10:00:00Z' },
        },
        { id: 'a-full', started_at: '2025-03-01T10:00:00.000Z', finished_at: '2025-03-01T10:00:09.000Z' },
      ],
    })
    withReader(path, (r) => {
      expect(r.latestSync()).toEqual({
        id: 'b-incremental',
        mode: 'incremental',
        base_url: 'https://acme.onelogin.com',
        account_id: 77,
        started_at: '2025-03-02T10:00:00.000Z',
        finished_at: '2025-03-02T10:00:01.250Z',
        duration_ms: 1250,
        api_calls: 3,
        api_calls_by_endpoint: { 'GET /api/2/users': 1, 'GET /api/2/roles': 2 },
        options: { privileges: false },
        state: { users_updated_since: '2025-03-02T10:00:00Z' },
        checkpoint: null,
      })
      expect(r.syncs().map((s) => s.id)).toEqual(['a-full', 'b-incremental'])
      expect(r.syncs()[0]?.options).toEqual({ privileges: true })
    })
  })

  it('counts resources by type, entitlements and grants', () => {
    withReader(fixture(), (r) => {
      expect(r.counts()).toEqual({ resources: { user: 3, role: 2, app: 2, group: 1, privilege: 1 }, entitlements: 8, grants: 12 })
    })
  })

  it('streams resources in ID order with traits parsed, optionally of one type', () => {
    withReader(fixture(), (r) => {
      const all = [...r.resources()]
      expect(all.map((x) => x.id)).toEqual(['app:20', 'app:21', 'group:30', PRIVILEGE, 'role:10', 'role:11', 'user:1', 'user:2', 'user:3'])
      expect(all[0]).toEqual({
        id: 'app:20',
        type: 'app',
        display_name: 'GitHub',
        traits: { provisioning_enabled: true, connector_id: 120, auth_method: 'saml', visible: true },
      })
      const users = [...r.resources({ type: 'user' })]
      expect(users.map((u) => [u.id, u.traits['status'], u.traits['email']])).toEqual([
        ['user:1', 'active', 'ann@acme.test'],
        ['user:2', 'active', 'bob@acme.test'],
        ['user:3', 'suspended', 'cat@acme.test'],
      ])
      expect([...r.resources({ type: 'privilege' })]).toEqual([
        { id: PRIVILEGE, type: 'privilege', display_name: 'Help desk', traits: { description: 'Reset passwords' } },
      ])
    })
  })

  it('streams entitlements filtered by their resource type', () => {
    withReader(fixture(), (r) => {
      expect([...r.entitlements()]).toHaveLength(8)
      expect([...r.entitlements({ type: 'role' })].map((e) => e.id)).toEqual(['role:10:admin', 'role:10:member', 'role:11:admin', 'role:11:member'])
      expect([...r.entitlements({ type: 'privilege' })]).toEqual([
        { id: `${PRIVILEGE}:assigned`, resource: PRIVILEGE, slug: 'assigned', display_name: 'Help desk assigned', grantable_to: ['user', 'role'] },
      ])
      expect([...r.entitlements({ type: 'user' })]).toEqual([])
    })
  })

  it('streams grants filtered by type, entitlement and principal', () => {
    withReader(fixture(), (r) => {
      expect([...r.grants()].map((g) => g.id)).toEqual(olderSnapshot().grants.map((g) => `${g.entitlement_id}:${g.principal_id}`))
      expect([...r.grants({ type: 'app' })]).toEqual([
        { id: 'app:20:access:user:1', entitlement: 'app:20:access', principal: 'user:1', direct: false, sources: ['role:10:member'] },
        { id: 'app:20:access:user:2', entitlement: 'app:20:access', principal: 'user:2', direct: false, sources: ['role:10:member'] },
        { id: 'app:21:access:user:1', entitlement: 'app:21:access', principal: 'user:1', direct: false, sources: ['role:10:member'] },
        { id: 'app:21:access:user:2', entitlement: 'app:21:access', principal: 'user:2', direct: false, sources: ['role:10:member', 'role:11:member'] },
      ])
      expect([...r.grants({ entitlement: 'role:10:member' })].map((g) => g.principal)).toEqual(['user:1', 'user:2'])
      expect([...r.grants({ entitlement: 'role:1:member' })]).toEqual([])
      expect([...r.grants({ principal: 'user:2' })].map((g) => g.id)).toEqual([
        'app:20:access:user:2',
        'app:21:access:user:2',
        'role:10:member:user:2',
        'role:11:member:user:2',
      ])
      expect([...r.grants({ type: 'role', principal: 'user:1' })].map((g) => g.id)).toEqual(['role:10:admin:user:1', 'role:10:member:user:1'])
      expect([...r.grants({ principal: 'role:10' })]).toEqual([
        { id: `${PRIVILEGE}:assigned:role:10`, entitlement: `${PRIVILEGE}:assigned`, principal: 'role:10', direct: true, sources: [] },
      ])
      expect([...r.grants({ type: 'group', entitlement: 'group:30:member', principal: 'user:3' })].map((g) => g.direct)).toEqual([true])
    })
  })

  it('streams implications in key order (from, then to)', () => {
    const data = olderSnapshot()
    // Stored out of order: the reader sorts by the key.
    data.implications = [...(data.implications ?? [])].reverse()
    withReader(fixture(data), (r) => {
      expect([...r.implications()]).toEqual([
        { from: 'role:10:member', to: 'app:20:access' },
        { from: 'role:10:member', to: 'app:21:access' },
        { from: 'role:10:member', to: `${PRIVILEGE}:assigned` },
        { from: 'role:11:member', to: 'app:21:access' },
      ])
    })
    withReader(fixture({ ...olderSnapshot(), implications: [] }, 'empty.db'), (r) => {
      expect([...r.implications()]).toEqual([])
    })
  })

  it('ends a statement when the consumer stops early, and never writes the file', () => {
    const path = fixture()
    const before = readFileSync(path)
    withReader(path, (r) => {
      for (const g of r.grants()) {
        expect(g.id).toBe('app:20:access:user:1')
        break
      }
      expect(r.counts().grants).toBe(12)
      expect([...r.resources({ type: 'role' })]).toHaveLength(2)
    })
    expect(readFileSync(path).equals(before)).toBe(true)
    expect(readdirSync(tmp.dir)).toEqual(['snap.db'])
  })
})

describe('SnapshotReader refuses corrupt rows with BAD_INPUT naming the table and id', () => {
  const cases: [string, (s: FixtureSnapshot) => void, (r: SnapshotReader) => unknown, string][] = [
    [
      'traits that are not JSON',
      (s) => {
        s.resources[0]!.traits = '{"email": "ann@'
      },
      (r) => [...r.resources({ type: 'user' })],
      'resources row "user:1": traits is not valid JSON',
    ],
    [
      'traits that are a JSON array',
      (s) => {
        s.resources[3]!.traits = '[1,2]'
      },
      (r) => [...r.resources()],
      'resources row "role:10": traits is not a JSON object',
    ],
    [
      'an unknown resource type',
      (s) => {
        s.resources.push({ id: 'robot:1', type: 'robot', display_name: 'R2', traits: {} })
      },
      (r) => [...r.resources()],
      'resources row "robot:1": type "robot" is not a resource type',
    ],
    [
      'grantable_to naming no resource type',
      (s) => {
        s.entitlements[0]!.grantable_to = ['user', 'robot']
      },
      (r) => [...r.entitlements()],
      'entitlements row "app:20:access": grantable_to names "robot", not a resource type',
    ],
    [
      'sources that are not an array of strings',
      (s) => {
        s.grants[1]!.sources = '{"role":10}'
      },
      (r) => [...r.grants({ type: 'app' })],
      'grants row "app:20:access:user:2": sources is not a JSON array of strings',
    ],
    [
      'direct that is not 0 or 1',
      (s) => {
        s.grants[4]!.direct = 7
      },
      (r) => [...r.grants({ principal: 'user:1' })],
      'grants row "group:30:member:user:1": direct is 7, not 0 or 1',
    ],
    [
      'an implication naming no entitlement',
      (s) => {
        s.implications = [['role:10:member', 'app:20:access'], ['role:10:member', 'app:20:owner']]
      },
      (r) => [...r.implications()],
      'implications row "role:10:member -> app:20:owner": to_entitlement "app:20:owner" is not an entitlement id',
    ],
    [
      'an implication from a resource id',
      (s) => {
        s.implications = [['role:10', 'app:20:access']]
      },
      (r) => [...r.implications()],
      'implications row "role:10 -> app:20:access": from_entitlement "role:10" is not an entitlement id',
    ],
    [
      'sync JSON that is not valid',
      (s) => {
        s.syncs = [{ id: 'sync-9', started_at: '2025-03-01T00:00:00Z', finished_at: '2025-03-01T00:00:01Z', state: 'nope' }]
      },
      (r) => r.latestSync(),
      'syncs row "sync-9": state is not valid JSON',
    ],
  ]

  it.each(cases)('%s', (_name, corruptIt, read, problem) => {
    const data = olderSnapshot()
    corruptIt(data)
    const path = fixture(data)
    const e = refusal(() => {
      // Sync corruption is caught by open() already, the rest while streaming.
      const reader = SnapshotReader.open(path)
      try {
        read(reader)
      } finally {
        reader.close()
      }
    })
    expect(e.code).toBe('BAD_INPUT')
    expect(e.message).toBe(`${path} is a damaged Warden snapshot: ${problem}`)
  })
})
