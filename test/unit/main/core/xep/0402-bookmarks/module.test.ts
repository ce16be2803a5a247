import { beforeEach, describe, expect, it } from 'vitest'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import { DiscoModule, NS_DISCO_INFO } from '../../../../../../src/main/core/xep/0030-disco'
import { BookmarksModule, type BookmarkEvents } from '../../../../../../src/main/core/xep/0402-bookmarks'
import { NS_BOOKMARKS, NS_BOOKMARKS_COMPAT, NS_PUBSUB, NS_PUBSUB_EVENT } from '../../../../../../src/main/core/xep/0402-bookmarks/parse'
import { errorReply, fakeContext, OWN, resultReply, type Fake } from '../0045-muc/fakeContext'

const ROOM = 'theplay@conference.shakespeare.lit'
type Bookmarks = BookmarkEvents['bookmarks']

let f: Fake
let bookmarks: BookmarksModule

function pepItems(iq: Element, ...items: Element[]): Element {
  return resultReply(iq, xml('pubsub', { xmlns: NS_PUBSUB }, xml('items', { node: NS_BOOKMARKS }, ...items)))
}

const conferenceItem = (room: string, autojoin = true, nick = 'JC') =>
  xml('item', { id: room }, xml('conference', { xmlns: NS_BOOKMARKS, name: 'The Play', autojoin: String(autojoin) }, xml('nick', {}, nick)))

function notification(from: string | undefined, ...children: Element[]): Element {
  return xml('message', { ...(from === undefined ? {} : { from }), to: `${OWN}/pc`, type: 'headline' }, xml('event', { xmlns: NS_PUBSUB_EVENT }, xml('items', { node: NS_BOOKMARKS }, ...children)))
}

function accountInfo(iq: Element, features: string[]): Element {
  return resultReply(iq, xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'account', type: 'registered' }), ...features.map((v) => xml('feature', { var: v }))))
}

beforeEach(() => {
  f = fakeContext()
  const disco = new DiscoModule(f.ctx, () => [])
  bookmarks = new BookmarksModule(f.ctx, disco)
})

describe('BookmarksModule on a server with XEP-0402', () => {
  beforeEach(async () => {
    f.respond = (iq) => {
      if (iq.getChild('query', NS_DISCO_INFO)) return accountInfo(iq, [NS_BOOKMARKS_COMPAT])
      if (iq.getChild('pubsub', NS_PUBSUB)?.getChild('items')) return pepItems(iq, conferenceItem(ROOM), conferenceItem('lobby@conference.shakespeare.lit', false))
      return resultReply(iq)
    }
    await bookmarks.online(false)
  })

  it('announces +notify and reports the bookmarks of a new session, with the autojoin list', () => {
    expect(bookmarks.features).toEqual(['urn:xmpp:bookmarks:1+notify'])
    expect(bookmarks.storage()).toBe('pep')
    const [first] = f.eventsNamed<Bookmarks>('bookmarks')
    expect(first).toMatchObject({ initial: true, storage: 'pep', removed: [] })
    expect(first?.bookmarks.map((b) => b.room)).toEqual([ROOM, 'lobby@conference.shakespeare.lit'])
    expect(bookmarks.autojoin()).toEqual([{ room: ROOM, nick: 'JC' }])
  })

  it('applies notifications from our own account (bare JID, or no from)', async () => {
    f.clear()
    expect(await f.input(notification(OWN, conferenceItem('new@conference.shakespeare.lit')))).toBe(true)
    expect(await f.input(notification(undefined, xml('retract', { id: ROOM })))).toBe(true)
    expect(f.eventsNamed<Bookmarks>('bookmarks').map((e) => [e.upserted.map((b) => b.room), e.removed])).toEqual([
      [['new@conference.shakespeare.lit'], []],
      [[], [ROOM]]
    ])
    expect(bookmarks.list().map((b) => b.room)).toEqual(['lobby@conference.shakespeare.lit', 'new@conference.shakespeare.lit'])
  })

  it('drops forged notifications: from another account, from a full JID of ours, from a server', async () => {
    f.clear()
    for (const from of ['mallory@evil.example', 'mallory@shakespeare.lit/x', `${OWN}/other-device`, 'example.org', 'not a jid@']) {
      expect(await f.input(notification(from, conferenceItem('trap@conference.evil.example'), xml('retract', { id: ROOM })))).toBe(true)
    }
    expect(f.events).toEqual([])
    expect(bookmarks.list().map((b) => b.room)).toEqual([ROOM, 'lobby@conference.shakespeare.lit'])
    expect(bookmarks.autojoin().map((a) => a.room)).toEqual([ROOM])
  })

  it('publishes, updates (keeping the password) and retracts', async () => {
    f.clear()
    await bookmarks.add('New@Conference.Shakespeare.lit', { name: 'New', nick: 'JC', autojoin: true, password: 'pw' })
    await bookmarks.update('new@conference.shakespeare.lit', { autojoin: false })
    await bookmarks.remove('new@conference.shakespeare.lit')
    const [publish, update, retract] = f.iqs
    expect(publish?.getChild('pubsub')?.getChild('publish')?.getChild('item')?.toString()).toBe(
      '<item id="new@conference.shakespeare.lit"><conference xmlns="urn:xmpp:bookmarks:1" name="New" autojoin="true"><nick>JC</nick><password>pw</password></conference></item>'
    )
    expect(update?.getChild('pubsub')?.getChild('publish')?.getChild('item')?.getChild('conference')?.toString()).toBe(
      '<conference xmlns="urn:xmpp:bookmarks:1" name="New"><nick>JC</nick><password>pw</password></conference>'
    )
    expect(retract?.getChild('pubsub')?.getChild('retract')?.attrs).toMatchObject({ node: NS_BOOKMARKS, notify: 'true' })
    expect(bookmarks.get('new@conference.shakespeare.lit')).toBeUndefined()
    // The password never reaches the event payload.
    expect(JSON.stringify(f.events)).not.toContain('"pw"')
  })

  it('refuses a bookmark that is not a room address', async () => {
    await expect(bookmarks.add('conference.shakespeare.lit', {})).rejects.toMatchObject({ code: 'invalid-argument' })
  })
})

