import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { MessageStore } from '../../../../../src/main/core/store/MessageStore'
import { ACCOUNT, HOUR, ME, PEER, T0, bodies, incoming, memoryStore, outgoing, tempDir } from './helpers'

let store: MessageStore
afterEach(() => store?.close())

describe('dedup', () => {
  it('rule 1: the same stanza-id from the same archive is one message', () => {
    store = memoryStore()
    const m = incoming({ originId: undefined, id: '', stanzaId: 'S1', stanzaIdBy: ME })
    const [a] = store.insert([m])
    const [b] = store.insert([{ ...m, originId: 'different', id: 'other-id', body: 'archive copy' }])
    expect(a).toEqual({ rowId: a!.rowId, inserted: true })
    expect(b).toMatchObject({ rowId: a!.rowId, inserted: false })
    expect(bodies(store.page(ACCOUNT, PEER))).toEqual([m.body])
  })

  it('rule 1 is per archive: the same stanza-id stamped by another archive is another message', () => {
    store = memoryStore()
    store.insert([incoming({ id: '', originId: undefined, stanzaId: 'S1', stanzaIdBy: ME, body: 'a' })])
    const [b] = store.insert([incoming({ id: '', originId: undefined, stanzaId: 'S1', stanzaIdBy: 'room@muc.example.org', body: 'b' })])
    expect(b!.inserted).toBe(true)
  })

  it('a stanza-id without the archive that stamped it is not trusted (not stored, not used)', () => {
    store = memoryStore()
    store.insert([incoming({ id: '', originId: undefined, stanzaId: 'S1', body: 'a' })])
    const [b] = store.insert([incoming({ id: '', originId: undefined, stanzaId: 'S1', body: 'b' })])
    expect(b!.inserted).toBe(true)
    expect(store.latest(ACCOUNT, PEER)?.stanzaId).toBeUndefined()
  })

  it('rule 2: the same origin-id in the same chat and direction is one message, and the archive copy adds its stanza-id', () => {
    store = memoryStore()
    const live = incoming({ id: 'm1', originId: 'o1', at: T0, atIsLocal: true })
    const [first] = store.insert([live])
    const [copy] = store.insert([{ ...live, stanzaId: 'S9', stanzaIdBy: ME, at: T0 - 5000, atIsLocal: false }])
    expect(copy).toEqual({ rowId: first!.rowId, inserted: false, changed: true })
    const stored = store.get(ACCOUNT, first!.rowId)!
    expect(stored).toMatchObject({ stanzaId: 'S9', stanzaIdBy: ME, at: T0 - 5000 })
    // And now the stanza-id alone finds it too.
    const [third] = store.insert([{ ...live, originId: undefined, id: '', stanzaId: 'S9', stanzaIdBy: ME }])
    expect(third).toMatchObject({ rowId: first!.rowId, inserted: false })
  })

  it('rule 2 does not merge across directions or chats', () => {
    store = memoryStore()
    const [a] = store.insert([incoming({ originId: 'same' })])
    const [b] = store.insert([outgoing({ originId: 'same' })])
    const [c] = store.insert([incoming({ originId: 'same', peer: 'carol@example.org', from: 'carol@example.org/x' })])
    expect([a!.inserted, b!.inserted, c!.inserted]).toEqual([true, true, true])
  })

  it('rule 3: without origin-id, same sender, id and body within ±24 h is one message', () => {
    store = memoryStore()
    const old = incoming({ originId: undefined, id: '42', body: 'ok', at: T0 })
    const [a] = store.insert([old])
    const [b] = store.insert([{ ...old, from: `${PEER}/laptop`, at: T0 + 23 * HOUR }])
    const [c] = store.insert([{ ...old, at: T0 - 23 * HOUR }])
    expect(b).toMatchObject({ rowId: a!.rowId, inserted: false })
    expect(c).toMatchObject({ rowId: a!.rowId, inserted: false })
  })

  it('rule 3: a repeated id with a different body is a different message (old clients count ids from 1)', () => {
    store = memoryStore()
    const [a] = store.insert([incoming({ originId: undefined, id: '1', body: 'first', at: T0 })])
    const [b] = store.insert([incoming({ originId: undefined, id: '1', body: 'second', at: T0 + 1000 })])
    expect(a!.inserted && b!.inserted).toBe(true)
    expect(bodies(store.page(ACCOUNT, PEER))).toEqual(['first', 'second'])
  })

  it('rule 3 with a reused id: each message stays once through live resends and archive copies, and an edit by that id goes to the newest', () => {
    store = memoryStore()
    const first = incoming({ originId: undefined, id: 'c', body: 'first', at: T0, atIsLocal: true })
    const second = incoming({ originId: undefined, id: 'c', body: 'second', at: T0 + 1000, atIsLocal: true })
    const live = store.insert([first, second, { ...second, receivedAt: T0 + 5000 }])
    expect(live.map((o) => o.inserted)).toEqual([true, true, false])
    // The archive copies (server time, stanza-id) merge into their own message, not the other.
    const archived = store.insert([
      { ...second, stanzaId: 'S2', stanzaIdBy: ME, at: T0 + 900, atIsLocal: false },
      { ...first, stanzaId: 'S1', stanzaIdBy: ME, at: T0 - 100, atIsLocal: false }
    ])
    expect(archived.map((o) => [o.rowId, o.inserted])).toEqual([
      [live[1]!.rowId, false],
      [live[0]!.rowId, false]
    ])
    expect(store.page(ACCOUNT, PEER).map((m) => [m.body, m.stanzaId])).toEqual([
      ['first', 'S1'],
      ['second', 'S2']
    ])
    expect(store.correct(ACCOUNT, PEER, 'c', PEER, 'second, fixed', T0 + 2000)).toEqual({ status: 'applied', rowId: live[1]!.rowId })
    expect(bodies(store.page(ACCOUNT, PEER))).toEqual(['first', 'second, fixed'])
  })

  it('rule 3: the same id and body more than 24 h apart is a new message', () => {
    store = memoryStore()
    store.insert([incoming({ originId: undefined, id: '7', body: 'ok', at: T0 })])
    const [b] = store.insert([incoming({ originId: undefined, id: '7', body: 'ok', at: T0 + 25 * HOUR })])
    expect(b!.inserted).toBe(true)
  })

  it('rule 3 compares the sender, not the resource, and never applies to an empty id', () => {
    store = memoryStore()
    store.insert([incoming({ originId: undefined, id: '', body: 'same', at: T0 })])
    const [b] = store.insert([incoming({ originId: undefined, id: '', body: 'same', at: T0 })])
    expect(b!.inserted).toBe(true)
    const [c] = store.insert([incoming({ originId: undefined, id: 'x', from: 'mallory@evil.example/x', body: 'same', at: T0 })])
    const [d] = store.insert([incoming({ originId: undefined, id: 'x', body: 'same', at: T0 })])
    expect([c!.inserted, d!.inserted]).toEqual([true, true])
  })

  it('deduplicates within one batch as well', () => {
    store = memoryStore()
    const m = incoming()
    const out = store.insert([m, { ...m }, { ...m, stanzaId: 'S', stanzaIdBy: ME }])
    expect(out.map((o) => o.inserted)).toEqual([true, false, false])
    expect(store.page(ACCOUNT, PEER)).toHaveLength(1)
    expect(store.latest(ACCOUNT, PEER)?.stanzaId).toBe('S')
  })

  it('a duplicate moves an outgoing state forward, never back', () => {
    store = memoryStore()
    const sent = outgoing({ state: 'sent' })
    const [a] = store.insert([sent])
    expect(store.insert([{ ...sent, state: 'delivered' }])[0]).toMatchObject({ inserted: false, changed: true })
    expect(store.insert([{ ...sent, state: 'acked' }])[0]).toEqual({ rowId: a!.rowId, inserted: false })
    expect(store.get(ACCOUNT, a!.rowId)?.state).toBe('delivered')
  })

  it('the UNIQUE indexes hold even against writes that bypass the store', () => {
    const { path, cleanup } = tempDir()
    try {
      store = MessageStore.open(path)
      store.insert([incoming({ id: 'x', originId: 'o', stanzaId: 'S', stanzaIdBy: ME, body: 'b' })])
      store.close()
      const db = new DatabaseSync(path)
      const copy = (changes: string) =>
        db.exec(`INSERT INTO messages (seq, account, conv, kind, direction, sender, from_jid, msg_id, origin_id, stanza_id, stanza_by, body,
                   body_hash, dedup_day, at, received_at, state)
                 SELECT seq + 1, account, conv, kind, direction, sender, from_jid, msg_id, origin_id, stanza_id, stanza_by, body,
                   body_hash, dedup_day, at, received_at, state FROM messages WHERE row_id = 1; ${changes}`)
      expect(() => copy('')).toThrow(/UNIQUE constraint failed/)
      db.exec("UPDATE messages SET stanza_id = NULL, origin_id = NULL, body_hash = x'00', dedup_day = 1")
      expect(() => copy('')).toThrow(/UNIQUE constraint failed: messages\.conv, messages\.direction, messages\.sender/)
      db.close()
    } finally {
      cleanup()
    }
  })
})

