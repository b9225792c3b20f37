import { readFileSync, readdirSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WardenError } from '../errors/index.js'
import { diffSnapshots } from './diff.js'
import type { SnapshotDiff } from './diff.js'
import { SnapshotReader } from './reader.js'
import { newerSnapshot, olderSnapshot, tempDir, writeSnapshotFixture } from './test-fixture.js'
import type { FixtureSnapshot } from './test-fixture.js'

let tmp: ReturnType<typeof tempDir>
beforeEach(() => {
  tmp = tempDir()
})
afterEach(() => {
  tmp.cleanup()
})

let pairs = 0
function diffOf(a: FixtureSnapshot, b: FixtureSnapshot): SnapshotDiff {
  pairs++
  const pa = tmp.file(`a${pairs}.db`)
  const pb = tmp.file(`b${pairs}.db`)
  writeSnapshotFixture(pa, a)
  writeSnapshotFixture(pb, b)
  const older = SnapshotReader.open(pa)
  const newer = SnapshotReader.open(pb)
  try {
    return diffSnapshots(older, newer)
  } finally {
    older.close()
    newer.close()
  }
}

const userTraits = (email: string, name: string, status: string): Record<string, unknown> => {
  const [first, last] = name.split(' ')
  return {
    email,
    login: email.split('@')[0],
    display_name: name,
    first_name: first,
    last_name: last,
    status,
    enabled: status === 'active',
    manager_id: null,
    department: 'Engineering',
    title: null,
    last_login: null,
    created_at: '2024-01-02T03:04:05Z',
    custom_attributes: {},
  }
}

