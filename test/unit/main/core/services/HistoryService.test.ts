import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Account } from '../../../../../src/main/core/account/Account'
import type { Core } from '../../../../../src/main/core/createCore'
import { CoreError } from '../../../../../src/main/core/errors'
import { CoreEmitter } from '../../../../../src/main/core/events'
import type { ContactsService } from '../../../../../src/main/core/services/ContactsService'
import { HistoryService } from '../../../../../src/main/core/services/HistoryService'
import type { RoomsService } from '../../../../../src/main/core/services/RoomsService'
import { MessageStore } from '../../../../../src/main/core/store/MessageStore'
import type { Occupant, RoomEdit } from '../../../../../src/main/core/xep/0045-muc/types'
import { asAccountId, asMessageId } from '../../../../../src/shared/model/ids'
import type { ChatMessage } from '../../../../../src/shared/model/message'

const ACCOUNT = asAccountId('acc-1')
const ME = 'alice@example.org'
const ROOM = 'tea@conference.example.org'
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0)

/** A HistoryService over a memory store, with an account that is in ROOM as `self`. */
function setup(self: Occupant) {
  const store = MessageStore.open(':memory:')
  const events = new CoreEmitter()
  const account = {
    id: ACCOUNT,
    bareJid: ME,
    connectionState: () => ({ state: 'online' }),
    muc: { occupants: () => [self], nick: () => self.nick, react: () => Promise.resolve('r1') }
  } as unknown as Account
  const core = { events, accounts: { get: () => account } } as unknown as Core
  const rooms = Object.assign(new EventEmitter(), { isRoom: (_: string, peer: string) => peer === ROOM, nameOf: () => 'Tea' }) as unknown as RoomsService
  const contacts = Object.assign(new EventEmitter(), { nameOf: (_: string, peer: string) => peer, avatarOf: () => null }) as unknown as ContactsService
  const history = new HistoryService(core, contacts, rooms, store)
  store.insert([
    { account: ACCOUNT, peer: ROOM, direction: 'in', from: `${ROOM}/Bob`, sender: `${ROOM}/Bob`, nick: 'Bob', room: true, id: 'm1', stanzaId: 's1', stanzaIdBy: ROOM, body: 'react to me', at: T0, receivedAt: T0, state: 'received' }
  ])
  const echo = (sender: string, emojis: string[], at: number, source: RoomEdit['source'] = 'live') =>
    events.emit('roomMessageEdit', {
      account: ACCOUNT,
      edit: { room: ROOM, nick: self.nick, sender, fromUs: true, id: `e${at}`, at, targetBy: 'stanza-id', targetId: 's1', change: { kind: 'react', emojis }, source }
    })
  const reactions = () => store.byId(ACCOUNT, ROOM, 'm1')?.reactions.map((r) => ({ emoji: r.emoji, count: r.count, mine: r.mine }))
  return { history, store, events, echo, reactions }
}

const services: HistoryService[] = []
afterEach(() => services.splice(0).forEach((h) => h.dispose()))

describe('our reactions in a room', () => {
  it('in a room without occupant ids, the live echo (our real JID) and the archive copy (our nick) are the reaction we sent', async () => {
    const { history, echo, reactions } = setup({ nick: 'Alice', jid: ME, role: 'participant', affiliation: 'none', show: 'available', status: '', self: true })
    services.push(history)
    await history.react(ACCOUNT, ROOM, 'm1', ['👍'])
    echo(ME, ['👍'], Date.now() + 1)
    expect(reactions()).toEqual([{ emoji: '👍', count: 1, mine: true }])
    echo(`${ROOM}/Alice`, ['👍'], Date.now() + 2, 'archive')
    expect(reactions()).toEqual([{ emoji: '👍', count: 1, mine: true }])
    // Another device of ours changes the set: it replaces ours.
    echo(ME, ['🎉'], Date.now() + 3)
    expect(reactions()).toEqual([{ emoji: '🎉', count: 1, mine: true }])
  })

  it('in a room with occupant ids, the echo under our occupant id replaces the reaction we sent', async () => {
    const { history, echo, reactions } = setup({ nick: 'Alice', role: 'participant', affiliation: 'none', show: 'available', status: '', occupantId: 'oid-alice', self: true })
    services.push(history)
    await history.react(ACCOUNT, ROOM, 'm1', ['👍'])
    echo('occupant-id:oid-alice', ['👍'], Date.now() + 1)
    expect(reactions()).toEqual([{ emoji: '👍', count: 1, mine: true }])
  })
})

