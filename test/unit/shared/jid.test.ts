import { describe, expect, it } from 'vitest'
import {
  bare,
  bareOf,
  domainOf,
  domainToAscii,
  isBareJidString,
  isFullJidString,
  jidEquals,
  jidToString,
  localOf,
  normalizeJid,
  parseJid,
  resourceOf,
  toBareJid,
  toFullJid
} from '../../../src/shared/jid'

const VALID: Array<[string, string]> = [
  ['alice@example.com', 'alice@example.com'],
  ['Alice@Example.COM/Phone', 'alice@example.com/Phone'],
  ['ａｌｉｃｅ@example.com', 'alice@example.com'],
  ['example.com', 'example.com'],
  ['example.com/res', 'example.com/res'],
  ['example.com.', 'example.com'],
  ['alice@example.com./r', 'alice@example.com/r'],
  ['a@b/c/d@e', 'a@b/c/d@e'],
  ['user@127.0.0.1', 'user@127.0.0.1'],
  ['user@[::1]/r', 'user@[::1]/r'],
  ['user@[0:0::1]', 'user@[::1]'],
  // Canonical domains are U-labels (RFC 7622 §3.2); domainToAscii gives the A-labels.
  ['张三@例子.测试', '张三@例子.测试'],
  ['张三@例子。测试', '张三@例子.测试'],
  ['München@EXAMPLE.com', 'münchen@example.com'],
  ['Mu\u0308nchen@example.com', 'münchen@example.com'],
  ['user@xn--mnchen-3ya.de', 'user@münchen.de'],
  ['user@XN--MNCHEN-3YA.DE', 'user@münchen.de'],
  ['user@München.DE', 'user@münchen.de'],
  ['u@ｅｘａｍｐｌｅ．ｃｏｍ', 'u@example.com'],
  ['u@l·l.cat', 'u@l·l.cat'],
  ['u@abc.xn--4dbrk0ce', 'u@abc.ישראל'],
  ['ΟΔΟΣ@example.com', 'οδος@example.com'],
  ['אבג@example.com', 'אבג@example.com'],
  ['א1@example.com', 'א1@example.com'],
  ['☃@example.com', '☃@example.com'],
  ['x@example.com/ spaced res ', 'x@example.com/ spaced res '],
  ['x@example.com/a\u3000b', 'x@example.com/a b'],
  ['x@example.com/Ünïcødé 🙂', 'x@example.com/Ünïcødé 🙂'],
  ['x@example.com/CaSe', 'x@example.com/CaSe'],
  ['a--b@a--b.example', 'a--b@a--b.example'],
  ['localhost', 'localhost'],
  ['a'.repeat(1023) + '@x', 'a'.repeat(1023) + '@x'],
  ['ü'.repeat(511) + '@x', 'ü'.repeat(511) + '@x'],
  ['u@' + 'a'.repeat(63) + '.com', 'u@' + 'a'.repeat(63) + '.com'],
  ['x@y/' + 'r'.repeat(1023), 'x@y/' + 'r'.repeat(1023)]
]

