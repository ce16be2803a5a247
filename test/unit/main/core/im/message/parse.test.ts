import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { bodyOf, isAction, messageType } from '../../../../../../src/main/core/im/message/parse'

describe('messageType (RFC 6121 §5.2.2)', () => {
  it.each(['chat', 'groupchat', 'headline', 'error', 'normal'] as const)('reads type=%s', (type) => {
    expect(messageType(xml('message', { type }))).toBe(type)
  })

  it('defaults to normal when absent or unknown', () => {
    expect(messageType(xml('message', {}))).toBe('normal')
    expect(messageType(xml('message', { type: 'Chat' }))).toBe('normal')
    expect(messageType(xml('message', { type: 'bogus' }))).toBe('normal')
  })
})

describe('bodyOf (RFC 6121 §5.2.3)', () => {
  it('is null without a body, empty for an empty body', () => {
    expect(bodyOf(xml('message', {}, xml('subject', {}, 'x')))).toBeNull()
    expect(bodyOf(xml('message', {}, xml('body', {})))).toBe('')
  })

  it('keeps the text exactly, whitespace and markup included', () => {
    expect(bodyOf(xml('message', {}, xml('body', {}, '  <b>hi</b> & bye\n')))).toBe('  <b>hi</b> & bye\n')
  })

  it('prefers the body without xml:lang', () => {
    const m = xml('message', {}, xml('body', { 'xml:lang': 'cs' }, 'Ahoj'), xml('body', {}, 'Hello'), xml('body', { 'xml:lang': 'de' }, 'Hallo'))
    expect(bodyOf(m)).toBe('Hello')
  })

  it('prefers the body in the stanza’s own language', () => {
    const m = xml('message', { 'xml:lang': 'en' }, xml('body', { 'xml:lang': 'cs' }, 'Ahoj'), xml('body', { 'xml:lang': 'en' }, 'Hello'))
    expect(bodyOf(m)).toBe('Hello')
  })

  it('falls back to the first body when all are in other languages', () => {
    const m = xml('message', {}, xml('body', { 'xml:lang': 'cs' }, 'Ahoj'), xml('body', { 'xml:lang': 'de' }, 'Hallo'))
    expect(bodyOf(m)).toBe('Ahoj')
  })

  it('ignores grandchildren named body', () => {
    expect(bodyOf(xml('message', {}, xml('html', { xmlns: 'http://jabber.org/protocol/xhtml-im' }, xml('body', {}, 'rich'))))).toBeNull()
  })
})

describe('isAction (XEP-0245)', () => {
  it('is true only for "/me " at the very start', () => {
    expect(isAction('/me waves')).toBe(true)
    expect(isAction('/me')).toBe(false)
    expect(isAction('/meh')).toBe(false)
    expect(isAction(' /me waves')).toBe(false)
    expect(isAction('/ME waves')).toBe(false)
    expect(isAction('say /me waves')).toBe(false)
  })
})
