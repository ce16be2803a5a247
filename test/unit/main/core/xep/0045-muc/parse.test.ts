import { describe, expect, it } from 'vitest'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import { NS_DATA } from '../../../../../../src/main/core/xep/0004-data-forms'
import { NS_DISCO_INFO } from '../../../../../../src/main/core/xep/0030-disco'
import { NS_CONFERENCE } from '../../../../../../src/main/core/xep/0249-direct-invitations'
import { NS_SID } from '../../../../../../src/main/core/xep/0359-unique-ids'
import { NS_OCCUPANT_ID } from '../../../../../../src/main/core/xep/0421-occupant-id'
import { NS_RETRACT } from '../../../../../../src/main/core/xep/0424-retraction'
import { NS_REACTIONS } from '../../../../../../src/main/core/xep/0444-reactions'
import {
  exitOf,
  joinError,
  NS_MODERATE,
  NS_MUC_USER,
  parseMucUser,
  parseOccupantPresence,
  parseRoomInfo,
  readGroupchat,
  readInvite,
  roomErrorCode,
  type GroupchatView
} from '../../../../../../src/main/core/xep/0045-muc/parse'

const ROOM = 'coven@chat.shakespeare.lit'
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'

function mucPresence(nick: string, opts: { type?: string; item?: Record<string, string>; codes?: number[]; extra?: Element[]; itemChildren?: Element[] } = {}): Element {
  return xml(
    'presence',
    { from: `${ROOM}/${nick}`, to: 'me@example.org/pc', ...(opts.type ? { type: opts.type } : {}) },
    xml(
      'x',
      { xmlns: NS_MUC_USER },
      opts.item ? xml('item', opts.item, ...(opts.itemChildren ?? [])) : undefined,
      ...(opts.codes ?? []).map((c) => xml('status', { code: String(c) }))
    ),
    ...(opts.extra ?? [])
  )
}

describe('parseMucUser (XEP-0045 §15.6)', () => {
  it('reads status codes, the item and its actor and reason', () => {
    const p = mucPresence('thirdwitch', {
      type: 'unavailable',
      item: { affiliation: 'none', role: 'none' },
      itemChildren: [xml('actor', { nick: 'Fluellen' }), xml('reason', {}, 'Avaunt, you cullion!')],
      codes: [110, 307]
    })
    expect(parseMucUser(p)).toEqual({
      statuses: [110, 307],
      item: { role: 'none', affiliation: 'none', actor: 'Fluellen', reason: 'Avaunt, you cullion!' }
    })
  })

  it('ignores codes that are not three-digit numbers and unknown roles, and reads <destroy/>', () => {
    const p = xml(
      'presence',
      { from: `${ROOM}/x`, type: 'unavailable' },
      xml(
        'x',
        { xmlns: NS_MUC_USER },
        xml('item', { role: 'king', affiliation: 'owner', jid: 'Crone1@Shakespeare.lit/Desktop' }),
        xml('status', { code: 'abc' }),
        xml('status', { code: '9999' }),
        xml('status', { code: '110' }),
        xml('destroy', { jid: 'Old@Chat.Shakespeare.lit' }, xml('reason', {}, 'Macbeth doth come.'))
      )
    )
    expect(parseMucUser(p)).toEqual({
      statuses: [110],
      item: { role: null, affiliation: 'owner', jid: 'crone1@shakespeare.lit/Desktop' },
      destroy: { alternate: 'old@chat.shakespeare.lit', reason: 'Macbeth doth come.' }
    })
  })

  it('is null without the muc#user element', () => {
    expect(parseMucUser(xml('presence', {}))).toBeNull()
  })
})

