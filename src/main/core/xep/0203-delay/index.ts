import type { Element } from '../../xml'

export const NS_DELAY = 'urn:xmpp:delay'

/**
 * The time a delayed message was originally sent (XEP-0203), epoch ms, or null. Only a delay
 * stamped by `trusted` (our server or the sender's) is used: a sender could otherwise backdate.
 */
export function delayedAt(message: Element, trusted: (by: string) => boolean): number | null {
  for (const d of message.getChildren('delay', NS_DELAY)) {
    const from = typeof d.attrs.from === 'string' ? d.attrs.from : ''
    if (from !== '' && !trusted(from)) continue
    const at = typeof d.attrs.stamp === 'string' ? Date.parse(d.attrs.stamp) : Number.NaN
    if (Number.isFinite(at)) return at
  }
  return null
}
