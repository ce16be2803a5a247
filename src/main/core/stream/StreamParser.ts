import { Buffer } from 'node:buffer'
import { EventEmitter } from 'node:events'
import { Element } from '@xmpp/xml'
import { SaxesParser, type SaxesTagPlain, type XMLDecl } from 'saxes'

/** The RFC 6120 §4.9.3 stream error conditions this parser reports. */
export type StreamErrorCondition =
  | 'not-well-formed'
  | 'restricted-xml'
  | 'policy-violation'
  | 'unsupported-encoding'
  | 'invalid-xml'
  | 'bad-format'

/** The one error a StreamParser reports; `condition` is what to send back in `<stream:error/>`. */
export class StreamParseError extends Error {
  override readonly name = 'StreamParseError'
  readonly condition: StreamErrorCondition

  constructor(condition: StreamErrorCondition, message: string, options?: ErrorOptions) {
    super(message, options)
    this.condition = condition
  }
}

export interface StreamParserOptions {
  /**
   * Most UTF-8 bytes one top-level element may take, counted from the end of the previous one (or
   * of the stream header), so whitespace keepalives in between count too. Default 1 MiB.
   */
  maxStanzaBytes?: number
  /** Deepest element allowed. The stream root is level 0, a stanza level 1. Default 128. */
  maxDepth?: number
}

export interface StreamParserEvents {
  start: [root: Element]
  element: [element: Element]
  end: [root: Element]
  error: [error: StreamParseError]
}

export type StreamChunk = Buffer | Uint8Array | string

type QueuedEvent = ['start' | 'element' | 'end', Element]

// Input is cut into slices so that the limits are checked at least every 16 KiB, whatever the
// size of one read: a 64 MiB write stops after about maxStanzaBytes.
const SLICE = 16 * 1024
const DECODE_STREAM = { stream: true }
// Thrown through saxes to stop it in the middle of a chunk; never leaves this module.
const ABORT = Symbol('StreamParser.abort')
// saxes reports these through one error callback; the rest of its errors are well-formedness ones.
const RESTRICTED = /undefined entity|inappropriately located doctype|XML declaration must (?:be|appear) at the start/
const SAXES_OPTIONS = { xmlns: false, defaultXMLVersion: '1.0', forceXMLVersion: true } as const

// Deliberately empty. saxes stores each handler as a new property; on a plain SaxesParser the eighth
// one tips V8 into dictionary mode and all of saxes gets ~4x slower (97 vs 34 ms per 10k messages
// on Node 24). A subclass instance gets more in-object room and stays fast.
class Saxes extends SaxesParser<typeof SAXES_OPTIONS> {}

/**
 * Incoming XML stream parser for xmpp.js's Connection (same events as `@xmpp/xml`'s Parser), on top
 * of saxes. Unlike the stock parser it decodes UTF-8 across reads, enforces RFC 6120 §11.1
 * restricted XML, bounds stanza size and depth, stays linear on long text, and never throws:
 * every problem becomes one 'error' event, after which the parser is silent. That includes a
 * listener that throws (`bad-format`, its error as `cause`), which would otherwise unwind into the
 * socket's data handler. Events are emitted after each slice of input has been parsed.
 */
