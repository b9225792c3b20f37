import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import { SnapshotReader, diffSnapshots } from '../../snapshot/index.js'
import type { SnapshotDiff, SnapshotSync } from '../../snapshot/index.js'
import { Output, cell, heldThrough } from '../format.js'

interface DiffFlags {
  file: string[]
  json?: boolean
}

/** `warden diff --file A --file B [--json]`: what changed from snapshot A (older) to B (newer). */
export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('show what was granted, removed or changed between two snapshots (older first)')
    .requiredOption('--file <path>', 'a snapshot file; give it twice, the older one first', (v: string, all: string[] | undefined) => [...(all ?? []), v])
    .option('--json', 'print one JSON object')
    .action(async (flags: DiffFlags) => {
      if (flags.file.length !== 2) {
        throw new WardenError('BAD_INPUT', `warden diff needs exactly two --file options (the older snapshot first), not ${flags.file.length}`)
      }
      const [olderFile, newerFile] = flags.file as [string, string]
      const older = SnapshotReader.open(olderFile)
      let newer: SnapshotReader | undefined
      try {
        newer = SnapshotReader.open(newerFile)
        const diff = diffSnapshots(older, newer)
        const out = new Output()
        if (flags.json === true) await writeJson(out, diff)
        else await writeSummary(out, diff, { file: olderFile, sync: older.latestSync() }, { file: newerFile, sync: newer.latestSync() })
        await out.end()
      } finally {
        older.close()
        newer?.close()
      }
    })
}

/** The diff as one JSON object with the CLI's snake_case keys (grants_added, ...); each array item on its own line. */
async function writeJson(out: Output, diff: SnapshotDiff): Promise<void> {
  const keys = Object.keys(diff) as (keyof SnapshotDiff)[]
  out.write('{')
  for (const [i, key] of keys.entries()) {
    const items: unknown[] = diff[key]
    out.write(`${i === 0 ? '\n' : ',\n'}${JSON.stringify(key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))}: [`)
    for (const [j, item] of items.entries()) {
      if (out.closed) return
      out.write(`${j === 0 ? '\n' : ',\n'}${JSON.stringify(item)}`)
      if (out.full) await out.flush()
    }
    out.write(items.length === 0 ? ']' : '\n]')
  }
  out.write('\n}\n')
}

interface Side {
  file: string
  sync: SnapshotSync | undefined
}

function sideLabel(side: Side): string {
  return side.sync === undefined ? side.file : `${side.file} (sync ${side.sync.id}, finished ${side.sync.finished_at ?? 'never'})`
}

async function writeSummary(out: Output, diff: SnapshotDiff, older: Side, newer: Side): Promise<void> {
  const line = async (text: string): Promise<void> => {
    out.write(`${cell(text, Number.MAX_SAFE_INTEGER)}\n`)
    if (out.full) await out.flush()
  }
  await line(`from ${sideLabel(older)}`)
  await line(`to   ${sideLabel(newer)}`)
  await line(`grants: ${diff.grantsAdded.length} added, ${diff.grantsRemoved.length} removed, ${diff.grantsChanged.length} held through other sources`)
  await line(`resources: ${diff.resourcesAdded.length} added, ${diff.resourcesRemoved.length} removed`)
  await line(`user status: ${diff.statusChanged.length} changed`)
  const total = Object.values(diff).reduce((n: number, list: unknown[]) => n + list.length, 0)
  if (total === 0) {
    await line('no differences')
    return
  }
  out.write('\n')
  // Once the reader went away (warden diff ... | head), writes are dropped and flushes return at once.
  for (const g of diff.grantsAdded) await line(`+ ${g.id} (${heldThrough(g)})`)
  for (const g of diff.grantsRemoved) await line(`- ${g.id} (${heldThrough(g)})`)
  for (const g of diff.grantsChanged) await line(`~ ${g.id}: ${heldThrough(g.from)} -> ${heldThrough(g.to)}`)
  for (const s of diff.statusChanged) await line(`~ ${s.user} ${s.display_name}: ${s.from ?? 'no status'} -> ${s.to ?? 'no status'}`)
  for (const r of diff.resourcesAdded) await line(`+ ${r.id} ${r.display_name}`)
  for (const r of diff.resourcesRemoved) await line(`- ${r.id} ${r.display_name}`)
}
