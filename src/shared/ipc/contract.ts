/**
 * The one contract between the renderer and the main process. Main implements `Api` (and the
 * harness serves the same implementation over a WebSocket); the preload exposes exactly these
 * methods and events. Everything here is plain, structured-clone-safe data.
 */
import type { ServerOverride, TlsMode } from '../model/account'
import type { ConnectionState } from '../model/connection'
import type { ErrorView } from '../model/errors'
import type { AccountId, MessageId } from '../model/ids'
import type { ChatMessage, DeliveryState } from '../model/message'
import type { OwnPresence, PresenceShow } from '../model/presence'
import type { Subscription } from '../model/roster'
import type { Profile } from '../model/profile'

export type { ErrorView } from '../model/errors'

export interface AppInfo {
  name: string
  version: string
  platform: string
  /** The operating system's preferred languages (BCP 47), best first. */
  systemLocales: string[]
  /** True in the development harness (a browser tab, not the desktop app). */
  harness: boolean
}

export type Language = 'system' | 'en' | 'zh-CN'
export type Theme = 'system' | 'light' | 'dark'

export interface UiSettings {
  language: Language
  theme: Theme
  /** Send typing notifications (XEP-0085). */
  sendTyping: boolean
}

export interface AccountView {
  id: AccountId
  jid: string
  enabled: boolean
  server: ServerOverride | null
  /** The resource the user chose for this account; null: a generated one (`parley.<random>`) each connection. */
  resource: string | null
  pinnedCertificate: string | null
  /** A stable colour for the account (XEP-0392 hue of its JID), `#rrggbb`. */
  color: string
  state: ConnectionState
  presence: OwnPresence
  /** Our own avatar's hash, when we have one. */
  avatar: string | null
}

export interface AccountPatch {
  server?: ServerOverride | null
  /** A resource (RFC 7622 resourcepart); null or '' to go back to a generated one. */
  resource?: string | null
}

export interface SignInRequest {
  jid: string
  password: string
  server?: ServerOverride | undefined
  /** A fingerprint the user accepted in the certificate dialog. */
  pinnedCertificate?: string | undefined
  /** Store the password (default true). */
  remember?: boolean | undefined
}

export interface RegisterRequest extends SignInRequest {
  /** Answers to extra registration fields the server asked for (CAPTCHA, e-mail, …). */
  extra?: Record<string, string> | undefined
}

export interface ContactView {
  account: AccountId
  jid: string
  /** Roster name, else the local part of the JID. */
  name: string
  subscription: Exclude<Subscription, 'remove'>
  pendingOut: boolean
  groups: string[]
  show: PresenceShow
  status: string
  blocked: boolean
  /** XEP-0392 colour of the JID, `#rrggbb`, for the avatar placeholder. */
  color: string
  /** SHA-1 of the contact's avatar (get it with `avatars.get`), when they have one. */
  avatar: string | null
}

export interface ContactKey {
  account: AccountId
  jid: string
}

export interface SubscriptionRequestView {
  account: AccountId
  jid: string
  nick: string
  message: string
  at: number
}

export interface ChatMessageView extends ChatMessage {
  account: AccountId
  /** The store's row: a stable cursor for paging and jumping to a message. */
  rowId?: number
  /** The message replied to, resolved from history when we have it; in a room with its author's nick. */
  replyTo?: { id: string; jid: string; body?: string; from?: string; nick?: string; rowId?: number; retracted?: boolean }
}

export interface SearchQueryView {
  text: string
  account?: AccountId | undefined
  peer?: string | undefined
  /** Epoch ms bounds (server time), inclusive. */
  since?: number | undefined
  until?: number | undefined
  limit?: number | undefined
  /** The `cursor` of the last hit of the previous page. */
  before?: number | undefined
}

export interface SearchHitView {
  rowId: number
  cursor: number
  account: AccountId
  peer: string
  /** Name of the conversation (contact name or JID). */
  name: string
  direction: 'in' | 'out'
  id: string
  at: number
  /** A short excerpt around the first match, with the matches' [start, end) in it. */
  snippet: { text: string; ranges: [number, number][] }
}

