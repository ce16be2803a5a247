import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import { randomResource } from '../../../../../src/main/core/stream/bind'

describe('randomResource', () => {
  it('is "parley." and 8 lowercase hex digits', () => {
    for (let i = 0; i < 20; i++) expect(randomResource()).toMatch(/^parley\.[0-9a-f]{8}$/)
  })

  it('differs between calls', () => {
    const seen = new Set(Array.from({ length: 200 }, () => randomResource()))
    expect(seen.size).toBe(200)
  })

  it('does not leak the host name', () => {
    expect(randomResource()).not.toContain(hostname())
  })
})
