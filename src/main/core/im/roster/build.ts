import { xml, type Element } from '../../xml'
import { NS_ROSTER } from './parse'

export function rosterGet(ver: string | null): Element {
  return xml('query', { xmlns: NS_ROSTER, ...(ver !== null ? { ver } : {}) })
}

export function rosterSet(jid: string, name: string, groups: readonly string[]): Element {
  return xml(
    'query',
    { xmlns: NS_ROSTER },
    xml('item', { jid, ...(name ? { name } : {}) }, ...[...new Set(groups)].map((g) => xml('group', {}, g)))
  )
}

export function rosterRemove(jid: string): Element {
  return xml('query', { xmlns: NS_ROSTER }, xml('item', { jid, subscription: 'remove' }))
}