describe('storage failures of edits', () => {
  it('a reaction the store refuses is reported as a storage error, not thrown into the stream', () => {
    const { history, store, events, echo, reactions } = setup({ nick: 'Alice', role: 'participant', affiliation: 'none', show: 'available', status: '', self: true })
    services.push(history)
    const errors: unknown[] = []
    events.on('storageError', (e) => errors.push(e.error))
    const react = store.react.bind(store)
    let refuse = true
    store.react = (...args) => {
      if (refuse) {
        refuse = false
        throw new Error('SQLITE_FULL: database or disk is full')
      }
      return react(...args)
    }
    expect(() => echo(ME, ['👍'], T0 + 1)).not.toThrow()
    expect(errors).toEqual([expect.objectContaining({ code: 'storage-failed' })])
    expect(reactions()).toEqual([])
    echo(ME, ['👍'], T0 + 2)
    expect(reactions()).toEqual([{ emoji: '👍', count: 1, mine: true }])
  })
})

describe('displayed markers (XEP-0333)', () => {
  const BOB = 'bob@example.org'

  /** A HistoryService over `store` whose account records the displayed markers it is asked to send. */
  function chatSetup(store: MessageStore) {
    const events = new CoreEmitter()
    let online = true
    let inRoom = true
    const displayed = vi.fn((_peer: string, _id: string) => Promise.resolve(online))
    const displayedPrivate = vi.fn((_room: string, _nick: string, _id: string) => Promise.resolve(online && inRoom))
    const account = {
      id: ACCOUNT,
      bareJid: ME,
      connectionState: () => ({ state: online ? 'online' : 'offline' }),
      chat: { displayed },
      muc: { nick: () => null, displayedPrivate, joinedRooms: () => [] },
      avatars: { avatarOf: () => null }
    } as unknown as Account
    let removed = false
    const accounts = {
      get: () => {
        if (removed) throw new CoreError('invalid-argument', 'No such account')
        return account
      }
    }
    const core = { events, accounts } as unknown as Core
    const rooms = Object.assign(new EventEmitter(), { isRoom: () => false, nameOf: () => undefined }) as unknown as RoomsService
    const contacts = Object.assign(new EventEmitter(), { nameOf: (_: string, peer: string) => peer, avatarOf: () => null }) as unknown as ContactsService
    const history = new HistoryService(core, contacts, rooms, store)
    services.push(history)
    const arrive = (id: string, over: Partial<ChatMessage> = {}) =>
      events.emit('message', {
        account: ACCOUNT,
        message: { id: asMessageId(id), peer: BOB, resource: `${BOB}/phone`, direction: 'in', body: `text of ${id}`, at: T0 + Number(id.slice(1)) * 1000, state: 'received', markable: true, ...over }
      })
    const setOnline = (value: boolean) => {
      online = value
      events.emit('connectionState', { account: ACCOUNT, state: { state: value ? 'online' : 'offline' } } as never)
    }
    const setInRoom = (value: boolean) => {
      inRoom = value
      if (value) (rooms as unknown as EventEmitter).emit('joined', { account: ACCOUNT, room: ROOM })
    }
    const privateMessage = (id: string) =>
      events.emit('roomPrivateMessage', {
        account: ACCOUNT,
        message: { room: ROOM, nick: 'Bob', direction: 'in', body: 'psst', id, at: T0, atIsLocal: true, source: 'live', markable: true }
      })
    const removeAccount = () => {
      removed = true
    }
    const owed = () => (history as unknown as { owedMarkers: Map<string, unknown> }).owedMarkers.size
    return { history, events, rooms: rooms as unknown as EventEmitter, displayed, displayedPrivate, arrive, setOnline, setInRoom, privateMessage, removeAccount, owed }
  }
  const stored = () => new Promise((r) => setTimeout(r, 40))

  it('marks what came from the archive or as a carbon, once per read, and not again after a restart', async () => {
    const store = MessageStore.open(':memory:')
    const first = chatSetup(store)
    first.arrive('m1', { source: 'archive' })
    first.arrive('m2', { source: 'carbon' })
    first.arrive('m3', { source: 'archive', markable: false })
    await stored()
    first.history.markRead(ACCOUNT, BOB)
    expect(first.displayed.mock.calls).toEqual([[BOB, 'm2']])
    first.history.markRead(ACCOUNT, BOB)
    expect(first.displayed).toHaveBeenCalledTimes(1)
    first.history.dispose()
    // Parley starts again on the same store: nothing is marked twice; a new message is.
    const again = chatSetup(store)
    again.history.markRead(ACCOUNT, BOB)
    expect(again.displayed).not.toHaveBeenCalled()
    again.arrive('m4', { source: 'live' })
    await stored()
    again.history.markRead(ACCOUNT, BOB)
    expect(again.displayed.mock.calls).toEqual([[BOB, 'm4']])
  })

  it('a chat read while offline owes its marker, which goes out when the account is online again', async () => {
    const { history, displayed, arrive, setOnline } = chatSetup(MessageStore.open(':memory:'))
    arrive('m1')
    arrive('m2')
    await stored()
    setOnline(false)
    history.markRead(ACCOUNT, BOB)
    await stored()
    expect(displayed).toHaveBeenCalledTimes(1)
    setOnline(true)
    await vi.waitFor(() => expect(displayed).toHaveBeenCalledTimes(2))
    expect(displayed.mock.calls).toEqual([
      [BOB, 'm2'],
      [BOB, 'm2']
    ])
    // Paid: another reconnect sends nothing.
    await stored()
    setOnline(true)
    await stored()
    expect(displayed).toHaveBeenCalledTimes(2)
  })

  it('a marker that fails after a newer one went out is not owed again (no older marker on the next reconnect)', async () => {
    const { history, displayed, arrive, setOnline, owed } = chatSetup(MessageStore.open(':memory:'))
    let failFirst: (sent: boolean) => void = () => undefined
    displayed.mockImplementationOnce(() => new Promise<boolean>((resolve) => (failFirst = resolve)))
    arrive('m1')
    await stored()
    history.markRead(ACCOUNT, BOB)
    arrive('m2')
    await stored()
    history.markRead(ACCOUNT, BOB)
    await stored()
    failFirst(false)
    await stored()
    expect(owed()).toBe(0)
    setOnline(true)
    await stored()
    expect(displayed.mock.calls.map((c) => c[1])).toEqual(['m1', 'm2'])
  })

  it('a private chat through a room is marked through the room', async () => {
    const { history, events, displayed, displayedPrivate } = chatSetup(MessageStore.open(':memory:'))
    events.emit('roomPrivateMessage', {
      account: ACCOUNT,
      message: { room: ROOM, nick: 'Bob', direction: 'in', body: 'psst', id: 'p1', at: T0, atIsLocal: true, source: 'live', markable: true }
    })
    await stored()
    history.markRead(ACCOUNT, `${ROOM}/Bob`)
    await vi.waitFor(() => expect(displayedPrivate.mock.calls).toEqual([[ROOM, 'Bob', 'p1']]))
    expect(displayed).not.toHaveBeenCalled()
  })

  it('a private chat read while we are not in its room owes its marker, which goes out when the room is joined again (after the account is online)', async () => {
    const { history, displayedPrivate, setOnline, setInRoom, privateMessage } = chatSetup(MessageStore.open(':memory:'))
    privateMessage('p1')
    await stored()
    setOnline(false)
    setInRoom(false)
    history.markRead(ACCOUNT, `${ROOM}/Bob`)
    await stored()
    // Online again; the rooms are joined later, so the marker cannot go out yet.
    setOnline(true)
    await stored()
    expect(displayedPrivate).toHaveBeenCalledTimes(2)
    setInRoom(true)
    await vi.waitFor(() => expect(displayedPrivate).toHaveBeenCalledTimes(3))
    expect(displayedPrivate.mock.calls.at(-1)).toEqual([ROOM, 'Bob', 'p1'])
    // Paid: joining again sends nothing.
    await stored()
    setInRoom(true)
    await stored()
    expect(displayedPrivate).toHaveBeenCalledTimes(3)
  })

  it('owes no marker for an account that is gone, and forgets those of a removed account or of a room closed', async () => {
    const store = MessageStore.open(':memory:')
    const { history, rooms, arrive, setOnline, setInRoom, privateMessage, removeAccount, displayed, displayedPrivate, owed } = chatSetup(store)
    arrive('m1')
    privateMessage('p1')
    await stored()
    setOnline(false)
    history.markRead(ACCOUNT, BOB)
    history.markRead(ACCOUNT, `${ROOM}/Bob`)
    await stored()
    expect(owed()).toBe(2)
    // The room is closed: its private chat's marker can no longer go out.
    rooms.emit('removed', [{ account: ACCOUNT, room: ROOM }])
    expect(owed()).toBe(1)
    setOnline(true)
    setInRoom(true)
    await stored()
    expect(displayedPrivate).toHaveBeenCalledTimes(1)
    setOnline(false)
    arrive('m2')
    await stored()
    history.markRead(ACCOUNT, BOB)
    await stored()
    expect(owed()).toBe(1)
    // The account is removed: its markers go with it.
    history.dropAccount(ACCOUNT)
    expect(owed()).toBe(0)
    // A marker of an account that is gone is not owed at all.
    arrive('m3')
    await stored()
    expect(store.unreadMarkable(ACCOUNT, BOB)?.id).toBe('m3')
    removeAccount()
    history.markRead(ACCOUNT, BOB)
    await stored()
    expect(displayed).toHaveBeenCalledTimes(3)
    expect(owed()).toBe(0)
  })

  it('what another device of ours marked counts as marked, also when the marker comes in the same batch as the message', async () => {
    const store = MessageStore.open(':memory:')
    const { history, events, displayed, arrive } = chatSetup(store)
    // A catch-up page: the message and our other device's marker for it, before the batch is written.
    arrive('m1', { source: 'archive' })
    events.emit('displayedElsewhere', { account: ACCOUNT, peer: BOB, id: 'm1' })
    await stored()
    expect(store.conversation(ACCOUNT, BOB)?.unread).toBe(0)
    history.markRead(ACCOUNT, BOB)
    expect(displayed).not.toHaveBeenCalled()
  })
})

