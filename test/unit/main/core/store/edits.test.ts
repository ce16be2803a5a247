import { afterEach, describe, expect, it } from 'vitest'
import { type MessageStore } from '../../../../../src/main/core/store/MessageStore'
import { ACCOUNT, ME, PEER, T0, incoming, memoryStore, outgoing } from './helpers'

let store: MessageStore
afterEach(() => store?.close())

const ids = (hits: { rowId: number }[]) => hits.map((h) => h.rowId)

describe('corrections (XEP-0308)', () => {
  it('shows the correction, keeps the original, and is found by the new text only', () => {
    store = memoryStore()
    const [r] = store.insert([incoming({ id: 'm1', originId: 'm1', body: 'meet at the train statoin', at: T0 })])
    expect(store.correct(ACCOUNT, PEER, 'm1', PEER, 'meet at the bus station', T0 + 60_000)).toEqual({ status: 'applied', rowId: r!.rowId })
    const m = store.get(ACCOUNT, r!.rowId)!
    expect(m).toMatchObject({ body: 'meet at the bus station', edited: true, editedAt: T0 + 60_000, originalBody: 'meet at the train statoin' })
    expect(ids(store.search({ text: 'bus' }))).toEqual([r!.rowId])
    expect(store.search({ text: 'statoin' })).toEqual([])
    expect(store.search({ text: 'train' })).toEqual([])
    expect(store.conversation(ACCOUNT, PEER)?.last).toMatchObject({ body: 'meet at the bus station', edited: true })
    // Still one message in the conversation.
    expect(store.page(ACCOUNT, PEER)).toHaveLength(1)
  })

  it('only the original sender may correct', () => {
    store = memoryStore()
    store.insert([incoming({ id: 'm1', originId: 'm1', body: 'original', at: T0 })])
    expect(store.correct(ACCOUNT, PEER, 'm1', 'mallory@evil.example', 'forged', T0 + 1000).status).toBe('refused')
    expect(store.insert([incoming({ from: 'mallory@evil.example/x', body: 'forged', correctsId: 'm1', at: T0 + 2000 })])[0]).toMatchObject({
      inserted: false,
      refused: true
    })
    expect(store.latest(ACCOUNT, PEER)).toMatchObject({ body: 'original' })
    expect(store.latest(ACCOUNT, PEER)?.edited).toBeUndefined()
  })

  it('applies a correction that arrived before its target when the target arrives', () => {
    store = memoryStore()
    const fix = incoming({ id: 'fix', originId: 'fix', body: 'corrected text', correctsId: 'm1', at: T0 + 5000 })
    expect(store.insert([fix])[0]).toMatchObject({ inserted: true, pending: true })
    // Not a message of its own.
    expect(store.page(ACCOUNT, PEER)).toEqual([])
    expect(store.conversation(ACCOUNT, PEER)?.unread).toBe(0)
    // A pending correction from someone else must not apply either.
    store.insert([incoming({ from: 'mallory@evil.example/x', id: 'f2', originId: 'f2', body: 'forged', correctsId: 'm1', at: T0 + 6000 })])
    const [target] = store.insert([incoming({ id: 'm1', originId: 'm1', body: 'first text', at: T0 })])
    expect(store.get(ACCOUNT, target!.rowId)).toMatchObject({ body: 'corrected text', originalBody: 'first text', edited: true })
    expect(ids(store.search({ text: 'corrected' }))).toEqual([target!.rowId])
    expect(store.search({ text: 'first' })).toEqual([])
  })

  it('the newest correction wins, whatever order they arrive in, and a duplicate correction is stored once', () => {
    store = memoryStore()
    store.insert([incoming({ id: 'm1', originId: 'm1', body: 'v1', at: T0 })])
    const v3 = incoming({ id: 'c3', originId: 'c3', body: 'v3', correctsId: 'm1', at: T0 + 3000 })
    store.insert([v3])
    store.insert([incoming({ id: 'c2', originId: 'c2', body: 'v2', correctsId: 'm1', at: T0 + 2000 })])
    expect(store.latest(ACCOUNT, PEER)).toMatchObject({ body: 'v3', originalBody: 'v1' })
    expect(store.insert([{ ...v3 }])[0]).toMatchObject({ inserted: false })
  })

  it('follows a correction that names an earlier correction back to the original', () => {
    store = memoryStore()
    const [r] = store.insert([incoming({ id: 'm1', originId: 'm1', body: 'v1', at: T0 })])
    store.insert([incoming({ id: 'c1', originId: 'c1', body: 'v2', correctsId: 'm1', at: T0 + 1000 })])
    store.insert([incoming({ id: 'c2', originId: 'c2', body: 'v3', correctsId: 'c1', at: T0 + 2000 })])
    expect(store.get(ACCOUNT, r!.rowId)).toMatchObject({ body: 'v3', originalBody: 'v1' })
  })

  it('corrects our own messages (sent from another device, a carbon)', () => {
    store = memoryStore()
    store.insert([outgoing({ id: 'o1', originId: 'o1', body: 'typo', state: 'acked' })])
    expect(store.correct(ACCOUNT, PEER, 'o1', ME, 'fixed', T0 + 99_000, { id: 'c', direction: 'out', state: 'acked' }).status).toBe('applied')
    expect(store.latest(ACCOUNT, PEER)?.body).toBe('fixed')
    expect(store.correct(ACCOUNT, PEER, 'o1', PEER, 'not yours', T0 + 100_000).status).toBe('refused')
  })
})

