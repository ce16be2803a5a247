import { EventEmitter } from 'node:events'
import type { ContactKey, ContactView, SubscriptionRequestView } from '../../../shared/ipc/contract'
import type { AccountId } from '../../../shared/model/ids'
import type { ContactPresence } from '../../../shared/model/presence'
import type { RosterItem } from '../../../shared/model/roster'
import type { Core } from '../createCore'
import { consistentColor } from '../xep/0392-colors'

export interface ContactChanges {
  upsert: ContactView[]
  remove: ContactKey[]
}

const keyOf = (account: AccountId, jid: string): string => `${account}\u0000${jid}`

/**
 * The contact list as the user sees it: every account's roster joined with presence and the block
 * list, kept current from the core's events. It is what the UI renders; protocol state stays in
 * the account modules.
 */
export class ContactsService extends EventEmitter<{ changes: [ContactChanges]; requests: [SubscriptionRequestView[]] }> {
  private readonly contacts = new Map<string, ContactView>()
  private readonly presence = new Map<string, ContactPresence>()
  private readonly blocked = new Map<AccountId, Set<string>>()
  private readonly pending = new Map<string, SubscriptionRequestView>()
  private readonly avatars = new Map<string, string>()

  constructor(private readonly core: Core) {
    super()
    const { events } = core
    events.on('roster', ({ account, items }) => this.replaceRoster(account, items))
    events.on('rosterItem', (e) => ('item' in e ? this.upsert(e.account, e.item) : this.removeOne(e.account, e.removed)))
    events.on('presence', ({ account, presence }) => this.onPresence(account, presence))
    events.on('blocklist', ({ account, jids }) => this.onBlocklist(account, jids))
    events.on('subscriptionRequest', ({ account, request }) => {
      this.pending.set(keyOf(account, request.jid), { account, ...request })
      this.emitRequests()
    })
    events.on('avatar', ({ account, jid, hash }) => {
      const key = keyOf(account, jid)
      if (hash) this.avatars.set(key, hash)
      else this.avatars.delete(key)
      const c = this.contacts.get(key)
      if (!c || c.avatar === hash) return
      const next = { ...c, avatar: hash }
      this.contacts.set(key, next)
      this.emit('changes', { upsert: [next], remove: [] })
    })
    events.on('subscription', ({ account, jid, change }) => {
      if (change === 'request-cancelled' && this.pending.delete(keyOf(account, jid))) this.emitRequests()
    })
  }

  list(): ContactView[] {
    return [...this.contacts.values()]
  }

  requests(): SubscriptionRequestView[] {
    return [...this.pending.values()]
  }

  blockedList(): ContactKey[] {
    return [...this.blocked].flatMap(([account, jids]) => [...jids].map((jid) => ({ account, jid })))
  }

  get(account: AccountId, jid: string): ContactView | undefined {
    return this.contacts.get(keyOf(account, jid))
  }

  avatarOf(account: AccountId, jid: string): string | null {
    return this.avatars.get(keyOf(account, jid)) ?? null
  }

  /** The name to show for a JID: roster name, else its local part, else the JID. */
  nameOf(account: AccountId, jid: string): string {
    return this.get(account, jid)?.name ?? defaultName(jid)
  }

  resolveRequest(account: AccountId, jid: string): void {
    if (this.pending.delete(keyOf(account, jid))) this.emitRequests()
  }

  /** An account was removed: its contacts and requests go with it. */
  dropAccount(account: AccountId): void {
    const remove: ContactKey[] = []
    for (const [key, c] of this.contacts) {
      if (c.account !== account) continue
      this.contacts.delete(key)
      this.presence.delete(key)
      remove.push({ account, jid: c.jid })
    }
    this.blocked.delete(account)
    for (const [key, r] of this.pending) if (r.account === account) this.pending.delete(key)
    if (remove.length > 0) this.emit('changes', { upsert: [], remove })
    this.emitRequests()
  }

  private replaceRoster(account: AccountId, items: RosterItem[]): void {
    const keep = new Set(items.map((i) => keyOf(account, i.jid)))
    const remove: ContactKey[] = []
    for (const [key, c] of this.contacts) {
      if (c.account === account && !keep.has(key)) {
        this.contacts.delete(key)
        remove.push({ account, jid: c.jid })
      }
    }
    const upsert = items.map((i) => this.build(account, i))
    for (const c of upsert) this.contacts.set(keyOf(account, c.jid), c)
    this.emit('changes', { upsert, remove })
  }

  private upsert(account: AccountId, item: RosterItem): void {
    const c = this.build(account, item)
    this.contacts.set(keyOf(account, c.jid), c)
    this.emit('changes', { upsert: [c], remove: [] })
  }

  private removeOne(account: AccountId, jid: string): void {
    if (!this.contacts.delete(keyOf(account, jid))) return
    this.emit('changes', { upsert: [], remove: [{ account, jid }] })
  }

  private onPresence(account: AccountId, presence: ContactPresence): void {
    const key = keyOf(account, presence.jid)
    this.presence.set(key, presence)
    const c = this.contacts.get(key)
    if (!c || (c.show === presence.show && c.status === presence.status)) return
    const next = { ...c, show: presence.show, status: presence.status }
    this.contacts.set(key, next)
    this.emit('changes', { upsert: [next], remove: [] })
  }

  private onBlocklist(account: AccountId, jids: string[]): void {
    const set = new Set(jids)
    this.blocked.set(account, set)
    const upsert: ContactView[] = []
    for (const [key, c] of this.contacts) {
      if (c.account !== account || c.blocked === set.has(c.jid)) continue
      const next = { ...c, blocked: set.has(c.jid) }
      this.contacts.set(key, next)
      upsert.push(next)
    }
    if (upsert.length > 0) this.emit('changes', { upsert, remove: [] })
  }

  private build(account: AccountId, item: RosterItem): ContactView {
    const key = keyOf(account, item.jid)
    const p = this.presence.get(key)
    return {
      account,
      jid: item.jid,
      name: item.name || defaultName(item.jid),
      subscription: item.subscription,
      pendingOut: item.pendingOut,
      groups: item.groups,
      show: p?.show ?? 'offline',
      status: p?.status ?? '',
      blocked: this.blocked.get(account)?.has(item.jid) ?? false,
      color: consistentColor(item.jid),
      avatar: this.avatars.get(key) ?? null
    }
  }

  private emitRequests(): void {
    this.emit('requests', this.requests())
  }
}

function defaultName(jid: string): string {
  const at = jid.indexOf('@')
  return at > 0 ? jid.slice(0, at) : jid
}
