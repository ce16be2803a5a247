import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { NS_NICK, nickOf, parseAvailable, presenceKind, statusText } from '../../../../../../src/main/core/im/presence/parse'

const presence = (attrs: Record<string, string>, ...children: ReturnType<typeof xml>[]) => xml('presence', attrs, ...children)
const withPriority = (p: string) => presence({}, xml('priority', {}, p))

describe('presenceKind (RFC 6121 §4.7.1)', () => {
  it('reads no type, and an empty type, as available', () => {
    expect(presenceKind(presence({}))).toBe('available')
    expect(presenceKind(presence({ type: '' }))).toBe('available')
  })

  it.each(['unavailable', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'error', 'probe'])('reads type=%s as itself', (type) => {
    expect(presenceKind(presence({ type }))).toBe(type)
  })

  it.each(['available', 'Unavailable', 'chat', 'invisible'])('reads the unknown type %j as invalid', (type) => {
    expect(presenceKind(presence({ type }))).toBe('invalid')
  })
})

describe('parseAvailable', () => {
  it('reads show, status and priority', () => {
    const p = presence({}, xml('show', {}, 'dnd'), xml('status', {}, 'In a meeting'), xml('priority', {}, '5'))
    expect(parseAvailable(p, 'phone')).toEqual({ resource: 'phone', show: 'dnd', status: 'In a meeting', priority: 5 })
  })

  it('defaults to available, no status, priority 0 and no since', () => {
    expect(parseAvailable(presence({}), '')).toEqual({ resource: '', show: 'available', status: '', priority: 0 })
  })

  it.each(['chat', 'away', 'xa', 'dnd'])('accepts show %s', (show) => {
    expect(parseAvailable(presence({}, xml('show', {}, show)), 'r').show).toBe(show)
  })

  it('trims show, and reads an unknown show as available', () => {
    expect(parseAvailable(presence({}, xml('show', {}, ' away\n')), 'r').show).toBe('away')
    expect(parseAvailable(presence({}, xml('show', {}, 'busy')), 'r').show).toBe('available')
    expect(parseAvailable(presence({}, xml('show', {}, 'offline')), 'r').show).toBe('available')
    expect(parseAvailable(presence({}, xml('show', {}, 'DND')), 'r').show).toBe('available')
  })

  it.each([
    ['200', 127],
    ['127', 127],
    ['-500', -128],
    ['-128', -128],
    ['abc', 0],
    ['', 0],
    ['12abc', 12],
    [' 7', 7],
    ['-3', -3]
  ])('reads priority %j as %d', (raw, want) => {
    expect(parseAvailable(withPriority(raw), 'r').priority).toBe(want)
  })

  it('caps the status at 4096 characters', () => {
    expect(parseAvailable(presence({}, xml('status', {}, 's'.repeat(10_000))), 'r').status).toHaveLength(4096)
  })

  it('takes since from XEP-0319 idle', () => {
    const p = presence({}, xml('idle', { xmlns: 'urn:xmpp:idle:1', since: '2024-03-01T10:00:00Z' }))
    expect(parseAvailable(p, 'r').since).toBe(Date.UTC(2024, 2, 1, 10, 0, 0))
  })

  it('falls back to the XEP-0203 delay stamp', () => {
    const p = presence({}, xml('delay', { xmlns: 'urn:xmpp:delay', stamp: '2002-09-10T23:41:07Z', from: 'example.com' }))
    expect(parseAvailable(p, 'r').since).toBe(Date.UTC(2002, 8, 10, 23, 41, 7))
  })

  it('prefers idle over delay', () => {
    const p = presence(
      {},
      xml('delay', { xmlns: 'urn:xmpp:delay', stamp: '2002-09-10T23:41:07Z' }),
      xml('idle', { xmlns: 'urn:xmpp:idle:1', since: '2024-03-01T10:00:00.500Z' })
    )
    expect(parseAvailable(p, 'r').since).toBe(Date.UTC(2024, 2, 1, 10, 0, 0, 500))
  })

  it('leaves since out when the time is invalid or in another namespace', () => {
    expect(parseAvailable(presence({}, xml('idle', { xmlns: 'urn:xmpp:idle:1', since: 'yesterday' })), 'r')).not.toHaveProperty('since')
    expect(parseAvailable(presence({}, xml('idle', { xmlns: 'urn:xmpp:idle:0', since: '2024-03-01T10:00:00Z' })), 'r')).not.toHaveProperty('since')
    expect(parseAvailable(presence({}, xml('delay', { xmlns: 'jabber:x:delay', stamp: '2024-03-01T10:00:00Z' })), 'r')).not.toHaveProperty('since')
  })
})

describe('statusText and nickOf', () => {
  it('statusText is the status or empty', () => {
    expect(statusText(presence({ type: 'subscribe' }, xml('status', {}, 'Hi, add me')))).toBe('Hi, add me')
    expect(statusText(presence({ type: 'subscribe' }))).toBe('')
  })

  it('nickOf reads a trimmed XEP-0172 nick', () => {
    expect(nickOf(presence({ type: 'subscribe' }, xml('nick', { xmlns: NS_NICK }, '  Thirdwitch \n')))).toBe('Thirdwitch')
  })

  it('nickOf ignores a nick in another namespace and caps the length at 256', () => {
    expect(nickOf(presence({}, xml('nick', { xmlns: 'urn:example' }, 'Mallory')))).toBe('')
    expect(nickOf(presence({}, xml('nick', { xmlns: NS_NICK }, 'n'.repeat(1000))))).toHaveLength(256)
    expect(nickOf(presence({}))).toBe('')
  })
})
