/* eslint-disable svelte/prefer-svelte-reactivity -- the context Map is handed to mount() once, never state. */
/**
 * Composition of the renderer's state: creates every state class, wires events to them, loads the
 * initial data, and provides them to components as contexts.
 */
import { getContext, setContext } from 'svelte'
import type { ChatMessageView, Notice } from '../../../shared/ipc/contract'
import { errorKey } from '../lib/errors'
import { neutraliseBidi } from '../lib/text'
import { on } from '../lib/api'
import { I18N_KEY, I18n, setI18nContext } from '../lib/i18n.svelte'
import type { AccountId } from '../../../shared/model/ids'
import { ACCOUNTS_KEY, AccountsState, setAccountsContext } from './accounts.svelte'
import { AVATARS_KEY, AvatarsState, setAvatarsContext } from './avatars.svelte'
import { CHATS_KEY, ChatsState, setChatsContext } from './chats.svelte'
import { CONTACTS_KEY, ContactsState, setContactsContext } from './contacts.svelte'
import { DESKTOP_KEY, DesktopState, setDesktopContext } from './desktop.svelte'
import { FILES_KEY, FilesState, setFilesContext } from './files.svelte'
import { ROOMS_KEY, RoomsState, setRoomsContext } from './rooms.svelte'
import { SEARCH_KEY, SearchState, setSearchContext } from './search.svelte'
import { SETTINGS_KEY, SettingsState, setSettingsContext } from './settings.svelte'
import { UI_KEY, UiState, setUiContext } from './ui.svelte'

export interface AppState {
  i18n: I18n
  settings: SettingsState
  accounts: AccountsState
  contacts: ContactsState
  chats: ChatsState
  rooms: RoomsState
  files: FilesState
  avatars: AvatarsState
  search: SearchState
  desktop: DesktopState
  ui: UiState
}

export function createAppState(hash?: string): AppState {
  const i18n = new I18n()
  const settings = new SettingsState(i18n)
  const accounts = new AccountsState()
  const contacts = new ContactsState(i18n)
  const chats = new ChatsState(accounts)
  const rooms = new RoomsState(accounts, chats)
  const files = new FilesState()
  const avatars = new AvatarsState()
  const search = new SearchState()
  const ui = new UiState(hash)
  const desktop = new DesktopState(accounts, chats, ui, i18n)
  chats.onIncoming = (messages) => ui.announce(incomingText(app, messages))
  // A conversation main no longer lists (a forgotten room) is not kept on screen, where the chat
  // view would ask main to open it again.
  chats.onRemoved = (keys) => {
    if (keys.some((k) => ui.isSelected(k.account, k.peer))) ui.select(null)
  }
  const app = { i18n, settings, accounts, contacts, chats, rooms, files, avatars, search, desktop, ui }
  return app
}

/** Shows a message in its conversation (a search hit): selects the chat and jumps to the row. */
export async function showMessage(app: AppState, account: AccountId, peer: string, rowId: number): Promise<void> {
  const { ui, chats } = app
  if (!chats.get(account, peer)) await chats.open(account, peer).catch(() => undefined)
  ui.tab = 'chats'
  ui.select({ account, peer })
  await chats.jumpTo(account, peer, rowId)
}

function incomingText({ i18n, chats }: AppState, messages: ChatMessageView[]): string {
  const first = messages[0] as ChatMessageView
  const senders = new Set(messages.map((m) => `${m.account}\u0000${m.peer}`))
  if (senders.size > 1) return i18n.t('live.newMessagesMany', { count: messages.length })
  const conversation = chats.get(first.account, first.peer)
  const name = conversation?.name ?? first.peer
  if (conversation?.kind === 'room' && messages.length === 1) return i18n.t('live.newRoomMessage', { name, nick: first.nick ?? '' })
  return messages.length === 1 ? i18n.t('live.newMessage', { name }) : i18n.t('live.newMessagesFrom', { name, count: messages.length })
}

function noticeText({ i18n, contacts, rooms }: AppState, n: Notice): string {
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
    case 'invite-declined': {
      const room = neutraliseBidi(rooms.get(n.account, n.room)?.name || n.room)
      const who = neutraliseBidi(name)
      return n.reason === '' ? i18n.t('notice.inviteDeclined', { name: who, room }) : i18n.t('notice.inviteDeclinedWhy', { name: who, room, reason: neutraliseBidi(n.reason) })
    }
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
  const { settings, accounts, contacts, chats, rooms, files, avatars, desktop, ui } = app
  const mainWindow = !ui.windowChat
  const offs = [
    settings.subscribe(),
    accounts.subscribe(),
    contacts.subscribe(),
    chats.subscribe(),
    rooms.subscribe(),
    files.subscribe(),
    avatars.subscribe(),
    desktop.subscribe(mainWindow),
    on('accounts', (list) => {
      // The last account was removed: back to the welcome screen; an account added elsewhere
      // (another window, an xmpp: link) ends it.
      if (list.length === 0 && ui.ready) ui.onboarding = true
      else if (list.length > 0 && ui.onboarding) ui.onboarding = false
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
  const results = await Promise.allSettled([settings.load(), accounts.load(), contacts.load(), chats.load(), rooms.load(), desktop.load()])
  for (const r of results) if (r.status === 'rejected') console.error('Parley: loading failed', r.reason)
  ui.onboarding = accounts.list.length === 0 && !ui.windowChat
  ui.ready = true
  // An xmpp: link Parley was started with: once, by the main window, when the accounts are known.
  if (mainWindow) void desktop.takeUri().catch(() => undefined)
  return () => {
    offs.forEach((off) => off())
    app.search.dispose()
  }
}

const APP_KEY = Symbol('app')

/** The whole state, for the few intents that span several parts (show a search hit). */
export function getAppContext(): AppState {
  const app = getContext<AppState | undefined>(APP_KEY)
  if (!app) throw new Error('AppState not found: render inside the App')
  return app
}

export function setAppContext(app: AppState): void {
  setContext(APP_KEY, app)
  setI18nContext(app.i18n)
  setSettingsContext(app.settings)
  setAccountsContext(app.accounts)
  setContactsContext(app.contacts)
  setChatsContext(app.chats)
  setRoomsContext(app.rooms)
  setFilesContext(app.files)
  setAvatarsContext(app.avatars)
  setSearchContext(app.search)
  setDesktopContext(app.desktop)
  setUiContext(app.ui)
}

/** The same contexts as a Map, for `mount`/`render` (tests render single views with it). */
export function appContextMap(app: AppState): Map<symbol, unknown> {
  return new Map<symbol, unknown>([
    [APP_KEY, app],
    [I18N_KEY, app.i18n],
    [SETTINGS_KEY, app.settings],
    [ACCOUNTS_KEY, app.accounts],
    [CONTACTS_KEY, app.contacts],
    [CHATS_KEY, app.chats],
    [ROOMS_KEY, app.rooms],
    [FILES_KEY, app.files],
    [AVATARS_KEY, app.avatars],
    [SEARCH_KEY, app.search],
    [DESKTOP_KEY, app.desktop],
    [UI_KEY, app.ui]
  ])
}
