import type { ResourceType } from './ids.js'

/** OneLogin user status by name (DESIGN.md). Status 2 is suspended, not deleted; there is no 6. */
export const USER_STATUS_NAMES = {
  0: 'unactivated',
  1: 'active',
  2: 'suspended',
  3: 'locked',
  4: 'password_expired',
  5: 'awaiting_password_reset',
  7: 'password_pending',
  8: 'security_questions_required',
} as const
export type UserStatusName = (typeof USER_STATUS_NAMES)[keyof typeof USER_STATUS_NAMES] | 'unknown'

export interface UserTraits {
  email: string | null
  login: string | null
  display_name: string
  first_name: string | null
  last_name: string | null
  status: UserStatusName
  /** True only for status 1: the only users who can sign in. */
  enabled: boolean
  manager_id: string | null
  department: string | null
  title: string | null
  last_login: string | null
  created_at: string | null
  custom_attributes: Record<string, string | null>
}

export interface AppTraits {
  /** OneLogin `provisioning.enabled`: the app is provisioned (e.g. SCIM) software. */
  provisioning_enabled: boolean
  connector_id: number | null
  auth_method: string | null
  visible: boolean
}

export interface Resource {
  id: string
  type: ResourceType
  display_name: string
  traits: Record<string, unknown>
}

export interface Entitlement {
  id: string
  resource: string
  slug: string
  display_name: string
  /** Resource types that can hold it (users; roles for privileges). */
  grantable_to: ResourceType[]
}

export interface Grant {
  id: string
  entitlement: string
  principal: string
  /** True when OneLogin records the assignment itself; false when held only through `sources`. */
  direct: boolean
  /** Entitlements through which it is (also) held, e.g. app access through `role:42:member`. */
  sources: string[]
}