describe('parseOccupantPresence', () => {
  it('reads our self-presence after creating a room (110 + 201) with role and affiliation', () => {
    const p = parseOccupantPresence(mucPresence('firstwitch', { item: { affiliation: 'owner', role: 'moderator', jid: 'crone1@shakespeare.lit/desktop' }, codes: [110, 201] }), 'firstwitch', false)
    expect(p.kind).toBe('available')
    expect(p.statuses).toEqual([110, 201])
    expect(p.occupant).toEqual({ nick: 'firstwitch', role: 'moderator', affiliation: 'owner', show: 'available', status: '', jid: 'crone1@shakespeare.lit' })
  })

  it('reads show and status, and the occupant-id only from a room that vouches for it', () => {
    const stanza = mucPresence('secondwitch', {
      item: { affiliation: 'member', role: 'participant' },
      extra: [xml('show', {}, 'away'), xml('status', {}, 'brewing'), xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: 'dd72603deec90a38ba552f7c68cbcc61bca202cd' })]
    })
    expect(parseOccupantPresence(stanza, 'secondwitch', true).occupant).toEqual({
      nick: 'secondwitch',
      role: 'participant',
      affiliation: 'member',
      show: 'away',
      status: 'brewing',
      occupantId: 'dd72603deec90a38ba552f7c68cbcc61bca202cd'
    })
    expect(parseOccupantPresence(stanza, 'secondwitch', false).occupant.occupantId).toBeUndefined()
  })

  it('believes no occupant-id when there are two (one slipped past the room)', () => {
    const stanza = mucPresence('x', {
      item: { affiliation: 'none', role: 'participant' },
      extra: [xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: 'forged' }), xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: 'real' })]
    })
    expect(parseOccupantPresence(stanza, 'x', true).occupant.occupantId).toBeUndefined()
  })

  it('tells error and unavailable presences apart', () => {
    expect(parseOccupantPresence(mucPresence('x', { type: 'unavailable' }), 'x', false)).toMatchObject({ kind: 'unavailable', occupant: { role: 'none' } })
    expect(parseOccupantPresence(xml('presence', { type: 'error' }), 'x', false).kind).toBe('error')
    expect(parseOccupantPresence(xml('presence', { type: 'subscribe' }), 'x', false).kind).toBe('other')
  })
})

describe('exitOf: why an occupant left', () => {
  const item = (nick?: string) => ({ role: 'none' as const, affiliation: 'none' as const, ...(nick ? { nick } : {}) })
  it.each([
    [[303], 'oldhag', 'nick-changed'],
    [[307], undefined, 'kicked'],
    [[301], undefined, 'banned'],
    [[110, 321], undefined, 'affiliation'],
    [[322], undefined, 'members-only'],
    [[332], undefined, 'shutdown'],
    [[333], undefined, 'error'],
    [[], undefined, 'left'],
    [[303], undefined, 'left'] // a nick change without the new nick is just leaving
  ] as const)('%j → %s', (codes, nick, want) => {
    expect(exitOf({ statuses: [...codes], item: item(nick) })).toBe(want)
  })

  it('a destroyed room wins over anything else', () => {
    expect(exitOf({ statuses: [110, 307], item: item(), destroy: { reason: '' } })).toBe('destroyed')
  })
})

