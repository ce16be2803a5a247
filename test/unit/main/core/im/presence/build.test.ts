import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { ownPresence, subscriptionPresence } from '../../../../../../src/main/core/im/presence/build'

describe('ownPresence', () => {
  it('omits the defaults: available, no status, priority 0', () => {
    expect(ownPresence({ show: 'available', status: '', priority: 0 }).toString()).toBe('<presence/>')
  })

  it('carries show, status and priority when set', () => {
    expect(ownPresence({ show: 'away', status: 'Lunch & coffee', priority: -1 }).toString()).toBe(
      '<presence><show>away</show><status>Lunch &amp; coffee</status><priority>-1</priority></presence>'
    )
  })

  it.each(['chat', 'away', 'xa', 'dnd'] as const)('writes show %s', (show) => {
    expect(ownPresence({ show, status: '', priority: 0 }).toString()).toBe(`<presence><show>${show}</show></presence>`)
  })

  it('never writes show for offline', () => {
    expect(ownPresence({ show: 'offline', status: '', priority: 0 }).toString()).toBe('<presence/>')
  })

  it('appends extra elements (entity capabilities) last', () => {
    const caps = xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'n', ver: 'v' })
    expect(ownPresence({ show: 'dnd', status: '', priority: 3 }, [caps]).toString()).toBe(
      '<presence><show>dnd</show><priority>3</priority><c xmlns="http://jabber.org/protocol/caps" hash="sha-1" node="n" ver="v"/></presence>'
    )
  })
})

describe('subscriptionPresence', () => {
  it('a subscribe carries the message as status and the nick (XEP-0172)', () => {
    expect(subscriptionPresence('juliet@example.com', 'subscribe', { message: 'Hi', nick: 'Romeo' }).toString()).toBe(
      '<presence to="juliet@example.com" type="subscribe"><status>Hi</status><nick xmlns="http://jabber.org/protocol/nick">Romeo</nick></presence>'
    )
  })

  it.each(['subscribed', 'unsubscribe', 'unsubscribed'] as const)('a %s never carries the nick', (type) => {
    expect(subscriptionPresence('juliet@example.com', type, { nick: 'Romeo' }).toString()).toBe(`<presence to="juliet@example.com" type="${type}"/>`)
  })

  it('a bare subscribe has no children', () => {
    expect(subscriptionPresence('juliet@example.com', 'subscribe').toString()).toBe('<presence to="juliet@example.com" type="subscribe"/>')
  })
})
