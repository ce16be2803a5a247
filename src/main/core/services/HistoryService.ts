import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type {
  ChatKey,
  ChatMessageView,
  ConversationView,
  HistoryQuery,
  MessageStateView,
  RoomKey,
  SearchHitView,
  SearchQueryView
} from '../../../shared/ipc/contract'
import { bare, jidToString, parseJid } from '../../../shared/jid'
import { asMessageId, type AccountId } from '../../../shared/model/ids'
import type { ChatMessage } from '../../../shared/model/message'
import type { Account } from '../account/Account'
import type { Core } from '../createCore'
import { CoreError, toCoreError } from '../errors'
import type { MessageEdit } from '../events'
import type { MessageStore, StoredConversation, StoredMessage, StoredMessageInput } from '../store/MessageStore'
import { NS_MAM, type ArchivedMessage, type MamPage, type MamQuery } from '../xep/0313-mam'
import { consistentColor } from '../xep/0392-colors'
import { mentionsNick } from '../xep/0045-muc/mention'
import type { RoomEdit, RoomMessage, RoomPrivateMessage } from '../xep/0045-muc/types'
import type { ContactsService } from './ContactsService'
import type { RoomsService } from './RoomsService'

const keyOf = (account: AccountId, peer: string): string => `${account}\u0000${peer}`
const DEFAULT_PAGE = 50
const TYPING_EXPIRES_MS = 30_000
const INSERT_BATCH = 200
const FLUSH_MS = 16
const CATCH_UP_PAGE = 100
const CATCH_UP_MAX_PAGES = 100
/** How much earlier than the newest message we have a catch-up by time starts (clock skew, whole-second archive stamps). */
const CLOCK_MARGIN_MS = 5 * 60_000
/** Pages of a chat searched for its newest message the archive has (past what still waits to go out). */
const NEWEST_SCAN_PAGES = 10
const RETRACTED_FALLBACK = 'This person attempted to retract a previous message, but it is unsupported by your client.'

type ArchivePageQuery = Pick<MamQuery, 'before' | 'after' | 'start' | 'max'>
type ArchivePage = (q: ArchivePageQuery) => Promise<MamPage>

export interface HistoryEvents {
  conversations: [ConversationView[]]
  /** Conversations no longer listed (a room forgotten or removed). */
  removed: [ChatKey[]]
  messages: [ChatMessageView[]]
  states: [MessageStateView[]]
  updates: [ChatMessageView[]]
}

/**
 * History that is never lost: every message of every account goes through the store (SQLite) in
 * small batched transactions, whatever way it came — live, carbons, the server archive. Sending
 * stores first (queued) and then sends; the outbox is re-sent, with the same ids, when an account
 * comes online (also after Parley restarts). A new session catches up from the archive, forward
 * from the last archive id; older pages are fetched on demand when a chat is scrolled up.
 */
export class HistoryService extends EventEmitter<HistoryEvents> {
  private readonly typing = new Map<string, NodeJS.Timeout>()
  private readonly olderExhausted = new Set<string>()
  private readonly fetchingOlder = new Map<string, Promise<void>>()
  private readonly sentThisRun = new Set<AccountId>()
  /** Displayed markers that could not go out (see `sendMarker`), by chat. */
  private readonly owedMarkers = new Map<string, { account: AccountId; to: string; id: string }>()
  /** The marker last asked for per chat, while it is on its way (see `sendMarker`). */
  private readonly markerWanted = new Map<string, string>()
  /**
   * Where a catch-up across a forgotten archive position starts when no stored message carries
   * that position: the newest message the archive has too, as it was when the session began (by
   * account) or the room's join (by account and room), before this session stored anything.
   */
  private readonly sessionStart = new Map<string, number | null>()
  private pending: { input: StoredMessageInput; account: AccountId }[] = []
  private flushTimer: NodeJS.Timeout | null = null
  /** Batches the store refused so far: an archive catch-up does not move past a page that had one. */
  private storageFailures = 0

  constructor(
    private readonly core: Core,
    private readonly contacts: ContactsService,
    private readonly rooms: RoomsService,
    private readonly store: MessageStore
  ) {
    super()
    const { events } = core
    events.on('message', ({ account, message }) => this.queueInsert(account, message))
    events.on('roomMessage', ({ account, message }) => this.queueRoomInsert(account, message))
    events.on('roomMessageEdit', ({ account, edit }) => this.storing(() => this.onRoomEdit(account, edit)))
    events.on('roomPrivateMessage', ({ account, message }) => this.queuePrivateInsert(account, message))
    rooms.on('joined', ({ account, room }) => {
      this.reopen(account, room)
      // Before the room's outbox goes and live messages come: those are not what the archive had.
      this.flushInserts()
      // Once per session: a new role or nick says 'joined' again, with this session's messages stored.
      const key = keyOf(account, room)
      if (!this.sessionStart.has(key)) this.snapshotStart(account, room, key, () => this.newestRoomStoredAt(account, room))
      void this.flushRoom(account, room)
      this.sendOwedMarkers(account, room)
      void this.roomCatchUp(account, room)
    })
    rooms.on('removed', (keys) => this.close(keys))
    rooms.on('rooms', (list) => {
      const views = list.map((r) => this.viewOf(this.store.conversation(r.account, r.room))).filter((v): v is ConversationView => v !== null)
      if (views.length > 0) this.emit('conversations', views)
    })
    events.on('messageState', (e) => this.onState(e))
    events.on('messageEdit', ({ account, edit }) => this.storing(() => this.onEdit(account, edit)))
    events.on('displayedElsewhere', ({ account, peer, id }) => this.onDisplayedElsewhere(account, peer, id))
    events.on('chatState', ({ account, peer, state }) => this.setTyping(account, peer, state === 'composing'))
    events.on('connectionState', ({ account, state }) => {
      if (state.state !== 'online') return
      if (!state.resumed) {
        // Before the outbox goes out and this session's messages are stored. Rooms take theirs
        // when joined again.
        this.flushInserts()
        for (const key of this.sessionStart.keys()) if (key.startsWith(keyOf(account, ''))) this.sessionStart.delete(key)
        const own = this.account(account)?.bareJid
        if (own) this.snapshotStart(account, own, keyOf(account, ''), () => this.newestStoredAt(account))
      }
      void this.flushOutbox(account)
      this.sendOwedMarkers(account)
    })
    // After initial presence: messages that arrived before it went to offline storage, which a server
    // may leave to the archive once the client uses MAM; the query must start after them.
    events.on('sessionReady', ({ account, resumed }) => {
      if (!resumed) void this.catchUp(account)
    })
    contacts.on('changes', ({ upsert }) => {
      const named = upsert.filter((c) => this.store.conversation(c.account, c.jid) !== null)
      if (named.length > 0) this.emit('conversations', named.map((c) => this.viewOf(this.store.conversation(c.account, c.jid))).filter((v) => v !== null))
    })
  }

