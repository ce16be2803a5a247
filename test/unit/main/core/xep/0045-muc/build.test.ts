import { describe, expect, it } from 'vitest'
import { parseDataForm } from '../../../../../../src/main/core/xep/0004-data-forms'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import {
  affiliationListQuery,
  affiliationQuery,
  declineInvite,
  destroyQuery,
  groupchatMessage,
  instantRoom,
  joinPresence,
  leavePresence,
  mediatedInvite,
  nickPresence,
  privateMessage,
  privateReceipt,
  roleQuery,
  roomConfigFromForm,
  roomConfigValues,
  subjectMessage
} from '../../../../../../src/main/core/xep/0045-muc/build'
import { directInvitation, parseDirectInvitation } from '../../../../../../src/main/core/xep/0249-direct-invitations'
import { parseOccupantId } from '../../../../../../src/main/core/xep/0421-occupant-id'

const ROOM = 'coven@chat.shakespeare.lit'

describe('XEP-0045 builders', () => {
  it('joinPresence: the muc element, history choice and password, then extras', () => {
    expect(joinPresence(ROOM, 'thirdwitch').toString()).toBe(`<presence to="${ROOM}/thirdwitch"><x xmlns="http://jabber.org/protocol/muc"/></presence>`)
    expect(joinPresence(ROOM, 'thirdwitch', { history: 'none', password: 'cauldronburn' }, [xml('show', {}, 'away')]).toString()).toBe(
      `<presence to="${ROOM}/thirdwitch"><x xmlns="http://jabber.org/protocol/muc"><history maxstanzas="0"/><password>cauldronburn</password></x><show>away</show></presence>`
    )
    expect(joinPresence(ROOM, 'n', { history: { maxstanzas: 20.7 } }).getChild('x')?.getChild('history')?.attrs.maxstanzas).toBe('20')
  })

  it('nick change and leave', () => {
    expect(nickPresence(ROOM, 'oldhag').toString()).toBe(`<presence to="${ROOM}/oldhag"/>`)
    expect(leavePresence(ROOM, 'oldhag', 'gone where the goblins go').toString()).toBe(
      `<presence to="${ROOM}/oldhag" type="unavailable"><status>gone where the goblins go</status></presence>`
    )
  })

  it('groupchatMessage: origin-id = id, no receipt request; replies carry the stanza-id and a fallback', () => {
    expect(groupchatMessage(ROOM, 'id1', 'Harpier cries').toString()).toBe(
      `<message to="${ROOM}" id="id1" type="groupchat"><body>Harpier cries</body><origin-id xmlns="urn:xmpp:sid:0" id="id1"/></message>`
    )
    const reply = groupchatMessage(ROOM, 'id2', "'tis time", { replyTo: { id: 'stanza-9', nick: 'secondwitch', quote: 'Harpier cries' } })
    expect(reply.getChildText('body')).toBe("> Harpier cries\n'tis time")
    expect(reply.getChild('reply', 'urn:xmpp:reply:0')?.attrs).toMatchObject({ id: 'stanza-9', to: `${ROOM}/secondwitch` })
    expect(reply.getChild('fallback', 'urn:xmpp:fallback:0')?.getChild('body')?.attrs).toMatchObject({ start: '0', end: '16' })
    expect(groupchatMessage(ROOM, 'id3', 'fixed', { replaces: 'id1' }).getChild('replace', 'urn:xmpp:message-correct:0')?.attrs.id).toBe('id1')
  })

  it('private message (asking for a receipt and markers) and its receipt, subject, invitations', () => {
    expect(privateMessage(ROOM, 'firstwitch', 'p1', 'psst').toString()).toBe(
      `<message to="${ROOM}/firstwitch" id="p1" type="chat"><body>psst</body><origin-id xmlns="urn:xmpp:sid:0" id="p1"/><request xmlns="urn:xmpp:receipts"/><markable xmlns="urn:xmpp:chat-markers:0"/><x xmlns="http://jabber.org/protocol/muc#user"/></message>`
    )
    expect(privateReceipt(ROOM, 'firstwitch', 'p1').toString()).toBe(
      `<message to="${ROOM}/firstwitch" id="receipt-p1" type="chat"><received xmlns="urn:xmpp:receipts" id="p1"/><store xmlns="urn:xmpp:hints"/><x xmlns="http://jabber.org/protocol/muc#user"/></message>`
    )
    expect(subjectMessage(ROOM, 's1', 'Fire Burn').toString()).toBe(`<message to="${ROOM}" id="s1" type="groupchat"><subject>Fire Burn</subject></message>`)
    expect(mediatedInvite(ROOM, 'hecate@shakespeare.lit', 'Hey').toString()).toBe(
      `<message to="${ROOM}"><x xmlns="http://jabber.org/protocol/muc#user"><invite to="hecate@shakespeare.lit"><reason>Hey</reason></invite></x></message>`
    )
    expect(declineInvite(ROOM, 'crone1@shakespeare.lit', '').toString()).toBe(
      `<message to="${ROOM}"><x xmlns="http://jabber.org/protocol/muc#user"><decline to="crone1@shakespeare.lit"/></x></message>`
    )
  })

  it('admin and owner queries', () => {
    expect(roleQuery('pistol', 'none', 'Avaunt, you cullion!').toString()).toBe(
      '<query xmlns="http://jabber.org/protocol/muc#admin"><item nick="pistol" role="none"><reason>Avaunt, you cullion!</reason></item></query>'
    )
    expect(affiliationQuery('earlofcambridge@shakespeare.lit', 'outcast').toString()).toBe(
      '<query xmlns="http://jabber.org/protocol/muc#admin"><item jid="earlofcambridge@shakespeare.lit" affiliation="outcast"/></query>'
    )
    expect(affiliationListQuery('member').toString()).toBe('<query xmlns="http://jabber.org/protocol/muc#admin"><item affiliation="member"/></query>')
    expect(instantRoom().toString()).toBe('<query xmlns="http://jabber.org/protocol/muc#owner"><x xmlns="jabber:x:data" type="submit"/></query>')
    expect(destroyQuery('Macbeth doth come.', 'coven@chat.shakespeare.lit').toString()).toBe(
      '<query xmlns="http://jabber.org/protocol/muc#owner"><destroy jid="coven@chat.shakespeare.lit"><reason>Macbeth doth come.</reason></destroy></query>'
    )
  })

  it('roomConfigValues names the muc#roomconfig fields, with the form’s spelling of "moderators"', () => {
    const form = parseDataForm(
      xml(
        'x',
        { xmlns: 'jabber:x:data', type: 'form' },
        xml('field', { var: 'muc#roomconfig_whois', type: 'list-single' }, xml('option', {}, xml('value', {}, 'moderators')), xml('option', {}, xml('value', {}, 'anyone')))
      )
    )
    expect(roomConfigValues({ name: 'Cave', password: 'pw', membersOnly: true, persistent: false, nonAnonymous: false, archive: true, fields: { 'muc#roomconfig_maxusers': '30' } }, form)).toEqual({
      'muc#roomconfig_roomname': 'Cave',
      'muc#roomconfig_roomsecret': 'pw',
      'muc#roomconfig_passwordprotectedroom': '1',
      'muc#roomconfig_membersonly': '1',
      'muc#roomconfig_persistentroom': '0',
      'muc#roomconfig_enablearchiving': '1',
      mam: '1',
      'muc#roomconfig_whois': 'moderators',
      'muc#roomconfig_maxusers': '30'
    })
    expect(roomConfigValues({ password: '', nonAnonymous: true })).toEqual({
      'muc#roomconfig_roomsecret': '',
      'muc#roomconfig_passwordprotectedroom': '0',
      'muc#roomconfig_whois': 'anyone'
    })
  })

  it('roomConfigFromForm reads the form’s current values back as friendly settings (only what it offers)', () => {
    const field = (v: string, type: string, ...values: string[]) => xml('field', { var: v, type }, ...values.map((x) => xml('value', {}, x)))
    const dataForm = (...fields: Element[]) => parseDataForm(xml('x', { xmlns: 'jabber:x:data', type: 'form' }, ...fields))
    const form = dataForm(
      field('FORM_TYPE', 'hidden', 'http://jabber.org/protocol/muc#roomconfig'),
      field('muc#roomconfig_roomname', 'text-single', '读书会'),
      field('muc#roomconfig_roomdesc', 'text-single'),
      field('muc#roomconfig_roomsecret', 'text-private', 'open sesame'),
      field('muc#roomconfig_membersonly', 'boolean', 'true'),
      field('muc#roomconfig_moderatedroom', 'boolean', '0'),
      field('muc#roomconfig_persistentroom', 'boolean', '1'),
      field('muc#roomconfig_publicroom', 'boolean', 'false'),
      field('muc#roomconfig_enablearchiving', 'boolean', '1'),
      xml('field', { var: 'muc#roomconfig_whois', type: 'list-single' }, xml('value', {}, 'moderators'), xml('option', {}, xml('value', {}, 'moderators')), xml('option', {}, xml('value', {}, 'anyone')))
    )
    expect(roomConfigFromForm(form)).toEqual({
      name: '读书会',
      description: '',
      password: 'open sesame',
      membersOnly: true,
      moderated: false,
      persistent: true,
      public: false,
      archive: true,
      nonAnonymous: false
    })
    // Written back unchanged, it says what the form says (the round trip of the settings dialog).
    expect(roomConfigValues(roomConfigFromForm(form), form)).toEqual({
      'muc#roomconfig_roomname': '读书会',
      'muc#roomconfig_roomdesc': '',
      'muc#roomconfig_roomsecret': 'open sesame',
      'muc#roomconfig_passwordprotectedroom': '1',
      'muc#roomconfig_membersonly': '1',
      'muc#roomconfig_moderatedroom': '0',
      'muc#roomconfig_persistentroom': '1',
      'muc#roomconfig_publicroom': '0',
      'muc#roomconfig_enablearchiving': '1',
      mam: '1',
      'muc#roomconfig_whois': 'moderators'
    })
    // A room that says it is not protected has no password; ejabberd's archive switch; fields it lacks stay unset.
    const other = dataForm(
      field('muc#roomconfig_passwordprotectedroom', 'boolean', '0'),
      field('muc#roomconfig_roomsecret', 'text-private', 'stale'),
      field('mam', 'boolean', '0'),
      field('muc#roomconfig_whois', 'list-single', 'anyone')
    )
    expect(roomConfigFromForm(other)).toEqual({ password: '', archive: false, nonAnonymous: true })
  })
})

