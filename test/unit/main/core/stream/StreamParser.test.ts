import { Buffer } from 'node:buffer'
import { performance } from 'node:perf_hooks'
import Connection from '@xmpp/connection'
import type { Element } from '@xmpp/xml'
import { describe, expect, it } from 'vitest'
import {
  StreamParseError,
  StreamParser,
  type StreamChunk,
  type StreamErrorCondition,
  type StreamParserOptions
} from '../../../../../src/main/core/stream/StreamParser'

const NS_STREAM = 'http://etherx.jabber.org/streams'
const OPEN = `<stream:stream xmlns='jabber:client' xmlns:stream='${NS_STREAM}' from='example.org' id='s1' version='1.0' xml:lang='en'>`
const HEADER = `<?xml version='1.0'?>${OPEN}`
const CLOSE = '</stream:stream>'
const HELLO = '你好，世界'

interface Recorder {
  parser: StreamParser
  /** Event names in order: 'start', 'element:<name>', 'end', 'error:<condition>'. */
  log: string[]
  elements: Element[]
  errors: StreamParseError[]
  roots: Element[]
}

function record(options?: StreamParserOptions): Recorder {
  const parser = new StreamParser(options)
  const rec: Recorder = { parser, log: [], elements: [], errors: [], roots: [] }
  parser.on('start', (root) => {
    rec.log.push('start')
    rec.roots.push(root)
  })
  parser.on('element', (el) => {
    rec.log.push(`element:${el.name}`)
    rec.elements.push(el)
  })
  parser.on('end', () => rec.log.push('end'))
  parser.on('error', (err) => {
    rec.log.push(`error:${err.condition}`)
    rec.errors.push(err)
  })
  return rec
}

function feed(chunks: StreamChunk[], options?: StreamParserOptions): Recorder {
  const rec = record(options)
  for (const chunk of chunks) rec.parser.write(chunk)
  return rec
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1)
  return items[0] as T
}

function bodyOf(rec: Recorder): string | null {
  return only(rec.elements).getChildText('body')
}

function expectError(rec: Recorder, condition: StreamErrorCondition): StreamParseError {
  const err = only(rec.errors)
  expect(err).toBeInstanceOf(StreamParseError)
  expect(err.condition).toBe(condition)
  expect(rec.parser.error).toBe(err)
  return err
}

function messageWithBody(body: string, id = 'm1'): string {
  return `<message type='chat' from='a@b/c' to='d@e/f' id='${id}'><body>${body}</body></message>`
}

