import { getContext, setContext } from 'svelte'
import type { ErrorView } from '../../../shared/model/errors'
import type { AccountId } from '../../../shared/model/ids'

export type Tab = 'chats' | 'contacts' | 'accounts'
export type GlobalDialog = 'settings' | 'add-contact' | 'add-account' | 'blocked' | 'join-room' | 'search'

/** What the "Add contact" dialog starts with (an xmpp: link). */
export interface AddContactPrefill {
  jid: string
  name: string
  group: string
}

/** What the "Join a room" dialog starts with (an invitation that needs a nick or password). */
export interface JoinPrefill {
  account?: AccountId
  room?: string
  nick?: string
  password?: string
  /** Why the first attempt failed, shown at once. */
  error?: ErrorView
}

/** Whose profile the profile dialog shows; `own` opens the editor. */
export interface ProfileTarget {
  account: AccountId
  jid: string
  name: string
  own?: boolean
}

export interface Toast {
  id: number
  text: string
}

export interface ChatRef {
  account: AccountId
  peer: string
}

/** `#/chat/<accountId>/<peer>`: this window shows only that conversation ("open in new window"). */
export function parseChatHash(hash: string): ChatRef | null {
  const m = /^#\/chat\/([^/]+)\/([^/]+)$/.exec(hash)
  if (!m) return null
  try {
    return { account: decodeURIComponent(m[1] as string) as AccountId, peer: decodeURIComponent(m[2] as string) }
  } catch {
    return null
  }
}

/** What the window shows: tab, selected conversation, open dialog, the screen-reader announcement. */
export class UiState {
  tab = $state<Tab>('chats')
  selected = $state.raw<ChatRef | null>(null)
  dialog = $state<GlobalDialog | null>(null)
  /** Prefill of the dialog that is open (add contact, join a room). */
  prefill = $state.raw<AddContactPrefill | JoinPrefill | null>(null)
  /** The profile dialog (a contact's, or our own editor). */
  profile = $state.raw<ProfileTarget | null>(null)
  /** First run: no accounts yet (stays until a sign-in or registration succeeds). */
  onboarding = $state(false)
  ready = $state(false)
  /** The window has focus and is visible (messages on screen count as read). */
  windowActive = $state(true)
  announcement = $state.raw<{ text: string; seq: number }>({ text: '', seq: 0 })
  /** Short-lived notes in the corner (a contact accepted us…); also announced. */
  toasts = $state.raw<Toast[]>([])
  #toastSeq = 0
  /** Set when this window shows one conversation only. */
  readonly windowChat: ChatRef | null

  constructor(hash = typeof location !== 'undefined' ? location.hash : '') {
    this.windowChat = parseChatHash(hash)
    if (this.windowChat) this.selected = this.windowChat
  }

  select(ref: ChatRef | null): void {
    this.selected = ref
  }

  isSelected(account: AccountId, peer: string): boolean {
    return this.selected !== null && this.selected.account === account && this.selected.peer === peer
  }

  openDialog(dialog: GlobalDialog, prefill: AddContactPrefill | JoinPrefill | null = null): void {
    this.prefill = prefill
    this.dialog = dialog
  }

  closeDialog(): void {
    this.dialog = null
    this.prefill = null
  }

  showProfile(target: ProfileTarget | null): void {
    this.profile = target
  }

  /** Shows a note for a few seconds (and announces it). */
  toast(text: string, ms = 6_000): void {
    const id = ++this.#toastSeq
    this.toasts = [...this.toasts.slice(-3), { id, text }]
    this.announce(text)
    setTimeout(() => this.dismiss(id), ms)
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id)
  }

  /** Polite live-region text; the sequence number makes a repeated text announce again. */
  announce(text: string): void {
    this.announcement = { text, seq: this.announcement.seq + 1 }
  }
}

const KEY = Symbol('ui')
export const UI_KEY = KEY
export const setUiContext = (s: UiState): UiState => setContext(KEY, s)
export function getUiContext(): UiState {
  const s = getContext<UiState | undefined>(KEY)
  if (!s) throw new Error('UiState not found: render inside the App')
  return s
}