  list(): ConversationView[] {
    return this.store
      .conversations()
      .map((c) => this.viewOf(c))
      .filter((v): v is ConversationView => v !== null && this.exists(v.account))
      .sort((a, b) => b.updatedAt - a.updatedAt)
  }

  open(account: AccountId, peer: string): ConversationView {
    this.core.accounts.get(account)
    const view = this.viewOf(this.store.openConversation(account, this.peerOf(account, peer), Date.now()))
    if (!view) throw new CoreError('internal', 'Could not open the conversation')
    this.emit('conversations', [view])
    return view
  }

  /**
   * A page of history, oldest first, from the store. When the store runs out, older messages come
   * from the archive: for the newest page (opening a chat) in the background, as `messages`
   * events, so what is stored shows at once; for an older page (`before`) this waits for them.
   * A short newest page therefore does not mean the chat's history ends there.
   */
  async history(query: HistoryQuery): Promise<ChatMessageView[]> {
    const { account } = query
    const peer = this.peerOf(account, query.peer)
    const limit = Math.max(1, Math.min(500, query.limit ?? DEFAULT_PAGE))
    const done = (page: StoredMessage[]): ChatMessageView[] => this.present(account, peer, page)
    if (query.around !== undefined) return done(this.store.around(account, peer, query.around, Math.ceil(limit / 2)))
    const cursor = (c: HistoryQuery['before']) => (c ? { at: c.at, rowId: c.rowId ?? this.store.byId(account, peer, c.id)?.rowId ?? Number.MAX_SAFE_INTEGER } : undefined)
    if (query.after) return done(this.store.page(account, peer, { after: cursor(query.after), limit }))
    const before = cursor(query.before)
    let page = this.store.page(account, peer, { before, limit })
    if (page.length < limit && !this.olderExhausted.has(keyOf(account, peer))) {
      // Before the oldest stored message: the first of the page, or (none older) the cursor's own.
      const oldest = page[0] ?? (query.before ? this.cursorRow(account, peer, query.before) : null)
      const older = this.fetchOlderOnce(account, peer, oldest)
      if (!before) return done(page)
      await older
      page = this.store.page(account, peer, { before, limit })
    }
    return done(page)
  }

  /** The message a cursor names: its row when it has one (ids are not unique: reused, or '' in rooms), else by id. */
  private cursorRow(account: AccountId, peer: string, c: NonNullable<HistoryQuery['before']>): StoredMessage | null {
    if (c.rowId === undefined) return this.store.byId(account, peer, c.id)
    const row = this.store.get(account, c.rowId)
    return row && row.peer === peer ? row : null
  }

  /** Stores the message as queued, then sends it now or as soon as the account is online. */
  send(account: AccountId, peer: string, body: string, replyTo: string | null = null, opts: { attachment?: boolean } = {}): ChatMessageView {
    const a = this.core.accounts.get(account)
    if (body.trim() === '') throw new CoreError('invalid-argument', 'Empty message')
    const to = this.peerOf(account, peer)
    const target = replyTo ? this.store.byId(account, to, replyTo) : null
    if (replyTo && !target) throw new CoreError('invalid-argument', 'The message to reply to is not in the history')
    const id = asMessageId(randomUUID())
    const now = Date.now()
    const room = this.isRoom(account, to)
    const nick = room ? (a.muc.nick(to) ?? '') : ''
    if (replyTo && privateOf(to)) throw new CoreError('unsupported', 'Replies are not sent in private messages through a room')
    const input: StoredMessageInput = {
      account,
      peer: to,
      direction: 'out',
      from: room ? `${to}/${nick}` : (a.client.entity.jid?.toString() ?? a.bareJid),
      ...(room && nick ? { nick } : {}),
      ...(room ? { room: true } : {}),
      sender: room ? (a.muc.occupants(to).find((o) => o.self)?.occupantId ? `occupant-id:${a.muc.occupants(to).find((o) => o.self)?.occupantId}` : a.bareJid) : a.bareJid,
      id,
      originId: id,
      body,
      at: now,
      atIsLocal: true,
      receivedAt: now,
      state: 'queued',
      source: 'live',
      ...(body.startsWith('/me ') ? { action: true } : {}),
      // The link of a file we uploaded: stored as such, so that it goes out with XEP-0066 data
      // whenever it is sent, also from the outbox after a restart.
      ...(opts.attachment ? { attachment: true } : {}),
      ...(target ? { replyTo: { id: room ? (target.stanzaId ?? target.id) : target.id, jid: target.direction === 'out' ? a.bareJid : room ? target.resource : to } } : {})
    }
    this.flushInserts()
    const [outcome] = this.store.insert([input])
    const stored = outcome ? this.store.get(account, outcome.rowId) : null
    if (!stored) throw new CoreError('internal', 'The message could not be stored')
    const [shown = stored] = this.present(account, to, [stored])
    this.emit('messages', [shown])
    this.emitConversation(account, to)
    void this.transmit(stored)
    return shown
  }

