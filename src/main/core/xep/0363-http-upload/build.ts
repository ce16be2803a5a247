import { xml, type Element } from '../../xml'
import { NS_HTTP_UPLOAD } from './parse'

/** `<request xmlns='urn:xmpp:http:upload:0' filename size content-type/>` (XEP-0363 §4). */
export function slotRequest(filename: string, size: number, contentType: string): Element {
  return xml('request', { xmlns: NS_HTTP_UPLOAD, filename, size: String(size), 'content-type': contentType })
}
