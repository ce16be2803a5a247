import { AccountManager } from './account/AccountManager'
import { CoreEmitter } from './events'
import { ContactsService } from './services/ContactsService'
import { HistoryService } from './services/HistoryService'
import { MessageStore } from './store/MessageStore'
import { silentLogger, type Logger } from './log'
import type { SrvResolver } from './net/endpoints'
import type { SecretPort, SettingsPort } from './ports'

export interface CorePorts {
  settings: SettingsPort
  secrets: SecretPort
  log?: Logger
  version: string
  /** Extra CA certificates to trust (PEM), besides the system's. */
  extraCa?: readonly string[]
  resolveSrv?: SrvResolver
  lang?: string
  /** The history database; an in-memory one when absent (tests, the harness). */
  store?: MessageStore
}

export interface Core {
  accounts: AccountManager
  events: CoreEmitter
  /** The contact list as shown: rosters joined with presence and block lists. */
  contacts: ContactsService
  /** Conversations, messages, the outbox and search, over the history store. */
  conversations: HistoryService
  store: MessageStore
}

/** The Electron-free heart of Parley: everything XMPP, wired to the outside only through ports. */
export function createCore(ports: CorePorts): Core {
  const events = new CoreEmitter()
  const accounts = new AccountManager({
    settings: ports.settings,
    secrets: ports.secrets,
    emit: events.emit,
    log: ports.log ?? silentLogger,
    version: ports.version,
    extraCa: ports.extraCa,
    resolveSrv: ports.resolveSrv,
    ...(ports.lang ? { lang: ports.lang } : {})
  })
  const store = ports.store ?? MessageStore.open(':memory:')
  const core = { accounts, events, store } as Core
  core.contacts = new ContactsService(core)
  core.conversations = new HistoryService(core, core.contacts, store)
  return core
}
