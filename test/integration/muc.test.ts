// Group chats (XEP-0045 with XEP-0249, XEP-0421, MAM on rooms) and bookmarks (XEP-0402) against the
// private Prosody (MUC component conference.localhost with muc_mam; mod_bookmarks and PEP).
//
// The modules are the accounts' own (Account.ts wires them); a recorder listens to the core's events.
import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Account } from '../../src/main/core/account/Account'
import type { Core } from '../../src/main/core/createCore'
import { silentLogger } from '../../src/main/core/log'
import { xml, type Element } from '../../src/main/core/xml'
import { NS_DATA } from '../../src/main/core/xep/0004-data-forms'
import { NS_DISCO_INFO } from '../../src/main/core/xep/0030-disco'
import { type MucModule, type EmitOf, type MucEvents } from '../../src/main/core/xep/0045-muc'
import { mediatedInvite } from '../../src/main/core/xep/0045-muc/build'
import { type BookmarksModule, type BookmarkEvents } from '../../src/main/core/xep/0402-bookmarks'
import type { AccountId } from '../../src/shared/model/ids'
import { makeCore, nextEvent, registered, serverOf } from '../helpers/core'
import { target } from '../helpers/target'

const t = target()
const SERVICE = `conference.${t.domain}`
type AllEvents = MucEvents & BookmarkEvents
type Name = keyof AllEvents

const cores: Core[] = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.accounts.stopAll()))
})

/** Records what the modules emit, and waits for events (past or future) that match. */
class Recorder {
  readonly events: { name: Name; payload: unknown }[] = []
  private readonly emitter = new EventEmitter()

  readonly emit: EmitOf<AllEvents> = (...args) => {
    const [name, payload] = args
    this.events.push({ name, payload })
    this.emitter.emit(name, payload)
  }

  all<K extends Name>(name: K): AllEvents[K][] {
    return this.events.filter((e) => e.name === name).map((e) => e.payload as AllEvents[K])
  }

  /** The first event, already recorded or still to come, that `match` accepts. */
  seen<K extends Name>(name: K, match: (p: AllEvents[K]) => boolean, timeoutMs = 10_000): Promise<AllEvents[K]> {
    const past = this.all(name).find(match)
    if (past) return Promise.resolve(past)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.emitter.off(name, on)
        reject(new Error(`no matching ${name} within ${timeoutMs} ms`))
      }, timeoutMs)
      const on = (p: AllEvents[K]) => {
        if (!match(p)) return
        clearTimeout(timer)
        this.emitter.off(name, on)
        resolve(p)
      }
      this.emitter.on(name, on)
    })
  }
}

interface Session {
  core: Core
  id: AccountId
  jid: string
  password: string
  account: Account
  muc: MucModule
  bookmarks: BookmarksModule
  rec: Recorder
  /** Warnings the modules logged (what they dropped). */
  warnings: string[]
}

const RECORDED: Name[] = ['roomState', 'roomOccupants', 'roomSubject', 'roomMessage', 'roomMessageEdit', 'roomPrivateMessage', 'roomInvite', 'roomInviteDeclined', 'bookmarks', 'messageState']

function attach(core: Core, id: AccountId, jid: string, password: string, warnings: string[]): Session {
  const account = core.accounts.get(id)
  const rec = new Recorder()
  for (const name of RECORDED) core.events.on(name as never, (payload: never) => rec.emit(...([name, payload] as unknown as Parameters<typeof rec.emit>)))
  return { core, id, jid, password, account, muc: account.muc, bookmarks: account.bookmarks, rec, warnings }
}

function coreWithWarnings(): { core: Core; warnings: string[] } {
  const warnings: string[] = []
  const core = makeCore(t, { log: { ...silentLogger, warn: (msg: string) => void warnings.push(msg) } })
  cores.push(core)
  return { core, warnings }
}

async function user(): Promise<Session> {
  const { core, warnings } = coreWithWarnings()
  const { id, jid, password } = await registered(core, t)
  return attach(core, id, jid, password, warnings)
}

