import { beforeEach, describe, expect, it } from 'vitest'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import { NS_DATA } from '../../../../../../src/main/core/xep/0004-data-forms'
import { DiscoModule, NS_DISCO_INFO, NS_DISCO_ITEMS } from '../../../../../../src/main/core/xep/0030-disco'
import { MucModule, type MucEvents, type RoomState } from '../../../../../../src/main/core/xep/0045-muc'
import { NS_MUC_OWNER, NS_MUC_USER } from '../../../../../../src/main/core/xep/0045-muc/parse'
import { NS_RECEIPTS } from '../../../../../../src/main/core/xep/0184-receipts'
import { NS_CONFERENCE } from '../../../../../../src/main/core/xep/0249-direct-invitations'
import { NS_MARKERS } from '../../../../../../src/main/core/xep/0333-chat-markers'
import { MamModule, NS_MAM } from '../../../../../../src/main/core/xep/0313-mam'
import { NS_SID } from '../../../../../../src/main/core/xep/0359-unique-ids'
import { NS_OCCUPANT_ID } from '../../../../../../src/main/core/xep/0421-occupant-id'
import { errorReply, fakeContext, resultReply, settle, type Fake } from './fakeContext'

const ROOM = 'coven@chat.shakespeare.lit'
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
const FEATURES = ['http://jabber.org/protocol/muc', 'muc_open', 'muc_semianonymous', NS_SID, NS_OCCUPANT_ID, NS_MAM]

type Ev<K extends keyof MucEvents> = MucEvents[K]

function presence(nick: string, o: { type?: string; role?: string; affiliation?: string; jid?: string; codes?: number[]; newNick?: string; occupantId?: string; children?: Element[] } = {}): Element {
  return xml(
    'presence',
    { from: `${ROOM}/${nick}`, to: 'me@example.org/pc', ...(o.type ? { type: o.type } : {}) },
    xml(
      'x',
      { xmlns: NS_MUC_USER },
      xml(
        'item',
        { affiliation: o.affiliation ?? 'none', role: o.role ?? (o.type === 'unavailable' ? 'none' : 'participant'), ...(o.jid ? { jid: o.jid } : {}), ...(o.newNick ? { nick: o.newNick } : {}) },
        ...(o.children ?? [])
      ),
      ...(o.codes ?? []).map((c) => xml('status', { code: String(c) }))
    ),
    o.occupantId ? xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: o.occupantId }) : undefined
  )
}

function errorPresence(nick: string, condition: string): Element {
  return xml('presence', { from: `${ROOM}/${nick}`, type: 'error' }, xml('error', { type: 'cancel' }, xml(condition, { xmlns: STANZAS })))
}

function groupchat(nick: string, body: string, extra: Element[] = [], attrs: Record<string, string> = {}): Element {
  return xml('message', { from: nick ? `${ROOM}/${nick}` : ROOM, type: 'groupchat', id: 'x1', ...attrs }, xml('body', {}, body), ...extra)
}

