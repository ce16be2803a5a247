import { xml, type Element } from '../../xml'
import type { AccountModule, ModuleContext } from '../../account/module'
import { CoreError } from '../../errors'
import { capsElement, capsVer, NS_CAPS, parseCaps, PARLEY_NODE, type Identity } from '../0115-caps'

export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info'
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items'

export interface DiscoInfo {
  identities: Identity[]
  features: string[]
}

export interface DiscoItem {
  jid: string
  node: string
  name: string
}

export const PARLEY_IDENTITY: Identity = { category: 'client', type: 'pc', name: 'Parley' }

/** Caps verification strings we have checked, shared by all accounts (XEP-0115 §8.4: cache by ver). */
const capsCache = new Map<string, DiscoInfo>()

/**
 * Service discovery (XEP-0030) both ways, and entity capabilities (XEP-0115): answers what Parley
 * supports, asks servers and contacts what they support, and learns contacts' features from their
 * caps hash only after checking that the hash matches what they answered (no cache poisoning).
 */
export class DiscoModule implements AccountModule {
  readonly features = [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_CAPS]
  private readonly sessionCache = new Map<string, Promise<DiscoInfo>>()
  private readonly contactCaps = new Map<string, string>()

  constructor(
    private readonly ctx: ModuleContext,
    private readonly ownFeatures: () => readonly string[]
  ) {
    ctx.client.onGet(NS_DISCO_INFO, 'query', ({ element }) => this.answerInfo(element))
    ctx.client.onGet(NS_DISCO_ITEMS, 'query', () => xml('query', { xmlns: NS_DISCO_ITEMS }))
    ctx.client.use(({ stanza }, next) => {
      if (stanza.name === 'presence') this.noteCaps(stanza)
      return next()
    })
  }

  sessionLost(): void {
    this.sessionCache.clear()
    this.contactCaps.clear()
  }

  /** The caps hash of what Parley supports now. */
  ver(): string {
    return capsVer([PARLEY_IDENTITY], this.ownFeatures())
  }

  /** The <c/> element our presence carries. */
  caps(): Element {
    return capsElement(this.ver())
  }

  /** disco#info of an entity, cached for the session (and, via caps, across sessions). */
  info(jid: string, node?: string): Promise<DiscoInfo> {
    const caps = node === undefined ? this.contactCaps.get(jid) : undefined
    const known = caps ? capsCache.get(caps) : undefined
    if (known) return Promise.resolve(known)
    const key = `${jid}#${node ?? ''}`
    let pending = this.sessionCache.get(key)
    if (!pending) {
      pending = this.fetchInfo(jid, node)
      pending.catch(() => this.sessionCache.delete(key))
      this.sessionCache.set(key, pending)
    }
    return pending
  }

  async items(jid: string, node?: string): Promise<DiscoItem[]> {
    const iq = await this.ctx.client.iqCaller.get(xml('query', { xmlns: NS_DISCO_ITEMS, ...(node ? { node } : {}) }), jid)
    return (iq.getChild('query', NS_DISCO_ITEMS)?.getChildren('item') ?? []).map((i) => ({
      jid: String(i.attrs.jid ?? ''),
      node: String(i.attrs.node ?? ''),
      name: String(i.attrs.name ?? '')
    }))
  }

  /** Whether our server supports a feature; false when it cannot be asked. */
  async serverSupports(feature: string): Promise<boolean> {
    try {
      return (await this.info(this.ctx.domain())).features.includes(feature)
    } catch {
      return false
    }
  }

  /** Whether our own account (PEP, XEP-0163 account features) supports a feature. */
  async accountSupports(feature: string): Promise<boolean> {
    try {
      return (await this.info(this.ctx.ownBareJid())).features.includes(feature)
    } catch {
      return false
    }
  }

  private async fetchInfo(jid: string, node?: string): Promise<DiscoInfo> {
    const iq = await this.ctx.client.iqCaller.get(xml('query', { xmlns: NS_DISCO_INFO, ...(node ? { node } : {}) }), jid)
    const query = iq.getChild('query', NS_DISCO_INFO)
    if (!query) throw new CoreError('bad-input', `disco#info of ${jid} had no query`)
    return parseInfo(query)
  }

  private answerInfo(query: Element): Element {
    const node = typeof query.attrs.node === 'string' ? query.attrs.node : undefined
    if (node !== undefined && node !== `${PARLEY_NODE}#${this.ver()}`) {
      return xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))
    }
    const { category, type, name } = PARLEY_IDENTITY
    return xml(
      'query',
      { xmlns: NS_DISCO_INFO, ...(node ? { node } : {}) },
      xml('identity', { category, type, name }),
      ...[...new Set(this.ownFeatures())].sort().map((f) => xml('feature', { var: f }))
    )
  }

  /** Remember a contact's caps; learn the features behind an unknown hash in the background. */
  private noteCaps(presence: Element): void {
    const from = String(presence.attrs.from ?? '')
    const caps = parseCaps(presence)
    if (!from || !caps || caps.hash !== 'sha-1') return
    this.contactCaps.set(from, caps.ver)
    if (capsCache.has(caps.ver) || !this.ctx.isOnline()) return
    this.fetchInfo(from, `${caps.node}#${caps.ver}`)
      .then((info) => {
        if (capsVer(info.identities, info.features) === caps.ver) capsCache.set(caps.ver, info)
      })
      .catch(() => undefined)
  }
}

export function parseInfo(query: Element): DiscoInfo {
  return {
    identities: query.getChildren('identity').map((i) => ({
      category: String(i.attrs.category ?? ''),
      type: String(i.attrs.type ?? ''),
      name: String(i.attrs.name ?? ''),
      ...(typeof i.attrs['xml:lang'] === 'string' ? { lang: i.attrs['xml:lang'] } : {})
    })),
    features: query.getChildren('feature').map((f) => String(f.attrs.var ?? ''))
  }
}
