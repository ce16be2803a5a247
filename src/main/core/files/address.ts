import { isIPv4, isIPv6 } from 'node:net'

/**
 * What an IP address is, for deciding whether Parley may fetch from it without the user asking.
 * Only `public` is fetched automatically: a link in a message must not make us probe the user's
 * router, printer or local services (SSRF), or leak that a message was read to a LAN listener.
 */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved' | 'invalid'

interface Range4 {
  base: number
  bits: number
  kind: Exclude<AddressClass, 'public' | 'invalid'>
}

// IANA IPv4 special-purpose registry (RFC 6890 and updates), plus multicast and class E.
const RANGES4: Range4[] = [
  { base: ip4(0, 0, 0, 0), bits: 8, kind: 'unspecified' }, // "this network": 0.0.0.0 reaches localhost on Linux
  { base: ip4(10, 0, 0, 0), bits: 8, kind: 'private' },
  { base: ip4(100, 64, 0, 0), bits: 10, kind: 'private' }, // carrier-grade NAT, shared address space
  { base: ip4(127, 0, 0, 0), bits: 8, kind: 'loopback' },
  { base: ip4(169, 254, 0, 0), bits: 16, kind: 'link-local' }, // also cloud metadata services (169.254.169.254)
  { base: ip4(172, 16, 0, 0), bits: 12, kind: 'private' },
  { base: ip4(192, 0, 0, 0), bits: 24, kind: 'reserved' }, // IETF protocol assignments
  { base: ip4(192, 0, 2, 0), bits: 24, kind: 'reserved' }, // TEST-NET-1
  { base: ip4(192, 88, 99, 0), bits: 24, kind: 'reserved' }, // deprecated 6to4 relay anycast
  { base: ip4(192, 168, 0, 0), bits: 16, kind: 'private' },
  { base: ip4(198, 18, 0, 0), bits: 15, kind: 'reserved' }, // benchmarking
  { base: ip4(198, 51, 100, 0), bits: 24, kind: 'reserved' }, // TEST-NET-2
  { base: ip4(203, 0, 113, 0), bits: 24, kind: 'reserved' }, // TEST-NET-3
  { base: ip4(224, 0, 0, 0), bits: 4, kind: 'multicast' },
  { base: ip4(240, 0, 0, 0), bits: 4, kind: 'reserved' } // class E and broadcast
]

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0
}

function classify4(n: number): AddressClass {
  for (const r of RANGES4) {
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0
    if ((n & mask) >>> 0 === r.base) return r.kind
  }
  return 'public'
}

function parse4(s: string): number | null {
  if (!isIPv4(s)) return null
  const p = s.split('.').map(Number)
  return ip4(p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0)
}

/** 16 bytes of an IPv6 literal (with an embedded dotted quad allowed), or null. */
export function parseIPv6(input: string): Uint8Array | null {
  const s = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input
  if (!isIPv6(s)) return null
  // An embedded dotted quad (`::ffff:127.0.0.1`) is the last two words written in decimal.
  const text = s.toLowerCase().replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) => {
    const hi = (Number(a) << 8) | Number(b)
    const lo = (Number(c) << 8) | Number(d)
    return `${hi.toString(16)}:${lo.toString(16)}`
  })
  const double = text.indexOf('::')
  const head = double < 0 ? text : text.slice(0, double)
  const rest = double < 0 ? undefined : text.slice(double + 2)
  const left = head ? head.split(':') : []
  const right = rest ? rest.split(':') : []
  const known = left.length + right.length
  if (known > 8 || (rest === undefined && known !== 8)) return null
  const words = [...left, ...Array<string>(rest === undefined ? 0 : 8 - known).fill('0'), ...right].map((w) => parseInt(w, 16))
  if (words.length !== 8 || words.some((w) => !(w >= 0 && w <= 0xffff))) return null
  const bytes = new Uint8Array(16)
  words.forEach((w, i) => {
    bytes[i * 2] = w >> 8
    bytes[i * 2 + 1] = w & 0xff
  })
  return bytes
}

function startsWith(b: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3
    const bit = 7 - (i & 7)
    if ((((b[byte] ?? 0) >> bit) & 1) !== (((prefix[byte] ?? 0) >> bit) & 1)) return false
  }
  return true
}

function v4At(b: Uint8Array, offset: number): number {
  return ip4(b[offset] ?? 0, b[offset + 1] ?? 0, b[offset + 2] ?? 0, b[offset + 3] ?? 0)
}

function classify6(b: Uint8Array): AddressClass {
  const zero = (from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0)
  if (zero(0, 16)) return 'unspecified'
  if (zero(0, 15) && b[15] === 1) return 'loopback'
  // IPv4-mapped (::ffff:a.b.c.d): the socket talks IPv4 to a.b.c.d, so judge that address.
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return classify4(v4At(b, 12))
  // NAT64 well-known prefix: the gateway forwards to the embedded IPv4 address.
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96)) return classify4(v4At(b, 12))
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) return 'private' // local-use NAT64
  if (startsWith(b, [0], 8)) return 'reserved' // IPv4-compatible (deprecated) and the rest of ::/8
  if (startsWith(b, [0x01, 0x00, 0, 0, 0, 0, 0, 0], 64)) return 'reserved' // discard-only
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'reserved' // documentation
  if (startsWith(b, [0x20, 0x01, 0x00], 23)) return 'reserved' // IETF protocol assignments, Teredo, ORCHID
  if (startsWith(b, [0x20, 0x02], 16)) return classify4(v4At(b, 2)) === 'public' ? 'public' : 'reserved' // 6to4
  if (startsWith(b, [0x3f, 0xff], 20)) return 'reserved' // documentation (RFC 9637)
  if (startsWith(b, [0x5f, 0x00], 16)) return 'reserved' // SRv6 SIDs
  if (startsWith(b, [0xfc], 7)) return 'private' // unique local fc00::/7
  if (startsWith(b, [0xfe, 0x80], 10)) return 'link-local'
  if (startsWith(b, [0xfe, 0xc0], 10)) return 'private' // deprecated site-local
  if (startsWith(b, [0xff], 8)) return 'multicast'
  if (startsWith(b, [0x20], 3)) return 'public' // global unicast 2000::/3
  return 'reserved' // unallocated
}

/**
 * Classifies an IP literal as the socket would use it: `127.0.0.1`, `::1`, `[::1]`,
 * `::ffff:127.0.0.1`, `fe80::1%eth0` (zone ids from DNS answers are dropped). Host names and
 * non-canonical IPv4 forms (`0x7f.1`, `2130706433`) are `invalid` here: URL parsing turns those
 * into dotted quads first (see `hostAddress`), DNS answers are always canonical.
 */
export function classifyAddress(address: string): AddressClass {
  const s = address.replace(/%[^\]]*$/, '')
  const v4 = parse4(s)
  if (v4 !== null) return classify4(v4)
  const v6 = parseIPv6(s)
  return v6 ? classify6(v6) : 'invalid'
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public'
}

/** The IP literal a URL's host names, without brackets, or null for a DNS name. */
export function hostAddress(url: URL): string | null {
  const host = url.hostname
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1)
  return isIPv4(host) ? host : null
}

/** Host names that never leave the machine (RFC 6761), whatever DNS might say. */
export function isLoopbackName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  return h === 'localhost' || h.endsWith('.localhost')
}
