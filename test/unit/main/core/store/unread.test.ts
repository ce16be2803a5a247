import { afterEach, describe, expect, it } from 'vitest'
import { MessageStore } from '../../../../../src/main/core/store/MessageStore'
import { ACCOUNT, HOUR, ME, PEER, T0, incoming, memoryStore, outgoing, tempDir } from './helpers'

let store: MessageStore
afterEach(() => store?.close())

const unread = (peer = PEER, account = ACCOUNT) => store.conversation(account, peer)?.unread

describe('unread counts', () => {
  it('count inserted incoming messages, not duplicates and not our own', () => {
    store = memoryStore()
    const m = incoming()
    store.insert([m, incoming(), outgoing()])
    expect(unread()).toBe(2)
    store.insert([{ ...m }, { ...m, stanzaId: 'S', stanzaIdBy: ME }])
    expect(unread()).toBe(2)
    store.insert([outgoing({ state: 'acked' })])
    expect(unread()).toBe(2)
  })

  it('markRead clears them, and archive catch-up older than the read marker does not count', () => {
    store = memoryStore()
    store.insert([incoming({ at: T0 }), incoming({ at: T0 + 1000 })])
    expect(store.markRead(ACCOUNT, PEER)).toMatchObject({ unread: 0, readUpTo: T0 + 1000 })
    // Catch-up brings an older message we had not seen: it is history, not news.
    store.insert([incoming({ at: T0 - HOUR })])
    expect(unread()).toBe(0)
    store.insert([incoming({ at: T0 + 2000 })])
    expect(unread()).toBe(1)
  })

  it('markRead up to a time counts what is newer, and the marker never moves back', () => {
    store = memoryStore()
    store.insert([1, 2, 3, 4].map((i) => incoming({ at: T0 + i * 1000 })))
    expect(store.markRead(ACCOUNT, PEER, T0 + 2000)).toMatchObject({ unread: 2, readUpTo: T0 + 2000 })
    expect(store.markRead(ACCOUNT, PEER, T0)).toMatchObject({ unread: 2, readUpTo: T0 + 2000 })
    expect(store.markRead('nobody', PEER)).toBeNull()
  })

  it('a retraction of an unread message takes it off the count', () => {
    store = memoryStore()
    store.insert([incoming({ id: 'm1', originId: 'm1' }), incoming()])
    store.retract(ACCOUNT, PEER, 'm1', PEER, T0 + HOUR)
    expect(unread()).toBe(1)
    store.markRead(ACCOUNT, PEER)
    expect(unread()).toBe(0)
  })

  it('a server time that moves a message behind the read marker takes it off the count', () => {
    store = memoryStore()
    store.insert([incoming({ at: T0 })])
    store.markRead(ACCOUNT, PEER)
    const live = incoming({ id: 'L', originId: 'L', at: T0 + 5000, atIsLocal: true })
    store.insert([live])
    expect(unread()).toBe(1)
    store.insert([{ ...live, at: T0 - 5000, atIsLocal: false }])
    expect(unread()).toBe(0)
  })

  it('totals per account and overall', () => {
    store = memoryStore()
    store.insert([
      incoming(),
      incoming({ peer: 'carol@example.org', from: 'carol@example.org/x' }),
      incoming({ account: 'acc-2' }),
      outgoing({ account: 'acc-3' })
    ])
    expect(store.unreadTotals()).toEqual({ total: 3, accounts: { [ACCOUNT]: 2, 'acc-2': 1, 'acc-3': 0 } })
  })
})