describe('join errors (XEP-0045 §7.2)', () => {
  const errorPresence = (condition: string, text?: string) =>
    xml(
      'presence',
      { from: `${ROOM}/thirdwitch`, type: 'error' },
      xml('error', { type: 'auth' }, xml(condition, { xmlns: STANZAS }), text ? xml('text', { xmlns: STANZAS }, text) : undefined)
    )

  it.each([
    ['not-authorized', 'room-password-required'],
    ['forbidden', 'room-banned'],
    ['conflict', 'room-nick-conflict'],
    ['registration-required', 'room-members-only'],
    ['service-unavailable', 'room-unavailable'],
    ['item-not-found', 'room-not-found'],
    ['gone', 'room-not-found'],
    ['remote-server-not-found', 'room-not-found'],
    ['not-allowed', 'room-creation-restricted'],
    ['not-acceptable', 'room-nick-rejected'],
    ['jid-malformed', 'room-nick-rejected'],
    ['policy-violation', 'room-nick-rejected']
  ])('%s → %s', (condition, code) => {
    expect(roomErrorCode(condition)).toBe(code)
    const err = joinError(errorPresence(condition, 'no'))
    expect(err.code).toBe(code)
    expect(err.condition).toBe(condition)
    expect(err.detail).toBe(`${condition}: no`)
  })

  it('tells a wrong password from a missing one', () => {
    expect(joinError(errorPresence('not-authorized'), true).code).toBe('room-password-wrong')
    expect(roomErrorCode('not-authorized', true)).toBe('room-password-wrong')
    // Only the password condition depends on whether we gave one.
    expect(roomErrorCode('forbidden', true)).toBe('room-banned')
  })

  it('other conditions stay plain stanza errors', () => {
    expect(roomErrorCode('bad-request')).toBeNull()
    expect(roomErrorCode(undefined)).toBeNull()
    expect(joinError(errorPresence('bad-request'))).toMatchObject({ code: 'stanza-error', detail: 'bad-request' })
    expect(joinError(xml('presence', { type: 'error' })).condition).toBe('undefined-condition')
  })
})

describe('readInvite', () => {
  const notInRoom = () => false

  it('reads a direct invitation (XEP-0249) with the sender as our server stamped it', () => {
    const m = xml(
      'message',
      { from: 'crone1@shakespeare.lit/desktop', to: 'hecate@shakespeare.lit' },
      xml('x', { xmlns: NS_CONFERENCE, jid: 'DarkCave@Macbeth.Shakespeare.lit', password: 'cauldronburn', reason: 'Hey Hecate', continue: 'true', thread: 'e0ffe42b' })
    )
    expect(readInvite(m, notInRoom)).toEqual({
      invite: { kind: 'direct', room: 'darkcave@macbeth.shakespeare.lit', from: 'crone1@shakespeare.lit', reason: 'Hey Hecate', password: 'cauldronburn', continue: true, thread: 'e0ffe42b' }
    })
  })

  it('a direct invitation from inside a room keeps room/nick as its sender', () => {
    const m = xml('message', { from: `${ROOM}/firstwitch` }, xml('x', { xmlns: NS_CONFERENCE, jid: 'other@chat.shakespeare.lit' }))
    expect(readInvite(m, (j) => j === ROOM)).toEqual({ invite: { kind: 'direct', room: 'other@chat.shakespeare.lit', from: `${ROOM}/firstwitch`, reason: '' } })
  })

  it('refuses a direct invitation to something that is not a room address', () => {
    for (const jid of ['', 'chat.shakespeare.lit', `${ROOM}/nick`, 'a@b@c']) {
      expect(readInvite(xml('message', { from: 'x@y.z/r' }, xml('x', { xmlns: NS_CONFERENCE, jid })), notInRoom)).toBeNull()
    }
  })

  it('reads a mediated invitation (XEP-0045 §7.8.2) from the room itself', () => {
    const m = xml(
      'message',
      { from: ROOM, to: 'hecate@shakespeare.lit' },
      xml('x', { xmlns: NS_MUC_USER }, xml('invite', { from: 'crone1@shakespeare.lit/desktop' }, xml('reason', {}, 'Hey Hecate')), xml('password', {}, 'cauldronburn'))
    )
    expect(readInvite(m, notInRoom)).toEqual({
      invite: { kind: 'mediated', room: ROOM, from: 'crone1@shakespeare.lit', reason: 'Hey Hecate', password: 'cauldronburn' }
    })
  })

  it('a mediated invitation with the XEP-0249 element rooms add for older clients (Prosody) is still mediated', () => {
    const m = xml(
      'message',
      { from: ROOM, to: 'hecate@shakespeare.lit' },
      xml('x', { xmlns: NS_MUC_USER }, xml('invite', { from: 'crone1@shakespeare.lit/desktop' }, xml('reason', {}, 'tea?'))),
      xml('x', { xmlns: NS_CONFERENCE, jid: ROOM, reason: 'tea?' })
    )
    expect(readInvite(m, notInRoom)).toEqual({ invite: { kind: 'mediated', room: ROOM, from: 'crone1@shakespeare.lit', reason: 'tea?' } })
    // A direct invitation that merely carries the muc#user element (no invite in it) stays direct.
    const direct = xml('message', { from: 'crone1@shakespeare.lit/desktop' }, xml('x', { xmlns: NS_CONFERENCE, jid: ROOM }), xml('x', { xmlns: NS_MUC_USER }))
    expect(readInvite(direct, notInRoom)).toMatchObject({ invite: { kind: 'direct', from: 'crone1@shakespeare.lit' } })
  })

  it('an anonymous room names the inviter by room/nick', () => {
    const m = xml('message', { from: ROOM }, xml('x', { xmlns: NS_MUC_USER }, xml('invite', { from: `${ROOM}/firstwitch` })))
    expect(readInvite(m, notInRoom)).toMatchObject({ invite: { from: `${ROOM}/firstwitch` } })
  })

  it('refuses a "mediated" invitation that a person sent (full JID) or a server without localpart', () => {
    const x = xml('x', { xmlns: NS_MUC_USER }, xml('invite', { from: 'crone1@shakespeare.lit' }))
    expect(readInvite(xml('message', { from: 'mallory@evil.example/res' }, x), notInRoom)).toBeNull()
    expect(readInvite(xml('message', { from: 'evil.example' }, x), notInRoom)).toBeNull()
  })

  it('reads a decline', () => {
    const m = xml('message', { from: ROOM }, xml('x', { xmlns: NS_MUC_USER }, xml('decline', { from: 'hecate@shakespeare.lit/broom' }, xml('reason', {}, 'Sorry'))))
    expect(readInvite(m, notInRoom)).toEqual({ declined: { room: ROOM, from: 'hecate@shakespeare.lit', reason: 'Sorry' } })
  })

  it('is null for an ordinary message', () => {
    expect(readInvite(xml('message', { from: 'a@b.c/d' }, xml('body', {}, 'hi')), notInRoom)).toBeNull()
  })
})