  async correct(account: AccountId, peer: string, id: string, body: string): Promise<void> {
    const a = this.core.accounts.get(account)
    const to = this.peerOf(account, peer)
    this.requireNotPrivate(to)
    const target = this.store.byId(account, to, id)
    if (!target || target.direction !== 'out') throw new CoreError('invalid-argument', 'Only your own messages can be corrected')
    if (body.trim() === '') throw new CoreError('invalid-argument', 'Empty message')
    const editId = randomUUID()
    const now = Date.now()
    this.store.correct(account, to, id, a.bareJid, body, now, { id: editId, originId: editId, direction: 'out', state: 'queued', from: a.bareJid })
    this.emitUpdate(account, to, id)
    const sent = this.isRoom(account, to)
      ? await a.muc.transmit({ id: asMessageId(editId), room: to, body, replaces: id }).catch(() => false)
      : await a.chat.transmit({ id: asMessageId(editId), to, body, replaces: id }).catch(() => false)
    if (sent) this.store.setState(account, to, editId, 'sent')
  }

  async retract(account: AccountId, peer: string, id: string): Promise<void> {
    const a = this.core.accounts.get(account)
    const to = this.peerOf(account, peer)
    this.requireNotPrivate(to)
    const target = this.store.byId(account, to, id)
    if (!target || target.direction !== 'out') throw new CoreError('invalid-argument', 'Only your own messages can be retracted')
    if (this.isRoom(account, to)) {
      if (!target.stanzaId) throw new CoreError('invalid-argument', 'The room has not confirmed this message yet')
      await a.muc.retract(to, target.stanzaId, RETRACTED_FALLBACK)
    } else {
      await a.chat.retract(to, target.originId ?? id, RETRACTED_FALLBACK)
    }
    this.store.retract(account, to, id, a.bareJid, Date.now())
    this.emitUpdate(account, to, id)
  }

  async react(account: AccountId, peer: string, id: string, emojis: string[]): Promise<void> {
    const a = this.core.accounts.get(account)
    const to = this.peerOf(account, peer)
    this.requireNotPrivate(to)
    const target = this.store.byId(account, to, id)
    if (!target) throw new CoreError('invalid-argument', 'No such message')
    if (this.isRoom(account, to)) {
      if (!target.stanzaId) throw new CoreError('invalid-argument', 'The room has not confirmed this message yet')
      await a.muc.react(to, target.stanzaId, emojis)
    } else {
      await a.chat.react(to, id, emojis)
    }
    this.store.react(account, to, id, this.isRoom(account, to) ? this.ownRoomSender(a, to) : a.bareJid, emojis, Date.now(), true)
    this.emitUpdate(account, to, id)
  }

  async retry(account: AccountId, peer: string, id: string): Promise<void> {
    const to = this.peerOf(account, peer)
    const message = this.store.byId(account, to, id)
    if (!message || message.direction !== 'out' || message.state !== 'failed') throw new CoreError('invalid-argument', 'Only a failed message can be sent again')
    const change = this.store.setState(account, to, id, 'queued')
    if (change) this.emit('states', [change])
    const again = this.store.byId(account, to, id)
    if (again) await this.transmit(again)
  }

  search(query: SearchQueryView): SearchHitView[] {
    return this.store
      .search({ ...query, ...(query.peer ? { peer: query.account ? this.peerOf(query.account, query.peer) : normalisePeer(query.peer) } : {}) })
      .filter((h) => this.exists(h.account))
      .map((h) => ({
        rowId: h.rowId,
        cursor: h.cursor,
        account: h.account,
        peer: h.peer,
        name: this.nameOf(h.account, h.peer),
        direction: h.direction,
        id: h.id,
        at: h.at,
        snippet: h.snippet
      }))
  }

  /**
   * The user has seen the conversation: unread to 0, and in a one-to-one chat one displayed marker
   * to the peer (XEP-0333) for the newest message that asked for markers and was not read yet,
   * however it came (live, a carbon, the archive, before a restart). The store's read position
   * is what was marked: reading again sends nothing.
   */
  markRead(account: AccountId, peer: string): void {
    const to = this.peerOf(account, peer)
    const marker = this.isRoom(account, to) ? null : this.store.unreadMarkable(account, to)
    const conv = this.store.markRead(account, to)
    if (!conv) return
    this.emitConversation(account, to)
    if (marker) void this.sendMarker(account, to, marker.id)
  }

  /**
   * A displayed marker, in a chat or a private chat through a room. One that cannot go out now
   * (offline, not in the room) is owed, the newest per chat, and sent when the account is online
   * again; the read position has moved already, so nothing else would send it.
   */
  private async sendMarker(account: AccountId, to: string, id: string): Promise<void> {
    const key = keyOf(account, to)
    const a = this.account(account)
    const pm = privateOf(to)
    this.markerWanted.set(key, id)
    const sent = a ? await (pm ? a.muc.displayedPrivate(pm.room, pm.nick, id) : a.chat.displayed(to, id)).catch(() => false) : false
    // A newer marker asked for meanwhile (or the chat closed, the account removed) decides instead.
    if (this.markerWanted.get(key) !== id) return
    this.markerWanted.delete(key)
    if (sent) this.owedMarkers.delete(key)
    else if (this.exists(account)) this.owedMarkers.set(key, { account, to, id })
  }

  /** Owed markers of an account (online again), or of the private chats through one room (joined again). */
  private sendOwedMarkers(account: AccountId, room?: string): void {
    for (const owed of [...this.owedMarkers.values()]) {
      if (owed.account !== account || (room !== undefined && privateOf(owed.to)?.room !== room)) continue
      void this.sendMarker(owed.account, owed.to, owed.id)
    }
  }

