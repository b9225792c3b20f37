import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, normalize, relative, resolve, sep } from 'node:path'
import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import { WardenApi, connectionOptions } from '../server-client.js'

/**
 * `warden terraform install DIR` (the provider as a filesystem mirror, and the CLI configuration
 * that makes Terraform use it) and `warden terraform export` (an installation's configuration as
 * .tf files with import blocks). docs/terraform.md.
 */

interface InstallFlags {
  cliConfig?: string
  platform?: string
  force?: boolean
}

interface ExportFlags {
  out: string
  server?: string
  token?: string
  force?: boolean
}

export function registerTerraform(program: Command): void {
  const terraform = program.command('terraform').description("Warden's Terraform provider (docs/terraform.md)")

  terraform
    .command('install')
    .description('bundle the Terraform provider into DIR as a filesystem mirror and print the CLI configuration that makes Terraform use it')
    .argument('<dir>', 'the mirror folder, e.g. ~/.terraform.d/warden-mirror (created if missing; an earlier install there is replaced)')
    .option('--cli-config <file>', 'also write the CLI configuration to this file (then: export TF_CLI_CONFIG_FILE=<file>)')
    .option('--platform <os_arch>', "lay out the package for this Terraform platform (default: this machine's), e.g. darwin_arm64")
    .option('--force', 'with --cli-config: replace the file even if it holds something else')
    .action(async (dir: string, flags: InstallFlags) => {
      // Imported here: esbuild is only needed by this command.
      const { PROVIDER_SOURCE, PROVIDER_VERSION, installProvider } = await import('../../terraform/index.js')
      const configFile = flags.cliConfig === undefined ? undefined : resolve(flags.cliConfig)
      // Checked before bundling, so a refused --cli-config changes nothing.
      if (configFile !== undefined) checkConfigTarget(configFile, flags.force === true)
      const started = performance.now()
      const { packageDir, cliConfig, previous } = await installProvider(dir, flags.platform === undefined ? {} : { platform: flags.platform })
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      process.stderr.write(`Installed the Warden Terraform provider (${PROVIDER_SOURCE} ${PROVIDER_VERSION}) in ${packageDir} (${seconds} s).\n`)
      if (previous === 'changed') {
        process.stderr.write(
          'It replaced a different build of the same version: in folders already initialised with the old one, Terraform now refuses\n' +
            `its checksum. Remove the ${PROVIDER_SOURCE} block from their .terraform.lock.hcl, then run \`terraform init\` again.\n`,
        )
      }
      if (configFile !== undefined) {
        writeConfig(configFile, cliConfig, flags.force === true)
        process.stderr.write(`Wrote the Terraform CLI configuration to ${configFile}. Use it with:\n\n  export TF_CLI_CONFIG_FILE=${shellWord(configFile)}\n\nthen \`terraform init\` in a folder whose configuration requires source "${PROVIDER_SOURCE}".\n`)
        return
      }
      process.stderr.write(
        'Save the Terraform CLI configuration below as a file (e.g. `warden terraform install DIR > warden.tfrc`, or pass --cli-config FILE),\n' +
          'or add it to ~/.terraformrc, then point Terraform at it:\n\n  export TF_CLI_CONFIG_FILE=$PWD/warden.tfrc\n\n',
      )
      // The configuration alone on stdout, so it can be redirected into the file.
      process.stdout.write(cliConfig)
    })

  connectionOptions(
    terraform
      .command('export')
      .description('write the configuration of a Warden server as Terraform files, with an import block for each resource (then terraform init && terraform plan)')
      .option('--out <dir>', 'the folder to write the .tf files into (created if missing)', '.')
      .option('--force', 'overwrite files that already exist'),
  ).action(async (flags: ExportFlags) => {
    const api = WardenApi.connect(flags)
    const out = resolve(flags.out)
    if (existsSync(out) && !statSync(out).isDirectory()) throw new WardenError('BAD_INPUT', `--out ${flags.out} is not a folder`)
    const { exportTerraform } = await import('../../terraform/index.js')
    const files = await exportTerraform(api, { serverUrl: api.server })
    const targets = files.map((f) => ({ target: insideOut(out, f.path), content: f.content }))
    // All checked before any is written: a refused export writes nothing.
    const existing = targets.filter((t) => existsSync(t.target))
    if (existing.length > 0 && flags.force !== true) {
      const names = existing.map((t) => relative(process.cwd(), t.target) || t.target).join(', ')
      throw new WardenError('BAD_INPUT', `not overwriting ${names}: pass --force to replace ${existing.length === 1 ? 'it' : 'them'}, or choose another --out`)
    }
    for (const t of targets) {
      try {
        mkdirSync(dirname(t.target), { recursive: true })
        writeFileSync(t.target, t.content)
      } catch (e) {
        throw new WardenError('BAD_INPUT', `cannot write ${t.target}: ${(e as Error).message}`, { cause: e })
      }
      process.stdout.write(`wrote ${t.target}\n`)
    }
    process.stderr.write(`${files.length} file(s) written. Next: cd ${shellWord(out)} && terraform init && terraform plan (it should show only imports)\n`)
  })
}

/** A path the export returned, inside the output folder (never above it or absolute). */
function insideOut(out: string, path: string): string {
  const target = resolve(out, normalize(path))
  if (isAbsolute(path) || !(target + sep).startsWith(out + sep) || target === out) {
    throw new WardenError('INTERNAL', `the export named a file outside its folder: ${path}`)
  }
  return target
}

/** --cli-config may replace our own configuration but, unless --force, not a file that holds anything else (a ~/.terraformrc). */
function checkConfigTarget(file: string, force: boolean): void {
  if (!existsSync(file)) return
  if (!statSync(file).isFile()) throw new WardenError('BAD_INPUT', `--cli-config ${file} is not a file`)
  if (force) return
  const text = readFileSync(file, 'utf8')
  if (!/^provider_installation \{\n {2}filesystem_mirror \{\n {4}path {4}= ".*"\n {4}include = \["warden\.dev\/\*\/\*"\]\n {2}\}\n {2}direct \{\n {4}exclude = \["warden\.dev\/\*\/\*"\]\n {2}\}\n\}\n$/.test(text)) {
    throw new WardenError('BAD_INPUT', `--cli-config ${file} already exists and holds something else: pass --force to replace it, or add the configuration to it yourself`)
  }
}

function writeConfig(file: string, text: string, force: boolean): void {
  checkConfigTarget(file, force)
  try {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
  } catch (e) {
    throw new WardenError('BAD_INPUT', `cannot write --cli-config ${file}: ${(e as Error).message}`, { cause: e })
  }
}

/** A path as one shell word (quoted only when it needs it). */
function shellWord(s: string): string {
  return /^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`
}
