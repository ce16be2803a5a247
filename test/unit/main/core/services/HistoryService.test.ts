import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Account } from '../../../../../src/main/core/account/Account'
import type { Core } from '../../../../../src/main/core/createCore'
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
    const displayed = vi.fn((_peer: string, _id: string) => Promise.resolve(online))
    const displayedPrivate = vi.fn((_room: string, _nick: string, _id: string) => Promise.resolve(online))
    const account = {
      id: ACCOUNT,
      bareJid: ME,
      connectionState: () => ({ state: online ? 'online' : 'offline' }),
      chat: { displayed },
      muc: { nick: () => null, displayedPrivate, joinedRooms: () => [] },
      avatars: { avatarOf: () => null }
    } as unknown as Account
    const core = { events, accounts: { get: () => account } } as unknown as Core
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
    return { history, events, displayed, displayedPrivate, arrive, setOnline }
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
