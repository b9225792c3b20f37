import type { RouteContext, ZodApp } from './context.js'

// Issue 6 (in progress).
export function registerInventoryRoutes(app: ZodApp, ctx: RouteContext): void {
  void app
  void ctx
}
