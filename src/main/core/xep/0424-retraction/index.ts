import { xml, type Element } from '../../xml'
import { storeHint } from '../0334-hints'
import { fallback } from '../0428-fallback'

export const NS_RETRACT = 'urn:xmpp:message-retract:1'

/** XEP-0424: a retraction, with a fallback body for clients that do not know it. */
export function retraction(to: string, id: string, targetId: string, fallbackText: string): Element {
  return xml(
    'message',
    { to, id, type: 'chat' },
    xml('retract', { xmlns: NS_RETRACT, id: targetId }),
    fallback(NS_RETRACT),
    xml('body', {}, fallbackText),
    storeHint()
  )
}

export function retractedId(message: Element): string | null {
  const id = message.getChild('retract', NS_RETRACT)?.attrs.id
  return typeof id === 'string' && id !== '' && id.length <= 256 ? id : null
}
