/* eslint-disable svelte/prefer-svelte-reactivity -- big collections are immutable snapshots in $state.raw, replaced once per batch (a SvelteMap would track every key). */
import { getContext, setContext } from 'svelte'
import type { ChatKey, ChatMessageView, ConversationView, Events, MessageStateView } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import { api, on, toApiError, type ApiError } from '../lib/api'
import { toggleReaction } from '../lib/reactions'
import type { AccountsState } from './accounts.svelte'

export const PAGE_SIZE = 50

export const conversationKey = (account: AccountId, peer: string): string => `${account}\u0000${peer}`

/** Keeps a list ordered by time; equal times keep their arrival order (Array#sort is stable). */
function byTime(a: ChatMessageView, b: ChatMessageView): number {
  return a.at - b.at
}

/**
 * One conversation's messages, oldest first: the newest page from history, older pages on demand
 * (`before` cursor), live messages appended, delivery states applied by id. Each change is one
 * assignment of a new array; the view virtualizes it.
 */
export class MessageLog {
  messages = $state.raw<ChatMessageView[]>([])
  loaded = $state(false)
  loadingOlder = $state(false)
  /** No older messages to fetch. */
  complete = $state(false)
  /** True when the last change prepended older messages (the list keeps its scroll position from the end). */
  shift = $state(false)
  error = $state.raw<ApiError | null>(null)
  /**
   * After a jump to an older message the newest ones are not loaded: live messages are not appended
   * (they would leave a gap) and scrolling down loads newer pages until the end is reached.
   */
  detached = $state(false)
  loadingNewer = $state(false)
  /** A message to bring into view; `seq` changes with every request (the same message twice). */
  focus = $state.raw<{ key: string; seq: number } | null>(null)
  /** Briefly highlighted after a jump (search hit, reply quote). */
  highlighted = $state<string | null>(null)

