import { xml, type Element } from '../../xml'
import { normaliseProfile, type Profile } from './profile'

// XEP-0292: RFC 6351 xCard published on the PEP node `urn:xmpp:vcard4`, item id `current`.
export const NS_VCARD4 = 'urn:ietf:params:xml:ns:vcard-4.0'
export const NODE_VCARD4 = 'urn:xmpp:vcard4'
export const VCARD4_ITEM = 'current'

/** `<prop><text|uri|date>value</…></prop>`: the value of one xCard property. */
function value(prop: Element, ...kinds: string[]): string {
  for (const kind of kinds) {
    const v = prop.getChildText(kind)
    if (v !== null && v.trim() !== '') return v
  }
  return ''
}

/** vCard4 (RFC 6351 XML) → Profile. */
export function parseVCard4(vcard: Element): Profile {
  const props = vcard.getChildElements()
  const all = (name: string): Element[] => props.filter((p) => p.name === name)
  const first = (name: string, ...kinds: string[]): string => {
    for (const p of all(name)) {
      const v = value(p, ...kinds)
      if (v !== '') return v
    }
    return ''
  }
  const n = vcard.getChild('n')
  return normaliseProfile({
    fn: first('fn', 'text'),
    given: n ? value(n, 'given') : '',
    family: n ? value(n, 'surname') : '',
    nickname: first('nickname', 'text'),
    email: all('email').map((e) => value(e, 'text')),
    // tel is a URI (`tel:+33…`) or, in older data, text
    tel: all('tel').map((t) => value(t, 'uri', 'text').replace(/^tel:/i, '')),
    url: all('url').map((u) => value(u, 'uri')),
    impp: all('impp').map((i) => value(i, 'uri')),
    note: first('note', 'text'),
    org: first('org', 'text'),
    title: first('title', 'text'),
    role: first('role', 'text'),
    bday: first('bday', 'date', 'date-and-or-time', 'text')
  })
}

/** Profile → `<vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>`, leaving empty fields out. */
export function buildVCard4(profile: Profile): Element {
  const p = normaliseProfile(profile)
  const v = xml('vcard', { xmlns: NS_VCARD4 })
  const prop = (name: string, kind: string, val: string): void => {
    if (val !== '') v.append(xml(name, {}, xml(kind, {}, val)))
  }
  prop('fn', 'text', p.fn)
  if (p.given !== '' || p.family !== '') v.append(xml('n', {}, xml('surname', {}, p.family), xml('given', {}, p.given), xml('additional')))
  prop('nickname', 'text', p.nickname)
  prop('bday', 'date', p.bday)
  for (const e of p.email) prop('email', 'text', e)
  // RFC 3966 allows '-' but no spaces as visual separators
  for (const t of p.tel) prop('tel', 'uri', `tel:${t.replace(/\s+/g, '-')}`)
  for (const u of p.url) prop('url', 'uri', u)
  for (const i of p.impp) prop('impp', 'uri', i)
  prop('org', 'text', p.org)
  prop('title', 'text', p.title)
  prop('role', 'text', p.role)
  prop('note', 'text', p.note)
  return v
}