describe('conversations', () => {
  it('one row per account and peer, most recently updated first, with the last message', () => {
    store = memoryStore()
    store.insert([incoming({ body: 'old', at: T0 }), incoming({ peer: 'carol@example.org', from: 'carol@example.org/x', body: 'newer', at: T0 + 10_000 })])
    store.insert([incoming({ account: 'acc-2', body: 'other account', at: T0 + 5000 })])
    const list = store.conversations()
    expect(list.map((c) => [c.account, c.peer, c.last?.body, c.unread, c.updatedAt])).toEqual([
      [ACCOUNT, 'carol@example.org', 'newer', 1, T0 + 10_000],
      ['acc-2', PEER, 'other account', 1, T0 + 5000],
      [ACCOUNT, PEER, 'old', 1, T0]
    ])
    expect(list[0]!.last).toMatchObject({ direction: 'in', state: 'received', at: T0 + 10_000, from: 'carol@example.org/x', edited: false, retracted: false })
  })

  it('openConversation creates an empty one and leaves an existing one alone', () => {
    store = memoryStore()
    expect(store.openConversation(ACCOUNT, 'dave@example.org', T0)).toEqual({
      account: ACCOUNT,
      peer: 'dave@example.org',
      kind: 'chat',
      name: null,
      unread: 0,
      readUpTo: 0,
      updatedAt: T0,
      hidden: false,
      opened: true,
      last: null
    })
    store.insert([incoming({ at: T0 + 1000 })])
    expect(store.openConversation(ACCOUNT, PEER, T0 + 99_000)).toMatchObject({ updatedAt: T0 + 1000, unread: 1 })
  })

  it('hideConversation stops listing a chat and clears its unread count; opening it or a new message lists it again', () => {
    store = memoryStore()
    store.insert([incoming({ at: T0 + 1000 }), incoming({ at: T0 + 2000 })])
    expect(store.hideConversation(ACCOUNT, PEER)).toBe(true)
    expect(store.hideConversation(ACCOUNT, PEER)).toBe(false)
    expect(store.hideConversation(ACCOUNT, 'nobody@example.org')).toBe(false)
    expect(store.conversations()).toEqual([])
    expect(store.unreadTotals().total).toBe(0)
    // The history stays.
    expect(store.page(ACCOUNT, PEER)).toHaveLength(2)
    expect(store.conversation(ACCOUNT, PEER)).toMatchObject({ hidden: true, unread: 0 })
    expect(store.openConversation(ACCOUNT, PEER, T0 + 3000)).toMatchObject({ hidden: false, unread: 0 })
    expect(store.conversations().map((c) => c.peer)).toEqual([PEER])
    store.hideConversation(ACCOUNT, PEER)
    store.insert([incoming({ at: T0 + 4000 })])
    expect(store.conversations()).toEqual([expect.objectContaining({ peer: PEER, unread: 1, hidden: false })])
  })

  it('does not list a chat that only got a reaction, a retraction or a correction for an unknown message', () => {
    store = memoryStore()
    store.react(ACCOUNT, 'x@example.org', 'id', 'x@example.org', ['👍'], T0)
    store.retract(ACCOUNT, 'y@example.org', 'id', 'y@example.org', T0)
    store.correct(ACCOUNT, 'z@example.org', 'id', 'z@example.org', 'new', T0)
    expect(store.conversations()).toEqual([])
    expect(store.unreadTotals().total).toBe(0)
  })

  it('shortens the last message preview', () => {
    store = memoryStore()
    store.insert([incoming({ body: 'x'.repeat(5000) })])
    expect(store.conversations()[0]!.last!.body).toHaveLength(200)
  })

  it('purges a conversation in slices, then the conversation itself; an account likewise', () => {
    store = memoryStore()
    store.insert(Array.from({ length: 5 }, () => incoming({ body: 'gone soon' })))
    store.insert([incoming({ peer: 'carol@example.org', from: 'carol@example.org/x', body: 'stays' })])
    store.setArchiveState(ACCOUNT, ME, { lastId: 'x', complete: false, syncedAt: T0 })
    expect(store.purge(ACCOUNT, PEER, 2)).toBe(2)
    expect(store.purge(ACCOUNT, PEER, 2)).toBe(2)
    expect(store.purge(ACCOUNT, PEER, 2)).toBe(1)
    expect(store.purge(ACCOUNT, PEER, 2)).toBe(0)
    expect(store.conversation(ACCOUNT, PEER)).toBeNull()
    expect(store.search({ text: 'gone' })).toEqual([])
    expect(store.search({ text: 'stays' })).toHaveLength(1)
    expect(store.purge(ACCOUNT)).toBe(1)
    expect(store.conversations()).toEqual([])
    expect(store.archiveState(ACCOUNT, ME)).toBeNull()
    // The account can come back afterwards.
    store.insert([incoming({ body: 'new life' })])
    expect(store.page(ACCOUNT, PEER).map((m) => m.body)).toEqual(['new life'])
  })
})

