// Full-text search over messages: what goes into the FTS5 index, how a user's query becomes an
// FTS5 MATCH expression, and where the hits are in a body (for highlighting).
//
// Why bigrams for CJK (measured, see the store's report and scripts/bench/store.ts): Chinese and
// Japanese have no spaces, and dictionary word segmentation (Intl.Segmenter) is context dependent:
// 咖啡店 is one word, so a search for 咖啡 ("coffee") misses "咖啡店在哪里"; likewise 東京 in
// 東京タワー and 南山 in 深圳市南山区. Chat search is expected to behave like substring search, so a
// run of Han/kana/Hangul is indexed as overlapping bigrams (北京烤鸭 → 北京 京烤 烤鸭) plus the run's
// last character on its own. A query of two or more characters becomes a phrase of its bigrams,
// which matches exactly where the query is a substring; a one-character query is a prefix query
// that a one-character prefix index answers from a single doclist. The trigram tokenizer would
// need a full scan for the one- and two-character queries that most Chinese searches are.
// Everything else is left to FTS5's unicode61 tokenizer (case folding, `remove_diacritics 2`), after
// NFKC so that full-width Latin and half-width kana fold too. Thai, Lao, Khmer and Myanmar also
// lack spaces; their runs are split into words with Intl.Segmenter (ICU's dictionaries), so that a
// word inside a sentence is a token of its own.

/** Indexing stops here: a pasted megabyte should not cost megabytes of index. */
export const MAX_INDEXED_CHARS = 65_536
/** Highlight ranges are computed in this much of a body. */
const MAX_HIGHLIGHT_CHARS = 20_000
const MAX_QUERY_CHARS = 256
const MAX_QUERY_TERMS = 16
/**
 * The word being typed is a prefix query. FTS5 answers a prefix from a prefix index in one doclist
 * read; without one it merges the doclists of every matching word first. The index (migrations.ts)
 * keeps 1- and 3-character prefixes (a 2-character one would duplicate every CJK bigram). So a
 * two-letter last term is matched as a whole word: measured on 1M messages, "th"* costs 29 ms,
 * "the"* 0.07 ms, "ther"* 0.9 ms, "t"* 0.1 ms.
 */
const MIN_PREFIX_CHARS = 3

// The index tokenizes with `unicode61 remove_diacritics 2 categories 'L* N* Co So'`; the query
// builder below relies on that and on the prefix indexes above.

const CJK = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\u3005-\u3007\u30FC`
const SEA = String.raw`\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}`
// Symbols (emoji) are tokens of their own, so that 👍 is found next to a word or another symbol.
const RUNS = new RegExp(`([${CJK}]+)|([${SEA}]+)|(\\p{So})|([^${CJK}${SEA}\\p{So}]+)`, 'gu')
const TOKEN = /[\p{L}\p{N}\p{M}\p{Co}]+/gu
const HAS_TOKEN_CHAR = /[\p{L}\p{N}\p{Co}\p{So}]/u
const QUERY_JUNK = /[\p{Cc}\p{Cf}\p{Cs}\p{Cn}]/gu
const IS_CJK = new RegExp(`[${CJK}]`, 'u')

let segmenter: Intl.Segmenter | undefined
function words(run: string): string[] {
  segmenter ??= new Intl.Segmenter('th', { granularity: 'word' })
  const out: string[] = []
  for (const s of segmenter.segment(run)) if (s.isWordLike) out.push(s.segment)
  return out
}

function bigrams(run: string): string[] {
  const chars = Array.from(run)
  if (chars.length === 1) return chars
  const out: string[] = []
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!)
  out.push(chars[chars.length - 1]!)
  return out
}

/** The text the FTS5 index sees for a body. */
export function searchText(body: string): string {
  const text = (body.length > MAX_INDEXED_CHARS ? body.slice(0, MAX_INDEXED_CHARS) : body).normalize('NFKC')
  const out: string[] = []
  for (const m of text.matchAll(RUNS)) {
    if (m[1] !== undefined) out.push(...bigrams(m[1]))
    else if (m[2] !== undefined) out.push(...words(m[2]))
    else out.push(m[0])
  }
  return out.join(' ')
}

export interface QueryTerm {
  /** Folded (see `fold`) text to look for in a body. */
  text: string
  /** CJK terms match anywhere; others at the start of a word. */
  cjk: boolean
  /** The term may continue (the word being typed). */
  prefix: boolean
}

export interface ParsedQuery {
  /** FTS5 expression restricted to the `body` column; every user string is quoted. */
  match: string
  terms: QueryTerm[]
}

const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`

/**
 * Turns what the user typed into an FTS5 expression: every term quoted (so `"`, `*`, `NEAR(`,
 * `OR`, `:` are just text), all terms required, and the last one a prefix while it is being typed
 * (a trailing space ends it). Returns null when nothing searchable is left.
 */
