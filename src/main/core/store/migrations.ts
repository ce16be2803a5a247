// Schema migrations of the message store: numbered, forward only, each in its own transaction
// together with the `PRAGMA user_version` bump, so a crash leaves the database at one version or
// the next, never in between. Never edit a released migration; add the next number.
import type { DatabaseSync } from 'node:sqlite'
import { storageError, toStorageError } from './errors'

export interface Migration {
  version: number
  name: string
  up(db: DatabaseSync): void
}

// Columns that hold text from the network are `ANY`: the store writes a string, or (for text that
// is not well-formed UTF-16, e.g. a lone surrogate) its UTF-16LE bytes as a blob, so that every
// body reads back exactly as it came. STRICT keeps everything else honest.
const V1 = `
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
) STRICT;

-- Archives that stamp stanza-ids (XEP-0359 'by': our bare JID, a room): few, referred to by number.
CREATE TABLE archives (
  id INTEGER PRIMARY KEY,
  jid ANY NOT NULL UNIQUE
) STRICT;

CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  account INTEGER NOT NULL REFERENCES accounts (id),
  peer TEXT NOT NULL,
  unread INTEGER NOT NULL DEFAULT 0,
  -- Server time (ms) up to which the user has read; older arrivals never count as unread.
  read_at INTEGER NOT NULL DEFAULT 0,
  last_row INTEGER,
  last_seq INTEGER NOT NULL DEFAULT -1,
  updated_at INTEGER NOT NULL,
  -- Opened by the user: listed even without messages (a chat only reacted to is not).
  opened INTEGER NOT NULL DEFAULT 0,
  UNIQUE (account, peer)
) STRICT;

-- seq orders messages: at (server time, ms) * 2048 + arrival within that millisecond. It is the
-- paging cursor and the FTS rowid, so "newest first" is an index walk both for a conversation and
-- for search results, whatever order the messages arrived in (MAM pages backwards, catch-up).
-- kind: 0 message, 1 correction (XEP-0308, replaces_id = target), 2 retraction waiting for its
-- target (XEP-0424). flags: 1 = /me action, 2 = receipt requested, bits 2-3 = how it arrived.
CREATE TABLE messages (
  row_id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,
  account INTEGER NOT NULL REFERENCES accounts (id),
  conv INTEGER NOT NULL REFERENCES conversations (id),
  kind INTEGER NOT NULL DEFAULT 0 CHECK (kind IN (0, 1, 2)),
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  sender ANY NOT NULL,
  from_jid ANY NOT NULL,
  msg_id ANY NOT NULL,
  origin_id ANY,
  stanza_id ANY,
  stanza_by INTEGER REFERENCES archives (id),
  body ANY NOT NULL,
  body_hash BLOB,
  dedup_day INTEGER,
  at INTEGER NOT NULL,
  at_local INTEGER NOT NULL DEFAULT 0,
  received_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  error TEXT,
  flags INTEGER NOT NULL DEFAULT 0,
  reply_to_id ANY,
  reply_to_jid ANY,
  replaces_id ANY,
  edited_body ANY,
  edited_at INTEGER,
  retracted_at INTEGER
) STRICT;

CREATE UNIQUE INDEX messages_seq ON messages (seq);
CREATE INDEX messages_conv_seq ON messages (conv, seq) WHERE kind = 0;
-- Dedup rule 1: the archive's stanza-id (XEP-0359), unique per account and archive.
CREATE UNIQUE INDEX messages_stanza_id ON messages (account, stanza_id, stanza_by) WHERE stanza_id IS NOT NULL;
-- Dedup rule 2: origin-id within a conversation and direction.
CREATE UNIQUE INDEX messages_origin_id ON messages (conv, direction, origin_id) WHERE origin_id IS NOT NULL;
-- Dedup rule 3 (no origin-id): sender, id and body hash. The store matches within ±24 h; this
-- index is the backstop, per UTC day, so it never refuses what the ±24 h rule lets through.
CREATE UNIQUE INDEX messages_legacy_id ON messages (conv, direction, sender, msg_id, body_hash, dedup_day) WHERE dedup_day IS NOT NULL;
-- Receipts, markers, acks and references (corrections, replies, reactions) name a message by id.
CREATE INDEX messages_msg_id ON messages (msg_id, conv) WHERE msg_id <> '';
CREATE INDEX messages_refs ON messages (conv, replaces_id) WHERE kind <> 0;
CREATE INDEX messages_outbox ON messages (account, seq) WHERE direction = 'out' AND state IN ('queued', 'sent');

-- Contentless (the text lives in messages), rowid = messages.seq. body: see search.ts; meta:
-- conversation and account tokens, so FTS5 filters by chat without visiting the messages table.
-- Prefix indexes: 1 character (a one-character CJK query, the first letter typed) and 3 (a Latin
-- word being typed); see search.ts for the measurements.
CREATE VIRTUAL TABLE message_fts USING fts5 (
  body, meta,
  content = '', contentless_delete = 1, prefix = '1 3',
  tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co So'"
);

-- XEP-0444: one row per sender and target; an empty set is kept (emojis = '[]') so that an older
-- copy replayed by the archive cannot bring removed reactions back.
CREATE TABLE reaction_sets (
  conv INTEGER NOT NULL REFERENCES conversations (id),
  target_id ANY NOT NULL,
  sender ANY NOT NULL,
  emojis TEXT NOT NULL,
  at INTEGER NOT NULL,
  mine INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conv, target_id, sender)
) STRICT, WITHOUT ROWID;

-- XEP-0313 sync position per account and archive (own bare JID, or a room).
CREATE TABLE archive_state (
  account INTEGER NOT NULL REFERENCES accounts (id),
  archive TEXT NOT NULL,
  last_id ANY,
  first_id ANY,
  complete INTEGER NOT NULL DEFAULT 0,
  synced_at INTEGER NOT NULL,
  PRIMARY KEY (account, archive)
) STRICT, WITHOUT ROWID;
`

