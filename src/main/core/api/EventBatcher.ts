import type { ChatKey, ContactKey, ContactView, ConversationView, EventName, Events, RoomKey, RoomView } from '../../../shared/ipc/contract'

const FLUSH_MS = 16
/**
 * A whole roster is sent in slices: each event is one task in the window, and a 5,000-contact
 * event (parse, index, sort, render) would be one task of over 50 ms, a visible freeze.
 */
export const CONTACTS_PER_EVENT = 1000

type Listener = <E extends EventName>(event: E, payload: Events[E]) => void

/** What changed in a keyed list since the last flush: the last word about each key wins. */
class Changes<V, K> {
  private readonly pending = new Map<string, { upsert: V } | { remove: K }>()

  upsert(key: string, value: V): void {
    this.pending.set(key, { upsert: value })
  }

  remove(key: string, k: K): void {
    this.pending.set(key, { remove: k })
  }

  get size(): number {
    return this.pending.size
  }

  take(): { upsert: V[]; remove: K[] } {
    const upsert: V[] = []
    const remove: K[] = []
    for (const c of this.pending.values()) {
      if ('upsert' in c) upsert.push(c.upsert)
      else remove.push(c.remove)
    }
    this.pending.clear()
    return { upsert, remove }
  }
}

const accountKey = (account: string, id: string): string => `${account}\u0000${id}`

/**
 * Coalesces bursts into one event per kind every ~16 ms: a 5,000-contact roster, a flood of
 * presence after login or 1,000 messages in a second reach the window as a handful of events,
 * and a contact that changed ten times in that window is sent once.
 */
export class EventBatcher {
  private contacts = new Changes<ContactView, ContactKey>()
  private conversations = new Changes<ConversationView, ChatKey>()
  private messages: Events['messages'] = []
  private states = new Map<string, Events['messageStates'][number]>()
  private updates = new Map<string, Events['messageUpdates'][number]>()
  private rooms = new Changes<RoomView, RoomKey>()
  private occupants: Events['occupants'][] = []
  private transfers = new Map<string, Events['transfers'][number]>()
  private avatars = new Map<string, Events['avatars'][number]>()
  private notices: Events['notices'] = []
  private latest = new Map<'accounts' | 'requests' | 'settings' | 'invites', unknown>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly deliver: Listener) {}

  contactsChanged(upsert: ContactView[], remove: ContactKey[]): void {
    for (const c of upsert) this.contacts.upsert(accountKey(c.account, c.jid), c)
    for (const k of remove) this.contacts.remove(accountKey(k.account, k.jid), { account: k.account, jid: k.jid })
    this.schedule()
  }

  conversationsChanged(upsert: ConversationView[], remove: ChatKey[] = []): void {
    for (const c of upsert) this.conversations.upsert(accountKey(c.account, c.peer), c)
    for (const k of remove) this.conversations.remove(accountKey(k.account, k.peer), { account: k.account, peer: k.peer })
    this.schedule()
  }

  messagesAdded(list: Events['messages']): void {
    this.messages.push(...list)
    this.schedule()
  }

  statesChanged(list: Events['messageStates']): void {
    for (const s of list) this.states.set(`${s.account}\u0000${s.id}`, s)
    this.schedule()
  }

  messagesUpdated(list: Events['messageUpdates']): void {
    for (const m of list) this.updates.set(`${m.account}\u0000${m.peer}\u0000${m.id}`, m)
    this.schedule()
  }

  roomsChanged(upsert: RoomView[], remove: RoomKey[] = []): void {
    for (const r of upsert) this.rooms.upsert(accountKey(r.account, r.room), r)
    for (const k of remove) this.rooms.remove(accountKey(k.account, k.room), { account: k.account, room: k.room })
    this.schedule()
  }

  /** Occupant changes keep their order (a reset then deltas); they are small and per room. */
  occupantsChanged(change: Events['occupants']): void {
    this.occupants.push(change)
    this.schedule()
  }

  transfersChanged(list: Events['transfers']): void {
    for (const t of list) this.transfers.set(t.id, t)
    this.schedule()
  }

  avatarChanged(change: Events['avatars'][number]): void {
    this.avatars.set(`${change.account}\u0000${change.jid}`, change)
    this.schedule()
  }

  notice(n: Events['notices'][number]): void {
    this.notices.push(n)
    this.schedule()
  }

  replace(event: 'accounts' | 'requests' | 'settings' | 'invites', payload: unknown): void {
    this.latest.set(event, payload)
    this.schedule()
  }

  /** Sends everything pending now (also used before answering a call that depends on it). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    for (const [event, payload] of this.latest) this.deliver(event, payload as never)
    this.latest.clear()
    if (this.contacts.size > 0) {
      const { upsert, remove } = this.contacts.take()
      this.deliver('contacts', { upsert: upsert.slice(0, CONTACTS_PER_EVENT), remove })
      for (let i = CONTACTS_PER_EVENT; i < upsert.length; i += CONTACTS_PER_EVENT) {
        this.deliver('contacts', { upsert: upsert.slice(i, i + CONTACTS_PER_EVENT), remove: [] })
      }
    }
    if (this.conversations.size > 0) this.deliver('conversations', this.conversations.take())
    if (this.messages.length > 0) {
      const list = this.messages
      this.messages = []
      this.deliver('messages', list)
    }
    if (this.states.size > 0) {
      const list = [...this.states.values()]
      this.states.clear()
      this.deliver('messageStates', list)
    }
    if (this.updates.size > 0) {
      const list = [...this.updates.values()]
      this.updates.clear()
      this.deliver('messageUpdates', list)
    }
    if (this.rooms.size > 0) this.deliver('rooms', this.rooms.take())
    for (const change of this.occupants.splice(0)) this.deliver('occupants', change)
    if (this.transfers.size > 0) {
      const list = [...this.transfers.values()]
      this.transfers.clear()
      this.deliver('transfers', list)
    }
    if (this.avatars.size > 0) {
      const list = [...this.avatars.values()]
      this.avatars.clear()
      this.deliver('avatars', list)
    }
    if (this.notices.length > 0) {
      const list = this.notices
      this.notices = []
      this.deliver('notices', list)
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS)
  }
}
