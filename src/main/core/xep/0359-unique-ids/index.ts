import { xml, type Element } from '../../xml'

export const NS_SID = 'urn:xmpp:sid:0'

export const originId = (id: string): Element => xml('origin-id', { xmlns: NS_SID, id })

export function parseOriginId(message: Element): string | null {
  const id = message.getChild('origin-id', NS_SID)?.attrs.id
  return typeof id === 'string' && id !== '' && id.length <= 256 ? id : null
}

/**
 * The stanza-id a given archive stamped on the message (XEP-0359 §3.3): only an id whose `by`
 * is the archive we trust counts (anyone can put a stanza-id in a message).
 */
export function parseStanzaId(message: Element, by: string): string | null {
  for (const el of message.getChildren('stanza-id', NS_SID)) {
    if (el.attrs.by === by && typeof el.attrs.id === 'string' && el.attrs.id !== '' && el.attrs.id.length <= 256) return el.attrs.id
  }
  return null
}
