import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DeliveryState } from '../../../../../src/shared/model/message'
import { MessageStore, nextState } from '../../../../../src/main/core/store/MessageStore'
import { ACCOUNT, ME, PEER, T0, incoming, memoryStore, outgoing, tempDir } from './helpers'

let store: MessageStore
afterEach(() => store?.close())

describe('nextState', () => {
  const forward: DeliveryState[] = ['queued', 'sent', 'acked', 'delivered', 'read']

  it('moves forward, skipping steps when evidence jumps ahead', () => {
    for (let i = 0; i < forward.length; i++) {
      for (let j = 0; j < forward.length; j++) {
        const from = forward[i]!
        const to = forward[j]!
        const expected = j > i || (from === 'sent' && to === 'queued') ? to : from
        expect(nextState(from, to), `${from} → ${to}`).toBe(expected)
      }
    }
  })

  it('fails only before a receipt, and a failed message may be retried or proven delivered', () => {
    expect(nextState('queued', 'failed')).toBe('failed')
    expect(nextState('sent', 'failed')).toBe('failed')
    expect(nextState('acked', 'failed')).toBe('failed')
    expect(nextState('delivered', 'failed')).toBe('delivered')
    expect(nextState('read', 'failed')).toBe('read')
    expect(nextState('failed', 'queued')).toBe('queued')
    expect(nextState('failed', 'delivered')).toBe('delivered')
  })

  it('treats received (incoming) like acked: it never goes back to queued or sent', () => {
    expect(nextState('received', 'queued')).toBe('received')
    expect(nextState('received', 'sent')).toBe('received')
    expect(nextState('received', 'read')).toBe('read')
  })
})

describe('setState', () => {
  it('applies the monotonic rule and reports the change with the peer', () => {
    store = memoryStore()
    const m = outgoing({ id: 'u1', originId: 'u1' })
    const [r] = store.insert([m])
    expect(store.setState(ACCOUNT, PEER, 'u1', 'sent')).toEqual({ account: ACCOUNT, peer: PEER, id: 'u1', rowId: r!.rowId, state: 'sent' })
    expect(store.setState(ACCOUNT, PEER, 'u1', 'delivered')?.state).toBe('delivered')
    expect(store.setState(ACCOUNT, PEER, 'u1', 'acked')).toBeNull()
    expect(store.setState(ACCOUNT, PEER, 'u1', 'failed')).toBeNull()
    expect(store.get(ACCOUNT, r!.rowId)?.state).toBe('delivered')
  })

  it('keeps the error of a failure and drops it on retry', () => {
    store = memoryStore()
    store.insert([outgoing({ id: 'u2', originId: 'u2', state: 'sent' })])
    const error = { code: 'stanza-error' as const, detail: 'recipient-unavailable', condition: 'recipient-unavailable' }
    expect(store.setState(ACCOUNT, PEER, 'u2', 'failed', error)).toMatchObject({ state: 'failed', error })
    expect(store.latest(ACCOUNT, PEER)).toMatchObject({ state: 'failed', error })
    expect(store.setState(ACCOUNT, PEER, 'u2', 'queued')).toMatchObject({ state: 'queued' })
    expect(store.latest(ACCOUNT, PEER)?.error).toBeUndefined()
  })

  it('ignores unknown ids, other accounts and incoming messages with the same id', () => {
    store = memoryStore()
    store.insert([incoming({ id: 'same', originId: 'same' })])
    expect(store.setState(ACCOUNT, PEER, 'same', 'read')).toBeNull()
    expect(store.setState(ACCOUNT, PEER, 'nope', 'read')).toBeNull()
    expect(store.setState('other', PEER, 'same', 'read')).toBeNull()
    expect(store.setState(ACCOUNT, PEER, '', 'read')).toBeNull()
  })

  it('changes only the message in the conversation with that peer, never one to someone else with the same id', () => {
    store = memoryStore()
    const carol = 'carol@example.org'
    const [toBob] = store.insert([outgoing({ id: 'dup', originId: 'dup', state: 'sent' })])
    const [toCarol] = store.insert([outgoing({ peer: carol, id: 'dup', originId: 'dup', state: 'sent' })])
    // Carol (who saw our id) claims to have read it: Bob's message stays as it was.
    expect(store.setState(ACCOUNT, carol, 'dup', 'read')).toEqual({ account: ACCOUNT, peer: carol, id: 'dup', rowId: toCarol!.rowId, state: 'read' })
    expect(store.get(ACCOUNT, toBob!.rowId)?.state).toBe('sent')
    expect(store.setState(ACCOUNT, 'dave@example.org', 'dup', 'failed')).toBeNull()
    expect(store.get(ACCOUNT, toBob!.rowId)?.state).toBe('sent')
    expect(store.setState(ACCOUNT, PEER, 'dup', 'delivered')?.rowId).toBe(toBob!.rowId)
    expect(store.get(ACCOUNT, toCarol!.rowId)?.state).toBe('read')
  })

  it('keys a private chat through a room by the occupant, not the room', () => {
    store = memoryStore()
    const pm = 'room@muc.example.org/witch'
    const [r] = store.insert([outgoing({ peer: pm, id: 'pm1', originId: 'pm1', state: 'sent' })])
    expect(store.setState(ACCOUNT, 'room@muc.example.org', 'pm1', 'acked')).toBeNull()
    expect(store.setState(ACCOUNT, pm, 'pm1', 'acked')).toMatchObject({ peer: pm, rowId: r!.rowId, state: 'acked' })
  })
})

