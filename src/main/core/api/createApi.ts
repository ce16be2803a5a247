import { EventEmitter } from 'node:events'
import type { AccountView, Api, AppInfo, DesktopSettings, EventName, Events, UiSettings } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import type { AccountSummary } from '../account/AccountManager'
import type { Core } from '../createCore'
import { CoreError } from '../errors'
import type { ContactsService } from '../services/ContactsService'
import type { HistoryService } from '../services/HistoryService'
import { consistentColor } from '../xep/0392-colors'
import { EventBatcher } from './EventBatcher'
import { safeExternalUrl } from './links'

/** What only the shell can do: the Electron app and the browser harness each provide one. */
export interface AppPort {
  info(): AppInfo
  /** Called with a URL that passed `safeExternalUrl`. */
  openExternal(url: string): Promise<void>
  openChatWindow(account: AccountId, peer: string): Promise<void>
}

export interface UiSettingsPort {
  get(): UiSettings
  set(settings: UiSettings): void
}

export type DesktopEventName = Extract<EventName, `desktop.${string}`>
export type DesktopEmit = <E extends DesktopEventName>(event: E, payload: Events[E]) => void

/** The `desktop` namespace: only the Electron shell has it; elsewhere an in-memory stand-in answers. */
export interface DesktopPort {
  api: Api['desktop']
  /** Hands the shell the function that pushes its `desktop.*` events to the windows. */
  connect(emit: DesktopEmit): void
}

export interface ApiService {
  api: Api
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void
  /** Asks the window to show a conversation (notification click, xmpp: URI). */
  focusChat(account: AccountId, peer: string): void
  contacts: ContactsService
  conversations: HistoryService
  dispose(): void
}

/**
 * The contract implemented on top of the core. Electron-free: the IPC layer (with sender checks and
 * argument validation) and the browser harness both serve this same object, so the renderer is
 * driven by identical code in the app and in end-to-end tests.
 */
