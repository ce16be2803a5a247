// The message store: every message of every account in one SQLite database per profile, through
// node:sqlite (no native module). Synchronous by design — node:sqlite is — so callers hand it small
// batches (one transaction each) to keep the event loop free.
//
// Design rules it implements (shared notes, "Reliability: design rules" 1, 4, 5, 6):
// - ordering by server time (`at`), then arrival; never by the local clock (`seq`, below);
// - idempotent writes: dedup by stanza-id, then origin-id, then (sender, id, body hash, ±24 h),
//   each backed by a UNIQUE index; a duplicate merges what the new copy knows;
// - the outbox is the messages table itself (outgoing rows in state `queued`), written with
//   synchronous=FULL so a queued message survives a power cut, not only a crash;
// - unread counts live in the same transaction as the inserts that change them.
import { createHash } from 'node:crypto'
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs'
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from 'node:sqlite'
import type { ChatMessageView } from '../../../shared/ipc/contract'
import type { ErrorView } from '../../../shared/model/errors'
import type { AccountId, MessageId } from '../../../shared/model/ids'
import type { DeliveryState, MessageDirection } from '../../../shared/model/message'
import { CoreError } from '../errors'
import { storageError, toStorageError } from './errors'
import { migrate } from './migrations'
import { accountToken, convToken, highlight, metaText, parseQuery, searchText, snippet, type Snippet } from './search'

// ---------------------------------------------------------------------------------------------
// Public types

export interface StoredMessageInput {
  account: AccountId | string
  /** Bare JID of the conversation (the peer, or the room). */
  peer: string
  direction: MessageDirection
  /** Full JID (or room nick) of the sender. */
  from: string
  /**
   * Stable identity of the sender, compared for corrections, retractions and dedup. Defaults to
   * the bare part of `from`; in a room pass the occupant's real JID or XEP-0421 occupant-id.
   */
  sender?: string | undefined
  /** The stanza `id`; may be ''. */
  id: string
  originId?: string | undefined
  /** XEP-0359 stanza-id; only used together with `stanzaIdBy` (the archive that stamped it). */
  stanzaId?: string | undefined
  stanzaIdBy?: string | undefined
  body: string
  /** Server time, epoch ms (XEP-0203 delay / MAM). */
  at: number
  /**
   * True when `at` is our own clock (a message we send, or one received live without a delay):
   * a later copy that carries the server's time replaces it.
   */
  atIsLocal?: boolean | undefined
  /** Local arrival time, epoch ms. Kept for diagnostics; arrival order breaks ties. */
  receivedAt: number
  state: DeliveryState
  error?: ErrorView | undefined
  action?: boolean | undefined
  /** XEP-0066: the sender marked the body (a link) as a shared file. */
  attachment?: boolean | undefined
  receiptRequested?: boolean | undefined
  /** XEP-0333: the sender asked for chat markers (a `displayed` marker when the user has read it). */
  markable?: boolean | undefined
  /** XEP-0461. */
  replyTo?: ReplyRef | undefined
  /** In a group chat (or a private message through one): the sender's nick, as the room stamped it. */
  nick?: string | undefined
  /** A group chat message that mentions our nick (decided on arrival, against our nick then). */
  mention?: boolean | undefined
  /** A group chat message (XEP-0045): its conversation is recorded as a room (see `markRoom`). */
  room?: boolean | undefined
  /** XEP-0308: this message corrects the one with this id (applied now, or when it arrives). */
  correctsId?: string | undefined
  /** How it reached us; kept from the first copy. */
  source?: MessageSource | undefined
}

export type MessageSource = 'live' | 'carbon' | 'archive'

export interface InsertOutcome {
  /** The row of this message (of a correction: its own row); 0 when refused. */
  rowId: number
  inserted: boolean
  /** A duplicate taught the stored row something (stanza-id, server time, a later state). */
  changed?: boolean
  /** A correction changed this message's displayed body. */
  corrected?: number
  /** A correction whose target is not here yet; it is applied when the target arrives. */
  pending?: boolean
  /** A correction from someone other than the target's sender: ignored (XEP-0308 §5). */
  refused?: boolean
}

export interface ReplyRef {
  id: string
  jid: string
}

export interface ReplyView extends ReplyRef {
  /** The message replied to, when we have it. */
  rowId?: number
  from?: string
  /** Its displayed body, shortened. */
  body?: string
  /** In a room: its sender's nick. */
  nick?: string
  retracted?: boolean
}

export interface ReactionSummary {
  emoji: string
  count: number
  /** One of the senders is us. */
  mine: boolean
  senders: string[]
}

export interface StoredMessage extends ChatMessageView {
  rowId: number
  from: string
  sender: string
  stanzaIdBy?: string
  receivedAt: number
  /** XEP-0308 (`edited`): `body` is the latest correction, made at `editedAt`; `originalBody` is what was first sent. */
  editedAt?: number
  originalBody?: string
  /** XEP-0424 (`retracted`): the body is gone; show a tombstone. */
  retractedAt?: number
  /** For a correction row (outbox): the id it corrects. */
  correctsId?: string
  replyTo?: ReplyView
  reactions: ReactionSummary[]
}

export interface Cursor {
  at: number
  rowId: number
}

export interface PageQuery {
  /** Messages strictly older than this one; the newest page when absent. */
  before?: Cursor | undefined
  /** Messages strictly newer than this one (scrolling down after a jump). */
  after?: Cursor | undefined
  limit?: number | undefined
}

export interface LastMessage {
  rowId: number
  id: string
  from: string
  direction: MessageDirection
  state: DeliveryState
  at: number
  /** The displayed body, at most 200 characters. */
  body: string
  edited: boolean
  retracted: boolean
  /** XEP-0066: a shared file (see `StoredMessageInput.attachment`). */
  attachment: boolean
}

/** A one-to-one chat (also a private chat through a room: its peer is `room/nick`) or a group chat. */
export type ConversationKind = 'chat' | 'room'

export interface StoredConversation {
  account: AccountId
  peer: string
  kind: ConversationKind
  /** A room's name as last learned (muc#roominfo, its bookmark); null when none was. */
  name: string | null
  unread: number
  /** Server time up to which the user has read. */
  readUpTo: number
  updatedAt: number
  /** Closed for good (a forgotten room): not listed until opened again or a new message arrives. */
  hidden: boolean
  /** Opened by the user: listed even without messages. */
  opened: boolean
  last: LastMessage | null
}

/** A room with a listed conversation, as `rooms()` returns it. */
export interface StoredRoom {
  account: AccountId
  room: string
  name: string | null
}

export interface UnreadTotals {
  total: number
  accounts: Record<string, number>
}

export interface ArchiveState {
  /** The newest archive id we have (catch-up continues `<after>` it). */
  lastId: string | null
  /**
   * The archive time of the newest result stored up to `lastId`: where catch-up starts again when
   * the archive no longer knows that id. Kept when not given.
   */
  lastAt?: number | null | undefined
  /** The oldest archive id we have (history fill continues `<before>` it). */
  firstId?: string | null | undefined
  /** The archive reported `<fin complete='true'>` going backwards: nothing older exists. */
  complete: boolean
  syncedAt: number
}

export interface SearchQuery {
  text: string
  account?: AccountId | string | undefined
  peer?: string | undefined
  /** Server time bounds, epoch ms, inclusive. */
  since?: number | undefined
  until?: number | undefined
  /** Default 50, at most 200. */
  limit?: number | undefined
  /** The `cursor` of the last hit of the previous page. */
  before?: number | undefined
}

export interface SearchHit {
  rowId: number
  /** Paging cursor (newest first). */
  cursor: number
  account: AccountId
  peer: string
  from: string
  direction: MessageDirection
  id: string
  at: number
  body: string
  /** Matches in `body`, UTF-16 [start, end). */
  ranges: [number, number][]
  snippet: Snippet
}

export interface StateChange {
  account: AccountId
  peer: string
  id: MessageId
  rowId: number
  state: DeliveryState
  error?: ErrorView
}

export type EditStatus = 'applied' | 'pending' | 'refused'

/** The correction's own stanza: its ids deduplicate it; `out` + `queued` puts it in the outbox. */
export interface CorrectionStanza {
  id?: string
  originId?: string
  stanzaId?: string
  stanzaIdBy?: string
  from?: string
  direction?: MessageDirection
  state?: DeliveryState
}

export interface EditOutcome {
  status: EditStatus
  /** The target message, when known. */
  rowId?: number
}

export interface OpenOptions {
  /** Caps the database at this many pages (4 KiB each): a quota, and how tests provoke SQLITE_FULL. */
  maxPageCount?: number
}

// ---------------------------------------------------------------------------------------------
// Constants and small helpers

type Row = Record<string, SQLOutputValue>

const DAY = 86_400_000
const DEDUP_WINDOW = DAY
const EDIT_SKEW = 60_000
/** Per millisecond of `at`, this many arrivals keep their order (seq = at * SLOTS + arrival). */
const SLOTS = 2048
/** at * SLOTS must stay a safe integer: 2^42 ms is the year 2109. */
const MAX_AT = 2 ** 42 - 1
const DEFAULT_PAGE = 50
const MAX_PAGE = 500
const DEFAULT_HITS = 50
const MAX_HITS = 200
const PREVIEW_CHARS = 200
const MAX_REACTIONS = 64
const MAX_REACTION_CHARS = 64
const STATES: readonly DeliveryState[] = ['queued', 'sent', 'acked', 'delivered', 'read', 'failed', 'received']
const RANK: Record<Exclude<DeliveryState, 'failed'>, number> = { queued: 0, sent: 1, acked: 2, received: 2, delivered: 3, read: 4 }
const FLAG_ACTION = 1
const FLAG_RECEIPT = 2
const FLAG_MENTION = 16
const FLAG_ATTACHMENT = 32
const FLAG_MARKABLE = 64
const KIND_MESSAGE = 0
const KIND_CORRECTION = 1
const KIND_RETRACTION = 2
/** conversations.kind */
const CONV_ROOM = 1