export interface ConversationView {
  account: AccountId
  peer: string
  name: string
  /** XEP-0392 colour of the peer, `#rrggbb`. */
  color: string
  /**
   * A one-to-one chat, a group chat (XEP-0045), or a private chat with a room occupant: then
   * `peer` is the occupant's room-assigned address `room@service/nick` (what we send to, and all
   * we know of who they are), `name` their nick and `room` the room it goes through.
   */
  kind: 'chat' | 'room' | 'private'
  room?: { jid: string; name: string; nick: string }
  avatar: string | null
  unread: number
  /** Epoch ms of the newest message (or of opening the conversation). */
  updatedAt: number
  /** `attachment`: the sender marked the body as a shared file (XEP-0066). */
  last: { body: string; direction: 'in' | 'out'; state: DeliveryState; at: number; attachment?: boolean } | null
  typing: boolean
}

export interface HistoryQuery {
  account: AccountId
  peer: string
  /** Messages strictly older than this one (for scrolling up); newest page when absent. */
  before?: { at: number; id: string; rowId?: number | undefined } | undefined
  /** Messages strictly newer than this one (scrolling down after jumping to a search hit). */
  after?: { at: number; id: string; rowId?: number | undefined } | undefined
  /** The page around this row (jump to a message); `before`/`after` are then ignored. */
  around?: number | undefined
  limit?: number | undefined
}

export interface MessageStateView {
  account: AccountId
  peer: string
  id: MessageId
  state: DeliveryState
  error?: ErrorView
}

/** A conversation: the account it belongs to and the peer's bare JID. */
export interface ChatKey {
  account: AccountId
  peer: string
}

/** Preferences of the installed desktop app (tray, notifications, start-up). */
export interface DesktopSettings {
  /** Closing the main window keeps Parley running in the tray (ignored on macOS, where the Dock does this). */
  closeToTray: boolean
  /** Start Parley when the user logs in. */
  startAtLogin: boolean
  /** When started at login, stay in the tray instead of opening the window. */
  startHidden: boolean
  /** Native notifications at all (the global mute; the tray menu toggles it too). */
  notifications: boolean
  /** Show the message text in notifications; off shows only who wrote (privacy). */
  notificationText: boolean
  /** Conversations whose messages never notify. */
  mutedChats: ChatKey[]
}

export type DesktopSettingsPatch = Partial<Omit<DesktopSettings, 'mutedChats'>>

/**
 * How well stored passwords are protected. `os`: the system keyring (Keychain, DPAPI, libsecret,
 * KWallet). `weak`: Linux without a keyring (`basic_text`), encryption with a publicly known key;
 * passwords are stored only if the user allowed it (`weakAllowed`). `none`: no encryption at all,
 * nothing is ever stored and the password is asked at every start.
 */
export type SecretProtection = 'os' | 'weak' | 'none'

export interface SecretProtectionView {
  level: SecretProtection
  /** The user's choice for `weak`: store passwords anyway (true) or ask at each start (false). */
  weakAllowed: boolean
  /** True when passwords are written to disk right now (`os`, or `weak` with permission). */
  storing: boolean
}

/** Why an xmpp: link was not acted on. */
export type UriRefusal =
  | 'not-xmpp' // not an xmpp: URI at all
  | 'too-long' // longer than Parley accepts
  | 'malformed' // broken syntax or percent-encoding, control characters
  | 'authority' // xmpp://account/… naming the account to use: not supported
  | 'invalid-address' // the address is not a valid user JID (or hides characters)
  | 'unsupported-action' // a query action other than message, roster, subscribe (e.g. ?remove)
  | 'invalid-parameter' // an unknown, repeated, oversized or hidden-character parameter

/**
 * What an xmpp: link (RFC 5122) asks for. Nothing happens until the user confirms in the window:
 * the addresses are canonical bare JIDs, texts are plain text to prefill, never sent as they are.
 */
