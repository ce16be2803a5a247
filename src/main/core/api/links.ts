const ALLOWED = new Set(['http:', 'https:', 'xmpp:', 'mailto:'])
/** RFC 6068 header fields a mail link may prefill; anything else (attach=, attachment=…) is dropped. */
const MAILTO_FIELDS = new Set(['to', 'cc', 'bcc', 'subject', 'body', 'in-reply-to'])

/**
 * The only URLs Parley hands to the operating system: http(s), xmpp and mailto, parsed with URL
 * (never string prefixes), without embedded credentials, at most 8 KiB. A mailto link keeps only
 * its address and the header fields of RFC 6068: some mail clients read `attach=` and would attach
 * a local file to a draft for whoever wrote the link. Returns the normalised URL or null when it
 * must not be opened.
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
  if (url.protocol === 'mailto:') return safeMailto(url)
  return url.href
}

function safeMailto(url: URL): string {
  const kept = new URLSearchParams()
  for (const [name, value] of url.searchParams) if (MAILTO_FIELDS.has(name.toLowerCase())) kept.append(name.toLowerCase(), value)
  // URLSearchParams writes spaces as '+', which mailto does not read as spaces (RFC 6068 §5).
  const query = kept.toString().replace(/\+/g, '%20')
  return `mailto:${url.pathname}${query === '' ? '' : `?${query}`}`
}
