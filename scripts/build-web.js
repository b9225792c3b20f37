#!/usr/bin/env node
// Builds the web console (web/ -> web/dist) when it is missing or older than its sources, so
// `npm start` and `npm test` always serve the current UI without rebuilding every time.
// `--force` always builds.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const web = join(import.meta.dirname, '..', 'web')
// WARDEN_WEB_DIST: build somewhere else (warden serve reads the same variable).
const outDir = process.env.WARDEN_WEB_DIST ?? join(web, 'dist')
const built = join(outDir, 'index.html')

function newest(path) {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

const sources = ['src', 'index.html', 'vite.config.ts'].map((p) => join(web, p))
const stale = process.argv.includes('--force') || !existsSync(built) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs
if (stale) {
  process.stderr.write('Building the web console (web/dist)...\n')
  const vite = join(import.meta.dirname, '..', 'node_modules', '.bin', 'vite')
  const r = spawnSync(vite, ['build', '--logLevel', 'warn', '--outDir', outDir, web], { stdio: 'inherit' })
  process.exitCode = r.status ?? 1
}
