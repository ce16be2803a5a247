import { xml, type Element } from '../../xml'

export const NS_CORRECTION = 'urn:xmpp:message-correct:0'

export const replaceElement = (id: string): Element => xml('replace', { xmlns: NS_CORRECTION, id })

/** The id of the message this one corrects (XEP-0308), or null. */
export function replacedId(message: Element): string | null {
  const id = message.getChild('replace', NS_CORRECTION)?.attrs.id
  return typeof id === 'string' && id !== '' && id.length <= 256 ? id : null
}