function roomInfo(iq: Element, features: string[]): Element {
  return resultReply(iq, xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', { category: 'conference', type: 'text', name: 'Coven' }), ...features.map((f) => xml('feature', { var: f }))))
}

let f: Fake
let muc: MucModule
let features: string[]

beforeEach(() => {
  f = fakeContext()
  features = FEATURES
  const disco = new DiscoModule(f.ctx, () => [])
  const mam = new MamModule(f.ctx)
  muc = new MucModule(f.ctx, disco, mam)
  f.respond = (iq) => {
    if (iq.attrs.to === ROOM && iq.getChild('query', NS_DISCO_INFO)) return roomInfo(iq, features)
    return errorReply(iq, 'service-unavailable')
  }
})

async function joined(nick = 'thirdwitch', o: { occupantId?: string; affiliation?: string; role?: string } = {}) {
  const joining = muc.join(ROOM, { nick })
  await settle()
  await f.input(presence('firstwitch', { affiliation: 'owner', role: 'moderator', occupantId: 'occ-first' }))
  await f.input(presence(nick, { codes: [110], occupantId: o.occupantId ?? 'occ-me', ...(o.affiliation ? { affiliation: o.affiliation } : {}), ...(o.role ? { role: o.role } : {}) }))
  const result = await joining
  f.clear()
  return result
}

const states = () => f.eventsNamed<Ev<'roomState'>>('roomState').map((e) => e.state)

describe('MucModule: joining', () => {
  it('asks the room’s features, then joins; occupants are reported once, when our self-presence arrives', async () => {
    const joining = muc.join(ROOM, { nick: 'thirdwitch', history: 'none', password: 'cauldronburn' })
    await settle()
    expect(f.iqs[0]?.attrs.to).toBe(ROOM)
    const join = f.sent[0]!
    expect(join.attrs.to).toBe(`${ROOM}/thirdwitch`)
    expect(join.getChild('x', 'http://jabber.org/protocol/muc')?.toString()).toBe(
      '<x xmlns="http://jabber.org/protocol/muc"><history maxstanzas="0"/><password>cauldronburn</password></x>'
    )
    expect(join.getChild('c', 'http://jabber.org/protocol/caps')).toBeDefined()
    expect(await f.input(presence('firstwitch', { affiliation: 'owner', role: 'moderator', jid: 'crone1@shakespeare.lit/desktop' }))).toBe(true)
    expect(await f.input(presence('secondwitch'))).toBe(true)
    expect(f.eventsNamed('roomOccupants')).toEqual([])
    await f.input(presence('thirdwitch', { codes: [110, 100], occupantId: 'occ-me' }))
    const result = await joining
    expect(result).toMatchObject({ room: ROOM, nick: 'thirdwitch', role: 'participant', affiliation: 'none', created: false })
    expect(result.occupants.map((o) => o.nick)).toEqual(['thirdwitch', 'firstwitch', 'secondwitch'])
    const [occupants] = f.eventsNamed<Ev<'roomOccupants'>>('roomOccupants')
    expect(occupants?.reset).toBe(true)
    expect(occupants?.occupants[0]).toEqual({ nick: 'thirdwitch', role: 'participant', affiliation: 'none', show: 'available', status: '', occupantId: 'occ-me', self: true })
    expect(occupants?.occupants[1]).toMatchObject({ nick: 'firstwitch', jid: 'crone1@shakespeare.lit', role: 'moderator', affiliation: 'owner' })
    expect(states()).toEqual([
      { state: 'joining', nick: 'thirdwitch' },
      { state: 'joined', nick: 'thirdwitch', role: 'participant', affiliation: 'none', created: false, rejoined: false, nonAnonymous: true }
    ])
    expect(muc.joinedRooms()).toEqual([ROOM])
  })

  it('reports a room we created (201) and uses the nick the room assigned (210)', async () => {
    const joining = muc.join(ROOM, { nick: 'Thirdwitch' })
    await settle()
    await f.input(presence('thirdwitch-2', { codes: [110, 201, 210], affiliation: 'owner', role: 'moderator' }))
    expect(await joining).toMatchObject({ nick: 'thirdwitch-2', created: true, affiliation: 'owner', role: 'moderator' })
    expect(muc.nick(ROOM)).toBe('thirdwitch-2')
  })

  it('a join that must find the room destroys one the server created for it (201) and fails as room-not-found', async () => {
    const respond = f.respond
    f.respond = (iq) => (iq.attrs.type === 'set' && iq.getChild('query', NS_MUC_OWNER)?.getChild('destroy') ? resultReply(iq) : respond(iq))
    const joining = muc.join(ROOM, { nick: 'thirdwitch', mustExist: true })
    const failed = expect(joining).rejects.toMatchObject({ code: 'room-not-found' })
    await settle()
    await f.input(presence('thirdwitch', { codes: [110, 201], affiliation: 'owner', role: 'moderator' }))
    await failed
    const destroy = f.iqs.find((iq) => iq.attrs.type === 'set')
    expect(destroy?.attrs.to).toBe(ROOM)
    expect(destroy?.getChild('query', NS_MUC_OWNER)?.getChild('destroy')).toBeDefined()
    expect(states()).toEqual([
      { state: 'joining', nick: 'thirdwitch' },
      { state: 'error', error: expect.objectContaining({ code: 'room-not-found' }) }
    ])
    expect(f.eventsNamed('roomOccupants')).toEqual([])
    expect(muc.joinedRooms()).toEqual([])
    // The room's goodbye for the destroy is not news of ours.
    expect(await f.input(presence('thirdwitch', { type: 'unavailable', codes: [110], children: [] }))).toBe(true)
    expect(states()).toHaveLength(2)
  })

  it('a room that must exist and does is entered as usual; one whose destroy is refused is left', async () => {
    const found = muc.join(ROOM, { nick: 'thirdwitch', mustExist: true })
    await settle()
    await f.input(presence('thirdwitch', { codes: [110] }))
    await expect(found).resolves.toMatchObject({ created: false })
    f.clear()
    const other = 'gone@chat.shakespeare.lit'
    const joining = muc.join(other, { nick: 'thirdwitch', mustExist: true })
    const failed = expect(joining).rejects.toMatchObject({ code: 'room-not-found' })
    await settle()
    await f.input(xml('presence', { from: `${other}/thirdwitch` }, xml('x', { xmlns: NS_MUC_USER }, xml('item', { affiliation: 'owner', role: 'moderator' }), xml('status', { code: '110' }), xml('status', { code: '201' }))))
    await failed
    expect(f.sent.at(-1)?.toString()).toBe(`<presence to="${other}/thirdwitch" type="unavailable"/>`)
  })

  it('joining again after a new session never creates the room either', async () => {
    await joined()
    muc.sessionLost()
    f.clear()
    const respond = f.respond
    f.respond = (iq) => (iq.attrs.type === 'set' && iq.getChild('query', NS_MUC_OWNER) ? resultReply(iq) : respond(iq))
    muc.online(false)
    await settle()
    await f.input(presence('thirdwitch', { codes: [110, 201], affiliation: 'owner', role: 'moderator' }))
    await settle()
    expect(f.iqs.some((iq) => iq.getChild('query', NS_MUC_OWNER)?.getChild('destroy'))).toBe(true)
    expect(states().at(-1)).toMatchObject({ state: 'error', error: { code: 'room-not-found' } })
    // Not tried again at the next session.
    muc.sessionLost()
    f.clear()
    muc.online(false)
    await settle()
    expect(f.sent).toEqual([])
  })

  it('rejects with the room’s refusal and forgets the room', async () => {
    const joining = muc.join(ROOM, { nick: 'thirdwitch' })
    await settle()
    await f.input(errorPresence('thirdwitch', 'not-authorized'))
    await expect(joining).rejects.toMatchObject({ code: 'room-password-required', condition: 'not-authorized', detail: 'not-authorized' })
    expect(states()[1]).toMatchObject({ state: 'error', error: { code: 'room-password-required', condition: 'not-authorized' } })
    expect(muc.joinedRooms()).toEqual([])
    f.clear()
    expect(await f.input(groupchat('firstwitch', 'still here?'))).toBe(true)
    expect(f.eventsNamed('roomMessage')).toEqual([])
  })

  it('a nick conflict is reported; the caller picks another nick', async () => {
    const first = muc.join(ROOM, { nick: 'firstwitch' })
    await settle()
    // The room answers the conflict before any occupant list: another occupant's presence under a
    // nick like ours does not count as ours without status 110.
    await f.input(presence('firstwitch', { affiliation: 'owner' }))
    await f.input(errorPresence('firstwitch', 'conflict'))
    await expect(first).rejects.toMatchObject({ condition: 'conflict' })
    const second = muc.join(ROOM, { nick: 'thirdwitch' })
    await settle()
    await f.input(presence('thirdwitch', { codes: [110] }))
    await expect(second).resolves.toMatchObject({ nick: 'thirdwitch' })
  })

  it('refuses bad room addresses and nicks, and joining offline', async () => {
    await expect(muc.join('chat.shakespeare.lit', { nick: 'x' })).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(muc.join(`${ROOM}/nick`, { nick: 'x' })).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(muc.join(ROOM, { nick: '  ' })).rejects.toMatchObject({ code: 'invalid-argument' })
    await expect(muc.join(ROOM, { nick: 'a\u0000b' })).rejects.toMatchObject({ code: 'invalid-argument' })
    f.online = false
    await expect(muc.join(ROOM, { nick: 'x' })).rejects.toMatchObject({ code: 'not-connected' })
  })

  it('joining twice gives the same answer', async () => {
    const a = muc.join(ROOM, { nick: 'thirdwitch' })
    const b = muc.join(ROOM, { nick: 'thirdwitch' })
    await settle()
    expect(f.sent.filter((s) => s.name === 'presence')).toHaveLength(1)
    await f.input(presence('thirdwitch', { codes: [110] }))
    expect(await a).toEqual(await b)
    await expect(muc.join(ROOM, { nick: 'thirdwitch' })).resolves.toMatchObject({ nick: 'thirdwitch' })
  })
})

describe('MucModule: rooms we are not in', () => {
  it('drops their group chat messages and room presence, and leaves other presence to the presence module', async () => {
    expect(await f.input(groupchat('firstwitch', 'hello'))).toBe(true)
    expect(await f.input(presence('firstwitch'))).toBe(true)
    expect(await f.input(xml('presence', { from: 'juliet@capulet.lit/balcony' }))).toBe(false)
    expect(await f.input(xml('message', { from: 'juliet@capulet.lit/balcony', type: 'chat' }, xml('body', {}, 'hi')))).toBe(false)
    expect(f.events).toEqual([])
  })
})

describe('MucModule: occupants', () => {
  beforeEach(async () => {
    await joined()
  })

  it('reports arrivals, nick changes (303), kicks (307) and bans (301) as deltas', async () => {
    await f.input(presence('secondwitch'))
    await f.input(presence('secondwitch', { type: 'unavailable', codes: [303], newNick: 'oldhag' }))
    await f.input(presence('oldhag'))
    await f.input(presence('oldhag', { type: 'unavailable', codes: [307], children: [xml('actor', { nick: 'firstwitch' }), xml('reason', {}, 'Avaunt')] }))
    await f.input(presence('fourth', { type: 'unavailable', codes: [301] }))
    const deltas = f.eventsNamed<Ev<'roomOccupants'>>('roomOccupants')
    expect(deltas.map((d) => [d.reset, d.occupants.map((o) => o.nick), d.removed])).toEqual([
      [false, ['secondwitch'], []],
      [false, [], [{ nick: 'secondwitch', reason: 'nick-changed', newNick: 'oldhag' }]],
      [false, ['oldhag'], []],
      [false, [], [{ nick: 'oldhag', reason: 'kicked', actor: 'firstwitch', text: 'Avaunt' }]],
      [false, [], [{ nick: 'fourth', reason: 'banned' }]]
    ])
    expect(muc.occupants(ROOM).map((o) => o.nick)).toEqual(['thirdwitch', 'firstwitch'])
  })

  it('reports our own role changes', async () => {
    await f.input(presence('thirdwitch', { codes: [110], role: 'moderator', affiliation: 'admin' }))
    expect(states()).toEqual([{ state: 'joined', nick: 'thirdwitch', role: 'moderator', affiliation: 'admin', created: false, rejoined: false, nonAnonymous: false }])
  })

  it('being kicked ends our stay, with who did it and why; the room is then ignored', async () => {
    await f.input(presence('thirdwitch', { type: 'unavailable', codes: [110, 307], children: [xml('actor', { nick: 'firstwitch' }), xml('reason', {}, 'Avaunt, you cullion!')] }))
    expect(states()).toEqual([{ state: 'left', reason: 'kicked', actor: 'firstwitch', text: 'Avaunt, you cullion!' }])
    expect(muc.joinedRooms()).toEqual([])
    expect(await f.input(groupchat('firstwitch', 'gone'))).toBe(true)
    expect(f.eventsNamed('roomMessage')).toEqual([])
  })

  it.each([
    [[110, 301], 'banned'],
    [[110, 321], 'affiliation'],
    [[110, 322], 'members-only'],
    [[110, 332], 'shutdown']
  ] as const)('status %j ends our stay as %s', async (codes, reason) => {
    await f.input(presence('thirdwitch', { type: 'unavailable', codes: [...codes] }))
    expect(states()).toEqual([{ state: 'left', reason }])
  })

  it('a destroyed room says why and where it moved', async () => {
    const destroyed = xml(
      'presence',
      { from: `${ROOM}/thirdwitch`, type: 'unavailable' },
      xml(
        'x',
        { xmlns: NS_MUC_USER },
        xml('item', { affiliation: 'none', role: 'none' }),
        xml('destroy', { jid: 'newcoven@chat.shakespeare.lit' }, xml('reason', {}, 'Macbeth doth come.')),
        xml('status', { code: '110' })
      )
    )
    await f.input(destroyed)
    expect(states()).toEqual([{ state: 'left', reason: 'destroyed', text: 'Macbeth doth come.', alternate: 'newcoven@chat.shakespeare.lit' }])
  })
})

describe('MucModule: messages', () => {
  beforeEach(async () => {
    await joined()
  })

  it('sends with origin-id; the reflection is our message and marks it delivered', async () => {
    const id = await muc.send(ROOM, 'Thrice the brinded cat hath mew’d')
    expect(f.sent[0]?.toString()).toBe(
      `<message to="${ROOM}" id="${id}" type="groupchat"><body>Thrice the brinded cat hath mew’d</body><origin-id xmlns="urn:xmpp:sid:0" id="${id}"/></message>`
    )
    await f.input(
      groupchat('thirdwitch', 'Thrice the brinded cat hath mew’d', [
        xml('origin-id', { xmlns: NS_SID, id }),
        xml('stanza-id', { xmlns: NS_SID, id: 'sid-1', by: ROOM }),
        xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: 'occ-me' })
      ], { id })
    )
    expect(f.eventsNamed<Ev<'roomMessage'>>('roomMessage')[0]?.message).toMatchObject({ fromUs: true, originId: id, stanzaId: 'sid-1', sender: 'occupant-id:occ-me' })
    expect(f.eventsNamed<Ev<'messageState'>>('messageState').map((s) => [s.peer, s.id, s.state])).toEqual([
      [ROOM, id, 'sent'],
      [ROOM, id, 'delivered']
    ])
  })

  it('reports others’ messages with their room identity and mentions', async () => {
    await f.input(groupchat('firstwitch', 'thirdwitch: hail!', [xml('stanza-id', { xmlns: NS_SID, id: 'sid-2', by: ROOM }), xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: 'occ-first' })]))
    expect(f.eventsNamed<Ev<'roomMessage'>>('roomMessage')[0]?.message).toMatchObject({
      room: ROOM,
      nick: 'firstwitch',
      occupantId: 'occ-first',
      sender: 'occupant-id:occ-first',
      stanzaId: 'sid-2',
      fromUs: false,
      mentions: true,
      source: 'live'
    })
  })

  it('reports the subject and room status codes', async () => {
    await f.input(xml('message', { from: `${ROOM}/firstwitch`, type: 'groupchat' }, xml('subject', {}, 'Fire Burn and Cauldron Bubble!')))
    expect(f.eventsNamed<Ev<'roomSubject'>>('roomSubject')).toEqual([
      { account: f.ctx.account, room: ROOM, subject: 'Fire Burn and Cauldron Bubble!', nick: 'firstwitch', at: expect.any(Number) }
    ])
    expect(muc.subject(ROOM)).toBe('Fire Burn and Cauldron Bubble!')
    await f.input(xml('message', { from: ROOM, type: 'groupchat' }, xml('x', { xmlns: NS_MUC_USER }, xml('status', { code: '104' }))))
    await settle()
    expect(f.iqs.some((iq) => iq.attrs.to === ROOM && iq.getChild('query', NS_DISCO_INFO))).toBe(true)
  })

  it('a bounced message of ours fails; a bounce about someone else’s id is ignored', async () => {
    const id = await muc.send(ROOM, 'x')
    const bounce = (mid: string) => xml('message', { from: ROOM, type: 'error', id: mid }, xml('error', { type: 'modify' }, xml('not-acceptable', { xmlns: STANZAS })))
    await f.input(bounce('someone-elses'))
    await f.input(bounce(id))
    expect(f.eventsNamed<Ev<'messageState'>>('messageState').map((s) => s.state)).toEqual(['sent', 'failed'])
  })

  it('private messages from occupants, and carbons of ours, become room private messages', async () => {
    const pm = xml('message', { from: `${ROOM}/firstwitch`, type: 'chat', id: 'pm1' }, xml('body', {}, 'psst'), xml('x', { xmlns: NS_MUC_USER }), xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: 'occ-first' }))
    expect(await f.input(pm)).toBe(true)
    const sent = xml('message', { to: `${ROOM}/firstwitch`, from: 'me@example.org/phone', type: 'chat', id: 'pm2' }, xml('body', {}, 'what?'))
    expect(muc.processCarbon(sent, 'sent')).toBe(true)
    expect(muc.processCarbon(xml('message', { from: 'juliet@capulet.lit/b', type: 'chat' }, xml('body', {}, 'x')), 'received')).toBe(false)
    expect(muc.processCarbon(groupchat('firstwitch', 'not a carbon'), 'received')).toBe(true)
    expect(f.eventsNamed<Ev<'roomPrivateMessage'>>('roomPrivateMessage').map((e) => e.message)).toEqual([
      { room: ROOM, nick: 'firstwitch', occupantId: 'occ-first', direction: 'in', body: 'psst', id: 'pm1', at: expect.any(Number), atIsLocal: true, source: 'live' },
      { room: ROOM, nick: 'firstwitch', direction: 'out', body: 'what?', id: 'pm2', at: expect.any(Number), atIsLocal: true, source: 'carbon' }
    ])
    expect(f.eventsNamed('roomMessage')).toEqual([])
  })

  it('private messages from our account’s archive, ours and theirs, are the room’s, only for rooms we know', async () => {
    f.clear()
    const own = 'me@example.org'
    const theirs = xml('message', { from: `${ROOM}/firstwitch`, to: `${own}/phone`, type: 'chat', id: 'a1' }, xml('body', {}, 'from the archive'))
    const ours = xml('message', { from: `${own}/phone`, to: `${ROOM}/firstwitch`, type: 'chat', id: 'a2' }, xml('body', {}, 'mine, archived'))
    const elsewhere = xml('message', { from: 'hecate@chat.shakespeare.lit/x', type: 'chat', id: 'a3' }, xml('body', {}, 'not a room'))
    expect(muc.processArchived(theirs, 1_000, () => false)).toBe(true)
    expect(muc.processArchived(ours, 2_000, () => false)).toBe(true)
    expect(muc.processArchived(elsewhere, 3_000, () => false)).toBe(false)
    expect(muc.processArchived(elsewhere, 3_000, (room) => room === 'hecate@chat.shakespeare.lit')).toBe(true)
    expect(muc.processArchived(groupchat('firstwitch', 'group chat is not private'), 4_000, () => true)).toBe(false)
    // A room not known yet (catch-up before the bookmarks): the §7.5 marker tells.
    const marked = xml('message', { from: 'coven@chat.shakespeare.lit/hecate', type: 'chat', id: 'a4' }, xml('body', {}, 'marked'), xml('x', { xmlns: NS_MUC_USER }))
    expect(muc.processArchived(marked, 5_000, () => false)).toBe(true)
    expect(f.eventsNamed<Ev<'roomPrivateMessage'>>('roomPrivateMessage').map((e) => e.message)).toEqual([
      { room: ROOM, nick: 'firstwitch', direction: 'in', body: 'from the archive', id: 'a1', at: 1_000, atIsLocal: false, source: 'archive' },
      { room: ROOM, nick: 'firstwitch', direction: 'out', body: 'mine, archived', id: 'a2', at: 2_000, atIsLocal: false, source: 'archive' },
      { room: 'hecate@chat.shakespeare.lit', nick: 'x', direction: 'in', body: 'not a room', id: 'a3', at: 3_000, atIsLocal: false, source: 'archive' },
      { room: 'coven@chat.shakespeare.lit', nick: 'hecate', direction: 'in', body: 'marked', id: 'a4', at: 5_000, atIsLocal: false, source: 'archive' }
    ])
  })

  it('a private message goes to room/nick with the MUC marker, and reports sent under that address', async () => {
    f.clear()
    expect(await muc.transmitPrivate({ id: 'pm-out' as never, room: ROOM, nick: 'firstwitch', body: 'hi' })).toBe(true)
    expect(f.sent.at(-1)?.attrs).toMatchObject({ to: `${ROOM}/firstwitch`, type: 'chat', id: 'pm-out' })
    expect(f.sent.at(-1)?.getChild('x', NS_MUC_USER)).toBeTruthy()
    expect(f.sent.at(-1)?.getChild('request', NS_RECEIPTS)).toBeTruthy()
    expect(f.sent.at(-1)?.getChild('markable', NS_MARKERS)).toBeTruthy()
    expect(f.eventsNamed<Ev<'messageState'>>('messageState')).toEqual([expect.objectContaining({ peer: `${ROOM}/firstwitch`, id: 'pm-out', state: 'sent' })])
    expect(await muc.transmitPrivate({ id: 'pm-x' as never, room: 'other@chat.shakespeare.lit', nick: 'x', body: 'hi' })).toBe(false)
  })

  it('receipts and displayed markers in a private chat update our message under room/nick, only from that occupant', async () => {
    f.clear()
    const ack = (nick: string, child: Element, attrs: Record<string, string> = {}) =>
      xml('message', { from: `${ROOM}/${nick}`, to: 'me@example.org/pc', ...attrs }, child, xml('x', { xmlns: NS_MUC_USER }))
    expect(await f.input(ack('firstwitch', xml('received', { xmlns: NS_RECEIPTS, id: 'pm-out' }), { type: 'chat', id: 'receipt-pm-out' }))).toBe(true)
    expect(await f.input(ack('firstwitch', xml('displayed', { xmlns: NS_MARKERS, id: 'pm-out' }), { type: 'chat' }))).toBe(true)
    expect(await f.input(ack('secondwitch', xml('received', { xmlns: NS_RECEIPTS, id: 'pm-2' })))).toBe(true)
    expect(f.eventsNamed<Ev<'messageState'>>('messageState').map((e) => [e.peer, e.id, e.state])).toEqual([
      [`${ROOM}/firstwitch`, 'pm-out', 'delivered'],
      [`${ROOM}/firstwitch`, 'pm-out', 'read'],
      [`${ROOM}/secondwitch`, 'pm-2', 'delivered']
    ])
    // Our other device showed the occupant's messages; a receipt our other device sent is not about ours.
    const mine = (child: Element) => xml('message', { from: 'me@example.org/phone', to: `${ROOM}/firstwitch`, type: 'chat' }, child)
    expect(muc.processCarbon(mine(xml('displayed', { xmlns: NS_MARKERS, id: 'their-1' })), 'sent')).toBe(true)
    expect(muc.processCarbon(mine(xml('received', { xmlns: NS_RECEIPTS, id: 'their-1' })), 'sent')).toBe(true)
    expect(f.eventsNamed('displayedElsewhere')).toEqual([{ account: 'acc-1', peer: `${ROOM}/firstwitch`, id: 'their-1' }])
    expect(f.eventsNamed('messageState')).toHaveLength(3)
    expect(f.eventsNamed('roomPrivateMessage')).toEqual([])
  })

  it('an occupant’s private message that asks for a receipt gets one through the room, when it arrives live only', async () => {
    f.clear()
    const pm = (id: string, request: boolean) =>
      xml('message', { from: `${ROOM}/firstwitch`, type: 'chat', id }, xml('body', {}, 'psst'), request ? xml('request', { xmlns: NS_RECEIPTS }) : undefined, xml('x', { xmlns: NS_MUC_USER }))
    await f.input(pm('pm1', true))
    await f.input(pm('pm2', false))
    muc.processCarbon(pm('pm3', true), 'received')
    muc.processArchived(pm('pm4', true), 1_000, () => true)
    expect(f.eventsNamed('roomPrivateMessage')).toHaveLength(4)
    expect(f.sent.map((s) => s.toString())).toEqual([
      `<message to="${ROOM}/firstwitch" id="receipt-pm1" type="chat"><received xmlns="urn:xmpp:receipts" id="pm1"/><store xmlns="urn:xmpp:hints"/><x xmlns="http://jabber.org/protocol/muc#user"/></message>`
    ])
  })

  it('retractions and reactions go out as group chat messages naming the stanza-id', async () => {
    await muc.retract(ROOM, 'sid-9', 'retracted')
    await muc.react(ROOM, 'sid-9', ['🔥'])
    expect(f.sent.map((s) => [s.attrs.type, s.attrs.to])).toEqual([
      ['groupchat', ROOM],
      ['groupchat', ROOM]
    ])
    expect(f.sent[0]?.getChild('retract', 'urn:xmpp:message-retract:1')?.attrs.id).toBe('sid-9')
    expect(f.sent[1]?.getChild('reactions', 'urn:xmpp:reactions:0')?.attrs.id).toBe('sid-9')
  })

  it('refuses to send to a room we are not in', async () => {
    await expect(muc.send('other@chat.shakespeare.lit', 'x')).rejects.toMatchObject({ code: 'invalid-argument' })
    expect(await muc.transmit({ id: 'q' as never, room: 'other@chat.shakespeare.lit', body: 'x' })).toBe(false)
  })
})