export class StreamParser extends EventEmitter<StreamParserEvents> {
  readonly maxStanzaBytes: number
  readonly maxDepth: number
  private readonly saxes = new Saxes(SAXES_OPTIONS)
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })
  private root: Element | null = null
  private cursor: Element | null = null
  /** Elements currently open, the root included. */
  private open = 0
  /** Events of the slice being parsed; emitted once saxes is done with it. */
  private queue: QueuedEvent[] = []
  private queuedAt = -1
  private accepting = true
  private emitting = true
  private rootClosed = false
  private sniffed = false
  private failure: StreamParseError | null = null
  private parsed = 0
  // Stanza size accounting: the slice being parsed, the stream position of its first character,
  // the index up to which its bytes are counted, and the bytes counted since the last reset.
  private slice = ''
  private sliceStart = 0
  private counted = 0
  private stanzaBytes = 0

  constructor(options: StreamParserOptions = {}) {
    super()
    this.maxStanzaBytes = limit('maxStanzaBytes', options.maxStanzaBytes, 1024 * 1024)
    this.maxDepth = limit('maxDepth', options.maxDepth, 128)
    this.listen()
  }

  /** The error that stopped the parser, if any (also when nobody listened for 'error'). */
  get error(): StreamParseError | null {
    return this.failure
  }

  /** UTF-8 bytes handed to the XML parser so far. */
  get bytesParsed(): number {
    return this.parsed
  }

  write(chunk: StreamChunk): void {
    if (!this.accepting) return
    try {
      if (typeof chunk === 'string') this.writeString(chunk)
      else this.writeBytes(chunk)
    } catch (cause) {
      this.stop(new StreamParseError('bad-format', 'unreadable input', { cause }))
      this.flush()
    }
  }

  /**
   * Writes the last chunk and stops: no events after this returns, so a listener can call it to
   * drop the rest of the current read. A UTF-8 sequence left incomplete is `not-well-formed`.
   */
  end(chunk?: StreamChunk): void {
    if (chunk !== undefined) this.write(chunk)
    if (this.accepting) this.finishDecoder()
    this.accepting = false
    this.emitting = false
  }

  private listen(): void {
    const saxes = this.saxes
    saxes.on('xmldecl', (decl) => this.onXmlDecl(decl))
    saxes.on('opentag', (tag) => this.onOpenTag(tag))
    saxes.on('closetag', () => this.onCloseTag())
    saxes.on('text', (text) => this.onText(text))
    saxes.on('cdata', (text) => this.onText(text))
    saxes.on('comment', () => this.reject('restricted-xml', 'comment in the stream (RFC 6120 §11.1)'))
    saxes.on('doctype', () => this.reject('restricted-xml', 'DTD in the stream (RFC 6120 §11.1)'))
    saxes.on('processinginstruction', (pi) =>
      this.reject('restricted-xml', `processing instruction <?${pi.target.slice(0, 40)}?> in the stream (RFC 6120 §11.1)`)
    )
    saxes.on('error', (err) => this.onSaxesError(err))
  }

  private writeString(text: string): void {
    this.sniffed = true
    for (let at = 0; at < text.length && this.accepting; at += SLICE) {
      this.parse(text.length <= SLICE ? text : text.slice(at, at + SLICE))
    }
  }

  private writeBytes(bytes: Uint8Array): void {
    if (!this.sniffed && bytes.length > 0 && !this.sniff(bytes)) return
    for (let at = 0; at < bytes.length && this.accepting; at += SLICE) {
      const text = this.decode(bytes.subarray(at, at + SLICE))
      if (text === null) return
      if (text.length > 0) this.parse(text)
    }
  }

  /** XML 1.0 Appendix F: a stream that starts like UTF-16 or UTF-32 is not UTF-8. */
  private sniff(bytes: Uint8Array): boolean {
    this.sniffed = true
    const [first, second] = bytes
    if (first !== 0x00 && first !== 0xfe && first !== 0xff && !(first === 0x3c && second === 0x00)) return true
    this.stop(new StreamParseError('unsupported-encoding', 'the stream is not UTF-8 (UTF-16/32 byte order)'))
    this.flush()
    return false
  }

  private decode(bytes: Uint8Array): string | null {
    try {
      return this.decoder.decode(bytes, DECODE_STREAM)
    } catch (cause) {
      this.stop(new StreamParseError('not-well-formed', 'invalid UTF-8 in the stream', { cause }))
      this.flush()
      return null
    }
  }

  private finishDecoder(): void {
    try {
      this.decoder.decode()
    } catch (cause) {
      this.stop(new StreamParseError('not-well-formed', 'the stream ended inside a UTF-8 sequence', { cause }))
      this.flush()
    }
  }

  private parse(text: string): void {
    this.slice = text
    this.counted = 0
    try {
      this.saxes.write(text)
      this.countRest()
    } catch (err) {
      if (err !== ABORT) this.stop(new StreamParseError('bad-format', 'the XML parser failed', { cause: err }))
    }
    this.sliceStart += text.length
    this.flush()
  }

  /** Adds the bytes of the slice not yet counted, then checks the limit for the open stanza. */
  private countRest(): void {
    this.stanzaBytes += this.measure(this.slice.length)
    if (this.stanzaBytes > this.maxStanzaBytes) this.rejectSize()
  }

  /** Bytes since the last reset up to where saxes is now; starts a new count from there. */
  private resetCount(): number {
    const here = Math.min(Math.max(this.saxes.position - this.sliceStart, this.counted), this.slice.length)
    const total = this.stanzaBytes + this.measure(here)
    this.stanzaBytes = 0
    return total
  }

  private measure(to: number): number {
    const from = this.counted
    if (to <= from) return 0
    const bytes = Buffer.byteLength(from === 0 && to === this.slice.length ? this.slice : this.slice.slice(from, to))
    this.counted = to
    this.parsed += bytes
    return bytes
  }

  private onXmlDecl(decl: XMLDecl): void {
    const encoding = decl.encoding
    if (encoding !== undefined && encoding.toUpperCase() !== 'UTF-8') {
      this.reject('unsupported-encoding', `XML declaration names encoding ${encoding.slice(0, 40)}; XMPP is UTF-8`)
    }
  }

  private onOpenTag(tag: SaxesTagPlain): void {
    const level = this.open
    if (level > this.maxDepth) this.reject('policy-violation', `elements nested deeper than ${this.maxDepth} levels`)
    const el = new Element(tag.name)
    copyAttributes(tag.attributes, el.attrs)
    this.open = level + 1
    const parent = this.cursor
    this.cursor = el
    if (parent === null) return this.openRoot(el)
    el.parent = parent
    // Like xmpp.js: a stanza points at the root, but the root does not keep its stanzas.
    if (level > 1) parent.children.push(el)
  }

  private openRoot(el: Element): void {
    this.root = el
    if (this.resetCount() > this.maxStanzaBytes) this.rejectSize()
    this.enqueue('start', el)
  }

  private onCloseTag(): void {
    const el = this.cursor
    if (el === null) return
    this.open--
    this.cursor = el.parent
    if (el === this.root) {
      this.rootClosed = true
      this.accepting = false
      this.enqueue('end', el)
    } else if (this.open === 1) {
      if (this.resetCount() > this.maxStanzaBytes) this.rejectSize()
      this.enqueue('element', el)
    }
  }

  private onText(text: string): void {
    const el = this.cursor
    // Text straight under the root is whitespace keepalives (or junk nobody reads): dropped.
    if (el === null || this.open < 2) return
    const children = el.children
    const last = children.length - 1
    const prev = children[last]
    // One string per run of text (entities, CDATA and line breaks arrive as separate pieces).
    if (typeof prev === 'string') children[last] = prev + text
    else children.push(text)
  }

  private onSaxesError(err: Error): never {
    // On a mismatched end tag saxes first hands us the element it pops, then reports the error at
    // the same position: that element is not complete and must not be emitted.
    if (this.queue.length > 0 && this.saxes.position === this.queuedAt) {
      this.queue.pop()
      this.rootClosed = false
    }
    // `&#0;` and `&#;` land here as not-well-formed: a reference to a non-Char breaks the XML 1.0
    // "Legal Character" well-formedness constraint; invalid-xml is for content that is well-formed
    // but unacceptable, which these are not.
    this.reject(RESTRICTED.test(err.message) ? 'restricted-xml' : 'not-well-formed', err.message)
  }

  private rejectSize(): never {
    this.reject('policy-violation', `top-level element over ${this.maxStanzaBytes} bytes`)
  }

  private reject(condition: StreamErrorCondition, message: string): never {
    // After </stream:stream> the rest of the read is not ours to judge.
    if (!this.rootClosed) this.stop(new StreamParseError(condition, message))
    throw ABORT
  }

  private enqueue(event: QueuedEvent[0], el: Element): void {
    this.queue.push([event, el])
    this.queuedAt = this.saxes.position
  }

  private stop(err: StreamParseError): void {
    this.failure ??= err
    this.accepting = false
  }

  private flush(): void {
    if (this.queue.length > 0) this.emitQueued()
    if (this.failure !== null && this.emitting) this.report(this.failure)
  }

  private emitQueued(): void {
    const queue = this.queue
    this.queue = []
    for (const [event, el] of queue) {
      if (!this.emitting) return
      try {
        this.emit(event, el)
      } catch (cause) {
        // A listener throwing inside the socket's data handler would crash the process (finding #1).
        this.stop(new StreamParseError('bad-format', `a '${event}' listener threw`, { cause }))
        return
      }
    }
  }

  private report(err: StreamParseError): void {
    this.emitting = false
    if (this.listenerCount('error') === 0) return
    try {
      this.emit('error', err)
    } catch {
      // Nothing left to tell: the stream is dead and `error` keeps the reason.
    }
  }
}

// Element's constructor would Object.assign() saxes's null-prototype attribute map, which V8 does
// on a slow path; a for-in copy is about twice as fast on the hot path.
function copyAttributes(from: Record<string, string>, to: Record<string, string>): void {
  for (const name in from) to[name] = from[name] as string
}

// A NaN or negative limit would quietly switch the check off: refuse it up front.
function limit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`)
  return value
}
