import { xml, type Element } from '../../xml'

// XEP-0153 (vCard-based avatars): presence carries the SHA-1 of the vcard-temp PHOTO, clients fetch
// the vCard when the hash is new. Still what MUC occupants, older clients and transports use.
export const NS_VCARD_UPDATE = 'vcard-temp:x:update'

// XEP-0398: the server converts between the PEP avatar (XEP-0084) and vcard-temp, and puts the
// current hash into our presence itself. Prosody's mod_vcard_legacy advertises this on the account
// (and also turns a vcard-temp *set* into PEP items, overwriting the vCard4 node), so a client on
// such a server must publish to PEP only and must not also set vcard-temp.
export const NS_PEP_VCARD_CONVERSION = 'urn:xmpp:pep-vcard-conversion:0'

/**
 * What a presence says about the sender's vCard photo:
 * - `absent`: no `<x/>` at all (a client without XEP-0153: says nothing);
 * - `unknown`: `<x/>` without `<photo/>` (XEP-0153 §4.1: the client is not ready to say);
 * - `none`: an empty `<photo/>`: no avatar;
 * - `hash`: the SHA-1 (lowercase hex) of the PHOTO's bytes.
 */
export type PhotoUpdate = { kind: 'absent' } | { kind: 'unknown' } | { kind: 'none' } | { kind: 'hash'; hash: string }

const SHA1_HEX = /^[0-9a-f]{40}$/

export function parsePhotoUpdate(presence: Element): PhotoUpdate {
  const x = presence.getChild('x', NS_VCARD_UPDATE)
  if (!x) return { kind: 'absent' }
  const photo = x.getChild('photo')
  if (!photo) return { kind: 'unknown' }
  const text = photo.text().trim().toLowerCase()
  if (text === '') return { kind: 'none' }
  // Anything but a SHA-1 (e.g. the UUID Prosody injects after an avatar was disabled) says nothing usable.
  return SHA1_HEX.test(text) ? { kind: 'hash', hash: text } : { kind: 'unknown' }
}

/**
 * Our presence's `<x/>`: with a hash, our avatar; with null, no avatar; with undefined, "not known
 * yet" (XEP-0153 §4.1), which is also what a XEP-0398 server fills in for us.
 */
export function photoUpdateElement(hash: string | null | undefined): Element {
  if (hash === undefined) return xml('x', { xmlns: NS_VCARD_UPDATE })
  return xml('x', { xmlns: NS_VCARD_UPDATE }, xml('photo', {}, hash ?? ''))
}
