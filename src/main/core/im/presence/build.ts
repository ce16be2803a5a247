import { xml, type Element } from '../../xml'
import type { OwnPresence } from '../../../../shared/model/presence'
import { NS_NICK } from './parse'

export function ownPresence(p: OwnPresence, extra: Element[] = []): Element {
  return xml(
    'presence',
    {},
    p.show !== 'available' && p.show !== 'offline' ? xml('show', {}, p.show) : undefined,
    p.status ? xml('status', {}, p.status) : undefined,
    p.priority !== 0 ? xml('priority', {}, String(p.priority)) : undefined,
    ...extra
  )
}

export type SubscriptionType = 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed'

export function subscriptionPresence(to: string, type: SubscriptionType, opts: { message?: string; nick?: string } = {}): Element {
  return xml(
    'presence',
    { to, type },
    opts.message ? xml('status', {}, opts.message) : undefined,
    type === 'subscribe' && opts.nick ? xml('nick', { xmlns: NS_NICK }, opts.nick) : undefined
  )
}