describe('BookmarksModule storage detection', () => {
  it('uses XEP-0402 without #compat when the node exists', async () => {
    f.respond = (iq) => (iq.getChild('pubsub') ? pepItems(iq, conferenceItem(ROOM)) : accountInfo(iq, []))
    await bookmarks.online(false)
    expect(bookmarks.storage()).toBe('pep')
  })

  it('an announced but empty PEP node means no bookmarks yet', async () => {
    f.respond = (iq) => (iq.getChild('pubsub') ? errorReply(iq, 'item-not-found') : accountInfo(iq, [NS_BOOKMARKS_COMPAT]))
    await bookmarks.online(false)
    expect(bookmarks.storage()).toBe('pep')
    expect(bookmarks.list()).toEqual([])
  })

  it('falls back to XEP-0048 in private storage, changing it by read-modify-write', async () => {
    let stored = xml(
      'storage',
      { xmlns: 'storage:bookmarks' },
      xml('conference', { jid: ROOM, autojoin: 'true' }, xml('nick', {}, 'JC')),
      xml('url', { name: 'Works', url: 'http://example.org/' })
    )
    f.respond = (iq) => {
      if (iq.getChild('pubsub')) return errorReply(iq, 'item-not-found')
      const query = iq.getChild('query', 'jabber:iq:private')
      if (query && iq.attrs.type === 'get') return resultReply(iq, xml('query', { xmlns: 'jabber:iq:private' }, stored))
      if (query) {
        stored = query.getChild('storage')!
        return resultReply(iq)
      }
      return accountInfo(iq, [])
    }
    await bookmarks.online(false)
    expect(bookmarks.storage()).toBe('private')
    expect(bookmarks.autojoin()).toEqual([{ room: ROOM, nick: 'JC' }])
    // Another device added a bookmark meanwhile: our write keeps it.
    stored.append(xml('conference', { jid: 'other@conference.shakespeare.lit', autojoin: 'false' }))
    await bookmarks.add('new@conference.shakespeare.lit', { nick: 'JC', autojoin: true })
    expect(stored.getChildren('conference').map((c) => c.attrs.jid)).toEqual([ROOM, 'other@conference.shakespeare.lit', 'new@conference.shakespeare.lit'])
    expect(stored.getChild('url')).toBeDefined()
    await bookmarks.remove(ROOM)
    expect(stored.getChildren('conference').map((c) => c.attrs.jid)).toEqual(['other@conference.shakespeare.lit', 'new@conference.shakespeare.lit'])
    expect(bookmarks.list().map((b) => b.room)).toEqual(['other@conference.shakespeare.lit', 'new@conference.shakespeare.lit'])
  })

  it('reports no storage when neither works, and refuses changes', async () => {
    f.respond = (iq) => (iq.getChild('query', NS_DISCO_INFO) ? accountInfo(iq, []) : errorReply(iq, 'service-unavailable'))
    await bookmarks.online(false)
    expect(bookmarks.storage()).toBe('none')
    await expect(bookmarks.add(ROOM, {})).rejects.toMatchObject({ code: 'unsupported' })
  })

  it('a resumed session keeps what it has; a lost one fetches again', async () => {
    f.respond = (iq) => (iq.getChild('pubsub') ? pepItems(iq, conferenceItem(ROOM)) : accountInfo(iq, [NS_BOOKMARKS_COMPAT]))
    await bookmarks.online(false)
    const asked = f.iqs.length
    await bookmarks.online(true)
    expect(f.iqs.length).toBe(asked)
    bookmarks.sessionLost()
    await bookmarks.online(false)
    expect(f.iqs.length).toBeGreaterThan(asked)
  })
})
