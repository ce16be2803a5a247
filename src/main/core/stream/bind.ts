import { randomBytes } from 'node:crypto'
import { xml, type Element } from '../xml'
import { bare, jidToString, parseJid } from '../../../shared/jid'
import { CoreError } from '../errors'
import type { IqCaller } from './IqCaller'
import type { XmppConnection } from './XmppConnection'

export const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind'
const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session'
const NS_SM = 'urn:xmpp:sm:3'

type StreamFeatures = {
  use: (name: string, ns: string, fn: (ctx: { stanza: Element; entity: XmppConnection }, next: () => Promise<unknown>, feature: Element) => unknown) => void
}

/** A resource that says which program this is, but not which machine (no hostname leak). */
export function randomResource(): string {
  return `parley.${randomBytes(4).toString('hex')}`
}

/**
 * Resource binding (RFC 6120 §7). The bound JID must belong to the account we logged in as; a
 * <conflict/> (our resource is taken) is retried once with a fresh random resource.
 */
export function bindResource(
  streamFeatures: StreamFeatures,
  iqCaller: IqCaller,
  opts: { resource: () => string; accountJid: () => string }
): void {
  streamFeatures.use('bind', NS_BIND, async ({ stanza, entity }, next) => {
    const jid = await bindOnce(iqCaller, opts.resource()).catch((err: unknown) => {
      if (err instanceof CoreError && err.condition === 'conflict') return bindOnce(iqCaller, randomResource())
      throw err
    })
    const parsed = parseJid(jid)
    const expected = parseJid(opts.accountJid())
    if (!parsed || !parsed.resource || !expected || jidToString(bare(parsed)) !== jidToString(bare(expected))) {
      throw new CoreError('bad-input', `The server bound an unexpected address: ${jid}`)
    }
    entity._jid(jidToString(parsed))
    const session = stanza.getChild('session', NS_SESSION)
    if (session && !session.getChild('optional')) await iqCaller.set(xml('session', { xmlns: NS_SESSION }))
    // With stream management offered, its handler announces "online" once it has enabled it.
    if (!stanza.getChild('sm', NS_SM)) entity._ready(false)
    await next()
  })
}

async function bindOnce(iqCaller: IqCaller, resource: string): Promise<string> {
  const result = await iqCaller.set(xml('bind', { xmlns: NS_BIND }, resource ? xml('resource', {}, resource) : undefined))
  const jid = result.getChild('bind', NS_BIND)?.getChildText('jid')
  if (!jid) throw new CoreError('bad-input', 'The server answered resource binding without a JID')
  return jid
}
