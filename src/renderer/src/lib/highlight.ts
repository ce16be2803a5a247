/** Search snippets: the text cut at the matched [start, end) ranges, for <mark> elements (never markup). */
import { neutraliseBidi } from './text'

export interface Segment {
  text: string
  mark: boolean
}

export function highlightSegments(text: string, ranges: readonly (readonly [number, number])[]): Segment[] {
  const sorted = ranges
    .map(([s, e]) => [Math.max(0, Math.min(text.length, s)), Math.max(0, Math.min(text.length, e))] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0])
  const out: Segment[] = []
  let at = 0
  for (const [start, end] of sorted) {
    if (end <= at) continue
    const s = Math.max(start, at)
    if (s > at) out.push({ text: neutraliseBidi(text.slice(at, s)), mark: false })
    out.push({ text: neutraliseBidi(text.slice(s, end)), mark: true })
    at = end
  }
  if (at < text.length) out.push({ text: neutraliseBidi(text.slice(at)), mark: false })
  return out
}
