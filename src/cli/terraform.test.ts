/**
 * `warden terraform install` and `warden terraform export`, as a user runs them (the real binary
 * as a child process): the filesystem-mirror layout, a launcher whose bundle starts as a plugin,
 * the CLI configuration, re-installs, and the one-line errors for bad folders, platforms and flags.
 * The export against a server, and the provider under the real terraform, are in
 * src/terraform/terraform-e2e.test.ts.
 */
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isWardenError } from '../errors/index.js'
import { cliConfiguration, terraformPlatform } from '../terraform/index.js'
import { launcherScript } from '../terraform/install.js'
import { runWarden } from './test-support.js'
import type { WardenRun } from './test-support.js'

const COOKIE = { TF_PLUGIN_MAGIC_COOKIE: 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2', PLUGIN_PROTOCOL_VERSIONS: '6' }

/** Runs an executable; with `untilStdout`, resolves (and kills it) at its first stdout line. */
function run(file: string, env: NodeJS.ProcessEnv, options: { untilStdout?: boolean } = {}): Promise<WardenRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8')
      if (options.untilStdout === true && stdout.includes('\n')) child.kill('SIGTERM')
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The environment without a Warden server or token, so flag errors are the flags'. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env['WARDEN_SERVER']
  delete env['WARDEN_TOKEN']
  return env
}

function expectOneLineError(r: WardenRun, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code)
  const lines = r.stderr.trim().split('\n')
  expect(lines, r.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^warden: /)
  expect(lines[0]).toMatch(pattern)
}

