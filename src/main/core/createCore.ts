import { AccountManager } from './account/AccountManager'
import { CoreEmitter } from './events'
import { ContactsService } from './services/ContactsService'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FilesService } from './services/FilesService'
import { HistoryService } from './services/HistoryService'
import { RoomsService } from './services/RoomsService'
import { AvatarCache } from './xep/0084-avatars/cache'
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
  /** Where avatars are cached (the profile's `avatars` folder); a temporary folder when absent. */
  avatarDir?: string
  /** Where downloads go (the user's downloads folder); a temporary folder when absent. */
  downloadsDir?: string
  /** Tests only: upload slots on plain http to a loopback host. */
  allowInsecureUploadForLoopback?: boolean
}

export interface Core {
  accounts: AccountManager
  events: CoreEmitter
  /** The contact list as shown: rosters joined with presence and block lists. */
  contacts: ContactsService
  /** Conversations, messages, the outbox and search, over the history store. */
  conversations: HistoryService
  /** Group chats: rooms, occupants, invitations, bookmarks' autojoin. */
  rooms: RoomsService
  /** Uploads and downloads with progress. */
  files: FilesService
  avatars: AvatarCache
  store: MessageStore
}

/** The Electron-free heart of Parley: everything XMPP, wired to the outside only through ports. */
export function createCore(ports: CorePorts): Core {
  const events = new CoreEmitter()
  const scratch = (name: string) => mkdtempSync(join(tmpdir(), `parley-${name}-`))
  const avatars = new AvatarCache({ dir: ports.avatarDir ?? scratch('avatars') })
  const accounts = new AccountManager({
    settings: ports.settings,
    secrets: ports.secrets,
    emit: events.emit,
    log: ports.log ?? silentLogger,
    version: ports.version,
    extraCa: ports.extraCa,
    resolveSrv: ports.resolveSrv,
    avatarCache: avatars,
    ...(ports.allowInsecureUploadForLoopback ? { allowInsecureUploadForLoopback: true } : {}),
    ...(ports.lang ? { lang: ports.lang } : {})
  })
  const store = ports.store ?? MessageStore.open(':memory:')
  const core = { accounts, events, store, avatars } as Core
  core.contacts = new ContactsService(core)
  core.rooms = new RoomsService(core)
  core.conversations = new HistoryService(core, core.contacts, core.rooms, store)
  core.files = new FilesService(core, core.conversations, ports.downloadsDir ?? scratch('downloads'))
  return core
}