export type UriAction =
  | { kind: 'open-chat'; jid: string }
  | { kind: 'add-contact'; jid: string; name: string; group: string }
  | { kind: 'compose'; jid: string; body: string }
  | { kind: 'refused'; reason: UriRefusal }

export type RoomRole = 'moderator' | 'participant' | 'visitor' | 'none'
export type RoomAffiliation = 'owner' | 'admin' | 'member' | 'outcast' | 'none'

/**
 * Why we are not in a room (any more), as the room said it (XEP-0045 status codes): we `left`; the
 * account went offline (`disconnected`: joined again when it is back); a moderator `kicked` (307)
 * or `banned` (301) us; our membership was taken away (`affiliation`, 321); the room became
 * `members-only` (322); the service `shutdown` (332) or hit an `error` (333); the owner
 * `destroyed` the room.
 */
export type RoomExitReason = 'left' | 'disconnected' | 'kicked' | 'banned' | 'affiliation' | 'members-only' | 'shutdown' | 'error' | 'destroyed'

export interface RoomExitView {
  kind: RoomExitReason
  /** The reason text the room passed on (the moderator's or owner's words), untranslated. */
  text?: string
  /** Who did it (kick, ban), as the room names them. */
  actor?: string
  /** For `destroyed`: the room the owner pointed to instead. */
  alternate?: string
}

export interface RoomView {
  account: AccountId
  /** The room's bare JID (the conversation's peer). */
  room: string
  name: string
  /** Our nick there. */
  nick: string
  state: 'joining' | 'joined' | 'left' | 'error'
  /** With `left`: why we are not in it. A failed join is `error` and its `error`. */
  reason?: RoomExitView
  error?: ErrorView
  subject: string
  role: RoomRole
  affiliation: RoomAffiliation
  occupants: number
  bookmarked: boolean
  autojoin: boolean
}

export interface RoomKey {
  account: AccountId
  room: string
}

export interface OccupantView {
  nick: string
  /** Real bare JID, when the room shows it to us. */
  jid?: string
  role: RoomRole
  affiliation: RoomAffiliation
  show: PresenceShow
  status: string
  /**
   * SHA-1 of the avatar the occupant's presence in the room announced (XEP-0153, filled in by
   * XEP-0398 servers), once fetched and checked (get it with `avatars.get`); null when they
   * announce none or it could not be fetched. An `occupants` event brings it when it arrives.
   */
  avatar: string | null
}

export interface RoomInviteView {
  account: AccountId
  room: string
  from: string
  reason: string
  password?: string
  at: number
}

export interface RoomCreateOptions {
  name: string
  description: string
  /** '' for no password. */
  password: string
  membersOnly: boolean
  /** Listed in the service's room directory. */
  public: boolean
  persistent: boolean
}

/** A room's settings as its owner reads and changes them (XEP-0045 §10.2); the create options and two more. */
export interface RoomSettings extends RoomCreateOptions {
  /** Only people with a voice may write. */
  moderated: boolean
  /** Everyone in the room sees real addresses (not only moderators). */
  nonAnonymous: boolean
}

export interface FileToSend {
  name: string
  /** MIME type as the picker/drop reported it ('' when unknown). */
  type: string
  bytes: Uint8Array
}

export interface TransferView {
  id: string
  direction: 'up' | 'down'
  account: AccountId | null
  peer: string | null
  name: string
  done: number
  total: number | null
  state: 'running' | 'done' | 'failed' | 'cancelled'
  /** Uploads: the link that was sent. Downloads: where the file was saved. */
  url?: string
  path?: string
  error?: ErrorView
}

export interface ImagePreview {
  dataUrl: string
  width: number
  height: number
}

export type { Profile }

