import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { NS_DISCO_INFO, parseInfo, PARLEY_IDENTITY } from '../../../../../../src/main/core/xep/0030-disco'

describe('parseInfo (XEP-0030 §3.1)', () => {
  it('reads identities, with xml:lang when present, and features', () => {
    const q = xml(
      'query',
      { xmlns: NS_DISCO_INFO },
      xml('identity', { category: 'conference', type: 'text', name: 'Play-Specific Chatrooms' }),
      xml('identity', { category: 'directory', type: 'chatroom', name: 'Salles', 'xml:lang': 'fr' }),
      xml('feature', { var: 'http://jabber.org/protocol/disco#info' }),
      xml('feature', { var: 'http://jabber.org/protocol/muc' })
    )
    expect(parseInfo(q)).toEqual({
      identities: [
        { category: 'conference', type: 'text', name: 'Play-Specific Chatrooms' },
        { category: 'directory', type: 'chatroom', name: 'Salles', lang: 'fr' }
      ],
      features: ['http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/muc']
    })
  })

  it('reads missing attributes as empty strings and an empty query as nothing', () => {
    expect(parseInfo(xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', {}), xml('feature', {})))).toEqual({
      identities: [{ category: '', type: '', name: '' }],
      features: ['']
    })
    expect(parseInfo(xml('query', { xmlns: NS_DISCO_INFO }))).toEqual({ identities: [], features: [] })
  })

  it('ignores other children', () => {
    const q = xml('query', { xmlns: NS_DISCO_INFO }, xml('x', { xmlns: 'jabber:x:data', type: 'result' }), xml('feature', { var: 'urn:xmpp:ping' }))
    expect(parseInfo(q)).toEqual({ identities: [], features: ['urn:xmpp:ping'] })
  })

  it('Parley presents itself as a pc client', () => {
    expect(PARLEY_IDENTITY).toEqual({ category: 'client', type: 'pc', name: 'Parley' })
  })
})
