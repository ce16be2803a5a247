import { createHash } from 'node:crypto'
import { Hsluv } from 'hsluv'

const cache = new Map<string, string>()

/**
 * XEP-0392 consistent colour of an identifier (a bare JID, a nickname): the hue angle from the
 * first two bytes of its SHA-1 (little endian), saturation 100 and lightness 50 in HSLuv, so
 * everybody's client shows the same person in the same colour.
 */
export function consistentColor(identifier: string): string {
  let color = cache.get(identifier)
  if (color) return color
  const digest = createHash('sha1').update(identifier, 'utf8').digest()
  const angle = (((digest[0] ?? 0) | ((digest[1] ?? 0) << 8)) / 65536) * 360
  const c = new Hsluv()
  c.hsluv_h = angle
  c.hsluv_s = 100
  c.hsluv_l = 50
  c.hsluvToHex()
  color = c.hex
  if (cache.size > 10_000) cache.clear()
  cache.set(identifier, color)
  return color
}