describe('StreamParser: a normal stream', () => {
  const stanzas =
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>" +
    messageWithBody('hello', 'm1') +
    "<iq type='result' id='i1'><query xmlns='jabber:iq:roster' ver='v1'><item jid='x@y' name='X'/></query></iq>" +
    CLOSE

  it('emits start, one element per top-level child, then end', () => {
    const rec = feed([Buffer.from(HEADER), Buffer.from(stanzas)])
    expect(rec.log).toEqual(['start', 'element:stream:features', 'element:message', 'element:iq', 'end'])
    expect(rec.errors).toEqual([])
  })

  it('keeps root attribute names raw, as ltx does', () => {
    const root = only(feed([HEADER]).roots)
    expect(root.name).toBe('stream:stream')
    expect(root.attrs).toEqual({
      xmlns: 'jabber:client',
      'xmlns:stream': NS_STREAM,
      from: 'example.org',
      id: 's1',
      version: '1.0',
      'xml:lang': 'en'
    })
    expect(root.children).toEqual([])
  })

  it('builds ltx elements that resolve namespaces through the root', () => {
    const rec = feed([HEADER + stanzas])
    const [features, message, iq] = rec.elements as [Element, Element, Element]
    const root = only(rec.roots)
    expect(features.is('features', NS_STREAM)).toBe(true)
    expect(features.getChild('bind', 'urn:ietf:params:xml:ns:xmpp-bind')).toBeDefined()
    expect(message.is('message', 'jabber:client')).toBe(true)
    expect(message.parent).toBe(root)
    expect(message.attrs).toEqual({ type: 'chat', from: 'a@b/c', to: 'd@e/f', id: 'm1' })
    expect(message.getChildText('body')).toBe('hello')
    expect(message.getChild('body')?.parent).toBe(message)
    const item = iq.getChild('query', 'jabber:iq:roster')?.getChild('item')
    expect(item?.attrs).toEqual({ jid: 'x@y', name: 'X' })
    // Stanzas are not kept on the root (memory), exactly like xmpp.js's parser.
    expect(root.children).toEqual([])
  })

  it('serialises a parsed stanza back to the same XML', () => {
    const rec = feed([OPEN, "<message id='1'><body>a &amp; b</body><x xmlns='urn:x'/></message>"])
    expect(only(rec.elements).toString()).toBe('<message id="1"><body>a &amp; b</body><x xmlns="urn:x"/></message>')
  })

  it('accepts a stream without an XML declaration and one declared UTF-8', () => {
    expect(feed([OPEN, messageWithBody('x')]).log).toEqual(['start', 'element:message'])
    const declared = feed([`<?xml version='1.0' encoding='UTF-8'?>${OPEN}`, messageWithBody('x')])
    expect(declared.log).toEqual(['start', 'element:message'])
  })

  it('emits start as soon as the header arrives, before any stanza', () => {
    const rec = record()
    rec.parser.write(HEADER.slice(0, 30))
    expect(rec.log).toEqual([])
    rec.parser.write(HEADER.slice(30))
    expect(rec.log).toEqual(['start'])
  })

  it('emits a stanza only once its end tag has arrived', () => {
    const rec = feed([OPEN, "<message id='1'><body>hi</bo"])
    expect(rec.log).toEqual(['start'])
    rec.parser.write('dy></message>')
    expect(rec.log).toEqual(['start', 'element:message'])
  })

  it('ignores whitespace keepalives', () => {
    const rec = feed([OPEN, ' ', '\n', messageWithBody('a', '1'), ' \r\n\t ', ' ', messageWithBody('b', '2'), '\n'])
    expect(rec.log).toEqual(['start', 'element:message', 'element:message'])
    expect(rec.elements.map((el) => el.attrs.id)).toEqual(['1', '2'])
  })

  it('ignores stray text directly under the root', () => {
    const rec = feed([OPEN, 'junk', messageWithBody('a'), 'more junk'])
    expect(rec.log).toEqual(['start', 'element:message'])
  })

  it("emits 'end' with the root on </stream:stream> and ignores anything after it", () => {
    const rec = feed([OPEN, messageWithBody('a'), CLOSE + messageWithBody('late'), '&lol;<!-- x -->'])
    expect(rec.log).toEqual(['start', 'element:message', 'end'])
    expect(rec.parser.error).toBeNull()
  })
})

describe('StreamParser: text, entities, CDATA', () => {
  it('decodes the predefined entities and character references in text and attributes', () => {
    const rec = feed([OPEN, "<message id='&lt;&amp;&quot;&apos;&gt;&#x4F60;&#22909;'><body>&lt;&amp;&quot;&apos;&gt; &#x4F60;&#22909;</body></message>"])
    const message = only(rec.elements)
    expect(message.attrs.id).toBe(`<&"'>你好`)
    expect(message.getChildText('body')).toBe(`<&"'> 你好`)
  })

  it('turns CDATA into text, merged with the text around it into one string child', () => {
    const rec = feed([OPEN, '<message><body>a &amp; b <![CDATA[<b>bold</b> & ]]]]> c\r\nd</body></message>'])
    const body = only(rec.elements).getChild('body')
    expect(body?.children).toEqual(['a & b <b>bold</b> & ]] c\nd'])
  })

  it('keeps text and child elements in document order', () => {
    const rec = feed([OPEN, '<message><body>one<b>two</b>three</body></message>'])
    const body = only(rec.elements).getChild('body')
    expect(body?.children.map((c) => (typeof c === 'string' ? c : `<${c.name}>`))).toEqual(['one', '<b>', 'three'])
  })

  it('uses strings passed to write as they are', () => {
    expect(bodyOf(feed([OPEN, messageWithBody(HELLO)]))).toBe(HELLO)
  })

  it('parses a 1 MiB text node linearly (well under 100 ms)', () => {
    const text = 'Hello, 世界! '.repeat(80_000)
    const data = Buffer.from(OPEN + messageWithBody(text))
    expect(data.length).toBeGreaterThan(1024 * 1024)
    const rec = record({ maxStanzaBytes: 4 * 1024 * 1024 })
    const start = performance.now()
    rec.parser.write(data)
    const elapsed = performance.now() - start
    expect(bodyOf(rec)).toBe(text)
    expect(elapsed).toBeLessThan(100)
  })
})

