import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { CoreError } from '../../../../../src/main/core/errors'
import { isStorageFull, toStorageError } from '../../../../../src/main/core/store/errors'
import { MessageStore } from '../../../../../src/main/core/store/MessageStore'
import { ACCOUNT, ME, PEER, T0, incoming, memoryStore, outgoing, tempDir } from './helpers'

let store: MessageStore | undefined
const cleanups: (() => void)[] = []
afterEach(() => {
  store?.close()
  store = undefined
  while (cleanups.length) cleanups.pop()!()
})
function temp() {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return t
}

function caught(fn: () => unknown): CoreError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(CoreError)
    return err as CoreError
  }
  throw new Error('expected a CoreError')
}

const HOSTILE = [
  'nul \u0000 inside',
  '\u0000',
  'lone high \uD800 surrogate',
  'lone low \uDC00 surrogate',
  '\uDBFF',
  'reversed \uDC00\uD800 pair',
  'RTL override \u202Egnp.exe\u202C and isolate \u2067x\u2069',
  'zero width \u200B\u200C\u200D joiners, BOM \uFEFF',
  'emoji 👍🏽 👨‍👩‍👧 🏳️‍🌈',
  'combining e\u0301 and Hangul jamo \u1100\u1161',
  "'); DROP TABLE messages; --",
  '"quoted" `back` \\ back\\slash %_ LIKE wildcards',
  '\r\n\t\u000b\u000c control characters \u0007\u001b[31m',
  '',
  ' '
]

describe('text round trip', () => {
  it('reads back every hostile string exactly, in every text field, and still deduplicates it', () => {
    store = memoryStore()
    for (const [i, text] of HOSTILE.entries()) {
      const m = incoming({ body: text, from: `${PEER}/${text}`, id: `id-${text}`, originId: `o-${text}`, stanzaId: `s-${text}`, stanzaIdBy: `${ME}${text}`, at: T0 + i })
      const [r] = store.insert([m])
      expect(r!.inserted, JSON.stringify(text)).toBe(true)
      const back = store.get(ACCOUNT, r!.rowId)!
      expect(back.body === text, JSON.stringify(text)).toBe(true)
      expect(back.from === m.from && back.id === m.id && back.originId === m.originId && back.stanzaId === m.stanzaId).toBe(true)
      expect(back.stanzaIdBy === m.stanzaIdBy).toBe(true)
      // The same hostile copy again is a duplicate, by every rule.
      expect(store.insert([{ ...m }])[0]).toMatchObject({ rowId: r!.rowId, inserted: false })
      expect(store.insert([{ ...m, stanzaId: undefined }])[0]).toMatchObject({ rowId: r!.rowId, inserted: false })
      expect(store.insert([{ ...m, stanzaId: undefined, originId: undefined, at: T0 + i + 1000 }])[0]!.inserted).toBe(true)
    }
    // Corrections and reactions with hostile text too.
    const [r] = store.insert([incoming({ id: 'h', originId: 'h', body: 'plain' })])
    store.correct(ACCOUNT, PEER, 'h', PEER, 'fixed \uD800 \u0000 \u202E', T0 + 99_000)
    store.react(ACCOUNT, PEER, 'h', PEER, ['\uD83D', '👍'], T0 + 99_001)
    const back = store.get(ACCOUNT, r!.rowId)!
    expect(back.body === 'fixed \uD800 \u0000 \u202E').toBe(true)
    expect(back.reactions.map((x) => x.emoji)).toEqual(['\uD83D', '👍'])
    // Search neither throws nor loses the readable words around the hostile ones.
    // (Twice: the copy without origin-id above is a message of its own.)
    expect(store.search({ text: 'override' }).map((h) => h.body)).toEqual([HOSTILE[6], HOSTILE[6]])
    for (const text of HOSTILE) expect(() => store!.search({ text })).not.toThrow()
  })

  it('stores and reads back a 1 MiB body byte for byte, and finds it by its beginning', () => {
    store = memoryStore()
    const unit = 'Grüße 北京 🙂 \u202E\u0000 '
    const body = ('needle ' + unit.repeat(Math.ceil((1 << 20) / unit.length))).slice(0, 1 << 20)
    const [r] = store.insert([incoming({ body })])
    const back = store.get(ACCOUNT, r!.rowId)!
    expect(back.body.length).toBe(1 << 20)
    expect(back.body === body).toBe(true)
    const [hit] = store.search({ text: 'needle' })
    expect(hit?.rowId).toBe(r!.rowId)
    expect(hit!.snippet.text.length).toBeLessThan(200)
    expect(store.conversations()[0]!.last!.body.length).toBeLessThanOrEqual(200)
  })

  it('keeps SQL in values as data', () => {
    store = memoryStore()
    const evil = "x'); DELETE FROM messages; SELECT ('"
    store.insert([incoming({ body: evil, from: evil, id: evil }), incoming({ account: evil, peer: evil, body: 'b' })])
    store.setArchiveState(evil, evil, { lastId: evil, complete: false, syncedAt: T0 })
    expect(store.page(ACCOUNT, PEER).map((m) => m.body)).toEqual([evil])
    expect(store.page(evil, evil).map((m) => m.body)).toEqual(['b'])
    expect(store.archiveState(evil, evil)?.lastId).toBe(evil)
    expect(store.search({ text: evil }).map((h) => h.body)).toEqual([evil])
  })
})

