import { EventEmitter } from 'node:events'
import { CoreError } from '../../errors'
import type { XmppConnection } from '../../stream/XmppConnection'
import { xml, type Element } from '../../xml'

export const NS_SM = 'urn:xmpp:sm:3'
const NS_DELAY = 'urn:xmpp:delay'
const STANZAS = new Set(['message', 'presence', 'iq'])
const H_MOD = 2 ** 32
const STEP_TIMEOUT_MS = 20_000

export interface StreamManagementOptions {
  /** Ask for an ack after this many unacknowledged stanzas… */
  requestEvery?: number
  /** …or this long after the first unacknowledged one, whichever comes first (never starved by traffic). */
  requestAfterMs?: number
  /** With nothing heard for this long, ask the server for an ack to find a dead connection. */
  idleMs?: number
  /** No answer to a request within this long: the connection is dead, drop it (resumption follows). */
  ackTimeoutMs?: number
}

type Middleware = { use: (fn: (ctx: { stanza: Element; entity: XmppConnection }, next: () => Promise<unknown>) => unknown) => void }
type StreamFeatures = {
  use: (name: string, ns: string, fn: (ctx: { stanza: Element; entity: XmppConnection }, next: () => Promise<unknown>, feature: Element) => unknown) => void
}

interface Queued {
  stanza: Element
  stamp: string
}

/**
 * Stream management (XEP-0198), written for Parley instead of taken from xmpp.js 0.14, whose
 * version miscounts: it zeroes its counter of handled stanzas a microtask after <enabled/> (so
 * stanzas in the same read are lost from 'h' and the server ends the stream with "Client
 * acknowledged less stanzas than already acknowledged"), counts sent stanzas only after the write
 * completed (an early <a/> then hits an empty queue), and resets its ack-request timer on every
 * send, so sustained sending never asks for an ack (finding #9).
 *
 * Here every state change happens synchronously on the element that causes it; sent stanzas are
 * queued before they are written; an ack is requested every `requestEvery` stanzas or
 * `requestAfterMs` at the latest, and when the stream is idle, with a timeout that drops a dead
 * connection. Events: `ack` (stanza), `fail` (stanza: not confirmed and the session is gone),
 * `resumed`, `enabled`.
 */
export class StreamManagement extends EventEmitter {
  enabled = false
  /** Resumption id of the last session; kept across disconnects until resumption fails. */
  id = ''
  max: number | null = null
  /** Stanzas we have handled in this session ('h' we report). */
  inbound = 0
  private counting = false
  private acked = 0
  private queue: Queued[] = []
  private sinceRequest = 0
  private requestTimer: NodeJS.Timeout | null = null
  private ackTimer: NodeJS.Timeout | null = null
  private idleTimer: NodeJS.Timeout | null = null
  private pending: { resolve: (el: Element) => void; reject: (err: Error) => void; names: string[] } | null = null
  private readonly opts: Required<StreamManagementOptions>

  constructor(
    private readonly entity: XmppConnection,
    middleware: Middleware,
    streamFeatures: StreamFeatures,
    options: StreamManagementOptions = {}
  ) {
    super()
    this.opts = { requestEvery: 20, requestAfterMs: 5_000, idleMs: 30_000, ackTimeoutMs: 30_000, ...options }
    middleware.use((ctx, next) => this.onIncoming(ctx.stanza, next))
    entity.on('outgoing', (el: Element) => this.onOutgoing(el))
    entity.on('disconnect', () => this.onDisconnect())
    entity.on('offline', () => this.onOffline())
    streamFeatures.use('sm', NS_SM, async (_ctx, next) => {
      if (this.id && (await this.resume())) return
      await next() // resource binding (which leaves announcing "online" to us)
      await this.enable()
      // Only now is the session online: whatever the app sends from here on is counted and kept
      // until acknowledged (a message sent between bind and <enable/> would be in neither state).
      entity._ready(false)
    })
  }

  /** True while the stanza waits for the server's acknowledgement (it will be resent or failed). */
  isQueued(stanza: Element): boolean {
    return this.queue.some((q) => q.stanza === stanza)
  }

  get unacked(): number {
    return this.queue.length
  }

  private onIncoming(stanza: Element, next: () => Promise<unknown>): unknown {
    this.touch()
    if (STANZAS.has(stanza.name)) {
      if (this.counting) this.inbound = (this.inbound + 1) % H_MOD
      return next()
    }
    if (stanza.attrs.xmlns !== NS_SM) return next()
    switch (stanza.name) {
      case 'r':
        this.sendAck()
        return undefined
      case 'a':
        this.onAck(Number(stanza.attrs.h))
        return undefined
      case 'enabled':
        // Counting starts on <enabled/> itself (§4), in this very tick.
        this.enabled = true
        this.counting = true
        this.inbound = 0
        this.id = stanza.attrs.resume === 'true' || stanza.attrs.resume === '1' ? String(stanza.attrs.id ?? '') : ''
        this.max = Number.isFinite(Number(stanza.attrs.max)) ? Number(stanza.attrs.max) : null
        this.settle(stanza)
        this.emit('enabled')
        return undefined
      case 'resumed':
        this.enabled = true
        this.counting = true
        this.onAck(Number(stanza.attrs.h))
        this.settle(stanza)
        return undefined
      case 'failed':
        this.settle(stanza)
        return undefined
      default:
        return undefined
    }
  }

