import { WardenError } from '../errors/index.js'

/** Commander option parsers that turn bad flag values into BAD_INPUT (exit 2) with one clear line. */
export function intOption(flag: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value)
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new WardenError('BAD_INPUT', `${flag} must be a whole number from ${min} to ${max}, not "${value}"`)
    }
    return n
  }
}