async function secondSession(of: Session): Promise<Session> {
  const { core, warnings } = coreWithWarnings()
  const id = await core.accounts.signIn({ jid: of.jid, password: of.password, server: serverOf(t) })
  return attach(core, id, of.jid, of.password, warnings)
}

const newRoom = (name = 'room') => `${name}-${randomBytes(4).toString('hex')}@${SERVICE}`

const ping = (s: Session) => s.account.client.iqCaller.get(xml('ping', { xmlns: 'urn:xmpp:ping' }))

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The room is not on the service (disco#info says item-not-found). */
async function missing(s: Session, room: string): Promise<void> {
  await expect(s.muc.roomInfo(room)).rejects.toMatchObject({ condition: 'item-not-found' })
}

/** A room that `owner` created with the server's defaults and that `others` joined. */
async function roomWith(owner: Session, ...others: [Session, string][]): Promise<string> {
  const room = newRoom()
  const created = await owner.muc.join(room, { nick: 'Alice' })
  expect(created.created).toBe(true)
  await owner.muc.acceptDefaultConfig(room)
  for (const [s, nick] of others) await s.muc.join(room, { nick, history: 'none' })
  return room
}

/** Re-announces our caps (now with +notify) and waits until the server has taken them in. */
async function advertise(s: Session): Promise<void> {
  let queried = false
  const onElement = (el: Element) => {
    if (el.name === 'iq' && el.attrs.type === 'get' && el.getChild('query', NS_DISCO_INFO)?.attrs.node) queried = true
  }
  s.account.client.entity.on('element', onElement)
  await s.account.presence.broadcast()
  await ping(s)
  s.account.client.entity.off('element', onElement)
  // PEP asked what our new caps mean: let our answer reach it first.
  if (queried) {
    await new Promise((r) => setTimeout(r, 50))
    await ping(s)
  }
}

describe('group chats (XEP-0045)', () => {
  it('finds the service, creates an instant room and a configured password room; a wrong password is refused', async () => {
    const alice = await user()
    const bob = await user()
    expect(await alice.muc.findService()).toBe(SERVICE)

    const instant = newRoom('instant')
    expect(await alice.muc.join(instant, { nick: 'Alice' })).toMatchObject({ created: true, affiliation: 'owner', role: 'moderator', nick: 'Alice' })
    await alice.muc.acceptDefaultConfig(instant)
    expect(await alice.muc.roomInfo(instant)).toMatchObject({ passwordProtected: false, stableIds: true, occupantIds: true, archived: true })

    const secret = newRoom('secret')
    expect((await alice.muc.join(secret, { nick: 'Alice' })).created).toBe(true)
    await alice.muc.configure(secret, { name: 'Secret Cave', password: 'cauldronburn', nonAnonymous: true, public: true })
    expect(await alice.muc.roomInfo(secret)).toMatchObject({ name: 'Secret Cave', passwordProtected: true, nonAnonymous: true, public: true })
    expect((await bob.muc.listRooms(SERVICE)).map((r) => r.jid)).toContain(secret)

    await expect(bob.muc.join(secret, { nick: 'Bob' })).rejects.toMatchObject({ code: 'room-password-required', condition: 'not-authorized' })
    await expect(bob.muc.join(secret, { nick: 'Bob', password: 'wrong' })).rejects.toMatchObject({ code: 'room-password-wrong', condition: 'not-authorized' })
    expect(bob.rec.all('roomState').filter((e) => e.state.state === 'error')).toHaveLength(2)
    const joined = await bob.muc.join(secret, { nick: 'Bob', password: 'cauldronburn' })
    expect(joined).toMatchObject({ nick: 'Bob', role: 'participant', affiliation: 'none', created: false })
    expect(joined.occupants.map((o) => o.nick).sort()).toEqual(['Alice', 'Bob'])
    // A non-anonymous room shows real JIDs, as the room states them.
    const arrival = await alice.rec.seen('roomOccupants', (e) => e.room === secret && e.occupants.some((o) => o.nick === 'Bob'))
    expect(arrival.occupants.find((o) => o.nick === 'Bob')).toMatchObject({ jid: bob.jid, role: 'participant', affiliation: 'none' })
    expect(arrival.occupants.find((o) => o.nick === 'Bob')?.occupantId).toBeTruthy()
    await expect(bob.muc.join(instant, { nick: 'Alice' })).rejects.toMatchObject({ code: 'room-nick-conflict', condition: 'conflict' })
    // Join refusals reach the caller as room codes, the stanza condition kept for the details.
    const club = newRoom('club')
    await alice.muc.join(club, { nick: 'Alice' })
    await alice.muc.configure(club, { membersOnly: true })
    await expect(bob.muc.join(club, { nick: 'Bob' })).rejects.toMatchObject({ code: 'room-members-only', condition: 'registration-required' })
  })

  it('messages both ways carry the room’s identity of the sender; subject; history from the room archive without duplicates', async () => {
    const alice = await user()
    const bob = await user()
    const room = await roomWith(alice, [bob, 'Bob'])

    const reflected = bob.rec.seen('messageState', (e) => e.state === 'delivered')
    const fromBob = alice.rec.seen('roomMessage', (e) => e.message.body === 'hello from bob')
    const id = await bob.muc.send(room, 'hello from bob')
    const got = (await fromBob).message
    expect(got).toMatchObject({ room, nick: 'Bob', fromUs: false, mentions: false, originId: id, source: 'live' })
    expect(got.stanzaId).toBeTruthy()
    expect(got.occupantId).toBeTruthy()
    expect(got.sender).toBe(`occupant-id:${got.occupantId}`)
    expect((await reflected).id).toBe(id)
    const echo = await bob.rec.seen('roomMessage', (e) => e.message.body === 'hello from bob')
    expect(echo.message).toMatchObject({ fromUs: true, stanzaId: got.stanzaId })

    const toBob = bob.rec.seen('roomMessage', (e) => e.message.body === 'Bob: welcome!')
    await alice.muc.send(room, 'Bob: welcome!')
    expect((await toBob).message).toMatchObject({ nick: 'Alice', mentions: true, fromUs: false })

    // A sender cannot borrow another occupant's id or the room's stanza-id: the room overwrites them.
    const aliceOcc = (await alice.rec.seen('roomMessage', (e) => e.message.body === 'Bob: welcome!')).message.occupantId
    const forged = alice.rec.seen('roomMessage', (e) => e.message.body === 'I am Alice')
    await bob.account.client.entity.write(
      `<message xmlns='jabber:client' to='${room}' type='groupchat' id='forge-1'><body>I am Alice</body>` +
        `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='${aliceOcc}'/><stanza-id xmlns='urn:xmpp:sid:0' by='${room}' id='fake-id'/></message>`
    )
    const spoof = (await forged).message
    expect(spoof).toMatchObject({ nick: 'Bob', occupantId: got.occupantId, fromUs: false })
    expect(spoof.stanzaId).not.toBe('fake-id')

    const subject = bob.rec.seen('roomSubject', (e) => e.subject === 'Plans for tonight')
    await alice.muc.setSubject(room, 'Plans for tonight')
    expect(await subject).toMatchObject({ room, nick: 'Alice' })
    expect(bob.muc.subject(room)).toBe('Plans for tonight')

    // The archive: the same messages, the same stanza-ids (the store's key: see the test below for
    // what the real store keeps).
    const live = alice.rec.all('roomMessage').filter((e) => e.message.source === 'live')
    const before = alice.rec.events.length
    const page = await alice.muc.history(room, { max: 50 })
    expect(page.complete).toBe(true)
    const archived = alice.rec.events
      .slice(before)
      .filter((e) => e.name === 'roomMessage')
      .map((e) => (e.payload as AllEvents['roomMessage']).message)
    expect(archived.map((m) => m.body)).toEqual(['hello from bob', 'Bob: welcome!', 'I am Alice'])
    expect(archived.every((m) => m.source === 'archive' && m.stanzaId)).toBe(true)
    expect(archived.map((m) => m.stanzaId)).toEqual(live.map((e) => e.message.stanzaId))
    expect(archived.map((m) => [m.nick, m.fromUs])).toEqual([
      ['Bob', false],
      ['Alice', true],
      ['Bob', false]
    ])
  })

  it('invitations: a direct invitation is an event for the invitee (never a join); members-only rooms grant membership', async () => {
    const alice = await user()
    const bob = await user()
    const carol = await user()
    const room = await roomWith(alice)
    await alice.muc.configure(room, { membersOnly: true })
    const invited = carol.rec.seen('roomInvite', (e) => e.invite.room === room)
    await alice.muc.invite(room, carol.jid, 'Come to the cave')
    expect((await invited).invite).toEqual({ kind: 'direct', room, from: alice.jid, reason: 'Come to the cave' })
    expect(carol.muc.joinedRooms()).toEqual([])
    expect((await alice.muc.affiliations(room, 'member')).map((m) => m.jid)).toEqual([carol.jid])
    await expect(carol.muc.join(room, { nick: 'Carol' })).resolves.toMatchObject({ affiliation: 'member' })
    await expect(bob.muc.join(room, { nick: 'Bob' })).rejects.toMatchObject({ condition: 'registration-required' })
  })

  it('accepting an invitation to a room that is gone, or autojoining its bookmark, does not create it again', async () => {
    const alice = await user()
    const bob = await user()
    const room = await roomWith(alice)
    const invited = bob.rec.seen('roomInvite', (e) => e.invite.room === room)
    await alice.muc.invite(room, bob.jid, 'tea?')
    await invited
    expect(bob.core.rooms.inviteList().map((i) => i.room)).toEqual([room])
    const destroyed = alice.rec.seen('roomState', (e) => e.room === room && e.state.state === 'left' && e.state.reason === 'destroyed')
    await alice.muc.destroy(room, 'closing time')
    await destroyed
    await missing(alice, room)

    await expect(bob.core.rooms.join(bob.id, room, 'Bob', null, true)).rejects.toMatchObject({ code: 'room-not-found' })
    await missing(alice, room)
    expect(bob.muc.joinedRooms()).toEqual([])
    expect(bob.core.rooms.inviteList()).toEqual([])
    expect(bob.core.rooms.list().find((r) => r.room === room)).toMatchObject({ state: 'error', error: { code: 'room-not-found' } })
    expect(bob.bookmarks.get(room)).toBeUndefined()
    // Nobody was ever in it as its owner.
    expect(bob.rec.all('roomState').some((e) => e.room === room && e.state.state === 'joined')).toBe(false)

    // A bookmark (autojoin) of a room that is gone, at the next login: an error, no room.
    const ghost = newRoom('ghost')
    await bob.bookmarks.online(false)
    await bob.bookmarks.add(ghost, { nick: 'Bob', autojoin: true })
    const laptop = await secondSession(bob)
    await until(() => laptop.core.rooms.list().some((r) => r.room === ghost && r.state === 'error'), 15_000)
    expect(laptop.core.rooms.list().find((r) => r.room === ghost)?.error).toMatchObject({ code: 'room-not-found' })
    await missing(alice, ghost)

    // Creating is still what `create` does.
    const made = await bob.core.rooms.create(bob.id, `made-${randomBytes(4).toString('hex')}`, 'Bob', { name: 'Made', description: '', password: '', membersOnly: false, public: false, persistent: false })
    expect(made).toMatchObject({ state: 'joined', affiliation: 'owner' })
  })

  it('declining: a mediated invitation is declined through the room and the inviter hears it; a direct one is only dropped', async () => {
    const alice = await user()
    const bob = await user()
    const carol = await user()
    const room = await roomWith(alice)
    const declined: unknown[] = []
    alice.core.rooms.on('declined', (d) => declined.push(d))

    const mediated = carol.rec.seen('roomInvite', (e) => e.invite.room === room && e.invite.kind === 'mediated')
    await alice.account.client.send(mediatedInvite(room, carol.jid, 'tea?'))
    // A semi-anonymous room names the inviter by room/nick: the decline goes there, through the room.
    expect((await mediated).invite.from).toBe(`${room}/Alice`)
    expect(carol.core.rooms.inviteList().map((i) => i.room)).toEqual([room])
    const heard = alice.rec.seen('roomInviteDeclined', (e) => e.room === room)
    await carol.core.rooms.declineInvite(carol.id, room)
    expect(carol.core.rooms.inviteList()).toEqual([])
    expect(await heard).toMatchObject({ account: alice.id, room, from: carol.jid })
    expect(declined).toEqual([{ account: alice.id, room, from: carol.jid, reason: '' }])
    // A "decline" from a bare JID that is not one of Alice's rooms (a hostile server can send one;
    // a client's full JID is not even read as a room) puts nothing on her screen.
    alice.core.events.emit('roomInviteDeclined', { account: alice.id, room: carol.jid, from: 'boss@example.org', reason: 'you are fired' })
    expect(declined).toHaveLength(1)

    // XEP-0249 has no decline: nothing goes out, the invitation just goes away.
    const direct = bob.rec.seen('roomInvite', (e) => e.invite.room === room && e.invite.kind === 'direct')
    await alice.muc.invite(room, bob.jid)
    await direct
    const sent: Element[] = []
    bob.account.client.entity.on('send', (el: Element) => sent.push(el))
    await bob.core.rooms.declineInvite(bob.id, room)
    expect(bob.core.rooms.inviteList()).toEqual([])
    expect(sent.filter((el) => el.name === 'message')).toEqual([])
  })

  it('the store keeps each room message once: live, reflected, caught up after a new session, and the whole archive again', async () => {
    const alice = await user()
    const bob = await user()
    const { room } = await alice.core.rooms.create(alice.id, `history-${randomBytes(4).toString('hex')}`, 'Alice', {
      name: 'History',
      description: '',
      password: '',
      membersOnly: false,
      public: false,
      persistent: true
    })
    // History before Bob comes: the room's archive has it, and only the archive.
    alice.core.conversations.send(alice.id, room, 'before bob')
    await until(() => alice.core.store.page(alice.id, room, {}).some((m) => m.body === 'before bob' && m.state === 'delivered'))
    await bob.core.rooms.join(bob.id, room, 'Bob', null, false)
    const bodies = (s: Session) => s.core.store.page(s.id, room, { limit: 500 }).map((m) => m.body)
    await until(() => bodies(bob).includes('before bob'))

    for (const body of ['one', 'two']) alice.core.conversations.send(alice.id, room, body)
    bob.core.conversations.send(bob.id, room, 'from bob')
    await until(() => ['one', 'two', 'from bob'].every((b) => bodies(bob).includes(b)))
    await until(() => bob.core.store.page(bob.id, room, {}).some((m) => m.body === 'from bob' && m.state === 'delivered'))

    // A new session: joined again without history, caught up from the archive.
    await bob.account.stop()
    alice.core.conversations.send(alice.id, room, 'while bob was away')
    await until(() => alice.core.store.page(alice.id, room, {}).some((m) => m.body === 'while bob was away' && m.state === 'delivered'))
    await bob.account.connectOnce(bob.password)
    await until(() => bodies(bob).includes('while bob was away'), 15_000)
    alice.core.conversations.send(alice.id, room, 'after')
    await until(() => bodies(bob).includes('after'))

    // The whole archive once more (scrolling back, another catch-up): nothing is stored twice.
    const replayed = bob.rec.seen('roomMessage', (e) => e.message.source === 'archive' && e.message.body === 'after')
    await bob.muc.history(room, { max: 50 })
    await replayed
    await ping(bob)
    await new Promise((r) => setTimeout(r, 100))
    const expected = ['before bob', 'one', 'two', 'from bob', 'while bob was away', 'after']
    expect(bodies(bob).sort()).toEqual([...expected].sort())
    await alice.muc.history(room, { max: 50 })
    await ping(alice)
    await new Promise((r) => setTimeout(r, 100))
    expect(bodies(alice).sort()).toEqual([...expected].sort())
  })

  it('a room’s avatar (XEP-0486) is fetched on joining and is the room conversation’s avatar', async () => {
    // Prosody 0.12 keeps no room vCards: the two answers it lacks (the hash in the room's
    // muc#roominfo form, the room's vcard-temp photo) are added on Bob's side of the stream.
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082', 'hex')
    const hash = createHash('sha1').update(png).digest('hex')
    const alice = await user()
    const bob = await user()
    const room = await roomWith(alice)
    const iq = bob.account.client.iqCaller
    const get = iq.get.bind(iq)
    const asked: string[] = []
    vi.spyOn(iq, 'get').mockImplementation(async (child, to, timeoutMs) => {
      if (to !== room) return get(child, to, timeoutMs)
      asked.push(child.name)
      if (child.name === 'vCard') return xml('iq', { type: 'result', from: room }, xml('vCard', { xmlns: 'vcard-temp' }, xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, png.toString('base64')))))
      const answer = await get(child, to, timeoutMs)
      answer.getChild('query', NS_DISCO_INFO)?.getChild('x', NS_DATA)?.append(xml('field', { var: 'muc#roominfo_avatarhash' }, xml('value', {}, hash)))
      return answer
    })
    await bob.core.rooms.join(bob.id, room, 'Bob', null, false)
    await until(() => bob.account.avatars.avatarOf(room) === hash)
    expect(asked).toContain('vCard')
    expect(bob.core.conversations.open(bob.id, room).avatar).toBe(hash)
    expect(await bob.core.avatars.get(hash)).not.toBeNull()
  })

  it('moderation: the owner kicks and bans, the victim learns why', async () => {
    const alice = await user()
    const bob = await user()
    const room = await roomWith(alice, [bob, 'Bob'])

    const kicked = bob.rec.seen('roomState', (e) => e.room === room && e.state.state === 'left')
    const seenKick = alice.rec.seen('roomOccupants', (e) => e.removed.some((r) => r.nick === 'Bob'))
    await alice.muc.setRole(room, 'Bob', 'none', 'calm down')
    expect((await kicked).state).toMatchObject({ state: 'left', reason: 'kicked', text: 'calm down' })
    expect((await seenKick).removed[0]).toMatchObject({ nick: 'Bob', reason: 'kicked', text: 'calm down' })
    expect(bob.muc.joinedRooms()).toEqual([])

    await bob.muc.join(room, { nick: 'Bob', history: 'none' })
    const banned = bob.rec.seen('roomState', (e) => e.room === room && e.state.state === 'left' && e.state.reason === 'banned')
    await alice.muc.setAffiliation(room, bob.jid, 'outcast', 'bye')
    expect((await banned).state).toMatchObject({ reason: 'banned', text: 'bye' })
    expect((await alice.muc.affiliations(room, 'outcast')).map((b) => b.jid)).toEqual([bob.jid])
    await expect(bob.muc.join(room, { nick: 'Bob' })).rejects.toMatchObject({ code: 'room-banned', condition: 'forbidden' })
  })

  it('nick changes, joining again after a new session, and leaving', async () => {
    const alice = await user()
    const bob = await user()
    const room = await roomWith(alice, [bob, 'Bob'])

    await expect(bob.muc.changeNick(room, 'Alice')).rejects.toMatchObject({ code: 'room-nick-conflict', condition: 'conflict' })
    const renamed = alice.rec.seen('roomOccupants', (e) => e.removed.some((r) => r.reason === 'nick-changed' && r.newNick === 'Robert'))
    await bob.muc.changeNick(room, 'Robert')
    await renamed
    expect(bob.muc.nick(room)).toBe('Robert')

    // A new session (not a resumption): the room is entered again, without history.
    await bob.account.stop()
    expect(bob.rec.all('roomState').at(-1)?.state).toEqual({ state: 'left', reason: 'disconnected' })
    const back = bob.rec.seen('roomState', (e) => e.state.state === 'joined' && e.state.rejoined)
    await bob.account.connectOnce(bob.password)
    expect((await back).state).toMatchObject({ nick: 'Robert' })

    const gone = alice.rec.seen('roomOccupants', (e) => e.removed.some((r) => r.nick === 'Robert' && r.reason === 'left'))
    await bob.muc.leave(room, 'good night')
    await gone
    expect(bob.muc.joinedRooms()).toEqual([])
  })
})

