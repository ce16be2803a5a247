import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { NS_SID, originId, parseOriginId, parseStanzaId } from '../../../../../../src/main/core/xep/0359-unique-ids'

describe('XEP-0359 unique and stable stanza ids', () => {
  it('originId builds the element', () => {
    expect(originId('de305d54-75b4-431b-adb2-eb6b9e546013').toString()).toBe('<origin-id xmlns="urn:xmpp:sid:0" id="de305d54-75b4-431b-adb2-eb6b9e546013"/>')
  })

  it('parseOriginId reads the id; null when absent, empty, over 256 characters or in another namespace', () => {
    expect(parseOriginId(xml('message', {}, originId('abc')))).toBe('abc')
    expect(parseOriginId(xml('message', {}, originId('x'.repeat(256))))).toBe('x'.repeat(256))
    expect(parseOriginId(xml('message', {}, originId('x'.repeat(257))))).toBeNull()
    expect(parseOriginId(xml('message', {}, originId('')))).toBeNull()
    expect(parseOriginId(xml('message', {}, xml('origin-id', { xmlns: NS_SID })))).toBeNull()
    expect(parseOriginId(xml('message', {}, xml('origin-id', { xmlns: 'urn:xmpp:sid:1', id: 'abc' })))).toBeNull()
    expect(parseOriginId(xml('message', {}))).toBeNull()
  })

  it('parseStanzaId takes the stanza-id only from the archive we trust', () => {
    const m = xml(
      'message',
      {},
      xml('stanza-id', { xmlns: NS_SID, id: 'forged', by: 'mallory@evil.example' }),
      xml('stanza-id', { xmlns: NS_SID, id: 'real-id', by: 'juliet@capulet.lit' }),
      xml('stanza-id', { xmlns: NS_SID, id: 'muc-id', by: 'room@muc.capulet.lit' })
    )
    expect(parseStanzaId(m, 'juliet@capulet.lit')).toBe('real-id')
    expect(parseStanzaId(m, 'room@muc.capulet.lit')).toBe('muc-id')
    expect(parseStanzaId(m, 'romeo@montague.lit')).toBeNull()
  })

  it('parseStanzaId ignores one without by, with an empty or oversized id, or in another namespace', () => {
    const by = 'juliet@capulet.lit'
    expect(parseStanzaId(xml('message', {}, xml('stanza-id', { xmlns: NS_SID, id: 'x' })), by)).toBeNull()
    expect(parseStanzaId(xml('message', {}, xml('stanza-id', { xmlns: NS_SID, id: '', by })), by)).toBeNull()
    expect(parseStanzaId(xml('message', {}, xml('stanza-id', { xmlns: NS_SID, id: 'y'.repeat(257), by })), by)).toBeNull()
    expect(parseStanzaId(xml('message', {}, xml('stanza-id', { xmlns: 'urn:example', id: 'x', by })), by)).toBeNull()
  })
})