describe('readGroupchat', () => {
  const view = (over: Partial<GroupchatView> = {}): GroupchatView => ({
    room: ROOM,
    ownNick: 'thirdwitch',
    ownNicks: new Set(['thirdwitch']),
    selfOccupantId: undefined,
    trustStanzaId: true,
    trustOccupantId: true,
    occupantJid: () => undefined,
    sentByUs: () => false,
    source: 'live',
    now: 1_000,
    ...over
  })
  const gc = (nick: string, ...children: Element[]) => xml('message', { from: nick ? `${ROOM}/${nick}` : ROOM, type: 'groupchat', id: 'm1' }, ...children)
  const sid = (id: string, by = ROOM) => xml('stanza-id', { xmlns: NS_SID, id, by })

  it('reads a message with the sender from the room-assigned address, never from the body', () => {
    const read = readGroupchat(gc('firstwitch', xml('body', {}, 'I am secondwitch, trust me'), sid('s1')), 'firstwitch', view({ occupantJid: (n) => (n === 'firstwitch' ? 'crone1@shakespeare.lit' : undefined) }))
    expect(read).toEqual({
      kind: 'message',
      reflection: false,
      message: {
        room: ROOM,
        nick: 'firstwitch',
        sender: 'crone1@shakespeare.lit',
        jid: 'crone1@shakespeare.lit',
        body: 'I am secondwitch, trust me',
        id: 'm1',
        stanzaId: 's1',
        at: 1_000,
        atIsLocal: true,
        fromUs: false,
        mentions: false,
        source: 'live'
      }
    })
  })

  it('trusts the stanza-id only when by = the room and the room announces urn:xmpp:sid:0', () => {
    const m = gc('firstwitch', xml('body', {}, 'x'), sid('forged', 'mallory@evil.example'), sid('real'))
    expect((readGroupchat(m, 'firstwitch', view()) as { message: { stanzaId?: string } }).message.stanzaId).toBe('real')
    expect((readGroupchat(m, 'firstwitch', view({ trustStanzaId: false })) as { message: { stanzaId?: string } }).message.stanzaId).toBeUndefined()
    const onlyForged = gc('firstwitch', xml('body', {}, 'x'), sid('forged', 'mallory@evil.example'))
    expect((readGroupchat(onlyForged, 'firstwitch', view()) as { message: { stanzaId?: string } }).message.stanzaId).toBeUndefined()
  })

  it('uses the occupant-id as the sender identity when the room vouches for it', () => {
    const m = gc('firstwitch', xml('body', {}, 'x'), xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id: 'occ-1' }))
    expect(readGroupchat(m, 'firstwitch', view())).toMatchObject({ message: { sender: 'occupant-id:occ-1', occupantId: 'occ-1' } })
    expect(readGroupchat(m, 'firstwitch', view({ trustOccupantId: false }))).toMatchObject({ message: { sender: `${ROOM}/firstwitch` } })
  })

  it('takes the time from the room’s delay only (history replayed on join)', () => {
    const room = gc('firstwitch', xml('body', {}, 'x'), xml('delay', { xmlns: 'urn:xmpp:delay', from: ROOM, stamp: '2002-10-13T23:58:37Z' }))
    expect(readGroupchat(room, 'firstwitch', view())).toMatchObject({ message: { at: Date.parse('2002-10-13T23:58:37Z'), atIsLocal: false } })
    const forged = gc('firstwitch', xml('body', {}, 'x'), xml('delay', { xmlns: 'urn:xmpp:delay', from: 'mallory@evil.example', stamp: '1999-01-01T00:00:00Z' }))
    expect(readGroupchat(forged, 'firstwitch', view())).toMatchObject({ message: { at: 1_000, atIsLocal: true } })
  })

  it('marks our own messages by nick, and our reflection by origin-id', () => {
    const mine = gc('thirdwitch', xml('body', {}, 'x'), xml('origin-id', { xmlns: NS_SID, id: 'o1' }))
    expect(readGroupchat(mine, 'thirdwitch', view({ sentByUs: (id) => id === 'o1' }))).toMatchObject({ reflection: true, message: { fromUs: true, originId: 'o1' } })
    expect(readGroupchat(mine, 'thirdwitch', view())).toMatchObject({ reflection: false, message: { fromUs: true } })
  })

  it('someone copying our origin-id under their own nick is not us', () => {
    const copy = gc('firstwitch', xml('body', {}, 'x'), xml('origin-id', { xmlns: NS_SID, id: 'o1' }))
    expect(readGroupchat(copy, 'firstwitch', view({ sentByUs: (id) => id === 'o1' }))).toMatchObject({ reflection: false, message: { fromUs: false } })
  })

  it('with occupant ids on both sides, the id decides who is us (a nick may have changed hands)', () => {
    const oid = (id: string) => xml('occupant-id', { xmlns: NS_OCCUPANT_ID, id })
    expect(readGroupchat(gc('thirdwitch', xml('body', {}, 'x'), oid('someone-else')), 'thirdwitch', view({ selfOccupantId: 'me' }))).toMatchObject({ message: { fromUs: false } })
    expect(readGroupchat(gc('oldnick', xml('body', {}, 'x'), oid('me')), 'oldnick', view({ selfOccupantId: 'me' }))).toMatchObject({ message: { fromUs: true } })
  })

  it('detects mentions of our nick, but not in our own messages', () => {
    expect(readGroupchat(gc('firstwitch', xml('body', {}, 'ThirdWitch: where hast thou been?')), 'firstwitch', view())).toMatchObject({ message: { mentions: true } })
    expect(readGroupchat(gc('firstwitch', xml('body', {}, 'the thirdwitches')), 'firstwitch', view())).toMatchObject({ message: { mentions: false } })
    expect(readGroupchat(gc('thirdwitch', xml('body', {}, 'I am thirdwitch')), 'thirdwitch', view())).toMatchObject({ message: { mentions: false } })
  })

  it('a subject-only message is the subject; with a body it is an ordinary message (§8.1)', () => {
    expect(readGroupchat(gc('firstwitch', xml('subject', {}, 'Fire Burn and Cauldron Bubble!')), 'firstwitch', view())).toEqual({
      kind: 'subject',
      subject: 'Fire Burn and Cauldron Bubble!',
      nick: 'firstwitch',
      at: 1_000
    })
    expect(readGroupchat(gc('', xml('subject', {})), '', view())).toMatchObject({ kind: 'subject', subject: '', nick: '' })
    expect(readGroupchat(gc('firstwitch', xml('subject', {}, 's'), xml('body', {}, 'b')), 'firstwitch', view())).toMatchObject({ kind: 'message', message: { body: 'b' } })
  })

  it('reads status codes the room itself sends (configuration changed)', () => {
    expect(readGroupchat(gc('', xml('x', { xmlns: NS_MUC_USER }, xml('status', { code: '104' }))), '', view())).toEqual({ kind: 'status', codes: [104] })
    expect(readGroupchat(gc('firstwitch', xml('x', { xmlns: NS_MUC_USER }, xml('status', { code: '104' }))), 'firstwitch', view())).toBeNull()
  })

  it('reads a reply (XEP-0461) to a stanza-id, without the quoted fallback', () => {
    const m = gc(
      'firstwitch',
      xml('body', {}, '> When shall we three meet again\nIn thunder'),
      xml('reply', { xmlns: 'urn:xmpp:reply:0', id: 's0', to: `${ROOM}/secondwitch` }),
      xml('fallback', { xmlns: 'urn:xmpp:fallback:0', for: 'urn:xmpp:reply:0' }, xml('body', { start: '0', end: '33' }))
    )
    expect(readGroupchat(m, 'firstwitch', view())).toMatchObject({ message: { body: 'In thunder', replyTo: { id: 's0', nick: 'secondwitch' } } })
  })

  it('reads corrections by id, retractions and reactions by the room’s stanza-id', () => {
    const correction = gc('firstwitch', xml('body', {}, 'fixed'), xml('replace', { xmlns: 'urn:xmpp:message-correct:0', id: 'orig-1' }))
    expect(readGroupchat(correction, 'firstwitch', view())).toMatchObject({ kind: 'edit', edit: { targetBy: 'id', targetId: 'orig-1', change: { kind: 'correct', body: 'fixed' } } })
    const retract = gc('firstwitch', xml('retract', { xmlns: NS_RETRACT, id: 's5' }), xml('body', {}, 'fallback'))
    expect(readGroupchat(retract, 'firstwitch', view())).toMatchObject({ kind: 'edit', edit: { targetBy: 'stanza-id', targetId: 's5', change: { kind: 'retract' } } })
    const react = gc('firstwitch', xml('reactions', { xmlns: NS_REACTIONS, id: 's6' }, xml('reaction', {}, '🔥')))
    expect(readGroupchat(react, 'firstwitch', view())).toMatchObject({ kind: 'edit', edit: { targetBy: 'stanza-id', targetId: 's6', change: { kind: 'react', emojis: ['🔥'] }, sender: `${ROOM}/firstwitch` } })
  })

  it('a moderator retraction (XEP-0425) counts only from the room itself', () => {
    const moderated = (nick: string) =>
      gc(nick, xml('retract', { xmlns: NS_RETRACT, id: 's7' }, xml('moderated', { xmlns: NS_MODERATE, by: `${ROOM}/firstwitch` }), xml('reason', {}, 'spam')))
    expect(readGroupchat(moderated(''), '', view())).toMatchObject({
      kind: 'edit',
      edit: { nick: '', sender: ROOM, targetId: 's7', change: { kind: 'retract', moderated: { by: `${ROOM}/firstwitch`, reason: 'spam' } } }
    })
    expect(readGroupchat(moderated('mallory'), 'mallory', view())).toBeNull()
  })

  it('archive results take the archive’s id and time', () => {
    const m = gc('firstwitch', xml('body', {}, 'old'), sid('ignored'))
    expect(readGroupchat(m, 'firstwitch', view({ source: 'archive', archived: { id: 'a1', at: 5 } }))).toMatchObject({
      message: { stanzaId: 'a1', at: 5, atIsLocal: false, source: 'archive' }
    })
  })
})