  #ids = new Set<string>()
  #loading: Promise<void> | null = null
  #focusSeq = 0
  #highlightTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    readonly account: AccountId,
    readonly peer: string
  ) {}

  loadNewest(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const page = await api.chats.history({ account: this.account, peer: this.peer, limit: PAGE_SIZE })
        this.add(page)
        // A short first page is only what is stored here: main asks the archive for older messages
        // in the background (they arrive as events), and `loadOlder`, which waits for the archive,
        // finds the beginning.
        this.complete = false
        this.error = null
      } catch (err) {
        this.error = toApiError(err)
        this.#loading = null
      } finally {
        this.loaded = true
      }
    })()
    return this.#loading
  }

  async loadOlder(): Promise<void> {
    if (!this.loaded || this.loadingOlder || this.complete) return
    const first = this.messages[0]
    // Nothing to page back from yet: the archive's messages, if any, arrive as events.
    if (!first) return
    this.loadingOlder = true
    try {
      const page = await api.chats.history({ account: this.account, peer: this.peer, before: { at: first.at, id: first.id, ...(first.rowId ? { rowId: first.rowId } : {}) }, limit: PAGE_SIZE })
      const fresh = this.#fresh(page)
      // A short page is the beginning; a page of nothing new would only repeat itself.
      if (page.length < PAGE_SIZE || fresh.length === 0) this.complete = true
      if (fresh.length > 0) {
        this.shift = true
        this.messages = [...fresh.sort(byTime), ...this.messages]
      }
    } catch (err) {
      this.error = toApiError(err)
    } finally {
      this.loadingOlder = false
    }
  }

  /** Newer pages after a jump, until the newest message is loaded again. */
  async loadNewer(): Promise<void> {
    if (!this.detached || this.loadingNewer) return
    const last = this.messages[this.messages.length - 1]
    if (!last) {
      this.detached = false
      return
    }
    this.loadingNewer = true
    try {
      const page = await api.chats.history({ account: this.account, peer: this.peer, after: { at: last.at, id: last.id, ...(last.rowId ? { rowId: last.rowId } : {}) }, limit: PAGE_SIZE })
      const fresh = this.#fresh(page)
      if (page.length < PAGE_SIZE) this.detached = false
      if (fresh.length > 0) {
        this.shift = false
        this.messages = [...this.messages, ...fresh.sort(byTime)]
      }
    } catch (err) {
      this.error = toApiError(err)
    } finally {
      this.loadingNewer = false
    }
  }

  /** Back to the newest page (after a jump): what the user wants when sending or pressing "newest". */
  async showNewest(): Promise<void> {
    if (!this.detached) return
    const page = await api.chats.history({ account: this.account, peer: this.peer, limit: PAGE_SIZE })
    this.#reset(page)
    this.complete = false
  }

  /** Shows the message with this store row: from what is loaded, else the page around it. */
  async jumpTo(rowId: number): Promise<void> {
    await this.loadNewest()
    let target = this.messages.find((m) => m.rowId === rowId)
    if (!target) {
      try {
        const page = await api.chats.history({ account: this.account, peer: this.peer, around: rowId, limit: PAGE_SIZE })
        this.#reset(page)
        this.complete = false
        this.detached = true
        this.error = null
      } catch (err) {
        this.error = toApiError(err)
        return
      }
      target = this.messages.find((m) => m.rowId === rowId)
    }
    if (target) this.focusOn(messageKey(target))
  }

  /** Brings a loaded message into view and highlights it for a moment. */
  focusOn(key: string, highlightMs = 2_000): void {
    this.focus = { key, seq: ++this.#focusSeq }
    this.highlighted = key
    clearTimeout(this.#highlightTimer)
    this.#highlightTimer = setTimeout(() => {
      if (this.highlighted === key) this.highlighted = null
    }, highlightMs)
  }

  /** Corrections, retractions and reactions, by id; quotes of a changed message follow it. */
  applyUpdates(list: readonly ChatMessageView[]): void {
    const byId = new Map<string, ChatMessageView>()
    const byKey = new Map<string, ChatMessageView>()
    for (const m of list) {
      byId.set(m.id, m)
      if (m.stanzaId) byId.set(m.stanzaId, m)
      byKey.set(messageKey(m), m)
    }
    let changed = false
    const next = this.messages.map((m) => {
      const update = byKey.get(messageKey(m))
      if (update) {
        changed = true
        return { ...update, account: m.account }
      }
      const quoted = m.replyTo ? byId.get(m.replyTo.id) : undefined
      if (quoted && m.replyTo) {
        changed = true
        return { ...m, replyTo: { ...m.replyTo, body: quoted.retracted ? '' : quoted.body, ...(quoted.retracted ? { retracted: true } : {}) } }
      }
      return m
    })
    if (changed) {
      this.shift = false
      this.messages = next
    }
  }

  /** Our newest message that can still be corrected (Up arrow in an empty composer). */
  lastOwn(): ChatMessageView | null {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i] as ChatMessageView
      if (m.direction === 'out' && !m.retracted && m.state !== 'failed') return m
    }
    return null
  }

  /** Live or sent messages (any order, duplicates ignored). */
  add(list: readonly ChatMessageView[]): void {
    // Detached after a jump: newer messages arrive with the next "newer" page instead.
    const newest = this.messages[this.messages.length - 1]
    const fresh = this.#fresh(this.detached && newest ? list.filter((m) => m.at <= newest.at) : list)
    if (fresh.length === 0) return
    const last = this.messages[this.messages.length - 1]
    fresh.sort(byTime)
    const appendOnly = !last || (fresh[0] as ChatMessageView).at >= last.at
    this.shift = false
    this.messages = appendOnly ? [...this.messages, ...fresh] : [...this.messages, ...fresh].sort(byTime)
  }

  applyStates(states: readonly MessageStateView[]): void {
    const byId = new Map(states.map((s) => [s.id as string, s]))
    let changed = false
    const next = this.messages.map((m) => {
      const s = m.direction === 'out' ? byId.get(m.id) : undefined
      if (!s || (s.state === m.state && !s.error)) return m
      changed = true
      return { ...m, state: s.state, ...(s.error ? { error: s.error } : {}) }
    })
    if (changed) {
      this.shift = false
      this.messages = next
    }
  }

  #reset(page: readonly ChatMessageView[]): void {
    this.#ids = new Set()
    this.detached = false
    this.shift = false
    this.messages = this.#fresh(page).sort(byTime)
  }

  #fresh(list: readonly ChatMessageView[]): ChatMessageView[] {
    const out: ChatMessageView[] = []
    for (const m of list) {
      const key = messageKey(m)
      if (this.#ids.has(key)) continue
      this.#ids.add(key)
      out.push(m)
    }
    return out
  }
}

/**
 * What names a message in the window: its store row when it has one, else its id. The id alone
 * does not (a peer may reuse one for another text; room messages may carry none).
 */
export const messageKey = (m: Pick<ChatMessageView, 'id' | 'rowId'>): string => (m.rowId === undefined ? `id:${m.id}` : `row:${m.rowId}`)

/** A file picked, dropped or pasted, waiting for the user to send it. */
export interface PendingFile {
  id: number
  file: File
}

/**
 * What one conversation's composer holds while the user looks elsewhere: the draft, the message
 * being answered or corrected, files waiting to be sent, the last failure.
 */
export class ComposerState {
  text = $state('')
  replyTo = $state.raw<ChatMessageView | null>(null)
  editing = $state.raw<ChatMessageView | null>(null)
  files = $state.raw<PendingFile[]>([])
  error = $state.raw<ApiError | null>(null)
  /** Bumped to ask the view to focus the text box (after Reply, Edit, a prefilled link). */
  focusSeq = $state(0)
  #fileSeq = 0