  /** Owed markers that can no longer be sent: of an account removed, or through rooms closed. */
  private forgetOwed(gone: (owed: { account: AccountId; to: string }) => boolean): void {
    for (const [key, owed] of this.owedMarkers) if (gone(owed)) this.owedMarkers.delete(key)
    for (const key of this.markerWanted.keys()) {
      const [account = '', to = ''] = key.split('\u0000')
      if (gone({ account: account as AccountId, to })) this.markerWanted.delete(key)
    }
  }

  unreadTotal(): number {
    return this.store.unreadTotals().total
  }

  /** An account was removed from Parley: its history goes too (in slices, off the hot path). */
  dropAccount(account: AccountId): void {
    const step = (): void => {
      if (this.store.purge(account) > 0) setImmediate(step)
    }
    step()
    this.forgetOwed((owed) => owed.account === account)
    for (const key of this.sessionStart.keys()) if (key.startsWith(keyOf(account, ''))) this.sessionStart.delete(key)
    this.emit('conversations', [])
  }

  dispose(): void {
    this.flushInserts()
    for (const t of this.typing.values()) clearTimeout(t)
  }

  /** Rooms gone from the list: their conversations are no longer listed (their history stays). */
  private close(keys: readonly RoomKey[]): void {
    this.flushInserts()
    try {
      for (const k of keys) this.store.hideConversation(k.account, k.room)
    } catch (err) {
      this.core.events.emit('storageError', { error: toCoreError(err, 'storage-failed').toView() })
    }
    this.forgetOwed((owed) => keys.some((k) => k.account === owed.account && (owed.to === k.room || privateOf(owed.to)?.room === k.room)))
    for (const k of keys) this.sessionStart.delete(keyOf(k.account, k.room))
    this.emit('removed', keys.map((k) => ({ account: k.account, peer: k.room })))
  }

  /** A room joined again (here, or by autojoin after another device bookmarked it) is listed again. */
  private reopen(account: AccountId, room: string): void {
    if (!this.store.conversation(account, room)?.hidden) return
    const view = this.viewOf(this.store.openConversation(account, room, Date.now()))
    if (view) this.emit('conversations', [view])
  }

  // --- arrivals ------------------------------------------------------------------------------

  private queueInsert(account: AccountId, message: ChatMessage): void {
    const a = this.account(account)
    if (!a) return
    const own = a.bareJid
    const input: StoredMessageInput = {
      account,
      peer: message.peer,
      direction: message.direction,
      from: message.resource || (message.direction === 'out' ? own : message.peer),
      sender: message.direction === 'out' ? own : message.peer,
      id: message.id,
      body: message.body,
      at: message.at,
      // Live copies carry our clock (or an offline delay); a later archive copy brings server time.
      atIsLocal: message.source !== 'archive',
      receivedAt: Date.now(),
      state: message.state,
      source: message.source ?? 'live',
      ...(message.originId ? { originId: message.originId } : {}),
      ...(message.stanzaId && message.stanzaIdBy ? { stanzaId: message.stanzaId, stanzaIdBy: message.stanzaIdBy } : {}),
      ...(message.action ? { action: true } : {}),
      ...(message.attachment ? { attachment: true } : {}),
      ...(message.receiptRequested ? { receiptRequested: true } : {}),
      ...(message.markable && message.direction === 'in' ? { markable: true } : {}),
      ...(message.replyTo ? { replyTo: message.replyTo } : {})
    }
    if (message.direction === 'in') this.clearTyping(account, message.peer)
    this.enqueue(account, input)
  }

  /** Stores soon, with what else arrives (one transaction per batch). */
  private enqueue(account: AccountId, input: StoredMessageInput): void {
    this.pending.push({ input, account })
    if (this.pending.length >= INSERT_BATCH) this.flushInserts()
    else this.flushTimer ??= setTimeout(() => this.flushInserts(), FLUSH_MS)
  }

  /** Writes what arrived in one transaction and tells the window about what was new. */
  private flushInserts(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    let outcomes
    try {
      outcomes = this.store.insert(batch.map((b) => b.input))
    } catch (err) {
      // Storage failed (disk full…): nothing in this batch is marked stored; say so and go on.
      this.storageFailed(err)
      return
    }
    const added: StoredMessage[] = []
    const touched = new Set<string>()
    outcomes.forEach((o, i) => {
      const b = batch[i]
      if (!b || !o.rowId) return
      if (o.inserted || o.changed) touched.add(keyOf(b.account, b.input.peer))
      if (!o.inserted) return
      const stored = this.store.get(b.account, o.rowId)
      if (stored && stored.correctsId === undefined) added.push(...this.present(b.account, b.input.peer, [stored]))
    })
    if (added.length > 0) this.emit('messages', added)
    const views = [...touched].map((k) => {
      const [account, peer] = k.split('\u0000') as [AccountId, string]
      return this.viewOf(this.store.conversation(account, peer))
    })
    const list = views.filter((v): v is ConversationView => v !== null)
    if (list.length > 0) this.emit('conversations', list)
  }

  /** A write that is not batched (an edit, a reaction): a failure is reported and counted like a refused batch. */
  private storing(write: () => void): void {
    try {
      write()
    } catch (err) {
      this.storageFailed(err)
    }
  }

  private storageFailed(err: unknown): void {
    this.storageFailures++
    this.core.events.emit('storageError', { error: toCoreError(err, 'storage-failed').toView() })
  }

  private onState(e: MessageStateView): void {
    this.flushInserts()
    const change = this.store.setState(e.account, e.peer, e.id, e.state, e.error)
    if (!change) return
    this.emit('states', [{ account: change.account, peer: change.peer, id: change.id, state: change.state, ...(change.error ? { error: change.error } : {}) }])
    this.emitConversation(change.account, change.peer)
    // Stream management could not confirm it: send it again (same id; the peer drops duplicates).
    if (change.state === 'queued') {
      const message = this.store.get(change.account, change.rowId)
      if (message) void this.transmit(message)
    }
  }

