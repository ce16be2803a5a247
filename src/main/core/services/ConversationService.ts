import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { ChatMessageView, ConversationView, HistoryQuery, MessageStateView } from '../../../shared/ipc/contract'
import { asMessageId, type AccountId } from '../../../shared/model/ids'
import type { Core } from '../createCore'
import { CoreError } from '../errors'
import type { ContactsService } from './ContactsService'
import { consistentColor } from '../xep/0392-colors'
import { parseJid, jidToString, bare } from '../../../shared/jid'

const keyOf = (account: AccountId, peer: string): string => `${account}\u0000${peer}`
const MAX_IN_MEMORY = 10_000
const DEFAULT_PAGE = 50
const TYPING_EXPIRES_MS = 30_000

interface Conversation {
  view: ConversationView
  /** Oldest first, ordered by server time. */
  messages: ChatMessageView[]
  ids: Set<string>
  typingTimer: NodeJS.Timeout | null
}

export interface ConversationEvents {
  conversations: [ConversationView[]]
  messages: [ChatMessageView[]]
  states: [MessageStateView[]]
}

/**
 * Conversations and their messages across all accounts: newest first, unread counts, the last
 * message, typing. This version keeps messages in memory; the history store replaces that part.
 */
export class ConversationService extends EventEmitter<ConversationEvents> {
  private readonly conversations = new Map<string, Conversation>()

  constructor(
    private readonly core: Core,
    private readonly contacts: ContactsService
  ) {
    super()
    core.events.on('message', ({ account, message }) => this.add({ ...message, account }))
    core.events.on('messageState', (e) => this.onState(e))
    core.events.on('chatState', ({ account, peer, state }) => this.setTyping(account, peer, state === 'composing'))
    core.events.on('connectionState', ({ account, state }) => {
      if (state.state === 'online') void this.flush(account)
    })
    contacts.on('changes', ({ upsert }) => {
      for (const c of upsert) {
        const conv = this.conversations.get(keyOf(c.account, c.jid))
        if (conv && conv.view.name !== c.name) this.touch(conv, { name: c.name })
      }
    })
  }

  list(): ConversationView[] {
    return [...this.conversations.values()].map((c) => c.view).sort((a, b) => b.updatedAt - a.updatedAt)
  }

  open(account: AccountId, peer: string): ConversationView {
    this.core.accounts.get(account)
    return this.ensure(account, normalisePeer(peer)).view
  }

  history(query: HistoryQuery): ChatMessageView[] {
    const conv = this.conversations.get(keyOf(query.account, normalisePeer(query.peer)))
    if (!conv) return []
    const limit = Math.max(1, Math.min(500, query.limit ?? DEFAULT_PAGE))
    let end = conv.messages.length
    const before = query.before
    if (before) {
      end = conv.messages.findIndex((m) => m.at > before.at || (m.at === before.at && m.id === before.id))
      if (end < 0) end = conv.messages.length
    }
    return conv.messages.slice(Math.max(0, end - limit), end)
  }

  /** Stores the message as queued and sends it now, or as soon as the account is online. */
  send(account: AccountId, peer: string, body: string): ChatMessageView {
    this.core.accounts.get(account)
    if (body.trim() === '') throw new CoreError('invalid-argument', 'Empty message')
    const to = normalisePeer(peer)
    const id = asMessageId(randomUUID())
    const message: ChatMessageView = { account, id, peer: to, resource: '', direction: 'out', body, at: Date.now(), state: 'queued', originId: id, source: 'live', ...(body.startsWith('/me ') ? { action: true } : {}) }
    this.add(message)
    void this.transmit(message)
    return { ...message }
  }

  /** Sends every queued message of an account (after it came online). */
  private async flush(account: AccountId): Promise<void> {
    const queued = [...this.conversations.values()]
      .filter((c) => c.view.account === account)
      .flatMap((c) => c.messages.filter((m) => m.direction === 'out' && m.state === 'queued'))
      .sort((a, b) => a.at - b.at)
    for (const m of queued) if (!(await this.transmit(m))) return
  }

