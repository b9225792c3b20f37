import autocannon from 'autocannon'

/** Load from autocannon in the bench process: one runner for every benchmark that loads the server. */

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  max: number
  requests: number
  bad: number
}

export interface Response {
  /** performance.now() when the response completed. */
  at: number
  ms: number
  status: number
}

export interface RunningLoad {
  done: Promise<{ result: LoadResult; responses: Response[] }>
  stop(): void
}

/**
 * autocannon against one URL. With `seconds` it stops by itself; without, on stop(). Every
 * response is also recorded (time, latency, status) when `record` is set. A request is given up
 * after `timeoutSeconds` (default 600: long enough that one held up by an ingest is measured).
 */
export function runLoad(url: string, headers: Record<string, string>, options: { connections: number; seconds?: number; record?: boolean; timeoutSeconds?: number }): RunningLoad {
  const responses: Response[] = []
  let instance: autocannon.Instance | undefined
  const done = new Promise<{ result: LoadResult; responses: Response[] }>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        headers,
        connections: options.connections,
        duration: options.seconds ?? 3600,
        timeout: options.timeoutSeconds ?? 600,
        setupClient: options.record === true ? (client) => client.on('response', (statusCode: number, _bytes: number, ms: number) => responses.push({ at: performance.now(), ms, status: statusCode })) : undefined,
      },
      (err: unknown, r: autocannon.Result) => {
        if (err !== null && err !== undefined) {
          reject(err instanceof Error ? err : new Error(String(err)))
          return
        }
        resolve({
          result: { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, requests: r.requests.total, bad: r.non2xx + r.errors + r.timeouts },
          responses,
        })
      },
    )
  })
  return { done, stop: () => instance?.stop() }
}