export interface Api {
  app: {
    info(): Promise<AppInfo>
    /** Opens http(s), xmpp and mailto links in the system's handler; anything else is refused. */
    openExternal(url: string): Promise<void>
    /** Opens a conversation in a window of its own (desktop app only). */
    openChatWindow(account: AccountId, peer: string): Promise<void>
  }
  settings: {
    get(): Promise<UiSettings>
    update(patch: Partial<UiSettings>): Promise<UiSettings>
  }
  accounts: {
    list(): Promise<AccountView[]>
    signIn(request: SignInRequest): Promise<AccountId>
    register(request: RegisterRequest): Promise<AccountId>
    setEnabled(id: AccountId, enabled: boolean): Promise<void>
    update(id: AccountId, patch: AccountPatch): Promise<void>
    remove(id: AccountId, fromServer: boolean): Promise<void>
    trustCertificate(id: AccountId, fingerprint: string): Promise<void>
    changePassword(id: AccountId, password: string): Promise<void>
    /** Gives Parley the password (e.g. after "wrong password" or when none is stored) and reconnects. */
    setPassword(id: AccountId, password: string, remember: boolean): Promise<void>
    /** One account, or every enabled account when `id` is null. */
    setPresence(id: AccountId | null, presence: OwnPresence): Promise<void>
  }
  contacts: {
    list(): Promise<ContactView[]>
    requests(): Promise<SubscriptionRequestView[]>
    /** Adds to the roster and asks to see the contact's presence. */
    add(account: AccountId, jid: string, name: string, groups: string[], message: string): Promise<void>
    update(account: AccountId, jid: string, name: string, groups: string[]): Promise<void>
    remove(account: AccountId, jid: string): Promise<void>
    /** Lets the requester see our presence; with `addBack`, also adds them and asks back. */
    approve(account: AccountId, jid: string, addBack: boolean): Promise<void>
    deny(account: AccountId, jid: string): Promise<void>
    block(account: AccountId, jid: string): Promise<void>
    unblock(account: AccountId, jid: string): Promise<void>
    blocked(): Promise<ContactKey[]>
  }
  chats: {
    list(): Promise<ConversationView[]>
    /** Starts (or shows) a conversation, e.g. from the contact list. */
    open(account: AccountId, peer: string): Promise<ConversationView>
    /** A page of history, oldest first; older pages come from the server archive when needed. */
    history(query: HistoryQuery): Promise<ChatMessageView[]>
    /** Stored first (queued), then sent; `replyTo` is the id of the message answered (XEP-0461). */
    send(account: AccountId, peer: string, body: string, replyTo: string | null): Promise<ChatMessageView>
    /** Corrects our last message (XEP-0308). */
    correct(account: AccountId, peer: string, id: string, body: string): Promise<void>
    /** Retracts our message for everyone (XEP-0424). */
    retract(account: AccountId, peer: string, id: string): Promise<void>
    /** Our complete set of reactions to a message (XEP-0444); empty removes them. */
    react(account: AccountId, peer: string, id: string, emojis: string[]): Promise<void>
    /** Sends a failed message again, with the same id. */
    retry(account: AccountId, peer: string, id: string): Promise<void>
    /** Search across all accounts and chats, newest first. */
    search(query: SearchQueryView): Promise<SearchHitView[]>
    markRead(account: AccountId, peer: string): Promise<void>
    setTyping(account: AccountId, peer: string, state: 'active' | 'composing' | 'paused'): Promise<void>
  }
  rooms: {
    list(): Promise<RoomView[]>
    invites(): Promise<RoomInviteView[]>
    /** The server's group chat service and the rooms it lists. */
    discover(account: AccountId): Promise<{ service: string | null; rooms: { jid: string; name: string }[] }>
    /** Joins (and, with `bookmark`, remembers it with autojoin, XEP-0402). */
    join(account: AccountId, room: string, nick: string, password: string | null, bookmark: boolean): Promise<RoomView>
    /** Creates a room on the account's service (`local@service`) and joins it. */
    create(account: AccountId, local: string, nick: string, options: RoomCreateOptions): Promise<RoomView>
    leave(account: AccountId, room: string, forget: boolean): Promise<void>
    /** The room's settings now, from its configuration form (owners only: others are refused, `forbidden`). */
    config(account: AccountId, room: string): Promise<RoomSettings>
    /** Changes the settings given; the rest keep the room's values. Occupants learn of it (status 104). */
    configure(account: AccountId, room: string, settings: Partial<RoomSettings>): Promise<void>
    occupants(account: AccountId, room: string): Promise<OccupantView[]>
    setSubject(account: AccountId, room: string, subject: string): Promise<void>
    changeNick(account: AccountId, room: string, nick: string): Promise<void>
    invite(account: AccountId, room: string, jid: string, reason: string): Promise<void>
    declineInvite(account: AccountId, room: string): Promise<void>
    kick(account: AccountId, room: string, nick: string, reason: string): Promise<void>
    ban(account: AccountId, room: string, jid: string, reason: string): Promise<void>
    setRole(account: AccountId, room: string, nick: string, role: RoomRole): Promise<void>
    setAffiliation(account: AccountId, room: string, jid: string, affiliation: RoomAffiliation): Promise<void>
  }
  files: {
    /** The server's upload size limit in bytes (null: no limit announced); rejects `unsupported` without upload. */
    uploadLimit(account: AccountId): Promise<number | null>
    /** Uploads (XEP-0363) and sends the link (XEP-0066); progress arrives as `transfers` events. Returns the transfer id. */
    send(account: AccountId, peer: string, file: FileToSend): Promise<string>
    /** Downloads to the downloads folder. `allowPrivate`: the user clicked a link to a local/private address. */
    download(url: string, allowPrivate: boolean): Promise<string>
    cancel(transferId: string): Promise<void>
    /** A received image, checked and shrunk to a data URL; null when it is not a safe image. */
    preview(url: string, allowPrivate: boolean): Promise<ImagePreview | null>
    /**
     * A window no longer shows this URL's preview: one holder of it lets go. When none is left, a
     * queued preview is dropped and a running one aborted (its `preview` rejects, condition `cancelled`).
     */
    cancelPreview(url: string): Promise<void>
  }
  avatars: {
    /** The avatar with this hash as a data URL, when we have it. */
    get(hash: string): Promise<string | null>
    setOwn(account: AccountId, bytes: Uint8Array): Promise<string>
    removeOwn(account: AccountId): Promise<void>
  }
  profiles: {
    get(account: AccountId, jid: string): Promise<Profile>
    setOwn(account: AccountId, profile: Partial<Profile>): Promise<void>
  }
  /** The installed app's own settings and integration (the harness answers with in-memory stand-ins). */
  desktop: {
    get(): Promise<DesktopSettings>
    update(patch: DesktopSettingsPatch): Promise<DesktopSettings>
    muteChat(account: AccountId, peer: string, muted: boolean): Promise<DesktopSettings>
    /** The conversation the main window shows (null: none), so that it does not notify while seen. */
    setFocusedChat(chat: ChatKey | null): Promise<void>
    secretProtection(): Promise<SecretProtectionView>
    /** The user's answer to "no keyring: store passwords with weak protection?". */
    allowWeakSecrets(allow: boolean): Promise<SecretProtectionView>
    /** The xmpp: link Parley was started with and that no window has taken yet, once. */
    takeUri(): Promise<UriAction | null>
  }
}

