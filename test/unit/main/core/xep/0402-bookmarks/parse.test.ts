import { describe, expect, it } from 'vitest'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import { conferenceElement, fetchBookmarks, publishBookmark, retractBookmark } from '../../../../../../src/main/core/xep/0402-bookmarks/build'
import { legacyStorage, NS_LEGACY_BOOKMARKS, parseLegacyStorage, privateBookmarksQuery } from '../../../../../../src/main/core/xep/0402-bookmarks/legacy'
import {
  NS_BOOKMARKS,
  NS_PUBSUB_EVENT,
  parseBookmarkItem,
  parseBookmarkItems,
  parseBookmarksEvent,
  toView
} from '../../../../../../src/main/core/xep/0402-bookmarks/parse'

const ROOM = 'theplay@conference.shakespeare.lit'

const item = (id: string, conference: Element) => xml('item', { id }, conference)

describe('XEP-0402 bookmark items', () => {
  it('reads a conference with name, autojoin, nick, password and extensions', () => {
    const ext = xml('extensions', {}, xml('state', { xmlns: 'http://myclient.example/bookmark/state', minimized: 'true' }))
    const b = parseBookmarkItem(item('ThePlay@Conference.Shakespeare.lit', xml('conference', { xmlns: NS_BOOKMARKS, name: 'The Play’s the Thing', autojoin: 'true' }, xml('nick', {}, 'JC'), xml('password', {}, 'secret'), ext)))
    expect({ ...b, extra: b?.extra?.map(String) }).toEqual({ room: ROOM, name: 'The Play’s the Thing', autojoin: true, nick: 'JC', password: 'secret', extra: [ext.toString()] })
    expect(toView(b!)).toEqual({ room: ROOM, name: 'The Play’s the Thing', autojoin: true, nick: 'JC', hasPassword: true })
  })

  it('autojoin is true only for "true" or "1"; missing parts are empty', () => {
    expect(parseBookmarkItem(item(ROOM, xml('conference', { xmlns: NS_BOOKMARKS, autojoin: '1' })))).toEqual({ room: ROOM, name: '', autojoin: true, nick: '' })
    expect(parseBookmarkItem(item(ROOM, xml('conference', { xmlns: NS_BOOKMARKS, autojoin: 'yes' })))?.autojoin).toBe(false)
  })

  it('skips items that are not rooms or carry no conference in the right namespace', () => {
    const items = xml(
      'items',
      { node: NS_BOOKMARKS },
      item('conference.shakespeare.lit', xml('conference', { xmlns: NS_BOOKMARKS })),
      item(`${ROOM}/nick`, xml('conference', { xmlns: NS_BOOKMARKS })),
      item(ROOM, xml('conference', { xmlns: 'storage:bookmarks' })),
      item('ok@conference.shakespeare.lit', xml('conference', { xmlns: NS_BOOKMARKS }))
    )
    expect(parseBookmarkItems(items).map((b) => b.room)).toEqual(['ok@conference.shakespeare.lit'])
  })

  it('builds the publish with the node options XEP-0402 requires', () => {
    const iq = publishBookmark({ room: ROOM, name: 'The Play', autojoin: true, nick: 'JC' })
    expect(iq.getChild('publish')?.toString()).toBe(
      `<publish node="urn:xmpp:bookmarks:1"><item id="${ROOM}"><conference xmlns="urn:xmpp:bookmarks:1" name="The Play" autojoin="true"><nick>JC</nick></conference></item></publish>`
    )
    const options = Object.fromEntries(
      iq.getChild('publish-options')?.getChild('x')?.getChildren('field').map((fl) => [fl.attrs.var, fl.getChildText('value')]) ?? []
    )
    expect(options).toEqual({
      FORM_TYPE: 'http://jabber.org/protocol/pubsub#publish-options',
      'pubsub#persist_items': 'true',
      'pubsub#max_items': 'max',
      'pubsub#send_last_published_item': 'never',
      'pubsub#access_model': 'whitelist'
    })
    expect(retractBookmark(ROOM).toString()).toBe(
      `<pubsub xmlns="http://jabber.org/protocol/pubsub"><retract node="urn:xmpp:bookmarks:1" notify="true"><item id="${ROOM}"/></retract></pubsub>`
    )
    expect(fetchBookmarks().toString()).toBe('<pubsub xmlns="http://jabber.org/protocol/pubsub"><items node="urn:xmpp:bookmarks:1"/></pubsub>')
  })

  it('writes the extensions back unchanged', () => {
    const ext = xml('extensions', {}, xml('x', { xmlns: 'urn:example' }))
    const b = parseBookmarkItem(item(ROOM, xml('conference', { xmlns: NS_BOOKMARKS }, ext)))!
    expect(conferenceElement({ ...b, autojoin: true }).toString()).toBe('<conference xmlns="urn:xmpp:bookmarks:1" autojoin="true"><extensions><x xmlns="urn:example"/></extensions></conference>')
  })
})