describe('StreamParser: UTF-8 across reads', () => {
  const stanza = Buffer.from(messageWithBody(HELLO))

  it('keeps a Chinese body intact whatever byte it is split at', () => {
    for (let at = 1; at < stanza.length; at++) {
      const rec = feed([OPEN, stanza.subarray(0, at), stanza.subarray(at)])
      expect(rec.errors).toEqual([])
      expect(bodyOf(rec)).toBe(HELLO)
    }
  })

  it('keeps a Chinese body intact when fed one byte at a time', () => {
    const bytes = Buffer.from(OPEN + messageWithBody(HELLO))
    const rec = feed(Array.from(bytes, (byte) => Uint8Array.of(byte)))
    expect(bodyOf(rec)).toBe(HELLO)
  })

  it('keeps a 4-byte emoji intact at every split point', () => {
    const emoji = Buffer.from(messageWithBody('a😀b'))
    const at = emoji.indexOf(0xf0)
    for (const split of [at, at + 1, at + 2, at + 3, at + 4]) {
      const rec = feed([OPEN, emoji.subarray(0, split), emoji.subarray(split)])
      expect(bodyOf(rec)).toBe('a😀b')
    }
  })

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence followed by ASCII', [0xe4, 0xbd, 0x41]],
    ['an overlong encoding', [0xc0, 0xbc]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['0xFF', [0xff]]
  ])('reports %s as not-well-formed without throwing', (_name, bytes) => {
    const rec = record()
    expect(() => {
      rec.parser.write(Buffer.from(OPEN + "<message><body>ok"))
      rec.parser.write(Uint8Array.from(bytes))
      rec.parser.write(Buffer.from('</body></message>'))
    }).not.toThrow()
    expectError(rec, 'not-well-formed')
    expect(rec.log).toEqual(['start', 'error:not-well-formed'])
  })

  it('reports invalid UTF-8 split across two reads', () => {
    const rec = feed([Buffer.from(OPEN + '<message><body>'), Uint8Array.of(0xe4, 0xbd), Uint8Array.of(0x28)])
    expectError(rec, 'not-well-formed')
  })

  it('reports a stream that ends inside a UTF-8 sequence when end() is called', () => {
    const rec = feed([Buffer.from(OPEN + '<message><body>'), Uint8Array.of(0xe4, 0xbd)])
    expect(rec.errors).toEqual([])
    rec.parser.end()
    expectError(rec, 'not-well-formed')
  })

  it('rejects a UTF-16 stream as unsupported-encoding', () => {
    const rec = feed([Buffer.from(`\ufeff${HEADER}`, 'utf16le')])
    expectError(rec, 'unsupported-encoding')
    expect(rec.log).toEqual(['error:unsupported-encoding'])
  })
})

