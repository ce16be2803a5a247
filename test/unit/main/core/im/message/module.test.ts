import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ChatModule } from '../../../../../../src/main/core/im/message'
import { chatMessage } from '../../../../../../src/main/core/im/message/build'
import { MessageStore } from '../../../../../../src/main/core/store/MessageStore'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import { privateMessage } from '../../../../../../src/main/core/xep/0045-muc/build'
import { NS_RECEIPTS } from '../../../../../../src/main/core/xep/0184-receipts'
import { originId } from '../../../../../../src/main/core/xep/0359-unique-ids'
import type { CoreEvents } from '../../../../../../src/main/core/events'
import type { ChatMessage } from '../../../../../../src/shared/model/message'
import { ACCOUNT, fakeContext, OWN, type Fake } from '../../xep/0045-muc/fakeContext'

const BOB = 'bob@example.org'
const ROOM = 'coven@chat.example.org'

let f: Fake
let sm: EventEmitter
let chat: ChatModule

beforeEach(() => {
  f = fakeContext()
  // The fake stream's stream management: the test emits its acks and failures.
  sm = new EventEmitter()
  Object.assign(f.ctx.client.sm, { on: (name: string, h: (stanza?: Element) => void) => sm.on(name, h) })
  chat = new ChatModule(f.ctx, () => true)
})

function fromBob(id: string, body: string, ...extra: Element[]): Element {
  return xml('message', { from: `${BOB}/phone`, to: `${OWN}/pc`, type: 'chat', ...(id ? { id } : {}) }, xml('body', {}, body), ...extra)
}

const received = () => f.eventsNamed<{ message: ChatMessage }>('message').map((e) => e.message.body)
const states = () => f.eventsNamed<CoreEvents['messageState']>('messageState').map((e) => ({ peer: e.peer, id: e.id, state: e.state }))

describe('ChatModule: live de-duplication', () => {
  it('keeps a second message that reuses an id with another body (ids are only unique by convention)', async () => {
    await f.input(fromBob('1', 'first'))
    await f.input(fromBob('1', 'second'))
    await f.input(fromBob('1', 'third'))
    expect(received()).toEqual(['first', 'second', 'third'])
  })

  it('drops a resend of the same id and body (stream management after a reconnect): nothing appears twice', async () => {
    await f.input(fromBob('1', 'hello'))
    await f.input(fromBob('1', 'hello'))
    await f.input(fromBob('2', 'hello'))
    expect(received()).toEqual(['hello', 'hello'])
    expect(f.eventsNamed<{ message: ChatMessage }>('message').map((e) => e.message.id)).toEqual(['1', '2'])
  })

  it('keeps the same id and body on another day (a bot whose counter restarted says it again)', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 27, 9), toFake: ['Date'] })
    try {
      await f.input(fromBob('1', 'disk full'))
      vi.setSystemTime(Date.UTC(2026, 10, 28, 9))
      await f.input(fromBob('1', 'disk full'))
    } finally {
      vi.useRealTimers()
    }
    expect(received()).toEqual(['disk full', 'disk full'])
  })

  it('trusts an origin-id: a resend with another stanza id is dropped', async () => {
    await f.input(fromBob('a1', 'hi', originId('o-1')))
    await f.input(fromBob('a2', 'hi', originId('o-1')))
    expect(received()).toEqual(['hi'])
  })

  it('does not mix an origin-id with another message’s bare id, nor one peer’s ids with another’s', async () => {
    await f.input(fromBob('x1', 'with origin', originId('same')))
    await f.input(fromBob('same', 'bare id'))
    await f.input(xml('message', { from: 'carol@example.org/pc', to: OWN, type: 'chat', id: 'same' }, xml('body', {}, 'bare id')))
    expect(received()).toEqual(['with origin', 'bare id', 'bare id'])
  })

  it('leaves copies from carbons and the archive to the store (their own de-duplication)', async () => {
    await f.input(fromBob('1', 'hello'))
    chat.process(fromBob('1', 'hello'), { source: 'archive', at: 1, archiveId: 'S1', archive: OWN })
    expect(received()).toEqual(['hello', 'hello'])
  })

  it('answers a receipt request for each message kept, with its id', async () => {
    await f.input(fromBob('1', 'one', xml('request', { xmlns: NS_RECEIPTS })))
    await f.input(fromBob('1', 'two', xml('request', { xmlns: NS_RECEIPTS })))
    await f.input(fromBob('1', 'two', xml('request', { xmlns: NS_RECEIPTS })))
    expect(f.sent.map((s) => s.getChild('received', NS_RECEIPTS)?.attrs.id)).toEqual(['1', '1'])
  })
})

describe('ChatModule: the conversation a delivery state belongs to', () => {
  it('maps a stream-management ack of a chat message to the bare peer', () => {
    sm.emit('ack', chatMessage(`${BOB}/phone`, 'm1', 'hi'))
    sm.emit('fail', chatMessage(BOB, 'm2', 'hi'))
    expect(states()).toEqual([
      { peer: BOB, id: 'm1', state: 'acked' },
      { peer: BOB, id: 'm2', state: 'queued' }
    ])
  })

  it('maps an ack of a private message through a room to the occupant (room/nick), as its chat is keyed', () => {
    sm.emit('ack', privateMessage(ROOM, 'Witch', 'pm1', 'psst'))
    sm.emit('fail', privateMessage(ROOM, 'Witch', 'pm2', 'psst'))
    sm.emit('ack', xml('message', { to: ROOM, id: 'g1', type: 'groupchat' }, xml('body', {}, 'all')))
    expect(states()).toEqual([
      { peer: `${ROOM}/Witch`, id: 'pm1', state: 'acked' },
      { peer: `${ROOM}/Witch`, id: 'pm2', state: 'queued' },
      { peer: ROOM, id: 'g1', state: 'acked' }
    ])
  })

  it('an ack of a private message moves the stored message in that chat forward (sent → acked)', () => {
    const store = MessageStore.open(':memory:')
    try {
      const peer = `${ROOM}/Witch`
      const [row] = store.insert([
        { account: ACCOUNT, peer, direction: 'out', from: OWN, id: 'pm1', originId: 'pm1', body: 'psst', at: 1000, receivedAt: 1000, state: 'sent' }
      ])
      sm.emit('ack', privateMessage(ROOM, 'Witch', 'pm1', 'psst'))
      for (const e of f.eventsNamed<CoreEvents['messageState']>('messageState')) store.setState(e.account, e.peer, e.id, e.state)
      expect(store.get(ACCOUNT, row!.rowId)?.state).toBe('acked')
    } finally {
      store.close()
    }
  })

  it('a receipt from a peer is about the message we sent that peer', async () => {
    await f.input(xml('message', { from: `${BOB}/phone`, to: OWN, id: 'r1' }, xml('received', { xmlns: NS_RECEIPTS, id: 'm1' })))
    expect(states()).toEqual([{ peer: BOB, id: 'm1', state: 'delivered' }])
  })
})

afterEach(() => sm.removeAllListeners())