describe('MucModule: a room without urn:xmpp:sid:0', () => {
  it('ignores the stanza-ids in its messages', async () => {
    features = ['http://jabber.org/protocol/muc']
    await joined()
    await f.input(groupchat('firstwitch', 'x', [xml('stanza-id', { xmlns: NS_SID, id: 'sid-3', by: ROOM })]))
    expect(f.eventsNamed<Ev<'roomMessage'>>('roomMessage')[0]?.message.stanzaId).toBeUndefined()
  })
})

describe('MucModule: invitations', () => {
  it('reports both kinds and keeps them away from one-to-one chat; never joins', async () => {
    expect(await f.input(xml('message', { from: 'crone1@shakespeare.lit/desktop' }, xml('x', { xmlns: NS_CONFERENCE, jid: ROOM, reason: 'come' }), xml('body', {}, 'join us')))).toBe(true)
    expect(await f.input(xml('message', { from: ROOM }, xml('x', { xmlns: NS_MUC_USER }, xml('invite', { from: 'crone1@shakespeare.lit' }), xml('password', {}, 'pw'))))).toBe(true)
    expect(f.eventsNamed<Ev<'roomInvite'>>('roomInvite').map((e) => e.invite)).toEqual([
      { kind: 'direct', room: ROOM, from: 'crone1@shakespeare.lit', reason: 'come' },
      { kind: 'mediated', room: ROOM, from: 'crone1@shakespeare.lit', reason: '', password: 'pw' }
    ])
    expect(f.sent).toEqual([])
  })

  it('invites to a members-only room by granting membership when we may, and always directly', async () => {
    features = [...FEATURES, 'muc_membersonly']
    await joined('thirdwitch', { affiliation: 'owner', role: 'moderator' })
    f.respond = (iq) => resultReply(iq)
    await muc.invite(ROOM, 'Hecate@Shakespeare.lit/broom', 'Come')
    expect(f.iqs[0]?.toString()).toContain('<item jid="hecate@shakespeare.lit" affiliation="member"><reason>Come</reason></item>')
    expect(f.sent[0]?.getChild('x', NS_CONFERENCE)?.attrs).toMatchObject({ jid: ROOM, reason: 'Come' })
    expect(f.sent[0]?.attrs.to).toBe('hecate@shakespeare.lit')
  })
})

