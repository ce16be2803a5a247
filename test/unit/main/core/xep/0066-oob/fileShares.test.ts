// XEP-0066 on the wire as Parley uses it: out-of-band data on exactly the messages that share a
// file we uploaded (one-to-one, group chat, private message through a room), never on a link the
// user typed; and the mark read back from what arrives (only when the link is the whole body).
import { beforeEach, describe, expect, it } from 'vitest'
import { ChatModule } from '../../../../../../src/main/core/im/message'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import { DiscoModule, NS_DISCO_INFO } from '../../../../../../src/main/core/xep/0030-disco'
import { MucModule, type MucEvents } from '../../../../../../src/main/core/xep/0045-muc'
import { NS_MUC_USER } from '../../../../../../src/main/core/xep/0045-muc/parse'
import { NS_OOB, oobElement, sharesFile } from '../../../../../../src/main/core/xep/0066-oob'
import { MamModule } from '../../../../../../src/main/core/xep/0313-mam'
import type { ChatMessage } from '../../../../../../src/shared/model/message'
import { errorReply, fakeContext, OWN, resultReply, settle, type Fake } from '../0045-muc/fakeContext'

const BOB = 'bob@example.org'
const ROOM = 'coven@chat.example.org'
const UPLOADED = 'https://upload.example.org/slot/8f3a9c/holiday.jpg'
const TYPED = 'https://example.org/some/page.png'

let f: Fake
let chat: ChatModule
let muc: MucModule

beforeEach(async () => {
  f = fakeContext()
  Object.assign(f.ctx.client.sm, { on: () => undefined })
  // As the account wires them: the room module sees messages before the one-to-one chat.
  muc = new MucModule(f.ctx, new DiscoModule(f.ctx, () => []), new MamModule(f.ctx))
  chat = new ChatModule(f.ctx, () => true)
  f.respond = (iq) =>
    iq.attrs.to === ROOM && iq.getChild('query', NS_DISCO_INFO)
      ? resultReply(iq, xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'conference', type: 'text' })))
      : errorReply(iq, 'service-unavailable')
  const joining = muc.join(ROOM, { nick: 'me' })
  await settle()
  await f.input(xml('presence', { from: `${ROOM}/me` }, xml('x', { xmlns: NS_MUC_USER }, xml('item', { affiliation: 'member', role: 'participant' }), xml('status', { code: '110' }))))
  await joining
  f.clear()
})

const oobOf = (stanza: Element | undefined) => stanza?.getChild('x', NS_OOB)?.getChildText('url') ?? null

describe('out-of-band data on what we send', () => {
  // Which messages share a file is the store's to say (HistoryService, see its tests): the modules
  // add the element when told, and never guess from the body's shape.
  const shared = { url: UPLOADED, desc: '' }

  it('one-to-one: a file share carries <x xmlns=jabber:x:oob>, a link in the body alone does not', async () => {
    expect(await chat.transmit({ id: 'm1' as never, to: BOB, body: UPLOADED, oob: shared })).toBe(true)
    expect(await chat.transmit({ id: 'm2' as never, to: BOB, body: TYPED })).toBe(true)
    expect(await chat.transmit({ id: 'm3' as never, to: BOB, body: UPLOADED, replaces: 'm1' })).toBe(true)
    expect(f.sent.map(oobOf)).toEqual([UPLOADED, null, null])
    expect(f.sent[0]?.getChild('body')?.text()).toBe(UPLOADED)
  })

  it('group chat and private messages through the room: the same rule', async () => {
    expect(await muc.transmit({ id: 'g1' as never, room: ROOM, body: UPLOADED, oob: shared })).toBe(true)
    expect(await muc.transmit({ id: 'g2' as never, room: ROOM, body: UPLOADED })).toBe(true)
    expect(await muc.transmitPrivate({ id: 'p1' as never, room: ROOM, nick: 'witch', body: UPLOADED, oob: shared })).toBe(true)
    expect(await muc.transmitPrivate({ id: 'p2' as never, room: ROOM, nick: 'witch', body: UPLOADED })).toBe(true)
    expect(f.sent.map((s) => [s.attrs.type, oobOf(s)])).toEqual([
      ['groupchat', UPLOADED],
      ['groupchat', null],
      ['chat', UPLOADED],
      ['chat', null]
    ])
  })
})

describe('out-of-band data on what arrives', () => {
  const withOob = (body: string, url: string): Element[] => [xml('body', {}, body), oobElement(url)]

  it('marks a message as a file share only when its out-of-band link is its whole body', () => {
    expect(sharesFile(xml('message', {}, ...withOob(` ${UPLOADED}\n`, UPLOADED)))).toBe(true)
    expect(sharesFile(xml('message', {}, ...withOob(`look ${UPLOADED}`, UPLOADED)))).toBe(false)
    expect(sharesFile(xml('message', {}, ...withOob(TYPED, UPLOADED)))).toBe(false)
    expect(sharesFile(xml('message', {}, xml('body', {}, UPLOADED)))).toBe(false)
  })

  it('one-to-one, group chat and private messages carry the mark', async () => {
    await f.input(xml('message', { from: `${BOB}/phone`, to: `${OWN}/pc`, type: 'chat', id: 'c1' }, ...withOob(UPLOADED, UPLOADED)))
    await f.input(xml('message', { from: `${BOB}/phone`, to: `${OWN}/pc`, type: 'chat', id: 'c2' }, xml('body', {}, UPLOADED)))
    await f.input(xml('message', { from: `${ROOM}/witch`, type: 'groupchat', id: 'g1' }, ...withOob(UPLOADED, UPLOADED)))
    await f.input(xml('message', { from: `${ROOM}/witch`, type: 'groupchat', id: 'g2' }, xml('body', {}, UPLOADED)))
    await f.input(xml('message', { from: `${ROOM}/witch`, type: 'chat', id: 'p1' }, ...withOob(UPLOADED, UPLOADED), xml('x', { xmlns: NS_MUC_USER })))
    await f.input(xml('message', { from: `${ROOM}/witch`, type: 'chat', id: 'p2' }, xml('body', {}, UPLOADED), xml('x', { xmlns: NS_MUC_USER })))
    expect(f.eventsNamed<{ message: ChatMessage }>('message').map((e) => [e.message.id, e.message.attachment ?? false])).toEqual([
      ['c1', true],
      ['c2', false]
    ])
    expect(f.eventsNamed<MucEvents['roomMessage']>('roomMessage').map((e) => [e.message.id, e.message.attachment ?? false])).toEqual([
      ['g1', true],
      ['g2', false]
    ])
    expect(f.eventsNamed<MucEvents['roomPrivateMessage']>('roomPrivateMessage').map((e) => [e.message.id, e.message.attachment ?? false])).toEqual([
      ['p1', true],
      ['p2', false]
    ])
  })
})