describe('diffSnapshots', () => {
  it('reports grants added, removed and held through other sources, status changes and resources added and removed', () => {
    expect(diffOf(olderSnapshot(), newerSnapshot())).toEqual({
      grantsAdded: [
        { id: 'app:21:access:user:4', entitlement: 'app:21:access', principal: 'user:4', direct: false, sources: ['role:11:member'] },
        { id: 'role:11:member:user:4', entitlement: 'role:11:member', principal: 'user:4', direct: true, sources: [] },
      ],
      grantsRemoved: [
        { id: 'group:30:member:user:3', entitlement: 'group:30:member', principal: 'user:3', direct: true, sources: [] },
        { id: 'role:11:member:user:2', entitlement: 'role:11:member', principal: 'user:2', direct: true, sources: [] },
      ],
      // Bob keeps Salesforce, now only through Engineering: a change, not a removal and an addition.
      grantsChanged: [
        {
          id: 'app:21:access:user:2',
          entitlement: 'app:21:access',
          principal: 'user:2',
          from: { direct: false, sources: ['role:10:member', 'role:11:member'] },
          to: { direct: false, sources: ['role:10:member'] },
        },
      ],
      // Ann's traits changed (last_login) but not her status; Cat and Dan are on one side only.
      statusChanged: [{ user: 'user:2', display_name: 'Bob Baker', from: 'active', to: 'suspended' }],
      resourcesAdded: [{ id: 'user:4', type: 'user', display_name: 'Dan Diaz', traits: userTraits('dan@acme.test', 'Dan Diaz', 'active') }],
      resourcesRemoved: [{ id: 'user:3', type: 'user', display_name: 'Cat Cole', traits: userTraits('cat@acme.test', 'Cat Cole', 'suspended') }],
    })
  })

  it('is the mirror image when the files are swapped', () => {
    const d = diffOf(newerSnapshot(), olderSnapshot())
    expect(d.grantsAdded.map((g) => g.id)).toEqual(['group:30:member:user:3', 'role:11:member:user:2'])
    expect(d.grantsRemoved.map((g) => g.id)).toEqual(['app:21:access:user:4', 'role:11:member:user:4'])
    expect(d.grantsChanged.map((g) => [g.id, g.from.sources, g.to.sources])).toEqual([
      ['app:21:access:user:2', ['role:10:member'], ['role:10:member', 'role:11:member']],
    ])
    expect(d.statusChanged).toEqual([{ user: 'user:2', display_name: 'Bob Baker', from: 'suspended', to: 'active' }])
    expect(d.resourcesAdded.map((r) => r.id)).toEqual(['user:3'])
    expect(d.resourcesRemoved.map((r) => r.id)).toEqual(['user:4'])
  })

  it('finds nothing between a snapshot and itself, or when only sources order or JSON spacing differ', () => {
    const empty = { grantsAdded: [], grantsRemoved: [], grantsChanged: [], statusChanged: [], resourcesAdded: [], resourcesRemoved: [] }
    expect(diffOf(olderSnapshot(), olderSnapshot())).toEqual(empty)
    const reordered = olderSnapshot()
    reordered.grants = reordered.grants.map((g) =>
      g.principal_id === 'user:2' && g.entitlement_id === 'app:21:access' ? { ...g, sources: '[ "role:11:member", "role:10:member" ]' } : g,
    )
    expect(diffOf(olderSnapshot(), reordered)).toEqual(empty)
  })

  it('reports a grant that became direct, and a status that appeared or went away', () => {
    const newer = olderSnapshot()
    newer.grants = newer.grants.map((g) => (g.entitlement_id === 'app:20:access' && g.principal_id === 'user:1' ? { ...g, direct: true } : g))
    newer.resources = newer.resources.map((r) => {
      if (r.id === 'user:1' && typeof r.traits !== 'string') {
        const { status: _status, ...rest } = r.traits
        return { ...r, traits: rest }
      }
      return r
    })
    const d = diffOf(olderSnapshot(), newer)
    expect(d.grantsChanged).toEqual([
      {
        id: 'app:20:access:user:1',
        entitlement: 'app:20:access',
        principal: 'user:1',
        from: { direct: false, sources: ['role:10:member'] },
        to: { direct: true, sources: ['role:10:member'] },
      },
    ])
    expect(d.statusChanged).toEqual([{ user: 'user:1', display_name: 'Ann Archer', from: 'active', to: null }])
    expect(diffOf(newer, olderSnapshot()).statusChanged).toEqual([{ user: 'user:1', display_name: 'Ann Archer', from: null, to: 'active' }])
  })

  it('writes and creates nothing', () => {
    const pa = tmp.file('a.db')
    const pb = tmp.file('b.db')
    writeSnapshotFixture(pa, olderSnapshot())
    writeSnapshotFixture(pb, newerSnapshot())
    const before = [readFileSync(pa), readFileSync(pb)]
    const older = SnapshotReader.open(pa)
    const newer = SnapshotReader.open(pb)
    try {
      expect(diffSnapshots(older, newer).grantsAdded).toHaveLength(2)
      // The readers stay usable.
      expect(older.counts().grants).toBe(12)
      expect(newer.counts().grants).toBe(12)
    } finally {
      older.close()
      newer.close()
    }
    expect(readFileSync(pa).equals(before[0]!)).toBe(true)
    expect(readFileSync(pb).equals(before[1]!)).toBe(true)
    expect(readdirSync(tmp.dir).sort()).toEqual(['a.db', 'b.db'])
  })

  it('refuses a corrupt row on either side with BAD_INPUT naming the file, table and id', () => {
    const newer = newerSnapshot()
    newer.grants = newer.grants.map((g) => (g.principal_id === 'user:4' && g.entitlement_id === 'app:21:access' ? { ...g, sources: 'role:11:member' } : g))
    let error: unknown
    const pb = tmp.file(`b${pairs + 1}.db`)
    try {
      diffOf(olderSnapshot(), newer)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(WardenError)
    expect((error as WardenError).code).toBe('BAD_INPUT')
    expect((error as WardenError).message).toBe(`${pb} is a damaged Warden snapshot: grants row "app:21:access:user:4": sources is not valid JSON`)
  })
})
