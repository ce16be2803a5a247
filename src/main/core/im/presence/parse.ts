import type { Element } from '../../xml'
import type { PresenceShow, ResourcePresence } from '../../../../shared/model/presence'

export const NS_NICK = 'http://jabber.org/protocol/nick'
const NS_DELAY = 'urn:xmpp:delay'
const NS_IDLE = 'urn:xmpp:idle:1'
const SHOWS = new Set(['chat', 'away', 'xa', 'dnd'])
const MAX_STATUS = 4096

export type PresenceKind = 'available' | 'unavailable' | 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed' | 'error' | 'probe' | 'invalid'

export function presenceKind(stanza: Element): PresenceKind {
  const type = stanza.attrs.type as string | undefined
  if (type === undefined || type === '') return 'available'
  switch (type) {
    case 'unavailable':
    case 'subscribe':
    case 'subscribed':
    case 'unsubscribe':
    case 'unsubscribed':
    case 'error':
    case 'probe':
      return type
    default:
      return 'invalid'
  }
}

/** An available presence as one resource's state (show, status, priority, idle). */
export function parseAvailable(stanza: Element, resource: string): ResourcePresence {
  const show = stanza.getChildText('show')?.trim() ?? ''
  const priority = Number.parseInt(stanza.getChildText('priority') ?? '0', 10)
  const idle = stanza.getChild('idle', NS_IDLE)?.attrs.since ?? stanza.getChild('delay', NS_DELAY)?.attrs.stamp
  const since = typeof idle === 'string' ? Date.parse(idle) : Number.NaN
  return {
    resource,
    show: (SHOWS.has(show) ? show : 'available') as Exclude<PresenceShow, 'offline'>,
    status: statusText(stanza),
    priority: Number.isFinite(priority) ? Math.max(-128, Math.min(127, priority)) : 0,
    ...(Number.isFinite(since) ? { since } : {})
  }
}

export function statusText(stanza: Element): string {
  return (stanza.getChildText('status') ?? '').slice(0, MAX_STATUS)
}

export function nickOf(stanza: Element): string {
  return (stanza.getChildText('nick', NS_NICK) ?? '').trim().slice(0, 256)
}
