import { xml, type Element } from '../../xml'

export const NS_MARKERS = 'urn:xmpp:chat-markers:0'

export const markable = (): Element => xml('markable', { xmlns: NS_MARKERS })
export const isMarkable = (message: Element): boolean => message.getChild('markable', NS_MARKERS) !== undefined

/** XEP-0333 `displayed`: everything up to and including message `id` was read. */
export function displayedMarker(to: string, id: string): Element {
  return xml('message', { to, type: 'chat' }, xml('displayed', { xmlns: NS_MARKERS, id }), xml('store', { xmlns: 'urn:xmpp:hints' }))
}

export function displayedId(message: Element): string | null {
  const id = message.getChild('displayed', NS_MARKERS)?.attrs.id
  return typeof id === 'string' && id !== '' && id.length <= 256 ? id : null
}
