import type { DeliveryState } from '../../../../shared/model/message'
import type { Element } from '../../xml'
import { receivedId } from '../../xep/0184-receipts'
import { displayedId } from '../../xep/0333-chat-markers'

export type MessageType = 'chat' | 'normal' | 'groupchat' | 'headline' | 'error'

export function messageType(stanza: Element): MessageType {
  const type = stanza.attrs.type
  return type === 'chat' || type === 'groupchat' || type === 'headline' || type === 'error' ? type : 'normal'
}

/**
 * The body in the stanza's default language (RFC 6121 §5.2.3): the first <body/> without xml:lang
 * or with the stanza's own xml:lang, else the first.
 */
export function bodyOf(stanza: Element): string | null {
  const bodies = stanza.getChildren('body')
  const lang = stanza.attrs['xml:lang']
  const body = bodies.find((b) => b.attrs['xml:lang'] === undefined || (lang !== undefined && b.attrs['xml:lang'] === lang)) ?? bodies[0]
  return body ? body.text() : null
}

export const isAction = (body: string): boolean => body.startsWith('/me ')

/**
 * What a receipt (XEP-0184) or displayed marker (XEP-0333) in a message says. Coming in, it is
 * about our messages (`states`); sent by another device of ours, a marker says that device read
 * the peer's message up to `readElsewhere`.
 */
export function acknowledgements(stanza: Element, direction: 'in' | 'out'): { states: [string, DeliveryState][]; readElsewhere: string | null } {
  const received = receivedId(stanza)
  const shown = displayedId(stanza)
  if (direction === 'out') return { states: [], readElsewhere: shown }
  const states: [string, DeliveryState][] = []
  if (received !== null) states.push([received, 'delivered'])
  if (shown !== null) states.push([shown, 'read'])
  return { states, readElsewhere: null }
}
