import { describe, expect, test } from 'vitest'
import { findLinks, neutraliseBidi, parseLine, parseMessage, preview, safeHref, splitControls, type Block, type Span } from '../../../src/renderer/src/lib/text'

/** Flattens spans back to their text (directives included), to check nothing is lost. */
function text(spans: Span[]): string {
  return spans
    .map((s) =>
      s.kind === 'text' || s.kind === 'link' ? s.text : s.kind === 'control' ? s.char : s.kind === 'code' ? `${s.marker}${s.text}${s.marker}` : `${s.marker}${text(s.children)}${s.marker}`
    )
    .join('')
}

const line = (body: string): Span[] => {
  const blocks = parseMessage(body).blocks
  expect(blocks).toHaveLength(1)
  const block = blocks[0] as Block
  if (block.kind !== 'lines') throw new Error(`expected lines, got ${block.kind}`)
  return block.lines[0] as Span[]
}

describe('links', () => {
  test('http, https, xmpp and mailto become links with a normalised href', () => {
    expect(parseLine('see https://example.org/a?b=1#c now')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1#c', href: 'https://example.org/a?b=1#c' },
      { kind: 'text', text: ' now' }
    ])
    expect(findLinks('HTTP://Example.ORG')).toEqual([{ start: 0, end: 18, href: 'http://example.org/' }])
    expect(findLinks('xmpp:room@conference.example.org?join')[0]?.href).toBe('xmpp:room@conference.example.org?join')
    expect(findLinks('write to mailto:bob@example.org.')[0]?.href).toBe('mailto:bob@example.org')
  })

  test('other schemes stay text', () => {
    for (const body of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'vbscript:msgbox', 'ftp://example.org']) {
      expect(parseLine(body)).toEqual([{ kind: 'text', text: body }])
    }
    expect(safeHref('javascript:alert(1)')).toBeNull()
  })

  test('a scheme glued to a word is not a link, and credentials or empty hosts are refused', () => {
    expect(findLinks('xhttps://example.org')).toEqual([])
    expect(findLinks('https://user:pw@example.org')).toEqual([])
    expect(findLinks('https://')).toEqual([])
    expect(findLinks('mailto:')).toEqual([])
  })

  test('trailing punctuation is not part of the link; balanced brackets are', () => {
    expect(findLinks('Look: https://example.org/x.')[0]?.href).toBe('https://example.org/x')
    expect(findLinks('(https://example.org/x)')[0]?.href).toBe('https://example.org/x')
    expect(findLinks('https://en.wikipedia.org/wiki/Foo_(bar)!')[0]?.href).toBe('https://en.wikipedia.org/wiki/Foo_(bar)')
    expect(findLinks('"https://example.org/q?x=1",')[0]?.href).toBe('https://example.org/q?x=1')
    expect(findLinks('看这个https://example.org/路径，很好')[0]).toMatchObject({ href: 'https://example.org/%E8%B7%AF%E5%BE%84' })
    expect(findLinks('https://example.org/a\u202Egnp.exe')[0]?.href).toBe('https://example.org/a')
  })

  test('styling directives inside a link do not style it', () => {
    const spans = parseLine('https://example.org/some_path_with_underscores_ ok')
    expect(spans[0]).toEqual({ kind: 'link', text: 'https://example.org/some_path_with_underscores', href: 'https://example.org/some_path_with_underscores' })
    expect(text(spans)).toBe('https://example.org/some_path_with_underscores_ ok')
  })
})

describe('XEP-0393 spans', () => {
  test('strong, emphasis, strike and pre', () => {
    expect(line('a *b* c')).toEqual([
      { kind: 'text', text: 'a ' },
      { kind: 'strong', marker: '*', children: [{ kind: 'text', text: 'b' }] },
      { kind: 'text', text: ' c' }
    ])
    expect(line('_it_')[0]).toMatchObject({ kind: 'emphasis' })
    expect(line('~gone~')[0]).toMatchObject({ kind: 'strike' })
    expect(line('run `rm -rf *` now')[1]).toEqual({ kind: 'code', marker: '`', text: 'rm -rf *' })
  })

  test('spans nest, but not in themselves, and pre content is never styled', () => {
    expect(line('*bold _and italic_*')).toEqual([
      {
        kind: 'strong',
        marker: '*',
        children: [{ kind: 'text', text: 'bold ' }, { kind: 'emphasis', marker: '_', children: [{ kind: 'text', text: 'and italic' }] }]
      }
    ])
    expect(line('`*not bold*`')).toEqual([{ kind: 'code', marker: '`', text: '*not bold*' }])
    expect(line('*`both`*')).toEqual([{ kind: 'strong', marker: '*', children: [{ kind: 'code', marker: '`', text: 'both' }] }])
  })

  test('directives need text inside, no whitespace inside the edges, and a word boundary before', () => {
    for (const body of ['**', '* not*', '*not *', 'a*b*', '2 * 3 * 4', 'snake_case_name', '*unclosed', 'a ~ b']) {
      expect(text(line(body))).toBe(body)
      expect(line(body).every((s) => s.kind === 'text')).toBe(true)
    }
  })

  test('spans do not cross lines', () => {
    const blocks = parseMessage('*one\ntwo*').blocks
    expect(blocks).toEqual([{ kind: 'lines', lines: [[{ kind: 'text', text: '*one' }], [{ kind: 'text', text: 'two*' }]] }])
  })

  test('links inside styled text', () => {
    expect(line('*https://example.org*')).toEqual([
      { kind: 'strong', marker: '*', children: [{ kind: 'link', text: 'https://example.org', href: 'https://example.org/' }] }
    ])
  })
})