describe('bookmarks (XEP-0402)', () => {
  it('a bookmark reaches the other session by notification, is the autojoin list after re-login, and a forged notification is dropped', async () => {
    const phone = await user()
    const desktop = await secondSession(phone)
    const mallory = await user()
    await advertise(desktop)
    await phone.bookmarks.online(false)
    await desktop.bookmarks.online(false)
    expect(phone.bookmarks.storage()).toBe('pep')

    const room = newRoom('bookmarked')
    const pushed = desktop.rec.seen('bookmarks', (e) => !e.initial && e.upserted.some((b) => b.room === room))
    await phone.bookmarks.add(room, { name: 'The Cave', nick: 'Alice', autojoin: true, password: 'cauldronburn' })
    expect((await pushed).upserted).toEqual([{ room, name: 'The Cave', autojoin: true, nick: 'Alice', hasPassword: true }])
    expect(desktop.bookmarks.autojoin()).toContainEqual({ room, nick: 'Alice', password: 'cauldronburn' })

    // Mallory sends a bookmarks notification of her own to the desktop session.
    const trap = `trap-${randomBytes(4).toString('hex')}@${SERVICE}`
    const desktopJid = desktop.account.client.entity.jid?.toString() ?? ''
    await mallory.account.client.entity.write(
      `<message xmlns='jabber:client' to='${desktopJid}' type='headline'><event xmlns='http://jabber.org/protocol/pubsub#event'>` +
        `<items node='urn:xmpp:bookmarks:1'><item id='${trap}'><conference xmlns='urn:xmpp:bookmarks:1' autojoin='true'><nick>Alice</nick></conference></item></items>` +
        `<items node='urn:xmpp:bookmarks:1'><retract id='${room}'/></items></event></message>`
    )
    const marker = nextEvent(desktop.core, 'message', (e) => e.message.body === 'after the trap')
    await mallory.core.conversations.send(mallory.id, desktopJid, 'after the trap')
    await marker
    expect(desktop.warnings.map((w) => w.replace(/^\[[^\]]*\] /, ''))).toEqual(['dropped a bookmarks notification from someone else'])
    expect(desktop.rec.all('bookmarks').some((e) => e.upserted.some((b) => b.room === trap) || e.removed.includes(room))).toBe(false)
    expect(desktop.bookmarks.autojoin().map((a) => a.room)).toEqual([room])

    // Signing in again: the bookmarks are fetched and the autojoin list has the room.
    await desktop.account.stop()
    const initial = desktop.rec.seen('bookmarks', (e) => e.initial && e.bookmarks.some((b) => b.room === room))
    await desktop.account.connectOnce(desktop.password)
    expect((await initial).upserted.map((b) => b.room)).toEqual([room])
    expect(desktop.bookmarks.autojoin()).toEqual([{ room, nick: 'Alice', password: 'cauldronburn' }])

    await phone.bookmarks.remove(room)
    expect(phone.bookmarks.list()).toEqual([])
    await desktop.rec.seen('bookmarks', (e) => e.removed.includes(room))
  })
})
