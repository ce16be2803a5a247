import { AccountManager } from './account/AccountManager'
import { CoreEmitter } from './events'
import { ContactsService } from './services/ContactsService'
import { ConversationService } from './services/ConversationService'
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
}

export interface Core {
  accounts: AccountManager
  events: CoreEmitter
  /** The contact list as shown: rosters joined with presence and block lists. */
  contacts: ContactsService
  /** Conversations, messages and the outbox. */
  conversations: ConversationService
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
  const core = { accounts, events } as Core
  core.contacts = new ContactsService(core)
  core.conversations = new ConversationService(core, core.contacts)
  return core
}