describe('archive position', () => {
  it('is kept per account and archive', () => {
    store = memoryStore()
    expect(store.archiveState(ACCOUNT, ME)).toBeNull()
    store.setArchiveState(ACCOUNT, ME, { lastId: 'A1', lastAt: T0 - 10, firstId: 'A0', complete: false, syncedAt: T0 })
    store.setArchiveState(ACCOUNT, 'room@muc.example.org', { lastId: 'R1', complete: true, syncedAt: T0 + 1 })
    // A position moved without a time (a page of nothing usable) keeps the last time known.
    store.setArchiveState(ACCOUNT, ME, { lastId: 'A2', complete: true, syncedAt: T0 + 2 })
    expect(store.archiveState(ACCOUNT, ME)).toEqual({ lastId: 'A2', lastAt: T0 - 10, firstId: 'A0', complete: true, syncedAt: T0 + 2 })
    store.setArchiveState(ACCOUNT, ME, { lastId: 'A3', lastAt: T0 - 5, complete: true, syncedAt: T0 + 3 })
    expect(store.archiveState(ACCOUNT, ME)?.lastAt).toBe(T0 - 5)
    expect(store.archiveState(ACCOUNT, 'room@muc.example.org')).toEqual({ lastId: 'R1', lastAt: null, firstId: null, complete: true, syncedAt: T0 + 1 })
    expect(store.archiveState('acc-2', ME)).toBeNull()
  })
})

describe('rooms remembered as rooms', () => {
  const ROOM = 'club@rooms.example.org'

  it('markRoom records the kind and name without listing the conversation until it speaks or is opened', () => {
    store = memoryStore()
    expect(store.isRoom(ACCOUNT, ROOM)).toBe(false)
    store.markRoom(ACCOUNT, ROOM, 'The Club')
    expect(store.isRoom(ACCOUNT, ROOM)).toBe(true)
    expect(store.conversation(ACCOUNT, ROOM)).toMatchObject({ kind: 'room', name: 'The Club', opened: false, last: null })
    expect(store.rooms()).toEqual([])
    // A name left out keeps the one stored; an empty one clears it.
    store.markRoom(ACCOUNT, ROOM)
    expect(store.conversation(ACCOUNT, ROOM)?.name).toBe('The Club')
    store.openConversation(ACCOUNT, ROOM, T0)
    expect(store.rooms()).toEqual([{ account: ACCOUNT, room: ROOM, name: 'The Club' }])
    store.markRoom(ACCOUNT, ROOM, '')
    expect(store.rooms()).toEqual([{ account: ACCOUNT, room: ROOM, name: null }])
    // Hidden (forgotten) rooms are not listed.
    store.hideConversation(ACCOUNT, ROOM)
    expect(store.rooms()).toEqual([])
    expect(store.isRoom(ACCOUNT, ROOM)).toBe(true)
  })

  it('a room message marks its conversation as a room; a chat stays a chat', () => {
    store = memoryStore()
    store.insert([incoming({ peer: ROOM, from: `${ROOM}/Bob`, nick: 'Bob', room: true }), incoming()])
    expect(store.isRoom(ACCOUNT, ROOM)).toBe(true)
    expect(store.isRoom(ACCOUNT, PEER)).toBe(false)
    expect(store.isRoom('other-account', ROOM)).toBe(false)
    expect(store.rooms()).toEqual([{ account: ACCOUNT, room: ROOM, name: null }])
    expect(store.conversation(ACCOUNT, PEER)?.kind).toBe('chat')
  })

  it('keeps bookmarks to retract per account until removed, and drops them with the account', () => {
    store = memoryStore()
    expect(store.bookmarkRetractions(ACCOUNT)).toEqual([])
    store.addBookmarkRetraction(ACCOUNT, ROOM)
    store.addBookmarkRetraction(ACCOUNT, ROOM)
    store.addBookmarkRetraction(ACCOUNT, 'a@rooms.example.org')
    store.addBookmarkRetraction('acc-2', ROOM)
    expect(store.bookmarkRetractions(ACCOUNT)).toEqual(['a@rooms.example.org', ROOM])
    store.removeBookmarkRetraction(ACCOUNT, 'a@rooms.example.org')
    expect(store.bookmarkRetractions(ACCOUNT)).toEqual([ROOM])
    store.purge(ACCOUNT)
    expect(store.bookmarkRetractions(ACCOUNT)).toEqual([])
    expect(store.bookmarkRetractions('acc-2')).toEqual([ROOM])
  })
})