describe('outbox', () => {
  it('lists queued outgoing messages oldest first with everything needed to resend them', () => {
    store = memoryStore()
    store.insert([
      outgoing({ id: 'q2', originId: 'q2', body: 'second', at: T0 + 2000 }),
      outgoing({ id: 'q1', originId: 'q1', body: 'first', at: T0 + 1000, replyTo: { id: 'x', jid: PEER }, action: true }),
      outgoing({ id: 'done', originId: 'done', body: 'acked', state: 'acked' }),
      outgoing({ account: 'acc-2', id: 'q3', originId: 'q3', body: 'other account' }),
      incoming({ body: 'not ours' })
    ])
    const box = store.outbox(ACCOUNT)
    expect(box.map((m) => [m.id, m.originId, m.body, m.at, m.state])).toEqual([
      ['q1', 'q1', 'first', T0 + 1000, 'queued'],
      ['q2', 'q2', 'second', T0 + 2000, 'queued']
    ])
    expect(box[0]).toMatchObject({ peer: PEER, account: ACCOUNT, replyTo: { id: 'x', jid: PEER }, action: true, from: `${ME}/desktop` })
    expect(store.outbox().map((m) => m.id)).toEqual(['q1', 'q2', 'q3'])
    store.setState(ACCOUNT, PEER, 'q1', 'sent')
    expect(store.outbox(ACCOUNT).map((m) => m.id)).toEqual(['q2'])
    expect(store.outbox(ACCOUNT, ['queued', 'sent']).map((m) => m.id)).toEqual(['q1', 'q2'])
    expect(store.outbox('unknown')).toEqual([])
  })

  it('includes queued corrections with the id they correct', () => {
    store = memoryStore()
    store.insert([outgoing({ id: 'orig', originId: 'orig', body: 'helo', state: 'acked' })])
    const result = store.correct(ACCOUNT, PEER, 'orig', ME, 'hello', T0 + 5000, { id: 'fix1', originId: 'fix1', direction: 'out', from: `${ME}/desktop` })
    expect(result.status).toBe('applied')
    expect(store.outbox(ACCOUNT)).toEqual([expect.objectContaining({ id: 'fix1', body: 'hello', correctsId: 'orig', state: 'queued' })])
    expect(store.latest(ACCOUNT, PEER)?.body).toBe('hello')
  })

  it('commits queued messages with synchronous=FULL (a power cut must not lose them), others with NORMAL', () => {
    store = memoryStore()
    const db = (store as unknown as { db: import('node:sqlite').DatabaseSync }).db
    const exec = vi.spyOn(db, 'exec')
    store.insert([outgoing()])
    expect(exec.mock.calls.map((c) => c[0])).toEqual(['PRAGMA synchronous = FULL', 'BEGIN IMMEDIATE', 'COMMIT', 'PRAGMA synchronous = NORMAL'])
    exec.mockClear()
    store.insert([incoming()])
    expect(exec.mock.calls.map((c) => c[0])).toEqual(['BEGIN IMMEDIATE', 'COMMIT'])
  })

  it('survives closing and reopening the database file', () => {
    const { path, cleanup } = tempDir()
    try {
      store = MessageStore.open(path)
      store.insert([outgoing({ id: 'keep', originId: 'keep', body: 'typed offline' }), outgoing({ id: 'sent', originId: 'sent', state: 'sent' })])
      store.close()
      store = MessageStore.open(path)
      expect(store.outbox(ACCOUNT).map((m) => [m.id, m.body])).toEqual([['keep', 'typed offline']])
      expect(store.outbox(ACCOUNT, ['queued', 'sent']).map((m) => m.id)).toEqual(['keep', 'sent'])
      expect(store.setState(ACCOUNT, PEER, 'keep', 'acked')?.state).toBe('acked')
      // Queued messages were committed with synchronous=FULL; the connection is back to NORMAL.
      const db = (store as unknown as { db: import('node:sqlite').DatabaseSync }).db
      expect(db.prepare('PRAGMA synchronous').get()?.['synchronous']).toBe(1)
      store.checkpoint()
      store.optimize()
      store.close()
      store = MessageStore.open(path)
      expect(store.outbox(ACCOUNT)).toEqual([])
    } finally {
      store.close()
      cleanup()
    }
  })
})
