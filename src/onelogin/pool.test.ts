import { describe, expect, it } from 'vitest'
import { mapPool } from './pool.js'

describe('mapPool', () => {
  it('keeps order and never exceeds the concurrency', async () => {
    let inFlight = 0
    let peak = 0
    const out = await mapPool([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((r) => setTimeout(r, n * 3))
      inFlight--
      return n * 10
    })
    expect(out).toEqual([50, 10, 40, 20, 30, 0])
    expect(peak).toBe(2)
  })

  it('stops starting work after a failure and rethrows it', async () => {
    const started: number[] = []
    await expect(
      mapPool([1, 2, 3, 4, 5], 1, async (n) => {
        started.push(n)
        if (n === 2) throw new Error('boom')
        return n
      }),
    ).rejects.toThrow('boom')
    expect(started).toEqual([1, 2])
  })

  it('handles an empty list and refuses a bad concurrency', async () => {
    expect(await mapPool([], 3, async () => 1)).toEqual([])
    await expect(mapPool([1], 0, async () => 1)).rejects.toThrow(RangeError)
  })
})
