import type { Element } from '../../xml'
import type { RosterItem } from '../../../../shared/model/roster'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError } from '../../errors'
import { rosterGet, rosterRemove, rosterSet } from './build'
import { NS_ROSTER, parseItem, parseRosterResult } from './parse'
import { bareOfString } from '../../stream/IqCaller'

/**
 * The roster (RFC 6121 §2): fetched on each new session with roster versioning (§2.6) so an
 * unchanged roster costs one empty answer; pushes applied only when they come from our own account
 * (§2.1.6: a push from anyone else is an attack, CVE-2015-8688 and friends).
 */
export class RosterModule implements AccountModule {
  private items = new Map<string, RosterItem>()
  private ver: string | null = null
  private loaded = false

  constructor(private readonly ctx: ModuleContext) {
    ctx.client.onSet(NS_ROSTER, 'query', ({ stanza, element }) => {
      const from = typeof stanza.attrs.from === 'string' ? stanza.attrs.from : ''
      if (from !== '' && bareOfString(from) !== ctx.ownBareJid()) {
        ctx.log.warn('roster push from a foreign JID ignored', { from })
        return undefined // → service-unavailable
      }
      this.applyPush(element)
      return true
    })
  }

  async online(resumed: boolean): Promise<void> {
    if (resumed && this.loaded) return
    await this.fetch()
  }

  all(): RosterItem[] {
    return [...this.items.values()]
  }

  get(jid: string): RosterItem | undefined {
    return this.items.get(jid)
  }

  /** Adds or updates a contact (name and groups). The server pushes the result back to us. */
  async set(jid: string, name: string, groups: readonly string[]): Promise<void> {
    this.requireOnline()
    await this.ctx.client.iqCaller.set(rosterSet(jid, name, groups))
  }

  async remove(jid: string): Promise<void> {
    this.requireOnline()
    await this.ctx.client.iqCaller.set(rosterRemove(jid))
  }

  private async fetch(): Promise<void> {
    // RFC 6121 §2.6.2: send `ver` only to a server that announced roster versioning.
    const versioning = this.ctx.client.hasStreamFeature('ver', 'urn:xmpp:features:rosterver')
    const iq = await this.ctx.client.iqCaller.get(rosterGet(versioning ? (this.loaded ? this.ver ?? '' : '') : null))
    const { ver, items } = parseRosterResult(iq)
    if (items !== null) this.items = new Map(items.map((i) => [i.jid, i]))
    if (ver !== null) this.ver = ver
    this.loaded = true
    this.ctx.emit('roster', { account: this.ctx.account, items: this.all() })
  }

  private applyPush(query: Element): void {
    const items = query.getChildren('item')
    // RFC 6121 §2.1.6: a push carries exactly one item.
    if (items.length !== 1 || !items[0]) return
    const item = parseItem(items[0])
    if (!item) return
    if (typeof query.attrs.ver === 'string') this.ver = query.attrs.ver
    if (item.subscription === 'remove') {
      this.items.delete(item.jid)
      this.ctx.emit('rosterItem', { account: this.ctx.account, removed: item.jid })
    } else {
      this.items.set(item.jid, item)
      this.ctx.emit('rosterItem', { account: this.ctx.account, item })
    }
  }

  private requireOnline(): void {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
  }
}