// Group chats: the sender's room nick as the room stamped it (NULL for one-to-one messages and for
// rows stored before this version, whose `from_jid` is still `room/nick`), and conversations the
// user closed for good (a forgotten or removed room): kept with their history, no longer listed.
// `flags` bit 4 (16) marks a room message that mentions our nick; older rows simply lack it.
const V2 = `
ALTER TABLE messages ADD COLUMN nick ANY;
ALTER TABLE conversations ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
`

// Group chats survive a restart as such: whether a conversation is a room (kind 1) and the room's
// name, so that a room joined without a bookmark is not taken for a one-to-one chat with the room's
// address. Rows from before: a conversation with a message that carries a room nick (schema 2 on)
// is a room; only room messages have one. Older room history (schema 1: no nick, `from_jid`
// `room/nick`) cannot be told from a chat with a contact's resource and stays a chat until the
// room is joined again or speaks. A peer with a '/' is a private chat through a room, never a room.
// And bookmarks of rooms forgotten while offline, retracted at the account's next login (before
// autojoin): a server-side change waiting like the outbox does, gone with the account.
const V3 = `
ALTER TABLE conversations ADD COLUMN kind INTEGER NOT NULL DEFAULT 0 CHECK (kind IN (0, 1));
ALTER TABLE conversations ADD COLUMN name ANY;
UPDATE conversations SET kind = 1
  WHERE instr(peer, '/') = 0 AND id IN (SELECT conv FROM messages WHERE nick IS NOT NULL);

CREATE TABLE bookmark_retractions (
  account INTEGER NOT NULL REFERENCES accounts (id),
  room TEXT NOT NULL,
  PRIMARY KEY (account, room)
) STRICT, WITHOUT ROWID;
`

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'messages, conversations, search index, reactions, archive state',
    up: (db) => db.exec(V1)
  },
  {
    version: 2,
    name: 'room nick per message, hidden conversations',
    up: (db) => db.exec(V2)
  },
  {
    version: 3,
    name: 'conversation kind and room name, pending bookmark retractions',
    up: (db) => db.exec(V3)
  },
  {
    version: 4,
    name: 'archive time of the catch-up position',
    // Where to start again, by time, when the archive forgets the position's id (item-not-found).
    up: (db) => db.exec('ALTER TABLE archive_state ADD COLUMN last_at INTEGER')
  }
]

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0

export const userVersion = (db: DatabaseSync): number => Number(db.prepare('PRAGMA user_version').get()?.['user_version'] ?? 0)

/**
 * Brings the database to the newest version this build knows. A database from a newer build is
 * refused rather than opened: its tables may mean something this code does not know.
 */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} is numbered ${m.version}, expected ${i + 1}`)
  })
  const latest = migrations.length
  const from = userVersion(db)
  if (from > latest) {
    throw storageError(
      'storage-newer-schema',
      `schema version ${from}, this build knows up to ${latest}; update Parley or use another profile`
    )
  }
  for (const m of migrations.slice(from)) {
    db.exec('BEGIN IMMEDIATE')
    try {
      m.up(db)
      db.exec(`PRAGMA user_version = ${m.version}`)
      db.exec('COMMIT')
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK')
      throw toStorageError(err, `migration ${m.version} (${m.name})`)
    }
  }
  return { from, to: Math.max(from, latest) }
}
