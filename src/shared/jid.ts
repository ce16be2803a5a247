// JIDs per RFC 7622, normalised so that every comparison in Parley is made on canonical strings.
//
// This module is shared by the main process and the sandboxed renderer, so it uses only standard JS:
// String.prototype.normalize, toLowerCase, Unicode property escapes and the WHATWG URL parser (for IDNA).
// Nothing here throws: JIDs arrive from the network (a stanza's `from`), and @xmpp/jid throwing on
// `from='alice@'` crashed the process (xmpp.js finding 1). Invalid input gives `null`.
//
// Canonical forms:
// - localpart: PRECIS UsernameCaseMapped (RFC 8265 §3.3): width mapping, toLowerCase, NFC.
// - domainpart: lowercase U-labels (Unicode), as RFC 7622 §3.2 requires ("A-labels MUST be converted to
//   U-labels"). Servers put the Unicode form on the wire, so a canonical Unicode string is what we can
//   compare with their stanzas and send back in `to` unchanged. `xn--` input is decoded by a small
//   RFC 3492 decoder, so `xn--mnchen-3ya.de` and `münchen.de` both become `münchen.de` and compare
//   equal. `domainToAscii` gives the A-label form for DNS, SRV and TLS SNI. IP literals stay as written
//   (IPv4 dotted decimal) or as the URL parser canonicalises them (IPv6 in brackets, `[::1]`).
// - resourcepart: PRECIS OpaqueString (RFC 8265 §4.2): non-ASCII spaces to U+0020, NFC, case kept.
//
// Deliberate approximations (JS exposes neither Bidi_Class nor the IDNA2008 tables):
// - Localparts accept symbols and non-ASCII punctuation (emoji, ★) that IdentifierClass disallows,
//   because Prosody and ejabberd still apply stringprep nodeprep, which allows them; rejecting them
//   would drop stanzas from real accounts. Everything invisible or spoofable is rejected.
// - The RFC 5893 bidi rule uses bidi classes approximated from code point ranges and categories.
// - IDNA2008 PVALID is approximated as letters, marks, decimal digits and hyphen, plus the CONTEXTO
//   characters under their rules; UTS-46 mapping (URL) runs first; the URL parser checks CONTEXTJ.

export type BareJid = string & { readonly __brand: 'BareJid' }
export type FullJid = string & { readonly __brand: 'FullJid' }
export type DomainJid = string & { readonly __brand: 'DomainJid' }

// Parts are '' when absent. Plain data, so it survives structured cloning over IPC.
export interface Jid {
  readonly local: string
  readonly domain: string
  readonly resource: string
}

const MAX_PART_BYTES = 1023
const MAX_HOST_OCTETS = 253
// A valid JID is at most about 3 KiB; refuse to normalise megabytes a hostile peer may send.
const MAX_INPUT_UNITS = 16_384