  private onEdit(account: AccountId, edit: MessageEdit): void {
    this.flushInserts()
    const { peer, sender, targetId, at, change } = edit
    const mine = edit.direction === 'out'
    let outcome
    if (change.kind === 'correct') outcome = this.store.correct(account, peer, targetId, sender, change.body, at, { id: edit.id, direction: edit.direction, from: sender })
    else if (change.kind === 'retract') outcome = this.store.retract(account, peer, targetId, sender, at)
    else {
      this.store.react(account, peer, targetId, sender, change.emojis, at, mine)
      outcome = { status: 'applied' as const }
    }
    if (outcome.status === 'applied') this.emitUpdate(account, peer, targetId)
  }

  /** Another device of ours showed the chat up to `id`: read here too, and marked (no marker of ours for it). */
  private onDisplayedElsewhere(account: AccountId, peer: string, id: string): void {
    // The message may still wait in the batch (a catch-up page carries it and the marker).
    this.flushInserts()
    const message = this.store.byId(account, peer, id)
    if (!message) return
    if (this.store.markRead(account, peer, message.at)) this.emitConversation(account, peer)
  }

  private queueRoomInsert(account: AccountId, m: RoomMessage): void {
    if (m.nick === '') return // the room itself speaking (status messages): not history
    const input: StoredMessageInput = {
      account,
      peer: m.room,
      direction: m.fromUs ? 'out' : 'in',
      from: `${m.room}/${m.nick}`,
      sender: m.sender,
      id: m.id,
      body: m.body,
      at: m.at,
      atIsLocal: m.atIsLocal,
      receivedAt: Date.now(),
      state: m.fromUs ? 'delivered' : 'received',
      source: m.source,
      ...(m.originId ? { originId: m.originId } : {}),
      ...(m.stanzaId ? { stanzaId: m.stanzaId, stanzaIdBy: m.room } : {}),
      ...(m.action ? { action: true } : {}),
      ...(m.attachment ? { attachment: true } : {}),
      ...(m.replyTo ? { replyTo: { id: m.replyTo.id, jid: `${m.room}/${m.replyTo.nick}` } } : {}),
      nick: m.nick,
      room: true,
      ...(m.mentions ? { mention: true } : {})
    }
    this.enqueue(account, input)
  }

  /**
   * A private message through a room: a conversation of its own with the occupant's room-assigned
   * address `room/nick` as the peer. That address is all we know of who wrote; a real JID the
   * room may show is not taken for them (the nick may change hands).
   */
  private queuePrivateInsert(account: AccountId, m: RoomPrivateMessage): void {
    const a = this.account(account)
    if (!a) return
    const peer = `${m.room}/${m.nick}`
    const own = a.bareJid
    this.enqueue(account, {
      account,
      peer,
      direction: m.direction,
      from: m.direction === 'in' ? peer : own,
      sender: m.direction === 'in' ? peer : own,
      id: m.id,
      body: m.body,
      at: m.at,
      atIsLocal: m.atIsLocal,
      receivedAt: Date.now(),
      // Another device's message (a carbon, the archive) went out already: never ours to resend.
      state: m.direction === 'in' ? 'received' : 'acked',
      source: m.source,
      ...(m.originId ? { originId: m.originId } : {}),
      ...(m.body.startsWith('/me ') ? { action: true } : {}),
      ...(m.attachment ? { attachment: true } : {}),
      ...(m.markable ? { markable: true } : {})
    })
  }

  private onRoomEdit(account: AccountId, edit: RoomEdit): void {
    this.flushInserts()
    const { room, sender, targetId, at, change } = edit
    let outcome
    if (change.kind === 'correct') outcome = this.store.correct(account, room, targetId, sender, change.body, at, { id: edit.id, direction: edit.fromUs ? 'out' : 'in', from: `${room}/${edit.nick}`, ...(edit.stanzaId ? { stanzaId: edit.stanzaId, stanzaIdBy: room } : {}) })
    else if (change.kind === 'retract') {
      // A moderator's retraction (XEP-0425) comes from the room itself; the room vouches for it.
      const target = this.store.byId(account, room, targetId)
      outcome = this.store.retract(account, room, targetId, change.moderated && target ? target.sender : sender, at)
    } else {
      // Ours (the room's echo, another device of ours): under the identity `react` records, so it replaces.
      const a = edit.fromUs ? this.account(account) : null
      this.store.react(account, room, targetId, a ? this.ownRoomSender(a, room) : sender, change.emojis, at, edit.fromUs)
      outcome = { status: 'applied' as const }
    }
    if (outcome.status === 'applied') this.emitUpdate(account, room, targetId)
  }

  // --- sending -------------------------------------------------------------------------------

  private async transmit(message: StoredMessage): Promise<boolean> {
    const a = this.account(message.account)
    if (!a) return false
    try {
      const replyTo = message.replyTo
      const quoted = replyTo ? this.store.byId(message.account, message.peer, replyTo.id) : null
      const pm = privateOf(message.peer)
      const oob = message.attachment ? { oob: { url: message.body, desc: '' } } : {}
      if (pm) return await a.muc.transmitPrivate({ id: message.id, room: pm.room, nick: pm.nick, body: message.body, ...oob })
      if (this.isRoom(message.account, message.peer)) {
        return await a.muc.transmit({
          id: message.id,
          room: message.peer,
          body: message.body,
          ...oob,
          ...(replyTo ? { replyTo: { id: replyTo.id, nick: nickOf(replyTo.jid), quote: quoted?.retracted ? '' : (quoted?.body ?? '') } } : {})
        })
      }
      return await a.chat.transmit({
        id: message.id,
        to: message.peer,
        body: message.body,
        ...oob,
        ...(replyTo ? { replyTo: { id: replyTo.id, to: replyTo.jid, quote: quoted?.retracted ? '' : (quoted?.body ?? '') } } : {})
      })
    } catch {
      return false
    }
  }