  private onOutgoing(stanza: Element): void {
    if (!this.counting || !STANZAS.has(stanza.name)) return
    this.queue.push({ stanza, stamp: new Date().toISOString() })
    this.sinceRequest += 1
    if (this.sinceRequest >= this.opts.requestEvery) this.requestAck()
    else if (!this.requestTimer) this.requestTimer = setTimeout(() => this.requestAck(), this.opts.requestAfterMs)
  }

  private onAck(h: number): void {
    if (!Number.isInteger(h) || h < 0 || h >= H_MOD) return
    const count = (h - this.acked + H_MOD) % H_MOD
    if (count > this.queue.length) {
      // The server claims more than we sent: keep our queue, resync the counter (XEP-0198 §5 leaves this to us).
      this.acked = h
      return
    }
    this.acked = h
    const done = this.queue.splice(0, count)
    if (this.ackTimer && this.queue.length === 0) this.clearTimer('ackTimer')
    for (const item of done) this.emit('ack', item.stanza)
  }

  private sendAck(): void {
    if (!this.counting) return
    this.writeNonza(xml('a', { xmlns: NS_SM, h: String(this.inbound) }))
  }

  private requestAck(): void {
    this.clearTimer('requestTimer')
    if (!this.enabled) return
    this.sinceRequest = 0
    this.writeNonza(xml('r', { xmlns: NS_SM }))
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = null
      // No answer: the connection is dead even if TCP has not noticed. Drop it; resumption follows.
      this.entity.socket?.destroy(new CoreError('timeout', 'The server stopped answering'))
    }, this.opts.ackTimeoutMs)
  }

  /** Any incoming data proves the connection alive; after `idleMs` of silence we ask. */
  private touch(): void {
    if (this.ackTimer && this.queue.length === 0) this.clearTimer('ackTimer')
    this.clearTimer('idleTimer')
    if (this.enabled) this.idleTimer = setTimeout(() => this.requestAck(), this.opts.idleMs)
  }

  private async enable(): Promise<void> {
    // Our own count starts when <enable/> is sent (§4): everything sent after it is queued. The
    // previous session's unacknowledged stanzas are failed only after that, so that their resends
    // (same ids) are counted in this session.
    const previous = this.queue.splice(0)
    this.acked = 0
    this.sinceRequest = 0
    this.counting = true
    this.inbound = 0
    const answer = this.expect(['enabled', 'failed'])
    this.writeNonza(xml('enable', { xmlns: NS_SM, resume: 'true' }))
    for (const item of previous) this.emit('fail', item.stanza)
    const el = await answer.catch(() => null)
    if (!el || el.name !== 'enabled') {
      this.counting = false
      for (const item of this.queue.splice(0)) this.emit('fail', item.stanza)
    }
  }

  /** Resumes the previous session; false when the server no longer has it (then we bind anew). */
  private async resume(): Promise<boolean> {
    const answer = this.expect(['resumed', 'failed'])
    this.writeNonza(xml('resume', { xmlns: NS_SM, previd: this.id, h: String(this.inbound) }))
    const el = await answer.catch(() => null)
    if (!el || el.name !== 'resumed') {
      this.id = ''
      this.enabled = false
      this.counting = false
      return false
    }
    // Unacknowledged stanzas go out again, in order, stamped with when they were first sent.
    const again = this.queue.splice(0)
    this.entity._ready(true)
    this.emit('resumed')
    if (again.length > 0) {
      await this.entity.sendMany(again.map((q) => withDelay(q, this.entity.jid?.toString() ?? ''))).catch(() => undefined)
    }
    return true
  }

  private expect(names: string[]): Promise<Element> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null
        reject(new CoreError('timeout', `No ${names.join('/')} from the server`))
      }, STEP_TIMEOUT_MS)
      this.pending = {
        names,
        resolve: (el) => {
          clearTimeout(timer)
          resolve(el)
        },
        reject: (err) => {
          clearTimeout(timer)
          reject(err)
        }
      }
    })
  }

  private settle(el: Element): void {
    const pending = this.pending
    if (!pending || !pending.names.includes(el.name)) return
    this.pending = null
    pending.resolve(el)
  }

  private writeNonza(el: Element): void {
    this.entity.write(el.toString()).catch(() => undefined)
  }

  private onDisconnect(): void {
    this.enabled = false
    this.counting = false
    for (const t of ['requestTimer', 'ackTimer', 'idleTimer'] as const) this.clearTimer(t)
    this.pending?.reject(new CoreError('connection-lost', 'Connection closed'))
    this.pending = null
  }

  /** Signed out on purpose: the session is over, whatever was not acknowledged has failed. */
  private onOffline(): void {
    this.onDisconnect()
    this.id = ''
    for (const item of this.queue.splice(0)) this.emit('fail', item.stanza)
  }

  private clearTimer(name: 'requestTimer' | 'ackTimer' | 'idleTimer'): void {
    const timer = this[name]
    if (timer) clearTimeout(timer)
    this[name] = null
  }
}

function withDelay(q: Queued, from: string): Element {
  const { stanza } = q
  if (stanza.name === 'message' && !stanza.getChild('delay', NS_DELAY)) {
    stanza.append(xml('delay', { xmlns: NS_DELAY, stamp: q.stamp, ...(from ? { from } : {}) }))
  }
  return stanza
}