describe('chat markers (XEP-0333)', () => {
  it('keeps whether a message asked for markers, across a reopen of the file', () => {
    const { path, cleanup } = tempDir()
    try {
      store = MessageStore.open(path)
      store.insert([incoming({ id: 'plain', action: true }), incoming({ id: 'asks', markable: true, attachment: true, receiptRequested: true })])
      store.close()
      store = MessageStore.open(path)
      const plain = store.byId(ACCOUNT, PEER, 'plain')
      const asks = store.byId(ACCOUNT, PEER, 'asks')
      expect(plain?.markable).toBeUndefined()
      expect(plain?.action).toBe(true)
      // The new bit sits next to the others without disturbing them.
      expect(asks).toMatchObject({ markable: true, attachment: true, receiptRequested: true })
      expect(asks?.action).toBeUndefined()
    } finally {
      store.close()
      cleanup()
    }
  })

  it('a later copy that asks for markers or shares a file teaches the stored message so', () => {
    store = memoryStore()
    // First seen without the markers and the file (a client that stripped them, a carbon of an old device)…
    const [first] = store.insert([incoming({ id: 'f', originId: 'f', body: 'https://x.org/a.png', at: T0 + 1000 })])
    expect(store.unreadMarkable(ACCOUNT, PEER)).toBeNull()
    // …then the archive's copy, with both.
    const [again] = store.insert([incoming({ id: 'f', originId: 'f', body: 'https://x.org/a.png', at: T0 + 1000, markable: true, attachment: true })])
    expect(again).toMatchObject({ rowId: first!.rowId, inserted: false, changed: true })
    expect(store.get(ACCOUNT, first!.rowId)).toMatchObject({ markable: true, attachment: true })
    expect(store.unreadMarkable(ACCOUNT, PEER)?.id).toBe('f')
    // A copy without them takes nothing away.
    store.insert([incoming({ id: 'f', originId: 'f', body: 'https://x.org/a.png', at: T0 + 1000 })])
    expect(store.get(ACCOUNT, first!.rowId)).toMatchObject({ markable: true, attachment: true })
  })

  it('names the newest unread incoming markable message, and nothing once the chat is read', () => {
    store = memoryStore()
    expect(store.unreadMarkable(ACCOUNT, PEER)).toBeNull()
    store.insert([
      incoming({ id: 'a', markable: true, at: T0 + 1000 }),
      incoming({ id: 'b', markable: true, at: T0 + 2000 }),
      incoming({ id: 'c', at: T0 + 3000 }),
      outgoing({ id: 'mine', markable: true, at: T0 + 4000 })
    ])
    expect(store.unreadMarkable(ACCOUNT, PEER)?.id).toBe('b')
    store.markRead(ACCOUNT, PEER)
    expect(store.unreadMarkable(ACCOUNT, PEER)).toBeNull()
    // An archive copy of an older message that asked for markers: read already, never named.
    store.insert([incoming({ id: 'old', markable: true, at: T0 - HOUR })])
    expect(store.unreadMarkable(ACCOUNT, PEER)).toBeNull()
    store.insert([incoming({ id: 'd', markable: true, at: T0 + 5000 }), incoming({ id: 'e', markable: true, at: T0 + 6000 })])
    // Another device of ours marked `d` displayed: only what is newer is still ours to mark.
    store.markRead(ACCOUNT, PEER, T0 + 5000)
    expect(store.unreadMarkable(ACCOUNT, PEER)?.id).toBe('e')
    store.retract(ACCOUNT, PEER, 'e', PEER, T0 + 7000)
    expect(store.unreadMarkable(ACCOUNT, PEER)).toBeNull()
  })
})
