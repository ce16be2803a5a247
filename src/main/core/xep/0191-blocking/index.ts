import { xml, type Element } from '../../xml'
import { bare, jidToString, parseJid } from '../../../../shared/jid'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError } from '../../errors'
import { bareOfString } from '../../stream/IqCaller'
import type { DiscoModule } from '../0030-disco'

export const NS_BLOCKING = 'urn:xmpp:blocking'

function parseItems(el: Element | undefined): string[] {
  return (el?.getChildren('item') ?? [])
    .map((i) => parseJid(String(i.attrs.jid ?? '')))
    .filter((j) => j !== null)
    .map((j) => jidToString(j))
}

/**
 * Blocking (XEP-0191): the block list, block and unblock, and the server's pushes (accepted only from
 * our own account). A server without the feature gives a typed `unsupported` error.
 */
export class BlockingModule implements AccountModule {
  private list = new Set<string>()
  private supported: boolean | null = null

  constructor(
    private readonly ctx: ModuleContext,
    private readonly disco: DiscoModule
  ) {
    for (const name of ['block', 'unblock'] as const) {
      ctx.client.onSet(NS_BLOCKING, name, ({ stanza, element }) => {
        const from = typeof stanza.attrs.from === 'string' ? stanza.attrs.from : ''
        if (from !== '' && bareOfString(from) !== ctx.ownBareJid()) return undefined
        this.applyPush(name, parseItems(element))
        return true
      })
    }
  }

  async online(resumed: boolean): Promise<void> {
    if (resumed && this.supported !== null) return
    this.supported = await this.disco.serverSupports(NS_BLOCKING)
    if (!this.supported) return
    const iq = await this.ctx.client.iqCaller.get(xml('blocklist', { xmlns: NS_BLOCKING }))
    this.list = new Set(parseItems(iq.getChild('blocklist', NS_BLOCKING)))
    this.emit()
  }

  sessionLost(): void {
    this.supported = null
  }

  blocked(): string[] {
    return [...this.list]
  }

  isBlocked(jid: string): boolean {
    const parsed = parseJid(jid)
    if (!parsed) return false
    return this.list.has(jidToString(parsed)) || this.list.has(jidToString(bare(parsed))) || this.list.has(parsed.domain)
  }

  async block(jids: readonly string[]): Promise<void> {
    await this.change('block', jids)
  }

  /** Unblocks the given JIDs; with none, unblocks everyone (XEP-0191 §3.4). */
  async unblock(jids: readonly string[]): Promise<void> {
    await this.change('unblock', jids)
  }

  private async change(name: 'block' | 'unblock', jids: readonly string[]): Promise<void> {
    if (!this.ctx.isOnline()) throw new CoreError('not-connected', 'The account is not connected')
    if (this.supported === null) this.supported = await this.disco.serverSupports(NS_BLOCKING)
    if (!this.supported) throw new CoreError('unsupported', 'This server does not support blocking (XEP-0191)')
    const items = jids.map((j) => {
      const parsed = parseJid(j)
      if (!parsed) throw new CoreError('invalid-argument', `Not a valid address: ${j}`)
      return xml('item', { jid: jidToString(parsed) })
    })
    if (name === 'block' && items.length === 0) throw new CoreError('invalid-argument', 'Nothing to block')
    await this.ctx.client.iqCaller.set(xml(name, { xmlns: NS_BLOCKING }, ...items))
    // Prosody does not push the change back to the resource that made it (ejabberd does): apply it here too.
    this.applyPush(name, items.map((i) => String(i.attrs.jid)))
  }

  private applyPush(name: 'block' | 'unblock', jids: string[]): void {
    if (name === 'block') for (const j of jids) this.list.add(j)
    else if (jids.length === 0) this.list.clear()
    else for (const j of jids) this.list.delete(j)
    this.emit()
  }

  private emit(): void {
    this.ctx.emit('blocklist', { account: this.ctx.account, jids: this.blocked() })
  }
}