describe('file shares (XEP-0066) from the store', () => {
  const UPLOADED = 'https://upload.example.org/slot/8f3a9c/Makefile'
  const BOB = 'bob@example.org'

  /** An account whose modules record what they are asked to send, and say whether it went out. */
  function sending(store = MessageStore.open(':memory:'), goesOut = false) {
    const sent: { to: string; body: string; oob?: { url: string } }[] = []
    const record = (out: { to?: string; room?: string; nick?: string; body: string; oob?: { url: string } }) => {
      sent.push({ to: out.to ?? (out.nick ? `${out.room}/${out.nick}` : (out.room ?? '')), body: out.body, ...(out.oob ? { oob: out.oob } : {}) })
      return Promise.resolve(goesOut)
    }
    const account = {
      id: ACCOUNT,
      bareJid: ME,
      client: { entity: { jid: null } },
      connectionState: () => ({ state: 'offline' }),
      chat: { transmit: record },
      muc: { occupants: () => [], nick: () => 'Alice', transmit: record, transmitPrivate: record },
      avatars: { avatarOf: () => null }
    } as unknown as Account
    const core = { events: new CoreEmitter(), accounts: { get: () => account } } as unknown as Core
    const rooms = Object.assign(new EventEmitter(), { isRoom: (_: string, peer: string) => peer === ROOM, nameOf: () => 'Tea' }) as unknown as RoomsService
    const contacts = Object.assign(new EventEmitter(), { nameOf: (_: string, peer: string) => peer, avatarOf: () => null }) as unknown as ContactsService
    const history = new HistoryService(core, contacts, rooms, store)
    services.push(history)
    return { history, store, sent }
  }

  it('an uploaded file’s link is stored as a file share and goes out with OOB in chats, rooms and private chats; a typed link does not', async () => {
    const { history, store, sent } = sending()
    const shared = history.send(ACCOUNT, BOB, UPLOADED, null, { attachment: true })
    history.send(ACCOUNT, BOB, UPLOADED)
    history.send(ACCOUNT, ROOM, UPLOADED, null, { attachment: true })
    history.send(ACCOUNT, `${ROOM}/Bob`, UPLOADED, null, { attachment: true })
    await vi.waitFor(() => expect(sent).toHaveLength(4))
    expect(sent).toEqual([
      { to: BOB, body: UPLOADED, oob: { url: UPLOADED, desc: '' } },
      { to: BOB, body: UPLOADED },
      { to: ROOM, body: UPLOADED, oob: { url: UPLOADED, desc: '' } },
      { to: `${ROOM}/Bob`, body: UPLOADED, oob: { url: UPLOADED, desc: '' } }
    ])
    expect(store.byId(ACCOUNT, BOB, shared.id)?.attachment).toBe(true)
    expect(shared.attachment).toBe(true)
  })

  it('sent again from the store (a retry; the outbox after a restart reads the same row), it still carries OOB', async () => {
    const { history, store, sent } = sending()
    const shared = history.send(ACCOUNT, BOB, UPLOADED, null, { attachment: true })
    await vi.waitFor(() => expect(sent).toHaveLength(1))
    store.setState(ACCOUNT, BOB, shared.id, 'failed', { code: 'not-connected', detail: 'offline' })
    const fresh = sending(store, true)
    await fresh.history.retry(ACCOUNT, BOB, shared.id)
    expect(fresh.sent).toEqual([{ to: BOB, body: UPLOADED, oob: { url: UPLOADED, desc: '' } }])
  })
})

