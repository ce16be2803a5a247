// The group chat, file and avatar features through the services the app uses (core.rooms,
// core.conversations, core.files, the API), not the modules alone.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createApi, type ApiService } from '../../src/main/core/api/createApi'
import type { Events, OccupantView } from '../../src/shared/ipc/contract'
import type { Core } from '../../src/main/core/createCore'
import { makeCore, nextEvent, reachState, registered, serverOf } from '../helpers/core'
import { memorySecrets, memorySettings } from '../../src/main/core/ports'
import { MessageStore } from '../../src/main/core/store/MessageStore'
import { target } from '../helpers/target'

const t = target()
const cores: Core[] = []
const services: ApiService[] = []
const core = (): Core => {
  const c = makeCore(t)
  cores.push(c)
  return c
}
afterEach(async () => {
  for (const s of services.splice(0)) s.dispose()
  await Promise.all(cores.splice(0).map((c) => c.accounts.stopAll()))
})

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A tiny valid PNG (1×1, red). */
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000009077' + '53de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082', 'hex')

describe.skipIf(t.domains.noReg === null)('group chats through the services', () => {
  it('creates a room, a second account joins it, messages are stored as one conversation of kind room', async () => {
    const a = core()
    const alice = await registered(a, t)
    const b = core()
    const bob = await registered(b, t)
    const local = `room-${randomBytes(4).toString('hex')}`
    const created = await a.rooms.create(alice.id, local, 'Alice', { name: 'Tea room', description: '', password: '', membersOnly: false, public: true, persistent: true })
    expect(created).toMatchObject({ state: 'joined', nick: 'Alice', bookmarked: true, autojoin: true })
    const room = created.room
    const joined = await b.rooms.join(bob.id, room, 'Bob', null, true)
    expect(joined.state).toBe('joined')
    const got = nextEvent(b, 'roomMessage', (e) => e.message.body === 'Hello room 你好')
    a.conversations.send(alice.id, room, 'Hello room 你好')
    const m = await got
    expect(m.message).toMatchObject({ nick: 'Alice', room, fromUs: false })
    await until(() => b.conversations.list().some((c) => c.peer === room && c.last?.body === 'Hello room 你好'))
    const conv = b.conversations.list().find((c) => c.peer === room)
    expect(conv).toMatchObject({ kind: 'room', name: 'Tea room', unread: 1 })
    // Our own message is stored once (the room's reflection merges into it), as delivered.
    await until(() => a.store.page(alice.id, room, {}).some((x) => x.state === 'delivered'))
    expect(a.store.page(alice.id, room, {}).map((x) => x.body)).toEqual(['Hello room 你好'])
  })

  it('rejoins bookmarked rooms after signing in again, and catches up from the room archive', async () => {
    const a = core()
    const alice = await registered(a, t)
    const local = `club-${randomBytes(4).toString('hex')}`
    const { room } = await a.rooms.create(alice.id, local, 'Alice', { name: 'Club', description: '', password: '', membersOnly: false, public: false, persistent: true })
    const b = core()
    const bob = await registered(b, t)
    await b.rooms.join(bob.id, room, 'Bob', null, true)
    await b.accounts.stopAll()
    a.conversations.send(alice.id, room, 'while Bob was away')
    await until(() => a.store.page(alice.id, room, {}).some((x) => x.state === 'delivered'))
    // Bob on a new machine: the bookmark brings him back into the room, the archive brings the message.
    const laptop = core()
    const id = await laptop.accounts.signIn({ jid: bob.jid, password: bob.password, server: serverOf(t) })
    await until(() => laptop.rooms.list().some((r) => r.room === room && r.state === 'joined'), 15_000)
    await until(() => laptop.store.page(id, room, {}).some((x) => x.body === 'while Bob was away'), 15_000)
  })
})

/** Alice creates a room (bookmarked) and Bob joins it (bookmarked when asked), each on a core of their own. */
async function roomOfTwo(prefix: string, bobBookmarks = false, b = core()) {
  const a = core()
  const alice = await registered(a, t)
  const bob = await registered(b, t)
  const { room } = await a.rooms.create(alice.id, `${prefix}-${randomBytes(4).toString('hex')}`, 'Alice', { name: prefix, description: '', password: '', membersOnly: false, public: false, persistent: true })
  await b.rooms.join(bob.id, room, 'Bob', null, bobBookmarks)
  return { a, alice, b, bob, room }
}