// Spaces, every "other" category (controls, format incl. bidi overrides and zero-width characters,
// surrogates, private use, unassigned), default-ignorables (Hangul fillers, variation selectors),
// noncharacters and conjoining jamo: all disallowed by PRECIS in both classes.
const INVISIBLE = String.raw`\p{C}\p{DI}\p{NChar}\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF`
const LOCAL_BAD = new RegExp(`["&'/:<>@\\p{Z}${INVISIBLE}]`, 'u')
const RESOURCE_BAD = new RegExp(`[\\p{Zl}\\p{Zp}${INVISIBLE}]`, 'u')
const HOST_BAD = /[\p{C}\p{Z}%/?#\\@:[\]]/u

const ASCII_LOCAL = /^[\x21-\x7e]+$/
const ASCII_LOCAL_BAD = /["&'/:<>@]/
const ASCII_RESOURCE = /^[\x20-\x7e]+$/
const WIDE = /[\uFF01-\uFFEF]/g
const NON_ASCII_SPACE = /\p{Zs}/gu

// LDH labels without `--` in positions 3–4 (reserved for A-labels), and a non-numeric last label.
const ASCII_HOST =
  /^(?:(?!..--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*(?!..--)(?![0-9]+$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const IPV6 = /^\[[0-9a-f:.]+\]$/i
const NUMERIC_HOST = /^[0-9.]+$/

export function parseJid(input: string): Jid | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_UNITS) return null
  // RFC 7622 §3.1: the resource starts at the first '/', the localpart ends at the first '@' before it.
  const slash = input.indexOf('/')
  const head = slash < 0 ? input : input.slice(0, slash)
  const at = head.indexOf('@')
  const local = at < 0 ? '' : prepLocal(head.slice(0, at))
  const domain = prepDomain(head.slice(at + 1))
  const resource = slash < 0 ? '' : prepResource(input.slice(slash + 1))
  if (local === null || domain === null || resource === null) return null
  return { local, domain, resource }
}

export function jidToString(j: Jid): string {
  const s = j.local === '' ? j.domain : `${j.local}@${j.domain}`
  return j.resource === '' ? s : `${s}/${j.resource}`
}

export function bare(j: Jid): Jid {
  return j.resource === '' ? j : { local: j.local, domain: j.domain, resource: '' }
}

// The canonical string of any valid JID, or null.
export function normalizeJid(input: string): string | null {
  const j = parseJid(input)
  return j === null ? null : jidToString(j)
}

// Null for a full JID: a bare JID is asked for (roster items, the carbons sender check). See bareOf.
export function toBareJid(input: string): BareJid | null {
  const j = parseJid(input)
  return j === null || j.resource !== '' ? null : (jidToString(j) as BareJid)
}

export function toFullJid(input: string): FullJid | null {
  const j = parseJid(input)
  return j === null || j.resource === '' ? null : (jidToString(j) as FullJid)
}

// True only for strings that are already canonical, e.g. values read back from storage or IPC.
export function isBareJidString(s: unknown): s is BareJid {
  return typeof s === 'string' && toBareJid(s) === s
}

export function isFullJidString(s: unknown): s is FullJid {
  return typeof s === 'string' && toFullJid(s) === s
}

export function jidEquals(a: string, b: string): boolean {
  const x = normalizeJid(a)
  return x !== null && x === normalizeJid(b)
}

// Strips the resource, if any.
export function bareOf(s: string): BareJid | null {
  const j = parseJid(s)
  return j === null ? null : (jidToString(bare(j)) as BareJid)
}

export function domainOf(s: string): DomainJid | null {
  return (parseJid(s)?.domain ?? null) as DomainJid | null
}

export function localOf(s: string): string | null {
  return parseJid(s)?.local ?? null
}

export function resourceOf(s: string): string | null {
  return parseJid(s)?.resource ?? null
}

// The A-label (punycode) form of a domainpart, for DNS, SRV and TLS SNI; IPv6 keeps its brackets.
export function domainToAscii(domain: string): string | null {
  const d = typeof domain === 'string' ? prepDomain(domain) : null
  if (d === null || IPV4.test(d) || d.startsWith('[')) return d
  return urlHost(d)
}

function prepLocal(raw: string): string | null {
  // Fast path for the common case: printable ASCII needs no Unicode normalisation.
  if (ASCII_LOCAL.test(raw)) {
    const s = raw.toLowerCase()
    return s.length > MAX_PART_BYTES || ASCII_LOCAL_BAD.test(s) ? null : s
  }
  const s = raw.replace(WIDE, (c) => c.normalize('NFKC')).toLowerCase().normalize('NFC')
  if (s === '' || LOCAL_BAD.test(s) || utf8Length(s) > MAX_PART_BYTES) return null
  // PRECIS disallows characters with compatibility decompositions (ligatures, superscripts...).
  if (s.normalize('NFKC') !== s) return null
  return !hasRtl(s) || satisfiesBidiRule(s) ? s : null
}

function prepResource(raw: string): string | null {
  if (ASCII_RESOURCE.test(raw)) return raw.length > MAX_PART_BYTES ? null : raw
  const s = raw.replace(NON_ASCII_SPACE, ' ').normalize('NFC')
  if (s === '' || RESOURCE_BAD.test(s) || utf8Length(s) > MAX_PART_BYTES) return null
  return s
}

function prepDomain(raw: string): string | null {
  const d = raw.endsWith('.') ? raw.slice(0, -1) : raw
  if (d.length <= MAX_HOST_OCTETS && ASCII_HOST.test(d)) return d.toLowerCase()
  if (IPV4.test(d)) return d
  if (IPV6.test(d)) return urlHost(d)
  return prepIdnCached(d)
}

// The slow path costs a few microseconds (two URL parses) and a client sees few distinct domains.
const idnCache = new Map<string, string | null>()
const IDN_CACHE_SIZE = 512

function prepIdnCached(d: string): string | null {
  const hit = idnCache.get(d)
  if (hit !== undefined) return hit
  const v = prepIdn(d)
  if (idnCache.size >= IDN_CACHE_SIZE) idnCache.clear()
  if (d.length <= MAX_PART_BYTES) idnCache.set(d, v)
  return v
}

// Slow path: UTS-46 mapping and validation by the URL parser, then A-labels back to U-labels.
function prepIdn(d: string): string | null {
  // URL would strip, percent-decode or split on these instead of rejecting them.
  if (d === '' || HOST_BAD.test(d)) return null
  const ascii = urlHost(d)
  // All-numeric results are IPv4 forms that URL accepts but RFC 3986 does not (`1.2.3`, `0x7f.1`).
  if (ascii === null || ascii.length > MAX_HOST_OCTETS || NUMERIC_HOST.test(ascii)) return null
  const labels = ascii.split('.').map(toULabel)
  if (!labels.every((l) => l !== null)) return null
  const u = labels.join('.')
  // Round trip: rejects non-canonical punycode and lets URL check the decoded labels (bidi, joiners).
  if (u !== ascii && urlHost(u) !== ascii) return null
  if (labels.some(hasRtl) && !labels.every(satisfiesBidiRule)) return null
  return utf8Length(u) > MAX_PART_BYTES ? null : u
}

function toULabel(a: string): string | null {
  if (!LDH_LABEL.test(a)) return null
  if (a.slice(2, 4) !== '--') return a
  if (!a.startsWith('xn--')) return null
  const u = punycodeDecode(a.slice(4))
  return u !== null && isULabel(u) ? u : null
}

function urlHost(d: string): string | null {
  try {
    return new URL(`http://${d}/`).hostname
  } catch {
    return null
  }
}

// --- IDNA2008 U-label checks (RFC 5891 §4.2.3, RFC 5892 CONTEXTO), approximated -------------------

// eslint-disable-next-line no-misleading-character-class -- ZWNJ/ZWJ are listed one by one, not as a joined sequence
const U_LABEL_CHARS = /^[\p{Ll}\p{Lo}\p{Lm}\p{Mn}\p{Mc}\p{Nd}\u00B7\u0375\u05F3\u05F4\u30FB\u200C\u200D-]+$/u
const CONTEXTO_BAD = /(?<!l)\u00B7|\u00B7(?!l)|\u0375(?!\p{Script=Greek})|(?<!\p{Script=Hebrew})[\u05F3\u05F4]/u
const KANA_HAN = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u

function isULabel(u: string): boolean {
  if (!U_LABEL_CHARS.test(u) || /^\p{M}|^-|-$/u.test(u) || u.slice(2, 4) === '--') return false
  if (CONTEXTO_BAD.test(u)) return false
  if (u.includes('\u30FB') && !KANA_HAN.test(u)) return false
  return !(/[\u0660-\u0669]/.test(u) && /[\u06F0-\u06F9]/.test(u))
}

// --- RFC 5893 bidi rule, with bidi classes approximated (JS regexes lack \p{Bidi_Class}) ------------

type BidiClass = 'L' | 'R' | 'AN' | 'EN' | 'NSM' | 'ON'

const RTL_BLOCKS = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF\u{10800}-\u{10FFF}\u{1E800}-\u{1EFFF}]/u

function bidiClass(ch: string): BidiClass {
  if (/[0-9\u06F0-\u06F9]/.test(ch)) return 'EN'
  if (/[\u0660-\u0669\u066B\u066C]/.test(ch)) return 'AN'
  if (/[\p{Mn}\p{Me}]/u.test(ch)) return 'NSM'
  if (RTL_BLOCKS.test(ch)) return 'R'
  return /[\p{L}\p{Mc}\p{N}]/u.test(ch) ? 'L' : 'ON'
}

function hasRtl(s: string): boolean {
  return RTL_BLOCKS.test(s)
}

function satisfiesBidiRule(s: string): boolean {
  const classes = Array.from(s, bidiClass)
  const last = classes.findLast((c) => c !== 'NSM')
  if (classes.includes('R') || classes.includes('AN')) {
    // Rules 1–4: starts strong RTL, no L, ends RTL or a number, and EN and AN do not mix.
    if (classes[0] !== 'R' || classes.includes('L')) return false
    if (last !== 'R' && last !== 'EN' && last !== 'AN') return false
    return !(classes.includes('EN') && classes.includes('AN'))
  }
  // Rules 1, 5, 6 for an LTR label in a domain that has RTL labels.
  return classes[0] === 'L' && (last === 'L' || last === 'EN')
}

// --- RFC 3492 punycode decoding (A-label to U-label) ---------------------------------------------

const BASE = 36
const T_MIN = 1
const T_MAX = 26
const MAX_DELTA = 0x7fffffff

function punycodeDecode(input: string): string | null {
  const delimiter = input.lastIndexOf('-')
  const out: number[] = []
  for (let j = 0; j < delimiter; j++) out.push(input.charCodeAt(j))
  let n = 128
  let i = 0
  let bias = 72
  for (let pos = delimiter + 1; pos < input.length; ) {
    const step = readDelta(input, pos, i, bias)
    if (step === null) return null
    bias = adapt(step.i - i, out.length + 1, i === 0)
    pos = step.pos
    n += Math.floor(step.i / (out.length + 1))
    i = step.i % (out.length + 1)
    if (n > 0x10ffff) return null
    out.splice(i++, 0, n)
  }
  return out.length === 0 ? null : String.fromCodePoint(...out)
}

// Reads one generalised variable-length integer and adds it to i.
function readDelta(input: string, start: number, i: number, bias: number): { i: number; pos: number } | null {
  let w = 1
  for (let k = BASE, pos = start; pos < input.length; k += BASE) {
    const digit = digitValue(input.charCodeAt(pos++))
    if (digit < 0) return null
    i += digit * w
    const t = k <= bias ? T_MIN : k >= bias + T_MAX ? T_MAX : k - bias
    if (digit < t) return { i, pos }
    w *= BASE - t
    if (i > MAX_DELTA || w > MAX_DELTA) return null
  }
  return null
}

function digitValue(c: number): number {
  if (c >= 0x61 && c <= 0x7a) return c - 0x61
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 26
  return -1
}

function adapt(delta: number, points: number, first: boolean): number {
  let d = first ? Math.floor(delta / 700) : Math.floor(delta / 2)
  d += Math.floor(d / points)
  let k = 0
  for (; d > ((BASE - T_MIN) * T_MAX) / 2; k += BASE) d = Math.floor(d / (BASE - T_MIN))
  return k + Math.floor(((BASE - T_MIN + 1) * d) / (d + 38))
}

// UTF-8 length without allocating: each half of a surrogate pair counts 2 of its 4 bytes.
function utf8Length(s: string): number {
  let bytes = 0
  for (let j = 0; j < s.length; j++) {
    const c = s.charCodeAt(j)
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3
  }
  return bytes
}