/** Every method the renderer may call, by namespace. The preload and main both derive from this. */
export const API_METHODS = {
  app: ['info', 'openExternal', 'openChatWindow'],
  settings: ['get', 'update'],
  accounts: ['list', 'signIn', 'register', 'setEnabled', 'update', 'remove', 'trustCertificate', 'changePassword', 'setPassword', 'setPresence'],
  contacts: ['list', 'requests', 'add', 'update', 'remove', 'approve', 'deny', 'block', 'unblock', 'blocked'],
  chats: ['list', 'open', 'history', 'send', 'correct', 'retract', 'react', 'retry', 'search', 'markRead', 'setTyping'],
  rooms: ['list', 'invites', 'discover', 'join', 'create', 'leave', 'config', 'configure', 'occupants', 'setSubject', 'changeNick', 'invite', 'declineInvite', 'kick', 'ban', 'setRole', 'setAffiliation'],
  files: ['uploadLimit', 'send', 'download', 'cancel', 'preview', 'cancelPreview'],
  avatars: ['get', 'setOwn', 'removeOwn'],
  profiles: ['get', 'setOwn'],
  desktop: ['get', 'update', 'muteChat', 'setFocusedChat', 'secretProtection', 'allowWeakSecrets', 'takeUri']
} as const satisfies { [N in keyof Api]: readonly (keyof Api[N])[] }

