import { xml, type Element } from '../../xml'

export const NS_OOB = 'jabber:x:oob'

const MAX_URL = 8192
const MAX_DESC = 1024

export interface OobData {
  url: string
  desc: string
}

/** An attachment as received: the link, its description, and whether the body is just the link. */
export interface Attachment extends OobData {
  /**
   * XEP-0363 §4 convention: the body repeats the URL so that clients without XEP-0066 show a link.
   * When true, the UI shows the attachment instead of the body.
   */
  bodyIsUrl: boolean
}

/** `<x xmlns='jabber:x:oob'><url/><desc/></x>` (XEP-0066 §3), for a message carrying an upload. */
export function oobElement(url: string, desc?: string): Element {
  return xml('x', { xmlns: NS_OOB }, xml('url', {}, url), desc ? xml('desc', {}, desc.slice(0, MAX_DESC)) : null)
}

/**
 * The first out-of-band link in a message that is an http(s) URL, normalised, at most 8 KiB;
 * others (javascript:, file:, data:, aesgcm: encrypted media) are not links we fetch or show.
 */
export function parseOob(message: Element): OobData | null {
  for (const x of message.getChildren('x', NS_OOB)) {
    const url = httpUrl(x.getChildText('url') ?? '')
    if (url) return { url, desc: (x.getChildText('desc') ?? '').trim().slice(0, MAX_DESC) }
  }
  return null
}

export function attachmentOf(message: Element): Attachment | null {
  const oob = parseOob(message)
  if (!oob) return null
  const body = (message.getChildText('body') ?? '').trim()
  return { ...oob, bodyIsUrl: body !== '' && httpUrl(body) === oob.url }
}

/**
 * XEP-0066 as Conversations reads it: the message shares a file when its out-of-band link is its
 * whole body. Other out-of-band data (a link beside some text) is not shown as a file.
 */
export function sharesFile(message: Element): boolean {
  return attachmentOf(message)?.bodyIsUrl === true
}

function httpUrl(text: string): string | null {
  const s = text.trim()
  if (s === '' || s.length > MAX_URL) return null
  try {
    const url = new URL(s)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    if (url.username !== '' || url.password !== '') return null
    return url.href
  } catch {
    return null
  }
}
