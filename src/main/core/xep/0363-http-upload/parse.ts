import { CoreError } from '../../errors'
import { classifyAddress, hostAddress, isLoopbackName } from '../../files/address'
import type { Element } from '../../xml'
import { fieldValue, parseDataForm } from '../0004-data-forms'

export const NS_HTTP_UPLOAD = 'urn:xmpp:http:upload:0'

export interface Slot {
  put: URL
  /** Only the headers XEP-0363 §5 lets a service ask for: Authorization, Cookie, Expires. */
  headers: Record<string, string>
  get: URL
}

export interface SlotPolicy {
  /** Accept http:// slots on loopback hosts (the test server); https everywhere else. */
  allowInsecureHttpForLoopback: boolean
}

const ALLOWED_HEADERS = new Map([
  ['authorization', 'Authorization'],
  ['cookie', 'Cookie'],
  ['expires', 'Expires']
])
const MAX_URL = 8192
const MAX_HEADER_VALUE = 8192

function badSlot(detail: string): CoreError {
  return new CoreError('bad-input', `The upload service sent an unusable slot: ${detail}`, { condition: 'bad-slot' })
}

/** Whether a URL's host is this machine: `localhost` names or a loopback literal. */
export function isLoopbackUrl(url: URL): boolean {
  const literal = hostAddress(url)
  if (literal !== null) return classifyAddress(literal) === 'loopback'
  return isLoopbackName(url.hostname)
}

function slotUrl(text: string | undefined, what: string, policy: SlotPolicy): URL {
  const s = (text ?? '').trim()
  if (s === '' || s.length > MAX_URL) throw badSlot(`no usable ${what} URL`)
  let url: URL
  try {
    url = new URL(s)
  } catch {
    throw badSlot(`the ${what} URL does not parse`)
  }
  if (url.username !== '' || url.password !== '') throw badSlot(`the ${what} URL carries credentials`)
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && policy.allowInsecureHttpForLoopback && isLoopbackUrl(url)) return url
  // XEP-0363 §11: the URLs SHOULD be https; we insist, or the file and its link travel in clear text.
  throw badSlot(`the ${what} URL is not https (${url.protocol})`)
}

/**
 * `<slot><put url><header name/>…</put><get url/></slot>` (XEP-0363 §4). Headers other than
 * Authorization, Cookie and Expires are dropped (§5: a client MUST NOT send others), as are values
 * with line breaks, which could smuggle in more headers.
 */
export function parseSlot(slot: Element, policy: SlotPolicy): Slot {
  if (slot.name !== 'slot' || slot.attrs.xmlns !== NS_HTTP_UPLOAD) throw badSlot('no <slot/>')
  const put = slot.getChild('put')
  const get = slot.getChild('get')
  const headers: Record<string, string> = {}
  for (const h of put?.getChildren('header') ?? []) {
    const name = ALLOWED_HEADERS.get(String(h.attrs.name ?? '').trim().toLowerCase())
    const value = h.text().trim()
    if (!name || value === '' || value.length > MAX_HEADER_VALUE || /[\r\n\0]/.test(value)) continue
    headers[name] = value
  }
  return {
    put: slotUrl(put?.attrs.url as string | undefined, 'PUT', policy),
    headers,
    get: slotUrl(get?.attrs.url as string | undefined, 'GET', policy)
  }
}

/**
 * The upload limit from a service's disco#info (XEP-0363 §2): the `max-file-size` field of the form
 * whose FORM_TYPE is the upload namespace. Null when absent or not a positive integer.
 */
export function maxFileSizeOf(query: Element): number | null {
  for (const x of query.getChildren('x', 'jabber:x:data')) {
    const form = parseDataForm(x)
    if (form.formType !== NS_HTTP_UPLOAD) continue
    const value = fieldValue(form, 'max-file-size')?.trim() ?? ''
    if (/^\d{1,16}$/.test(value) && Number(value) > 0) return Number(value)
  }
  return null
}

/** Content types are echoed into an HTTP header: keep only a plain `type/subtype`. */
export function safeContentType(type: string): string {
  const t = type.trim().toLowerCase()
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(t) ? t : 'application/octet-stream'
}
