// Whether a group chat message mentions our nick. Matching is on the text only (never on markup),
// case-insensitive with Unicode case folding, and on whole words: "Al" is not mentioned by "Alice",
// "@Al" and "Al:" are. Scripts written without spaces (Chinese, Japanese, Thai…) have no word
// boundaries to look for, so there a nick counts wherever it appears.

const WORD = /[\p{L}\p{N}\p{M}_]/u
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Tibetan}]/u
const SPECIAL = /[.*+?^${}()|[\]\\/]/g
const MAX_NICK = 1023

export function mentionsNick(body: string, nick: string): boolean {
  const wanted = nick.normalize('NFC').trim()
  if (wanted === '' || wanted.length > MAX_NICK || body === '') return false
  const text = body.normalize('NFC')
  const pattern = new RegExp(wanted.replace(SPECIAL, '\\$&'), 'giu')
  for (const m of text.matchAll(pattern)) {
    const start = m.index
    const end = start + m[0].length
    if (separated(codePointBefore(text, start), codePointAt(m[0], 0)) && separated(codePointAt(text, end), codePointBefore(m[0], m[0].length))) return true
  }
  return false
}

/** Two neighbouring characters lie on a word boundary unless both are word characters of a spaced script. */
function separated(outside: string | null, edge: string | null): boolean {
  if (outside === null || edge === null) return true
  if (!WORD.test(outside) || !WORD.test(edge)) return true
  return UNSPACED.test(outside) || UNSPACED.test(edge)
}

function codePointAt(s: string, i: number): string | null {
  const c = s.codePointAt(i)
  return c === undefined ? null : String.fromCodePoint(c)
}

function codePointBefore(s: string, i: number): string | null {
  if (i <= 0) return null
  const low = s.charCodeAt(i - 1)
  const pair = i >= 2 && low >= 0xdc00 && low <= 0xdfff && s.charCodeAt(i - 2) >= 0xd800 && s.charCodeAt(i - 2) <= 0xdbff
  return codePointAt(s, pair ? i - 2 : i - 1)
}
