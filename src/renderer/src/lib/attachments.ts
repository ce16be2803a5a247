/**
 * Shared files as the chat shows them. A message whose whole body is one http(s) link to a file
 * (a last path segment with an extension, which is what an XEP-0363 upload slot gives) is an
 * attachment: a card with the file name and a Download button, and an inline preview for images.
 * A message the sender marked as a file (XEP-0066, the message's `attachment`) is one whatever its
 * link looks like.
 * The preview is fetched by main (address rules, size and type checks) and arrives as a data URL:
 * the remote URL itself never goes into an <img>.
 */
import { neutraliseBidi } from './text'

export interface Attachment {
  url: string
  /** The file name from the URL's last path segment, decoded, controls made visible. */
  name: string
  /** PNG, JPEG, GIF or WebP by extension: worth asking main for a preview. */
  image: boolean
}

const SINGLE_LINK = /^https?:\/\/[^\s<>"]+$/i
const IMAGE = /\.(?:png|jpe?g|gif|webp)$/i

/** `marked`: the sender said the body is a shared file (XEP-0066); else the link must name a file. */
export function attachmentOf(body: string, marked = false): Attachment | null {
  const text = body.trim()
  if (text.length > 8192 || !SINGLE_LINK.test(text)) return null
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return null
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.username !== '' || url.password !== '') return null
  const last = url.pathname.split('/').pop() ?? ''
  let name = last
  try {
    name = decodeURIComponent(last)
  } catch {
    // Broken escapes: show the segment as it is.
  }
  name = neutraliseBidi(name.replace(/[\p{Cc}]/gu, '')).trim()
  // A page (no file name with an extension) stays a plain link, unless the sender marked it as a file.
  if (!marked && !/\.[\p{L}\p{N}]{1,10}$/u.test(name)) return null
  return { url: url.href, name: name || url.hostname, image: IMAGE.test(url.pathname) }
}

/** Sizes for people: 1.5 MB, 320 kB, 12 bytes (decimal units, as file managers show them). */
export function formatBytes(bytes: number, locale: string): string {
  const units = [
    ['byte', 1],
    ['kilobyte', 1e3],
    ['megabyte', 1e6],
    ['gigabyte', 1e9]
  ] as const
  let unit: (typeof units)[number] = units[0]
  for (const u of units) if (bytes >= u[1]) unit = u
  const value = bytes / unit[1]
  return new Intl.NumberFormat(locale, { style: 'unit', unit: unit[0], unitDisplay: unit[0] === 'byte' ? 'long' : 'short', maximumFractionDigits: value < 10 && unit[0] !== 'byte' ? 1 : 0 }).format(value)
}

/** Files a person picked, dropped or pasted: the File objects (name, type, size, bytes). */
export function filesOf(list: FileList | readonly File[] | null | undefined): File[] {
  return list ? Array.from(list) : []
}
