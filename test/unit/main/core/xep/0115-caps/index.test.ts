import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { capsElement, capsVer, NS_CAPS, parseCaps, PARLEY_NODE, type Identity } from '../../../../../../src/main/core/xep/0115-caps'

const EXODUS: Identity = { category: 'client', type: 'pc', name: 'Exodus 0.9.1' }
const EXODUS_FEATURES = [
  'http://jabber.org/protocol/caps',
  'http://jabber.org/protocol/disco#info',
  'http://jabber.org/protocol/disco#items',
  'http://jabber.org/protocol/muc'
]

describe('capsVer (XEP-0115 §5.1)', () => {
  it('matches the simple generation example of §5.2', () => {
    expect(capsVer([EXODUS], EXODUS_FEATURES)).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=')
  })

  it('does not depend on the order of features or identities', () => {
    const other: Identity = { category: 'client', type: 'bot', name: 'B' }
    expect(capsVer([EXODUS], [...EXODUS_FEATURES].reverse())).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=')
    expect(capsVer([EXODUS, other], EXODUS_FEATURES)).toBe(capsVer([other, EXODUS], [...EXODUS_FEATURES].reverse()))
  })

  it('ignores duplicate features', () => {
    expect(capsVer([EXODUS], [...EXODUS_FEATURES, EXODUS_FEATURES[0]!, EXODUS_FEATURES[3]!])).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=')
  })

  it('changes with any feature or identity', () => {
    expect(capsVer([EXODUS], EXODUS_FEATURES.slice(1))).not.toBe('QgayPKawpkPSDYmwT/WM94uAlu0=')
    expect(capsVer([{ ...EXODUS, name: 'Exodus 0.9.2' }], EXODUS_FEATURES)).not.toBe('QgayPKawpkPSDYmwT/WM94uAlu0=')
    expect(capsVer([{ ...EXODUS, lang: 'en' }], EXODUS_FEATURES)).not.toBe('QgayPKawpkPSDYmwT/WM94uAlu0=')
  })

  it('hashes category/type/lang/name< then feature< (the S string of §5.1)', () => {
    const s = 'client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<a<b<'
    const want = createHash('sha1').update(s, 'utf8').digest('base64')
    const ids: Identity[] = [
      { category: 'client', type: 'pc', lang: 'en', name: 'Psi 0.11' },
      { category: 'client', type: 'pc', lang: 'el', name: 'Ψ 0.11' }
    ]
    expect(capsVer(ids, ['b', 'a'])).toBe(want)
  })

  it('sorts by UTF-8 octets, not UTF-16 code units', () => {
    // UTF-16 puts U+1F600 (D83D DE00) before U+FF5E; UTF-8 octets (F0 9F 98 80 vs EF BD 9E) put U+FF5E first.
    const s = 'client/pc//x<\uFF5E<\u{1F600}<'
    expect(capsVer([{ category: 'client', type: 'pc', name: 'x' }], ['\u{1F600}', '\uFF5E'])).toBe(createHash('sha1').update(s, 'utf8').digest('base64'))
  })
})

describe('capsElement and parseCaps', () => {
  it('capsElement is the <c/> of our presence', () => {
    expect(capsElement('abc=').toString()).toBe(`<c xmlns="http://jabber.org/protocol/caps" hash="sha-1" node="${PARLEY_NODE}" ver="abc="/>`)
  })

  it('parseCaps reads node, ver and hash', () => {
    const c = xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: 'http://code.google.com/p/exodus', ver: 'QgayPKawpkPSDYmwT/WM94uAlu0=' })
    const p = xml('presence', { from: 'romeo@montague.lit/orchard' }, c)
    expect(parseCaps(p)).toEqual({ node: 'http://code.google.com/p/exodus', ver: 'QgayPKawpkPSDYmwT/WM94uAlu0=', hash: 'sha-1' })
  })

  it('parseCaps is null without <c/>, for legacy caps without hash, or with a missing attribute', () => {
    expect(parseCaps(xml('presence', {}))).toBeNull()
    expect(parseCaps(xml('presence', {}, xml('c', { xmlns: NS_CAPS, node: 'n', ver: '1.0', ext: 'voice' })))).toBeNull()
    expect(parseCaps(xml('presence', {}, xml('c', { xmlns: NS_CAPS, hash: 'sha-1', ver: 'v' })))).toBeNull()
    expect(parseCaps(xml('presence', {}, xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: 'n' })))).toBeNull()
    expect(parseCaps(xml('presence', {}, xml('c', { xmlns: 'urn:example', hash: 'sha-1', node: 'n', ver: 'v' })))).toBeNull()
  })
})
