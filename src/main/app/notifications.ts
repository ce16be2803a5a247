import { Notification } from 'electron'
import type { AccountView, ChatMessageView, DesktopSettings, Events, EventName, Notice, SubscriptionRequestView } from '../../shared/ipc/contract'
import type { AccountId } from '../../shared/model/ids'
import type { ShellStrings } from './strings'

/** At most this many single notifications within BURST_MS; more become one summary. */
export const MAX_BURST = 3
export const BURST_MS = 2000
/** A summary waits for this much quiet (at most SUMMARY_MAX_WAIT_MS) so a flood gives one. */
export const SUMMARY_QUIET_MS = 2000
export const SUMMARY_MAX_WAIT_MS = 10_000
/** After an account comes online, what arrives (offline storage, archive catch-up) is summarised. */
export const CATCH_UP_MS = 10_000
/** A message sent this long ago is history, not news. */
export const STALE_MS = 120_000
const MAX_TEXT = 200
const MAX_KEPT = 32

/** One native notification: what it says and what a click does. */
export interface Toast {
  title: string
  body: string
  onClick: () => void
}

/** Shows a toast; returns a function that takes it away (the summary replaces its predecessor). */
export type Presenter = (toast: Toast) => () => void

export interface NotifierDeps {
  /** The subset of ApiService the notifier listens to and acts on. */
  service: {
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void
    focusChat(account: AccountId, peer: string): void
  }
  settings: () => DesktopSettings
  /** True when this conversation is visible in a focused Parley window. */
  isChatOnScreen: (account: AccountId, peer: string) => boolean
  nameOf: (account: AccountId, jid: string) => string
  /** Brings Parley's main window forward. */
  focusWindow: () => void
  strings: () => ShellStrings
  platform?: NodeJS.Platform
  present?: Presenter
  now?: () => number
}

interface Pending {
  messages: number
  chats: Map<string, { account: AccountId; peer: string }>
  requests: number
  firstAt: number
  lastAt: number
}

/**
 * Decides which events become native notifications. Skips the conversation on screen, muted
 * conversations and everything while notifications are off; turns bursts (more than MAX_BURST in
 * BURST_MS) and catch-up after a (re)connect into one summary; hides the text if the user wants.
 */
export class Notifier {
  private readonly recent: number[] = []
  private readonly catchUpUntil = new Map<AccountId, number>()
  private readonly states = new Map<AccountId, string>()
  private readonly knownRequests = new Set<string>()
  private pending: Pending | null = null
  /** A burst is going on: live notifications go into the summary until things calm down. */
  private bursting = false
  private timer: NodeJS.Timeout | null = null
  private closeSummary: (() => void) | null = null
  private readonly off: (() => void)[]
  private readonly present: Presenter
  private readonly now: () => number
  private readonly markup: boolean

  constructor(private readonly deps: NotifierDeps) {
    this.present = deps.present ?? nativePresenter()
    this.now = deps.now ?? Date.now
    // Linux notification servers may read the body as markup (the title is always plain text).
    this.markup = (deps.platform ?? process.platform) === 'linux'
    this.off = [
      deps.service.on('accounts', (list) => this.onAccounts(list)),
      deps.service.on('messages', (list) => list.forEach((m) => this.onMessage(m))),
      deps.service.on('requests', (list) => this.onRequests(list)),
      deps.service.on('notices', (list) => list.forEach((n) => this.onNotice(n)))
    ]
  }

  dispose(): void {
    for (const off of this.off) off()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.pending = null
  }

  private onAccounts(list: AccountView[]): void {
    for (const a of list) {
      const before = this.states.get(a.id)
      this.states.set(a.id, a.state.state)
      if (a.state.state === 'online' && before !== 'online') this.catchUpUntil.set(a.id, this.now() + CATCH_UP_MS)
    }
  }

  private onMessage(m: ChatMessageView): void {
    if (m.direction !== 'in' || m.retracted || m.body.trim() === '') return
    // In a group chat only a mention of our nick notifies (the rest is counted as unread).
    if (m.nick !== undefined && !m.mention) return
    if (!this.wanted(m.account, m.peer)) return
    if (this.isCatchUp(m.account) || m.source === 'archive' || this.now() - m.at > STALE_MS || this.isBurst()) {
      this.addToSummary((p) => {
        p.messages++
        p.chats.set(`${m.account}\u0000${m.peer}`, { account: m.account, peer: m.peer })
      })
      return
    }
    const s = this.deps.strings()
    const chat = this.deps.nameOf(m.account, m.peer)
    const name = m.nick ?? chat
    const text = m.action ? `${name} ${m.body.slice(4)}` : m.body
    this.show({
      title: m.nick !== undefined ? `${m.nick} (${chat})` : chat,
      body: this.deps.settings().notificationText ? text : s.newMessage,
      onClick: () => {
        this.deps.focusWindow()
        this.deps.service.focusChat(m.account, m.peer)
      }
    })
  }

  private onRequests(list: SubscriptionRequestView[]): void {
    const keys = new Set(list.map((r) => `${r.account}\u0000${r.jid}`))
    const fresh = list.filter((r) => !this.knownRequests.has(`${r.account}\u0000${r.jid}`))
    // Answered requests are forgotten, so that asking again notifies again.
    for (const k of this.knownRequests) if (!keys.has(k)) this.knownRequests.delete(k)
    for (const r of fresh) {
      this.knownRequests.add(`${r.account}\u0000${r.jid}`)
      if (!this.deps.settings().notifications) continue
      // Servers send every pending request again at each login: that is catch-up, not news.
      if (this.isCatchUp(r.account) || this.isBurst()) {
        this.addToSummary((p) => p.requests++)
        continue
      }
      const name = r.nick || this.deps.nameOf(r.account, r.jid)
      this.show({ title: name, body: `${r.jid} ${this.deps.strings().subscriptionRequest}`, onClick: () => this.deps.focusWindow() })
    }
  }

