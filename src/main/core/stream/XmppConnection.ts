import Connection from '@xmpp/connection'
import { Element, xml } from '../xml'
import { parseJid } from '../../../shared/jid'
import { CoreError } from '../errors'
import { XmppSocket, type SocketParams } from '../net/XmppSocket'
import { StreamParser, type StreamParseError } from './StreamParser'

const NS_STREAM = 'http://etherx.jabber.org/streams'
const NS_STREAM_ERRORS = 'urn:ietf:params:xml:ns:xmpp-streams'
const NS_CLIENT = 'jabber:client'
const STANZAS = new Set(['message', 'presence', 'iq'])

export interface ConnectionOptions {
  /** The JID domain (stream `to`, SNI, certificate name). */
  domain: string
  lang?: string
  /** Per-step timeout (stream open, stream close), ms. */
  timeout?: number
}

/**
 * One client-to-server XML stream, built on xmpp.js's Connection (stream open/close/restart, status
 * events, the middleware and stream-management plug-ins stay theirs) with Parley's own socket and
 * parser underneath. What changes against the stock client:
 * - bytes go to the parser undecoded: it decodes UTF-8 across reads (#2) and never throws (#1, #3, #4);
 * - a parser violation ends the stream with its precise RFC 6120 condition, then the socket;
 * - stanzas whose `from`/`to` are not JIDs end the stream with <invalid-from/> instead of throwing
 *   inside the socket's data handler (#1);
 * - stream errors are parsed defensively and `see-other-host` is not followed (#7);
 * - a listener that throws is contained: one bad handler cannot take the process down.
 */
export class XmppConnection extends Connection {
  declare socket: XmppSocket | null
  // Internals of @xmpp/connection that its typings leave out.
  declare _status: (status: string, ...args: unknown[]) => void
  declare _detachParser: () => void
  declare _jid: (jid: string) => unknown
  declare _ready: (resumed?: boolean) => void
  private violation: CoreError | null = null

  constructor(options: ConnectionOptions) {
    super({ domain: options.domain, lang: options.lang ?? 'en', timeout: options.timeout ?? 10_000 })
  }

  /** Why the stream ended, when we ended it because of bad input. Reset on the next connect. */
  get lastViolation(): CoreError | null {
    return this.violation
  }

  override isSecure(): boolean {
    return this.socket?.secure === true
  }

  override async connect(params: unknown): Promise<void> {
    this.violation = null
    // The base class stores `service` only to pass it back to socketParameters(): an object is fine.
    return super.connect(params as string)
  }

  override socketParameters(params: unknown): SocketParams {
    return params as SocketParams
  }

  override headerElement(): Element {
    return new Element('stream:stream', { version: '1.0', xmlns: NS_CLIENT, 'xmlns:stream': NS_STREAM })
  }

  override header(el: Element): string {
    // RFC 6120 §4.7.1: include `from` once the stream is protected by TLS.
    const bare = this.jid?.bare().toString() ?? this.accountJid
    if (this.isSecure() && bare) el.attrs.from = bare
    return `<?xml version='1.0'?>${el.toString().slice(0, -2)}>`
  }

  override footer(): string {
    return '</stream:stream>'
  }

  /** The account's bare JID, for the stream header before resource binding. */
  accountJid = ''

  /**
   * Sends one stanza or nonza. `outgoing` is emitted synchronously before the bytes are written, so
   * that stream management has queued the stanza before any <a/> for it can arrive.
   */
  override async send(element: Element): Promise<void> {
    await this.sendMany([element])
  }

  async sendMany(elements: Element[]): Promise<void> {
    if (!this.socket?.writable) throw new CoreError('not-connected', 'The connection is closed')
    let fragment = ''
    for (const element of elements) {
      element.parent = this.root
      fragment += element.toString()
    }
    for (const element of elements) this.emit('outgoing', element)
    await this.write(fragment)
    for (const element of elements) this.emit('send', element)
  }

  override write(data: string): Promise<void> {
    if (!this.socket) return Promise.reject(new CoreError('not-connected', 'The connection is closed'))
    return super.write(data)
  }

  _onData(data: Buffer): void {
    // Late data after the stream ended (xmpp.js G20: it crashed on a null parser) is dropped.
    this.parser?.write(data as unknown as string)
  }

  _attachParser(parser: StreamParser): void {
    // Replaces the base listeners so that a violation gets its own condition, not a blanket bad-format.
    ;(this as unknown as { parser: StreamParser }).parser = parser
    parser.on('start', (root: Element) => this._status('open', root))
    parser.on('element', (el: Element) => this._onElement(el))
    parser.on('end', () => {
      this._detachParser()
      this._status('close', { clean: true })
    })
    parser.on('error', (err: StreamParseError) => this.abort(err.condition, new CoreError('bad-input', err.message, { condition: err.condition })))
  }

  _onElement(element: Element): void {
    if (STANZAS.has(element.name)) {
      for (const attr of ['from', 'to'] as const) {
        const value = element.attrs[attr] as unknown
        if (value !== undefined && (typeof value !== 'string' || (value !== '' && parseJid(value) === null))) {
          this.abort('invalid-from', new CoreError('bad-input', `Malformed JID in ${attr}: ${String(value).slice(0, 200)}`, { condition: 'invalid-from' }))
          return
        }
      }
    }
    if (element.name === 'stream:error' || element.is('error', NS_STREAM)) {
      this.onStreamError(element)
      return
    }
    try {
      this.emit('element', element)
      this.emit(STANZAS.has(element.name) ? 'stanza' : 'nonza', element)
    } catch (err) {
      // A synchronous throw from a listener must not unwind into the socket's data handler.
      this.emit('handler-error', err)
    }
  }

  private onStreamError(element: Element): void {
    const conditionEl = element.getChildElements().find((c) => c.attrs.xmlns === NS_STREAM_ERRORS && c.name !== 'text')
    const condition = conditionEl?.name ?? 'undefined-condition'
    const text = element.getChildText('text', NS_STREAM_ERRORS) ?? ''
    const code = condition === 'conflict' ? 'resource-conflict' : 'stream-error'
    const err = new CoreError(code, text ? `${condition}: ${text}` : condition, { condition })
    this.violation = err
    this.emit('stream-error', err)
    // RFC 6120 §4.9.1.1: stream errors are unrecoverable. Close our side and the connection now,
    // without waiting for a server that may never close its own (a hostile one would keep us
    // looking online until the close timeout).
    this._detachParser()
    this.write(this.footer())
      .catch(() => undefined)
      .finally(() => this.hangUp())
  }

  /** Ends the stream because of what the server sent: stream error, then close, then the socket. */
  abort(condition: string, err: CoreError): void {
    if (this.violation) return
    this.violation = err
    // Stop the parser too: the rest of the current read must not reach any listener.
    ;(this.parser as StreamParser | null)?.end()
    this._detachParser()
    this.emit('violation', err)
    const stanza = xml('stream:error', {}, xml(condition, { xmlns: NS_STREAM_ERRORS }))
    this.write(stanza.toString() + this.footer())
      .catch(() => undefined)
      .finally(() => this.hangUp())
  }

  /**
   * Closes the connection after what we wrote has gone out (a FIN after the stream error, not a
   * reset that could drop it), and for good a moment later whatever the peer does.
   */
  private hangUp(): void {
    const socket = this.socket
    if (!socket) return
    socket.end()
    setTimeout(() => socket.destroy(), 1_000).unref()
  }
}

XmppConnection.prototype.NS = NS_CLIENT
XmppConnection.prototype.Socket = XmppSocket as never
XmppConnection.prototype.Parser = StreamParser as never
