import { xml, type Element } from '../../xml'

export const NS_RECEIPTS = 'urn:xmpp:receipts'

export const receiptRequest = (): Element => xml('request', { xmlns: NS_RECEIPTS })

export function receiptFor(to: string, id: string): Element {
  // XEP-0184 §5: the ack is a message of its own, echoing the id; no body, so nobody archives it as chat.
  return xml('message', { to, id: `receipt-${id}` }, xml('received', { xmlns: NS_RECEIPTS, id }), xml('store', { xmlns: 'urn:xmpp:hints' }))
}

export const wantsReceipt = (message: Element): boolean => message.getChild('request', NS_RECEIPTS) !== undefined

/** The id a receipt acknowledges, or null when this is not a receipt. */
export function receivedId(message: Element): string | null {
  const received = message.getChild('received', NS_RECEIPTS)
  if (!received) return null
  const id = received.attrs.id
  // XEP-0184 §5.1 older senders put the id only on the wrapping message.
  return typeof id === 'string' && id !== '' ? id : typeof message.attrs.id === 'string' ? message.attrs.id : null
}
