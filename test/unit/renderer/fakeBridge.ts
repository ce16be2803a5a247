/**
 * A `Bridge` for renderer tests: one `vi.fn` per API method (resolving with a Result, like the real
 * preload), and `emit(event, payload)` to push events to whatever the app subscribed.
 */
import { vi, type Mock } from 'vitest'
import {
  API_METHODS,
  type AccountView,
  type AppInfo,
  type Bridge,
  type ChatMessageView,
  type ContactView,
  type ConversationView,
  type DesktopSettings,
  type EventName,
  type Events,
  type OccupantView,
  type Profile,
  type Result,
  type ResultApi,
  type RoomInviteView,
  type RoomView,
  type SearchHitView,
  type SecretProtectionView,
  type SubscriptionRequestView,
  type TransferView,
  type UiSettings
} from '../../../src/shared/ipc/contract'
import type { ErrorView } from '../../../src/shared/model/errors'
import { asMessageId, type AccountId } from '../../../src/shared/model/ids'

export const ok = <T>(value: T): Result<T> => ({ ok: true, value })
export const fail = (error: ErrorView): Result<never> => ({ ok: false, error })

type Handlers = {
  [N in keyof ResultApi]: { [M in keyof ResultApi[N]]: ResultApi[N][M] extends (...args: infer A) => infer R ? Mock<(...args: A) => R> : never }
}

export interface FakeBridge extends Bridge {
  api: Handlers
  emit<E extends EventName>(event: E, payload: Events[E]): void
  listenerCount(event: EventName): number
}

export const TEST_INFO: AppInfo = { name: 'Parley', version: 'test', platform: 'linux', systemLocales: ['en-US'], harness: false }

let nextId = 1

export const EMPTY_PROFILE: Profile = { fn: '', nickname: '', given: '', family: '', email: [], tel: [], url: [], impp: [], note: '', org: '', title: '', role: '', bday: '' }

export function createFakeBridge(): FakeBridge {
  let settings: UiSettings = { language: 'system', theme: 'system', sendTyping: true }
  let desktop: DesktopSettings = { closeToTray: false, startAtLogin: false, startHidden: false, notifications: true, notificationText: true, mutedChats: [] }
  let protection: SecretProtectionView = { level: 'os', weakAllowed: false, storing: true }
  const defaults: Record<string, Record<string, (...args: any[]) => unknown>> = {
    app: { info: () => TEST_INFO },
    settings: {
      get: () => settings,
      update: (patch: Partial<UiSettings>) => (settings = { ...settings, ...patch })
    },
    accounts: { list: () => [], signIn: () => 'acc-new', register: () => 'acc-new' },
    contacts: { list: () => [], requests: () => [], blocked: () => [] },
    chats: {
      list: () => [],
      open: (account: AccountId, peer: string): ConversationView => conversation({ account, peer }),
      history: () => [],
      send: (account: AccountId, peer: string, body: string): ChatMessageView =>
        message({ account, peer, body, direction: 'out', state: 'sent', id: asMessageId(`sent-${nextId++}`) }),
      search: () => []
    },
    rooms: {
      list: () => [],
      invites: () => [],
      occupants: () => [],
      discover: () => ({ service: 'conference.example.org', rooms: [] }),
      join: (account: AccountId, jid: string, nick: string): RoomView => room({ account, room: jid, nick, state: 'joined', role: 'participant', affiliation: 'none' }),
      create: (account: AccountId, local: string, nick: string): RoomView =>
        room({ account, room: `${local}@conference.example.org`, nick, state: 'joined', role: 'moderator', affiliation: 'owner' })
    },
    files: {
      uploadLimit: () => 10 * 1024 * 1024,
      send: () => `00000000-0000-4000-8000-${String(nextId++).padStart(12, '0')}`,
      download: () => `00000000-0000-4000-9000-${String(nextId++).padStart(12, '0')}`,
      preview: () => null
    },
    avatars: { get: () => null, setOwn: () => 'a'.repeat(40) },
    profiles: { get: () => EMPTY_PROFILE },
    desktop: {
      get: () => desktop,
      update: (patch: Partial<DesktopSettings>) => (desktop = { ...desktop, ...patch }),
      muteChat: (account: AccountId, peer: string, muted: boolean) => {
        const others = desktop.mutedChats.filter((c) => c.account !== account || c.peer !== peer)
        return (desktop = { ...desktop, mutedChats: muted ? [...others, { account, peer }] : others })
      },
      secretProtection: () => protection,
      allowWeakSecrets: (allow: boolean) => (protection = { ...protection, weakAllowed: allow, storing: protection.level === 'os' || (protection.level === 'weak' && allow) }),
      takeUri: () => null
    }
  }
  const api = {} as Record<string, Record<string, Mock>>
  for (const [ns, methods] of Object.entries(API_METHODS)) {
    api[ns] = {}
    for (const method of methods) {
      const impl = defaults[ns]?.[method]
      ;(api[ns] as Record<string, Mock>)[method] = vi.fn(async (...args: unknown[]) => ok(impl ? impl(...args) : undefined))
    }
  }
  const listeners = new Map<EventName, Set<(payload: never) => void>>()
  return {
    api: api as unknown as Handlers,
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener as (payload: never) => void)
      return () => set.delete(listener as (payload: never) => void)
    },
    emit(event, payload) {
      for (const fn of listeners.get(event) ?? []) fn(payload as never)
    },
    listenerCount: (event) => listeners.get(event)?.size ?? 0
  }
}