describe('catch-up across a position the archive no longer knows (item-not-found)', () => {
  const BOB = 'bob@example.org'
  const CAROL = 'carol@example.org'
  const DAY = 24 * 60 * 60_000
  const NOW = Date.now()
  const LONG_AGO = NOW - 3 * DAY
  const gone = () => new CoreError('stanza-error', 'position unknown', { condition: 'item-not-found' })
  const settle = () => new Promise((r) => setTimeout(r, 40))

  /**
   * An account offline for three days, whose archive has forgotten its position. While the first
   * query is on its way this session stores its own messages: the outbox goes out on 'online',
   * a live message arrives (a groupchat message in the room just joined).
   */
  function offlineForDays(lastId: string, opts: { rejoinDuringQuery?: boolean } = {}) {
    let rejoined = false
    const store = MessageStore.open(':memory:')
    const events = new CoreEmitter()
    store.insert([
      { account: ACCOUNT, peer: BOB, direction: 'in', from: `${BOB}/phone`, id: 'old', stanzaId: 'a-old', stanzaIdBy: ME, body: 'before the trip', at: LONG_AGO, receivedAt: LONG_AGO, state: 'received' },
      { account: ACCOUNT, peer: ROOM, direction: 'in', from: `${ROOM}/Bob`, sender: `${ROOM}/Bob`, nick: 'Bob', room: true, id: 'r-old', stanzaId: 'ra-old', stanzaIdBy: ROOM, body: 'room before the trip', at: LONG_AGO, receivedAt: LONG_AGO, state: 'received' },
      // Written offline yesterday: it goes out when the account is online.
      { account: ACCOUNT, peer: CAROL, direction: 'out', from: ME, id: 'out-1', originId: 'out-1', body: 'written on the train', at: NOW - DAY, atIsLocal: true, receivedAt: NOW - DAY, state: 'queued' }
    ])
    store.setArchiveState(ACCOUNT, ME, { lastId, complete: false, syncedAt: LONG_AGO })
    store.setArchiveState(ACCOUNT, ROOM, { lastId: lastId === 'a-old' ? 'ra-old' : lastId, complete: false, syncedAt: LONG_AGO })
    const missed = [
      { peer: BOB, id: 'missed-1', stanzaId: 'a-1', at: NOW - 2 * DAY },
      { peer: BOB, id: 'missed-2', stanzaId: 'a-2', at: NOW - 60 * 60_000 }
    ]
    const queries: Record<string, unknown>[] = []
    const roomQueries: Record<string, unknown>[] = []
    const live = (message: Partial<ChatMessage>) =>
      events.emit('message', {
        account: ACCOUNT,
        message: { id: asMessageId('live'), peer: BOB, resource: `${BOB}/phone`, direction: 'in', body: 'welcome back', at: Date.now(), state: 'received', source: 'live', ...message }
      })
    const account = {
      id: ACCOUNT,
      bareJid: ME,
      client: { entity: { jid: null } },
      connectionState: () => ({ state: 'online' }),
      disco: { accountSupports: () => Promise.resolve(true) },
      chat: {
        transmit: (out: { id: string; to: string }) => {
          events.emit('messageState', { account: ACCOUNT, peer: out.to, id: asMessageId(out.id), state: 'sent' })
          return Promise.resolve(true)
        }
      },
      mam: {
        query: async (q: { start?: number; after?: string }) => {
          queries.push(q)
          if (q.after !== undefined) {
            live({ stanzaId: 'a-live', stanzaIdBy: ME })
            await settle()
            throw gone()
          }
          const found = missed.filter((m) => m.at >= (q.start ?? 0))
          for (const m of found) {
            events.emit('message', {
              account: ACCOUNT,
              message: { id: asMessageId(m.id), peer: m.peer, resource: `${BOB}/phone`, direction: 'in', body: m.id, at: m.at, state: 'received', source: 'archive', stanzaId: m.stanzaId, stanzaIdBy: ME }
            })
          }
          return { complete: true, first: found[0]?.stanzaId ?? null, last: found.at(-1)?.stanzaId ?? null, count: found.length, received: found.length, lastAt: found.at(-1)?.at ?? null }
        }
      },
      muc: {
        occupants: () => [],
        nick: () => 'Alice',
        joinedRooms: () => [ROOM],
        roomInfo: () => Promise.resolve({ archived: true }),
        history: async (_room: string, q: { start?: number; after?: string }) => {
          roomQueries.push(q)
          if (q.after !== undefined) {
            events.emit('roomMessage', {
              account: ACCOUNT,
              message: { room: ROOM, nick: 'Bob', sender: `${ROOM}/Bob`, body: 'hi Alice', id: 'r-live', stanzaId: 'ra-live', at: Date.now(), atIsLocal: true, fromUs: false, mentions: true, source: 'live' }
            })
            await settle()
            // A moderator gives us voice meanwhile: the room says 'joined' again (a new role).
            if (opts.rejoinDuringQuery && !rejoined) {
              rejoined = true
              ;(rooms as unknown as EventEmitter).emit('joined', { account: ACCOUNT, room: ROOM })
            }
            throw gone()
          }
          const found = q.start !== undefined && q.start <= NOW - 2 * DAY ? 1 : 0
          if (found) {
            events.emit('roomMessage', {
              account: ACCOUNT,
              message: { room: ROOM, nick: 'Bob', sender: `${ROOM}/Bob`, body: 'room missed', id: 'r-missed', stanzaId: 'ra-1', at: NOW - 2 * DAY, atIsLocal: false, fromUs: false, mentions: false, source: 'archive' }
            })
          }
          return { complete: true, first: found ? 'ra-1' : null, last: found ? 'ra-1' : null, count: found, received: found, lastAt: found ? NOW - 2 * DAY : null }
        }
      },
      avatars: { avatarOf: () => null }
    } as unknown as Account
    const core = { events, accounts: { get: () => account } } as unknown as Core
    const rooms = Object.assign(new EventEmitter(), { isRoom: (_: string, peer: string) => peer === ROOM, nameOf: () => 'Tea' }) as unknown as RoomsService
    const contacts = Object.assign(new EventEmitter(), { nameOf: (_: string, peer: string) => peer, avatarOf: () => null }) as unknown as ContactsService
    const history = new HistoryService(core, contacts, rooms, store)
    services.push(history)
    const reconnect = async () => {
      events.emit('connectionState', { account: ACCOUNT, state: { state: 'online', jid: `${ME}/desktop`, resumed: false, since: Date.now() } } as never)
      events.emit('sessionReady', { account: ACCOUNT, resumed: false })
      const joined: EventEmitter = rooms as unknown as EventEmitter
      joined.emit('joined', { account: ACCOUNT, room: ROOM })
      await vi.waitFor(() => {
        expect(queries).toHaveLength(2)
        expect(roomQueries.length).toBeGreaterThanOrEqual(2)
      })
      await settle()
    }
    const bodiesOf = (peer: string) => store.page(ACCOUNT, peer).map((m) => m.body)
    return { store, queries, roomQueries, reconnect, bodiesOf }
  }

  it('starts from what was stored before this session, not from its own live message and just-sent outbox (nothing missed is skipped)', async () => {
    const { store, queries, roomQueries, reconnect, bodiesOf } = offlineForDays('no-such-archive-id')
    await reconnect()
    // The outbox went out and the live messages were stored before the archive answered.
    expect(store.byId(ACCOUNT, CAROL, 'out-1')?.state).toBe('sent')
    expect(queries[1]).toMatchObject({ start: LONG_AGO - 5 * 60_000 })
    expect(bodiesOf(BOB)).toEqual(['before the trip', 'missed-1', 'missed-2', 'welcome back'])
    expect(roomQueries[1]).toMatchObject({ start: LONG_AGO - 5 * 60_000 })
    expect(bodiesOf(ROOM)).toEqual(['room before the trip', 'room missed', 'hi Alice'])
  })

  it('starts from the archive time kept with the position (also when the previous catch-up stopped before its first page)', async () => {
    const { store, queries, roomQueries, reconnect } = offlineForDays('no-such-archive-id')
    store.setArchiveState(ACCOUNT, ME, { lastId: 'no-such-archive-id', lastAt: LONG_AGO, complete: false, syncedAt: LONG_AGO })
    store.setArchiveState(ACCOUNT, ROOM, { lastId: 'no-such-archive-id', lastAt: LONG_AGO, complete: false, syncedAt: LONG_AGO })
    // Stored live in the last session, after the position: newer than what the archive gave us.
    store.insert([
      { account: ACCOUNT, peer: BOB, direction: 'in', from: `${BOB}/phone`, id: 'later', body: 'later', at: LONG_AGO + DAY, receivedAt: LONG_AGO + DAY, state: 'received' },
      { account: ACCOUNT, peer: ROOM, direction: 'in', from: `${ROOM}/Bob`, sender: `${ROOM}/Bob`, nick: 'Bob', room: true, id: 'r-later', body: 'later', at: LONG_AGO + DAY, receivedAt: LONG_AGO + DAY, state: 'received' }
    ])
    await reconnect()
    expect(queries[1]).toMatchObject({ start: LONG_AGO - 5 * 60_000 })
    expect(roomQueries[1]).toMatchObject({ start: LONG_AGO - 5 * 60_000 })
    // The new position keeps its own archive time.
    expect(store.archiveState(ACCOUNT, ME)).toMatchObject({ lastId: 'a-2', lastAt: NOW - 60 * 60_000 })
  })

  it('a second "joined" while the room catch-up waits (a new role) does not move its start past what was missed', async () => {
    const { roomQueries, reconnect, bodiesOf } = offlineForDays('no-such-archive-id', { rejoinDuringQuery: true })
    await reconnect()
    await vi.waitFor(() => expect(roomQueries.filter((q) => q.start !== undefined)).toHaveLength(2))
    for (const q of roomQueries.filter((q) => q.start !== undefined)) expect(q).toMatchObject({ start: LONG_AGO - 5 * 60_000 })
    expect(bodiesOf(ROOM)).toEqual(['room before the trip', 'room missed', 'hi Alice'])
  })

  it('starts from the message at the forgotten position when it is stored (its archive time)', async () => {
    const { store, queries, roomQueries, reconnect } = offlineForDays('a-old')
    // Newer than the position, stored before this session: live in the last session, never in a catch-up.
    store.insert([
      { account: ACCOUNT, peer: BOB, direction: 'in', from: `${BOB}/phone`, id: 'later', body: 'later', at: LONG_AGO + DAY, receivedAt: LONG_AGO + DAY, state: 'received' },
      { account: ACCOUNT, peer: ROOM, direction: 'in', from: `${ROOM}/Bob`, sender: `${ROOM}/Bob`, nick: 'Bob', room: true, id: 'r-later', body: 'later', at: LONG_AGO + DAY, receivedAt: LONG_AGO + DAY, state: 'received' }
    ])
    await reconnect()
    expect(queries[1]).toMatchObject({ start: LONG_AGO - 5 * 60_000 })
    expect(roomQueries[1]).toMatchObject({ start: LONG_AGO - 5 * 60_000 })
  })
})