  /** Sends what is queued for an account; on the first connection of this run also what was only written. */
  private async flushOutbox(account: AccountId): Promise<void> {
    this.flushInserts()
    const first = !this.sentThisRun.has(account)
    this.sentThisRun.add(account)
    const joined = new Set(this.account(account)?.muc.joinedRooms() ?? [])
    for (const message of this.store.outbox(account, first ? ['queued', 'sent'] : ['queued'])) {
      // What goes through a room waits until we are in it (then `flushRoom`), without holding up the rest.
      const room = this.roomOf(account, message.peer)
      if (room !== null && !joined.has(room)) continue
      if (!(await this.sendQueued(account, message))) return
    }
  }

  /** A room was joined: what waited for it (group chat and private messages) goes out now. */
  private async flushRoom(account: AccountId, room: string): Promise<void> {
    this.flushInserts()
    for (const message of this.store.outbox(account, ['queued'])) {
      if (this.roomOf(account, message.peer) !== room) continue
      if (!(await this.sendQueued(account, message))) return
    }
  }

  private async sendQueued(account: AccountId, message: StoredMessage): Promise<boolean> {
    if (message.correctsId === undefined) return this.transmit(message)
    const a = this.account(account)
    const out = { id: message.id, body: message.body, replaces: message.correctsId }
    const ok = this.isRoom(account, message.peer)
      ? await a?.muc.transmit({ ...out, room: message.peer }).catch(() => false)
      : await a?.chat.transmit({ ...out, to: message.peer }).catch(() => false)
    if (ok) this.store.setState(account, message.peer, message.id, 'sent')
    return ok === true
  }

  /** The room a conversation goes through: the room itself, or the room of a private chat. */
  private roomOf(account: AccountId, peer: string): string | null {
    const pm = privateOf(peer)
    if (pm) return pm.room
    return this.isRoom(account, peer) ? peer : null
  }

  // --- the archive ---------------------------------------------------------------------------

  /** After a new session: what was missed, forward from the last archive id we have (XEP-0313). */
  private async catchUp(account: AccountId): Promise<void> {
    const a = this.account(account)
    if (!a || !(await a.disco.accountSupports(NS_MAM))) return
    const own = a.bareJid
    const onResult = (r: ArchivedMessage) => this.fromArchive(a, r)
    try {
      await this.syncArchive(account, own, (q) => a.mam.query({ archive: own, ...q }, onResult), () => this.startedAt(keyOf(account, ''), () => this.newestStoredAt(account)))
    } catch {
      // The next session tries again from the last position stored (a storage failure was reported).
    }
  }

  /** A result of our own archive: a private message through a room belongs to that occupant's chat, not the room's. */
  private fromArchive(a: Account, r: ArchivedMessage): void {
    if (a.muc.processArchived(r.message, r.at, (room) => this.isRoom(a.id, room))) return
    void a.chat.process(r.message, { source: 'archive', at: r.at, archiveId: r.archiveId, archive: r.archive })
  }

  /** A room was (re)joined: what it said while we were away, from its archive (no join history). */
  private async roomCatchUp(account: AccountId, room: string): Promise<void> {
    const a = this.account(account)
    if (!a) return
    try {
      if (!(await a.muc.roomInfo(room)).archived) return
      // A position the room no longer knows: forward from the newest message of it we have.
      await this.syncArchive(account, room, (q) => a.muc.history(room, q), () => this.startedAt(keyOf(account, room), () => this.newestRoomStoredAt(account, room)))
    } catch {
      // The next join tries again from the same position.
    }
  }

  /**
   * The time of the newest message of a room we have that its archive has too: one the room
   * stamped, or one from someone else (never ours still on its way, written maybe much later).
   */
  private newestRoomStoredAt(account: AccountId, room: string): number | null {
    let before: { at: number; rowId: number } | undefined
    for (let i = 0; i < NEWEST_SCAN_PAGES; i++) {
      const list = this.store.page(account, room, { before, limit: DEFAULT_PAGE })
      const archived = list.findLast((m) => m.stanzaIdBy === room || m.direction === 'in')
      if (archived) return archived.at
      const first = list[0]
      if (!first || list.length < DEFAULT_PAGE) return null
      before = { at: first.at, rowId: first.rowId }
    }
    return null
  }

  /**
   * Forward catch-up of one archive (ours or a room's) from the last id we have, in pages; the
   * first time only its newest page (older pages come on demand). When the archive no longer
   * knows that id (expired, reset: item-not-found), forward from the time of the message at that
   * id, or (not stored) from `since`: the newest message of it we had before this session (or
   * join), never one this session stored (a live message, our outbox just sent), which would skip
   * what was missed; the newest page only when we have none. The results arrive as message
   * events while each page runs; the position moves only past pages that were stored, so a
   * storage failure ends the catch-up there (it throws) and the next one goes on from the last
   * good page.
   */
  private async syncArchive(account: AccountId, archive: string, page: ArchivePage, since: () => number | null): Promise<void> {
    const state = this.store.archiveState(account, archive)
    const lastId = state?.lastId ?? null
    if (lastId !== null) {
      try {
        return await this.syncForward(account, archive, page, { after: lastId })
      } catch (err) {
        if (toCoreError(err).condition !== 'item-not-found') throw err
      }
      // The position's own archive time (kept with it since schema 4), else the message at it,
      // else what we had before this session.
      const from = state?.lastAt ?? this.store.archivedAt(account, archive, lastId) ?? since()
      // Server time in the archive, maybe our clock here: start early, duplicates are dropped.
      if (from !== null) return await this.syncForward(account, archive, page, { start: Math.max(0, from - CLOCK_MARGIN_MS) })
    }
    const first = await this.storedPage(page, { before: '', max: CATCH_UP_PAGE })
    this.store.setArchiveState(account, archive, { lastId: first.last, lastAt: first.lastAt ?? null, firstId: first.first, complete: first.complete, syncedAt: Date.now() })
  }

