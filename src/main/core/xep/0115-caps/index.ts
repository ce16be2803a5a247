import { createHash } from 'node:crypto'
import { xml, type Element } from '../../xml'

export const NS_CAPS = 'http://jabber.org/protocol/caps'
export const PARLEY_NODE = 'https://parley.chat/caps'

export interface Identity {
  category: string
  type: string
  name: string
  lang?: string
}

/** XEP-0115 §5.1 verification string, SHA-1, base64; extended forms are not used by Parley. */
export function capsVer(identities: readonly Identity[], features: readonly string[]): string {
  const ids = identities
    .map((i) => `${i.category}/${i.type}/${i.lang ?? ''}/${i.name}`)
    .sort(compareOctets)
  const feats = [...new Set(features)].sort(compareOctets)
  const s = [...ids, ...feats].map((x) => `${x}<`).join('')
  return createHash('sha1').update(s, 'utf8').digest('base64')
}

/** XEP-0115 sorts by "i;octet" collation: compare UTF-8 bytes, not UTF-16 code units. */
function compareOctets(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

export function capsElement(ver: string): Element {
  return xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node: PARLEY_NODE, ver })
}

export interface CapsAnnouncement {
  node: string
  ver: string
  hash: string
}

export function parseCaps(presence: Element): CapsAnnouncement | null {
  const c = presence.getChild('c', NS_CAPS)
  if (!c) return null
  const { node, ver, hash } = c.attrs as Record<string, unknown>
  if (typeof node !== 'string' || typeof ver !== 'string' || typeof hash !== 'string') return null
  return { node, ver, hash }
}
