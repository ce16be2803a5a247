/* eslint-disable svelte/prefer-svelte-reactivity -- the context Map is handed to mount() once, never state. */
/**
 * Composition of the renderer's state: creates every state class, wires events to them, loads the
 * initial data, and provides them to components as contexts.
 */
import type { ChatMessageView, Notice } from '../../../shared/ipc/contract'
import { errorKey } from '../lib/errors'
import { on } from '../lib/api'
import { I18N_KEY, I18n, setI18nContext } from '../lib/i18n.svelte'
import { ACCOUNTS_KEY, AccountsState, setAccountsContext } from './accounts.svelte'
import { CHATS_KEY, ChatsState, setChatsContext } from './chats.svelte'
import { CONTACTS_KEY, ContactsState, setContactsContext } from './contacts.svelte'
import { SETTINGS_KEY, SettingsState, setSettingsContext } from './settings.svelte'
import { UI_KEY, UiState, setUiContext } from './ui.svelte'

export interface AppState {
  i18n: I18n
  settings: SettingsState
  accounts: AccountsState
  contacts: ContactsState
  chats: ChatsState
  ui: UiState
}

export function createAppState(hash?: string): AppState {
  const i18n = new I18n()
  const settings = new SettingsState(i18n)
  const accounts = new AccountsState()
  const contacts = new ContactsState(i18n)
  const chats = new ChatsState(accounts)
  const ui = new UiState(hash)
  chats.onIncoming = (messages) => ui.announce(incomingText(app, messages))
  const app = { i18n, settings, accounts, contacts, chats, ui }
  return app
}

function incomingText({ i18n, chats }: AppState, messages: ChatMessageView[]): string {
  const first = messages[0] as ChatMessageView
  const senders = new Set(messages.map((m) => `${m.account}\u0000${m.peer}`))
  if (senders.size > 1) return i18n.t('live.newMessagesMany', { count: messages.length })
  const name = chats.get(first.account, first.peer)?.name ?? first.peer
  return messages.length === 1 ? i18n.t('live.newMessage', { name }) : i18n.t('live.newMessagesFrom', { name, count: messages.length })
}

function noticeText({ i18n, contacts }: AppState, n: Notice): string {
  if (n.kind === 'storage-error') return i18n.t(errorKey(n.error))
  const name = contacts.get(n.account, n.jid)?.name ?? n.jid
  switch (n.kind) {
    case 'subscribed':
      return i18n.t('notice.subscribed', { name })
    case 'unsubscribed':
      return i18n.t('notice.unsubscribed', { name })
    case 'unsubscribe':
      return i18n.t('notice.unsubscribe', { name })
    case 'request-cancelled':
      return i18n.t('notice.requestCancelled', { name })
    case 'registered':
      return i18n.t('notice.registered', { jid: n.jid })
  }
}

const started = new WeakMap<AppState, Promise<() => void>>()

/** Subscribes to every event, then loads; returns the function that unsubscribes. Once per state. */
export function startApp(app: AppState): Promise<() => void> {
  let running = started.get(app)
  if (!running) started.set(app, (running = start(app)))
  return running
}

async function start(app: AppState): Promise<() => void> {
  const { settings, accounts, contacts, chats, ui } = app
  const offs = [
    settings.subscribe(),
    accounts.subscribe(),
    contacts.subscribe(),
    chats.subscribe(),
    on('accounts', (list) => {
      // The last account was removed: back to the welcome screen.
      if (list.length === 0 && ui.ready) ui.onboarding = true
      // The open conversation belonged to a removed account.
      if (ui.selected && !ui.windowChat && !list.some((a) => a.id === ui.selected?.account)) ui.select(null)
    }),
    on('notices', (notices) => {
      for (const n of notices) ui.toast(noticeText(app, n))
    }),
    on('focusChat', ({ account, peer }) => {
      void chats
        .open(account, peer)
        .catch(() => undefined)
        .then(() => {
          ui.tab = 'chats'
          ui.select({ account, peer })
        })
    })
  ]
  const results = await Promise.allSettled([settings.load(), accounts.load(), contacts.load(), chats.load()])
  for (const r of results) if (r.status === 'rejected') console.error('Parley: loading failed', r.reason)
  ui.onboarding = accounts.list.length === 0 && !ui.windowChat
  ui.ready = true
  return () => offs.forEach((off) => off())
}

export function setAppContext(app: AppState): void {
  setI18nContext(app.i18n)
  setSettingsContext(app.settings)
  setAccountsContext(app.accounts)
  setContactsContext(app.contacts)
  setChatsContext(app.chats)
  setUiContext(app.ui)
}

/** The same contexts as a Map, for `mount`/`render` (tests render single views with it). */
export function appContextMap(app: AppState): Map<symbol, unknown> {
  return new Map<symbol, unknown>([
    [I18N_KEY, app.i18n],
    [SETTINGS_KEY, app.settings],
    [ACCOUNTS_KEY, app.accounts],
    [CONTACTS_KEY, app.contacts],
    [CHATS_KEY, app.chats],
    [UI_KEY, app.ui]
  ])
}
