/**
 * Message bodies as data, never as markup: a body becomes blocks of runs that components render
 * with Svelte elements (text nodes only). Covers XEP-0393 message styling (*strong*, _emphasis_,
 * ~strike~, `pre`, ``` blocks, > quotes), links (http, https, xmpp, mailto, parsed with URL) and
 * XEP-0245 `/me`. Pure and linear-ish: a 10,000-character line parses in well under a millisecond.
 */

export type Span =
  | { kind: 'text'; text: string }
  | { kind: 'link'; text: string; href: string }
  /** Styled span; `marker` is the directive character, shown (dimmed) on both sides. */
  | { kind: 'strong' | 'emphasis' | 'strike'; marker: string; children: Span[] }
  /** Preformatted span: its content is never styled or linked. */
  | { kind: 'code'; marker: string; text: string }
  /** A bidi control character, shown as a visible marker (⟨RLO⟩) instead of reordering the text. */
  | { kind: 'control'; char: string; name: string }

export type Block =
  /** Plain lines, each a list of spans; rendered joined by line breaks. */
  | { kind: 'lines'; lines: Span[][] }
  /** Preformatted block: the opening fence line, its content, the closing fence (null when the message ended first). */
  | { kind: 'pre'; fence: string; text: string; close: string | null }
  | { kind: 'quote'; blocks: Block[] }

export interface MessageText {
  /** XEP-0245: the body started with `/me `; `blocks` hold the rest. */
  action: boolean
  blocks: Block[]
}

export interface LinkMatch {
  start: number
  end: number
  href: string
}

const ALLOWED_PROTOCOLS = new Set(['http:', 'https:', 'xmpp:', 'mailto:'])
// A scheme we link, not glued to a preceding word (CJK text has no spaces, so a Han, kana or hangul
// character may precede it); then everything up to whitespace, quotes or angle brackets,
// invisible/format characters (bidi overrides included) and CJK or full-width punctuation.
const LINK =
  /(?<!(?![\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}])[\p{L}\p{N}_])(?:https?:\/\/|xmpp:|mailto:)[^\s<>"\p{C}\u3000-\u303f\uff00-\uffef]+/giu
const TRAILING = /[.,;:!?'*_~`\u2026]/
const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' }
const WHITESPACE = /\s/u
const DIRECTIVES: Record<string, 'strong' | 'emphasis' | 'strike' | 'code'> = { '*': 'strong', _: 'emphasis', '~': 'strike', '`': 'code' }
const KIND_BIT = { strong: 1, emphasis: 2, strike: 4, code: 8 } as const

const isSpace = (ch: string | undefined): boolean => ch !== undefined && WHITESPACE.test(ch)

/**
 * Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). Inside a message they
 * can make `invoice_\u202Efdp.exe` look like `invoice_exe.pdf`, so they are never applied: each is
 * shown as a visible marker with its name. (LRM/RLM marks stay: they only nudge neutral characters.)
 */
export const BIDI_CONTROLS: Readonly<Record<string, string>> = {
  '\u202A': 'LRE',
  '\u202B': 'RLE',
  '\u202C': 'PDF',
  '\u202D': 'LRO',
  '\u202E': 'RLO',
  '\u2066': 'LRI',
  '\u2067': 'RLI',
  '\u2068': 'FSI',
  '\u2069': 'PDI'
}
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g

export type TextRun = { kind: 'text'; text: string } | { kind: 'control'; char: string; name: string }

/** Text split around bidi controls, which become `control` runs. */
export function splitControls(text: string): TextRun[] {
  const out: TextRun[] = []
  let start = 0
  BIDI.lastIndex = 0
  for (let m = BIDI.exec(text); m !== null; m = BIDI.exec(text)) {
    if (m.index > start) out.push({ kind: 'text', text: text.slice(start, m.index) })
    out.push({ kind: 'control', char: m[0], name: BIDI_CONTROLS[m[0]] ?? '?' })
    start = m.index + 1
  }
  if (start < text.length || out.length === 0) out.push({ kind: 'text', text: text.slice(start) })
  return out
}

/** The visible marker of a control (⟨RLO⟩). */
export const controlMarker = (name: string): string => `\u27E8${name}\u27E9`

/** Plain text with every bidi control replaced by its visible marker (previews, names, snippets). */
export function neutraliseBidi(text: string): string {
  return text.replace(BIDI, (ch) => controlMarker(BIDI_CONTROLS[ch] ?? '?'))
}

/** The href for a candidate link, or null when it is not one we open (scheme, empty host, credentials). */
export function safeHref(candidate: string): string | null {
  let url: URL
  try {
    url = new URL(candidate)
  } catch {
    return null
  }
  if (!ALLOWED_PROTOCOLS.has(url.protocol)) return null
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (url.hostname === '' || url.username !== '' || url.password !== '') return null
  } else if (url.pathname === '') {
    return null
  }
  return url.href
}

/** Drops sentence punctuation and unbalanced closing brackets from the end of a link. */
function trimLink(s: string): string {
  let end = s.length
  for (;;) {
    const last = s[end - 1]
    if (last === undefined) break
    if (TRAILING.test(last)) {
      end--
      continue
    }
    const open = PAIRS[last]
    if (open !== undefined) {
      const part = s.slice(0, end)
      if (count(part, open) < count(part, last)) {
        end--
        continue
      }
    }
    break
  }
  return s.slice(0, end)
}

function count(s: string, ch: string): number {
  let n = 0
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++
  return n
}

/** Links in a piece of text, in order. */
export function findLinks(text: string): LinkMatch[] {
  const out: LinkMatch[] = []
  LINK.lastIndex = 0
  for (let m = LINK.exec(text); m !== null; m = LINK.exec(text)) {
    const candidate = trimLink(m[0])
    const href = safeHref(candidate)
    if (href !== null) out.push({ start: m.index, end: m.index + candidate.length, href })
  }
  return out
}

/** One line's spans: links first (they are atomic), then XEP-0393 span directives around them. */
export function parseLine(line: string): Span[] {
  if (line === '') return []
  const links = findLinks(line)
  const inLink = new Uint8Array(links.length > 0 ? line.length : 0)
  for (const l of links) inLink.fill(1, l.start, l.end)
  const linkAt = new Map(links.map((l) => [l.start, l]))
  const linked = (i: number): boolean => inLink.length > 0 && inLink[i] === 1

  // Valid closing positions per directive (not after whitespace, not inside a link), ascending.
  const closers = new Map<string, number[]>()
  for (let p = 1; p < line.length; p++) {
    const ch = line[p] as string
    if (DIRECTIVES[ch] === undefined || linked(p) || isSpace(line[p - 1])) continue
    let list = closers.get(ch)
    if (!list) closers.set(ch, (list = []))
    list.push(p)
  }

  const firstCloser = (ch: string, min: number, max: number): number => {
    const list = closers.get(ch)
    if (!list) return -1
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((list[mid] as number) < min) lo = mid + 1
      else hi = mid
    }
    const p = list[lo]
    return p !== undefined && p < max ? p : -1
  }

  const spans = (from: number, to: number, active: number): Span[] => {
    const out: Span[] = []
    let textStart = from
    const flush = (end: number): void => {
      if (end > textStart) out.push(...splitControls(line.slice(textStart, end)))
    }
    let i = from
    while (i < to) {
      const link = linkAt.get(i)
      if (link && link.end <= to) {
        flush(i)
        out.push({ kind: 'link', text: line.slice(link.start, link.end), href: link.href })
        i = textStart = link.end
        continue
      }
      const ch = line[i] as string
      const kind = DIRECTIVES[ch]
      // An opening directive starts the line (or follows another opening directive, i.e. starts this
      // span's content) or follows whitespace, and is followed by something that is not whitespace.
      if (kind && (active & KIND_BIT[kind]) === 0 && !linked(i) && (i === from || isSpace(line[i - 1])) && i + 1 < to && !isSpace(line[i + 1])) {
        const close = firstCloser(ch, i + 2, to)
        if (close >= 0) {
          flush(i)
          if (kind === 'code') out.push({ kind, marker: ch, text: line.slice(i + 1, close) })
          else out.push({ kind, marker: ch, children: spans(i + 1, close, active | KIND_BIT[kind]) })
          i = textStart = close + 1
          continue
        }
      }
      i++
    }
    flush(to)
    return out
  }

  return spans(0, line.length, 0)
}