describe('XEP-0402 notifications', () => {
  const event = (...children: Element[]) => xml('message', { from: 'juliet@capulet.lit' }, xml('event', { xmlns: NS_PUBSUB_EVENT }, ...children))

  it('reads published and retracted bookmarks', () => {
    const m = event(
      xml('items', { node: NS_BOOKMARKS }, item(ROOM, xml('conference', { xmlns: NS_BOOKMARKS, autojoin: 'true' }, xml('nick', {}, 'JC'))), xml('retract', { id: 'old@conference.shakespeare.lit' }), xml('retract', { id: 'not a jid@' }))
    )
    expect(parseBookmarksEvent(m)).toEqual({ upserted: [{ room: ROOM, name: '', autojoin: true, nick: 'JC' }], removed: ['old@conference.shakespeare.lit'], cleared: false })
  })

  it('reads purge and delete of the node as "everything gone"', () => {
    expect(parseBookmarksEvent(event(xml('purge', { node: NS_BOOKMARKS })))).toEqual({ upserted: [], removed: [], cleared: true })
    expect(parseBookmarksEvent(event(xml('delete', { node: NS_BOOKMARKS })))).toEqual({ upserted: [], removed: [], cleared: true })
  })

  it('is null for other nodes and other messages', () => {
    expect(parseBookmarksEvent(event(xml('items', { node: 'urn:xmpp:avatar:metadata' })))).toBeNull()
    expect(parseBookmarksEvent(event(xml('purge', { node: 'urn:xmpp:avatar:metadata' })))).toBeNull()
    expect(parseBookmarksEvent(xml('message', {}, xml('body', {}, 'hi')))).toBeNull()
  })
})

describe('XEP-0048 bookmarks in private storage (XEP-0049)', () => {
  const storage = xml(
    'storage',
    { xmlns: NS_LEGACY_BOOKMARKS },
    xml('conference', { name: 'Council of Oberon', autojoin: 'true', jid: 'council@conference.underhill.org' }, xml('nick', {}, 'Puck'), xml('password', {}, 'titania'), xml('x', { xmlns: 'urn:example' })),
    xml('url', { name: 'Complete Works', url: 'http://the-tech.mit.edu/Shakespeare/' }),
    xml('conference', { jid: 'not a room' })
  )

  it('reads conferences and keeps everything else', () => {
    const { bookmarks, others } = parseLegacyStorage(storage)
    expect(bookmarks.map((b) => ({ ...b, extra: b.extra?.map(String) }))).toEqual([
      { room: 'council@conference.underhill.org', name: 'Council of Oberon', autojoin: true, nick: 'Puck', password: 'titania', extra: ['<x xmlns="urn:example"/>'] }
    ])
    expect(others.map((o) => o.name)).toEqual(['url', 'conference'])
    expect(parseLegacyStorage(undefined)).toEqual({ bookmarks: [], others: [] })
  })

  it('writes the storage back with what it did not understand', () => {
    const { bookmarks, others } = parseLegacyStorage(storage)
    const again = legacyStorage([...bookmarks, { room: ROOM, name: '', autojoin: false, nick: 'JC' }], others)
    expect(again.toString()).toBe(
      '<storage xmlns="storage:bookmarks"><conference jid="council@conference.underhill.org" name="Council of Oberon" autojoin="true"><nick>Puck</nick><password>titania</password><x xmlns="urn:example"/></conference>' +
        `<conference jid="${ROOM}" autojoin="false"><nick>JC</nick></conference>` +
        '<url name="Complete Works" url="http://the-tech.mit.edu/Shakespeare/"/><conference jid="not a room"/></storage>'
    )
    expect(privateBookmarksQuery().toString()).toBe('<query xmlns="jabber:iq:private"><storage xmlns="storage:bookmarks"/></query>')
  })
})