describe('ordering', () => {
  it('orders by server time, not by arrival: a late archive message lands in its place', () => {
    store = memoryStore()
    store.insert([incoming({ body: 'b', at: T0 + 2000 }), incoming({ body: 'c', at: T0 + 3000 })])
    store.insert([incoming({ body: 'a', at: T0 + 1000 })])
    expect(bodies(store.page(ACCOUNT, PEER))).toEqual(['a', 'b', 'c'])
    expect(store.latest(ACCOUNT, PEER)?.body).toBe('c')
    expect(store.conversation(ACCOUNT, PEER)?.last?.body).toBe('c')
  })

  it('keeps arrival order between messages with the same server time', () => {
    store = memoryStore()
    store.insert([incoming({ body: '1', at: T0 }), outgoing({ body: '2', at: T0, atIsLocal: false }), incoming({ body: '3', at: T0 })])
    store.insert([incoming({ body: '4', at: T0 })])
    expect(bodies(store.page(ACCOUNT, PEER))).toEqual(['1', '2', '3', '4'])
  })

  it('replaces a local clock time with the server time when the archive copy arrives (clock skew)', () => {
    store = memoryStore()
    // Our clock runs an hour fast: the message we sent looks newer than the reply.
    const mine = outgoing({ body: 'question', at: T0 + HOUR, atIsLocal: true, state: 'acked' })
    store.insert([mine])
    store.insert([incoming({ body: 'answer', at: T0 + 60_000 })])
    expect(bodies(store.page(ACCOUNT, PEER))).toEqual(['answer', 'question'])
    const [copy] = store.insert([{ ...mine, at: T0, atIsLocal: false, stanzaId: 'S', stanzaIdBy: ME }])
    expect(copy).toMatchObject({ inserted: false, changed: true })
    expect(bodies(store.page(ACCOUNT, PEER))).toEqual(['question', 'answer'])
    expect(store.conversation(ACCOUNT, PEER)?.last?.body).toBe('answer')
    // A later local copy never replaces the server's time.
    store.insert([{ ...mine, at: T0 + 2 * HOUR, atIsLocal: true }])
    expect(store.page(ACCOUNT, PEER)[0]?.at).toBe(T0)
    // The search index moved with it.
    expect(store.search({ text: 'question' }).map((h) => [h.body, h.at])).toEqual([['question', T0]])
    expect(store.search({ text: 'question', since: T0 + 1 })).toEqual([])
  })

  it('pages backwards and forwards by cursor, and jumps to a message', () => {
    store = memoryStore()
    const all = Array.from({ length: 120 }, (_, i) => incoming({ body: `m${i}`, at: T0 + i * 1000 }))
    store.insert(all)
    const newest = store.page(ACCOUNT, PEER, { limit: 50 })
    expect(newest.map((m) => m.body)).toEqual(all.slice(70).map((m) => m.body))
    const first = newest[0]!
    const older = store.page(ACCOUNT, PEER, { before: { at: first.at, rowId: first.rowId }, limit: 50 })
    expect(older.map((m) => m.body)).toEqual(all.slice(20, 70).map((m) => m.body))
    const oldest = store.page(ACCOUNT, PEER, { before: { at: older[0]!.at, rowId: older[0]!.rowId }, limit: 50 })
    expect(oldest.map((m) => m.body)).toEqual(all.slice(0, 20).map((m) => m.body))
    const after = store.page(ACCOUNT, PEER, { after: { at: oldest[19]!.at, rowId: oldest[19]!.rowId }, limit: 3 })
    expect(bodies(after)).toEqual(['m20', 'm21', 'm22'])
    const around = store.around(ACCOUNT, PEER, older[10]!.rowId, 2)
    expect(bodies(around)).toEqual(['m28', 'm29', 'm30', 'm31', 'm32'])
    expect(store.page(ACCOUNT, PEER, { limit: 0 })).toHaveLength(1)
    expect(store.around(ACCOUNT, PEER, 999_999)).toEqual([])
    expect(store.page(ACCOUNT, 'nobody@example.org')).toEqual([])
    expect(store.page('no-account', PEER)).toEqual([])
  })

  it('keeps each account and conversation apart', () => {
    store = memoryStore()
    store.insert([incoming({ body: 'for acc-1' }), incoming({ account: 'acc-2', body: 'for acc-2' }), incoming({ peer: 'carol@example.org', body: 'carol' })])
    expect(bodies(store.page(ACCOUNT, PEER))).toEqual(['for acc-1'])
    expect(bodies(store.page('acc-2', PEER))).toEqual(['for acc-2'])
    const row = store.page('acc-2', PEER)[0]!.rowId
    expect(store.get(ACCOUNT, row)).toBeNull()
    expect(store.get('acc-2', row)?.body).toBe('for acc-2')
  })

  it('gives back everything it was given (the view shape of ChatMessageView plus store fields)', () => {
    store = memoryStore()
    const [r] = store.insert([
      incoming({
        id: 'abc',
        originId: 'origin-abc',
        stanzaId: 'S1',
        stanzaIdBy: ME,
        from: `${PEER}/tablet`,
        body: '/me waves',
        action: true,
        receiptRequested: true,
        replyTo: { id: 'nope', jid: ME },
        at: T0,
        receivedAt: T0 + 7,
        source: 'carbon'
      })
    ])
    expect(store.get(ACCOUNT, r!.rowId)).toEqual({
      rowId: r!.rowId,
      account: ACCOUNT,
      peer: PEER,
      id: 'abc',
      originId: 'origin-abc',
      stanzaId: 'S1',
      stanzaIdBy: ME,
      resource: `${PEER}/tablet`,
      from: `${PEER}/tablet`,
      sender: PEER,
      direction: 'in',
      body: '/me waves',
      at: T0,
      receivedAt: T0 + 7,
      state: 'received',
      action: true,
      receiptRequested: true,
      source: 'carbon',
      replyTo: { id: 'nope', jid: ME },
      reactions: []
    })
  })

  it('keeps the shared-file mark (XEP-0066) on the message and on its conversation preview', () => {
    store = memoryStore()
    const url = 'https://upload.example.org/slot/Makefile'
    const [r] = store.insert([incoming({ id: 'f1', body: url, attachment: true })])
    expect(store.get(ACCOUNT, r!.rowId)).toMatchObject({ body: url, attachment: true })
    expect(store.conversation(ACCOUNT, PEER)?.last).toMatchObject({ body: url, attachment: true })
    store.insert([incoming({ id: 'f2', body: 'https://example.org/page', at: store.get(ACCOUNT, r!.rowId)!.at + 1 })])
    expect(store.latest(ACCOUNT, PEER)?.attachment).toBeUndefined()
    expect(store.conversation(ACCOUNT, PEER)?.last?.attachment).toBe(false)
  })

  it('resolves a reply to the message it answers', () => {
    store = memoryStore()
    const [q] = store.insert([incoming({ id: 'q1', originId: 'q1', body: 'Lunch at noon?' })])
    store.insert([outgoing({ body: 'Yes!', replyTo: { id: 'q1', jid: PEER }, state: 'acked' })])
    const reply = store.latest(ACCOUNT, PEER)!
    expect(reply.replyTo).toEqual({ id: 'q1', jid: PEER, rowId: q!.rowId, from: `${PEER}/phone`, body: 'Lunch at noon?' })
    expect(store.byId(ACCOUNT, PEER, 'q1')?.rowId).toBe(q!.rowId)
  })
})