describe('StreamParser: restricted XML (RFC 6120 §11.1)', () => {
  it('reports an undefined entity as restricted-xml without throwing', () => {
    const rec = record()
    expect(() => rec.parser.write(OPEN + '<message><body>&lol;</body></message>')).not.toThrow()
    expectError(rec, 'restricted-xml')
    expect(rec.log).toEqual(['start', 'error:restricted-xml'])
  })

  it('reports an undefined entity in an attribute as restricted-xml', () => {
    expectError(feed([OPEN, "<message to='&xxe;'/>"]), 'restricted-xml')
  })

  it.each(['&#0;', '&#;', '&#x1;', '&#xD800;', '&#x110000;', '&;', '&#xZZ;'])(
    'reports the illegal reference %s as not-well-formed without throwing',
    (ref) => {
      const rec = record()
      expect(() => rec.parser.write(OPEN + `<message><body>a${ref}b</body></message>`)).not.toThrow()
      expectError(rec, 'not-well-formed')
      expect(rec.elements).toEqual([])
    }
  )

  it('rejects a DOCTYPE before the stream header and emits nothing after it', () => {
    const rec = feed([`<?xml version='1.0'?><!DOCTYPE stream [<!ENTITY lol 'lol'>]>${OPEN}${messageWithBody('&lol;')}`])
    expectError(rec, 'restricted-xml')
    expect(rec.log).toEqual(['error:restricted-xml'])
  })

  it('rejects a DOCTYPE after the stream header and emits no following stanza', () => {
    const rec = feed([HEADER + messageWithBody('before') + '<!DOCTYPE x>' + messageWithBody('after')])
    expectError(rec, 'restricted-xml')
    expect(rec.log).toEqual(['start', 'element:message', 'error:restricted-xml'])
    expect(bodyOf(rec)).toBe('before')
  })

  it('rejects a comment inside a stanza and drops that stanza', () => {
    const rec = feed([OPEN, '<message><body>a<!-- c -->b</body></message>', messageWithBody('next')])
    expectError(rec, 'restricted-xml')
    expect(rec.log).toEqual(['start', 'error:restricted-xml'])
  })

  it('rejects a comment between stanzas, after emitting the stanza before it', () => {
    const rec = feed([OPEN, messageWithBody('a', '1') + '<!-- c -->' + messageWithBody('b', '2')])
    expectError(rec, 'restricted-xml')
    expect(rec.log).toEqual(['start', 'element:message', 'error:restricted-xml'])
    expect(only(rec.elements).attrs.id).toBe('1')
  })

  it('rejects a comment before the stream header', () => {
    expectError(feed([`<!-- c -->${OPEN}`]), 'restricted-xml')
  })

  it('rejects a processing instruction mid-stream', () => {
    const rec = feed([OPEN, messageWithBody('a'), '<?pi x?>', messageWithBody('b')])
    expectError(rec, 'restricted-xml')
    expect(rec.log).toEqual(['start', 'element:message', 'error:restricted-xml'])
  })

  it('rejects a processing instruction inside a stanza', () => {
    expectError(feed([OPEN, '<message><?pi x?></message>']), 'restricted-xml')
  })

  it('rejects a second XML declaration mid-stream', () => {
    expectError(feed([OPEN, "<?xml version='1.0'?>"]), 'restricted-xml')
  })

  it("rejects a declaration with encoding='UTF-16' as unsupported-encoding", () => {
    const rec = feed([`<?xml version='1.0' encoding='UTF-16'?>${OPEN}${messageWithBody('a')}`])
    expectError(rec, 'unsupported-encoding')
    expect(rec.log).toEqual(['error:unsupported-encoding'])
  })
})

describe('StreamParser: well-formedness', () => {
  it('rejects mismatched tags and does not emit the broken stanza', () => {
    const rec = feed([OPEN, '<message><body>hi</message>'])
    expectError(rec, 'not-well-formed')
    expect(rec.log).toEqual(['start', 'error:not-well-formed'])
  })

  it('rejects a stanza closed with the wrong name', () => {
    const rec = feed([OPEN, '<message></presence>'])
    expectError(rec, 'not-well-formed')
    expect(rec.elements).toEqual([])
  })

  it("rejects </stream:stream> inside an open stanza without emitting the stanza or 'end'", () => {
    const rec = feed([OPEN, '<message>', CLOSE])
    expectError(rec, 'not-well-formed')
    expect(rec.log).toEqual(['start', 'error:not-well-formed'])
  })

  it.each([
    ['a duplicate attribute', "<message id='1' id='2'/>"],
    ['an unquoted attribute', '<message id=1/>'],
    // saxes only judges a reference at its ';' (the size limit bounds the wait).
    ['a bare ampersand', '<message><body>a & b; c</body></message>'],
    ['a bare less-than in an attribute', "<message id='<'/>"],
    ['a NUL character', '<message><body>\u0000</body></message>'],
    [']]> in text', '<message><body>a]]>b</body></message>']
  ])('rejects %s as not-well-formed', (_name, stanza) => {
    const rec = feed([OPEN, stanza])
    expectError(rec, 'not-well-formed')
    expect(rec.elements).toEqual([])
  })

  it('rejects text before the stream header', () => {
    expectError(feed([`hello${OPEN}`]), 'not-well-formed')
  })

  it('emits the stanzas that precede an error in the same read', () => {
    const rec = feed([OPEN + messageWithBody('a', '1') + messageWithBody('b', '2') + '&lol;' + messageWithBody('c', '3')])
    expect(rec.log).toEqual(['start', 'element:message', 'element:message', 'error:restricted-xml'])
    expect(rec.elements.map((el) => el.attrs.id)).toEqual(['1', '2'])
  })
})

