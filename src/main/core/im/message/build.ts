import { xml, type Element } from '../../xml'
import { chatState, type ChatStateName } from '../../xep/0085-chat-states'
import { receiptRequest } from '../../xep/0184-receipts'
import { originId } from '../../xep/0359-unique-ids'

/**
 * A chat message as Parley sends it: the same id as `id` and XEP-0359 origin-id (so that our own
 * reflections and the peer's de-duplication can match it), a receipt request (XEP-0184) and the
 * `active` chat state (XEP-0085 §5.1).
 */
export function chatMessage(to: string, id: string, body: string): Element {
  return xml('message', { to, id, type: 'chat' }, xml('body', {}, body), originId(id), receiptRequest(), chatState('active'))
}

/** A standalone chat-state notification, marked so that servers neither store nor archive it. */
export function chatStateMessage(to: string, state: ChatStateName): Element {
  return xml('message', { to, type: 'chat' }, chatState(state), xml('no-store', { xmlns: 'urn:xmpp:hints' }))
}