export function parseQuery(input: string): ParsedQuery | null {
  const text = input.slice(0, MAX_QUERY_CHARS).normalize('NFKC').replace(QUERY_JUNK, ' ')
  const typing = !/\s$/u.test(text)
  const chunks = text.split(/\s+/u).filter((c) => HAS_TOKEN_CHAR.test(c))
  const parts: string[] = []
  const terms: QueryTerm[] = []
  chunks.forEach((chunk, ci) => {
    const runs = [...chunk.matchAll(RUNS)].filter((m) => HAS_TOKEN_CHAR.test(m[0]))
    runs.forEach((m, ri) => {
      const last = typing && ci === chunks.length - 1 && ri === runs.length - 1
      if (m[1] !== undefined) {
        const grams = bigrams(m[1])
        // A single character is a prefix of the bigrams that start with it (or the run-final
        // unigram). Longer runs: the phrase of bigrams, without the trailing unigram.
        if (grams.length === 1) parts.push(`${quote(grams[0]!)}*`)
        else parts.push(quote(grams.slice(0, -1).join(' ')))
        terms.push({ text: fold(m[1]), cjk: true, prefix: false })
      } else {
        const tokens = (m[2] !== undefined ? words(m[2]) : m[3] !== undefined ? [m[3]] : (m[0].match(TOKEN) ?? [])).filter((t) =>
          HAS_TOKEN_CHAR.test(t)
        )
        if (tokens.length === 0) return
        const tail = tokens[tokens.length - 1]!
        const prefix = last && m[3] === undefined && (Array.from(tail).length >= MIN_PREFIX_CHARS || Array.from(tail).length === 1)
        parts.push(quote(tokens.join(' ')) + (prefix ? '*' : ''))
        tokens.forEach((t, ti) => terms.push({ text: fold(t), cjk: false, prefix: prefix && ti === tokens.length - 1 }))
      }
    })
  })
  if (parts.length === 0) return null
  const kept = parts.slice(0, MAX_QUERY_TERMS)
  return { match: `{body} : (${kept.join(' AND ')})`, terms: terms.filter((t) => t.text !== '') }
}

/** Meta tokens let FTS5 itself filter by conversation or account (intersection of doclists). */
export const convToken = (conv: number): string => `c${conv}`
export const accountToken = (account: number): string => `a${account}`
export const metaText = (conv: number, account: number): string => `${convToken(conv)} ${accountToken(account)}`

const foldCache = new Map<string, string>()
function foldChar(ch: string): string {
  const code = ch.charCodeAt(0)
  if (code < 0x80) return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : ch
  let f = foldCache.get(ch)
  if (f === undefined) {
    f = ch.normalize('NFKC').toLowerCase().normalize('NFD').replace(/\p{M}/gu, '')
    if (foldCache.size < 50_000) foldCache.set(ch, f)
  }
  return f
}

/** Case-folded, diacritics-free, NFKC text: what unicode61 compares, approximately. */
export function fold(s: string): string {
  let out = ''
  for (const ch of s) out += foldChar(ch)
  return out
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u

/** Where the query's terms are in `body`, as sorted, non-overlapping UTF-16 [start, end) ranges. */
export function highlight(body: string, terms: QueryTerm[]): [number, number][] {
  if (terms.length === 0) return []
  const scope = body.length > MAX_HIGHLIGHT_CHARS ? body.slice(0, MAX_HIGHLIGHT_CHARS) : body
  // Folded text and, per folded code unit, the original range it came from.
  let folded = ''
  const from: number[] = []
  const to: number[] = []
  let i = 0
  for (const ch of scope) {
    const f = foldChar(ch)
    for (let k = 0; k < f.length; k++) {
      from.push(i)
      to.push(i + ch.length)
    }
    folded += f
    i += ch.length
  }
  const isWordChar = (at: number): boolean => {
    const ch = folded[at]
    return ch !== undefined && WORD_CHAR.test(ch) && !IS_CJK.test(ch)
  }
  const ranges: [number, number][] = []
  for (const term of terms) {
    let at = folded.indexOf(term.text)
    while (at >= 0 && ranges.length < 200) {
      const end = at + term.text.length
      const ok = term.cjk || (!isWordChar(at - 1) && (term.prefix || !isWordChar(end)))
      if (ok) ranges.push([from[at]!, to[end - 1]!])
      at = folded.indexOf(term.text, ok ? end : at + 1)
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const merged: [number, number][] = []
  for (const r of ranges) {
    const prev = merged[merged.length - 1]
    if (prev && r[0] <= prev[1]) prev[1] = Math.max(prev[1], r[1])
    else merged.push([r[0], r[1]])
  }
  return merged
}

export interface Snippet {
  text: string
  /** Ranges in `text`. */
  ranges: [number, number][]
}

const SNIPPET_BEFORE = 30
const SNIPPET_LENGTH = 160

/** A short window of the body around the first match, for a result list. */
export function snippet(body: string, ranges: [number, number][]): Snippet {
  if (body.length <= SNIPPET_LENGTH) return { text: body, ranges }
  let start = Math.max(0, (ranges[0]?.[0] ?? 0) - SNIPPET_BEFORE)
  let end = Math.min(body.length, start + SNIPPET_LENGTH)
  // Never cut a surrogate pair in half.
  if (isLowSurrogate(body.charCodeAt(start))) start--
  if (isLowSurrogate(body.charCodeAt(end))) end++
  const lead = start > 0 ? '…' : ''
  const shift = lead.length - start
  const text = lead + body.slice(start, end) + (end < body.length ? '…' : '')
  const inside = ranges
    .filter(([s, e]) => e > start && s < end)
    .map(([s, e]): [number, number] => [Math.max(s, start) + shift, Math.min(e, end) + shift])
  return { text, ranges: inside }
}

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff
