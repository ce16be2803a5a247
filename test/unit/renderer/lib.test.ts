// Small pure helpers of the renderer: XEP-0392 colours, reactions.
import { describe, expect, test } from 'vitest'
import { consistentColor, hueAngle, sha1 } from '../../../src/renderer/src/lib/colors'
import { isReaction, ownReactions, toggleReaction } from '../../../src/renderer/src/lib/reactions'

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('')

describe('XEP-0392 colours', () => {
  test('SHA-1 test vectors (FIPS 180), across the padding boundaries', () => {
    const enc = new TextEncoder()
    expect(hex(sha1(enc.encode('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d')
    expect(hex(sha1(enc.encode('')))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709')
    expect(hex(sha1(enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe('84983e441c3bd26ebaae4aa1f95129e5e54670f1')
    expect(hex(sha1(enc.encode('a'.repeat(1000))))).toBe('291e9a6c66994949b57ba5e650361e98fc36b1ba')
  })

  test('the hue angles of XEP-0392 §A.1, and the HSLuv colour main computes too', () => {
    expect(hueAngle('Romeo')).toBeCloseTo(327.255249, 5)
    expect(hueAngle('juliet@capulet.lit')).toBeCloseTo(209.4104, 4)
    expect(hueAngle('😺')).toBeCloseTo(331.199341, 5)
    expect(hueAngle('council')).toBeCloseTo(359.994507, 5)
    expect(consistentColor('Romeo')).toBe('#dd00af')
    expect(consistentColor('juliet@capulet.lit')).toBe('#008392')
  })
})

describe('reactions', () => {
  test('emoji only, including sequences, flags and keycaps; no words, no spaces', () => {
    for (const ok of ['👍', '❤️', '👍🏽', '👨‍👩‍👧', '🇨🇳', '1️⃣', '🎉🎉']) expect(isReaction(ok), ok).toBe(true)
    for (const bad of ['', 'lol', '👍 nice', 'a👍', '<b>', ' ', '\u202E👍', '👍'.repeat(17)]) expect(isReaction(bad), bad).toBe(false)
  })

  test('a click adds the emoji to our set or takes it back; others’ reactions are not ours', () => {
    const message = { reactions: [{ emoji: '👍', count: 3, mine: true }, { emoji: '🎉', count: 1, mine: false }] }
    expect(ownReactions(message)).toEqual(['👍'])
    expect(toggleReaction(message, '🎉')).toEqual(['👍', '🎉'])
    expect(toggleReaction(message, '👍')).toEqual([])
    expect(toggleReaction({}, '😂')).toEqual(['😂'])
  })
})