describe('retractions (XEP-0424)', () => {
  it('only the sender may retract; the body is erased, a tombstone stays, search no longer finds it', () => {
    store = memoryStore()
    const [r] = store.insert([incoming({ id: 'm1', originId: 'm1', body: 'secret plan', at: T0 })])
    store.correct(ACCOUNT, PEER, 'm1', PEER, 'secret plan v2', T0 + 1000)
    expect(store.retract(ACCOUNT, PEER, 'm1', 'mallory@evil.example', T0 + 2000)).toEqual({ status: 'refused', rowId: r!.rowId })
    expect(ids(store.search({ text: 'secret' }))).toEqual([r!.rowId])
    expect(store.retract(ACCOUNT, PEER, 'm1', PEER, T0 + 3000)).toEqual({ status: 'applied', rowId: r!.rowId })
    const m = store.get(ACCOUNT, r!.rowId)!
    expect(m).toMatchObject({ body: '', retracted: true, retractedAt: T0 + 3000 })
    expect(m.originalBody).toBeUndefined()
    expect(store.search({ text: 'secret' })).toEqual([])
    expect(store.search({ text: 'plan' })).toEqual([])
    expect(store.conversation(ACCOUNT, PEER)?.last).toMatchObject({ body: '', retracted: true })
    // The erased text is gone from the correction rows as well.
    const raw = (store as unknown as { db: import('node:sqlite').DatabaseSync }).db
    expect(raw.prepare("SELECT count(*) AS n FROM messages WHERE body LIKE '%secret%' OR edited_body LIKE '%secret%'").get()?.['n']).toBe(0)
    // Retracting twice is harmless.
    expect(store.retract(ACCOUNT, PEER, 'm1', PEER, T0 + 4000).status).toBe('applied')
  })

  it('a retraction for a message not here yet is applied when it arrives (archive pages run backwards)', () => {
    store = memoryStore()
    expect(store.retract(ACCOUNT, PEER, 'm9', PEER, T0 + 5000)).toEqual({ status: 'pending' })
    expect(store.retract(ACCOUNT, PEER, 'm9', PEER, T0 + 5000)).toEqual({ status: 'pending' })
    const [r] = store.insert([incoming({ id: 'm9', originId: 'm9', body: 'oops', at: T0 })])
    expect(store.get(ACCOUNT, r!.rowId)).toMatchObject({ body: '', retracted: true })
    expect(store.search({ text: 'oops' })).toEqual([])
    expect(store.conversation(ACCOUNT, PEER)?.unread).toBe(0)
    expect(store.page(ACCOUNT, PEER)).toHaveLength(1)
  })

  it('finds the target by its stanza-id too (rooms reference stanza-ids)', () => {
    store = memoryStore()
    const [r] = store.insert([incoming({ id: '', originId: undefined, stanzaId: 'S77', stanzaIdBy: PEER, body: 'in a room' })])
    expect(store.retract(ACCOUNT, PEER, 'S77', PEER, T0 + 1)).toEqual({ status: 'applied', rowId: r!.rowId })
  })
})

