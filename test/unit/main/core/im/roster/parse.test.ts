import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { NS_ROSTER, parseItem, parseRosterResult } from '../../../../../../src/main/core/im/roster/parse'

const item = (attrs: Record<string, string>, ...groups: string[]) => xml('item', attrs, ...groups.map((g) => xml('group', {}, g)))

describe('parseItem (RFC 6121 §2.1.2)', () => {
  it('reads name, subscription, ask, approved and groups', () => {
    expect(parseItem(item({ jid: 'juliet@example.com', name: 'Juliet', subscription: 'both', ask: 'subscribe', approved: 'true' }, 'Friends', 'Capulets'))).toEqual({
      jid: 'juliet@example.com',
      name: 'Juliet',
      subscription: 'both',
      pendingOut: true,
      approved: true,
      groups: ['Friends', 'Capulets']
    })
  })

  it('defaults a bare item to subscription none, no name, no groups, not pending, not approved', () => {
    expect(parseItem(item({ jid: 'nurse@example.com' }))).toEqual({
      jid: 'nurse@example.com',
      name: '',
      subscription: 'none',
      pendingOut: false,
      approved: false,
      groups: []
    })
  })

  it('only ask="subscribe" marks a pending request and only approved="true" pre-approval', () => {
    const parsed = parseItem(item({ jid: 'a@example.com', ask: 'unsubscribe', approved: '1' }))
    expect(parsed).toMatchObject({ pendingOut: false, approved: false })
  })

  it('drops duplicate and empty groups and trims group names', () => {
    const parsed = parseItem(item({ jid: 'a@example.com' }, 'Friends', ' Friends ', '', '   ', 'Work'))
    expect(parsed).toMatchObject({ groups: ['Friends', 'Work'] })
  })

  it('keeps at most 64 groups', () => {
    const groups = Array.from({ length: 100 }, (_, i) => `g${i}`)
    const parsed = parseItem(item({ jid: 'a@example.com' }, ...groups))
    expect(parsed).toMatchObject({ groups: groups.slice(0, 64) })
  })

  it('truncates very long names to 1024 characters', () => {
    const parsed = parseItem(item({ jid: 'a@example.com', name: 'n'.repeat(5000) }))
    expect(parsed && 'name' in parsed ? parsed.name.length : -1).toBe(1024)
  })

  it('normalises the JID', () => {
    expect(parseItem(item({ jid: 'Romeo@Example.COM' }))?.jid).toBe('romeo@example.com')
  })

  it.each([[''], ['@example.com'], ['a@b@c'], ['user@exa mple.com'], ['a@example.com:5222']])('skips an item with the unusable JID %j', (jid) => {
    expect(parseItem(item({ jid }))).toBeNull()
  })

  it('skips an item without a jid attribute', () => {
    expect(parseItem(xml('item', { name: 'x' }))).toBeNull()
  })

  it('rejects a full JID', () => {
    expect(parseItem(item({ jid: 'juliet@example.com/balcony' }))).toBeNull()
  })

  it('returns just the JID for subscription="remove"', () => {
    expect(parseItem(item({ jid: 'juliet@example.com', subscription: 'remove', name: 'J' }, 'Friends'))).toEqual({
      jid: 'juliet@example.com',
      subscription: 'remove'
    })
  })

  it.each([['pending'], ['BOTH'], ['']])('reads the unknown subscription %j as none', (subscription) => {
    expect(parseItem(item({ jid: 'a@example.com', subscription }))).toMatchObject({ subscription: 'none' })
  })
})

describe('parseRosterResult (RFC 6121 §2.1.4, §2.6.3)', () => {
  it('reads the version and all usable items, skipping removals and bad JIDs', () => {
    const iq = xml(
      'iq',
      { type: 'result', id: '1' },
      xml(
        'query',
        { xmlns: NS_ROSTER, ver: 'ver11' },
        item({ jid: 'romeo@example.net', name: 'Romeo', subscription: 'both' }, 'Friends'),
        item({ jid: 'not a jid@example.net' }),
        item({ jid: 'full@example.net/res' }),
        item({ jid: 'gone@example.net', subscription: 'remove' }),
        item({ jid: 'mercutio@example.com', subscription: 'from' })
      )
    )
    expect(parseRosterResult(iq)).toEqual({
      ver: 'ver11',
      items: [
        { jid: 'romeo@example.net', name: 'Romeo', subscription: 'both', pendingOut: false, approved: false, groups: ['Friends'] },
        { jid: 'mercutio@example.com', name: '', subscription: 'from', pendingOut: false, approved: false, groups: [] }
      ]
    })
  })

  it('has a null version when the server does not version the roster', () => {
    const iq = xml('iq', { type: 'result' }, xml('query', { xmlns: NS_ROSTER }, item({ jid: 'a@example.com' })))
    expect(parseRosterResult(iq).ver).toBeNull()
    expect(parseRosterResult(iq).items).toHaveLength(1)
  })

  it('returns an empty list for an empty roster (not "unchanged")', () => {
    expect(parseRosterResult(xml('iq', { type: 'result' }, xml('query', { xmlns: NS_ROSTER, ver: '' })))).toEqual({ ver: '', items: [] })
  })

  it('reads a versioned result without a query as "unchanged": items null', () => {
    expect(parseRosterResult(xml('iq', { type: 'result', id: 'r' }))).toEqual({ ver: null, items: null })
  })

  it('ignores a query in another namespace', () => {
    expect(parseRosterResult(xml('iq', { type: 'result' }, xml('query', { xmlns: 'jabber:iq:private' }, item({ jid: 'a@example.com' }))))).toEqual({
      ver: null,
      items: null
    })
  })
})