/**
 * Strings that are not well-formed UTF-16 (a lone surrogate) would be replaced by U+FFFD on the
 * way into SQLite's UTF-8; those are stored as their UTF-16LE bytes instead, so every string reads
 * back exactly as written. Lookups encode the same way, so equal strings still compare equal.
 */
const enc = (s: string): SQLInputValue => (s.isWellFormed() ? s : Buffer.from(s, 'utf16le'))
const encOpt = (s: string | null): SQLInputValue => (s === null ? null : enc(s))

function dec(v: SQLOutputValue | undefined): string {
  if (typeof v === 'string') return v
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf16le')
  return v === null || v === undefined ? '' : String(v)
}
const decOpt = (v: SQLOutputValue | undefined): string | null => (v === null || v === undefined ? null : dec(v))
const num = (v: SQLOutputValue | undefined): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0)
const numOpt = (v: SQLOutputValue | undefined): number | null => (v === null || v === undefined ? null : num(v))

const sha256 = (body: string): Buffer => createHash('sha256').update(body, 'utf16le').digest()
const bareOf = (jid: string): string => {
  const slash = jid.indexOf('/')
  return slash < 0 ? jid : jid.slice(0, slash)
}
const clampAt = (at: number): number => Math.min(MAX_AT, Math.max(0, Math.floor(at)))
const clampLimit = (n: number | undefined, dflt: number, max: number): number =>
  Math.max(1, Math.min(max, Number.isFinite(n) ? Math.floor(n as number) : dflt))
const slotFloor = (at: number): number => clampAt(at) * SLOTS
const slotCeil = (at: number): number => clampAt(at) * SLOTS + SLOTS - 1

/**
 * Outgoing states only move forward. Two ways back to `queued`, both a retry with the same id:
 * from `failed`, and from `sent` (written but never acked, when stream management fails and the
 * message must be resent). A `failed` message may also move on when a late ack or receipt proves
 * it arrived. `failed` itself is reachable until the server acked the message or a bounce
 * follows an ack; never after a receipt.
 */
export function nextState(current: DeliveryState, next: DeliveryState): DeliveryState {
  if (next === current) return current
  if (next === 'failed') return current === 'queued' || current === 'sent' || current === 'acked' ? 'failed' : current
  if (current === 'failed') return next
  if (next === 'queued') return current === 'sent' ? 'queued' : current
  return RANK[next] > RANK[current] ? next : current
}

interface Norm {
  account: string
  peer: string
  direction: MessageDirection
  from: string
  sender: string
  id: string
  originId: string | null
  stanzaId: string | null
  stanzaIdBy: string | null
  body: string
  at: number
  atLocal: boolean
  receivedAt: number
  state: DeliveryState
  error: string | null
  flags: number
  replyTo: ReplyRef | null
  correctsId: string | null
  nick: string | null
  room: boolean
}

// flags: bit 0 action, bit 1 receipt requested, bits 2–3 source, bit 4 mentions our nick, bit 5 a shared file,
// bit 6 markable (XEP-0333).
const SOURCES: readonly (MessageSource | undefined)[] = [undefined, 'live', 'carbon', 'archive']
const SOURCE_SHIFT = 2

const invalid = (what: string): CoreError => new CoreError('invalid-argument', `Message store: ${what}`)

