import { describe, expect, it } from 'vitest'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import type { DiscoModule } from '../../../../../../src/main/core/xep/0030-disco'
import {
  buildVCard4,
  buildVCardTemp,
  displayNameOf,
  emptyProfile,
  MAX_FIELD,
  MAX_ITEMS,
  NODE_VCARD4,
  normaliseProfile,
  NS_VCARD4,
  NS_VCARD_TEMP,
  parseVCard4,
  parseVCardTemp,
  VCardModule,
  vcardTempPhoto,
  withPhoto,
  type Profile
} from '../../../../../../src/main/core/xep/0054-vcard'
import { NS_PUBSUB, NS_PUBSUB_EVENT } from '../../../../../../src/main/core/xep/0084-avatars/pep'
import { NS_PEP_VCARD_CONVERSION } from '../../../../../../src/main/core/xep/0153-vcard-avatars'
import { fakeContext, parse, payloadOf, settle, stanzaError } from '../0084-avatars/fakeContext'

const el = (s: string): Element => parse(s)

// XEP-0054 example 2, shortened; plus the variants other clients send.
const VCARD_TEMP = el(`<vCard xmlns='vcard-temp'>
  <FN>Peter Saint-Andre</FN>
  <N><FAMILY>Saint-Andre</FAMILY><GIVEN>Peter</GIVEN><MIDDLE/></N>
  <NICKNAME>stpeter</NICKNAME>
  <URL>http://www.xmpp.org/xsf/people/stpeter.shtml</URL>
  <URL>javascript:alert(1)</URL>
  <BDAY>1966-08-06</BDAY>
  <ORG><ORGNAME>XMPP Standards Foundation</ORGNAME><ORGUNIT/></ORG>
  <TITLE>Executive Director</TITLE>
  <ROLE>Patron Saint</ROLE>
  <TEL><WORK/><VOICE/><NUMBER>303-308-3282</NUMBER></TEL>
  <EMAIL><INTERNET/><PREF/><USERID>stpeter@jabber.org</USERID></EMAIL>
  <EMAIL>old-style@example.org</EMAIL>
  <JABBERID>stpeter@jabber.org</JABBERID>
  <DESC>More information about me is located on my personal website.</DESC>
  <ADR><WORK/><LOCALITY>Denver</LOCALITY></ADR>
  <PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO>
</vCard>`)

// XEP-0292 example (RFC 6351 xCard).
const VCARD4 = el(`<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>
  <fn><text>Peter Saint-Andre</text></fn>
  <n><surname>Saint-Andre</surname><given>Peter</given><additional></additional></n>
  <nickname><text>stpeter</text></nickname>
  <nickname><text>psa</text></nickname>
  <bday><date>1966-08-06</date></bday>
  <tel><parameters><type><text>work</text></type></parameters><uri>tel:+1-303-308-3282</uri></tel>
  <tel><text>555 0100</text></tel>
  <email><parameters><type><text>work</text></type></parameters><text>psaintan@cisco.com</text></email>
  <impp><uri>xmpp:stpeter@jabber.org</uri></impp>
  <url><uri>https://stpeter.im/</uri></url>
  <org><text>Cisco</text></org>
  <title><text>Executive Director</text></title>
  <role><text>Patron Saint</text></role>
  <note><text>Line one
line two</text></note>
</vcard>`)

