const ALLOWED = new Set(['http:', 'https:', 'xmpp:', 'mailto:'])

/**
 * The only URLs Parley hands to the operating system: http(s), xmpp and mailto, parsed with URL
 * (never string prefixes), without embedded credentials, at most 8 KiB. Returns the normalised URL
 * or null when it must not be opened.
 */
export function safeExternalUrl(input: string): string | null {
  if (typeof input !== 'string' || input.length > 8192) return null
  let url: URL
  try {
    url = new URL(input.trim())
  } catch {
    return null
  }
  if (!ALLOWED.has(url.protocol)) return null
  if ((url.protocol === 'http:' || url.protocol === 'https:') && (url.username !== '' || url.password !== '' || url.hostname === '')) return null
  return url.href
}