describe('XEP-0393 blocks', () => {
  test('preformatted blocks keep their text unstyled; an unclosed one runs to the end', () => {
    expect(parseMessage('before\n```js\nconst *a* = 1\n```\nafter').blocks).toEqual([
      { kind: 'lines', lines: [[{ kind: 'text', text: 'before' }]] },
      { kind: 'pre', fence: '```js', text: 'const *a* = 1', close: '```' },
      { kind: 'lines', lines: [[{ kind: 'text', text: 'after' }]] }
    ])
    expect(parseMessage('```\nopen').blocks).toEqual([{ kind: 'pre', fence: '```', text: 'open', close: null }])
  })

  test('quotes nest and end at the first line without >', () => {
    expect(parseMessage('> a\n>> b\n> *c*\nd').blocks).toEqual([
      {
        kind: 'quote',
        blocks: [
          { kind: 'lines', lines: [[{ kind: 'text', text: 'a' }]] },
          { kind: 'quote', blocks: [{ kind: 'lines', lines: [[{ kind: 'text', text: 'b' }]] }] },
          { kind: 'lines', lines: [[{ kind: 'strong', marker: '*', children: [{ kind: 'text', text: 'c' }] }]] }
        ]
      },
      { kind: 'lines', lines: [[{ kind: 'text', text: 'd' }]] }
    ])
  })
})

describe('edge cases', () => {
  test('/me is an action', () => {
    expect(parseMessage('/me waves').action).toBe(true)
    expect(parseMessage('/mean').action).toBe(false)
    expect(preview('/me waves\nhello')).toEqual({ action: true, text: 'waves hello' })
  })

  test('markup is just text', () => {
    for (const body of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">x</a>', '&lt;b&gt;']) {
      expect(line(body)).toEqual([{ kind: 'text', text: body }])
    }
  })

  test('empty lines are kept and CRLF is a line break', () => {
    expect(parseMessage('a\r\n\r\nb').blocks).toEqual([{ kind: 'lines', lines: [[{ kind: 'text', text: 'a' }], [], [{ kind: 'text', text: 'b' }]] }])
  })

  test('a hostile 10,000-character line with many directives parses quickly and loses nothing', () => {
    const body = '*a _b ~c `d '.repeat(1_000)
    const t0 = performance.now()
    const spans = line(body)
    expect(performance.now() - t0).toBeLessThan(100)
    expect(text(spans)).toBe(body)
    const long = 'x'.repeat(10_000)
    expect(line(long)).toEqual([{ kind: 'text', text: long }])
  })

  test('preview is one line and bounded', () => {
    expect(preview('a\n\n  b\tc').text).toBe('a b c')
    expect(preview('y'.repeat(500)).text).toHaveLength(161)
  })
})

describe('bidi controls are shown, never applied', () => {
  test('overrides, embeddings and isolates become visible markers in text spans', () => {
    expect(parseLine('invoice_\u202Efdp.exe')).toEqual([
      { kind: 'text', text: 'invoice_' },
      { kind: 'control', char: '\u202E', name: 'RLO' },
      { kind: 'text', text: 'fdp.exe' }
    ])
    const names = [...'\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069'].map((ch) => (parseLine(`a${ch}b`)[1] as { name: string }).name)
    expect(names).toEqual(['LRE', 'RLE', 'PDF', 'LRO', 'RLO', 'LRI', 'RLI', 'FSI', 'PDI'])
    // Marks (LRM, RLM) and joiners stay: they only nudge neutral characters and build emoji.
    expect(parseLine('a\u200Fb\u200Dc')).toEqual([{ kind: 'text', text: 'a\u200Fb\u200Dc' }])
  })

  test('inside styled spans too; link texts never contain one (a link ends before it)', () => {
    const spans = parseLine('*bold \u2067x\u2069*')
    expect(spans[0]).toMatchObject({ kind: 'strong', children: [{ kind: 'text', text: 'bold ' }, { kind: 'control', name: 'RLI' }, { kind: 'text', text: 'x' }, { kind: 'control', name: 'PDI' }] })
    const withLink = parseLine('https://example.org/\u202Egnp.exe')
    expect(withLink[0]).toEqual({ kind: 'link', text: 'https://example.org/', href: 'https://example.org/' })
    expect(withLink[1]).toEqual({ kind: 'control', char: '\u202E', name: 'RLO' })
  })

  test('code and pre content, previews and plain names are neutralised the same way', () => {
    expect(splitControls('x\u202Ey')).toEqual([
      { kind: 'text', text: 'x' },
      { kind: 'control', char: '\u202E', name: 'RLO' },
      { kind: 'text', text: 'y' }
    ])
    expect(splitControls('')).toEqual([{ kind: 'text', text: '' }])
    expect(neutraliseBidi('report\u202Efdp.exe')).toBe('report⟨RLO⟩fdp.exe')
    expect(preview('see \u2066this\u2069').text).toBe('see ⟨LRI⟩this⟨PDI⟩')
  })
})