  private onNotice(n: Notice): void {
    if (n.kind !== 'subscribed' || !this.deps.settings().notifications || this.isCatchUp(n.account)) return
    // In a burst it is left to the window; the summary timer still ends the burst.
    if (this.isBurst()) return this.addToSummary(() => undefined)
    this.show({ title: this.deps.nameOf(n.account, n.jid), body: this.deps.strings().subscribed, onClick: () => this.deps.focusWindow() })
  }

  private wanted(account: AccountId, peer: string): boolean {
    const settings = this.deps.settings()
    if (!settings.notifications) return false
    if (settings.mutedChats.some((c) => c.account === account && c.peer === peer)) return false
    return !this.deps.isChatOnScreen(account, peer)
  }

  private isCatchUp(account: AccountId): boolean {
    return this.now() < (this.catchUpUntil.get(account) ?? 0)
  }

  /**
   * True when MAX_BURST notifications were shown in the last BURST_MS, and from then on until a
   * quiet moment: a steady flood must not let a few singles through after every summary. (A
   * catch-up summary of one account does not count: another account's news still shows.)
   */
  private isBurst(): boolean {
    const now = this.now()
    while (this.recent.length > 0 && now - (this.recent[0] ?? 0) > BURST_MS) this.recent.shift()
    if (this.recent.length >= MAX_BURST) this.bursting = true
    return this.bursting
  }

  private show(toast: Toast): void {
    this.recent.push(this.now())
    this.present({ title: this.clean(toast.title), body: this.cleanBody(toast.body), onClick: toast.onClick })
  }

  private addToSummary(add: (p: Pending) => void): void {
    this.pending ??= { messages: 0, chats: new Map(), requests: 0, firstAt: this.now(), lastAt: 0 }
    add(this.pending)
    this.pending.lastAt = this.now()
    if (this.timer) clearTimeout(this.timer)
    const wait = Math.max(0, Math.min(SUMMARY_QUIET_MS, this.pending.firstAt + SUMMARY_MAX_WAIT_MS - this.now()))
    this.timer = setTimeout(() => this.flushSummary(), wait)
  }

  private flushSummary(): void {
    this.timer = null
    const p = this.pending
    this.pending = null
    // Flushed because it waited long enough, not because it went quiet: the burst goes on.
    if (p && this.now() - p.lastAt >= SUMMARY_QUIET_MS) this.bursting = false
    if (!p || (p.messages === 0 && p.requests === 0) || !this.deps.settings().notifications) return
    const s = this.deps.strings()
    const chats = [...p.chats.values()]
    const only = chats.length === 1 ? chats[0] : undefined
    let title: string
    let body: string
    if (p.messages > 0) {
      title = only ? this.deps.nameOf(only.account, only.peer) : s.newMessages(p.messages)
      body = [only ? s.newMessages(p.messages) : s.fromChats(chats.length), p.requests > 0 ? s.subscriptionRequests(p.requests) : ''].filter(Boolean).join(' · ')
    } else {
      title = 'Parley'
      body = s.subscriptionRequests(p.requests)
    }
    this.closeSummary?.()
    this.recent.push(this.now())
    this.closeSummary = this.present({
      title: this.clean(title),
      body: this.cleanBody(body),
      onClick: () => {
        this.deps.focusWindow()
        if (only) this.deps.service.focusChat(only.account, only.peer)
      }
    })
  }

  /** Plain, short text without invisible characters: for the title, which servers never read as markup. */
  private clean(text: string): string {
    const plain = stripInvisible(text)
    return plain.length > MAX_TEXT ? `${plain.slice(0, MAX_TEXT - 1)}…` : plain
  }

  /** The same for the body, with markup characters escaped where the server reads the body as markup. */
  private cleanBody(text: string): string {
    const short = this.clean(text)
    return this.markup ? escapeMarkup(short) : short
  }
}

/** Escapes the five characters that notification servers reading markup would interpret. */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
}

// Controls (line breaks stay), bidi marks, embeddings, overrides and isolates, zero-width space,
// word joiner and BOM. Joiners (U+200C/U+200D) stay: emoji sequences and Persian text need them.
const INVISIBLE = /[^\P{Cc}\n]|[\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u2028\u2029]/gu

/** Drops what could disguise text: a name shown reversed, a hidden line, an invisible prefix. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '').replace(/\n{3,}/g, '\n\n')
}

/** Electron's native notifications; shown ones are kept so their click handler is not collected. */
export function nativePresenter(icon?: string): Presenter {
  const kept = new Set<Notification>()
  return (toast) => {
    if (!Notification.isSupported()) return () => undefined
    const n = new Notification({ title: toast.title, body: toast.body, ...(icon ? { icon } : {}) })
    const forget = (): void => void kept.delete(n)
    n.on('click', () => {
      forget()
      toast.onClick()
    })
    n.on('close', forget)
    kept.add(n)
    if (kept.size > MAX_KEPT) kept.delete(kept.values().next().value as Notification)
    n.show()
    return () => {
      forget()
      n.close()
    }
  }
}