  /**
   * Takes `sessionStart` for an archive, but only where `syncArchive` could need it: a position
   * without its archive time (stored before schema 4). Otherwise there is nothing to scan for.
   */
  private snapshotStart(account: AccountId, archive: string, key: string, newest: () => number | null): void {
    const state = this.store.archiveState(account, archive)
    if (state?.lastId != null && state.lastAt == null) this.sessionStart.set(key, newest())
  }

  /** `sessionStart` of a session or join (computed now only when none was taken). */
  private startedAt(key: string, now: () => number | null): number | null {
    const at = this.sessionStart.get(key)
    return at !== undefined ? at : now()
  }

  private async syncForward(account: AccountId, archive: string, page: ArchivePage, from: { after: string } | { start: number }): Promise<void> {
    let after = 'after' in from ? from.after : undefined
    const start = 'start' in from ? { start: from.start } : {}
    for (let i = 0; i < CATCH_UP_MAX_PAGES; i++) {
      const next = await this.storedPage(page, { ...start, ...(after !== undefined ? { after } : {}), max: CATCH_UP_PAGE })
      if (next.last) after = next.last
      if (after !== undefined) this.store.setArchiveState(account, archive, { lastId: after, lastAt: next.lastAt ?? null, complete: false, syncedAt: Date.now() })
      if (next.complete || next.received === 0) return
    }
  }

  /** One page of archive results, written to the store; throws when some could not be (the caller must not move past it). */
  private async storedPage(page: ArchivePage, q: ArchivePageQuery): Promise<MamPage> {
    const failures = this.storageFailures
    const result = await page(q)
    this.flushInserts()
    if (this.storageFailures !== failures) throw new CoreError('storage-failed', 'Archived messages could not be stored')
    return result
  }

  /**
   * The time of the newest message we have that our own archive has too: of one-to-one and
   * private chats, not one still waiting to go out. Null when there is none.
   */
  private newestStoredAt(account: AccountId): number | null {
    let newest: number | null = null
    for (const c of this.store.conversations()) {
      if (c.account !== account || c.kind !== 'chat' || c.last === null || this.isRoom(account, c.peer)) continue
      if (!unsent(c.last)) {
        newest = Math.max(newest ?? c.last.at, c.last.at)
        continue
      }
      let before: { at: number; rowId: number } | undefined
      for (let i = 0; i < NEWEST_SCAN_PAGES; i++) {
        const list = this.store.page(account, c.peer, { before, limit: DEFAULT_PAGE })
        const sent = list.findLast((m) => !unsent(m))
        if (sent) {
          newest = Math.max(newest ?? sent.at, sent.at)
          break
        }
        const first = list[0]
        if (!first || list.length < DEFAULT_PAGE) break
        before = { at: first.at, rowId: first.rowId }
      }
    }
    return newest
  }

  /** `fetchOlder`, one at a time per chat (opening a chat and scrolling up share it); never rejects. */
  private fetchOlderOnce(account: AccountId, peer: string, oldest: StoredMessage | null): Promise<void> {
    const key = keyOf(account, peer)
    let running = this.fetchingOlder.get(key)
    if (!running) {
      running = this.fetchOlder(account, peer, oldest)
        .catch(() => undefined) // not marked exhausted: the next call asks again
        .finally(() => this.fetchingOlder.delete(key))
      this.fetchingOlder.set(key, running)
    }
    return running
  }

  /** One page of older history for a chat from the archive, before the oldest message we have. */
  private async fetchOlder(account: AccountId, peer: string, oldest: StoredMessage | null): Promise<void> {
    const a = this.account(account)
    if (!a || a.connectionState().state !== 'online') return
    const key = keyOf(account, peer)
    if (this.isRoom(account, peer)) {
      // A room's own archive (XEP-0313 on the room), before the oldest id the room stamped.
      if (!a.muc.joinedRooms().includes(peer)) return
      const before = oldest?.stanzaIdBy === peer ? oldest.stanzaId : undefined
      if (oldest && !before) return
      const page = await this.storedPage((q) => a.muc.history(peer, q), { before: before ?? '', max: DEFAULT_PAGE })
      if (page.complete || page.received === 0) this.olderExhausted.add(key)
      return
    }
    if (!(await a.disco.accountSupports(NS_MAM))) return
    const own = a.bareJid
    const byArchive = oldest?.stanzaIdBy === own ? oldest.stanzaId : undefined
    const end = oldest && !byArchive ? { end: oldest.at - 1 } : {}
    const page = await this.storedPage(
      (q) => a.mam.query({ archive: own, with: peer, ...end, ...q }, (r) => this.fromArchive(a, r)),
      { before: byArchive ?? '', max: DEFAULT_PAGE }
    )
    if (page.complete || page.received === 0) this.olderExhausted.add(key)
  }

  // --- views ---------------------------------------------------------------------------------

  /**
   * Messages as the window gets them. In a room each carries the sender's nick (and the quoted
   * message's); rows stored before the store kept nicks (schema 1) have `from` = `room/nick`, and
   * whether they mention us is then decided against our nick now.
   */
  private present(account: AccountId, peer: string, list: StoredMessage[]): StoredMessage[] {
    if (!this.isRoom(account, peer)) return list
    const own = this.account(account)?.muc.nick(peer) ?? ''
    return list.map((m) => {
      const reply = m.replyTo && m.replyTo.nick === undefined ? { ...m.replyTo, nick: nickOf(m.replyTo.from ?? m.replyTo.jid) } : m.replyTo
      if (m.nick !== undefined) return reply === m.replyTo ? m : { ...m, replyTo: reply }
      const mention = m.direction === 'in' && !m.retracted && own !== '' && mentionsNick(m.body, own)
      return { ...m, nick: nickOf(m.from), ...(mention ? { mention: true } : {}), ...(reply ? { replyTo: reply } : {}) }
    })
  }