describe('StreamParser: after an error', () => {
  it('emits exactly one error and nothing afterwards', () => {
    const rec = feed([OPEN, '<message>&lol;</message>'])
    rec.parser.write(messageWithBody('later'))
    rec.parser.write('&#0;<!-- x --><?pi?>')
    rec.parser.write(Uint8Array.of(0xff, 0xfe))
    rec.parser.write(CLOSE)
    rec.parser.end(messageWithBody('last'))
    expect(rec.log).toEqual(['start', 'error:restricted-xml'])
  })

  it('stops consuming input after an error', () => {
    const rec = feed([OPEN, '<message>&lol;'])
    const consumed = rec.parser.bytesParsed
    rec.parser.write('x'.repeat(100_000))
    expect(rec.parser.bytesParsed).toBe(consumed)
  })

  it('does not throw when nobody listens for errors, and keeps the error', () => {
    const parser = new StreamParser()
    expect(() => parser.write(OPEN + '<message>&lol;</message>')).not.toThrow()
    expect(parser.error?.condition).toBe('restricted-xml')
  })

  it('contains a throwing error listener', () => {
    const parser = new StreamParser()
    parser.on('error', () => {
      throw new Error('listener bug')
    })
    expect(() => parser.write(OPEN + '<message>&lol;</message>')).not.toThrow()
    expect(parser.error?.condition).toBe('restricted-xml')
  })

  it('turns a throwing element listener into one bad-format error instead of a crash', () => {
    const rec = record()
    const bug = new Error('listener bug')
    rec.parser.on('element', () => {
      throw bug
    })
    expect(() => rec.parser.write(OPEN + messageWithBody('a', '1') + messageWithBody('b', '2'))).not.toThrow()
    const err = expectError(rec, 'bad-format')
    expect(err.cause).toBe(bug)
    expect(err.message).toContain("'element' listener")
    expect(rec.log).toEqual(['start', 'element:message', 'error:bad-format'])
  })

  it('emits nothing after end(), even for events of the read being handled', () => {
    const rec = record()
    rec.parser.on('element', () => rec.parser.end())
    rec.parser.write(OPEN + messageWithBody('a', '1') + messageWithBody('b', '2'))
    rec.parser.write(messageWithBody('c', '3'))
    expect(rec.log).toEqual(['start', 'element:message'])
  })
})

describe('StreamParser: stanza size limit', () => {
  const limit = 64 * 1024
  const slice = 16 * 1024

  it('accepts a stanza of exactly maxStanzaBytes and rejects one byte more', () => {
    const stanza = messageWithBody(HELLO.repeat(3000))
    const size = Buffer.byteLength(stanza)
    expect(size).toBeGreaterThan(2 * slice)
    for (const chunkSize of [size, 1000, 7]) {
      const chunks = [Buffer.from(OPEN)]
      const bytes = Buffer.from(stanza)
      for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize))
      expect(feed(chunks, { maxStanzaBytes: size }).log).toEqual(['start', 'element:message'])
      const rec = feed(chunks, { maxStanzaBytes: size - 1 })
      expectError(rec, 'policy-violation')
      expect(rec.elements).toEqual([])
    }
  })

  it('resets the count after each top-level element (whitespace before a stanza counts)', () => {
    const stanza = messageWithBody('x'.repeat(500))
    const size = Buffer.byteLength(stanza)
    expect(feed([OPEN + stanza.repeat(5)], { maxStanzaBytes: size }).log).toHaveLength(6)
    const rec = feed([OPEN + stanza + ' ' + stanza], { maxStanzaBytes: size })
    expect(rec.log).toEqual(['start', 'element:message', 'error:policy-violation'])
  })

  it('rejects an oversized stanza written as one huge chunk', () => {
    const rec = feed([OPEN + messageWithBody('a'.repeat(10 * limit))], { maxStanzaBytes: limit })
    expectError(rec, 'policy-violation')
    expect(rec.parser.bytesParsed).toBeLessThanOrEqual(Buffer.byteLength(OPEN) + limit + slice)
  })

  it('rejects an oversized stanza written in many small chunks', () => {
    const rec = feed([OPEN, '<message><body>'], { maxStanzaBytes: limit })
    for (let i = 0; i < 1000; i++) rec.parser.write(Buffer.alloc(100, 0x61))
    expectError(rec, 'policy-violation')
    expect(rec.parser.bytesParsed).toBeLessThanOrEqual(Buffer.byteLength(OPEN) + limit + 100)
  })

  it('stops 64 MiB of unterminated text in 64 KiB reads after about 1 MiB', () => {
    const rec = feed([Buffer.from(OPEN + '<message><body>')])
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    const start = performance.now()
    for (let i = 0; i < 1024; i++) rec.parser.write(chunk)
    expect(performance.now() - start).toBeLessThan(1000)
    expectError(rec, 'policy-violation')
    expect(rec.parser.bytesParsed).toBeGreaterThan(1024 * 1024)
    expect(rec.parser.bytesParsed).toBeLessThan(1024 * 1024 + 64 * 1024 + 1024)
  })

  it('stops a single 64 MiB write after about 1 MiB', () => {
    const rec = feed([OPEN + '<message><body>'])
    const huge = Buffer.alloc(64 * 1024 * 1024, 0x61)
    const start = performance.now()
    rec.parser.write(huge)
    expect(performance.now() - start).toBeLessThan(1000)
    expectError(rec, 'policy-violation')
    expect(rec.parser.bytesParsed).toBeLessThan(1024 * 1024 + 2 * slice)
  })

  it('bounds an endless start tag and an endless header too', () => {
    expectError(feed([OPEN, `<message id='${'a'.repeat(2 * limit)}`], { maxStanzaBytes: limit }), 'policy-violation')
    expectError(feed([`<stream:stream a='${'a'.repeat(2 * limit)}`], { maxStanzaBytes: limit }), 'policy-violation')
  })
})

