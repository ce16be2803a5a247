import { xml, type Element } from '../../xml'

export const NS_FALLBACK = 'urn:xmpp:fallback:0'

/** XEP-0428: marks (part of) the body as text for clients that do not know `forNs`. */
export function fallback(forNs: string, range?: { start: number; end: number }): Element {
  return xml('fallback', { xmlns: NS_FALLBACK, for: forNs }, range ? xml('body', { start: String(range.start), end: String(range.end) }) : undefined)
}

/**
 * The body without the parts marked as fallback for `forNs` (XEP-0428 §4). Offsets count Unicode
 * code points, not UTF-16 units. Returns null when the whole body is a fallback.
 */
export function stripFallback(message: Element, body: string, forNs: string): string | null {
  const ranges: { start: number; end: number }[] = []
  for (const f of message.getChildren('fallback', NS_FALLBACK)) {
    if (f.attrs.for !== forNs) continue
    const bodies = f.getChildren('body')
    if (bodies.length === 0) return null
    for (const b of bodies) {
      const start = Number(b.attrs.start)
      const end = Number(b.attrs.end)
      if (Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start) ranges.push({ start, end })
    }
  }
  if (ranges.length === 0) return body
  const chars = [...body]
  const keep = chars.map(() => true)
  for (const r of ranges) for (let i = r.start; i < Math.min(r.end, chars.length); i++) keep[i] = false
  return chars.filter((_, i) => keep[i]).join('')
}
