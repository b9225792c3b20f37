import { WardenError } from '../errors/index.js'

/**
 * Warden's model IDs (DESIGN.md, "The model"). Stable strings, the same in snapshots, the
 * governance store, the API and the CLI:
 *   resource     user:<id>, role:<id>, app:<id>, group:<id>, privilege:<uuid>
 *   entitlement  role:<id>:member, role:<id>:admin, app:<id>:access, group:<id>:member, privilege:<uuid>:assigned
 *   grant        <entitlement id>:<principal resource id>, e.g. role:42:member:user:7
 */
export const RESOURCE_TYPES = ['user', 'role', 'app', 'group', 'privilege'] as const
export type ResourceType = (typeof RESOURCE_TYPES)[number]

/** The entitlements each resource type offers. */
export const ENTITLEMENT_SLUGS = {
  user: [],
  role: ['member', 'admin'],
  app: ['access'],
  group: ['member'],
  privilege: ['assigned'],
} as const satisfies Record<ResourceType, readonly string[]>
export type EntitlementSlug = 'member' | 'admin' | 'access' | 'assigned'

export function isResourceType(v: string): v is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(v)
}

export function resourceId(type: ResourceType, externalId: string | number): string {
  return `${type}:${externalId}`
}

export function entitlementId(type: ResourceType, externalId: string | number, slug: EntitlementSlug): string {
  return `${type}:${externalId}:${slug}`
}

export function grantId(entitlement: string, principal: string): string {
  return `${entitlement}:${principal}`
}

const EXTERNAL_ID: Record<ResourceType, RegExp> = {
  user: /^[1-9]\d{0,15}$/,
  role: /^[1-9]\d{0,15}$/,
  app: /^[1-9]\d{0,15}$/,
  group: /^[1-9]\d{0,15}$/,
  privilege: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
}

export interface ParsedResourceId {
  type: ResourceType
  externalId: string
}

/** Parses `user:7`; throws BAD_INPUT with a clear message for anything else. */
export function parseResourceId(id: string): ParsedResourceId {
  const i = id.indexOf(':')
  const type = id.slice(0, i)
  const externalId = id.slice(i + 1)
  if (i < 0 || !isResourceType(type) || !EXTERNAL_ID[type].test(externalId)) {
    throw new WardenError('BAD_INPUT', `"${id}" is not a resource ID (expected user:<id>, role:<id>, app:<id>, group:<id> or privilege:<uuid>)`)
  }
  return { type, externalId }
}

export interface ParsedEntitlementId extends ParsedResourceId {
  slug: EntitlementSlug
  resource: string
}

/** Parses `role:42:member`; throws BAD_INPUT for an ID that names no entitlement Warden models. */
export function parseEntitlementId(id: string): ParsedEntitlementId {
  const i = id.lastIndexOf(':')
  const slug = id.slice(i + 1)
  const resource = i < 0 ? '' : id.slice(0, i)
  let parsed: ParsedResourceId | undefined
  try {
    parsed = parseResourceId(resource)
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || !(ENTITLEMENT_SLUGS[parsed.type] as readonly string[]).includes(slug)) {
    throw new WardenError(
      'BAD_INPUT',
      `"${id}" is not an entitlement ID (expected role:<id>:member, role:<id>:admin, app:<id>:access, group:<id>:member or privilege:<uuid>:assigned)`,
    )
  }
  return { ...parsed, slug: slug as EntitlementSlug, resource }
}
