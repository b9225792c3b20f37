#!/usr/bin/env node
// `npm test`: typecheck, lint, then every Vitest test. Ends with the plain line
// `N passed, N failed` that CI reads (it does not read Vitest's own summary).
// Typecheck, lint and the web console's build count as one check each, so none can hide behind green tests.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const bin = (name) => join(import.meta.dirname, '..', 'node_modules', '.bin', name)
const run = (label, cmd, args, env = process.env) => {
  process.stderr.write(`\n> ${label}\n`)
  const r = spawnSync(cmd, args, { stdio: 'inherit', env })
  return r.status === 0
}

// Screenshots are this run's artifacts only.
const shots = join(import.meta.dirname, '..', 'test-results', 'screenshots')
rmSync(shots, { recursive: true, force: true })

let passed = 0
let failed = 0
for (const [label, cmd, args] of [
  ['typecheck', bin('tsc'), ['--noEmit', '-p', '.']],
  ['lint', bin('eslint'), ['.']],
  ['build the web console', process.execPath, [join(import.meta.dirname, 'build-web.js'), '--force']],
]) {
  if (run(label, cmd, args)) passed++
  else failed++
}

const dir = mkdtempSync(join(tmpdir(), 'warden-test-'))
const out = join(dir, 'results.json')
const extra = process.argv.slice(2)
const ok = run('vitest', bin('vitest'), ['run', ...extra], { ...process.env, WARDEN_TEST_JSON: out })
if (existsSync(out)) {
  const r = JSON.parse(readFileSync(out, 'utf8'))
  passed += r.numPassedTests
  failed += r.numFailedTests
  // A suite that fails to load has no failed tests of its own; count it so the line can't read green.
  failed += r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed')).length
} else if (!ok) {
  failed++
}
if (!ok && failed === 0) failed++
rmSync(dir, { recursive: true, force: true })
if (existsSync(shots)) console.log(`UI screenshots: ${shots}`)
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