describe('reactions (XEP-0444)', () => {
  it("a sender's set replaces their previous one; an empty set removes it; summaries count senders", () => {
    store = memoryStore()
    store.insert([incoming({ id: 'm1', originId: 'm1', body: 'party tonight?', at: T0 })])
    expect(store.react(ACCOUNT, PEER, 'm1', PEER, ['👍', '🎉'], T0 + 1000)).toBe(true)
    expect(store.react(ACCOUNT, PEER, 'm1', ME, ['👍'], T0 + 2000, true)).toBe(true)
    expect(store.reactions(ACCOUNT, PEER, ['m1'])).toEqual({
      m1: [
        { emoji: '👍', count: 2, mine: true, senders: [PEER, ME] },
        { emoji: '🎉', count: 1, mine: false, senders: [PEER] }
      ]
    })
    expect(store.react(ACCOUNT, PEER, 'm1', PEER, ['❤️'], T0 + 3000)).toBe(true)
    expect(store.latest(ACCOUNT, PEER)?.reactions).toEqual([
      { emoji: '👍', count: 1, mine: true, senders: [ME] },
      { emoji: '❤️', count: 1, mine: false, senders: [PEER] }
    ])
    expect(store.react(ACCOUNT, PEER, 'm1', ME, [], T0 + 4000, true)).toBe(true)
    expect(store.latest(ACCOUNT, PEER)?.reactions).toEqual([{ emoji: '❤️', count: 1, mine: false, senders: [PEER] }])
  })

  it('an older set (an archive replay) never overwrites a newer one, not even a removal', () => {
    store = memoryStore()
    store.insert([incoming({ id: 'm1', originId: 'm1', at: T0 })])
    store.react(ACCOUNT, PEER, 'm1', PEER, [], T0 + 5000)
    expect(store.react(ACCOUNT, PEER, 'm1', PEER, ['👎'], T0 + 1000)).toBe(false)
    expect(store.reactions(ACCOUNT, PEER, ['m1'])).toEqual({ m1: [] })
    expect(store.react(ACCOUNT, PEER, 'm1', PEER, [], T0 + 6000)).toBe(false)
  })

  it('keeps reactions that arrive before their message, drops duplicates and oversize entries', () => {
    store = memoryStore()
    store.react(ACCOUNT, PEER, 'later', PEER, ['🙂', '🙂', '', 'x'.repeat(100), '🙃'], T0)
    store.insert([incoming({ id: 'later', originId: 'later', at: T0 - 1000 })])
    expect(store.latest(ACCOUNT, PEER)?.reactions.map((r) => r.emoji)).toEqual(['🙂', '🙃'])
    expect(() => store.react(ACCOUNT, PEER, 'later', PEER, 'nope' as never, T0)).toThrow(/emojis/)
  })

  it('our own set replaces every earlier set of ours for the message, whatever identity and id it was stored under (room: nick, occupant id, bare JID)', () => {
    store = memoryStore()
    const ROOM = 'tea@conference.example.org'
    const BOB = `${ROOM}/Bob`
    store.insert([
      incoming({ peer: ROOM, room: true, from: BOB, sender: BOB, nick: 'Bob', id: 'm1', originId: 'm1', stanzaId: 's1', stanzaIdBy: ROOM, at: T0 })
    ])
    const mine = () => store.latest(ACCOUNT, ROOM)?.reactions
    // Stored long ago under our bare JID (by the message id), then under our nick, then under our occupant id (by the stanza-id).
    expect(store.react(ACCOUNT, ROOM, 'm1', ME, ['👍'], T0 + 1000, true)).toBe(true)
    store.react(ACCOUNT, ROOM, 's1', BOB, ['👍'], T0 + 1500)
    expect(store.react(ACCOUNT, ROOM, 's1', `${ROOM}/Alice`, ['👍'], T0 + 2000, true)).toBe(true)
    expect(mine()).toEqual([{ emoji: '👍', count: 2, mine: true, senders: [BOB, `${ROOM}/Alice`] }])
    expect(store.react(ACCOUNT, ROOM, 's1', 'occupant-id:oid-alice', ['🎉'], T0 + 3000, true)).toBe(true)
    expect(mine()).toEqual([
      { emoji: '👍', count: 1, mine: false, senders: [BOB] },
      { emoji: '🎉', count: 1, mine: true, senders: ['occupant-id:oid-alice'] }
    ])
    // Removing ours removes it, whoever we were when it was added.
    expect(store.react(ACCOUNT, ROOM, 'm1', `${ROOM}/Alice2`, [], T0 + 4000, true)).toBe(true)
    expect(mine()).toEqual([{ emoji: '👍', count: 1, mine: false, senders: [BOB] }])
    // An older copy of ours (an archive replay under another identity) does not bring it back.
    expect(store.react(ACCOUNT, ROOM, 's1', ME, ['👍'], T0 + 1000, true)).toBe(false)
    expect(mine()).toEqual([{ emoji: '👍', count: 1, mine: false, senders: [BOB] }])
    // Someone else's set is theirs: it never replaces ours.
    store.react(ACCOUNT, ROOM, 's1', 'occupant-id:oid-alice', ['🙂'], T0 + 5000, true)
    store.react(ACCOUNT, ROOM, 's1', BOB, ['🙂'], T0 + 6000)
    expect(mine()).toEqual([{ emoji: '🙂', count: 2, mine: true, senders: ['occupant-id:oid-alice', BOB] }])
  })

  it('shows no reactions on a retracted message', () => {
    store = memoryStore()
    store.insert([incoming({ id: 'm1', originId: 'm1', at: T0 })])
    store.react(ACCOUNT, PEER, 'm1', ME, ['👍'], T0 + 1, true)
    store.retract(ACCOUNT, PEER, 'm1', PEER, T0 + 2)
    expect(store.latest(ACCOUNT, PEER)?.reactions).toEqual([])
  })
})