describe('MucModule: leaving, nick changes, reconnects', () => {
  beforeEach(async () => {
    await joined()
  })

  it('leave() resolves on the room’s goodbye and the room is not joined again', async () => {
    const leaving = muc.leave(ROOM, 'bye')
    await settle()
    expect(f.sent[0]?.toString()).toBe(`<presence to="${ROOM}/thirdwitch" type="unavailable"><status>bye</status></presence>`)
    await f.input(presence('thirdwitch', { type: 'unavailable', codes: [110] }))
    await leaving
    expect(states()).toEqual([{ state: 'left', reason: 'left' }])
    muc.sessionLost()
    muc.online(false)
    await settle()
    expect(f.sent).toHaveLength(1)
  })

  it('changeNick() resolves after 303 and the new presence; a conflict rejects and keeps the old nick', async () => {
    const taken = muc.changeNick(ROOM, 'firstwitch')
    await settle()
    await f.input(errorPresence('firstwitch', 'conflict'))
    await expect(taken).rejects.toMatchObject({ condition: 'conflict' })
    expect(muc.nick(ROOM)).toBe('thirdwitch')
    const renamed = muc.changeNick(ROOM, 'oldhag')
    await settle()
    expect(f.sent.at(-1)?.attrs.to).toBe(`${ROOM}/oldhag`)
    await f.input(presence('thirdwitch', { type: 'unavailable', codes: [110, 303], newNick: 'oldhag' }))
    await f.input(presence('oldhag', { codes: [110] }))
    await renamed
    expect(muc.nick(ROOM)).toBe('oldhag')
    expect(muc.occupants(ROOM).find((o) => o.self)?.nick).toBe('oldhag')
  })

  it('a new session joins the rooms again without history; a resumed one does not', async () => {
    muc.sessionLost()
    expect(states()).toEqual([{ state: 'left', reason: 'disconnected' }])
    expect(muc.joinedRooms()).toEqual([])
    muc.online(true)
    await settle()
    expect(f.sent).toEqual([])
    muc.online(false)
    await settle()
    const rejoin = f.sent.find((s) => s.name === 'presence')
    expect(rejoin?.getChild('x', 'http://jabber.org/protocol/muc')?.getChild('history')?.attrs.maxstanzas).toBe('0')
    await f.input(presence('thirdwitch', { codes: [110] }))
    expect(states().at(-1)).toMatchObject({ state: 'joined', rejoined: true } satisfies Partial<RoomState>)
  })
})