const INVALID: Array<[string, string]> = [
  ['empty', ''],
  ['empty domain after @', 'alice@'],
  ['leading @', '@example.com'],
  ['only a resource', '/r'],
  ['empty resource', 'example.com/'],
  ['@ in the domain', 'a@b@c'],
  ['space in localpart', 'a b@example.com'],
  ['space in domain', 'alice@exa mple.com'],
  ['NUL', 'al\u0000ice@example.com'],
  ['RTL override', '\u202Ealice@example.com'],
  ['zero-width space', 'al\u200Bice@example.com'],
  ['Hangul filler', '\u3164@example.com'],
  ['soft hyphen in domain', 'u@exa\u00ADmple.com'],
  ['quote', 'al"ice@x'],
  ['colon', 'a:b@x'],
  ['ampersand', 'a&b@x'],
  ['angle bracket', 'a<b@x'],
  ['fullwidth @ maps to @', 'ａ＠b@x'],
  ['1,024-byte localpart', 'a'.repeat(1024) + '@x'],
  ['1,024-byte multibyte localpart', 'ü'.repeat(512) + '@x'],
  ['1,024-byte resource', 'x@y/' + 'r'.repeat(1024)],
  ['64-char label', 'u@' + 'a'.repeat(64) + '.com'],
  ['host over 253 octets', 'u@' + Array(64).fill('abc').join('.')],
  ['empty label', 'u@a..b'],
  ['leading dot', 'u@.example.com'],
  ['two trailing dots', 'u@example.com..'],
  ['leading hyphen', 'u@-abc.com'],
  ['trailing hyphen', 'u@abc-.com'],
  ['reserved -- label', 'u@ab--c.com'],
  ['underscore', 'u@a_b.com'],
  ['percent escape', 'u@ex%61mple.com'],
  ['tab in domain', 'u@exa\tmple.com'],
  ['port', 'u@example.com:5222'],
  ['numeric TLD', 'u@example.123'],
  ['short IPv4 form', 'u@1.2.3'],
  ['hex IPv4 form', 'u@0x7f.1'],
  ['bad IPv6', 'u@[::g]'],
  ['bad punycode', 'u@xn--a.de'],
  ['empty punycode', 'u@xn--.de'],
  ['non-canonical punycode', 'u@xn--abc-.de'],
  ['symbol domain (IDNA2008)', 'u@☃.com'],
  ['symbol A-label', 'u@xn--n3h.com'],
  ['middle dot outside l·l', 'u@a·b.cat'],
  ['bidi domain with LTR label starting with a digit', 'u@1abc.xn--4dbrk0ce'],
  ['mixed LTR and RTL localpart', 'aא@x'],
  ['RTL localpart starting with a digit', '1א@x'],
  ['compatibility character', 'ǆ@x'],
  ['lone surrogate in localpart', 'a\uD800@x'],
  ['lone surrogate in resource', 'x@y/\uDC00'],
  ['private use', '\uE000@x'],
  ['noncharacter', 'a\uFDD0@x'],
  ['variation selector in resource', 'x@y/a\uFE0F'],
  ['control in resource', 'x@y/a\u0007'],
  ['line separator in resource', 'x@y/a\u2028b']
]

describe('parseJid', () => {
  it.each(VALID)('normalises %j', (input, expected) => {
    const j = parseJid(input)
    expect(j).not.toBeNull()
    expect(jidToString(j!)).toBe(expected)
  })

  it.each(INVALID)('rejects %s', (_, input) => {
    expect(parseJid(input)).toBeNull()
  })

  it('splits per RFC 7622 §3.1', () => {
    expect(parseJid('a@b/c/d@e')).toEqual({ local: 'a', domain: 'b', resource: 'c/d@e' })
    expect(parseJid('example.com')).toEqual({ local: '', domain: 'example.com', resource: '' })
  })

  it('returns null instead of throwing on non-strings and huge input', () => {
    for (const v of [undefined, null, 42, {}, []]) expect(parseJid(v as unknown as string)).toBeNull()
    expect(parseJid('a'.repeat(100_000) + '@x')).toBeNull()
  })

  it('returns structured-clone-safe data', () => {
    const j = parseJid('Alice@Example.com/Phone')!
    expect(structuredClone(j)).toEqual(j)
  })
})