/** Puts a fresh fake bridge where the app looks for it (`window.parley`). */
export function installFakeBridge(): FakeBridge {
  const bridge = createFakeBridge()
  ;(globalThis as { parley?: Bridge }).parley = bridge
  return bridge
}

// ---- fixtures -------------------------------------------------------------------------------

export const A1 = 'acc-1' as AccountId
export const A2 = 'acc-2' as AccountId

export function account(over: Partial<AccountView> = {}): AccountView {
  return {
    id: A1,
    jid: 'me@example.org',
    enabled: true,
    server: null,
    resource: null,
    pinnedCertificate: null,
    color: '#3366cc',
    state: { state: 'online', jid: 'me@example.org/parley', resumed: false, since: 0 },
    presence: { show: 'available', status: '', priority: 0 },
    avatar: null,
    ...over
  }
}

export function contact(over: Partial<ContactView> = {}): ContactView {
  const jid = over.jid ?? 'alice@example.org'
  return {
    account: A1,
    jid,
    name: jid.split('@')[0] ?? jid,
    subscription: 'both',
    pendingOut: false,
    groups: [],
    show: 'offline',
    status: '',
    blocked: false,
    color: '#aa5500',
    avatar: null,
    ...over
  }
}

export function request(over: Partial<SubscriptionRequestView> = {}): SubscriptionRequestView {
  return { account: A1, jid: 'stranger@example.net', nick: '', message: '', at: 0, ...over }
}

export function conversation(over: Partial<ConversationView> = {}): ConversationView {
  const peer = over.peer ?? 'alice@example.org'
  return { account: A1, peer, name: peer.split('@')[0] ?? peer, color: '#aa5500', kind: 'chat', avatar: null, unread: 0, updatedAt: 1, last: null, typing: false, ...over }
}

export function message(over: Partial<ChatMessageView> = {}): ChatMessageView {
  return {
    account: A1,
    id: asMessageId(`m-${nextId++}`),
    peer: 'alice@example.org',
    resource: '',
    direction: 'in',
    body: 'hello',
    at: Date.now(),
    state: 'received',
    ...over
  }
}

export function room(over: Partial<RoomView> = {}): RoomView {
  const jid = over.room ?? 'club@conference.example.org'
  return {
    account: A1,
    room: jid,
    name: jid.split('@')[0] ?? jid,
    nick: 'me',
    state: 'joined',
    subject: '',
    role: 'participant',
    affiliation: 'none',
    occupants: 2,
    bookmarked: true,
    autojoin: true,
    ...over
  }
}

export function occupant(over: Partial<OccupantView> = {}): OccupantView {
  return { nick: 'alice', role: 'participant', affiliation: 'none', show: 'available', status: '', avatar: null, ...over }
}

export function invite(over: Partial<RoomInviteView> = {}): RoomInviteView {
  return { account: A1, room: 'party@conference.example.org', from: 'alice@example.org', reason: '', at: 0, ...over }
}

export function transfer(over: Partial<TransferView> = {}): TransferView {
  return { id: `00000000-0000-4000-a000-${String(nextId++).padStart(12, '0')}`, direction: 'up', account: A1, peer: 'alice@example.org', name: 'file.bin', done: 0, total: 100, state: 'running', ...over }
}

export function hit(over: Partial<SearchHitView> = {}): SearchHitView {
  const rowId = over.rowId ?? nextId++
  return {
    rowId,
    cursor: rowId,
    account: A1,
    peer: 'alice@example.org',
    name: 'alice',
    direction: 'in',
    id: `m-${rowId}`,
    at: Date.now(),
    snippet: { text: 'hello', ranges: [[0, 5]] },
    ...over
  }
}