describe('vcard-temp (XEP-0054)', () => {
  it('parses the fields Parley shows', () => {
    expect(parseVCardTemp(VCARD_TEMP)).toEqual({
      fn: 'Peter Saint-Andre',
      given: 'Peter',
      family: 'Saint-Andre',
      nickname: 'stpeter',
      email: ['stpeter@jabber.org', 'old-style@example.org'],
      tel: ['303-308-3282'],
      url: ['http://www.xmpp.org/xsf/people/stpeter.shtml'],
      impp: ['xmpp:stpeter@jabber.org'],
      note: 'More information about me is located on my personal website.',
      org: 'XMPP Standards Foundation',
      title: 'Executive Director',
      role: 'Patron Saint',
      bday: '1966-08-06'
    })
    expect(vcardTempPhoto(VCARD_TEMP)).toEqual({ type: 'image/png', binval: 'iVBORw0KGgo=' })
  })

  it('reads NOTE where DESC is missing (Prosody writes NOTE)', () => {
    expect(parseVCardTemp(el(`<vCard xmlns='vcard-temp'><NOTE>hi</NOTE></vCard>`)).note).toBe('hi')
  })

  it('builds from a profile, keeping PHOTO and unknown elements of the current vCard', () => {
    const built = buildVCardTemp({ ...emptyProfile(), fn: 'Juliet Capulet', nickname: 'jc', email: ['j@c.lit'] }, VCARD_TEMP)
    const s = built.toString()
    expect(s.startsWith('<vCard xmlns="vcard-temp"><FN>Juliet Capulet</FN><NICKNAME>jc</NICKNAME>')).toBe(true)
    expect(s).toContain('<EMAIL><INTERNET/><USERID>j@c.lit</USERID></EMAIL>')
    expect(s).toContain('<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO>')
    expect(s).toContain('<ADR><WORK/><LOCALITY>Denver</LOCALITY></ADR>')
    expect(s).not.toContain('Saint-Andre')
    expect(parseVCardTemp(built)).toMatchObject({ fn: 'Juliet Capulet', nickname: 'jc', email: ['j@c.lit'] })
    // The received element was copied, not moved.
    expect(VCARD_TEMP.getChild('PHOTO')).toBeDefined()
  })

  it('replaces or removes the photo only', () => {
    const v = withPhoto(VCARD_TEMP, { type: 'image/webp', base64: 'UklGRg==' })
    expect(vcardTempPhoto(v)).toEqual({ type: 'image/webp', binval: 'UklGRg==' })
    expect(v.getChildText('FN')).toBe('Peter Saint-Andre')
    expect(withPhoto(VCARD_TEMP, null).getChild('PHOTO')).toBeUndefined()
    expect(withPhoto(undefined, null).toString()).toBe('<vCard xmlns="vcard-temp"/>')
    expect(vcardTempPhoto(el(`<vCard xmlns='vcard-temp'><PHOTO><EXTVAL>https://x/y.png</EXTVAL></PHOTO></vCard>`))).toEqual({ extval: 'https://x/y.png' })
  })
})

describe('vCard4 (XEP-0292)', () => {
  it('parses an xCard', () => {
    expect(parseVCard4(VCARD4)).toEqual({
      fn: 'Peter Saint-Andre',
      given: 'Peter',
      family: 'Saint-Andre',
      nickname: 'stpeter',
      email: ['psaintan@cisco.com'],
      tel: ['+1-303-308-3282', '555 0100'],
      url: ['https://stpeter.im/'],
      impp: ['xmpp:stpeter@jabber.org'],
      note: 'Line one\nline two',
      org: 'Cisco',
      title: 'Executive Director',
      role: 'Patron Saint',
      bday: '1966-08-06'
    })
  })

  it('round-trips a profile', () => {
    const p = parseVCard4(VCARD4)
    const built = buildVCard4(p)
    expect(built.attrs.xmlns).toBe(NS_VCARD4)
    expect(parseVCard4(built)).toEqual({ ...p, tel: ['+1-303-308-3282', '555-0100'] })
    expect(built.toString()).toContain('<tel><uri>tel:555-0100</uri></tel>')
  })

  it('leaves empty fields out', () => {
    expect(buildVCard4({ ...emptyProfile(), fn: 'A' }).toString()).toBe(`<vcard xmlns="${NS_VCARD4}"><fn><text>A</text></fn></vcard>`)
  })
})