  constructor(
    readonly account: AccountId,
    readonly peer: string
  ) {}

  requestFocus(): void {
    this.focusSeq++
  }

  addFiles(files: readonly File[]): void {
    if (files.length === 0) return
    this.files = [...this.files, ...files.map((file) => ({ id: ++this.#fileSeq, file }))]
  }

  removeFile(id: number): void {
    this.files = this.files.filter((f) => f.id !== id)
  }
}

/** Conversations across accounts (newest first) and the message logs of those the user opened. */
export class ChatsState {
  conversations = $state.raw<ReadonlyMap<string, ConversationView>>(new Map())
  loaded = $state(false)
  /** Called with each batch of incoming messages (for the screen-reader announcement). */
  onIncoming: ((messages: ChatMessageView[]) => void) | null = null
  /** Called with the conversations main stopped listing (a forgotten or removed room). */
  onRemoved: ((keys: readonly ChatKey[]) => void) | null = null

  /** Conversations main stopped listing in this run (until it lists them again or the user opens them). */
  #removed = new Set<string>()
  #logs = new Map<string, MessageLog>()
  #composers = new Map<string, ComposerState>()
  #pending: Events['conversations'][] | null = null

  constructor(private readonly accounts: AccountsState) {}

  /** Newest first; conversations of removed accounts drop out. */
  list = $derived.by(() => {
    const known = this.accounts.byId
    const filter = this.accounts.loaded
    return [...this.conversations.values()]
      .filter((c) => !filter || known.has(c.account))
      .sort((a, b) => b.updatedAt - a.updatedAt || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0))
  })

  unread = $derived(this.list.reduce((n, c) => n + c.unread, 0))
  /** Unread messages per account (its card shows them), from the same list. */
  unreadByAccount = $derived.by(() => {
    const counts = new Map<AccountId, number>()
    for (const c of this.list) if (c.unread > 0) counts.set(c.account, (counts.get(c.account) ?? 0) + c.unread)
    return counts
  })

  unreadOf(account: AccountId): number {
    return this.unreadByAccount.get(account) ?? 0
  }

  subscribe(): () => void {
    const offs = [
      on('conversations', (change) => {
        if (this.#pending) this.#pending.push(change)
        else this.upsert(change.upsert, false, change.remove)
      }),
      on('messages', (list) => this.#onMessages(list)),
      on('messageStates', (list) => this.#onStates(list)),
      on('messageUpdates', (list) => this.#onUpdates(list))
    ]
    return () => offs.forEach((off) => off())
  }

  async load(): Promise<void> {
    this.#pending = []
    try {
      const list = await api.chats.list()
      const queued = this.#pending
      this.#pending = null
      this.upsert(list, true)
      for (const change of queued) this.upsert(change.upsert, false, change.remove)
      this.loaded = true
    } finally {
      this.#pending = null
    }
  }

  /** Conversations that changed; `remove`: those main no longer lists (a forgotten or removed room). */
  upsert(list: readonly ConversationView[], replace = false, remove: readonly ChatKey[] = []): void {
    if (!replace && list.length === 0 && remove.length === 0) return
    const next = new Map(replace ? [] : this.conversations)
    for (const k of remove) {
      next.delete(conversationKey(k.account, k.peer))
      this.#removed.add(conversationKey(k.account, k.peer))
    }
    for (const c of list) {
      next.set(conversationKey(c.account, c.peer), c)
      this.#removed.delete(conversationKey(c.account, c.peer))
    }
    this.conversations = next
    if (remove.length > 0) this.onRemoved?.(remove)
  }

  /** Main took this conversation off the list (a forgotten room): a view must not open it again by itself. */
  removed(account: AccountId, peer: string): boolean {
    return this.#removed.has(conversationKey(account, peer))
  }

  get(account: AccountId, peer: string): ConversationView | undefined {
    return this.conversations.get(conversationKey(account, peer))
  }

  /** The conversation's message log, created (and its newest page requested) on first use. */
  log(account: AccountId, peer: string): MessageLog {
    const key = conversationKey(account, peer)
    let log = this.#logs.get(key)
    if (!log) {
      log = new MessageLog(account, peer)
      this.#logs.set(key, log)
      void log.loadNewest()
    }
    return log
  }

  /** The conversation's composer (draft, reply, correction, files), kept for the whole run. */
  composer(account: AccountId, peer: string): ComposerState {
    const key = conversationKey(account, peer)
    let composer = this.#composers.get(key)
    if (!composer) this.#composers.set(key, (composer = new ComposerState(account, peer)))
    return composer
  }

  /** Starts or shows a conversation (from the contact list, a notification, another window). */
  async open(account: AccountId, peer: string): Promise<ConversationView> {
    const view = await api.chats.open(account, peer)
    this.upsert([view])
    return view
  }

  async send(account: AccountId, peer: string, body: string, replyTo: string | null = null): Promise<ChatMessageView> {
    const message = await api.chats.send(account, peer, body, replyTo)
    this.#logs.get(conversationKey(account, peer))?.add([message])
    return message
  }

  /**
   * Sends what the composer holds: a correction of the message being edited, or a new message
   * (answering the quoted one). The composer is cleared first and restored if sending fails.
   */
  async submit(composer: ComposerState): Promise<void> {
    const body = composer.text
    const { account, peer } = composer
    const editing = composer.editing
    const replyTo = composer.replyTo
    if (body.trim() === '') return
    composer.text = ''
    composer.editing = null
    composer.replyTo = null
    composer.error = null
    try {
      if (editing) {
        if (body !== editing.body) await api.chats.correct(account, peer, editing.id, body)
      } else {
        await this.send(account, peer, body, replyTo?.id ?? null)
      }
    } catch (err) {
      composer.error = toApiError(err)
      if (composer.text === '') {
        composer.text = body
        composer.editing = editing
        composer.replyTo = replyTo
      }
    }
  }

  reply(message: ChatMessageView): void {
    const composer = this.composer(message.account, message.peer)
    if (composer.editing) composer.text = ''
    composer.editing = null
    composer.replyTo = message
    composer.requestFocus()
  }

  startEdit(message: ChatMessageView): void {
    if (message.direction !== 'out' || message.retracted) return
    const composer = this.composer(message.account, message.peer)
    composer.replyTo = null
    composer.editing = message
    composer.text = message.body
    composer.requestFocus()
  }

  /** Up arrow in an empty composer: correct our last message. False when there is none. */
  editLast(account: AccountId, peer: string): boolean {
    const last = this.#logs.get(conversationKey(account, peer))?.lastOwn()
    if (!last) return false
    this.startEdit(last)
    return true
  }

  cancelCompose(composer: ComposerState): void {
    if (composer.editing) composer.text = ''
    composer.editing = null
    composer.replyTo = null
  }

  retract(message: ChatMessageView): Promise<void> {
    return api.chats.retract(message.account, message.peer, message.id)
  }

  react(message: ChatMessageView, emojis: string[]): Promise<void> {
    return api.chats.react(message.account, message.peer, message.id, emojis)
  }

  /** A click on a reaction: adds it to our set, or takes it back if it was ours. */
  toggleReaction(message: ChatMessageView, emoji: string): Promise<void> {
    return this.react(message, toggleReaction(message, emoji))
  }

  retry(message: ChatMessageView): Promise<void> {
    return api.chats.retry(message.account, message.peer, message.id)
  }

  /** Opens the conversation's log at this message (search hit, reply quote) and highlights it. */
  jumpTo(account: AccountId, peer: string, rowId: number): Promise<void> {
    return this.log(account, peer).jumpTo(rowId)
  }

  async markRead(account: AccountId, peer: string): Promise<void> {
    const c = this.get(account, peer)
    if (c && c.unread > 0) this.upsert([{ ...c, unread: 0 }])
    await api.chats.markRead(account, peer)
  }

  openInWindow(account: AccountId, peer: string): Promise<void> {
    return api.app.openChatWindow(account, peer)
  }

  setTyping(account: AccountId, peer: string, state: 'active' | 'composing' | 'paused'): Promise<void> {
    return api.chats.setTyping(account, peer, state)
  }

  #onMessages(list: ChatMessageView[]): void {
    const byConversation = groupBy(list)
    const incoming = list.filter((m) => m.direction === 'in')
    for (const [key, group] of byConversation) this.#logs.get(key)?.add(group)
    if (incoming.length > 0) this.onIncoming?.(incoming)
  }

  #onStates(list: MessageStateView[]): void {
    for (const [key, group] of groupBy(list)) this.#logs.get(key)?.applyStates(group)
  }

  #onUpdates(list: ChatMessageView[]): void {
    for (const [key, group] of groupBy(list)) this.#logs.get(key)?.applyUpdates(group)
  }
}

function groupBy<T extends { account: AccountId; peer: string }>(list: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of list) {
    const key = conversationKey(item.account, item.peer)
    let group = out.get(key)
    if (!group) out.set(key, (group = []))
    group.push(item)
  }
  return out
}

const KEY = Symbol('chats')
export const CHATS_KEY = KEY
export const setChatsContext = (s: ChatsState): ChatsState => setContext(KEY, s)
export function getChatsContext(): ChatsState {
  const s = getContext<ChatsState | undefined>(KEY)
  if (!s) throw new Error('ChatsState not found: render inside the App')
  return s
}
