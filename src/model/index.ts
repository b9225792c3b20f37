export {
  ENTITLEMENT_SLUGS,
  RESOURCE_TYPES,
  entitlementId,
  grantId,
  isResourceType,
  parseEntitlementId,
  parseResourceId,
  resourceId,
} from './ids.js'
export type { EntitlementSlug, ParsedEntitlementId, ParsedResourceId, ResourceType } from './ids.js'
export { USER_STATUS_NAMES } from './types.js'
export type { AppTraits, Entitlement, Grant, Resource, UserStatusName, UserTraits } from './types.js'