function text(v: unknown, what: string, allowEmpty = true): string {
  if (typeof v !== 'string' || (!allowEmpty && v === '')) throw invalid(`${what} must be a ${allowEmpty ? '' : 'non-empty '}string`)
  return v
}
function optText(v: unknown, what: string): string | null {
  if (v === undefined || v === null || v === '') return null
  return text(v, what)
}
function time(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${what} must be a finite number`)
  return clampAt(v)
}

function normalise(m: StoredMessageInput): Norm {
  if (m === null || typeof m !== 'object') throw invalid('a message must be an object')
  if (m.direction !== 'in' && m.direction !== 'out') throw invalid(`direction must be 'in' or 'out'`)
  if (!STATES.includes(m.state)) throw invalid(`unknown state ${String(m.state)}`)
  const from = text(m.from, 'from')
  let stanzaId = optText(m.stanzaId, 'stanzaId')
  let stanzaIdBy = optText(m.stanzaIdBy, 'stanzaIdBy')
  // A stanza-id is only trustworthy together with the archive that stamped it.
  if (stanzaId === null || stanzaIdBy === null) stanzaId = stanzaIdBy = null
  let replyTo: ReplyRef | null = null
  if (m.replyTo !== undefined && m.replyTo !== null) {
    replyTo = { id: text(m.replyTo.id, 'replyTo.id', false), jid: text(m.replyTo.jid, 'replyTo.jid') }
  }
  const at = time(m.at, 'at')
  return {
    account: text(m.account, 'account', false),
    peer: text(m.peer, 'peer', false),
    direction: m.direction,
    from,
    sender: m.sender === undefined || m.sender === '' ? bareOf(from) : text(m.sender, 'sender'),
    id: text(m.id, 'id'),
    originId: optText(m.originId, 'originId'),
    stanzaId,
    stanzaIdBy,
    body: text(m.body, 'body'),
    at,
    atLocal: m.atIsLocal === true,
    receivedAt: m.receivedAt === undefined ? at : time(m.receivedAt, 'receivedAt'),
    state: m.state,
    error: m.error === undefined || m.error === null ? null : JSON.stringify(m.error),
    flags:
      (m.action === true ? FLAG_ACTION : 0) |
      (m.receiptRequested === true ? FLAG_RECEIPT : 0) |
      (m.mention === true ? FLAG_MENTION : 0) |
      (m.attachment === true ? FLAG_ATTACHMENT : 0) |
      (m.markable === true ? FLAG_MARKABLE : 0) |
      (Math.max(0, SOURCES.indexOf(m.source)) << SOURCE_SHIFT),
    replyTo,
    correctsId: optText(m.correctsId, 'correctsId'),
    nick: optText(m.nick, 'nick'),
    room: m.room === true
  }
}

function cleanEmojis(emojis: unknown): string[] {
  if (!Array.isArray(emojis)) throw invalid('emojis must be an array of strings')
  const out: string[] = []
  for (const e of emojis) {
    if (typeof e !== 'string' || e === '' || e.length > MAX_REACTION_CHARS || out.includes(e)) continue
    out.push(e)
    if (out.length === MAX_REACTIONS) break
  }
  return out
}

// What the dedup and edit paths need to know about a stored row.
interface Existing {
  rowId: number
  seq: number
  account: number
  conv: number
  kind: number
  direction: MessageDirection
  sender: string
  msgId: string
  originId: string | null
  stanzaId: string | null
  at: number
  atLocal: boolean
  state: DeliveryState
  replyToId: string | null
  replacesId: string | null
  editedAt: number | null
  retractedAt: number | null
  flags: number
}

const EXISTING_COLS = `row_id, seq, account, conv, kind, direction, sender, msg_id, origin_id, stanza_id, at, at_local, state,
  reply_to_id, replaces_id, edited_at, retracted_at, flags`

function existing(r: Row): Existing {
  return {
    rowId: num(r['row_id']),
    seq: num(r['seq']),
    account: num(r['account']),
    conv: num(r['conv']),
    kind: num(r['kind']),
    direction: r['direction'] as MessageDirection,
    sender: dec(r['sender']),
    msgId: dec(r['msg_id']),
    originId: decOpt(r['origin_id']),
    stanzaId: decOpt(r['stanza_id']),
    at: num(r['at']),
    atLocal: num(r['at_local']) === 1,
    state: r['state'] as DeliveryState,
    replyToId: decOpt(r['reply_to_id']),
    replacesId: decOpt(r['replaces_id']),
    editedAt: numOpt(r['edited_at']),
    retractedAt: numOpt(r['retracted_at']),
    flags: num(r['flags'])
  }
}

const MESSAGE_COLS = `m.row_id, m.seq, m.kind, m.direction, m.sender, m.from_jid, m.msg_id, m.origin_id, m.stanza_id,
  m.stanza_by, m.body, m.at, m.received_at, m.state, m.error, m.flags, m.reply_to_id, m.reply_to_jid, m.replaces_id,
  m.edited_body, m.edited_at, m.retracted_at, m.nick`

// ---------------------------------------------------------------------------------------------

export class MessageStore {
  private readonly statements = new Map<string, StatementSync>()
  private readonly accountIds = new Map<string, number>()
  private readonly convIds = new Map<string, number>()
  private readonly archiveIds = new Map<string, number>()
  private closed = false

  private constructor(private readonly db: DatabaseSync) {}

  /**
   * Opens (creating if needed) the store at `path` (`:memory:` for tests): WAL, synchronous=NORMAL,
   * busy_timeout 5 s, foreign keys; brings the schema up to date; refuses a newer schema.
   */
  static open(path: string, options: OpenOptions = {}): MessageStore {
    const onDisk = path !== ':memory:' && path !== '' && !path.startsWith('file:')
    let db: DatabaseSync
    try {
      // Private messages: the file (and the -wal/-shm files SQLite creates with the same mode) is
      // readable by the user only.
      if (onDisk && !existsSync(path)) closeSync(openSync(path, 'a', 0o600))
      if (onDisk) for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600)
      db = new DatabaseSync(path)
    } catch (err) {
      throw toStorageError(err, `opening ${path}`)
    }
    try {
      db.exec('PRAGMA busy_timeout = 5000')
      db.exec('PRAGMA journal_mode = WAL')
      db.exec('PRAGMA synchronous = NORMAL')
      db.exec('PRAGMA foreign_keys = ON')
      // 32 MiB of page cache keeps the hot index pages (dedup lookups, newest pages) in memory; no
      // mmap, so that an I/O error stays an error code instead of a SIGBUS in the main process.
      db.exec('PRAGMA cache_size = -32768')
      // A big batch grows the WAL; give the space back after a checkpoint instead of keeping it.
      db.exec('PRAGMA journal_size_limit = 67108864')
      if (options.maxPageCount !== undefined) db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(options.maxPageCount))}`)
      migrate(db)
    } catch (err) {
      db.close()
      throw toStorageError(err, `opening ${path}`)
    }
    return new MessageStore(db)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.statements.clear()
    this.db.close()
  }

  // -------------------------------------------------------------------------------------------
  // Writing messages

  /**
   * Stores a batch in one transaction. Each input gives one outcome, in order. A duplicate (same
   * stanza-id, else origin-id, else sender+id+body within ±24 h) is not stored again; what it
   * adds (stanza-id, server time, a later state, reply) is merged into the stored row.
   */
  insert(messages: readonly StoredMessageInput[]): InsertOutcome[] {
    const batch = messages.map(normalise)
    if (batch.length === 0) return []
    const durable = batch.some((m) => m.direction === 'out' && m.state === 'queued')
    return this.write('storing messages', () => batch.map((m) => this.insertOne(m)), durable)
  }

  /**
   * Moves an outgoing message's state forward (see `nextState`). Only in the conversation with
   * `peer`: an ack, receipt or marker about an id is evidence about what we sent there, never about
   * a message to someone else that happens to have the same id. Null when unknown or unchanged.
   */
  setState(account: AccountId | string, peer: string, id: string, state: DeliveryState, error?: ErrorView): StateChange | null {
    if (!STATES.includes(state)) throw invalid(`unknown state ${String(state)}`)
    if (typeof id !== 'string' || id === '') return null
    return this.write(
      'updating a message state',
      () => {
        const conv = this.lookupConv(account, peer)
        if (conv === null) return null
        const r = this.get1(
          `SELECT m.row_id, m.state, m.error FROM messages m
           WHERE m.msg_id = ? AND m.msg_id <> '' AND m.conv = ? AND m.direction = 'out' AND m.kind <> ${KIND_RETRACTION}
           ORDER BY m.seq DESC LIMIT 1`,
          enc(id),
          conv
        )
        if (!r) return null
        const current = r['state'] as DeliveryState
        const next = nextState(current, state)
        const newError = next === 'failed' ? (error ? JSON.stringify(error) : decOpt(r['error'])) : null
        if (next === current && newError === decOpt(r['error'])) return null
        this.run('UPDATE messages SET state = ?, error = ? WHERE row_id = ?', next, newError, num(r['row_id']))
        const change: StateChange = { account: account as AccountId, peer, id: id as MessageId, rowId: num(r['row_id']), state: next }
        if (newError !== null) change.error = JSON.parse(newError) as ErrorView
        return change
      },
      state === 'queued'
    )
  }

  /**
   * Outgoing messages (and corrections) waiting to be sent, oldest first, with their original
   * id/origin-id and time so that a resend is deduplicated by the receiver. Pass
   * `['queued', 'sent']` after a restart or a failed stream resumption: `sent` was written but
   * never acked, so it may or may not have arrived.
   */
  outbox(account?: AccountId | string, states: readonly ('queued' | 'sent')[] = ['queued']): StoredMessage[] {
    return this.read('reading the outbox', () => {
      const wanted = states.filter((s) => s === 'queued' || s === 'sent')
      if (wanted.length === 0) return []
      let acc: number | null = null
      if (account !== undefined) {
        acc = this.accountId(account, false)
        if (acc === null) return []
      }
      const rows = this.all(
        `SELECT ${MESSAGE_COLS}, a.name AS account_name, c.peer FROM messages m
         JOIN conversations c ON c.id = m.conv JOIN accounts a ON a.id = m.account
         WHERE m.direction = 'out' AND m.state IN ('queued', 'sent') AND m.state IN (${wanted.map(() => '?').join(', ')})
           ${acc === null ? '' : 'AND m.account = ?'}
         ORDER BY m.seq`,
        ...wanted,
        ...(acc === null ? [] : [acc])
      )
      return rows.map((r) => this.decode(r, dec(r['account_name']), dec(r['peer'])))
    })
  }

  // -------------------------------------------------------------------------------------------
  // Corrections, retractions, reactions

  /**
   * XEP-0308 from `sender` (bare JID or the room identity used as `sender` on insert). Only the
   * original sender may correct; the original body stays in history (`originalBody`). A
   * correction whose target has not arrived is kept and applied when it does.
   */
  correct(
    account: AccountId | string,
    peer: string,
    targetId: string,
    sender: string,
    newBody: string,
    at: number,
    stanza: CorrectionStanza = {}
  ): EditOutcome {
    const [outcome] = this.insert([
      {
        account,
        peer,
        direction: stanza.direction ?? 'in',
        from: stanza.from ?? sender,
        sender,
        id: stanza.id ?? '',
        originId: stanza.originId,
        stanzaId: stanza.stanzaId,
        stanzaIdBy: stanza.stanzaIdBy,
        body: newBody,
        at,
        receivedAt: at,
        state: stanza.state ?? (stanza.direction === 'out' ? 'queued' : 'received'),
        correctsId: text(targetId, 'targetId', false)
      }
    ])
    if (!outcome || outcome.refused) return { status: 'refused' }
    if (outcome.corrected !== undefined) return { status: 'applied', rowId: outcome.corrected }
    return { status: outcome.pending ? 'pending' : 'applied' }
  }

  /**
   * XEP-0424 from `sender`: only the sender may retract. The body (and its corrections) are
   * erased, a tombstone stays, the message leaves the search index and the unread count. A
   * retraction for a message not here yet is kept and applied when it arrives.
   */
  retract(account: AccountId | string, peer: string, targetId: string, sender: string, at: number): EditOutcome {
    const target = text(targetId, 'targetId', false)
    const who = text(sender, 'sender', false)
    const when = time(at, 'at')
    return this.write('retracting a message', () => {
      const acc = this.accountId(account, true)!
      const conv = this.convId(acc, text(peer, 'peer', false), true, when)!
      const row = this.findTarget(acc, conv, target)
      if (row) {
        if (row.sender !== who) return { status: 'refused', rowId: row.rowId }
        this.applyRetraction(row, when)
        return { status: 'applied', rowId: row.rowId }
      }
      const waiting = this.get1(
        `SELECT row_id FROM messages WHERE conv = ? AND replaces_id = ? AND kind = ${KIND_RETRACTION} AND sender = ?`,
        conv,
        enc(target),
        enc(who)
      )
      if (!waiting) {
        this.run(
          `INSERT INTO messages (seq, account, conv, kind, direction, sender, from_jid, msg_id, body, at, received_at, state, replaces_id)
           VALUES (?, ?, ?, ${KIND_RETRACTION}, 'in', ?, ?, '', '', ?, ?, 'received', ?)`,
          this.allocSeq(when),
          acc,
          conv,
          enc(who),
          enc(who),
          when,
          when,
          enc(target)
        )
      }
      return { status: 'pending' }
    })
  }

  /**
   * XEP-0444: `emojis` is the sender's whole set for the target and replaces their previous one;
   * an empty set removes it. An older set (by `at`) never overwrites a newer one.
   * Returns whether anything changed.
   */
  react(
    account: AccountId | string,
    peer: string,
    targetId: string,
    sender: string,
    emojis: readonly string[],
    at: number,
    mine = false
  ): boolean {
    const target = text(targetId, 'targetId', false)
    const who = text(sender, 'sender', false)
    const when = time(at, 'at')
    const set = JSON.stringify(cleanEmojis(emojis))
    return this.write('storing a reaction', () => {
      const acc = this.accountId(account, true)!
      const conv = this.convId(acc, text(peer, 'peer', false), true, when)!
      const prev = this.get1('SELECT emojis, at FROM reaction_sets WHERE conv = ? AND target_id = ? AND sender = ?', conv, enc(target), enc(who))
      if (prev && num(prev['at']) > when) return false
      // Ours: one set per target, whatever identity it was stored under before (our identity in a
      // room changes: a new nick, an occupant id learnt later), and under any id of the message.
      const others = mine ? this.ownReactionSets(acc, conv, target).filter((o) => !(o.targetId === target && o.sender === who)) : []
      if (others.some((o) => o.at > when)) return false
      for (const o of others) this.run('DELETE FROM reaction_sets WHERE conv = ? AND target_id = ? AND sender = ?', conv, enc(o.targetId), enc(o.sender))
      if (prev && dec(prev['emojis']) === set) return others.length > 0
      this.run(
        `INSERT INTO reaction_sets (conv, target_id, sender, emojis, at, mine) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (conv, target_id, sender) DO UPDATE SET emojis = excluded.emojis, at = excluded.at, mine = excluded.mine`,
        conv,
        enc(target),
        enc(who),
        set,
        when,
        mine ? 1 : 0
      )
      return true
    })
  }

  /** Our reaction sets (`mine`) for a message: under the id given and any other id of it. */
  private ownReactionSets(acc: number, conv: number, targetId: string): { targetId: string; sender: string; at: number }[] {
    const message = this.findTarget(acc, conv, targetId)
    const ids = [...new Set([targetId, message?.msgId, message?.originId, message?.stanzaId].filter((x): x is string => !!x))]
    return this.all(
      `SELECT target_id, sender, at FROM reaction_sets WHERE conv = ? AND mine = 1 AND target_id IN (${ids.map(() => '?').join(', ')})`,
      conv,
      ...ids.map(enc)
    ).map((r) => ({ targetId: dec(r['target_id']), sender: dec(r['sender']), at: num(r['at']) }))
  }

  /**
   * The time of the message an archive numbered `stanzaId` (XEP-0359 `by` = `archiveJid`), as
   * stored; null when no message of ours has that id.
   */
  archivedAt(account: AccountId | string, archiveJid: string, stanzaId: string): number | null {
    return this.read('reading a message', () => {
      const acc = this.accountId(account, false)
      const by = this.get1('SELECT id FROM archives WHERE jid = ?', enc(archiveJid))
      if (acc === null || !by || typeof stanzaId !== 'string' || stanzaId === '') return null
      const r = this.get1('SELECT at FROM messages WHERE account = ? AND stanza_id = ? AND stanza_by = ?', acc, enc(stanzaId), num(by['id']))
      return r ? num(r['at']) : null
    })
  }

  /** Reactions per target id (as the reactions named them). */
  reactions(account: AccountId | string, peer: string, ids: readonly string[]): Record<string, ReactionSummary[]> {
    return this.read('reading reactions', () => {
      const out: Record<string, ReactionSummary[]> = {}
      const conv = this.lookupConv(account, peer)
      for (const id of ids) out[id] = conv === null ? [] : this.reactionSummary(conv, [id])
      return out
    })
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** A page of a conversation, oldest first, ordered by server time then arrival. */
  page(account: AccountId | string, peer: string, query: PageQuery = {}): StoredMessage[] {
    return this.read('reading a conversation', () => {
      const conv = this.lookupConv(account, peer)
      if (conv === null) return []
      const limit = clampLimit(query.limit, DEFAULT_PAGE, MAX_PAGE)
      const cols = `SELECT ${MESSAGE_COLS} FROM messages m WHERE m.conv = ? AND m.kind = ${KIND_MESSAGE}`
      let rows: Row[]
      if (query.after && !query.before) {
        rows = this.all(`${cols} AND m.seq > ? ORDER BY m.seq LIMIT ?`, conv, this.cursorSeq(conv, query.after, 'after'), limit)
      } else {
        const upper = query.before ? this.cursorSeq(conv, query.before, 'before') : Number.MAX_SAFE_INTEGER
        const lower = query.after ? this.cursorSeq(conv, query.after, 'after') : -1
        rows = this.all(`${cols} AND m.seq < ? AND m.seq > ? ORDER BY m.seq DESC LIMIT ?`, conv, upper, lower, limit).reverse()
      }
      return this.decorate(conv, rows, String(account), peer)
    })
  }

  /** `radius` messages on each side of `rowId` and the message itself, oldest first ("jump to"). */
  around(account: AccountId | string, peer: string, rowId: number, radius = 25): StoredMessage[] {
    return this.read('reading a conversation', () => {
      const conv = this.lookupConv(account, peer)
      if (conv === null) return []
      const target = this.get1(`SELECT seq FROM messages WHERE row_id = ? AND conv = ? AND kind = ${KIND_MESSAGE}`, rowId, conv)
      if (!target) return []
      const seq = num(target['seq'])
      const r = clampLimit(radius, 25, MAX_PAGE)
      const cols = `SELECT ${MESSAGE_COLS} FROM messages m WHERE m.conv = ? AND m.kind = ${KIND_MESSAGE}`
      const older = this.all(`${cols} AND m.seq <= ? ORDER BY m.seq DESC LIMIT ?`, conv, seq, r + 1).reverse()
      const newer = this.all(`${cols} AND m.seq > ? ORDER BY m.seq LIMIT ?`, conv, seq, r)
      return this.decorate(conv, [...older, ...newer], String(account), peer)
    })
  }

  get(account: AccountId | string, rowId: number): StoredMessage | null {
    return this.read('reading a message', () => {
      const acc = this.accountId(account, false)
      if (acc === null) return null
      const r = this.get1(
        `SELECT ${MESSAGE_COLS}, m.conv, c.peer FROM messages m JOIN conversations c ON c.id = m.conv
         WHERE m.row_id = ? AND m.account = ? AND m.kind <> ${KIND_RETRACTION}`,
        rowId,
        acc
      )
      return r ? (this.decorate(num(r['conv']), [r], String(account), dec(r['peer']))[0] ?? null) : null
    })
  }

  /** The message with this id (stanza id, origin-id or stanza-id) in a conversation. */
  byId(account: AccountId | string, peer: string, id: string): StoredMessage | null {
    return this.read('reading a message', () => {
      const acc = this.accountId(account, false)
      const conv = acc === null ? null : this.convId(acc, peer, false)
      if (acc === null || conv === null || typeof id !== 'string' || id === '') return null
      const target = this.findTarget(acc, conv, id)
      if (!target) return null
      const r = this.get1(`SELECT ${MESSAGE_COLS} FROM messages m WHERE m.row_id = ?`, target.rowId)
      return r ? (this.decorate(conv, [r], String(account), peer)[0] ?? null) : null
    })
  }

  latest(account: AccountId | string, peer: string): StoredMessage | null {
    return this.page(account, peer, { limit: 1 })[0] ?? null
  }

  // -------------------------------------------------------------------------------------------
  // Conversations and unread

  /**
   * Every conversation with a message (or opened by the user), most recently updated first, with
   * its last message and unread count. A reaction or retraction for an unknown chat lists nothing;
   * neither does a hidden one (see `hideConversation`).
   */
  conversations(): StoredConversation[] {
    return this.read('listing conversations', () =>
      this.all(`${CONVERSATION_SELECT} WHERE (c.last_row IS NOT NULL OR c.opened = 1) AND c.hidden = 0 ORDER BY c.updated_at DESC, c.id DESC`).map(conversation)
    )
  }

  conversation(account: AccountId | string, peer: string): StoredConversation | null {
    return this.read('reading a conversation', () => {
      const conv = this.lookupConv(account, peer)
      if (conv === null) return null
      const r = this.get1(`${CONVERSATION_SELECT} WHERE c.id = ?`, conv)
      return r ? conversation(r) : null
    })
  }

  /**
   * Creates the conversation if needed (the user opened a chat with no history yet) and lists it
   * from now on even while it has no messages. One that was never listed (a room known before it
   * spoke) is listed as of `now`.
   */
  openConversation(account: AccountId | string, peer: string, now: number): StoredConversation {
    const when = time(now, 'now')
    this.write('opening a conversation', () => {
      const acc = this.accountId(account, true)!
      const conv = this.convId(acc, text(peer, 'peer', false), true, when)!
      this.run(
        `UPDATE conversations SET updated_at = CASE WHEN last_row IS NULL AND opened = 0 THEN max(updated_at, ?) ELSE updated_at END,
           opened = 1, hidden = 0 WHERE id = ?`,
        when,
        conv
      )
    })
    return this.conversation(account, peer)!
  }

  /**
   * Stops listing a conversation (a room the user forgot, or that was removed elsewhere) and clears
   * its unread count; its history stays. Opening it again, or a new message in it, lists it again.
   * False when there is no such conversation or it was hidden already.
   */
  hideConversation(account: AccountId | string, peer: string): boolean {
    return this.write('hiding a conversation', () => {
      const conv = this.lookupConv(account, peer)
      if (conv === null) return false
      const c = this.get1('SELECT c.read_at, c.hidden, m.at AS last_at FROM conversations c LEFT JOIN messages m ON m.row_id = c.last_row WHERE c.id = ?', conv)!
      if (num(c['hidden']) === 1) return false
      const readAt = Math.max(num(c['read_at']), numOpt(c['last_at']) ?? 0)
      this.run('UPDATE conversations SET hidden = 1, opened = 0, unread = 0, read_at = ? WHERE id = ?', readAt, conv)
      return true
    })
  }

  /**
   * Records that a conversation is a group chat, and the room's name when given (undefined keeps
   * the stored one). Creates the conversation if needed, unlisted until it has a message or is
   * opened: a room is a room from the moment it is known, also after a restart.
   */
  markRoom(account: AccountId | string, room: string, name?: string): void {
    const label = name === undefined ? undefined : text(name, 'name')
    this.write('recording a room', () => {
      const acc = this.accountId(account, true)!
      const conv = this.convId(acc, text(room, 'room', false), true)!
      this.run(`UPDATE conversations SET kind = ${CONV_ROOM} WHERE id = ? AND kind <> ${CONV_ROOM}`, conv)
      if (label !== undefined) this.run('UPDATE conversations SET name = ? WHERE id = ?', encOpt(label || null), conv)
    })
  }

  /** Whether this conversation is a group chat (see `markRoom`); false for an unknown one. */
  isRoom(account: AccountId | string, peer: string): boolean {
    return this.read('reading a conversation', () => {
      const conv = this.lookupConv(account, peer)
      return conv !== null && num(this.get1('SELECT kind FROM conversations WHERE id = ?', conv)?.['kind']) === CONV_ROOM
    })
  }

  /** The rooms whose conversation is listed (not hidden, with a message or opened), with their names. */
  rooms(): StoredRoom[] {
    return this.read('listing rooms', () =>
      this.all(
        `SELECT a.name AS account_name, c.peer, c.name FROM conversations c JOIN accounts a ON a.id = c.account
         WHERE c.kind = ${CONV_ROOM} AND c.hidden = 0 AND (c.last_row IS NOT NULL OR c.opened = 1) ORDER BY c.id`
      ).map((r) => ({ account: dec(r['account_name']) as AccountId, room: dec(r['peer']), name: decOpt(r['name']) }))
    )
  }

  // -------------------------------------------------------------------------------------------
  // Bookmarks to retract (rooms forgotten while offline)

  /** Remembers that the room's bookmark must be retracted when the account is next online. */
  addBookmarkRetraction(account: AccountId | string, room: string): void {
    const jid = text(room, 'room', false)
    this.write('remembering a bookmark to retract', () => {
      this.run('INSERT OR IGNORE INTO bookmark_retractions (account, room) VALUES (?, ?)', this.accountId(account, true)!, jid)
    }, true)
  }

  /** The rooms whose bookmarks wait to be retracted for this account. */
  bookmarkRetractions(account: AccountId | string): string[] {
    return this.read('reading the bookmarks to retract', () => {
      const acc = this.accountId(account, false)
      return acc === null ? [] : this.all('SELECT room FROM bookmark_retractions WHERE account = ? ORDER BY room', acc).map((r) => dec(r['room']))
    })
  }

  /** The bookmark is gone (or the room was joined again): nothing to retract any more. */
  removeBookmarkRetraction(account: AccountId | string, room: string): void {
    this.write('forgetting a bookmark to retract', () => {
      const acc = this.accountId(account, false)
      if (acc !== null) this.run('DELETE FROM bookmark_retractions WHERE account = ? AND room = ?', acc, room)
    })
  }

  /**
   * The user has read the conversation up to `upToAt` (server time; default: its last message).
   * The marker never moves back. Returns the conversation with its new unread count.
   */
  markRead(account: AccountId | string, peer: string, upToAt?: number): StoredConversation | null {
    const upTo = upToAt === undefined ? null : time(upToAt, 'upToAt')
    const done = this.write('marking a conversation read', () => {
      const conv = this.lookupConv(account, peer)
      if (conv === null) return false
      const c = this.get1(
        'SELECT c.read_at, m.at AS last_at FROM conversations c LEFT JOIN messages m ON m.row_id = c.last_row WHERE c.id = ?',
        conv
      )!
      const readAt = Math.max(num(c['read_at']), upTo ?? numOpt(c['last_at']) ?? 0)
      const unread = this.get1(
        `SELECT count(*) AS n FROM messages WHERE conv = ? AND kind = ${KIND_MESSAGE} AND seq > ?
           AND direction = 'in' AND retracted_at IS NULL`,
        conv,
        slotCeil(readAt)
      )
      this.run('UPDATE conversations SET read_at = ?, unread = ? WHERE id = ?', readAt, num(unread?.['n']), conv)
      return true
    })
    return done ? this.conversation(account, peer) : null
  }

  /**
   * The newest incoming message that asked for chat markers (XEP-0333) and is after the read
   * position: the one a `displayed` marker names when the user reads the conversation now. The
   * read position is what was marked already (here, or by another device of ours), so reading
   * again — also after a restart — names nothing. Retracted messages are left out.
   */
  unreadMarkable(account: AccountId | string, peer: string): StoredMessage | null {
    return this.read('finding the message to mark as displayed', () => {
      const conv = this.lookupConv(account, peer)
      if (conv === null) return null
      const c = this.get1('SELECT read_at FROM conversations WHERE id = ?', conv)!
      const r = this.get1(
        `SELECT ${MESSAGE_COLS} FROM messages m WHERE m.conv = ? AND m.kind = ${KIND_MESSAGE} AND m.direction = 'in'
           AND m.retracted_at IS NULL AND (m.flags & ${FLAG_MARKABLE}) <> 0 AND m.seq > ? ORDER BY m.seq DESC LIMIT 1`,
        conv,
        slotCeil(num(c['read_at']))
      )
      return r ? (this.decorate(conv, [r], String(account), peer)[0] ?? null) : null
    })
  }

  unreadTotals(): UnreadTotals {
    return this.read('counting unread messages', () => {
      const accounts: Record<string, number> = {}
      let total = 0
      for (const r of this.all('SELECT a.name, sum(c.unread) AS n FROM conversations c JOIN accounts a ON a.id = c.account GROUP BY a.id')) {
        const n = num(r['n'])
        accounts[dec(r['name'])] = n
        total += n
      }
      return { total, accounts }
    })
  }

  // -------------------------------------------------------------------------------------------
  // Archive (XEP-0313) sync position

  archiveState(account: AccountId | string, archiveJid: string): ArchiveState | null {
    return this.read('reading the archive position', () => {
      const acc = this.accountId(account, false)
      if (acc === null) return null
      const r = this.get1('SELECT last_id, first_id, complete, synced_at, last_at FROM archive_state WHERE account = ? AND archive = ?', acc, archiveJid)
      if (!r) return null
      return { lastId: decOpt(r['last_id']), lastAt: numOpt(r['last_at']), firstId: decOpt(r['first_id']), complete: num(r['complete']) === 1, syncedAt: num(r['synced_at']) }
    })
  }

  setArchiveState(account: AccountId | string, archiveJid: string, state: ArchiveState): void {
    const archive = text(archiveJid, 'archiveJid', false)
    const syncedAt = time(state.syncedAt, 'syncedAt')
    const lastId = state.lastId === null ? null : text(state.lastId, 'lastId')
    const firstId = state.firstId === undefined || state.firstId === null ? null : text(state.firstId, 'firstId')
    const lastAt = state.lastAt === undefined || state.lastAt === null ? null : time(state.lastAt, 'lastAt')
    this.write('storing the archive position', () => {
      const acc = this.accountId(account, true)!
      this.run(
        `INSERT INTO archive_state (account, archive, last_id, first_id, complete, synced_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account, archive) DO UPDATE SET last_id = excluded.last_id,
           first_id = coalesce(excluded.first_id, first_id), complete = excluded.complete, synced_at = excluded.synced_at,
           last_at = coalesce(excluded.last_at, last_at)`,
        acc,
        archive,
        encOpt(lastId),
        encOpt(firstId),
        state.complete ? 1 : 0,
        syncedAt,
        lastAt
      )
    })
  }

  // -------------------------------------------------------------------------------------------
  // Search

  /**
   * Messages whose current text contains every term of `query.text` (see search.ts), newest
   * first by server time, across all accounts and chats unless filtered. Page with `before` =
   * the last hit's `cursor`. Retracted messages are never found; corrected ones by their new text.
   */
  search(query: SearchQuery): SearchHit[] {
    return this.read('searching messages', () => {
      const parsed = parseQuery(typeof query.text === 'string' ? query.text : '')
      if (!parsed) return []
      let filter = ''
      if (query.peer !== undefined) {
        let convs: number[]
        if (query.account !== undefined) {
          const conv = this.lookupConv(query.account, query.peer)
          convs = conv === null ? [] : [conv]
        } else {
          convs = this.all('SELECT id FROM conversations WHERE peer = ?', query.peer).map((r) => num(r['id']))
        }
        if (convs.length === 0) return []
        filter = ` AND {meta} : (${convs.map((c) => `"${convToken(c)}"`).join(' OR ')})`
      } else if (query.account !== undefined) {
        const acc = this.accountId(query.account, false)
        if (acc === null) return []
        filter = ` AND {meta} : "${accountToken(acc)}"`
      }
      let upper = query.until === undefined ? Number.MAX_SAFE_INTEGER : slotCeil(time(query.until, 'until'))
      if (query.before !== undefined) {
        if (typeof query.before !== 'number' || !Number.isSafeInteger(query.before)) throw invalid('before must be a cursor from a previous hit')
        upper = Math.min(upper, query.before - 1)
      }
      const lower = query.since === undefined ? 0 : slotFloor(time(query.since, 'since'))
      const limit = clampLimit(query.limit, DEFAULT_HITS, MAX_HITS)
      const rows = this.all(
        `SELECT ${MESSAGE_COLS}, a.name AS account_name, c.peer
         FROM (SELECT rowid AS s FROM message_fts WHERE message_fts MATCH ? AND rowid >= ? AND rowid <= ? ORDER BY rowid DESC LIMIT ?) h
         JOIN messages m ON m.seq = h.s JOIN conversations c ON c.id = m.conv JOIN accounts a ON a.id = m.account
         ORDER BY h.s DESC`,
        parsed.match + filter,
        lower,
        upper,
        limit
      )
      return rows.map((r): SearchHit => {
        const body = decOpt(r['edited_body']) ?? dec(r['body'])
        const ranges = highlight(body, parsed.terms)
        return {
          rowId: num(r['row_id']),
          cursor: num(r['seq']),
          account: dec(r['account_name']) as AccountId,
          peer: dec(r['peer']),
          from: dec(r['from_jid']),
          direction: r['direction'] as MessageDirection,
          id: dec(r['msg_id']),
          at: num(r['at']),
          body,
          ranges,
          snippet: snippet(body, ranges)
        }
      })
    })
  }

  // -------------------------------------------------------------------------------------------
  // Housekeeping

  /**
   * Deletes up to `limit` messages of a conversation (or of a whole account) per call, so a big
   * one can be removed in slices between other work; when the last slice is gone, the
   * conversation (or the account with its archive positions) goes too. Returns how many
   * messages this call deleted (0 = done).
   */
  purge(account: AccountId | string, peer?: string, limit = 2000): number {
    return this.write('deleting messages', () => {
      const acc = this.accountId(account, false)
      if (acc === null) return 0
      const conv = peer === undefined ? null : this.convId(acc, peer, false)
      if (peer !== undefined && conv === null) return 0
      const n = clampLimit(limit, 2000, 100_000)
      const rows = this.all(
        `SELECT row_id, seq FROM messages WHERE ${conv === null ? 'account' : 'conv'} = ? LIMIT ?`,
        conv === null ? acc : conv,
        n
      )
      for (const r of rows) {
        this.run('DELETE FROM message_fts WHERE rowid = ?', num(r['seq']))
        this.run('DELETE FROM messages WHERE row_id = ?', num(r['row_id']))
      }
      if (rows.length < n) {
        const convs = conv === null ? 'SELECT id FROM conversations WHERE account = ?' : '?'
        const key = conv === null ? acc : conv
        this.run(`DELETE FROM reaction_sets WHERE conv IN (${convs})`, key)
        this.run(`DELETE FROM conversations WHERE id IN (${convs})`, key)
        if (conv === null) {
          this.run('DELETE FROM archive_state WHERE account = ?', acc)
          this.run('DELETE FROM bookmark_retractions WHERE account = ?', acc)
          this.run('DELETE FROM accounts WHERE id = ?', acc)
        }
        this.forgetIds()
      }
      return rows.length
    })
  }

  /** Folds the WAL back into the database; call when idle. */
  checkpoint(): void {
    this.read('checkpointing', () => void this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)'))
  }

  /** Lets SQLite refresh its planner statistics; cheap, call when idle or before closing. */
  optimize(): void {
    this.read('optimizing', () => void this.db.exec('PRAGMA optimize'))
  }

  // -------------------------------------------------------------------------------------------
  // Insert internals

  private insertOne(m: Norm): InsertOutcome {
    const acc = this.accountId(m.account, true)!
    const conv = this.convId(acc, m.peer, true, m.at)!
    if (m.room) this.run(`UPDATE conversations SET kind = ${CONV_ROOM} WHERE id = ? AND kind <> ${CONV_ROOM}`, conv)
    const dup = this.findDuplicate(acc, conv, m)
    if (dup) return this.merge(dup, m, conv)
    if (m.correctsId !== null) return this.insertCorrection(acc, conv, m, m.correctsId)
    return this.insertMessage(acc, conv, m)
  }

  // `direction` is spliced into the SQL ('in' or 'out', validated) rather than bound: bound, SQLite
  // compares it with the outbox index's `direction = 'out'` while planning and then re-prepares the
  // statement on every execution (measured: 2x the cost of the lookup).
  private findDuplicate(acc: number, conv: number, m: Norm): Existing | null {
    if (m.stanzaId !== null) {
      const r = this.get1(
        `SELECT ${EXISTING_COLS} FROM messages WHERE account = ? AND stanza_id = ? AND stanza_by = ?`,
        acc,
        enc(m.stanzaId),
        this.archiveId(m.stanzaIdBy!)
      )
      if (r) return existing(r)
    }
    if (m.originId !== null) {
      const r = this.get1(`SELECT ${EXISTING_COLS} FROM messages WHERE conv = ? AND direction = '${m.direction}' AND origin_id = ?`, conv, enc(m.originId))
      if (r) return existing(r)
    } else if (m.id !== '') {
      const day = Math.floor(m.at / DAY)
      const r = this.get1(
        `SELECT ${EXISTING_COLS} FROM messages
         WHERE conv = ? AND direction = '${m.direction}' AND sender = ? AND msg_id = ? AND body_hash = ? AND dedup_day BETWEEN ? AND ?
           AND at BETWEEN ? AND ?
         ORDER BY abs(at - ?) LIMIT 1`,
        conv,
        enc(m.sender),
        enc(m.id),
        sha256(m.body),
        day - 1,
        day + 1,
        m.at - DEDUP_WINDOW,
        m.at + DEDUP_WINDOW,
        m.at
      )
      if (r) return existing(r)
    }
    return null
  }

  /** Teaches a stored row what a duplicate copy knows. */
  private merge(e: Existing, m: Norm, conv: number): InsertOutcome {
    const outcome: InsertOutcome = { rowId: e.rowId, inserted: false }
    // A stanza-id matched in another conversation is a confused or hostile archive: keep ours.
    if (e.conv !== conv) return outcome
    const sets: string[] = []
    const params: SQLInputValue[] = []
    if (e.stanzaId === null && m.stanzaId !== null) {
      const by = this.archiveId(m.stanzaIdBy!)
      const taken = this.get1('SELECT 1 FROM messages WHERE account = ? AND stanza_id = ? AND stanza_by = ?', e.account, enc(m.stanzaId), by)
      if (!taken) {
        sets.push('stanza_id = ?', 'stanza_by = ?')
        params.push(enc(m.stanzaId), by)
      }
    }
    if (e.originId === null && m.originId !== null) {
      const taken = this.get1(`SELECT 1 FROM messages WHERE conv = ? AND direction = '${e.direction}' AND origin_id = ?`, e.conv, enc(m.originId))
      if (!taken) {
        sets.push('origin_id = ?')
        params.push(enc(m.originId))
      }
    }
    if (e.replyToId === null && m.replyTo !== null) {
      sets.push('reply_to_id = ?', 'reply_to_jid = ?')
      params.push(enc(m.replyTo.id), enc(m.replyTo.jid))
    }
    // What one copy says of the message holds for all: it asks for markers, it shares a file.
    const sticky = m.flags & (FLAG_MARKABLE | FLAG_ATTACHMENT)
    if ((e.flags & sticky) !== sticky) {
      sets.push('flags = flags | ?')
      params.push(sticky)
    }
    const state = nextState(e.state, m.state)
    if (state !== e.state) {
      sets.push('state = ?', 'error = ?')
      params.push(state, state === 'failed' ? m.error : null)
    }
    const retime = e.atLocal && !m.atLocal && e.kind !== KIND_RETRACTION && m.at !== e.at
    if (sets.length > 0) this.run(`UPDATE messages SET ${sets.join(', ')} WHERE row_id = ?`, ...params, e.rowId)
    if (retime) this.retime(e, m.at)
    else if (e.atLocal && !m.atLocal) this.run('UPDATE messages SET at_local = 0 WHERE row_id = ?', e.rowId)
    if (sets.length > 0 || retime) outcome.changed = true
    return outcome
  }

  /** The server's time replaces our local one: new place in the order, in the index and in the unread count. */
  private retime(e: Existing, at: number): void {
    const seq = this.allocSeq(at)
    this.run('UPDATE messages SET at = ?, at_local = 0, seq = ? WHERE row_id = ?', at, seq, e.rowId)
    if (e.kind !== KIND_MESSAGE) return
    if (e.retractedAt === null) {
      this.run('DELETE FROM message_fts WHERE rowid = ?', e.seq)
      this.reindex(e.rowId, seq)
    }
    const c = this.get1('SELECT read_at, unread, updated_at FROM conversations WHERE id = ?', e.conv)!
    const readAt = num(c['read_at'])
    let unread = num(c['unread'])
    if (e.direction === 'in' && e.retractedAt === null) unread += (at > readAt ? 1 : 0) - (e.at > readAt ? 1 : 0)
    const last = this.get1(`SELECT row_id, seq FROM messages WHERE conv = ? AND kind = ${KIND_MESSAGE} ORDER BY seq DESC LIMIT 1`, e.conv)
    this.run(
      'UPDATE conversations SET unread = ?, last_row = ?, last_seq = ?, updated_at = max(updated_at, ?) WHERE id = ?',
      Math.max(0, unread),
      last ? num(last['row_id']) : null,
      last ? num(last['seq']) : -1,
      at,
      e.conv
    )
  }

  private insertMessage(acc: number, conv: number, m: Norm): InsertOutcome {
    // A correction or retraction that arrived before this message (archive pages run backwards).
    const refs = [...new Set([m.id, m.originId, m.stanzaId].filter((x): x is string => x !== null && x !== ''))]
    let editedBody: string | null = null
    let editedAt: number | null = null
    let retractedAt: number | null = null
    for (const ref of refs) {
      for (const p of this.all(`SELECT row_id, kind, sender, body, at FROM messages WHERE conv = ? AND replaces_id = ? AND kind <> 0`, conv, enc(ref))) {
        const at = num(p['at'])
        // An edit is never older than its target; an older one was for an earlier message that
        // reused the id (old clients count ids from 1). A minute of slack covers clock skew.
        if (dec(p['sender']) !== m.sender || at < m.at - EDIT_SKEW) continue
        if (num(p['kind']) === KIND_RETRACTION) {
          retractedAt = retractedAt === null ? at : Math.min(retractedAt, at)
          this.run('DELETE FROM messages WHERE row_id = ?', num(p['row_id']))
        } else if (editedAt === null || at >= editedAt) {
          editedBody = dec(p['body'])
          editedAt = at
        }
      }
    }
    if (retractedAt !== null) {
      editedBody = editedAt = null
      for (const ref of refs) this.run(`UPDATE messages SET body = '' WHERE conv = ? AND replaces_id = ? AND kind = ${KIND_CORRECTION}`, conv, enc(ref))
    }
    const seq = this.allocSeq(m.at)
    const rowId = this.insertRow(seq, acc, conv, m, KIND_MESSAGE, retractedAt === null ? m.body : '', editedBody, editedAt, retractedAt, null)
    if (retractedAt === null) this.index(seq, editedBody ?? m.body, conv, acc)
    // The conversation: last message, time, unread — in this same transaction.
    const c = this.get1('SELECT read_at, last_seq FROM conversations WHERE id = ?', conv)!
    const newest = seq > num(c['last_seq'])
    const unread = m.direction === 'in' && retractedAt === null && m.at > num(c['read_at']) ? 1 : 0
    this.run(
      `UPDATE conversations SET unread = unread + ?, updated_at = max(updated_at, ?), hidden = 0
         ${newest ? ', last_row = ?, last_seq = ?' : ''} WHERE id = ?`,
      unread,
      m.at,
      ...(newest ? [rowId, seq] : []),
      conv
    )
    return { rowId, inserted: true }
  }

  private insertCorrection(acc: number, conv: number, m: Norm, targetId: string): InsertOutcome {
    const target = this.findTarget(acc, conv, targetId)
    if (target && target.sender !== m.sender) return { rowId: 0, inserted: false, refused: true }
    const retracted = target !== null && target.retractedAt !== null
    const rowId = this.insertRow(this.allocSeq(m.at), acc, conv, m, KIND_CORRECTION, retracted ? '' : m.body, null, null, null, targetId)
    if (!target) return { rowId, inserted: true, pending: true }
    if (!retracted && (target.editedAt === null || m.at >= target.editedAt)) {
      this.run('UPDATE messages SET edited_body = ?, edited_at = ? WHERE row_id = ?', enc(m.body), m.at, target.rowId)
      this.run('DELETE FROM message_fts WHERE rowid = ?', target.seq)
      this.index(target.seq, m.body, conv, acc)
    }
    return { rowId, inserted: true, corrected: target.rowId }
  }

  private insertRow(
    seq: number,
    acc: number,
    conv: number,
    m: Norm,
    kind: number,
    body: string,
    editedBody: string | null,
    editedAt: number | null,
    retractedAt: number | null,
    replacesId: string | null
  ): number {
    // Rule 3 applies to messages without origin-id: keep their body hash and day.
    const legacy = m.originId === null && m.id !== ''
    const result = this.run(
      `INSERT INTO messages (seq, account, conv, kind, direction, sender, from_jid, msg_id, origin_id, stanza_id, stanza_by,
         body, body_hash, dedup_day, at, at_local, received_at, state, error, flags, reply_to_id, reply_to_jid, replaces_id,
         edited_body, edited_at, retracted_at, nick)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      seq,
      acc,
      conv,
      kind,
      m.direction,
      enc(m.sender),
      enc(m.from),
      enc(m.id),
      encOpt(m.originId),
      encOpt(m.stanzaId),
      m.stanzaIdBy === null ? null : this.archiveId(m.stanzaIdBy),
      enc(body),
      legacy ? sha256(m.body) : null,
      legacy ? Math.floor(m.at / DAY) : null,
      m.at,
      m.atLocal ? 1 : 0,
      m.receivedAt,
      m.state,
      m.state === 'failed' ? m.error : null,
      m.flags,
      m.replyTo === null ? null : enc(m.replyTo.id),
      m.replyTo === null ? null : enc(m.replyTo.jid),
      encOpt(replacesId),
      encOpt(editedBody),
      editedAt,
      retractedAt,
      encOpt(m.nick)
    )
    return Number(result.lastInsertRowid)
  }

  /** Adds a message's current text to the search index under its seq. */
  private index(seq: number, body: string, conv: number, acc: number): void {
    this.run('INSERT INTO message_fts (rowid, body, meta) VALUES (?, ?, ?)', seq, searchText(body), metaText(conv, acc))
  }

  /** Indexes a stored message again, from what the row holds now. */
  private reindex(rowId: number, seq: number): void {
    const r = this.get1('SELECT body, edited_body, conv, account FROM messages WHERE row_id = ?', rowId)!
    this.index(seq, decOpt(r['edited_body']) ?? dec(r['body']), num(r['conv']), num(r['account']))
  }

  /**
   * The next free seq for a message at `at`: after the others of the same millisecond, so that
   * equal server times keep arrival order. A full millisecond (2048 messages, only a hostile
   * archive does that) spills into the next one.
   */
  private allocSeq(at: number): number {
    for (let base = slotFloor(at); ; base += SLOTS) {
      const r = this.get1('SELECT max(seq) AS s FROM messages WHERE seq BETWEEN ? AND ?', base, base + SLOTS - 1)
      const max = numOpt(r?.['s'])
      if (max === null) return base
      if (max < base + SLOTS - 1) return max + 1
    }
  }

  private cursorSeq(conv: number, cursor: Cursor, side: 'before' | 'after'): number {
    const r = this.get1('SELECT seq FROM messages WHERE row_id = ? AND conv = ?', cursor.rowId, conv)
    if (r) return num(r['seq'])
    // The row is gone (purged): fall back to its time.
    return side === 'before' ? slotFloor(cursor.at) : slotCeil(cursor.at)
  }

  /**
   * The message an id refers to (corrections, retractions, replies, reactions use the stanza id,
   * the origin-id or, in rooms, the stanza-id). A reference to a correction means its original.
   */
  private findTarget(acc: number, conv: number, id: string, depth = 0): Existing | null {
    const key = enc(id)
    const r =
      this.get1(
        `SELECT ${EXISTING_COLS} FROM messages WHERE msg_id = ? AND msg_id <> '' AND conv = ? AND kind <> ${KIND_RETRACTION}
         ORDER BY kind, seq DESC LIMIT 1`,
        key,
        conv
      ) ??
      this.get1(
        `SELECT ${EXISTING_COLS} FROM messages WHERE conv = ? AND direction IN ('in', 'out') AND origin_id = ? AND kind <> ${KIND_RETRACTION}
         ORDER BY kind LIMIT 1`,
        conv,
        key
      ) ??
      this.get1(`SELECT ${EXISTING_COLS} FROM messages WHERE account = ? AND stanza_id = ? AND conv = ? AND kind <> ${KIND_RETRACTION} LIMIT 1`, acc, key, conv)
    if (!r) return null
    const e = existing(r)
    if (e.kind === KIND_CORRECTION) return depth < 4 && e.replacesId !== null ? this.findTarget(acc, conv, e.replacesId, depth + 1) : null
    return e
  }

  private applyRetraction(row: Existing, at: number): void {
    if (row.retractedAt !== null) return
    this.run('UPDATE messages SET body = ?, edited_body = NULL, retracted_at = ? WHERE row_id = ?', '', at, row.rowId)
    this.run('DELETE FROM message_fts WHERE rowid = ?', row.seq)
    for (const ref of new Set([row.msgId, row.originId, row.stanzaId])) {
      if (ref !== null && ref !== '') this.run(`UPDATE messages SET body = '' WHERE conv = ? AND replaces_id = ? AND kind = ${KIND_CORRECTION}`, row.conv, enc(ref))
    }
    if (row.direction === 'in') {
      this.run('UPDATE conversations SET unread = max(0, unread - 1) WHERE id = ? AND read_at < ?', row.conv, row.at)
    }
  }

  // -------------------------------------------------------------------------------------------
  // Read internals

  /** Rows → messages with reply targets and reactions, for one conversation. */
  private decorate(conv: number, rows: Row[], account: string, peer: string): StoredMessage[] {
    const messages = rows.map((r) => this.decode(r, account, peer))
    if (messages.length === 0) return messages
    // One query for the reactions of the whole page.
    const refsOf = (m: StoredMessage): string[] => [...new Set([m.id, m.originId, m.stanzaId].filter((x): x is string => !!x))]
    const refs = [...new Set(messages.filter((m) => m.retracted !== true).flatMap(refsOf))]
    const sets = new Map<string, Row[]>()
    for (let i = 0; i < refs.length; i += 500) {
      const chunk = refs.slice(i, i + 500)
      const found = this.all(
        `SELECT target_id, sender, emojis, at, mine FROM reaction_sets WHERE conv = ? AND target_id IN (${chunk.map(() => '?').join(', ')}) AND emojis <> '[]'`,
        conv,
        ...chunk.map(enc)
      )
      for (const r of found) {
        const id = dec(r['target_id'])
        sets.set(id, [...(sets.get(id) ?? []), r])
      }
    }
    const acc = this.accountId(account, false)
    for (const m of messages) {
      if (sets.size > 0 && m.retracted !== true) m.reactions = summarise(refsOf(m).flatMap((id) => sets.get(id) ?? []))
      if (m.replyTo && acc !== null) {
        const target = this.findTarget(acc, conv, m.replyTo.id)
        if (target) {
          const t = this.get1('SELECT from_jid, nick, substr(coalesce(edited_body, body), 1, ?) AS preview FROM messages WHERE row_id = ?', PREVIEW_CHARS, target.rowId)
          m.replyTo.rowId = target.rowId
          m.replyTo.from = dec(t?.['from_jid'])
          if (t?.['nick'] !== null && t?.['nick'] !== undefined) m.replyTo.nick = dec(t['nick'])
          m.replyTo.body = dec(t?.['preview'])
          if (target.retractedAt !== null) m.replyTo.retracted = true
        }
      }
    }
    return messages
  }

  private reactionSummary(conv: number, ids: string[]): ReactionSummary[] {
    const rows = ids.flatMap((id) =>
      this.all(`SELECT target_id, sender, emojis, at, mine FROM reaction_sets WHERE conv = ? AND target_id = ? AND emojis <> '[]'`, conv, enc(id))
    )
    return summarise(rows)
  }

  private decode(r: Row, account: string, peer: string): StoredMessage {
    const from = dec(r['from_jid'])
    const body = dec(r['body'])
    const edited = decOpt(r['edited_body'])
    const flags = num(r['flags'])
    const m: StoredMessage = {
      rowId: num(r['row_id']),
      account: account as AccountId,
      peer,
      id: dec(r['msg_id']) as MessageId,
      resource: from,
      from,
      sender: dec(r['sender']),
      direction: r['direction'] as MessageDirection,
      body: edited ?? body,
      at: num(r['at']),
      receivedAt: num(r['received_at']),
      state: r['state'] as DeliveryState,
      reactions: []
    }
    const originId = decOpt(r['origin_id'])
    const stanzaId = decOpt(r['stanza_id'])
    const error = decOpt(r['error'])
    const editedAt = numOpt(r['edited_at'])
    const retractedAt = numOpt(r['retracted_at'])
    const replyId = decOpt(r['reply_to_id'])
    if (originId !== null) m.originId = originId
    if (stanzaId !== null) m.stanzaId = stanzaId
    if (stanzaId !== null) m.stanzaIdBy = this.archiveJid(num(r['stanza_by']))
    if (error !== null) m.error = JSON.parse(error) as ErrorView
    if (flags & FLAG_ACTION) m.action = true
    if (flags & FLAG_RECEIPT) m.receiptRequested = true
    if (flags & FLAG_MENTION) m.mention = true
    if (flags & FLAG_ATTACHMENT) m.attachment = true
    if (flags & FLAG_MARKABLE) m.markable = true
    const nick = decOpt(r['nick'])
    if (nick !== null) m.nick = nick
    const source = SOURCES[(flags >> SOURCE_SHIFT) & 3]
    if (source !== undefined) m.source = source
    if (edited !== null && editedAt !== null) {
      m.edited = true
      m.editedAt = editedAt
      m.originalBody = body
    }
    if (retractedAt !== null) {
      m.retracted = true
      m.retractedAt = retractedAt
    }
    if (num(r['kind']) === KIND_CORRECTION) m.correctsId = dec(r['replaces_id'])
    if (replyId !== null) m.replyTo = { id: replyId, jid: dec(r['reply_to_jid']) }
    return m
  }

  // -------------------------------------------------------------------------------------------
  // Ids, statements, transactions

  private accountId(name: AccountId | string, create: true): number
  private accountId(name: AccountId | string, create: boolean): number | null
  private accountId(name: AccountId | string, create: boolean): number | null {
    if (typeof name !== 'string' || name === '') throw invalid('account must be a non-empty string')
    let id = this.accountIds.get(name)
    if (id !== undefined) return id
    const r = this.get1('SELECT id FROM accounts WHERE name = ?', name)
    if (r) id = num(r['id'])
    else if (create) id = Number(this.run('INSERT INTO accounts (name) VALUES (?)', name).lastInsertRowid)
    else return null
    this.accountIds.set(name, id)
    return id
  }

  /** Archive JIDs (stanza-id `by`) are few; rows refer to them by number. */
  private archiveId(jid: string): number {
    let id = this.archiveIds.get(jid)
    if (id !== undefined) return id
    const r = this.get1('SELECT id FROM archives WHERE jid = ?', enc(jid))
    id = r ? num(r['id']) : Number(this.run('INSERT INTO archives (jid) VALUES (?)', enc(jid)).lastInsertRowid)
    this.archiveIds.set(jid, id)
    return id
  }

  private archiveJid(id: number): string {
    for (const [jid, known] of this.archiveIds) if (known === id) return jid
    const jid = dec(this.get1('SELECT jid FROM archives WHERE id = ?', id)?.['jid'])
    this.archiveIds.set(jid, id)
    return jid
  }

  private convId(acc: number, peer: string, create: boolean, at = 0): number | null {
    const key = `${acc}\u0000${peer}`
    let id = this.convIds.get(key)
    if (id !== undefined) return id
    const r = this.get1('SELECT id FROM conversations WHERE account = ? AND peer = ?', acc, peer)
    if (r) id = num(r['id'])
    else if (create) id = Number(this.run('INSERT INTO conversations (account, peer, updated_at) VALUES (?, ?, ?)', acc, peer, at).lastInsertRowid)
    else return null
    this.convIds.set(key, id)
    return id
  }

  private lookupConv(account: AccountId | string, peer: string): number | null {
    const acc = this.accountId(account, false)
    return acc === null || typeof peer !== 'string' ? null : this.convId(acc, peer, false)
  }

  /** After a rollback or a purge the cached ids may name rows that no longer exist. */
  private forgetIds(): void {
    this.accountIds.clear()
    this.convIds.clear()
    this.archiveIds.clear()
  }

  private stmt(sql: string): StatementSync {
    if (this.closed) throw storageError('storage-closed', 'used after close()')
    let s = this.statements.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.statements.set(sql, s)
    }
    return s
  }

  private get1(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.stmt(sql).get(...params)
  }

  private all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.stmt(sql).all(...params)
  }

  private run(sql: string, ...params: SQLInputValue[]): { lastInsertRowid: number | bigint; changes: number | bigint } {
    return this.stmt(sql).run(...params)
  }

  private read<T>(action: string, fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      throw toStorageError(err, action)
    }
  }

  /**
   * One transaction. Any failure (SQLITE_FULL included) rolls everything back and surfaces as a
   * CoreError; nothing of the batch is half-written. `durable` commits with synchronous=FULL.
   */
  private write<T>(action: string, fn: () => T, durable = false): T {
    if (this.closed) throw storageError('storage-closed', action)
    if (this.db.isTransaction) return fn()
    try {
      if (durable) this.db.exec('PRAGMA synchronous = FULL')
      this.db.exec('BEGIN IMMEDIATE')
      const result = fn()
      this.db.exec('COMMIT')
      return result
    } catch (err) {
      try {
        if (this.db.isTransaction) this.db.exec('ROLLBACK')
      } catch {
        // SQLite already rolled back (it does on SQLITE_FULL in some cases); nothing left to undo.
      }
      this.forgetIds()
      throw toStorageError(err, action)
    } finally {
      if (durable) {
        try {
          this.db.exec('PRAGMA synchronous = NORMAL')
        } catch {
          // The connection is unusable anyway; the next call reports why.
        }
      }
    }
  }
}

const CONVERSATION_SELECT = `SELECT a.name AS account_name, c.peer, c.kind, c.name, c.unread, c.read_at, c.updated_at, c.hidden, c.opened,
  m.row_id, m.msg_id, m.from_jid,
  m.direction, m.state, m.at, substr(coalesce(m.edited_body, m.body), 1, ${PREVIEW_CHARS}) AS preview, m.edited_at, m.retracted_at, m.flags
  FROM conversations c JOIN accounts a ON a.id = c.account LEFT JOIN messages m ON m.row_id = c.last_row`

function conversation(r: Row): StoredConversation {
  const rowId = numOpt(r['row_id'])
  return {
    account: dec(r['account_name']) as AccountId,
    peer: dec(r['peer']),
    kind: num(r['kind']) === CONV_ROOM ? 'room' : 'chat',
    name: decOpt(r['name']),
    unread: num(r['unread']),
    readUpTo: num(r['read_at']),
    updatedAt: num(r['updated_at']),
    hidden: num(r['hidden']) === 1,
    opened: num(r['opened']) === 1,
    last:
      rowId === null
        ? null
        : {
            rowId,
            id: dec(r['msg_id']),
            from: dec(r['from_jid']),
            direction: r['direction'] as MessageDirection,
            state: r['state'] as DeliveryState,
            at: num(r['at']),
            body: dec(r['preview']),
            edited: r['edited_at'] !== null,
            retracted: r['retracted_at'] !== null,
            attachment: (num(r['flags']) & FLAG_ATTACHMENT) !== 0
          }
  }
}

/** Per sender the newest set wins; emojis in the order they were first used. */
function summarise(rows: Row[]): ReactionSummary[] {
  const latest = new Map<string, { at: number; mine: boolean; emojis: string[] }>()
  for (const r of rows) {
    const sender = dec(r['sender'])
    const at = num(r['at'])
    const prev = latest.get(sender)
    if (!prev || at > prev.at) latest.set(sender, { at, mine: num(r['mine']) === 1, emojis: JSON.parse(dec(r['emojis'])) as string[] })
  }
  const byEmoji = new Map<string, ReactionSummary>()
  for (const [sender, { emojis, mine }] of [...latest].sort((a, b) => a[1].at - b[1].at)) {
    for (const emoji of emojis) {
      const sum = byEmoji.get(emoji) ?? { emoji, count: 0, mine: false, senders: [] }
      sum.count++
      sum.mine ||= mine
      sum.senders.push(sender)
      byEmoji.set(emoji, sum)
    }
  }
  return [...byEmoji.values()]
}