export function createApi(core: Core, ports: { app: AppPort; ui: UiSettingsPort; desktop?: DesktopPort }): ApiService {
  const emitter = new EventEmitter()
  emitter.setMaxListeners(0)
  const desktop = ports.desktop ?? memoryDesktop()
  desktop.connect((event, payload) => emitter.emit(event, payload))
  const batcher = new EventBatcher((event, payload) => emitter.emit(event, payload))
  const { contacts, conversations } = core

  const accountViews = (): AccountView[] => core.accounts.list().map(toAccountView(core))
  const accountsChanged = (): void => batcher.replace('accounts', accountViews())
  core.events.on('connectionState', accountsChanged)
  core.events.on('accountsChanged', accountsChanged)
  core.events.on('ownPresence', accountsChanged)
  core.events.on('subscription', ({ account, jid, change }) => batcher.notice({ kind: change, account, jid }))
  core.events.on('registered', ({ account, jid }) => batcher.notice({ kind: 'registered', account, jid }))
  core.rooms.on('declined', ({ account, room, from, reason }) => batcher.notice({ kind: 'invite-declined', account, room, jid: from, reason }))
  contacts.on('changes', ({ upsert, remove }) => batcher.contactsChanged(upsert, remove))
  contacts.on('requests', (list) => batcher.replace('requests', list))
  conversations.on('conversations', (list) => batcher.conversationsChanged(list))
  conversations.on('removed', (keys) => batcher.conversationsChanged([], keys))
  conversations.on('messages', (list) => batcher.messagesAdded(list))
  conversations.on('states', (list) => batcher.statesChanged(list))
  conversations.on('updates', (list) => batcher.messagesUpdated(list))
  core.rooms.on('rooms', (list) => batcher.roomsChanged(list))
  core.rooms.on('removed', (keys) => batcher.roomsChanged([], keys))
  core.rooms.on('occupants', (change) => batcher.occupantsChanged(change))
  core.rooms.on('invites', (list) => batcher.replace('invites', list))
  core.files.on('transfers', (list) => batcher.transfersChanged(list))
  core.events.on('avatar', (change) => {
    batcher.avatarChanged(change)
    if (core.accounts.list().some((a) => a.config.id === change.account && a.config.jid === change.jid)) accountsChanged()
  })
  core.events.on('storageError', ({ error }) => batcher.notice({ kind: 'storage-error', error }))

  const account = (id: AccountId) => core.accounts.get(id)
  /** Runs an account change, then tells the window about the new list. */
  const changing = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } finally {
      accountsChanged()
    }
  }

  const api: Api = {
    app: {
      info: async () => ports.app.info(),
      openExternal: async (url) => {
        const safe = safeExternalUrl(url)
        if (!safe) throw new CoreError('invalid-argument', 'Only web, xmpp and mail links can be opened')
        await ports.app.openExternal(safe)
      },
      openChatWindow: async (id, peer) => {
        conversations.open(id, peer)
        await ports.app.openChatWindow(id, peer)
      }
    },
    settings: {
      get: async () => ports.ui.get(),
      update: async (patch) => {
        const next = { ...ports.ui.get(), ...patch }
        ports.ui.set(next)
        batcher.replace('settings', next)
        return next
      }
    },
    accounts: {
      list: async () => accountViews(),
      signIn: (request) => changing(() => core.accounts.signIn(request)),
      register: (request) => changing(() => core.accounts.register(request, request.extra)),
      setEnabled: (id, enabled) => changing(() => core.accounts.setEnabled(id, enabled)),
      update: (id, patch) =>
        changing(() =>
          core.accounts.update(id, {
            ...('server' in patch ? { server: patch.server ?? undefined } : {}),
            // '' or null: back to a generated resource.
            ...('resource' in patch ? { resource: patch.resource || undefined } : {})
          })
        ),
      remove: (id, fromServer) =>
        changing(async () => {
          await core.accounts.remove(id, fromServer)
          contacts.dropAccount(id)
          conversations.dropAccount(id)
          core.rooms.dropAccount(id)
        }),
      trustCertificate: (id, fingerprint) => changing(() => core.accounts.trustCertificate(id, fingerprint)),
      changePassword: (id, password) => core.accounts.changePassword(id, password),
      setPassword: (id, password, remember) => changing(() => core.accounts.setPassword(id, password, remember)),
      setPresence: (id, presence) => changing(() => (id === null ? core.accounts.setPresenceAll(presence) : account(id).setPresence(presence)))
    },
    contacts: {
      list: async () => contacts.list(),
      requests: async () => contacts.requests(),
      add: async (id, jid, name, groups, message) => {
        const a = account(id)
        await a.roster.set(jid, name, groups)
        await a.presence.subscribe(jid, { ...(message ? { message } : {}) })
      },
      update: (id, jid, name, groups) => account(id).roster.set(jid, name, groups),
      remove: (id, jid) => account(id).roster.remove(jid),
      approve: async (id, jid, addBack) => {
        const a = account(id)
        await a.presence.approve(jid)
        contacts.resolveRequest(id, jid)
        if (addBack && !a.roster.get(jid)) await a.roster.set(jid, '', [])
        const sub = a.roster.get(jid)?.subscription
        if (addBack && sub !== 'to' && sub !== 'both') await a.presence.subscribe(jid)
      },
      deny: async (id, jid) => {
        await account(id).presence.deny(jid)
        contacts.resolveRequest(id, jid)
      },
      block: async (id, jid) => {
        await account(id).blocking.block([jid])
        contacts.resolveRequest(id, jid)
      },
      unblock: (id, jid) => account(id).blocking.unblock([jid]),
      blocked: async () => contacts.blockedList()
    },
    chats: {
      list: async () => conversations.list(),
      open: async (id, peer) => conversations.open(id, peer),
      history: async (query) => conversations.history(query),
      send: async (id, peer, body, replyTo) => conversations.send(id, peer, body, replyTo),
      correct: (id, peer, messageId, body) => conversations.correct(id, peer, messageId, body),
      retract: (id, peer, messageId) => conversations.retract(id, peer, messageId),
      react: (id, peer, messageId, emojis) => conversations.react(id, peer, messageId, emojis),
      retry: (id, peer, messageId) => conversations.retry(id, peer, messageId),
      search: async (query) => conversations.search(query),
      markRead: async (id, peer) => conversations.markRead(id, peer),
      setTyping: async (id, peer, state) => {
        if (ports.ui.get().sendTyping) await account(id).chat.sendChatState(peer, state)
      }
    },
    rooms: {
      list: async () => core.rooms.list(),
      invites: async () => core.rooms.inviteList(),
      discover: (id) => core.rooms.discover(id),
      join: (id, room, nick, password, bookmark) => core.rooms.join(id, room, nick, password, bookmark),
      create: (id, local, nick, options) => core.rooms.create(id, local, nick, options),
      leave: (id, room, forget) => core.rooms.leave(id, room, forget),
      config: (id, room) => core.rooms.config(id, room),
      configure: (id, room, settings) => core.rooms.configure(id, room, settings),
      occupants: async (id, room) => core.rooms.occupants(id, room),
      setSubject: (id, room, subject) => account(id).muc.setSubject(room, subject),
      changeNick: (id, room, nick) => account(id).muc.changeNick(room, nick),
      invite: (id, room, jid, reason) => account(id).muc.invite(room, jid, reason),
      declineInvite: async (id, room) => core.rooms.declineInvite(id, room),
      kick: (id, room, nick, reason) => account(id).muc.setRole(room, nick, 'none', reason),
      ban: (id, room, jid, reason) => account(id).muc.setAffiliation(room, jid, 'outcast', reason),
      setRole: (id, room, nick, role) => account(id).muc.setRole(room, nick, role),
      setAffiliation: (id, room, jid, affiliation) => account(id).muc.setAffiliation(room, jid, affiliation)
    },
    files: {
      uploadLimit: (id) => core.files.uploadLimit(id),
      send: async (id, peer, file) => core.files.send(id, peer, file),
      download: async (url, allowPrivate) => core.files.download(url, allowPrivate),
      cancel: async (transferId) => core.files.cancel(transferId),
      preview: (url, allowPrivate) => core.files.preview(url, allowPrivate),
      cancelPreview: async (url) => core.files.cancelPreview(url)
    },
    avatars: {
      get: async (hash) => {
        const a = await core.avatars.get(hash)
        return a ? `data:${a.info.mime};base64,${a.bytes.toString('base64')}` : null
      },
      setOwn: (id, bytes) => changing(() => account(id).avatars.setOwnAvatar(bytes)),
      removeOwn: (id) => changing(() => account(id).avatars.removeOwnAvatar())
    },
    profiles: {
      get: (id, jid) => account(id).vcards.get(jid),
      setOwn: (id, profile) => account(id).vcards.setOwn(profile)
    },
    desktop: desktop.api
  }

  return {
    api,
    on: (event, listener) => {
      emitter.on(event, listener as never)
      return () => emitter.off(event, listener as never)
    },
    focusChat: (id, peer) => {
      batcher.flush()
      emitter.emit('focusChat', { account: id, peer })
    },
    contacts,
    conversations,
    dispose: () => batcher.dispose()
  }
}

