/**
 * XEP-0392 consistent colours in the renderer, for what main does not colour for us (room nicks):
 * the hue angle from the first two bytes of the SHA-1 of the UTF-8 text (little endian), then
 * HSLuv with saturation 100 and lightness 50, so everybody's client shows a nick in the same colour.
 * SHA-1 is computed here synchronously (WebCrypto is async only); it is a colour, not security.
 */
import { Hsluv } from 'hsluv'

const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6]

/** SHA-1 of bytes (FIPS 180-4). */
export function sha1(input: Uint8Array): Uint8Array {
  const length = input.length
  const padded = (((length + 8) >> 6) + 1) << 6
  const buffer = new Uint8Array(padded)
  buffer.set(input)
  buffer[length] = 0x80
  const view = new DataView(buffer.buffer)
  view.setUint32(padded - 8, Math.floor(length / 0x20000000))
  view.setUint32(padded - 4, (length * 8) >>> 0)
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]
  const w = new Uint32Array(80)
  for (let offset = 0; offset < padded; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4)
    for (let i = 16; i < 80; i++) {
      const x = (w[i - 3] as number) ^ (w[i - 8] as number) ^ (w[i - 14] as number) ^ (w[i - 16] as number)
      w[i] = (x << 1) | (x >>> 31)
    }
    let [a, b, c, d, e] = h as [number, number, number, number, number]
    for (let i = 0; i < 80; i++) {
      const round = (i / 20) | 0
      const f = round === 0 ? (b & c) | (~b & d) : round === 2 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d
      const t = (((a << 5) | (a >>> 27)) + f + e + (K[round] as number) + (w[i] as number)) >>> 0
      e = d
      d = c
      c = ((b << 30) | (b >>> 2)) >>> 0
      b = a
      a = t
    }
    h[0] = ((h[0] as number) + a) >>> 0
    h[1] = ((h[1] as number) + b) >>> 0
    h[2] = ((h[2] as number) + c) >>> 0
    h[3] = ((h[3] as number) + d) >>> 0
    h[4] = ((h[4] as number) + e) >>> 0
  }
  const out = new Uint8Array(20)
  const outView = new DataView(out.buffer)
  h.forEach((v, i) => outView.setUint32(i * 4, v))
  return out
}

const encoder = new TextEncoder()

/** XEP-0392 §5.1: the hue angle in degrees, [0, 360). */
export function hueAngle(identifier: string): number {
  const digest = sha1(encoder.encode(identifier))
  return (((digest[0] as number) | ((digest[1] as number) << 8)) / 65536) * 360
}

const cache = new Map<string, string>()

/** The colour of an identifier (a room nick), `#rrggbb`; cached, the same list repaints often. */
export function consistentColor(identifier: string): string {
  let color = cache.get(identifier)
  if (color) return color
  const c = new Hsluv()
  c.hsluv_h = hueAngle(identifier)
  c.hsluv_s = 100
  c.hsluv_l = 50
  c.hsluvToHex()
  color = c.hex
  if (cache.size > 5_000) cache.clear()
  cache.set(identifier, color)
  return color
}