  private emitUpdate(account: AccountId, peer: string, id: string): void {
    const message = this.store.byId(account, peer, id)
    if (message) this.emit('updates', this.present(account, peer, [message]))
    this.emitConversation(account, peer)
  }

  private emitConversation(account: AccountId, peer: string): void {
    const view = this.viewOf(this.store.conversation(account, peer))
    if (view) this.emit('conversations', [view])
  }

  /** A conversation's name: the room's, the contact's, or for a private chat the occupant's nick (the only name the room vouches for). */
  nameOf(account: AccountId, peer: string): string {
    const pm = privateOf(peer)
    if (pm) return pm.nick
    return (this.isRoom(account, peer) ? this.rooms.nameOf(account, peer) : undefined) ?? this.contacts.nameOf(account, peer)
  }

  /** The conversation as the list shows it; null for one the list does not show (hidden, or empty and never opened). */
  private viewOf(c: StoredConversation | null): ConversationView | null {
    if (!c || c.hidden || (c.last === null && !c.opened)) return null
    const last = c.last
    const pm = privateOf(c.peer)
    const room = !pm && (c.kind === 'room' || this.rooms.isRoom(c.account, c.peer))
    return {
      account: c.account,
      peer: c.peer,
      name: this.nameOf(c.account, c.peer),
      color: consistentColor(c.peer),
      kind: pm ? 'private' : room ? 'room' : 'chat',
      ...(pm ? { room: { jid: pm.room, name: this.rooms.nameOf(c.account, pm.room) ?? pm.room, nick: pm.nick } } : {}),
      avatar: pm ? (this.account(c.account)?.avatars.avatarOf(c.peer) ?? null) : this.contacts.avatarOf(c.account, c.peer),
      unread: c.unread,
      updatedAt: c.updatedAt,
      last: last ? { body: last.retracted ? '' : last.body, direction: last.direction, state: last.state, at: last.at, ...(last.attachment && !last.retracted ? { attachment: true } : {}) } : null,
      typing: this.typing.has(keyOf(c.account, c.peer))
    }
  }

  private setTyping(account: AccountId, peer: string, typing: boolean): void {
    const key = keyOf(account, peer)
    if (typing === this.typing.has(key)) return
    if (typing) this.typing.set(key, setTimeout(() => this.setTyping(account, peer, false), TYPING_EXPIRES_MS))
    else this.clearTyping(account, peer)
    this.emitConversation(account, peer)
  }

  private clearTyping(account: AccountId, peer: string): void {
    const key = keyOf(account, peer)
    const timer = this.typing.get(key)
    if (timer) clearTimeout(timer)
    if (this.typing.delete(key)) this.emitConversation(account, peer)
  }

  /**
   * A conversation's peer: a bare JID, or for a private message through a room the occupant's
   * full `room/nick` (of a room we know, or a private chat we have history with).
   */
  private peerOf(account: AccountId, peer: string): string {
    const jid = parseJid(peer)
    if (!jid) throw new CoreError('invalid-argument', `Not a valid address: ${peer}`)
    const bareJid = jidToString(bare(jid))
    if (jid.resource === '' || jid.local === '') return bareJid
    const full = jidToString(jid)
    return this.isRoom(account, bareJid) || this.store.conversation(account, full) !== null ? full : bareJid
  }

  /**
   * A group chat: one the rooms service knows, or one the store remembers as a room (a forgotten
   * room with messages still in the outbox). Never sent to as a one-to-one chat.
   */
  private isRoom(account: AccountId, peer: string): boolean {
    return this.rooms.isRoom(account, peer) || this.store.isRoom(account, peer)
  }

  /**
   * Who we are in a room as a reactor: our occupant id when the room vouches for it (XEP-0421:
   * the same for all our devices), else our nick there; our account's address when neither is known.
   */
  private ownRoomSender(a: Account, room: string): string {
    const occupantId = a.muc.occupants(room).find((o) => o.self)?.occupantId
    if (occupantId) return `occupant-id:${occupantId}`
    const nick = a.muc.nick(room)
    return nick ? `${room}/${nick}` : a.bareJid
  }

  private requireNotPrivate(peer: string): void {
    if (privateOf(peer)) throw new CoreError('unsupported', 'Private messages through a room cannot be corrected, retracted or reacted to')
  }

  private account(id: AccountId): Account | null {
    try {
      return this.core.accounts.get(id)
    } catch {
      return null
    }
  }

  private exists(id: AccountId): boolean {
    return this.account(id) !== null
  }
}

/** Our message that has not gone out yet (queued, or failed): no archive has it. */
function unsent(m: { direction: string; state: string }): boolean {
  return m.direction === 'out' && (m.state === 'queued' || m.state === 'failed')
}

function nickOf(jid: string): string {
  const slash = jid.indexOf('/')
  return slash >= 0 ? jid.slice(slash + 1) : ''
}

/** A private chat through a room: its peer is `room/nick` (every other conversation's is a bare JID). */
function privateOf(peer: string): { room: string; nick: string } | null {
  const slash = peer.indexOf('/')
  return slash < 0 ? null : { room: peer.slice(0, slash), nick: peer.slice(slash + 1) }
}

function normalisePeer(peer: string): string {
  const jid = parseJid(peer)
  if (!jid) throw new CoreError('invalid-argument', `Not a valid address: ${peer}`)
  return jidToString(bare(jid))
}