describe('MucModule: discovery, configuration, history', () => {
  it('finds the group chat service among the server’s items', async () => {
    f.respond = (iq) => {
      const to = String(iq.attrs.to)
      if (iq.getChild('query', NS_DISCO_ITEMS)) return resultReply(iq, xml('query', { xmlns: NS_DISCO_ITEMS }, xml('item', { jid: 'upload.example.org' }), xml('item', { jid: 'rooms.example.org' })))
      const identity = to === 'rooms.example.org' ? { category: 'conference', type: 'text' } : { category: 'store', type: 'file' }
      return resultReply(iq, xml('query', { xmlns: NS_DISCO_INFO }, xml('identity', identity)))
    }
    expect(await muc.findService()).toBe('rooms.example.org')
  })

  it('lists rooms, skipping items that are not room addresses', async () => {
    f.respond = (iq) =>
      resultReply(iq, xml('query', { xmlns: NS_DISCO_ITEMS }, xml('item', { jid: ROOM, name: 'Coven' }), xml('item', { jid: 'chat.shakespeare.lit' }), xml('item', { jid: 'bad@@x' })))
    expect(await muc.listRooms('chat.shakespeare.lit')).toEqual([{ jid: ROOM, name: 'Coven' }])
  })

  it('configure() submits the room’s form with our values', async () => {
    const submitted: Element[] = []
    f.respond = (iq) => {
      if (iq.attrs.type === 'get' && iq.getChild('query', 'http://jabber.org/protocol/muc#owner')) {
        return resultReply(
          iq,
          xml(
            'query',
            { xmlns: 'http://jabber.org/protocol/muc#owner' },
            xml(
              'x',
              { xmlns: NS_DATA, type: 'form' },
              xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
              xml('field', { var: 'muc#roomconfig_roomname', type: 'text-single' }, xml('value', {}, '')),
              xml('field', { var: 'muc#roomconfig_roomsecret', type: 'text-private' }),
              xml('field', { var: 'muc#roomconfig_persistentroom', type: 'boolean' }, xml('value', {}, '0'))
            )
          )
        )
      }
      if (iq.attrs.type === 'set') submitted.push(iq)
      if (iq.getChild('query', NS_DISCO_INFO)) return roomInfo(iq, [...FEATURES, 'muc_passwordprotected'])
      return resultReply(iq)
    }
    await muc.configure(ROOM, { name: 'Coven', password: 'cauldronburn' })
    const fields = submitted[0]?.getChild('query')?.getChild('x', NS_DATA)?.getChildren('field').map((fl) => [fl.attrs.var, fl.getChildText('value')])
    expect(fields).toEqual([
      ['FORM_TYPE', 'http://jabber.org/protocol/muc#roomconfig'],
      ['muc#roomconfig_roomname', 'Coven'],
      ['muc#roomconfig_roomsecret', 'cauldronburn'],
      ['muc#roomconfig_persistentroom', '0']
    ])
  })

  it('history() reads the room’s archive: archive ids as stanza-ids, forged results dropped', async () => {
    await joined()
    f.respond = async (iq) => {
      const q = iq.getChild('query', NS_MAM)
      if (!q) return errorReply(iq, 'service-unavailable')
      const queryid = String(q.attrs.queryid)
      const result = (from: string, id: string, nick: string, body: string) =>
        xml(
          'message',
          { from, to: 'me@example.org/pc' },
          xml(
            'result',
            { xmlns: NS_MAM, queryid, id },
            xml(
              'forwarded',
              { xmlns: 'urn:xmpp:forward:0' },
              xml('delay', { xmlns: 'urn:xmpp:delay', stamp: '2024-01-01T10:00:00Z' }),
              xml('message', { from: `${ROOM}/${nick}`, type: 'groupchat', id: `m-${id}` }, xml('body', {}, body), xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: nick === 'thirdwitch' ? 'occ-me' : `occ-${nick}` }))
            )
          )
        )
      await f.input(result(ROOM, 'a1', 'firstwitch', 'When shall we three meet again'))
      await f.input(result('mallory@evil.example', 'a2', 'firstwitch', 'forged'))
      await f.input(result(ROOM, 'a3', 'thirdwitch', 'In thunder'))
      return resultReply(iq, xml('fin', { xmlns: NS_MAM, complete: 'true' }, xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('first', {}, 'a1'), xml('last', {}, 'a3'))))
    }
    const page = await muc.history(ROOM, { max: 50 })
    expect(page).toMatchObject({ complete: true, first: 'a1', last: 'a3', received: 2 })
    expect(f.iqs[0]?.attrs.to).toBe(ROOM)
    expect(f.eventsNamed<Ev<'roomMessage'>>('roomMessage').map((e) => [e.message.stanzaId, e.message.body, e.message.fromUs, e.message.source, e.message.at])).toEqual([
      ['a1', 'When shall we three meet again', false, 'archive', Date.parse('2024-01-01T10:00:00Z')],
      ['a3', 'In thunder', true, 'archive', Date.parse('2024-01-01T10:00:00Z')]
    ])
  })
})

