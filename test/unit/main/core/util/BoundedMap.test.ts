import { describe, expect, it } from 'vitest'
import { BoundedMap } from '../../../../../src/main/core/util/BoundedMap'

describe('BoundedMap', () => {
  it('is a Map', () => {
    const m = new BoundedMap<string, number>(3)
    expect(m).toBeInstanceOf(Map)
    expect(m.set('a', 1)).toBe(m)
    expect(m.get('a')).toBe(1)
    expect(m.has('a')).toBe(true)
    expect(m.delete('a')).toBe(true)
    expect(m.size).toBe(0)
  })

  it('forgets the oldest entries beyond its limit', () => {
    const m = new BoundedMap<string, number>(3)
    for (const [i, k] of ['a', 'b', 'c', 'd', 'e'].entries()) m.set(k, i)
    expect(m.size).toBe(3)
    expect([...m.entries()]).toEqual([
      ['c', 2],
      ['d', 3],
      ['e', 4]
    ])
    expect(m.has('a')).toBe(false)
  })

  it('setting an existing key again makes it the newest', () => {
    const m = new BoundedMap<string, number>(3)
    m.set('a', 1).set('b', 2).set('c', 3)
    m.set('a', 10)
    m.set('d', 4)
    expect([...m.keys()]).toEqual(['c', 'a', 'd'])
    expect(m.get('a')).toBe(10)
  })

  it('reading does not refresh an entry (insertion order, not LRU)', () => {
    const m = new BoundedMap<string, number>(2)
    m.set('a', 1).set('b', 2)
    expect(m.get('a')).toBe(1)
    m.set('c', 3)
    expect([...m.keys()]).toEqual(['b', 'c'])
  })

  it('room freed by delete is reused without evicting', () => {
    const m = new BoundedMap<string, number>(2)
    m.set('a', 1).set('b', 2)
    m.delete('a')
    m.set('c', 3)
    expect([...m.keys()]).toEqual(['b', 'c'])
  })

  it('stays bounded under many insertions', () => {
    const m = new BoundedMap<number, true>(100)
    for (let i = 0; i < 10_000; i++) m.set(i, true)
    expect(m.size).toBe(100)
    expect(m.has(9_899)).toBe(false)
    expect(m.has(9_900)).toBe(true)
    expect(m.has(9_999)).toBe(true)
  })
})
