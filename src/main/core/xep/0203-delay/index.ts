import type { Element } from '../../xml'

export const NS_DELAY = 'urn:xmpp:delay'

/**
 * The time a delayed message was originally sent (XEP-0203), epoch ms, or null. Only a delay
 * whose `from` the caller trusts is used (a delay without `from` is asked about as ''): anyone can
 * put a <delay/> in a message, so believing any of them would let a sender backdate.
 */
export function delayedAt(message: Element, trusted: (by: string) => boolean): number | null {
  for (const d of message.getChildren('delay', NS_DELAY)) {
    const from = typeof d.attrs.from === 'string' ? d.attrs.from : ''
    if (!trusted(from)) continue
    const at = typeof d.attrs.stamp === 'string' ? Date.parse(d.attrs.stamp) : Number.NaN
    if (Number.isFinite(at)) return at
  }
  return null
}
