import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { WardenError } from '../errors/index.js'
import { PROVIDER_HOSTNAME, PROVIDER_NAMESPACE, PROVIDER_SOURCE, PROVIDER_TYPE, PROVIDER_VERSION } from './address.js'
import { bundleProvider } from './bundle.js'
import { hclString } from './hcl.js'

/**
 * `warden terraform install DIR`: the provider laid out as a Terraform filesystem mirror
 * (reference/terraform-provider.md §5), so that the real `terraform init` installs it with no
 * registry: DIR/warden.dev/warden/warden/0.1.0/<os>_<arch>/ holding the bundle and a launcher.
 */

/** Terraform runs the first file of the package whose name starts with `terraform-provider-<type>`. */
export const LAUNCHER_NAME = `terraform-provider-${PROVIDER_TYPE}`
export const BUNDLE_NAME = 'provider.cjs'

const OS: Readonly<Record<string, string>> = { linux: 'linux', darwin: 'darwin' }
const ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' }

/** The platforms Terraform knows that the launcher (a POSIX shell script) runs on. */
export const TERRAFORM_PLATFORMS: readonly string[] = Object.values(OS).flatMap((os) => Object.values(ARCH).map((arch) => `${os}_${arch}`))

/** Terraform's name for a Node.js platform and architecture (`linux`, `x64` -> `linux_amd64`). */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const os = OS[platform]
  const cpu = ARCH[arch]
  if (os === undefined || cpu === undefined) {
    throw new WardenError('BAD_INPUT', `no Terraform platform for ${platform}/${arch}: the provider installs on ${TERRAFORM_PLATFORMS.join(', ')}`)
  }
  return `${os}_${cpu}`
}

export interface InstallOptions {
  /** Terraform's `<os>_<arch>` to lay out for (the bundle is plain JavaScript); default this machine's. */
  platform?: string
  /** Another entry point to bundle (tests of the installer); default src/terraform/main.ts. */
  entry?: string
}

export interface Installed {
  /** The package folder, DIR/warden.dev/warden/warden/0.1.0/<os>_<arch>. */
  packageDir: string
  /** The CLI configuration that makes Terraform install the provider from DIR. */
  cliConfig: string
  /**
   * What was there before: nothing, the same files, or different ones. Different files have a
   * different checksum under the same version, which the .terraform.lock.hcl of working folders
   * initialised with the old ones refuses (`terraform init -upgrade` too) until the provider's
   * entry is removed from it.
   */
  previous: 'none' | 'same' | 'changed'
}

/** Bundles the provider into DIR's mirror layout (replacing an earlier install) and returns the CLI configuration for it. */
export async function installProvider(dir: string, options: InstallOptions = {}): Promise<Installed> {
  const platform = options.platform ?? terraformPlatform()
  if (!TERRAFORM_PLATFORMS.includes(platform)) {
    throw new WardenError('BAD_INPUT', `no Terraform platform for ${platform}: the provider installs on ${TERRAFORM_PLATFORMS.join(', ')}`)
  }
  const mirror = resolve(dir)
  const packageDir = join(mirror, PROVIDER_HOSTNAME, PROVIDER_NAMESPACE, PROVIDER_TYPE, PROVIDER_VERSION, platform)
  makeDir(mirror, packageDir)

  // Written beside their final names and renamed over them: a terraform running meanwhile sees
  // the old files or the new ones, never half a file.
  const tag = `.tmp-${process.pid}-${Date.now()}`
  const bundle = join(packageDir, BUNDLE_NAME)
  const launcher = join(packageDir, LAUNCHER_NAME)
  const before = packageDigest(bundle, launcher)
  try {
    await bundleProvider(bundle + tag, options.entry === undefined ? {} : { entry: options.entry })
    writeFileSync(launcher + tag, launcherScript(platform === terraformPlatformOrUndefined() ? process.execPath : undefined), { mode: 0o755 })
    // The mode given to writeFileSync is filtered by the umask; the launcher must be executable.
    chmodSync(launcher + tag, 0o755)
    renameSync(bundle + tag, bundle)
    renameSync(launcher + tag, launcher)
  } catch (e) {
    rmSync(bundle + tag, { force: true })
    rmSync(launcher + tag, { force: true })
    if (e instanceof WardenError) throw e
    throw new WardenError('BAD_INPUT', `cannot write the provider into ${packageDir}: ${(e as Error).message}`, { cause: e })
  }
  const after = packageDigest(bundle, launcher)
  return { packageDir, cliConfig: cliConfiguration(mirror), previous: before === undefined ? 'none' : before === after ? 'same' : 'changed' }
}

/** A digest of the package's two files, or undefined when either is missing. */
function packageDigest(...files: string[]): string | undefined {
  const hash = createHash('sha256')
  for (const file of files) {
    if (!existsSync(file)) return undefined
    hash.update(readFileSync(file))
  }
  return hash.digest('hex')
}

function terraformPlatformOrUndefined(): string | undefined {
  try {
    return terraformPlatform()
  } catch {
    return undefined
  }
}

/** Creates the package folder; DIR must be a folder (or not exist yet). */
function makeDir(mirror: string, packageDir: string): void {
  if (existsSync(mirror) && !statSync(mirror).isDirectory()) {
    throw new WardenError('BAD_INPUT', `cannot install the Terraform provider into ${mirror}: it is not a folder`)
  }
  try {
    mkdirSync(packageDir, { recursive: true })
  } catch (e) {
    throw new WardenError('BAD_INPUT', `cannot install the Terraform provider into ${mirror}: ${(e as Error).message}`, { cause: e })
  }
}

/** Single-quoted for the shell: nothing inside is expanded. */
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

/**
 * The executable Terraform runs. Terraform symlinks the package folder into .terraform/providers,
 * so the bundle is found beside the script's real path (`readlink -f`). The node that ran the
 * install is used while it exists (the version that was tested with the bundle); else `node` on
 * the PATH.
 */
export function launcherScript(node: string | undefined): string {
  return [
    '#!/bin/sh',
    `# Warden's Terraform provider (${PROVIDER_SOURCE} ${PROVIDER_VERSION}), written by \`warden terraform install\`.`,
    '# It runs the bundled provider beside this file with Node.js 20 or later.',
    'dir=$(dirname "$(readlink -f "$0")")',
    `node=${shellQuote(node ?? 'node')}`,
    'if [ ! -x "$node" ]; then node=node; fi',
    `exec "$node" "$dir/${BUNDLE_NAME}" "$@"`,
    '',
  ].join('\n')
}

/** The CLI configuration (a TF_CLI_CONFIG_FILE or ~/.terraformrc) that installs warden.dev providers from the mirror and the rest as usual. */
export function cliConfiguration(mirror: string): string {
  const pattern = hclString(`${PROVIDER_HOSTNAME}/*/*`)
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${hclString(mirror)}`,
    `    include = [${pattern}]`,
    '  }',
    '  direct {',
    `    exclude = [${pattern}]`,
    '  }',
    '}',
    '',
  ].join('\n')
}
