// The access-request API's shapes as the pages use them (the REST contract of issue 8).

export interface Person {
  id: string
  email: string
  display_name: string
}

export interface Conflict {
  rule_id: string
  rule_name: string
  action: 'block' | 'extra_approval'
  requested: string
  held: string[]
}

export interface Step {
  index: number
  state: string
  approvers: Person[]
  decided_by: string | null
  reason: string | null
  due_at: string | null
}

export interface RequestEvent {
  at: string
  actor: string
  type: string
  message: string
}

export interface AccessRequest {
  id: string
  kind: 'grant' | 'revoke' | 'extend'
  state: string
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  principal_id: string
  identity_id: string | null
  requester_id: string
  reason: string
  duration_minutes: number | null
  emergency: boolean
  conflicts: Conflict[]
  steps: Step[]
  events: RequestEvent[]
  expires_at: string | null
  created_at: string
  updated_at: string
}

export interface CatalogItem {
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  app_id: string | null
  app_name: string | null
  description: string | null
  max_duration_minutes: number | null
  risk_level: string | null
}

export interface TaskRequest {
  id: string
  kind: AccessRequest['kind']
  entitlement_id: string
  entitlement_name: string
  principal_id: string
  reason: string
  duration_minutes: number | null
  emergency: boolean
  conflicts: Conflict[]
  [extra: string]: unknown
}

export interface ApprovalTask {
  id: string
  request: TaskRequest
  step_index: number
  state: string
  assignees: Person[]
  due_at: string | null
  created_at: string
}

export interface TimeboundGrant {
  id: string
  integration_id: string
  entitlement_id: string
  entitlement_name: string
  principal_id: string
  principal_name: string
  principal_email: string | null
  request_id: string | null
  granted_at: string
  expires_at: string
  state: string
}