describe('write failures', () => {
  it('a full disk (SQLITE_FULL) throws a typed error, rolls the whole batch back and keeps earlier data', () => {
    const { path } = temp()
    store = MessageStore.open(path, { maxPageCount: 80 })
    const early = [incoming({ body: 'early message one' }), outgoing({ id: 'q1', originId: 'q1', body: 'queued before' })]
    store.insert(early)
    const before = { page: store.page(ACCOUNT, PEER), conv: store.conversation(ACCOUNT, PEER), totals: store.unreadTotals() }
    const big = Array.from({ length: 400 }, (_, i) => incoming({ body: `filler ${i} ${'data '.repeat(200)}` }))
    const err = caught(() => store!.insert(big))
    expect(err).toMatchObject({ code: 'internal', condition: 'storage-full' })
    expect(err.detail).toMatch(/disk is full.*storing messages/)
    expect(isStorageFull(err)).toBe(true)
    // Nothing of the failed batch, everything from before; and the store keeps working.
    expect(store.page(ACCOUNT, PEER)).toEqual(before.page)
    expect(store.conversation(ACCOUNT, PEER)).toEqual(before.conv)
    expect(store.unreadTotals()).toEqual(before.totals)
    expect(store.search({ text: 'filler' })).toEqual([])
    expect(store.search({ text: 'early' })).toHaveLength(1)
    expect(store.outbox(ACCOUNT).map((m) => m.id)).toEqual(['q1'])
    expect(store.setState(ACCOUNT, PEER, 'q1', 'sent')?.state).toBe('sent')
    store.close()
    store = undefined
    const db = new DatabaseSync(path)
    expect(db.prepare('PRAGMA integrity_check').get()?.['integrity_check']).toBe('ok')
    db.exec("INSERT INTO message_fts (message_fts) VALUES ('integrity-check')")
    db.close()
    // With room again, the same batch goes in.
    store = MessageStore.open(path)
    expect(store.insert(big).every((o) => o.inserted)).toBe(true)
  })

  it('a database that cannot even be created fully stays at version 0 and opens later', () => {
    const { path } = temp()
    expect(caught(() => MessageStore.open(path, { maxPageCount: 4 }))).toMatchObject({ condition: 'storage-full' })
    store = MessageStore.open(path)
    expect(store.insert([incoming()])[0]!.inserted).toBe(true)
  })

  it('refuses invalid input before writing anything of the batch', () => {
    store = memoryStore()
    const bad: unknown[] = [
      { direction: 'sideways' },
      { state: 'lost' },
      { at: Number.NaN },
      { at: '2026' },
      { body: 42 },
      { account: '' },
      { peer: '' },
      { replyTo: { id: '', jid: PEER } }
    ]
    for (const over of bad) {
      const err = caught(() => store!.insert([incoming(), { ...incoming(), ...(over as object) }]))
      expect(err.code, JSON.stringify(over)).toBe('invalid-argument')
    }
    expect(store.conversations()).toEqual([])
    expect(caught(() => store!.setState(ACCOUNT, PEER, 'x', 'lost' as never)).code).toBe('invalid-argument')
  })

  it('clamps absurd server times instead of failing', () => {
    store = memoryStore()
    store.insert([incoming({ body: 'far future', at: 8.64e15 }), incoming({ body: 'before 1970', at: -5 })])
    expect(store.page(ACCOUNT, PEER).map((m) => [m.body, m.at])).toEqual([
      ['before 1970', 0],
      ['far future', 2 ** 42 - 1]
    ])
  })

  it('survives a hostile archive that stamps thousands of messages with the same millisecond', () => {
    store = memoryStore()
    store.insert(Array.from({ length: 2100 }, (_, i) => incoming({ body: `same time ${i}`, at: T0 })))
    store.insert([incoming({ body: 'next millisecond', at: T0 + 1 })])
    const page = store.page(ACCOUNT, PEER, { limit: 3 })
    expect(page.map((m) => m.body)).toEqual(['same time 2098', 'same time 2099', 'next millisecond'])
  })

  it('reports use after close as a storage error', () => {
    const s = memoryStore()
    s.close()
    s.close()
    expect(caught(() => s.page(ACCOUNT, PEER))).toMatchObject({ condition: 'storage-closed' })
    expect(caught(() => s.insert([incoming()]))).toMatchObject({ condition: 'storage-closed' })
  })

  it('maps SQLite result codes to conditions', () => {
    const sqlite = (errcode: number) => Object.assign(new Error('boom'), { code: 'ERR_SQLITE_ERROR', errcode })
    expect(toStorageError(sqlite(13), 'x').condition).toBe('storage-full')
    expect(toStorageError(sqlite(8 | (3 << 8)), 'x').condition).toBe('storage-read-only')
    expect(toStorageError(sqlite(5), 'x').condition).toBe('storage-busy')
    expect(toStorageError(sqlite(11), 'x').condition).toBe('storage-corrupt')
    expect(toStorageError(sqlite(26), 'x').condition).toBe('storage-corrupt')
    expect(toStorageError(sqlite(10 | (12 << 8)), 'x').condition).toBe('storage-io')
    expect(toStorageError(sqlite(2067), 'x').condition).toBe('storage-error')
    expect(toStorageError(new Error('plain'), 'x')).toMatchObject({ code: 'internal', condition: 'storage-error' })
    const core = new CoreError('invalid-argument', 'kept')
    expect(toStorageError(core, 'x')).toBe(core)
    const err = toStorageError(sqlite(13), 'storing messages')
    expect(err.toView()).toEqual({ code: 'internal', detail: 'Message store: the disk is full (storing messages: boom)', condition: 'storage-full' })
  })
})
