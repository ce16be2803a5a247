import { xml, type Element } from '../../xml'
import { normaliseProfile, type Profile } from './profile'

export const NS_VCARD_TEMP = 'vcard-temp'

/** The PHOTO of a vcard-temp: inline bytes (base64) or an external URL (not fetched). */
export type VCardPhoto = { type: string; binval: string } | { extval: string }

/** Elements of a vcard-temp that the Profile covers; everything else (PHOTO, ADR, …) is kept on edits. */
const MANAGED = new Set(['FN', 'N', 'NICKNAME', 'EMAIL', 'TEL', 'URL', 'JABBERID', 'DESC', 'NOTE', 'ORG', 'TITLE', 'ROLE', 'BDAY'])

const text = (el: Element | undefined): string => (el ? el.text() : '')

/** vcard-temp (XEP-0054) → Profile. Tolerates the variants seen in the wild (EMAIL as text, NOTE for DESC). */
export function parseVCardTemp(vcard: Element): Profile {
  const n = vcard.getChild('N')
  const children = vcard.getChildElements()
  const all = (name: string): Element[] => children.filter((c) => c.name === name)
  return normaliseProfile({
    fn: vcard.getChildText('FN'),
    given: text(n?.getChild('GIVEN')),
    family: text(n?.getChild('FAMILY')),
    nickname: vcard.getChildText('NICKNAME'),
    email: all('EMAIL').map((e) => e.getChildText('USERID') ?? e.text()),
    tel: all('TEL').map((t) => t.getChildText('NUMBER') ?? ''),
    url: all('URL').map((u) => u.text()),
    impp: all('JABBERID').map((j) => `xmpp:${j.text().trim()}`).filter((s) => s !== 'xmpp:'),
    note: vcard.getChildText('DESC') ?? vcard.getChildText('NOTE'),
    org: text(vcard.getChild('ORG')?.getChild('ORGNAME')),
    title: vcard.getChildText('TITLE'),
    role: vcard.getChildText('ROLE'),
    bday: vcard.getChildText('BDAY')
  })
}

export function vcardTempPhoto(vcard: Element): VCardPhoto | null {
  const photo = vcard.getChild('PHOTO')
  if (!photo) return null
  const binval = (photo.getChildText('BINVAL') ?? '').trim()
  if (binval !== '') return { type: (photo.getChildText('TYPE') ?? '').trim(), binval }
  const extval = (photo.getChildText('EXTVAL') ?? '').trim()
  return extval !== '' ? { extval } : null
}

/**
 * A vcard-temp with the profile's fields. With `base` (the current vCard), the elements the profile
 * does not cover are kept as they were, so saving a name never drops the photo or the address.
 */
export function buildVCardTemp(profile: Profile, base?: Element): Element {
  const p = normaliseProfile(profile)
  const v = xml('vCard', { xmlns: NS_VCARD_TEMP })
  const opt = (name: string, value: string): void => {
    if (value !== '') v.append(xml(name, {}, value))
  }
  opt('FN', p.fn)
  if (p.given !== '' || p.family !== '') v.append(xml('N', {}, xml('FAMILY', {}, p.family), xml('GIVEN', {}, p.given)))
  opt('NICKNAME', p.nickname)
  for (const u of p.url) opt('URL', u)
  opt('BDAY', p.bday)
  if (p.org !== '') v.append(xml('ORG', {}, xml('ORGNAME', {}, p.org)))
  opt('TITLE', p.title)
  opt('ROLE', p.role)
  for (const t of p.tel) v.append(xml('TEL', {}, xml('VOICE'), xml('NUMBER', {}, t)))
  for (const e of p.email) v.append(xml('EMAIL', {}, xml('INTERNET'), xml('USERID', {}, e)))
  for (const j of p.impp) if (j.startsWith('xmpp:')) opt('JABBERID', j.slice(5))
  opt('DESC', p.note)
  for (const c of base?.getChildElements() ?? []) if (!MANAGED.has(c.name)) v.append(copy(c))
  return v
}

/** The same vCard with its PHOTO replaced (or removed with null); other elements untouched. */
export function withPhoto(vcard: Element | undefined, photo: { type: string; base64: string } | null): Element {
  const v = xml('vCard', { xmlns: NS_VCARD_TEMP }, ...(vcard?.getChildElements() ?? []).filter((c) => c.name !== 'PHOTO').map((c) => copy(c)))
  if (photo) v.append(xml('PHOTO', {}, xml('TYPE', {}, photo.type), xml('BINVAL', {}, photo.base64)))
  return v
}

/** A deep copy, so that an element taken from a received stanza is not moved out of it. */
function copy(el: Element): Element {
  return xml(el.name, { ...el.attrs }, ...el.children.map((c) => (typeof c === 'string' ? c : copy(c as Element))))
}