describe('older pages', () => {
  it('fetch from the archive before the row the cursor names, not another message that reuses its id', async () => {
    const BOB = 'bob@example.org'
    const store = MessageStore.open(':memory:')
    const [first] = store.insert([
      { account: ACCOUNT, peer: BOB, direction: 'in', from: `${BOB}/phone`, id: 'dup', stanzaId: 'a1', stanzaIdBy: ME, body: 'first with this id', at: T0, receivedAt: T0, state: 'received' },
      { account: ACCOUNT, peer: BOB, direction: 'in', from: `${BOB}/phone`, id: 'dup', stanzaId: 'a9', stanzaIdBy: ME, body: 'a client that reuses ids', at: T0 + 3_600_000, receivedAt: T0 + 3_600_000, state: 'received' }
    ])
    const queries: Record<string, unknown>[] = []
    const account = {
      id: ACCOUNT,
      bareJid: ME,
      connectionState: () => ({ state: 'online' }),
      disco: { accountSupports: () => Promise.resolve(true) },
      mam: {
        query: (q: Record<string, unknown>) => {
          queries.push(q)
          return Promise.resolve({ complete: true, first: null, last: null, count: 0, received: 0 })
        }
      },
      muc: { nick: () => null, joinedRooms: () => [] }
    } as unknown as Account
    const core = { events: new CoreEmitter(), accounts: { get: () => account } } as unknown as Core
    const rooms = Object.assign(new EventEmitter(), { isRoom: () => false, nameOf: () => undefined }) as unknown as RoomsService
    const contacts = Object.assign(new EventEmitter(), { nameOf: (_: string, peer: string) => peer, avatarOf: () => null }) as unknown as ContactsService
    const history = new HistoryService(core, contacts, rooms, store)
    services.push(history)
    const page = await history.history({ account: ACCOUNT, peer: BOB, before: { at: T0, id: 'dup', rowId: first!.rowId } })
    expect(page).toEqual([])
    expect(queries).toEqual([expect.objectContaining({ with: BOB, before: 'a1' })])
  })
})