function toAccountView(core: Core) {
  return (s: AccountSummary): AccountView => ({
    id: s.config.id,
    jid: s.config.jid,
    enabled: s.config.enabled,
    server: s.config.server ?? null,
    resource: s.config.resource || null,
    pinnedCertificate: s.config.pinnedCertificate ?? null,
    color: s.config.color ?? consistentColor(s.config.jid),
    state: s.state,
    presence: core.accounts.get(s.config.id).presence.ownPresence(),
    avatar: core.accounts.get(s.config.id).avatars.avatarOf(s.config.jid) ?? null
  })
}

/** The harness (a browser tab) has no tray, notifications or keyring: settings live for the run. */
function memoryDesktop(): DesktopPort {
  let settings: DesktopSettings = { closeToTray: false, startAtLogin: false, startHidden: false, notifications: false, notificationText: true, mutedChats: [] }
  let emit: DesktopEmit = () => undefined
  const changed = (next: DesktopSettings): DesktopSettings => {
    settings = next
    emit('desktop.settings', structuredClone(next))
    return structuredClone(next)
  }
  // Passwords in the harness are kept in memory for the run, which is what `os` means to the UI.
  const protection = { level: 'os', weakAllowed: false, storing: true } as const
  return {
    connect: (fn) => (emit = fn),
    api: {
      get: async () => structuredClone(settings),
      update: async (patch) => changed({ ...settings, ...patch }),
      muteChat: async (account, peer, muted) => {
        const others = settings.mutedChats.filter((c) => c.account !== account || c.peer !== peer)
        return changed({ ...settings, mutedChats: muted ? [...others, { account, peer }] : others })
      },
      setFocusedChat: async () => undefined,
      secretProtection: async () => ({ ...protection }),
      allowWeakSecrets: async () => ({ ...protection }),
      takeUri: async () => null
    }
  }
}
