import iqCallee from '@xmpp/iq/callee.js'
import middlewareFactory from '@xmpp/middleware'
import streamFeaturesFactory from '@xmpp/stream-features'
import type { Element } from '../xml'
import type { ScramKeys } from '../sasl/scram'
import { bindResource } from '../stream/bind'
import { IqCaller } from '../stream/IqCaller'
import { sasl } from '../stream/sasl'
import { requireTls } from '../stream/starttls'
import { XmppConnection } from '../stream/XmppConnection'
import { StreamManagement } from '../xep/0198-stream-management'

const NS_STREAM = 'http://etherx.jabber.org/streams'

export interface XmppClientOptions {
  domain: string
  accountJid: string
  lang?: string
  resource: () => string
  credentials: () => { username: string; password: string }
  beforeAuth?: () => Promise<void>
  onSecuring: () => void
  onMechanism: (mechanism: string) => void
  keyCache?: { get: () => ScramKeys | undefined; set: (keys: ScramKeys) => void }
}

export type IncomingHandler = (ctx: { stanza: Element; entity: XmppConnection; from: { toString(): string } | null }, next: () => Promise<unknown>) => unknown
export type IqHandler = (ctx: { stanza: Element; element: Element; from: { toString(): string } | null }) => Element | boolean | undefined | Promise<Element | boolean | undefined>


/**
 * One account's XMPP plumbing, composed like @xmpp/client but from Parley's parts where xmpp.js is
 * not safe enough: TLS required first, Parley's SASL (with registration before it), checked IQ
 * replies; xmpp.js's middleware, stream features, IQ callee and stream management (XEP-0198) kept.
 * The same instance lives across reconnects so that stream management can resume the session.
 */
export class XmppClient {
  readonly entity: XmppConnection
  readonly iqCaller: IqCaller
  readonly sm: StreamManagement
  private readonly middleware: ReturnType<typeof middlewareFactory<XmppConnection>>
  private readonly callee: ReturnType<typeof iqCallee<XmppConnection>>

  constructor(options: XmppClientOptions) {
    const entity = new XmppConnection({ domain: options.domain, ...(options.lang ? { lang: options.lang } : {}) })
    entity.accountJid = options.accountJid
    this.entity = entity
    const middleware = middlewareFactory({ entity })
    this.middleware = middleware
    middleware.use(({ stanza }, next) => {
      if (stanza.is('features', NS_STREAM)) this.features = stanza
      return next()
    })
    requireTls(middleware as never, options.onSecuring)
    const streamFeatures = streamFeaturesFactory({ middleware })
    // Stream management right after the TLS guard: its counter of handled stanzas ('h') must see
    // every stanza, including the IQ results and presences that later middleware consumes. Its
    // feature handler resumes a previous session instead of binding, or binds (next) and then enables.
    this.sm = new StreamManagement(entity, middleware as never, streamFeatures as never)
    this.iqCaller = new IqCaller(entity, middleware as never)
    sasl(streamFeatures as never, {
      credentials: options.credentials,
      beforeAuth: options.beforeAuth,
      onMechanism: options.onMechanism,
      keyCache: options.keyCache
    })
    bindResource(streamFeatures as never, this.iqCaller, { resource: options.resource, accountJid: () => options.accountJid })
    this.callee = iqCallee({ middleware, entity })
  }

  /** The last stream features the server sent (after authentication: the session features). */
  private features: Element | null = null

  hasStreamFeature(name: string, ns: string): boolean {
    return this.features?.getChild(name, ns) !== undefined
  }

  /** Incoming stanzas, after the stream-level checks. Call `next()` to pass them on. */
  use(handler: IncomingHandler): void {
    this.middleware.use(handler as never)
  }

  /** Answer IQ get/set requests for one payload; return an element, true (empty result) or nothing (service-unavailable). */
  onGet(ns: string, name: string, handler: IqHandler): void {
    this.callee.get(ns, name, handler as never)
  }

  onSet(ns: string, name: string, handler: IqHandler): void {
    this.callee.set(ns, name, handler as never)
  }

  send(element: Element): Promise<void> {
    return this.entity.send(element)
  }

  sendMany(elements: Element[]): Promise<void> {
    return this.entity.sendMany(elements)
  }
}
