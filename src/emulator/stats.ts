/**
 * Request counters for `GET /__emulator/stats`: every request that reached an emulated OneLogin
 * route (faulted, throttled and refused ones included), keyed by method and route pattern,
 * e.g. `GET /api/2/roles/:id/users`. Tests and benchmarks use it to count API calls.
 */
export class Stats {
  #total = 0
  #byEndpoint = new Map<string, number>()

  count(method: string, routePattern: string): void {
    const key = `${method} ${routePattern}`
    this.#total++
    this.#byEndpoint.set(key, (this.#byEndpoint.get(key) ?? 0) + 1)
  }

  snapshot(): { total: number; by_endpoint: Record<string, number> } {
    const byEndpoint: Record<string, number> = {}
    for (const key of [...this.#byEndpoint.keys()].sort()) byEndpoint[key] = this.#byEndpoint.get(key) ?? 0
    return { total: this.#total, by_endpoint: byEndpoint }
  }

  reset(): void {
    this.#total = 0
    this.#byEndpoint.clear()
  }
}
