import { bare, jidToString, parseJid } from '../../../../shared/jid'
import type { AccountModule, ModuleContext } from '../../account/module'
import { xml, type Element } from '../../xml'
import type { DiscoModule } from '../0030-disco'

export const NS_CARBONS = 'urn:xmpp:carbons:2'
export const NS_FORWARD = 'urn:xmpp:forward:0'

export type CarbonDirection = 'sent' | 'received'
export type CarbonHandler = (inner: Element, direction: CarbonDirection, outer: Element) => void

export type Unwrapped = { direction: CarbonDirection; inner: Element } | { forged: string } | null

/**
 * A carbon's forwarded message, or why it is refused (XEP-0280 §11): only our own bare JID may send
 * carbons (not a full JID, not a contact: CVE-2017-5589 and its siblings), and the forwarded
 * message must really be ours (sent by one of our resources, or addressed to us).
 */
export function unwrapCarbon(message: Element, ownBare: string): Unwrapped {
  const wrapper = message.getChildElements().find((c) => c.attrs.xmlns === NS_CARBONS && (c.name === 'sent' || c.name === 'received'))
  if (!wrapper) return null
  const from = parseJid(String(message.attrs.from ?? ''))
  if (!from || from.resource !== '' || jidToString(from) !== ownBare) return { forged: `carbon from ${String(message.attrs.from ?? '(none)')}` }
  const inner = wrapper.getChild('forwarded', NS_FORWARD)?.getChild('message')
  if (!inner) return { forged: 'carbon without a forwarded message' }
  const direction = wrapper.name as CarbonDirection
  const party = parseJid(String(inner.attrs[direction === 'sent' ? 'from' : 'to'] ?? ''))
  if (!party || jidToString(bare(party)) !== ownBare) return { forged: `carbon ${direction} not ${direction === 'sent' ? 'from' : 'to'} us` }
  return { direction, inner }
}

/** Message carbons (XEP-0280): copies of what our other devices send and receive. */
export class CarbonsModule implements AccountModule {
  private enabled = false

  constructor(
    private readonly ctx: ModuleContext,
    private readonly disco: DiscoModule,
    onCarbon: CarbonHandler
  ) {
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name !== 'message') return next()
      const unwrapped = unwrapCarbon(stanza, ctx.ownBareJid())
      if (unwrapped === null) return next()
      if ('forged' in unwrapped) {
        ctx.log.warn('dropped a forged carbon', { why: unwrapped.forged })
        return undefined
      }
      onCarbon(unwrapped.inner, unwrapped.direction, stanza)
      return undefined
    })
  }

  get active(): boolean {
    return this.enabled
  }

  async online(resumed: boolean): Promise<void> {
    if (resumed && this.enabled) return
    this.enabled = false
    if (!(await this.disco.serverSupports(NS_CARBONS))) return
    await this.ctx.client.iqCaller.set(xml('enable', { xmlns: NS_CARBONS }))
    this.enabled = true
  }

  sessionLost(): void {
    this.enabled = false
  }
}
