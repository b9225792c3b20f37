/**
 * What every route module gets: the tenant state and the cross-cutting services, plus the one
 * helper that declares an emulated OneLogin route with its error family and allowed scopes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import type { TokenRecord, TokenStore } from './auth.js'
import type { Family } from './errors.js'
import { familyOf } from './errors.js'
import type { FaultBook } from './faults.js'
import type { RateLimiter } from './rate-limit.js'
import type { CredentialScope } from './seed.js'
import type { EmulatorState } from './state.js'
import type { Stats } from './stats.js'

export interface EmulatorContext {
  readonly state: EmulatorState
  readonly tokens: TokenStore
  readonly faults: FaultBook
  readonly limiter: RateLimiter
  readonly stats: Stats
  readonly latencyMs: number
  /** epoch ms; one place to read the clock */
  now(): number
}

export interface RouteMeta {
  family: Family
  /** Scopes allowed to call it; null = no bearer token needed (the token endpoints). */
  scopes: readonly CredentialScope[] | null
  /** Counts toward the account's rate limit (§8). */
  limited: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    emu?: RouteMeta
  }
  interface FastifyRequest {
    /** The verified token of an authenticated emulated route. */
    emuToken: TokenRecord | null
  }
}

type Handler = (req: FastifyRequest, reply: FastifyReply) => unknown

export interface EmuRouteDef {
  method: HTTPMethods
  url: string
  scopes: readonly CredentialScope[] | null
  family?: Family
  limited?: boolean
  handler: Handler
}

/** Declares an emulated OneLogin route; the server's hooks read its meta for auth, limits, stats. */
export function emuRoute(app: FastifyInstance, def: EmuRouteDef): void {
  const meta: RouteMeta = {
    family: def.family ?? familyOf(def.url),
    scopes: def.scopes,
    limited: def.limited ?? (def.url.startsWith('/api/') || def.url === '/auth/rate_limit'),
  }
  app.route({
    method: def.method,
    url: def.url,
    config: { emu: meta },
    handler: async (req, reply) => {
      const result = await def.handler(req, reply)
      if (result === reply || reply.sent) return reply
      // Serialise once into a Buffer: fastify would otherwise UTF-8-encode a large page twice
      // (once for content-length, once to write it), which dominated walks of 100k users.
      return reply.type(JSON_TYPE).send(Buffer.from(JSON.stringify(result)))
    },
  })
}

const JSON_TYPE = 'application/json; charset=utf-8'

export type Params = Record<string, string>

export function params(req: FastifyRequest): Params {
  return req.params as Params
}

/** A path id that must be a positive integer; anything else is "not found" (`null`). */
export function numericId(raw: string | undefined): number | null {
  return raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : null
}

/** ISO-8601 UTC with milliseconds, OneLogin's timestamp format (§3.1). */
export function iso(ms: number): string {
  return new Date(ms).toISOString()
}
