import { xml, type Element } from '../../xml'
import { chatState, type ChatStateName } from '../../xep/0085-chat-states'
import { receiptRequest } from '../../xep/0184-receipts'
import { replaceElement } from '../../xep/0308-correction'
import { markable } from '../../xep/0333-chat-markers'
import { originId } from '../../xep/0359-unique-ids'
import { oobElement } from '../../xep/0066-oob'
import { fallback } from '../../xep/0428-fallback'
import { NS_REPLY, quoteFallback, replyElement } from '../../xep/0461-replies'

export interface ChatOptions {
  /** XEP-0461: answer to this message; `quote` is shown by clients that do not know replies. */
  replyTo?: { id: string; to: string; quote: string } | undefined
  /** XEP-0308: this corrects our earlier message with that id. */
  replaces?: string | undefined
  /** XEP-0066: the body is a link to a file (an upload): say so, for clients that show it inline. */
  oob?: { url: string; desc?: string } | undefined
}

/**
 * A chat message as Parley sends it: the same id as `id` and XEP-0359 origin-id (so that our own
 * reflections and the peer's de-duplication can match it), a receipt request (XEP-0184), markable
 * (XEP-0333) and the `active` chat state (XEP-0085 §5.1).
 */
export function chatMessage(to: string, id: string, body: string, opts: ChatOptions = {}): Element {
  const quote = opts.replyTo ? quoteFallback(opts.replyTo.quote) : ''
  const text = quote + body
  return xml(
    'message',
    { to, id, type: 'chat' },
    xml('body', {}, text),
    originId(id),
    opts.replaces ? undefined : receiptRequest(),
    opts.replaces ? undefined : markable(),
    chatState('active'),
    opts.replyTo ? replyElement({ id: opts.replyTo.id, to: opts.replyTo.to }) : undefined,
    opts.replyTo ? fallback(NS_REPLY, { start: 0, end: [...quote].length }) : undefined,
    opts.replaces ? replaceElement(opts.replaces) : undefined,
    opts.oob ? oobElement(opts.oob.url, opts.oob.desc) : undefined
  )
}

/** A standalone chat-state notification, marked so that servers neither store nor archive it. */
export function chatStateMessage(to: string, state: ChatStateName): Element {
  return xml('message', { to, type: 'chat' }, chatState(state), xml('no-store', { xmlns: 'urn:xmpp:hints' }))
}
