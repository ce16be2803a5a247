import { statSync, writeFileSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import { CoreError } from '../../../../../src/main/core/errors'
import { MessageStore } from '../../../../../src/main/core/store/MessageStore'
import { MIGRATIONS, SCHEMA_VERSION, migrate, userVersion, type Migration } from '../../../../../src/main/core/store/migrations'
import { ACCOUNT, PEER, incoming, tempDir } from './helpers'

const cleanups: (() => void)[] = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})
function temp() {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return t
}

const tables = (db: DatabaseSync): string[] =>
  db
    .prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((r) => String(r['name']))

describe('migrations', () => {
  it('are numbered 1..n', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length)
  })

  it('create the schema in an empty database and record the version', () => {
    const db = new DatabaseSync(':memory:')
    expect(migrate(db)).toEqual({ from: 0, to: SCHEMA_VERSION })
    expect(userVersion(db)).toBe(SCHEMA_VERSION)
    expect(tables(db)).toEqual(
      expect.arrayContaining(['messages', 'conversations', 'accounts', 'archives', 'archive_state', 'reaction_sets', 'message_fts', 'messages_conv_seq'])
    )
    db.close()
  })

  it('do nothing on a database that is up to date (re-open is idempotent)', () => {
    const { path } = temp()
    const store = MessageStore.open(path)
    store.insert([incoming({ body: 'kept' })])
    store.close()
    const db = new DatabaseSync(path)
    const before = tables(db)
    expect(migrate(db)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION })
    expect(tables(db)).toEqual(before)
    db.close()
    const again = MessageStore.open(path)
    expect(again.page(ACCOUNT, PEER).map((m) => m.body)).toEqual(['kept'])
    again.close()
  })

  it('refuse a database written by a newer schema, without touching it', () => {
    const { path } = temp()
    MessageStore.open(path).close()
    const raw = new DatabaseSync(path)
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()
    let error: unknown
    try {
      MessageStore.open(path)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(CoreError)
    expect(error).toMatchObject({ code: 'internal', condition: 'storage-newer-schema' })
    expect((error as CoreError).detail).toMatch(/newer version of Parley/)
    const check = new DatabaseSync(path)
    expect(userVersion(check)).toBe(SCHEMA_VERSION + 1)
    check.close()
  })

  it('run each step in a transaction: a failing step leaves the previous version intact', () => {
    const db = new DatabaseSync(':memory:')
    const steps: Migration[] = [
      { version: 1, name: 'one', up: (d) => d.exec('CREATE TABLE one (x)') },
      {
        version: 2,
        name: 'two',
        up: (d) => {
          d.exec('CREATE TABLE two (x)')
          d.exec('INSERT INTO nowhere VALUES (1)')
        }
      }
    ]
    expect(() => migrate(db, steps)).toThrow(/migration 2 \(two\)/)
    expect(userVersion(db)).toBe(1)
    expect(tables(db)).toEqual(['one'])
    expect(db.isTransaction).toBe(false)
    db.close()
  })

  it('refuse a list with a gap in its numbers', () => {
    const db = new DatabaseSync(':memory:')
    expect(() => migrate(db, [{ version: 2, name: 'gap', up: () => {} }])).toThrow(/expected 1/)
    db.close()
  })
})

describe('migration 2: room nicks and hidden conversations', () => {
  it('brings a version 1 database with history up to date without losing a message', () => {
    const { path } = temp()
    // A database as the first release wrote it: one room message, one one-to-one message.
    const v1 = new DatabaseSync(path)
    migrate(v1, MIGRATIONS.slice(0, 1))
    v1.exec(`INSERT INTO accounts (id, name) VALUES (1, '${ACCOUNT}')`)
    const rows: [number, string, string, string][] = [
      [1, 'club@rooms.example.org', 'club@rooms.example.org/Alice', 'old room message'],
      [2, PEER, `${PEER}/phone`, 'old chat message']
    ]
    for (const [id, peer, from, body] of rows) {
      v1.exec(`INSERT INTO conversations (id, account, peer, updated_at, last_row, last_seq, unread) VALUES (${id}, 1, '${peer}', 1000, ${id}, ${id * 2048}, 1)`)
      v1.exec(`INSERT INTO messages (row_id, seq, account, conv, direction, sender, from_jid, msg_id, body, at, received_at, state)
               VALUES (${id}, ${id * 2048}, 1, ${id}, 'in', '${from}', '${from}', 'm${id}', '${body}', ${id}, ${id}, 'received')`)
    }
    expect(userVersion(v1)).toBe(1)
    v1.close()

    const store = MessageStore.open(path)
    expect(userVersion((store as unknown as { db: DatabaseSync }).db)).toBe(SCHEMA_VERSION)
    const [room] = store.page(ACCOUNT, 'club@rooms.example.org')
    expect(room).toMatchObject({ body: 'old room message', from: 'club@rooms.example.org/Alice' })
    // Rows from before the migration carry no nick: the history service derives it from `from`.
    expect(room?.nick).toBeUndefined()
    expect(store.page(ACCOUNT, PEER).map((m) => m.body)).toEqual(['old chat message'])
    expect(store.conversations().map((c) => [c.peer, c.hidden])).toEqual(
      expect.arrayContaining([
        ['club@rooms.example.org', false],
        [PEER, false]
      ])
    )
    // New rows keep their nick and mention.
    store.insert([incoming({ peer: 'club@rooms.example.org', from: 'club@rooms.example.org/Bob', nick: 'Bob', mention: true, body: 'hi me' })])
    expect(store.latest(ACCOUNT, 'club@rooms.example.org')).toMatchObject({ nick: 'Bob', mention: true, body: 'hi me' })
    store.close()
  })
})

