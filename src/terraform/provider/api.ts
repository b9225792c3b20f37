import { WardenError } from '../../errors/index.js'
import type { WardenApi } from '../../client/index.js'

/** The REST calls resources make, with "gone" as null rather than an error. */

export async function getOrNull<T>(api: WardenApi, path: string): Promise<T | null> {
  try {
    return await api.get<T>(path)
  } catch (e) {
    if (e instanceof WardenError && e.code === 'NOT_FOUND') return null
    throw e
  }
}

/** DELETE that counts an object already gone as deleted (someone removed it outside Terraform). */
export async function deleteIfPresent(api: WardenApi, path: string): Promise<void> {
  try {
    await api.call('DELETE', path)
  } catch (e) {
    if (e instanceof WardenError && e.code === 'NOT_FOUND') return
    throw e
  }
}

/** Every item of a paged list (Warden pages are cursor pages of at most 500). */
export async function all<T>(api: WardenApi, path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<T[]> {
  const out: T[] = []
  let cursor: string | undefined
  do {
    const page = await api.get<{ items: T[]; next_cursor: string | null }>(path, { ...query, limit: 500, cursor })
    out.push(...page.items)
    cursor = page.next_cursor ?? undefined
  } while (cursor !== undefined)
  return out
}

/** An import ID that is not of the expected form. */
export function badImportId(id: string, help: string): WardenError {
  return new WardenError('BAD_INPUT', `"${id}" is not an import ID of this resource: use ${help}`)
}

/** Path segments of REST URLs (entitlement ids carry ':'). */
export const seg = encodeURIComponent
