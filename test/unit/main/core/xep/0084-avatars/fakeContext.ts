// A ModuleContext without a network: the test plays the server by answering IQs (`server`) and
// delivering stanzas (`deliver`), and reads what the module sent and emitted.
import { parse as ltxParse } from 'ltx'
import type { ModuleContext } from '../../../../../../src/main/core/account/module'
import type { IncomingHandler, IqHandler } from '../../../../../../src/main/core/account/XmppClient'
import { CoreError } from '../../../../../../src/main/core/errors'
import { silentLogger } from '../../../../../../src/main/core/log'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import type { AccountId } from '../../../../../../src/shared/model/ids'

/** Answers one IQ: a payload child (wrapped into a result), null for an empty result, or throws. */
export type FakeServer = (iq: Element) => Element | null | Promise<Element | null>

export interface Fake {
  ctx: ModuleContext
  sent: Element[]
  iqs: Element[]
  events: { name: string; payload: Record<string, unknown> }[]
  server: FakeServer
  online: boolean
  deliver(stanza: Element | string): Promise<void>
}

export function stanzaError(condition: string, text = ''): CoreError {
  return new CoreError('stanza-error', text ? `${condition}: ${text}` : condition, { condition })
}

export function fakeContext(own = 'me@example.org', domain = 'example.org'): Fake {
  const handlers: IncomingHandler[] = []
  const fake: Fake = {
    sent: [],
    iqs: [],
    events: [],
    online: true,
    server: () => {
      throw stanzaError('service-unavailable')
    },
    async deliver(stanza) {
      const el = typeof stanza === 'string' ? parse(stanza) : stanza
      let i = 0
      const next = async (): Promise<unknown> => {
        const h = handlers[i++]
        return h ? h({ stanza: el, entity: undefined as never, from: null }, next) : undefined
      }
      await next()
    },
    ctx: undefined as unknown as ModuleContext
  }
  const request = async (iq: Element): Promise<Element> => {
    fake.iqs.push(iq)
    const payload = await fake.server(iq)
    return xml('iq', { type: 'result', ...(iq.attrs.to ? { from: String(iq.attrs.to) } : {}) }, payload)
  }
  const iqCaller = {
    request,
    get: (child: Element, to?: string) => request(xml('iq', { type: 'get', ...(to ? { to } : {}) }, child)),
    set: (child: Element, to?: string) => request(xml('iq', { type: 'set', ...(to ? { to } : {}) }, child))
  }
  const client = {
    use: (h: IncomingHandler) => handlers.push(h),
    onGet: (_ns: string, _name: string, _h: IqHandler) => undefined,
    onSet: (_ns: string, _name: string, _h: IqHandler) => undefined,
    iqCaller,
    send: async (el: Element) => {
      fake.sent.push(el)
    },
    sm: { on: () => undefined }
  }
  fake.ctx = {
    account: 'acc-1' as AccountId,
    client: client as never,
    emit: ((name: string, payload: Record<string, unknown>) => fake.events.push({ name, payload })) as never,
    log: silentLogger,
    ownBareJid: () => own,
    domain: () => domain,
    isOnline: () => fake.online
  }
  return fake
}

/**
 * XML text as @xmpp/xml elements. ltx's `parse` builds elements of another copy of its Element
 * class (CJS entry), which `getChildElements()` of ours would not see as elements: rebuild them.
 */
export function parse(s: string): Element {
  type Node = { name: string; attrs: Record<string, string>; children: (Node | string)[] }
  const rebuild = (n: Node): Element => xml(n.name, { ...n.attrs }, ...n.children.map((c) => (typeof c === 'string' ? c : rebuild(c))))
  return rebuild(ltxParse(s) as unknown as Node)
}

/** The first child element of an IQ (what the module asked for). */
export function payloadOf(iq: Element): Element {
  const child = iq.getChildElements()[0]
  if (!child) throw new Error('empty iq')
  return child
}

/** Waits for the module's background work (IQ answers and cache file I/O on the thread pool). */
export async function settle(times = 25): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 2))
}
