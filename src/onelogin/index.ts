export { OneLoginClient, PAGE_LIMITS } from './client.js'
export type { OneLoginClientOptions, ListQuery } from './client.js'
export { resolveBaseUrl, isOneLoginHost } from './base-url.js'
export { paginate, collect } from './paginate.js'
export type { Page, PageStyle, PaginateSpec } from './paginate.js'
export { mapPool } from './pool.js'
export { RateBudget, sharedRateBudget } from './rate-budget.js'
export type { RateBudgetOptions, BudgetSnapshot } from './rate-budget.js'
export { DEFAULT_RETRY_POLICY, retryPolicy } from './retry-policy.js'
export type { RetryPolicy } from './retry-policy.js'
export { CallCounter } from './call-counter.js'
export { errorMessageFromBody } from './error-body.js'
export type { HttpResponse, RequestSpec, RetryEvent } from './request.js'
export type {
  OneLoginApp,
  OneLoginAppSummary,
  OneLoginAppUser,
  OneLoginGroup,
  OneLoginPrivilege,
  OneLoginRole,
  OneLoginRoleApp,
  OneLoginRoleMember,
  OneLoginUser,
  OneLoginUserApp,
} from './schemas.js'