/**
 * Events main pushes. Bursty ones are batched: one event carries everything that happened in a
 * short window (a roster of 5,000 is one `contacts` event, not 5,000).
 */
export interface Events {
  accounts: AccountView[]
  contacts: { upsert: ContactView[]; remove: ContactKey[] }
  requests: SubscriptionRequestView[]
  /** Conversations that changed, and those no longer listed (a forgotten or removed room). */
  conversations: { upsert: ConversationView[]; remove: ChatKey[] }
  messages: ChatMessageView[]
  messageStates: MessageStateView[]
  /** Messages that changed after they were shown: corrected, retracted, reacted to. */
  messageUpdates: ChatMessageView[]
  /**
   * Rooms that changed, and rooms gone from the list: left and forgotten here, their bookmark
   * removed (here or on another device) while we were not in them, or the account removed.
   */
  rooms: { upsert: RoomView[]; remove: RoomKey[] }
  /** A room's occupants: the whole list (`reset`) or what changed. */
  occupants: { account: AccountId; room: string; reset: boolean; upsert: OccupantView[]; remove: string[] }
  invites: RoomInviteView[]
  transfers: TransferView[]
  /** An avatar changed (contacts and conversations carry the new hash too). */
  avatars: { account: AccountId; jid: string; hash: string | null }[]
  settings: UiSettings
  /** Things to tell the user that are not part of a list: a contact approved us, and so on. */
  notices: Notice[]
  /** Main asks the window to show a conversation (e.g. the user clicked a notification). */
  focusChat: { account: AccountId; peer: string }
  /** The desktop settings changed (also from the tray menu). */
  'desktop.settings': DesktopSettings
  /** An xmpp: link was opened while Parley runs: ask the user before doing anything. */
  'desktop.uri': UriAction
}

export type Notice =
  | { kind: 'subscribed' | 'unsubscribed' | 'unsubscribe' | 'request-cancelled'; account: AccountId; jid: string }
  | { kind: 'registered'; account: AccountId; jid: string }
  /** Someone declined our invitation to a room; `reason` is theirs, possibly empty. */
  | { kind: 'invite-declined'; account: AccountId; room: string; jid: string; reason: string }
  | { kind: 'storage-error'; error: ErrorView }

export const EVENT_NAMES = [
  'accounts',
  'contacts',
  'requests',
  'conversations',
  'messages',
  'messageStates',
  'messageUpdates',
  'rooms',
  'occupants',
  'invites',
  'transfers',
  'avatars',
  'settings',
  'notices',
  'focusChat',
  'desktop.settings',
  'desktop.uri'
] as const satisfies readonly (keyof Events)[]

export type Namespace = keyof Api
export type MethodOf<N extends Namespace> = (typeof API_METHODS)[N][number]
export type EventName = keyof Events

/** Result of an IPC call: errors cross as data (Error subclasses do not survive structured clone). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorView }

export const invokeChannel = (ns: string, method: string): string => `api:${ns}.${method}`
export const eventChannel = (name: string): string => `event:${name}`

/** The API as it crosses the bridge: every call resolves with a Result, never rejects with main's error. */
export type ResultApi = {
  [N in keyof Api]: {
    [M in keyof Api[N]]: Api[N][M] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<Result<R>> : never
  }
}

/** What the preload exposes as `window.parley` (and the harness bridge, in a browser tab). */
export interface Bridge {
  api: ResultApi
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void
}

/** Main-side channel on which a window says which events it wants. */
export const SUBSCRIBE_CHANNEL = 'events:subscribe'

export type { TlsMode }
