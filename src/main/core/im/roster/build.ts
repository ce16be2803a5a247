import { xml, type Element } from '../../xml'
import { NS_ROSTER } from './parse'

export function rosterGet(ver: string | null): Element {
  return xml('query', { xmlns: NS_ROSTER, ...(ver !== null ? { ver } : {}) })
}

export function rosterSet(jid: string, name: string, groups: readonly string[]): Element {
  // RFC 6121 §2.3.3: an empty <group/> makes the server refuse the whole set (not-acceptable).
  // Trimmed like parseItem reads them, so that ' Friends ' and 'Friends' are one group.
  const unique = [...new Set(groups.map((g) => g.trim()).filter((g) => g !== ''))]
  return xml('query', { xmlns: NS_ROSTER }, xml('item', { jid, ...(name ? { name } : {}) }, ...unique.map((g) => xml('group', {}, g))))
}

export function rosterRemove(jid: string): Element {
  return xml('query', { xmlns: NS_ROSTER }, xml('item', { jid, subscription: 'remove' }))
}
