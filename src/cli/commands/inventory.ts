import type { Command } from 'commander'
import { WardenError } from '../../errors/index.js'
import { RESOURCE_TYPES, isResourceType, parseEntitlementId, parseResourceId } from '../../model/index.js'
import type { Entitlement, Grant, Resource, ResourceType } from '../../model/index.js'
import { SnapshotReader } from '../../snapshot/index.js'
import { CsvWriter, JsonArrayWriter, Output, TextTableWriter, heldThrough, outputFormat, writeAll } from '../format.js'
import type { OutputFormat, RowWriter } from '../format.js'

interface ReadFlags {
  file: string
  type?: ResourceType
  json?: boolean
  csv?: boolean
}

interface GrantFlags extends ReadFlags {
  entitlement?: string
  principal?: string
}

/** `--type` values: one of the resource types, anything else is bad usage (exit 2). */
export function typeOption(value: string): ResourceType {
  if (!isResourceType(value)) throw new WardenError('BAD_INPUT', `--type must be one of ${RESOURCE_TYPES.join(', ')}, not "${value}"`)
  return value
}

function readCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .requiredOption('--file <path>', 'the snapshot file (written by warden sync)')
    .option('--type <type>', `only this resource type: ${RESOURCE_TYPES.join(', ')}`, typeOption)
    .option('--json', 'print a JSON array')
    .option('--csv', 'print CSV with a header row')
}

/** `warden resources|entitlements|grants --file F [--type T] [--json|--csv]` (DESIGN.md, CLI contract). */
export function registerInventory(program: Command): void {
  readCommand(program, 'resources', 'list the users, roles, apps, groups and privileges in a snapshot').action(async (flags: ReadFlags) => {
    const format = outputFormat(flags)
    await withReader(flags.file, (reader, out) => writeAll(reader.resources({ type: flags.type }), resourceWriter(format, out, flags.type), out))
  })

  readCommand(program, 'entitlements', 'list the entitlements (role membership, app access, ...) in a snapshot').action(async (flags: ReadFlags) => {
    const format = outputFormat(flags)
    await withReader(flags.file, (reader, out) => writeAll(reader.entitlements({ type: flags.type }), entitlementWriter(format, out), out))
  })

  readCommand(program, 'grants', 'list who holds which entitlement in a snapshot, and through what')
    .option('--entitlement <id>', 'only grants of this entitlement, e.g. app:9:access', entitlementOption)
    .option('--principal <id>', 'only grants held by this principal, e.g. user:7', principalOption)
    .action(async (flags: GrantFlags) => {
      const format = outputFormat(flags)
      await withReader(flags.file, (reader, out) =>
        writeAll(reader.grants({ type: flags.type, entitlement: flags.entitlement, principal: flags.principal }), grantWriter(format, out), out),
      )
    })
}

function entitlementOption(value: string): string {
  parseEntitlementId(value)
  return value
}

function principalOption(value: string): string {
  parseResourceId(value)
  return value
}

async function withReader(file: string, run: (reader: SnapshotReader, out: Output) => Promise<void>): Promise<void> {
  const reader = SnapshotReader.open(file)
  try {
    await run(reader, new Output())
  } finally {
    reader.close()
  }
}

function traitText(traits: Record<string, unknown>, key: string): string {
  const v = traits[key]
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v)
}

export function resourceWriter(format: OutputFormat, out: Output, type?: ResourceType): RowWriter<Resource> {
  switch (format) {
    case 'json':
      return new JsonArrayWriter<Resource>(out, (r) => ({ id: r.id, type: r.type, display_name: r.display_name, traits: r.traits }))
    case 'csv':
      return new CsvWriter<Resource>(out, ['id', 'type', 'display_name', 'traits'], (r) => [r.id, r.type, r.display_name, JSON.stringify(r.traits)])
    case 'table':
      if (type !== undefined && type !== 'user') return new TextTableWriter<Resource>(out, ['ID', 'TYPE', 'DISPLAY NAME'], (r) => [r.id, r.type, r.display_name])
      return new TextTableWriter<Resource>(out, ['ID', 'TYPE', 'DISPLAY NAME', 'STATUS', 'EMAIL'], (r) => [
        r.id,
        r.type,
        r.display_name,
        r.type === 'user' ? traitText(r.traits, 'status') : '',
        r.type === 'user' ? traitText(r.traits, 'email') : '',
      ])
  }
}

export function entitlementWriter(format: OutputFormat, out: Output): RowWriter<Entitlement> {
  switch (format) {
    case 'json':
      return new JsonArrayWriter<Entitlement>(out, (e) => ({ id: e.id, resource: e.resource, slug: e.slug, display_name: e.display_name, grantable_to: e.grantable_to }))
    case 'csv':
      return new CsvWriter<Entitlement>(out, ['id', 'resource', 'slug', 'display_name', 'grantable_to'], (e) => [
        e.id,
        e.resource,
        e.slug,
        e.display_name,
        e.grantable_to.join(';'),
      ])
    case 'table':
      return new TextTableWriter<Entitlement>(out, ['ID', 'DISPLAY NAME', 'GRANTABLE TO'], (e) => [e.id, e.display_name, e.grantable_to.join(', ')])
  }
}

export function grantWriter(format: OutputFormat, out: Output): RowWriter<Grant> {
  switch (format) {
    case 'json':
      return new JsonArrayWriter<Grant>(out, (g) => ({ id: g.id, entitlement: g.entitlement, principal: g.principal, direct: g.direct, sources: g.sources }))
    case 'csv':
      return new CsvWriter<Grant>(out, ['id', 'entitlement', 'principal', 'direct', 'sources'], (g) => [
        g.id,
        g.entitlement,
        g.principal,
        g.direct,
        g.sources.join(';'),
      ])
    case 'table':
      return new TextTableWriter<Grant>(out, ['ENTITLEMENT', 'PRINCIPAL', 'SOURCES'], (g) => [g.entitlement, g.principal, heldThrough(g)], {
        maxWidth: 200,
      })
  }
}