describe('MucModule: the room archive', () => {
  /** Answers archive queries with these results (nick, body, occupant-id), recording each query. */
  function archive(results: { nick: string; body: string; occupantId?: string }[]): Element[] {
    const queries: Element[] = []
    const respond = f.respond
    f.respond = async (iq) => {
      const q = iq.getChild('query', NS_MAM)
      if (!q) return respond(iq)
      queries.push(q)
      const queryid = String(q.attrs.queryid)
      for (const [i, r] of results.entries()) {
        const inner = xml(
          'message',
          { from: `${ROOM}/${r.nick}`, type: 'groupchat', id: `m${i}` },
          xml('body', {}, r.body),
          r.occupantId ? xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: r.occupantId }) : undefined
        )
        const forwarded = xml('forwarded', { xmlns: 'urn:xmpp:forward:0' }, xml('delay', { xmlns: 'urn:xmpp:delay', stamp: '2024-01-01T10:00:00Z' }), inner)
        await f.input(xml('message', { from: ROOM, to: 'me@example.org/pc' }, xml('result', { xmlns: NS_MAM, queryid, id: `a${i}` }, forwarded)))
      }
      return resultReply(iq, xml('fin', { xmlns: NS_MAM, complete: 'true' }))
    }
    return queries
  }
  const field = (q: Element | undefined, name: string) =>
    q?.getChild('x', NS_DATA)?.getChildren('field').find((x) => x.attrs.var === name)?.getChildText('value') ?? null
  const rsm = (q: Element | undefined) => q?.getChild('set', 'http://jabber.org/protocol/rsm')

  it('history() from a time: the XEP-0313 start field, forward (no RSM before: not the newest page); then after a position', async () => {
    await joined()
    const queries = archive([])
    await muc.history(ROOM, { start: Date.parse('2024-01-01T09:55:00Z'), max: 100 })
    await muc.history(ROOM, { start: Date.parse('2024-01-01T09:55:00Z'), after: 'a7', max: 100 })
    await muc.history(ROOM, { max: 100 })
    expect(field(queries[0], 'start')).toBe('2024-01-01T09:55:00.000Z')
    expect(rsm(queries[0])?.getChild('before')).toBeUndefined()
    expect(rsm(queries[0])?.getChild('after')).toBeUndefined()
    expect(field(queries[1], 'start')).toBe('2024-01-01T09:55:00.000Z')
    expect(rsm(queries[1])?.getChildText('after')).toBe('a7')
    expect(field(queries[2], 'start')).toBeNull()
    expect(rsm(queries[2])?.getChild('before')).toBeDefined()
  })

  const handedOver = [
    { nick: 'thirdwitch', body: 'mine, before I changed nick', occupantId: 'occ-me' },
    { nick: 'oldwitch', body: 'someone else, with the nick I have now', occupantId: 'occ-other' },
    { nick: 'oldwitch', body: 'mine, as oldwitch', occupantId: 'occ-me' }
  ]
  /** The room's archive holds `handedOver`; which of them the module takes for ours. */
  async function readHandedOver(): Promise<unknown[]> {
    archive(handedOver)
    await muc.history(ROOM, { max: 100 })
    return f.eventsNamed<Ev<'roomMessage'>>('roomMessage').map((e) => [e.message.nick, e.message.body, e.message.fromUs])
  }
  const BY_OCCUPANT_ID = [
    ['thirdwitch', 'mine, before I changed nick', true],
    ['oldwitch', 'someone else, with the nick I have now', false],
    ['oldwitch', 'mine, as oldwitch', true]
  ]

  it('tells our archived messages by our occupant-id: a nick that changed hands is not us, our old nick is', async () => {
    await joined('oldwitch', { occupantId: 'occ-me' })
    expect(await readHandedOver()).toEqual(BY_OCCUPANT_ID)
  })

  it('in a room we just created (its features unknown at our self-presence) our occupant-id is taken once the room announces XEP-0421', async () => {
    // The room does not exist yet when we ask: no features, so the id on our self-presence is not believed yet.
    let exists = false
    f.respond = (iq) => {
      if (iq.attrs.to === ROOM && iq.getChild('query', NS_DISCO_INFO)) return exists ? roomInfo(iq, features) : errorReply(iq, 'item-not-found')
      return errorReply(iq, 'service-unavailable')
    }
    const joining = muc.join(ROOM, { nick: 'oldwitch' })
    await settle()
    exists = true
    await f.input(presence('oldwitch', { codes: [110, 201], affiliation: 'owner', role: 'moderator', occupantId: 'occ-me' }))
    expect(await joining).toMatchObject({ created: true })
    await settle()
    expect(muc.occupants(ROOM).find((o) => o.self)?.occupantId).toBe('occ-me')
    f.clear()
    expect(await readHandedOver()).toEqual(BY_OCCUPANT_ID)
  })

  it('a room without XEP-0421 is told by nick (its occupant ids are anyone’s)', async () => {
    features = FEATURES.filter((x) => x !== NS_OCCUPANT_ID)
    await joined('oldwitch', { occupantId: 'occ-me' })
    expect(await readHandedOver()).toEqual([
      ['thirdwitch', 'mine, before I changed nick', false],
      ['oldwitch', 'someone else, with the nick I have now', true],
      ['oldwitch', 'mine, as oldwitch', true]
    ])
  })
})

