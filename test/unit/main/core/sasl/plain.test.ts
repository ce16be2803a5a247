import { describe, expect, it } from 'vitest'
import { plainMessage } from '../../../../../src/main/core/sasl/plain'

describe('plainMessage (RFC 4616)', () => {
  it('frames authzid NUL authcid NUL passwd', () => {
    expect(plainMessage('tim', 'tanstaaftanstaaf')).toBe('\0tim\0tanstaaftanstaaf')
    expect(plainMessage('Kurt', 'xipj3plmq', 'Ursel')).toBe('Ursel\0Kurt\0xipj3plmq')
  })

  it('SASLprep-maps username and password', () => {
    expect(plainMessage('us\u00ADer', 'I\u00ADX')).toBe('\0user\0IX')
    expect(plainMessage('user', 'a\u00A0b')).toBe('\0user\0a b')
    expect(plainMessage('user', '\uff50\uff57')).toBe('\0user\0pw')
  })

  it('leaves a Chinese password unchanged', () => {
    expect(plainMessage('user', '\u5bc6\u7801')).toBe('\0user\0\u5bc6\u7801')
  })

  it('does not SASLprep the authzid (a JID)', () => {
    expect(plainMessage('user', 'pw', 'user@example.org')).toBe('user@example.org\0user\0pw')
  })

  it.each([
    ['username', () => plainMessage('us\0er', 'pw')],
    ['password', () => plainMessage('user', 'p\0w')],
    ['authzid', () => plainMessage('user', 'pw', 'a\0b')]
  ])('rejects NUL inside the %s', (field, run) => {
    expect(run).toThrow(new RegExp(`${field} must not contain NUL`))
  })

  it('rejects empty fields and prohibited characters', () => {
    expect(() => plainMessage('', 'pw')).toThrow(/username is empty/)
    expect(() => plainMessage('user', '')).toThrow(/password is empty/)
    expect(() => plainMessage('user', '\u00AD')).toThrow(/password is empty/)
    expect(() => plainMessage('user', 'p\u0007w')).toThrow(/SASLprep/)
  })
})
