import { getContext, setContext } from 'svelte'
import type { ChatKey, DesktopSettings, DesktopSettingsPatch, SecretProtectionView, UriAction, UriRefusal } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import { api, on } from '../lib/api'
import type { I18n, MessageKey } from '../lib/i18n.svelte'
import type { AccountsState } from './accounts.svelte'
import type { ChatsState } from './chats.svelte'
import type { UiState } from './ui.svelte'

export const DEFAULT_DESKTOP: DesktopSettings = { closeToTray: false, startAtLogin: false, startHidden: false, notifications: true, notificationText: true, mutedChats: [] }

export const REFUSAL_KEYS: Record<UriRefusal, MessageKey> = {
  'not-xmpp': 'uri.refused.not-xmpp',
  'too-long': 'uri.refused.too-long',
  malformed: 'uri.refused.malformed',
  authority: 'uri.refused.authority',
  'invalid-address': 'uri.refused.invalid-address',
  'unsupported-action': 'uri.refused.unsupported-action',
  'invalid-parameter': 'uri.refused.invalid-parameter'
}

/** An xmpp: link that opens a chat, waiting for the user to pick the account. */
export interface UriChoice {
  kind: 'open-chat' | 'compose'
  jid: string
  body: string
}

/**
 * The installed app's side: desktop settings (tray, start-up, notifications, muted chats), how
 * passwords are stored (and the notice when that is weak or impossible), the conversation the
 * main window shows (so it does not notify), and xmpp: links, which never act without the user.
 */
export class DesktopState {
  settings = $state.raw<DesktopSettings>(DEFAULT_DESKTOP)
  protection = $state.raw<SecretProtectionView | null>(null)
  /** The password-storage notice of this run; null once answered or dismissed. */
  secretNotice = $state<'weak' | 'none' | null>(null)
  uriChoice = $state.raw<UriChoice | null>(null)
  #focused: string | null | undefined = undefined

  constructor(
    private readonly accounts: AccountsState,
    private readonly chats: ChatsState,
    private readonly ui: UiState,
    private readonly i18n: I18n
  ) {}

  /** Settings and the secret storage; in the main window also the link Parley was started with. */
  async load(): Promise<void> {
    const [settings, protection] = await Promise.all([api.desktop.get(), api.desktop.secretProtection()])
    this.settings = settings
    this.#setProtection(protection, true)
  }

  /** The link Parley was started with, once (main window only, after the accounts are in). */
  async takeUri(): Promise<void> {
    const action = await api.desktop.takeUri()
    if (action) await this.handleUri(action)
  }

  subscribe(mainWindow: boolean): () => void {
    const offs = [on('desktop.settings', (s) => (this.settings = s))]
    if (mainWindow) offs.push(on('desktop.uri', (action) => void this.handleUri(action)))
    return () => offs.forEach((off) => off())
  }

  isMuted(account: AccountId, peer: string): boolean {
    return this.settings.mutedChats.some((c) => c.account === account && c.peer === peer)
  }

  async update(patch: DesktopSettingsPatch): Promise<void> {
    const before = this.settings
    this.settings = { ...before, ...patch }
    try {
      this.settings = await api.desktop.update(patch)
    } catch (err) {
      this.settings = before
      throw err
    }
  }

  async mute(account: AccountId, peer: string, muted: boolean): Promise<void> {
    this.settings = await api.desktop.muteChat(account, peer, muted)
  }

  /** The answer to "no keyring": store passwords with weak protection, or ask at each sign-in. */
  async allowWeak(allow: boolean): Promise<void> {
    this.#setProtection(await api.desktop.allowWeakSecrets(allow), false)
    this.secretNotice = null
  }

  dismissSecretNotice(): void {
    this.secretNotice = null
  }

  /** What the main window shows (null: no conversation); sent only when it changes. */
  setFocusedChat(chat: ChatKey | null): void {
    const key = chat ? `${chat.account}\u0000${chat.peer}` : null
    if (key === this.#focused) return
    this.#focused = key
    void api.desktop.setFocusedChat(chat ? { account: chat.account, peer: chat.peer } : null).catch(() => undefined)
  }

  /** An xmpp: link: nothing is sent, the user sees what it asks and decides. */
  async handleUri(action: UriAction): Promise<void> {
    switch (action.kind) {
      case 'refused':
        this.ui.toast(this.i18n.t('uri.refused', { reason: this.i18n.t(REFUSAL_KEYS[action.reason] ?? 'uri.refused.malformed') }))
        return
      case 'add-contact':
        this.ui.tab = 'contacts'
        this.ui.openDialog('add-contact', { jid: action.jid, name: action.name, group: action.group })
        return
      case 'open-chat':
      case 'compose': {
        const choice: UriChoice = { kind: action.kind, jid: action.jid, body: action.kind === 'compose' ? action.body : '' }
        // Always asked, even with a single account: a link from a web page must not open (or
        // prefill) anything before the user has seen what it asks and agreed.
        if (!this.accounts.list.some((a) => a.enabled)) this.ui.toast(this.i18n.t('uri.noAccount'))
        else this.uriChoice = choice
      }
    }
  }

  /** Opens the link's chat on the chosen account; a text to compose goes into the composer, unsent. */
  async openUriChat(account: AccountId, choice: UriChoice): Promise<void> {
    this.uriChoice = null
    await this.chats.open(account, choice.jid).catch(() => undefined)
    if (choice.body) {
      const composer = this.chats.composer(account, choice.jid)
      composer.text = composer.text.trim() === '' ? choice.body : `${composer.text}\n${choice.body}`
      composer.requestFocus()
    }
    this.ui.tab = 'chats'
    this.ui.select({ account, peer: choice.jid })
  }

  #setProtection(protection: SecretProtectionView, initial: boolean): void {
    this.protection = protection
    if (!initial) return
    if (protection.level === 'weak' && !protection.weakAllowed) this.secretNotice = 'weak'
    else if (protection.level === 'none') this.secretNotice = 'none'
  }
}

const KEY = Symbol('desktop')
export const DESKTOP_KEY = KEY
export const setDesktopContext = (s: DesktopState): DesktopState => setContext(KEY, s)
export function getDesktopContext(): DesktopState {
  const s = getContext<DesktopState | undefined>(KEY)
  if (!s) throw new Error('DesktopState not found: render inside the App')
  return s
}
