import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CHILD = fileURLToPath(new URL('./test-child.ts', import.meta.url))

/** Runs test-child.ts in a separate Node process (a real second process for lock tests); resolves to its parsed output. */
export function runStoreChild(url: string, schema: string | undefined, appends: number): Promise<{ seqs: number[] }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, url, schema ?? '-', String(appends)],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`store child failed: ${err.message}\n${stderr}`))
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as { seqs: number[] })
      },
    )
  })
}