describe('XEP-0249 and XEP-0421 helpers', () => {
  it('directInvitation round-trips through parseDirectInvitation', () => {
    const m = directInvitation('hecate@shakespeare.lit', 'i1', { room: ROOM, reason: 'Hey', password: 'pw', continue: true, thread: 't' })
    expect(m.toString()).toBe(
      `<message to="hecate@shakespeare.lit" id="i1"><x xmlns="jabber:x:conference" jid="${ROOM}" reason="Hey" password="pw" continue="true" thread="t"/></message>`
    )
    expect(parseDirectInvitation(m)).toEqual({ room: ROOM, reason: 'Hey', password: 'pw', continue: true, thread: 't' })
    expect(parseDirectInvitation(directInvitation('h@s.l', 'i2', { room: ROOM, reason: '' }))).toEqual({ room: ROOM, reason: '' })
  })

  it('parseOccupantId: one id, not empty, not oversized, only when trusted', () => {
    const m = (...ids: string[]) => xml('message', {}, ...ids.map((id) => xml('occupant-id', { xmlns: 'urn:xmpp:occupant-id:0', id })))
    expect(parseOccupantId(m('abc'), true)).toBe('abc')
    expect(parseOccupantId(m('abc'), false)).toBeNull()
    expect(parseOccupantId(m(''), true)).toBeNull()
    expect(parseOccupantId(m('x'.repeat(257)), true)).toBeNull()
    expect(parseOccupantId(m('a', 'b'), true)).toBeNull()
    expect(parseOccupantId(m(), true)).toBeNull()
  })
})
