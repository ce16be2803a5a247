// Reactions (XEP-0444) in a group chat through the services: our own reaction and the room's echo of
// it are one reactor, whatever identity the room gives us (occupant-id, XEP-0421, on this Prosody).
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { coreFactory, nextEvent, registered, until } from '../helpers/core'
import { target } from '../helpers/target'

const t = target()
const core = coreFactory(t)

describe.skipIf(t.domains.noReg === null)('reactions in a room', () => {
  it('counts our own reaction once when the room echoes it, and a new set replaces it', async () => {
    const a = core()
    const alice = await registered(a, t)
    const b = core()
    const bob = await registered(b, t)
    const { room } = await a.rooms.create(alice.id, `react-${randomBytes(4).toString('hex')}`, 'Alice', { name: 'react', description: '', password: '', membersOnly: false, public: false, persistent: true })
    await b.rooms.join(bob.id, room, 'Bob', null, false)
    b.conversations.send(bob.id, room, 'react to me')
    await until(() => a.store.page(alice.id, room, {}).some((m) => m.body === 'react to me' && m.stanzaId !== undefined))
    const target = a.store.page(alice.id, room, {}).find((m) => m.body === 'react to me')!
    const reactions = () => a.store.byId(alice.id, room, target.id)?.reactions ?? []
    const echo = (emoji: string) =>
      nextEvent(a, 'roomMessageEdit', (e) => e.edit.room === room && e.edit.fromUs && e.edit.change.kind === 'react' && e.edit.change.emojis.includes(emoji))
    const thumbs = echo('👍')
    await a.conversations.react(alice.id, room, target.id, ['👍'])
    await thumbs
    expect(reactions()).toEqual([expect.objectContaining({ emoji: '👍', count: 1, mine: true })])
    const party = echo('🎉')
    await a.conversations.react(alice.id, room, target.id, ['🎉'])
    await party
    expect(reactions()).toEqual([expect.objectContaining({ emoji: '🎉', count: 1, mine: true })])
    // Bob sees one reactor too.
    const bobsCopy = () => b.store.page(bob.id, room, {}).find((m) => m.body === 'react to me')?.reactions ?? []
    await until(() => bobsCopy().some((r) => r.emoji === '🎉'))
    expect(bobsCopy()).toEqual([expect.objectContaining({ emoji: '🎉', count: 1, mine: false })])
  })
})