describe('Profile normalisation', () => {
  it('caps lengths and list sizes, drops controls and bidi overrides, keeps newlines in notes only', () => {
    const p = normaliseProfile({
      fn: `A\u202Eevil\u0000${'x'.repeat(5000)}`,
      nickname: 'two\nlines',
      email: Array.from({ length: 40 }, (_, i) => `e${i}@x.lit`),
      url: ['https://ok.example/', 'file:///etc/passwd', 'https://u:p@x/'],
      note: 'a\r\nb',
      bday: 42
    })
    expect(p.fn.startsWith('Aevil')).toBe(true)
    expect(Array.from(p.fn)).toHaveLength(MAX_FIELD)
    expect(p.nickname).toBe('two lines')
    expect(p.email).toHaveLength(MAX_ITEMS)
    expect(p.url).toEqual(['https://ok.example/'])
    expect(p.note).toBe('a\nb')
    expect(p.bday).toBe('')
  })

  it('picks a display name', () => {
    expect(displayNameOf({ ...emptyProfile(), fn: 'Full', nickname: 'nick' })).toBe('Full')
    expect(displayNameOf({ ...emptyProfile(), nickname: 'nick' })).toBe('nick')
    expect(displayNameOf({ ...emptyProfile(), given: 'Ada', family: 'Lovelace' })).toBe('Ada Lovelace')
    expect(displayNameOf(emptyProfile())).toBeNull()
  })
})

// ---- the module ------------------------------------------------------------------------------------

const OWN = 'romeo@montague.lit'

function setup(opts: { pep?: boolean; converts?: boolean } = {}) {
  const fake = fakeContext(OWN, 'montague.lit')
  const vcard4 = new Map<string, Element>()
  const vcardTemp = new Map<string, Element>()
  const sets: Element[] = []
  fake.server = (iq) => {
    const child = payloadOf(iq)
    const to = String(iq.attrs.to ?? OWN)
    if (child.is('pubsub', NS_PUBSUB) && iq.attrs.type === 'get') {
      const v = vcard4.get(to)
      if (!v) throw stanzaError('item-not-found')
      return xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NODE_VCARD4 }, xml('item', { id: 'current' }, v)))
    }
    if (child.is('pubsub', NS_PUBSUB)) {
      sets.push(child)
      vcard4.set(OWN, child.getChild('publish')!.getChild('item')!.getChildElements()[0]!)
      return null
    }
    if (child.is('vCard', NS_VCARD_TEMP)) {
      if (iq.attrs.type === 'set') {
        sets.push(child)
        vcardTemp.set(OWN, child)
        return null
      }
      const v = vcardTemp.get(to)
      if (!v) throw stanzaError('service-unavailable')
      return v
    }
    throw stanzaError('service-unavailable')
  }
  const disco = {
    info: async () => ({
      identities: opts.pep === false ? [] : [{ category: 'pubsub', type: 'pep', name: '' }],
      features: opts.converts ? [NS_PEP_VCARD_CONVERSION] : []
    })
  } as unknown as DiscoModule
  return { fake, vcard4, vcardTemp, sets, vcards: new VCardModule(fake.ctx, disco) }
}