describe('helpers', () => {
  it('jidEquals compares normalised forms', () => {
    expect(jidEquals('ALICE@example.com', 'alice@EXAMPLE.COM')).toBe(true)
    expect(jidEquals('user@xn--mnchen-3ya.de', 'user@münchen.de')).toBe(true)
    expect(jidEquals('ａｌｉｃｅ@example.com', 'alice@example.com.')).toBe(true)
    expect(jidEquals('a@x/Phone', 'a@x/phone')).toBe(false)
    expect(jidEquals('a@x', 'a@x/r')).toBe(false)
    expect(jidEquals('alice@', 'alice@')).toBe(false)
  })

  it('toBareJid and toFullJid require the matching shape', () => {
    expect(toBareJid('Alice@Example.com')).toBe('alice@example.com')
    expect(toBareJid('alice@example.com/r')).toBeNull()
    expect(toFullJid('Alice@Example.com/r')).toBe('alice@example.com/r')
    expect(toFullJid('example.com/r')).toBe('example.com/r')
    expect(toFullJid('alice@example.com')).toBeNull()
    expect(toBareJid('alice@')).toBeNull()
  })

  it('isBareJidString / isFullJidString accept canonical strings only', () => {
    expect(isBareJidString('alice@example.com')).toBe(true)
    expect(isBareJidString('Alice@example.com')).toBe(false)
    expect(isBareJidString('alice@example.com/r')).toBe(false)
    expect(isBareJidString(42)).toBe(false)
    expect(isFullJidString('alice@example.com/r')).toBe(true)
    expect(isFullJidString('alice@example.com')).toBe(false)
  })

  it('extracts parts', () => {
    expect(bareOf('Alice@Example.com/Phone')).toBe('alice@example.com')
    expect(bareOf('/r')).toBeNull()
    expect(domainOf('user@XN--MNCHEN-3YA.de/r')).toBe('münchen.de')
    expect(localOf('Alice@x')).toBe('alice')
    expect(localOf('x')).toBe('')
    expect(localOf('a@b@c')).toBeNull()
    expect(resourceOf('a@x/Phone')).toBe('Phone')
    expect(bare(parseJid('a@x/r')!)).toEqual({ local: 'a', domain: 'x', resource: '' })
    expect(normalizeJid('A@X')).toBe('a@x')
  })

  it('domainToAscii gives A-labels for DNS and SNI', () => {
    expect(domainToAscii('例子.测试')).toBe('xn--fsqu00a.xn--0zwm56d')
    expect(domainToAscii('München.de.')).toBe('xn--mnchen-3ya.de')
    expect(domainToAscii('Example.COM')).toBe('example.com')
    expect(domainToAscii('127.0.0.1')).toBe('127.0.0.1')
    expect(domainToAscii('[::1]')).toBe('[::1]')
    expect(domainToAscii('exa mple.com')).toBeNull()
  })
})

// Deterministic PRNG so that a failure can be replayed.
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return Math.floor((s / 2 ** 32) * n)
  }
}

function randomInputs(count: number): string[] {
  const int = prng(7622)
  const range = (from: number, size: number) => () => String.fromCodePoint(from + int(size))
  const pick = (chars: string) => () => chars[int(chars.length)] ?? ''
  const any = [
    range(0x20, 95), pick('@/.'), range(0, 0x10000), range(0x10000, 0x100000), range(0x300, 0x70),
    range(0xff01, 0xef), range(0x5d0, 0x1b), range(0x621, 0x50), range(0x4e00, 0x100), pick('ÄÖÜßİΣ'),
    range(0x2000, 0x70), range(0xac00, 0x200)
  ]
  const label = [pick('abcxyz0123-'), pick('ÄüßΣ'), range(0x4e00, 0x100), range(0xff41, 26)]
  const str = (len: number, pool: Array<() => string>) =>
    Array.from({ length: len }, () => pool[int(pool.length)]?.() ?? '').join('')
  const structured = () => {
    const local = int(3) === 0 ? '' : `${str(1 + int(8), any.slice(0, 10))}@`
    const domain = Array.from({ length: 1 + int(3) }, () => str(1 + int(6), label)).join('.')
    return local + domain + (int(2) === 0 ? '' : `/${str(1 + int(8), any)}`)
  }
  return Array.from({ length: count }, () => (int(2) === 0 ? str(int(30), any) : structured()))
}

describe('properties', () => {
  it('never throws, and normalisation is idempotent', () => {
    let valid = 0
    for (const input of randomInputs(1000)) {
      const j = parseJid(input)
      if (j === null) continue
      valid++
      const again = parseJid(jidToString(j))
      expect(again, JSON.stringify(input)).toEqual(j)
    }
    // The generator must reach the interesting branch often enough to mean something.
    expect(valid).toBeGreaterThan(50)
  })

  it('parses 100,000 typical JIDs quickly (fast path)', () => {
    const inputs = Array.from({ length: 100_000 }, (_, i) => `user${i}@example.com/phone-abc`)
    const start = performance.now()
    for (const s of inputs) parseJid(s)
    const ms = performance.now() - start
    // Measured at about 15 ms on Node 24; the bound only catches a lost fast path.
    expect(ms).toBeLessThan(1000)
  })
})