describe('StreamParser: options', () => {
  it('refuses limits that would switch a check off', () => {
    expect(() => new StreamParser({ maxStanzaBytes: Number.NaN })).toThrow(RangeError)
    expect(() => new StreamParser({ maxDepth: 0 })).toThrow(RangeError)
    expect(new StreamParser({ maxDepth: 5 }).maxDepth).toBe(5)
    expect(new StreamParser().maxStanzaBytes).toBe(1024 * 1024)
  })
})

describe('StreamParser: depth limit (root = level 0, stanza = level 1)', () => {
  const nested = (levels: number): string => '<a>'.repeat(levels) + '</a>'.repeat(levels)

  it('accepts 128 levels by default', () => {
    const rec = feed([OPEN, nested(128)])
    expect(rec.log).toEqual(['start', 'element:a'])
    let el: Element | undefined = only(rec.elements)
    let depth = 0
    while (el) {
      depth++
      el = el.getChild('a')
    }
    expect(depth).toBe(128)
  })

  it('rejects level 129 as policy-violation', () => {
    const rec = feed([OPEN, nested(129)])
    const err = expectError(rec, 'policy-violation')
    expect(err.message).toContain('128')
    expect(rec.elements).toEqual([])
  })

  it('honours a custom maxDepth', () => {
    expect(feed([OPEN, nested(3)], { maxDepth: 3 }).log).toEqual(['start', 'element:a'])
    expectError(feed([OPEN, nested(4)], { maxDepth: 3 }), 'policy-violation')
  })

  it('rejects 100,000 levels quickly without a RangeError', () => {
    const rec = record()
    const start = performance.now()
    expect(() => rec.parser.write(OPEN + '<a>'.repeat(100_000))).not.toThrow()
    expect(performance.now() - start).toBeLessThan(1000)
    const err = expectError(rec, 'policy-violation')
    expect(err.message).toContain('nested')
  })
})

describe('StreamParser inside xmpp.js', () => {
  interface ConnectionInternals {
    status: string
    _attachParser(parser: StreamParser): void
    on(event: string, listener: (...args: unknown[]) => void): void
  }

  it("drives @xmpp/connection's open, element, stanza and close events", () => {
    const Ctor = Connection as unknown as new (options: object) => ConnectionInternals
    const conn = new Ctor({ domain: 'example.org' })
    const seen: string[] = []
    conn.on('open', () => seen.push('open'))
    conn.on('stanza', (el) => seen.push(`stanza:${(el as Element).name}`))
    conn.on('nonza', (el) => seen.push(`nonza:${(el as Element).name}`))
    conn.on('close', () => seen.push('close'))
    const parser = new StreamParser()
    conn._attachParser(parser)
    parser.write(Buffer.from(HEADER + '<stream:features/>' + messageWithBody(HELLO) + CLOSE))
    expect(seen).toEqual(['open', 'nonza:stream:features', 'stanza:message', 'close'])
    expect(conn.status).toBe('close')
  })
})
