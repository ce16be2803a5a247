import { randomUUID } from 'node:crypto'
import { xml, type Element } from '../xml'
import { parseJid, jidToString, bare } from '../../../shared/jid'
import { CoreError } from '../errors'
import type { XmppConnection } from './XmppConnection'

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
const DEFAULT_TIMEOUT_MS = 30_000

interface Pending {
  resolve: (iq: Element) => void
  reject: (err: CoreError) => void
  /** Normalised JID the answer must come from; '' = our server or own bare JID (request had no `to`). */
  expect: string
  timer: NodeJS.Timeout
}

type Middleware = { use: (fn: (ctx: { stanza: Element }, next: () => Promise<unknown>) => unknown) => void }

/**
 * IQ requests with the checks xmpp.js 0.14 leaves out (finding #8): ids are random UUIDs and a
 * reply counts only if it comes from the entity we asked (or, for a request without `to`, from our
 * server or our own bare JID). Anything else with a matching id is ignored: a forged result from a
 * contact cannot answer a roster or blocklist query.
 */
export class IqCaller {
  private readonly pending = new Map<string, Pending>()

  constructor(
    private readonly entity: XmppConnection,
    middleware: Middleware
  ) {
    middleware.use((ctx, next) => (this.route(ctx.stanza) ? undefined : next()))
    entity.on('offline', () => this.rejectAll(new CoreError('not-connected', 'Signed out')))
  }

  /** Sends an `<iq/>` and resolves with the whole result `<iq/>`; a type=error reply rejects. */
  async request(iq: Element, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Element> {
    const id = randomUUID()
    iq.attrs.id = id
    const to = typeof iq.attrs.to === 'string' ? iq.attrs.to : ''
    const expect = to === '' ? '' : normalise(to)
    const answer = new Promise<Element>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new CoreError('timeout', `No answer to ${describe(iq)} within ${timeoutMs / 1000} s`))
      }, timeoutMs)
      this.pending.set(id, { resolve, reject, expect, timer })
    })
    // A timeout or `offline` may reject `answer` while the send below is still in progress, before
    // anyone awaits it: mark it handled so that Node does not report (or crash on) an unhandled
    // rejection. The caller still gets the rejection through `return answer`.
    answer.catch(() => undefined)
    try {
      await this.entity.send(iq)
    } catch (err) {
      this.settle(id)
      throw err
    }
    return answer
  }

  get(child: Element, to?: string, timeoutMs?: number): Promise<Element> {
    return this.request(xml('iq', { type: 'get', ...(to ? { to } : {}) }, child), timeoutMs)
  }

  set(child: Element, to?: string, timeoutMs?: number): Promise<Element> {
    return this.request(xml('iq', { type: 'set', ...(to ? { to } : {}) }, child), timeoutMs)
  }

  private route(stanza: Element): boolean {
    if (stanza.name !== 'iq') return false
    const { type, id } = stanza.attrs as { type?: string; id?: string }
    if ((type !== 'result' && type !== 'error') || !id) return false
    const pending = this.pending.get(id)
    if (!pending || !this.fromMatches(pending.expect, stanza.attrs.from as string | undefined)) return false
    this.settle(id)
    if (type === 'result') pending.resolve(stanza)
    else pending.reject(stanzaError(stanza))
    return true
  }

  private fromMatches(expect: string, from: string | undefined): boolean {
    if (!from) return expect === '' || expect === this.ownBare()
    const actual = normalise(from)
    if (expect !== '') return actual === expect
    return actual === this.ownBare() || actual === this.ownDomain()
  }

  private ownBare(): string {
    return this.entity.jid ? normalise(this.entity.jid.bare().toString()) : normalise(this.entity.accountJid)
  }

  private ownDomain(): string {
    return normalise((this.entity.options as { domain?: string }).domain ?? '')
  }

  private settle(id: string): void {
    const pending = this.pending.get(id)
    if (pending) clearTimeout(pending.timer)
    this.pending.delete(id)
  }

  private rejectAll(err: CoreError): void {
    for (const [id, pending] of this.pending) {
      this.settle(id)
      pending.reject(err)
    }
  }
}

function normalise(jid: string): string {
  const parsed = parseJid(jid)
  return parsed ? jidToString(parsed) : `\u0000invalid:${jid}`
}

export function bareOfString(jid: string): string {
  const parsed = parseJid(jid)
  return parsed ? jidToString(bare(parsed)) : ''
}

/** A stanza's <error/> as a CoreError (condition, text), tolerant of malformed errors. */
export function stanzaError(stanza: Element): CoreError {
  const error = stanza.getChild('error')
  const condition = error?.getChildElements().find((c) => c.attrs.xmlns === NS_STANZAS && c.name !== 'text')?.name ?? 'undefined-condition'
  const text = error?.getChildText('text', NS_STANZAS) ?? ''
  return new CoreError('stanza-error', text ? `${condition}: ${text}` : condition, { condition })
}

function describe(iq: Element): string {
  const child = iq.getChildElements()[0]
  return `${String(iq.attrs.type)} ${child ? `${child.name} (${String(child.attrs.xmlns ?? '')})` : 'iq'}`
}
