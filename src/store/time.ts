import { WardenError } from '../errors/index.js'

/** The one timestamp format in the database: ISO-8601 UTC with milliseconds. */
export function isoTime(date: Date): string {
  return date.toISOString()
}

export function addMs(date: Date, ms: number): string {
  return new Date(date.getTime() + ms).toISOString()
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/**
 * A timestamp from a caller, normalised to the stored format (so lexical order stays time order).
 * Accepts a Date or any string Date parses; refuses what it can't read.
 */
export function toIsoTime(value: Date | string, what: string): string {
  if (typeof value === 'string' && ISO.test(value)) return value
  const date = typeof value === 'string' ? new Date(value) : value
  if (Number.isNaN(date.getTime())) throw new WardenError('BAD_INPUT', `${what} is not a valid timestamp: ${String(value)}`)
  return date.toISOString()
}
