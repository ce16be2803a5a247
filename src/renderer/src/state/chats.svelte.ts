/* eslint-disable svelte/prefer-svelte-reactivity -- big collections are immutable snapshots in $state.raw, replaced once per batch (a SvelteMap would track every key). */
import { getContext, setContext } from 'svelte'
import type { ChatMessageView, ConversationView, MessageStateView } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import { api, on, toApiError, type ApiError } from '../lib/api'
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

  #ids = new Set<string>()
  #loading: Promise<void> | null = null

  constructor(
    readonly account: AccountId,
    readonly peer: string
  ) {}

  loadNewest(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const page = await api.chats.history({ account: this.account, peer: this.peer, limit: PAGE_SIZE })
        this.add(page)
        this.complete = page.length < PAGE_SIZE
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
    if (!first) {
      this.complete = true
      return
    }
    this.loadingOlder = true
    try {
      const page = await api.chats.history({ account: this.account, peer: this.peer, before: { at: first.at, id: first.id }, limit: PAGE_SIZE })
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

  /** Live or sent messages (any order, duplicates ignored). */
  add(list: readonly ChatMessageView[]): void {
    const fresh = this.#fresh(list)
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

  #fresh(list: readonly ChatMessageView[]): ChatMessageView[] {
    const out: ChatMessageView[] = []
    for (const m of list) {
      if (this.#ids.has(m.id)) continue
      this.#ids.add(m.id)
      out.push(m)
    }
    return out
  }
}

/** Conversations across accounts (newest first) and the message logs of those the user opened. */
export class ChatsState {
  conversations = $state.raw<ReadonlyMap<string, ConversationView>>(new Map())
  loaded = $state(false)
  /** Unsent composer text per conversation (kept while the user looks elsewhere). */
  readonly drafts = new Map<string, string>()
  /** Called with each batch of incoming messages (for the screen-reader announcement). */
  onIncoming: ((messages: ChatMessageView[]) => void) | null = null

  #logs = new Map<string, MessageLog>()
  #pending: ConversationView[][] | null = null

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

  subscribe(): () => void {
    const offs = [
      on('conversations', (list) => {
        if (this.#pending) this.#pending.push(list)
        else this.upsert(list)
      }),
      on('messages', (list) => this.#onMessages(list)),
      on('messageStates', (list) => this.#onStates(list))
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
      for (const batch of queued) this.upsert(batch)
      this.loaded = true
    } finally {
      this.#pending = null
    }
  }

  upsert(list: readonly ConversationView[], replace = false): void {
    if (!replace && list.length === 0) return
    const next = new Map(replace ? [] : this.conversations)
    for (const c of list) next.set(conversationKey(c.account, c.peer), c)
    this.conversations = next
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

  /** Starts or shows a conversation (from the contact list, a notification, another window). */
  async open(account: AccountId, peer: string): Promise<ConversationView> {
    const view = await api.chats.open(account, peer)
    this.upsert([view])
    return view
  }

  async send(account: AccountId, peer: string, body: string): Promise<ChatMessageView> {
    const message = await api.chats.send(account, peer, body, null)
    this.#logs.get(conversationKey(account, peer))?.add([message])
    return message
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
    const byConversation = new Map<string, ChatMessageView[]>()
    const incoming: ChatMessageView[] = []
    for (const m of list) {
      const key = conversationKey(m.account, m.peer)
      let group = byConversation.get(key)
      if (!group) byConversation.set(key, (group = []))
      group.push(m)
      if (m.direction === 'in') incoming.push(m)
    }
    for (const [key, group] of byConversation) this.#logs.get(key)?.add(group)
    if (incoming.length > 0) this.onIncoming?.(incoming)
  }

  #onStates(list: MessageStateView[]): void {
    const byConversation = new Map<string, MessageStateView[]>()
    for (const s of list) {
      const key = conversationKey(s.account, s.peer)
      let group = byConversation.get(key)
      if (!group) byConversation.set(key, (group = []))
      group.push(s)
    }
    for (const [key, group] of byConversation) this.#logs.get(key)?.applyStates(group)
  }
}

const KEY = Symbol('chats')
export const CHATS_KEY = KEY
export const setChatsContext = (s: ChatsState): ChatsState => setContext(KEY, s)
export function getChatsContext(): ChatsState {
  const s = getContext<ChatsState | undefined>(KEY)
  if (!s) throw new Error('ChatsState not found: render inside the App')
  return s
}