describe('VCardModule', () => {
  it('prefers the PEP vCard4, asks once per session', async () => {
    const { fake, vcard4, vcardTemp, vcards } = setup()
    vcard4.set('juliet@capulet.lit', VCARD4)
    vcardTemp.set('juliet@capulet.lit', el(`<vCard xmlns='vcard-temp'><FN>Old Name</FN></vCard>`))
    expect((await vcards.get('Juliet@Capulet.lit')).fn).toBe('Peter Saint-Andre')
    await vcards.get('juliet@capulet.lit')
    expect(fake.iqs).toHaveLength(1)
    expect(fake.iqs[0]?.toString()).toContain(`<items node="${NODE_VCARD4}" max_items="1"/>`)
    expect(vcards.displayName('juliet@capulet.lit')).toBe('Peter Saint-Andre')
  })

  it('falls back to vcard-temp, and to an empty profile when there is nothing', async () => {
    const { vcardTemp, vcards } = setup()
    vcardTemp.set('nurse@capulet.lit', VCARD_TEMP)
    expect((await vcards.get('nurse@capulet.lit')).org).toBe('XMPP Standards Foundation')
    expect(await vcards.get('nobody@capulet.lit')).toEqual(emptyProfile())
    await expect(vcards.get('not a jid@')).rejects.toMatchObject({ code: 'invalid-argument' })
  })

  it('asks a room occupant through the room, vcard-temp only', async () => {
    const { fake, vcardTemp, vcards } = setup()
    vcardTemp.set('verona@chat.lit/Tybalt', el(`<vCard xmlns='vcard-temp'><NICKNAME>Prince of Cats</NICKNAME></vCard>`))
    expect((await vcards.get('verona@chat.lit/Tybalt')).nickname).toBe('Prince of Cats')
    expect(fake.iqs.map((iq) => payloadOf(iq).name)).toEqual(['vCard'])
  })

  it('saves our profile as vCard4 and vcard-temp (keeping the PHOTO) where the server does not convert', async () => {
    const { sets, vcardTemp, vcards, fake } = setup()
    vcardTemp.set(OWN, el(`<vCard xmlns='vcard-temp'><FN>Old</FN><PHOTO><TYPE>image/png</TYPE><BINVAL>AAAA</BINVAL></PHOTO></vCard>`))
    await vcards.setOwn({ fn: 'Romeo Montague', nickname: 'romeo' })
    expect(sets.map((s) => s.name)).toEqual(['pubsub', 'vCard'])
    expect(sets[0]?.toString()).toContain(`<publish node="${NODE_VCARD4}"><item id="current"><vcard xmlns="${NS_VCARD4}"><fn><text>Romeo Montague</text></fn><nickname><text>romeo</text></nickname></vcard></item></publish>`)
    expect(sets[0]?.toString()).toContain('<value>presence</value>')
    expect(sets[1]?.toString()).toContain('<FN>Romeo Montague</FN>')
    expect(sets[1]?.toString()).toContain('<BINVAL>AAAA</BINVAL>')
    expect(fake.events.filter((e) => e.name === 'profile').map((e) => (e.payload.profile as Profile).fn)).toEqual(['Romeo Montague'])
    expect((await vcards.get(OWN)).nickname).toBe('romeo')
  })

  it('publishes vCard4 only when the server converts (XEP-0398), vcard-temp only without PEP', async () => {
    const conv = setup({ converts: true })
    await conv.vcards.setOwn({ fn: 'R' }, { access: 'open' })
    expect(conv.sets.map((s) => s.name)).toEqual(['pubsub'])
    expect(conv.sets[0]?.toString()).toContain('<value>open</value>')
    const legacy = setup({ pep: false })
    await legacy.vcards.setOwn({ fn: 'R' })
    expect(legacy.sets.map((s) => s.name)).toEqual(['vCard'])
  })

  it('takes vCard4 notifications from the account they are about only', async () => {
    const { fake, vcards } = setup()
    const event = (from: string, vcard: Element) =>
      xml('message', { from, type: 'headline' }, xml('event', { xmlns: NS_PUBSUB_EVENT }, xml('items', { node: NODE_VCARD4 }, xml('item', { id: 'current' }, vcard))))
    await fake.deliver(event('juliet@capulet.lit', buildVCard4({ ...emptyProfile(), fn: 'Juliet' })))
    await fake.deliver(event('mallory@evil.lit/x', buildVCard4({ ...emptyProfile(), fn: 'Fake Juliet' })))
    await settle(2)
    expect(vcards.displayName('juliet@capulet.lit')).toBe('Juliet')
    expect(vcards.displayName('mallory@evil.lit')).toBeNull()
    expect(fake.events.map((e) => e.payload.jid)).toEqual(['juliet@capulet.lit'])
    expect(fake.iqs).toEqual([])
  })
})
