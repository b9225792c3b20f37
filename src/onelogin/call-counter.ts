/**
 * Counts every HTTP call the client makes, by endpoint (`METHOD /route/:pattern`), retries and
 * token requests included: these are the numbers sync summaries and benchmarks report, and
 * tests assert them exactly.
 */
export class CallCounter {
  readonly #byEndpoint = new Map<string, number>()
  #total = 0

  add(endpoint: string): void {
    this.#byEndpoint.set(endpoint, (this.#byEndpoint.get(endpoint) ?? 0) + 1)
    this.#total++
  }

  get total(): number {
    return this.#total
  }

  count(endpoint: string): number {
    return this.#byEndpoint.get(endpoint) ?? 0
  }

  /** Endpoint → calls, sorted by endpoint. */
  byEndpoint(): Record<string, number> {
    return Object.fromEntries([...this.#byEndpoint.entries()].sort(([a], [b]) => a.localeCompare(b)))
  }

  reset(): void {
    this.#byEndpoint.clear()
    this.#total = 0
  }
}
