import type { Element } from '../../xml'
import { bare, jidToString, parseJid } from '../../../../shared/jid'
import type { RosterItem, Subscription } from '../../../../shared/model/roster'

export const NS_ROSTER = 'jabber:iq:roster'

export type ParsedItem = RosterItem | { jid: string; subscription: 'remove' }

const SUBSCRIPTIONS = new Set<Subscription>(['none', 'to', 'from', 'both', 'remove'])
const MAX_GROUPS = 64
const MAX_NAME = 1024

/** One <item/>; null when its JID is unusable (such items are skipped, not fatal). */
export function parseItem(item: Element): ParsedItem | null {
  const parsed = parseJid(String(item.attrs.jid ?? ''))
  if (!parsed || parsed.resource) return null
  const jid = jidToString(bare(parsed))
  const raw = String(item.attrs.subscription ?? 'none') as Subscription
  const subscription = SUBSCRIPTIONS.has(raw) ? raw : 'none'
  if (subscription === 'remove') return { jid, subscription }
  const groups = [...new Set(item.getChildren('group').map((g) => g.text().trim()).filter((g) => g !== ''))]
  return {
    jid,
    name: String(item.attrs.name ?? '').slice(0, MAX_NAME),
    subscription,
    pendingOut: item.attrs.ask === 'subscribe',
    approved: item.attrs.approved === 'true',
    groups: groups.slice(0, MAX_GROUPS)
  }
}

/** A roster result: the items (or null when the server says "your cached version is current"). */
export function parseRosterResult(iq: Element): { ver: string | null; items: RosterItem[] | null } {
  const query = iq.getChild('query', NS_ROSTER)
  if (!query) return { ver: null, items: null }
  const ver = typeof query.attrs.ver === 'string' ? query.attrs.ver : null
  const items = query
    .getChildren('item')
    .map(parseItem)
    .filter((i): i is RosterItem => i !== null && i.subscription !== 'remove')
  return { ver, items }
}