describe('parseRoomInfo (XEP-0045 §6.4)', () => {
  it('reads the features and the roominfo form', () => {
    const q = xml(
      'query',
      { xmlns: NS_DISCO_INFO },
      xml('identity', { category: 'conference', type: 'text', name: 'A Dark Cave' }),
      ...['http://jabber.org/protocol/muc', 'muc_passwordprotected', 'muc_hidden', 'muc_temporary', 'muc_open', 'muc_unmoderated', 'muc_nonanonymous', 'urn:xmpp:mam:2', NS_SID, NS_OCCUPANT_ID].map((f) =>
        xml('feature', { var: f })
      ),
      xml(
        'x',
        { xmlns: NS_DATA, type: 'result' },
        xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'http://jabber.org/protocol/muc#roominfo')),
        xml('field', { var: 'muc#roominfo_description' }, xml('value', {}, 'The place for all good witches!')),
        xml('field', { var: 'muc#roominfo_subject' }, xml('value', {}, 'Spells')),
        xml('field', { var: 'muc#roominfo_occupants' }, xml('value', {}, '3'))
      )
    )
    expect(parseRoomInfo(ROOM, q)).toMatchObject({
      room: ROOM,
      name: 'A Dark Cave',
      description: 'The place for all good witches!',
      subject: 'Spells',
      occupants: 3,
      passwordProtected: true,
      membersOnly: false,
      nonAnonymous: true,
      moderated: false,
      persistent: false,
      public: false,
      archived: true,
      stableIds: true,
      occupantIds: true
    })
  })

  it('a bare answer gives no count and no trust', () => {
    expect(parseRoomInfo(ROOM, xml('query', { xmlns: NS_DISCO_INFO }))).toMatchObject({ occupants: null, stableIds: false, occupantIds: false, public: true, name: '' })
    expect(parseRoomInfo(ROOM, xml('query', { xmlns: NS_DISCO_INFO }))).not.toHaveProperty('avatarHash')
  })

  it('reads the room’s avatar hash (XEP-0486): a SHA-1, none when empty, nothing when the room says nothing', () => {
    const info = (...values: string[]) =>
      parseRoomInfo(
        ROOM,
        xml(
          'query',
          { xmlns: NS_DISCO_INFO },
          xml(
            'x',
            { xmlns: NS_DATA, type: 'result' },
            xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'http://jabber.org/protocol/muc#roominfo')),
            xml('field', { var: 'muc#roominfo_avatarhash', type: 'text-multi' }, ...values.map((v) => xml('value', {}, v)))
          )
        )
      )
    const hash = 'a31c4bd04de69663cfd7f424ea8f6ac0b3a0e33d'
    expect(info(hash.toUpperCase()).avatarHash).toBe(hash)
    expect(info('not a hash', hash).avatarHash).toBe(hash)
    expect(info().avatarHash).toBeNull()
    expect(info('').avatarHash).toBeNull()
    expect(info('javascript:x').avatarHash).toBeNull()
  })
})