describe.skipIf(t.domains.noReg === null)('rooms through the services', () => {
  it('a kick reaches the room view as a typed reason with the moderator’s words', async () => {
    const { a, alice, b, room } = await roomOfTwo('kick')
    await a.accounts.get(alice.id).muc.setRole(room, 'Bob', 'none', 'Too loud')
    await until(() => b.rooms.list().some((r) => r.room === room && r.state === 'left'))
    expect(b.rooms.list().find((r) => r.room === room)?.reason).toMatchObject({ kind: 'kicked', text: 'Too loud' })
  })

  it('a new room name set by its owner reaches the other occupant’s room list (status 104)', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('named')
    await until(() => b.rooms.list().find((r) => r.room === room)?.name === 'named')
    a.conversations.send(alice.id, room, 'before the new name')
    await until(() => b.store.page(bob.id, room, {}).length === 1)
    await a.accounts.get(alice.id).muc.configure(room, { name: 'Renamed' })
    await until(() => b.rooms.list().find((r) => r.room === room)?.name === 'Renamed')
    expect(b.conversations.list().find((c) => c.peer === room)?.name).toBe('Renamed')
  })

  it('the owner reads and changes the room’s settings through the API; the others see the new name; a non-owner is refused', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('settings')
    const owner = createApi(a, { app: stubApp(), ui: stubUi() })
    const other = createApi(b, { app: stubApp(), ui: stubUi() })
    services.push(owner, other)
    expect(await owner.api.rooms.config(alice.id, room)).toEqual({
      name: 'settings',
      description: '',
      password: '',
      membersOnly: false,
      public: false,
      persistent: true,
      moderated: false,
      nonAnonymous: false
    })
    await owner.api.rooms.configure(alice.id, room, { name: 'Renamed room', description: 'Books', password: 'open sesame' })
    expect(await owner.api.rooms.config(alice.id, room)).toMatchObject({ name: 'Renamed room', description: 'Books', password: 'open sesame', persistent: true, membersOnly: false })
    // Everyone in the room hears of it (status 104); the owner's own list and bookmark follow too.
    await until(() => b.rooms.list().find((r) => r.room === room)?.name === 'Renamed room')
    expect(a.rooms.list().find((r) => r.room === room)?.name).toBe('Renamed room')
    expect(a.accounts.get(alice.id).bookmarks.get(room)).toMatchObject({ name: 'Renamed room', password: 'open sesame' })
    expect(await b.accounts.get(bob.id).muc.roomInfo(room)).toMatchObject({ name: 'Renamed room', passwordProtected: true })
    // Not an owner: refused by the room, in words the window can tell apart.
    await expect(other.api.rooms.config(bob.id, room)).rejects.toMatchObject({ code: 'stanza-error', condition: 'forbidden' })
    await expect(other.api.rooms.configure(bob.id, room, { name: 'Mine now' })).rejects.toMatchObject({ code: 'stanza-error', condition: 'forbidden' })
    // The password goes again; nothing else changed.
    await owner.api.rooms.configure(alice.id, room, { password: '' })
    expect(await owner.api.rooms.config(alice.id, room)).toMatchObject({ name: 'Renamed room', password: '' })
    expect(await b.accounts.get(bob.id).muc.roomInfo(room)).toMatchObject({ name: 'Renamed room', passwordProtected: false })
  })

  it('an occupant’s avatar, as their presence in the room announces it, reaches the occupant list', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('faces')
    const hash = await a.accounts.get(alice.id).avatars.setOwnAvatar(PNG)
    const changes: OccupantView[][] = []
    b.rooms.on('occupants', (e) => changes.push(e.upsert))
    // A new presence in the room carries the hash (the server fills it in from the PEP avatar, XEP-0398).
    await a.accounts.get(alice.id).muc.leave(room)
    await a.rooms.join(alice.id, room, 'Alice', null, false)
    await until(() => b.rooms.occupants(bob.id, room).some((o) => o.nick === 'Alice' && o.avatar === hash), 15_000)
    expect(changes.flat().some((o) => o.nick === 'Alice' && o.avatar === hash)).toBe(true)
    expect(await b.avatars.get(hash)).not.toBeNull()
    // Joining (Alice's presence comes before ours): still Alice's, never taken for the room's own avatar.
    await b.accounts.get(bob.id).muc.leave(room)
    await b.rooms.join(bob.id, room, 'Bob', null, false)
    expect(b.rooms.occupants(bob.id, room).find((o) => o.nick === 'Alice')?.avatar).toBe(hash)
    expect(b.accounts.get(bob.id).avatars.avatarOf(room)).toBeUndefined()
  })

  it('private messages through the room: a chat of their own with room/nick, both ways, never in the room’s history', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('whisper')
    const sent = b.conversations.send(bob.id, `${room}/Alice`, 'psst, Alice')
    expect(sent).toMatchObject({ peer: `${room}/Alice`, direction: 'out', state: 'queued' })
    await until(() => a.store.page(alice.id, `${room}/Bob`, {}).length === 1)
    expect(a.conversations.list().find((c) => c.peer === `${room}/Bob`)).toMatchObject({ kind: 'private', name: 'Bob', room: { jid: room, name: 'whisper', nick: 'Bob' }, unread: 1 })
    const [got] = await a.conversations.history({ account: alice.id, peer: `${room}/Bob` })
    expect(got).toMatchObject({ body: 'psst, Alice', direction: 'in', from: `${room}/Bob` })
    // The answer goes back to the same occupant address.
    a.conversations.send(alice.id, `${room}/Bob`, 'yes, Bob?')
    await until(() => b.store.page(bob.id, `${room}/Alice`, {}).length === 2)
    expect(b.store.page(bob.id, `${room}/Alice`, {}).map((m) => [m.direction, m.body])).toEqual([
      ['out', 'psst, Alice'],
      ['in', 'yes, Bob?']
    ])
    // Acknowledged under its room/nick conversation (by stream management, then by Alice's receipt).
    await until(() => ['acked', 'delivered'].includes(b.store.page(bob.id, `${room}/Alice`, {})[0]?.state ?? ''))
    expect(a.store.page(alice.id, room, {})).toEqual([])
    expect(b.store.page(bob.id, room, {})).toEqual([])
    // Corrections and reactions are not offered there (the room's private messages carry none).
    await expect(b.conversations.react(bob.id, `${room}/Alice`, sent.id, ['👍'])).rejects.toMatchObject({ code: 'unsupported' })
    // Alice on a new machine: her archive's copies are the occupant's chat, not one with the room.
    const laptop = core()
    const id = await laptop.accounts.signIn({ jid: alice.jid, password: alice.password, server: serverOf(t) })
    await until(() => laptop.store.page(id, `${room}/Bob`, {}).length === 2, 15_000)
    expect(laptop.store.page(id, `${room}/Bob`, {}).map((m) => [m.direction, m.body])).toEqual([
      ['in', 'psst, Alice'],
      ['out', 'yes, Bob?']
    ])
    expect(laptop.store.page(id, room, {})).toEqual([])
  })

  it('a private message reaches delivered on the receipt the other Parley sends back through the room', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('receipts')
    const states: string[] = []
    b.events.on('messageState', (e) => {
      if (e.peer === `${room}/Alice`) states.push(e.state)
    })
    const sent = b.conversations.send(bob.id, `${room}/Alice`, 'did you get this?')
    await until(() => b.store.page(bob.id, `${room}/Alice`, {})[0]?.state === 'delivered')
    expect(b.store.page(bob.id, `${room}/Alice`, {}).map((m) => [m.id, m.state])).toEqual([[sent.id, 'delivered']])
    expect(states).toContain('delivered')
    // The receipt is no message of its own in either chat.
    expect(a.store.page(alice.id, `${room}/Bob`, {}).map((m) => m.body)).toEqual(['did you get this?'])
    expect(b.store.page(bob.id, room, {})).toEqual([])
  })

  it('what was written for a room while offline waits for the room, without holding up other chats', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('outbox')
    await b.accounts.setEnabled(bob.id, false)
    b.conversations.send(bob.id, room, 'to the room, written offline')
    b.conversations.send(bob.id, `${room}/Alice`, 'to Alice privately, written offline')
    b.conversations.send(bob.id, alice.jid, 'to Alice directly, written offline')
    await b.accounts.setEnabled(bob.id, true)
    await until(() => a.store.page(alice.id, bob.jid, {}).length === 1, 15_000)
    await until(() => a.store.page(alice.id, room, {}).some((m) => m.body === 'to the room, written offline'), 15_000)
    await until(() => a.store.page(alice.id, `${room}/Bob`, {}).some((m) => m.body === 'to Alice privately, written offline'), 15_000)
    expect(b.store.outbox(bob.id)).toEqual([])
  })

  it('catches up a room across a position its archive no longer knows, forward from the newest message stored (nothing skipped, nothing twice)', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('gap')
    const bodies = () => b.store.page(bob.id, room, { limit: 1_000 }).map((m) => m.body)
    a.conversations.send(alice.id, room, 'before the gap')
    await until(() => bodies().length === 1)
    await b.accounts.setEnabled(bob.id, false)
    // More than a catch-up page (100) while Bob is away: the room's newest page alone would skip some.
    const gap = [...Array(150).keys()].map((i) => `gap ${String(i).padStart(3, '0')}`)
    for (const text of gap) a.conversations.send(alice.id, room, text)
    await until(() => a.store.page(alice.id, room, { limit: 1_000 }).filter((m) => m.state === 'delivered').length === gap.length + 1, 30_000)
    // The room's archive has forgotten Bob's position (expired, reset): it answers item-not-found.
    b.store.setArchiveState(bob.id, room, { lastId: 'no-such-archive-id', complete: false, syncedAt: Date.now() })
    await b.accounts.setEnabled(bob.id, true)
    await until(() => bodies().length >= gap.length + 1, 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${bodies().length - 1} of ${gap.length} arrived`)
    })
    await until(() => b.store.archiveState(bob.id, room)?.lastId !== 'no-such-archive-id')
    await new Promise((r) => setTimeout(r, 500))
    const got = bodies()
    expect(got.length).toBe(gap.length + 1)
    expect([...got].sort()).toEqual(['before the gap', ...gap].sort())
  }, 90_000)

  it('our archived room messages are told by occupant-id, not nick: a nick that changed hands, ours after a nick change', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('names')
    const said = (c: Core, id: typeof alice.id, body: string) => until(() => c.store.page(id, room, { limit: 100 }).some((m) => m.body === body))
    a.conversations.send(alice.id, room, 'Alice as Alice')
    await said(b, bob.id, 'Alice as Alice')
    await a.accounts.get(alice.id).muc.changeNick(room, 'Alicia')
    a.conversations.send(alice.id, room, 'Alice as Alicia')
    await said(b, bob.id, 'Alice as Alicia')
    // Bob takes the nick Alice had, says something, and goes.
    await b.accounts.get(bob.id).muc.changeNick(room, 'Alice')
    b.conversations.send(bob.id, room, 'Bob as Alice')
    await said(a, alice.id, 'Bob as Alice')
    await b.accounts.get(bob.id).muc.leave(room)
    // Alice on a new machine: the bookmark takes her in as Alice again, the archive brings all three.
    const laptop = core()
    const id = await laptop.accounts.signIn({ jid: alice.jid, password: alice.password, server: serverOf(t) })
    await until(() => laptop.rooms.list().some((r) => r.room === room && r.state === 'joined' && r.nick === 'Alice'), 15_000)
    await until(() => laptop.store.page(id, room, {}).length === 3, 15_000)
    expect(laptop.store.page(id, room, {}).map((m) => [m.body, m.direction])).toEqual([
      ['Alice as Alice', 'out'],
      ['Alice as Alicia', 'out'],
      ['Bob as Alice', 'in']
    ])
  })

  it('in a room created this session we know our occupant-id from the start, and it tells our archived messages after our old nick changed hands', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('created')
    const said = (c: Core, id: typeof alice.id, body: string) => until(() => c.store.page(id, room, { limit: 100 }).some((m) => m.body === body))
    const muc = a.accounts.get(alice.id).muc
    // The room did not exist when Alice asked its features: her id from its first presence is hers once it announces XEP-0421.
    const own = muc.occupants(room).find((o) => o.self)?.occupantId
    expect(own).toBeTruthy()
    expect(b.accounts.get(bob.id).muc.occupants(room).find((o) => o.nick === 'Alice')?.occupantId).toBe(own)
    a.conversations.send(alice.id, room, 'Alice as Alice')
    await said(b, bob.id, 'Alice as Alice')
    await muc.changeNick(room, 'Alicia')
    await b.accounts.get(bob.id).muc.changeNick(room, 'Alice')
    b.conversations.send(bob.id, room, 'Bob as Alice')
    await said(a, alice.id, 'Bob as Alice')
    await b.accounts.get(bob.id).muc.leave(room)
    await muc.changeNick(room, 'Alice')
    const archived: [string, boolean][] = []
    a.events.on('roomMessage', ({ message: m }) => {
      if (m.room === room && m.source === 'archive') archived.push([m.body, m.fromUs])
    })
    await muc.history(room, { max: 50 })
    expect(archived).toEqual([
      ['Alice as Alice', true],
      ['Bob as Alice', false]
    ])
  })

  it('history pages carry each sender’s nick and whether the message mentions ours', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('nicks')
    b.conversations.send(bob.id, room, 'Alice, are you there?')
    b.conversations.send(bob.id, room, 'just chatting')
    await until(() => a.store.page(alice.id, room, {}).length === 2)
    const page = await a.conversations.history({ account: alice.id, peer: room })
    expect(page.map((m) => [m.body, m.nick, m.mention ?? false])).toEqual([
      ['Alice, are you there?', 'Bob', true],
      ['just chatting', 'Bob', false]
    ])
    const own = await b.conversations.history({ account: bob.id, peer: room })
    expect(own.map((m) => [m.nick, m.direction])).toEqual([
      ['Bob', 'out'],
      ['Bob', 'out']
    ])
    // A row stored before the store kept nicks (schema 1) still reads with one.
    a.store.insert([{ account: alice.id, peer: room, direction: 'in', from: `${room}/Old Timer`, id: 'legacy-1', body: 'Alice: from before', at: 1_000, receivedAt: 1_000, state: 'received' }])
    const [legacy] = await a.conversations.history({ account: alice.id, peer: room, limit: 1, before: { at: page[0]!.at, id: page[0]!.id } })
    expect(legacy).toMatchObject({ body: 'Alice: from before', nick: 'Old Timer', mention: true })
  })
})

describe.skipIf(t.domains.noReg === null)('rooms leaving the list, told through the API', () => {
  /** Every `rooms` and `conversations` event the window would get. */
  function watch(c: Core) {
    const service = createApi(c, { app: stubApp(), ui: stubUi() })
    services.push(service)
    const rooms: Events['rooms'][] = []
    const conversations: Events['conversations'][] = []
    service.on('rooms', (e) => rooms.push(e))
    service.on('conversations', (e) => conversations.push(e))
    const removedRoom = (room: string) => rooms.some((e) => e.remove.some((k) => k.room === room))
    const removedChat = (peer: string) => conversations.some((e) => e.remove.some((k) => k.peer === peer))
    return { service, rooms, conversations, removedRoom, removedChat }
  }

  it('leave and forget: the room and its conversation leave the lists (the store keeps it unlisted), the bookmark goes', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('forget', true)
    a.conversations.send(alice.id, room, 'hello')
    await until(() => b.conversations.list().some((c) => c.peer === room))
    const w = watch(b)
    await w.service.api.rooms.leave(bob.id, room, true)
    await until(() => w.removedRoom(room) && w.removedChat(room))
    expect(b.rooms.list().some((r) => r.room === room)).toBe(false)
    expect(b.conversations.list().some((c) => c.peer === room)).toBe(false)
    expect(b.accounts.get(bob.id).bookmarks.get(room)).toBeUndefined()
    // The history stays, and the conversation comes back when the room is joined again.
    expect(b.store.page(bob.id, room, {}).map((m) => m.body)).toEqual(['hello'])
    await b.rooms.join(bob.id, room, 'Bob', null, false)
    await until(() => b.conversations.list().some((c) => c.peer === room && c.kind === 'room'))
  })

  it('a bookmark removed on another device takes a room we are out of off the list', async () => {
    const { b, bob, room } = await roomOfTwo('elsewhere', true)
    await b.rooms.leave(bob.id, room, false)
    await until(() => b.rooms.list().some((r) => r.room === room && r.state === 'left'))
    const w = watch(b)
    const phone = core()
    const id = await phone.accounts.signIn({ jid: bob.jid, password: bob.password, server: serverOf(t) })
    await until(() => phone.accounts.get(id).bookmarks.get(room) !== undefined)
    await phone.accounts.get(id).bookmarks.remove(room)
    await until(() => w.removedRoom(room) && w.removedChat(room))
    expect(b.rooms.list().some((r) => r.room === room)).toBe(false)
  })

  it('a destroyed room says so (with the owner’s words) and stays listed until forgotten; its bookmark is removed', async () => {
    const { a, alice, b, bob, room } = await roomOfTwo('destroyed', true)
    const w = watch(b)
    await a.accounts.get(alice.id).muc.destroy(room, 'Moving house')
    await until(() => b.rooms.list().some((r) => r.room === room && r.state === 'left'))
    expect(b.rooms.list().find((r) => r.room === room)).toMatchObject({ reason: { kind: 'destroyed', text: 'Moving house' } })
    await until(() => b.accounts.get(bob.id).bookmarks.get(room) === undefined)
    await until(() => b.rooms.list().some((r) => r.room === room && !r.bookmarked))
    expect(w.removedRoom(room)).toBe(false)
    await w.service.api.rooms.leave(bob.id, room, true)
    await until(() => w.removedRoom(room))
  })
})

describe.skipIf(t.domains.noReg === null)('rooms across a restart of Parley', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  /** A profile (settings, secrets, a store file) that outlives the core using it. */
  function profile() {
    const dir = mkdtempSync(join(tmpdir(), 'parley-profile-'))
    dirs.push(dir)
    return { dir, settings: memorySettings(), secrets: memorySecrets() }
  }
  function device(p: ReturnType<typeof profile>): Core {
    const c = makeCore(t, { settings: p.settings, secrets: p.secrets, store: MessageStore.open(join(p.dir, 'history.sqlite')) })
    cores.push(c)
    return c
  }
  async function restart(c: Core, p: ReturnType<typeof profile>): Promise<Core> {
    await c.accounts.stopAll()
    c.store.close()
    await p.settings.saveAccounts((await p.settings.loadAccounts()).map((s) => ({ ...s, enabled: true })))
    return device(p)
  }

  it('a room joined without a bookmark is still a room after a restart: listed as left, written to as a room, joined again', async () => {
    const p = profile()
    const { a, alice, b, bob, room } = await roomOfTwo('plain', false, device(p))
    a.conversations.send(alice.id, room, 'before the restart')
    await until(() => b.conversations.list().some((c) => c.peer === room && c.last?.body === 'before the restart'))

    const again = await restart(b, p)
    await again.accounts.start()
    // Before the account is online: the room is known, as one we are not in, under its name.
    expect(again.accounts.get(bob.id).connectionState().state).not.toBe('online')
    expect(again.rooms.list().find((r) => r.room === room)).toMatchObject({ state: 'left', name: 'plain', bookmarked: false })
    expect(again.conversations.list().find((c) => c.peer === room)).toMatchObject({ kind: 'room', name: 'plain' })
    // Written to the room before it is joined: it waits for the room, never goes to the room's address as a chat.
    again.conversations.send(bob.id, room, 'back again')
    await reachState(again, bob.id, 'online')
    await new Promise((r) => setTimeout(r, 300))
    expect(again.rooms.list().find((r) => r.room === room)?.state).toBe('left')
    expect(a.store.page(alice.id, room, {}).map((m) => m.body)).toEqual(['before the restart'])
    await again.rooms.join(bob.id, room, 'Bob', null, false)
    await until(() => a.store.page(alice.id, room, {}).some((m) => m.body === 'back again'), 15_000)
    expect(a.conversations.list().some((c) => c.peer === room && c.kind === 'room')).toBe(true)
    expect(a.store.conversation(alice.id, bob.jid)).toBeNull()
  })

  it('a room forgotten while offline loses its bookmark at the next sign-in, also after a restart, and is not joined', async () => {
    const p = profile()
    const { a, alice, b, bob, room } = await roomOfTwo('gone', true, device(p))
    await until(() => b.accounts.get(bob.id).bookmarks.get(room) !== undefined)
    a.conversations.send(alice.id, room, 'hello Bob')
    await until(() => b.conversations.list().some((c) => c.peer === room))

    await b.accounts.setEnabled(bob.id, false)
    await b.rooms.leave(bob.id, room, true)
    expect(b.rooms.list().some((r) => r.room === room)).toBe(false)
    expect(b.conversations.list().some((c) => c.peer === room)).toBe(false)
    expect(b.store.bookmarkRetractions(bob.id)).toEqual([room])

    const again = await restart(b, p)
    expect(again.rooms.list().some((r) => r.room === room)).toBe(false)
    const fetched = nextEvent(again, 'bookmarks', (e) => e.account === bob.id && e.initial, 15_000)
    await again.accounts.start()
    await fetched
    await until(() => again.store.bookmarkRetractions(bob.id).length === 0, 10_000)
    // Gone on the server too: another session of Bob's finds no bookmark.
    const phone = core()
    const id = await phone.accounts.signIn({ jid: bob.jid, password: bob.password, server: serverOf(t) })
    await nextEvent(phone, 'bookmarks', (e) => e.account === id && e.initial, 15_000)
    expect(phone.accounts.get(id).bookmarks.get(room)).toBeUndefined()
    expect(again.accounts.get(bob.id).muc.joinedRooms()).toEqual([])
    expect(again.rooms.list().some((r) => r.room === room)).toBe(false)
    expect(a.rooms.occupants(alice.id, room).map((o) => o.nick)).toEqual(['Alice'])
  })
})

describe('files and avatars through the API', () => {
  it('uploads a file, sends the link, and the other side downloads it byte-identical', async () => {
    const a = core()
    const alice = await registered(a, t)
    const b = core()
    const bob = await registered(b, t)
    const bytes = randomBytes(256 * 1024)
    const apiA = createApi(a, { app: stubApp(), ui: stubUi() })
    const apiB = createApi(b, { app: stubApp(), ui: stubUi() })
    const link = nextEvent(b, 'message', (e) => e.message.body.startsWith('http'))
    const transferId = await apiA.api.files.send(alice.id, bob.jid, { name: 'notes.bin', type: 'application/octet-stream', bytes: new Uint8Array(bytes) })
    expect(transferId).toMatch(/^[0-9a-f-]{36}$/)
    const url = (await link).message.body
    // Marked as a shared file (XEP-0066) in what the window reads back: the history and the chat list.
    await until(() => b.store.page(bob.id, alice.jid, {}).length === 1)
    expect(await apiB.api.chats.history({ account: bob.id, peer: alice.jid })).toMatchObject([{ body: url, attachment: true }])
    expect((await apiB.api.chats.list()).find((c) => c.peer === alice.jid)?.last).toMatchObject({ body: url, attachment: true })
    const done = new Promise<string>((resolve) => {
      apiB.on('transfers', (list) => {
        for (const tr of list) if (tr.state === 'done' && tr.path) resolve(tr.path)
      })
    })
    await apiB.api.files.download(url, true)
    const saved = await readFile(await done)
    expect(createHash('sha256').update(saved).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
    apiA.dispose()
    apiB.dispose()
  })

  it('sets an avatar that the API serves back as a data URL', async () => {
    const a = core()
    const alice = await registered(a, t)
    const service = createApi(a, { app: stubApp(), ui: stubUi() })
    const hash = await service.api.avatars.setOwn(alice.id, new Uint8Array(PNG))
    expect(hash).toMatch(/^[0-9a-f]{40}$/)
    expect(await service.api.avatars.get(hash)).toMatch(/^data:image\/png;base64,/)
    service.dispose()
  })
})

describe('accounts through the API', () => {
  it('tells the window about an account signed in through the core (an xmpp: link, the harness)', async () => {
    const a = core()
    const service = createApi(a, { app: stubApp(), ui: stubUi() })
    const lists: string[][] = []
    service.on('accounts', (list) => lists.push(list.map((x) => x.jid)))
    const alice = await registered(a, t)
    await until(() => lists.some((l) => l.includes(alice.jid)))
    await a.accounts.remove(alice.id)
    await until(() => (lists.at(-1) ?? ['?']).length === 0)
    service.dispose()
  })
})

function stubApp() {
  return {
    info: () => ({ name: 'Parley', version: 'test', platform: 'linux', systemLocales: ['en'], harness: true }),
    openExternal: async () => undefined,
    openChatWindow: async () => undefined
  }
}

function stubUi() {
  let ui = { language: 'system' as const, theme: 'system' as const, sendTyping: true }
  return { get: () => ui, set: (next: typeof ui) => void (ui = next) }
}