function parseBlocks(lines: string[]): Block[] {
  const blocks: Block[] = []
  let plain: string[] = []
  const flush = (): void => {
    if (plain.length > 0) blocks.push({ kind: 'lines', lines: plain.map(parseLine) })
    plain = []
  }
  for (let i = 0; i < lines.length; ) {
    const line = lines[i] as string
    if (line.startsWith('```')) {
      flush()
      let j = i + 1
      while (j < lines.length && lines[j] !== '```') j++
      blocks.push({ kind: 'pre', fence: line, text: lines.slice(i + 1, j).join('\n'), close: j < lines.length ? '```' : null })
      i = j + 1
      continue
    }
    if (line.startsWith('>')) {
      flush()
      const inner: string[] = []
      while (i < lines.length && (lines[i] as string).startsWith('>')) inner.push((lines[i++] as string).slice(1).replace(/^[ \t]+/, ''))
      blocks.push({ kind: 'quote', blocks: parseBlocks(inner) })
      continue
    }
    plain.push(line)
    i++
  }
  flush()
  return blocks
}

export function parseMessage(body: string): MessageText {
  const action = body.startsWith('/me ')
  const text = action ? body.slice(4) : body
  return { action, blocks: parseBlocks(text.split(/\r?\n/)) }
}

/** A one-line, text-only preview (conversation list). */
export function preview(body: string, max = 160): { action: boolean; text: string } {
  const action = body.startsWith('/me ')
  const text = neutraliseBidi((action ? body.slice(4) : body).slice(0, max * 2).replace(/\s+/gu, ' ').trim())
  return { action, text: text.length > max ? `${text.slice(0, max)}…` : text }
}
