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
  type EventName,
  type Events,
  type Result,
  type ResultApi,
  type SubscriptionRequestView,
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

export function createFakeBridge(): FakeBridge {
  let settings: UiSettings = { language: 'system', theme: 'system', sendTyping: true }
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
        message({ account, peer, body, direction: 'out', state: 'sent', id: asMessageId(`sent-${nextId++}`) })
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
