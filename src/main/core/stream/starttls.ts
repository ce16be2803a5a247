import { xml, type Element } from '../xml'
import { CoreError } from '../errors'
import { nextElement } from './waitFor'
import type { XmppConnection } from './XmppConnection'

export const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls'
const NS_STREAM = 'http://etherx.jabber.org/streams'
const STEP_TIMEOUT_MS = 15_000

type Middleware = { use: (fn: (ctx: { stanza: Element; entity: XmppConnection }, next: () => Promise<unknown>) => unknown) => void }

/**
 * TLS is not optional (xmpp.js finding #6: it carries on in clear text, SCRAM included). Placed first
 * in the middleware chain: on a stream that is not yet encrypted, features either offer STARTTLS
 * and we upgrade, or the login fails here, before any SASL byte. Nothing else is processed on a
 * clear-text stream.
 */
export function requireTls(middleware: Middleware, onSecuring: () => void): void {
  middleware.use(async ({ stanza, entity }, next) => {
    if (entity.isSecure()) return next()
    if (!stanza.is('features', NS_STREAM)) return undefined
    if (!stanza.getChild('starttls', NS_TLS)) {
      throw new CoreError('tls-required', 'The server does not offer TLS (no STARTTLS in its stream features)')
    }
    onSecuring()
    const answer = nextElement(entity, (el) => el.attrs.xmlns === NS_TLS, STEP_TIMEOUT_MS, 'answer to STARTTLS')
    await entity.send(xml('starttls', { xmlns: NS_TLS }))
    const el = await answer
    if (!el.is('proceed', NS_TLS)) throw new CoreError('tls-failed', 'The server refused STARTTLS')
    const socket = entity.socket
    if (!socket) throw new CoreError('connection-lost', 'Connection closed during STARTTLS')
    await socket.upgrade()
    await entity.restart()
    return undefined
  })
}
