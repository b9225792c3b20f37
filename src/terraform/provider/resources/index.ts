import type { ResourceType } from '../resource.js'
import { appEntitlementResource } from './app-entitlement.js'
import { appResource } from './app.js'
import { integrationResource } from './integration.js'
import { policyResource } from './policy.js'
import { sodRuleResource } from './sod-rule.js'

/** Every resource type, by its Terraform name; export writes them in this order (dependencies first). */
export const RESOURCES: Readonly<Record<string, ResourceType>> = {
  warden_app: appResource,
  warden_integration_onelogin: integrationResource,
  warden_policy: policyResource,
  warden_app_entitlement: appEntitlementResource,
  warden_sod_rule: sodRuleResource,
}