  private async transmit(m: ChatMessageView): Promise<boolean> {
    try {
      return await this.core.accounts.get(m.account).chat.transmit({ id: m.id, to: m.peer, body: m.body })
    } catch {
      return false
    }
  }

  markRead(account: AccountId, peer: string): void {
    const conv = this.conversations.get(keyOf(account, normalisePeer(peer)))
    if (conv && conv.view.unread > 0) this.touch(conv, { unread: 0 })
  }

  dropAccount(account: AccountId): void {
    for (const [key, conv] of this.conversations) {
      if (conv.view.account !== account) continue
      if (conv.typingTimer) clearTimeout(conv.typingTimer)
      this.conversations.delete(key)
    }
    this.emit('conversations', [])
  }

  private add(message: ChatMessageView): void {
    const conv = this.ensure(message.account, message.peer)
    if (conv.ids.has(message.id)) return
    conv.ids.add(message.id)
    insertByTime(conv.messages, message)
    if (conv.messages.length > MAX_IN_MEMORY) for (const old of conv.messages.splice(0, conv.messages.length - MAX_IN_MEMORY)) conv.ids.delete(old.id)
    const newest = conv.messages[conv.messages.length - 1] === message
    this.emit('messages', [message])
    this.touch(conv, {
      ...(message.direction === 'in' ? { unread: conv.view.unread + 1, typing: false } : {}),
      ...(newest ? { last: lastOf(message), updatedAt: Math.max(conv.view.updatedAt, message.at) } : {})
    })
  }

  private onState(e: MessageStateView): void {
    const conv = this.conversations.get(keyOf(e.account, e.peer))
    const message = conv?.messages.findLast((m) => m.id === e.id && m.direction === 'out')
    if (!conv || !message) return
    // States only move forward, except to failed and back to queued (a resend).
    message.state = e.state
    if (e.error) message.error = e.error
    this.emit('states', [e])
    if (conv.messages[conv.messages.length - 1] === message) this.touch(conv, { last: lastOf(message) })
    // Stream management could not confirm it: send it again (same id; the peer drops duplicates).
    if (e.state === 'queued') void this.transmit(message)
  }

  private setTyping(account: AccountId, peer: string, typing: boolean): void {
    const conv = this.conversations.get(keyOf(account, peer))
    if (!conv || conv.view.typing === typing) return
    if (conv.typingTimer) clearTimeout(conv.typingTimer)
    conv.typingTimer = typing ? setTimeout(() => this.setTyping(account, peer, false), TYPING_EXPIRES_MS) : null
    this.touch(conv, { typing })
  }

  private ensure(account: AccountId, peer: string): Conversation {
    const key = keyOf(account, peer)
    let conv = this.conversations.get(key)
    if (!conv) {
      conv = {
        view: { account, peer, name: this.contacts.nameOf(account, peer), color: consistentColor(peer), unread: 0, updatedAt: Date.now(), last: null, typing: false },
        messages: [],
        ids: new Set(),
        typingTimer: null
      }
      this.conversations.set(key, conv)
      this.emit('conversations', [conv.view])
    }
    return conv
  }

  private touch(conv: Conversation, patch: Partial<ConversationView>): void {
    conv.view = { ...conv.view, ...patch }
    this.emit('conversations', [conv.view])
  }
}

function lastOf(m: ChatMessageView): ConversationView['last'] {
  return { body: m.body.slice(0, 200), direction: m.direction, state: m.state, at: m.at }
}

/** Keeps `list` ordered by time; new messages nearly always go at the end. */
function insertByTime(list: ChatMessageView[], m: ChatMessageView): void {
  let i = list.length
  while (i > 0 && (list[i - 1]?.at ?? 0) > m.at) i--
  list.splice(i, 0, m)
}

function normalisePeer(peer: string): string {
  const jid = parseJid(peer)
  if (!jid) throw new CoreError('invalid-argument', `Not a valid address: ${peer}`)
  return jidToString(bare(jid))
}