describe('migration 3: conversation kind, room names, bookmarks to retract', () => {
  it('marks conversations with room messages as rooms, and nothing else', () => {
    const { path } = temp()
    const v2 = new DatabaseSync(path)
    migrate(v2, MIGRATIONS.slice(0, 2))
    v2.exec(`INSERT INTO accounts (id, name) VALUES (1, '${ACCOUNT}')`)
    // A room message (it has a nick), a chat message, and a private message through a room.
    const rows: [number, string, string, string | null][] = [
      [1, 'club@rooms.example.org', 'club@rooms.example.org/Alice', 'Alice'],
      [2, PEER, `${PEER}/phone`, null],
      [3, 'club@rooms.example.org/Alice', 'club@rooms.example.org/Alice', 'Alice']
    ]
    for (const [id, peer, from, nick] of rows) {
      v2.exec(`INSERT INTO conversations (id, account, peer, updated_at, last_row, last_seq, unread) VALUES (${id}, 1, '${peer}', 1000, ${id}, ${id * 2048}, 0)`)
      v2.exec(`INSERT INTO messages (row_id, seq, account, conv, direction, sender, from_jid, msg_id, body, at, received_at, state, nick)
               VALUES (${id}, ${id * 2048}, 1, ${id}, 'in', '${from}', '${from}', 'm${id}', 'text ${id}', ${id}, ${id}, 'received', ${nick ? `'${nick}'` : 'NULL'})`)
    }
    v2.close()

    const store = MessageStore.open(path)
    expect(store.isRoom(ACCOUNT, 'club@rooms.example.org')).toBe(true)
    expect(store.isRoom(ACCOUNT, PEER)).toBe(false)
    expect(store.isRoom(ACCOUNT, 'club@rooms.example.org/Alice')).toBe(false)
    expect(store.rooms()).toEqual([{ account: ACCOUNT, room: 'club@rooms.example.org', name: null }])
    expect(store.page(ACCOUNT, 'club@rooms.example.org').map((m) => m.body)).toEqual(['text 1'])
    expect(store.bookmarkRetractions(ACCOUNT)).toEqual([])
    store.close()
  })
})

describe('MessageStore.open', () => {
  it('uses WAL, NORMAL sync, foreign keys and a busy timeout; the file is private', () => {
    const { path } = temp()
    const store = MessageStore.open(path)
    store.close()
    const db = new DatabaseSync(path)
    expect(db.prepare('PRAGMA journal_mode').get()?.['journal_mode']).toBe('wal')
    db.close()
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600)
    // Per-connection settings, read back through the store's own connection.
    const again = MessageStore.open(path) as unknown as { db: DatabaseSync; close(): void }
    const pragma = (name: string) => Object.values(again.db.prepare(`PRAGMA ${name}`).get() ?? {})[0]
    expect(pragma('synchronous')).toBe(1) // NORMAL
    expect(pragma('foreign_keys')).toBe(1)
    expect(pragma('busy_timeout')).toBe(5000)
    again.close()
  })

  it('reports a file that is not a database as a storage error', () => {
    const { path } = temp()
    writeFileSync(path, 'this is not a database, just text that is long enough to look like a header')
    expect(() => MessageStore.open(path)).toThrow(expect.objectContaining({ code: 'internal', condition: 'storage-corrupt' }))
  })
})
