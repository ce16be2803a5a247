// A ModuleContext over a fake stream: stanzas go in through the same middleware chain the real
// client runs (in registration order, each calling next() to pass on), IQ requests are answered by
// a responder the test sets, and sent stanzas and emitted events are recorded.
import type { ModuleContext } from '../../../../../../src/main/core/account/module'
import type { XmppClient } from '../../../../../../src/main/core/account/XmppClient'
import { CoreError } from '../../../../../../src/main/core/errors'
import { silentLogger } from '../../../../../../src/main/core/log'
import { stanzaError } from '../../../../../../src/main/core/stream/IqCaller'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import { asAccountId } from '../../../../../../src/shared/model/ids'

type Handler = (ctx: { stanza: Element }, next: () => Promise<unknown>) => unknown
export type Responder = (iq: Element) => Element | Promise<Element>

export const OWN = 'me@example.org'
export const ACCOUNT = asAccountId('acc-1')

export interface Fake {
  ctx: any
  sent: Element[]
  iqs: Element[]
  events: { name: string; payload: Record<string, unknown> }[]
  online: boolean
  respond: Responder
  /** Runs a stanza through the middleware; true when a module consumed it (nobody called next). */
  input(stanza: Element): Promise<boolean>
  eventsNamed<T = Record<string, unknown>>(name: string): T[]
  clear(): void
}

export function fakeContext(): Fake {
  const handlers: Handler[] = []
  const fake: Fake = {
    ctx: undefined,
    sent: [],
    iqs: [],
    events: [],
    online: true,
    respond: (iq) => errorReply(iq, 'service-unavailable'),
    async input(stanza) {
      let passed = false
      const dispatch = async (i: number): Promise<unknown> => {
        const h = handlers[i]
        if (!h) {
          passed = true
          return undefined
        }
        return h({ stanza }, () => dispatch(i + 1))
      }
      await dispatch(0)
      return !passed
    },
    eventsNamed<T>(name: string) {
      return fake.events.filter((e) => e.name === name).map((e) => e.payload as T)
    },
    clear() {
      fake.sent.length = 0
      fake.iqs.length = 0
      fake.events.length = 0
    }
  }
  const request = async (iq: Element): Promise<Element> => {
    iq.attrs.id = `iq${fake.iqs.length + 1}`
    fake.iqs.push(iq)
    const reply = await fake.respond(iq)
    if (reply.attrs.type === 'error') throw stanzaError(reply)
    return reply
  }
  const client = {
    use: (h: Handler) => void handlers.push(h),
    onGet: () => undefined,
    onSet: () => undefined,
    send: async (el: Element) => {
      if (!fake.online) throw new CoreError('not-connected', 'offline')
      fake.sent.push(el)
    },
    sendMany: async (els: Element[]) => void fake.sent.push(...els),
    iqCaller: {
      request,
      get: (child: Element, to?: string) => request(xml('iq', { type: 'get', ...(to ? { to } : {}) }, child)),
      set: (child: Element, to?: string) => request(xml('iq', { type: 'set', ...(to ? { to } : {}) }, child))
    },
    sm: { isQueued: () => false }
  }
  const ctx: Omit<ModuleContext, 'emit'> & { emit: (...args: unknown[]) => void } = {
    account: ACCOUNT,
    client: client as unknown as XmppClient,
    emit: (name, payload) => void fake.events.push({ name: name as string, payload: payload as Record<string, unknown> }),
    log: silentLogger,
    ownBareJid: () => OWN,
    domain: () => 'example.org',
    isOnline: () => fake.online
  }
  fake.ctx = ctx
  return fake
}

export function resultReply(iq: Element, ...children: Element[]): Element {
  return xml('iq', { type: 'result', id: String(iq.attrs.id), ...(iq.attrs.to ? { from: String(iq.attrs.to) } : {}) }, ...children)
}

export function errorReply(iq: Element, condition: string, type = 'cancel'): Element {
  return xml(
    'iq',
    { type: 'error', id: String(iq.attrs.id) },
    xml('error', { type }, xml(condition, { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))
  )
}

/** Lets pending promise callbacks (an awaited IQ, then a send) run. */
export const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve()
  await new Promise((r) => setImmediate(r))
}
