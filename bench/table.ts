/** Prints rows as an aligned plain-text table (the format benchmarks and docs/benchmarks.md use). */
export { markdownTable as table } from '../src/cli/format.js'

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`
}

/** Peak resident set size of a process (Linux VmHWM), in bytes. */
export async function peakRss(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises')
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const m = /VmHWM:\s+(\d+) kB/.exec(status)
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024
  } catch {
    return undefined
  }
}