describe('MucModule: what it announces', () => {
  it('group chat and direct invitations', () => {
    expect(muc.features).toEqual(['http://jabber.org/protocol/muc', 'jabber:x:conference'])
  })
})

describe('MucModule ahead of the archive module', () => {
  it('leaves the room archive’s results to the modules after it, and takes the room’s status notices', async () => {
    const h = fakeContext()
    h.respond = (iq) => (iq.getChild('query', NS_DISCO_INFO) ? roomInfo(iq, FEATURES) : errorReply(iq, 'service-unavailable'))
    // Disco and MAM live elsewhere: the only middleware here is the MUC module, then a probe.
    const elsewhere = fakeContext()
    const first = new MucModule(h.ctx, new DiscoModule(elsewhere.ctx, () => []), new MamModule(elsewhere.ctx))
    const passed: string[] = []
    h.ctx.client.use(({ stanza }: { stanza: Element }, next: () => Promise<unknown>) => {
      passed.push(stanza.getChildElements()[0]?.name ?? '')
      return next()
    })
    const joining = first.join(ROOM, { nick: 'thirdwitch' })
    await settle()
    await h.input(presence('thirdwitch', { codes: [110] }))
    await joining
    passed.length = 0
    expect(await h.input(xml('message', { from: ROOM }, xml('result', { xmlns: NS_MAM, queryid: 'q', id: 'a1' })))).toBe(false)
    expect(await h.input(xml('message', { from: ROOM }, xml('x', { xmlns: NS_MUC_USER }, xml('status', { code: '104' }))))).toBe(true)
    expect(passed).toEqual(['result'])
  })
})
