/**
 * A map keyed by numeric id that can hand out its keys in ascending order cheaply: the sorted
 * key array is built once and reused until the map changes. Role membership, a user's roles and
 * an app's roles are all kept in these, so paging a role's users is O(page) after the first call.
 */
export class IdMap<V> {
  readonly #map = new Map<number, V>()
  #sorted: number[] | null = null

  get size(): number {
    return this.#map.size
  }

  has(id: number): boolean {
    return this.#map.has(id)
  }

  get(id: number): V | undefined {
    return this.#map.get(id)
  }

  /** Sets `id`; returns true when it was not present before. */
  set(id: number, value: V): boolean {
    const added = !this.#map.has(id)
    this.#map.set(id, value)
    if (added) this.#sorted = null
    return added
  }

  delete(id: number): boolean {
    const removed = this.#map.delete(id)
    if (removed) this.#sorted = null
    return removed
  }

  clear(): void {
    this.#map.clear()
    this.#sorted = null
  }

  /** Ascending ids. The array is shared: callers must not mutate it. */
  sortedIds(): readonly number[] {
    if (this.#sorted === null) this.#sorted = [...this.#map.keys()].sort((a, b) => a - b)
    return this.#sorted
  }

  keys(): IterableIterator<number> {
    return this.#map.keys()
  }
}

/** An `IdMap` used as a set. */
export class IdSet extends IdMap<true> {
  add(id: number): boolean {
    return this.set(id, true)
  }
}
