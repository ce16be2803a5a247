import type { Element } from '../../xml'
import { bare, jidToString, parseJid } from '../../../../shared/jid'
import type { OwnPresence, ResourcePresence } from '../../../../shared/model/presence'
import type { SubscriptionRequest } from '../../../../shared/model/roster'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError } from '../../errors'
import { stanzaError } from '../../stream/IqCaller'
import { aggregate } from './aggregate'
import { ownPresence, subscriptionPresence, type SubscriptionType } from './build'
import { nickOf, parseAvailable, presenceKind, statusText } from './parse'

const MAX_PENDING = 500

/**
 * Presence (RFC 6121 §3–4): our own (show, status, priority, with entity capabilities), contacts'
 * presence aggregated over their resources, and subscription requests in both directions.
 */
export class PresenceModule implements AccountModule {
  private own: OwnPresence = { show: 'available', status: '', priority: 0 }
  private readonly contacts = new Map<string, Map<string, ResourcePresence>>()
  private readonly errors = new Map<string, string>()
  private readonly pending = new Map<string, SubscriptionRequest>()

  constructor(
    private readonly ctx: ModuleContext,
    private readonly decorate: () => Element[]
  ) {
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name !== 'presence') return next()
      this.onPresence(stanza)
      return undefined
    })
  }

  /** Initial presence (RFC 6121 §4.2) on a new session; a resumed one still has it. */
  async online(resumed: boolean): Promise<void> {
    if (!resumed) await this.broadcast()
  }

  sessionLost(): void {
    const jids = [...this.contacts.keys()]
    this.contacts.clear()
    this.errors.clear()
    for (const jid of jids) this.ctx.emit('presence', { account: this.ctx.account, presence: aggregate(jid, []) })
  }

  ownPresence(): OwnPresence {
    return { ...this.own }
  }

  /** Sets our show/status/priority; sent at once when online, else on the next login. */
  async setOwn(p: OwnPresence): Promise<void> {
    this.own = { show: p.show, status: p.status.slice(0, 4096), priority: Math.max(-128, Math.min(127, Math.trunc(p.priority))) }
    this.ctx.emit('ownPresence', { account: this.ctx.account, presence: this.ownPresence() })
    if (this.ctx.isOnline() && this.own.show !== 'offline') await this.broadcast()
  }

  /** Re-announces our presence, e.g. after our capabilities changed. */
  async broadcast(): Promise<void> {
    if (this.own.show === 'offline') return
    await this.ctx.client.send(ownPresence(this.own, this.decorate()))
  }

  contact(jid: string) {
    return aggregate(jid, [...(this.contacts.get(jid)?.values() ?? [])], this.errors.get(jid))
  }

  pendingRequests(): SubscriptionRequest[] {
    return [...this.pending.values()]
  }

  /** Ask to see the contact's presence (RFC 6121 §3.1.1). */
  subscribe(jid: string, opts: { message?: string; nick?: string } = {}): Promise<void> {
    return this.sendSubscription(jid, 'subscribe', opts)
  }

  /** Let the contact see our presence: approve their request, or pre-approve (§3.4). */
  approve(jid: string): Promise<void> {
    this.dropPending(jid)
    return this.sendSubscription(jid, 'subscribed')
  }

  /** Refuse a request, or revoke a subscription we granted (§3.2.1 / §3.2). */
  deny(jid: string): Promise<void> {
    this.dropPending(jid)
    return this.sendSubscription(jid, 'unsubscribed')
  }

  /** Stop seeing the contact's presence, or cancel our pending request (§3.3). */
  unsubscribe(jid: string): Promise<void> {
    return this.sendSubscription(jid, 'unsubscribe')
  }

  private async sendSubscription(jid: string, type: SubscriptionType, opts: { message?: string; nick?: string } = {}): Promise<void> {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
    await this.ctx.client.send(subscriptionPresence(jid, type, opts))
  }

  private dropPending(jid: string): void {
    this.pending.delete(jid)
  }

  private onPresence(stanza: Element): void {
    const from = parseJid(String(stanza.attrs.from ?? ''))
    if (!from) return
    const jid = jidToString(bare(from))
    const kind = presenceKind(stanza)
    switch (kind) {
      case 'available':
      case 'unavailable':
        if (jid === this.ctx.ownBareJid()) return // our other devices: not a contact
        this.updateResource(jid, from.resource, kind === 'available' ? parseAvailable(stanza, from.resource) : null)
        return
      case 'error':
        this.errors.set(jid, stanzaError(stanza).detail)
        this.emitContact(jid)
        return
      case 'subscribe':
        this.onRequest(jid, stanza)
        return
      case 'subscribed':
      case 'unsubscribed':
      case 'unsubscribe':
        this.onSubscriptionChange(jid, kind)
        return
      case 'probe':
      case 'invalid':
        return
    }
  }

  private updateResource(jid: string, resource: string, state: ResourcePresence | null): void {
    let resources = this.contacts.get(jid)
    if (state) {
      if (!resources) this.contacts.set(jid, (resources = new Map()))
      resources.set(resource, state)
    } else if (resource === '') {
      this.contacts.delete(jid)
    } else {
      resources?.delete(resource)
      if (resources?.size === 0) this.contacts.delete(jid)
    }
    this.errors.delete(jid)
    this.emitContact(jid)
  }

  private emitContact(jid: string): void {
    this.ctx.emit('presence', { account: this.ctx.account, presence: this.contact(jid) })
  }

  private onRequest(jid: string, stanza: Element): void {
    if (jid === this.ctx.ownBareJid()) return
    if (!this.pending.has(jid) && this.pending.size >= MAX_PENDING) return // a flood of requests: keep the first ones
    const request: SubscriptionRequest = { jid, nick: nickOf(stanza), message: statusText(stanza).slice(0, 1024), at: Date.now() }
    this.pending.set(jid, request)
    this.ctx.emit('subscriptionRequest', { account: this.ctx.account, request })
  }

  private onSubscriptionChange(jid: string, kind: 'subscribed' | 'unsubscribed' | 'unsubscribe'): void {
    // An `unsubscribed` after their own request means they withdrew it.
    if (kind === 'unsubscribe' && this.pending.delete(jid)) {
      this.ctx.emit('subscription', { account: this.ctx.account, jid, change: 'request-cancelled' })
      return
    }
    this.ctx.emit('subscription', { account: this.ctx.account, jid, change: kind })
  }
}