describe('warden terraform install', () => {
  let root: string
  let mirror: string
  let first: WardenRun
  const platform = terraformPlatform()

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'warden-tf-install-'))
    mirror = join(root, 'mirror')
    first = await runWarden(['terraform', 'install', mirror])
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  const packageDir = (): string => join(mirror, 'warden.dev', 'warden', 'warden', '0.1.0', platform)

  it('writes the mirror layout and prints the CLI configuration alone on stdout', () => {
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe(cliConfiguration(mirror))
    expect(first.stdout).toContain(`path    = "${mirror}"`)
    expect(first.stdout).toContain('include = ["warden.dev/*/*"]')
    expect(first.stdout).toContain('exclude = ["warden.dev/*/*"]')
    expect(first.stderr).toContain(packageDir())
    expect(first.stderr).toContain('export TF_CLI_CONFIG_FILE=')
    expect(statSync(join(packageDir(), 'provider.cjs')).size).toBeGreaterThan(10_000)
  })

  it('writes an executable launcher that runs the bundle with this node, through the symlink terraform makes', async () => {
    const launcher = join(packageDir(), 'terraform-provider-warden')
    expect(statSync(launcher).mode & 0o777).toBe(0o755)
    const script = readFileSync(launcher, 'utf8')
    expect(script.startsWith('#!/bin/sh\n')).toBe(true)
    expect(script).toContain(process.execPath)
    // terraform init symlinks the package folder into .terraform/providers/...
    const linked = join(root, 'linked')
    symlinkSync(packageDir(), linked)
    const byHand = await run(join(linked, 'terraform-provider-warden'), bareEnv())
    expect(byHand.code).toBe(1)
    expect(byHand.stderr).toContain('This binary is a plugin. These are not meant to be executed directly.')
    expect(byHand.stdout).toBe('')
    // The launcher file itself symlinked elsewhere still finds its bundle (readlink -f).
    mkdirSync(join(root, 'bin'))
    symlinkSync(join(packageDir(), 'terraform-provider-warden'), join(root, 'bin', 'terraform-provider-warden'))
    const viaFileLink = await run(join(root, 'bin', 'terraform-provider-warden'), bareEnv())
    expect(viaFileLink.stderr).toContain('This binary is a plugin.')
    // As terraform starts it (no client certificate: plaintext): the go-plugin handshake line.
    const asPlugin = await run(join(linked, 'terraform-provider-warden'), { ...bareEnv(), ...COOKIE }, { untilStdout: true })
    expect(asPlugin.stdout).toMatch(/^1\|6\|(unix|tcp)\|[^|]+\|grpc\|\n$/)
  })

  it('re-running replaces the files; --cli-config writes the configuration (ours again, not a foreign file unless --force)', async () => {
    const bundle = join(packageDir(), 'provider.cjs')
    writeFileSync(bundle, 'broken')
    const config = join(root, 'warden.tfrc')
    const again = await runWarden(['terraform', 'install', mirror, '--cli-config', config])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toBe('')
    expect(again.stderr).toContain(`export TF_CLI_CONFIG_FILE=${config}`)
    expect(readFileSync(config, 'utf8')).toBe(cliConfiguration(mirror))
    expect(readFileSync(bundle, 'utf8')).not.toBe('broken')
    // A changed build under the same version: the lock files of initialised folders will refuse it, and the user is told.
    expect(again.stderr).toContain('Remove the warden.dev/warden/warden block from their .terraform.lock.hcl')
    expect(first.stderr).not.toContain('.terraform.lock.hcl')
    expect(statSync(join(packageDir(), 'terraform-provider-warden')).mode & 0o777).toBe(0o755)

    const foreign = join(root, 'terraformrc')
    writeFileSync(foreign, 'plugin_cache_dir = "/somewhere"\n')
    const [ours, refused] = await Promise.all([
      runWarden(['terraform', 'install', mirror, '--cli-config', config]),
      runWarden(['terraform', 'install', join(root, 'other'), '--cli-config', foreign]),
    ])
    expect(ours.code, ours.stderr).toBe(0)
    expect(ours.stderr).not.toContain('.terraform.lock.hcl') // the same build again: nothing to do in working folders
    expectOneLineError(refused, 2, /already exists and holds something else: pass --force/)
    expect(readFileSync(foreign, 'utf8')).toBe('plugin_cache_dir = "/somewhere"\n')
    const forced = await runWarden(['terraform', 'install', join(root, 'other'), '--cli-config', foreign, '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(readFileSync(foreign, 'utf8')).toBe(cliConfiguration(join(root, 'other')))
  })

  it('refuses a DIR that is not a folder and a platform Terraform does not know, in one line (exit 2)', async () => {
    const file = join(root, 'a-file')
    writeFileSync(file, 'x')
    const [notDir, under, badPlatform, darwin] = await Promise.all([
      runWarden(['terraform', 'install', file]),
      runWarden(['terraform', 'install', join(file, 'sub')]),
      runWarden(['terraform', 'install', join(root, 'win'), '--platform', 'windows_amd64']),
      runWarden(['terraform', 'install', join(root, 'mac'), '--platform', 'darwin_arm64']),
    ])
    expectOneLineError(notDir, 2, /cannot install the Terraform provider into .*a-file: it is not a folder/)
    expectOneLineError(under, 2, /cannot install the Terraform provider into .*a-file\/sub/)
    expectOneLineError(badPlatform, 2, /no Terraform platform for windows_amd64/)
    // Another platform's package: the bundle is plain JavaScript; the launcher uses the node on that machine's PATH.
    expect(darwin.code, darwin.stderr).toBe(0)
    const script = readFileSync(join(root, 'mac', 'warden.dev', 'warden', 'warden', '0.1.0', 'darwin_arm64', 'terraform-provider-warden'), 'utf8')
    expect(script).toContain("node='node'")
  })

  it('maps Node.js platforms to Terraform ones, and refuses the rest', () => {
    expect(terraformPlatform('linux', 'x64')).toBe('linux_amd64')
    expect(terraformPlatform('linux', 'arm64')).toBe('linux_arm64')
    expect(terraformPlatform('darwin', 'arm64')).toBe('darwin_arm64')
    expect(terraformPlatform('darwin', 'x64')).toBe('darwin_amd64')
    for (const [os, arch] of [['win32', 'x64'], ['linux', 'ia32'], ['freebsd', 'x64']] as const) {
      let error: unknown
      try {
        terraformPlatform(os, arch)
      } catch (e) {
        error = e
      }
      expect(isWardenError(error) && error.code === 'BAD_INPUT' && error.message.includes(`no Terraform platform for ${os}/${arch}`), String(error)).toBe(true)
    }
  })

  it('the launcher falls back to node on the PATH when the installing node is gone', async () => {
    const dir = join(root, 'fallback')
    const launcher = join(dir, 'terraform-provider-warden')
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir)
    writeFileSync(join(dir, 'provider.cjs'), 'process.stdout.write("ran by " + process.execPath + "\\n")\n')
    writeFileSync(launcher, launcherScript(join(root, 'no-such-node')))
    chmodSync(launcher, 0o755)
    const r = await run(launcher, { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(`ran by ${process.execPath}\n`)
  })
})

describe('warden terraform export (flags)', () => {
  it('refuses missing or bad connection flags and a bad --out in one line (exit 2); an unreachable server is exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-tf-export-'))
    try {
      const file = join(dir, 'a-file')
      writeFileSync(file, 'x')
      const env = { env: bareEnv() }
      const [noServer, noToken, badServer, badOut, unknownFlag, unreachable] = await Promise.all([
        runWarden(['terraform', 'export', '--token', 't'], env),
        runWarden(['terraform', 'export', '--server', 'http://127.0.0.1:1'], env),
        runWarden(['terraform', 'export', '--server', 'ftp://example.com', '--token', 't'], env),
        runWarden(['terraform', 'export', '--server', 'http://127.0.0.1:1', '--token', 't', '--out', file], env),
        runWarden(['terraform', 'export', '--bogus'], env),
        runWarden(['terraform', 'export', '--server', 'http://127.0.0.1:1', '--token', 't', '--out', join(dir, 'out')], env),
      ])
      expectOneLineError(noServer, 2, /no Warden server/)
      expectOneLineError(noToken, 2, /no API token/)
      expectOneLineError(badServer, 2, /--server must be an http\(s\) URL/)
      expectOneLineError(badOut, 2, /--out .*a-file is not a folder/)
      expect(unknownFlag.code).toBe(2)
      expect(unknownFlag.stderr).toMatch(/unknown option '--bogus'/)
      expectOneLineError(unreachable, 1, /cannot reach the Warden server at http:\/\/127\.0\.0\.1:1/)
      expect(existsSync(join(dir, 'out'))).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
