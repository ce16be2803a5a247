/**
 * Folding for filter-as-you-type: compatibility decomposition (full-width letters, ligatures),
 * combining marks dropped (é → e, ü → u), lower case. CJK text passes through unchanged, so
 * typing 张 finds 张三. Both the haystack and the query go through the same function.
 */
export function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase()
}

/** True when every whitespace-separated word of the (folded) query occurs in the (folded) haystack. */
export function matchesAll(haystack: string, words: readonly string[]): boolean {
  for (const w of words) if (!haystack.includes(w)) return false
  return true
}

export function queryWords(query: string): string[] {
  return fold(query).split(/\s+/u).filter((w) => w !== '')
}

/** `yyyy-mm-dd` (a date input's value) as local midnight, or the end of that day. */
export function dayBound(value: string, end: boolean): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return undefined
  const start = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime()
  if (Number.isNaN(start)) return undefined
  // The next local midnight minus 1 ms (a day is not always 24 hours: daylight saving time).
  return end ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime() - 1 : start
}
