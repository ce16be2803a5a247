import { describe, expect, it } from 'vitest'
import { Backoff } from '../../../../../src/main/core/account/backoff'

const fixed = (r: number) => () => r

describe('Backoff', () => {
  it('the first delay lies in [500, 3000] ms', () => {
    expect(new Backoff(fixed(0)).next()).toBe(500)
    expect(new Backoff(fixed(1)).next()).toBe(3000)
    expect(new Backoff(fixed(0.5)).next()).toBe(1750)
    for (let i = 0; i < 200; i++) {
      const d = new Backoff().next()
      expect(d).toBeGreaterThanOrEqual(500)
      expect(d).toBeLessThanOrEqual(3000)
    }
  })

  it('grows by doubling and stops at 300 s (random = 1 gives the ceiling)', () => {
    const b = new Backoff(fixed(1))
    const delays = Array.from({ length: 12 }, () => b.next())
    expect(delays).toEqual([3000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000, 300_000])
  })

  it('stays capped after very many attempts', () => {
    const b = new Backoff(fixed(1))
    for (let i = 0; i < 1000; i++) b.next()
    expect(b.next()).toBe(300_000)
    expect(b.attempt).toBe(1001)
  })

  it('uses full jitter with a floor: random = 0 gives 250 ms after the first attempt', () => {
    const b = new Backoff(fixed(0))
    expect(b.next()).toBe(500)
    expect(b.next()).toBe(250)
    expect(b.next()).toBe(250)
  })

  it('jitter scales the ceiling', () => {
    const b = new Backoff(fixed(0.5))
    b.next()
    expect(b.next()).toBe(2000)
    expect(b.next()).toBe(4000)
  })

  it('a penalty skips ahead, also on the first attempt', () => {
    const b = new Backoff(fixed(1))
    expect(b.next(2)).toBe(8000)
    expect(b.attempt).toBe(3)
    expect(b.next()).toBe(16_000)
    const c = new Backoff(fixed(1))
    c.next()
    expect(c.next(3)).toBe(32_000)
    expect(c.attempt).toBe(5)
    expect(c.next()).toBe(64_000)
  })

  it('reset starts over with a quick first retry', () => {
    const b = new Backoff(fixed(1))
    b.next()
    b.next()
    b.next()
    expect(b.attempt).toBe(3)
    b.reset()
    expect(b.attempt).toBe(0)
    expect(b.next()).toBe(3000)
    expect(b.next()).toBe(4000)
  })
})
